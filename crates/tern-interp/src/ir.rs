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
//! [`CompiledFunc::init`] when the frame is entered, so that an operand
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
            /// A float comparison fused into the jump: jumps to `to` when
            /// it holds, or for a `Not` form (a negated test) when it does
            /// not. A NaN operand makes every comparison but `ne` false, so
            /// `NotLt` is not `Ge`.
            BrF32Eq { a: Reg, b: Reg, to: u32 },
            BrF32Ne { a: Reg, b: Reg, to: u32 },
            BrF32Lt { a: Reg, b: Reg, to: u32 },
            BrF32Gt { a: Reg, b: Reg, to: u32 },
            BrF32Le { a: Reg, b: Reg, to: u32 },
            BrF32Ge { a: Reg, b: Reg, to: u32 },
            BrF32NotLt { a: Reg, b: Reg, to: u32 },
            BrF32NotGt { a: Reg, b: Reg, to: u32 },
            BrF32NotLe { a: Reg, b: Reg, to: u32 },
            BrF32NotGe { a: Reg, b: Reg, to: u32 },
            BrF64Eq { a: Reg, b: Reg, to: u32 },
            BrF64Ne { a: Reg, b: Reg, to: u32 },
            BrF64Lt { a: Reg, b: Reg, to: u32 },
            BrF64Gt { a: Reg, b: Reg, to: u32 },
            BrF64Le { a: Reg, b: Reg, to: u32 },
            BrF64Ge { a: Reg, b: Reg, to: u32 },
            BrF64NotLt { a: Reg, b: Reg, to: u32 },
            BrF64NotGt { a: Reg, b: Reg, to: u32 },
            BrF64NotLe { a: Reg, b: Reg, to: u32 },
            BrF64NotGe { a: Reg, b: Reg, to: u32 },
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
            /// The load of the same name without `I`, of memory 0 (32-bit
            /// addresses) at offset 0, whose address is `regs[a] + regs[b]`
            /// (wrapping, as the `i32.add` it stands for with the load): the
            /// translator fuses an add whose only use is the load's address.
            Load8S32I { v: Reg, a: Reg, b: Reg },
            Load8UI { v: Reg, a: Reg, b: Reg },
            Load16S32I { v: Reg, a: Reg, b: Reg },
            Load16UI { v: Reg, a: Reg, b: Reg },
            Load32I { v: Reg, a: Reg, b: Reg },
            Load64I { v: Reg, a: Reg, b: Reg },
            /// The store of the same name without `I` (value in slot `v`),
            /// fused the same way with the add of its address.
            Store8I { v: Reg, a: Reg, b: Reg },
            Store16I { v: Reg, a: Reg, b: Reg },
            Store32I { v: Reg, a: Reg, b: Reg },
            Store64I { v: Reg, a: Reg, b: Reg },
            /// `regs[d] = regs[a] + (regs[b] << k)` (wrapping, as i32): an
            /// `i32.shl` by a constant whose only use is the `i32.add`
            /// that follows it, fused (array indexing, `base + (i << 2)`).
            I32AddShl { k: u8, d: Reg, a: Reg, b: Reg },
            /// The `I` form of the same name whose address is
            /// `regs[a] + (regs[b] << k)` (wrapping): an access whose
            /// address an [`Instr::I32AddShl`] just computed for it alone
            /// (indexing an array of 4- or 8-byte elements).
            Load32X { k: u8, v: Reg, a: Reg, b: Reg },
            Load64X { k: u8, v: Reg, a: Reg, b: Reg },
            Store32X { k: u8, v: Reg, a: Reg, b: Reg },
            Store64X { k: u8, v: Reg, a: Reg, b: Reg },
            /// `regs[d] = regs[a] op load(p)`: a float load of memory 0
            /// (32-bit addresses) at offset 0 from the address in slot `p`,
            /// fused into the `f32`/`f64` add, subtract or multiply that
            /// alone reads it, as its second input (or either input of an
            /// add or multiply). The load traps first, as it would alone.
            F32AddM { d: Reg, a: Reg, p: Reg },
            F32SubM { d: Reg, a: Reg, p: Reg },
            F32MulM { d: Reg, a: Reg, p: Reg },
            F64AddM { d: Reg, a: Reg, p: Reg },
            F64SubM { d: Reg, a: Reg, p: Reg },
            F64MulM { d: Reg, a: Reg, p: Reg },
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
            /// A GC operator (see [`crate::gc::GcOp`]): its operands in
            /// consecutive slots from `a`, its result in `d`; `op` indexes
            /// [`CompiledFunc::gc_ops`].
            Gc { a: Reg, d: Reg, op: u32 },
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

            // ---- accumulator forms ----
            // The instruction named without the last letter, placed right
            // after an instruction that wrote the slot it reads: the
            // threaded handlers take that input from the accumulator (a
            // register holding the previous result) instead of the slot,
            // which holds the same value. See `Instr::accumulator_form`.
            // `A`: input `a` (or the address); `V`: the stored value.
            I32AddA(R3),
            I32SubA(R3),
            I32MulA(R3),
            I32AndA(R3),
            I32OrA(R3),
            I32XorA(R3),
            I32ShlA(R3),
            I32ShrSA(R3),
            I32ShrUA(R3),
            I32EqzA(R3),
            I64AddA(R3),
            I64SubA(R3),
            I64MulA(R3),
            I64AndA(R3),
            I64OrA(R3),
            I64XorA(R3),
            I64ShlA(R3),
            I64ShrSA(R3),
            I64ShrUA(R3),
            I64ExtendI32SA(R3),
            I64ExtendI32UA(R3),
            F32AddA(R3),
            F32SubA(R3),
            F32MulA(R3),
            F32DivA(R3),
            F64AddA(R3),
            F64SubA(R3),
            F64MulA(R3),
            F64DivA(R3),
            I32EqA(R3),
            I32NeA(R3),
            I32LtSA(R3),
            I32LtUA(R3),
            I32GtSA(R3),
            I32GtUA(R3),
            I32LeSA(R3),
            I32LeUA(R3),
            I32GeSA(R3),
            I32GeUA(R3),
            I32RotlA(R3),
            I32RotrA(R3),
            I32DivUA(R3),
            I32RemUA(R3),
            I64EqzA(R3),
            I32WrapI64A(R3),
            I64EqA(R3),
            I64NeA(R3),
            I64LtSA(R3),
            I64LtUA(R3),
            I64RotlA(R3),
            I64RotrA(R3),
            F64ConvertI32SA(R3),
            F64PromoteF32A(R3),
            F32DemoteF64A(R3),
            Load8S32A(Mem),
            Load8UA(Mem),
            Load16S32A(Mem),
            Load16UA(Mem),
            Load32A(Mem),
            Load32S64A(Mem),
            Load64A(Mem),
            Store8A(Mem),
            Store16A(Mem),
            Store32A(Mem),
            Store64A(Mem),
            Store8V(Mem),
            Store16V(Mem),
            Store32V(Mem),
            Store64V(Mem),
            BrI32EqA { a: Reg, b: Reg, to: u32 },
            BrI32NeA { a: Reg, b: Reg, to: u32 },
            BrI32LtSA { a: Reg, b: Reg, to: u32 },
            BrI32LtUA { a: Reg, b: Reg, to: u32 },
            BrI32GtSA { a: Reg, b: Reg, to: u32 },
            BrI32GtUA { a: Reg, b: Reg, to: u32 },
            BrI32LeSA { a: Reg, b: Reg, to: u32 },
            BrI32LeUA { a: Reg, b: Reg, to: u32 },
            BrI32GeSA { a: Reg, b: Reg, to: u32 },
            BrI32GeUA { a: Reg, b: Reg, to: u32 },
            JumpIfNezA { c: Reg, to: u32 },
            JumpIfEqzA { c: Reg, to: u32 },
            /// `Sel` with the condition `c` from the accumulator.
            SelA { a: Reg, b: Reg, c: Reg },
        }
    };
}

for_each_operator!(define_instr);

/// Calls `$m!` with the row operators that have an accumulator form: its
/// variant, the row's variant, the operator's function in `ops` and its
/// signature; whether the row is commutative (its inputs may be swapped
/// to read the accumulator) first. Float addition and multiplication are:
/// with NaN inputs, Wasm's result is any arithmetic NaN (canonical when
/// the inputs are), not one chosen by operand order.
macro_rules! acc_rows {
    ($m:ident) => {
        $m! {
            comm I32AddA I32Add visit_i32_add [i32 i32 -> i32]
            no I32SubA I32Sub visit_i32_sub [i32 i32 -> i32]
            comm I32MulA I32Mul visit_i32_mul [i32 i32 -> i32]
            comm I32AndA I32And visit_i32_and [i32 i32 -> i32]
            comm I32OrA I32Or visit_i32_or [i32 i32 -> i32]
            comm I32XorA I32Xor visit_i32_xor [i32 i32 -> i32]
            no I32ShlA I32Shl visit_i32_shl [i32 i32 -> i32]
            no I32ShrSA I32ShrS visit_i32_shr_s [i32 i32 -> i32]
            no I32ShrUA I32ShrU visit_i32_shr_u [i32 i32 -> i32]
            no I32EqzA I32Eqz visit_i32_eqz [i32 -> i32]
            comm I64AddA I64Add visit_i64_add [i64 i64 -> i64]
            no I64SubA I64Sub visit_i64_sub [i64 i64 -> i64]
            comm I64MulA I64Mul visit_i64_mul [i64 i64 -> i64]
            comm I64AndA I64And visit_i64_and [i64 i64 -> i64]
            comm I64OrA I64Or visit_i64_or [i64 i64 -> i64]
            comm I64XorA I64Xor visit_i64_xor [i64 i64 -> i64]
            no I64ShlA I64Shl visit_i64_shl [i64 i64 -> i64]
            no I64ShrSA I64ShrS visit_i64_shr_s [i64 i64 -> i64]
            no I64ShrUA I64ShrU visit_i64_shr_u [i64 i64 -> i64]
            no I64ExtendI32SA I64ExtendI32S visit_i64_extend_i32_s [i32 -> i64]
            no I64ExtendI32UA I64ExtendI32U visit_i64_extend_i32_u [i32 -> i64]
            comm F32AddA F32Add visit_f32_add [f32 f32 -> f32]
            no F32SubA F32Sub visit_f32_sub [f32 f32 -> f32]
            comm F32MulA F32Mul visit_f32_mul [f32 f32 -> f32]
            no F32DivA F32Div visit_f32_div [f32 f32 -> f32]
            comm F64AddA F64Add visit_f64_add [f64 f64 -> f64]
            no F64SubA F64Sub visit_f64_sub [f64 f64 -> f64]
            comm F64MulA F64Mul visit_f64_mul [f64 f64 -> f64]
            no F64DivA F64Div visit_f64_div [f64 f64 -> f64]
            comm I32EqA I32Eq visit_i32_eq [i32 i32 -> i32]
            comm I32NeA I32Ne visit_i32_ne [i32 i32 -> i32]
            no I32LtSA I32LtS visit_i32_lt_s [i32 i32 -> i32]
            no I32LtUA I32LtU visit_i32_lt_u [i32 i32 -> i32]
            no I32GtSA I32GtS visit_i32_gt_s [i32 i32 -> i32]
            no I32GtUA I32GtU visit_i32_gt_u [i32 i32 -> i32]
            no I32LeSA I32LeS visit_i32_le_s [i32 i32 -> i32]
            no I32LeUA I32LeU visit_i32_le_u [i32 i32 -> i32]
            no I32GeSA I32GeS visit_i32_ge_s [i32 i32 -> i32]
            no I32GeUA I32GeU visit_i32_ge_u [i32 i32 -> i32]
            no I32RotlA I32Rotl visit_i32_rotl [i32 i32 -> i32]
            no I32RotrA I32Rotr visit_i32_rotr [i32 i32 -> i32]
            no I32DivUA I32DivU visit_i32_div_u [i32 i32 -> i32]
            no I32RemUA I32RemU visit_i32_rem_u [i32 i32 -> i32]
            no I64EqzA I64Eqz visit_i64_eqz [i64 -> i32]
            no I32WrapI64A I32WrapI64 visit_i32_wrap_i64 [i64 -> i32]
            comm I64EqA I64Eq visit_i64_eq [i64 i64 -> i32]
            comm I64NeA I64Ne visit_i64_ne [i64 i64 -> i32]
            no I64LtSA I64LtS visit_i64_lt_s [i64 i64 -> i32]
            no I64LtUA I64LtU visit_i64_lt_u [i64 i64 -> i32]
            no I64RotlA I64Rotl visit_i64_rotl [i64 i64 -> i64]
            no I64RotrA I64Rotr visit_i64_rotr [i64 i64 -> i64]
            no F64ConvertI32SA F64ConvertI32S visit_f64_convert_i32_s [i32 -> f64]
            no F64PromoteF32A F64PromoteF32 visit_f64_promote_f32 [f32 -> f64]
            no F32DemoteF64A F32DemoteF64 visit_f32_demote_f64 [f64 -> f32]
        }
    };
}
pub(crate) use acc_rows;

/// Calls `$m!` with the memory accesses that have an accumulator form:
/// its variant, the access's variant, and the field read from the
/// accumulator (`addr` or the stored value `v`).
macro_rules! acc_mems {
    ($m:ident) => {
        $m! {
            Load8S32A Load8S32 addr
            Load8UA Load8U addr
            Load16S32A Load16S32 addr
            Load16UA Load16U addr
            Load32A Load32 addr
            Load32S64A Load32S64 addr
            Load64A Load64 addr
            Store8A Store8 addr
            Store16A Store16 addr
            Store32A Store32 addr
            Store64A Store64 addr
            Store8V Store8 v
            Store16V Store16 v
            Store32V Store32 v
            Store64V Store64 v
        }
    };
}
pub(crate) use acc_mems;

/// Calls `$m!` with the compare-and-branch instructions that have an
/// accumulator form (for input `a`): its variant and the branch's.
macro_rules! acc_brs {
    ($m:ident) => {
        $m! {
            BrI32EqA BrI32Eq
            BrI32NeA BrI32Ne
            BrI32LtSA BrI32LtS
            BrI32LtUA BrI32LtU
            BrI32GtSA BrI32GtS
            BrI32GtUA BrI32GtU
            BrI32LeSA BrI32LeS
            BrI32LeUA BrI32LeU
            BrI32GeSA BrI32GeS
            BrI32GeUA BrI32GeU
        }
    };
}
pub(crate) use acc_brs;

/// Whether a row operator's threaded handler leaves its result in the
/// accumulator: a plain scalar row (SIMD rows run out of line).
macro_rules! acc_result {
    (Simd, $imm:tt, $sig:tt) => {
        false
    };
    (RelaxedSimd, $imm:tt, $sig:tt) => {
        false
    };
    ($feat:ident, {}, [$($x:ident)+ -> i32]) => {
        true
    };
    ($feat:ident, {}, [$($x:ident)+ -> i64]) => {
        true
    };
    ($feat:ident, {}, [$($x:ident)+ -> f32]) => {
        true
    };
    ($feat:ident, {}, [$($x:ident)+ -> f64]) => {
        true
    };
    ($feat:ident, $imm:tt, $sig:tt) => {
        false
    };
}

macro_rules! define_row_acc_written {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl Instr {
            fn row_acc_written(&self) -> Option<Reg> {
                match *self {
                    $( Instr::$name(r) if acc_result!($feat, {$($f)*}, $sig) => Some(r.d), )*
                    _ => None,
                }
            }
        }
    };
}

for_each_operator!(define_row_acc_written);

macro_rules! define_acc_rows {
    ($( $comm:ident $acc:ident $base:ident $visit:ident $sig:tt )*) => {
        impl Instr {
            fn acc_row_written(&self) -> Option<Reg> {
                match *self {
                    $( Instr::$acc(r) => Some(r.d), )*
                    _ => None,
                }
            }

            fn row_base_form(self) -> Option<Instr> {
                match self {
                    $( Instr::$acc(r) => Some(Instr::$base(r)), )*
                    _ => None,
                }
            }

            fn row_accumulator_form(self, w: Reg) -> Option<Instr> {
                match self {
                    $( Instr::$base(r) if r.a == w => Some(Instr::$acc(r)), )*
                    $( Instr::$base(r) if acc_commutes!($comm) && r.b == w => Some(Instr::$acc(R3 { d: r.d, a: r.b, b: r.a })), )*
                    _ => None,
                }
            }
        }
    };
}

macro_rules! acc_commutes {
    (comm) => {
        true
    };
    (no) => {
        false
    };
}

acc_rows!(define_acc_rows);

macro_rules! define_acc_mems {
    ($( $acc:ident $base:ident $field:ident )*) => {
        impl Instr {
            fn mem_base_form(self) -> Option<Instr> {
                match self {
                    $( Instr::$acc(m) => Some(Instr::$base(m)), )*
                    _ => None,
                }
            }

            fn mem_accumulator_form(self, w: Reg) -> Option<Instr> {
                match self {
                    $( Instr::$base(m) if m.$field == w => Some(Instr::$acc(m)), )*
                    _ => None,
                }
            }
        }
    };
}

acc_mems!(define_acc_mems);

macro_rules! define_acc_brs {
    ($( $acc:ident $base:ident )*) => {
        impl Instr {
            fn br_base_form(self) -> Option<Instr> {
                match self {
                    $( Instr::$acc { a, b, to } => Some(Instr::$base { a, b, to }), )*
                    Instr::JumpIfNezA { c, to } => Some(Instr::JumpIfNez { c, to }),
                    Instr::JumpIfEqzA { c, to } => Some(Instr::JumpIfEqz { c, to }),
                    Instr::SelA { a, b, c } => Some(Instr::Sel { a, b, c }),
                    _ => None,
                }
            }

            fn br_accumulator_form(self, w: Reg) -> Option<Instr> {
                match self {
                    $( Instr::$base { a, b, to } if a == w => Some(Instr::$acc { a, b, to }), )*
                    Instr::JumpIfNez { c, to } if c == w => Some(Instr::JumpIfNezA { c, to }),
                    Instr::JumpIfEqz { c, to } if c == w => Some(Instr::JumpIfEqzA { c, to }),
                    Instr::Sel { a, b, c } if c == w => Some(Instr::SelA { a, b, c }),
                    _ => None,
                }
            }
        }
    };
}

acc_brs!(define_acc_brs);

/// A pattern matching every accumulator form.
macro_rules! acc_form_pattern {
    () => {
        $crate::ir::acc_rows!(acc_row_pattern)
            | $crate::ir::acc_mems!(acc_mem_pattern)
            | $crate::ir::acc_brs!(acc_br_pattern)
            | Instr::JumpIfNezA { .. }
            | Instr::JumpIfEqzA { .. }
            | Instr::SelA { .. }
    };
}
pub(crate) use acc_form_pattern;

macro_rules! acc_row_pattern {
    ($( $comm:ident $acc:ident $base:ident $visit:ident $sig:tt )*) => {
        $( Instr::$acc(_) )|*
    };
}
pub(crate) use acc_row_pattern;

macro_rules! acc_mem_pattern {
    ($( $acc:ident $base:ident $field:ident )*) => {
        $( Instr::$acc(_) )|*
    };
}
pub(crate) use acc_mem_pattern;

macro_rules! acc_br_pattern {
    ($( $acc:ident $base:ident )*) => {
        $( Instr::$acc { .. } )|*
    };
}
pub(crate) use acc_br_pattern;

impl Instr {
    /// The result slot of a fused address computation (`I32AddShl`), of
    /// a load fused with one (`Load8UI`, ..., `Load64X`), or of a float
    /// operator fused with its load (`F64AddM`, ...).
    pub fn fused_result_mut(&mut self) -> Option<&mut Reg> {
        match self {
            Instr::Load8S32I { v, .. }
            | Instr::Load8UI { v, .. }
            | Instr::Load16S32I { v, .. }
            | Instr::Load16UI { v, .. }
            | Instr::Load32I { v, .. }
            | Instr::Load64I { v, .. }
            | Instr::Load32X { v, .. }
            | Instr::Load64X { v, .. }
            | Instr::I32AddShl { d: v, .. }
            | Instr::F32AddM { d: v, .. }
            | Instr::F32SubM { d: v, .. }
            | Instr::F32MulM { d: v, .. }
            | Instr::F64AddM { d: v, .. }
            | Instr::F64SubM { d: v, .. }
            | Instr::F64MulM { d: v, .. } => Some(v),
            _ => None,
        }
    }

    /// The slot this instruction writes whose value its threaded handler
    /// also leaves in the accumulator, if it does.
    pub fn acc_written(&self) -> Option<Reg> {
        if let Some(&mut v) = { *self }.fused_result_mut() {
            return Some(v);
        }
        match *self {
            Instr::Load8S32(m)
            | Instr::Load8S64(m)
            | Instr::Load8U(m)
            | Instr::Load16S32(m)
            | Instr::Load16S64(m)
            | Instr::Load16U(m)
            | Instr::Load32(m)
            | Instr::Load32S64(m)
            | Instr::Load64(m)
            | Instr::Load8S32A(m)
            | Instr::Load8UA(m)
            | Instr::Load16S32A(m)
            | Instr::Load16UA(m)
            | Instr::Load32A(m)
            | Instr::Load32S64A(m)
            | Instr::Load64A(m) => Some(m.v),
            Instr::Copy { d, .. } | Instr::Const32 { d, .. } | Instr::Const64 { d, .. } | Instr::GGet { d, .. } => {
                Some(d)
            }
            _ => self.row_acc_written().or_else(|| self.acc_row_written()),
        }
    }

    /// Whether this is an accumulator form (they are the last variants).
    #[inline(always)]
    pub fn is_accumulator_form(&self) -> bool {
        const FIRST: u16 = {
            let first = Instr::I32AddA(R3 { d: 0, a: 0, b: 0 });
            // SAFETY: `Instr` is `repr(u16)`: it starts with its tag.
            unsafe { *(&first as *const Instr as *const u16) }
        };
        // SAFETY: as above.
        unsafe { *(self as *const Instr as *const u16) >= FIRST }
    }

    /// The instruction an accumulator form stands for (which reads the
    /// accumulator's value from its slot).
    pub fn base_form(self) -> Instr {
        self.row_base_form()
            .or_else(|| self.mem_base_form())
            .or_else(|| self.br_base_form())
            .unwrap_or(self)
    }

    /// This instruction's accumulator form, for when it directly follows
    /// (and is not a jump target) an instruction that wrote slot `w` and
    /// left it in the accumulator ([`Instr::acc_written`]), if it reads
    /// `w` where a form reads the accumulator.
    pub fn accumulator_form(self, w: Reg) -> Option<Instr> {
        self.row_accumulator_form(w)
            .or_else(|| self.mem_accumulator_form(w))
            .or_else(|| self.br_accumulator_form(w))
    }
}

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
            | Instr::BrI64GeU { to, .. }
            | Instr::BrF32Eq { to, .. }
            | Instr::BrF32Ne { to, .. }
            | Instr::BrF32Lt { to, .. }
            | Instr::BrF32Gt { to, .. }
            | Instr::BrF32Le { to, .. }
            | Instr::BrF32Ge { to, .. }
            | Instr::BrF32NotLt { to, .. }
            | Instr::BrF32NotGt { to, .. }
            | Instr::BrF32NotLe { to, .. }
            | Instr::BrF32NotGe { to, .. }
            | Instr::BrF64Eq { to, .. }
            | Instr::BrF64Ne { to, .. }
            | Instr::BrF64Lt { to, .. }
            | Instr::BrF64Gt { to, .. }
            | Instr::BrF64Le { to, .. }
            | Instr::BrF64Ge { to, .. }
            | Instr::BrF64NotLt { to, .. }
            | Instr::BrF64NotGt { to, .. }
            | Instr::BrF64NotLe { to, .. }
            | Instr::BrF64NotGe { to, .. }
            | Instr::BrI32EqA { to, .. }
            | Instr::BrI32NeA { to, .. }
            | Instr::BrI32LtSA { to, .. }
            | Instr::BrI32LtUA { to, .. }
            | Instr::BrI32GtSA { to, .. }
            | Instr::BrI32GtUA { to, .. }
            | Instr::BrI32LeSA { to, .. }
            | Instr::BrI32LeUA { to, .. }
            | Instr::BrI32GeSA { to, .. }
            | Instr::BrI32GeUA { to, .. }
            | Instr::JumpIfNezA { to, .. }
            | Instr::JumpIfEqzA { to, .. } => Some(to),
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
                    Instr::I32AddA(r)
                    | Instr::I32SubA(r)
                    | Instr::I32MulA(r)
                    | Instr::I32AndA(r)
                    | Instr::I32OrA(r)
                    | Instr::I32XorA(r)
                    | Instr::I32ShlA(r)
                    | Instr::I32ShrSA(r)
                    | Instr::I32ShrUA(r)
                    | Instr::I32EqzA(r)
                    | Instr::I64AddA(r)
                    | Instr::I64SubA(r)
                    | Instr::I64MulA(r)
                    | Instr::I64AndA(r)
                    | Instr::I64OrA(r)
                    | Instr::I64XorA(r)
                    | Instr::I64ShlA(r)
                    | Instr::I64ShrSA(r)
                    | Instr::I64ShrUA(r)
                    | Instr::I64ExtendI32SA(r)
                    | Instr::I64ExtendI32UA(r)
                    | Instr::F32AddA(r)
                    | Instr::F32SubA(r)
                    | Instr::F32MulA(r)
                    | Instr::F32DivA(r)
                    | Instr::F64AddA(r)
                    | Instr::F64SubA(r)
                    | Instr::F64MulA(r)
                    | Instr::F64DivA(r)
                    | Instr::I32EqA(r)
                    | Instr::I32NeA(r)
                    | Instr::I32LtSA(r)
                    | Instr::I32LtUA(r)
                    | Instr::I32GtSA(r)
                    | Instr::I32GtUA(r)
                    | Instr::I32LeSA(r)
                    | Instr::I32LeUA(r)
                    | Instr::I32GeSA(r)
                    | Instr::I32GeUA(r)
                    | Instr::I32RotlA(r)
                    | Instr::I32RotrA(r)
                    | Instr::I32DivUA(r)
                    | Instr::I32RemUA(r)
                    | Instr::I64EqzA(r)
                    | Instr::I32WrapI64A(r)
                    | Instr::I64EqA(r)
                    | Instr::I64NeA(r)
                    | Instr::I64LtSA(r)
                    | Instr::I64LtUA(r)
                    | Instr::I64RotlA(r)
                    | Instr::I64RotrA(r)
                    | Instr::F64ConvertI32SA(r)
                    | Instr::F64PromoteF32A(r)
                    | Instr::F32DemoteF64A(r) => {
                        f(&mut r.d);
                        f(&mut r.a);
                        f(&mut r.b);
                    }
                    Instr::Load8S32A(m)
                    | Instr::Load8UA(m)
                    | Instr::Load16S32A(m)
                    | Instr::Load16UA(m)
                    | Instr::Load32A(m)
                    | Instr::Load32S64A(m)
                    | Instr::Load64A(m)
                    | Instr::Store8A(m)
                    | Instr::Store16A(m)
                    | Instr::Store32A(m)
                    | Instr::Store64A(m)
                    | Instr::Store8V(m)
                    | Instr::Store16V(m)
                    | Instr::Store32V(m)
                    | Instr::Store64V(m) => {
                        let (mut v, mut a) = (m.v, m.addr);
                        f(&mut v);
                        f(&mut a);
                        m.v = v;
                        m.addr = a;
                    }
                    Instr::BrI32EqA { a, b, .. }
                    | Instr::BrI32NeA { a, b, .. }
                    | Instr::BrI32LtSA { a, b, .. }
                    | Instr::BrI32LtUA { a, b, .. }
                    | Instr::BrI32GtSA { a, b, .. }
                    | Instr::BrI32GtUA { a, b, .. }
                    | Instr::BrI32LeSA { a, b, .. }
                    | Instr::BrI32LeUA { a, b, .. }
                    | Instr::BrI32GeSA { a, b, .. }
                    | Instr::BrI32GeUA { a, b, .. } => {
                        f(a);
                        f(b);
                    }
                    Instr::JumpIfNezA { c, .. } | Instr::JumpIfEqzA { c, .. } => f(c),
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
                    | Instr::BrI64GeU { a, b, .. }
                    | Instr::BrF32Eq { a, b, .. }
                    | Instr::BrF32Ne { a, b, .. }
                    | Instr::BrF32Lt { a, b, .. }
                    | Instr::BrF32Gt { a, b, .. }
                    | Instr::BrF32Le { a, b, .. }
                    | Instr::BrF32Ge { a, b, .. }
                    | Instr::BrF32NotLt { a, b, .. }
                    | Instr::BrF32NotGt { a, b, .. }
                    | Instr::BrF32NotLe { a, b, .. }
                    | Instr::BrF32NotGe { a, b, .. }
                    | Instr::BrF64Eq { a, b, .. }
                    | Instr::BrF64Ne { a, b, .. }
                    | Instr::BrF64Lt { a, b, .. }
                    | Instr::BrF64Gt { a, b, .. }
                    | Instr::BrF64Le { a, b, .. }
                    | Instr::BrF64Ge { a, b, .. }
                    | Instr::BrF64NotLt { a, b, .. }
                    | Instr::BrF64NotGt { a, b, .. }
                    | Instr::BrF64NotLe { a, b, .. }
                    | Instr::BrF64NotGe { a, b, .. } => {
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
                    Instr::Sel { a, b, c } | Instr::Sel2 { a, b, c } | Instr::SelA { a, b, c } => {
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
                    Instr::Load8S32I { v, a, b }
                    | Instr::Load8UI { v, a, b }
                    | Instr::Load16S32I { v, a, b }
                    | Instr::Load16UI { v, a, b }
                    | Instr::Load32I { v, a, b }
                    | Instr::Load64I { v, a, b }
                    | Instr::Store8I { v, a, b }
                    | Instr::Store16I { v, a, b }
                    | Instr::Store32I { v, a, b }
                    | Instr::Store64I { v, a, b }
                    | Instr::I32AddShl { d: v, a, b, .. }
                    | Instr::Load32X { v, a, b, .. }
                    | Instr::Load64X { v, a, b, .. }
                    | Instr::Store32X { v, a, b, .. }
                    | Instr::Store64X { v, a, b, .. }
                    | Instr::F32AddM { d: v, a, p: b }
                    | Instr::F32SubM { d: v, a, p: b }
                    | Instr::F32MulM { d: v, a, p: b }
                    | Instr::F64AddM { d: v, a, p: b }
                    | Instr::F64SubM { d: v, a, p: b }
                    | Instr::F64MulM { d: v, a, p: b } => {
                        f(v);
                        f(a);
                        f(b);
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
                    Instr::IsNull { d, a } | Instr::Gc { d, a, .. } => {
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
    /// How a frame is set up on entry: `zeros` slots from `param_slots`
    /// on are cleared, and `init` is copied after them. For a small frame
    /// (`zeros == 0`), `init` is the whole of it, from the first declared
    /// local to the last constant: zeros, then the constants' values,
    /// padded with zeros to a whole number of [`INIT_CHUNK`]s, so that
    /// one short copy sets the frame up. For a large frame, `zeros` covers
    /// the locals (and the result and hidden slots) and `init` holds the
    /// constants. Either way it ends within `max_height`.
    pub zeros: u32,
    pub init: Box<[u64]>,
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
    /// What few functions have (boxed, so that a function without any of
    /// it costs one word): see [`Extras`].
    pub extras: Option<Box<Extras>>,
}

/// The parts of a [`CompiledFunc`] that most functions do without.
#[derive(Debug, Default)]
pub struct Extras {
    /// v128 constants and shuffle selectors.
    pub pool: Box<[u128]>,
    /// Exception-handler regions, in the order they were opened (inner
    /// regions after outer ones), and their clauses.
    pub regions: Box<[Region]>,
    pub clauses: Box<[Clause]>,
    /// The loops a tiered module's function may leave for compiled code
    /// at (see [`Instr::LoopHead`]).
    pub loops: Box<[crate::tier::LoopOsr]>,
    /// The GC operators' immediates ([`Instr::Gc`]).
    pub gc: Box<[crate::gc::GcOp]>,
    /// Per GC operator, the fast path of a struct field access (else
    /// [`crate::gc::FastAccess::NONE`]).
    pub gc_fast: Box<[crate::gc::FastAccess]>,
}

impl Extras {
    /// `None` when every part is empty.
    pub fn boxed(self) -> Option<Box<Extras>> {
        let empty = self.pool.is_empty()
            && self.regions.is_empty()
            && self.clauses.is_empty()
            && self.loops.is_empty()
            && self.gc.is_empty();
        (!empty).then(|| Box::new(self))
    }
}

/// The words per chunk of [`CompiledFunc::init`] for a small frame.
pub const INIT_CHUNK: usize = 2;

/// The most words a small frame's [`CompiledFunc::init`] covers.
pub const SMALL_INIT: usize = 32;

impl CompiledFunc {
    /// The innermost handler region holding instruction `pc`.
    pub fn region_at(&self, pc: u32) -> u32 {
        match self.regions().iter().rposition(|r| r.start <= pc && pc < r.end) {
            Some(i) => i as u32,
            None => NO_REGION,
        }
    }

    pub fn pool(&self) -> &[u128] {
        self.extras.as_ref().map_or(&[], |e| &e.pool)
    }

    pub fn regions(&self) -> &[Region] {
        self.extras.as_ref().map_or(&[], |e| &e.regions)
    }

    pub fn clauses(&self) -> &[Clause] {
        self.extras.as_ref().map_or(&[], |e| &e.clauses)
    }

    pub fn loops(&self) -> &[crate::tier::LoopOsr] {
        self.extras.as_ref().map_or(&[], |e| &e.loops)
    }

    pub fn gc_ops(&self) -> &[crate::gc::GcOp] {
        self.extras.as_ref().map_or(&[], |e| &e.gc)
    }

    pub fn gc_fast(&self) -> &[crate::gc::FastAccess] {
        self.extras.as_ref().map_or(&[], |e| &e.gc_fast)
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
