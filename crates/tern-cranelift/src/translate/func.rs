//! The function translator: the validator and the IR builder in one pass.

use super::{BoundsChecks, TranslateConfig, TranslateError, clif_type, native_signature, trap_codes};
use super::{NS_FUNC, NS_LIBCALL};
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32 as ClifIeee32, Ieee64 as ClifIeee64};
use cranelift_codegen::ir::types::*;
use cranelift_codegen::ir::{
    self, AliasRegion, AliasRegionData, AtomicRmwOp, Block, BlockArg, BlockCall, ExceptionTableData,
    ExceptionTableItem, ExtFuncData, ExternalName, FuncRef, Function, GlobalValueData, InstBuilder, JumpTableData,
    MemFlagsData, SigRef, StackSlotData, StackSlotKind, TrapCode, Type, UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::{HashMap, HashSet};
use tern_binary::{
    AtomicKind, BlockType, BrOnCast, BrTable, Catch, CatchKind, FuncBody, FuncType, HeapType, Ieee32, Ieee64, MemArg,
    Operator, SelectTypes, TryTable, V128, ValType, VisitOperator, for_each_operator,
};
use tern_validate::{FuncValidator, ModuleInfo};
use tern_vm::vmctx::{self as abi, Libcall};

pub(super) type Result<T, E = TranslateError> = std::result::Result<T, E>;

/// The most locals a function may declare (parameters included).
const MAX_LOCALS: u64 = 1 << 20;

/// Validates and translates a function (see
/// `super::translate_function_with_imports`), or with `osr`, its
/// on-stack-replacement entry at that loop (see `super::translate_osr`).
#[allow(clippy::too_many_arguments)]
pub(super) fn translate_at(
    info: &ModuleInfo,
    num_imported_funcs: u32,
    func_index: u32,
    body: &FuncBody<'_>,
    config: &TranslateConfig,
    isa: &dyn TargetIsa,
    fctx: &mut FunctionBuilderContext,
    osr: Option<u32>,
) -> Result<Function> {
    let ty = info
        .func_type(func_index)
        .ok_or_else(|| tern_binary::BinaryError::new(format!("unknown function {func_index}"), body.offset))?;
    let sig = match osr {
        Some(_) => super::osr_signature(ty, isa),
        None => native_signature(ty, isa),
    };
    let mut func = Function::with_name_signature(UserFuncName::user(NS_FUNC, func_index), sig);
    // The stack limit, for the prologue's check: vmctx->store->stack_limit.
    let ro = func
        .dfg
        .mem_flags
        .insert(MemFlagsData::trusted().with_readonly())
        .unwrap();
    let vmctx_gv = func.create_global_value(GlobalValueData::VMContext);
    let store_gv = func.create_global_value(GlobalValueData::Load {
        base: vmctx_gv,
        offset: abi::OFFSET_VMCTX_STORE.into(),
        global_type: I64,
        flags: ro,
    });
    let limit_gv = func.create_global_value(GlobalValueData::Load {
        base: store_gv,
        offset: abi::OFFSET_STORE_STACK_LIMIT.into(),
        global_type: I64,
        flags: ro,
    });
    func.stack_limit = Some(limit_gv);

    // The validator reads and checks the locals first; then the translator
    // is set up (`start`) and follows it operator by operator.
    let mut v = FuncValidator::new(info);
    let started = tern_validate::validate_and_translate(&mut v, func_index, body, |ty, decls| {
        start(info, num_imported_funcs, ty, decls, config, isa, &mut func, fctx, osr)
    });
    let started = match started {
        Ok(t) if t.osr.as_ref().is_some_and(|o| o.entries.is_empty()) => Err(TranslateError::unsupported(
            "on-stack replacement at a loop that cannot be entered".to_string(),
        )),
        r => r,
    };
    let mut t = match started {
        Ok(t) => t,
        Err(e) => {
            // The builder context keeps the abandoned function's state:
            // start the next function from a clean one.
            *fctx = FunctionBuilderContext::new();
            return Err(e);
        }
    };
    t.fill_osr_dispatch();
    t.finish_scratch();
    let mut b = t.b;
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    Ok(func)
}

/// Sets up the translation of a function of type `ty` with locals `decls`
/// (declared after the parameters) into `func`: its entry block, its
/// variables, the function's control frame and the entry checks.
#[allow(clippy::too_many_arguments)]
fn start<'f, 'i>(
    info: &'i ModuleInfo,
    num_imported_funcs: u32,
    ty: &FuncType,
    decls: &[(u32, ValType)],
    config: &TranslateConfig,
    isa: &'f dyn TargetIsa,
    func: &'f mut Function,
    fctx: &'f mut FunctionBuilderContext,
    osr: Option<u32>,
) -> Result<Translator<'f, 'i>> {
    let total: u64 = ty.params().len() as u64 + decls.iter().map(|(n, _)| *n as u64).sum::<u64>();
    if total > MAX_LOCALS {
        return Err(TranslateError::unsupported(format!(
            "{total} locals (at most {MAX_LOCALS})"
        )));
    }

    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let vmctx = b.block_params(entry)[0];
    let params: Vec<Value> = b.block_params(entry)[2..].to_vec();
    let mut locals = Vec::with_capacity(total as usize);
    // An OSR entry's parameters are not the function's: its locals come
    // from the state when it reaches the loop.
    let mut osr_state = None;
    if let Some(target) = osr {
        for &t in ty.params() {
            locals.push(b.declare_var(clif_type(t)));
        }
        let dispatch = b.create_block();
        b.ins().jump(dispatch, &[]);
        let prefix = b.create_block();
        b.seal_block(prefix);
        b.switch_to_block(prefix);
        osr_state = Some(Osr {
            target,
            dispatch,
            state: params[0],
            entries: Vec::new(),
        });
    } else {
        for (&t, &p) in ty.params().iter().zip(&params) {
            let var = b.declare_var(clif_type(t));
            b.def_var(var, p);
            locals.push(var);
        }
    }
    for &(n, t) in decls {
        for _ in 0..n {
            // Undefined variables read as zero in the entry block.
            locals.push(b.declare_var(clif_type(t)));
        }
    }
    let ret = b.create_block();
    for &t in ty.results() {
        b.append_block_param(ret, clif_type(t));
    }

    let local_tys = ty
        .params()
        .iter()
        .copied()
        .chain(decls.iter().flat_map(|&(n, t)| std::iter::repeat_n(t, n as usize)))
        .map(clif_type)
        .collect();
    let mut t = Translator {
        b,
        info,
        config: *config,
        isa,
        num_imported_funcs,
        vmctx,
        locals,
        local_tys,
        osr: osr_state,
        loops_seen: 0,
        stack: Vec::new(),
        ctrl: Vec::new(),
        reachable: true,
        dead_depth: 0,
        fuel_pending: 0,
        scratch: None,
        sigs: HashMap::new(),
        funcs: HashMap::new(),
        libcalls: HashMap::new(),
        used_pads: HashSet::new(),
        len_at_entry: HashSet::new(),
    };
    t.ctrl.push(Ctrl {
        kind: Kind::Func,
        n_params: 0,
        n_results: ty.results().len(),
        next: ret,
        height: 0,
        next_reachable: false,
        region: None,
    });
    if config.interrupts {
        t.check_interrupt();
    }
    if config.epochs {
        t.check_epoch();
    }
    Ok(t)
}

#[derive(Debug)]
enum Kind {
    Func,
    Block,
    Loop {
        header: Block,
    },
    If {
        else_block: Block,
        else_params: Vec<Value>,
        has_else: bool,
    },
    /// A `try_table`: its landing pad (see [`Ctrl::region`]) is filled at
    /// its `end`, with branches to the clauses' labels.
    TryTable {
        pad: Block,
        catches: Box<[Catch]>,
    },
    /// A legacy `try`: its landing pad is filled at its `end` (or
    /// `delegate`), with branches to the catch blocks seen since.
    Try {
        pad: Block,
        /// Each `catch` (with its tag) or `catch_all` (`None`): the block
        /// that starts its body, whose parameter is the exception.
        catches: Vec<(Option<u32>, Block)>,
        /// The caught exception, for `rethrow` (once a catch began).
        exn: Option<Variable>,
    },
}

#[derive(Debug)]
struct Ctrl {
    kind: Kind,
    n_params: usize,
    n_results: usize,
    /// The block after the construct (the return block for the function),
    /// with the results as parameters.
    next: Block,
    /// Operand stack height below the parameters.
    height: usize,
    /// Whether `next` has a predecessor.
    next_reachable: bool,
    /// The landing pad of the innermost try region around the code inside
    /// this frame: exceptions thrown there (by a call, which becomes a
    /// `try_call`, or by `throw`, a branch) go to this block, whose one
    /// parameter is the raw `exnref`. `None`: they leave the function.
    region: Option<Block>,
}

/// An on-stack-replacement entry being translated: the function's entry
/// block jumps to `dispatch`, which is filled at the end with a jump table
/// over the state's loop index to the entries of the loops that have one:
/// the `target` loop's. (One loop per entry: each entry adds paths into
/// the loops' headers, which costs the code there.)
struct Osr {
    target: u32,
    dispatch: Block,
    /// The parameter pointing at the interpreter's state.
    state: Value,
    /// `(loop index, entry block)` of each loop that has an entry.
    entries: Vec<(u32, Block)>,
}

pub(super) struct Translator<'f, 'i> {
    pub(super) b: FunctionBuilder<'f>,
    pub(super) info: &'i ModuleInfo,
    pub(super) config: TranslateConfig,
    pub(super) isa: &'f dyn TargetIsa,
    num_imported_funcs: u32,
    pub(super) vmctx: Value,
    locals: Vec<Variable>,
    /// The locals' types.
    local_tys: Vec<Type>,
    /// Set when translating an OSR entry.
    osr: Option<Osr>,
    /// `loop` operators seen so far (reachable or not).
    loops_seen: u32,
    pub(super) stack: Vec<Value>,
    ctrl: Vec<Ctrl>,
    reachable: bool,
    /// Blocks opened in unreachable code.
    dead_depth: u32,
    /// Operators since fuel was last charged.
    fuel_pending: u64,
    /// The frame's one slot array for runtime calls (GC operators, thrown
    /// payloads), with the most slots any of them needs: its size is set
    /// when the function is done ([`Translator::finish_scratch`]).
    scratch: Option<(ir::StackSlot, u32)>,
    sigs: HashMap<u32, SigRef>,
    funcs: HashMap<u32, FuncRef>,
    libcalls: HashMap<u32, FuncRef>,
    /// Landing pads that something throws to (the others stay empty).
    used_pads: HashSet<Block>,
    /// Memories whose length and base the entry block loads (see
    /// `load_len_at_entry`).
    len_at_entry: HashSet<u32>,
}

/// Flags of loads from the instance's constant structures (vmctx fields,
/// the arrays they point at, memory and table descriptors' addresses).
pub(super) fn ro() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Alias region of Wasm loads and stores (the bytes of linear memories).
/// Loads of a memory's base and length are in `REGION_MEMORY_DESC`, so a
/// store to linear memory does not make Cranelift load them again; calls
/// (`memory.grow` among them) still do. Other runtime state has no region
/// (it may alias anything).
const REGION_HEAP: u32 = 1;
const REGION_MEMORY_DESC: u32 = 2;

/// Flags of loads and stores of runtime state that may change.
pub(super) fn rw() -> MemFlagsData {
    MemFlagsData::trusted()
}

pub(super) fn little() -> MemFlagsData {
    MemFlagsData::new().with_endianness(ir::Endianness::Little)
}

impl<'f, 'i> Translator<'f, 'i> {
    // ---- the operand stack ----

    #[inline]
    pub(super) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    #[inline]
    pub(super) fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated: operand present")
    }

    pub(super) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    pub(super) fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    pub(super) fn ty_of(&self, v: Value) -> Type {
        self.b.func.dfg.value_type(v)
    }

    /// `v` reinterpreted as the vector type `ty`.
    pub(super) fn as_vec(&mut self, v: Value, ty: Type) -> Value {
        if self.ty_of(v) == ty {
            v
        } else {
            self.b.ins().bitcast(ty, little(), v)
        }
    }

    /// `v` in its canonical type: vectors as `i8x16`.
    pub(super) fn canon(&mut self, v: Value) -> Value {
        let t = self.ty_of(v);
        if t.is_vector() && t != I8X16 {
            self.b.ins().bitcast(I8X16, little(), v)
        } else {
            v
        }
    }

    /// The top `n` operands in canonical types (replacing them on the stack).
    fn top_canon(&mut self, n: usize) -> Vec<Value> {
        let len = self.stack.len();
        for i in len - n..len {
            let v = self.stack[i];
            self.stack[i] = self.canon(v);
        }
        self.stack[len - n..].to_vec()
    }

    fn pop_canon(&mut self, n: usize) -> Vec<Value> {
        let v = self.top_canon(n);
        let len = self.stack.len();
        self.stack.truncate(len - n);
        v
    }

    pub(super) fn iconst32(&mut self, v: i32) -> Value {
        self.b.ins().iconst(I32, v as u32 as i64)
    }

    pub(super) fn iconst64(&mut self, v: i64) -> Value {
        self.b.ins().iconst(I64, v)
    }

    pub(super) fn bool_to_i32(&mut self, c: Value) -> Value {
        self.b.ins().uextend(I32, c)
    }

    // ---- the instance ----

    /// Loads `base + offset` (any offset) with the given flags.
    pub(super) fn load_at(&mut self, ty: Type, flags: MemFlagsData, base: Value, offset: i64) -> Value {
        if let Ok(o) = i32::try_from(offset) {
            self.b.ins().load(ty, flags, base, o)
        } else {
            let o = self.iconst64(offset);
            let a = self.b.ins().iadd(base, o);
            self.b.ins().load(ty, flags, a, 0)
        }
    }

    pub(super) fn vmctx_field(&mut self, offset: i32) -> Value {
        let vmctx = self.vmctx;
        self.b.ins().load(I64, ro(), vmctx, offset)
    }

    pub(super) fn store_ptr(&mut self) -> Value {
        self.vmctx_field(abi::OFFSET_VMCTX_STORE)
    }

    /// The address of memory `i`'s `LinearMemory`.
    pub(super) fn memory_ptr(&mut self, i: u32) -> Value {
        let arr = self.vmctx_field(abi::OFFSET_VMCTX_MEMORIES);
        self.load_at(I64, ro(), arr, i as i64 * 8)
    }

    fn table_ptr(&mut self, i: u32) -> Value {
        let arr = self.vmctx_field(abi::OFFSET_VMCTX_TABLES);
        self.load_at(I64, ro(), arr, i as i64 * 8)
    }

    fn global_cell(&mut self, i: u32) -> Value {
        if i == 0 {
            return self.vmctx_field(abi::OFFSET_VMCTX_GLOBAL0);
        }
        let arr = self.vmctx_field(abi::OFFSET_VMCTX_GLOBALS);
        self.load_at(I64, ro(), arr, i as i64 * 8)
    }

    /// The address of `vmctx.funcs[i]`.
    fn funcref_addr(&mut self, i: u32) -> Value {
        let arr = self.vmctx_field(abi::OFFSET_VMCTX_FUNCS);
        let off = self.iconst64(i as i64 * abi::SIZE_FUNCREF as i64);
        self.b.ins().iadd(arr, off)
    }

    // ---- signatures and callees ----

    fn sig_ref(&mut self, type_index: u32) -> SigRef {
        if let Some(&s) = self.sigs.get(&type_index) {
            return s;
        }
        let sig = native_signature(&self.info.types[type_index as usize], self.isa);
        let s = self.b.import_signature(sig);
        self.sigs.insert(type_index, s);
        s
    }

    fn direct_func(&mut self, f: u32) -> FuncRef {
        if let Some(&r) = self.funcs.get(&f) {
            return r;
        }
        let ty = self.info.funcs[f as usize];
        let signature = self.sig_ref(ty);
        let r = self.import_user_function(NS_FUNC, f, signature, true);
        self.funcs.insert(f, r);
        r
    }

    fn libcall(&mut self, lc: Libcall) -> FuncRef {
        let key = lc as u32;
        if let Some(&r) = self.libcalls.get(&key) {
            return r;
        }
        let sig = super::libcall_signature(lc, self.isa);
        let signature = self.b.import_signature(sig);
        // On x86-64 a libcall is a PC-relative call to a stub in the same
        // code (a jump through the symbol's address): the code then holds
        // no absolute addresses, so precompiled code maps from its file
        // without relocating page after page. aarch64's calls reach only
        // 128 MiB, so there each call loads the address itself.
        let near = self.isa.name() == "x64";
        let r = self.import_user_function(NS_LIBCALL, key, signature, near);
        self.libcalls.insert(key, r);
        r
    }

    /// Declares external function `index` of namespace `ns` (see
    /// [`NS_FUNC`], [`NS_LIBCALL`]); `colocated` ones are called PC-relative.
    fn import_user_function(&mut self, ns: u32, index: u32, signature: SigRef, colocated: bool) -> FuncRef {
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(ns, index));
        self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated,
            patchable: false,
        })
    }

    /// Calls a libcall with `vmctx` prepended; returns its result, if any.
    ///
    /// Before the call, the frame and stack pointers go to the store's
    /// exit registers, so that a trap the libcall raises can name the
    /// compiled frames it crosses (`tern_vm::signals::ExitRegs`).
    pub(super) fn call_libcall(&mut self, lc: Libcall, args: &[Value]) -> Option<Value> {
        let f = self.libcall(lc);
        let store = self.store_ptr();
        super::store_exit_regs(&mut self.b, store, I64);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let inst = self.b.ins().call(f, &all);
        self.b.inst_results(inst).first().copied()
    }

    // ---- fuel and interrupts ----

    /// Charges the operators counted since the last charge.
    fn flush_fuel(&mut self) {
        if !self.config.fuel || self.fuel_pending == 0 {
            return;
        }
        let n = std::mem::take(&mut self.fuel_pending);
        let store = self.store_ptr();
        let fuel = self.b.ins().load(I64, rw(), store, abi::OFFSET_STORE_FUEL);
        let n = self.iconst64(n as i64);
        let left = self.b.ins().isub(fuel, n);
        self.b.ins().store(rw(), left, store, abi::OFFSET_STORE_FUEL);
        let neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, left, 0);
        self.cold_call_if(neg, Libcall::OutOfFuel, &[]);
    }

    /// `if cond { libcall(vmctx, args) }` with the call in a cold block.
    fn cold_call_if(&mut self, cond: Value, lc: Libcall, args: &[Value]) {
        self.cold_if(cond, |t| {
            t.call_libcall(lc, args);
        });
    }

    /// `if cond { body }` with the body in a cold block.
    fn cold_if(&mut self, cond: Value, body: impl FnOnce(&mut Self)) {
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(cond, cold, &[], cont, &[]);
        self.b.seal_block(cold);
        self.b.switch_to_block(cold);
        body(self);
        self.b.ins().jump(cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    fn check_interrupt(&mut self) {
        let store = self.store_ptr();
        let flag = self.b.ins().load(I64, ro(), store, abi::OFFSET_STORE_INTERRUPT);
        // An atomic load is never merged with an earlier one, so a loop sees
        // the flag change.
        let set = self.b.ins().atomic_load(I64, MemFlagsData::trusted(), flag);
        self.cold_call_if(set, Libcall::Interrupt, &[]);
    }

    fn check_epoch(&mut self) {
        let store = self.store_ptr();
        let counter = self.b.ins().load(I64, ro(), store, abi::OFFSET_STORE_EPOCH);
        // Atomic, so that a loop sees the counter move; the deadline is a
        // plain load that the libcall's effects invalidate.
        let now = self.b.ins().atomic_load(I64, MemFlagsData::trusted(), counter);
        let deadline = self.b.ins().load(I64, rw(), store, abi::OFFSET_STORE_EPOCH_DEADLINE);
        let reached = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, now, deadline);
        self.cold_call_if(reached, Libcall::EpochDeadline, &[]);
    }

    // ---- control ----

    fn block_types(&self, bt: BlockType) -> (Vec<Type>, Vec<Type>) {
        match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Value(t) => (vec![], vec![clif_type(t)]),
            BlockType::Func(i) => {
                let ty = &self.info.types[i as usize];
                (
                    ty.params().iter().map(|&t| clif_type(t)).collect(),
                    ty.results().iter().map(|&t| clif_type(t)).collect(),
                )
            }
        }
    }

    fn block_with(&mut self, tys: &[Type]) -> Block {
        let blk = self.b.create_block();
        for &t in tys {
            self.b.append_block_param(blk, t);
        }
        blk
    }

    fn jump(&mut self, to: Block, args: &[Value]) {
        let args: Vec<BlockArg> = args.iter().map(|&v| BlockArg::Value(v)).collect();
        self.b.ins().jump(to, &args);
    }

    /// Where a branch to the frame `depth` levels out goes, and how many
    /// operands it carries; marks the target as reached.
    fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let i = self.ctrl.len() - 1 - depth as usize;
        let c = &mut self.ctrl[i];
        match c.kind {
            Kind::Loop { header } => (header, c.n_params),
            _ => {
                c.next_reachable = true;
                (c.next, c.n_results)
            }
        }
    }

    /// Opens a control frame whose `n_params` parameters are on the stack
    /// and whose end continues at `next`.
    fn push_ctrl(&mut self, kind: Kind, n_params: usize, n_results: usize, next: Block, region: Option<Block>) {
        self.ctrl.push(Ctrl {
            kind,
            n_params,
            n_results,
            next,
            height: self.stack.len() - n_params,
            next_reachable: false,
            region,
        });
    }

    fn visit_block(&mut self, bt: BlockType) {
        let (params, results) = self.block_types(bt);
        let next = self.block_with(&results);
        let kind = Kind::Block;
        self.push_ctrl(kind, params.len(), results.len(), next, self.region());
    }

    fn visit_loop(&mut self, bt: BlockType) {
        let (params, results) = self.block_types(bt);
        let n = params.len();
        let header = self.block_with(&params);
        self.flush_fuel();
        let args = self.pop_canon(n);
        self.jump(header, &args);
        if self.osr.is_some() {
            self.osr_entry(header, n);
        }
        self.b.switch_to_block(header);
        let hp = self.b.block_params(header).to_vec();
        self.stack.extend(hp);
        if self.config.interrupts {
            self.check_interrupt();
        }
        if self.config.epochs {
            self.check_epoch();
        }
        let next = self.block_with(&results);
        let kind = Kind::Loop { header };
        self.push_ctrl(kind, n, results.len(), next, self.region());
    }

    /// At a loop of an OSR entry, whose `n` parameters were just passed to
    /// its `header` from the code before it: when it is the target and
    /// nothing lies on the stack below them, makes the loop's entry, a block that loads the
    /// locals and the parameters from the state and jumps to the header
    /// too. (The code before the loop stays: enclosing loops reach it
    /// again. With nothing below the loop's parameters, no value of the
    /// code before the loop is used after it but through the locals, which
    /// the builder merges.)
    fn osr_entry(&mut self, header: Block, n: usize) {
        let Some(o) = self.osr.as_ref() else { return };
        let state = o.state;
        let at = self.loops_seen - 1;
        if !self.stack.is_empty() || at != o.target {
            return;
        }
        let block = self.b.create_block();
        if let Some(o) = self.osr.as_mut() {
            o.entries.push((at, block));
        }
        self.b.switch_to_block(block);
        // After the loop's index.
        let mut off = 8i32;
        let mut load = |t: &mut Self, ty: Type| {
            // Vectors in their canonical type.
            let ty = if ty.is_vector() { I8X16 } else { ty };
            let v = t.b.ins().load(ty, MemFlagsData::trusted(), state, off);
            off += if ty.bytes() > 8 { 16 } else { 8 };
            v
        };
        for i in 0..self.locals.len() {
            let v = load(self, self.local_tys[i]);
            self.b.def_var(self.locals[i], v);
        }
        let tys: Vec<Type> = self.b.func.dfg.block_params(header)[..n]
            .iter()
            .map(|&p| self.b.func.dfg.value_type(p))
            .collect();
        let args: Vec<Value> = tys.into_iter().map(|ty| load(self, ty)).collect();
        self.jump(header, &args);
    }

    /// Fills an OSR entry's dispatch block: a jump table over the state's
    /// loop index to the loops' entries (a trap for any other).
    fn fill_osr_dispatch(&mut self) {
        let Some(o) = self.osr.take() else { return };
        self.b.switch_to_block(o.dispatch);
        let trap = self.b.create_block();
        let mut targets = vec![trap; self.loops_seen as usize];
        for &(at, block) in &o.entries {
            targets[at as usize] = block;
        }
        let index = self.b.ins().load(I32, MemFlagsData::trusted(), o.state, 0);
        let calls: Vec<BlockCall> = targets
            .iter()
            .map(|&t| BlockCall::new(t, [], &mut self.b.func.dfg.value_lists))
            .collect();
        let default = BlockCall::new(trap, [], &mut self.b.func.dfg.value_lists);
        let jt = self.b.create_jump_table(JumpTableData::new(default, &calls));
        self.b.ins().br_table(index, jt);
        self.b.switch_to_block(trap);
        self.b.ins().trap(trap_codes::UNREACHABLE);
    }

    fn visit_if(&mut self, bt: BlockType) {
        let (params, results) = self.block_types(bt);
        let n = params.len();
        let cond = self.pop();
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        let next = self.block_with(&results);
        let else_params = self.top_canon(n);
        // Both branches start with the operators before them charged.
        self.flush_fuel();
        self.b.ins().brif(cond, then_block, &[], else_block, &[]);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);
        self.b.switch_to_block(then_block);
        let kind = Kind::If {
            else_block,
            else_params,
            has_else: false,
        };
        self.push_ctrl(kind, n, results.len(), next, self.region());
    }

    fn visit_else(&mut self) {
        if self.dead_depth > 0 {
            return;
        }
        if self.reachable {
            self.flush_fuel();
            let (next, n) = self.branch_target(0);
            let args = self.pop_canon(n);
            self.jump(next, &args);
        }
        let c = self.ctrl.last_mut().unwrap();
        let Kind::If {
            else_block,
            else_params,
            has_else,
        } = &mut c.kind
        else {
            unreachable!("validated: else closes an if")
        };
        *has_else = true;
        let (else_block, params) = (*else_block, else_params.clone());
        let height = c.height;
        self.stack.truncate(height);
        self.stack.extend(params);
        // (The operators before the `if` were charged before it.)
        self.fuel_pending = 0;
        self.b.switch_to_block(else_block);
        self.reachable = true;
    }

    /// `end`, or `delegate depth` (`Some`), which ends a legacy `try`
    /// whose exceptions go to the region just inside label `depth`.
    fn visit_end(&mut self, delegate: Option<u32>) {
        if self.dead_depth > 0 {
            self.dead_depth -= 1;
            return;
        }
        if self.reachable {
            // Falling through to `next` (for a loop too, unlike a branch),
            // with what this path executed charged: every path into
            // `next` charges its own operators.
            self.flush_fuel();
            let c = self.ctrl.last_mut().expect("validated: a frame is open");
            c.next_reachable = true;
            let (next, n) = (c.next, c.n_results);
            let args = self.pop_canon(n);
            self.jump(next, &args);
        }
        let mut c = self.ctrl.pop().expect("validated: a frame is open");
        match c.kind {
            Kind::If {
                else_block,
                ref else_params,
                has_else: false,
            } => {
                self.b.switch_to_block(else_block);
                let ps = else_params.clone();
                self.jump(c.next, &ps);
                c.next_reachable = true;
            }
            Kind::Loop { header } => self.b.seal_block(header),
            Kind::TryTable { pad, ref catches } => {
                let clauses: Vec<PadClause> = catches.iter().map(|&c| PadClause::Table(c)).collect();
                let outer = self.region();
                self.fill_pad(pad, &clauses, outer);
            }
            Kind::Try { pad, ref catches, .. } => {
                let clauses: Vec<PadClause> = catches.iter().map(|&(t, b)| PadClause::Legacy(t, b)).collect();
                let outer = match delegate {
                    Some(d) => self.ctrl[self.ctrl.len() - 1 - d as usize].region,
                    None => self.region(),
                };
                self.fill_pad(pad, &clauses, outer);
                for &(_, b) in catches {
                    self.b.seal_block(b);
                }
            }
            _ => {}
        }
        self.stack.truncate(c.height);
        self.b.seal_block(c.next);
        // Every path into `next` charged its own operators.
        self.fuel_pending = 0;
        if c.next_reachable {
            self.b.switch_to_block(c.next);
            let params = self.b.block_params(c.next).to_vec();
            if let Kind::Func = c.kind {
                self.flush_fuel();
                self.b.ins().return_(&params);
                self.reachable = false;
            } else {
                self.stack.extend(params);
                self.reachable = true;
            }
        } else {
            self.reachable = false;
        }
    }

    fn visit_br(&mut self, depth: u32) {
        self.flush_fuel();
        let (to, n) = self.branch_target(depth);
        let args = self.top_canon(n);
        self.jump(to, &args);
        self.reachable = false;
    }

    pub(super) fn visit_br_if(&mut self, depth: u32) {
        let cond = self.pop();
        self.flush_fuel();
        let (to, n) = self.branch_target(depth);
        let args: Vec<BlockArg> = self.top_canon(n).into_iter().map(BlockArg::Value).collect();
        let cont = self.b.create_block();
        self.b.ins().brif(cond, to, &args, cont, &[]);
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
    }

    /// `br_on_null` (the reference stays when not taken) and
    /// `br_on_non_null` (the branch carries it; dropped when not taken).
    fn visit_br_on_null(&mut self, depth: u32, non_null: bool) {
        let r = self.pop();
        self.flush_fuel();
        if non_null {
            self.push(r);
        }
        let (to, n) = self.branch_target(depth);
        let args: Vec<BlockArg> = self.top_canon(n).into_iter().map(BlockArg::Value).collect();
        let cont = self.b.create_block();
        if non_null {
            self.b.ins().brif(r, to, &args, cont, &[]);
        } else {
            self.b.ins().brif(r, cont, &[], to, &args);
        }
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
        if non_null {
            self.pop();
        } else {
            self.push(r);
        }
    }

    fn visit_br_table(&mut self, targets: BrTable<'_>) {
        let index = self.pop();
        self.flush_fuel();
        let (_, n) = self.branch_target(targets.default());
        let args: Vec<BlockArg> = self.top_canon(n).into_iter().map(BlockArg::Value).collect();
        let call = |t: &mut Self, depth: u32| {
            let (to, _) = t.branch_target(depth);
            BlockCall::new(to, args.iter().copied(), &mut t.b.func.dfg.value_lists)
        };
        let default = call(self, targets.default());
        let table: Vec<BlockCall> = targets.targets().map(|d| call(self, d)).collect();
        let jt = self.b.create_jump_table(JumpTableData::new(default, &table));
        self.b.ins().br_table(index, jt);
        self.reachable = false;
    }

    fn visit_return(&mut self) {
        self.flush_fuel();
        let n = self.ctrl[0].n_results;
        let args = self.top_canon(n);
        self.b.ins().return_(&args);
        self.reachable = false;
    }

    // ---- calls ----

    /// Pops the arguments of a call of type `type_index`.
    fn call_args(&mut self, type_index: u32, callee_vmctx: Value) -> Vec<Value> {
        let n = self.info.types[type_index as usize].params().len();
        let mut args = Vec::with_capacity(n + 2);
        args.push(callee_vmctx);
        args.push(self.vmctx);
        args.extend(self.pop_canon(n));
        args
    }

    fn push_results(&mut self, inst: ir::Inst) {
        let rs = self.b.inst_results(inst).to_vec();
        self.stack.extend(rs);
    }

    /// The native entry and callee vmctx of the function reference at
    /// `fr`: its own when it is compiled code, else this module's
    /// trampoline for `type_index` with `fr` as the callee vmctx.
    ///
    /// The trampoline is looked up on a cold branch: most calls go to
    /// compiled code.
    fn callee_of(&mut self, fr: Value, type_index: u32, constant: bool) -> (Value, Value) {
        let flags = if constant { ro() } else { rw() };
        let native = self.b.ins().load(I64, flags, fr, abi::OFFSET_FUNCREF_NATIVE_CALL);
        let callee_vmctx = self.b.ins().load(I64, flags, fr, abi::OFFSET_FUNCREF_VMCTX);
        let foreign = self.b.create_block();
        let join = self.block_with(&[I64, I64]);
        self.b.set_cold_block(foreign);
        self.b.ins().brif(
            native,
            join,
            &[BlockArg::Value(native), BlockArg::Value(callee_vmctx)],
            foreign,
            &[],
        );
        self.b.seal_block(foreign);
        self.b.switch_to_block(foreign);
        let tramps = self.vmctx_field(abi::OFFSET_VMCTX_FOREIGN_TRAMPOLINES);
        let tramp = self.load_at(I64, ro(), tramps, type_index as i64 * 8);
        self.jump(join, &[tramp, fr]);
        self.b.seal_block(join);
        self.b.switch_to_block(join);
        let ps = self.b.block_params(join);
        (ps[0], ps[1])
    }

    fn visit_call(&mut self, f: u32, tail: bool) {
        self.flush_fuel();
        let type_index = self.info.funcs[f as usize];
        if f >= self.num_imported_funcs {
            let fref = self.direct_func(f);
            let args = self.call_args(type_index, self.vmctx);
            if tail {
                self.b.ins().return_call(fref, &args);
                self.reachable = false;
            } else {
                self.call_wasm(Callee::Direct(fref), &args);
            }
        } else {
            let fr = self.funcref_addr(f);
            let (code, callee_vmctx) = self.callee_of(fr, type_index, true);
            self.indirect(type_index, code, callee_vmctx, tail);
        }
    }

    fn indirect(&mut self, type_index: u32, code: Value, callee_vmctx: Value, tail: bool) {
        let sig = self.sig_ref(type_index);
        let args = self.call_args(type_index, callee_vmctx);
        if tail {
            self.b.ins().return_call_indirect(sig, code, &args);
            self.reachable = false;
        } else {
            self.call_wasm(Callee::Indirect(sig, code), &args);
        }
    }

    /// A call of a Wasm function (compiled code or a trampoline) that
    /// pushes its results. Inside a try region it is a `try_call` whose
    /// exception table sends every exception to the region's landing pad;
    /// elsewhere a plain call, so code outside try regions pays nothing.
    fn call_wasm(&mut self, callee: Callee, args: &[Value]) {
        let Some(pad) = self.region() else {
            let inst = match callee {
                Callee::Direct(f) => self.b.ins().call(f, args),
                Callee::Indirect(sig, code) => self.b.ins().call_indirect(sig, code, args),
            };
            self.push_results(inst);
            return;
        };
        self.used_pads.insert(pad);
        let sig = match callee {
            Callee::Direct(f) => self.b.func.dfg.ext_funcs[f].signature,
            Callee::Indirect(sig, _) => sig,
        };
        let results: Vec<Type> = self.b.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|p| p.value_type)
            .collect();
        let cont = self.block_with(&results);
        let pool = &mut self.b.func.dfg.value_lists;
        let normal = BlockCall::new(cont, (0..results.len() as u32).map(BlockArg::TryCallRet), pool);
        let exn = BlockCall::new(pad, [BlockArg::TryCallExn(0)], pool);
        let table = ExceptionTableData::new(sig, normal, [ExceptionTableItem::Default(exn)]);
        let et = self.b.func.dfg.exception_tables.push(table);
        match callee {
            Callee::Direct(f) => self.b.ins().try_call(f, args, et),
            Callee::Indirect(_, code) => self.b.ins().try_call_indirect(code, args, et),
        };
        self.b.seal_block(cont);
        self.b.switch_to_block(cont);
        let rs = self.b.block_params(cont).to_vec();
        self.stack.extend(rs);
    }

    // ---- exceptions ----

    /// The landing pad of the innermost try region here, if any.
    fn region(&self) -> Option<Block> {
        self.ctrl.last().and_then(|c| c.region)
    }

    /// Throws `exn` (a non-null raw `exnref`) from here: a branch to the
    /// landing pad `to`, or out of the function with `throw_ref`.
    fn throw_to(&mut self, exn: Value, to: Option<Block>) {
        match to {
            Some(pad) => {
                self.used_pads.insert(pad);
                self.jump(pad, &[exn]);
            }
            None => {
                self.call_libcall(Libcall::ThrowRef, &[exn]);
                self.b.ins().trap(trap_codes::UNREACHABLE);
            }
        }
        self.reachable = false;
    }

    /// The slot layout of tag `tag`'s parameters: their types and the
    /// number of slots.
    fn tag_params(&self, tag: u32) -> (Vec<tern_binary::ValType>, u32) {
        let ty = &self.info.types[self.info.tags[tag as usize] as usize];
        (ty.params().to_vec(), tern_vm::slots_of_all(ty.params()))
    }

    /// The address of the frame's scratch slot array, with room for at
    /// least `slots` value slots. One array serves every runtime call of
    /// the function (each uses it only until the call returns), so that a
    /// function with many of them keeps a small frame.
    pub(super) fn slot_array(&mut self, slots: u32) -> Value {
        let ss = match &mut self.scratch {
            Some((ss, most)) => {
                *most = (*most).max(slots);
                *ss
            }
            None => {
                let ss = self
                    .b
                    .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 4));
                self.scratch = Some((ss, slots));
                ss
            }
        };
        self.b.ins().stack_addr(I64, ss, 0)
    }

    /// Sizes the scratch slot array for its largest use.
    fn finish_scratch(&mut self) {
        if let Some((ss, most)) = self.scratch {
            self.b.func.sized_stack_slots[ss].size = most.max(1) * 8;
        }
    }

    fn visit_throw(&mut self, tag: u32) {
        self.flush_fuel();
        let (tys, slots) = self.tag_params(tag);
        let args = self.pop_canon(tys.len());
        let arr = self.slot_array(slots);
        let mut off = 0;
        for (&t, &v) in tys.iter().zip(&args) {
            let v = self.as_vec(v, clif_type(t));
            crate::trampoline::store_slot(&mut self.b, t, v, arr, off);
            off += 8 * tern_vm::slots_of(t) as i32;
        }
        let t = self.iconst32(tag as i32);
        let exn = self.call_libcall(Libcall::ExnNew, &[t, arr]).unwrap();
        let to = self.region();
        self.throw_to(exn, to);
    }

    fn visit_throw_ref(&mut self) {
        self.flush_fuel();
        let exn = self.pop();
        let to = self.region();
        if to.is_some() {
            self.b.ins().trapz(exn, trap_codes::NULL_REFERENCE);
        }
        self.throw_to(exn, to);
    }

    fn visit_rethrow(&mut self, depth: u32) {
        self.flush_fuel();
        let i = self.ctrl.len() - 1 - depth as usize;
        let Kind::Try { exn: Some(var), .. } = self.ctrl[i].kind else {
            unreachable!("validated: rethrow names a catch")
        };
        let exn = self.b.use_var(var);
        let to = self.region();
        self.throw_to(exn, to);
    }

    fn visit_try_table(&mut self, tt: TryTable) {
        let (params, results) = self.block_types(tt.ty);
        let next = self.block_with(&results);
        let pad = self.block_with(&[I64]);
        let kind = Kind::TryTable {
            pad,
            catches: tt.catches,
        };
        self.push_ctrl(kind, params.len(), results.len(), next, Some(pad));
    }

    fn visit_try(&mut self, bt: BlockType) {
        let (params, results) = self.block_types(bt);
        let next = self.block_with(&results);
        let pad = self.block_with(&[I64]);
        let kind = Kind::Try {
            pad,
            catches: Vec::new(),
            exn: None,
        };
        self.push_ctrl(kind, params.len(), results.len(), next, Some(pad));
    }

    /// `catch tag` (`Some`) or `catch_all` of a legacy `try`: ends the
    /// previous part like `else`, and starts the handler's block, whose
    /// parameter is the exception; its payload is on the stack.
    fn visit_catch(&mut self, tag: Option<u32>) {
        if self.dead_depth > 0 {
            return;
        }
        if self.reachable {
            self.flush_fuel();
            let (next, n) = self.branch_target(0);
            let args = self.pop_canon(n);
            self.jump(next, &args);
        }
        let outer = self.ctrl.len().checked_sub(2).and_then(|i| self.ctrl[i].region);
        let block = self.block_with(&[I64]);
        let fresh = self.b.declare_var(I64);
        let c = self.ctrl.last_mut().unwrap();
        let Kind::Try { catches, exn, .. } = &mut c.kind else {
            unreachable!("validated: catch follows a try")
        };
        catches.push((tag, block));
        // One variable for all the try's catches (unused ones cost nothing).
        let var = *exn.get_or_insert(fresh);
        // Exceptions in handlers go to the try's own surroundings.
        let c = self.ctrl.last_mut().unwrap();
        c.region = outer;
        let height = c.height;
        self.stack.truncate(height);
        self.fuel_pending = 0;
        self.b.switch_to_block(block);
        self.reachable = true;
        let e = self.b.block_params(block)[0];
        self.b.def_var(var, e);
        // The exception may be rethrown or kept: it stays exposed.
        let out = match tag {
            Some(t) => {
                let (tys, slots) = self.tag_params(t);
                let arr = self.slot_array(slots);
                Some((tys, arr))
            }
            None => None,
        };
        let ptr = match &out {
            Some((_, arr)) => *arr,
            None => self.iconst64(0),
        };
        let keep = self.iconst32(1);
        self.call_libcall(Libcall::ExnCaught, &[e, ptr, keep]);
        if let Some((tys, arr)) = out {
            self.push_payload(&tys, arr);
        }
    }

    /// Loads a payload of types `tys` from the slot array at `arr` onto
    /// the stack.
    fn push_payload(&mut self, tys: &[tern_binary::ValType], arr: Value) {
        let mut off = 0;
        for &t in tys {
            let v = crate::trampoline::load_slot(&mut self.b, t, arr, off);
            off += 8 * tern_vm::slots_of(t) as i32;
            self.push(v);
        }
    }

    /// Fills the landing pad `pad` of a try region that ended: tests the
    /// exception against each clause in order and goes to the first that
    /// matches; with none, throws it on to `outer` (the enclosing region,
    /// or the caller).
    fn fill_pad(&mut self, pad: Block, clauses: &[PadClause], outer: Option<Block>) {
        if !self.used_pads.contains(&pad) {
            return;
        }
        self.b.switch_to_block(pad);
        let exn = self.b.block_params(pad)[0];
        for cl in clauses {
            let tag = match *cl {
                PadClause::Table(c) => match c.kind {
                    CatchKind::Catch | CatchKind::CatchRef => Some(c.tag),
                    _ => None,
                },
                PadClause::Legacy(tag, _) => tag,
            };
            let miss = match tag {
                Some(t) => {
                    let tv = self.iconst32(t as i32);
                    let hit = self.call_libcall(Libcall::ExnIs, &[exn, tv]).unwrap();
                    let yes = self.b.create_block();
                    let no = self.b.create_block();
                    self.b.ins().brif(hit, yes, &[], no, &[]);
                    self.b.seal_block(yes);
                    self.b.seal_block(no);
                    self.b.switch_to_block(yes);
                    Some(no)
                }
                None => None,
            };
            match *cl {
                PadClause::Table(c) => {
                    let keep = matches!(c.kind, CatchKind::CatchRef | CatchKind::CatchAllRef);
                    let k = self.iconst32(keep as i32);
                    let height = self.stack.len();
                    if let Some(t) = tag {
                        let (tys, slots) = self.tag_params(t);
                        let arr = self.slot_array(slots);
                        self.call_libcall(Libcall::ExnCaught, &[exn, arr, k]);
                        self.push_payload(&tys, arr);
                    } else {
                        let null = self.iconst64(0);
                        self.call_libcall(Libcall::ExnCaught, &[exn, null, k]);
                    }
                    if keep {
                        self.push(exn);
                    }
                    let (to, n) = self.branch_target(c.label);
                    let args = self.pop_canon(n);
                    debug_assert_eq!(self.stack.len(), height);
                    self.jump(to, &args);
                }
                PadClause::Legacy(_, block) => self.jump(block, &[exn]),
            }
            match miss {
                Some(no) => self.b.switch_to_block(no),
                None => {
                    self.b.seal_block(pad);
                    return;
                }
            }
        }
        self.throw_to(exn, outer);
        self.b.seal_block(pad);
    }

    /// Index operand of a table as `i64`.
    fn table_index(&mut self, table: u32, v: Value) -> Value {
        if self.info.tables[table as usize].table64 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    /// The address of element `idx` (i64) of `table`, after the bounds check.
    /// Table 0 of a type whose minimum is its maximum (as toolchains
    /// emit the table of a C program's function pointers) cannot grow:
    /// its elements never move and its length is that minimum (an
    /// imported table matches the import's limits, so it has exactly that
    /// length too). Its element pointer is in the context.
    fn fixed_table0(&self, table: u32) -> Option<u64> {
        let limits = self.info.tables.first()?.limits;
        (table == 0 && limits.max == Some(limits.min)).then_some(limits.min)
    }

    fn table_elem_addr(&mut self, table: u32, idx: Value, code: TrapCode) -> Value {
        let (len, base) = match self.fixed_table0(table) {
            Some(n) => (self.iconst64(n as i64), None),
            None => {
                let tp = self.table_ptr(table);
                (self.b.ins().load(I64, rw(), tp, abi::OFFSET_TABLE_LEN), Some(tp))
            }
        };
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, idx, len);
        self.b.ins().trapnz(oob, code);
        let base = match base {
            Some(tp) => self.b.ins().load(I64, rw(), tp, abi::OFFSET_TABLE_BASE),
            None => self.vmctx_field(abi::OFFSET_VMCTX_TABLE0_BASE),
        };
        let off = self.b.ins().ishl_imm_u(idx, 3);
        self.b.ins().iadd(base, off)
    }

    /// The address of the store's function reference for the non-null
    /// raw reference `r` (store function `r - 1`): the references lie by
    /// value in the store context's array, so it is arithmetic on the
    /// array's address (reloaded for each use: the array moves when the
    /// store gains functions).
    fn store_func_ref(&mut self, r: Value) -> Value {
        const _: () = assert!(abi::SIZE_FUNCREF == 32, "the shift below assumes 32-byte references");
        let store = self.store_ptr();
        let func_refs = self.b.ins().load(I64, rw(), store, abi::OFFSET_STORE_FUNC_REFS);
        let off = self.b.ins().ishl_imm_u(r, 5);
        let at = self.b.ins().iadd(func_refs, off);
        self.b.ins().iadd_imm_s(at, -(abi::SIZE_FUNCREF as i64))
    }

    fn visit_call_indirect(&mut self, type_index: u32, table: u32, tail: bool) {
        self.flush_fuel();
        let i = self.pop();
        let idx = self.table_index(table, i);
        let addr = self.table_elem_addr(table, idx, trap_codes::UNDEFINED_ELEMENT);
        let elem = self.b.ins().load(I64, rw(), addr, 0);
        self.b.ins().trapz(elem, trap_codes::UNINITIALIZED_ELEMENT);
        let fr = self.store_func_ref(elem);
        let sig = self.b.ins().load(I32, rw(), fr, abi::OFFSET_FUNCREF_SIG);
        let sigs = self.vmctx_field(abi::OFFSET_VMCTX_SIGS);
        let expected = self.load_at(I32, ro(), sigs, type_index as i64 * 4);
        let bad = self.b.ins().icmp(IntCC::NotEqual, sig, expected);
        if self.info.type_defs.get(type_index as usize).is_none_or(|d| d.is_final) {
            self.b.ins().trapnz(bad, trap_codes::INDIRECT_CALL_TYPE_MISMATCH);
        } else {
            // A type that is not final has subtypes: another signature
            // may still be one of them (asked on a cold path).
            self.cold_if(bad, |t| {
                let ok = t.call_libcall(Libcall::FuncSubtype, &[sig, expected]).unwrap();
                t.b.ins().trapz(ok, trap_codes::INDIRECT_CALL_TYPE_MISMATCH);
            });
        }
        let (code, callee_vmctx) = self.callee_of(fr, type_index, false);
        self.indirect(type_index, code, callee_vmctx, tail);
    }

    /// `call_ref` / `return_call_ref`: a null check, then the call through
    /// the function reference (no signature check: validation guarantees
    /// the reference's type).
    fn visit_call_ref(&mut self, type_index: u32, tail: bool) {
        self.flush_fuel();
        let r = self.pop();
        self.b.ins().trapz(r, trap_codes::NULL_FUNCTION_REFERENCE);
        let fr = self.store_func_ref(r);
        let (code, callee_vmctx) = self.callee_of(fr, type_index, false);
        self.indirect(type_index, code, callee_vmctx, tail);
    }

    // ---- memory ----

    fn is_memory64(&self, mem: u32) -> bool {
        self.info.memories[mem as usize].memory64
    }

    /// Loads memory `mem`'s length and base in the entry block too, the
    /// first time an access checks it. The loads at the access stay;
    /// Cranelift's redundant-load elimination replaces them with the entry
    /// block's where nothing in between may have changed them (no call, no
    /// store outside linear memory), which takes them out of such loops.
    fn load_len_at_entry(&mut self, mem: u32, desc: MemFlagsData) {
        if !self.len_at_entry.insert(mem) {
            return;
        }
        let entry = self.b.func.layout.entry_block().expect("the entry block exists");
        let Some(term) = self.b.func.layout.last_inst(entry) else {
            // Still in the entry block: the access's own load is there.
            return;
        };
        if !self.b.func.dfg.insts[term].opcode().is_terminator() {
            return;
        }
        let vmctx = self.vmctx;
        let mut pos = FuncCursor::new(self.b.func).at_inst(term);
        let arr = pos.ins().load(I64, ro(), vmctx, abi::OFFSET_VMCTX_MEMORIES);
        let mp = pos.ins().load(I64, ro(), arr, mem as i32 * 8);
        pos.ins().load(I64, desc, mp, abi::OFFSET_MEMORY_LEN);
        pos.ins().load(I64, desc, mp, abi::OFFSET_MEMORY_BASE);
    }

    /// The alias region `user_id` (`REGION_*`) of this function.
    fn alias_region(&mut self, user_id: u32) -> AliasRegion {
        let description = match user_id {
            REGION_HEAP => "linear memory",
            _ => "memory base and length",
        };
        self.b.func.dfg.alias_regions.insert(AliasRegionData {
            user_id,
            description: description.into(),
        })
    }

    /// The fewest bytes memory `mem` can have: its type's minimum (an
    /// imported memory is at least as large as its import says).
    fn min_bytes(&self, mem: u32) -> u64 {
        let ty = &self.info.memories[mem as usize];
        ty.limits.min.saturating_mul(1 << tern_vm::page_size_log2(ty))
    }

    /// Index operand of a memory as `i64`.
    pub(super) fn mem_index(&mut self, mem: u32, v: Value) -> Value {
        if self.is_memory64(mem) {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    /// The address and flags of an access of `size` bytes at the index
    /// `index` (the operand), or `None` when it statically traps (the
    /// trap is emitted and the rest of the block is unreachable).
    pub(super) fn mem_addr(&mut self, m: &MemArg, size: u32, index: Value) -> Option<(Value, i32, MemFlagsData)> {
        let idx = self.mem_index(m.memory, index);
        let guard = self.config.bounds_checks == BoundsChecks::Guard
            && tern_vm::guard_eligible(&self.info.memories[m.memory as usize]);
        let (base, flags) = if guard {
            // Memories with guard regions never move: memory 0's base is
            // copied into the context, the others' read from their memory.
            let base = if m.memory == 0 {
                self.vmctx_field(abi::OFFSET_VMCTX_MEMORY0_BASE)
            } else {
                let mp = self.memory_ptr(m.memory);
                self.b.ins().load(I64, ro(), mp, abi::OFFSET_MEMORY_BASE)
            };
            (base, little().with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS)))
        } else {
            let mp = self.memory_ptr(m.memory);
            let Some(need) = m.offset.checked_add(size as u64) else {
                self.b.ins().trap(TrapCode::HEAP_OUT_OF_BOUNDS);
                self.reachable = false;
                return None;
            };
            let desc = rw().with_alias_region(Some(self.alias_region(REGION_MEMORY_DESC)));
            self.load_len_at_entry(m.memory, desc);
            let len = self.b.ins().load(I64, desc, mp, abi::OFFSET_MEMORY_LEN);
            let oob = if need <= self.min_bytes(m.memory) {
                // The memory never has fewer bytes than its type's minimum,
                // so `len - need` cannot wrap: one comparison of the index
                // with a bound that every access of the same width and
                // offset shares (Cranelift computes it once per `len`).
                let need = self.iconst64(need as i64);
                let bound = self.b.ins().isub(len, need);
                self.b.ins().icmp(IntCC::UnsignedGreaterThan, idx, bound)
            } else {
                let need = self.iconst64(need as i64);
                let end = if self.is_memory64(m.memory) {
                    self.b.ins().uadd_overflow_trap(idx, need, TrapCode::HEAP_OUT_OF_BOUNDS)
                } else {
                    self.b.ins().iadd(idx, need)
                };
                self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len)
            };
            if self.info.memories[m.memory as usize].shared {
                // Another thread may have grown the memory since `len` was
                // read: the libcall checks the current length.
                let mem = self.iconst32(m.memory as i32);
                let need = self.iconst64(need as i64);
                self.cold_call_if(oob, Libcall::SharedRecheck, &[mem, idx, need]);
            } else {
                self.b.ins().trapnz(oob, TrapCode::HEAP_OUT_OF_BOUNDS);
            }
            let base = self.b.ins().load(I64, desc, mp, abi::OFFSET_MEMORY_BASE);
            (base, little().with_notrap())
        };
        let flags = flags.with_alias_region(Some(self.alias_region(REGION_HEAP)));
        let addr = self.b.ins().iadd(base, idx);
        match i32::try_from(m.offset) {
            Ok(o) => Some((addr, o, flags)),
            Err(_) => {
                let o = self.iconst64(m.offset as i64);
                Some((self.b.ins().iadd(addr, o), 0, flags))
            }
        }
    }

    /// A load of `size` bytes with `f` building the load.
    pub(super) fn load(&mut self, m: &MemArg, size: u32, f: impl FnOnce(&mut Self, MemFlagsData, Value, i32) -> Value) {
        let index = self.pop();
        if let Some((addr, off, flags)) = self.mem_addr(m, size, index) {
            let v = f(self, flags, addr, off);
            self.push(v);
        }
    }

    /// A store of `size` bytes of the value on top of the stack, converted by `f`.
    fn store(&mut self, m: &MemArg, size: u32, narrow: Option<Type>) {
        let value = self.pop();
        let index = self.pop();
        if let Some((addr, off, flags)) = self.mem_addr(m, size, index) {
            let v = match narrow {
                Some(t) => self.b.ins().ireduce(t, value),
                None => value,
            };
            self.b.ins().store(flags, v, addr, off);
        }
    }

    /// Traps `unaligned atomic` unless `index + offset` is a multiple of
    /// `size`. The spec checks alignment first, on the mathematical sum:
    /// its remainder is the wrapped sum's, so even an address whose sum
    /// overflows is checked for alignment before it is out of bounds.
    fn check_atomic_alignment(&mut self, m: &MemArg, index: Value, size: u32) {
        if size <= 1 {
            return;
        }
        let idx = self.mem_index(m.memory, index);
        let ea = if m.offset == 0 {
            idx
        } else {
            self.b.ins().iadd_imm_s(idx, m.offset as i64)
        };
        let low = self.b.ins().band_imm_u(ea, (size - 1) as i64);
        self.b.ins().trapnz(low, trap_codes::UNALIGNED_ATOMIC);
    }

    /// The effective address (`index + offset`, as i64) of an atomic
    /// access, after its alignment check; the libcall checks the bounds.
    fn effective_addr(&mut self, m: &MemArg, index: Value, size: u32) -> Value {
        self.check_atomic_alignment(m, index, size);
        let idx = self.mem_index(m.memory, index);
        if m.offset == 0 {
            return idx;
        }
        let off = self.iconst64(m.offset as i64);
        if self.is_memory64(m.memory) {
            self.b.ins().uadd_overflow_trap(idx, off, TrapCode::HEAP_OUT_OF_BOUNDS)
        } else {
            self.b.ins().iadd(idx, off)
        }
    }

    /// An atomic load, store or read-modify-write of `bits` bits with value
    /// type `ty`: the alignment is checked first (`unaligned atomic`), then
    /// the bounds as for any access; narrow results are zero-extended.
    fn atomic_memop(&mut self, m: &MemArg, kind: AtomicKind, rmw: AtomicRmwOp, ty: Type, bits: u32) {
        let operands = match kind {
            AtomicKind::Load => 0,
            AtomicKind::Store | AtomicKind::Rmw => 1,
            AtomicKind::Cmpxchg => 2,
        };
        let mut vals = [None, None];
        for i in (0..operands).rev() {
            vals[i] = Some(self.pop());
        }
        let index = self.pop();
        let size = bits / 8;
        self.check_atomic_alignment(m, index, size);
        let Some((addr, off, flags)) = self.mem_addr(m, size, index) else {
            return;
        };
        let addr = if off == 0 {
            addr
        } else {
            self.b.ins().iadd_imm_s(addr, off as i64)
        };
        let access = Type::int(bits as u16).expect("8 to 64 bits");
        let narrow = |t: &mut Self, v: Value| if access == ty { v } else { t.b.ins().ireduce(access, v) };
        let widen = |t: &mut Self, v: Value| if access == ty { v } else { t.b.ins().uextend(ty, v) };
        match kind {
            AtomicKind::Load => {
                let v = self.b.ins().atomic_load(access, flags, addr);
                let v = widen(self, v);
                self.push(v);
            }
            AtomicKind::Store => {
                let v = narrow(self, vals[0].expect("one operand"));
                self.b.ins().atomic_store(flags, v, addr);
            }
            AtomicKind::Rmw => {
                let v = narrow(self, vals[0].expect("one operand"));
                let r = self.b.ins().atomic_rmw(access, flags, rmw, addr, v);
                let r = widen(self, r);
                self.push(r);
            }
            AtomicKind::Cmpxchg => {
                let e = narrow(self, vals[0].expect("two operands"));
                let x = narrow(self, vals[1].expect("two operands"));
                let r = self.b.ins().atomic_cas(flags, addr, e, x);
                let r = widen(self, r);
                self.push(r);
            }
        }
    }

    fn memory_size(&mut self, mem: u32) -> Value {
        let mp = self.memory_ptr(mem);
        let len = self.b.ins().load(I64, rw(), mp, abi::OFFSET_MEMORY_LEN);
        let log2 = tern_vm::page_size_log2(&self.info.memories[mem as usize]);
        let pages = self.b.ins().ushr_imm_u(len, log2 as i64);
        if self.is_memory64(mem) {
            pages
        } else {
            self.b.ins().ireduce(I32, pages)
        }
    }

    fn i64_operand(&mut self, v: Value) -> Value {
        if self.ty_of(v) == I64 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    // ---- integer arithmetic with explicit traps ----

    fn div(&mut self, signed: bool, rem: bool) {
        let (a, b) = self.pop2();
        let ty = self.ty_of(a);
        self.b.ins().trapz(b, TrapCode::INTEGER_DIVISION_BY_ZERO);
        let r = match (signed, rem) {
            (true, false) => {
                // INT_MIN / -1 overflows.
                let min = if ty == I32 {
                    self.iconst32(i32::MIN)
                } else {
                    self.iconst64(i64::MIN)
                };
                let is_min = self.b.ins().icmp(IntCC::Equal, a, min);
                let minus1 = if ty == I32 {
                    self.iconst32(-1)
                } else {
                    self.iconst64(-1)
                };
                let is_m1 = self.b.ins().icmp(IntCC::Equal, b, minus1);
                let both = self.b.ins().band(is_min, is_m1);
                self.b.ins().trapnz(both, TrapCode::INTEGER_OVERFLOW);
                self.b.ins().sdiv(a, b)
            }
            (false, false) => self.b.ins().udiv(a, b),
            // Cranelift's srem gives INT_MIN % -1 = 0, as Wasm wants.
            (true, true) => self.b.ins().srem(a, b),
            (false, true) => self.b.ins().urem(a, b),
        };
        self.push(r);
    }

    fn icmp(&mut self, cc: IntCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().icmp(cc, a, b);
        let r = self.bool_to_i32(c);
        self.push(r);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().fcmp(cc, a, b);
        let r = self.bool_to_i32(c);
        self.push(r);
    }

    fn sext(&mut self, from: Type, to: Type) {
        let a = self.pop();
        let n = self.b.ins().ireduce(from, a);
        let r = self.b.ins().sextend(to, n);
        self.push(r);
    }

    // ---- the operator dispatch ----

    pub(super) fn op(&mut self, op: Operator<'_>) -> Result<()> {
        use Operator as O;
        if let O::Loop { .. } = op {
            self.loops_seen += 1;
        }
        match &op {
            O::Block { .. } | O::Loop { .. } | O::If { .. } | O::Try { .. } | O::TryTable { .. } if !self.reachable => {
                self.dead_depth += 1;
                return Ok(());
            }
            O::Else { .. } | O::End { .. } | O::Catch { .. } | O::CatchAll { .. } | O::Delegate { .. } => {}
            _ if !self.reachable => return Ok(()),
            _ => {}
        }
        if self.reachable {
            self.fuel_pending += 1;
        }
        macro_rules! bin {
            ($f:ident) => {{
                let (a, b) = self.pop2();
                let r = self.b.ins().$f(a, b);
                self.push(r);
            }};
        }
        macro_rules! un {
            ($f:ident) => {{
                let a = self.pop();
                let r = self.b.ins().$f(a);
                self.push(r);
            }};
        }
        macro_rules! conv {
            ($f:ident, $t:expr) => {{
                let a = self.pop();
                let r = self.b.ins().$f($t, a);
                self.push(r);
            }};
        }
        macro_rules! ld {
            ($m:expr, $size:expr, $f:ident, $t:expr) => {
                self.load($m, $size, |t, fl, a, o| t.b.ins().$f($t, fl, a, o))
            };
        }
        match op {
            O::Unreachable {} => {
                self.b.ins().trap(trap_codes::UNREACHABLE);
                self.reachable = false;
            }
            O::Nop {} => {}
            O::Block { blockty } => self.visit_block(blockty),
            O::Loop { blockty } => self.visit_loop(blockty),
            O::If { blockty } => self.visit_if(blockty),
            O::Else {} => self.visit_else(),
            O::End {} => self.visit_end(None),
            O::Try { blockty } => self.visit_try(blockty),
            O::TryTable { try_table } => self.visit_try_table(try_table),
            O::Catch { tag_index } => self.visit_catch(Some(tag_index)),
            O::CatchAll {} => self.visit_catch(None),
            O::Delegate { relative_depth } => self.visit_end(Some(relative_depth)),
            O::Throw { tag_index } => self.visit_throw(tag_index),
            O::ThrowRef {} => self.visit_throw_ref(),
            O::Rethrow { relative_depth } => self.visit_rethrow(relative_depth),
            O::Br { relative_depth } => self.visit_br(relative_depth),
            O::BrIf { relative_depth } => self.visit_br_if(relative_depth),
            O::BrTable { targets } => self.visit_br_table(targets),
            O::Return {} => self.visit_return(),
            O::Call { function_index } => self.visit_call(function_index, false),
            O::ReturnCall { function_index } => self.visit_call(function_index, true),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.visit_call_indirect(type_index, table_index, false),
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.visit_call_indirect(type_index, table_index, true),
            O::CallRef { type_index } => self.visit_call_ref(type_index, false),
            O::ReturnCallRef { type_index } => self.visit_call_ref(type_index, true),
            O::RefAsNonNull {} => {
                let v = self.pop();
                self.b.ins().trapz(v, trap_codes::NULL_REFERENCE);
                self.push(v);
            }
            O::BrOnNull { relative_depth } => self.visit_br_on_null(relative_depth, false),
            O::BrOnNonNull { relative_depth } => self.visit_br_on_null(relative_depth, true),
            O::Drop {} => {
                self.pop();
            }
            O::Select {} | O::TypedSelect { .. } => {
                let c = self.pop();
                let (a, b) = self.pop2();
                let a = self.canon(a);
                let b = self.canon(b);
                let r = self.b.ins().select(c, a, b);
                self.push(r);
            }
            O::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[local_index as usize]);
                self.push(v);
            }
            O::LocalSet { local_index } => {
                let v = self.pop();
                let v = self.canon(v);
                self.b.def_var(self.locals[local_index as usize], v);
            }
            O::LocalTee { local_index } => {
                let v = self.pop();
                let v = self.canon(v);
                self.b.def_var(self.locals[local_index as usize], v);
                self.push(v);
            }
            O::GlobalGet { global_index } => {
                let g = self.info.globals[global_index as usize];
                let cell = self.global_cell(global_index);
                let flags = if g.mutable { rw() } else { rw().with_readonly() };
                let v = self.b.ins().load(clif_type(g.content), flags, cell, 0);
                self.push(v);
            }
            O::GlobalSet { global_index } => {
                let v = self.pop();
                let cell = self.global_cell(global_index);
                self.b.ins().store(rw(), v, cell, 0);
            }
            O::TableGet { table } => {
                let i = self.pop();
                let idx = self.table_index(table, i);
                let addr = self.table_elem_addr(table, idx, trap_codes::TABLE_OUT_OF_BOUNDS);
                let v = self.b.ins().load(I64, rw(), addr, 0);
                self.push(v);
            }
            O::TableSet { table } => {
                let v = self.pop();
                let i = self.pop();
                let idx = self.table_index(table, i);
                let addr = self.table_elem_addr(table, idx, trap_codes::TABLE_OUT_OF_BOUNDS);
                self.b.ins().store(rw(), v, addr, 0);
            }
            O::TableSize { table } => {
                let tp = self.table_ptr(table);
                let len = self.b.ins().load(I64, rw(), tp, abi::OFFSET_TABLE_LEN);
                let r = if self.info.tables[table as usize].table64 {
                    len
                } else {
                    self.b.ins().ireduce(I32, len)
                };
                self.push(r);
            }
            O::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let delta = self.i64_operand(delta);
                let t = self.iconst32(table as i32);
                let r = self.call_libcall(Libcall::TableGrow, &[t, init, delta]).unwrap();
                let r = if self.info.tables[table as usize].table64 {
                    r
                } else {
                    self.b.ins().ireduce(I32, r)
                };
                self.push(r);
            }
            O::TableFill { table } => {
                let (i, val, n) = self.pop3();
                let i = self.i64_operand(i);
                let n = self.i64_operand(n);
                let t = self.iconst32(table as i32);
                self.call_libcall(Libcall::TableFill, &[t, i, val, n]);
            }
            O::TableCopy { dst_table, src_table } => {
                let (d, s, n) = self.pop3();
                let d = self.i64_operand(d);
                let s = self.i64_operand(s);
                let n = self.i64_operand(n);
                let dt = self.iconst32(dst_table as i32);
                let st = self.iconst32(src_table as i32);
                self.call_libcall(Libcall::TableCopy, &[dt, st, d, s, n]);
            }
            O::TableInit { elem_index, table } => {
                let (d, s, n) = self.pop3();
                let d = self.i64_operand(d);
                let t = self.iconst32(table as i32);
                let e = self.iconst32(elem_index as i32);
                self.call_libcall(Libcall::TableInit, &[t, e, d, s, n]);
            }
            O::ElemDrop { elem_index } => {
                let e = self.iconst32(elem_index as i32);
                self.call_libcall(Libcall::ElemDrop, &[e]);
            }
            O::MemorySize { mem } => {
                let r = self.memory_size(mem);
                self.push(r);
            }
            O::MemoryGrow { mem } => {
                let d = self.pop();
                let d = self.i64_operand(d);
                let m = self.iconst32(mem as i32);
                let r = self.call_libcall(Libcall::MemoryGrow, &[m, d]).unwrap();
                let r = if self.is_memory64(mem) {
                    r
                } else {
                    self.b.ins().ireduce(I32, r)
                };
                self.push(r);
            }
            O::MemoryFill { mem } => {
                let (d, val, n) = self.pop3();
                let d = self.i64_operand(d);
                let n = self.i64_operand(n);
                let m = self.iconst32(mem as i32);
                self.call_libcall(Libcall::MemoryFill, &[m, d, val, n]);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let (d, s, n) = self.pop3();
                let d = self.i64_operand(d);
                let s = self.i64_operand(s);
                let n = self.i64_operand(n);
                let dm = self.iconst32(dst_mem as i32);
                let sm = self.iconst32(src_mem as i32);
                self.call_libcall(Libcall::MemoryCopy, &[dm, sm, d, s, n]);
            }
            O::MemoryInit { data_index, mem } => {
                let (d, s, n) = self.pop3();
                let d = self.i64_operand(d);
                let m = self.iconst32(mem as i32);
                let seg = self.iconst32(data_index as i32);
                self.call_libcall(Libcall::MemoryInit, &[m, seg, d, s, n]);
            }
            O::DataDrop { data_index } => {
                let seg = self.iconst32(data_index as i32);
                self.call_libcall(Libcall::DataDrop, &[seg]);
            }

            O::I32Load { memarg } => ld!(&memarg, 4, load, I32),
            O::I64Load { memarg } => ld!(&memarg, 8, load, I64),
            O::F32Load { memarg } => ld!(&memarg, 4, load, F32),
            O::F64Load { memarg } => ld!(&memarg, 8, load, F64),
            O::I32Load8S { memarg } => ld!(&memarg, 1, sload8, I32),
            O::I32Load8U { memarg } => ld!(&memarg, 1, uload8, I32),
            O::I32Load16S { memarg } => ld!(&memarg, 2, sload16, I32),
            O::I32Load16U { memarg } => ld!(&memarg, 2, uload16, I32),
            O::I64Load8S { memarg } => ld!(&memarg, 1, sload8, I64),
            O::I64Load8U { memarg } => ld!(&memarg, 1, uload8, I64),
            O::I64Load16S { memarg } => ld!(&memarg, 2, sload16, I64),
            O::I64Load16U { memarg } => ld!(&memarg, 2, uload16, I64),
            O::I64Load32S { memarg } => self.load(&memarg, 4, |t, fl, a, o| t.b.ins().sload32(fl, a, o)),
            O::I64Load32U { memarg } => self.load(&memarg, 4, |t, fl, a, o| t.b.ins().uload32(fl, a, o)),
            O::I32Store { memarg } => self.store(&memarg, 4, None),
            O::I64Store { memarg } => self.store(&memarg, 8, None),
            O::F32Store { memarg } => self.store(&memarg, 4, None),
            O::F64Store { memarg } => self.store(&memarg, 8, None),
            O::I32Store8 { memarg } => self.store(&memarg, 1, Some(I8)),
            O::I32Store16 { memarg } => self.store(&memarg, 2, Some(I16)),
            O::I64Store8 { memarg } => self.store(&memarg, 1, Some(I8)),
            O::I64Store16 { memarg } => self.store(&memarg, 2, Some(I16)),
            O::I64Store32 { memarg } => self.store(&memarg, 4, Some(I32)),
            O::V128Store { memarg } => self.store(&memarg, 16, None),

            O::MemoryAtomicNotify { memarg } => {
                let count = self.pop();
                let index = self.pop();
                let ea = self.effective_addr(&memarg, index, 4);
                let m = self.iconst32(memarg.memory as i32);
                let r = self.call_libcall(Libcall::AtomicNotify, &[m, ea, count]).unwrap();
                self.push(r);
            }
            O::MemoryAtomicWait32 { memarg } | O::MemoryAtomicWait64 { memarg } => {
                let wide = matches!(op, O::MemoryAtomicWait64 { .. });
                let (index, expected, timeout) = self.pop3();
                let ea = self.effective_addr(&memarg, index, if wide { 8 } else { 4 });
                let expected = self.i64_operand(expected);
                let m = self.iconst32(memarg.memory as i32);
                let w = self.iconst32(wide as i32);
                let r = self
                    .call_libcall(Libcall::AtomicWait, &[m, ea, expected, timeout, w])
                    .unwrap();
                self.push(r);
            }
            O::AtomicFence { .. } => {
                self.b.ins().fence();
            }
            _ if atomic_memop(&op).is_some() => {
                let (memarg, kind, rmw, ty, bits) = atomic_memop(&op).expect("just checked");
                self.atomic_memop(&memarg, kind, rmw, ty, bits);
            }

            O::I32Const { value } => {
                let v = self.iconst32(value);
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.iconst64(value);
                self.push(v);
            }
            O::F32Const { value } => {
                let v = self.b.ins().f32const(ClifIeee32::with_bits(value.0));
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.b.ins().f64const(ClifIeee64::with_bits(value.0));
                self.push(v);
            }
            O::RefNull { .. } => {
                let v = self.iconst64(0);
                self.push(v);
            }
            O::RefIsNull {} => {
                let a = self.pop();
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
                let r = self.bool_to_i32(c);
                self.push(r);
            }
            O::RefFunc { function_index } => {
                let fr = self.funcref_addr(function_index);
                let f = self.b.ins().load(I32, ro(), fr, abi::OFFSET_FUNCREF_FUNC);
                let f = self.b.ins().uextend(I64, f);
                let r = self.b.ins().iadd_imm_s(f, 1);
                self.push(r);
            }

            O::I32Eqz {} | O::I64Eqz {} => {
                let a = self.pop();
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
                let r = self.bool_to_i32(c);
                self.push(r);
            }
            O::I32Eq {} | O::I64Eq {} => self.icmp(IntCC::Equal),
            O::I32Ne {} | O::I64Ne {} => self.icmp(IntCC::NotEqual),
            O::I32LtS {} | O::I64LtS {} => self.icmp(IntCC::SignedLessThan),
            O::I32LtU {} | O::I64LtU {} => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS {} | O::I64GtS {} => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU {} | O::I64GtU {} => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS {} | O::I64LeS {} => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU {} | O::I64LeU {} => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS {} | O::I64GeS {} => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU {} | O::I64GeU {} => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::F32Eq {} | O::F64Eq {} => self.fcmp(FloatCC::Equal),
            O::F32Ne {} | O::F64Ne {} => self.fcmp(FloatCC::NotEqual),
            O::F32Lt {} | O::F64Lt {} => self.fcmp(FloatCC::LessThan),
            O::F32Gt {} | O::F64Gt {} => self.fcmp(FloatCC::GreaterThan),
            O::F32Le {} | O::F64Le {} => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge {} | O::F64Ge {} => self.fcmp(FloatCC::GreaterThanOrEqual),

            O::I32Clz {} | O::I64Clz {} => un!(clz),
            O::I32Ctz {} | O::I64Ctz {} => un!(ctz),
            O::I32Popcnt {} | O::I64Popcnt {} => un!(popcnt),
            O::I32Add {} | O::I64Add {} => bin!(iadd),
            O::I32Sub {} | O::I64Sub {} => bin!(isub),
            O::I32Mul {} | O::I64Mul {} => bin!(imul),
            // Wide arithmetic: 128-bit values as (low, high) pairs.
            O::I64Add128 {} | O::I64Sub128 {} => {
                let (bl, bh) = self.pop2();
                let (al, ah) = self.pop2();
                let a = self.b.ins().iconcat(al, ah);
                let b = self.b.ins().iconcat(bl, bh);
                let r = if matches!(op, O::I64Add128 {}) {
                    self.b.ins().iadd(a, b)
                } else {
                    self.b.ins().isub(a, b)
                };
                let (lo, hi) = self.b.ins().isplit(r);
                self.push(lo);
                self.push(hi);
            }
            O::I64MulWideS {} | O::I64MulWideU {} => {
                let (a, b) = self.pop2();
                let (a, b) = if matches!(op, O::I64MulWideS {}) {
                    (self.b.ins().sextend(I128, a), self.b.ins().sextend(I128, b))
                } else {
                    (self.b.ins().uextend(I128, a), self.b.ins().uextend(I128, b))
                };
                let r = self.b.ins().imul(a, b);
                let (lo, hi) = self.b.ins().isplit(r);
                self.push(lo);
                self.push(hi);
            }
            O::I32DivS {} | O::I64DivS {} => self.div(true, false),
            O::I32DivU {} | O::I64DivU {} => self.div(false, false),
            O::I32RemS {} | O::I64RemS {} => self.div(true, true),
            O::I32RemU {} | O::I64RemU {} => self.div(false, true),
            O::I32And {} | O::I64And {} => bin!(band),
            O::I32Or {} | O::I64Or {} => bin!(bor),
            O::I32Xor {} | O::I64Xor {} => bin!(bxor),
            O::I32Shl {} | O::I64Shl {} => bin!(ishl),
            O::I32ShrS {} | O::I64ShrS {} => bin!(sshr),
            O::I32ShrU {} | O::I64ShrU {} => bin!(ushr),
            O::I32Rotl {} | O::I64Rotl {} => bin!(rotl),
            O::I32Rotr {} | O::I64Rotr {} => bin!(rotr),

            O::F32Abs {} | O::F64Abs {} => un!(fabs),
            O::F32Neg {} | O::F64Neg {} => un!(fneg),
            O::F32Ceil {} | O::F64Ceil {} => un!(ceil),
            O::F32Floor {} | O::F64Floor {} => un!(floor),
            O::F32Trunc {} | O::F64Trunc {} => un!(trunc),
            O::F32Nearest {} | O::F64Nearest {} => un!(nearest),
            O::F32Sqrt {} | O::F64Sqrt {} => un!(sqrt),
            O::F32Add {} | O::F64Add {} => bin!(fadd),
            O::F32Sub {} | O::F64Sub {} => bin!(fsub),
            O::F32Mul {} | O::F64Mul {} => bin!(fmul),
            O::F32Div {} | O::F64Div {} => bin!(fdiv),
            O::F32Min {} | O::F64Min {} => bin!(fmin),
            O::F32Max {} | O::F64Max {} => bin!(fmax),
            O::F32Copysign {} | O::F64Copysign {} => bin!(fcopysign),

            O::I32WrapI64 {} => conv!(ireduce, I32),
            O::I32TruncF32S {} | O::I32TruncF64S {} => conv!(fcvt_to_sint, I32),
            O::I32TruncF32U {} | O::I32TruncF64U {} => conv!(fcvt_to_uint, I32),
            O::I64TruncF32S {} | O::I64TruncF64S {} => conv!(fcvt_to_sint, I64),
            O::I64TruncF32U {} | O::I64TruncF64U {} => conv!(fcvt_to_uint, I64),
            O::I32TruncSatF32S {} | O::I32TruncSatF64S {} => conv!(fcvt_to_sint_sat, I32),
            O::I32TruncSatF32U {} | O::I32TruncSatF64U {} => conv!(fcvt_to_uint_sat, I32),
            O::I64TruncSatF32S {} | O::I64TruncSatF64S {} => conv!(fcvt_to_sint_sat, I64),
            O::I64TruncSatF32U {} | O::I64TruncSatF64U {} => conv!(fcvt_to_uint_sat, I64),
            O::I64ExtendI32S {} => conv!(sextend, I64),
            O::I64ExtendI32U {} => conv!(uextend, I64),
            O::F32ConvertI32S {} | O::F32ConvertI64S {} => conv!(fcvt_from_sint, F32),
            O::F32ConvertI32U {} | O::F32ConvertI64U {} => conv!(fcvt_from_uint, F32),
            O::F64ConvertI32S {} | O::F64ConvertI64S {} => conv!(fcvt_from_sint, F64),
            O::F64ConvertI32U {} | O::F64ConvertI64U {} => conv!(fcvt_from_uint, F64),
            O::F32DemoteF64 {} => conv!(fdemote, F32),
            O::F64PromoteF32 {} => conv!(fpromote, F64),
            O::I32ReinterpretF32 {} => {
                let a = self.pop();
                let r = self.b.ins().bitcast(I32, MemFlagsData::new(), a);
                self.push(r);
            }
            O::I64ReinterpretF64 {} => {
                let a = self.pop();
                let r = self.b.ins().bitcast(I64, MemFlagsData::new(), a);
                self.push(r);
            }
            O::F32ReinterpretI32 {} => {
                let a = self.pop();
                let r = self.b.ins().bitcast(F32, MemFlagsData::new(), a);
                self.push(r);
            }
            O::F64ReinterpretI64 {} => {
                let a = self.pop();
                let r = self.b.ins().bitcast(F64, MemFlagsData::new(), a);
                self.push(r);
            }
            O::I32Extend8S {} => self.sext(I8, I32),
            O::I32Extend16S {} => self.sext(I16, I32),
            O::I64Extend8S {} => self.sext(I8, I64),
            O::I64Extend16S {} => self.sext(I16, I64),
            O::I64Extend32S {} => self.sext(I32, I64),

            op if self.gc_op(&op) => {}
            op => return self.simd_op(op),
        }
        Ok(())
    }
}

/// The callee of [`Translator::call_wasm`].
#[derive(Clone, Copy)]
enum Callee {
    Direct(FuncRef),
    Indirect(SigRef, Value),
}

/// A clause of a landing pad: of a `try_table`, or a legacy `catch` (with
/// its tag; `None` for `catch_all`) and the block of its body.
#[derive(Clone, Copy)]
enum PadClause {
    Table(Catch),
    Legacy(Option<u32>, Block),
}

/// The translator's visitor face, which [`tern_validate::validate_and_translate`]
/// calls with each operator the validator accepted. (Its methods share
/// names with `Translator`'s own `visit_block` etc., which take precedence
/// inside `Translator`: these only build the operator for [`Translator::op`].)
macro_rules! define_visitor {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl<'a> VisitOperator<'a> for Translator<'_, '_> {
            type Output = Result<()>;
            $(
                #[inline]
                fn $visit(&mut self $(, $f: $t)*) -> Result<()> {
                    self.op(Operator::$name { $($f),* })
                }
            )*
        }
    };
}

for_each_operator!(define_visitor);

impl<'a> tern_validate::Translate<'a> for Translator<'_, '_> {
    #[inline]
    fn at_offset(&mut self, offset: usize) {
        if self.config.source_locations {
            self.b.set_srcloc(ir::SourceLoc::new(offset as u32));
        }
    }
}

macro_rules! define_atomic_memop {
    ($( $visit:ident $name:ident $kind:ident $op:ident $ty:ident $bits:literal )*) => {
        /// The memory argument, kind, operation, value type and width of an
        /// atomic load, store or read-modify-write (the rows of
        /// [`tern_binary::for_each_atomic_memop`]); `None` for every other
        /// operator.
        fn atomic_memop(op: &Operator<'_>) -> Option<(MemArg, AtomicKind, AtomicRmwOp, Type, u32)> {
            match op {
                $( Operator::$name { memarg } => {
                    Some((*memarg, AtomicKind::$kind, AtomicRmwOp::$op, atomic_clif_type!($ty), $bits))
                } )*
                _ => None,
            }
        }
    };
}

macro_rules! atomic_clif_type {
    (i32) => {
        I32
    };
    (i64) => {
        I64
    };
}

tern_binary::for_each_atomic_memop!(define_atomic_memop);
