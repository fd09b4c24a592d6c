//! A module's compiled code as the runtime holds it: one linked image
//! ([`CompiledModule`], compiled before the first call or loaded from an
//! artifact), or a [`LazyModule`] that compiles each function on demand.
//! The runtime asks it where calls go and which function a PC lies in,
//! without caring which of the two it is.

use crate::lazy::LazyModule;
use crate::link::{Artifact, CompiledModule};
use std::sync::Arc;

/// A module's compiled code: an image compiled before the first call, or
/// a [`LazyModule`] compiling on demand.
#[derive(Debug)]
pub enum ModuleCode {
    Eager(CompiledModule),
    Lazy(Arc<LazyModule>),
}

impl ModuleCode {
    /// Where calls of defined function `def` go.
    pub fn native_call(&self, def: u32) -> *const u8 {
        match self {
            ModuleCode::Eager(c) => c.native_call(def),
            ModuleCode::Lazy(l) => l.native_call(def),
        }
    }

    /// Array-call entry of defined function `def` (null for a lazy
    /// module's functions that cannot reach the host).
    pub fn array_call(&self, def: u32) -> *const u8 {
        match self {
            ModuleCode::Eager(c) => c.array_call(def),
            ModuleCode::Lazy(l) => l.array_call(def),
        }
    }

    /// The indirect array-call trampoline of type index `ty` (tiered
    /// modules only; null otherwise).
    pub fn array_indirect(&self, ty: u32) -> *const u8 {
        match self {
            ModuleCode::Eager(_) => std::ptr::null(),
            ModuleCode::Lazy(l) => l.array_indirect(ty),
        }
    }

    /// The OSR entry of `def` at loop `at_loop`, once compiled (tiered
    /// modules; see [`LazyModule::osr_entry`]).
    pub fn osr_entry(&self, def: u32, at_loop: u32) -> Option<(*const u8, *const u8)> {
        match self {
            ModuleCode::Eager(_) => None,
            ModuleCode::Lazy(l) => l.osr_entry(def, at_loop),
        }
    }

    /// Foreign trampoline of type index `ty`, or null.
    pub fn foreign_trampoline(&self, ty: u32) -> *const u8 {
        match self {
            ModuleCode::Eager(c) => c.foreign_trampoline(ty),
            ModuleCode::Lazy(l) => l.foreign_trampoline(ty),
        }
    }

    /// The defined function whose code contains `pc`.
    pub fn func_at(&self, pc: usize) -> Option<u32> {
        match self {
            ModuleCode::Eager(c) => c.func_at(pc),
            ModuleCode::Lazy(l) => l.func_at(pc),
        }
    }

    /// The defined function whose code contains `pc`, and the address its
    /// code starts at.
    pub fn func_containing(&self, pc: usize) -> Option<(u32, usize)> {
        match self {
            ModuleCode::Eager(c) => c.func_containing(pc),
            ModuleCode::Lazy(l) => l.func_containing(pc),
        }
    }

    /// The loop whose OSR entry the code at `pc` is (tiered modules; `None`
    /// for a function's own code).
    pub fn osr_loop_at(&self, pc: usize) -> Option<u32> {
        match self {
            ModuleCode::Eager(_) => None,
            ModuleCode::Lazy(l) => l.osr_loop_at(pc),
        }
    }

    /// The virtual frames (outermost first) at `pc` when it lies in inlined
    /// code.
    pub fn inline_frames(&self, pc: usize) -> Option<Vec<u32>> {
        match self {
            ModuleCode::Eager(c) => c.inline_frames(pc).map(<[u32]>::to_vec),
            ModuleCode::Lazy(l) => l.inline_frames(pc),
        }
    }

    /// The linked image, for an eagerly compiled module.
    pub fn artifact(&self) -> Option<&Artifact> {
        match self {
            ModuleCode::Eager(c) => Some(c.artifact()),
            ModuleCode::Lazy(_) => None,
        }
    }

    /// Tells `f` of the code there is, `(address, size, defined function)`,
    /// and, for a lazy module, of code as it is compiled later.
    pub fn observe(&self, f: crate::lazy::CodeObserver) {
        match self {
            ModuleCode::Eager(c) => f(&c.function_ranges()),
            ModuleCode::Lazy(l) => l.observe(f),
        }
    }
}
