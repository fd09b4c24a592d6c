//! The compile driver: every defined function translated and compiled in
//! parallel, the trampolines beside them, all linked into one image.

use crate::link::{self, CompiledFunc, FuncRelocTarget, RelocRecord, Symbol};
use crate::trampoline;
use crate::translate::{self, BoundsChecks, NS_FUNC, NS_LIBCALL, TranslateConfig};
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExternalName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::FunctionBuilderContext;
use rayon::prelude::*;
use tern_binary::{BinaryError, FuncBody};
use tern_validate::ModuleInfo;
use tern_vm::vmctx::Libcall;

/// Options of a compilation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileConfig {
    pub bounds_checks: BoundsChecks,
    /// Charge fuel.
    pub fuel: bool,
    /// Check the interrupt flag at function entries and loop headers.
    pub interrupts: bool,
}

impl CompileConfig {
    pub(crate) fn translate(&self) -> TranslateConfig {
        TranslateConfig {
            bounds_checks: self.bounds_checks,
            fuel: self.fuel,
            interrupts: self.interrupts,
        }
    }
}

/// Why a module could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A function body is invalid.
    #[error("{0}")]
    Invalid(BinaryError),
    /// A valid function uses something this tier cannot compile.
    #[error("function {func}: {msg}")]
    Unsupported { func: u32, msg: String },
    /// Cranelift failed (a bug, or a limit such as code size). `func` is
    /// `u32::MAX` when no one function is to blame (linking, trampolines).
    #[error("{}code generation failed: {msg}", which(*.func))]
    Codegen { func: u32, msg: String },
    /// The host instruction set is not supported.
    #[error("the host instruction set is not supported by the compiler: {0}")]
    Isa(String),
    /// Mapping the code failed.
    #[error("cannot map compiled code: {0}")]
    Map(String),
}

fn which(func: u32) -> String {
    if func == u32::MAX {
        String::new()
    } else {
        format!("function {func}: ")
    }
}

/// Translates and compiles the defined functions `bodies` (function
/// indices from `info.funcs.len() - bodies.len()`) of a module whose
/// function types are `info.types`; returns the linked image.
pub fn compile_module(
    info: &ModuleInfo<'_>,
    bodies: &[FuncBody<'_>],
    config: &CompileConfig,
    isa: &dyn TargetIsa,
) -> Result<link::Artifact, CompileError> {
    let num_imported = info.funcs.len() as u32 - bodies.len() as u32;
    let tc = config.translate();
    let results: Vec<Result<CompiledFunc, CompileError>> = bodies
        .par_iter()
        .enumerate()
        .map_init(
            || (FunctionBuilderContext::new(), Context::new()),
            |cx, (def, body)| compile_one(info, num_imported, num_imported + def as u32, body, &tc, isa, cx),
        )
        .collect();
    // The lowest-numbered error wins, so that errors do not depend on
    // scheduling.
    let mut funcs = Vec::with_capacity(results.len());
    for r in results {
        funcs.push(r?);
    }
    // Array-call trampolines (one per defined function) and foreign
    // trampolines (one per type).
    let array: Vec<Result<CompiledFunc, CompileError>> = (0..bodies.len() as u32)
        .into_par_iter()
        .map_init(
            || (FunctionBuilderContext::new(), Context::new()),
            |(fctx, ctx), def| {
                let index = num_imported + def;
                let ty = &info.types[info.funcs[index as usize] as usize];
                let f = trampoline::array_to_native(ty, index, isa, fctx);
                compile_function(ctx, f, isa, index, num_imported)
            },
        )
        .collect();
    let array = array.into_iter().collect::<Result<Vec<_>, _>>()?;
    // A type whose native signature Cranelift cannot lower (too many
    // results for its return registers) gets no trampoline: no compiled
    // code of this module can call a function of that type either.
    let foreign: Vec<Option<CompiledFunc>> = info
        .types
        .par_iter()
        .map_init(
            || (FunctionBuilderContext::new(), Context::new()),
            |(fctx, ctx), ty| {
                let f = trampoline::native_to_foreign(ty, isa, fctx);
                compile_function(ctx, f, isa, u32::MAX, num_imported).ok()
            },
        )
        .collect();
    link::link(isa, num_imported, funcs, array, foreign)
}

/// Translates and compiles defined function `index` (absolute index).
pub(crate) fn compile_one(
    info: &ModuleInfo<'_>,
    num_imported: u32,
    index: u32,
    body: &FuncBody<'_>,
    tc: &TranslateConfig,
    isa: &dyn TargetIsa,
    (fctx, ctx): &mut (FunctionBuilderContext, Context),
) -> Result<CompiledFunc, CompileError> {
    let func = translate::translate_function_with_imports(info, num_imported, index, body, tc, isa, fctx).map_err(
        |e| match e.validation_error() {
            Some(v) => CompileError::Invalid(v.clone()),
            None => CompileError::Unsupported {
                func: index,
                msg: e.to_string(),
            },
        },
    )?;
    compile_function(ctx, func, isa, index, num_imported)
}

/// Compiles one Cranelift function, collecting its code, relocations and
/// trap sites.
pub(crate) fn compile_function(
    ctx: &mut Context,
    func: ir::Function,
    isa: &dyn TargetIsa,
    index: u32,
    num_imported: u32,
) -> Result<CompiledFunc, CompileError> {
    ctx.clear();
    ctx.func = func;
    let names = ctx.func.params.user_named_funcs().clone();
    let codegen = |msg: String| CompileError::Codegen { func: index, msg };
    let code = ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| codegen(format!("{:?}", e.inner)))?;
    let bytes = code.code_buffer().to_vec();
    let mut relocs = Vec::new();
    for r in code.buffer.relocs() {
        let target = match &r.target {
            FinalizedRelocTarget::Func(off) => FuncRelocTarget::SelfOffset(*off),
            FinalizedRelocTarget::ExternalName(ExternalName::User(nref)) => {
                let name = &names[*nref];
                match name.namespace {
                    NS_FUNC if name.index >= num_imported => FuncRelocTarget::Func(name.index - num_imported),
                    NS_LIBCALL => match Libcall::ALL.get(name.index as usize) {
                        Some(&l) => FuncRelocTarget::Symbol(Symbol::Tern(l)),
                        None => return Err(codegen(format!("unknown libcall {}", name.index))),
                    },
                    _ => return Err(codegen(format!("unknown external name {name:?}"))),
                }
            }
            FinalizedRelocTarget::ExternalName(ExternalName::LibCall(lc)) => match Symbol::from_cranelift(*lc) {
                Some(s) => FuncRelocTarget::Symbol(s),
                None => return Err(codegen(format!("unsupported Cranelift libcall {lc:?}"))),
            },
            FinalizedRelocTarget::ExternalName(other) => {
                return Err(codegen(format!("unsupported external name {other:?}")));
            }
        };
        match r.kind {
            Reloc::Abs8 | Reloc::X86PCRel4 | Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4 | Reloc::Arm64Call => {}
            k => return Err(codegen(format!("unsupported relocation kind {k:?}"))),
        }
        relocs.push(RelocRecord {
            offset: r.offset,
            kind: r.kind,
            target,
            addend: r.addend,
        });
    }
    let traps = code
        .buffer
        .traps()
        .iter()
        .filter_map(|t| translate::tern_trap_code(t.code).map(|c| (t.offset, c)))
        .collect();
    let align = code.buffer.alignment.max(16);
    Ok(CompiledFunc {
        bytes,
        relocs,
        traps,
        align,
    })
}
