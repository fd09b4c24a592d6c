//! Threaded dispatch of the hot instructions.
//!
//! The instructions that only touch the frame's slots and memory 0 (the
//! plain operators, jumps and compare-and-branch, copies, selects, loads
//! and stores) each have a handler: a small function that executes one
//! instruction and then calls the handler of the next one, found in
//! [`HANDLERS`] by the instruction's tag. In an optimized build on a target
//! whose ABI allows it (see `build.rs`), that call is a sibling call, which
//! LLVM turns into a jump: every handler ends in its own indirect jump, and
//! the hot state (instruction pointer, frame, memory 0's base and length)
//! stays in argument registers instead of being spilled around one big
//! `match`. Elsewhere the handlers return to a loop instead.
//!
//! Everything else (calls, returns, fuel, traps, host interaction,
//! other memories) goes back to [`super::run`]'s loop, which executes that
//! one instruction and comes back here. A handler that would trap, or whose
//! access is not in memory 0's known bounds, also goes back without having
//! changed anything, and the loop executes the same instruction again with
//! its full semantics (the trap and its backtrace, a shared memory another
//! thread grew, another memory). A shared memory 0 is given a length of 0
//! here, so that its accesses always take that path (they must be atomic).

use super::{Frame, OpResult, init_frame, ops, read_mem, write_mem};
use crate::InterpModule;
use crate::ir::{CompiledFunc, INIT_CHUNK, Instr, Mem, R3};
use crate::module::{self, translated};
use crate::simd::*;
use crate::tier::Tiering;
use std::hint::unreachable_unchecked;
use std::ptr;
use tern_vm::{FuncKind, GlobalEntity, StoreData};

/// Where a handler stopped: at `ip`, which the main loop runs next when
/// `stop` is set (only the loop fallback ever returns with `stop` unset).
#[derive(Clone, Copy)]
pub(super) struct Next {
    ip: *const Instr,
    #[cfg_attr(tern_threaded_tail, allow(dead_code))]
    stop: bool,
}

/// A handler: executes the instruction at `ip` of the frame at `regs`,
/// with memory 0's base `mem` and (accessible) length `len`, `cx`, and the
/// accumulator `acc` (see [`entry_acc`]).
type Handler = unsafe fn(ip: *const Instr, regs: *mut u64, mem: *mut u8, len: usize, cx: *const Cx, acc: u64) -> Next;

/// The rest of what handlers reach: the store's fuel and globals, the
/// running instance's global indices, and [`super::run`]'s call state
/// (calls and returns within the running instance happen here). `run`
/// makes one before each run of handlers, so that it is never stale, and
/// reads its call state back after.
pub(super) struct Cx {
    pub fuel: *mut u64,
    pub globals: *mut Box<GlobalEntity>,
    pub inst_globals: *const u32,
    pub frames: *mut Vec<Frame>,
    pub stack: *mut Vec<u64>,
    pub func: *mut *const CompiledFunc,
    pub base: *mut usize,
    pub module: *const InterpModule,
    /// The running module's function slots (see [`crate::module::Slot`]),
    /// or null before the first has been translated.
    pub funcs: *const module::Slot,
    /// The running module's tiering state, or null.
    pub tiering: *const Tiering,
    /// The store: read here (its tables and functions), and written by the
    /// GC operators' handler (the heap), the only path to it while the
    /// handlers run.
    pub vm: *const StoreData,
    pub inst: u32,
    /// A call that would make `frames` longer than this overflows.
    pub max_frames: usize,
}

/// One entry per [`Instr`] variant, indexed by its tag.
const TAGS: usize = 1024;

/// The tag of an instruction: `Instr` is `repr(u16)`, so every variant
/// starts with its tag, and tags count variants in declaration order.
#[inline(always)]
const fn tag(ip: *const Instr) -> usize {
    // SAFETY: `ip` points to an `Instr`, whose first two bytes are its tag.
    unsafe { *(ip as *const u16) as usize }
}

/// Runs handlers from `ip` until one stops, and returns where: the
/// instruction the caller's loop must execute.
///
/// # Safety
///
/// As for [`super::run`]'s loop: `ip` points into a translated function's
/// code whose frame is at `regs`; `mem` and `len` describe memory 0 of the
/// running instance (or `len` is 0).
#[inline(always)]
pub(super) unsafe fn run(ip: *const Instr, regs: *mut u64, mem: *mut u8, len: usize, cx: &Cx) -> *const Instr {
    let cx: *const Cx = cx;
    // SAFETY: the caller's contract; tags are below `TAGS` (checked when
    // the table is built).
    unsafe {
        #[cfg(tern_threaded_tail)]
        {
            (HANDLERS.get_unchecked(tag(ip)))(ip, regs, mem, len, cx, entry_acc(ip, regs)).ip
        }
        #[cfg(not(tern_threaded_tail))]
        {
            let mut ip = ip;
            let mut regs = regs;
            loop {
                let n = (HANDLERS.get_unchecked(tag(ip)))(ip, regs, mem, len, cx, entry_acc(ip, regs));
                if n.stop {
                    return n.ip;
                }
                ip = n.ip;
                // Calls and returns move to another frame.
                regs = (*(*cx).stack).as_mut_ptr().add(*(*cx).base);
            }
        }
    }
}

/// The accumulator for starting at `ip`: handlers pass on in it the
/// value of the last slot they wrote, and an accumulator form (see
/// [`Instr::accumulator_form`]) reads that value from it. Starting at an
/// accumulator form, it is read from the slot, which holds it too.
///
/// # Safety
///
/// As for [`run`].
#[inline(always)]
unsafe fn entry_acc(ip: *const Instr, regs: *mut u64) -> u64 {
    // SAFETY: the offset is that of a slot index within the instruction
    // (checked when the table is built), and the slot lies in the frame.
    unsafe {
        match *ACC_SLOT.get_unchecked(tag(ip)) {
            0 => 0,
            off => *regs.add(ptr::read_unaligned((ip as *const u8).add(off as usize) as *const u32) as usize),
        }
    }
}

/// Continues with the instruction at `$ip`.
macro_rules! next {
    ($ip:expr, $regs:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident) => {{
        let ip: *const Instr = $ip;
        #[cfg(tern_threaded_tail)]
        {
            return (HANDLERS.get_unchecked(tag(ip)))(ip, $regs, $mem, $len, $cx, $acc);
        }
        #[cfg(not(tern_threaded_tail))]
        {
            let _ = $acc;
            return Next { ip, stop: false };
        }
    }};
}

/// Goes back to the main loop, which executes the instruction at `$ip`.
macro_rules! stop {
    ($ip:expr) => {
        return Next { ip: $ip, stop: true }
    };
}

/// The handler of every instruction without one of its own.
unsafe fn slow(ip: *const Instr, _: *mut u64, _: *mut u8, _: usize, _: *const Cx, _: u64) -> Next {
    stop!(ip)
}

/// Slot access through a frame pointer.
trait Slot: Sized {
    unsafe fn get(regs: *mut u64, r: u32) -> Self;
    unsafe fn set(self, regs: *mut u64, r: u32);
}

/// A one-slot value as the slot (and the accumulator) holds it.
trait Raw: Slot {
    fn from_raw(x: u64) -> Self;
    fn raw(self) -> u64;
}

/// A result written to its slot(s), and what the accumulator gets of it
/// (the whole of a one-slot value; a `v128` is never read from it).
trait Put {
    unsafe fn put(self, regs: *mut u64, r: u32) -> u64;
}

impl<T: Raw> Put for T {
    #[inline(always)]
    unsafe fn put(self, regs: *mut u64, r: u32) -> u64 {
        let x = self.raw();
        // SAFETY: the slot lies in the frame.
        unsafe { *regs.add(r as usize) = x };
        x
    }
}

impl Put for u128 {
    #[inline(always)]
    unsafe fn put(self, regs: *mut u64, r: u32) -> u64 {
        // SAFETY: both slots lie in the frame.
        unsafe { self.set(regs, r) };
        self as u64
    }
}

macro_rules! slot {
    ($t:ty, |$x:ident| $from:expr, |$v:ident| $to:expr) => {
        impl Raw for $t {
            #[inline(always)]
            fn from_raw($x: u64) -> Self {
                $from
            }
            #[inline(always)]
            fn raw(self) -> u64 {
                let $v = self;
                $to
            }
        }
        impl Slot for $t {
            #[inline(always)]
            unsafe fn get(regs: *mut u64, r: u32) -> Self {
                // SAFETY: the slot lies in the frame.
                let $x = unsafe { *regs.add(r as usize) };
                $from
            }
            #[inline(always)]
            unsafe fn set(self, regs: *mut u64, r: u32) {
                let $v = self;
                // SAFETY: the slot lies in the frame.
                unsafe { *regs.add(r as usize) = $to };
            }
        }
    };
}
slot!(i32, |x| x as u32 as i32, |v| v as u32 as u64);
slot!(i64, |x| x as i64, |v| v as u64);
slot!(u64, |x| x, |v| v);
slot!(f32, |x| f32::from_bits(x as u32), |v| v.to_bits() as u64);
slot!(f64, |x| f64::from_bits(x), |v| v.to_bits());

// On x86-64 a `v128` moves in and out of its two slots as one 16-byte
// access (inline assembly, so that the compiler cannot split it; not
// under Miri, which runs the portable code), whatever the compiler would
// make of the operator: a 16-byte read
// of a value written as two 8-byte halves (or the other way round) cannot
// take it from the store buffer, and waits for the stores to finish. The
// SIMD handlers' operators work in vector registers (`simd::sse`), so
// their operands and results stay there.
impl Slot for u128 {
    #[inline(always)]
    unsafe fn get(regs: *mut u64, r: u32) -> Self {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        // SAFETY: both slots lie in the frame; the asm reads those 16 bytes.
        unsafe {
            let x: std::arch::x86_64::__m128i;
            std::arch::asm!("movdqu {x}, [{p}]", p = in(reg) regs.add(r as usize), x = out(xmm_reg) x,
                options(pure, readonly, nostack, preserves_flags));
            std::mem::transmute::<std::arch::x86_64::__m128i, u128>(x)
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        // SAFETY: both slots lie in the frame.
        unsafe {
            (*regs.add(r as usize) as u128) | ((*regs.add(r as usize + 1) as u128) << 64)
        }
    }
    #[inline(always)]
    unsafe fn set(self, regs: *mut u64, r: u32) {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        // SAFETY: both slots lie in the frame; the asm writes those 16 bytes.
        unsafe {
            let x = std::mem::transmute::<u128, std::arch::x86_64::__m128i>(self);
            std::arch::asm!("movdqu [{p}], {x}", p = in(reg) regs.add(r as usize), x = in(xmm_reg) x,
                options(nostack, preserves_flags));
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        // SAFETY: both slots lie in the frame.
        unsafe {
            *regs.add(r as usize) = self as u64;
            *regs.add(r as usize + 1) = (self >> 64) as u64;
        }
    }
}

/// Defines a handler `$h` for the instructions that match `$p`, whose
/// operands the body uses (with `regs`, `mem`, `len` and `ip` in scope); the
/// body's value is the next instruction.
macro_rules! handler {
    ($h:ident, $p:pat, |$ip:ident, $regs:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident| $body:block) => {
        frame_handler!($h, $p, |$ip, $regs, $mem, $len, $cx, $acc| {
            let to: *const Instr = $body;
            next!(to, $regs, $mem, $len, $cx, $acc)
        });
    };
}

/// As `handler!`, for a body that itself continues (with `next!`) or
/// stops, as calls and returns do, which change frames.
macro_rules! frame_handler {
    ($h:ident, $p:pat, |$ip:ident, $regs:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident| $body:block) => {
        #[allow(
            unused_variables,
            unused_unsafe,
            unused_mut,
            unused_assignments,
            non_snake_case
        )]
        unsafe fn $h(
            $ip: *const Instr,
            $regs: *mut u64,
            $mem: *mut u8,
            $len: usize,
            $cx: *const Cx,
            mut $acc: u64,
        ) -> Next {
            // SAFETY: the handler table maps this variant's tag here, the
            // operands name slots of the frame, and `cx` is the one `run`
            // made for this run of handlers, whose pointers are all valid.
            unsafe {
                let $p = *$ip else { unreachable_unchecked() };
                $body
            }
        }
    };
}

/// Registers handler `$h` for the variant of `$sample` in table `$t`.
macro_rules! register {
    ($t:ident, $sample:expr, $h:expr) => {
        let s: Instr = $sample;
        $t[tag(&s)] = $h;
    };
}

/// A plain row operator's handler, as `exec_row!` executes it. Operators
/// that trap go back to the main loop to trap there.
macro_rules! row {
    ($t:ident, $name:ident, [$x:ident -> $r:ident], $visit:ident) => {{
        handler!($name, Instr::$name(o), |ip, regs, mem, len, cx, acc| {
            let v = OpResult::<ty!($r)>::into_result(ops::$visit(<ty!($x)>::get(regs, o.a)));
            match v {
                Ok(v) => acc = v.put(regs, o.d),
                Err(_) => stop!(ip),
            }
            ip.add(1)
        });
        register!($t, Instr::$name(R3 { d: 0, a: 0, b: 0 }), $name);
    }};
    ($t:ident, $name:ident, [$x:ident $y:ident -> $r:ident], $visit:ident) => {{
        handler!($name, Instr::$name(o), |ip, regs, mem, len, cx, acc| {
            let v = OpResult::<ty!($r)>::into_result(ops::$visit(<ty!($x)>::get(regs, o.a), <ty!($y)>::get(regs, o.b)));
            match v {
                Ok(v) => acc = v.put(regs, o.d),
                Err(_) => stop!(ip),
            }
            ip.add(1)
        });
        register!($t, Instr::$name(R3 { d: 0, a: 0, b: 0 }), $name);
    }};
    ($t:ident, $name:ident, [$x:ident $y:ident $z:ident -> $r:ident], $visit:ident) => {{
        handler!($name, Instr::$name(o), |ip, regs, mem, len, cx, acc| {
            let v = OpResult::<ty!($r)>::into_result(ops::$visit(
                <ty!($x)>::get(regs, o.d),
                <ty!($y)>::get(regs, o.a),
                <ty!($z)>::get(regs, o.b),
            ));
            match v {
                Ok(v) => acc = v.put(regs, o.d),
                Err(_) => stop!(ip),
            }
            ip.add(1)
        });
        register!($t, Instr::$name(R3 { d: 0, a: 0, b: 0 }), $name);
    }};
    // Wide arithmetic and the rest go through the main loop.
    ($t:ident, $name:ident, $sig:tt, $visit:ident) => {};
}

macro_rules! row_handlers {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $ty:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        /// Registers the handlers of the row variants.
        const fn rows(mut t: [Handler; TAGS]) -> [Handler; TAGS] {
            $( row_handler!(t, $feat, {$($f)*}, $sig, $name, $visit); )*
            t
        }
    };
}

macro_rules! row_handler {
    ($t:ident, $feat:ident, {}, $sig:tt, $name:ident, $visit:ident) => {
        row!($t, $name, $sig, $visit)
    };
    ($t:ident, $feat:ident, $imm:tt, $sig:tt, $name:ident, $visit:ident) => {};
}

tern_binary::for_each_operator!(row_handlers);

/// The effective address of an `$n`-byte access of memory 0, or back to
/// the main loop when it is not known to be in bounds here.
macro_rules! addr {
    ($ip:ident, $regs:ident, $mem:ident, $len:ident, $m:ident, $n:expr) => {{
        let ea = (*$regs.add($m.addr as usize) as u32 as u64) + $m.offset as u64;
        if $m.mem != 0 || ea + $n > $len as u64 {
            stop!($ip)
        }
        $mem.add(ea as usize)
    }};
}

macro_rules! load {
    ($t:ident, $name:ident, $n:literal, |$b:ident| $conv:expr, $ty:ty) => {{
        handler!($name, Instr::$name(m), |ip, regs, mem, len, cx, acc| {
            let m: Mem = m;
            let p = addr!(ip, regs, mem, len, m, $n);
            let $b: [u8; $n] = read_mem::<$n>(p, false);
            let v: $ty = $conv;
            v.set(regs, m.v);
            acc = acc_of(v);
            ip.add(1)
        });
        register!($t, Instr::$name(MEM0), $name);
    }};
}

macro_rules! store {
    ($t:ident, $name:ident, $n:literal, |$x:ident: $ty:ty| $bytes:expr) => {{
        handler!($name, Instr::$name(m), |ip, regs, mem, len, cx, acc| {
            let m: Mem = m;
            let $x = <$ty>::get(regs, m.v);
            let bytes: [u8; $n] = $bytes;
            let p = addr!(ip, regs, mem, len, m, $n);
            write_mem::<$n>(p, bytes, false);
            ip.add(1)
        });
        register!($t, Instr::$name(MEM0), $name);
    }};
}

/// [`addr!`] of a fused `i32.add` of slots `$a` and `$b` and an `$n`-byte
/// access of memory 0 at offset 0.
macro_rules! sum_addr {
    ($ip:ident, $regs:ident, $mem:ident, $len:ident, $a:expr, $b:ident << $k:expr, $n:expr) => {{
        let ea = (*$regs.add($a as usize) as u32).wrapping_add((*$regs.add($b as usize) as u32) << $k) as u64;
        if ea + $n > $len as u64 {
            stop!($ip)
        }
        $mem.add(ea as usize)
    }};
    ($ip:ident, $regs:ident, $mem:ident, $len:ident, $a:expr, $b:ident, $n:expr) => {
        sum_addr!($ip, $regs, $mem, $len, $a, $b << 0, $n)
    };
}

/// A fused `i32.add` and load of memory 0 at offset 0 (`Load8UI`, ...).
macro_rules! load_sum {
    ($t:ident, $name:ident, $n:literal, |$b:ident| $conv:expr, $ty:ty) => {{
        handler!($name, Instr::$name { v, a, b }, |ip, regs, mem, len, cx, acc| {
            let p = sum_addr!(ip, regs, mem, len, a, b, $n);
            let $b: [u8; $n] = read_mem::<$n>(p, false);
            let x: $ty = $conv;
            x.set(regs, v);
            acc = acc_of(x);
            ip.add(1)
        });
        register!($t, Instr::$name { v: 0, a: 0, b: 0 }, $name);
    }};
}

/// A float operator fused with its load of memory 0 at offset 0
/// (`F64AddM`, ...): `d = a op load(p)`.
macro_rules! load_op {
    ($t:ident, $name:ident, $n:literal, |$b:ident| $conv:expr, $ty:ty, $visit:ident) => {{
        handler!($name, Instr::$name { d, a, p }, |ip, regs, mem, len, cx, acc| {
            let ea = *regs.add(p as usize) as u32 as u64;
            if ea + $n > len as u64 {
                stop!(ip)
            }
            let $b: [u8; $n] = read_mem::<$n>(mem.add(ea as usize), false);
            let x: $ty = $conv;
            acc = ops::$visit(<$ty>::get(regs, a), x).put(regs, d);
            ip.add(1)
        });
        register!($t, Instr::$name { d: 0, a: 0, p: 0 }, $name);
    }};
}

/// A fused `i32.shl`, `i32.add` and load of memory 0 at offset 0
/// (`Load32X`, `Load64X`).
macro_rules! load_scaled {
    ($t:ident, $name:ident, $n:literal, |$b:ident| $conv:expr, $ty:ty) => {{
        handler!($name, Instr::$name { k, v, a, b }, |ip, regs, mem, len, cx, acc| {
            let p = sum_addr!(ip, regs, mem, len, a, b << k, $n);
            let $b: [u8; $n] = read_mem::<$n>(p, false);
            let x: $ty = $conv;
            x.set(regs, v);
            acc = acc_of(x);
            ip.add(1)
        });
        register!($t, Instr::$name { k: 0, v: 0, a: 0, b: 0 }, $name);
    }};
}

/// A fused `i32.shl`, `i32.add` and store to memory 0 at offset 0
/// (`Store32X`, `Store64X`).
macro_rules! store_scaled {
    ($t:ident, $name:ident, $n:literal, |$x:ident| $bytes:expr) => {{
        handler!($name, Instr::$name { k, v, a, b }, |ip, regs, mem, len, cx, acc| {
            let $x = *regs.add(v as usize);
            let bytes: [u8; $n] = $bytes;
            let p = sum_addr!(ip, regs, mem, len, a, b << k, $n);
            write_mem::<$n>(p, bytes, false);
            ip.add(1)
        });
        register!($t, Instr::$name { k: 0, v: 0, a: 0, b: 0 }, $name);
    }};
}

/// A fused `i32.add` and store to memory 0 at offset 0 (`Store8I`, ...).
macro_rules! store_sum {
    ($t:ident, $name:ident, $n:literal, |$x:ident| $bytes:expr) => {{
        handler!($name, Instr::$name { v, a, b }, |ip, regs, mem, len, cx, acc| {
            let $x = *regs.add(v as usize);
            let bytes: [u8; $n] = $bytes;
            let p = sum_addr!(ip, regs, mem, len, a, b, $n);
            write_mem::<$n>(p, bytes, false);
            ip.add(1)
        });
        register!($t, Instr::$name { v: 0, a: 0, b: 0 }, $name);
    }};
}

const MEM0: Mem = Mem {
    v: 0,
    addr: 0,
    offset: 0,
    mem: 0,
};

/// Compare and branch: `$cond` on the two slots read as `$ty`.
macro_rules! br {
    ($t:ident, $name:ident, $ty:ty, |$x:ident, $y:ident| $cond:expr) => {{
        handler!($name, Instr::$name { a, b, to }, |ip, regs, mem, len, cx, acc| {
            let ($x, $y) = (<$ty>::get(regs, a), <$ty>::get(regs, b));
            if $cond {
                ip.offset(to as i32 as isize)
            } else {
                ip.add(1)
            }
        });
        register!($t, Instr::$name { a: 0, b: 0, to: 0 }, $name);
    }};
}

/// Lane extraction: `$get` maps the vector to its lanes.
macro_rules! extract {
    ($t:ident, $name:ident, |$x:ident: $lanes:ident| $val:expr) => {{
        handler!($name, Instr::$name { d, a, lane }, |ip, regs, mem, len, cx, acc| {
            let $x = $lanes(u128::get(regs, a))[lane as usize];
            let v: u64 = $val;
            v.set(regs, d);
            ip.add(1)
        });
        register!($t, Instr::$name { d: 0, a: 0, lane: 0 }, $name);
    }};
}

macro_rules! replace {
    ($t:ident, $name:ident, $lanes:ident, $from:ident, $lt:ty) => {{
        handler!($name, Instr::$name { v, x, lane }, |ip, regs, mem, len, cx, acc| {
            let mut l = $lanes(u128::get(regs, v));
            l[lane as usize] = *regs.add(x as usize) as $lt;
            $from(l).set(regs, v);
            ip.add(1)
        });
        register!($t, Instr::$name { v: 0, x: 0, lane: 0 }, $name);
    }};
}

/// Enters defined function `$def` of the running instance with its frame
/// at slot `$b` of the current one, and continues there; or stops (see
/// [`hand_written`]).
macro_rules! enter {
    ($ip:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $def:expr, $b:expr) => {{
        let (def, b): (u32, u32) = ($def, $b);
        let cx: &Cx = $cx;
        if cx.funcs.is_null() {
            stop!($ip)
        }
        // A tiered module's call is counted, and goes to compiled code
        // from the main loop (which sees the code installed and does not
        // count the call again; a call that stops here for another reason
        // is counted twice, which only makes it hot a little earlier).
        if let Some(t) = cx.tiering.as_ref()
            && t.enter(def)
        {
            stop!($ip)
        }
        // Validation (or the store) bounds `def` by the module's defined
        // functions.
        let Some(callee) = translated(&*cx.funcs.add(def as usize)) else {
            stop!($ip)
        };
        let frames = &mut *cx.frames;
        let n = frames.len();
        let base = *cx.base + b as usize;
        let stack = &mut *cx.stack;
        // (Growing `frames` or the value stack is left to the main loop.)
        if n >= cx.max_frames || n == frames.capacity() || base + callee.max_height as usize > stack.len() {
            stop!($ip)
        }
        let frame = Frame {
            func: *cx.func,
            module: cx.module,
            ip: $ip.add(1),
            base: *cx.base,
            inst: cx.inst,
        };
        frames.as_mut_ptr().add(n).write(frame);
        frames.set_len(n + 1);
        *cx.base = base;
        *cx.func = callee;
        let regs = stack.as_mut_ptr().add(base);
        if callee.zeros == 0 {
            init_small_frame(regs, callee);
        } else {
            init_large_frame(regs, callee);
        }
        let cx: *const Cx = cx;
        next!(callee.code.as_ptr(), regs, $mem, $len, cx, $acc)
    }};
}

/// [`init_frame`] for a small frame (`zeros == 0`), with no calls.
///
/// # Safety
///
/// As for [`init_frame`].
#[inline(always)]
unsafe fn init_small_frame(regs: *mut u64, f: &CompiledFunc) {
    // SAFETY: as for `init_frame`; `init` is a whole number of chunks. (A
    // volatile write keeps LLVM from turning the loop into a call to
    // `memcpy`.)
    unsafe {
        let to = regs.add(f.param_slots as usize);
        let from = f.init.as_ptr();
        for i in (0..f.init.len()).step_by(INIT_CHUNK) {
            for k in 0..INIT_CHUNK {
                ptr::write_volatile(to.add(i + k), *from.add(i + k));
            }
        }
    }
}

/// [`init_frame`] for a large frame, out of line so that the handlers'
/// common path stays lean.
///
/// # Safety
///
/// As for [`init_frame`].
#[cold]
#[inline(never)]
unsafe fn init_large_frame(regs: *mut u64, f: &CompiledFunc) {
    // SAFETY: the caller's promise.
    unsafe { init_frame(regs, f) }
}

/// A loaded value as the accumulator holds it (a `v128` is never read
/// from it).
trait ToAcc {
    fn to_acc(self) -> u64;
}

impl ToAcc for i32 {
    #[inline(always)]
    fn to_acc(self) -> u64 {
        self as u32 as u64
    }
}

impl ToAcc for i64 {
    #[inline(always)]
    fn to_acc(self) -> u64 {
        self as u64
    }
}

impl ToAcc for u64 {
    #[inline(always)]
    fn to_acc(self) -> u64 {
        self
    }
}

impl ToAcc for u128 {
    #[inline(always)]
    fn to_acc(self) -> u64 {
        self as u64
    }
}

#[inline(always)]
fn acc_of<T: ToAcc>(v: T) -> u64 {
    v.to_acc()
}

/// Records in `$s` that the instruction `$sample` reads the accumulator
/// for the slot index at byte offset `$off`; `$sample` has that slot
/// index set to `ACC_MARK` and its other fields zero, which checks the
/// offset when the table is built.
macro_rules! acc_slot {
    ($s:ident, $sample:expr, $off:expr) => {
        let sample: Instr = $sample;
        let off: usize = $off;
        // SAFETY: `off + 4 <= 16`, within the instruction.
        let at = unsafe { ptr::read_unaligned((&sample as *const Instr as *const u8).add(off) as *const u32) };
        assert!(at == ACC_MARK);
        $s[tag(&sample)] = off as u8;
    };
}

const ACC_MARK: u32 = 0x5a5a_0001;

/// An accumulator form of a row operator: input `a` from the accumulator
/// (and `b`, if it has one, from its slot).
macro_rules! acc_row {
    ($t:ident, $s:ident, $acc:ident, [$x:ident $($y:ident)? -> $r:ident], $visit:ident) => {{
        handler!($acc, Instr::$acc(o), |ip, regs, mem, len, cx, acc| {
            let v = OpResult::<ty!($r)>::into_result(ops::$visit(
                <ty!($x)>::from_raw(acc)
                $(, <ty!($y)>::get(regs, o.b))?
            ));
            match v {
                Ok(v) => acc = v.put(regs, o.d),
                Err(_) => stop!(ip),
            }
            ip.add(1)
        });
        register!($t, Instr::$acc(R3 { d: 0, a: 0, b: 0 }), $acc);
        acc_slot!($s, Instr::$acc(R3 { d: 0, a: ACC_MARK, b: 0 }), 8);
    }};
}

macro_rules! acc_row_handlers {
    ($( $comm:ident $acc:ident $base:ident $visit:ident $sig:tt )*) => {
        /// Registers the handlers of the rows' accumulator forms.
        const fn acc_rows(mut t: [Handler; TAGS], mut s: [u8; TAGS]) -> ([Handler; TAGS], [u8; TAGS]) {
            $( acc_row!(t, s, $acc, $sig, $visit); )*
            (t, s)
        }
    };
}

crate::ir::acc_rows!(acc_row_handlers);

/// A load whose address is the accumulator.
macro_rules! load_acc {
    ($t:ident, $s:ident, $name:ident, $n:literal, |$b:ident| $conv:expr, $ty:ty) => {{
        handler!($name, Instr::$name(m), |ip, regs, mem, len, cx, acc| {
            let m: Mem = m;
            let ea = (acc as u32 as u64) + m.offset as u64;
            if m.mem != 0 || ea + $n > len as u64 {
                stop!(ip)
            }
            let $b: [u8; $n] = read_mem::<$n>(mem.add(ea as usize), false);
            let v: $ty = $conv;
            v.set(regs, m.v);
            acc = acc_of(v);
            ip.add(1)
        });
        register!($t, Instr::$name(MEM0), $name);
        acc_slot!(
            $s,
            Instr::$name(Mem {
                v: 0,
                addr: ACC_MARK,
                offset: 0,
                mem: 0
            }),
            6
        );
    }};
}

/// A store whose address (`addr`) or value (`v`) is the accumulator.
macro_rules! store_acc {
    ($t:ident, $s:ident, $name:ident, addr, $n:literal, |$x:ident: $ty:ty| $bytes:expr) => {{
        handler!($name, Instr::$name(m), |ip, regs, mem, len, cx, acc| {
            let m: Mem = m;
            let $x = <$ty>::get(regs, m.v);
            let bytes: [u8; $n] = $bytes;
            let ea = (acc as u32 as u64) + m.offset as u64;
            if m.mem != 0 || ea + $n > len as u64 {
                stop!(ip)
            }
            write_mem::<$n>(mem.add(ea as usize), bytes, false);
            ip.add(1)
        });
        register!($t, Instr::$name(MEM0), $name);
        acc_slot!(
            $s,
            Instr::$name(Mem {
                v: 0,
                addr: ACC_MARK,
                offset: 0,
                mem: 0
            }),
            6
        );
    }};
    ($t:ident, $s:ident, $name:ident, v, $n:literal, |$x:ident: $ty:ty| $bytes:expr) => {{
        handler!($name, Instr::$name(m), |ip, regs, mem, len, cx, acc| {
            let m: Mem = m;
            let $x = <$ty>::from_raw(acc);
            let bytes: [u8; $n] = $bytes;
            let p = addr!(ip, regs, mem, len, m, $n);
            write_mem::<$n>(p, bytes, false);
            ip.add(1)
        });
        register!($t, Instr::$name(MEM0), $name);
        acc_slot!(
            $s,
            Instr::$name(Mem {
                v: ACC_MARK,
                addr: 0,
                offset: 0,
                mem: 0
            }),
            2
        );
    }};
}

/// Compare and branch with input `a` from the accumulator.
macro_rules! br_acc {
    ($t:ident, $s:ident, $name:ident, $ty:ty, |$x:ident, $y:ident| $cond:expr) => {{
        handler!($name, Instr::$name { a, b, to }, |ip, regs, mem, len, cx, acc| {
            let ($x, $y) = (<$ty>::from_raw(acc), <$ty>::get(regs, b));
            if $cond {
                ip.offset(to as i32 as isize)
            } else {
                ip.add(1)
            }
        });
        register!($t, Instr::$name { a: 0, b: 0, to: 0 }, $name);
        acc_slot!(
            $s,
            Instr::$name {
                a: ACC_MARK,
                b: 0,
                to: 0
            },
            4
        );
    }};
}

/// Registers the handlers of the other accumulator forms.
const fn acc_forms(mut t: [Handler; TAGS], mut s: [u8; TAGS]) -> ([Handler; TAGS], [u8; TAGS]) {
    load_acc!(t, s, Load8S32A, 1, |b| i8::from_le_bytes(b) as i32, i32);
    load_acc!(t, s, Load8UA, 1, |b| b[0] as u64, u64);
    load_acc!(t, s, Load16S32A, 2, |b| i16::from_le_bytes(b) as i32, i32);
    load_acc!(t, s, Load16UA, 2, |b| u16::from_le_bytes(b) as u64, u64);
    load_acc!(t, s, Load32A, 4, |b| u32::from_le_bytes(b) as u64, u64);
    load_acc!(t, s, Load32S64A, 4, |b| i32::from_le_bytes(b) as i64, i64);
    load_acc!(t, s, Load64A, 8, |b| u64::from_le_bytes(b), u64);
    store_acc!(t, s, Store8A, addr, 1, |x: u64| [x as u8]);
    store_acc!(t, s, Store16A, addr, 2, |x: u64| (x as u16).to_le_bytes());
    store_acc!(t, s, Store32A, addr, 4, |x: u64| (x as u32).to_le_bytes());
    store_acc!(t, s, Store64A, addr, 8, |x: u64| x.to_le_bytes());
    store_acc!(t, s, Store8V, v, 1, |x: u64| [x as u8]);
    store_acc!(t, s, Store16V, v, 2, |x: u64| (x as u16).to_le_bytes());
    store_acc!(t, s, Store32V, v, 4, |x: u64| (x as u32).to_le_bytes());
    store_acc!(t, s, Store64V, v, 8, |x: u64| x.to_le_bytes());
    br_acc!(t, s, BrI32EqA, i32, |x, y| x == y);
    br_acc!(t, s, BrI32NeA, i32, |x, y| x != y);
    br_acc!(t, s, BrI32LtSA, i32, |x, y| x < y);
    br_acc!(t, s, BrI32LtUA, i32, |x, y| (x as u32) < (y as u32));
    br_acc!(t, s, BrI32GtSA, i32, |x, y| x > y);
    br_acc!(t, s, BrI32GtUA, i32, |x, y| (x as u32) > (y as u32));
    br_acc!(t, s, BrI32LeSA, i32, |x, y| x <= y);
    br_acc!(t, s, BrI32LeUA, i32, |x, y| (x as u32) <= (y as u32));
    br_acc!(t, s, BrI32GeSA, i32, |x, y| x >= y);
    br_acc!(t, s, BrI32GeUA, i32, |x, y| (x as u32) >= (y as u32));
    handler!(
        jump_nez_acc,
        Instr::JumpIfNezA { c, to },
        |ip, regs, mem, len, cx, acc| {
            if acc as u32 != 0 {
                ip.offset(to as i32 as isize)
            } else {
                ip.add(1)
            }
        }
    );
    register!(t, Instr::JumpIfNezA { c: 0, to: 0 }, jump_nez_acc);
    acc_slot!(s, Instr::JumpIfNezA { c: ACC_MARK, to: 0 }, 4);
    handler!(
        jump_eqz_acc,
        Instr::JumpIfEqzA { c, to },
        |ip, regs, mem, len, cx, acc| {
            if acc as u32 == 0 {
                ip.offset(to as i32 as isize)
            } else {
                ip.add(1)
            }
        }
    );
    register!(t, Instr::JumpIfEqzA { c: 0, to: 0 }, jump_eqz_acc);
    acc_slot!(s, Instr::JumpIfEqzA { c: ACC_MARK, to: 0 }, 4);
    handler!(sel_acc, Instr::SelA { a, b, c }, |ip, regs, mem, len, cx, acc| {
        if acc as u32 == 0 {
            *regs.add(a as usize) = *regs.add(b as usize);
        }
        ip.add(1)
    });
    register!(t, Instr::SelA { a: 0, b: 0, c: 0 }, sel_acc);
    acc_slot!(
        s,
        Instr::SelA {
            a: 0,
            b: 0,
            c: ACC_MARK
        },
        12
    );
    (t, s)
}

/// Registers the handlers of the hand-written variants.
const fn hand_written(mut t: [Handler; TAGS]) -> [Handler; TAGS] {
    // ---- control ----
    handler!(jump, Instr::Jump { to }, |ip, regs, mem, len, cx, acc| {
        ip.offset(to as i32 as isize)
    });
    register!(t, Instr::Jump { to: 0 }, jump);
    handler!(jump_nez, Instr::JumpIfNez { c, to }, |ip, regs, mem, len, cx, acc| {
        if *regs.add(c as usize) as u32 != 0 {
            ip.offset(to as i32 as isize)
        } else {
            ip.add(1)
        }
    });
    register!(t, Instr::JumpIfNez { c: 0, to: 0 }, jump_nez);
    handler!(jump_eqz, Instr::JumpIfEqz { c, to }, |ip, regs, mem, len, cx, acc| {
        if *regs.add(c as usize) as u32 == 0 {
            ip.offset(to as i32 as isize)
        } else {
            ip.add(1)
        }
    });
    register!(t, Instr::JumpIfEqz { c: 0, to: 0 }, jump_eqz);
    handler!(br_i64_eqz, Instr::BrI64Eqz { c, to }, |ip, regs, mem, len, cx, acc| {
        if *regs.add(c as usize) == 0 {
            ip.offset(to as i32 as isize)
        } else {
            ip.add(1)
        }
    });
    register!(t, Instr::BrI64Eqz { c: 0, to: 0 }, br_i64_eqz);
    handler!(br_i64_nez, Instr::BrI64Nez { c, to }, |ip, regs, mem, len, cx, acc| {
        if *regs.add(c as usize) != 0 {
            ip.offset(to as i32 as isize)
        } else {
            ip.add(1)
        }
    });
    register!(t, Instr::BrI64Nez { c: 0, to: 0 }, br_i64_nez);
    // The table's entries are `Jump`s (or the returns they lead to): a
    // `Jump` is followed here, which saves a dispatch.
    handler!(
        jump_table,
        Instr::JumpTable { i, len: n },
        |ip, regs, mem, len, cx, acc| {
            let entry = ip.add(1 + (*regs.add(i as usize) as u32).min(n) as usize);
            match *entry {
                Instr::Jump { to } => entry.offset(to as i32 as isize),
                _ => entry,
            }
        }
    );
    register!(t, Instr::JumpTable { i: 0, len: 0 }, jump_table);
    br!(t, BrI32Eq, i32, |x, y| x == y);
    br!(t, BrI32Ne, i32, |x, y| x != y);
    br!(t, BrI32LtS, i32, |x, y| x < y);
    br!(t, BrI32LtU, i32, |x, y| (x as u32) < (y as u32));
    br!(t, BrI32GtS, i32, |x, y| x > y);
    br!(t, BrI32GtU, i32, |x, y| (x as u32) > (y as u32));
    br!(t, BrI32LeS, i32, |x, y| x <= y);
    br!(t, BrI32LeU, i32, |x, y| (x as u32) <= (y as u32));
    br!(t, BrI32GeS, i32, |x, y| x >= y);
    br!(t, BrI32GeU, i32, |x, y| (x as u32) >= (y as u32));
    br!(t, BrI32And, i32, |x, y| x & y != 0);
    br!(t, BrI32AndEqz, i32, |x, y| x & y == 0);
    br!(t, BrI64Eq, i64, |x, y| x == y);
    br!(t, BrI64Ne, i64, |x, y| x != y);
    br!(t, BrI64LtS, i64, |x, y| x < y);
    br!(t, BrI64LtU, i64, |x, y| (x as u64) < (y as u64));
    br!(t, BrI64GtS, i64, |x, y| x > y);
    br!(t, BrI64GtU, i64, |x, y| (x as u64) > (y as u64));
    br!(t, BrI64LeS, i64, |x, y| x <= y);
    br!(t, BrI64LeU, i64, |x, y| (x as u64) <= (y as u64));
    br!(t, BrI64GeS, i64, |x, y| x >= y);
    br!(t, BrI64GeU, i64, |x, y| (x as u64) >= (y as u64));
    br!(t, BrF32Eq, f32, |x, y| x == y);
    br!(t, BrF32Ne, f32, |x, y| x != y);
    br!(t, BrF32Lt, f32, |x, y| x < y);
    br!(t, BrF32Gt, f32, |x, y| x > y);
    br!(t, BrF32Le, f32, |x, y| x <= y);
    br!(t, BrF32Ge, f32, |x, y| x >= y);
    br!(t, BrF32NotLt, f32, |x, y| ops::negated::lt(x, y));
    br!(t, BrF32NotGt, f32, |x, y| ops::negated::gt(x, y));
    br!(t, BrF32NotLe, f32, |x, y| ops::negated::le(x, y));
    br!(t, BrF32NotGe, f32, |x, y| ops::negated::ge(x, y));
    br!(t, BrF64Eq, f64, |x, y| x == y);
    br!(t, BrF64Ne, f64, |x, y| x != y);
    br!(t, BrF64Lt, f64, |x, y| x < y);
    br!(t, BrF64Gt, f64, |x, y| x > y);
    br!(t, BrF64Le, f64, |x, y| x <= y);
    br!(t, BrF64Ge, f64, |x, y| x >= y);
    br!(t, BrF64NotLt, f64, |x, y| ops::negated::lt(x, y));
    br!(t, BrF64NotGt, f64, |x, y| ops::negated::gt(x, y));
    br!(t, BrF64NotLe, f64, |x, y| ops::negated::le(x, y));
    br!(t, BrF64NotGe, f64, |x, y| ops::negated::ge(x, y));

    // ---- calls and returns within the instance ----
    // Direct, indirect and reference calls of the running instance's own
    // functions, and returns to it. A call of an import, of another
    // instance's or a host function, of compiled code or of a function
    // not translated yet, one that traps, and a return to another
    // instance or out of the activation go through the main loop.
    frame_handler!(call, Instr::CallDef { f, base: b }, |ip, regs, mem, len, cx, acc| {
        let cx = &*cx;
        enter!(ip, mem, len, cx, acc, f, b)
    });
    register!(t, Instr::CallDef { f: 0, base: 0 }, call);
    frame_handler!(
        call_indirect,
        Instr::CallInd { table, ty, i, base: b },
        |ip, regs, mem, len, cx, acc| {
            let cx = &*cx;
            let vm = &*cx.vm;
            let inst = vm.instances.get_unchecked(cx.inst as usize);
            let tab = &vm.tables[inst.tables[table as usize] as usize];
            let raw = match tab.elems().get(*regs.add(i as usize) as u32 as usize) {
                Some(&raw) if raw != 0 => raw,
                _ => stop!(ip),
            };
            let fe = &vm.funcs[(raw - 1) as usize];
            match fe.kind {
                FuncKind::Wasm { instance, def } if instance == cx.inst && fe.sig == inst.sigs[ty as usize] => {
                    enter!(ip, mem, len, cx, acc, def, b)
                }
                _ => stop!(ip),
            }
        }
    );
    register!(
        t,
        Instr::CallInd {
            table: 0,
            ty: 0,
            i: 0,
            base: 0
        },
        call_indirect
    );
    frame_handler!(
        call_ref,
        Instr::CallFuncRef { r, base: b },
        |ip, regs, mem, len, cx, acc| {
            let cx = &*cx;
            let raw = *regs.add(r as usize);
            if raw == 0 {
                stop!(ip)
            }
            match (&*cx.vm).funcs[(raw - 1) as usize].kind {
                FuncKind::Wasm { instance, def } if instance == cx.inst => enter!(ip, mem, len, cx, acc, def, b),
                _ => stop!(ip),
            }
        }
    );
    register!(t, Instr::CallFuncRef { r: 0, base: 0 }, call_ref);
    // A tiered module's loop header counts the iteration; a hot loop goes
    // to the main loop, which asks for its OSR entry.
    handler!(loop_head, Instr::LoopHead { l }, |ip, regs, mem, len, cx, acc| {
        let cx = &*cx;
        if let Some(t) = cx.tiering.as_ref()
            && t.loop_iteration({
                let func: &CompiledFunc = &**cx.func;
                func.loops().get_unchecked(l as usize)
            })
        {
            stop!(ip)
        }
        ip.add(1)
    });
    register!(t, Instr::LoopHead { l: 0 }, loop_head);
    frame_handler!(ret, Instr::Ret, |ip, regs, mem, len, cx, acc| {
        let cx = &*cx;
        let frames = &mut *cx.frames;
        let Some(&f) = frames.last() else { stop!(ip) };
        if f.inst != cx.inst {
            stop!(ip)
        }
        frames.pop();
        *cx.base = f.base;
        *cx.func = f.func;
        let regs = (*cx.stack).as_mut_ptr().add(f.base);
        let cx: *const Cx = cx;
        next!(f.ip, regs, mem, len, cx, acc)
    });
    register!(t, Instr::Ret, ret);
    frame_handler!(ret1, Instr::Ret1 { s }, |ip, regs, mem, len, cx, acc| {
        let cx = &*cx;
        let frames = &mut *cx.frames;
        let Some(&f) = frames.last() else { stop!(ip) };
        if f.inst != cx.inst {
            stop!(ip)
        }
        *regs = *regs.add(s as usize);
        frames.pop();
        *cx.base = f.base;
        *cx.func = f.func;
        let regs = (*cx.stack).as_mut_ptr().add(f.base);
        let cx: *const Cx = cx;
        next!(f.ip, regs, mem, len, cx, acc)
    });
    register!(t, Instr::Ret1 { s: 0 }, ret1);

    // ---- copies, selects, constants ----
    handler!(copy, Instr::Copy { d, s }, |ip, regs, mem, len, cx, acc| {
        acc = *regs.add(s as usize);
        *regs.add(d as usize) = acc;
        ip.add(1)
    });
    register!(t, Instr::Copy { d: 0, s: 0 }, copy);
    handler!(copy2, Instr::Copy2 { d, s }, |ip, regs, mem, len, cx, acc| {
        u128::get(regs, s).set(regs, d);
        ip.add(1)
    });
    register!(t, Instr::Copy2 { d: 0, s: 0 }, copy2);
    handler!(copy_n, Instr::CopyN { d, s, n }, |ip, regs, mem, len, cx, acc| {
        ptr::copy(regs.add(s as usize), regs.add(d as usize), n as usize);
        ip.add(1)
    });
    register!(t, Instr::CopyN { d: 0, s: 0, n: 0 }, copy_n);
    handler!(sel, Instr::Sel { a, b, c }, |ip, regs, mem, len, cx, acc| {
        if *regs.add(c as usize) as u32 == 0 {
            *regs.add(a as usize) = *regs.add(b as usize);
        }
        ip.add(1)
    });
    register!(t, Instr::Sel { a: 0, b: 0, c: 0 }, sel);
    handler!(sel2, Instr::Sel2 { a, b, c }, |ip, regs, mem, len, cx, acc| {
        if *regs.add(c as usize) as u32 == 0 {
            u128::get(regs, b).set(regs, a);
        }
        ip.add(1)
    });
    register!(t, Instr::Sel2 { a: 0, b: 0, c: 0 }, sel2);
    handler!(const32, Instr::Const32 { d, v }, |ip, regs, mem, len, cx, acc| {
        acc = v as u64;
        *regs.add(d as usize) = acc;
        ip.add(1)
    });
    register!(t, Instr::Const32 { d: 0, v: 0 }, const32);
    handler!(const64, Instr::Const64 { d, v }, |ip, regs, mem, len, cx, acc| {
        acc = v;
        *regs.add(d as usize) = acc;
        ip.add(1)
    });
    register!(t, Instr::Const64 { d: 0, v: 0 }, const64);
    handler!(const_v128, Instr::ConstV128 { d, i }, |ip, regs, mem, len, cx, acc| {
        let func: &CompiledFunc = &**(*cx).func;
        (*func.pool().get_unchecked(i as usize)).set(regs, d);
        ip.add(1)
    });
    register!(t, Instr::ConstV128 { d: 0, i: 0 }, const_v128);
    handler!(is_null, Instr::IsNull { d, a }, |ip, regs, mem, len, cx, acc| {
        *regs.add(d as usize) = (*regs.add(a as usize) == 0) as u64;
        ip.add(1)
    });
    register!(t, Instr::IsNull { d: 0, a: 0 }, is_null);
    // GC operators run here too; one that fails stops, and the main loop
    // runs it again to raise the trap with its backtrace (a failing GC
    // operator changes nothing before it fails).
    handler!(gc, Instr::Gc { a, d, op }, |ip, regs, mem, len, cx, acc| {
        let cx = &*cx;
        let func = *cx.func;
        // The store is only reached through this pointer while the
        // handlers run (see `Cx::vm`).
        let vm = &mut *(cx.vm as *mut StoreData);
        // A struct field access first, without the general path.
        let fast = *(*func).gc_fast().get_unchecked(op as usize);
        if !fast.run(vm, cx.inst, regs, a, d) {
            let ops: &[crate::gc::GcOp] = (*func).gc_ops();
            let g = ops.get_unchecked(op as usize);
            let top = *cx.base + (*func).max_height as usize;
            let roots = std::slice::from_raw_parts((*cx.stack).as_ptr(), top);
            if crate::gc::exec(vm, cx.inst, g, regs, a, d, roots).is_err() {
                stop!(ip)
            }
        }
        ip.add(1)
    });
    register!(t, Instr::Gc { a: 0, d: 0, op: 0 }, gc);
    handler!(check32, Instr::Check32 { a, code }, |ip, regs, mem, len, cx, acc| {
        if *regs.add(a as usize) > u32::MAX as u64 {
            stop!(ip)
        }
        ip.add(1)
    });
    register!(
        t,
        Instr::Check32 {
            a: 0,
            code: tern_vm::TrapCode::MemoryOutOfBounds
        },
        check32
    );

    // ---- fuel, globals ----
    handler!(fuel, Instr::Fuel { n }, |ip, regs, mem, len, cx, acc| {
        let fuel = (*cx).fuel;
        if *fuel < n as u64 {
            stop!(ip)
        }
        *fuel -= n as u64;
        ip.add(1)
    });
    register!(t, Instr::Fuel { n: 0 }, fuel);
    handler!(global_get, Instr::GGet { d, g }, |ip, regs, mem, len, cx, acc| {
        let gi = *(*cx).inst_globals.add(g as usize);
        let global: &GlobalEntity = &*(*cx).globals.add(gi as usize);
        acc = global.value as u64;
        *regs.add(d as usize) = acc;
        ip.add(1)
    });
    register!(t, Instr::GGet { d: 0, g: 0 }, global_get);
    handler!(global_set, Instr::GSet { s, g }, |ip, regs, mem, len, cx, acc| {
        let gi = *(*cx).inst_globals.add(g as usize);
        let global: &mut GlobalEntity = &mut *(*cx).globals.add(gi as usize);
        global.value = *regs.add(s as usize) as u128;
        ip.add(1)
    });
    register!(t, Instr::GSet { s: 0, g: 0 }, global_set);

    // ---- memory 0 ----
    load!(t, Load8S32, 1, |b| i8::from_le_bytes(b) as i32, i32);
    load!(t, Load8S64, 1, |b| i8::from_le_bytes(b) as i64, i64);
    load!(t, Load8U, 1, |b| b[0] as u64, u64);
    load!(t, Load16S32, 2, |b| i16::from_le_bytes(b) as i32, i32);
    load!(t, Load16S64, 2, |b| i16::from_le_bytes(b) as i64, i64);
    load!(t, Load16U, 2, |b| u16::from_le_bytes(b) as u64, u64);
    load!(t, Load32, 4, |b| u32::from_le_bytes(b) as u64, u64);
    load!(t, Load32S64, 4, |b| i32::from_le_bytes(b) as i64, i64);
    load!(t, Load64, 8, |b| u64::from_le_bytes(b), u64);
    load!(t, Load128, 16, |b| u128::from_le_bytes(b), u128);
    load_sum!(t, Load8S32I, 1, |b| i8::from_le_bytes(b) as i32, i32);
    load_sum!(t, Load8UI, 1, |b| b[0] as u64, u64);
    load_sum!(t, Load16S32I, 2, |b| i16::from_le_bytes(b) as i32, i32);
    load_sum!(t, Load16UI, 2, |b| u16::from_le_bytes(b) as u64, u64);
    load_sum!(t, Load32I, 4, |b| u32::from_le_bytes(b) as u64, u64);
    load_sum!(t, Load64I, 8, |b| u64::from_le_bytes(b), u64);
    load_op!(t, F32AddM, 4, |b| f32::from_le_bytes(b), f32, visit_f32_add);
    load_op!(t, F32SubM, 4, |b| f32::from_le_bytes(b), f32, visit_f32_sub);
    load_op!(t, F32MulM, 4, |b| f32::from_le_bytes(b), f32, visit_f32_mul);
    load_op!(t, F64AddM, 8, |b| f64::from_le_bytes(b), f64, visit_f64_add);
    load_op!(t, F64SubM, 8, |b| f64::from_le_bytes(b), f64, visit_f64_sub);
    load_op!(t, F64MulM, 8, |b| f64::from_le_bytes(b), f64, visit_f64_mul);
    load!(t, Load8Splat, 1, |b| from_u8x16([b[0]; 16]), u128);
    load!(t, Load16Splat, 2, |b| from_u16x8([u16::from_le_bytes(b); 8]), u128);
    load!(t, Load32Splat, 4, |b| from_u32x4([u32::from_le_bytes(b); 4]), u128);
    load!(t, Load64Splat, 8, |b| from_u64x2([u64::from_le_bytes(b); 2]), u128);
    load!(t, Load32Zero, 4, |b| u32::from_le_bytes(b) as u128, u128);
    load!(t, Load64Zero, 8, |b| u64::from_le_bytes(b) as u128, u128);
    store!(t, Store8, 1, |x: u64| [x as u8]);
    store!(t, Store16, 2, |x: u64| (x as u16).to_le_bytes());
    store!(t, Store32, 4, |x: u64| (x as u32).to_le_bytes());
    store!(t, Store64, 8, |x: u64| x.to_le_bytes());
    store!(t, Store128, 16, |x: u128| x.to_le_bytes());
    store_sum!(t, Store8I, 1, |x| [x as u8]);
    store_sum!(t, Store16I, 2, |x| (x as u16).to_le_bytes());
    store_sum!(t, Store32I, 4, |x| (x as u32).to_le_bytes());
    store_sum!(t, Store64I, 8, |x| x.to_le_bytes());
    handler!(
        add_shl,
        Instr::I32AddShl { k, d, a, b },
        |ip, regs, mem, len, cx, acc| {
            acc = (*regs.add(a as usize) as u32).wrapping_add((*regs.add(b as usize) as u32) << k) as u64;
            *regs.add(d as usize) = acc;
            ip.add(1)
        }
    );
    register!(t, Instr::I32AddShl { k: 0, d: 0, a: 0, b: 0 }, add_shl);
    load_scaled!(t, Load32X, 4, |b| u32::from_le_bytes(b) as u64, u64);
    load_scaled!(t, Load64X, 8, |b| u64::from_le_bytes(b), u64);
    store_scaled!(t, Store32X, 4, |x| (x as u32).to_le_bytes());
    store_scaled!(t, Store64X, 8, |x| x.to_le_bytes());
    // Bulk memory within memory 0 (another memory, or a range outside
    // memory 0's cached bounds, is the main loop's).
    handler!(mem_fill, Instr::MemFill { r, mem: m }, |ip, regs, mem, len, cx, acc| {
        let (d, v, n) = (
            *regs.add(r as usize) as u32,
            *regs.add(r as usize + 1) as u8,
            *regs.add(r as usize + 2) as u32,
        );
        if m != 0 || d as u64 + n as u64 > len as u64 {
            stop!(ip)
        }
        ptr::write_bytes(mem.add(d as usize), v, n as usize);
        ip.add(1)
    });
    register!(t, Instr::MemFill { r: 0, mem: 0 }, mem_fill);
    handler!(
        mem_copy,
        Instr::MemCopy { r, dst, src },
        |ip, regs, mem, len, cx, acc| {
            let (d, s, n) = (
                *regs.add(r as usize) as u32,
                *regs.add(r as usize + 1) as u32,
                *regs.add(r as usize + 2) as u32,
            );
            if dst | src != 0 || d as u64 + n as u64 > len as u64 || s as u64 + n as u64 > len as u64 {
                stop!(ip)
            }
            ptr::copy(mem.add(s as usize), mem.add(d as usize), n as usize);
            ip.add(1)
        }
    );
    register!(t, Instr::MemCopy { r: 0, dst: 0, src: 0 }, mem_copy);

    // ---- lanes ----
    extract!(t, ExtractI8S, |x: i8x16| x as i32 as u32 as u64);
    extract!(t, ExtractI8U, |x: u8x16| x as u64);
    extract!(t, ExtractI16S, |x: i16x8| x as i32 as u32 as u64);
    extract!(t, ExtractI16U, |x: u16x8| x as u64);
    extract!(t, Extract32, |x: u32x4| x as u64);
    extract!(t, Extract64, |x: u64x2| x);
    replace!(t, Replace8, u8x16, from_u8x16, u8);
    replace!(t, Replace16, u16x8, from_u16x8, u16);
    replace!(t, Replace32, u32x4, from_u32x4, u32);
    replace!(t, Replace64, u64x2, from_u64x2, u64);
    t
}

// The tag-indexed layout keeps instructions at 16 bytes (see `ir`).
const _: () = assert!(std::mem::size_of::<Instr>() == 16);

/// The handler of each instruction tag, and for an accumulator form the
/// byte offset of the slot index it reads the accumulator for (0 for
/// other instructions).
const TABLES: ([Handler; TAGS], [u8; TAGS]) = {
    // Every tag lies below `TAGS`: the last variant's does.
    let last = Instr::SelA { a: 0, b: 0, c: 0 };
    assert!(tag(&last) < TAGS);
    let (t, s) = acc_rows(hand_written(rows([slow as Handler; TAGS])), [0; TAGS]);
    acc_forms(t, s)
};

static HANDLERS: [Handler; TAGS] = TABLES.0;
static ACC_SLOT: [u8; TAGS] = TABLES.1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_accumulator_forms_read_the_accumulator() {
        let first = tag(&Instr::I32AddA(R3 { d: 0, a: 0, b: 0 }));
        let last = tag(&Instr::SelA { a: 0, b: 0, c: 0 });
        for (t, &off) in ACC_SLOT.iter().enumerate() {
            let reads = (first..=last).contains(&t);
            assert_eq!(off != 0, reads, "tag {t}");
        }
    }
}
