//! Our WAST parser against the spec suite, one trial per `.wast` file:
//!
//! - every script parses;
//! - every text module encodes to bytes that decode to the same module as
//!   the `wast` crate's encoding of it (names compared through the decoded
//!   `name` section: module, functions, locals, and the other maps we emit);
//! - every text `assert_malformed` module (and quoted module) is rejected.
//!
//! The folders are the rows of `tern_test_support::suites::SUITES` read by
//! the `Text` harness. Known gaps are the `text/...` entries of the one
//! ledger (`crates/tern-test-support/expected-failures.txt`); a listed entry
//! that passes fails the run.

use std::collections::HashMap;
use tern_binary::{Module, Names};
use tern_test_support::runner::{self, Checked, Run};
use tern_test_support::suites::{self, Harness, SpecFile};
use tern_text::{DirectiveKind, ModuleSource, ScriptModule, parse_script};
use wast::{QuoteWat, Wast, WastDirective, parser::ParseBuffer};

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

/// The `wast` crate's encodings of the text modules, by line.
fn reference(src: &str) -> HashMap<usize, Result<Vec<u8>, String>> {
    let mut out = HashMap::new();
    let Ok(buf) = ParseBuffer::new(src) else { return out };
    let Ok(wast) = wast::parser::parse::<Wast<'_>>(&buf) else {
        return out;
    };
    for d in wast.directives {
        let (span, mut m) = match d {
            WastDirective::Module(m) | WastDirective::ModuleDefinition(m) => (m.span(), m),
            WastDirective::AssertInvalid { span, module, .. } | WastDirective::AssertMalformed { span, module, .. }
                if matches!(module, QuoteWat::Wat(_)) =>
            {
                (span, module)
            }
            WastDirective::AssertUnlinkable { span, module, .. } => (span, QuoteWat::Wat(module)),
            _ => continue,
        };
        if !matches!(m, QuoteWat::Wat(wast::Wat::Module(_))) {
            continue;
        }
        let line = line_of(src, span.offset());
        out.insert(line, m.encode().map_err(|e| e.to_string()));
    }
    out
}

fn without_names<'a>(mut m: Module<'a>) -> (Module<'a>, Option<Names<'a>>) {
    let names = m.custom("name").and_then(|c| Names::decode(c.data, c.data_offset).ok());
    m.customs.retain(|c| c.name != "name");
    (m, names)
}

fn names_agree(ours: &Option<Names<'_>>, theirs: &Option<Names<'_>>) -> Result<(), String> {
    let empty = Names::default();
    let a = ours.as_ref().unwrap_or(&empty);
    let b = theirs.as_ref().unwrap_or(&empty);
    if a.module != b.module {
        return Err(format!("module name: ours {:?}, wast {:?}", a.module, b.module));
    }
    if a.functions != b.functions {
        return Err(format!(
            "function names: ours {:?}, wast {:?}",
            a.functions, b.functions
        ));
    }
    if a.locals != b.locals {
        return Err(format!("local names: ours {:?}, wast {:?}", a.locals, b.locals));
    }
    for (id, map) in &b.direct {
        let mine = a.direct.iter().find(|(i, _)| i == id).map(|(_, m)| m);
        if mine != Some(map) {
            return Err(format!("names subsection {id}: ours {mine:?}, wast {map:?}"));
        }
    }
    Ok(())
}

fn module_bytes(m: &ScriptModule) -> Option<&Vec<u8>> {
    match &m.source {
        Ok(ModuleSource::Text(b)) => Some(b),
        _ => None,
    }
}

fn check(name: &str, file: &SpecFile) -> Checked<()> {
    let src = file.text;
    let failures = match parse_script(src) {
        Ok(script) => check_script(name, src, &script),
        Err(e) => {
            let e = e.with_source(name, src);
            vec![(e.line_col().map_or(0, |l| l.0), format!("script does not parse: {e}"))]
        }
    };
    Checked {
        failures,
        report: (),
        note: String::new(),
    }
}

fn check_script(name: &str, src: &str, script: &tern_text::Script) -> Vec<(usize, String)> {
    let reference = reference(src);
    let mut failures = Vec::new();
    for d in &script.directives {
        let check = || -> Result<(), String> {
            match &d.kind {
                DirectiveKind::AssertMalformed { module, .. } => {
                    if matches!(module.source, Ok(ModuleSource::Binary(_))) {
                        return Ok(());
                    }
                    if module.to_binary().is_ok() {
                        // Some text modules are malformed only in binary
                        // terms (e.g. too many locals); those must fail to
                        // decode or validate.
                        let b = module.to_binary().unwrap();
                        if tern_validate::validate(&b, &tern_validate::Features::all()).is_ok() {
                            return Err("malformed text module accepted".into());
                        }
                    }
                    Ok(())
                }
                DirectiveKind::Module(m)
                | DirectiveKind::AssertInvalid { module: m, .. }
                | DirectiveKind::AssertUnlinkable { module: m, .. }
                | DirectiveKind::AssertUninstantiable { module: m, .. }
                | DirectiveKind::AssertTrapModule { module: m, .. } => {
                    if let Err(e) = &m.source {
                        return Err(format!(
                            "text module does not parse: {}",
                            e.clone().with_source(name, src)
                        ));
                    }
                    if let Ok(ModuleSource::Quote(_)) = &m.source {
                        return m
                            .to_binary()
                            .map(|_| ())
                            .map_err(|e| format!("quoted module does not parse: {e}"));
                    }
                    let Some(ours) = module_bytes(m) else { return Ok(()) };
                    let Some(Ok(theirs)) = reference.get(&d.line) else {
                        return Ok(());
                    };
                    let a = tern_binary::decode(ours).map_err(|e| format!("our encoding does not decode: {e}"))?;
                    let b = tern_binary::decode(theirs).map_err(|e| format!("wast's encoding does not decode: {e}"))?;
                    let (a, an) = without_names(a);
                    let (b, bn) = without_names(b);
                    if a != b {
                        return Err(format!(
                            "module differs from wast's encoding:\n  ours: {a:?}\n  wast: {b:?}"
                        ));
                    }
                    names_agree(&an, &bn)
                }
                _ => Ok(()),
            }
        };
        if let Err(e) = check() {
            failures.push((d.line, e));
        }
    }
    failures
}

fn main() {
    let items = suites::files(Harness::Text)
        .into_iter()
        .map(|f| (f.name.to_string(), f))
        .collect();
    runner::run(Run::new("text"), items, check, |_| {})
}
