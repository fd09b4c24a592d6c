//! The spec-test script runner: WAST scripts, parsed by `tern-text`, run
//! against the `tern` runtime with the standard `spectest` host module.
//!
//! ```
//! let report = tern_wast::run_script(
//!     "(module (func (export \"f\") (result i32) i32.const 7)) (assert_return (invoke \"f\") (i32.const 7))",
//!     &tern_wast::Options::default(),
//! ).unwrap();
//! assert_eq!((report.passed, report.failed), (2, 0));
//! ```

#![forbid(unsafe_code)]

mod convert;
pub mod runner;

use runner::{Outcome, Runner};
use std::panic::{AssertUnwindSafe, catch_unwind};
use tern::{BoundsChecks, Features, Tier};

/// How to run scripts.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub features: Features,
    /// Translate eagerly and meter (ample) fuel: checks that neither
    /// changes behaviour.
    pub eager_fuel: bool,
    /// The execution tier (default: the compiler where available).
    pub tier: Tier,
    /// How compiled code checks memory accesses.
    pub bounds_checks: BoundsChecks,
    /// Compiled code checks the engine's interrupt flag
    /// (`Config::interruptible`); nothing in a script raises it.
    pub interruptible: bool,
    /// Compile every function when its module is made (otherwise the
    /// engine's default: lazily, where the host allows).
    pub eager_compilation: bool,
    /// Relaxed SIMD gives the spec's deterministic results.
    pub relaxed_simd_deterministic: bool,
}

/// What running a script gave.
#[derive(Debug, Default)]
pub struct Report {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// `(line, what went wrong)` per failed directive.
    pub failures: Vec<(usize, String)>,
    /// `(line, why)` per skipped directive.
    pub skips: Vec<(usize, String)>,
}

/// Parses and runs a script. `Err` when the script does not parse.
pub fn run_script(src: &str, options: &Options) -> Result<Report, tern_text::Error> {
    let script = tern_text::parse_script(src)?;
    let mut report = Report::default();
    let mut runner = Runner::with_options(options);
    for d in &script.directives {
        let d = convert::directive(d);
        let line = d.line();
        let kind = d.kind();
        let outcome = match catch_unwind(AssertUnwindSafe(|| runner.run(d))) {
            Ok(o) => o,
            Err(e) => {
                // The store may be inconsistent now: start afresh.
                runner = Runner::with_options(options);
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Outcome::Fail(format!("panicked: {msg}"))
            }
        };
        match outcome {
            Outcome::Pass => report.passed += 1,
            Outcome::Skip(why) => {
                report.skipped += 1;
                report.skips.push((line, format!("{kind}: {why}")));
            }
            Outcome::Fail(msg) => {
                report.failed += 1;
                report.failures.push((line, format!("{kind}: {msg}")));
            }
        }
    }
    Ok(report)
}
