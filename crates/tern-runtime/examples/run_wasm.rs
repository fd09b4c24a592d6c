//! Loads a module and calls one of its exports: the smallest useful
//! embedding, built with and without the default features to compare
//! binary sizes (see the `cranelift` and `wat` features).
//!
//! ```text
//! cargo run --release -p tern-runtime --example run_wasm -- FILE EXPORT [ARG...]
//! cargo run --release -p tern-runtime --no-default-features --example run_wasm -- FILE EXPORT [ARG...]
//! ```
//!
//! Arguments are parsed as the export's parameter types (numbers only);
//! results are printed one per line.

use std::process::ExitCode;
use tern::{Engine, Linker, Module, Store, Val, ValType};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("run_wasm: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, export, rest @ ..] = args.as_slice() else {
        return Err("usage: run_wasm FILE EXPORT [ARG...]".into());
    };
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let engine = Engine::default();
    let module = Module::new(&engine, bytes).map_err(|e| format!("{file}: {e}"))?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .map_err(|e| e.to_string())?;
    let func = instance
        .get_func(&mut store, export)
        .ok_or_else(|| format!("no exported function `{export}`"))?;
    let ty = func.ty(&store);
    if ty.params().len() != rest.len() {
        return Err(format!("`{export}` takes {} arguments", ty.params().len()));
    }
    let params = ty
        .params()
        .iter()
        .zip(rest)
        .map(|(t, a)| parse(*t, a))
        .collect::<Result<Vec<_>, _>>()?;
    let mut results = vec![Val::I32(0); ty.results().len()];
    func.call(&mut store, &params, &mut results)
        .map_err(|e| e.to_string())?;
    for r in results {
        match r {
            Val::I32(x) => println!("{x}"),
            Val::I64(x) => println!("{x}"),
            Val::F32(x) => println!("{}", f32::from_bits(x)),
            Val::F64(x) => println!("{}", f64::from_bits(x)),
            other => println!("{other:?}"),
        }
    }
    Ok(())
}

fn parse(ty: ValType, arg: &str) -> Result<Val, String> {
    let bad = || format!("`{arg}` is not a {ty:?}");
    Ok(match ty {
        ValType::I32 => Val::I32(arg.parse().map_err(|_| bad())?),
        ValType::I64 => Val::I64(arg.parse().map_err(|_| bad())?),
        ValType::F32 => Val::F32(arg.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(arg.parse::<f64>().map_err(|_| bad())?.to_bits()),
        _ => return Err(format!("parameters of type {ty:?} are not supported here")),
    })
}
