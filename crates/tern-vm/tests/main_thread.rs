//! Trap handling on the process's main thread, whose stack the kernel
//! grows on demand (the unit tests run on spawned threads). No libtest
//! harness: `main` itself is the test.

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn main() {
    use std::sync::Arc;
    use tern_vm::TrapCode;
    use tern_vm::code::{CodeMemory, RegisteredCode};
    use tern_vm::signals::{HOST_STACK_RESERVE, catch_traps, stack_limit, thread_stack_bounds};

    // SAFETY: plain queries.
    assert!(unsafe { libc::getpid() == libc::gettid() }, "runs on the main thread");

    // `call self` forever, until the end of the stack.
    let forever = RegisteredCode::new(
        CodeMemory::new(&[0xe8, 0xfb, 0xff, 0xff, 0xff]).unwrap(),
        Arc::new(|_| None),
    );
    // SAFETY: the code is a function of this type.
    let f: extern "C" fn() = unsafe { std::mem::transmute(forever.memory().as_ptr()) };
    for _ in 0..3 {
        // SAFETY: the guest code owns nothing.
        let r = unsafe { catch_traps(|| f()) };
        assert_eq!(r.unwrap_err().code(), Some(TrapCode::StackOverflow));
    }

    // A limit check traps (at its ud2) before the end of the stack.
    let code = [
        0x48, 0x39, 0xfc, 0x73, 0x02, 0x0f, 0x0b, 0xe8, 0xf4, 0xff, 0xff, 0xff, 0xc3,
    ];
    let checked = RegisteredCode::new(
        CodeMemory::new(&code).unwrap(),
        Arc::new(|off| (off == 5).then_some(TrapCode::Unreachable)),
    );
    // SAFETY: as above.
    let g: extern "C" fn(usize) = unsafe { std::mem::transmute(checked.memory().as_ptr()) };
    let b = thread_stack_bounds().expect("the main thread's stack is known");
    let limit = stack_limit(None);
    assert!(
        limit >= b.start + HOST_STACK_RESERVE.min(64 << 10),
        "{b:#x?} {limit:#x}"
    );
    // SAFETY: as above.
    let r = unsafe { catch_traps(|| g(limit)) };
    assert_eq!(r.unwrap_err().code(), Some(TrapCode::Unreachable));
    println!("main-thread trap handling: ok");
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn main() {}
