//! Differential test: random modules from `wasm-smith` (fixed seeds, so
//! the run is deterministic) run every exported function in translated
//! code and in tern's interpreter, each call from a fresh instance, and the
//! results or traps must agree. NaN bit patterns may differ (neither tier
//! canonicalises NaNs); calls that run out of fuel or stack on either side
//! are not compared.
//!
//! `TERN_FUZZ_CASES=N` changes the number of modules (default 300, 40 in
//! debug builds) and `TERN_FUZZ_FIRST=S` the first seed (0);
//! `TERN_FUZZ_PRINT=SEED` prints that seed's module.

mod translate_host;

use arbitrary::Unstructured;
use tern::{Engine, Linker, Store, Val};
use tern_binary::{ExternKind, ValType};
use tern_cranelift::translate::{BoundsChecks, TranslateConfig};
use tern_validate::{Feature, Features};
use tern_vm::TrapCode;
use translate_host::*;

const FUEL: u64 = 200_000;

fn features() -> Features {
    let mut f = Features::wasm2();
    f.set(Feature::TailCall, true);
    f.set(Feature::MultiMemory, true);
    f
}

fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        exceptions_enabled: false,
        gc_enabled: false,
        threads_enabled: false,
        relaxed_simd_enabled: false,
        memory64_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        extended_const_enabled: false,
        tail_call_enabled: true,
        simd_enabled: true,
        multi_value_enabled: true,
        reference_types_enabled: true,
        bulk_memory_enabled: true,
        max_imports: 0,
        max_memories: 2,
        max_tables: 2,
        max_memory32_bytes: 4 << 16,
        max_table_elements: 1000,
        // `TERN_FUZZ_BIG=1`: bigger function bodies.
        max_instructions: if std::env::var_os("TERN_FUZZ_BIG").is_some() {
            3000
        } else {
            300
        },
        max_nesting_depth: if std::env::var_os("TERN_FUZZ_BIG").is_some() {
            30
        } else {
            10
        },
        min_funcs: 4,
        export_everything: true,
        ..wasm_smith::Config::default()
    }
}

/// Deterministic bytes for a seed (xorshift64*).
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Outcome {
    /// Result slots (v128 in two).
    Returned(Vec<u64>),
    Trapped(TrapCode),
    /// Instantiation failed (segment out of bounds, start trapped).
    InstantiationFailed,
    /// Out of fuel or stack, or a host error: not compared.
    Inconclusive,
}

fn arg_vals(params: &[ValType], seed: u64) -> (Vec<Val>, Vec<u64>) {
    let pick = bytes(seed, 16 * params.len().max(1));
    let mut vals = Vec::new();
    let mut slots = Vec::new();
    for (i, &t) in params.iter().enumerate() {
        let b: [u8; 16] = pick[16 * i..16 * i + 16].try_into().unwrap();
        let small = (b[0] % 8) as u64;
        let wide = u128::from_le_bytes(b);
        match t {
            ValType::I32 => {
                let v = if b[1] & 1 == 0 { small as u32 } else { wide as u32 };
                vals.push(Val::I32(v as i32));
                slots.push(v as u64);
            }
            ValType::I64 => {
                let v = if b[1] & 1 == 0 { small } else { wide as u64 };
                vals.push(Val::I64(v as i64));
                slots.push(v);
            }
            ValType::F32 => {
                let v = (small as f32 * 1.5).to_bits();
                vals.push(Val::F32(v));
                slots.push(v as u64);
            }
            ValType::F64 => {
                let v = (small as f64 * -2.25).to_bits();
                vals.push(Val::F64(v));
                slots.push(v);
            }
            ValType::V128 => {
                vals.push(Val::V128(wide.into()));
                slots.push(wide as u64);
                slots.push((wide >> 64) as u64);
            }
            ValType::Ref(r) => {
                vals.push(if matches!(r.heap, tern_binary::HeapType::Extern) {
                    Val::ExternRef(None)
                } else {
                    Val::FuncRef(None)
                });
                slots.push(0);
            }
        }
    }
    (vals, slots)
}

fn interp(wasm: &[u8], export: &str, args: &[Val], results: &[ValType]) -> Outcome {
    let mut config = tern::Config::new();
    config.features(features()).consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = match tern::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(_) => return Outcome::Inconclusive,
    };
    let mut store = Store::new(&engine, ());
    store.set_fuel(FUEL).unwrap();
    let instance = match Linker::new(&engine).instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            return match e.as_trap().and_then(|t| t.code()) {
                Some(TrapCode::OutOfFuel | TrapCode::StackOverflow) => Outcome::Inconclusive,
                _ => Outcome::InstantiationFailed,
            };
        }
    };
    let f = instance.get_func(&mut store, export).unwrap();
    let mut out: Vec<Val> = results.iter().map(|_| Val::I32(0)).collect();
    match f.call(&mut store, args, &mut out) {
        Ok(()) => {
            let mut slots = Vec::new();
            for v in out {
                match v {
                    Val::I32(x) => slots.push(x as u32 as u64),
                    Val::I64(x) => slots.push(x as u64),
                    Val::F32(x) => slots.push(x as u64),
                    Val::F64(x) => slots.push(x),
                    Val::V128(x) => {
                        let x = x.as_u128();
                        slots.push(x as u64);
                        slots.push((x >> 64) as u64);
                    }
                    Val::FuncRef(r) => slots.push(r.is_some() as u64),
                    Val::ExternRef(r) => slots.push(r.is_some() as u64),
                    Val::ExnRef(r) => slots.push(r.is_some() as u64),
                }
            }
            Outcome::Returned(slots)
        }
        Err(e) => match e.as_trap().and_then(|t| t.code()) {
            Some(TrapCode::OutOfFuel | TrapCode::StackOverflow) | None => Outcome::Inconclusive,
            Some(c) => Outcome::Trapped(c),
        },
    }
}

/// Runs the call in translated code, in a forked process; results come
/// back through a shared mapping.
fn compiled(wasm: &'static [u8], func: u32, args: &[u64], results: &[ValType], config: &TranslateConfig) -> Outcome {
    let nslots: usize = results.iter().map(|&t| if t == ValType::V128 { 2 } else { 1 }).sum();
    let shared = unsafe {
        rustix::mm::mmap_anonymous(
            std::ptr::null_mut(),
            4096,
            rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
            rustix::mm::MapFlags::SHARED,
        )
        .unwrap()
        .cast::<u64>()
    };
    let isa = host_isa();
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork");
    if pid == 0 {
        let module = tern_binary::decode(wasm).unwrap();
        let mut inst = match instantiate(module, &features(), &*isa, config) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("compiled instantiation failed: {e}");
                unsafe { libc::_exit(95) }
            }
        };
        install_fault_handler(&inst);
        let here = 0u8;
        inst.host.store.stack_limit = std::ptr::addr_of!(here) as usize - (1 << 20);
        inst.host.store.fuel = FUEL as i64;
        // Traps in the start function exit with 150 + code.
        TRAP_EXIT_BASE.store(150, std::sync::atomic::Ordering::Relaxed);
        if inst.start().is_err() {
            unsafe { libc::_exit(95) }
        }
        TRAP_EXIT_BASE.store(100, std::sync::atomic::Ordering::Relaxed);
        let code = match inst.call(func, args, nslots) {
            Ok(v) => {
                for (i, x) in v.iter().enumerate() {
                    unsafe { shared.add(i).write(*x) };
                }
                97
            }
            Err(c) => trap_exit_code(c),
        };
        unsafe { libc::_exit(code) }
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let out = if !libc::WIFEXITED(status) {
        panic!("child killed by signal {}", libc::WTERMSIG(status));
    } else {
        match libc::WEXITSTATUS(status) {
            97 => {
                // References compare by nullness (the tiers number functions alike,
                // but the interpreter's values are handles).
                let mut slots: Vec<u64> = (0..nslots).map(|i| unsafe { shared.add(i).read() }).collect();
                let mut at = 0;
                for &t in results {
                    if matches!(t, ValType::Ref(_)) {
                        slots[at] = (slots[at] != 0) as u64;
                    }
                    at += if t == ValType::V128 { 2 } else { 1 };
                }
                Outcome::Returned(slots)
            }
            95 | 150..=161 => Outcome::InstantiationFailed,
            OUT_OF_FUEL_EXIT => Outcome::Inconclusive,
            n @ 100..=111 => match TRAP_CODES[n as usize - 100] {
                TrapCode::StackOverflow => Outcome::Inconclusive,
                c => Outcome::Trapped(c),
            },
            n => panic!("child exited with {n}"),
        }
    };
    unsafe { rustix::mm::munmap(shared.cast(), 4096).unwrap() };
    out
}

fn nan_equal(a: u64, b: u64, results: &[ValType], slot: usize) -> bool {
    // Find the type of this slot.
    let mut at = 0;
    for &t in results {
        let n = if t == ValType::V128 { 2 } else { 1 };
        if slot < at + n {
            let is_nan32 = |x: u32| x & 0x7f80_0000 == 0x7f80_0000 && x & 0x007f_ffff != 0;
            let is_nan64 =
                |x: u64| x & 0x7ff0_0000_0000_0000 == 0x7ff0_0000_0000_0000 && x & 0x000f_ffff_ffff_ffff != 0;
            return match t {
                ValType::F32 => is_nan32(a as u32) && is_nan32(b as u32),
                ValType::F64 => is_nan64(a) && is_nan64(b),
                // Lanes differing only where both are NaNs, as f32 or f64 lanes.
                ValType::V128 => {
                    let as32 = (0..2).all(|k| {
                        let (x, y) = ((a >> (32 * k)) as u32, (b >> (32 * k)) as u32);
                        x == y || (is_nan32(x) && is_nan32(y))
                    });
                    as32 || is_nan64(a) && is_nan64(b)
                }
                _ => false,
            };
        }
        at += n;
    }
    false
}

fn agree(a: &Outcome, b: &Outcome, results: &[ValType]) -> bool {
    match (a, b) {
        (Outcome::Inconclusive, _) | (_, Outcome::Inconclusive) => true,
        (Outcome::Returned(x), Outcome::Returned(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .enumerate()
                    .all(|(i, (p, q))| p == q || nan_equal(*p, *q, results, i))
        }
        _ => a == b,
    }
}

/// Runs on the main thread only (see `main`): the calls run in forked
/// processes, which is only sound when no other thread is running.
fn translated_code_agrees_with_the_interpreter() -> Result<(), String> {
    let cases: u64 = std::env::var("TERN_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 40 } else { 300 });
    let configs = [
        TranslateConfig {
            bounds_checks: BoundsChecks::Guard,
            fuel: true,
            interrupts: false,
            epochs: false,
            relaxed_simd_deterministic: false,
        },
        TranslateConfig {
            bounds_checks: BoundsChecks::Explicit,
            fuel: true,
            interrupts: true,
            epochs: false,
            relaxed_simd_deterministic: false,
        },
    ];
    let (mut modules, mut calls, mut compared) = (0, 0, 0);
    let mut mismatches = Vec::new();
    let first: u64 = std::env::var("TERN_FUZZ_FIRST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    for seed in first..first + cases {
        let data = bytes(
            seed,
            if std::env::var_os("TERN_FUZZ_BIG").is_some() {
                1 << 16
            } else {
                8192
            },
        );
        let mut u = Unstructured::new(&data);
        let Ok(m) = wasm_smith::Module::new(smith_config(), &mut u) else {
            continue;
        };
        let wasm: &'static [u8] = Box::leak(m.to_bytes().into_boxed_slice());
        if std::env::var("TERN_FUZZ_PRINT").ok().and_then(|s| s.parse().ok()) == Some(seed) {
            println!("{}", tern_text::print(wasm).unwrap_or_default());
        }
        if tern_validate::validate(wasm, &features()).is_err() {
            continue;
        }
        modules += 1;
        let module = tern_binary::decode(wasm).unwrap();
        for e in module.exports.iter().filter(|e| e.kind == ExternKind::Func) {
            let ty = &module.types[module.functions[e.index as usize] as usize];
            let (vals, slots) = arg_vals(ty.params(), seed ^ e.index as u64);
            let expected = interp(wasm, e.name, &vals, ty.results());
            for config in &configs {
                calls += 1;
                let got = compiled(wasm, e.index, &slots, ty.results(), config);
                if !matches!(expected, Outcome::Inconclusive) && !matches!(got, Outcome::Inconclusive) {
                    compared += 1;
                }
                if !agree(&expected, &got, ty.results()) {
                    mismatches.push(format!(
                        "seed {seed}, export {:?} ({:?}): interpreter {expected:?}, compiled {got:?}",
                        e.name, config.bounds_checks
                    ));
                }
            }
        }
    }
    println!("differential summary: {modules} modules, {calls} calls, {compared} compared");
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} mismatches:\n{}",
            mismatches.len(),
            mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
        ))
    }
}

fn main() {
    let mut args = libtest_mimic::Arguments::from_args();
    // One thread: the main one (forking is only sound single-threaded).
    args.test_threads = Some(1);
    let trial = libtest_mimic::Trial::test("translated_code_agrees_with_the_interpreter", || {
        translated_code_agrees_with_the_interpreter().map_err(Into::into)
    });
    libtest_mimic::run(&args, vec![trial]).exit();
}
