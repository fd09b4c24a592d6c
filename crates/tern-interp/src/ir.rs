//! The interpreter's IR: register-style instructions over a frame of 64-bit
//! value slots.
//!
//! A frame holds the function's locals (parameters first) in slots
//! `0..local_slots`, then its operand stack. Every operand has a slot fixed
//! at translation time (the stack height at that point), so instructions
//! name their inputs and output by slot ("register") instead of pushing and
//! popping. A `v128` takes two consecutive slots.
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

macro_rules! define_instr {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        /// One IR instruction. 16 bytes.
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[allow(dead_code)]
        pub enum Instr {
            $( $name(R3), )*

            // ---- control ----
            /// Traps with `code`.
            Trap { code: TrapCode },
            /// Consumes `n` units of fuel (the cost of the basic block it starts).
            Fuel { n: u32 },
            Jump { to: u32 },
            JumpIfNez { c: Reg, to: u32 },
            JumpIfEqz { c: Reg, to: u32 },
            /// Jumps to `pc + 1 + min(regs[i], len)`: the `len + 1` `Jump`s
            /// that follow are the targets, the default last.
            JumpTable { i: Reg, len: u32 },
            Copy { d: Reg, s: Reg },
            Copy2 { d: Reg, s: Reg },
            CopyN { d: Reg, s: Reg, n: u32 },
            /// Returns; the results are in slots `0..result_slots`.
            Ret,
            /// Calls defined function `f` of this module; its frame starts at `base`.
            CallDef { f: u32, base: Reg },
            /// Calls imported function `f` (a function index).
            CallImp { f: u32, base: Reg },
            /// Calls the function at `table[regs[i]]`, checking it has type `ty`.
            CallInd { ty: u32, i: Reg, base: Reg, table: u16 },
            ReturnCallDef { f: u32, base: Reg },
            ReturnCallImp { f: u32, base: Reg },
            ReturnCallInd { ty: u32, i: Reg, base: Reg, table: u16 },
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
            MemSize { d: Reg, mem: u32 },
            /// `regs[d]` holds the delta and receives the result.
            MemGrow { d: Reg, mem: u32 },
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
            /// Init value in `r`, delta in `r + 1`; result in `r`.
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

/// A translated function.
#[derive(Debug)]
pub struct CompiledFunc {
    pub code: Box<[Instr]>,
    /// v128 constants and shuffle selectors.
    pub pool: Box<[u128]>,
    pub param_slots: u32,
    /// Parameters and declared locals.
    pub local_slots: u32,
    pub result_slots: u32,
    /// Frame size: locals plus the deepest operand stack.
    pub max_height: u32,
}

#[cfg(test)]
mod tests {
    #[test]
    fn instr_is_16_bytes() {
        assert_eq!(std::mem::size_of::<super::Instr>(), 16);
    }
}
