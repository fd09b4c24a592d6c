//! What both tiers share: the call path from the host into a store
//! function, and how memories are created. Built with or without the
//! compiler tier (the `cranelift` feature).

use crate::engine::{BoundsChecks, Engine, Tier};
use crate::error::{Error, Result};
use crate::store::StoreInner;
use tern_binary::MemoryType;
use tern_vm::{FuncKind, LinearMemory, MemoryStyle, Trap};

/// Calls store function `func`: compiled code through its array entry
/// (a tiered module's function once its code is installed), anything else
/// through the interpreter (which calls host functions).
pub(crate) fn invoke<T>(s: &mut StoreInner<T>, func: u32, io: &mut [u64]) -> Result<(), Trap> {
    let r = match s.vm.funcs[func as usize].kind {
        FuncKind::Wasm { instance, def }
            if s.jit.is_compiled(instance) && crate::jit::runs_native(s, instance, def) =>
        {
            crate::jit::call_compiled(s, func, io)
        }
        _ => tern_interp::invoke(s, func, io),
    };
    // Names for the backtrace, whichever tier recorded it.
    r.map_err(|t| s.annotate(t))
}

/// How memories of `engine`'s stores are backed: with guard regions for
/// compiled code that relies on them, else (the interpreter, explicit
/// bounds checks) as reservations of their maximum size where the host
/// can, so that growth costs what touching the new pages costs.
fn memory_style(engine: &Engine, ty: &MemoryType) -> MemoryStyle {
    let c = engine.config();
    if c.tier == Tier::Jit && c.bounds_checks == BoundsChecks::Guard && tern_vm::guard_eligible(ty) {
        MemoryStyle::Reserved
    } else if MemoryStyle::reserved_supported() {
        MemoryStyle::Mapped
    } else {
        MemoryStyle::Heap
    }
}

/// A new memory for a store of `engine`: the store's own, or, for a shared
/// type, one that other stores may share.
pub(crate) fn new_store_memory(engine: &Engine, ty: MemoryType, limit_pages: u64) -> Result<tern_vm::StoreMemory> {
    let m = new_memory(engine, ty, limit_pages)?;
    Ok(if ty.shared {
        tern_vm::StoreMemory::Shared(std::sync::Arc::new(m))
    } else {
        tern_vm::StoreMemory::Owned(Box::new(m))
    })
}

/// A new memory for a store of `engine`.
pub(crate) fn new_memory(engine: &Engine, ty: MemoryType, limit_pages: u64) -> Result<LinearMemory> {
    let style = memory_style(engine, &ty);
    let mut m = LinearMemory::with_style(ty, limit_pages, style);
    if m.is_none() && style == MemoryStyle::Mapped && !ty.shared {
        // Address space may be short (`ulimit -v`): a memory whose
        // accesses are checked works on the heap too.
        m = LinearMemory::new(ty, limit_pages);
    }
    let m = m.ok_or_else(|| Error::Limit("memory allocation failed: size exceeds the limit".into()))?;
    if style == MemoryStyle::Reserved && m.style() != style {
        return Err(Error::Limit(
            "memory allocation failed: cannot reserve address space for the memory".into(),
        ));
    }
    Ok(m)
}
