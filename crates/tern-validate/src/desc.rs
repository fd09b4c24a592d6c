//! The owned description of a validated module: what both execution tiers
//! and the runtime read about it, kept as long as the module lives.

use crate::features::Features;
use crate::module::{ModuleInfo, validate_module};
use crate::{Error, Result};
use std::ops::Range;
use tern_binary::{ExternKind, FuncBody, ImportType, Module, SharedBytes};

/// An import: where from, what name, and its type.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportDesc {
    pub module: String,
    pub name: String,
    pub ty: ImportType,
}

/// An export: its name, and what it exports (kind and index).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportDesc {
    pub name: String,
    pub kind: ExternKind,
    pub index: u32,
}

/// A module that passed module-level validation, owning everything about
/// it that does not depend on an engine's choices: its bytes, the
/// validation context ([`ModuleInfo`]: types and index spaces), imports,
/// exports, start function, and where each function body lies in the
/// bytes. Function bodies are read from the bytes when they are
/// validated or translated ([`ModuleDesc::body`]).
///
/// The runtime builds one per module and shares it (`Arc`) with the tier
/// that runs the module.
#[derive(Debug)]
pub struct ModuleDesc {
    bytes: SharedBytes,
    info: ModuleInfo,
    imports: Box<[ImportDesc]>,
    exports: Box<[ExportDesc]>,
    start: Option<u32>,
    /// Byte range of each defined function's body in `bytes`.
    bodies: Box<[Range<usize>]>,
}

impl ModuleDesc {
    /// Validates `module`, which was decoded from `bytes`, except for its
    /// function bodies (see [`ModuleDesc::validate_bodies`]), with
    /// `features` enabled.
    pub fn new(bytes: SharedBytes, module: &Module<'_>, features: &Features) -> Result<ModuleDesc> {
        let info = validate_module(module, features)?;
        let bodies: Box<[Range<usize>]> = module.code.iter().map(|b| b.offset..b.offset + b.bytes.len()).collect();
        // The bodies must be those of `bytes`: each is read back from there
        // by its range. They follow each other in the code section, so the
        // last one tells.
        if let (Some(b), Some(r)) = (module.code.last(), bodies.last())
            && !bytes.get(r.clone()).is_some_and(|s| std::ptr::eq(s, b.bytes))
        {
            return Err(Error::new("function body is not part of the module's bytes", b.offset));
        }
        let imports = module
            .imports
            .iter()
            .map(|i| ImportDesc {
                module: i.module.to_string(),
                name: i.name.to_string(),
                ty: i.ty,
            })
            .collect();
        let exports = module
            .exports
            .iter()
            .map(|e| ExportDesc {
                name: e.name.to_string(),
                kind: e.kind,
                index: e.index,
            })
            .collect();
        Ok(ModuleDesc {
            bytes,
            info,
            imports,
            exports,
            start: module.start,
            bodies,
        })
    }

    /// The validation context: features, types and index spaces.
    #[inline]
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// The module's bytes.
    #[inline]
    pub fn bytes(&self) -> &SharedBytes {
        &self.bytes
    }

    /// The imports, in order.
    pub fn imports(&self) -> &[ImportDesc] {
        &self.imports
    }

    /// The exports, in order.
    pub fn exports(&self) -> &[ExportDesc] {
        &self.exports
    }

    /// The start function, if any.
    pub fn start(&self) -> Option<u32> {
        self.start
    }

    /// Number of imported functions (they come first in the function index
    /// space).
    #[inline]
    pub fn num_imported_funcs(&self) -> u32 {
        (self.info.funcs.len() - self.bodies.len()) as u32
    }

    /// Number of defined functions (one body each).
    #[inline]
    pub fn num_defined_funcs(&self) -> u32 {
        self.bodies.len() as u32
    }

    /// The body of defined function `def` (function index
    /// `num_imported_funcs() + def`).
    ///
    /// # Panics
    ///
    /// When `def` is not below [`ModuleDesc::num_defined_funcs`].
    #[inline]
    pub fn body(&self, def: u32) -> FuncBody<'_> {
        let range = self.bodies[def as usize].clone();
        FuncBody {
            offset: range.start,
            bytes: &self.bytes[range],
        }
    }

    /// The bodies of all defined functions, in order.
    pub fn bodies(&self) -> Vec<FuncBody<'_>> {
        (0..self.num_defined_funcs()).map(|d| self.body(d)).collect()
    }

    /// Validates every function body: in parallel when there is enough
    /// code, and then the error is the lowest-numbered bad function's.
    pub fn validate_bodies(&self) -> Result<()> {
        crate::validate_bodies(&self.info, self.num_imported_funcs(), self.bodies.len(), |i| {
            self.body(i as u32)
        })
    }

    /// [`ModuleDesc::validate_bodies`] with other features enabled (for
    /// example to learn whether the bodies use a feature).
    pub fn validate_bodies_with(&self, features: Features) -> Result<()> {
        let mut info = self.info.clone();
        info.features = features;
        crate::validate_bodies(&info, self.num_imported_funcs(), self.bodies.len(), |i| {
            self.body(i as u32)
        })
    }
}
