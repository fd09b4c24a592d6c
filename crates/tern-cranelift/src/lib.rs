//! tern's optimizing tier: each validated function body is translated in
//! the validator's single pass into Cranelift IR ([`translate`]), compiled
//! for the host, linked by tern and mapped executable. Compiled code runs
//! against the layout in [`tern_vm::vmctx`].
//!
//! * [`host_isa`]: the host's instruction set, with every feature the CPU
//!   has, optimizing.
//! * [`compile_module`]: translates and compiles every defined function in
//!   parallel, adds the trampolines, and links the result into one
//!   position-independent image ([`Artifact`]).
//! * [`CompiledModule::load`]: maps an image executable (resolving the
//!   addresses of the runtime's libcalls) and registers its trap table
//!   with the signal handler.
//! * [`aot`]: the ahead-of-time file format around an [`Artifact`].
//! * [`libcalls`]: the runtime functions compiled code calls, and the
//!   [`JitHost`] trait through which they reach the embedder.

pub mod aot;
mod compile;
mod lazy;
pub mod libcalls;
mod link;
mod module_code;
mod trampoline;
pub mod translate;

pub use compile::{CompileConfig, CompileError, compile_module, source_offset};
pub use lazy::{CodeObserver, LazyModule, LinkedHook, Tiered, default_workers, lazy_available};
pub use libcalls::JitHost;
pub use link::{Artifact, CompiledModule, Image, LoadReloc, MemoryImage, Symbol, TrapTable};
pub use module_code::ModuleCode;

pub use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};

/// The host's instruction set: every feature the CPU has, `opt_level`
/// `speed`, not position-dependent (tern links the code itself), results
/// beyond the return registers returned through memory.
pub fn host_isa() -> Result<OwnedTargetIsa, CompileError> {
    host_isa_with(&[])
}

/// [`host_isa`] with Cranelift settings changed: each `(name, value)` is
/// an ISA setting of the host's target (`has_sse41`, `has_avx`, ...) or,
/// when the target has no setting of that name, a shared one
/// (`opt_level`, ...), applied in order after tern's own. An unknown name
/// or a bad value is an error. Turning on an instruction-set extension the
/// CPU lacks makes code that faults.
pub fn host_isa_with(changes: &[(String, String)]) -> Result<OwnedTargetIsa, CompileError> {
    use cranelift_codegen::settings::SetError;
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .map_err(|e| CompileError::Isa(format!("setting {k}={v}: {e}")))
    };
    set(&mut flags, "opt_level", "speed")?;
    set(&mut flags, "is_pic", "false")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) { "true" } else { "false" },
    )?;
    set(&mut flags, "preserve_frame_pointers", "true")?;
    // Wasm functions may have more results than return registers.
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    let mut builder = cranelift_native::builder().map_err(|e| CompileError::Isa(e.to_string()))?;
    for (k, v) in changes {
        match builder.set(k, v) {
            Ok(()) => {}
            Err(SetError::BadName(_)) => set(&mut flags, k, v)?,
            Err(e) => return Err(CompileError::Isa(format!("setting {k}={v}: {e}"))),
        }
    }
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::Isa(e.to_string()))
}

/// An instruction set like `isa` that compiles quickly rather than well:
/// no optimization, single-pass register allocation. For trampolines and
/// thunks, which are a few moves and a call each (a large module has
/// thousands, made before it starts) and gain nothing from optimizing.
/// `None` when the settings cannot be carried over (then use `isa`).
pub(crate) fn quick_isa(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Option<OwnedTargetIsa> {
    let mut flags = settings::builder();
    for v in isa.flags().iter() {
        flags.set(v.name, &v.value_string()).ok()?;
    }
    flags.set("opt_level", "none").ok()?;
    flags.set("regalloc_algorithm", "single_pass").ok()?;
    let mut builder = cranelift_codegen::isa::lookup(isa.triple().clone()).ok()?;
    for v in isa.isa_flags() {
        builder.set(v.name, &v.value_string()).ok()?;
    }
    builder.finish(settings::Flags::new(flags)).ok()
}

/// Whether the compiler tier can run on this host: Cranelift targets its
/// CPU, and traps in compiled code can be caught (signal handlers that
/// read the faulting context exist for x86-64 Linux only). Elsewhere,
/// aarch64 included, the runtime's `Tier::Auto` runs the interpreter.
pub fn jit_available() -> bool {
    unavailable_reason().is_none()
}

/// Why the compiler tier cannot run on this host, or `None` when it can.
pub fn unavailable_reason() -> Option<String> {
    if !tern_vm::signals::is_supported() {
        return Some(format!(
            "traps in compiled code cannot be caught on {}-{} yet (x86-64 Linux only)",
            std::env::consts::ARCH,
            std::env::consts::OS
        ));
    }
    host_isa().err().map(|e| e.to_string())
}

/// A description of an instruction set's target and enabled flags, as an
/// ahead-of-time artifact records it: the triple, then every shared and
/// ISA-specific setting as `name=value`.
pub fn isa_fingerprint(isa: &dyn cranelift_codegen::isa::TargetIsa) -> String {
    let mut s = isa.triple().to_string();
    for v in isa.flags().iter() {
        s.push_str(&format!(" {}={}", v.name, v.value_string()));
    }
    for v in isa.isa_flags() {
        s.push_str(&format!(" {}={}", v.name, v.value_string()));
    }
    s
}
