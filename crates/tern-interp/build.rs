//! Chooses how the interpreter's threaded handlers pass control on (see
//! `src/exec/threaded.rs`): by sibling calls, which an optimizing build
//! turns into jumps on the targets listed here, or else by returning to a
//! loop (a sibling call that stayed a call would grow the host stack by a
//! frame per instruction).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tern_threaded_tail)");
    println!("cargo::rerun-if-changed=build.rs");
    // `TERN_INTERP_DISPATCH=loop` asks for the loop anyway (tests use it).
    println!("cargo::rerun-if-env-changed=TERN_INTERP_DISPATCH");
    let forced_loop = std::env::var("TERN_INTERP_DISPATCH").is_ok_and(|v| v == "loop");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let optimized = matches!(opt.as_str(), "2" | "3" | "s" | "z");
    let sibling_calls = matches!(arch.as_str(), "x86_64" | "aarch64" | "riscv64");
    if optimized && sibling_calls && !forced_loop {
        println!("cargo::rustc-cfg=tern_threaded_tail");
    }
}
