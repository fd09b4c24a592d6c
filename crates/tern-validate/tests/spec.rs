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
//! The folders are the rows of `tern_test_support::suites::SUITES` read by
//! the `Validate` harness. Known failures are the `validate/...` entries of
//! the one ledger (`crates/tern-test-support/expected-failures.txt`); a
//! listed entry that passes fails the run, so the ledger only shrinks.
//!
//! The `.wast` text is parsed and encoded by tern's own parser
//! (`tern-text`). Files are checked up front on all cores (by
//! `tern_test_support::runner`), then reported as trials, so that the
//! summary prints before libtest's closing line. Filters work as
//! usual: `cargo test -p tern-validate --test spec -- simd/`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tern_test_support::panic_message;
use tern_test_support::runner::{self, Checked, Run};
use tern_test_support::suites::{self, Harness, SpecFile};
use tern_text::{DirectiveKind, ModuleSource, ScriptModule};

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

struct Checker<'a> {
    file: &'a SpecFile,
    counts: Counts,
    /// `(line, message)`.
    failures: Vec<(usize, String)>,
    malformed_past_decode: Vec<String>,
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

fn check(_: &str, file: &SpecFile) -> Checked<(Counts, Vec<String>)> {
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
            let e = e.with_source(file.name, file.text);
            let line = e.line_col().map(|l| l.0).unwrap_or(0);
            checker.fail(line, format!("tern's text parser cannot parse the script: {e}"));
        }
    }
    Checked {
        note: format!("counts: {}", checker.counts.describe()),
        failures: checker.failures,
        report: (checker.counts, checker.malformed_past_decode),
    }
}

fn main() {
    let files = suites::files(Harness::Validate);
    let items = files.into_iter().map(|f| (f.name.to_string(), f)).collect();
    runner::run(Run::new("validate"), items, check, |ran| {
        let mut total = Counts::default();
        let mut past_decode = Vec::new();
        for (_, o) in ran {
            total.tolerated += o.tolerated;
            if let Some((counts, past)) = &o.report {
                total.add(counts);
                past_decode.extend(past.iter().cloned());
            }
        }
        println!("spec summary over {} file(s): {}", ran.len(), total.describe());
        if !past_decode.is_empty() {
            let shown = past_decode.len().min(40);
            println!(
                "binary assert_malformed modules rejected when their function bodies were read (decode keeps bodies as bytes): {}{}",
                past_decode[..shown].join(", "),
                if shown < past_decode.len() { ", ..." } else { "" }
            );
        }
    })
}
