//! Stands in for `jit.rs` when the compiler tier is not built (the
//! `cranelift` feature is off): the same crate-internal interface, for an
//! engine that only interprets. Nothing here can be compiled code, so the
//! compiler's types are uninhabited and every path to them reports that
//! the tier is missing.

use crate::cache::{CacheStats, CacheUse};
use crate::engine::{Config, Engine, Tier};
use crate::error::{Error, Result};
use crate::module::{Module, ModuleInner};
use crate::store::StoreInner;
use std::sync::Arc;
use tern_validate::ModuleDesc;
use tern_vm::{StoreData, Trap};

/// What an interpreter-only build says when the compiler tier is needed.
const NOT_BUILT: &str = "the compiler tier is not built into this tern; enable the `cranelift` feature";

/// A compiler target: there is none.
pub(crate) enum Isa {}

/// A module's compiled code: there is none.
pub(crate) enum ModuleCode {}

/// An ahead-of-time artifact's code: there is none.
pub(crate) enum Artifact {}

/// A code cache: there is none (it holds compiled code).
#[derive(Debug)]
pub(crate) enum Cache {}

/// What says when a cache entry is written: nothing is.
#[derive(Debug)]
pub(crate) enum WriteWait {}

/// How a module being built met the code cache: never.
pub(crate) enum CacheArg {
    Off,
}

impl CacheArg {
    pub(crate) fn cache_use(&self) -> CacheUse {
        CacheUse::Off
    }

    pub(crate) fn write_wait(&self) -> Option<Arc<WriteWait>> {
        None
    }
}

/// Engines never compile here, so they never open a cache.
pub(crate) fn open_cache(_config: &Config) -> Option<Arc<Cache>> {
    None
}

pub(crate) fn cache_stats(c: &Cache) -> CacheStats {
    match *c {}
}

pub(crate) fn wait_cache_write(w: &WriteWait) -> bool {
    match *w {}
}

/// Every module is built as it is.
pub(crate) fn build_cached(engine: &Engine, bytes: tern_binary::SharedBytes) -> Result<Module> {
    Module::build(engine, bytes, None, false, CacheArg::Off)
}

/// `Auto` and `Interp` interpret; `Jit` is an error.
pub(crate) fn select_isa(tier: Tier, _flags: &[(String, String)]) -> Result<Option<Isa>> {
    match tier {
        Tier::Interp | Tier::Auto => Ok(None),
        Tier::Jit => Err(Error::usage(NOT_BUILT)),
    }
}

/// Whether modules can compile lazily (never: nothing compiles).
pub(crate) fn lazy_available() -> bool {
    false
}

/// Nothing runs compiled code.
pub(crate) fn runs_native<T>(_s: &StoreInner<T>, _instance: u32, _def: u32) -> bool {
    false
}

/// Every module is interpreted.
pub(crate) fn module_code(
    _engine: &Engine,
    _desc: &Arc<ModuleDesc>,
    precompiled: Option<Artifact>,
    _interpret: bool,
    _cache: CacheArg,
    _interp: &Arc<tern_interp::InterpModule>,
) -> Result<Option<Arc<ModuleCode>>> {
    match precompiled {
        Some(a) => match a {},
        None => Ok(None),
    }
}

/// [`Module::serialize`]: artifacts hold compiled code.
pub(crate) fn serialize(_module: &Module) -> Result<Vec<u8>> {
    Err(Error::usage(format!("cannot serialize a module: {NOT_BUILT}")))
}

/// [`Module::deserialize_file`]: as [`deserialize`].
pub(crate) fn deserialize_file(engine: &Engine, path: &std::path::Path) -> Result<Module> {
    let bytes = std::fs::read(path).map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
    deserialize(engine, &bytes)
}

/// Where an artifact records its module's function bodies to lie (there
/// are no artifacts here).
pub(crate) fn recorded_bodies(a: &Artifact) -> Option<&[(u32, u32)]> {
    match *a {}
}

/// [`Module::deserialize`]: artifacts hold compiled code, which this
/// build cannot run.
pub(crate) fn deserialize(_engine: &Engine, bytes: &[u8]) -> Result<Module> {
    if Module::is_precompiled(bytes) {
        Err(Error::usage(format!(
            "cannot load a precompiled artifact (native code): {NOT_BUILT}"
        )))
    } else {
        Err(Error::usage(format!(
            "not a precompiled artifact (and loading one needs the compiler tier: {NOT_BUILT})"
        )))
    }
}

/// There is no compiled code to announce to a profiler.
pub(crate) fn announce(_m: &ModuleInner) {}

/// No compiled frames exist without the compiler.
pub(crate) fn source_offset(
    _engine: &Engine,
    _desc: &tern_validate::ModuleDesc,
    _func: u32,
    _offset: u32,
    _osr_loop: Option<u32>,
) -> Option<u32> {
    None
}

/// The compiler tier's per-store state: none.
pub(crate) struct JitStore;

impl JitStore {
    pub(crate) fn new(_engine: &Engine) -> JitStore {
        JitStore
    }

    pub(crate) fn sync_funcs(&mut self, _vm: &StoreData) {}

    pub(crate) fn ctx_mut(&mut self) -> Option<&mut tern_vm::vmctx::VMStoreContext> {
        None
    }

    pub(crate) fn is_compiled(&self, _instance: u32) -> bool {
        false
    }
}

/// Instances need no compiled context.
/// Memory images come from artifacts, which this build has none of.
pub(crate) fn apply_memory_image<T>(_s: &mut StoreInner<T>, _inst: u32, _module: &Module) -> Result<bool> {
    Ok(false)
}

pub(crate) fn instantiate<T>(_s: &mut StoreInner<T>, _inst: u32, _module: &Module) -> Result<()> {
    Ok(())
}

/// Not reached: no instance is compiled ([`JitStore::is_compiled`]).
pub(crate) fn call_compiled<T>(_s: &mut StoreInner<T>, _func: u32, _io: &mut [u64]) -> Result<(), Trap> {
    Err(Trap::msg(NOT_BUILT))
}
