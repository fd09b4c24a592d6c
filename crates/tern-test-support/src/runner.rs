//! One libtest-mimic trial per file per configuration. The selected trials
//! are checked up front on all cores (so a harness can print its summary
//! before libtest's closing line), each file's failures are set against
//! the ledger, and the outcomes become trials. A trial
//! `ledger-names-known-files` checks that every ledger entry of the harness
//! names a trial of the run.

use crate::ledger;
use libtest_mimic::{Arguments, Failed, Trial};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Failures printed per trial before the rest are elided.
const MAX_PRINTED: usize = 40;

/// What checking one file gave.
pub struct Checked<R> {
    /// `(line, message)` per failed directive; line 0 when the whole file
    /// failed.
    pub failures: Vec<(usize, String)>,
    /// The harness's own counts.
    pub report: R,
    /// Appended to a failed trial's message (e.g. the file's counts).
    pub note: String,
}

/// One checked trial.
pub struct Outcome<R> {
    pub name: String,
    /// `None` when the check panicked.
    pub report: Option<R>,
    /// Failures the ledger lists.
    pub tolerated: usize,
    pub failed: usize,
    pub result: Result<(), String>,
}

/// How a harness runs.
pub struct Run<'a> {
    /// The ledger's name for the harness (`wast`, `validate`, `text`).
    pub harness: &'a str,
    /// Stack size of the checking threads.
    pub stack: usize,
}

impl Run<'_> {
    pub fn new(harness: &str) -> Run<'_> {
        Run {
            harness,
            stack: 8 << 20,
        }
    }
}

/// Checks the selected `items` (trial name, what to check) with `check`,
/// hands the outcomes of those that ran (with their items) to `summary`, then runs the
/// trials and exits.
pub fn run<T: Sync, R: Send>(
    run: Run<'_>,
    items: Vec<(String, T)>,
    check: impl Fn(&str, &T) -> Checked<R> + Sync,
    summary: impl FnOnce(&[(&T, Outcome<R>)]),
) -> ! {
    let args = Arguments::from_args();
    let ledger = match ledger::read(run.harness) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(101);
        }
    };
    let unknown: Vec<String> = ledger
        .keys()
        .filter(|k| !items.iter().any(|(n, _)| n == *k))
        .map(|k| {
            format!(
                "expected-failures.txt names `{}/{k}`, which is not a trial of this run",
                run.harness
            )
        })
        .collect();
    let selected: Vec<usize> = (0..items.len())
        .filter(|&i| {
            let probe = Trial::test(items[i].0.clone(), || Ok(()));
            !args.list && !args.is_ignored(&probe) && !args.is_filtered_out(&probe)
        })
        .collect();

    let results: Mutex<Vec<Option<Outcome<R>>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let threads = args
        .test_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, selected.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .stack_size(run.stack)
                .spawn_scoped(s, || {
                    while let Some(&i) = selected.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let (name, item) = &items[i];
                        let outcome = check_one(run.harness, name, item, &check, ledger.get(name));
                        results.lock().unwrap()[i] = Some(outcome);
                    }
                })
                .expect("spawn a checking thread");
        }
    });
    let mut results = results.into_inner().unwrap();
    if !selected.is_empty() {
        let ran: Vec<(&T, Outcome<R>)> = items
            .iter()
            .zip(results.iter_mut())
            .filter_map(|((_, item), o)| Some((item, o.take()?)))
            .collect();
        let outcomes: Vec<&Outcome<R>> = ran.iter().map(|(_, o)| o).collect();
        let mut trials = trials_of(&items, &outcomes);
        summary(&ran);
        trials.push(ledger_trial(unknown));
        libtest_mimic::run(&args, trials).exit();
    }
    let mut trials = trials_of::<T, R>(&items, &[]);
    trials.push(ledger_trial(unknown));
    libtest_mimic::run(&args, trials).exit()
}

fn ledger_trial(unknown: Vec<String>) -> Trial {
    Trial::test("ledger-names-known-files", move || {
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(unknown.join("\n").into())
        }
    })
}

fn trials_of<T, R>(items: &[(String, T)], ran: &[&Outcome<R>]) -> Vec<Trial> {
    items
        .iter()
        .map(|(name, _)| {
            let result = ran.iter().find(|o| &o.name == name).map(|o| o.result.clone());
            Trial::test(name.clone(), move || match result {
                Some(Ok(())) => Ok(()),
                Some(Err(msg)) => Err(Failed::from(msg)),
                None => Err(Failed::from("not checked (internal error)")),
            })
        })
        .collect()
}

fn check_one<T, R>(
    harness: &str,
    name: &str,
    item: &T,
    check: &(impl Fn(&str, &T) -> Checked<R> + Sync),
    expected: Option<&std::collections::BTreeMap<usize, String>>,
) -> Outcome<R> {
    let (failures, report, note) = match catch_unwind(AssertUnwindSafe(|| check(name, item))) {
        Ok(c) => (c.failures, Some(c.report), c.note),
        Err(e) => (
            vec![(0, format!("the check panicked: {}", crate::panic_message(&*e)))],
            None,
            String::new(),
        ),
    };
    let r = ledger::reconcile(harness, name, &failures, expected);
    let result = if r.unexpected.is_empty() && r.stale.is_empty() {
        Ok(())
    } else {
        let mut msg = String::new();
        if !r.unexpected.is_empty() {
            let _ = writeln!(msg, "{} unexpected failure(s):", r.unexpected.len());
            for u in r.unexpected.iter().take(MAX_PRINTED) {
                let _ = writeln!(msg, "  {u}");
            }
            if r.unexpected.len() > MAX_PRINTED {
                let _ = writeln!(msg, "  ... and {} more", r.unexpected.len() - MAX_PRINTED);
            }
        }
        if !r.stale.is_empty() {
            let _ = writeln!(msg, "{} stale ledger entr(y/ies):", r.stale.len());
            for s in &r.stale {
                let _ = writeln!(msg, "  {s}");
            }
        }
        if !note.is_empty() {
            let _ = write!(msg, "{name}: {note}");
        }
        Err(msg)
    };
    Outcome {
        name: name.to_string(),
        report,
        tolerated: r.tolerated,
        failed: failures.len(),
        result,
    }
}
