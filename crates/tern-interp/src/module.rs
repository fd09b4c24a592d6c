//! A module as the interpreter holds it: the module's description (shared
//! with the runtime) and one lazily translated function per body.

use crate::ir::CompiledFunc;
use crate::translate::{TranslateError, translate};
use std::sync::{Arc, OnceLock};
use tern_binary::BinaryError;
use tern_validate::{FuncValidator, ModuleDesc};

/// A defined function's slot: empty until translated.
pub(crate) type Slot = OnceLock<Result<CompiledFunc, TranslateError>>;

/// The function in `slot`, if it has been translated (and was valid).
#[inline(always)]
pub(crate) fn translated(slot: &Slot) -> Option<&CompiledFunc> {
    slot.get()?.as_ref().ok()
}

/// A module's functions for the interpreter, translated on first call (or
/// all at once with [`InterpModule::compile_all`]).
pub struct InterpModule {
    desc: Arc<ModuleDesc>,
    /// One slot per defined function, made on first use: a module the
    /// compiler runs may never need them, and a large one has many.
    funcs: OnceLock<Box<[Slot]>>,
    fuel: bool,
    epoch: bool,
    relaxed_simd_deterministic: bool,
    /// Call counts and compiled code, when a tier above runs it too.
    tiering: Option<crate::tier::Tiering>,
}

impl InterpModule {
    /// The interpreter's functions of the module `desc` describes. With
    /// `fuel`, the translated code consumes fuel. Nothing is translated
    /// yet, and the bodies are not validated here (see
    /// [`ModuleDesc::validate_bodies`]).
    pub fn new(desc: Arc<ModuleDesc>, fuel: bool) -> InterpModule {
        InterpModule {
            desc,
            funcs: OnceLock::new(),
            fuel,
            epoch: false,
            relaxed_simd_deterministic: false,
            tiering: None,
        }
    }

    /// With `t`, calls of the module's functions are counted and go to
    /// compiled code once the tier above installs it (see [`crate::tier`]).
    pub fn with_tiering(mut self, t: crate::tier::Tiering) -> InterpModule {
        self.tiering = Some(t);
        self
    }

    /// The tiering state, when the module is tiered.
    #[inline]
    pub fn tiering(&self) -> Option<&crate::tier::Tiering> {
        self.tiering.as_ref()
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

    /// The module's description.
    pub fn desc(&self) -> &Arc<ModuleDesc> {
        &self.desc
    }

    /// Translates every function now. Invalid bodies are an error; valid
    /// bodies the interpreter cannot run are remembered and trap when
    /// called.
    pub fn compile_all(&self) -> Result<(), BinaryError> {
        let d = &*self.desc;
        for def in 0..d.num_defined_funcs() {
            match self.func(def) {
                Ok(_) => {}
                Err(TranslateError::Invalid(e)) => return Err(e.clone()),
                Err(TranslateError::Unsupported(_)) => {
                    // Still reject invalid code.
                    FuncValidator::new(d.info()).validate_body(d.num_imported_funcs() + def, &d.body(def))?;
                }
            }
        }
        Ok(())
    }

    /// The module offset of the operator that emitted instruction `pc` of
    /// defined function `def` (see [`crate::source_offset`]).
    pub fn source_offset(&self, def: u32, pc: u32) -> Option<u32> {
        let d = &*self.desc;
        let n = d.num_imported_funcs();
        crate::source_offset(d.info(), n, n + def, &d.body(def), self.options(), pc)
    }

    /// How the module's functions are translated.
    fn options(&self) -> crate::translate::Options {
        crate::translate::Options {
            fuel: self.fuel,
            epoch: self.epoch,
            relaxed_simd_deterministic: self.relaxed_simd_deterministic,
            osr: self.tiering.as_ref().is_some_and(|t| t.osr_enabled()),
        }
    }

    /// The slots of the defined functions, once any has been asked for.
    #[inline]
    pub(crate) fn slots(&self) -> Option<&[Slot]> {
        self.funcs.get().map(|f| &f[..])
    }

    /// Defined function `def`, translated on first use.
    pub fn func(&self, def: u32) -> Result<&CompiledFunc, &TranslateError> {
        let funcs = self
            .funcs
            .get_or_init(|| (0..self.desc.num_defined_funcs()).map(|_| OnceLock::new()).collect());
        funcs[def as usize]
            .get_or_init(|| {
                let d = &*self.desc;
                let n = d.num_imported_funcs();
                translate(d.info(), n, n + def, &d.body(def), self.options())
            })
            .as_ref()
    }
}

impl std::fmt::Debug for InterpModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterpModule")
            .field("funcs", &self.desc.num_defined_funcs())
            .field("fuel", &self.fuel)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}
