//! Getting from compiled code back to the host: trap handling by signals,
//! and unwinding without `setjmp`.
//!
//! The host enters compiled code through [`catch_traps`], which records the
//! entry point (callee-saved registers, stack pointer and return address)
//! in a jump buffer and links it into a per-thread chain of activations, so
//! that host → wasm → host → wasm nests. A trap then unwinds to the
//! innermost entry point and [`catch_traps`] returns it as an `Err`:
//!
//! - a hardware fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL) at a PC inside code
//!   registered with [`crate::code::register`] is turned into a trap by the
//!   signal handler [`install`] sets up: the trap code recorded for that PC
//!   (Cranelift's `ud2` trap sites, faulting loads and stores), else for
//!   SIGSEGV/SIGBUS `out of bounds memory access`, or `call stack exhausted`
//!   when the faulting address is at the stack (a guard page hit). The
//!   handler does not jump out itself: it rewrites the interrupted context
//!   so that returning from the handler resumes in the unwind routine,
//!   which lets the kernel restore the signal mask as usual;
//! - before that, a read or execute fault inside an activation on code
//!   registered with a [`crate::code::LazyCheck`] (a mapped artifact's
//!   code, inaccessible until checked) has the touched block checked:
//!   sound, it becomes read-execute and the access is retried; damaged,
//!   the fault is the trap `DamagedCode`;
//! - runtime functions that compiled code calls (libcalls) raise traps with
//!   [`raise_trap`], [`raise`] or, most simply, by running their body in
//!   [`libcall`].
//!
//! Faults anywhere else (host code, or a thread outside [`catch_traps`])
//! are passed on to the handler that was installed before, or get the
//! default action: tern never swallows a crash that is not its own.
//!
//! Each thread that enters compiled code gets an alternate signal stack of
//! [`ALT_STACK_SIZE`] bytes on its first entry, so that a fault on the
//! thread's guard page can still be handled. Compiled code is expected to
//! compare the stack pointer with a limit from [`stack_limit`] in its
//! prologues, so that deep recursion traps long before the guard page.
//!
//! Only x86-64 Linux is implemented; elsewhere [`install`] reports
//! `Unsupported` and [`catch_traps`] returns an error without running its
//! closure.

use crate::trap::{Trap, TrapCode};
use std::any::Any;
use std::cell::Cell;
use std::io;
use std::ops::Range;

/// Stack kept free below the [`stack_limit`] for the host code that
/// compiled code calls (host functions, libcalls), at most half of what
/// remains.
pub const HOST_STACK_RESERVE: usize = 1 << 20;

/// How much stack [`stack_limit`] gives compiled code when the thread's
/// stack bounds are unknown and no budget was asked for.
pub const DEFAULT_STACK_BUDGET: usize = 512 << 10;

/// Size of the alternate signal stack each thread gets.
pub const ALT_STACK_SIZE: usize = 128 << 10;

/// The state an entry point saves so that a trap can return to it: the
/// callee-saved registers, the stack pointer and return address of the
/// entry, and the floating-point control words.
#[repr(C)]
#[derive(Debug, Default)]
struct JmpBuf {
    /// rbx, rbp, r12, r13, r14, r15, rsp, return address, then MXCSR (low
    /// 32 bits) and the x87 control word (bits 32..48).
    regs: [u64; 9],
}

/// What a trap that carries more than a code leaves for [`catch_traps`].
enum Pending {
    Trap(Trap),
    Panic(Box<dyn Any + Send>),
}

/// One [`catch_traps`] on the current thread's stack.
struct Activation {
    jmpbuf: JmpBuf,
    /// The enclosing activation (null for the outermost).
    prev: *mut Activation,
    pending: Option<Pending>,
    /// PCs of the compiled frames a signal trap left, innermost first
    /// (written by the signal handler: no allocation there).
    pcs: [usize; MAX_TRACE],
    npcs: usize,
    /// Where compiled code run by this activation leaves its registers
    /// before calling a libcall (null when the caller gave none).
    exit: *mut ExitRegs,
}

/// Compiled code's frame pointer and stack pointer at its latest call of
/// a libcall, stored right before the call (both zero outside one). A
/// libcall that raises a trap uses them to record the compiled frames it
/// is called from, as the signal handler does for faults: the return
/// address of the libcall call sits just below that stack pointer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExitRegs {
    pub fp: usize,
    pub sp: usize,
}

/// At most this many compiled frames are recorded for a trap's backtrace.
pub const MAX_TRACE: usize = 128;

thread_local! {
    /// The innermost activation of this thread, or null. Read by the
    /// signal handler: const-initialised and without a destructor, so
    /// accessing it is a plain TLS load.
    static HEAD: Cell<*mut Activation> = const { Cell::new(std::ptr::null_mut()) };
}

/// The code with which an unwind carries a [`Pending`] value.
const CODE_PENDING: u32 = u32::MAX;

/// A trap code as the nonzero value the entry routine returns.
fn encode(c: TrapCode) -> u32 {
    match c {
        TrapCode::Unreachable => 1,
        TrapCode::MemoryOutOfBounds => 2,
        TrapCode::TableOutOfBounds => 3,
        TrapCode::UndefinedElement => 4,
        TrapCode::UninitializedElement => 5,
        TrapCode::IndirectCallTypeMismatch => 6,
        TrapCode::IntegerDivideByZero => 7,
        TrapCode::IntegerOverflow => 8,
        TrapCode::InvalidConversionToInteger => 9,
        TrapCode::StackOverflow => 10,
        TrapCode::OutOfFuel => 11,
        TrapCode::NullReference => 12,
        TrapCode::Interrupt => 13,
        TrapCode::NullFunctionReference => 14,
        TrapCode::UnalignedAtomic => 15,
        TrapCode::ExpectedSharedMemory => 16,
        TrapCode::DamagedCode => 17,
        TrapCode::CastFailure => 18,
        TrapCode::NullStructReference => 19,
        TrapCode::NullArrayReference => 20,
        TrapCode::NullI31Reference => 21,
        TrapCode::ArrayOutOfBounds => 22,
        TrapCode::GcHeapExhausted => 23,
        TrapCode::DanglingGcReference => 24,
    }
}

fn decode(v: u32) -> Option<TrapCode> {
    Some(match v {
        1 => TrapCode::Unreachable,
        2 => TrapCode::MemoryOutOfBounds,
        3 => TrapCode::TableOutOfBounds,
        4 => TrapCode::UndefinedElement,
        5 => TrapCode::UninitializedElement,
        6 => TrapCode::IndirectCallTypeMismatch,
        7 => TrapCode::IntegerDivideByZero,
        8 => TrapCode::IntegerOverflow,
        9 => TrapCode::InvalidConversionToInteger,
        10 => TrapCode::StackOverflow,
        11 => TrapCode::OutOfFuel,
        12 => TrapCode::NullReference,
        13 => TrapCode::Interrupt,
        14 => TrapCode::NullFunctionReference,
        15 => TrapCode::UnalignedAtomic,
        16 => TrapCode::ExpectedSharedMemory,
        17 => TrapCode::DamagedCode,
        18 => TrapCode::CastFailure,
        19 => TrapCode::NullStructReference,
        20 => TrapCode::NullArrayReference,
        21 => TrapCode::NullI31Reference,
        22 => TrapCode::ArrayOutOfBounds,
        23 => TrapCode::GcHeapExhausted,
        24 => TrapCode::DanglingGcReference,
        _ => return None,
    })
}

/// Whether this target has trap handling (x86-64 Linux).
pub const fn is_supported() -> bool {
    cfg!(all(target_arch = "x86_64", target_os = "linux"))
}

/// Installs the process's trap handlers (once; later calls return the
/// first call's result). [`catch_traps`] calls it, so embedders need not;
/// calling it early makes the handlers chain in a known order with other
/// libraries' handlers installed later.
pub fn install() -> io::Result<()> {
    asan::find();
    imp::install()
}

/// AddressSanitizer (the fuzzing builds): frames that a trap or an
/// exception discards without returning leave their poisoned redzones in
/// the shadow memory, and later frames at the same depth then look like
/// stack errors. As compilers do before a `longjmp`, the raising side calls
/// `__asan_handle_no_return`, which clears the stack's shadow above it,
/// when the process has it (looked up once, when the handlers are
/// installed; elsewhere this is one load of zero).
mod asan {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    static NO_RETURN: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn find() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            #[cfg(unix)]
            {
                // SAFETY: a plain symbol lookup in the loaded objects.
                let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"__asan_handle_no_return".as_ptr()) };
                NO_RETURN.store(f as usize, Relaxed);
            }
        });
    }

    /// Before a jump that discards frames.
    #[inline]
    pub(super) fn no_return() {
        let f = NO_RETURN.load(Relaxed);
        if f != 0 {
            // SAFETY: the address of `__asan_handle_no_return`, which takes
            // nothing and returns nothing.
            unsafe { std::mem::transmute::<usize, extern "C" fn()>(f)() }
        }
    }
}

/// Whether the current thread is inside [`catch_traps`].
pub fn in_activation() -> bool {
    !HEAD.get().is_null()
}

/// Runs `f`, returning the trap that unwound out of it, if any.
///
/// Traps are faults in registered compiled code (see the module docs) and
/// the `raise*` functions of this module. When `f` (or anything it calls)
/// panics, the panic is resumed from here once the activation has been
/// left; a panic raised in a [`libcall`] travels the same way.
///
/// # Safety
///
/// A trap unwinds the frames between the fault and this call without
/// running destructors: when `f` runs compiled code, every frame that a
/// trap can cross must have nothing left to drop or release (compiled code
/// itself, libcalls written as [`libcall`] requires, and `f`'s own frame
/// apart from values the caller is content to leak). A host function that
/// compiled code calls must therefore not let a trap of compiled code it
/// calls in turn cross its frames: it enters through `catch_traps` again,
/// and re-raises the result with [`raise`] only after its locals are gone.
pub unsafe fn catch_traps<F: FnOnce()>(f: F) -> Result<(), Trap> {
    // SAFETY: the caller's contract.
    unsafe { catch_traps_traced(f, &mut Vec::new()) }
}

/// Like [`catch_traps`], and when a fault in compiled code trapped, pushes
/// onto `pcs` the PCs of the compiled frames it crossed, innermost first
/// (at most [`MAX_TRACE`]): the faulting PC, then each return address
/// minus one (so that it lies inside the calling function), found by
/// following the frame-pointer chain while it stays in registered code.
/// Traps raised by libcalls and host code leave `pcs` as it was.
///
/// # Safety
///
/// As for [`catch_traps`].
pub unsafe fn catch_traps_traced<F: FnOnce()>(f: F, pcs: &mut Vec<usize>) -> Result<(), Trap> {
    // SAFETY: the caller's contract; no exit registers.
    unsafe { catch_traps_with_exits(f, pcs, std::ptr::null_mut()) }
}

/// Like [`catch_traps_traced`], and a trap that a [`libcall`] raises also
/// records the compiled frames it was called from, found through `exit`:
/// the registers compiled code stores before each libcall call. `exit`
/// may be null (no such frames are recorded then).
///
/// # Safety
///
/// As for [`catch_traps`]; a non-null `exit` must stay valid for the call,
/// and hold zeros or the registers of a live compiled frame of this
/// activation.
pub unsafe fn catch_traps_with_exits<F: FnOnce()>(f: F, pcs: &mut Vec<usize>, exit: *mut ExitRegs) -> Result<(), Trap> {
    if let Err(e) = install() {
        return Err(Trap::msg(format!("cannot run compiled code: {e}")));
    }
    imp::prepare_thread();
    let mut act = Activation {
        jmpbuf: JmpBuf::default(),
        prev: HEAD.get(),
        pending: None,
        pcs: [0; MAX_TRACE],
        npcs: 0,
        exit,
    };
    let act: *mut Activation = &mut act;
    let mut f = Some(f);
    HEAD.set(act);
    // SAFETY: `act` and `f` outlive the call; `call_once::<F>` expects an
    // `Option<F>` behind its argument.
    let code = unsafe { imp::enter(&raw mut (*act).jmpbuf, call_once::<F>, (&raw mut f).cast()) };
    // SAFETY: `act` is still alive, and nothing refers to it any more once
    // it is unlinked.
    let pending = unsafe {
        HEAD.set((*act).prev);
        if code != 0 {
            let n = (*act).npcs.min(MAX_TRACE);
            pcs.extend_from_slice(&(&(*act).pcs)[..n]);
        }
        (*act).pending.take()
    };
    match pending {
        Some(Pending::Panic(p)) => std::panic::resume_unwind(p),
        Some(Pending::Trap(t)) => Err(t),
        None if code == 0 => Ok(()),
        None => Err(match decode(code) {
            Some(c) => Trap::new(c),
            None => Trap::msg(format!("tern-vm: unknown trap code {code}")),
        }),
    }
}

/// The entry routine's callee: runs the closure behind `arg`, keeping any
/// panic from unwinding into the entry routine.
unsafe extern "C" fn call_once<F: FnOnce()>(arg: *mut u8) {
    // SAFETY: `catch_traps` passes its `Option<F>`.
    let Some(f) = (unsafe { (*arg.cast::<Option<F>>()).take() }) else {
        return;
    };
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        // SAFETY: this activation is the innermost again (nested ones
        // unlink themselves when they return).
        unsafe { (*HEAD.get()).pending = Some(Pending::Panic(p)) };
    }
}

/// Unwinds to the innermost activation with `code`, leaving `pending`.
unsafe fn unwind(code: u32, pending: Option<Pending>) -> ! {
    let head = HEAD.get();
    if head.is_null() {
        drop(pending);
        panic!("tern-vm: a trap was raised outside catch_traps");
    }
    // SAFETY: the head activation is alive while it is linked.
    unsafe {
        if pending.is_some() {
            (*head).pending = pending;
        }
        asan::no_return();
        imp::unwind(&raw const (*head).jmpbuf, code)
    }
}

/// Raises the trap `code`: unwinds to the innermost [`catch_traps`] of this
/// thread, which returns `Err` of it.
///
/// # Safety
///
/// Must be called inside [`catch_traps`] (otherwise it panics, which aborts
/// in an `extern "C"` function), and the frames between here and that
/// `catch_traps` must own nothing that needs dropping: they are discarded,
/// not unwound. A libcall keeps its locals in an inner function or closure
/// that returns a `Result`, and raises only from a frame holding nothing
/// but that result: see [`libcall`], which does exactly this.
pub unsafe fn raise_trap(code: TrapCode) -> ! {
    // SAFETY: the caller's contract.
    unsafe { unwind(encode(code), None) }
}

/// Raises `trap` (a code with details, or a host error): like
/// [`raise_trap`], but [`catch_traps`] returns this very value.
///
/// # Safety
///
/// As for [`raise_trap`]; `trap` itself is moved out of the frame, so it
/// need not be dropped.
pub unsafe fn raise(trap: Trap) -> ! {
    // SAFETY: the caller's contract.
    unsafe { unwind(CODE_PENDING, Some(Pending::Trap(trap))) }
}

/// Unwinds to the innermost [`catch_traps`], which resumes the panic with
/// `payload` (from [`std::panic::catch_unwind`]) once it has left the
/// activation.
///
/// # Safety
///
/// As for [`raise_trap`].
pub unsafe fn raise_panic(payload: Box<dyn Any + Send>) -> ! {
    // SAFETY: the caller's contract.
    unsafe { unwind(CODE_PENDING, Some(Pending::Panic(payload))) }
}

/// Runs the body of a libcall: returns its value, or raises its error with
/// [`raise`], or carries its panic to [`catch_traps`] with [`raise_panic`].
///
/// An error that is an exception ([`Trap::exn`]) is thrown instead: the
/// frame-pointer chain from the caller's exit registers is followed up to
/// the first call site with an exception handler (registered with
/// [`crate::code::register_with_handlers`]), which is resumed with the
/// exception's raw `exnref` as its first payload register. Only when the
/// chain leaves compiled code first (the activation's entry) is the
/// exception raised like any other error. The libcall's caller itself is
/// not searched: compiled code calls libcalls outside its try regions.
/// Everything with a destructor lives inside `body` and is dropped before
/// anything is raised, so a libcall written as
///
/// ```ignore
/// unsafe extern "C" fn memory_fill(vmctx: *mut VMContext, mem: u32, dst: u64, val: u32, n: u64) {
///     unsafe { libcall(|| fill(&mut *vmctx, mem, dst, val, n)) }
/// }
/// ```
///
/// (whose own frame holds only plain arguments) is safe to unwind from.
///
/// # Safety
///
/// Must be called inside [`catch_traps`], from a frame that, like every
/// frame up to that `catch_traps`, owns nothing that needs dropping.
#[inline]
pub unsafe fn libcall<R>(body: impl FnOnce() -> Result<R, Trap>) -> R {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    // SAFETY: inside `catch_traps` (the caller's contract), the compiled
    // frames below are still live.
    let exit = unsafe { take_exit() };
    match r {
        Ok(Ok(r)) => r,
        // SAFETY: the caller's contract; nothing of ours is left to drop.
        Ok(Err(t)) => unsafe {
            if let Some(regs) = exit {
                // An exception goes to the innermost compiled frame above
                // the libcall's caller that catches it, if any.
                if let Some(exn) = t.exn()
                    && let Some(h) = imp::find_handler(regs.fp)
                {
                    drop(t);
                    asan::no_return();
                    imp::resume(h, exn)
                }
                imp::record_exit_frames(HEAD.get(), regs);
            }
            raise(t)
        },
        Err(p) => unsafe { raise_panic(p) },
    }
}

/// The exit registers of the innermost activation, cleared: they belong
/// to the libcall now returning or raising, and must not be taken for a
/// later one's.
///
/// # Safety
///
/// Must be called inside [`catch_traps`].
unsafe fn take_exit() -> Option<ExitRegs> {
    let head = HEAD.get();
    // SAFETY: the head activation and its `exit` are alive while linked.
    unsafe {
        if head.is_null() || (*head).exit.is_null() {
            return None;
        }
        let regs = std::mem::take(&mut *(*head).exit);
        (regs.fp != 0 && regs.sp != 0).then_some(regs)
    }
}

/// The current thread's usable stack (above its guard), when the platform
/// tells. Computed once per thread.
pub fn thread_stack_bounds() -> Option<Range<usize>> {
    imp::stack_bounds()
}

/// Bytes of stack left below the caller on this thread, when the
/// platform tells the thread's stack bounds.
pub fn stack_remaining() -> Option<usize> {
    let sp = current_sp();
    let b = thread_stack_bounds()?;
    b.contains(&sp).then(|| sp - b.start)
}

/// An address close to the current stack pointer.
#[inline(never)]
fn current_sp() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The lowest stack address compiled code entered from here may use (for
/// [`crate::vmctx::VMStoreContext::stack_limit`]): the current stack
/// pointer less `budget` when one is given, but never closer to the end of
/// the thread's stack than [`HOST_STACK_RESERVE`] (or half of what
/// remains, when less remains), so that host code called from the deepest
/// compiled frame still has room. Without known stack bounds, the current
/// stack pointer less `budget` or [`DEFAULT_STACK_BUDGET`].
///
/// Compute it at the outermost entry of a thread and keep it for nested
/// entries.
pub fn stack_limit(budget: Option<usize>) -> usize {
    let sp = current_sp();
    match thread_stack_bounds() {
        Some(b) if b.contains(&sp) => {
            let reserve = HOST_STACK_RESERVE.min((sp - b.start) / 2);
            let floor = b.start + reserve;
            match budget {
                Some(n) => floor.max(sp.saturating_sub(n)),
                None => floor,
            }
        }
        _ => sp.saturating_sub(budget.unwrap_or(DEFAULT_STACK_BUDGET)),
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod imp {
    use super::{ALT_STACK_SIZE, Activation, HEAD, JmpBuf, MAX_TRACE, encode};
    use crate::trap::TrapCode;
    use libc::{c_int, c_void, siginfo_t};
    use std::cell::{Cell, RefCell, UnsafeCell};
    use std::io;
    use std::mem::MaybeUninit;
    use std::ops::Range;
    use std::sync::OnceLock;

    // `tern_vm_enter(jmpbuf, f, arg) -> u32`: saves the callee-saved
    // registers, the stack pointer as it will be after returning and the
    // return address into `jmpbuf`, calls `f(arg)` and returns 0.
    //
    // `tern_vm_unwind(jmpbuf, code) -> !`: restores them and "returns" from
    // the `tern_vm_enter` that filled `jmpbuf` with `code`. It touches no
    // stack before switching to the saved stack pointer, so the signal
    // handler can resume a faulting context (even one on a guard page)
    // directly at it.
    std::arch::global_asm!(
        ".text",
        ".globl tern_vm_enter",
        ".hidden tern_vm_enter",
        ".type tern_vm_enter,@function",
        ".p2align 4",
        "tern_vm_enter:",
        ".cfi_startproc",
        "mov [rdi], rbx",
        "mov [rdi + 8], rbp",
        "mov [rdi + 16], r12",
        "mov [rdi + 24], r13",
        "mov [rdi + 32], r14",
        "mov [rdi + 40], r15",
        "lea rax, [rsp + 8]",
        "mov [rdi + 48], rax",
        "mov rax, [rsp]",
        "mov [rdi + 56], rax",
        "stmxcsr dword ptr [rdi + 64]",
        "fnstcw word ptr [rdi + 68]",
        "sub rsp, 8",
        ".cfi_adjust_cfa_offset 8",
        "mov rax, rsi",
        "mov rdi, rdx",
        "call rax",
        "add rsp, 8",
        ".cfi_adjust_cfa_offset -8",
        "xor eax, eax",
        "ret",
        ".cfi_endproc",
        ".size tern_vm_enter, . - tern_vm_enter",
        "",
        ".globl tern_vm_unwind",
        ".hidden tern_vm_unwind",
        ".type tern_vm_unwind,@function",
        ".p2align 4",
        "tern_vm_unwind:",
        "mov rbx, [rdi]",
        "mov rbp, [rdi + 8]",
        "mov r12, [rdi + 16]",
        "mov r13, [rdi + 24]",
        "mov r14, [rdi + 32]",
        "mov r15, [rdi + 40]",
        "ldmxcsr dword ptr [rdi + 64]",
        "fldcw word ptr [rdi + 68]",
        "cld",
        "mov rsp, [rdi + 48]",
        "mov eax, esi",
        "jmp qword ptr [rdi + 56]",
        ".size tern_vm_unwind, . - tern_vm_unwind",
        "",
        ".globl tern_vm_resume",
        ".hidden tern_vm_resume",
        ".type tern_vm_resume,@function",
        ".p2align 4",
        "tern_vm_resume:",
        "mov rbp, rdx",
        "mov rsp, rsi",
        "mov rax, rcx",
        "xor edx, edx",
        "cld",
        "jmp rdi",
        ".size tern_vm_resume, . - tern_vm_resume",
    );

    unsafe extern "C" {
        fn tern_vm_enter(jmpbuf: *mut JmpBuf, f: unsafe extern "C" fn(*mut u8), arg: *mut u8) -> u32;
        fn tern_vm_unwind(jmpbuf: *const JmpBuf, code: u32) -> !;
        fn tern_vm_resume(pc: usize, sp: usize, fp: usize, payload: u64) -> !;
    }

    /// A landing pad to resume at: its address, and the stack and frame
    /// pointers of its frame.
    #[derive(Clone, Copy, Debug)]
    pub(super) struct Resume {
        pc: usize,
        sp: usize,
        fp: usize,
    }

    /// Follows the frame-pointer chain from the compiled frame at `fp` to
    /// the first caller whose call site has an exception handler: `[fp +
    /// 8]` is a frame's return address, `[fp]` its caller's frame pointer.
    /// `None` when a return address lies outside compiled code first (the
    /// activation's entry) or the chain is broken.
    ///
    /// # Safety
    ///
    /// `fp` is the frame pointer of a live compiled frame of the innermost
    /// activation.
    pub(super) unsafe fn find_handler(mut fp: usize) -> Option<Resume> {
        let (lo, hi) = (STACK_LO.get(), STACK_HI.get());
        loop {
            if fp == 0 || !fp.is_multiple_of(8) || (hi != 0 && (fp < lo || fp.saturating_add(16) > hi)) {
                return None;
            }
            // SAFETY: a compiled frame's frame record, on this thread's
            // stack (checked when its bounds are known).
            let (ret, next) = unsafe { (*((fp + 8) as *const usize), *(fp as *const usize)) };
            match crate::code::lookup_handler(ret)? {
                Some((pc, sp_to_fp)) => {
                    return Some(Resume {
                        pc,
                        sp: next - sp_to_fp as usize,
                        fp: next,
                    });
                }
                None if next > fp => fp = next,
                None => return None,
            }
        }
    }

    /// Resumes compiled code at the landing pad `r` with `exn` in its
    /// first payload register (`rax`) and zero in the second (`rdx`).
    ///
    /// # Safety
    ///
    /// `r` came from [`find_handler`] on this activation, and the frames
    /// between here and the pad own nothing that needs dropping.
    pub(super) unsafe fn resume(r: Resume, exn: u64) -> ! {
        // SAFETY: the caller's.
        unsafe { tern_vm_resume(r.pc, r.sp, r.fp, exn) }
    }

    pub(super) unsafe fn enter(jmpbuf: *mut JmpBuf, f: unsafe extern "C" fn(*mut u8), arg: *mut u8) -> u32 {
        // SAFETY: the caller's.
        unsafe { tern_vm_enter(jmpbuf, f, arg) }
    }

    pub(super) unsafe fn unwind(jmpbuf: *const JmpBuf, code: u32) -> ! {
        // SAFETY: the caller's.
        unsafe { tern_vm_unwind(jmpbuf, code) }
    }

    const SIGNALS: [c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL];

    /// The handlers that were installed before ours, per [`SIGNALS`] entry.
    struct Previous(UnsafeCell<[MaybeUninit<libc::sigaction>; 4]>);

    // SAFETY: written only during installation, before the corresponding
    // handler of ours is installed; read-only afterwards.
    unsafe impl Sync for Previous {}

    static PREVIOUS: Previous = Previous(UnsafeCell::new([MaybeUninit::uninit(); 4]));

    static INSTALLED: OnceLock<Result<(), i32>> = OnceLock::new();

    pub(super) fn install() -> io::Result<()> {
        // SAFETY: runs once.
        let r = INSTALLED.get_or_init(|| unsafe { install_handlers() });
        r.map_err(io::Error::from_raw_os_error)
    }

    fn errno() -> i32 {
        io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    unsafe fn install_handlers() -> Result<(), i32> {
        for (i, &sig) in SIGNALS.iter().enumerate() {
            // SAFETY: plain sigaction calls; `PREVIOUS[i]` is written before
            // our handler for `sig` can run.
            unsafe {
                let mut old = MaybeUninit::<libc::sigaction>::zeroed();
                if libc::sigaction(sig, std::ptr::null(), old.as_mut_ptr()) != 0 {
                    return Err(errno());
                }
                (*PREVIOUS.0.get())[i] = old;
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = handler as *const () as usize;
                new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut new.sa_mask);
                if libc::sigaction(sig, &new, std::ptr::null_mut()) != 0 {
                    return Err(errno());
                }
            }
        }
        Ok(())
    }

    unsafe extern "C" fn handler(sig: c_int, info: *mut siginfo_t, ctx: *mut c_void) {
        // SAFETY: the kernel passes valid `info` and `ctx`.
        unsafe {
            let errno = *libc::__errno_location();
            // Code of a precompiled artifact touched for the first time:
            // check it, and retry the access when it is sound. Only code
            // inside an activation runs it (as for every other lookup).
            let mut damaged = false;
            if sig == libc::SIGSEGV && !HEAD.get().is_null() && !is_write_fault(ctx) {
                match crate::code::check_fault((*info).si_addr() as usize) {
                    Some(true) => {
                        *libc::__errno_location() = errno;
                        return;
                    }
                    Some(false) => damaged = true,
                    None => {}
                }
            }
            let handled = redirect_to_unwind(sig, info, ctx, damaged);
            *libc::__errno_location() = errno;
            if !handled {
                forward(sig, info, ctx);
            }
        }
    }

    /// Whether the page fault `ctx` describes was a write (bit 1 of the
    /// x86-64 page-fault error code).
    unsafe fn is_write_fault(ctx: *mut c_void) -> bool {
        // SAFETY: for SA_SIGINFO handlers `ctx` is the interrupted context.
        let uc = unsafe { &*ctx.cast::<libc::ucontext_t>() };
        uc.uc_mcontext.gregs[libc::REG_ERR as usize] & 2 != 0
    }

    /// When the fault is a trap of compiled code running inside
    /// `catch_traps`, makes the interrupted context resume in
    /// `tern_vm_unwind` towards the innermost activation, and returns true.
    /// `damaged`: the fault touched code of an artifact whose bytes are
    /// not the recorded ones, which becomes [`TrapCode::DamagedCode`].
    unsafe fn redirect_to_unwind(sig: c_int, info: *mut siginfo_t, ctx: *mut c_void, damaged: bool) -> bool {
        let head = HEAD.get();
        if head.is_null() {
            return false;
        }
        // SAFETY: for SA_SIGINFO handlers `ctx` is the interrupted
        // `ucontext_t`; `head` is alive while linked.
        unsafe {
            let uc = &mut *ctx.cast::<libc::ucontext_t>();
            let gregs = &mut uc.uc_mcontext.gregs;
            let pc = gregs[libc::REG_RIP as usize] as usize;
            let Some(record) = crate::code::lookup_trap(pc) else {
                return false;
            };
            let code = if damaged {
                TrapCode::DamagedCode
            } else if sig == libc::SIGSEGV || sig == libc::SIGBUS {
                let addr = (*info).si_addr() as usize;
                let sp = gregs[libc::REG_RSP as usize] as usize;
                if is_stack_fault(addr, sp) {
                    TrapCode::StackOverflow
                } else {
                    record.unwrap_or(TrapCode::MemoryOutOfBounds)
                }
            } else {
                match record {
                    Some(c) => c,
                    None => return false,
                }
            };
            let fp = gregs[libc::REG_RBP as usize] as usize;
            record_frames(head, pc, fp);
            gregs[libc::REG_RIP as usize] = tern_vm_unwind as *const () as usize as i64;
            gregs[libc::REG_RDI as usize] = &raw const (*head).jmpbuf as usize as i64;
            gregs[libc::REG_RSI as usize] = encode(code) as i64;
        }
        true
    }

    /// Records into `head` the faulting `pc` and the return addresses of
    /// the compiled frames above it, following the frame-pointer chain
    /// from `fp` (compiled code keeps frame pointers): `[fp + 8]` is the
    /// return address and `[fp]` the caller's frame pointer. Stops at the
    /// first return address outside compiled code, or a null, misaligned
    /// or non-increasing frame pointer, or one outside the thread's stack
    /// when its bounds are known.
    ///
    /// # Safety
    ///
    /// `head` must be the live innermost activation; `fp` must be the
    /// frame pointer of a compiled frame at `pc`.
    unsafe fn record_frames(head: *mut Activation, pc: usize, mut fp: usize) {
        let (lo, hi) = (STACK_FAULT_LO.get().max(STACK_LO.get()), STACK_HI.get());
        // SAFETY: `head` is alive; frame pointers are checked to lie on the
        // stack (when its bounds are known) before being read.
        unsafe {
            let buf = &mut (*head).pcs;
            let mut n = 0;
            buf[n] = pc;
            n += 1;
            while n < MAX_TRACE {
                if fp == 0 || !fp.is_multiple_of(8) || (hi != 0 && (fp < lo || fp.saturating_add(16) > hi)) {
                    break;
                }
                let ret = *((fp + 8) as *const usize);
                if !crate::code::is_compiled_code(ret) {
                    break;
                }
                buf[n] = ret - 1;
                n += 1;
                let next = *(fp as *const usize);
                if next <= fp {
                    break;
                }
                fp = next;
            }
            (*head).npcs = n;
        }
    }

    /// Records into `head` the compiled frames of a libcall's caller,
    /// from the registers it stored before the call: the return address
    /// of the call lies just below its stack pointer, and the frame
    /// pointer chain goes on from there. Records nothing when a signal
    /// already recorded frames, or when the registers do not point into
    /// this thread's stack and compiled code.
    ///
    /// # Safety
    ///
    /// `head` must be the live innermost activation, and `regs` the
    /// registers of a compiled frame that is still live.
    pub(super) unsafe fn record_exit_frames(head: *mut Activation, regs: super::ExitRegs) {
        let (lo, hi) = (STACK_LO.get(), STACK_HI.get());
        let slot = regs.sp.wrapping_sub(8);
        if !slot.is_multiple_of(8) || (hi != 0 && (slot < lo || regs.sp > hi)) {
            return;
        }
        // SAFETY: the slot is on this thread's stack (when its bounds are
        // known) and, by the caller's contract, holds the return address.
        unsafe {
            if (*head).npcs != 0 {
                return;
            }
            let ret = *(slot as *const usize);
            if crate::code::is_compiled_code(ret) {
                record_frames(head, ret - 1, regs.fp);
            }
        }
    }

    /// Whether a fault at `addr` with the stack pointer at `sp` is a stack
    /// overflow.
    ///
    /// With the thread's whole stack mapping known (threads of glibc's
    /// `pthread_create`) and `sp` in it: the address lies in that mapping,
    /// guard included; nothing else can be mapped there, so a memory access
    /// is never mistaken for an overflow. Otherwise (the main thread, whose
    /// stack grows on demand, unknown bounds, or code running on a stack of
    /// its own): the address is right around the stack pointer (a push, a
    /// call, a store into a new frame), and below the stack's top when that
    /// is known (a memory could be mapped right above it).
    fn is_stack_fault(addr: usize, sp: usize) -> bool {
        const WINDOW: usize = 64 << 10;
        let (lo, hi) = (STACK_FAULT_LO.get(), STACK_HI.get());
        if lo != 0 && sp >= lo && sp < hi {
            return addr >= lo && addr < hi;
        }
        let near = addr >= sp.saturating_sub(WINDOW) && addr < sp.saturating_add(WINDOW);
        near && !(hi != 0 && sp < hi && addr >= hi)
    }

    /// Passes a signal that is not ours to the previous handler, or lets
    /// its default action happen.
    unsafe fn forward(sig: c_int, info: *mut siginfo_t, ctx: *mut c_void) {
        let Some(i) = SIGNALS.iter().position(|&s| s == sig) else {
            return;
        };
        // SAFETY: `PREVIOUS[i]` was written before our handler was
        // installed; `info` and `ctx` come from the kernel.
        unsafe {
            let prev = (*PREVIOUS.0.get())[i].assume_init_ref();
            let h = prev.sa_sigaction;
            let sent = (*info).si_code <= 0; // kill, raise, sigqueue...
            if h == libc::SIG_DFL || h == libc::SIG_IGN {
                if h == libc::SIG_IGN && sent {
                    return;
                }
                // Reset to the default action; a fault then happens again
                // on return and kills the process with this signal, a sent
                // signal is sent again.
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigemptyset(&mut dfl.sa_mask);
                libc::sigaction(sig, &dfl, std::ptr::null_mut());
                if sent {
                    libc::raise(sig);
                }
            } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
                let f: unsafe extern "C" fn(c_int, *mut siginfo_t, *mut c_void) = std::mem::transmute(h);
                f(sig, info, ctx);
            } else {
                let f: unsafe extern "C" fn(c_int) = std::mem::transmute(h);
                f(sig);
            }
        }
    }

    thread_local! {
        static PREPARED: Cell<bool> = const { Cell::new(false) };
        /// The thread's usable stack: `STACK_LO..STACK_HI`, 0 when unknown.
        static STACK_LO: Cell<usize> = const { Cell::new(0) };
        static STACK_HI: Cell<usize> = const { Cell::new(0) };
        /// The low end of the thread's stack mapping, guard included, when
        /// it is fixed: a fault in `STACK_FAULT_LO..STACK_HI` is a stack
        /// overflow (read by the signal handler). 0 for the main thread.
        static STACK_FAULT_LO: Cell<usize> = const { Cell::new(0) };
        static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
    }

    /// Sets up the current thread for compiled code: its stack bounds and
    /// an alternate signal stack. Cheap after the first call.
    pub(super) fn prepare_thread() {
        if PREPARED.get() {
            return;
        }
        PREPARED.set(true);
        if let Some((usable, fault_lo)) = compute_stack_bounds() {
            STACK_LO.set(usable.start);
            STACK_HI.set(usable.end);
            STACK_FAULT_LO.set(fault_lo);
        }
        // SAFETY: plain sigaltstack calls on this thread.
        unsafe {
            let mut cur: libc::stack_t = std::mem::zeroed();
            if libc::sigaltstack(std::ptr::null(), &mut cur) == 0
                && cur.ss_flags & libc::SS_DISABLE == 0
                && cur.ss_size >= ALT_STACK_SIZE
            {
                return;
            }
            let Some(alt) = AltStack::new() else {
                return;
            };
            let st = libc::stack_t {
                ss_sp: alt.sp.cast(),
                ss_flags: 0,
                ss_size: ALT_STACK_SIZE,
            };
            if libc::sigaltstack(&st, std::ptr::null_mut()) != 0 {
                return;
            }
            // If the thread is being torn down the stack just stays (it
            // is still valid memory, only leaked).
            let _ = ALT_STACK.try_with(|a| *a.borrow_mut() = Some(alt));
        }
    }

    pub(super) fn stack_bounds() -> Option<Range<usize>> {
        prepare_thread();
        let (lo, hi) = (STACK_LO.get(), STACK_HI.get());
        (lo != 0).then_some(lo..hi)
    }

    /// The usable stack of the current thread, and the low end of its
    /// stack mapping including the guard (where overflows fault), or 0 when
    /// the stack grows on demand.
    fn compute_stack_bounds() -> Option<(Range<usize>, usize)> {
        let sp = super::current_sp();
        // SAFETY: plain pthread attribute queries on this thread.
        unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
                return None;
            }
            let mut addr = std::ptr::null_mut();
            let mut size = 0;
            let mut guard = 0;
            let r = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
            let rg = libc::pthread_attr_getguardsize(&attr, &mut guard);
            libc::pthread_attr_destroy(&mut attr);
            if r != 0 || addr.is_null() {
                return None;
            }
            let lo = addr as usize;
            let hi = lo.checked_add(size)?;
            if !(lo..hi).contains(&sp) {
                return None;
            }
            if libc::getpid() == libc::gettid() {
                // The main thread's stack grows on demand down to the
                // reported low end (the stack rlimit, less a page or so),
                // unless glibc clipped it at the mapping below, from which
                // the kernel keeps a gap (1 MiB by default).
                let mut rl: libc::rlimit = std::mem::zeroed();
                let clipped = libc::getrlimit(libc::RLIMIT_STACK, &mut rl) != 0
                    || rl.rlim_cur == libc::RLIM_INFINITY
                    || (size as u64).saturating_add(64 << 10) < rl.rlim_cur as u64;
                let gap = if clipped { 1 << 20 } else { rustix::param::page_size() };
                let usable = lo.saturating_add(gap).min(sp);
                Some((usable..hi, 0))
            } else {
                // glibc reports the stack above the guard, which is the
                // bottom of the same mapping.
                let guard = if rg == 0 { guard } else { 0 }.max(rustix::param::page_size());
                Some((lo..hi, lo.saturating_sub(guard)))
            }
        }
    }

    /// An alternate signal stack with a guard page below it.
    struct AltStack {
        map: *mut u8,
        map_len: usize,
        sp: *mut u8,
    }

    impl AltStack {
        fn new() -> Option<AltStack> {
            use rustix::mm::{MapFlags, MprotectFlags, ProtFlags, mmap_anonymous, mprotect};
            let page = rustix::param::page_size();
            let map_len = ALT_STACK_SIZE + page;
            // SAFETY: a fresh mapping; the guard page is its own.
            unsafe {
                let map = mmap_anonymous(
                    std::ptr::null_mut(),
                    map_len,
                    ProtFlags::READ | ProtFlags::WRITE,
                    MapFlags::PRIVATE,
                )
                .ok()?;
                let _ = mprotect(map, page, MprotectFlags::empty());
                let map = map.cast::<u8>();
                Some(AltStack {
                    map,
                    map_len,
                    sp: map.add(page),
                })
            }
        }
    }

    impl Drop for AltStack {
        fn drop(&mut self) {
            // SAFETY: our mapping; disabled first if it is still the
            // thread's alternate stack.
            unsafe {
                let mut cur: libc::stack_t = std::mem::zeroed();
                if libc::sigaltstack(std::ptr::null(), &mut cur) == 0
                    && cur.ss_flags & libc::SS_DISABLE == 0
                    && cur.ss_sp == self.sp.cast()
                {
                    let off = libc::stack_t {
                        ss_sp: std::ptr::null_mut(),
                        ss_flags: libc::SS_DISABLE,
                        ss_size: 0,
                    };
                    if libc::sigaltstack(&off, std::ptr::null_mut()) != 0 {
                        return; // still in use: leak it
                    }
                }
                let _ = rustix::mm::munmap(self.map.cast(), self.map_len);
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
mod imp {
    use super::JmpBuf;
    use std::io;
    use std::ops::Range;

    pub(super) fn install() -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "trap handling for compiled code is implemented for x86-64 Linux only",
        ))
    }

    pub(super) fn prepare_thread() {}

    pub(super) unsafe fn enter(_: *mut JmpBuf, _: unsafe extern "C" fn(*mut u8), _: *mut u8) -> u32 {
        unreachable!("catch_traps checks install() first")
    }

    pub(super) unsafe fn unwind(_: *const JmpBuf, _: u32) -> ! {
        unreachable!("no activation exists on this target")
    }

    pub(super) fn stack_bounds() -> Option<Range<usize>> {
        None
    }

    pub(super) unsafe fn record_exit_frames(_: *mut super::Activation, _: super::ExitRegs) {}

    pub(super) enum Resume {}

    pub(super) unsafe fn find_handler(_: usize) -> Option<Resume> {
        None
    }

    pub(super) unsafe fn resume(r: Resume, _: u64) -> ! {
        match r {}
    }
}

#[cfg(all(test, target_arch = "x86_64", target_os = "linux"))]
mod tests;
