//! A module as the interpreter holds it: the module's bytes, its
//! validation context, and one lazily translated function per body.

use crate::ir::CompiledFunc;
use crate::translate::{TranslateError, translate};
use std::sync::{Arc, OnceLock};
use tern_binary::{BinaryError, FuncBody, FuncType, Module};
use tern_validate::{FuncValidator, ModuleInfo};

/// A module's functions for the interpreter, translated on first call (or
/// all at once with [`InterpModule::compile_all`]).
pub struct InterpModule {
    // `info` borrows `types`; fields drop in order, so it goes first.
    info: ModuleInfo<'static>,
    #[allow(dead_code)] // owned for `info`
    types: Box<[FuncType]>,
    bytes: Arc<[u8]>,
    /// Absolute offset and length of each defined function's body.
    bodies: Box<[(usize, usize)]>,
    funcs: Box<[OnceLock<Result<CompiledFunc, TranslateError>>]>,
    num_imported_funcs: u32,
    fuel: bool,
    epoch: bool,
    relaxed_simd_deterministic: bool,
}

impl InterpModule {
    /// Wraps a module decoded from `bytes` and the [`ModuleInfo`] that
    /// [`tern_validate::validate_module`] returned for it. With `fuel`, the
    /// translated code consumes fuel.
    pub fn new(bytes: Arc<[u8]>, module: &Module<'_>, info: ModuleInfo<'_>, fuel: bool) -> InterpModule {
        let types: Box<[FuncType]> = info.types.into();
        // SAFETY: `types` is a heap allocation owned by the returned value
        // and never mutated or moved out; `info` (which holds the only
        // borrow) is dropped before it, and accessors hand out `info` with
        // a lifetime bounded by `&self`.
        let types_ref: &'static [FuncType] = unsafe { &*(&*types as *const [FuncType]) };
        let ModuleInfo {
            features,
            types: _,
            funcs,
            tables,
            memories,
            globals,
            tags,
            elements,
            data_count,
            declared_funcs,
            num_imported_globals,
        } = info;
        let info = ModuleInfo {
            features,
            types: types_ref,
            funcs,
            tables,
            memories,
            globals,
            tags,
            elements,
            data_count,
            declared_funcs,
            num_imported_globals,
        };
        let bodies: Box<[(usize, usize)]> = module.code.iter().map(|b| (b.offset, b.bytes.len())).collect();
        let funcs = (0..bodies.len()).map(|_| OnceLock::new()).collect();
        InterpModule {
            info,
            types,
            bytes,
            bodies,
            funcs,
            num_imported_funcs: module.num_imported_funcs,
            fuel,
            epoch: false,
            relaxed_simd_deterministic: false,
        }
    }

    /// With `on`, translated code checks the store's epoch deadline at
    /// function entries and loop headers (see
    /// [`tern_vm::StoreData::epoch_deadline`]); without, it costs nothing.
    pub fn with_epoch_checks(mut self, on: bool) -> InterpModule {
        self.epoch = on;
        self
    }

    /// With `on`, relaxed SIMD operators get the spec's deterministic
    /// behaviour instead of their x86-64 one (see the crate's `simd.rs`).
    pub fn with_relaxed_simd_deterministic(mut self, on: bool) -> InterpModule {
        self.relaxed_simd_deterministic = on;
        self
    }

    /// The validation context.
    pub fn info(&self) -> &ModuleInfo<'_> {
        &self.info
    }

    /// The module's bytes.
    pub fn bytes(&self) -> &Arc<[u8]> {
        &self.bytes
    }

    /// Number of defined functions.
    pub fn num_defined_funcs(&self) -> u32 {
        self.bodies.len() as u32
    }

    /// The body of defined function `def`.
    pub fn body(&self, def: u32) -> FuncBody<'_> {
        let (offset, len) = self.bodies[def as usize];
        FuncBody {
            bytes: &self.bytes[offset..offset + len],
            offset,
        }
    }

    /// Validates every function body (for lazy translation, which then
    /// cannot fail on invalid code): in parallel for modules with many
    /// bodies, and then the error is the lowest-numbered bad function's.
    pub fn validate_bodies(&self) -> Result<(), BinaryError> {
        tern_validate::validate_bodies(
            &self.info,
            self.num_imported_funcs,
            self.num_defined_funcs() as usize,
            |i| self.body(i as u32),
        )
    }

    /// [`InterpModule::validate_bodies`] with other features enabled (for
    /// example to learn whether the bodies use a feature).
    pub fn validate_bodies_with(&self, features: tern_validate::Features) -> Result<(), BinaryError> {
        let mut info = self.info.clone();
        info.features = features;
        tern_validate::validate_bodies(&info, self.num_imported_funcs, self.num_defined_funcs() as usize, |i| {
            self.body(i as u32)
        })
    }

    /// Translates every function now. Invalid bodies are an error; valid
    /// bodies the interpreter cannot run are remembered and trap when
    /// called.
    pub fn compile_all(&self) -> Result<(), BinaryError> {
        for def in 0..self.num_defined_funcs() {
            match self.func(def) {
                Ok(_) => {}
                Err(TranslateError::Invalid(e)) => return Err(e.clone()),
                Err(TranslateError::Unsupported(_)) => {
                    // Still reject invalid code.
                    FuncValidator::new(&self.info).validate_body(self.num_imported_funcs + def, &self.body(def))?;
                }
            }
        }
        Ok(())
    }

    /// Defined function `def`, translated on first use.
    pub fn func(&self, def: u32) -> Result<&CompiledFunc, &TranslateError> {
        self.funcs[def as usize]
            .get_or_init(|| {
                translate(
                    &self.info,
                    self.num_imported_funcs,
                    self.num_imported_funcs + def,
                    &self.body(def),
                    self.fuel,
                    self.epoch,
                    self.relaxed_simd_deterministic,
                )
            })
            .as_ref()
    }
}

impl std::fmt::Debug for InterpModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterpModule")
            .field("funcs", &self.funcs.len())
            .field("fuel", &self.fuel)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}
