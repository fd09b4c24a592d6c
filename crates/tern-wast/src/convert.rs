//! `tern-text`'s parsed script → the runner's directives.

use crate::runner::{Action, Directive, Expected, F32Pat, F64Pat, ModuleBytes, RefKind, V128Pat, Value};
use tern_binary::HeapType;
use tern_text::{Const, DirectiveKind, ModuleSource, NanPattern, ScriptModule, ValuePattern};

fn bytes(m: &ScriptModule) -> ModuleBytes {
    match m.to_binary() {
        Ok(b) => ModuleBytes::Binary(b),
        Err(e) => ModuleBytes::Unencodable(e.to_string()),
    }
}

fn ref_kind(h: HeapType) -> Option<RefKind> {
    match h {
        HeapType::Func | HeapType::NoFunc => Some(RefKind::Func),
        HeapType::Extern | HeapType::NoExtern => Some(RefKind::Extern),
        HeapType::Exn | HeapType::NoExn => Some(RefKind::Exn),
        HeapType::Any | HeapType::Eq | HeapType::I31 | HeapType::Struct | HeapType::Array | HeapType::None => {
            Some(RefKind::Any)
        }
        HeapType::Concrete(_) => None,
    }
}

fn value(c: &Const) -> Result<Value, String> {
    Ok(match c {
        Const::I32(v) => Value::I32(*v as i32),
        Const::I64(v) => Value::I64(*v as i64),
        Const::F32(v) => Value::F32(*v),
        Const::F64(v) => Value::F64(*v),
        Const::V128(b) => Value::V128(u128::from_le_bytes(*b)),
        Const::RefNull(h) => Value::RefNull(ref_kind(*h).ok_or_else(|| format!("unsupported null reference {h}"))?),
        Const::RefExtern(n) => Value::RefExtern(*n),
        // A host reference: an external one carrying its number.
        Const::RefHost(n) => Value::RefExtern(*n),
    })
}

fn action(a: &tern_text::Action) -> Result<Action, String> {
    Ok(match a {
        tern_text::Action::Invoke { module, name, args } => Action::Invoke {
            module: module.clone(),
            field: name.clone(),
            args: args.iter().map(value).collect::<Result<_, _>>()?,
        },
        tern_text::Action::Get { module, name } => Action::Get {
            module: module.clone(),
            field: name.clone(),
        },
    })
}

fn f32_pat(p: NanPattern) -> F32Pat {
    match p {
        NanPattern::Value(b) => F32Pat::Bits(b as u32),
        NanPattern::Canonical => F32Pat::CanonicalNan,
        NanPattern::Arithmetic => F32Pat::ArithmeticNan,
    }
}

fn f64_pat(p: NanPattern) -> F64Pat {
    match p {
        NanPattern::Value(b) => F64Pat::Bits(b),
        NanPattern::Canonical => F64Pat::CanonicalNan,
        NanPattern::Arithmetic => F64Pat::ArithmeticNan,
    }
}

fn bits(p: &NanPattern) -> u64 {
    match p {
        NanPattern::Value(b) => *b,
        _ => 0,
    }
}

fn expected(p: &ValuePattern) -> Result<Expected, String> {
    Ok(match p {
        ValuePattern::I32(v) => Expected::I32(*v as i32),
        ValuePattern::I64(v) => Expected::I64(*v as i64),
        ValuePattern::F32(p) => Expected::F32(f32_pat(*p)),
        ValuePattern::F64(p) => Expected::F64(f64_pat(*p)),
        ValuePattern::V128 { shape, lanes } => Expected::V128(match *shape {
            "i8x16" => V128Pat::I8x16(std::array::from_fn(|i| bits(&lanes[i]) as i8)),
            "i16x8" => V128Pat::I16x8(std::array::from_fn(|i| bits(&lanes[i]) as i16)),
            "i32x4" => V128Pat::I32x4(std::array::from_fn(|i| bits(&lanes[i]) as i32)),
            "i64x2" => V128Pat::I64x2(std::array::from_fn(|i| bits(&lanes[i]) as i64)),
            "f32x4" => V128Pat::F32x4(std::array::from_fn(|i| f32_pat(lanes[i]))),
            _ => V128Pat::F64x2(std::array::from_fn(|i| f64_pat(lanes[i]))),
        }),
        ValuePattern::RefNull(h) => Expected::RefNull(h.and_then(ref_kind)),
        ValuePattern::RefExtern(n) => Expected::RefExtern(*n),
        ValuePattern::RefFunc => Expected::RefFunc,
        ValuePattern::RefHost(n) => Expected::RefExtern(Some(*n)),
        ValuePattern::RefAbstract(h) => Expected::RefAny(*h),
        ValuePattern::Either(ps) => Expected::Either(ps.iter().map(expected).collect::<Result<_, _>>()?),
    })
}

/// Converts one parsed directive.
pub fn directive(d: &tern_text::Directive) -> Directive {
    let line = d.line;
    let unsupported = |what: String| Directive::Unsupported { line, what };
    match &d.kind {
        DirectiveKind::Module(m) if m.definition => Directive::ModuleDefinition {
            line,
            name: m.name.clone(),
            bytes: bytes(m),
        },
        DirectiveKind::Module(m) => Directive::Module {
            line,
            name: m.name.clone(),
            bytes: bytes(m),
        },
        DirectiveKind::ModuleInstance { instance, module } => Directive::ModuleInstance {
            line,
            instance: instance.clone(),
            module: module.clone(),
        },
        DirectiveKind::Register { name, module } => Directive::Register {
            line,
            module: module.clone(),
            as_name: name.clone(),
        },
        DirectiveKind::Action(a) => match action(a) {
            Ok(action) => Directive::Action { line, action },
            Err(e) => unsupported(e),
        },
        DirectiveKind::AssertReturn { action: a, results } => {
            match (action(a), results.iter().map(expected).collect::<Result<Vec<_>, _>>()) {
                (Ok(action), Ok(expected)) => Directive::AssertReturn { line, action, expected },
                (Err(e), _) | (_, Err(e)) => unsupported(e),
            }
        }
        DirectiveKind::AssertTrap { action: a, message } => match action(a) {
            Ok(action) => Directive::AssertTrap {
                line,
                action,
                message: message.clone(),
            },
            Err(e) => unsupported(e),
        },
        DirectiveKind::AssertTrapModule { module, message } => Directive::AssertUninstantiable {
            line,
            bytes: bytes(module),
            message: message.clone(),
        },
        DirectiveKind::AssertExhaustion { action: a, message } => match action(a) {
            Ok(action) => Directive::AssertExhaustion {
                line,
                action,
                message: message.clone(),
            },
            Err(e) => unsupported(e),
        },
        DirectiveKind::AssertException { action: a } => match action(a) {
            Ok(action) => Directive::AssertException { line, action },
            Err(e) => unsupported(e),
        },
        DirectiveKind::AssertInvalid { module, message } => Directive::AssertInvalid {
            line,
            bytes: bytes(module),
            message: message.clone(),
        },
        DirectiveKind::AssertMalformed { module, message } => Directive::AssertMalformed {
            line,
            binary: matches!(module.source, Ok(ModuleSource::Binary(_))),
            bytes: bytes(module),
            message: message.clone(),
        },
        DirectiveKind::AssertUnlinkable { module, message } => Directive::AssertUnlinkable {
            line,
            bytes: bytes(module),
            message: message.clone(),
        },
        DirectiveKind::AssertUninstantiable { module, message } => Directive::AssertUninstantiable {
            line,
            bytes: bytes(module),
            message: message.clone(),
        },
        DirectiveKind::Thread {
            name,
            shared,
            directives,
        } => Directive::Thread {
            line,
            name: name.clone(),
            shared: shared.clone(),
            body: directives.iter().map(directive).collect(),
        },
        DirectiveKind::Wait { thread } => Directive::Wait {
            line,
            thread: thread.clone(),
        },
    }
}
