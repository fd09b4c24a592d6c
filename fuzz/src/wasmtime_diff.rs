//! tern against wasmtime: the same wasm-smith module run on both, every
//! observation compared (see `smith` for what is compared and why nothing
//! needs excusing).

use crate::smith::{self, Event, MAX_MEMORY_PAGES, MAX_TABLE_ELEMENTS, Proposals, TernRun, TrapKind, Type, Value};
use arbitrary::Unstructured;
use std::sync::OnceLock;
use wasmtime as wt;

/// wasmtime configured for exactly the proposals of [`Proposals`]; NaN
/// canonicalization is off, the modules themselves canonicalize.
fn engine(fuel: bool, gc: bool) -> &'static wt::Engine {
    static ENGINES: [OnceLock<wt::Engine>; 4] = [const { OnceLock::new() }; 4];
    ENGINES[fuel as usize + 2 * gc as usize].get_or_init(|| {
        let mut c = wt::Config::new();
        c.wasm_simd(true)
            .wasm_relaxed_simd(false)
            .wasm_multi_memory(true)
            .wasm_tail_call(true)
            .wasm_reference_types(true)
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .wasm_exceptions(true)
            .wasm_function_references(gc)
            .wasm_gc(gc)
            .wasm_memory64(true)
            .wasm_wide_arithmetic(true)
            .wasm_extended_const(true)
            .wasm_custom_page_sizes(true)
            .wasm_stack_switching(false)
            .cranelift_nan_canonicalization(false)
            .consume_fuel(fuel);
        wt::Engine::new(&c).expect("wasmtime configuration")
    })
}

fn wt_type(t: &wt::ValType) -> Type {
    match t {
        wt::ValType::I32 => Type::I32,
        wt::ValType::I64 => Type::I64,
        wt::ValType::F32 => Type::F32,
        wt::ValType::F64 => Type::F64,
        wt::ValType::V128 => Type::V128,
        wt::ValType::Ref(_) => Type::Ref,
    }
}

fn wt_value(v: &wt::Val) -> Value {
    match v {
        wt::Val::I32(x) => Value::I32(*x),
        wt::Val::I64(x) => Value::I64(*x),
        wt::Val::F32(x) => Value::F32(*x),
        wt::Val::F64(x) => Value::F64(*x),
        wt::Val::V128(x) => Value::V128(x.as_u128()),
        v => Value::Ref {
            null: v.ref_().is_none_or(|r| r.is_null()),
        },
    }
}

fn wt_arg(v: Value, t: &wt::ValType) -> wt::Val {
    match v {
        Value::I32(x) => wt::Val::I32(x),
        Value::I64(x) => wt::Val::I64(x),
        Value::F32(x) => wt::Val::F32(x),
        Value::F64(x) => wt::Val::F64(x),
        Value::V128(x) => wt::Val::V128(x.into()),
        Value::Ref { .. } => wt::Val::default_for_ty(t).expect("references default to null"),
    }
}

/// The kind of a wasmtime error.
pub fn wt_trap(e: &wt::Error) -> TrapKind {
    use wt::Trap as T;
    if e.is::<wt::ThrownException>() {
        return TrapKind::UncaughtException;
    }
    // wasmtime's GC heap is smaller than tern's differential limit, and its
    // exhaustion an error rather than a trap.
    if format!("{e:?}").contains("GC heap out of memory") {
        return TrapKind::OutOfGcMemory;
    }
    match e.downcast_ref::<T>() {
        Some(T::UnreachableCodeReached) => TrapKind::Unreachable,
        Some(T::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(T::TableOutOfBounds) => TrapKind::TableOutOfBounds,
        Some(T::IndirectCallToNull) => TrapKind::NullFunction,
        Some(T::BadSignature) => TrapKind::IndirectCallTypeMismatch,
        Some(T::IntegerDivisionByZero) => TrapKind::IntegerDivideByZero,
        Some(T::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(T::BadConversionToInteger) => TrapKind::InvalidConversionToInteger,
        Some(T::NullReference) => TrapKind::NullReference,
        Some(T::StackOverflow) => TrapKind::StackExhausted,
        Some(T::OutOfFuel) => TrapKind::OutOfFuel,
        Some(T::CastFailure) => TrapKind::CastFailure,
        Some(T::ArrayOutOfBounds) => TrapKind::ArrayOutOfBounds,
        Some(T::AllocationTooLarge) => TrapKind::OutOfGcMemory,
        Some(t) => TrapKind::Other(t.to_string()),
        None => TrapKind::Other(format!("{e:?}")),
    }
}

/// Runs `bytes` on wasmtime as [`smith::run_tern`] runs it on tern: the
/// same limits, fuel, calls and arguments, and the same record.
pub fn run_wasmtime(bytes: &[u8], fuel: Option<u64>, gc: bool, arg_bytes: &[u8]) -> Vec<Event> {
    let engine = engine(fuel.is_some(), gc);
    let module = match wt::Module::new(engine, bytes) {
        Ok(m) => m,
        Err(e) => return vec![Event::Invalid(format!("{e:?}"))],
    };
    let limits = wt::StoreLimitsBuilder::new()
        .memory_size(MAX_MEMORY_PAGES as usize * 65536)
        .table_elements(MAX_TABLE_ELEMENTS as usize)
        .build();
    let mut store = wt::Store::new(engine, limits);
    store.limiter(|l| l);
    if let Some(fuel) = fuel {
        store.set_fuel(fuel).expect("fuel is enabled");
    }
    let inst = match wt::Instance::new(&mut store, &module, &[]) {
        Ok(i) => i,
        Err(e) => {
            let k = wt_trap(&e);
            return vec![if k.engine_dependent() {
                Event::Cut(k)
            } else {
                Event::InstantiationTrap(k)
            }];
        }
    };
    let exports: Vec<(String, wt::Extern)> = inst
        .exports(&mut store)
        .map(|e| (e.name().to_string(), e.into_extern()))
        .collect();
    let mut u = Unstructured::new(arg_bytes);
    let mut log = Vec::new();
    for (name, ext) in &exports {
        let wt::Extern::Func(f) = ext else { continue };
        let ty = f.ty(&store);
        // As tern's runner: no call with a non-nullable reference parameter.
        if ty.params().any(|t| t.as_ref().is_some_and(|r| !r.is_nullable())) {
            continue;
        }
        let types: Vec<Type> = ty.params().map(|t| wt_type(&t)).collect();
        let args = smith::args(&mut u, &types);
        let params: Vec<wt::Val> = args.iter().zip(ty.params()).map(|(&v, t)| wt_arg(v, &t)).collect();
        let mut results: Vec<wt::Val> = ty
            .results()
            // (A non-nullable reference result has no default; the call
            // overwrites the placeholder.)
            .map(|t| wt::Val::default_for_ty(&t).unwrap_or(wt::Val::I32(0)))
            .collect();
        let result = match f.call(&mut store, &params, &mut results) {
            Ok(()) => Ok(results.iter().map(wt_value).collect()),
            Err(e) => {
                // An uncaught exception stays pending in the store.
                let _ = store.take_pending_exception();
                Err(wt_trap(&e))
            }
        };
        if !smith::record_call(&mut log, name, args, result) {
            return log;
        }
    }
    for (name, ext) in &exports {
        let name = name.clone();
        log.push(match ext {
            wt::Extern::Func(_) => continue,
            wt::Extern::Global(g) => Event::Global {
                name,
                value: wt_value(&g.get(&mut store)),
            },
            wt::Extern::Memory(m) => Event::Memory {
                name,
                data: m.data(&store).to_vec(),
            },
            wt::Extern::Table(t) => {
                let size = t.size(&store);
                let nulls = (0..size)
                    .map(|i| t.get(&mut store, i).is_none_or(|r| r.is_null()))
                    .collect();
                Event::Table { name, size, nulls }
            }
            wt::Extern::Tag(_) => Event::Tag { name },
            _ => Event::Invalid(format!("unexpected export kind for {name:?}")),
        });
    }
    log
}

/// One fuzz input: its first byte chooses fuel and tern's compiler
/// options, the next make a wasm-smith module, the rest its arguments.
/// Panics when tern (on `tier`) and wasmtime disagree.
pub fn diff_wasmtime(data: &[u8], tier: tern::Tier) {
    diff_wasmtime_with(data, tier, false)
}

/// [`diff_wasmtime`] with Wasm GC in the modules (tern's interpreter only).
pub fn diff_wasmtime_gc(data: &[u8]) {
    // The input's first byte picks tern's tier: the interpreter for even
    // bytes, the compiler for odd ones (where the host has it).
    let jit = data.first().is_some_and(|b| b & 1 == 1);
    let tier = if jit && smith::has_compiler() {
        tern::Tier::Jit
    } else {
        tern::Tier::Interp
    };
    diff_wasmtime_with(data.get(1..).unwrap_or_default(), tier, true)
}



fn diff_wasmtime_with(data: &[u8], tier: tern::Tier, gc: bool) {
    if tier == tern::Tier::Jit && !smith::has_compiler() {
        return;
    }
    let mut u = Unstructured::new(data);
    let flags: u8 = u.arbitrary().unwrap_or(0);
    // Everything both engines implement the same way: relaxed SIMD's
    // choices differ between engines; GC (which wasm-smith's typed
    // function references come with) only in `diff_wasmtime_gc`.
    let proposals = Proposals {
        relaxed_simd: false,
        threads: false,
        gc,
        ..Proposals::TIERS
    };
    let Some(bytes) = smith::module(&mut u, proposals) else {
        return;
    };
    let args = u.take_rest();
    // The bits of `smith::flags`; wasmtime gets the same fuel.
    // wasmtime charges fuel differently: the fuel each call uses is
    // compared only between tern's tiers.
    let run = TernRun {
        record_fuel: false,
        ..TernRun::with_flags(tier, flags)
    };
    let fuel = run.fuel;
    let a = smith::run_tern(&bytes, run, args);
    let b = run_wasmtime(&bytes, fuel, gc, args);
    if let Err(e) = smith::compare(&a, &b, ("tern", "wasmtime")) {
        if let Ok(dir) = std::env::var("TERN_DIFF_SAVE") {
            let _ = std::fs::write(format!("{dir}/diverging.wasm"), &bytes);
        }
        panic!("tern ({run:?}) and wasmtime disagree: {e}");
    }
}
