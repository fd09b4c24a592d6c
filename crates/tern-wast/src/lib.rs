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

use runner::{Directive, Outcome, Runner};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
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
    /// Tiered execution (with [`Tier::Auto`]; see `tern::Config::tiering`).
    pub tiering: Option<tern::Tiering>,
    /// Collect the GC heap before every allocation and poison freed
    /// objects (`tern::Config::gc_stress`).
    pub gc_stress: bool,
    /// How long a `wait` directive (and the end of a script, for threads
    /// never waited for) waits for a thread before reporting a failure;
    /// `None`: [`runner::DEFAULT_THREAD_TIMEOUT`].
    pub thread_timeout: Option<Duration>,
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

impl Report {
    /// Counts one directive's outcome.
    pub(crate) fn record(&mut self, line: usize, kind: &str, outcome: Outcome) {
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Skip(why) => {
                self.skipped += 1;
                self.skips.push((line, format!("{kind}: {why}")));
            }
            Outcome::Fail(msg) => {
                self.failed += 1;
                self.failures.push((line, format!("{kind}: {msg}")));
            }
        }
    }

    /// Adds another report's counts (a thread's).
    pub(crate) fn merge(&mut self, other: Report) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.failures.extend(other.failures);
        self.skips.extend(other.skips);
    }
}

/// Parses and runs a script. `Err` when the script does not parse.
///
/// The directives of a `thread` run on a thread of their own; their
/// results count when the thread is waited for (`wait`, or the end of the
/// script for a thread never waited for).
pub fn run_script(src: &str, options: &Options) -> Result<Report, tern_text::Error> {
    let script = tern_text::parse_script(src)?;
    let mut report = Report::default();
    let mut runner = Runner::with_options(options);
    run_directives(
        &mut runner,
        script.directives.iter().map(convert::directive),
        &mut report,
    );
    report.merge(runner.join_threads());
    Ok(report)
}

/// Runs directives in order, counting each one's outcome and the results of
/// the threads it waited for. A directive that panics fails, and the runner
/// starts afresh (its store may be inconsistent).
pub(crate) fn run_directives(
    runner: &mut Runner,
    directives: impl IntoIterator<Item = Directive>,
    report: &mut Report,
) {
    for d in directives {
        let line = d.line();
        let kind = d.kind();
        let outcome = match catch_unwind(AssertUnwindSafe(|| runner.run(d))) {
            Ok(o) => o,
            Err(e) => {
                runner.reset();
                Outcome::Fail(format!("panicked: {}", panic_message(&*e)))
            }
        };
        report.record(line, kind, outcome);
        report.merge(runner.take_thread_report());
    }
}

/// The message of a panic's payload.
pub(crate) fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
