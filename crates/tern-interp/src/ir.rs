//! The interpreter's IR: register-style instructions over a frame of 64-bit
//! value slots.
//!
//! A frame holds the function's locals (parameters first) in slots
//! `0..local_slots` (at least as many slots as the results, which `Ret`
//! finds in slots `0..result_slots`), then the function's constants, then
//! its operand stack. Every operand has a slot fixed at translation time
//! (the stack height at that point), so instructions name their inputs and
//! output by slot ("register") instead of pushing and popping. A `v128`
//! takes two consecutive slots. Constant slots are filled from
//! [`CompiledFunc::consts`] when the frame is entered, so that an operand
//! that is a constant is read from its slot like any other, and no
//! instruction loads it.
//!
//! Jump targets are relative to the jump instruction. Comparisons that feed
//! a `br_if` or an `if` are fused into the jump (`BrI32LtS { a, b, to }`).
//!
//! `Instr` has one variant per row of the operator table, `Name(R3)`; the
//! rows with a plain signature execute through those variants. The rest of
//! the rows (control, memory, tables, lanes, ...) are lowered to the
//! hand-written variants that follow; their row variants are never emitted.

use tern_binary::for_each_operator;
use tern_vm::TrapCode;

/// A slot index relative to the frame base.
pub type Reg = u32;

/// Operands of a plain operator: result `d`, inputs `a` and `b` (for a
/// three-input operator the inputs are `d`, `a`, `b` and the result
/// overwrites `d`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct R3 {
    pub d: Reg,
    pub a: Reg,
    pub b: Reg,
}

/// A memory access: result (or stored value) slot, address slot, static
/// offset and memory index. Packed to 2-byte alignment so that an `Instr`
/// carrying one stays 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct Mem {
    /// Result slot for loads; value slot for stores.
    pub v: Reg,
    pub addr: Reg,
    pub offset: u32,
    pub mem: u16,
}

/// The width in bytes of the access of the atomic operator whose `0xfe`
/// opcode is `code` (notify and waits included).
pub fn atomic_width(code: u32) -> u64 {
    match code {
        0x00 | 0x01 => 4,
        0x02 => 8,
        _ => {
            // Loads, stores and read-modify-writes come in rows of seven
            // (i32, i64, i32 8/16, i64 8/16/32), i32's rows first.
            let row = code.saturating_sub(0x10) as usize;
            [4, 8, 1, 2, 1, 2, 4][row % 7]
        }
    }
}

macro_rules! define_instr {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        /// One IR instruction. 16 bytes. `repr(u16)`: every variant
        /// starts with a two-byte tag numbering the variants in order, by
        /// which the threaded dispatch finds an instruction's handler.
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[allow(dead_code)]
        #[repr(u16)]
        pub enum Instr {
            $( $name(R3), )*

            // ---- control ----
            /// Traps with `code`.
            Trap { code: TrapCode },
            /// Consumes `n` units of fuel: the cost of the basic block it
            /// starts, one unit per Wasm operator.
            Fuel { n: u32 },
            /// Checks the store's epoch deadline (function entries and loop
            /// headers, when the embedder asked for epoch interruption).
            Epoch,
            /// A loop header of a tiered module's function: counts the
            /// iteration for loop `l` of [`CompiledFunc::loops`], and once
            /// the loop is hot and its OSR entry compiled, continues the
            /// call in compiled code (see [`crate::tier`]).
            LoopHead { l: u32 },
            /// Jumps to `to`. In translated code every jump target `to`
            /// is relative to the jump's own index (an `i32` offset stored
            /// as `u32`); the translator works with absolute indices until
            /// it finishes.
            Jump { to: u32 },
            JumpIfNez { c: Reg, to: u32 },
            JumpIfEqz { c: Reg, to: u32 },
            /// Jumps to `pc + 1 + min(regs[i], len)`: the `len + 1` `Jump`s
            /// that follow are the targets, the default last.
            JumpTable { i: Reg, len: u32 },
            /// Compare and branch: jumps to `to` when the comparison of
            /// `regs[a]` and `regs[b]` holds (a comparison operator fused
            /// with the `br_if` or `if` that consumes its result).
            BrI32Eq { a: Reg, b: Reg, to: u32 },
            BrI32Ne { a: Reg, b: Reg, to: u32 },
            BrI32LtS { a: Reg, b: Reg, to: u32 },
            BrI32LtU { a: Reg, b: Reg, to: u32 },
            BrI32GtS { a: Reg, b: Reg, to: u32 },
            BrI32GtU { a: Reg, b: Reg, to: u32 },
            BrI32LeS { a: Reg, b: Reg, to: u32 },
            BrI32LeU { a: Reg, b: Reg, to: u32 },
            BrI32GeS { a: Reg, b: Reg, to: u32 },
            BrI32GeU { a: Reg, b: Reg, to: u32 },
            /// Jumps to `to` when `regs[a] & regs[b]` (as i32) is not zero /
            /// is zero.
            BrI32And { a: Reg, b: Reg, to: u32 },
            BrI32AndEqz { a: Reg, b: Reg, to: u32 },
            BrI64Eq { a: Reg, b: Reg, to: u32 },
            BrI64Ne { a: Reg, b: Reg, to: u32 },
            BrI64LtS { a: Reg, b: Reg, to: u32 },
            BrI64LtU { a: Reg, b: Reg, to: u32 },
            BrI64GtS { a: Reg, b: Reg, to: u32 },
            BrI64GtU { a: Reg, b: Reg, to: u32 },
            BrI64LeS { a: Reg, b: Reg, to: u32 },
            BrI64LeU { a: Reg, b: Reg, to: u32 },
            BrI64GeS { a: Reg, b: Reg, to: u32 },
            BrI64GeU { a: Reg, b: Reg, to: u32 },
            /// Jumps to `to` when the i64 in `regs[c]` is zero / not zero.
            BrI64Eqz { c: Reg, to: u32 },
            BrI64Nez { c: Reg, to: u32 },
            Copy { d: Reg, s: Reg },
            Copy2 { d: Reg, s: Reg },
            CopyN { d: Reg, s: Reg, n: u32 },
            /// Returns; the results are in slots `0..result_slots`.
            Ret,
            /// Returns the one-slot result in `regs[s]`.
            Ret1 { s: Reg },
            /// Calls defined function `f` of this module; its frame starts at `base`.
            CallDef { f: u32, base: Reg },
            /// Calls imported function `f` (a function index).
            CallImp { f: u32, base: Reg },
            /// Calls the function at `table[regs[i]]`, checking it has type `ty`.
            CallInd { table: u16, ty: u32, i: Reg, base: Reg },
            ReturnCallDef { f: u32, base: Reg },
            ReturnCallImp { f: u32, base: Reg },
            ReturnCallInd { table: u16, ty: u32, i: Reg, base: Reg },
            /// Calls the function reference `regs[r]` (`call_ref`; traps
            /// when null). Validation guarantees its type.
            CallFuncRef { r: Reg, base: Reg },
            ReturnCallFuncRef { r: Reg, base: Reg },
            /// Traps when the reference `regs[r]` is null (`ref.as_non_null`).
            NonNull { r: Reg },
            /// Throws a new exception of tag `tag` (a module tag index) whose
            /// payload is in the slots from `r` on.
            ThrowTag { tag: u32, r: Reg },
            /// Throws the exception `regs[r]` (an `exnref`; traps when null).
            ThrowExn { r: Reg },
            /// `regs[a] = if regs[c] != 0 { regs[a] } else { regs[b] }`.
            Sel { a: Reg, b: Reg, c: Reg },
            /// As `Select`, for two-slot values.
            Sel2 { a: Reg, b: Reg, c: Reg },

            // ---- constants, globals ----
            Const32 { d: Reg, v: u32 },
            Const64 { d: Reg, v: u64 },
            /// Loads entry `i` of the function's v128 constant pool.
            ConstV128 { d: Reg, i: u32 },
            GGet { d: Reg, g: u32 },
            GGet2 { d: Reg, g: u32 },
            GSet { s: Reg, g: u32 },
            GSet2 { s: Reg, g: u32 },

            // ---- memory ----
            Load8S32(Mem),
            Load8S64(Mem),
            Load8U(Mem),
            Load16S32(Mem),
            Load16S64(Mem),
            Load16U(Mem),
            Load32(Mem),
            Load32S64(Mem),
            Load64(Mem),
            Load128(Mem),
            Store8(Mem),
            Store16(Mem),
            Store32(Mem),
            Store64(Mem),
            Store128(Mem),
            Load8x8S(Mem),
            Load8x8U(Mem),
            Load16x4S(Mem),
            Load16x4U(Mem),
            Load32x2S(Mem),
            Load32x2U(Mem),
            Load8Splat(Mem),
            Load16Splat(Mem),
            Load32Splat(Mem),
            Load64Splat(Mem),
            Load32Zero(Mem),
            Load64Zero(Mem),
            /// Lane loads: the address is in `addr`, the vector in `addr + 1`,
            /// the result goes to `addr`. `v` holds the lane index.
            Load8Lane(Mem),
            Load16Lane(Mem),
            Load32Lane(Mem),
            Load64Lane(Mem),
            /// Lane stores: the vector is in `addr + 1`, `v` holds the lane index.
            Store8Lane(Mem),
            Store16Lane(Mem),
            Store32Lane(Mem),
            Store64Lane(Mem),
            /// An atomic operator of the threads proposal: `v` is its
            /// `0xfe` opcode, its operands are in `addr`, `addr + 1`, ...
            /// and its result goes to `addr`.
            Atomic(Mem),
            /// `atomic.fence`.
            Fence,
            MemSize { d: Reg, mem: u32 },
            /// `regs[d]` holds the delta and receives the result. `mem`
            /// has [`WIDE`] set for a 64-bit memory (an i64 delta and
            /// result).
            MemGrow { d: Reg, mem: u32 },
            /// Traps with `code` when `regs[a]` (an i64 address or index of
            /// a 64-bit memory or table) does not fit in 32 bits. The
            /// access that follows then reads it as 32 bits, as for a
            /// 32-bit memory or table: a 64-bit memory is smaller than
            /// 4 GiB and a table has fewer than 2^32 elements, so such an
            /// address is out of bounds for any access, even of 0 bytes.
            Check32 { a: Reg, code: TrapCode },
            /// Traps `unaligned atomic` when `regs[a] + off` (wrapping)
            /// has a bit of `mask` set: the alignment check of an atomic
            /// access to a 64-bit memory, which comes before its bounds
            /// check (`off` is the offset's low bits).
            CheckAlign { a: Reg, mask: u8, off: u8 },
            /// Operands in `r`, `r + 1`, `r + 2`.
            MemFill { r: Reg, mem: u32 },
            MemCopy { r: Reg, dst: u32, src: u32 },
            MemInit { r: Reg, seg: u32, mem: u32 },
            DropData { seg: u32 },

            // ---- tables and references ----
            /// `regs[d]` holds the index and receives the element.
            TabGet { d: Reg, t: u32 },
            /// Index in `r`, value in `r + 1`.
            TabSet { r: Reg, t: u32 },
            TabSize { d: Reg, t: u32 },
            /// Init value in `r`, delta in `r + 1`; result in `r`. `t` has
            /// [`WIDE`] set for a 64-bit table.
            TabGrow { r: Reg, t: u32 },
            TabFill { r: Reg, t: u32 },
            TabCopy { r: Reg, dst: u32, src: u32 },
            TabInit { r: Reg, seg: u32, t: u32 },
            DropElem { seg: u32 },
            IsNull { d: Reg, a: Reg },
            FuncRef { d: Reg, f: u32 },

            // ---- lanes ----
            /// Result in `a`; `i` indexes the function's v128 pool (the lane
            /// selectors as bytes).
            Shuffle { a: Reg, b: Reg, i: u32 },
            ExtractI8S { d: Reg, a: Reg, lane: u32 },
            ExtractI8U { d: Reg, a: Reg, lane: u32 },
            ExtractI16S { d: Reg, a: Reg, lane: u32 },
            ExtractI16U { d: Reg, a: Reg, lane: u32 },
            Extract32 { d: Reg, a: Reg, lane: u32 },
            Extract64 { d: Reg, a: Reg, lane: u32 },
            /// The vector in `v` (also the result), the scalar in `x`.
            Replace8 { v: Reg, x: Reg, lane: u32 },
            Replace16 { v: Reg, x: Reg, lane: u32 },
            Replace32 { v: Reg, x: Reg, lane: u32 },
            Replace64 { v: Reg, x: Reg, lane: u32 },

            // ---- relaxed SIMD, deterministic mode ----
            /// `f32x4.relaxed_madd`/`nmadd`, `f64x2.relaxed_madd`/`nmadd`
            /// unfused; inputs `d`, `a`, `b`, result in `d`.
            MaddDetF32(R3),
            NmaddDetF32(R3),
            MaddDetF64(R3),
            NmaddDetF64(R3),
            /// `i16x8.relaxed_dot_i8x16_i7x16_s` with both operands signed.
            DotDet(R3),
            /// `i32x4.relaxed_dot_i8x16_i7x16_add_s` with both operands
            /// signed; inputs `d`, `a`, `b`, result in `d`.
            DotAddDet(R3),
        }
    };
}

for_each_operator!(define_instr);

macro_rules! define_plain_mut {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl Instr {
            /// The operands of a row variant (`None` for hand-written ones).
            pub fn plain_mut(&mut self) -> Option<&mut R3> {
                match self {
                    $( Instr::$name(r) => Some(r), )*
                    _ => None,
                }
            }
        }
    };
}

for_each_operator!(define_plain_mut);

impl Instr {
    /// The relaxed SIMD operator's deterministic counterpart (the spec's
    /// deterministic profile); any other instruction unchanged.
    pub fn relaxed_deterministic(self) -> Instr {
        match self {
            Instr::I8x16RelaxedSwizzle(r) => Instr::I8x16Swizzle(r),
            Instr::I32x4RelaxedTruncF32x4S(r) => Instr::I32x4TruncSatF32x4S(r),
            Instr::I32x4RelaxedTruncF32x4U(r) => Instr::I32x4TruncSatF32x4U(r),
            Instr::I32x4RelaxedTruncF64x2SZero(r) => Instr::I32x4TruncSatF64x2SZero(r),
            Instr::I32x4RelaxedTruncF64x2UZero(r) => Instr::I32x4TruncSatF64x2UZero(r),
            Instr::F32x4RelaxedMadd(r) => Instr::MaddDetF32(r),
            Instr::F32x4RelaxedNmadd(r) => Instr::NmaddDetF32(r),
            Instr::F64x2RelaxedMadd(r) => Instr::MaddDetF64(r),
            Instr::F64x2RelaxedNmadd(r) => Instr::NmaddDetF64(r),
            Instr::I8x16RelaxedLaneselect(r)
            | Instr::I16x8RelaxedLaneselect(r)
            | Instr::I32x4RelaxedLaneselect(r)
            | Instr::I64x2RelaxedLaneselect(r) => Instr::V128Bitselect(r),
            Instr::F32x4RelaxedMin(r) => Instr::F32x4Min(r),
            Instr::F32x4RelaxedMax(r) => Instr::F32x4Max(r),
            Instr::F64x2RelaxedMin(r) => Instr::F64x2Min(r),
            Instr::F64x2RelaxedMax(r) => Instr::F64x2Max(r),
            Instr::I16x8RelaxedQ15mulrS(r) => Instr::I16x8Q15mulrSatS(r),
            Instr::I16x8RelaxedDotI8x16I7x16S(r) => Instr::DotDet(r),
            Instr::I32x4RelaxedDotI8x16I7x16AddS(r) => Instr::DotAddDet(r),
            other => other,
        }
    }

    /// The target of a jump (not of a `JumpTable`, whose targets are the
    /// `Jump`s that follow it).
    pub fn target_mut(&mut self) -> Option<&mut u32> {
        match self {
            Instr::Jump { to }
            | Instr::JumpIfNez { to, .. }
            | Instr::JumpIfEqz { to, .. }
            | Instr::BrI64Eqz { to, .. }
            | Instr::BrI64Nez { to, .. }
            | Instr::BrI32Eq { to, .. }
            | Instr::BrI32Ne { to, .. }
            | Instr::BrI32LtS { to, .. }
            | Instr::BrI32LtU { to, .. }
            | Instr::BrI32GtS { to, .. }
            | Instr::BrI32GtU { to, .. }
            | Instr::BrI32LeS { to, .. }
            | Instr::BrI32LeU { to, .. }
            | Instr::BrI32GeS { to, .. }
            | Instr::BrI32GeU { to, .. }
            | Instr::BrI32And { to, .. }
            | Instr::BrI32AndEqz { to, .. }
            | Instr::BrI64Eq { to, .. }
            | Instr::BrI64Ne { to, .. }
            | Instr::BrI64LtS { to, .. }
            | Instr::BrI64LtU { to, .. }
            | Instr::BrI64GtS { to, .. }
            | Instr::BrI64GtU { to, .. }
            | Instr::BrI64LeS { to, .. }
            | Instr::BrI64LeU { to, .. }
            | Instr::BrI64GeS { to, .. }
            | Instr::BrI64GeU { to, .. } => Some(to),
            _ => None,
        }
    }
}

macro_rules! define_for_each_reg {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl Instr {
            /// Calls `f` on every register field (slot index) of the
            /// instruction, and on no other field. (Lane indices, counts,
            /// targets and immediates are not registers.) No wildcard arm:
            /// a new variant must say which of its fields are registers.
            pub fn for_each_reg(&mut self, mut f: impl FnMut(&mut Reg)) {
                match self {
                    $( Instr::$name(r) => {
                        f(&mut r.d);
                        f(&mut r.a);
                        f(&mut r.b);
                    } )*
                    Instr::MaddDetF32(r)
                    | Instr::NmaddDetF32(r)
                    | Instr::MaddDetF64(r)
                    | Instr::NmaddDetF64(r)
                    | Instr::DotDet(r)
                    | Instr::DotAddDet(r) => {
                        f(&mut r.d);
                        f(&mut r.a);
                        f(&mut r.b);
                    }
                    Instr::Trap { .. }
                    | Instr::Fuel { .. }
                    | Instr::Epoch
                    | Instr::LoopHead { .. }
                    | Instr::Fence
                    | Instr::Jump { .. }
                    | Instr::Ret
                    | Instr::DropData { .. }
                    | Instr::DropElem { .. } => {}
                    Instr::JumpIfNez { c, .. }
                    | Instr::JumpIfEqz { c, .. }
                    | Instr::BrI64Eqz { c, .. }
                    | Instr::BrI64Nez { c, .. } => f(c),
                    Instr::BrI32Eq { a, b, .. }
                    | Instr::BrI32Ne { a, b, .. }
                    | Instr::BrI32LtS { a, b, .. }
                    | Instr::BrI32LtU { a, b, .. }
                    | Instr::BrI32GtS { a, b, .. }
                    | Instr::BrI32GtU { a, b, .. }
                    | Instr::BrI32LeS { a, b, .. }
                    | Instr::BrI32LeU { a, b, .. }
                    | Instr::BrI32GeS { a, b, .. }
                    | Instr::BrI32GeU { a, b, .. }
                    | Instr::BrI32And { a, b, .. }
                    | Instr::BrI32AndEqz { a, b, .. }
                    | Instr::BrI64Eq { a, b, .. }
                    | Instr::BrI64Ne { a, b, .. }
                    | Instr::BrI64LtS { a, b, .. }
                    | Instr::BrI64LtU { a, b, .. }
                    | Instr::BrI64GtS { a, b, .. }
                    | Instr::BrI64GtU { a, b, .. }
                    | Instr::BrI64LeS { a, b, .. }
                    | Instr::BrI64LeU { a, b, .. }
                    | Instr::BrI64GeS { a, b, .. }
                    | Instr::BrI64GeU { a, b, .. } => {
                        f(a);
                        f(b);
                    }
                    Instr::JumpTable { i, .. } | Instr::Check32 { a: i, .. } | Instr::CheckAlign { a: i, .. } => f(i),
                    Instr::ThrowTag { r, .. } | Instr::ThrowExn { r } => f(r),
                    Instr::Copy { d, s } | Instr::Copy2 { d, s } | Instr::CopyN { d, s, .. } => {
                        f(d);
                        f(s);
                    }
                    Instr::CallDef { base, .. }
                    | Instr::CallImp { base, .. }
                    | Instr::ReturnCallDef { base, .. }
                    | Instr::ReturnCallImp { base, .. } => f(base),
                    Instr::CallInd { i, base, .. }
                    | Instr::ReturnCallInd { i, base, .. }
                    | Instr::CallFuncRef { r: i, base }
                    | Instr::ReturnCallFuncRef { r: i, base } => {
                        f(i);
                        f(base);
                    }
                    Instr::NonNull { r } => f(r),
                    Instr::Sel { a, b, c } | Instr::Sel2 { a, b, c } => {
                        f(a);
                        f(b);
                        f(c);
                    }
                    Instr::Const32 { d, .. }
                    | Instr::Const64 { d, .. }
                    | Instr::ConstV128 { d, .. }
                    | Instr::GGet { d, .. }
                    | Instr::GGet2 { d, .. }
                    | Instr::MemSize { d, .. }
                    | Instr::MemGrow { d, .. }
                    | Instr::TabGet { d, .. }
                    | Instr::TabSize { d, .. }
                    | Instr::FuncRef { d, .. } => f(d),
                    Instr::GSet { s, .. } | Instr::GSet2 { s, .. } | Instr::Ret1 { s } => f(s),
                    Instr::Load8S32(m)
                    | Instr::Load8S64(m)
                    | Instr::Load8U(m)
                    | Instr::Load16S32(m)
                    | Instr::Load16S64(m)
                    | Instr::Load16U(m)
                    | Instr::Load32(m)
                    | Instr::Load32S64(m)
                    | Instr::Load64(m)
                    | Instr::Load128(m)
                    | Instr::Store8(m)
                    | Instr::Store16(m)
                    | Instr::Store32(m)
                    | Instr::Store64(m)
                    | Instr::Store128(m)
                    | Instr::Load8x8S(m)
                    | Instr::Load8x8U(m)
                    | Instr::Load16x4S(m)
                    | Instr::Load16x4U(m)
                    | Instr::Load32x2S(m)
                    | Instr::Load32x2U(m)
                    | Instr::Load8Splat(m)
                    | Instr::Load16Splat(m)
                    | Instr::Load32Splat(m)
                    | Instr::Load64Splat(m)
                    | Instr::Load32Zero(m)
                    | Instr::Load64Zero(m) => {
                        let (mut v, mut a) = (m.v, m.addr);
                        f(&mut v);
                        f(&mut a);
                        m.v = v;
                        m.addr = a;
                    }
                    // `v` is the lane index.
                    Instr::Load8Lane(m)
                    | Instr::Load16Lane(m)
                    | Instr::Load32Lane(m)
                    | Instr::Load64Lane(m)
                    | Instr::Store8Lane(m)
                    | Instr::Store16Lane(m)
                    | Instr::Store32Lane(m)
                    | Instr::Store64Lane(m)
                    | Instr::Atomic(m) => {
                        let mut a = m.addr;
                        f(&mut a);
                        m.addr = a;
                    }
                    Instr::MemFill { r, .. }
                    | Instr::MemCopy { r, .. }
                    | Instr::MemInit { r, .. }
                    | Instr::TabSet { r, .. }
                    | Instr::TabGrow { r, .. }
                    | Instr::TabFill { r, .. }
                    | Instr::TabCopy { r, .. }
                    | Instr::TabInit { r, .. } => f(r),
                    Instr::IsNull { d, a } => {
                        f(d);
                        f(a);
                    }
                    Instr::Shuffle { a, b, .. } => {
                        f(a);
                        f(b);
                    }
                    Instr::ExtractI8S { d, a, .. }
                    | Instr::ExtractI8U { d, a, .. }
                    | Instr::ExtractI16S { d, a, .. }
                    | Instr::ExtractI16U { d, a, .. }
                    | Instr::Extract32 { d, a, .. }
                    | Instr::Extract64 { d, a, .. } => {
                        f(d);
                        f(a);
                    }
                    Instr::Replace8 { v, x, .. }
                    | Instr::Replace16 { v, x, .. }
                    | Instr::Replace32 { v, x, .. }
                    | Instr::Replace64 { v, x, .. } => {
                        f(v);
                        f(x);
                    }
                }
            }
        }
    };
}

for_each_operator!(define_for_each_reg);

/// Flag in the memory or table index of `MemGrow` and `TabGrow`: the memory
/// or table is 64-bit.
pub const WIDE: u32 = 1 << 31;

/// The clause tag of a catch-all handler.
pub const ANY_TAG: u32 = u32::MAX;
/// No slot (a clause that does not keep the exception reference).
pub const NO_REG: Reg = u32::MAX;
/// No region (an exception leaving a region without one goes to the caller).
pub const NO_REGION: u32 = u32::MAX;

/// A range of a function's code in which a set of exception handlers is
/// active: the body of a `try_table` or of a legacy `try`. Regions nest;
/// an exception thrown at `pc` is offered to the innermost region holding
/// `pc`, then to its `parent`s, then to the calling frame. Nothing is
/// executed on entry or exit: a region costs nothing until a throw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Instruction indices `start..end`.
    pub start: u32,
    pub end: u32,
    /// The region searched next (a legacy `delegate` points elsewhere than
    /// the enclosing region), or [`NO_REGION`].
    pub parent: u32,
    /// The clauses are `clauses[first..first + len]`, tried in order.
    pub first: u32,
    pub len: u32,
}

/// One catch clause: where an exception of its tag goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Module tag index, or [`ANY_TAG`] (the payload is then not copied).
    pub tag: u32,
    /// Slot where the payload goes.
    pub values: Reg,
    /// Slot where the `exnref` goes, or [`NO_REG`].
    pub exn: Reg,
    /// The instruction index to continue at (unless `ret`).
    pub target: u32,
    /// The clause's label is the function body: return (the payload and
    /// `exnref` are then in the result slots).
    pub ret: bool,
}

/// A translated function.
#[derive(Debug)]
pub struct CompiledFunc {
    /// The function's index in its module (imports first), for backtraces.
    pub func_index: u32,
    pub code: Box<[Instr]>,
    /// v128 constants and shuffle selectors.
    pub pool: Box<[u128]>,
    /// The values of the constant slots `const_slot..`, copied into the
    /// frame on entry.
    pub consts: Box<[u64]>,
    pub param_slots: u32,
    /// Parameters and declared locals.
    pub local_slots: u32,
    /// The first constant slot: they follow the locals and the result
    /// slots.
    pub const_slot: u32,
    pub result_slots: u32,
    /// Frame size: locals (at least as many slots as the results),
    /// constants, then the deepest operand stack.
    pub max_height: u32,
    /// Exception-handler regions, in the order they were opened (inner
    /// regions after outer ones), and their clauses.
    pub regions: Box<[Region]>,
    pub clauses: Box<[Clause]>,
    /// The loops a tiered module's function may leave for compiled code
    /// at (see [`Instr::LoopHead`]).
    pub loops: Box<[crate::tier::LoopOsr]>,
}

impl CompiledFunc {
    /// The innermost handler region holding instruction `pc`.
    pub fn region_at(&self, pc: u32) -> u32 {
        match self.regions.iter().rposition(|r| r.start <= pc && pc < r.end) {
            Some(i) => i as u32,
            None => NO_REGION,
        }
    }
}

#[cfg(test)]
mod tests {
    // (`repr(u16)` lays fields out in declaration order: a narrow field
    // goes first, next to the tag.)
    #[test]
    fn instr_is_16_bytes() {
        assert_eq!(std::mem::size_of::<super::Instr>(), 16);
    }
}
