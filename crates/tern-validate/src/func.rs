//! The function-body validator: the spec's operand-stack algorithm (with
//! polymorphic stacks after unconditional branches), run in one streaming
//! pass over the body's operators.
//!
//! Plain stack operators are checked from the signatures in the operator
//! table; the rest by the hand-written methods below. Translators follow
//! the validator operator by operator through
//! [`crate::validate_and_translate`], the one driver of a body's pass.

use crate::features::Feature;
use crate::module::{ModuleInfo, ref_matches};
use crate::{Error, Result};
use tern_binary::*;

/// The error for an operator or type of a switched-off feature.
pub(crate) fn feature_error(f: Feature, at: usize) -> Error {
    Error::new(format!("{} support is not enabled", f.name()), at)
}

/// What kind of construct a control frame belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    Function,
    Block,
    Loop,
    If,
    Else,
    Try,
    Catch,
    CatchAll,
    TryTable,
}

/// A control frame.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub kind: FrameKind,
    pub ty: BlockType,
    /// Operand stack height at the frame's start (after its parameters were
    /// popped).
    pub height: usize,
    /// Whether the rest of the frame is unreachable (stack polymorphic).
    pub unreachable: bool,
    /// The number of non-defaultable locals set before the frame began:
    /// those set inside it are unset again at its end (or `else`).
    pub inits: usize,
}

/// A sequence of value types: one inline, or a slice of a function type.
#[derive(Clone, Copy)]
enum Tys<'i> {
    One(ValType),
    Many(&'i [ValType]),
}

impl Tys<'_> {
    fn as_slice(&self) -> &[ValType] {
        match self {
            Tys::One(t) => std::slice::from_ref(t),
            Tys::Many(s) => s,
        }
    }
}

const EMPTY: Tys<'static> = Tys::Many(&[]);

/// A value type packed into 32 bits for the operand stack, or `UNKNOWN`
/// (the bottom type of unreachable code). Number and vector types compare
/// as plain integers; references carry a marker bit, a nullable bit and
/// either an abstract heap-type code or a concrete type index (below
/// 2^21, which the module-level type limit guarantees).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Ty(u32);

impl Ty {
    pub(crate) const UNKNOWN: Ty = Ty(0);
    pub(crate) const I32: Ty = Ty(1);
    pub(crate) const I64: Ty = Ty(2);
    pub(crate) const F32: Ty = Ty(3);
    pub(crate) const F64: Ty = Ty(4);
    pub(crate) const V128: Ty = Ty(5);
    /// The bottom reference type of unreachable code (`ref.as_non_null` of
    /// an unknown operand): a non-null reference matching every reference
    /// type.
    pub(crate) const BOT_REF: Ty = Ty(Ty::REF | 0xfe);
    const REF: u32 = 0x100;
    const NULLABLE: u32 = 0x200;
    const CONCRETE: u32 = 0x400;

    #[inline]
    pub(crate) fn of(v: ValType) -> Ty {
        match v {
            ValType::I32 => Ty::I32,
            ValType::I64 => Ty::I64,
            ValType::F32 => Ty::F32,
            ValType::F64 => Ty::F64,
            ValType::V128 => Ty::V128,
            ValType::Ref(r) => {
                let mut x = Ty::REF | if r.nullable { Ty::NULLABLE } else { 0 };
                match r.heap {
                    HeapType::Concrete(i) => x |= Ty::CONCRETE | (i << 11),
                    h => x |= h.abstract_code().unwrap_or(0) as u32,
                }
                Ty(x)
            }
        }
    }

    /// The value type, or `None` for `UNKNOWN`.
    pub(crate) fn val(self) -> Option<ValType> {
        Some(match self {
            Ty::UNKNOWN => return None,
            Ty::I32 => ValType::I32,
            Ty::I64 => ValType::I64,
            Ty::F32 => ValType::F32,
            Ty::F64 => ValType::F64,
            Ty::V128 => ValType::V128,
            Ty(x) => {
                let nullable = x & Ty::NULLABLE != 0;
                let heap = if x & Ty::CONCRETE != 0 {
                    HeapType::Concrete(x >> 11)
                } else {
                    let code = [(x & 0xff) as u8];
                    HeapType::read(&mut Reader::new(&code, 0)).unwrap_or(HeapType::Func)
                };
                ValType::Ref(RefType { nullable, heap })
            }
        })
    }

    #[inline]
    fn is_ref(self) -> bool {
        self.0 & Ty::REF != 0
    }

    /// Whether this is a non-nullable reference type (a local of it has no
    /// default value).
    #[inline]
    fn is_non_null_ref(self) -> bool {
        self.0 & (Ty::REF | Ty::NULLABLE) == Ty::REF
    }

    /// The non-nullable version of a reference type.
    fn as_non_null(self) -> Ty {
        Ty(self.0 & !Ty::NULLABLE)
    }
}

/// Local variable types, stored compactly so that a body declaring
/// billions of locals costs no memory: the first ones flat, the rest as
/// (end index, type) runs searched by bisection.
#[derive(Default)]
struct Locals {
    flat: Vec<Ty>,
    runs: Vec<(u64, Ty)>,
    total: u64,
}

const FLAT_LOCALS: u64 = 1024;

impl Locals {
    fn clear(&mut self) {
        self.flat.clear();
        self.runs.clear();
        self.total = 0;
    }

    fn push(&mut self, count: u64, ty: ValType) {
        let ty = Ty::of(ty);
        if count == 0 {
            return;
        }
        let flat_room = FLAT_LOCALS.saturating_sub(self.flat.len() as u64).min(count);
        // Stay flat while every local so far is flat.
        if self.flat.len() as u64 == self.total {
            self.flat.extend(std::iter::repeat_n(ty, flat_room as usize));
        }
        self.total += count;
        self.runs.push((self.total, ty));
    }

    #[inline]
    fn get(&self, i: u32) -> Option<Ty> {
        if let Some(t) = self.flat.get(i as usize) {
            return Some(*t);
        }
        if i as u64 >= self.total {
            return None;
        }
        let k = self.runs.partition_point(|(end, _)| *end <= i as u64);
        self.runs.get(k).map(|(_, t)| *t)
    }
}

/// Validates function bodies against a module's [`ModuleInfo`]. One
/// validator can be reused for many bodies; its buffers are kept.
pub struct FuncValidator<'i> {
    info: &'i ModuleInfo,
    locals: Locals,
    /// The body's local declarations, as read (parameters not included).
    decls: Vec<(u32, ValType)>,
    vals: Vec<Ty>,
    ctrls: Vec<Frame>,
    offset: usize,
    func_ty: u32,
    /// Non-defaultable locals set so far, in order (the spec's `init`
    /// state), and the same as a set.
    inits: Vec<u32>,
    inited: std::collections::HashSet<u32>,
}

impl<'i> FuncValidator<'i> {
    /// A validator for the bodies of the module described by `info`.
    pub fn new(info: &'i ModuleInfo) -> Self {
        FuncValidator {
            info,
            locals: Locals::default(),
            decls: Vec::new(),
            vals: Vec::new(),
            ctrls: Vec::new(),
            offset: 0,
            func_ty: 0,
            inits: Vec::new(),
            inited: std::collections::HashSet::new(),
        }
    }

    /// Validates the body of function `func_index`.
    ///
    /// This is [`crate::validate_and_translate`] without a translator,
    /// written out: the validator alone is the hot path of
    /// [`crate::validate_parallel`], and this loop is what the compiler
    /// optimizes best.
    pub fn validate_body(&mut self, func_index: u32, body: &FuncBody<'_>) -> Result<()> {
        let mut ops = self.begin(func_index, body, false)?;
        while !ops.eof() {
            let at = ops.offset();
            ops.visit_operator(&mut self.visitor(at))??;
            if self.ctrls.is_empty() {
                break;
            }
        }
        self.finish(&ops)
    }

    /// Starts validating the body of `func_index`: reads its locals and
    /// returns the reader positioned at its first operator. Feed each
    /// operator to [`FuncValidator::visitor`], then call
    /// [`FuncValidator::finish`]. With `keep_decls`, the local declarations
    /// are kept for [`FuncValidator::decls`] (a translator needs them).
    pub(crate) fn begin<'a>(
        &mut self,
        func_index: u32,
        body: &FuncBody<'a>,
        keep_decls: bool,
    ) -> Result<OperatorsReader<'a>> {
        let info = self.info;
        let Some(&ty_idx) = info.funcs.get(func_index as usize) else {
            return Err(Error::new(format!("unknown function {func_index}"), body.offset));
        };
        let ty = &info.types[ty_idx as usize];
        self.func_ty = ty_idx;
        self.locals.clear();
        self.decls.clear();
        self.vals.clear();
        self.ctrls.clear();
        self.inits.clear();
        self.inited.clear();
        for &p in ty.params() {
            self.locals.push(1, p);
        }
        let mut r = Reader::new(body.bytes, body.offset);
        let groups = r.count(2)?;
        for _ in 0..groups {
            let at = r.offset();
            let n = r.u32()?;
            let t = ValType::read(&mut r)?;
            if self.locals.total + n as u64 > u32::MAX as u64 {
                return Err(Error::new("too many locals", at));
            }
            crate::module::check_valtype(&info.features, info.types.len(), t, at)?;
            if !t.is_defaultable() && !info.features.enabled(Feature::FunctionReferences) {
                return Err(Error::new(format!("non-defaultable local type {t}"), at));
            }
            self.locals.push(n as u64, t);
            if keep_decls {
                self.decls.push((n, t));
            }
        }
        self.ctrls.push(Frame {
            kind: FrameKind::Function,
            ty: BlockType::Func(ty_idx),
            height: 0,
            unreachable: false,
            inits: 0,
        });
        let mut ops = OperatorsReader::new(r);
        ops.set_multi_memory(info.features.enabled(Feature::MultiMemory));
        ops.set_memory64(info.features.enabled(Feature::Memory64));
        Ok(ops)
    }

    /// The local declarations of the body being validated, as `(count,
    /// type)` groups (parameters not included), as [`Self::begin`] kept
    /// them.
    pub(crate) fn decls(&self) -> &[(u32, ValType)] {
        &self.decls
    }

    /// The type of the function being validated.
    pub(crate) fn func_type_of_body(&self) -> &'i FuncType {
        &self.info.types[self.func_ty as usize]
    }

    /// Checks that the body ended exactly at its final `end`.
    pub(crate) fn finish(&self, ops: &OperatorsReader<'_>) -> Result<()> {
        if !self.ctrls.is_empty() {
            return Err(Error::new(
                "unexpected end of function: END opcode expected",
                ops.offset(),
            ));
        }
        if !ops.eof() {
            return Err(Error::new("operators remaining after end of function", ops.offset()));
        }
        Ok(())
    }

    /// A visitor that validates one operator found at absolute offset `at`.
    #[inline]
    pub(crate) fn visitor(&mut self, at: usize) -> OpVisitor<'_, 'i> {
        self.offset = at;
        OpVisitor(self)
    }

    /// The number of operands on the stack.
    pub fn operand_stack_height(&self) -> usize {
        self.vals.len()
    }

    /// The type of the operand `depth` slots below the top (0 = top);
    /// `None` when unknown (unreachable code) or absent.
    pub fn operand(&self, depth: usize) -> Option<ValType> {
        self.vals.len().checked_sub(depth + 1).and_then(|i| self.vals[i].val())
    }

    /// The control frame `depth` levels out (0 = innermost).
    pub fn frame(&self, depth: usize) -> Option<&Frame> {
        self.ctrls.len().checked_sub(depth + 1).map(|i| &self.ctrls[i])
    }

    /// The number of open control frames.
    pub fn frame_depth(&self) -> usize {
        self.ctrls.len()
    }

    /// The type of local `i`.
    pub fn local(&self, i: u32) -> Option<ValType> {
        self.locals.get(i).and_then(Ty::val)
    }

    // ---- the operand-stack algorithm ----

    #[cold]
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::new(msg, self.offset)
    }

    #[inline]
    fn push(&mut self, t: ValType) {
        self.vals.push(Ty::of(t));
    }

    #[inline]
    fn push_ty(&mut self, t: Ty) {
        self.vals.push(t);
    }

    #[cold]
    fn mismatch(&self, expected: Option<ValType>, actual: Option<ValType>) -> Error {
        match (expected, actual) {
            (Some(e), Some(a)) => self.err(format!("type mismatch: expected {e}, found {a}")),
            (Some(e), None) => self.err(format!("type mismatch: expected {e} but nothing on stack")),
            (None, _) => self.err("type mismatch: expected a value but nothing on stack"),
        }
    }

    fn matches(&self, actual: ValType, expected: ValType) -> bool {
        match (actual, expected) {
            (ValType::Ref(a), ValType::Ref(b)) => ref_matches(self.info, a, b),
            (a, b) => a == b,
        }
    }

    fn ty_matches(&self, actual: Ty, expected: Ty) -> bool {
        actual == expected
            || actual == Ty::UNKNOWN
            || expected == Ty::UNKNOWN
            || (actual == Ty::BOT_REF && expected.is_ref())
            || (actual.is_ref() && expected.is_ref() && self.matches(actual.val().unwrap(), expected.val().unwrap()))
    }

    /// Pops an operand, checking it against `expected` unless that is
    /// `UNKNOWN`; returns the more precise of the two.
    #[inline(always)]
    fn pop_ty_operand(&mut self, expected: Ty) -> Result<Ty> {
        // Fast path: a known operand of exactly the expected type above the
        // current frame's base.
        if let (Some(&top), Some(frame)) = (self.vals.last(), self.ctrls.last())
            && self.vals.len() > frame.height
            && (top == expected || expected == Ty::UNKNOWN)
        {
            self.vals.pop();
            return Ok(top);
        }
        self.pop_ty_slow(expected)
    }

    #[inline(never)]
    fn pop_ty_slow(&mut self, expected: Ty) -> Result<Ty> {
        let Some(frame) = self.ctrls.last() else {
            return Err(self.err("operators remaining after end of function"));
        };
        if self.vals.len() > frame.height {
            let actual = self.vals.pop().unwrap_or(Ty::UNKNOWN);
            if !self.ty_matches(actual, expected) {
                return Err(self.mismatch(expected.val(), actual.val()));
            }
            return Ok(if actual == Ty::UNKNOWN { expected } else { actual });
        }
        if frame.unreachable {
            return Ok(expected);
        }
        Err(self.mismatch(expected.val(), None))
    }

    /// Pops an operand, checking it against `expected` when given.
    fn pop_operand(&mut self, expected: Option<ValType>) -> Result<Option<ValType>> {
        let e = expected.map(Ty::of).unwrap_or(Ty::UNKNOWN);
        Ok(self.pop_ty_operand(e)?.val())
    }

    #[inline(always)]
    fn pop_ty(&mut self, t: Ty) -> Result<()> {
        self.pop_ty_operand(t).map(|_| ())
    }

    #[inline]
    fn pop(&mut self, t: ValType) -> Result<()> {
        self.pop_ty(Ty::of(t))
    }

    #[inline(always)]
    fn pop_push(&mut self, params: &[Ty], results: &[Ty]) -> Result<()> {
        for &p in params.iter().rev() {
            self.pop_ty(p)?;
        }
        for &r in results {
            self.push_ty(r);
        }
        Ok(())
    }

    fn pop_tys(&mut self, tys: Tys<'_>) -> Result<()> {
        for &t in tys.as_slice().iter().rev() {
            self.pop(t)?;
        }
        Ok(())
    }

    /// Checks that the top of the stack matches `tys` without popping.
    fn peek_tys(&self, tys: Tys<'_>) -> Result<()> {
        let frame = self.ctrls.last().expect("a frame is open");
        for (k, &t) in tys.as_slice().iter().rev().enumerate() {
            match self.vals.len().checked_sub(k + 1) {
                Some(i) if i >= frame.height => {
                    let a = self.vals[i];
                    if !self.ty_matches(a, Ty::of(t)) {
                        return Err(self.mismatch(Some(t), a.val()));
                    }
                }
                _ if frame.unreachable => {}
                _ => return Err(self.mismatch(Some(t), None)),
            }
        }
        Ok(())
    }

    fn push_tys(&mut self, tys: Tys<'_>) {
        for &t in tys.as_slice() {
            self.push(t);
        }
    }

    fn unreachable(&mut self) {
        let f = self.ctrls.last_mut().expect("a frame is open");
        self.vals.truncate(f.height);
        f.unreachable = true;
    }

    fn func_type(&self, idx: u32) -> Result<&'i FuncType> {
        let info: &'i ModuleInfo = self.info;
        match info.func_type_at(idx) {
            Some(t) => Ok(t),
            None if (idx as usize) < info.types.len() => {
                Err(self.err(format!("type mismatch: type {idx} is not a function type")))
            }
            None => Err(self.err(format!("unknown type {idx}"))),
        }
    }

    fn bt_params(&self, bt: BlockType) -> Tys<'i> {
        match bt {
            BlockType::Func(i) => Tys::Many(self.info.types[i as usize].params()),
            _ => EMPTY,
        }
    }

    fn bt_results(&self, bt: BlockType) -> Tys<'i> {
        match bt {
            BlockType::Empty => EMPTY,
            BlockType::Value(t) => Tys::One(t),
            BlockType::Func(i) => Tys::Many(self.info.types[i as usize].results()),
        }
    }

    fn check_blocktype(&self, bt: BlockType) -> Result<()> {
        match bt {
            BlockType::Empty => Ok(()),
            BlockType::Value(t) => self.check_valtype(t),
            BlockType::Func(i) => {
                let ty = self.func_type(i)?;
                if (!ty.params().is_empty() || ty.results().len() > 1)
                    && !self.info.features.enabled(Feature::MultiValue)
                {
                    return Err(feature_error(Feature::MultiValue, self.offset));
                }
                Ok(())
            }
        }
    }

    fn check_valtype(&self, t: ValType) -> Result<()> {
        crate::module::check_valtype(&self.info.features, self.info.types.len(), t, self.offset)
    }

    fn push_ctrl(&mut self, kind: FrameKind, ty: BlockType) {
        let height = self.vals.len();
        self.ctrls.push(Frame {
            kind,
            ty,
            height,
            unreachable: false,
            inits: self.inits.len(),
        });
        let params = self.bt_params(ty);
        self.push_tys(params);
    }

    fn pop_ctrl(&mut self) -> Result<Frame> {
        let Some(&frame) = self.ctrls.last() else {
            return Err(self.err("operators remaining after end of function"));
        };
        let results = self.bt_results(frame.ty);
        self.pop_tys(results)?;
        if self.vals.len() != frame.height {
            return Err(self.err("type mismatch: values remaining on stack at end of block"));
        }
        self.ctrls.pop();
        self.reset_inits(frame.inits);
        Ok(frame)
    }

    /// Unsets the non-defaultable locals set since `height` (a block's
    /// end: what was set inside it need not be set on every path).
    fn reset_inits(&mut self, height: usize) {
        for i in self.inits.drain(height.min(self.inits.len())..) {
            self.inited.remove(&i);
        }
    }

    /// Records that local `i` (of type `t`) was set.
    #[inline]
    fn set_local(&mut self, i: u32, t: Ty) {
        if t.is_non_null_ref() && self.inited.insert(i) {
            self.inits.push(i);
        }
    }

    /// The types a branch to `frame` carries.
    fn label_types(&self, frame: &Frame) -> Tys<'i> {
        if frame.kind == FrameKind::Loop {
            self.bt_params(frame.ty)
        } else {
            self.bt_results(frame.ty)
        }
    }

    fn label(&self, depth: u32) -> Result<Frame> {
        match (self.ctrls.len() as u64).checked_sub(depth as u64 + 1) {
            Some(i) => Ok(self.ctrls[i as usize]),
            None => Err(self.err(format!("unknown label {depth}"))),
        }
    }

    fn check_feature_of(&self, f: OpFeature) -> Result<()> {
        let feature = match f {
            OpFeature::Mvp => return Ok(()),
            OpFeature::SignExtension => Feature::SignExtension,
            OpFeature::SaturatingFloatToInt => Feature::SaturatingFloatToInt,
            OpFeature::BulkMemory => Feature::BulkMemory,
            OpFeature::ReferenceTypes => Feature::ReferenceTypes,
            OpFeature::Simd => Feature::Simd,
            OpFeature::Exceptions => Feature::Exceptions,
            OpFeature::LegacyExceptions => Feature::LegacyExceptions,
            OpFeature::AnyExceptions if self.info.features.enabled(Feature::LegacyExceptions) => return Ok(()),
            OpFeature::AnyExceptions => Feature::Exceptions,
            OpFeature::TailCall => Feature::TailCall,
            OpFeature::FunctionReferences => Feature::FunctionReferences,
            OpFeature::RelaxedSimd => Feature::RelaxedSimd,
            OpFeature::WideArithmetic => Feature::WideArithmetic,
            OpFeature::Threads => Feature::Threads,
            OpFeature::Gc => Feature::Gc,
        };
        if self.info.features.enabled(feature) {
            Ok(())
        } else {
            Err(feature_error(feature, self.offset))
        }
    }

    // ---- memories, tables, lanes ----

    fn memory(&self, idx: u32) -> Result<MemoryType> {
        self.info
            .memories
            .get(idx as usize)
            .copied()
            .ok_or_else(|| self.err(format!("unknown memory {idx}")))
    }

    fn index_type_of_memory(&self, idx: u32) -> Result<ValType> {
        Ok(if self.memory(idx)?.memory64 {
            ValType::I64
        } else {
            ValType::I32
        })
    }

    fn pop_address(&mut self, mem: u32) -> Result<()> {
        let t = self.index_type_of_memory(mem)?;
        self.pop(t)
    }

    fn check_memarg(&self, memarg: MemArg, max_align: u32) -> Result<()> {
        let m = self.memory(memarg.memory)?;
        if memarg.align > max_align {
            return Err(self.err("alignment must not be larger than natural"));
        }
        if !m.memory64 && memarg.offset > u32::MAX as u64 {
            return Err(self.err("offset out of range"));
        }
        Ok(())
    }

    fn load(&mut self, memarg: MemArg, max_align: u32, t: ValType) -> Result<()> {
        self.check_memarg(memarg, max_align)?;
        self.pop_address(memarg.memory)?;
        self.push(t);
        Ok(())
    }

    fn store(&mut self, memarg: MemArg, max_align: u32, t: ValType) -> Result<()> {
        self.check_memarg(memarg, max_align)?;
        self.pop(t)?;
        self.pop_address(memarg.memory)
    }

    /// An atomic access of `2^align` bytes: the memory must exist and the
    /// alignment must be exactly natural; pops `operands` (after the
    /// address) and pushes `result`.
    fn atomic(&mut self, memarg: MemArg, align: u32, operands: &[ValType], result: Option<ValType>) -> Result<()> {
        let m = self.memory(memarg.memory)?;
        if memarg.align != align {
            return Err(self.err("atomic alignment must be natural"));
        }
        if !m.memory64 && memarg.offset > u32::MAX as u64 {
            return Err(self.err("offset out of range"));
        }
        for &t in operands.iter().rev() {
            self.pop(t)?;
        }
        self.pop_address(memarg.memory)?;
        if let Some(t) = result {
            self.push(t);
        }
        Ok(())
    }

    fn check_lane(&self, lane: u8, lanes: u8) -> Result<()> {
        if lane >= lanes {
            Err(self.err("invalid lane index"))
        } else {
            Ok(())
        }
    }

    fn table(&self, idx: u32) -> Result<TableType> {
        self.info
            .tables
            .get(idx as usize)
            .copied()
            .ok_or_else(|| self.err(format!("unknown table {idx}")))
    }

    fn table_index_type(t: &TableType) -> ValType {
        if t.table64 { ValType::I64 } else { ValType::I32 }
    }

    fn elem(&self, idx: u32) -> Result<RefType> {
        self.info
            .elements
            .get(idx as usize)
            .copied()
            .ok_or_else(|| self.err(format!("unknown elem segment {idx}")))
    }

    fn data(&self, idx: u32) -> Result<()> {
        let Some(count) = self.info.data_count else {
            return Err(self.err("data count section required"));
        };
        if idx >= count {
            return Err(self.err(format!("unknown data segment {idx}")));
        }
        Ok(())
    }

    fn tag_type(&self, idx: u32) -> Result<&'i FuncType> {
        let info: &'i ModuleInfo = self.info;
        let Some(&t) = info.tags.get(idx as usize) else {
            return Err(self.err(format!("unknown tag {idx}")));
        };
        Ok(&info.types[t as usize])
    }

    fn func_type_of(&self, f: u32) -> Result<&'i FuncType> {
        let info: &'i ModuleInfo = self.info;
        match info.funcs.get(f as usize) {
            Some(&t) => Ok(&info.types[t as usize]),
            None => Err(self.err(format!("unknown function {f}"))),
        }
    }

    fn call(&mut self, ty: &'i FuncType) -> Result<()> {
        self.pop_tys(Tys::Many(ty.params()))?;
        for &r in ty.results() {
            self.push(r);
        }
        Ok(())
    }

    fn return_call(&mut self, ty: &'i FuncType) -> Result<()> {
        let own = self.info.types[self.func_ty as usize].results();
        if ty.results().len() != own.len() || ty.results().iter().zip(own).any(|(a, b)| !self.matches(*a, *b)) {
            return Err(self.err("type mismatch: tail call result types do not match the function's"));
        }
        self.pop_tys(Tys::Many(ty.params()))?;
        self.unreachable();
        Ok(())
    }

    fn call_indirect_check(&mut self, type_index: u32, table_index: u32) -> Result<&'i FuncType> {
        let t = self.table(table_index)?;
        if !ref_matches(self.info, t.element, RefType::FUNCREF) {
            return Err(self.err("type mismatch: indirect calls need a table of function references"));
        }
        let ty = self.func_type(type_index)?;
        self.pop(Self::table_index_type(&t))?;
        Ok(ty)
    }

    /// Checks that a branch to `label` may carry `tys` exactly (catch
    /// clauses).
    fn check_label_carries(&self, label: u32, tys: &[ValType]) -> Result<()> {
        let frame = self.label(label)?;
        let lt = self.label_types(&frame);
        let lt = lt.as_slice();
        if lt.len() != tys.len() || tys.iter().zip(lt).any(|(a, b)| !self.matches(*a, *b)) {
            return Err(self.err("type mismatch: catch clause does not match its label"));
        }
        Ok(())
    }
}

/// Validates one operator: the [`VisitOperator`] face of a
/// [`FuncValidator`].
pub(crate) struct OpVisitor<'v, 'i>(&'v mut FuncValidator<'i>);

macro_rules! ty {
    (i32) => {
        Ty::I32
    };
    (i64) => {
        Ty::I64
    };
    (f32) => {
        Ty::F32
    };
    (f64) => {
        Ty::F64
    };
    (v128) => {
        Ty::V128
    };
}

macro_rules! check_op {
    ($v:expr, _, $visit:ident, ($($f:ident),*)) => {
        $v.$visit($($f),*)
    };
    ($v:expr, [$($p:ident)* -> $($r:ident)*], $visit:ident, ($($f:ident),*)) => {{
        $( let _ = $f; )*
        $v.pop_push(&[$(ty!($p)),*], &[$(ty!($r)),*])
    }};
}

macro_rules! define_validator_visitor {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl<'a> VisitOperator<'a> for OpVisitor<'_, '_> {
            type Output = Result<()>;
            $(
                #[inline]
                fn $visit(&mut self $(, $f: $t)*) -> Result<()> {
                    self.0.check_feature_of(OpFeature::$feat)?;
                    check_op!(self.0, $sig, $visit, ($($f),*))
                }
            )*
        }
    };
}

for_each_operator!(define_validator_visitor);

/// The hand-written checks, one per operator whose row has no signature.
impl<'i> FuncValidator<'i> {
    fn visit_unreachable(&mut self) -> Result<()> {
        self.unreachable();
        Ok(())
    }

    fn visit_block(&mut self, bt: BlockType) -> Result<()> {
        self.check_blocktype(bt)?;
        let p = self.bt_params(bt);
        self.pop_tys(p)?;
        self.push_ctrl(FrameKind::Block, bt);
        Ok(())
    }

    fn visit_loop(&mut self, bt: BlockType) -> Result<()> {
        self.check_blocktype(bt)?;
        let p = self.bt_params(bt);
        self.pop_tys(p)?;
        self.push_ctrl(FrameKind::Loop, bt);
        Ok(())
    }

    fn visit_if(&mut self, bt: BlockType) -> Result<()> {
        self.check_blocktype(bt)?;
        self.pop(ValType::I32)?;
        let p = self.bt_params(bt);
        self.pop_tys(p)?;
        self.push_ctrl(FrameKind::If, bt);
        Ok(())
    }

    fn visit_else(&mut self) -> Result<()> {
        match self.ctrls.last() {
            Some(f) if f.kind == FrameKind::If => {}
            _ => return Err(self.err("else found outside an `if` block")),
        }
        let frame = self.pop_ctrl()?;
        self.push_ctrl(FrameKind::Else, frame.ty);
        Ok(())
    }

    fn visit_end(&mut self) -> Result<()> {
        let frame = self.pop_ctrl()?;
        if frame.kind == FrameKind::If {
            // An `if` without `else` passes its parameters through.
            let p = self.bt_params(frame.ty);
            let r = self.bt_results(frame.ty);
            if p.as_slice() != r.as_slice() {
                return Err(self.err("type mismatch: `if` without `else` must have matching parameters and results"));
            }
        }
        let r = self.bt_results(frame.ty);
        self.push_tys(r);
        Ok(())
    }

    fn visit_try(&mut self, bt: BlockType) -> Result<()> {
        self.check_blocktype(bt)?;
        let p = self.bt_params(bt);
        self.pop_tys(p)?;
        self.push_ctrl(FrameKind::Try, bt);
        Ok(())
    }

    fn visit_catch(&mut self, tag_index: u32) -> Result<()> {
        match self.ctrls.last() {
            Some(f) if matches!(f.kind, FrameKind::Try | FrameKind::Catch) => {}
            _ => return Err(self.err("catch found outside of a `try` block")),
        }
        let tag = self.tag_type(tag_index)?;
        let frame = self.pop_ctrl()?;
        let height = self.vals.len();
        self.ctrls.push(Frame {
            kind: FrameKind::Catch,
            ty: frame.ty,
            height,
            unreachable: false,
            inits: self.inits.len(),
        });
        for &t in tag.params() {
            self.push(t);
        }
        Ok(())
    }

    fn visit_catch_all(&mut self) -> Result<()> {
        match self.ctrls.last() {
            Some(f) if matches!(f.kind, FrameKind::Try | FrameKind::Catch) => {}
            _ => return Err(self.err("catch_all found outside of a `try` block")),
        }
        let frame = self.pop_ctrl()?;
        let height = self.vals.len();
        self.ctrls.push(Frame {
            kind: FrameKind::CatchAll,
            ty: frame.ty,
            height,
            unreachable: false,
            inits: self.inits.len(),
        });
        Ok(())
    }

    fn visit_delegate(&mut self, relative_depth: u32) -> Result<()> {
        match self.ctrls.last() {
            Some(f) if f.kind == FrameKind::Try => {}
            _ => return Err(self.err("delegate found outside of a `try` block")),
        }
        let frame = self.pop_ctrl()?;
        self.label(relative_depth)?;
        let r = self.bt_results(frame.ty);
        self.push_tys(r);
        Ok(())
    }

    fn visit_rethrow(&mut self, relative_depth: u32) -> Result<()> {
        let frame = self.label(relative_depth)?;
        if !matches!(frame.kind, FrameKind::Catch | FrameKind::CatchAll) {
            return Err(self.err("invalid rethrow label: target was not a `catch` block"));
        }
        self.unreachable();
        Ok(())
    }

    fn visit_throw(&mut self, tag_index: u32) -> Result<()> {
        let tag = self.tag_type(tag_index)?;
        self.pop_tys(Tys::Many(tag.params()))?;
        self.unreachable();
        Ok(())
    }

    fn visit_throw_ref(&mut self) -> Result<()> {
        self.pop(ValType::EXNREF)?;
        self.unreachable();
        Ok(())
    }

    fn visit_try_table(&mut self, try_table: TryTable) -> Result<()> {
        let bt = try_table.ty;
        self.check_blocktype(bt)?;
        let p = self.bt_params(bt);
        self.pop_tys(p)?;
        let mut scratch: Vec<ValType> = Vec::new();
        for c in try_table.catches.iter() {
            scratch.clear();
            if matches!(c.kind, CatchKind::Catch | CatchKind::CatchRef) {
                scratch.extend_from_slice(self.tag_type(c.tag)?.params());
            }
            if matches!(c.kind, CatchKind::CatchRef | CatchKind::CatchAllRef) {
                // `(ref exn)`: the caught exception is never null.
                scratch.push(ValType::Ref(RefType {
                    nullable: false,
                    heap: HeapType::Exn,
                }));
            }
            self.check_label_carries(c.label, &scratch)?;
        }
        self.push_ctrl(FrameKind::TryTable, bt);
        Ok(())
    }

    fn visit_br(&mut self, relative_depth: u32) -> Result<()> {
        let frame = self.label(relative_depth)?;
        let lt = self.label_types(&frame);
        self.pop_tys(lt)?;
        self.unreachable();
        Ok(())
    }

    fn visit_br_if(&mut self, relative_depth: u32) -> Result<()> {
        self.pop(ValType::I32)?;
        let frame = self.label(relative_depth)?;
        let lt = self.label_types(&frame);
        self.pop_tys(lt)?;
        self.push_tys(lt);
        Ok(())
    }

    fn visit_br_table(&mut self, targets: BrTable<'_>) -> Result<()> {
        self.pop(ValType::I32)?;
        let default = self.label(targets.default())?;
        let default_types = self.label_types(&default);
        let arity = default_types.as_slice().len();
        for depth in targets.targets() {
            let frame = self.label(depth)?;
            let lt = self.label_types(&frame);
            if lt.as_slice().len() != arity {
                return Err(self.err("type mismatch: br_table targets have different arities"));
            }
            self.peek_tys(lt)?;
        }
        self.pop_tys(default_types)?;
        self.unreachable();
        Ok(())
    }

    fn visit_return(&mut self) -> Result<()> {
        let r = Tys::Many(self.info.types[self.func_ty as usize].results());
        self.pop_tys(r)?;
        self.unreachable();
        Ok(())
    }

    fn visit_call(&mut self, function_index: u32) -> Result<()> {
        let ty = self.func_type_of(function_index)?;
        self.call(ty)
    }

    fn visit_call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let ty = self.call_indirect_check(type_index, table_index)?;
        self.call(ty)
    }

    fn visit_return_call(&mut self, function_index: u32) -> Result<()> {
        let ty = self.func_type_of(function_index)?;
        self.return_call(ty)
    }

    fn visit_return_call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let ty = self.call_indirect_check(type_index, table_index)?;
        self.return_call(ty)
    }

    fn visit_drop(&mut self) -> Result<()> {
        self.pop_operand(None)?;
        Ok(())
    }

    fn visit_select(&mut self) -> Result<()> {
        self.pop(ValType::I32)?;
        let a = self.pop_operand(None)?;
        let b = self.pop_operand(None)?;
        for t in [a, b].into_iter().flatten() {
            if !t.is_num_or_vec() {
                return Err(self.err("type mismatch: select without a type needs number or vector operands"));
            }
        }
        match (a, b) {
            (Some(x), Some(y)) if x != y => Err(self.mismatch(Some(y), Some(x))),
            (Some(x), _) | (None, Some(x)) => {
                self.push(x);
                Ok(())
            }
            (None, None) => {
                self.vals.push(Ty::UNKNOWN);
                Ok(())
            }
        }
    }

    #[allow(clippy::boxed_local)] // the visitor's signature, shared with the reader
    fn visit_typed_select(&mut self, tys: SelectTypes) -> Result<()> {
        if tys.len() != 1 {
            return Err(self.err("invalid result arity"));
        }
        let t = tys[0];
        self.check_valtype(t)?;
        self.pop(ValType::I32)?;
        self.pop(t)?;
        self.pop(t)?;
        self.push(t);
        Ok(())
    }

    #[inline]
    fn local_ty(&self, i: u32) -> Result<Ty> {
        match self.locals.get(i) {
            Some(t) => Ok(t),
            None => Err(self.err(format!("unknown local {i}"))),
        }
    }

    #[inline]
    fn visit_local_get(&mut self, local_index: u32) -> Result<()> {
        let t = self.local_ty(local_index)?;
        if t.is_non_null_ref()
            && local_index as usize >= self.func_type_of_body().params().len()
            && !self.inited.contains(&local_index)
        {
            return Err(self.err(format!("uninitialized local {local_index}")));
        }
        self.push_ty(t);
        Ok(())
    }

    #[inline]
    fn visit_local_set(&mut self, local_index: u32) -> Result<()> {
        let t = self.local_ty(local_index)?;
        self.pop_ty(t)?;
        self.set_local(local_index, t);
        Ok(())
    }

    #[inline]
    fn visit_local_tee(&mut self, local_index: u32) -> Result<()> {
        let t = self.local_ty(local_index)?;
        self.pop_ty(t)?;
        self.set_local(local_index, t);
        self.push_ty(t);
        Ok(())
    }

    fn visit_global_get(&mut self, global_index: u32) -> Result<()> {
        let g = self
            .info
            .globals
            .get(global_index as usize)
            .ok_or_else(|| self.err(format!("unknown global {global_index}")))?;
        let t = g.content;
        self.push(t);
        Ok(())
    }

    fn visit_global_set(&mut self, global_index: u32) -> Result<()> {
        let g = *self
            .info
            .globals
            .get(global_index as usize)
            .ok_or_else(|| self.err(format!("unknown global {global_index}")))?;
        if !g.mutable {
            return Err(self.err("global is immutable: cannot modify it with `global.set`"));
        }
        self.pop(g.content)
    }

    fn visit_table_get(&mut self, table: u32) -> Result<()> {
        let t = self.table(table)?;
        self.pop(Self::table_index_type(&t))?;
        self.push(ValType::Ref(t.element));
        Ok(())
    }

    fn visit_table_set(&mut self, table: u32) -> Result<()> {
        let t = self.table(table)?;
        self.pop(ValType::Ref(t.element))?;
        self.pop(Self::table_index_type(&t))
    }

    fn visit_table_size(&mut self, table: u32) -> Result<()> {
        let t = self.table(table)?;
        self.push(Self::table_index_type(&t));
        Ok(())
    }

    fn visit_table_grow(&mut self, table: u32) -> Result<()> {
        let t = self.table(table)?;
        let it = Self::table_index_type(&t);
        self.pop(it)?;
        self.pop(ValType::Ref(t.element))?;
        self.push(it);
        Ok(())
    }

    fn visit_table_fill(&mut self, table: u32) -> Result<()> {
        let t = self.table(table)?;
        let it = Self::table_index_type(&t);
        self.pop(it)?;
        self.pop(ValType::Ref(t.element))?;
        self.pop(it)
    }

    fn visit_table_copy(&mut self, dst_table: u32, src_table: u32) -> Result<()> {
        let d = self.table(dst_table)?;
        let s = self.table(src_table)?;
        if !ref_matches(self.info, s.element, d.element) {
            return Err(self.err("type mismatch: table.copy between tables of different types"));
        }
        let (di, si) = (Self::table_index_type(&d), Self::table_index_type(&s));
        let n = if d.table64 && s.table64 {
            ValType::I64
        } else {
            ValType::I32
        };
        self.pop(n)?;
        self.pop(si)?;
        self.pop(di)
    }

    fn visit_table_init(&mut self, elem_index: u32, table: u32) -> Result<()> {
        let t = self.table(table)?;
        let e = self.elem(elem_index)?;
        if !ref_matches(self.info, e, t.element) {
            return Err(self.err("type mismatch: element segment does not match the table"));
        }
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.pop(Self::table_index_type(&t))
    }

    fn visit_elem_drop(&mut self, elem_index: u32) -> Result<()> {
        self.elem(elem_index).map(|_| ())
    }

    fn visit_memory_size(&mut self, mem: u32) -> Result<()> {
        let t = self.index_type_of_memory(mem)?;
        self.push(t);
        Ok(())
    }

    fn visit_memory_grow(&mut self, mem: u32) -> Result<()> {
        let t = self.index_type_of_memory(mem)?;
        self.pop(t)?;
        self.push(t);
        Ok(())
    }

    fn visit_memory_init(&mut self, data_index: u32, mem: u32) -> Result<()> {
        let t = self.index_type_of_memory(mem)?;
        self.data(data_index)?;
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.pop(t)
    }

    fn visit_data_drop(&mut self, data_index: u32) -> Result<()> {
        self.data(data_index)
    }

    fn visit_memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> Result<()> {
        let d = self.index_type_of_memory(dst_mem)?;
        let s = self.index_type_of_memory(src_mem)?;
        let n = if d == ValType::I64 && s == ValType::I64 {
            ValType::I64
        } else {
            ValType::I32
        };
        self.pop(n)?;
        self.pop(s)?;
        self.pop(d)
    }

    fn visit_memory_fill(&mut self, mem: u32) -> Result<()> {
        let t = self.index_type_of_memory(mem)?;
        self.pop(t)?;
        self.pop(ValType::I32)?;
        self.pop(t)
    }

    fn visit_ref_null(&mut self, hty: HeapType) -> Result<()> {
        let r = RefType {
            nullable: true,
            heap: hty,
        };
        crate::module::check_reftype(&self.info.features, self.info.types.len(), r, self.offset)?;
        self.push(ValType::Ref(r));
        Ok(())
    }

    fn visit_ref_is_null(&mut self) -> Result<()> {
        match self.pop_operand(None)? {
            None | Some(ValType::Ref(_)) => {}
            Some(t) => return Err(self.err(format!("type mismatch: expected a reference, found {t}"))),
        }
        self.push(ValType::I32);
        Ok(())
    }

    fn visit_ref_func(&mut self, function_index: u32) -> Result<()> {
        self.func_type_of(function_index)?;
        if !self.info.declared_funcs.contains(&function_index) {
            return Err(self.err("undeclared function reference"));
        }
        self.push(self.info.ref_func_type(function_index));
        Ok(())
    }

    fn visit_ref_as_non_null(&mut self) -> Result<()> {
        let t = self.pop_any_ref()?;
        self.push_ty(t.as_non_null());
        Ok(())
    }

    fn visit_br_on_null(&mut self, relative_depth: u32) -> Result<()> {
        let t = self.pop_any_ref()?;
        let frame = self.label(relative_depth)?;
        let lt = self.label_types(&frame);
        self.pop_tys(lt)?;
        self.push_tys(lt);
        self.push_ty(t.as_non_null());
        Ok(())
    }

    fn visit_br_on_non_null(&mut self, relative_depth: u32) -> Result<()> {
        let frame = self.label(relative_depth)?;
        let lt = self.label_types(&frame);
        let (last, rest) = match lt.as_slice().split_last() {
            Some((&last @ ValType::Ref(_), rest)) => (last, rest),
            _ => return Err(self.err("type mismatch: br_on_non_null needs a label carrying a reference")),
        };
        let t = self.pop_any_ref()?;
        if !self.ty_matches(t.as_non_null(), Ty::of(last)) {
            return Err(self.mismatch(Some(last), t.as_non_null().val()));
        }
        let rest = Tys::Many(rest);
        self.pop_tys(rest)?;
        self.push_tys(rest);
        Ok(())
    }

    fn visit_call_ref(&mut self, type_index: u32) -> Result<()> {
        let ty = self.func_type(type_index)?;
        self.pop(ValType::Ref(RefType {
            nullable: true,
            heap: HeapType::Concrete(type_index),
        }))?;
        self.call(ty)
    }

    fn visit_return_call_ref(&mut self, type_index: u32) -> Result<()> {
        if !self.info.features.enabled(Feature::TailCall) {
            return Err(feature_error(Feature::TailCall, self.offset));
        }
        let ty = self.func_type(type_index)?;
        self.pop(ValType::Ref(RefType {
            nullable: true,
            heap: HeapType::Concrete(type_index),
        }))?;
        self.return_call(ty)
    }

    /// Pops a reference operand: its type, `UNKNOWN` in unreachable code
    /// with no operand, or `BOT_REF`.
    fn pop_any_ref(&mut self) -> Result<Ty> {
        let t = self.pop_ty_operand(Ty::UNKNOWN)?;
        if t != Ty::UNKNOWN && !t.is_ref() {
            return Err(self.err(format!(
                "type mismatch: expected a reference, found {}",
                t.val().map_or(String::new(), |v| v.to_string())
            )));
        }
        Ok(if t == Ty::UNKNOWN { Ty::BOT_REF } else { t })
    }

    // ---- GC ----

    fn struct_fields(&self, t: u32) -> Result<&'i [FieldType]> {
        let info: &'i ModuleInfo = self.info;
        match info.struct_fields(t) {
            Some(f) => Ok(f),
            None if (t as usize) < info.types.len() => {
                Err(self.err(format!("type mismatch: type {t} is not a struct type")))
            }
            None => Err(self.err(format!("unknown type {t}"))),
        }
    }

    fn array_field(&self, t: u32) -> Result<FieldType> {
        match self.info.array_field(t) {
            Some(f) => Ok(f),
            None if (t as usize) < self.info.types.len() => {
                Err(self.err(format!("type mismatch: type {t} is not an array type")))
            }
            None => Err(self.err(format!("unknown type {t}"))),
        }
    }

    fn field(&self, t: u32, i: u32) -> Result<FieldType> {
        self.struct_fields(t)?
            .get(i as usize)
            .copied()
            .ok_or_else(|| self.err(format!("unknown field {i}")))
    }

    fn concrete(t: u32, nullable: bool) -> ValType {
        ValType::Ref(RefType {
            nullable,
            heap: HeapType::Concrete(t),
        })
    }

    fn abstract_ref(heap: HeapType, nullable: bool) -> ValType {
        ValType::Ref(RefType { nullable, heap })
    }

    /// A field or element read: `packed` says whether the operator is a
    /// `_s`/`_u` form, which only packed fields take (and they need one).
    fn check_packed(&self, f: FieldType, packed: bool) -> Result<()> {
        if f.storage.is_packed() != packed {
            return Err(self.err(if packed {
                "type mismatch: field is not packed"
            } else {
                "type mismatch: packed field needs a signed or unsigned access"
            }));
        }
        Ok(())
    }

    fn visit_struct_new(&mut self, struct_type_index: u32) -> Result<()> {
        let fields = self.struct_fields(struct_type_index)?;
        for f in fields.iter().rev() {
            self.pop(f.storage.unpacked())?;
        }
        self.push(Self::concrete(struct_type_index, false));
        Ok(())
    }

    fn visit_struct_new_default(&mut self, struct_type_index: u32) -> Result<()> {
        let fields = self.struct_fields(struct_type_index)?;
        if !fields.iter().all(|f| f.storage.unpacked().is_defaultable()) {
            return Err(self.err("type mismatch: struct type has a field without a default value"));
        }
        self.push(Self::concrete(struct_type_index, false));
        Ok(())
    }

    fn struct_get(&mut self, t: u32, i: u32, packed: bool) -> Result<()> {
        let f = self.field(t, i)?;
        self.check_packed(f, packed)?;
        self.pop(Self::concrete(t, true))?;
        self.push(f.storage.unpacked());
        Ok(())
    }

    fn visit_struct_get(&mut self, struct_type_index: u32, field_index: u32) -> Result<()> {
        self.struct_get(struct_type_index, field_index, false)
    }

    fn visit_struct_get_s(&mut self, struct_type_index: u32, field_index: u32) -> Result<()> {
        self.struct_get(struct_type_index, field_index, true)
    }

    fn visit_struct_get_u(&mut self, struct_type_index: u32, field_index: u32) -> Result<()> {
        self.struct_get(struct_type_index, field_index, true)
    }

    fn visit_struct_set(&mut self, struct_type_index: u32, field_index: u32) -> Result<()> {
        let f = self.field(struct_type_index, field_index)?;
        if !f.mutable {
            return Err(self.err("immutable field"));
        }
        self.pop(f.storage.unpacked())?;
        self.pop(Self::concrete(struct_type_index, true))
    }

    fn visit_array_new(&mut self, array_type_index: u32) -> Result<()> {
        let f = self.array_field(array_type_index)?;
        self.pop(ValType::I32)?;
        self.pop(f.storage.unpacked())?;
        self.push(Self::concrete(array_type_index, false));
        Ok(())
    }

    fn visit_array_new_default(&mut self, array_type_index: u32) -> Result<()> {
        let f = self.array_field(array_type_index)?;
        if !f.storage.unpacked().is_defaultable() {
            return Err(self.err("type mismatch: array type has no default value"));
        }
        self.pop(ValType::I32)?;
        self.push(Self::concrete(array_type_index, false));
        Ok(())
    }

    fn visit_array_new_fixed(&mut self, array_type_index: u32, array_size: u32) -> Result<()> {
        let f = self.array_field(array_type_index)?;
        let t = Ty::of(f.storage.unpacked());
        // Pop at most what the frame holds (plus one, to fail): the rest of
        // a large count is either a mismatch or taken from the polymorphic
        // stack of unreachable code, without looping over it.
        let avail = match self.ctrls.last() {
            Some(frame) => self.vals.len().saturating_sub(frame.height),
            None => return Err(self.err("operators remaining after end of function")),
        };
        for _ in 0..(array_size as usize).min(avail + 1) {
            self.pop_ty(t)?;
        }
        self.push(Self::concrete(array_type_index, false));
        Ok(())
    }

    /// The element type of an array that `array.new_data`/`init_data`
    /// fill from a data segment: numeric or vector.
    fn data_array(&self, t: u32, data: u32) -> Result<FieldType> {
        let f = self.array_field(t)?;
        if matches!(f.storage, StorageType::Val(ValType::Ref(_))) {
            return Err(self.err("array type is not numeric or vector"));
        }
        self.data(data)?;
        Ok(f)
    }

    /// The element type of an array filled from element segment `elem`,
    /// whose type must match it.
    fn elem_array(&self, t: u32, elem: u32) -> Result<FieldType> {
        let f = self.array_field(t)?;
        let e = self.elem(elem)?;
        if !self.matches(ValType::Ref(e), f.storage.unpacked()) {
            return Err(self.err("type mismatch: element segment does not match the array type"));
        }
        Ok(f)
    }

    fn visit_array_new_data(&mut self, array_type_index: u32, array_data_index: u32) -> Result<()> {
        self.data_array(array_type_index, array_data_index)?;
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.push(Self::concrete(array_type_index, false));
        Ok(())
    }

    fn visit_array_new_elem(&mut self, array_type_index: u32, array_elem_index: u32) -> Result<()> {
        self.elem_array(array_type_index, array_elem_index)?;
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.push(Self::concrete(array_type_index, false));
        Ok(())
    }

    fn array_get(&mut self, t: u32, packed: bool) -> Result<()> {
        let f = self.array_field(t)?;
        self.check_packed(f, packed)?;
        self.pop(ValType::I32)?;
        self.pop(Self::concrete(t, true))?;
        self.push(f.storage.unpacked());
        Ok(())
    }

    fn visit_array_get(&mut self, array_type_index: u32) -> Result<()> {
        self.array_get(array_type_index, false)
    }

    fn visit_array_get_s(&mut self, array_type_index: u32) -> Result<()> {
        self.array_get(array_type_index, true)
    }

    fn visit_array_get_u(&mut self, array_type_index: u32) -> Result<()> {
        self.array_get(array_type_index, true)
    }

    fn mutable_array(&self, t: u32) -> Result<FieldType> {
        let f = self.array_field(t)?;
        if !f.mutable {
            return Err(self.err("immutable array"));
        }
        Ok(f)
    }

    fn visit_array_set(&mut self, array_type_index: u32) -> Result<()> {
        let f = self.mutable_array(array_type_index)?;
        self.pop(f.storage.unpacked())?;
        self.pop(ValType::I32)?;
        self.pop(Self::concrete(array_type_index, true))
    }

    fn visit_array_len(&mut self) -> Result<()> {
        self.pop(Self::abstract_ref(HeapType::Array, true))?;
        self.push(ValType::I32);
        Ok(())
    }

    fn visit_array_fill(&mut self, array_type_index: u32) -> Result<()> {
        let f = self.mutable_array(array_type_index)?;
        self.pop(ValType::I32)?;
        self.pop(f.storage.unpacked())?;
        self.pop(ValType::I32)?;
        self.pop(Self::concrete(array_type_index, true))
    }

    fn visit_array_copy(&mut self, dst_array_type_index: u32, src_array_type_index: u32) -> Result<()> {
        let d = self.mutable_array(dst_array_type_index)?;
        let s = self.array_field(src_array_type_index)?;
        let ok = match (s.storage, d.storage) {
            (StorageType::Val(a), StorageType::Val(b)) => self.matches(a, b),
            (a, b) => a == b,
        };
        if !ok {
            return Err(self.err("array types do not match"));
        }
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.pop(Self::concrete(src_array_type_index, true))?;
        self.pop(ValType::I32)?;
        self.pop(Self::concrete(dst_array_type_index, true))
    }

    fn visit_array_init_data(&mut self, array_type_index: u32, array_data_index: u32) -> Result<()> {
        self.mutable_array(array_type_index)?;
        self.data_array(array_type_index, array_data_index)?;
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.pop(Self::concrete(array_type_index, true))
    }

    fn visit_array_init_elem(&mut self, array_type_index: u32, array_elem_index: u32) -> Result<()> {
        self.mutable_array(array_type_index)?;
        self.elem_array(array_type_index, array_elem_index)?;
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.pop(ValType::I32)?;
        self.pop(Self::concrete(array_type_index, true))
    }

    /// The top of the hierarchy heap type `h` belongs to.
    fn top_of(&self, h: HeapType) -> HeapType {
        use HeapType as H;
        match h {
            H::Func | H::NoFunc => H::Func,
            H::Extern | H::NoExtern => H::Extern,
            H::Exn | H::NoExn => H::Exn,
            H::Concrete(t) => match self.info.composite(t) {
                Some(CompositeType::Func) => H::Func,
                _ => H::Any,
            },
            _ => H::Any,
        }
    }

    /// `ref.test`/`ref.cast` to `rt`: checks it and pops an operand of its
    /// hierarchy.
    fn cast_operand(&mut self, rt: RefType) -> Result<()> {
        crate::module::check_reftype(&self.info.features, self.info.types.len(), rt, self.offset)?;
        let top = self.top_of(rt.heap);
        self.pop(Self::abstract_ref(top, true))
    }

    fn visit_ref_test(&mut self, cast_hty: HeapType) -> Result<()> {
        self.cast_operand(RefType {
            nullable: false,
            heap: cast_hty,
        })?;
        self.push(ValType::I32);
        Ok(())
    }

    fn visit_ref_test_null(&mut self, cast_null_hty: HeapType) -> Result<()> {
        self.cast_operand(RefType {
            nullable: true,
            heap: cast_null_hty,
        })?;
        self.push(ValType::I32);
        Ok(())
    }

    fn visit_ref_cast(&mut self, cast_hty: HeapType) -> Result<()> {
        let rt = RefType {
            nullable: false,
            heap: cast_hty,
        };
        self.cast_operand(rt)?;
        self.push(ValType::Ref(rt));
        Ok(())
    }

    fn visit_ref_cast_null(&mut self, cast_null_hty: HeapType) -> Result<()> {
        let rt = RefType {
            nullable: true,
            heap: cast_null_hty,
        };
        self.cast_operand(rt)?;
        self.push(ValType::Ref(rt));
        Ok(())
    }

    /// `br_on_cast` (`fail` false) and `br_on_cast_fail`: the label takes
    /// its values and, last, the reference when the cast succeeds (fails);
    /// the other outcome stays on the stack.
    fn br_on_cast(&mut self, cast: BrOnCast, fail: bool) -> Result<()> {
        let (rt1, rt2) = (cast.from, cast.to);
        let feats = &self.info.features;
        crate::module::check_reftype(feats, self.info.types.len(), rt1, self.offset)?;
        crate::module::check_reftype(feats, self.info.types.len(), rt2, self.offset)?;
        if !self.matches(ValType::Ref(rt2), ValType::Ref(rt1)) {
            return Err(self.err("type mismatch: br_on_cast's target type does not match its operand type"));
        }
        // What fails the cast: the operand type less the target type.
        let diff = RefType {
            nullable: rt1.nullable && !rt2.nullable,
            heap: rt1.heap,
        };
        let (taken, kept) = if fail { (diff, rt2) } else { (rt2, diff) };
        let frame = self.label(cast.relative_depth)?;
        let lt = self.label_types(&frame);
        let (last, rest) = match lt.as_slice().split_last() {
            Some((&last @ ValType::Ref(_), rest)) => (last, rest),
            _ => return Err(self.err("type mismatch: br_on_cast needs a label carrying a reference")),
        };
        if !self.matches(ValType::Ref(taken), last) {
            return Err(self.mismatch(Some(last), Some(ValType::Ref(taken))));
        }
        self.pop(ValType::Ref(rt1))?;
        let rest = Tys::Many(rest);
        self.pop_tys(rest)?;
        self.push_tys(rest);
        self.push(ValType::Ref(kept));
        Ok(())
    }

    fn visit_br_on_cast(&mut self, cast: BrOnCast) -> Result<()> {
        self.br_on_cast(cast, false)
    }

    fn visit_br_on_cast_fail(&mut self, cast: BrOnCast) -> Result<()> {
        self.br_on_cast(cast, true)
    }

    /// `any.convert_extern` / `extern.convert_any`: the same reference in
    /// the other hierarchy, as nullable as it was.
    fn convert(&mut self, from: HeapType, to: HeapType) -> Result<()> {
        let t = self.pop_ty_operand(Ty::of(Self::abstract_ref(from, true)))?;
        let nullable = t != Ty::BOT_REF && t.val().is_some_and(|v| matches!(v, ValType::Ref(r) if r.nullable));
        self.push(Self::abstract_ref(to, nullable));
        Ok(())
    }

    fn visit_any_convert_extern(&mut self) -> Result<()> {
        self.convert(HeapType::Extern, HeapType::Any)
    }

    fn visit_extern_convert_any(&mut self) -> Result<()> {
        self.convert(HeapType::Any, HeapType::Extern)
    }

    fn visit_ref_i31(&mut self) -> Result<()> {
        self.pop(ValType::I32)?;
        self.push(Self::abstract_ref(HeapType::I31, false));
        Ok(())
    }

    fn visit_i31_get_s(&mut self) -> Result<()> {
        self.pop(Self::abstract_ref(HeapType::I31, true))?;
        self.push(ValType::I32);
        Ok(())
    }

    fn visit_i31_get_u(&mut self) -> Result<()> {
        self.visit_i31_get_s()
    }

    fn visit_ref_eq(&mut self) -> Result<()> {
        let eqref = Self::abstract_ref(HeapType::Eq, true);
        self.pop(eqref)?;
        self.pop(eqref)?;
        self.push(ValType::I32);
        Ok(())
    }

    fn visit_i8x16_shuffle(&mut self, lanes: [u8; 16]) -> Result<()> {
        if lanes.iter().any(|&l| l >= 32) {
            return Err(self.err("invalid lane index"));
        }
        self.pop_push(&[Ty::V128, Ty::V128], &[Ty::V128])
    }

    fn visit_memory_atomic_notify(&mut self, memarg: MemArg) -> Result<()> {
        self.atomic(memarg, 2, &[ValType::I32], Some(ValType::I32))
    }

    fn visit_memory_atomic_wait32(&mut self, memarg: MemArg) -> Result<()> {
        self.atomic(memarg, 2, &[ValType::I32, ValType::I64], Some(ValType::I32))
    }

    fn visit_memory_atomic_wait64(&mut self, memarg: MemArg) -> Result<()> {
        self.atomic(memarg, 3, &[ValType::I64, ValType::I64], Some(ValType::I32))
    }

    fn visit_atomic_fence(&mut self, _reserved: u8) -> Result<()> {
        Ok(())
    }

    fn visit_i32_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 2, ValType::I32)
    }

    fn visit_i64_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::I64)
    }

    fn visit_f32_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 2, ValType::F32)
    }

    fn visit_f64_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::F64)
    }

    fn visit_i32_load8_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 0, ValType::I32)
    }

    fn visit_i32_load8_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 0, ValType::I32)
    }

    fn visit_i32_load16_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 1, ValType::I32)
    }

    fn visit_i32_load16_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 1, ValType::I32)
    }

    fn visit_i64_load8_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 0, ValType::I64)
    }

    fn visit_i64_load8_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 0, ValType::I64)
    }

    fn visit_i64_load16_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 1, ValType::I64)
    }

    fn visit_i64_load16_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 1, ValType::I64)
    }

    fn visit_i64_load32_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 2, ValType::I64)
    }

    fn visit_i64_load32_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 2, ValType::I64)
    }

    fn visit_i32_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 2, ValType::I32)
    }

    fn visit_i64_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 3, ValType::I64)
    }

    fn visit_f32_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 2, ValType::F32)
    }

    fn visit_f64_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 3, ValType::F64)
    }

    fn visit_i32_store8(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 0, ValType::I32)
    }

    fn visit_i32_store16(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 1, ValType::I32)
    }

    fn visit_i64_store8(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 0, ValType::I64)
    }

    fn visit_i64_store16(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 1, ValType::I64)
    }

    fn visit_i64_store32(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 2, ValType::I64)
    }

    fn visit_v128_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 4, ValType::V128)
    }

    fn visit_v128_load8x8_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_load8x8_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_load16x4_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_load16x4_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_load32x2_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_load32x2_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_load8_splat(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 0, ValType::V128)
    }

    fn visit_v128_load16_splat(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 1, ValType::V128)
    }

    fn visit_v128_load32_splat(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 2, ValType::V128)
    }

    fn visit_v128_load64_splat(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(memarg, 4, ValType::V128)
    }

    fn visit_v128_load32_zero(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 2, ValType::V128)
    }

    fn visit_v128_load64_zero(&mut self, memarg: MemArg) -> Result<()> {
        self.load(memarg, 3, ValType::V128)
    }

    fn visit_v128_load8_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 16)?;
        self.check_memarg(memarg, 0)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)?;
        self.push(ValType::V128);
        Ok(())
    }

    fn visit_v128_store8_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 16)?;
        self.check_memarg(memarg, 0)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)
    }

    fn visit_v128_load16_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 8)?;
        self.check_memarg(memarg, 1)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)?;
        self.push(ValType::V128);
        Ok(())
    }

    fn visit_v128_store16_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 8)?;
        self.check_memarg(memarg, 1)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)
    }

    fn visit_v128_load32_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 4)?;
        self.check_memarg(memarg, 2)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)?;
        self.push(ValType::V128);
        Ok(())
    }

    fn visit_v128_store32_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 4)?;
        self.check_memarg(memarg, 2)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)
    }

    fn visit_v128_load64_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 2)?;
        self.check_memarg(memarg, 3)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)?;
        self.push(ValType::V128);
        Ok(())
    }

    fn visit_v128_store64_lane(&mut self, memarg: MemArg, lane: u8) -> Result<()> {
        self.check_lane(lane, 2)?;
        self.check_memarg(memarg, 3)?;
        self.pop(ValType::V128)?;
        self.pop_address(memarg.memory)
    }

    fn visit_i8x16_extract_lane_s(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 16)?;
        self.pop_push(&[Ty::V128], &[Ty::I32])
    }

    fn visit_i8x16_extract_lane_u(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 16)?;
        self.pop_push(&[Ty::V128], &[Ty::I32])
    }

    fn visit_i8x16_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 16)?;
        self.pop_push(&[Ty::V128, Ty::I32], &[Ty::V128])
    }

    fn visit_i16x8_extract_lane_s(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 8)?;
        self.pop_push(&[Ty::V128], &[Ty::I32])
    }

    fn visit_i16x8_extract_lane_u(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 8)?;
        self.pop_push(&[Ty::V128], &[Ty::I32])
    }

    fn visit_i16x8_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 8)?;
        self.pop_push(&[Ty::V128, Ty::I32], &[Ty::V128])
    }

    fn visit_i32x4_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 4)?;
        self.pop_push(&[Ty::V128], &[Ty::I32])
    }

    fn visit_i32x4_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 4)?;
        self.pop_push(&[Ty::V128, Ty::I32], &[Ty::V128])
    }

    fn visit_i64x2_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 2)?;
        self.pop_push(&[Ty::V128], &[Ty::I64])
    }

    fn visit_i64x2_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 2)?;
        self.pop_push(&[Ty::V128, Ty::I64], &[Ty::V128])
    }

    fn visit_f32x4_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 4)?;
        self.pop_push(&[Ty::V128], &[Ty::F32])
    }

    fn visit_f32x4_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 4)?;
        self.pop_push(&[Ty::V128, Ty::F32], &[Ty::V128])
    }

    fn visit_f64x2_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 2)?;
        self.pop_push(&[Ty::V128], &[Ty::F64])
    }

    fn visit_f64x2_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.check_lane(lane, 2)?;
        self.pop_push(&[Ty::V128, Ty::F64], &[Ty::V128])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locals_flat_then_runs() {
        let mut l = Locals::default();
        l.push(1, ValType::I32);
        l.push(3, ValType::F64);
        l.push(FLAT_LOCALS, ValType::I64);
        l.push(u32::MAX as u64 - FLAT_LOCALS - 10, ValType::V128);
        assert_eq!(l.flat.len() as u64, FLAT_LOCALS);
        assert_eq!(l.get(0), Some(Ty::I32));
        assert_eq!(l.get(1), Some(Ty::F64));
        assert_eq!(l.get(3), Some(Ty::F64));
        assert_eq!(l.get(4), Some(Ty::I64));
        assert_eq!(l.get(FLAT_LOCALS as u32 + 3), Some(Ty::I64));
        assert_eq!(l.get(FLAT_LOCALS as u32 + 4), Some(Ty::V128));
        assert_eq!(l.get(u32::MAX - 7), Some(Ty::V128));
        assert_eq!(l.get(u32::MAX - 6), None);
    }

    #[test]
    fn packed_types_round_trip() {
        let heaps = [
            HeapType::Func,
            HeapType::Extern,
            HeapType::Exn,
            HeapType::Any,
            HeapType::NoFunc,
        ];
        let mut all = vec![ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::V128];
        for h in heaps
            .into_iter()
            .chain([HeapType::Concrete(0), HeapType::Concrete(999_999)])
        {
            for nullable in [true, false] {
                all.push(ValType::Ref(RefType { nullable, heap: h }));
            }
        }
        for t in all {
            assert_eq!(Ty::of(t).val(), Some(t));
        }
        assert_eq!(Ty::UNKNOWN.val(), None);
    }
}

macro_rules! atomic_vt {
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
}

macro_rules! define_atomic_checks {
    ($( $visit:ident $name:ident $kind:ident $op:ident $ty:ident $bits:literal )*) => {
        impl FuncValidator<'_> {
            $(
                fn $visit(&mut self, memarg: MemArg) -> Result<()> {
                    let t = atomic_vt!($ty);
                    let align = ($bits / 8u32).trailing_zeros();
                    match AtomicKind::$kind {
                        AtomicKind::Load => self.atomic(memarg, align, &[], Some(t)),
                        AtomicKind::Store => self.atomic(memarg, align, &[t], None),
                        AtomicKind::Rmw => self.atomic(memarg, align, &[t], Some(t)),
                        AtomicKind::Cmpxchg => self.atomic(memarg, align, &[t, t], Some(t)),
                    }
                }
            )*
        }
    };
}

use tern_binary::AtomicKind;

tern_binary::for_each_atomic_memop!(define_atomic_checks);
