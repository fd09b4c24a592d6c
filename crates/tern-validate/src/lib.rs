//! WebAssembly validation: module-level checks and a streaming, one-pass
//! function-body validator that a translator can follow through the
//! operator visitor ([`validate_and_translate`]).
//!
//! ```
//! use tern_validate::{validate, Features};
//! let bytes = [0, b'a', b's', b'm', 1, 0, 0, 0];
//! validate(&bytes, &Features::default()).unwrap();
//! ```

#![forbid(unsafe_code)]

mod desc;
mod features;
mod func;
mod module;
mod translate;

pub use desc::{ExportDesc, ImportDesc, ModuleDesc};
pub use features::{Feature, Features};
pub use func::{Frame, FrameKind, FuncValidator};
pub use module::{ModuleInfo, canonical_key, canonical_types, heap_matches, validate_module};
pub use translate::{Translate, validate_and_translate};

/// A validation error: what is wrong and the byte offset it points at.
pub type Error = tern_binary::BinaryError;

/// Result type of validation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Decodes and validates a module, one function body after another.
pub fn validate(bytes: &[u8], features: &Features) -> Result<()> {
    let mut module = tern_binary::decode(bytes)?;
    let types = std::mem::take(&mut module.types).into();
    let info = module::validate_module_with_types(&module, types, features)?;
    let mut v = FuncValidator::new(&info);
    for (i, body) in module.code.iter().enumerate() {
        v.validate_body(module.num_imported_funcs + i as u32, body)?;
    }
    Ok(())
}

/// Validates `count` function bodies, `body(i)` being that of function
/// `first + i`; in parallel when there is enough code to pay for it. On
/// failure, the error of the lowest-numbered bad function is returned, so
/// the result does not depend on scheduling.
pub fn validate_bodies<'a>(
    info: &ModuleInfo,
    first: u32,
    count: usize,
    body: impl Fn(usize) -> tern_binary::FuncBody<'a> + Sync,
) -> Result<()> {
    let total: usize = (0..count).map(|i| body(i).bytes.len()).sum();
    if total < 1 << 18 || rayon::current_num_threads() < 2 {
        let mut v = FuncValidator::new(info);
        for i in 0..count {
            v.validate_body(first + i as u32, &body(i))?;
        }
        return Ok(());
    }
    validate_bodies_parallel(info, first, count, body)
}

/// [`validate_bodies`] always in parallel, in chunks that keep per-task
/// overhead small for modules with many tiny bodies.
fn validate_bodies_parallel<'a>(
    info: &ModuleInfo,
    first: u32,
    count: usize,
    body: impl Fn(usize) -> tern_binary::FuncBody<'a> + Sync,
) -> Result<()> {
    use rayon::prelude::*;
    let chunk = (count / (rayon::current_num_threads() * 16)).clamp(1, 4096);
    let starts: Vec<usize> = (0..count).step_by(chunk).collect();
    let errors: Vec<(usize, Error)> = starts
        .par_iter()
        .filter_map(|&start| {
            let mut v = FuncValidator::new(info);
            for i in start..(start + chunk).min(count) {
                if let Err(e) = v.validate_body(first + i as u32, &body(i)) {
                    return Some((i, e));
                }
            }
            None
        })
        .collect();
    match errors.into_iter().min_by_key(|(i, _)| *i) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Decodes and validates a module, validating function bodies in parallel.
/// On failure, the error of the lowest-numbered bad function is returned,
/// so the result does not depend on scheduling.
pub fn validate_parallel(bytes: &[u8], features: &Features) -> Result<()> {
    let mut module = tern_binary::decode(bytes)?;
    let types = std::mem::take(&mut module.types).into();
    let info = module::validate_module_with_types(&module, types, features)?;
    validate_bodies_parallel(&info, module.num_imported_funcs, module.code.len(), |i| module.code[i])
}
