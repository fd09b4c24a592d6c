//! The execution loop: a `loop` + `match` over the IR, with its own call
//! stack (a `Vec` of frames) so that wasm calls never recurse on the host
//! stack. Locals and operands of all active frames share one value stack of
//! 64-bit slots; a callee's frame starts at the caller's argument slots, so
//! arguments and results are passed in place.
//!
//! The loop caches what it touches on every instruction (instruction
//! pointer, frame base, memory 0's base and length) in locals, and refreshes
//! the cache after anything that may move them: calls, returns to another
//! instance, `memory.grow`, host calls. Jumps are relative to the jump, so
//! the running function's code start is not needed per instruction.
//!
//! Register accesses are unchecked: the translator computed every register
//! from validated code, below the function's `max_height`, and the value
//! stack is grown to `base + max_height` before a frame runs.

use crate::InterpModule;
use crate::ir::{ANY_TAG, CompiledFunc, Instr, Mem, NO_REG, NO_REGION, WIDE};
use crate::ir::{acc_br_pattern, acc_mem_pattern, acc_row_pattern};
use crate::ops::{self, OpResult};
use crate::simd::*;
use std::ptr;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64};

use tern_binary::for_each_operator;
use tern_vm::{FrameInfo, FramePosition, FuncKind, StoreData, Trap, TrapCode};

/// What the interpreter needs from its embedder.
pub trait Host {
    /// The store's entities.
    fn store(&mut self) -> &mut StoreData;
    /// Calls host function `index` on behalf of instance `caller` (`None`
    /// when called directly by the embedder). `slots` holds the arguments
    /// and receives the results; it is as long as the larger of the two.
    fn call_host(&mut self, index: u32, caller: Option<u32>, slots: &mut [u64]) -> Result<(), Trap>;

    /// Calls store function `func`, a wasm function whose module is tiered
    /// and whose compiled code is installed (see [`crate::tier`]), in its
    /// compiled code. `slots` is as for [`Host::call_host`].
    fn call_native(&mut self, func: u32, slots: &mut [u64]) -> Result<(), Trap> {
        let _ = (func, slots);
        Err(Trap::msg("no compiled code to call"))
    }

    /// Continues a call of store function `func` (of a tiered module) in
    /// its compiled OSR entry at loop `at_loop` (see [`crate::tier`]):
    /// `values[0]` points at the state (the loop's index, the locals, the
    /// loop's parameters), and `values` receives the function's results.
    fn call_osr(&mut self, func: u32, at_loop: u32, values: &mut [u64]) -> Result<(), Trap> {
        let _ = (func, at_loop, values);
        Err(Trap::msg("no compiled code to call"))
    }

    /// `memory.grow` of store memory `mem` by `delta` pages: the old size,
    /// `None` when the growth is refused (limits, the embedder's resource
    /// limiter, the OS), or a trap the embedder raises instead.
    fn grow_memory(&mut self, mem: u32, delta: u64) -> Result<Option<u64>, Trap> {
        Ok(self.store().memories[mem as usize].grow(delta))
    }

    /// `table.grow` of store table `table` by `delta` elements set to
    /// `init`: as [`Host::grow_memory`].
    fn grow_table(&mut self, table: u32, delta: u32, init: u64) -> Result<Option<u32>, Trap> {
        Ok(self.store().tables[table as usize].grow(delta, init))
    }

    /// Code checking epochs found `epoch >= epoch_deadline`: returns once
    /// the embedder moved the deadline (execution goes on), or the trap
    /// that stops it.
    fn epoch_deadline_reached(&mut self) -> Result<(), Trap> {
        Err(Trap::new(TrapCode::Interrupt))
    }
}

/// How deeply executions may nest through host functions that call back
/// into wasm.
pub const MAX_ACTIVATIONS: usize = 200;

/// Calls store function `func`. `io` holds the arguments (in slots) and
/// receives the results; it must be at least as long as both.
pub fn invoke(host: &mut dyn Host, func: u32, io: &mut [u64]) -> Result<(), Trap> {
    let vm = host.store();
    let fe = vm.funcs[func as usize];
    let (inst, def) = match fe.kind {
        FuncKind::Host { index } => return host.call_host(index, None, io),
        FuncKind::Wasm { instance, def } => (instance, def),
    };
    if too_many_activations(vm) || vm.call_depth >= vm.limits.max_call_depth {
        return Err(Trap::new(TrapCode::StackOverflow));
    }
    if let Ok(m) = interp_module(vm, inst)
        // SAFETY: instances' code lives as long as the store.
        && let Some(t) = unsafe { &*m }.tiering()
    {
        t.enter(def);
    }
    vm.activations += 1;
    let depth_base = vm.call_depth;
    let mut stack = std::mem::take(&mut vm.spare_stack);
    let r = run(host, &mut stack, inst, def, io, depth_base);
    let vm = host.store();
    vm.activations -= 1;
    vm.call_depth = depth_base;
    if stack.capacity() > vm.spare_stack.capacity() {
        vm.spare_stack = stack;
    }
    r
}

/// Host stack a new activation needs left (where the stack's bounds are
/// known).
const ACTIVATION_STACK: usize = 256 << 10;

/// Whether one more nested activation (a host function or the other tier
/// calling back into wasm) would risk the host's stack: less than
/// [`ACTIVATION_STACK`] of it left where its bounds are known, else
/// [`MAX_ACTIVATIONS`] activations already.
pub fn too_many_activations(vm: &StoreData) -> bool {
    match tern_vm::signals::stack_remaining() {
        Some(n) => n < ACTIVATION_STACK,
        None => vm.activations >= MAX_ACTIVATIONS,
    }
}

/// Appends the frames of one activation, innermost (`func` of `inst`)
/// first, to `trap`'s backtrace.
#[cold]
#[inline(never)]
fn with_trace(mut trap: Trap, frames: &[Frame], inst: u32, func: *const CompiledFunc, ip: *const Instr) -> Trap {
    let trace = trap.trace_mut();
    let innermost = std::iter::once((inst, func, ip));
    for (inst, func, ip) in innermost.chain(frames.iter().rev().map(|f| (f.inst, f.func, f.ip))) {
        // SAFETY: compiled functions live as long as the store.
        let f = unsafe { &*func };
        // `ip` is just past the instruction that trapped or called.
        let pc = (ip as usize).wrapping_sub(f.code.as_ptr() as usize) / std::mem::size_of::<Instr>();
        let pc = (pc.min(f.code.len()) as u32).saturating_sub(1);
        trace.push(FrameInfo::new(inst, f.func_index, Some(FramePosition::Interp(pc))));
    }
    trap
}

#[derive(Clone, Copy)]
struct Frame {
    func: *const CompiledFunc,
    module: *const InterpModule,
    ip: *const Instr,
    base: usize,
    inst: u32,
}

/// Creates the exception that `throw` of tag `tag` (a tag index of
/// instance `inst`) raises, its payload read from `payload`.
///
/// # Safety
///
/// `payload` points to at least the tag's parameter slots.
#[cold]
#[inline(never)]
unsafe fn new_exn(vm: &mut StoreData, inst: u32, tag: u32, payload: *const u64) -> u64 {
    let ti = vm.instances[inst as usize].tags[tag as usize];
    let n = vm.tags[ti as usize].param_slots as usize;
    // SAFETY: the caller's promise.
    let payload: Box<[u64]> = unsafe { std::slice::from_raw_parts(payload, n) }.into();
    vm.new_exn(ti, payload)
}

/// Finds the handler of exception `exn` thrown at `cur.ip` (the throwing
/// instruction, or the call it came out of): the innermost region around
/// it in the current frame (unless `skip`: the frame was replaced by a
/// tail call), then its parents, then the calling frames. On success,
/// moves the payload and `exnref` where the handler wants them, drops the
/// frames above the handler's, makes `cur` the handler's frame (`ip` at the
/// handler's target) and returns whether the handler returns from it.
/// Leaves everything as it was and returns `None` when no handler catches
/// the exception. `exn` must be a valid `exnref`.
///
/// # Safety
///
/// The frames' pointers are valid; `cur.ip` points into `cur.func`'s code,
/// and each saved frame's `ip` just after a call instruction of its code.
#[cold]
#[inline(never)]
unsafe fn unwind(
    vm: &mut StoreData,
    stack: &mut [u64],
    frames: &mut Vec<Frame>,
    cur: &mut Frame,
    exn: u64,
    skip: bool,
) -> Option<bool> {
    let e_tag = vm.exns[exn as usize - 1].tag;
    let mut level = frames.len();
    loop {
        let innermost = level == frames.len();
        let fr = if innermost { *cur } else { frames[level] };
        if !(innermost && skip) {
            // SAFETY: compiled functions live as long as the store, and
            // the instruction pointers point into their code.
            let f = unsafe { &*fr.func };
            let mut pc = unsafe { fr.ip.offset_from(f.code.as_ptr()) } as u32;
            if !innermost {
                pc -= 1;
            }
            let mut r = f.region_at(pc);
            while r != NO_REGION {
                let reg = f.regions()[r as usize];
                for c in &f.clauses()[reg.first as usize..(reg.first + reg.len) as usize] {
                    if c.tag != ANY_TAG && vm.instances[fr.inst as usize].tags[c.tag as usize] != e_tag {
                        continue;
                    }
                    if c.tag != ANY_TAG {
                        let p = &vm.exns[exn as usize - 1].payload;
                        let at = fr.base + c.values as usize;
                        stack[at..at + p.len()].copy_from_slice(p);
                    }
                    if c.exn != NO_REG {
                        stack[fr.base + c.exn as usize] = exn;
                        vm.expose_exn(exn);
                    } else {
                        // Nothing can refer to it any more, unless it was
                        // exposed before.
                        vm.drop_exn(exn);
                    }
                    *cur = fr;
                    frames.truncate(level);
                    // SAFETY: the target is an instruction of `f`.
                    cur.ip = unsafe { f.code.as_ptr().add(c.target as usize) };
                    return Some(c.ret);
                }
                r = reg.parent;
            }
        }
        if level == 0 {
            return None;
        }
        level -= 1;
    }
}

fn interp_module(vm: &StoreData, inst: u32) -> Result<*const InterpModule, Trap> {
    match vm.instances[inst as usize].code.downcast_ref::<InterpModule>() {
        Some(m) => Ok(m),
        None => Err(Trap::msg("instance code is not interpreter code")),
    }
}

fn compiled(m: &InterpModule, def: u32) -> Result<*const CompiledFunc, Trap> {
    match m.func(def) {
        Ok(f) => Ok(f),
        Err(e) => Err(Trap::msg(format!("function could not be compiled: {e}"))),
    }
}

fn mem0(vm: &StoreData, inst: u32) -> (*mut u8, usize, bool) {
    match vm.instances[inst as usize].memories.first() {
        Some(&mi) => {
            let m = &vm.memories[mi as usize];
            (m.base(), m.len(), m.is_shared())
        }
        None => (ptr::null_mut(), 0, false),
    }
}

/// Whether `n` bytes at `ea` lie within `len` bytes.
#[inline(always)]
fn fits(ea: u64, n: u64, len: usize) -> bool {
    ea + n <= len as u64
}

/// Reads `N` bytes at `p`; in a shared memory, which other threads may be
/// writing, with relaxed atomic loads (one when the access is aligned).
///
/// # Safety
///
/// `[p, p + N)` lies in a live memory.
#[inline(always)]
unsafe fn read_mem<const N: usize>(p: *const u8, shared: bool) -> [u8; N] {
    if !shared {
        // SAFETY: the caller's contract.
        return unsafe { ptr::read_unaligned(p as *const [u8; N]) };
    }
    // SAFETY: the caller's contract.
    unsafe { racy_read::<N>(p) }
}

#[cold]
unsafe fn racy_read<const N: usize>(p: *const u8) -> [u8; N] {
    let mut out = [0u8; N];
    // SAFETY: the caller's contract; the atomic types' alignment is checked.
    unsafe {
        let p = p.cast_mut();
        match N {
            4 if p.addr().is_multiple_of(4) => {
                out.copy_from_slice(&AtomicU32::from_ptr(p.cast()).load(Relaxed).to_le_bytes())
            }
            8 if p.addr().is_multiple_of(8) => {
                out.copy_from_slice(&AtomicU64::from_ptr(p.cast()).load(Relaxed).to_le_bytes())
            }
            2 if p.addr().is_multiple_of(2) => {
                out.copy_from_slice(&AtomicU16::from_ptr(p.cast()).load(Relaxed).to_le_bytes())
            }
            _ => {
                for (i, b) in out.iter_mut().enumerate() {
                    *b = AtomicU8::from_ptr(p.add(i)).load(Relaxed);
                }
            }
        }
    }
    out
}

/// Writes `N` bytes at `p`, as [`read_mem`] reads them.
///
/// # Safety
///
/// `[p, p + N)` lies in a live memory.
#[inline(always)]
unsafe fn write_mem<const N: usize>(p: *mut u8, bytes: [u8; N], shared: bool) {
    if !shared {
        // SAFETY: the caller's contract.
        return unsafe { ptr::write_unaligned(p as *mut [u8; N], bytes) };
    }
    // SAFETY: the caller's contract.
    unsafe { racy_write::<N>(p, bytes) }
}

#[cold]
unsafe fn racy_write<const N: usize>(p: *mut u8, bytes: [u8; N]) {
    // SAFETY: the caller's contract; the atomic types' alignment is checked.
    unsafe {
        match N {
            4 if p.addr().is_multiple_of(4) => {
                AtomicU32::from_ptr(p.cast()).store(u32::from_le_bytes(bytes[..4].try_into().unwrap()), Relaxed)
            }
            8 if p.addr().is_multiple_of(8) => {
                AtomicU64::from_ptr(p.cast()).store(u64::from_le_bytes(bytes[..8].try_into().unwrap()), Relaxed)
            }
            2 if p.addr().is_multiple_of(2) => {
                AtomicU16::from_ptr(p.cast()).store(u16::from_le_bytes(bytes[..2].try_into().unwrap()), Relaxed)
            }
            _ => {
                for (i, b) in bytes.iter().enumerate() {
                    AtomicU8::from_ptr(p.add(i)).store(*b, Relaxed);
                }
            }
        }
    }
}

/// Executes atomic operator `code` (its `0xfe` opcode) of `m` on memory
/// `mem` (base `base`, `len` bytes), its operands at `regs[m.addr..]`;
/// writes its result to `regs[m.addr]`.
///
/// # Safety
///
/// `regs` holds the operator's operand slots; `mem`'s memory is live.
#[cold]
#[inline(never)]
unsafe fn exec_atomic(regs: *mut u64, m: Mem, mem: &tern_vm::LinearMemory) -> Result<(), TrapCode> {
    // SAFETY: the caller's contract.
    unsafe {
        let r = regs.add(m.addr as usize);
        let code = m.v;
        let ea = (*r as u32 as u64) + m.offset as u64;
        let n = crate::ir::atomic_width(code);
        // Operands after the address are read only by the operators that
        // have them: the register after an atomic load's address may lie
        // past the end of the value stack.
        match code {
            0x00 => {
                *r = mem.atomic_notify(ea, *r.add(1) as u32)? as u64;
                return Ok(());
            }
            0x01 | 0x02 => {
                *r = mem.atomic_wait(ea, *r.add(1), *r.add(2) as i64, code == 0x02)? as u64;
                return Ok(());
            }
            _ => {}
        }
        let p = mem.atomic_addr(ea, n)?;
        let row = code - 0x10;
        // Loads and stores: rows 0..14; then 7 read-modify-writes of 7
        // widths each.
        let (kind, width) = if row < 14 {
            (row / 7, row % 7)
        } else {
            (2 + (row - 14) / 7, (row - 14) % 7)
        };
        macro_rules! at {
            ($t:ty) => {
                <$t>::from_ptr(p.cast())
            };
        }
        macro_rules! rmw {
            ($t:ty, $ut:ty) => {{
                let x = at!($t);
                let v = *r.add(1) as $ut;
                (match kind {
                    2 => x.fetch_add(v, SeqCst),
                    3 => x.fetch_sub(v, SeqCst),
                    4 => x.fetch_and(v, SeqCst),
                    5 => x.fetch_or(v, SeqCst),
                    6 => x.fetch_xor(v, SeqCst),
                    7 => x.swap(v, SeqCst),
                    _ => match x.compare_exchange(v, *r.add(2) as $ut, SeqCst, SeqCst) {
                        Ok(old) | Err(old) => old,
                    },
                }) as u64
            }};
        }
        macro_rules! op {
            ($t:ty, $ut:ty) => {
                match kind {
                    0 => *r = at!($t).load(SeqCst) as u64,
                    1 => at!($t).store(*r.add(1) as $ut, SeqCst),
                    _ => *r = rmw!($t, $ut),
                }
            };
        }
        // Widths in row order: i32, i64, i32 8, i32 16, i64 8, i64 16, i64 32.
        match width {
            0 | 6 => op!(AtomicU32, u32),
            1 => op!(AtomicU64, u64),
            2 | 4 => op!(AtomicU8, u8),
            _ => op!(AtomicU16, u16),
        }
        Ok(())
    }
}

/// Grows the value stack to at least `need` slots (amortised doubling),
/// or traps at the store's limit.
#[cold]
fn grow_stack(stack: &mut Vec<u64>, need: usize, limit: usize) -> Result<(), Trap> {
    if need > limit {
        return Err(Trap::new(TrapCode::StackOverflow));
    }
    let new = need.max(stack.len() * 2).max(1024).min(limit);
    stack.resize(new, 0);
    Ok(())
}

/// Sets up `f`'s frame at `regs` (see [`CompiledFunc::init`]): zeroes the
/// declared locals and fills in the constant slots.
///
/// # Safety
///
/// `regs` points to at least `f.max_height` writable slots.
#[inline(always)]
unsafe fn init_frame(regs: *mut u64, f: &CompiledFunc) {
    // SAFETY: `param_slots + zeros + init.len() <= max_height`.
    unsafe {
        let at = regs.add(f.param_slots as usize);
        ptr::write_bytes(at, 0, f.zeros as usize);
        ptr::copy_nonoverlapping(f.init.as_ptr(), at.add(f.zeros as usize), f.init.len());
    }
}

macro_rules! ty {
    (i32) => {
        i32
    };
    (i64) => {
        i64
    };
    (f32) => {
        f32
    };
    (f64) => {
        f64
    };
    (v128) => {
        u128
    };
}

// After `ty!`, which it uses.
mod threaded;

/// One row operator's execution, from the operator table's signature: the
/// inputs read with `get!`, the result written with `set!` (the macros of
/// the function that expands it).
macro_rules! exec_row {
    ({}, [$x:ident -> $r:ident], $visit:ident, $o:ident) => {{
        let v = OpResult::<ty!($r)>::into_result(ops::$visit(get!($x, $o.a)));
        set!($r, $o.d, tri!(v));
    }};
    ({}, [$x:ident $y:ident -> $r:ident], $visit:ident, $o:ident) => {{
        let v = OpResult::<ty!($r)>::into_result(ops::$visit(get!($x, $o.a), get!($y, $o.b)));
        set!($r, $o.d, tri!(v));
    }};
    ({}, [$x:ident $y:ident $z:ident -> $r:ident], $visit:ident, $o:ident) => {{
        let v = OpResult::<ty!($r)>::into_result(ops::$visit(get!($x, $o.d), get!($y, $o.a), get!($z, $o.b)));
        set!($r, $o.d, tri!(v));
    }};
    // Two results (wide arithmetic): written after both inputs are read.
    ({}, [$x:ident $y:ident -> $r:ident $r2:ident], $visit:ident, $o:ident) => {{
        let (lo, hi) = ops::$visit(get!($x, $o.a), get!($y, $o.b));
        set!($r, $o.d, lo);
        set!($r2, $o.d + 1, hi);
    }};
    // Four inputs in consecutive slots from `d`, two results from `d`.
    ({}, [$w:ident $x:ident $y:ident $z:ident -> $r:ident $r2:ident], $visit:ident, $o:ident) => {{
        let (lo, hi) = ops::$visit(
            get!($w, $o.d),
            get!($x, $o.d + 1),
            get!($y, $o.d + 2),
            get!($z, $o.d + 3),
        );
        set!($r, $o.d, lo);
        set!($r2, $o.d + 1, hi);
    }};
    ($imm:tt, $sig:tt, $visit:ident, $o:ident) => {{
        let _ = $o;
        unreachable!("{} is never emitted", stringify!($visit))
    }};
}

/// Defines, where it is invoked, the macros that read and write the frame's
/// slots through the pointer `regs` names: `r!(slot)` (the raw `u64`),
/// `get!(ty, slot)` and `set!(ty, slot, value)` for `i32`, `i64`, `f32`,
/// `f64` and `v128` (two slots), and `set!(u64, ...)`. `$d` is a `$` token,
/// so that the macros it defines can have their own metavariables.
// (rustfmt would indent the inner macros' arms past their `macro_rules!`.)
#[rustfmt::skip]
macro_rules! slot_macros {
    ($d:tt, $regs:ident) => {
        macro_rules! r {
            ($d i:expr) => {
                *$regs.add($d i as usize)
            };
        }
        macro_rules! get {
            (i32, $d r:expr) => {
                r!($d r) as u32 as i32
            };
            (i64, $d r:expr) => {
                r!($d r) as i64
            };
            (f32, $d r:expr) => {
                f32::from_bits(r!($d r) as u32)
            };
            (f64, $d r:expr) => {
                f64::from_bits(r!($d r))
            };
            (v128, $d r:expr) => {{
                let r = $d r as usize;
                (r!(r) as u128) | ((r!(r + 1) as u128) << 64)
            }};
        }
        macro_rules! set {
            (i32, $d r:expr, $d v:expr) => {{
                let v: i32 = $d v;
                r!($d r) = v as u32 as u64;
            }};
            (i64, $d r:expr, $d v:expr) => {{
                let v: i64 = $d v;
                r!($d r) = v as u64;
            }};
            (u64, $d r:expr, $d v:expr) => {{
                let v: u64 = $d v;
                r!($d r) = v;
            }};
            (f32, $d r:expr, $d v:expr) => {{
                let v: f32 = $d v;
                r!($d r) = v.to_bits() as u64;
            }};
            (f64, $d r:expr, $d v:expr) => {{
                let v: f64 = $d v;
                r!($d r) = v.to_bits();
            }};
            (v128, $d r:expr, $d v:expr) => {{
                let v: u128 = $d v;
                let r = $d r as usize;
                r!(r) = v as u64;
                r!(r + 1) = (v >> 64) as u64;
            }};
        }
    };
}

/// Runs a SIMD row operator (a plain operator of the `Simd` and
/// `RelaxedSimd` rows) on the frame at `regs`: out of [`run`]'s loop, whose
/// hot state then stays in registers.
///
/// # Safety
///
/// As for the instructions of [`run`]: the registers are within the frame.
#[inline(never)]
unsafe fn simd_row(instr: &Instr, regs: *mut u64) -> Result<(), TrapCode> {
    slot_macros!($, regs);
    macro_rules! tri {
        ($e:expr) => {
            $e?
        };
    }
    macro_rules! simd_rows {
        ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
            match *instr {
                $( Instr::$name(o) => simd_only!($feat, {$($f)*}, $sig, $visit, o), )*
                _ => unreachable!("not a SIMD row operator"),
            }
        };
    }
    macro_rules! simd_only {
        (Simd, $imm:tt, $sig:tt, $visit:ident, $o:ident) => {
            exec_row!($imm, $sig, $visit, $o)
        };
        (RelaxedSimd, $imm:tt, $sig:tt, $visit:ident, $o:ident) => {
            exec_row!($imm, $sig, $visit, $o)
        };
        ($feat:ident, $imm:tt, $sig:tt, $visit:ident, $o:ident) => {{
            let _ = $o;
            unreachable!("{} is not a SIMD row operator", stringify!($visit))
        }};
    }
    // SAFETY: the caller's contract: every register named lies in the frame.
    unsafe { for_each_operator!(simd_rows) };
    Ok(())
}

#[allow(clippy::too_many_lines, unused_assignments)]
fn run(
    host: &mut dyn Host,
    stack: &mut Vec<u64>,
    inst0: u32,
    def0: u32,
    io: &mut [u64],
    depth_base: usize,
) -> Result<(), Trap> {
    let mut vm: *mut StoreData = host.store();
    // SAFETY (for the whole loop): `vm` points to the store, which outlives
    // this call and is only reached through this pointer (refreshed after
    // host calls). Instances, their code and compiled functions are never
    // freed while the store lives, so the raw pointers to them stay valid.
    // Register indices were computed by the translator from validated code
    // and are below the function's `max_height`; the value stack is grown
    // to `base + max_height` (constant slots included) before a frame runs.
    // Jump targets are offsets from the jump to instructions of the same
    // function, and every function's code ends with a return or a jump.
    // Memory pointers are refreshed after every operation that may move
    // the memory.
    unsafe {
        let limits = (&*vm).limits;
        let mut inst = inst0;
        let mut module = interp_module(&*vm, inst)?;
        let mut func = compiled(&*module, def0)?;
        let mut base = 0usize;
        if (*func).max_height as usize > stack.len() {
            grow_stack(stack, (*func).max_height as usize, limits.max_stack_slots)?;
        }
        let ps = (*func).param_slots as usize;
        stack[..ps].copy_from_slice(&io[..ps]);
        init_frame(stack.as_mut_ptr(), &*func);
        let mut frames: Vec<Frame> = Vec::new();
        // The next instruction. Jumps are relative to the jump instruction,
        // so the code's start is not needed while a function runs.
        let mut ip: *const Instr;
        // Every way out of the loop with a trap goes through `fail!`, which
        // records this activation's frames in the trap's backtrace.
        macro_rules! fail {
            ($e:expr) => {
                return Err(with_trace($e, &frames, inst, func, ip))
            };
        }
        macro_rules! tri_t {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(t) => fail!(t),
                }
            };
        }
        ip = (*func).code.as_ptr();
        let mut regs: *mut u64 = stack.as_mut_ptr();
        let (mut mem_base, mut mem_len, mut mem_shared) = mem0(&*vm, inst);

        slot_macros!($, regs);
        macro_rules! trap {
            ($c:expr) => {
                fail!(Trap::new($c))
            };
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(c) => fail!(Trap::from(c)),
                }
            };
        }
        macro_rules! refresh_mem {
            () => {
                (mem_base, mem_len, mem_shared) = mem0(&*vm, inst);
            };
        }
        macro_rules! instance {
            () => {
                (&(&*vm).instances[inst as usize])
            };
        }
        macro_rules! mem_index {
            ($m:expr) => {
                instance!().memories[$m as usize] as usize
            };
        }
        macro_rules! table_index {
            ($t:expr) => {
                instance!().tables[$t as usize] as usize
            };
        }
        macro_rules! mem {
            ($m:expr) => {
                if $m == 0 {
                    (mem_base, mem_len, mem_shared)
                } else {
                    let m = &(&*vm).memories[mem_index!($m)];
                    (m.base(), m.len(), m.is_shared())
                }
            };
        }
        /// The effective address of an `n`-byte access, checked. A shared
        /// memory that another thread grew since its length was read here
        /// is checked again against its length now (it never moves).
        macro_rules! addr {
            ($m:expr, $n:expr) => {{
                let m: Mem = $m;
                checked!(m.mem, (r!(m.addr) as u32 as u64) + m.offset as u64, $n)
            }};
        }
        /// The address `ea` of an `n`-byte access of memory `mem`, checked.
        macro_rules! checked {
            ($mem:expr, $ea:expr, $n:expr) => {{
                let (p, len, shared) = mem!($mem);
                let ea: u64 = $ea;
                if ea + $n > len as u64 && !(shared && fits(ea, $n, (&*vm).memories[mem_index!($mem)].len())) {
                    trap!(TrapCode::MemoryOutOfBounds);
                }
                (p.add(ea as usize), shared)
            }};
        }
        /// [`addr`] of a fused `i32.add` of slots `a` and `b` and an access
        /// of memory 0 at offset 0.
        macro_rules! sum_addr {
            ($a:expr, $b:expr, $n:expr) => {
                sum_addr!($a, $b, 0, $n)
            };
            ($a:expr, $b:expr, $k:expr, $n:expr) => {
                checked!(
                    0u16,
                    (r!($a) as u32).wrapping_add((r!($b) as u32) << $k) as u64,
                    $n
                )
            };
        }
        macro_rules! load {
            ($m:expr, $n:literal, |$b:ident| $conv:expr, $ty:ident) => {{
                let m: Mem = $m;
                let (p, sh) = addr!(m, $n);
                let $b: [u8; $n] = read_mem::<$n>(p, sh);
                set!($ty, m.v, $conv);
            }};
        }
        // A fused `i32.add` and load of memory 0 at offset 0.
        macro_rules! load_sum {
            ($v:expr, $a:expr, $b:expr, $n:literal, |$bytes:ident| $conv:expr, $ty:ident) => {
                load_sum!($v, $a, $b, k = 0, $n, |$bytes| $conv, $ty)
            };
            ($v:expr, $a:expr, $b:expr, k = $k:expr, $n:literal, |$bytes:ident| $conv:expr, $ty:ident) => {{
                let (p, sh) = sum_addr!($a, $b, $k, $n);
                let $bytes: [u8; $n] = read_mem::<$n>(p, sh);
                set!($ty, $v, $conv);
            }};
        }
        // A float operator fused with its load of memory 0 at offset 0:
        // the load first (it may trap), then the operator.
        macro_rules! load_op {
            ($d:expr, $a:expr, $p:expr, f32, $op:ident) => {{
                let (q, sh) = checked!(0u16, r!($p) as u32 as u64, 4);
                let x = f32::from_bits(u32::from_le_bytes(read_mem::<4>(q, sh)));
                set!(f32, $d, ops::$op(get!(f32, $a), x));
            }};
            ($d:expr, $a:expr, $p:expr, f64, $op:ident) => {{
                let (q, sh) = checked!(0u16, r!($p) as u32 as u64, 8);
                let x = f64::from_bits(u64::from_le_bytes(read_mem::<8>(q, sh)));
                set!(f64, $d, ops::$op(get!(f64, $a), x));
            }};
        }
        // A fused `i32.add` and store to memory 0 at offset 0.
        macro_rules! store_sum {
            ($a:expr, $b:expr, $n:literal, $val:expr) => {
                store_sum!($a, $b, k = 0, $n, $val)
            };
            ($a:expr, $b:expr, k = $k:expr, $n:literal, $val:expr) => {{
                let bytes: [u8; $n] = $val;
                let (p, sh) = sum_addr!($a, $b, $k, $n);
                write_mem::<$n>(p, bytes, sh);
            }};
        }
        macro_rules! store {
            ($m:expr, $n:literal, $val:expr) => {{
                let m: Mem = $m;
                let bytes: [u8; $n] = $val;
                let (p, sh) = addr!(m, $n);
                write_mem::<$n>(p, bytes, sh);
            }};
        }
        macro_rules! load_lane {
            ($m:expr, $n:literal, $to:ident, $from:ident, $t:ty) => {{
                let m: Mem = $m;
                let v = get!(v128, m.addr + 1);
                let (p, sh) = addr!(m, $n);
                let b: [u8; $n] = read_mem::<$n>(p, sh);
                let mut lanes = $to(v);
                lanes[m.v as usize] = <$t>::from_le_bytes(b);
                set!(v128, m.addr, $from(lanes));
            }};
        }
        macro_rules! store_lane {
            ($m:expr, $n:literal, $to:ident) => {{
                let m: Mem = $m;
                let v = get!(v128, m.addr + 1);
                let bytes = $to(v)[m.v as usize].to_le_bytes();
                let (p, sh) = addr!(m, $n);
                write_mem::<$n>(p, bytes, sh);
            }};
        }
        /// Grows the value stack to `need` slots if it is shorter (which
        /// moves it: the caller re-derives `regs`); says whether it grew.
        macro_rules! reserve {
            ($need:expr) => {{
                let need: usize = $need;
                if need > stack.len() {
                    if let Err(t) = grow_stack(stack, need, limits.max_stack_slots) {
                        fail!(t)
                    }
                    true
                } else {
                    false
                }
            }};
        }
        /// Starts running `callee` (of module `m`, instance `i`) in the
        /// frame at `regs`, switching the cached memory if the instance
        /// changes.
        macro_rules! begin {
            ($callee:expr, $m:expr, $i:expr) => {{
                let callee: *const CompiledFunc = $callee;
                init_frame(regs, &*callee);
                func = callee;
                ip = (*func).code.as_ptr();
                let (m, i): (*const InterpModule, u32) = ($m, $i);
                if i != inst {
                    inst = i;
                    module = m;
                    refresh_mem!();
                }
            }};
        }
        /// Enters `callee` (of module `m`, instance `i`) with its frame at
        /// slot `b` of the current frame.
        macro_rules! enter {
            ($callee:expr, $m:expr, $i:expr, $b:expr) => {{
                let callee: *const CompiledFunc = $callee;
                if depth_base + frames.len() + 1 >= limits.max_call_depth {
                    trap!(TrapCode::StackOverflow);
                }
                frames.push(Frame {
                    func,
                    module,
                    ip,
                    base,
                    inst,
                });
                base += $b as usize;
                reserve!(base + (*callee).max_height as usize);
                regs = stack.as_mut_ptr().add(base);
                begin!(callee, $m, $i);
            }};
        }
        /// Replaces the current frame with `callee` (a tail call); its
        /// arguments are at slot `b`.
        macro_rules! enter_tail {
            ($callee:expr, $m:expr, $i:expr, $b:expr) => {{
                let callee: *const CompiledFunc = $callee;
                let ps = (*callee).param_slots as usize;
                ptr::copy(regs.add($b as usize), regs, ps);
                if reserve!(base + (*callee).max_height as usize) {
                    regs = stack.as_mut_ptr().add(base);
                }
                begin!(callee, $m, $i);
            }};
        }
        /// Calls host function `index` with its slots at `b`. An exception
        /// it returns is thrown at the call (`skip`: past the current
        /// frame, which a tail call replaced).
        macro_rules! call_host {
            ($index:expr, $slots:expr, $b:expr, $skip:expr) => {{
                let at = base + $b as usize;
                let need = at + $slots as usize;
                reserve!(need);
                (&mut *vm).call_depth = depth_base + frames.len() + 1;
                // The slots below the call are GC roots while it runs (a
                // collection in a nested activation scans them); the
                // call's own slots are lent to it from a raw pointer, so
                // that the listed pointer stays valid.
                let sp = stack.as_mut_ptr();
                (&mut *vm).gc.stacks.push((sp as *const u64, at));
                let r = host.call_host(
                    $index,
                    Some(inst),
                    std::slice::from_raw_parts_mut(sp.add(at), need - at),
                );
                vm = host.store();
                (&mut *vm).gc.stacks.pop();
                if let Err(t) = r {
                    match t.exn() {
                        Some(exn) if (&*vm).exn(exn).is_some() => throw!(exn, $skip),
                        Some(_) => fail!(Trap::msg("a host function threw an invalid exception reference")),
                        None => fail!(t),
                    }
                }
                regs = stack.as_mut_ptr().add(base);
                refresh_mem!();
            }};
        }
        /// Calls store function `fi` in its compiled code (its module is
        /// tiered and the code installed), with its slots at `b`.
        macro_rules! call_native {
            ($fi:expr, $b:expr) => {{
                let fe = (&*vm).funcs[$fi as usize];
                let at = base + $b as usize;
                let need = at + fe.param_slots.max(fe.result_slots) as usize;
                reserve!(need);
                (&mut *vm).call_depth = depth_base + frames.len() + 1;
                let sp = stack.as_mut_ptr();
                (&mut *vm).gc.stacks.push((sp as *const u64, at));
                let r = host.call_native($fi, std::slice::from_raw_parts_mut(sp.add(at), need - at));
                vm = host.store();
                (&mut *vm).gc.stacks.pop();
                if let Err(t) = r {
                    match t.exn() {
                        Some(exn) if (&*vm).exn(exn).is_some() => throw!(exn, false),
                        Some(_) => fail!(Trap::msg("compiled code threw an invalid exception reference")),
                        None => fail!(t),
                    }
                }
                regs = stack.as_mut_ptr().add(base);
                refresh_mem!();
            }};
        }
        /// Continues the current call in compiled code at the loop header
        /// `lp` (see [`crate::tier`]) and returns its results.
        macro_rules! osr {
            ($lp:expr) => {{
                let lp: &crate::tier::LoopOsr = $lp;
                let nl = (*func).local_slots as usize;
                // The loop's index, the locals, the loop's parameters.
                let mut state: Vec<u64> = Vec::with_capacity(1 + nl + lp.stack_slots());
                state.push(lp.id as u64);
                state.extend_from_slice(std::slice::from_raw_parts(regs, nl));
                for &(r, w) in lp.stack.iter() {
                    state.extend_from_slice(std::slice::from_raw_parts(regs.add(r as usize), w as usize));
                }
                let rs = (*func).result_slots as usize;
                let mut values = vec![0u64; rs.max(1)];
                values[0] = state.as_mut_ptr() as u64;
                let fi = instance!().funcs[(*func).func_index as usize];
                (&mut *vm).call_depth = depth_base + frames.len() + 1;
                (&mut *vm)
                    .gc
                    .stacks
                    .push((stack.as_ptr(), base + (*func).max_height as usize));
                let r = host.call_osr(fi, lp.id, &mut values);
                vm = host.store();
                (&mut *vm).gc.stacks.pop();
                drop(state);
                regs = stack.as_mut_ptr().add(base);
                match r {
                    Ok(()) => {
                        ptr::copy_nonoverlapping(values.as_ptr(), regs, rs);
                        do_return!();
                    }
                    // What leaves the compiled call leaves the current
                    // frame, which it replaced.
                    Err(t) => match t.exn() {
                        Some(exn) if (&*vm).exn(exn).is_some() => throw!(exn, true),
                        Some(_) => fail!(Trap::msg("compiled code threw an invalid exception reference")),
                        None => match frames.last() {
                            Some(&f) => {
                                let outer = &frames[..frames.len() - 1];
                                return Err(with_trace(t, outer, f.inst, f.func, f.ip));
                            }
                            None => return Err(t),
                        },
                    },
                }
            }};
        }
        /// Asks the embedder what to do about the epoch deadline (it may
        /// run anything, wasm included, as a host call may).
        macro_rules! epoch_deadline_reached {
            () => {{
                (&mut *vm).call_depth = depth_base + frames.len() + 1;
                (&mut *vm)
                    .gc
                    .stacks
                    .push((stack.as_ptr(), base + (*func).max_height as usize));
                let r = host.epoch_deadline_reached();
                vm = host.store();
                (&mut *vm).gc.stacks.pop();
                tri_t!(r);
                regs = stack.as_mut_ptr().add(base);
                refresh_mem!();
            }};
        }
        macro_rules! do_return {
            () => {{
                match frames.pop() {
                    None => {
                        let rs = (*func).result_slots as usize;
                        io[..rs].copy_from_slice(&stack[base..base + rs]);
                        return Ok(());
                    }
                    Some(f) => {
                        func = f.func;
                        ip = f.ip;
                        base = f.base;
                        regs = stack.as_mut_ptr().add(base);
                        // The cached memory is the current instance's
                        // (calls and `memory.grow` keep it so).
                        if f.inst != inst {
                            module = f.module;
                            inst = f.inst;
                            refresh_mem!();
                        }
                    }
                }
            }};
        }
        /// Throws exception `exn` at the current instruction (`ip - 1`):
        /// continues at its handler (with the next iteration of the loop:
        /// nothing after the throw site runs), or fails with it when none
        /// catches it.
        macro_rules! throw {
            ($exn:expr, $skip:expr) => {{
                let exn: u64 = $exn;
                let mut cur = Frame {
                    func,
                    module,
                    ip: ip.sub(1),
                    base,
                    inst,
                };
                match unwind(&mut *vm, stack, &mut frames, &mut cur, exn, $skip) {
                    None => {
                        (&mut *vm).expose_exn(exn);
                        fail!(Trap::exception(exn))
                    }
                    Some(ret) => {
                        func = cur.func;
                        ip = cur.ip;
                        base = cur.base;
                        regs = stack.as_mut_ptr().add(base);
                        inst = cur.inst;
                        module = cur.module;
                        refresh_mem!();
                        if ret {
                            do_return!();
                        }
                        continue;
                    }
                }
            }};
        }
        /// Calls store function `fi` (any instance, wasm or host).
        macro_rules! call_func {
            ($fi:expr, $b:expr) => {{
                let fe = (&*vm).funcs[$fi as usize];
                match fe.kind {
                    FuncKind::Wasm { instance, def } => {
                        let m = if instance == inst {
                            module
                        } else {
                            interp_module(&*vm, instance)?
                        };
                        if let Some(t) = (*m).tiering()
                            && t.enter(def)
                        {
                            call_native!($fi, $b);
                        } else {
                            let callee = tri_t!(compiled(&*m, def));
                            enter!(callee, m, instance, $b);
                        }
                    }
                    FuncKind::Host { index } => {
                        call_host!(index, fe.param_slots.max(fe.result_slots), $b, false);
                    }
                }
            }};
        }
        macro_rules! return_call_func {
            ($fi:expr, $b:expr) => {{
                let fe = (&*vm).funcs[$fi as usize];
                match fe.kind {
                    FuncKind::Wasm { instance, def } => {
                        let m = if instance == inst {
                            module
                        } else {
                            interp_module(&*vm, instance)?
                        };
                        if let Some(t) = (*m).tiering() {
                            t.enter(def);
                        }
                        let callee = tri_t!(compiled(&*m, def));
                        enter_tail!(callee, m, instance, $b);
                    }
                    FuncKind::Host { index } => {
                        call_host!(index, fe.param_slots.max(fe.result_slots), $b, true);
                        ptr::copy(regs.add($b as usize), regs, fe.result_slots as usize);
                        do_return!();
                    }
                }
            }};
        }
        /// Resolves `table[regs[i]]` for an indirect call of type `ty`.
        macro_rules! indirect {
            ($ty:expr, $i:expr, $table:expr) => {{
                let idx = r!($i) as u32;
                let t = &(&*vm).tables[table_index!($table)];
                if idx >= t.size() {
                    fail!(Trap::with_detail(TrapCode::UndefinedElement, idx));
                }
                let raw = t.elems()[idx as usize];
                if raw == 0 {
                    fail!(Trap::with_detail(TrapCode::UninitializedElement, idx));
                }
                let fi = (raw - 1) as u32;
                let (have, want) = ((&*vm).funcs[fi as usize].sig, instance!().sigs[$ty as usize]);
                if have != want && !(&*vm).gc.is_subtype(have, want) {
                    trap!(TrapCode::IndirectCallTypeMismatch);
                }
                fi
            }};
        }
        macro_rules! br_if {
            ($at:expr, $cond:expr, $to:expr) => {
                if $cond {
                    ip = $at.offset($to as i32 as isize);
                }
            };
        }
        // SIMD's rows run out of line (see `simd_row`): fewer arms here
        // leave the loop's hot state in registers.
        macro_rules! main_row {
            ($instr:ident, Simd, $imm:tt, $sig:tt, $visit:ident, $o:ident) => {{
                let _ = $o;
                tri!(simd_row($instr, regs))
            }};
            ($instr:ident, RelaxedSimd, $imm:tt, $sig:tt, $visit:ident, $o:ident) => {{
                let _ = $o;
                tri!(simd_row($instr, regs))
            }};
            ($instr:ident, $feat:ident, $imm:tt, $sig:tt, $visit:ident, $o:ident) => {
                exec_row!($imm, $sig, $visit, $o)
            };
        }

        loop {
            // The hot instructions run in threaded handlers, which come
            // back here for the next instruction they have none for (a
            // shared memory 0's accesses always come back: see `threaded`).
            let cx = {
                let vmr = &mut *vm;
                threaded::Cx {
                    fuel: &mut vmr.fuel,
                    globals: vmr.globals.as_mut_ptr(),
                    inst_globals: vmr.instances[inst as usize].globals.as_ptr(),
                    frames: &raw mut frames,
                    stack: &raw mut *stack,
                    func: &raw mut func,
                    base: &raw mut base,
                    module,
                    funcs: (*module).slots().map_or(ptr::null(), <[_]>::as_ptr),
                    tiering: (*module).tiering().map_or(ptr::null(), |t| t as *const _),
                    vm,
                    inst,
                    max_frames: limits.max_call_depth.saturating_sub(depth_base + 1),
                }
            };
            ip = threaded::run(ip, regs, mem_base, if mem_shared { 0 } else { mem_len }, &cx);
            // Calls and returns there may have moved to another frame.
            regs = stack.as_mut_ptr().add(base);
            // Match on the instruction in place: copying the whole enum out
            // first costs overlapping stores and store-forwarding stalls.
            // SAFETY: the translator ends every function with a return or
            // an unconditional jump and points jumps inside the function,
            // so `ip` stays within the code.
            let at = ip;
            let mut instr: &Instr = &*at;
            // An accumulator form (see `threaded`) runs as the instruction
            // it stands for: its slot holds the accumulator's value.
            let base;
            if instr.is_accumulator_form() {
                base = instr.base_form();
                instr = &base;
            }
            ip = ip.add(1);
            // One `match` over every variant: the row variants' arms are
            // generated from the operator table, the hand-written ones are
            // spelled out in the macro below. (A nested match for the row
            // variants would cost a second indirect jump per instruction.)
            macro_rules! dispatch {
                ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
                    match *instr {
                        $( Instr::$name(o) => main_row!(instr, $feat, {$($f)*}, $sig, $visit, o), )*
                        // ---- relaxed SIMD, deterministic mode ----
                        Instr::MaddDetF32(o) => set!(v128, o.d, f32x4_madd_det(get!(v128, o.d), get!(v128, o.a), get!(v128, o.b), false)),
                        Instr::NmaddDetF32(o) => set!(v128, o.d, f32x4_madd_det(get!(v128, o.d), get!(v128, o.a), get!(v128, o.b), true)),
                        Instr::MaddDetF64(o) => set!(v128, o.d, f64x2_madd_det(get!(v128, o.d), get!(v128, o.a), get!(v128, o.b), false)),
                        Instr::NmaddDetF64(o) => set!(v128, o.d, f64x2_madd_det(get!(v128, o.d), get!(v128, o.a), get!(v128, o.b), true)),
                        Instr::DotDet(o) => set!(v128, o.d, dot_det(get!(v128, o.a), get!(v128, o.b))),
                        Instr::DotAddDet(o) => set!(v128, o.d, dot_add(get!(v128, o.d), get!(v128, o.a), get!(v128, o.b), true)),
                        crate::ir::acc_form_pattern!() => unreachable!("replaced by its base form"),
                        // ---- control ----
                        Instr::Trap { code: c } => trap!(c),
                        Instr::Fuel { n } => {
                            let vmr = &mut *vm;
                            if vmr.fuel < n as u64 {
                                trap!(TrapCode::OutOfFuel);
                            }
                            vmr.fuel -= n as u64;
                        }
                        Instr::LoopHead { l } => {
                            let lp = &(*func).loops()[l as usize];
                            if let Some(t) = (*module).tiering()
                                && t.loop_iteration(lp)
                                && t.loop_ready((*func).func_index - (*module).desc().num_imported_funcs(), lp)
                            {
                                osr!(lp);
                            }
                        }
                        Instr::Epoch => {
                            let vmr = &*vm;
                            if vmr.epoch.load(std::sync::atomic::Ordering::Relaxed) >= vmr.epoch_deadline {
                                epoch_deadline_reached!();
                            }
                        }
                        Instr::Jump { to } => ip = at.offset(to as i32 as isize),
                        Instr::JumpIfNez { c, to } => br_if!(at, r!(c) as u32 != 0, to),
                        Instr::JumpIfEqz { c, to } => br_if!(at, r!(c) as u32 == 0, to),
                        Instr::BrI32Eq { a, b, to } => br_if!(at, (r!(a) as u32) == (r!(b) as u32), to),
                        Instr::BrI32Ne { a, b, to } => br_if!(at, (r!(a) as u32) != (r!(b) as u32), to),
                        Instr::BrI32LtS { a, b, to } => br_if!(at, (r!(a) as i32) < (r!(b) as i32), to),
                        Instr::BrI32LtU { a, b, to } => br_if!(at, (r!(a) as u32) < (r!(b) as u32), to),
                        Instr::BrI32GtS { a, b, to } => br_if!(at, (r!(a) as i32) > (r!(b) as i32), to),
                        Instr::BrI32GtU { a, b, to } => br_if!(at, (r!(a) as u32) > (r!(b) as u32), to),
                        Instr::BrI32LeS { a, b, to } => br_if!(at, (r!(a) as i32) <= (r!(b) as i32), to),
                        Instr::BrI32LeU { a, b, to } => br_if!(at, (r!(a) as u32) <= (r!(b) as u32), to),
                        Instr::BrI32GeS { a, b, to } => br_if!(at, (r!(a) as i32) >= (r!(b) as i32), to),
                        Instr::BrI32GeU { a, b, to } => br_if!(at, (r!(a) as u32) >= (r!(b) as u32), to),
                        Instr::BrI64Eq { a, b, to } => br_if!(at, (r!(a) as u64) == (r!(b) as u64), to),
                        Instr::BrI64Ne { a, b, to } => br_if!(at, (r!(a) as u64) != (r!(b) as u64), to),
                        Instr::BrI64LtS { a, b, to } => br_if!(at, (r!(a) as i64) < (r!(b) as i64), to),
                        Instr::BrI64LtU { a, b, to } => br_if!(at, (r!(a) as u64) < (r!(b) as u64), to),
                        Instr::BrI64GtS { a, b, to } => br_if!(at, (r!(a) as i64) > (r!(b) as i64), to),
                        Instr::BrI64GtU { a, b, to } => br_if!(at, (r!(a) as u64) > (r!(b) as u64), to),
                        Instr::BrI64LeS { a, b, to } => br_if!(at, (r!(a) as i64) <= (r!(b) as i64), to),
                        Instr::BrI64LeU { a, b, to } => br_if!(at, (r!(a) as u64) <= (r!(b) as u64), to),
                        Instr::BrI64GeS { a, b, to } => br_if!(at, (r!(a) as i64) >= (r!(b) as i64), to),
                        Instr::BrI64GeU { a, b, to } => br_if!(at, (r!(a) as u64) >= (r!(b) as u64), to),
                        Instr::BrF32Eq { a, b, to } => br_if!(at, get!(f32, a) == get!(f32, b), to),
                        Instr::BrF32Ne { a, b, to } => br_if!(at, get!(f32, a) != get!(f32, b), to),
                        Instr::BrF32Lt { a, b, to } => br_if!(at, get!(f32, a) < get!(f32, b), to),
                        Instr::BrF32Gt { a, b, to } => br_if!(at, get!(f32, a) > get!(f32, b), to),
                        Instr::BrF32Le { a, b, to } => br_if!(at, get!(f32, a) <= get!(f32, b), to),
                        Instr::BrF32Ge { a, b, to } => br_if!(at, get!(f32, a) >= get!(f32, b), to),
                        Instr::BrF32NotLt { a, b, to } => br_if!(at, ops::negated::lt(get!(f32, a), get!(f32, b)), to),
                        Instr::BrF32NotGt { a, b, to } => br_if!(at, ops::negated::gt(get!(f32, a), get!(f32, b)), to),
                        Instr::BrF32NotLe { a, b, to } => br_if!(at, ops::negated::le(get!(f32, a), get!(f32, b)), to),
                        Instr::BrF32NotGe { a, b, to } => br_if!(at, ops::negated::ge(get!(f32, a), get!(f32, b)), to),
                        Instr::BrF64Eq { a, b, to } => br_if!(at, get!(f64, a) == get!(f64, b), to),
                        Instr::BrF64Ne { a, b, to } => br_if!(at, get!(f64, a) != get!(f64, b), to),
                        Instr::BrF64Lt { a, b, to } => br_if!(at, get!(f64, a) < get!(f64, b), to),
                        Instr::BrF64Gt { a, b, to } => br_if!(at, get!(f64, a) > get!(f64, b), to),
                        Instr::BrF64Le { a, b, to } => br_if!(at, get!(f64, a) <= get!(f64, b), to),
                        Instr::BrF64Ge { a, b, to } => br_if!(at, get!(f64, a) >= get!(f64, b), to),
                        Instr::BrF64NotLt { a, b, to } => br_if!(at, ops::negated::lt(get!(f64, a), get!(f64, b)), to),
                        Instr::BrF64NotGt { a, b, to } => br_if!(at, ops::negated::gt(get!(f64, a), get!(f64, b)), to),
                        Instr::BrF64NotLe { a, b, to } => br_if!(at, ops::negated::le(get!(f64, a), get!(f64, b)), to),
                        Instr::BrF64NotGe { a, b, to } => br_if!(at, ops::negated::ge(get!(f64, a), get!(f64, b)), to),
                        Instr::BrI32And { a, b, to } => br_if!(at, (r!(a) as u32 & r!(b) as u32) != 0, to),
                        Instr::BrI32AndEqz { a, b, to } => br_if!(at, (r!(a) as u32 & r!(b) as u32) == 0, to),
                        Instr::BrI64Eqz { c, to } => br_if!(at, r!(c) == 0, to),
                        Instr::BrI64Nez { c, to } => br_if!(at, r!(c) != 0, to),
                        Instr::JumpTable { i, len } => ip = ip.add((r!(i) as u32).min(len) as usize),
                        Instr::Copy { d, s } => r!(d) = r!(s),
                        Instr::Copy2 { d, s } => {
                            let (x, y) = (r!(s), r!(s + 1));
                            r!(d) = x;
                            r!(d + 1) = y;
                        }
                        Instr::CopyN { d, s, n } => ptr::copy(regs.add(s as usize), regs.add(d as usize), n as usize),
                        Instr::Ret => do_return!(),
                        Instr::Ret1 { s } => {
                            r!(0) = r!(s);
                            do_return!();
                        }
                        Instr::CallDef { f, base: b } => {
                            if let Some(t) = (*module).tiering()
                                && t.enter(f)
                            {
                                let n = (*module).desc().num_imported_funcs();
                                let fi = instance!().funcs[(n + f) as usize];
                                call_native!(fi, b);
                            } else {
                                let callee = tri_t!(compiled(&*module, f));
                                enter!(callee, module, inst, b);
                            }
                        }
                        Instr::CallImp { f, base: b } => {
                            let fi = instance!().funcs[f as usize];
                            call_func!(fi, b);
                        }
                        Instr::CallInd { ty, i, base: b, table } => {
                            let fi = indirect!(ty, i, table);
                            call_func!(fi, b);
                        }
                        Instr::ReturnCallDef { f, base: b } => {
                            if let Some(t) = (*module).tiering() {
                                t.enter(f);
                            }
                            let callee = tri_t!(compiled(&*module, f));
                            enter_tail!(callee, module, inst, b);
                        }
                        Instr::ReturnCallImp { f, base: b } => {
                            let fi = instance!().funcs[f as usize];
                            return_call_func!(fi, b);
                        }
                        Instr::ReturnCallInd { ty, i, base: b, table } => {
                            let fi = indirect!(ty, i, table);
                            return_call_func!(fi, b);
                        }
                        Instr::CallFuncRef { r, base: b } => {
                            let raw = r!(r);
                            if raw == 0 {
                                trap!(TrapCode::NullFunctionReference);
                            }
                            call_func!((raw - 1) as u32, b);
                        }
                        Instr::ReturnCallFuncRef { r, base: b } => {
                            let raw = r!(r);
                            if raw == 0 {
                                trap!(TrapCode::NullFunctionReference);
                            }
                            return_call_func!((raw - 1) as u32, b);
                        }
                        Instr::NonNull { r } => {
                            if r!(r) == 0 {
                                trap!(TrapCode::NullReference);
                            }
                        }
                        Instr::ThrowTag { tag, r } => {
                            let exn = new_exn(&mut *vm, inst, tag, regs.add(r as usize));
                            throw!(exn, false);
                        }
                        Instr::ThrowExn { r } => {
                            let exn = r!(r);
                            if exn == 0 {
                                trap!(TrapCode::NullReference);
                            }
                            throw!(exn, false);
                        }
                        Instr::Sel { a, b, c } => {
                            if r!(c) as u32 == 0 {
                                r!(a) = r!(b);
                            }
                        }
                        Instr::Sel2 { a, b, c } => {
                            if r!(c) as u32 == 0 {
                                r!(a) = r!(b);
                                r!(a + 1) = r!(b + 1);
                            }
                        }

                        // ---- constants, globals ----
                        Instr::Const32 { d, v } => r!(d) = v as u64,
                        Instr::Const64 { d, v } => r!(d) = v,
                        Instr::ConstV128 { d, i } => set!(v128, d, (*func).pool()[i as usize]),
                        Instr::GGet { d, g } => {
                            let gi = instance!().globals[g as usize];
                            r!(d) = (&*vm).globals[gi as usize].value as u64;
                        }
                        Instr::GGet2 { d, g } => {
                            let gi = instance!().globals[g as usize];
                            set!(v128, d, (&*vm).globals[gi as usize].value);
                        }
                        Instr::GSet { s, g } => {
                            let gi = instance!().globals[g as usize];
                            (&mut *vm).globals[gi as usize].value = r!(s) as u128;
                        }
                        Instr::GSet2 { s, g } => {
                            let gi = instance!().globals[g as usize];
                            (&mut *vm).globals[gi as usize].value = get!(v128, s);
                        }

                        // ---- memory ----
                        Instr::Load8S32(m) => load!(m, 1, |b| i8::from_le_bytes(b) as i32, i32),
                        Instr::Load8S64(m) => load!(m, 1, |b| i8::from_le_bytes(b) as i64, i64),
                        Instr::Load8U(m) => load!(m, 1, |b| b[0] as u64, u64),
                        Instr::Load16S32(m) => load!(m, 2, |b| i16::from_le_bytes(b) as i32, i32),
                        Instr::Load16S64(m) => load!(m, 2, |b| i16::from_le_bytes(b) as i64, i64),
                        Instr::Load16U(m) => load!(m, 2, |b| u16::from_le_bytes(b) as u64, u64),
                        Instr::Load32(m) => load!(m, 4, |b| u32::from_le_bytes(b) as u64, u64),
                        Instr::Load32S64(m) => load!(m, 4, |b| i32::from_le_bytes(b) as i64, i64),
                        Instr::Load64(m) => load!(m, 8, |b| u64::from_le_bytes(b), u64),
                        Instr::Load128(m) => load!(m, 16, |b| u128::from_le_bytes(b), v128),
                        Instr::Load8S32I { v, a, b } => load_sum!(v, a, b, 1, |b| i8::from_le_bytes(b) as i32, i32),
                        Instr::Load8UI { v, a, b } => load_sum!(v, a, b, 1, |b| b[0] as u64, u64),
                        Instr::Load16S32I { v, a, b } => load_sum!(v, a, b, 2, |b| i16::from_le_bytes(b) as i32, i32),
                        Instr::Load16UI { v, a, b } => load_sum!(v, a, b, 2, |b| u16::from_le_bytes(b) as u64, u64),
                        Instr::Load32I { v, a, b } => load_sum!(v, a, b, 4, |b| u32::from_le_bytes(b) as u64, u64),
                        Instr::Load64I { v, a, b } => load_sum!(v, a, b, 8, |b| u64::from_le_bytes(b), u64),
                        Instr::I32AddShl { k, d, a, b } => {
                            r!(d) = (r!(a) as u32).wrapping_add((r!(b) as u32) << k) as u64;
                        }
                        Instr::Load32X { k, v, a, b } => {
                            load_sum!(v, a, b, k = k, 4, |b| u32::from_le_bytes(b) as u64, u64)
                        }
                        Instr::Load64X { k, v, a, b } => load_sum!(v, a, b, k = k, 8, |b| u64::from_le_bytes(b), u64),
                        Instr::F32AddM { d, a, p } => load_op!(d, a, p, f32, visit_f32_add),
                        Instr::F32SubM { d, a, p } => load_op!(d, a, p, f32, visit_f32_sub),
                        Instr::F32MulM { d, a, p } => load_op!(d, a, p, f32, visit_f32_mul),
                        Instr::F64AddM { d, a, p } => load_op!(d, a, p, f64, visit_f64_add),
                        Instr::F64SubM { d, a, p } => load_op!(d, a, p, f64, visit_f64_sub),
                        Instr::F64MulM { d, a, p } => load_op!(d, a, p, f64, visit_f64_mul),
                        Instr::Store8(m) => store!(m, 1, [r!(m.v) as u8]),
                        Instr::Store16(m) => store!(m, 2, (r!(m.v) as u16).to_le_bytes()),
                        Instr::Store32(m) => store!(m, 4, (r!(m.v) as u32).to_le_bytes()),
                        Instr::Store64(m) => store!(m, 8, r!(m.v).to_le_bytes()),
                        Instr::Store8I { v, a, b } => store_sum!(a, b, 1, [r!(v) as u8]),
                        Instr::Store16I { v, a, b } => store_sum!(a, b, 2, (r!(v) as u16).to_le_bytes()),
                        Instr::Store32I { v, a, b } => store_sum!(a, b, 4, (r!(v) as u32).to_le_bytes()),
                        Instr::Store64I { v, a, b } => store_sum!(a, b, 8, r!(v).to_le_bytes()),
                        Instr::Store32X { k, v, a, b } => store_sum!(a, b, k = k, 4, (r!(v) as u32).to_le_bytes()),
                        Instr::Store64X { k, v, a, b } => store_sum!(a, b, k = k, 8, r!(v).to_le_bytes()),
                        Instr::Store128(m) => store!(m, 16, get!(v128, m.v).to_le_bytes()),
                        Instr::Load8x8S(m) => load!(m, 8, |b| from_i16x8(b.map(|x| x as i8 as i16)), v128),
                        Instr::Load8x8U(m) => load!(m, 8, |b| from_i16x8(b.map(|x| x as i16)), v128),
                        Instr::Load16x4S(m) => load!(
                            m,
                            8,
                            |b| from_i32x4(std::array::from_fn(
                                |i| i16::from_le_bytes([b[2 * i], b[2 * i + 1]]) as i32
                            )),
                            v128
                        ),
                        Instr::Load16x4U(m) => load!(
                            m,
                            8,
                            |b| from_i32x4(std::array::from_fn(
                                |i| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]) as i32
                            )),
                            v128
                        ),
                        Instr::Load32x2S(m) => load!(
                            m,
                            8,
                            |b| from_i64x2(std::array::from_fn(|i| {
                                i32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]) as i64
                            })),
                            v128
                        ),
                        Instr::Load32x2U(m) => load!(
                            m,
                            8,
                            |b| from_i64x2(std::array::from_fn(|i| {
                                u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]) as i64
                            })),
                            v128
                        ),
                        Instr::Load8Splat(m) => load!(m, 1, |b| from_u8x16([b[0]; 16]), v128),
                        Instr::Load16Splat(m) => load!(m, 2, |b| from_u16x8([u16::from_le_bytes(b); 8]), v128),
                        Instr::Load32Splat(m) => load!(m, 4, |b| from_u32x4([u32::from_le_bytes(b); 4]), v128),
                        Instr::Load64Splat(m) => load!(m, 8, |b| from_u64x2([u64::from_le_bytes(b); 2]), v128),
                        Instr::Load32Zero(m) => load!(m, 4, |b| u32::from_le_bytes(b) as u128, v128),
                        Instr::Load64Zero(m) => load!(m, 8, |b| u64::from_le_bytes(b) as u128, v128),
                        Instr::Load8Lane(m) => load_lane!(m, 1, u8x16, from_u8x16, u8),
                        Instr::Load16Lane(m) => load_lane!(m, 2, u16x8, from_u16x8, u16),
                        Instr::Load32Lane(m) => load_lane!(m, 4, u32x4, from_u32x4, u32),
                        Instr::Load64Lane(m) => load_lane!(m, 8, u64x2, from_u64x2, u64),
                        Instr::Store8Lane(m) => store_lane!(m, 1, u8x16),
                        Instr::Store16Lane(m) => store_lane!(m, 2, u16x8),
                        Instr::Store32Lane(m) => store_lane!(m, 4, u32x4),
                        Instr::Store64Lane(m) => store_lane!(m, 8, u64x2),
                        Instr::MemSize { d, mem } => {
                            r!(d) = (&*vm).memories[mem_index!(mem)].size_pages();
                        }
                        Instr::MemGrow { d, mem } => {
                            let wide = mem & WIDE != 0;
                            let mi = mem_index!(mem & !WIDE);
                            let delta = if wide { r!(d) } else { r!(d) as u32 as u64 };
                            let old = host.grow_memory(mi as u32, delta);
                            vm = host.store();
                            r!(d) = match tri_t!(old) {
                                Some(o) => o,
                                None if wide => u64::MAX,
                                None => u32::MAX as u64,
                            };
                            refresh_mem!();
                        }
                        Instr::Check32 { a, code } => {
                            if r!(a) > u32::MAX as u64 {
                                trap!(code);
                            }
                        }
                        Instr::CheckAlign { a, mask, off } => {
                            if r!(a).wrapping_add(off as u64) & mask as u64 != 0 {
                                trap!(TrapCode::UnalignedAtomic);
                            }
                        }
                        Instr::MemFill { r, mem } => {
                            let mi = mem_index!(mem);
                            let (d, v, n) = (r!(r) as u32, r!(r + 1) as u8, r!(r + 2) as u32);
                            tri!((&mut *vm).memories[mi].fill(d as u64, v, n as u64));
                        }
                        Instr::MemCopy { r, dst, src } => {
                            let (dmi, smi) = (mem_index!(dst), mem_index!(src));
                            let (d, s, n) = (r!(r) as u32 as u64, r!(r + 1) as u32 as u64, r!(r + 2) as u32 as u64);
                            tri!(tern_vm::copy_memory(&mut (&mut *vm).memories, dmi, d, smi, s, n));
                        }
                        Instr::MemInit { r, seg, mem } => {
                            let mi = mem_index!(mem);
                            let (d, s, n) = (r!(r) as u32 as u64, r!(r + 1) as u32 as u64, r!(r + 2) as u32 as u64);
                            let vmr = &mut *vm;
                            let data = vmr.instances[inst as usize].data(seg);
                            tri!(vmr.memories[mi].init(d, data, s, n));
                        }
                        Instr::Atomic(m) => {
                            let mem = &(&*vm).memories[mem_index!(m.mem)];
                            tri!(exec_atomic(regs, m, mem));
                        }
                        Instr::Fence => std::sync::atomic::fence(SeqCst),
                        Instr::DropData { seg } => {
                            (&mut *vm).instances[inst as usize].datas[seg as usize] = 0..0;
                        }

                        // ---- tables and references ----
                        Instr::TabGet { d, t } => {
                            let ti = table_index!(t);
                            r!(d) = tri!((&*vm).tables[ti].get(r!(d) as u32));
                        }
                        Instr::TabSet { r, t } => {
                            let ti = table_index!(t);
                            tri!((&mut *vm).tables[ti].set(r!(r) as u32, r!(r + 1)));
                        }
                        Instr::TabSize { d, t } => {
                            let ti = table_index!(t);
                            r!(d) = (&*vm).tables[ti].size() as u64;
                        }
                        Instr::TabGrow { r, t } => {
                            let wide = t & WIDE != 0;
                            let ti = table_index!(t & !WIDE);
                            let delta = r!(r + 1);
                            let old = if wide && delta > u32::MAX as u64 {
                                // No table has 2^32 elements.
                                Ok(None)
                            } else {
                                host.grow_table(ti as u32, delta as u32, r!(r))
                            };
                            vm = host.store();
                            r!(r) = match tri_t!(old) {
                                Some(o) => o as u64,
                                None if wide => u64::MAX,
                                None => u32::MAX as u64,
                            };
                        }
                        Instr::TabFill { r, t } => {
                            let ti = table_index!(t);
                            tri!((&mut *vm).tables[ti].fill(r!(r) as u32, r!(r + 1), r!(r + 2) as u32));
                        }
                        Instr::TabCopy { r, dst, src } => {
                            let (dti, sti) = (table_index!(dst), table_index!(src));
                            let (d, s, n) = (r!(r) as u32, r!(r + 1) as u32, r!(r + 2) as u32);
                            let tables = &mut (&mut *vm).tables;
                            if dti == sti {
                                tri!(tables[dti].copy_within(d, s, n));
                            } else {
                                let [dt, st] = tables.get_disjoint_mut([dti, sti]).expect("distinct tables");
                                tri!(tern_vm::copy_between(dt, d, st, s, n));
                            }
                        }
                        Instr::TabInit { r, seg, t } => {
                            let ti = table_index!(t);
                            let (d, s, n) = (r!(r) as u32, r!(r + 1) as u32, r!(r + 2) as u32);
                            let vmr = &mut *vm;
                            let elems = &vmr.instances[inst as usize].elems[seg as usize];
                            tri!(vmr.tables[ti].init(d, elems, s, n));
                        }
                        Instr::DropElem { seg } => {
                            (&mut *vm).instances[inst as usize].elems[seg as usize] = Box::default();
                        }
                        Instr::IsNull { d, a } => r!(d) = (r!(a) == 0) as u64,
                        Instr::Gc { a, d, op } => {
                            let g = &(*func).gc_ops()[op as usize];
                            let top = regs.offset_from(stack.as_ptr()) as usize + (*func).max_height as usize;
                            let roots = std::slice::from_raw_parts(stack.as_ptr(), top);
                            tri!(crate::gc::exec(&mut *vm, inst, g, regs, a, d, roots));
                        }
                        Instr::FuncRef { d, f } => r!(d) = instance!().funcs[f as usize] as u64 + 1,

                        // ---- lanes ----
                        Instr::Shuffle { a, b, i } => {
                            let x = u8x16(get!(v128, a));
                            let y = u8x16(get!(v128, b));
                            let sel = (*func).pool()[i as usize].to_le_bytes();
                            let out: [u8; 16] = std::array::from_fn(|k| {
                                let s = sel[k] as usize;
                                if s < 16 { x[s] } else { y[s - 16] }
                            });
                            set!(v128, a, u128::from_le_bytes(out));
                        }
                        Instr::ExtractI8S { d, a, lane } => set!(i32, d, i8x16(get!(v128, a))[lane as usize] as i32),
                        Instr::ExtractI8U { d, a, lane } => set!(i32, d, u8x16(get!(v128, a))[lane as usize] as i32),
                        Instr::ExtractI16S { d, a, lane } => set!(i32, d, i16x8(get!(v128, a))[lane as usize] as i32),
                        Instr::ExtractI16U { d, a, lane } => set!(i32, d, u16x8(get!(v128, a))[lane as usize] as i32),
                        Instr::Extract32 { d, a, lane } => set!(u64, d, u32x4(get!(v128, a))[lane as usize] as u64),
                        Instr::Extract64 { d, a, lane } => set!(u64, d, u64x2(get!(v128, a))[lane as usize]),
                        Instr::Replace8 { v, x, lane } => {
                            let mut l = u8x16(get!(v128, v));
                            l[lane as usize] = r!(x) as u8;
                            set!(v128, v, from_u8x16(l));
                        }
                        Instr::Replace16 { v, x, lane } => {
                            let mut l = u16x8(get!(v128, v));
                            l[lane as usize] = r!(x) as u16;
                            set!(v128, v, from_u16x8(l));
                        }
                        Instr::Replace32 { v, x, lane } => {
                            let mut l = u32x4(get!(v128, v));
                            l[lane as usize] = r!(x) as u32;
                            set!(v128, v, from_u32x4(l));
                        }
                        Instr::Replace64 { v, x, lane } => {
                            let mut l = u64x2(get!(v128, v));
                            l[lane as usize] = r!(x);
                            set!(v128, v, from_u64x2(l));
                        }
                    }
                };
            }
            for_each_operator!(dispatch);
        }
    }
}
