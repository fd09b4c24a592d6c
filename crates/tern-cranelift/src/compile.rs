//! The compile driver: every defined function translated and compiled in
//! parallel, the trampolines beside them, all linked into one image.

use crate::link::{self, CallHandler, CompiledFunc, FuncRelocTarget, RelocRecord, Symbol};
use crate::trampoline;
use crate::translate::{self, BoundsChecks, NS_FUNC, NS_LIBCALL, TranslateConfig};
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, ExceptionTableData, ExternalName};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::FunctionBuilderContext;
use rayon::prelude::*;
use std::collections::HashMap;
use tern_binary::{BinaryError, FuncBody};
use tern_validate::{ModuleDesc, ModuleInfo};
use tern_vm::vmctx::Libcall;

/// Options of a compilation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileConfig {
    pub bounds_checks: BoundsChecks,
    /// Charge fuel.
    pub fuel: bool,
    /// Check the interrupt flag at function entries and loop headers.
    pub interrupts: bool,
    /// Compare the engine's epoch with the store's deadline at function
    /// entries and loop headers.
    pub epochs: bool,
    /// Relaxed SIMD operators behave as the spec's deterministic profile
    /// says (otherwise as x86-64's instructions do, on every host).
    pub relaxed_simd_deterministic: bool,
}

impl CompileConfig {
    pub(crate) fn translate(&self) -> TranslateConfig {
        TranslateConfig {
            bounds_checks: self.bounds_checks,
            fuel: self.fuel,
            interrupts: self.interrupts,
            epochs: self.epochs,
            relaxed_simd_deterministic: self.relaxed_simd_deterministic,
            source_locations: false,
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

/// The module offset of the Wasm operator whose compiled code contains byte
/// `offset` of defined function `index` (absolute index) as `compile_module`
/// or a lazy module compiles it with `config` for `isa`. Found by compiling the function
/// again with source locations, which leave the code as it was, so that
/// compiled code carries no offset tables; for backtraces.
pub fn source_offset(
    desc: &ModuleDesc,
    config: &CompileConfig,
    isa: &dyn TargetIsa,
    index: u32,
    offset: u32,
    osr_loop: Option<u32>,
) -> Option<u32> {
    let num_imported = desc.num_imported_funcs();
    let all = desc.bodies();
    let body = all.get(index.checked_sub(num_imported)? as usize)?;
    let bodies = |g: u32| all.get(g.checked_sub(num_imported)? as usize).copied();
    let mut tc = config.translate();
    tc.source_locations = true;
    let mut cx = (FunctionBuilderContext::new(), Context::new());
    let f = compile_entry(
        desc.info(),
        num_imported,
        index,
        body,
        &bodies,
        &tc,
        isa,
        &mut cx,
        osr_loop,
    )
    .ok()?;
    f.source_locs
        .iter()
        .find(|&&(start, end, _)| start <= offset && offset < end)
        .map(|&(_, _, loc)| loc)
}

/// Translates and compiles every defined function of the module `desc`
/// describes; returns the linked image.
pub fn compile_module(
    desc: &ModuleDesc,
    config: &CompileConfig,
    isa: &dyn TargetIsa,
) -> Result<link::Artifact, CompileError> {
    let info = desc.info();
    let bodies = &desc.bodies()[..];
    let num_imported = desc.num_imported_funcs();
    let tc = config.translate();
    let results: Vec<Result<CompiledFunc, CompileError>> = bodies
        .par_iter()
        .enumerate()
        .map_init(
            || (FunctionBuilderContext::new(), Context::new()),
            |cx, (def, body)| {
                let bodies = |g: u32| bodies.get(g.checked_sub(num_imported)? as usize).copied();
                compile_one(
                    info,
                    num_imported,
                    num_imported + def as u32,
                    body,
                    &bodies,
                    &tc,
                    isa,
                    cx,
                )
            },
        )
        .collect();
    // The lowest-numbered error wins, so that errors do not depend on
    // scheduling.
    let mut funcs = Vec::with_capacity(results.len());
    for r in results {
        funcs.push(r?);
    }
    // Array-call trampolines (one per defined function) and foreign
    // trampolines (one per type): a few moves and a call each, compiled
    // quickly rather than well.
    let quick = crate::quick_isa(isa);
    let qisa: &dyn TargetIsa = quick.as_deref().unwrap_or(isa);
    let array: Vec<Result<CompiledFunc, CompileError>> = (0..bodies.len() as u32)
        .into_par_iter()
        .map_init(
            || (FunctionBuilderContext::new(), Context::new()),
            |(fctx, ctx), def| {
                let index = num_imported + def;
                let ty = &info.types[info.funcs[index as usize] as usize];
                let f = trampoline::array_to_native(ty, index, qisa, fctx);
                compile_function(ctx, f, qisa, index, num_imported)
            },
        )
        .collect();
    let array = array.into_iter().map(|r| r.map(Some)).collect::<Result<Vec<_>, _>>()?;
    // A type whose native signature Cranelift cannot lower (too many
    // results for its return registers) gets no trampoline: no compiled
    // code of this module can call a function of that type either.
    // One per distinct signature (see `signature_reps`).
    let reps = trampoline::signature_reps(&info.types);
    let foreign: Vec<Option<CompiledFunc>> = info
        .types
        .par_iter()
        .enumerate()
        .map_init(
            || (FunctionBuilderContext::new(), Context::new()),
            |(fctx, ctx), (i, ty)| {
                if reps[i] != i as u32 {
                    return None;
                }
                let f = trampoline::native_to_foreign(ty, qisa, fctx);
                compile_function(ctx, f, qisa, u32::MAX, num_imported).ok()
            },
        )
        .collect();
    link::link(isa, num_imported, funcs, array, foreign, &reps)
}

/// The body of a function by absolute index, for defined functions.
pub(crate) type Bodies<'a, 'b> = &'a (dyn Fn(u32) -> Option<FuncBody<'b>> + Sync);

/// Translates and compiles defined function `index` (absolute index),
/// inlining the calls [`inline_plan`] chooses (`bodies` gives the callees').
#[allow(clippy::too_many_arguments)]
pub(crate) fn compile_one(
    info: &ModuleInfo,
    num_imported: u32,
    index: u32,
    body: &FuncBody<'_>,
    bodies: Bodies<'_, '_>,
    tc: &TranslateConfig,
    isa: &dyn TargetIsa,
    cx: &mut (FunctionBuilderContext, Context),
) -> Result<CompiledFunc, CompileError> {
    compile_entry(info, num_imported, index, body, bodies, tc, isa, cx, None)
}

/// [`compile_one`], or with `osr`, the function's on-stack-replacement
/// entry at that loop (see [`translate::translate_osr`]; it calls the
/// function itself, never inlines it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn compile_entry(
    info: &ModuleInfo,
    num_imported: u32,
    index: u32,
    body: &FuncBody<'_>,
    bodies: Bodies<'_, '_>,
    tc: &TranslateConfig,
    isa: &dyn TargetIsa,
    (fctx, ctx): &mut (FunctionBuilderContext, Context),
    osr: Option<u32>,
) -> Result<CompiledFunc, CompileError> {
    let error = |index: u32, e: translate::TranslateError| match e.validation_error() {
        Some(v) => CompileError::Invalid(v.clone()),
        None => CompileError::Unsupported {
            func: index,
            msg: e.to_string(),
        },
    };
    let translate = |index: u32, body: &FuncBody<'_>, fctx: &mut FunctionBuilderContext| {
        translate::translate_function_with_imports(info, num_imported, index, body, tc, isa, fctx)
            .map_err(|e| error(index, e))
    };
    let mut func = match osr {
        Some(l) => {
            translate::translate_osr(info, num_imported, index, body, tc, isa, fctx, l).map_err(|e| error(index, e))?
        }
        None => translate(index, body, fctx)?,
    };
    let mut callees = inline_plan(&mut func, index, num_imported, body, bodies);
    if osr.is_some() {
        callees.retain(|&g| g != index);
    }
    if !callees.is_empty() {
        let mut bodies_clif = HashMap::new();
        for g in callees {
            // A callee that fails to translate is left as a call (its own
            // compilation reports the error). A self-recursive function
            // is its own callee: no need to translate it again.
            let mut f = if g == index {
                func.clone()
            } else {
                let Some(b) = bodies(g) else { continue };
                let Ok(f) = translate(g, &b, fctx) else { continue };
                f
            };
            if tag_inlinable(&mut f, g) {
                bodies_clif.insert(g, f);
            }
        }
        ctx.clear();
        ctx.func = func;
        ctx.inline(Inliner(&bodies_clif)).map_err(|e| CompileError::Codegen {
            func: index,
            msg: format!("inlining: {e:?}"),
        })?;
        func = std::mem::replace(&mut ctx.func, ir::Function::new());
    }
    compile_function(ctx, func, isa, index, num_imported)
}

/// Marks a `try_call` whose exception table's [`ir::ExceptionTag`] has this
/// bit: the rest is an index into the frame lists of [`mark_try_calls`].
const FRAMES_TAG: u32 = 1 << 30;

/// Cranelift keeps debug tags on calls but not on `try_call`s (they are
/// branches, lowered apart), so the virtual frames of an inlined
/// `try_call` would be lost from backtraces. This moves each such
/// `try_call`'s frame list to a tag entry of its exception table, which
/// Cranelift keeps at the call site: `FRAMES_TAG | k` for the `k`-th list
/// returned. The entry goes to the same block as the catch-all one, after
/// it, so it never changes where an exception lands.
fn mark_try_calls(func: &mut ir::Function) -> Vec<Box<[u32]>> {
    let mut frames = Vec::new();
    let blocks: Vec<ir::Block> = func.layout.blocks().collect();
    for block in blocks {
        let Some(inst) = func.layout.last_inst(block) else {
            continue;
        };
        let et = match func.dfg.insts[inst] {
            ir::InstructionData::TryCall { exception, .. } | ir::InstructionData::TryCallIndirect { exception, .. } => {
                exception
            }
            _ => continue,
        };
        let tags = func.debug_tags.get(inst);
        if tags.len() < 2 {
            continue;
        }
        let list: Box<[u32]> = tags
            .iter()
            .filter_map(|d| match d {
                ir::DebugTag::User(i) => Some(*i),
                _ => None,
            })
            .collect();
        let dfg = &mut func.dfg;
        let pool = &mut dfg.value_lists;
        let old = dfg.exception_tables[et].deep_clone(pool);
        let Some(catch_all) = old.items().find_map(|i| match i {
            ir::ExceptionTableItem::Default(b) => Some(b),
            _ => None,
        }) else {
            continue;
        };
        let k = u32::try_from(frames.len()).expect("fewer than 2^30 calls");
        let mark = ir::ExceptionTableItem::Tag(ir::ExceptionTag::from_u32(FRAMES_TAG | k), catch_all.deep_clone(pool));
        let items: Vec<_> = old.items().chain([mark]).collect();
        let table = ExceptionTableData::new(old.signature(), *old.normal_return(), items);
        let new_et = func.dfg.exception_tables.push(table);
        match &mut func.dfg.insts[inst] {
            ir::InstructionData::TryCall { exception, .. } | ir::InstructionData::TryCallIndirect { exception, .. } => {
                *exception = new_et
            }
            _ => unreachable!("matched above"),
        }
        frames.push(list);
    }
    frames
}

/// Largest body (in bytes of Wasm code) of a callee inlined into its
/// callers: small functions (accessors, wrappers) whose call costs more
/// than their work.
const INLINE_SMALL: usize = 48;
/// Largest body of a self-recursive function whose recursive calls are
/// inlined once (halving the calls of a recursion such as a tree walk).
const INLINE_SELF: usize = 160;
/// At most this many calls are inlined into one function, and at most
/// this many bytes of callee bodies, so that code size stays bounded.
const INLINE_MAX_CALLS: usize = 16;
const INLINE_MAX_BYTES: usize = 1024;

/// Chooses the direct calls of `func` (function `index`) to inline and
/// tags each with `[index]` (the tag marks the choice for [`Inliner`], and
/// Cranelift prefixes it to the tags of the inlined calls, so that every
/// call in inlined code names its virtual frames). Returns the callees.
fn inline_plan(
    func: &mut ir::Function,
    index: u32,
    num_imported: u32,
    body: &FuncBody<'_>,
    bodies: Bodies<'_, '_>,
) -> Vec<u32> {
    if body.bytes.len() > 64 * 1024 {
        return Vec::new();
    }
    let mut chosen = Vec::new();
    let (mut calls, mut bytes) = (0, 0);
    let mut sizes: HashMap<u32, usize> = HashMap::new();
    let blocks: Vec<ir::Block> = func.layout.blocks().collect();
    for block in blocks {
        let insts: Vec<ir::Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            // Calls in try regions are `try_call`s: Cranelift inlines them
            // too, turning the callee's calls into `try_call`s to the same
            // handlers, so a `try_table` around a call costs nothing more.
            let func_ref = match func.dfg.insts[inst] {
                ir::InstructionData::Call {
                    opcode: ir::Opcode::Call,
                    func_ref,
                    ..
                }
                | ir::InstructionData::TryCall {
                    opcode: ir::Opcode::TryCall,
                    func_ref,
                    ..
                } => func_ref,
                _ => continue,
            };
            let ExternalName::User(n) = func.dfg.ext_funcs[func_ref].name else {
                continue;
            };
            let name = &func.params.user_named_funcs()[n];
            let g = name.index;
            if name.namespace != NS_FUNC || g < num_imported {
                continue;
            }
            let size = *sizes
                .entry(g)
                .or_insert_with(|| bodies(g).map_or(usize::MAX, |b| b.bytes.len()));
            let limit = if g == index { INLINE_SELF } else { INLINE_SMALL };
            if size > limit || calls >= INLINE_MAX_CALLS || bytes + size > INLINE_MAX_BYTES {
                continue;
            }
            calls += 1;
            bytes += size;
            func.debug_tags.set(inst, [ir::DebugTag::User(index)]);
            if !chosen.contains(&g) {
                chosen.push(g);
            }
        }
    }
    chosen
}

/// Tags every call of `f` (function `g`) with `[g]`; false when `f` cannot
/// be inlined: it makes tail calls, or has trap sites of its own (a trap
/// there would lose `g`'s frame in the backtrace, since Cranelift keeps
/// debug tags on calls only).
fn tag_inlinable(f: &mut ir::Function, g: u32) -> bool {
    let blocks: Vec<ir::Block> = f.layout.blocks().collect();
    let mut calls = Vec::new();
    for block in blocks {
        for inst in f.layout.block_insts(block) {
            let data = &f.dfg.insts[inst];
            let op = data.opcode();
            if matches!(op, ir::Opcode::ReturnCall | ir::Opcode::ReturnCallIndirect) {
                return false;
            }
            if op.is_call() {
                calls.push(inst);
                continue;
            }
            // Memory accesses trap only when their flags say so (the
            // instance's own structures are read without).
            let traps = match data.memflags() {
                Some(flags) => f.dfg.mem_flags[flags].trap_code().is_some(),
                None => op.can_trap(),
            };
            if traps {
                return false;
            }
        }
    }
    for inst in calls {
        f.debug_tags.set(inst, [ir::DebugTag::User(g)]);
    }
    true
}

/// Inlines the calls [`inline_plan`] tagged, with the callees' bodies.
struct Inliner<'a>(&'a HashMap<u32, ir::Function>);

impl cranelift_codegen::inline::Inline for Inliner<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        inst: ir::Inst,
        opcode: ir::Opcode,
        callee: ir::FuncRef,
        _args: &[ir::Value],
    ) -> cranelift_codegen::inline::InlineCommand<'_> {
        use cranelift_codegen::inline::InlineCommand;
        if !matches!(opcode, ir::Opcode::Call | ir::Opcode::TryCall) || caller.debug_tags.get(inst).is_empty() {
            return InlineCommand::KeepCall;
        }
        let ExternalName::User(n) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        match self.0.get(&caller.params.user_named_funcs()[n].index) {
            Some(f) => InlineCommand::Inline {
                callee: std::borrow::Cow::Borrowed(f),
                visit_callee: false,
            },
            None => InlineCommand::KeepCall,
        }
    }
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
    let try_frames = mark_try_calls(&mut ctx.func);
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
    // Virtual frames of inlined code, by the offset a PC of the backtrace
    // has there: a trap site's own offset, a call's return address - 1.
    let mut inlined: Vec<(u32, Box<[u32]>)> = code
        .buffer
        .debug_tags()
        .filter(|t| t.tags.len() >= 2)
        .map(|t| {
            let at = match t.pos {
                cranelift_codegen::MachDebugTagPos::Pre => t.offset,
                cranelift_codegen::MachDebugTagPos::Post => t.offset.saturating_sub(1),
            };
            let frames = t
                .tags
                .iter()
                .filter_map(|d| match d {
                    ir::DebugTag::User(i) => Some(*i),
                    _ => None,
                })
                .collect();
            (at, frames)
        })
        .collect();
    // Calls inside try regions: where their exceptions land, and the
    // virtual frames of those in inlined code.
    let mut handlers = Vec::new();
    for site in code.buffer.call_sites() {
        for h in site.exception_handlers {
            if let cranelift_codegen::FinalizedMachExceptionHandler::Tag(t, _) = h
                && let Some(k) = t.as_u32().checked_sub(FRAMES_TAG)
                && let Some(frames) = try_frames.get(k as usize)
            {
                inlined.push((site.ret_addr.saturating_sub(1), frames.clone()));
            }
        }
        let pad = site.exception_handlers.iter().find_map(|h| match h {
            cranelift_codegen::FinalizedMachExceptionHandler::Default(off) => Some(*off),
            _ => None,
        });
        if let Some(pad) = pad {
            let sp_to_fp = site
                .frame_offset
                .ok_or_else(|| codegen("a try_call without a frame offset".into()))?;
            handlers.push(CallHandler {
                ret: site.ret_addr,
                pad,
                sp_to_fp,
            });
        }
    }
    handlers.sort_by_key(|h| h.ret);
    inlined.sort_by_key(|t| t.0);
    inlined.dedup_by_key(|t| t.0);
    let align = code.buffer.alignment.max(16);
    let source_locs = code
        .buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|l| !l.loc.is_default())
        .map(|l| (l.start, l.end, l.loc.bits()))
        .collect();
    Ok(CompiledFunc {
        bytes,
        relocs,
        traps,
        handlers,
        inlined,
        source_locs,
        align,
    })
}
