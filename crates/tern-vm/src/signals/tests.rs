//! Trap handling against hand-assembled x86-64 machine code.

use super::*;
use crate::code::{CodeMemory, RegisteredCode};
use crate::{LinearMemory, MAX_PAGES, MemoryStyle};
use std::sync::Arc;
use tern_binary::{Limits, MemoryType};

/// Code placed in executable memory, registered with trap records or not.
enum Guest {
    Registered(RegisteredCode),
    Unregistered(CodeMemory),
}

impl Guest {
    fn new(bytes: &[u8], traps: &[(usize, TrapCode)]) -> Guest {
        let traps = traps.to_vec();
        Guest::Registered(RegisteredCode::new(
            CodeMemory::new(bytes).unwrap(),
            Arc::new(move |off| traps.iter().find(|t| t.0 == off).map(|t| t.1)),
        ))
    }

    /// Executable but not registered: not tern code.
    fn unregistered(bytes: &[u8]) -> Guest {
        Guest::Unregistered(CodeMemory::new(bytes).unwrap())
    }

    /// The code as a function of type `F`.
    fn func<F: Copy>(&self) -> F {
        let p = match self {
            Guest::Registered(r) => r.memory().as_ptr(),
            Guest::Unregistered(m) => m.as_ptr(),
        };
        assert_eq!(size_of::<F>(), size_of::<usize>());
        // SAFETY: `F` is a function pointer type matching the code.
        unsafe { std::mem::transmute_copy(&p) }
    }
}

/// `ud2`.
const UD2: &[u8] = &[0x0f, 0x0b];
/// `mov eax, [rdi]; ret`.
const LOAD32: &[u8] = &[0x8b, 0x07, 0xc3];
/// `mov eax, edi; cdq; idiv esi; ret` (the idiv at offset 3).
const IDIV: &[u8] = &[0x89, 0xf8, 0x99, 0xf7, 0xfe, 0xc3];
/// `sub rsp, 8; call rsi; add rsp, 8; ret`: calls `rsi(rdi)`.
const CALL_RSI: &[u8] = &[0x48, 0x83, 0xec, 0x08, 0xff, 0xd6, 0x48, 0x83, 0xc4, 0x08, 0xc3];
/// As [`CALL_RSI`], then `ud2` (at offset 10) instead of returning.
const CALL_RSI_THEN_UD2: &[u8] = &[0x48, 0x83, 0xec, 0x08, 0xff, 0xd6, 0x48, 0x83, 0xc4, 0x08, 0x0f, 0x0b];

fn trap_code(r: Result<(), Trap>) -> Option<TrapCode> {
    r.expect_err("expected a trap").code()
}

fn ty(min: u64) -> MemoryType {
    MemoryType {
        limits: Limits { min, max: None },
        shared: false,
        memory64: false,
        page_size_log2: None,
    }
}

#[test]
fn codes_round_trip() {
    for v in 1..=12 {
        assert_eq!(encode(decode(v).unwrap()), v);
    }
    assert_eq!(decode(0), None);
    assert_eq!(decode(CODE_PENDING), None);
}

#[test]
fn returns_normally() {
    let g = Guest::new(&[0xb8, 7, 0, 0, 0, 0xc3], &[]);
    let f: extern "C" fn() -> u32 = g.func();
    let mut v = 0;
    // SAFETY: the guest code owns nothing.
    assert!(unsafe { catch_traps(|| v = f()) }.is_ok());
    assert_eq!(v, 7);
    assert!(!in_activation());
}

#[test]
fn ud2_traps_with_the_registered_code() {
    let g = Guest::new(UD2, &[(0, TrapCode::Unreachable)]);
    let f: extern "C" fn() = g.func();
    for _ in 0..100 {
        // SAFETY: as above.
        assert_eq!(trap_code(unsafe { catch_traps(|| f()) }), Some(TrapCode::Unreachable));
    }
    let g = Guest::new(UD2, &[(0, TrapCode::IndirectCallTypeMismatch)]);
    let f: extern "C" fn() = g.func();
    // SAFETY: as above.
    let t = unsafe { catch_traps(|| f()) }.unwrap_err();
    assert_eq!(t.to_string(), "indirect call type mismatch");
}

#[test]
fn guard_page_loads_are_out_of_bounds() {
    let mem = LinearMemory::with_style(ty(1), MAX_PAGES, MemoryStyle::Reserved).unwrap();
    let base = mem.base();
    // SAFETY: in bounds.
    unsafe { base.add(8).cast::<u32>().write(0xdead_beef) };
    let g = Guest::new(LOAD32, &[]);
    let load: extern "C" fn(*const u8) -> u32 = g.func();
    let mut v = 0;
    // SAFETY: as above.
    unsafe {
        assert!(catch_traps(|| v = load(base.add(8))).is_ok());
        assert_eq!(v, 0xdead_beef);
        assert_eq!(
            trap_code(catch_traps(|| v = load(base.add(65536)))),
            Some(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(
            trap_code(catch_traps(|| v = load(base.add(65534)))),
            Some(TrapCode::MemoryOutOfBounds)
        );
        // The farthest a zext(i32) + u32 offset can reach.
        let far = base.add(((1usize << 32) - 1) * 2);
        assert_eq!(
            trap_code(catch_traps(|| v = load(far))),
            Some(TrapCode::MemoryOutOfBounds)
        );
    }
    // Growing makes the guard accessible in place.
    let mut mem = mem;
    assert_eq!(mem.grow(1), Some(1));
    assert_eq!(mem.base(), base);
    // SAFETY: as above.
    unsafe {
        assert!(catch_traps(|| v = load(base.add(65536))).is_ok());
        assert_eq!(v, 0);
        assert_eq!(
            trap_code(catch_traps(|| v = load(base.add(2 * 65536)))),
            Some(TrapCode::MemoryOutOfBounds)
        );
    }
    // A record at the load overrides the default.
    let g = Guest::new(LOAD32, &[(0, TrapCode::NullReference)]);
    let load: extern "C" fn(*const u8) -> u32 = g.func();
    // SAFETY: as above.
    let r = unsafe { catch_traps(|| v = load(base.add(1 << 20))) };
    assert_eq!(trap_code(r), Some(TrapCode::NullReference));
}

#[test]
fn division_by_zero_uses_its_record() {
    let g = Guest::new(IDIV, &[(3, TrapCode::IntegerDivideByZero)]);
    let div: extern "C" fn(i32, i32) -> i32 = g.func();
    let mut v = 0;
    // SAFETY: as above.
    unsafe {
        assert!(catch_traps(|| v = div(7, 2)).is_ok());
        assert_eq!(v, 3);
        assert_eq!(
            trap_code(catch_traps(|| v = div(7, 0))),
            Some(TrapCode::IntegerDivideByZero)
        );
    }
}

/// What the callbacks below report through their argument.
#[derive(Default)]
struct Seen {
    inner: Option<Option<TrapCode>>,
    calls: u32,
}

/// A callback that enters compiled code again and traps there.
extern "C" fn nested_callback(arg: *mut u8) {
    // SAFETY: the tests pass a `Seen`; this frame owns nothing to drop
    // when the outer activation is unwound... which never happens here, as
    // the inner trap is caught.
    unsafe {
        let seen = &mut *arg.cast::<Seen>();
        seen.calls += 1;
        let g = Guest::new(UD2, &[(0, TrapCode::Unreachable)]);
        let f: extern "C" fn() = g.func();
        seen.inner = Some(catch_traps(|| f()).err().and_then(|t| t.code()));
    }
}

#[test]
fn nested_activations() {
    let outer = Guest::new(CALL_RSI, &[]);
    let call: extern "C" fn(*mut u8, extern "C" fn(*mut u8)) = outer.func();
    let mut seen = Seen::default();
    let p: *mut Seen = &mut seen;
    // SAFETY: the callback follows the rules above.
    unsafe { assert!(catch_traps(|| call(p.cast(), nested_callback)).is_ok()) };
    assert_eq!(seen.inner, Some(Some(TrapCode::Unreachable)));

    // The outer activation still catches its own trap after the inner one
    // has come and gone.
    let outer = Guest::new(CALL_RSI_THEN_UD2, &[(10, TrapCode::UndefinedElement)]);
    let call: extern "C" fn(*mut u8, extern "C" fn(*mut u8)) = outer.func();
    let mut seen = Seen::default();
    let p: *mut Seen = &mut seen;
    // SAFETY: as above.
    let r = unsafe { catch_traps(|| call(p.cast(), nested_callback)) };
    assert_eq!(trap_code(r), Some(TrapCode::UndefinedElement));
    assert_eq!((seen.calls, seen.inner), (1, Some(Some(TrapCode::Unreachable))));

    // Three levels: host → wasm → host → wasm → host → wasm(ud2).
    extern "C" fn twice(arg: *mut u8) {
        let outer = Guest::new(CALL_RSI, &[]);
        let call: extern "C" fn(*mut u8, extern "C" fn(*mut u8)) = outer.func();
        // SAFETY: as above.
        unsafe { assert!(catch_traps(|| call(arg, nested_callback)).is_ok()) };
    }
    let g = Guest::new(CALL_RSI, &[]);
    let call: extern "C" fn(*mut u8, extern "C" fn(*mut u8)) = g.func();
    let mut seen = Seen::default();
    let p: *mut Seen = &mut seen;
    // SAFETY: as above.
    unsafe { assert!(catch_traps(|| call(p.cast(), twice)).is_ok()) };
    assert_eq!((seen.calls, seen.inner), (1, Some(Some(TrapCode::Unreachable))));
    assert!(!in_activation());
}

extern "C" fn raising_callback(_: *mut u8) {
    // SAFETY: this frame owns nothing.
    unsafe { raise_trap(TrapCode::IntegerOverflow) }
}

extern "C" fn host_error_callback(arg: *mut u8) {
    let n = arg as usize;
    // SAFETY: `Trap` is moved into the activation; nothing else is live.
    unsafe { raise(Trap::msg(format!("host function {n} failed"))) }
}

extern "C" fn libcall_error(_: *mut u8) {
    // SAFETY: the libcall's locals live in the closure.
    unsafe {
        libcall(|| {
            let v = [1, 2, 3].to_vec();
            if v.len() == 3 {
                return Err(Trap::with_detail(TrapCode::UninitializedElement, v.len()));
            }
            Ok(())
        })
    }
}

extern "C" fn libcall_ok(arg: *mut u8) {
    // SAFETY: as above.
    let v = unsafe { libcall(|| Ok(vec![5u8; 10].len())) };
    // SAFETY: the test passes a `Seen`.
    unsafe { (*arg.cast::<Seen>()).calls = v as u32 };
}

extern "C" fn libcall_panic(_: *mut u8) {
    // SAFETY: as above.
    unsafe { libcall::<()>(|| panic!("libcall bug")) }
}

#[test]
fn traps_raised_by_rust_callees() {
    let g = Guest::new(CALL_RSI, &[]);
    let call: extern "C" fn(*mut u8, extern "C" fn(*mut u8)) = g.func();
    // SAFETY: the callbacks follow the rules of `raise*`.
    unsafe {
        let r = catch_traps(|| call(std::ptr::null_mut(), raising_callback));
        assert_eq!(trap_code(r), Some(TrapCode::IntegerOverflow));

        let t = catch_traps(|| call(42 as *mut u8, host_error_callback)).unwrap_err();
        assert_eq!(t.code(), None);
        assert_eq!(t.to_string(), "host function 42 failed");

        let t = catch_traps(|| call(std::ptr::null_mut(), libcall_error)).unwrap_err();
        assert_eq!(t.code(), Some(TrapCode::UninitializedElement));
        assert_eq!(t.to_string(), "uninitialized element 3");

        let mut seen = Seen::default();
        let p: *mut Seen = &mut seen;
        assert!(catch_traps(|| call(p.cast(), libcall_ok)).is_ok());
        assert_eq!(seen.calls, 10);

        let r = std::panic::catch_unwind(|| catch_traps(|| call(std::ptr::null_mut(), libcall_panic)));
        let payload = r.expect_err("the libcall's panic is resumed");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"libcall bug"));
        assert!(!in_activation());
    }
}

#[test]
fn panics_in_the_closure_propagate() {
    // SAFETY: no compiled code.
    let r = std::panic::catch_unwind(|| unsafe { catch_traps(|| panic!("host bug")) });
    assert_eq!(r.unwrap_err().downcast_ref::<&str>(), Some(&"host bug"));
    assert!(!in_activation());
    // SAFETY: as above.
    assert!(unsafe { catch_traps(|| {}) }.is_ok());
}

#[test]
fn callee_saved_registers_survive_a_trap() {
    // Clobber rbx, rbp, r12..r15, then ud2 at offset 42.
    let mut code = Vec::new();
    for (rex, modrm) in [
        (0x48, 0xc3),
        (0x48, 0xc5),
        (0x49, 0xc4),
        (0x49, 0xc5),
        (0x49, 0xc6),
        (0x49, 0xc7),
    ] {
        code.extend_from_slice(&[rex, 0xc7, modrm, 0x11, 0x22, 0x33, 0x44]);
    }
    code.extend_from_slice(UD2);
    let g = Guest::new(&code, &[(42, TrapCode::Unreachable)]);
    let f: extern "C" fn() = g.func();
    let vals: Vec<u64> = (0..16).map(|i| std::hint::black_box(i * 0x0101_0101)).collect();
    let (a, b, c, d) = (vals[3], vals[5], vals[7], vals[11]);
    for _ in 0..10 {
        // SAFETY: as above.
        assert_eq!(trap_code(unsafe { catch_traps(|| f()) }), Some(TrapCode::Unreachable));
        assert_eq!(
            std::hint::black_box((a, b, c, d)),
            (3 * 0x0101_0101, 5 * 0x0101_0101, 7 * 0x0101_0101, 11 * 0x0101_0101)
        );
    }
    assert_eq!(vals.iter().sum::<u64>(), 120 * 0x0101_0101);
}

#[test]
fn guard_page_stack_overflow_is_a_trap() {
    // `call self` forever: pushes return addresses until the guard page.
    let g = Guest::new(&[0xe8, 0xfb, 0xff, 0xff, 0xff], &[]);
    let f: extern "C" fn() = g.func();
    let t = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            // SAFETY: as above.
            let r = unsafe { catch_traps(|| f()) };
            let first = trap_code(r);
            // The thread is usable afterwards, and traps again.
            // SAFETY: as above.
            let second = trap_code(unsafe { catch_traps(|| f()) });
            (first, second)
        })
        .unwrap();
    assert_eq!(
        t.join().unwrap(),
        (Some(TrapCode::StackOverflow), Some(TrapCode::StackOverflow))
    );
}

#[test]
fn stack_limit_checks_trap_before_the_guard() {
    // 0: cmp rsp, rdi; 3: jae 7; 5: ud2; 7: call 0; 12: ret
    let code = [
        0x48, 0x39, 0xfc, 0x73, 0x02, 0x0f, 0x0b, 0xe8, 0xf4, 0xff, 0xff, 0xff, 0xc3,
    ];
    let g = Guest::new(&code, &[(5, TrapCode::Unreachable)]);
    let f: extern "C" fn(usize) = g.func();
    for size in [256 << 10, 2 << 20, 8 << 20] {
        let t = std::thread::Builder::new()
            .stack_size(size)
            .spawn(move || {
                let b = thread_stack_bounds().expect("Linux threads know their stack");
                let sp = current_sp();
                assert!(b.contains(&sp));
                let limit = stack_limit(None);
                assert!(limit > b.start && limit < sp, "{b:#x?} {limit:#x} {sp:#x}");
                // (`stack_limit` sees a slightly lower stack pointer.)
                assert!(limit - b.start + 1024 >= HOST_STACK_RESERVE.min((sp - b.start) / 2));
                let budget = stack_limit(Some(64 << 10));
                assert!(budget >= limit && budget <= sp - (60 << 10));
                // The ud2 after the limit check, not the guard page.
                // SAFETY: as above.
                let r = unsafe { catch_traps(|| f(limit)) };
                trap_code(r)
            })
            .unwrap();
        assert_eq!(t.join().unwrap(), Some(TrapCode::Unreachable));
    }
}

#[test]
fn many_threads_trap_while_code_is_registered() {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 100 {
                let g = Guest::new(&[0xc3], &[]);
                drop(g);
                n += 1;
            }
        })
    };
    let workers: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let g = Guest::new(IDIV, &[(3, TrapCode::IntegerDivideByZero)]);
                let div: extern "C" fn(i32, i32) -> i32 = g.func();
                let u = Guest::new(UD2, &[(0, TrapCode::Unreachable)]);
                let ud: extern "C" fn() = u.func();
                let mut v = 0;
                for k in 0..500 {
                    // SAFETY: as above.
                    unsafe {
                        assert_eq!(
                            trap_code(catch_traps(|| v = div(k, 0))),
                            Some(TrapCode::IntegerDivideByZero)
                        );
                        assert!(catch_traps(|| v = div(k, i + 1)).is_ok());
                        assert_eq!(v, k / (i + 1));
                        assert_eq!(trap_code(catch_traps(|| ud())), Some(TrapCode::Unreachable));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
}

#[test]
fn raise_outside_catch_traps_panics() {
    // SAFETY: no activation: it panics before unwinding anything.
    let r = std::panic::catch_unwind(|| unsafe { raise_trap(TrapCode::Unreachable) });
    assert!(r.is_err());
}

const CHILD_ENV: &str = "TERN_VM_SIGNALS_CHILD";

/// Runs in a child process (see below): faults outside tern code.
#[test]
fn crash_child() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mem = LinearMemory::with_style(ty(1), MAX_PAGES, MemoryStyle::Reserved).unwrap();
    let guard = mem.base().wrapping_add(1 << 20);
    let fault_in_unregistered_code = || {
        let g = Guest::unregistered(LOAD32);
        let load: extern "C" fn(*const u8) -> u32 = g.func();
        // SAFETY: the fault is the point.
        let r = unsafe { catch_traps(|| _ = load(guard)) };
        eprintln!("survived: {r:?}");
    };
    match mode.as_str() {
        // The handler before ours was the default action.
        "default" => {
            // SAFETY: resets the handler std installed; before ours.
            unsafe { libc::signal(libc::SIGSEGV, libc::SIG_DFL) };
            fault_in_unregistered_code();
        }
        // The handler before ours was someone else's: it gets the fault.
        "previous" => {
            extern "C" fn theirs(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
                // SAFETY: async-signal-safe.
                unsafe { libc::_exit(42) }
            }
            // SAFETY: installs a handler before ours.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = theirs as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO;
                libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut());
            }
            fault_in_unregistered_code();
        }
        // Compiled-looking code that is not registered faults inside an
        // activation.
        "unregistered" => fault_in_unregistered_code(),
        // Registered code faults outside any activation.
        "no-activation" => {
            install().unwrap();
            let g = Guest::new(LOAD32, &[]);
            let load: extern "C" fn(*const u8) -> u32 = g.func();
            eprintln!("survived: {}", load(guard));
        }
        // A host function called from compiled code faults.
        "host" => {
            extern "C" fn faulting_host(arg: *mut u8) {
                let g = Guest::unregistered(LOAD32);
                let load: extern "C" fn(*const u8) -> u32 = g.func();
                eprintln!("survived: {}", load(arg));
            }
            let g = Guest::new(CALL_RSI, &[]);
            let call: extern "C" fn(*mut u8, extern "C" fn(*mut u8)) = g.func();
            // SAFETY: the fault is the point.
            let r = unsafe { catch_traps(|| call(guard, faulting_host)) };
            eprintln!("survived: {r:?}");
        }
        _ => unreachable!(),
    }
    std::process::exit(0);
}

#[test]
fn faults_outside_tern_code_are_not_swallowed() {
    use std::os::unix::process::ExitStatusExt;
    for (mode, expect_exit) in [
        ("unregistered", None),
        ("no-activation", None),
        ("host", None),
        ("default", None),
        ("previous", Some(42)),
    ] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "signals::tests::crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, mode)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match expect_exit {
            None => assert_eq!(
                out.status.signal(),
                Some(libc::SIGSEGV),
                "{mode}: {:?} {stderr}",
                out.status
            ),
            Some(c) => assert_eq!(out.status.code(), Some(c), "{mode}: {:?} {stderr}", out.status),
        }
        assert!(!stderr.contains("survived"), "{mode}: {stderr}");
    }
}

/// Not a check: prints what entering compiled code costs
/// (`cargo test --release -p tern-vm entry_cost -- --ignored --nocapture`).
#[test]
#[ignore]
fn entry_cost() {
    let ret = Guest::new(&[0xc3], &[]);
    let f: extern "C" fn() = ret.func();
    let ud = Guest::new(UD2, &[(0, TrapCode::Unreachable)]);
    let u: extern "C" fn() = ud.func();
    let n = 1_000_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        // SAFETY: as above.
        unsafe { catch_traps(|| f()) }.unwrap();
    }
    let enter = t.elapsed() / n;
    let t = std::time::Instant::now();
    for _ in 0..n / 100 {
        // SAFETY: as above.
        unsafe { catch_traps(|| u()) }.unwrap_err();
    }
    let trap = t.elapsed() / (n / 100);
    println!("catch_traps around a ret: {enter:?}; a ud2 trap: {trap:?}");
}
