//! The runtime routines compiled code calls ([`Libcall`]), and the
//! [`JitHost`] through which they reach the embedder.
//!
//! Each function here implements one row of [`tern_vm::for_each_libcall!`]
//! (same name, same signature after `vmctx`); [`address`] is generated from
//! the table, so a row without its function, or a function whose signature
//! drifted from its row, does not compile.
//!
//! Every libcall is an `extern "C"` function whose frame holds only plain
//! arguments: its work happens in a closure run by
//! [`tern_vm::signals::libcall`], which drops everything the closure owns
//! before a trap is raised (raising discards the frames up to the host's
//! entry point without running destructors).

use cranelift_codegen::ir::LibCall;
use tern_vm::gc_ops::GcOp;
use tern_vm::signals::libcall;
use tern_vm::vmctx::{Libcall, VMContext, VMFuncRef, VMStoreContext};
use tern_vm::{StoreData, Trap, TrapCode};

/// What libcalls need from the embedder. The runtime sets
/// [`VMStoreContext::host`] to a `*mut dyn JitHost` (see [`host_to_raw`])
/// on every entry into compiled code.
pub trait JitHost {
    /// The store's entities.
    fn store(&mut self) -> &mut StoreData;
    /// Calls store function `func`, which is not compiled code (a host
    /// function, or a function of another tier), on behalf of instance
    /// `caller`. `slots` holds the arguments and receives the results.
    fn call_foreign(&mut self, func: u32, caller: u32, slots: &mut [u64]) -> Result<(), Trap>;
    /// `memory.grow` of store memory `mem` by `delta` pages: the old size,
    /// `None` when the growth is refused (limits, the embedder's resource
    /// limiter, the OS), or a trap the embedder raises instead.
    fn grow_memory(&mut self, mem: u32, delta: u64) -> Result<Option<u64>, Trap>;
    /// `table.grow` of store table `table`: as [`JitHost::grow_memory`].
    fn grow_table(&mut self, table: u32, delta: u32, init: u64) -> Result<Option<u32>, Trap>;
    /// Compiled code found the engine's epoch at or past the store's
    /// deadline: returns once the embedder moved the deadline, or the trap
    /// that stops execution.
    fn epoch_deadline_reached(&mut self) -> Result<(), Trap>;
}

/// The fat pointer `host` as [`VMStoreContext::host`] stores it.
pub fn host_to_raw(host: &mut (dyn JitHost + '_)) -> [usize; 2] {
    let p: *mut (dyn JitHost + '_) = host;
    // SAFETY: a `*mut dyn Trait` is two words; only `host_from_raw`
    // reads it back, while the host is alive (the runtime sets it on
    // entry).
    unsafe { std::mem::transmute::<*mut (dyn JitHost + '_), [usize; 2]>(p) }
}

/// # Safety
///
/// `raw` came from [`host_to_raw`] of a host that is still alive.
unsafe fn host_from_raw<'a>(raw: [usize; 2]) -> &'a mut dyn JitHost {
    // SAFETY: the caller's contract.
    unsafe { &mut *std::mem::transmute::<[usize; 2], *mut dyn JitHost>(raw) }
}

/// # Safety
///
/// `vmctx` is a live instance context whose store context has a host set.
unsafe fn host<'a>(vmctx: *mut VMContext) -> &'a mut dyn JitHost {
    // SAFETY: the caller's contract.
    unsafe { host_from_raw((*(*vmctx).store).host) }
}

/// # Safety
///
/// `vmctx` is live and `mem` is one of its memory indices.
unsafe fn memory(vmctx: *mut VMContext, mem: u32) -> *mut tern_vm::LinearMemory {
    // SAFETY: the caller's contract; validated code names existing
    // memories.
    unsafe { *(*vmctx).memories.add(mem as usize) }
}

/// # Safety
///
/// `vmctx` is live and `table` is one of its table indices.
unsafe fn table<'a>(vmctx: *mut VMContext, table: u32) -> &'a mut tern_vm::Table {
    // SAFETY: as for `memory`.
    unsafe { &mut **(*vmctx).tables.add(table as usize) }
}

unsafe extern "C" fn memory_grow(vmctx: *mut VMContext, mem: u32, delta: u64) -> u64 {
    // SAFETY: compiled code passes its own vmctx and a valid index.
    unsafe {
        libcall(|| {
            let inst = (*vmctx).instance as usize;
            let h = host(vmctx);
            let mi = h.store().instances[inst].memories[mem as usize];
            Ok(h.grow_memory(mi, delta)?.unwrap_or(u64::MAX))
        })
    }
}

/// The common case of `memory.fill` and `memory.copy` (an unshared
/// memory, in bounds) without [`libcall`]'s machinery, which costs more
/// than a short copy: nothing can trap, panic or unwind. Like `libcall`,
/// it clears the exit registers compiled code stored before the call
/// (they are the activation's, in the store context).
///
/// # Safety
///
/// `vmctx` is the live context of the calling compiled code.
unsafe fn returned(vmctx: *mut VMContext) {
    // SAFETY: the caller's contract.
    unsafe { (*(*vmctx).store).exit = tern_vm::signals::ExitRegs::default() }
}

unsafe extern "C" fn memory_fill(vmctx: *mut VMContext, mem: u32, dst: u64, val: u32, n: u64) {
    // SAFETY: as above; a shared memory is only ever used through `&`.
    unsafe {
        let m = memory(vmctx, mem);
        if !(*m).is_shared()
            && let Ok(r) = (*m).range(dst, n)
        {
            std::ptr::write_bytes((*m).base().add(r.start), val as u8, r.len());
            return returned(vmctx);
        }
        // Otherwise a shared memory, or out of bounds.
        libcall(|| Ok((*m).fill_racy(dst, val as u8, n)?))
    }
}

unsafe extern "C" fn memory_copy(vmctx: *mut VMContext, dst_mem: u32, src_mem: u32, dst: u64, src: u64, n: u64) {
    // SAFETY: as above; two different memories never overlap.
    unsafe {
        let (s, d) = (memory(vmctx, src_mem), memory(vmctx, dst_mem));
        if !(*s).is_shared()
            && !(*d).is_shared()
            && let (Ok(sr), Ok(dr)) = ((*s).range(src, n), (*d).range(dst, n))
        {
            std::ptr::copy((*s).base().add(sr.start), (*d).base().add(dr.start), sr.len());
            return returned(vmctx);
        }
        // Otherwise a shared memory, or out of bounds.
        libcall(|| Ok((*d).copy_racy(dst, &*s, src, n)?))
    }
}

unsafe extern "C" fn memory_init(vmctx: *mut VMContext, mem: u32, seg: u32, dst: u64, src: u32, n: u32) {
    // SAFETY: as above.
    unsafe {
        libcall(|| {
            let inst = (*vmctx).instance as usize;
            let m = memory(vmctx, mem);
            let vm = host(vmctx).store();
            let data = vm.instances[inst].data(seg);
            if (*m).is_shared() {
                (*m).init_racy(dst, data, src as u64, n as u64)?
            } else {
                (*m).init(dst, data, src as u64, n as u64)?
            }
            Ok(())
        })
    }
}

unsafe extern "C" fn data_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: as above.
    unsafe {
        libcall(|| {
            let inst = (*vmctx).instance as usize;
            host(vmctx).store().instances[inst].datas[seg as usize] = 0..0;
            Ok(())
        })
    }
}

/// A 64-bit table index or count as the 32-bit one tables take: no table
/// has 2^32 elements, so a larger value is out of bounds for any access.
fn table_arg(v: u64) -> Result<u32, TrapCode> {
    u32::try_from(v).map_err(|_| TrapCode::TableOutOfBounds)
}

unsafe extern "C" fn table_grow(vmctx: *mut VMContext, t: u32, init: u64, delta: u64) -> u64 {
    // SAFETY: as above.
    unsafe {
        libcall(|| {
            // No table grows by 2^32 elements.
            let Ok(delta) = u32::try_from(delta) else {
                return Ok(u64::MAX);
            };
            let inst = (*vmctx).instance as usize;
            let h = host(vmctx);
            let ti = h.store().instances[inst].tables[t as usize];
            Ok(h.grow_table(ti, delta, init)?.map_or(u64::MAX, u64::from))
        })
    }
}

unsafe extern "C" fn table_fill(vmctx: *mut VMContext, t: u32, dst: u64, val: u64, n: u64) {
    // SAFETY: as above.
    unsafe { libcall(|| Ok(table(vmctx, t).fill(table_arg(dst)?, val, table_arg(n)?)?)) }
}

unsafe extern "C" fn table_copy(vmctx: *mut VMContext, dst_t: u32, src_t: u32, dst: u64, src: u64, n: u64) {
    // SAFETY: as above; two different tables are different objects.
    unsafe {
        libcall(|| {
            let (dst, src, n) = (table_arg(dst)?, table_arg(src)?, table_arg(n)?);
            if dst_t == src_t {
                return Ok(table(vmctx, dst_t).copy_within(dst, src, n)?);
            }
            let s: &tern_vm::Table = table(vmctx, src_t);
            let d = table(vmctx, dst_t);
            if std::ptr::eq(s, d) {
                return Ok(d.copy_within(dst, src, n)?);
            }
            Ok(tern_vm::copy_between(d, dst, s, src, n)?)
        })
    }
}

unsafe extern "C" fn table_init(vmctx: *mut VMContext, t: u32, seg: u32, dst: u64, src: u32, n: u32) {
    // SAFETY: as above.
    unsafe {
        libcall(|| {
            let dst = table_arg(dst)?;
            let inst = (*vmctx).instance as usize;
            let tab = table(vmctx, t);
            let vm = host(vmctx).store();
            let elems = &vm.instances[inst].elems[seg as usize];
            Ok(tab.init(dst, elems, src, n)?)
        })
    }
}

unsafe extern "C" fn elem_drop(vmctx: *mut VMContext, seg: u32) {
    // SAFETY: as above.
    unsafe {
        libcall(|| {
            let inst = (*vmctx).instance as usize;
            host(vmctx).store().instances[inst].elems[seg as usize] = Box::default();
            Ok(())
        })
    }
}

unsafe extern "C" fn atomic_wait(
    vmctx: *mut VMContext,
    mem: u32,
    ea: u64,
    expected: u64,
    timeout: u64,
    wide: u32,
) -> u32 {
    // SAFETY: as above; a memory is only used through `&` here. The wait
    // holds no lock of the store's or the table's while parked.
    unsafe { libcall(|| Ok((*memory(vmctx, mem)).atomic_wait(ea, expected, timeout as i64, wide != 0)?)) }
}

unsafe extern "C" fn atomic_notify(vmctx: *mut VMContext, mem: u32, ea: u64, count: u32) -> u32 {
    // SAFETY: as above.
    unsafe { libcall(|| Ok((*memory(vmctx, mem)).atomic_notify(ea, count)?)) }
}

unsafe extern "C" fn shared_recheck(vmctx: *mut VMContext, mem: u32, index: u64, need: u64) {
    // SAFETY: as above.
    unsafe { libcall(|| Ok((*memory(vmctx, mem)).range(index, need).map(drop)?)) }
}

unsafe extern "C" fn call_foreign(caller: *mut VMContext, callee: *const VMFuncRef, values: *mut u64) {
    // SAFETY: the foreign trampoline passes its caller's vmctx, the
    // callee's function reference and a slot array as long as the
    // callee's parameters and results.
    unsafe {
        libcall(|| {
            let ctx: *mut VMStoreContext = (*caller).store;
            let func = (*callee).func;
            let inst = (*caller).instance;
            let h = host(caller);
            let vm = h.store();
            let fe = vm.funcs[func as usize];
            let n = fe.param_slots.max(fe.result_slots).max(1) as usize;
            if vm.fuel_enabled {
                vm.fuel = (*ctx).fuel.max(0) as u64;
            }
            let slots = std::slice::from_raw_parts_mut(values, n);
            let r = h.call_foreign(func, inst, slots);
            let vm = h.store();
            if vm.fuel_enabled {
                (*ctx).fuel = vm.fuel.min(i64::MAX as u64) as i64;
            }
            (*ctx).epoch_deadline = vm.epoch_deadline;
            r
        })
    }
}

unsafe extern "C" fn out_of_fuel(_vmctx: *mut VMContext) {
    // SAFETY: called from compiled code inside `catch_traps`.
    unsafe { libcall::<()>(|| Err(Trap::new(TrapCode::OutOfFuel))) }
}

unsafe extern "C" fn interrupt(vmctx: *mut VMContext) {
    // SAFETY: as above; the interrupt pointer is the engine's flag.
    unsafe {
        libcall::<()>(|| {
            let flag = (*(*vmctx).store).interrupt;
            if !flag.is_null() {
                (*flag.cast::<std::sync::atomic::AtomicU64>()).store(0, std::sync::atomic::Ordering::Relaxed);
            }
            Err(Trap::msg("interrupted"))
        })
    }
}

unsafe extern "C" fn epoch_deadline(vmctx: *mut VMContext) {
    // SAFETY: as above. The embedder's decision may run anything (fuel
    // and the deadline are synchronised with the store around it, as for
    // calls out of compiled code).
    unsafe {
        libcall::<()>(|| {
            let ctx: *mut VMStoreContext = (*vmctx).store;
            let h = host(vmctx);
            let vm = h.store();
            if vm.fuel_enabled {
                vm.fuel = (*ctx).fuel.max(0) as u64;
            }
            let r = h.epoch_deadline_reached();
            let vm = h.store();
            if vm.fuel_enabled {
                (*ctx).fuel = vm.fuel.min(i64::MAX as u64) as i64;
            }
            (*ctx).epoch_deadline = vm.epoch_deadline;
            r
        })
    }
}

unsafe extern "C" fn exn_new(vmctx: *mut VMContext, tag: u32, payload: *const u64) -> u64 {
    // SAFETY: compiled code passes its own vmctx, a tag index of its
    // module and a slot array as long as the tag's parameters.
    unsafe {
        libcall(|| {
            let inst = (*vmctx).instance as usize;
            let vm = host(vmctx).store();
            let ti = vm.instances[inst].tags[tag as usize];
            let n = vm.tags[ti as usize].param_slots as usize;
            let payload: Box<[u64]> = std::slice::from_raw_parts(payload, n).into();
            Ok(vm.new_exn(ti, payload))
        })
    }
}

unsafe extern "C" fn throw_ref(vmctx: *mut VMContext, exn: u64) {
    // SAFETY: compiled code passes its own vmctx and a raw `exnref` of
    // the store; `libcall` throws the exception the body fails with.
    unsafe {
        libcall::<()>(|| {
            let _ = vmctx;
            if exn == 0 {
                return Err(Trap::new(TrapCode::NullReference));
            }
            Err(Trap::exception(exn))
        })
    }
}

unsafe extern "C" fn exn_is(vmctx: *mut VMContext, exn: u64, tag: u32) -> u32 {
    // SAFETY: compiled code passes its own vmctx, a non-null raw `exnref`
    // of the store and a tag index of its module.
    unsafe {
        libcall(|| {
            let inst = (*vmctx).instance as usize;
            let vm = host(vmctx).store();
            let ti = vm.instances[inst].tags[tag as usize];
            let e = vm.exn(exn).ok_or_else(|| Trap::msg("tern: invalid exnref"))?;
            Ok((e.tag == ti) as u32)
        })
    }
}

unsafe extern "C" fn exn_caught(vmctx: *mut VMContext, exn: u64, out: *mut u64, keep: u32) {
    // SAFETY: compiled code passes its own vmctx, a non-null raw `exnref`
    // of the store and, when `out` is not null, room for its payload.
    unsafe {
        libcall(|| {
            let vm = host(vmctx).store();
            let e = vm.exn(exn).ok_or_else(|| Trap::msg("tern: invalid exnref"))?;
            if !out.is_null() {
                std::ptr::copy_nonoverlapping(e.payload.as_ptr(), out, e.payload.len());
            }
            if keep != 0 {
                vm.expose_exn(exn);
            } else {
                vm.drop_exn(exn);
            }
            Ok(())
        })
    }
}

unsafe extern "C" fn gc_op(vmctx: *mut VMContext, op: u64, imm: u64, slots: *mut u64) {
    // SAFETY: compiled code passes its own vmctx, an operator its
    // translator encoded from validated code, and a slot array with room
    // for the operator's operands and results.
    unsafe {
        libcall(|| {
            let inst = (*vmctx).instance;
            let vm = host(vmctx).store();
            let sigs = tern_vm::gc_ops::instance_sigs(vm, inst);
            // The most frequent operators directly, decoding no more than
            // they need: a full decode and `exec` (a large function) cost
            // as much as the allocation itself.
            match GcOp::tag(op) {
                GcOp::STRUCT_NEW => {
                    let (t, default) = GcOp::decode_struct_new(op);
                    *slots = tern_vm::gc_ops::struct_new(vm, sigs, t, default, slots, &[]).map_err(Trap::new)?;
                    return Ok(());
                }
                tag @ (GcOp::REF_TEST | GcOp::REF_CAST) => {
                    let to = GcOp::decode_ref_type(op, imm).ok_or_else(|| Trap::msg("tern: invalid GC operator"))?;
                    let cast = tag == GcOp::REF_CAST;
                    *slots = tern_vm::gc_ops::ref_test_or_cast(vm, sigs, *slots, to, cast).map_err(Trap::new)?;
                    return Ok(());
                }
                _ => {}
            }
            let op = GcOp::decode(op, imm).ok_or_else(|| Trap::msg("tern: invalid GC operator"))?;
            // The interpreter's stacks are registered with the heap and
            // compiled frames are found on the machine stack: no roots
            // to add.
            tern_vm::gc_ops::exec(vm, inst, &op, slots, 0, 0, &[]).map_err(Trap::new)
        })
    }
}

unsafe extern "C" fn func_subtype(vmctx: *mut VMContext, have: u32, want: u32) -> u32 {
    // SAFETY: compiled code passes its own vmctx.
    unsafe {
        libcall(|| {
            let vm = host(vmctx).store();
            Ok(vm.gc.is_subtype(tern_vm::SigId(have), tern_vm::SigId(want)) as u32)
        })
    }
}

macro_rules! address_table {
    ($( $(#[$doc:meta])* $name:ident $imp:ident ( $($arg:ident : $ty:ty),* ) $(-> $ret:ty)? ; )*) => {
        /// The address of libcall `l`: the function its row of
        /// [`tern_vm::for_each_libcall!`] names, which must have the row's
        /// signature.
        pub fn address(l: Libcall) -> usize {
            match l {
                $( Libcall::$name => {
                    let f: unsafe extern "C" fn(*mut VMContext $(, $ty)*) $(-> $ret)? = $imp;
                    f as usize
                } )*
            }
        }
    };
}

tern_vm::for_each_libcall!(address_table);

/// The address of the routine behind a Cranelift libcall (only those
/// [`crate::Symbol`] admits).
pub(crate) fn cranelift_address(l: LibCall) -> usize {
    /// An `extern "C"` routine with these parameters, result and body.
    macro_rules! routine {
        (|$($p:ident: $t:ty),*| -> $r:ty $body:block) => {{
            extern "C" fn routine($($p: $t),*) -> $r $body
            routine as *const () as usize
        }};
    }
    match l {
        LibCall::CeilF32 => routine!(|x: f32| -> f32 { x.ceil() }),
        LibCall::CeilF64 => routine!(|x: f64| -> f64 { x.ceil() }),
        LibCall::FloorF32 => routine!(|x: f32| -> f32 { x.floor() }),
        LibCall::FloorF64 => routine!(|x: f64| -> f64 { x.floor() }),
        LibCall::TruncF32 => routine!(|x: f32| -> f32 { x.trunc() }),
        LibCall::TruncF64 => routine!(|x: f64| -> f64 { x.trunc() }),
        LibCall::NearestF32 => routine!(|x: f32| -> f32 { x.round_ties_even() }),
        LibCall::NearestF64 => routine!(|x: f64| -> f64 { x.round_ties_even() }),
        LibCall::FmaF32 => routine!(|a: f32, b: f32, c: f32| -> f32 { a.mul_add(b, c) }),
        LibCall::FmaF64 => routine!(|a: f64, b: f64, c: f64| -> f64 { a.mul_add(b, c) }),
        _ => 0,
    }
}
