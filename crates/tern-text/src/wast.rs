//! WAST scripts: the spec testsuite's language. The parser turns a script
//! into [`Directive`]s (with their line numbers) that a runner executes.
//! Text modules are encoded to binary here; quoted modules are kept as
//! text for the runner to parse (and, for `assert_malformed`, to reject).

use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::lexer::{self, Tok};
use crate::literal;
use tern_binary::HeapType;

/// A parsed script.
#[derive(Debug)]
pub struct Script {
    pub directives: Vec<Directive>,
}

/// One directive and where it starts.
#[derive(Debug)]
pub struct Directive {
    /// 1-based line of the directive's opening parenthesis.
    pub line: usize,
    pub offset: usize,
    pub kind: DirectiveKind,
}

/// How a script gives a module.
#[derive(Debug)]
pub enum ModuleSource {
    /// A text module, already encoded.
    Text(Vec<u8>),
    /// `(module binary "...")`.
    Binary(Vec<u8>),
    /// `(module quote "...")`: text to parse when the directive runs.
    Quote(Vec<u8>),
}

/// A module in a script. A text module that could not be encoded keeps
/// its error (that is what `assert_malformed` and `assert_invalid` on text
/// modules expect).
#[derive(Debug)]
pub struct ScriptModule {
    pub name: Option<String>,
    pub source: std::result::Result<ModuleSource, Error>,
    /// `(module definition ...)`: defined, not instantiated.
    pub definition: bool,
}

impl ScriptModule {
    /// The module's binary: encoded text, given binary, or quoted text
    /// parsed now.
    pub fn to_binary(&self) -> Result<Vec<u8>> {
        match &self.source {
            Ok(ModuleSource::Text(b)) | Ok(ModuleSource::Binary(b)) => Ok(b.clone()),
            Ok(ModuleSource::Quote(q)) => {
                let text = std::str::from_utf8(q).map_err(|_| Error::new("malformed UTF-8 encoding", 0))?;
                crate::parse_wat(&format!("(module {text})"))
            }
            Err(e) => Err(e.clone()),
        }
    }
}

/// A constant argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
    V128([u8; 16]),
    RefNull(HeapType),
    RefExtern(u32),
    RefHost(u32),
}

/// What a float result may be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NanPattern {
    /// Exactly these bits.
    Value(u64),
    /// A canonical NaN (either sign).
    Canonical,
    /// An arithmetic NaN (quiet bit set, either sign).
    Arithmetic,
}

/// An expected result.
#[derive(Clone, Debug, PartialEq)]
pub enum ValuePattern {
    I32(u32),
    I64(u64),
    F32(NanPattern),
    F64(NanPattern),
    /// A vector: its lane shape (`i8x16` ... `f64x2`) and one pattern per
    /// lane (integer lanes are `Value`s).
    V128 {
        shape: &'static str,
        lanes: Vec<NanPattern>,
    },
    /// `ref.null` (of any type when `None`).
    RefNull(Option<HeapType>),
    /// `ref.extern N`, or any non-null extern reference when `None`.
    RefExtern(Option<u32>),
    /// `ref.func`: any non-null function reference.
    RefFunc,
    /// `ref.host N`.
    RefHost(u32),
    /// `ref.any`, `ref.eq`, `ref.i31`, `ref.struct`, `ref.array` (GC): any
    /// non-null reference of that heap type.
    RefAbstract(HeapType),
    /// Any one of the alternatives.
    Either(Vec<ValuePattern>),
}

/// An action.
#[derive(Clone, Debug)]
pub enum Action {
    Invoke {
        module: Option<String>,
        name: String,
        args: Vec<Const>,
    },
    Get {
        module: Option<String>,
        name: String,
    },
}

/// The directives.
#[derive(Debug)]
pub enum DirectiveKind {
    Module(ScriptModule),
    /// `(module instance $i $m)`.
    ModuleInstance {
        instance: Option<String>,
        module: Option<String>,
    },
    Register {
        name: String,
        module: Option<String>,
    },
    Action(Action),
    AssertReturn {
        action: Action,
        results: Vec<ValuePattern>,
    },
    AssertTrap {
        action: Action,
        message: String,
    },
    /// `assert_trap` on a module: instantiation must trap.
    AssertTrapModule {
        module: ScriptModule,
        message: String,
    },
    AssertExhaustion {
        action: Action,
        message: String,
    },
    AssertException {
        action: Action,
    },
    AssertInvalid {
        module: ScriptModule,
        message: String,
    },
    AssertMalformed {
        module: ScriptModule,
        message: String,
    },
    AssertUnlinkable {
        module: ScriptModule,
        message: String,
    },
    AssertUninstantiable {
        module: ScriptModule,
        message: String,
    },
    /// `(thread $t (shared (module $m))* directive*)` (threads proposal):
    /// the directives run on a new thread in a script context of their own,
    /// which also sees the enclosing script's modules named in `shared`.
    Thread {
        name: String,
        shared: Vec<String>,
        directives: Vec<Directive>,
    },
    /// `(wait $t)`: blocks until thread `$t` has finished.
    Wait {
        thread: String,
    },
}

/// How deeply `thread` directives may nest (each level is an OS thread
/// when the script runs).
const MAX_THREAD_NESTING: usize = 32;

/// Parses a WAST script.
pub fn parse_script(src: &str) -> Result<Script> {
    let toks = lexer::tokenize(src)?;
    let mut c = Cursor::new(&toks, src.len());
    let mut directives = Vec::new();
    // A script may also be a bare module's fields.
    if !c.is_eof() && !is_directive(&c) {
        let bytes = crate::wat::encode_module(&mut c, None);
        let kind = DirectiveKind::Module(ScriptModule {
            name: None,
            source: bytes.map(ModuleSource::Text),
            definition: false,
        });
        directives.push(Directive {
            line: 1,
            offset: 0,
            kind,
        });
        if !c.is_eof() {
            return Err(c.err("unexpected token"));
        }
        return Ok(Script { directives });
    }
    while !c.is_eof() {
        directives.push(located_directive(&mut c, src, 0)?);
    }
    Ok(Script { directives })
}

/// A directive with its line; `nesting` is the number of enclosing
/// `thread`s.
fn located_directive(c: &mut Cursor<'_, '_>, src: &str, nesting: usize) -> Result<Directive> {
    let offset = c.offset();
    let line = src[..offset].matches('\n').count() + 1;
    let kind = directive(c, src, nesting)?;
    Ok(Directive { line, offset, kind })
}

fn is_directive(c: &Cursor<'_, '_>) -> bool {
    matches!(
        c.paren_kw(),
        Some(
            "module"
                | "register"
                | "invoke"
                | "get"
                | "assert_return"
                | "assert_trap"
                | "assert_exhaustion"
                | "assert_exception"
                | "assert_invalid"
                | "assert_malformed"
                | "assert_unlinkable"
                | "assert_uninstantiable"
                | "thread"
                | "wait"
        )
    )
}

/// A required `$id` naming a thread or module in a thread directive.
fn required_id(c: &mut Cursor<'_, '_>, what: &str) -> Result<String> {
    c.opt_id()
        .map(|i| i.0)
        .ok_or_else(|| c.err(format!("expected a {what} name (`$id`)")))
}

fn directive(c: &mut Cursor<'_, '_>, src: &str, nesting: usize) -> Result<DirectiveKind> {
    let at = c.offset();
    c.lparen()?;
    let kw = c.peek_kw().ok_or_else(|| c.err("expected a directive"))?;
    c.pos += 1;
    let d = match kw {
        "module" => {
            if c.take_kw("instance") {
                let instance = c.opt_id().map(|i| i.0);
                let module = c.opt_id().map(|i| i.0);
                DirectiveKind::ModuleInstance { instance, module }
            } else {
                c.pos -= 2;
                return Ok(DirectiveKind::Module(script_module(c)?));
            }
        }
        "register" => {
            let name = c.name()?;
            let module = c.opt_id().map(|i| i.0);
            DirectiveKind::Register { name, module }
        }
        "thread" => {
            if nesting >= MAX_THREAD_NESTING {
                return Err(Error::new("threads nested too deeply", at));
            }
            let name = required_id(c, "thread")?;
            let mut shared = Vec::new();
            while c.take_paren_kw("shared") {
                if !c.take_paren_kw("module") {
                    return Err(c.err("expected `(module $id)` in `shared`"));
                }
                shared.push(required_id(c, "module")?);
                c.rparen()?;
                c.rparen()?;
            }
            let mut directives = Vec::new();
            while !c.at_rparen() {
                if c.is_eof() {
                    return Err(c.err("unexpected end of input, expected `)`"));
                }
                directives.push(located_directive(c, src, nesting + 1)?);
            }
            DirectiveKind::Thread {
                name,
                shared,
                directives,
            }
        }
        "wait" => DirectiveKind::Wait {
            thread: required_id(c, "thread")?,
        },
        "invoke" | "get" => {
            c.pos -= 2;
            return Ok(DirectiveKind::Action(action(c)?));
        }
        "assert_return" => {
            let action = action(c)?;
            let mut results = Vec::new();
            while !c.at_rparen() {
                results.push(pattern(c)?);
            }
            DirectiveKind::AssertReturn { action, results }
        }
        "assert_trap" => {
            if c.at_paren_kw("module") {
                let module = script_module(c)?;
                DirectiveKind::AssertTrapModule {
                    module,
                    message: message(c)?,
                }
            } else {
                let action = action(c)?;
                DirectiveKind::AssertTrap {
                    action,
                    message: message(c)?,
                }
            }
        }
        "assert_exhaustion" => {
            let action = action(c)?;
            DirectiveKind::AssertExhaustion {
                action,
                message: message(c)?,
            }
        }
        "assert_exception" => DirectiveKind::AssertException { action: action(c)? },
        "assert_invalid" | "assert_malformed" | "assert_unlinkable" | "assert_uninstantiable" => {
            let module = script_module(c)?;
            let message = message(c)?;
            match kw {
                "assert_invalid" => DirectiveKind::AssertInvalid { module, message },
                "assert_malformed" => DirectiveKind::AssertMalformed { module, message },
                "assert_unlinkable" => DirectiveKind::AssertUnlinkable { module, message },
                _ => DirectiveKind::AssertUninstantiable { module, message },
            }
        }
        k => return Err(Error::new(format!("unknown directive `{k}`"), at)),
    };
    c.rparen()?;
    Ok(d)
}

fn message(c: &mut Cursor<'_, '_>) -> Result<String> {
    let s = c.string()?;
    Ok(String::from_utf8_lossy(&s).into_owned())
}

/// The tokens after `(module`: `$id? (binary|quote) strings` or fields.
pub(crate) fn module_body(c: &mut Cursor<'_, '_>) -> Result<ModuleSource> {
    let id = c.opt_id();
    let name = c.def_name(&id);
    module_after_id(c, name)
}

fn module_after_id(c: &mut Cursor<'_, '_>, id: Option<String>) -> Result<ModuleSource> {
    if c.take_kw("binary") {
        let mut b = Vec::new();
        while c.at_string() {
            b.extend_from_slice(&c.string()?);
        }
        Ok(ModuleSource::Binary(b))
    } else if c.take_kw("quote") {
        let mut b = Vec::new();
        while c.at_string() {
            b.extend_from_slice(&c.string()?);
            b.push(b' ');
        }
        Ok(ModuleSource::Quote(b))
    } else {
        crate::wat::encode_module(c, id).map(ModuleSource::Text)
    }
}

fn script_module(c: &mut Cursor<'_, '_>) -> Result<ScriptModule> {
    let at = c.offset();
    if !c.take_paren_kw("module") {
        return Err(c.err("expected `(module ...)`"));
    }
    let definition = c.take_kw("definition");
    let id = c.opt_id();
    let module_name = c.def_name(&id);
    let name = id.map(|i| i.0);
    let start = c.pos;
    let source = module_after_id(c, module_name);
    if source.is_err() {
        // Skip the rest of the malformed module to its closing paren.
        c.pos = start;
        while !c.at_rparen() {
            if c.is_eof() {
                return Err(Error::new("unclosed module", at));
            }
            c.skip_item()?;
        }
    }
    c.rparen()?;
    Ok(ScriptModule {
        name,
        source,
        definition,
    })
}

fn action(c: &mut Cursor<'_, '_>) -> Result<Action> {
    c.lparen()?;
    let a = if c.take_kw("invoke") {
        let module = c.opt_id().map(|i| i.0);
        let name = c.name()?;
        let mut args = Vec::new();
        while !c.at_rparen() {
            args.push(constant(c)?);
        }
        Action::Invoke { module, name, args }
    } else if c.take_kw("get") {
        let module = c.opt_id().map(|i| i.0);
        let name = c.name()?;
        Action::Get { module, name }
    } else {
        return Err(c.err("expected `invoke` or `get`"));
    };
    c.rparen()?;
    Ok(a)
}

fn num_text<'a>(c: &mut Cursor<'_, 'a>) -> Result<&'a str> {
    match c.next() {
        Some(Tok::Num(n)) | Some(Tok::Keyword(n)) => Ok(n),
        _ => Err(c.err("expected a number")),
    }
}

fn int(c: &mut Cursor<'_, '_>, bits: u32) -> Result<u64> {
    let at = c.offset();
    let n = num_text(c)?;
    literal::parse_int(n, bits).ok_or_else(|| Error::new(format!("constant out of range: {n}"), at))
}

fn float(c: &mut Cursor<'_, '_>, bits: u32) -> Result<u64> {
    let at = c.offset();
    let n = num_text(c)?;
    let v = if bits == 32 {
        literal::parse_f32(n).map(u64::from)
    } else {
        literal::parse_f64(n)
    };
    v.ok_or_else(|| Error::new(format!("malformed float: {n}"), at))
}

fn static_shape(s: &str) -> &'static str {
    match s {
        "i8x16" => "i8x16",
        "i16x8" => "i16x8",
        "i32x4" => "i32x4",
        "i64x2" => "i64x2",
        "f32x4" => "f32x4",
        _ => "f64x2",
    }
}

fn constant(c: &mut Cursor<'_, '_>) -> Result<Const> {
    c.lparen()?;
    let at = c.offset();
    let kw = c.peek_kw().ok_or_else(|| c.err("expected a constant"))?;
    c.pos += 1;
    let v = match kw {
        "i32.const" => Const::I32(int(c, 32)? as u32),
        "i64.const" => Const::I64(int(c, 64)?),
        "f32.const" => Const::F32(float(c, 32)? as u32),
        "f64.const" => Const::F64(float(c, 64)?),
        "v128.const" => {
            let shape = c.peek_kw().ok_or_else(|| c.err("expected a vector shape"))?;
            c.pos += 1;
            let (n, bits) = crate::wat::vector_shape(shape).ok_or_else(|| c.err("unknown vector shape"))?;
            let mut out = [0u8; 16];
            let w = (bits / 8) as usize;
            for i in 0..n {
                let v = if shape.starts_with('f') {
                    float(c, bits)?
                } else {
                    int(c, bits)?
                };
                out[i * w..(i + 1) * w].copy_from_slice(&v.to_le_bytes()[..w]);
            }
            Const::V128(out)
        }
        "ref.null" => Const::RefNull(heap(c)?),
        "ref.extern" => Const::RefExtern(c.u32()?),
        "ref.host" => Const::RefHost(c.u32()?),
        k => return Err(Error::new(format!("unknown constant `{k}`"), at)),
    };
    c.rparen()?;
    Ok(v)
}

fn heap(c: &mut Cursor<'_, '_>) -> Result<HeapType> {
    let at = c.offset();
    let k = c.peek_kw().ok_or_else(|| c.err("expected a heap type"))?;
    c.pos += 1;
    crate::wat::abstract_heap_type(k).ok_or_else(|| Error::new(format!("unknown heap type `{k}`"), at))
}

fn nan_pattern(c: &mut Cursor<'_, '_>, bits: u32) -> Result<NanPattern> {
    match c.peek() {
        Some(Tok::Keyword("nan:canonical")) => {
            c.pos += 1;
            Ok(NanPattern::Canonical)
        }
        Some(Tok::Keyword("nan:arithmetic")) => {
            c.pos += 1;
            Ok(NanPattern::Arithmetic)
        }
        _ => Ok(NanPattern::Value(float(c, bits)?)),
    }
}

fn pattern(c: &mut Cursor<'_, '_>) -> Result<ValuePattern> {
    c.lparen()?;
    let at = c.offset();
    let kw = c.peek_kw().ok_or_else(|| c.err("expected a result"))?;
    c.pos += 1;
    let v = match kw {
        "i32.const" => ValuePattern::I32(int(c, 32)? as u32),
        "i64.const" => ValuePattern::I64(int(c, 64)?),
        "f32.const" => ValuePattern::F32(nan_pattern(c, 32)?),
        "f64.const" => ValuePattern::F64(nan_pattern(c, 64)?),
        "v128.const" => {
            let shape = c.peek_kw().ok_or_else(|| c.err("expected a vector shape"))?;
            c.pos += 1;
            let (n, bits) = crate::wat::vector_shape(shape).ok_or_else(|| c.err("unknown vector shape"))?;
            let mut lanes = Vec::with_capacity(n);
            for _ in 0..n {
                lanes.push(if shape.starts_with('f') {
                    nan_pattern(c, bits)?
                } else {
                    NanPattern::Value(int(c, bits)?)
                });
            }
            ValuePattern::V128 {
                shape: static_shape(shape),
                lanes,
            }
        }
        "ref.null" => ValuePattern::RefNull(if c.at_rparen() { None } else { Some(heap(c)?) }),
        "ref.extern" => ValuePattern::RefExtern(if c.at_rparen() { None } else { Some(c.u32()?) }),
        "ref.host" => ValuePattern::RefHost(c.u32()?),
        "ref.func" => {
            if !c.at_rparen() {
                c.skip_item()?;
            }
            ValuePattern::RefFunc
        }
        "ref.any" | "ref.eq" | "ref.i31" | "ref.struct" | "ref.array" => {
            let h = crate::wat::abstract_heap_type(&kw[4..]).unwrap_or(HeapType::Any);
            ValuePattern::RefAbstract(h)
        }
        "either" => {
            let mut alts = Vec::new();
            while !c.at_rparen() {
                alts.push(pattern(c)?);
            }
            ValuePattern::Either(alts)
        }
        k => return Err(Error::new(format!("unknown result pattern `{k}`"), at)),
    };
    c.rparen()?;
    Ok(v)
}
