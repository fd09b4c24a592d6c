//! Turns scripts parsed by the `wast` crate into the [`script`] model. The
//! only module that knows the `wast` crate: replaced by tern's own WAST
//! parser later.

use super::script::*;
use wast::core::{AbstractHeapType, HeapType, ModuleKind, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

/// Parses `text` and converts every directive; `Err` when the `wast`
/// crate cannot parse the file (line, message).
pub fn directives(text: &str) -> Result<Vec<Directive>, (usize, String)> {
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = wast::parser::ParseBuffer::new_with_lexer(lexer).map_err(|e| err(text, e))?;
    let wast = wast::parser::parse::<Wast<'_>>(&buf).map_err(|e| err(text, e))?;
    let mut out = Vec::new();
    for d in wast.directives {
        convert(text, d, &mut out);
    }
    Ok(out)
}

fn err(text: &str, e: wast::Error) -> (usize, String) {
    (e.span().linecol_in(text).0 + 1, e.message())
}

fn line(text: &str, span: wast::token::Span) -> usize {
    span.linecol_in(text).0 + 1
}

fn encode(m: &mut QuoteWat<'_>) -> ModuleBytes {
    if matches!(m, QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..)) {
        return ModuleBytes::Unencodable("component".into());
    }
    match m.encode() {
        Ok(b) => ModuleBytes::Binary(b),
        Err(e) => ModuleBytes::Unencodable(e.message()),
    }
}

fn encode_wat(m: &mut Wat<'_>) -> ModuleBytes {
    if matches!(m, Wat::Component(_)) {
        return ModuleBytes::Unencodable("component".into());
    }
    match m.encode() {
        Ok(b) => ModuleBytes::Binary(b),
        Err(e) => ModuleBytes::Unencodable(e.message()),
    }
}

fn name_of(m: &QuoteWat<'_>) -> Option<String> {
    match m {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|i| i.name().to_string()),
        _ => None,
    }
}

fn is_binary(m: &QuoteWat<'_>) -> bool {
    matches!(m, QuoteWat::Wat(Wat::Module(m)) if matches!(m.kind, ModuleKind::Binary(_)))
}

fn ref_kind(h: &HeapType<'_>) -> Option<RefKind> {
    match h {
        HeapType::Abstract {
            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
            ..
        } => Some(RefKind::Func),
        HeapType::Abstract {
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
            ..
        } => Some(RefKind::Extern),
        HeapType::Concrete(_) => Some(RefKind::Func),
        _ => None,
    }
}

fn arg(a: &WastArg<'_>) -> Result<Value, String> {
    let WastArg::Core(a) = a else {
        return Err("component argument".into());
    };
    Ok(match a {
        WastArgCore::I32(x) => Value::I32(*x),
        WastArgCore::I64(x) => Value::I64(*x),
        WastArgCore::F32(x) => Value::F32(x.bits),
        WastArgCore::F64(x) => Value::F64(x.bits),
        WastArgCore::V128(x) => Value::V128(u128::from_le_bytes(x.to_le_bytes())),
        WastArgCore::RefNull(h) => Value::RefNull(ref_kind(h).ok_or_else(|| format!("ref.null {h:?}"))?),
        WastArgCore::RefExtern(n) => Value::RefExtern(*n),
        WastArgCore::RefHost(_) => return Err("ref.host".into()),
    })
}

fn f32_pat(p: &NanPattern<F32>) -> F32Pat {
    match p {
        NanPattern::CanonicalNan => F32Pat::CanonicalNan,
        NanPattern::ArithmeticNan => F32Pat::ArithmeticNan,
        NanPattern::Value(v) => F32Pat::Bits(v.bits),
    }
}

fn f64_pat(p: &NanPattern<F64>) -> F64Pat {
    match p {
        NanPattern::CanonicalNan => F64Pat::CanonicalNan,
        NanPattern::ArithmeticNan => F64Pat::ArithmeticNan,
        NanPattern::Value(v) => F64Pat::Bits(v.bits),
    }
}

fn ret_core(r: &WastRetCore<'_>) -> Result<Expected, String> {
    Ok(match r {
        WastRetCore::I32(x) => Expected::I32(*x),
        WastRetCore::I64(x) => Expected::I64(*x),
        WastRetCore::F32(p) => Expected::F32(f32_pat(p)),
        WastRetCore::F64(p) => Expected::F64(f64_pat(p)),
        WastRetCore::V128(p) => Expected::V128(match p {
            V128Pattern::I8x16(l) => V128Pat::I8x16(*l),
            V128Pattern::I16x8(l) => V128Pat::I16x8(*l),
            V128Pattern::I32x4(l) => V128Pat::I32x4(*l),
            V128Pattern::I64x2(l) => V128Pat::I64x2(*l),
            V128Pattern::F32x4(l) => V128Pat::F32x4([f32_pat(&l[0]), f32_pat(&l[1]), f32_pat(&l[2]), f32_pat(&l[3])]),
            V128Pattern::F64x2(l) => V128Pat::F64x2([f64_pat(&l[0]), f64_pat(&l[1])]),
        }),
        WastRetCore::RefNull(h) => Expected::RefNull(h.as_ref().and_then(ref_kind)),
        WastRetCore::RefExtern(n) => Expected::RefExtern(*n),
        WastRetCore::RefFunc(_) => Expected::RefFunc,
        WastRetCore::Either(es) => Expected::Either(es.iter().map(ret_core).collect::<Result<_, _>>()?),
        other => return Err(format!("result pattern {other:?}")),
    })
}

fn ret(r: &WastRet<'_>) -> Result<Expected, String> {
    match r {
        WastRet::Core(c) => ret_core(c),
        #[allow(unreachable_patterns)]
        _ => Err("component result".into()),
    }
}

fn invoke(i: &WastInvoke<'_>) -> Result<Action, String> {
    Ok(Action::Invoke {
        module: i.module.map(|m| m.name().to_string()),
        field: i.name.to_string(),
        args: i.args.iter().map(arg).collect::<Result<_, _>>()?,
    })
}

/// An action, or the module of an `assert_trap (module ...)`.
enum Exec {
    Action(Action),
    Module(ModuleBytes),
}

fn exec(e: &mut WastExecute<'_>) -> Result<Exec, String> {
    Ok(match e {
        WastExecute::Invoke(i) => Exec::Action(invoke(i)?),
        WastExecute::Get { module, global, .. } => Exec::Action(Action::Get {
            module: module.map(|m| m.name().to_string()),
            field: global.to_string(),
        }),
        WastExecute::Wat(w) => Exec::Module(encode_wat(w)),
    })
}

fn convert(text: &str, d: WastDirective<'_>, out: &mut Vec<Directive>) {
    let line = line(text, d.span());
    let unsupported = |what: String| Directive::Unsupported { line, what };
    let dir = match d {
        WastDirective::Module(mut m) => Directive::Module {
            line,
            name: name_of(&m),
            bytes: encode(&mut m),
        },
        WastDirective::ModuleDefinition(mut m) => Directive::ModuleDefinition {
            line,
            name: name_of(&m),
            bytes: encode(&mut m),
        },
        WastDirective::ModuleInstance { instance, module, .. } => Directive::ModuleInstance {
            line,
            instance: instance.map(|i| i.name().to_string()),
            module: module.map(|i| i.name().to_string()),
        },
        WastDirective::Register { name, module, .. } => Directive::Register {
            line,
            module: module.map(|m| m.name().to_string()),
            as_name: name.to_string(),
        },
        WastDirective::Invoke(i) => match invoke(&i) {
            Ok(action) => Directive::Action { line, action },
            Err(e) => unsupported(e),
        },
        WastDirective::AssertReturn { mut exec, results, .. } => {
            let expected: Result<Vec<_>, _> = results.iter().map(ret).collect();
            match (self::exec(&mut exec), expected) {
                (Ok(Exec::Action(action)), Ok(expected)) => Directive::AssertReturn { line, action, expected },
                (Ok(Exec::Module(bytes)), _) => Directive::Module {
                    line,
                    name: None,
                    bytes,
                },
                (Err(e), _) | (_, Err(e)) => unsupported(e),
            }
        }
        WastDirective::AssertTrap { mut exec, message, .. } => match self::exec(&mut exec) {
            Ok(Exec::Action(action)) => Directive::AssertTrap {
                line,
                action,
                message: message.to_string(),
            },
            Ok(Exec::Module(bytes)) => Directive::AssertUninstantiable {
                line,
                bytes,
                message: message.to_string(),
            },
            Err(e) => unsupported(e),
        },
        WastDirective::AssertExhaustion { call, message, .. } => match invoke(&call) {
            Ok(action) => Directive::AssertExhaustion {
                line,
                action,
                message: message.to_string(),
            },
            Err(e) => unsupported(e),
        },
        WastDirective::AssertInvalid {
            mut module, message, ..
        } => Directive::AssertInvalid {
            line,
            bytes: encode(&mut module),
            message: message.to_string(),
        },
        WastDirective::AssertMalformed {
            mut module, message, ..
        } => Directive::AssertMalformed {
            line,
            binary: is_binary(&module),
            bytes: encode(&mut module),
            message: message.to_string(),
        },
        WastDirective::AssertUnlinkable {
            mut module, message, ..
        } => Directive::AssertUnlinkable {
            line,
            bytes: encode_wat(&mut module),
            message: message.to_string(),
        },
        WastDirective::Thread(t) => {
            for d in t.directives {
                convert(text, d, out);
            }
            return;
        }
        WastDirective::AssertException { .. } => unsupported("assert_exception".into()),
        WastDirective::AssertSuspension { .. } => unsupported("assert_suspension".into()),
        WastDirective::Wait { .. } => unsupported("wait".into()),
        WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
            unsupported("custom-section assertion".into())
        }
    };
    out.push(dir);
}
