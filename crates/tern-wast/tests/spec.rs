//! Runs the official spec test suite against tern's interpreter and
//! compiler tiers: one trial per `.wast` file per configuration. The
//! folders are the rows of `tern_test_support::suites::SUITES` read by the
//! `Interp`, `Jit` and `JitEager` harnesses; known failures are the `wast/...` entries
//! of the one ledger (`crates/tern-test-support/expected-failures.txt`).
//!
//! Scripts are parsed by tern's own parser (`tern-text`) and run by
//! `tern_wast::run_script`, the same code `tern wast` uses. Every
//! directive counts as passed, failed or skipped.
//!
//! The configurations are the rows of [`CONFIGS`]: trials are named
//! `PREFIX/FOLDER/FILE.wast` (no prefix for the default one). The compiler
//! tier's rows run only where the host supports the compiler.
//!
//! `cargo test -p tern-wast --test spec` (add `--release` for
//! speed; filter as usual, e.g. `-- simd/`). Per-file counts of the default
//! configuration are printed first (`SPEC_VERBOSE=1` for all), then a total
//! per group.

use std::collections::BTreeMap;
use tern::{BoundsChecks, Tier, Tiering};
use tern_test_support::runner::{self, Checked, Run};
use tern_test_support::suites::{self, Harness, SpecFile};

/// A configuration every file of its harness runs in.
struct Config {
    /// Trial name prefix (`""` for the default configuration).
    prefix: &'static str,
    harness: Harness,
    tier: Tier,
    bounds_checks: BoundsChecks,
    /// Eager translation with (ample) fuel metering on; otherwise lazy,
    /// no fuel.
    eager_fuel: bool,
    /// Compiled code checks the engine's interrupt flag.
    interruptible: bool,
    /// Compile whole modules up front (otherwise lazily).
    eager_compilation: bool,
    /// Tiered execution (with `Tier::Auto`).
    tiering: Option<Tiering>,
    /// Collect the GC heap before every allocation, poisoning freed
    /// objects.
    gc_stress: bool,
    /// Only these folders of the harness (all when `None`).
    folders: Option<&'static [&'static str]>,
}

const fn config(
    prefix: &'static str,
    harness: Harness,
    tier: Tier,
    bounds_checks: BoundsChecks,
    eager_fuel: bool,
) -> Config {
    Config {
        prefix,
        harness,
        tier,
        bounds_checks,
        eager_fuel,
        interruptible: false,
        eager_compilation: false,
        tiering: None,
        gc_stress: false,
        folders: None,
    }
}

/// Tiered execution that compiles a function on its `calls`-th call and
/// enters a loop's compiled code on its `loops`-th iteration, before the
/// call goes on (deterministic: a script runs the same way every time).
const fn tiered(calls: u32, loops: Option<u32>) -> Option<Tiering> {
    Some(Tiering {
        call_threshold: calls,
        loop_threshold: loops,
        synchronous: true,
    })
}

use BoundsChecks::{Explicit, Guard};
use Harness::{Interp, Jit, JitEager};

const CONFIGS: &[Config] = &[
    config("", Interp, Tier::Interp, Guard, false),
    config("eager-fuel", Interp, Tier::Interp, Guard, true),
    config("jit", Jit, Tier::Jit, Guard, false),
    config("jit-explicit", Jit, Tier::Jit, Explicit, false),
    config("jit-fuel", Jit, Tier::Jit, Guard, true),
    // Every check compiled code can carry at once: explicit bounds checks,
    // fuel and interrupt checks.
    Config {
        interruptible: true,
        ..config("jit-explicit-fuel", Jit, Tier::Jit, Explicit, true)
    },
    // The other compiler rows compile lazily; this one compiles whole
    // modules up front (the folders of the `JitEager` harness).
    Config {
        eager_compilation: true,
        ..config("jit-eager", JitEager, Tier::Jit, Guard, false)
    },
    // Tiered: every function's first call is interpreted and its second
    // compiled, so calls cross between the tiers in every direction; a
    // loop's first iteration in the interpreter moves the call to compiled
    // code (on-stack replacement at every loop).
    Config {
        tiering: tiered(2, Some(1)),
        ..config("tiered", Jit, Tier::Auto, Guard, false)
    },
    // With fuel, calls never hot: functions run compiled only by on-stack
    // replacement at a loop's second iteration (inner loops first, then
    // the rest of the call in compiled code), and once a loop of theirs
    // was hot.
    Config {
        tiering: tiered(u32::MAX, Some(2)),
        ..config("tiered-osr-fuel", Jit, Tier::Auto, Guard, true)
    },
    // Tiered but never hot, with fuel: every call of compiled instances'
    // functions goes through their interpreter entries.
    Config {
        tiering: tiered(u32::MAX, None),
        ..config("tiered-cold-fuel", Jit, Tier::Auto, Guard, true)
    },
    // The scripts that allocate GC objects, collecting before every
    // allocation (a reference the collector misses then reads a poisoned
    // object and fails), on the interpreter and tiered (calls and loops
    // cross between interpreted and compiled frames).
    Config {
        gc_stress: true,
        folders: Some(GC_FOLDERS),
        ..config("gc-stress", Interp, Tier::Interp, Guard, false)
    },
    Config {
        gc_stress: true,
        folders: Some(GC_FOLDERS),
        ..config("jit-gc-stress", Jit, Tier::Jit, Guard, false)
    },
    Config {
        gc_stress: true,
        folders: Some(GC_FOLDERS),
        tiering: tiered(2, Some(1)),
        ..config("tiered-gc-stress", Jit, Tier::Auto, Guard, false)
    },
];

/// The folders whose scripts allocate GC objects.
const GC_FOLDERS: &[&str] = &["gc", "wasm-v3"];

struct Item {
    file: SpecFile,
    config: &'static Config,
    /// `wasm-v2`, `simd`, ... prefixed by the configuration's prefix.
    group: String,
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

struct Report {
    counts: Counts,
    skip_reasons: BTreeMap<String, usize>,
}

fn check(name: &str, item: &Item) -> Checked<Report> {
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let mut skip_reasons = BTreeMap::new();
    let options = tern_wast::Options {
        features: item.file.features,
        eager_fuel: item.config.eager_fuel,
        tier: item.config.tier,
        bounds_checks: item.config.bounds_checks,
        interruptible: item.config.interruptible,
        eager_compilation: item.config.eager_compilation,
        tiering: item.config.tiering,
        gc_stress: item.config.gc_stress,
        ..Default::default()
    };
    match tern_wast::run_script(item.file.text, &options) {
        Err(e) => {
            let e = e.with_source(name, item.file.text);
            let line = e.line_col().map(|l| l.0).unwrap_or(0);
            failures.push((line, format!("tern's parser could not parse the file: {e}")));
        }
        Ok(report) => {
            counts.passed += report.passed;
            counts.skipped += report.skipped;
            for (_, why) in report.skips {
                let key = why.split(':').take(2).collect::<Vec<_>>().join(":");
                *skip_reasons.entry(key).or_default() += 1;
            }
            failures.extend(report.failures);
        }
    }
    counts.failed = failures.len();
    Checked {
        note: format!("counts: {}", counts.describe()),
        failures,
        report: Report { counts, skip_reasons },
    }
}

fn main() {
    let jit = tern_cranelift::jit_available();
    let mut items = Vec::new();
    for config in CONFIGS {
        if config.tier != Tier::Interp && !jit {
            continue;
        }
        for file in suites::files(config.harness) {
            if config.folders.is_some_and(|f| !f.contains(&file.folder)) {
                continue;
            }
            let (name, group) = if config.prefix.is_empty() {
                (file.name.to_string(), file.folder.to_string())
            } else {
                (
                    format!("{}/{}", config.prefix, file.name),
                    format!("{}/{}", config.prefix, file.folder),
                )
            };
            items.push((name, Item { file, config, group }));
        }
    }
    let run = Run {
        // Deep recursion in the interpreter's and compiler's call paths.
        stack: 64 << 20,
        ..Run::new("wast")
    };
    runner::run(run, items, check, |ran| {
        let mut groups: BTreeMap<&str, (usize, Counts)> = BTreeMap::new();
        let verbose = std::env::var_os("SPEC_VERBOSE").is_some();
        let mut skips: BTreeMap<String, usize> = BTreeMap::new();
        for (item, o) in ran {
            let Some(r) = &o.report else { continue };
            let counts = Counts {
                tolerated: o.tolerated,
                ..r.counts
            };
            if verbose || item.config.prefix.is_empty() {
                println!("{}: {}", o.name, counts.describe());
            }
            let g = groups.entry(&item.group).or_default();
            g.0 += 1;
            g.1.add(&counts);
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
    })
}
