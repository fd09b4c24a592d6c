//! The operator table: every opcode listed once, with its encoding, its
//! immediates, the feature it belongs to, its text mnemonic and (for the
//! plain stack operators) its type signature.
//!
//! `for_each_operator!(m)` calls the macro `m` with every row. Each row reads
//!
//! ```text
//! Feature PREFIX CODE Name visit_method { immediate: Type [as reader], .. } "mnemonic" SIG
//! ```
//!
//! where `PREFIX` is `0x00` for one-byte opcodes, or `0xfb`/`0xfc`/`0xfd`/`0xfe` followed by
//! a LEB128 `CODE`; `as reader` names a reader method for immediates with a
//! special encoding; and `SIG` is either `[params -> results]` for operators
//! whose validation is a plain pop/push, or `_` for those checked by hand.
//!
//! From this one table the crate generates [`Operator`], the
//! [`VisitOperator`] trait, the operator reader and the operator encoder; the
//! validator generates its checks for `SIG` rows and the printer takes the
//! mnemonics. Adding a proposal means adding rows here.

#[macro_export]
macro_rules! for_each_operator {
    ($m:ident) => {
        $m! {
            Mvp 0x00 0x00 Unreachable visit_unreachable {  } "unreachable" _
            Mvp 0x00 0x01 Nop visit_nop {  } "nop" [ -> ]
            Mvp 0x00 0x02 Block visit_block { blockty: BlockType } "block" _
            Mvp 0x00 0x03 Loop visit_loop { blockty: BlockType } "loop" _
            Mvp 0x00 0x04 If visit_if { blockty: BlockType } "if" _
            Mvp 0x00 0x05 Else visit_else {  } "else" _
            LegacyExceptions 0x00 0x06 Try visit_try { blockty: BlockType } "try" _
            LegacyExceptions 0x00 0x07 Catch visit_catch { tag_index: u32 } "catch" _
            AnyExceptions 0x00 0x08 Throw visit_throw { tag_index: u32 } "throw" _
            LegacyExceptions 0x00 0x09 Rethrow visit_rethrow { relative_depth: u32 } "rethrow" _
            Exceptions 0x00 0x0a ThrowRef visit_throw_ref {  } "throw_ref" _
            Mvp 0x00 0x0b End visit_end {  } "end" _
            Mvp 0x00 0x0c Br visit_br { relative_depth: u32 } "br" _
            Mvp 0x00 0x0d BrIf visit_br_if { relative_depth: u32 } "br_if" _
            Mvp 0x00 0x0e BrTable visit_br_table { targets: BrTable<'a> } "br_table" _
            Mvp 0x00 0x0f Return visit_return {  } "return" _
            Mvp 0x00 0x10 Call visit_call { function_index: u32 } "call" _
            Mvp 0x00 0x11 CallIndirect visit_call_indirect { type_index: u32, table_index: u32 } "call_indirect" _
            TailCall 0x00 0x12 ReturnCall visit_return_call { function_index: u32 } "return_call" _
            TailCall 0x00 0x13 ReturnCallIndirect visit_return_call_indirect { type_index: u32, table_index: u32 } "return_call_indirect" _
            FunctionReferences 0x00 0x14 CallRef visit_call_ref { type_index: u32 } "call_ref" _
            FunctionReferences 0x00 0x15 ReturnCallRef visit_return_call_ref { type_index: u32 } "return_call_ref" _
            LegacyExceptions 0x00 0x18 Delegate visit_delegate { relative_depth: u32 } "delegate" _
            LegacyExceptions 0x00 0x19 CatchAll visit_catch_all {  } "catch_all" _
            Mvp 0x00 0x1a Drop visit_drop {  } "drop" _
            Mvp 0x00 0x1b Select visit_select {  } "select" _
            ReferenceTypes 0x00 0x1c TypedSelect visit_typed_select { tys: SelectTypes } "select" _
            Exceptions 0x00 0x1f TryTable visit_try_table { try_table: TryTable } "try_table" _
            Mvp 0x00 0x20 LocalGet visit_local_get { local_index: u32 } "local.get" _
            Mvp 0x00 0x21 LocalSet visit_local_set { local_index: u32 } "local.set" _
            Mvp 0x00 0x22 LocalTee visit_local_tee { local_index: u32 } "local.tee" _
            Mvp 0x00 0x23 GlobalGet visit_global_get { global_index: u32 } "global.get" _
            Mvp 0x00 0x24 GlobalSet visit_global_set { global_index: u32 } "global.set" _
            ReferenceTypes 0x00 0x25 TableGet visit_table_get { table: u32 } "table.get" _
            ReferenceTypes 0x00 0x26 TableSet visit_table_set { table: u32 } "table.set" _
            Mvp 0x00 0x28 I32Load visit_i32_load { memarg: MemArg as memarg } "i32.load" _
            Mvp 0x00 0x29 I64Load visit_i64_load { memarg: MemArg as memarg } "i64.load" _
            Mvp 0x00 0x2a F32Load visit_f32_load { memarg: MemArg as memarg } "f32.load" _
            Mvp 0x00 0x2b F64Load visit_f64_load { memarg: MemArg as memarg } "f64.load" _
            Mvp 0x00 0x2c I32Load8S visit_i32_load8_s { memarg: MemArg as memarg } "i32.load8_s" _
            Mvp 0x00 0x2d I32Load8U visit_i32_load8_u { memarg: MemArg as memarg } "i32.load8_u" _
            Mvp 0x00 0x2e I32Load16S visit_i32_load16_s { memarg: MemArg as memarg } "i32.load16_s" _
            Mvp 0x00 0x2f I32Load16U visit_i32_load16_u { memarg: MemArg as memarg } "i32.load16_u" _
            Mvp 0x00 0x30 I64Load8S visit_i64_load8_s { memarg: MemArg as memarg } "i64.load8_s" _
            Mvp 0x00 0x31 I64Load8U visit_i64_load8_u { memarg: MemArg as memarg } "i64.load8_u" _
            Mvp 0x00 0x32 I64Load16S visit_i64_load16_s { memarg: MemArg as memarg } "i64.load16_s" _
            Mvp 0x00 0x33 I64Load16U visit_i64_load16_u { memarg: MemArg as memarg } "i64.load16_u" _
            Mvp 0x00 0x34 I64Load32S visit_i64_load32_s { memarg: MemArg as memarg } "i64.load32_s" _
            Mvp 0x00 0x35 I64Load32U visit_i64_load32_u { memarg: MemArg as memarg } "i64.load32_u" _
            Mvp 0x00 0x36 I32Store visit_i32_store { memarg: MemArg as memarg } "i32.store" _
            Mvp 0x00 0x37 I64Store visit_i64_store { memarg: MemArg as memarg } "i64.store" _
            Mvp 0x00 0x38 F32Store visit_f32_store { memarg: MemArg as memarg } "f32.store" _
            Mvp 0x00 0x39 F64Store visit_f64_store { memarg: MemArg as memarg } "f64.store" _
            Mvp 0x00 0x3a I32Store8 visit_i32_store8 { memarg: MemArg as memarg } "i32.store8" _
            Mvp 0x00 0x3b I32Store16 visit_i32_store16 { memarg: MemArg as memarg } "i32.store16" _
            Mvp 0x00 0x3c I64Store8 visit_i64_store8 { memarg: MemArg as memarg } "i64.store8" _
            Mvp 0x00 0x3d I64Store16 visit_i64_store16 { memarg: MemArg as memarg } "i64.store16" _
            Mvp 0x00 0x3e I64Store32 visit_i64_store32 { memarg: MemArg as memarg } "i64.store32" _
            Mvp 0x00 0x3f MemorySize visit_memory_size { mem: u32 as mem_index } "memory.size" _
            Mvp 0x00 0x40 MemoryGrow visit_memory_grow { mem: u32 as mem_index } "memory.grow" _
            Mvp 0x00 0x41 I32Const visit_i32_const { value: i32 } "i32.const" [ -> i32]
            Mvp 0x00 0x42 I64Const visit_i64_const { value: i64 } "i64.const" [ -> i64]
            Mvp 0x00 0x43 F32Const visit_f32_const { value: Ieee32 } "f32.const" [ -> f32]
            Mvp 0x00 0x44 F64Const visit_f64_const { value: Ieee64 } "f64.const" [ -> f64]
            Mvp 0x00 0x45 I32Eqz visit_i32_eqz {  } "i32.eqz" [i32 -> i32]
            Mvp 0x00 0x46 I32Eq visit_i32_eq {  } "i32.eq" [i32 i32 -> i32]
            Mvp 0x00 0x47 I32Ne visit_i32_ne {  } "i32.ne" [i32 i32 -> i32]
            Mvp 0x00 0x48 I32LtS visit_i32_lt_s {  } "i32.lt_s" [i32 i32 -> i32]
            Mvp 0x00 0x49 I32LtU visit_i32_lt_u {  } "i32.lt_u" [i32 i32 -> i32]
            Mvp 0x00 0x4a I32GtS visit_i32_gt_s {  } "i32.gt_s" [i32 i32 -> i32]
            Mvp 0x00 0x4b I32GtU visit_i32_gt_u {  } "i32.gt_u" [i32 i32 -> i32]
            Mvp 0x00 0x4c I32LeS visit_i32_le_s {  } "i32.le_s" [i32 i32 -> i32]
            Mvp 0x00 0x4d I32LeU visit_i32_le_u {  } "i32.le_u" [i32 i32 -> i32]
            Mvp 0x00 0x4e I32GeS visit_i32_ge_s {  } "i32.ge_s" [i32 i32 -> i32]
            Mvp 0x00 0x4f I32GeU visit_i32_ge_u {  } "i32.ge_u" [i32 i32 -> i32]
            Mvp 0x00 0x50 I64Eqz visit_i64_eqz {  } "i64.eqz" [i64 -> i32]
            Mvp 0x00 0x51 I64Eq visit_i64_eq {  } "i64.eq" [i64 i64 -> i32]
            Mvp 0x00 0x52 I64Ne visit_i64_ne {  } "i64.ne" [i64 i64 -> i32]
            Mvp 0x00 0x53 I64LtS visit_i64_lt_s {  } "i64.lt_s" [i64 i64 -> i32]
            Mvp 0x00 0x54 I64LtU visit_i64_lt_u {  } "i64.lt_u" [i64 i64 -> i32]
            Mvp 0x00 0x55 I64GtS visit_i64_gt_s {  } "i64.gt_s" [i64 i64 -> i32]
            Mvp 0x00 0x56 I64GtU visit_i64_gt_u {  } "i64.gt_u" [i64 i64 -> i32]
            Mvp 0x00 0x57 I64LeS visit_i64_le_s {  } "i64.le_s" [i64 i64 -> i32]
            Mvp 0x00 0x58 I64LeU visit_i64_le_u {  } "i64.le_u" [i64 i64 -> i32]
            Mvp 0x00 0x59 I64GeS visit_i64_ge_s {  } "i64.ge_s" [i64 i64 -> i32]
            Mvp 0x00 0x5a I64GeU visit_i64_ge_u {  } "i64.ge_u" [i64 i64 -> i32]
            Mvp 0x00 0x5b F32Eq visit_f32_eq {  } "f32.eq" [f32 f32 -> i32]
            Mvp 0x00 0x5c F32Ne visit_f32_ne {  } "f32.ne" [f32 f32 -> i32]
            Mvp 0x00 0x5d F32Lt visit_f32_lt {  } "f32.lt" [f32 f32 -> i32]
            Mvp 0x00 0x5e F32Gt visit_f32_gt {  } "f32.gt" [f32 f32 -> i32]
            Mvp 0x00 0x5f F32Le visit_f32_le {  } "f32.le" [f32 f32 -> i32]
            Mvp 0x00 0x60 F32Ge visit_f32_ge {  } "f32.ge" [f32 f32 -> i32]
            Mvp 0x00 0x61 F64Eq visit_f64_eq {  } "f64.eq" [f64 f64 -> i32]
            Mvp 0x00 0x62 F64Ne visit_f64_ne {  } "f64.ne" [f64 f64 -> i32]
            Mvp 0x00 0x63 F64Lt visit_f64_lt {  } "f64.lt" [f64 f64 -> i32]
            Mvp 0x00 0x64 F64Gt visit_f64_gt {  } "f64.gt" [f64 f64 -> i32]
            Mvp 0x00 0x65 F64Le visit_f64_le {  } "f64.le" [f64 f64 -> i32]
            Mvp 0x00 0x66 F64Ge visit_f64_ge {  } "f64.ge" [f64 f64 -> i32]
            Mvp 0x00 0x67 I32Clz visit_i32_clz {  } "i32.clz" [i32 -> i32]
            Mvp 0x00 0x68 I32Ctz visit_i32_ctz {  } "i32.ctz" [i32 -> i32]
            Mvp 0x00 0x69 I32Popcnt visit_i32_popcnt {  } "i32.popcnt" [i32 -> i32]
            Mvp 0x00 0x6a I32Add visit_i32_add {  } "i32.add" [i32 i32 -> i32]
            Mvp 0x00 0x6b I32Sub visit_i32_sub {  } "i32.sub" [i32 i32 -> i32]
            Mvp 0x00 0x6c I32Mul visit_i32_mul {  } "i32.mul" [i32 i32 -> i32]
            Mvp 0x00 0x6d I32DivS visit_i32_div_s {  } "i32.div_s" [i32 i32 -> i32]
            Mvp 0x00 0x6e I32DivU visit_i32_div_u {  } "i32.div_u" [i32 i32 -> i32]
            Mvp 0x00 0x6f I32RemS visit_i32_rem_s {  } "i32.rem_s" [i32 i32 -> i32]
            Mvp 0x00 0x70 I32RemU visit_i32_rem_u {  } "i32.rem_u" [i32 i32 -> i32]
            Mvp 0x00 0x71 I32And visit_i32_and {  } "i32.and" [i32 i32 -> i32]
            Mvp 0x00 0x72 I32Or visit_i32_or {  } "i32.or" [i32 i32 -> i32]
            Mvp 0x00 0x73 I32Xor visit_i32_xor {  } "i32.xor" [i32 i32 -> i32]
            Mvp 0x00 0x74 I32Shl visit_i32_shl {  } "i32.shl" [i32 i32 -> i32]
            Mvp 0x00 0x75 I32ShrS visit_i32_shr_s {  } "i32.shr_s" [i32 i32 -> i32]
            Mvp 0x00 0x76 I32ShrU visit_i32_shr_u {  } "i32.shr_u" [i32 i32 -> i32]
            Mvp 0x00 0x77 I32Rotl visit_i32_rotl {  } "i32.rotl" [i32 i32 -> i32]
            Mvp 0x00 0x78 I32Rotr visit_i32_rotr {  } "i32.rotr" [i32 i32 -> i32]
            Mvp 0x00 0x79 I64Clz visit_i64_clz {  } "i64.clz" [i64 -> i64]
            Mvp 0x00 0x7a I64Ctz visit_i64_ctz {  } "i64.ctz" [i64 -> i64]
            Mvp 0x00 0x7b I64Popcnt visit_i64_popcnt {  } "i64.popcnt" [i64 -> i64]
            Mvp 0x00 0x7c I64Add visit_i64_add {  } "i64.add" [i64 i64 -> i64]
            Mvp 0x00 0x7d I64Sub visit_i64_sub {  } "i64.sub" [i64 i64 -> i64]
            Mvp 0x00 0x7e I64Mul visit_i64_mul {  } "i64.mul" [i64 i64 -> i64]
            Mvp 0x00 0x7f I64DivS visit_i64_div_s {  } "i64.div_s" [i64 i64 -> i64]
            Mvp 0x00 0x80 I64DivU visit_i64_div_u {  } "i64.div_u" [i64 i64 -> i64]
            Mvp 0x00 0x81 I64RemS visit_i64_rem_s {  } "i64.rem_s" [i64 i64 -> i64]
            Mvp 0x00 0x82 I64RemU visit_i64_rem_u {  } "i64.rem_u" [i64 i64 -> i64]
            Mvp 0x00 0x83 I64And visit_i64_and {  } "i64.and" [i64 i64 -> i64]
            Mvp 0x00 0x84 I64Or visit_i64_or {  } "i64.or" [i64 i64 -> i64]
            Mvp 0x00 0x85 I64Xor visit_i64_xor {  } "i64.xor" [i64 i64 -> i64]
            Mvp 0x00 0x86 I64Shl visit_i64_shl {  } "i64.shl" [i64 i64 -> i64]
            Mvp 0x00 0x87 I64ShrS visit_i64_shr_s {  } "i64.shr_s" [i64 i64 -> i64]
            Mvp 0x00 0x88 I64ShrU visit_i64_shr_u {  } "i64.shr_u" [i64 i64 -> i64]
            Mvp 0x00 0x89 I64Rotl visit_i64_rotl {  } "i64.rotl" [i64 i64 -> i64]
            Mvp 0x00 0x8a I64Rotr visit_i64_rotr {  } "i64.rotr" [i64 i64 -> i64]
            Mvp 0x00 0x8b F32Abs visit_f32_abs {  } "f32.abs" [f32 -> f32]
            Mvp 0x00 0x8c F32Neg visit_f32_neg {  } "f32.neg" [f32 -> f32]
            Mvp 0x00 0x8d F32Ceil visit_f32_ceil {  } "f32.ceil" [f32 -> f32]
            Mvp 0x00 0x8e F32Floor visit_f32_floor {  } "f32.floor" [f32 -> f32]
            Mvp 0x00 0x8f F32Trunc visit_f32_trunc {  } "f32.trunc" [f32 -> f32]
            Mvp 0x00 0x90 F32Nearest visit_f32_nearest {  } "f32.nearest" [f32 -> f32]
            Mvp 0x00 0x91 F32Sqrt visit_f32_sqrt {  } "f32.sqrt" [f32 -> f32]
            Mvp 0x00 0x92 F32Add visit_f32_add {  } "f32.add" [f32 f32 -> f32]
            Mvp 0x00 0x93 F32Sub visit_f32_sub {  } "f32.sub" [f32 f32 -> f32]
            Mvp 0x00 0x94 F32Mul visit_f32_mul {  } "f32.mul" [f32 f32 -> f32]
            Mvp 0x00 0x95 F32Div visit_f32_div {  } "f32.div" [f32 f32 -> f32]
            Mvp 0x00 0x96 F32Min visit_f32_min {  } "f32.min" [f32 f32 -> f32]
            Mvp 0x00 0x97 F32Max visit_f32_max {  } "f32.max" [f32 f32 -> f32]
            Mvp 0x00 0x98 F32Copysign visit_f32_copysign {  } "f32.copysign" [f32 f32 -> f32]
            Mvp 0x00 0x99 F64Abs visit_f64_abs {  } "f64.abs" [f64 -> f64]
            Mvp 0x00 0x9a F64Neg visit_f64_neg {  } "f64.neg" [f64 -> f64]
            Mvp 0x00 0x9b F64Ceil visit_f64_ceil {  } "f64.ceil" [f64 -> f64]
            Mvp 0x00 0x9c F64Floor visit_f64_floor {  } "f64.floor" [f64 -> f64]
            Mvp 0x00 0x9d F64Trunc visit_f64_trunc {  } "f64.trunc" [f64 -> f64]
            Mvp 0x00 0x9e F64Nearest visit_f64_nearest {  } "f64.nearest" [f64 -> f64]
            Mvp 0x00 0x9f F64Sqrt visit_f64_sqrt {  } "f64.sqrt" [f64 -> f64]
            Mvp 0x00 0xa0 F64Add visit_f64_add {  } "f64.add" [f64 f64 -> f64]
            Mvp 0x00 0xa1 F64Sub visit_f64_sub {  } "f64.sub" [f64 f64 -> f64]
            Mvp 0x00 0xa2 F64Mul visit_f64_mul {  } "f64.mul" [f64 f64 -> f64]
            Mvp 0x00 0xa3 F64Div visit_f64_div {  } "f64.div" [f64 f64 -> f64]
            Mvp 0x00 0xa4 F64Min visit_f64_min {  } "f64.min" [f64 f64 -> f64]
            Mvp 0x00 0xa5 F64Max visit_f64_max {  } "f64.max" [f64 f64 -> f64]
            Mvp 0x00 0xa6 F64Copysign visit_f64_copysign {  } "f64.copysign" [f64 f64 -> f64]
            Mvp 0x00 0xa7 I32WrapI64 visit_i32_wrap_i64 {  } "i32.wrap_i64" [i64 -> i32]
            Mvp 0x00 0xa8 I32TruncF32S visit_i32_trunc_f32_s {  } "i32.trunc_f32_s" [f32 -> i32]
            Mvp 0x00 0xa9 I32TruncF32U visit_i32_trunc_f32_u {  } "i32.trunc_f32_u" [f32 -> i32]
            Mvp 0x00 0xaa I32TruncF64S visit_i32_trunc_f64_s {  } "i32.trunc_f64_s" [f64 -> i32]
            Mvp 0x00 0xab I32TruncF64U visit_i32_trunc_f64_u {  } "i32.trunc_f64_u" [f64 -> i32]
            Mvp 0x00 0xac I64ExtendI32S visit_i64_extend_i32_s {  } "i64.extend_i32_s" [i32 -> i64]
            Mvp 0x00 0xad I64ExtendI32U visit_i64_extend_i32_u {  } "i64.extend_i32_u" [i32 -> i64]
            Mvp 0x00 0xae I64TruncF32S visit_i64_trunc_f32_s {  } "i64.trunc_f32_s" [f32 -> i64]
            Mvp 0x00 0xaf I64TruncF32U visit_i64_trunc_f32_u {  } "i64.trunc_f32_u" [f32 -> i64]
            Mvp 0x00 0xb0 I64TruncF64S visit_i64_trunc_f64_s {  } "i64.trunc_f64_s" [f64 -> i64]
            Mvp 0x00 0xb1 I64TruncF64U visit_i64_trunc_f64_u {  } "i64.trunc_f64_u" [f64 -> i64]
            Mvp 0x00 0xb2 F32ConvertI32S visit_f32_convert_i32_s {  } "f32.convert_i32_s" [i32 -> f32]
            Mvp 0x00 0xb3 F32ConvertI32U visit_f32_convert_i32_u {  } "f32.convert_i32_u" [i32 -> f32]
            Mvp 0x00 0xb4 F32ConvertI64S visit_f32_convert_i64_s {  } "f32.convert_i64_s" [i64 -> f32]
            Mvp 0x00 0xb5 F32ConvertI64U visit_f32_convert_i64_u {  } "f32.convert_i64_u" [i64 -> f32]
            Mvp 0x00 0xb6 F32DemoteF64 visit_f32_demote_f64 {  } "f32.demote_f64" [f64 -> f32]
            Mvp 0x00 0xb7 F64ConvertI32S visit_f64_convert_i32_s {  } "f64.convert_i32_s" [i32 -> f64]
            Mvp 0x00 0xb8 F64ConvertI32U visit_f64_convert_i32_u {  } "f64.convert_i32_u" [i32 -> f64]
            Mvp 0x00 0xb9 F64ConvertI64S visit_f64_convert_i64_s {  } "f64.convert_i64_s" [i64 -> f64]
            Mvp 0x00 0xba F64ConvertI64U visit_f64_convert_i64_u {  } "f64.convert_i64_u" [i64 -> f64]
            Mvp 0x00 0xbb F64PromoteF32 visit_f64_promote_f32 {  } "f64.promote_f32" [f32 -> f64]
            Mvp 0x00 0xbc I32ReinterpretF32 visit_i32_reinterpret_f32 {  } "i32.reinterpret_f32" [f32 -> i32]
            Mvp 0x00 0xbd I64ReinterpretF64 visit_i64_reinterpret_f64 {  } "i64.reinterpret_f64" [f64 -> i64]
            Mvp 0x00 0xbe F32ReinterpretI32 visit_f32_reinterpret_i32 {  } "f32.reinterpret_i32" [i32 -> f32]
            Mvp 0x00 0xbf F64ReinterpretI64 visit_f64_reinterpret_i64 {  } "f64.reinterpret_i64" [i64 -> f64]
            SignExtension 0x00 0xc0 I32Extend8S visit_i32_extend8_s {  } "i32.extend8_s" [i32 -> i32]
            SignExtension 0x00 0xc1 I32Extend16S visit_i32_extend16_s {  } "i32.extend16_s" [i32 -> i32]
            SignExtension 0x00 0xc2 I64Extend8S visit_i64_extend8_s {  } "i64.extend8_s" [i64 -> i64]
            SignExtension 0x00 0xc3 I64Extend16S visit_i64_extend16_s {  } "i64.extend16_s" [i64 -> i64]
            SignExtension 0x00 0xc4 I64Extend32S visit_i64_extend32_s {  } "i64.extend32_s" [i64 -> i64]
            ReferenceTypes 0x00 0xd0 RefNull visit_ref_null { hty: HeapType } "ref.null" _
            ReferenceTypes 0x00 0xd1 RefIsNull visit_ref_is_null {  } "ref.is_null" _
            ReferenceTypes 0x00 0xd2 RefFunc visit_ref_func { function_index: u32 } "ref.func" _
            Gc 0x00 0xd3 RefEq visit_ref_eq {  } "ref.eq" _
            FunctionReferences 0x00 0xd4 RefAsNonNull visit_ref_as_non_null {  } "ref.as_non_null" _
            FunctionReferences 0x00 0xd5 BrOnNull visit_br_on_null { relative_depth: u32 } "br_on_null" _
            FunctionReferences 0x00 0xd6 BrOnNonNull visit_br_on_non_null { relative_depth: u32 } "br_on_non_null" _
            Gc 0xfb 0x00 StructNew visit_struct_new { struct_type_index: u32 } "struct.new" _
            Gc 0xfb 0x01 StructNewDefault visit_struct_new_default { struct_type_index: u32 } "struct.new_default" _
            Gc 0xfb 0x02 StructGet visit_struct_get { struct_type_index: u32, field_index: u32 } "struct.get" _
            Gc 0xfb 0x03 StructGetS visit_struct_get_s { struct_type_index: u32, field_index: u32 } "struct.get_s" _
            Gc 0xfb 0x04 StructGetU visit_struct_get_u { struct_type_index: u32, field_index: u32 } "struct.get_u" _
            Gc 0xfb 0x05 StructSet visit_struct_set { struct_type_index: u32, field_index: u32 } "struct.set" _
            Gc 0xfb 0x06 ArrayNew visit_array_new { array_type_index: u32 } "array.new" _
            Gc 0xfb 0x07 ArrayNewDefault visit_array_new_default { array_type_index: u32 } "array.new_default" _
            Gc 0xfb 0x08 ArrayNewFixed visit_array_new_fixed { array_type_index: u32, array_size: u32 } "array.new_fixed" _
            Gc 0xfb 0x09 ArrayNewData visit_array_new_data { array_type_index: u32, array_data_index: u32 } "array.new_data" _
            Gc 0xfb 0x0a ArrayNewElem visit_array_new_elem { array_type_index: u32, array_elem_index: u32 } "array.new_elem" _
            Gc 0xfb 0x0b ArrayGet visit_array_get { array_type_index: u32 } "array.get" _
            Gc 0xfb 0x0c ArrayGetS visit_array_get_s { array_type_index: u32 } "array.get_s" _
            Gc 0xfb 0x0d ArrayGetU visit_array_get_u { array_type_index: u32 } "array.get_u" _
            Gc 0xfb 0x0e ArraySet visit_array_set { array_type_index: u32 } "array.set" _
            Gc 0xfb 0x0f ArrayLen visit_array_len {  } "array.len" _
            Gc 0xfb 0x10 ArrayFill visit_array_fill { array_type_index: u32 } "array.fill" _
            Gc 0xfb 0x11 ArrayCopy visit_array_copy { dst_array_type_index: u32, src_array_type_index: u32 } "array.copy" _
            Gc 0xfb 0x12 ArrayInitData visit_array_init_data { array_type_index: u32, array_data_index: u32 } "array.init_data" _
            Gc 0xfb 0x13 ArrayInitElem visit_array_init_elem { array_type_index: u32, array_elem_index: u32 } "array.init_elem" _
            Gc 0xfb 0x14 RefTest visit_ref_test { cast_hty: HeapType } "ref.test" _
            Gc 0xfb 0x15 RefTestNull visit_ref_test_null { cast_null_hty: HeapType } "ref.test" _
            Gc 0xfb 0x16 RefCast visit_ref_cast { cast_hty: HeapType } "ref.cast" _
            Gc 0xfb 0x17 RefCastNull visit_ref_cast_null { cast_null_hty: HeapType } "ref.cast" _
            Gc 0xfb 0x18 BrOnCast visit_br_on_cast { cast: BrOnCast } "br_on_cast" _
            Gc 0xfb 0x19 BrOnCastFail visit_br_on_cast_fail { cast: BrOnCast } "br_on_cast_fail" _
            Gc 0xfb 0x1a AnyConvertExtern visit_any_convert_extern {  } "any.convert_extern" _
            Gc 0xfb 0x1b ExternConvertAny visit_extern_convert_any {  } "extern.convert_any" _
            Gc 0xfb 0x1c RefI31 visit_ref_i31 {  } "ref.i31" _
            Gc 0xfb 0x1d I31GetS visit_i31_get_s {  } "i31.get_s" _
            Gc 0xfb 0x1e I31GetU visit_i31_get_u {  } "i31.get_u" _
            SaturatingFloatToInt 0xfc 0x00 I32TruncSatF32S visit_i32_trunc_sat_f32_s {  } "i32.trunc_sat_f32_s" [f32 -> i32]
            SaturatingFloatToInt 0xfc 0x01 I32TruncSatF32U visit_i32_trunc_sat_f32_u {  } "i32.trunc_sat_f32_u" [f32 -> i32]
            SaturatingFloatToInt 0xfc 0x02 I32TruncSatF64S visit_i32_trunc_sat_f64_s {  } "i32.trunc_sat_f64_s" [f64 -> i32]
            SaturatingFloatToInt 0xfc 0x03 I32TruncSatF64U visit_i32_trunc_sat_f64_u {  } "i32.trunc_sat_f64_u" [f64 -> i32]
            SaturatingFloatToInt 0xfc 0x04 I64TruncSatF32S visit_i64_trunc_sat_f32_s {  } "i64.trunc_sat_f32_s" [f32 -> i64]
            SaturatingFloatToInt 0xfc 0x05 I64TruncSatF32U visit_i64_trunc_sat_f32_u {  } "i64.trunc_sat_f32_u" [f32 -> i64]
            SaturatingFloatToInt 0xfc 0x06 I64TruncSatF64S visit_i64_trunc_sat_f64_s {  } "i64.trunc_sat_f64_s" [f64 -> i64]
            SaturatingFloatToInt 0xfc 0x07 I64TruncSatF64U visit_i64_trunc_sat_f64_u {  } "i64.trunc_sat_f64_u" [f64 -> i64]
            BulkMemory 0xfc 0x08 MemoryInit visit_memory_init { data_index: u32, mem: u32 as mem_index } "memory.init" _
            BulkMemory 0xfc 0x09 DataDrop visit_data_drop { data_index: u32 } "data.drop" _
            BulkMemory 0xfc 0x0a MemoryCopy visit_memory_copy { dst_mem: u32 as mem_index, src_mem: u32 as mem_index } "memory.copy" _
            BulkMemory 0xfc 0x0b MemoryFill visit_memory_fill { mem: u32 as mem_index } "memory.fill" _
            BulkMemory 0xfc 0x0c TableInit visit_table_init { elem_index: u32, table: u32 } "table.init" _
            BulkMemory 0xfc 0x0d ElemDrop visit_elem_drop { elem_index: u32 } "elem.drop" _
            BulkMemory 0xfc 0x0e TableCopy visit_table_copy { dst_table: u32, src_table: u32 } "table.copy" _
            ReferenceTypes 0xfc 0x0f TableGrow visit_table_grow { table: u32 } "table.grow" _
            ReferenceTypes 0xfc 0x10 TableSize visit_table_size { table: u32 } "table.size" _
            ReferenceTypes 0xfc 0x11 TableFill visit_table_fill { table: u32 } "table.fill" _
            WideArithmetic 0xfc 0x13 I64Add128 visit_i64_add128 {  } "i64.add128" [i64 i64 i64 i64 -> i64 i64]
            WideArithmetic 0xfc 0x14 I64Sub128 visit_i64_sub128 {  } "i64.sub128" [i64 i64 i64 i64 -> i64 i64]
            WideArithmetic 0xfc 0x15 I64MulWideS visit_i64_mul_wide_s {  } "i64.mul_wide_s" [i64 i64 -> i64 i64]
            WideArithmetic 0xfc 0x16 I64MulWideU visit_i64_mul_wide_u {  } "i64.mul_wide_u" [i64 i64 -> i64 i64]
            Simd 0xfd 0x00 V128Load visit_v128_load { memarg: MemArg as memarg } "v128.load" _
            Simd 0xfd 0x01 V128Load8x8S visit_v128_load8x8_s { memarg: MemArg as memarg } "v128.load8x8_s" _
            Simd 0xfd 0x02 V128Load8x8U visit_v128_load8x8_u { memarg: MemArg as memarg } "v128.load8x8_u" _
            Simd 0xfd 0x03 V128Load16x4S visit_v128_load16x4_s { memarg: MemArg as memarg } "v128.load16x4_s" _
            Simd 0xfd 0x04 V128Load16x4U visit_v128_load16x4_u { memarg: MemArg as memarg } "v128.load16x4_u" _
            Simd 0xfd 0x05 V128Load32x2S visit_v128_load32x2_s { memarg: MemArg as memarg } "v128.load32x2_s" _
            Simd 0xfd 0x06 V128Load32x2U visit_v128_load32x2_u { memarg: MemArg as memarg } "v128.load32x2_u" _
            Simd 0xfd 0x07 V128Load8Splat visit_v128_load8_splat { memarg: MemArg as memarg } "v128.load8_splat" _
            Simd 0xfd 0x08 V128Load16Splat visit_v128_load16_splat { memarg: MemArg as memarg } "v128.load16_splat" _
            Simd 0xfd 0x09 V128Load32Splat visit_v128_load32_splat { memarg: MemArg as memarg } "v128.load32_splat" _
            Simd 0xfd 0x0a V128Load64Splat visit_v128_load64_splat { memarg: MemArg as memarg } "v128.load64_splat" _
            Simd 0xfd 0x0b V128Store visit_v128_store { memarg: MemArg as memarg } "v128.store" _
            Simd 0xfd 0x0c V128Const visit_v128_const { value: V128 } "v128.const" [ -> v128]
            Simd 0xfd 0x0d I8x16Shuffle visit_i8x16_shuffle { lanes: [u8; 16] } "i8x16.shuffle" _
            Simd 0xfd 0x0e I8x16Swizzle visit_i8x16_swizzle {  } "i8x16.swizzle" [v128 v128 -> v128]
            Simd 0xfd 0x0f I8x16Splat visit_i8x16_splat {  } "i8x16.splat" [i32 -> v128]
            Simd 0xfd 0x10 I16x8Splat visit_i16x8_splat {  } "i16x8.splat" [i32 -> v128]
            Simd 0xfd 0x11 I32x4Splat visit_i32x4_splat {  } "i32x4.splat" [i32 -> v128]
            Simd 0xfd 0x12 I64x2Splat visit_i64x2_splat {  } "i64x2.splat" [i64 -> v128]
            Simd 0xfd 0x13 F32x4Splat visit_f32x4_splat {  } "f32x4.splat" [f32 -> v128]
            Simd 0xfd 0x14 F64x2Splat visit_f64x2_splat {  } "f64x2.splat" [f64 -> v128]
            Simd 0xfd 0x15 I8x16ExtractLaneS visit_i8x16_extract_lane_s { lane: u8 } "i8x16.extract_lane_s" _
            Simd 0xfd 0x16 I8x16ExtractLaneU visit_i8x16_extract_lane_u { lane: u8 } "i8x16.extract_lane_u" _
            Simd 0xfd 0x17 I8x16ReplaceLane visit_i8x16_replace_lane { lane: u8 } "i8x16.replace_lane" _
            Simd 0xfd 0x18 I16x8ExtractLaneS visit_i16x8_extract_lane_s { lane: u8 } "i16x8.extract_lane_s" _
            Simd 0xfd 0x19 I16x8ExtractLaneU visit_i16x8_extract_lane_u { lane: u8 } "i16x8.extract_lane_u" _
            Simd 0xfd 0x1a I16x8ReplaceLane visit_i16x8_replace_lane { lane: u8 } "i16x8.replace_lane" _
            Simd 0xfd 0x1b I32x4ExtractLane visit_i32x4_extract_lane { lane: u8 } "i32x4.extract_lane" _
            Simd 0xfd 0x1c I32x4ReplaceLane visit_i32x4_replace_lane { lane: u8 } "i32x4.replace_lane" _
            Simd 0xfd 0x1d I64x2ExtractLane visit_i64x2_extract_lane { lane: u8 } "i64x2.extract_lane" _
            Simd 0xfd 0x1e I64x2ReplaceLane visit_i64x2_replace_lane { lane: u8 } "i64x2.replace_lane" _
            Simd 0xfd 0x1f F32x4ExtractLane visit_f32x4_extract_lane { lane: u8 } "f32x4.extract_lane" _
            Simd 0xfd 0x20 F32x4ReplaceLane visit_f32x4_replace_lane { lane: u8 } "f32x4.replace_lane" _
            Simd 0xfd 0x21 F64x2ExtractLane visit_f64x2_extract_lane { lane: u8 } "f64x2.extract_lane" _
            Simd 0xfd 0x22 F64x2ReplaceLane visit_f64x2_replace_lane { lane: u8 } "f64x2.replace_lane" _
            Simd 0xfd 0x23 I8x16Eq visit_i8x16_eq {  } "i8x16.eq" [v128 v128 -> v128]
            Simd 0xfd 0x24 I8x16Ne visit_i8x16_ne {  } "i8x16.ne" [v128 v128 -> v128]
            Simd 0xfd 0x25 I8x16LtS visit_i8x16_lt_s {  } "i8x16.lt_s" [v128 v128 -> v128]
            Simd 0xfd 0x26 I8x16LtU visit_i8x16_lt_u {  } "i8x16.lt_u" [v128 v128 -> v128]
            Simd 0xfd 0x27 I8x16GtS visit_i8x16_gt_s {  } "i8x16.gt_s" [v128 v128 -> v128]
            Simd 0xfd 0x28 I8x16GtU visit_i8x16_gt_u {  } "i8x16.gt_u" [v128 v128 -> v128]
            Simd 0xfd 0x29 I8x16LeS visit_i8x16_le_s {  } "i8x16.le_s" [v128 v128 -> v128]
            Simd 0xfd 0x2a I8x16LeU visit_i8x16_le_u {  } "i8x16.le_u" [v128 v128 -> v128]
            Simd 0xfd 0x2b I8x16GeS visit_i8x16_ge_s {  } "i8x16.ge_s" [v128 v128 -> v128]
            Simd 0xfd 0x2c I8x16GeU visit_i8x16_ge_u {  } "i8x16.ge_u" [v128 v128 -> v128]
            Simd 0xfd 0x2d I16x8Eq visit_i16x8_eq {  } "i16x8.eq" [v128 v128 -> v128]
            Simd 0xfd 0x2e I16x8Ne visit_i16x8_ne {  } "i16x8.ne" [v128 v128 -> v128]
            Simd 0xfd 0x2f I16x8LtS visit_i16x8_lt_s {  } "i16x8.lt_s" [v128 v128 -> v128]
            Simd 0xfd 0x30 I16x8LtU visit_i16x8_lt_u {  } "i16x8.lt_u" [v128 v128 -> v128]
            Simd 0xfd 0x31 I16x8GtS visit_i16x8_gt_s {  } "i16x8.gt_s" [v128 v128 -> v128]
            Simd 0xfd 0x32 I16x8GtU visit_i16x8_gt_u {  } "i16x8.gt_u" [v128 v128 -> v128]
            Simd 0xfd 0x33 I16x8LeS visit_i16x8_le_s {  } "i16x8.le_s" [v128 v128 -> v128]
            Simd 0xfd 0x34 I16x8LeU visit_i16x8_le_u {  } "i16x8.le_u" [v128 v128 -> v128]
            Simd 0xfd 0x35 I16x8GeS visit_i16x8_ge_s {  } "i16x8.ge_s" [v128 v128 -> v128]
            Simd 0xfd 0x36 I16x8GeU visit_i16x8_ge_u {  } "i16x8.ge_u" [v128 v128 -> v128]
            Simd 0xfd 0x37 I32x4Eq visit_i32x4_eq {  } "i32x4.eq" [v128 v128 -> v128]
            Simd 0xfd 0x38 I32x4Ne visit_i32x4_ne {  } "i32x4.ne" [v128 v128 -> v128]
            Simd 0xfd 0x39 I32x4LtS visit_i32x4_lt_s {  } "i32x4.lt_s" [v128 v128 -> v128]
            Simd 0xfd 0x3a I32x4LtU visit_i32x4_lt_u {  } "i32x4.lt_u" [v128 v128 -> v128]
            Simd 0xfd 0x3b I32x4GtS visit_i32x4_gt_s {  } "i32x4.gt_s" [v128 v128 -> v128]
            Simd 0xfd 0x3c I32x4GtU visit_i32x4_gt_u {  } "i32x4.gt_u" [v128 v128 -> v128]
            Simd 0xfd 0x3d I32x4LeS visit_i32x4_le_s {  } "i32x4.le_s" [v128 v128 -> v128]
            Simd 0xfd 0x3e I32x4LeU visit_i32x4_le_u {  } "i32x4.le_u" [v128 v128 -> v128]
            Simd 0xfd 0x3f I32x4GeS visit_i32x4_ge_s {  } "i32x4.ge_s" [v128 v128 -> v128]
            Simd 0xfd 0x40 I32x4GeU visit_i32x4_ge_u {  } "i32x4.ge_u" [v128 v128 -> v128]
            Simd 0xfd 0x41 F32x4Eq visit_f32x4_eq {  } "f32x4.eq" [v128 v128 -> v128]
            Simd 0xfd 0x42 F32x4Ne visit_f32x4_ne {  } "f32x4.ne" [v128 v128 -> v128]
            Simd 0xfd 0x43 F32x4Lt visit_f32x4_lt {  } "f32x4.lt" [v128 v128 -> v128]
            Simd 0xfd 0x44 F32x4Gt visit_f32x4_gt {  } "f32x4.gt" [v128 v128 -> v128]
            Simd 0xfd 0x45 F32x4Le visit_f32x4_le {  } "f32x4.le" [v128 v128 -> v128]
            Simd 0xfd 0x46 F32x4Ge visit_f32x4_ge {  } "f32x4.ge" [v128 v128 -> v128]
            Simd 0xfd 0x47 F64x2Eq visit_f64x2_eq {  } "f64x2.eq" [v128 v128 -> v128]
            Simd 0xfd 0x48 F64x2Ne visit_f64x2_ne {  } "f64x2.ne" [v128 v128 -> v128]
            Simd 0xfd 0x49 F64x2Lt visit_f64x2_lt {  } "f64x2.lt" [v128 v128 -> v128]
            Simd 0xfd 0x4a F64x2Gt visit_f64x2_gt {  } "f64x2.gt" [v128 v128 -> v128]
            Simd 0xfd 0x4b F64x2Le visit_f64x2_le {  } "f64x2.le" [v128 v128 -> v128]
            Simd 0xfd 0x4c F64x2Ge visit_f64x2_ge {  } "f64x2.ge" [v128 v128 -> v128]
            Simd 0xfd 0x4d V128Not visit_v128_not {  } "v128.not" [v128 -> v128]
            Simd 0xfd 0x4e V128And visit_v128_and {  } "v128.and" [v128 v128 -> v128]
            Simd 0xfd 0x4f V128Andnot visit_v128_andnot {  } "v128.andnot" [v128 v128 -> v128]
            Simd 0xfd 0x50 V128Or visit_v128_or {  } "v128.or" [v128 v128 -> v128]
            Simd 0xfd 0x51 V128Xor visit_v128_xor {  } "v128.xor" [v128 v128 -> v128]
            Simd 0xfd 0x52 V128Bitselect visit_v128_bitselect {  } "v128.bitselect" [v128 v128 v128 -> v128]
            Simd 0xfd 0x53 V128AnyTrue visit_v128_any_true {  } "v128.any_true" [v128 -> i32]
            Simd 0xfd 0x54 V128Load8Lane visit_v128_load8_lane { memarg: MemArg as memarg, lane: u8 } "v128.load8_lane" _
            Simd 0xfd 0x55 V128Load16Lane visit_v128_load16_lane { memarg: MemArg as memarg, lane: u8 } "v128.load16_lane" _
            Simd 0xfd 0x56 V128Load32Lane visit_v128_load32_lane { memarg: MemArg as memarg, lane: u8 } "v128.load32_lane" _
            Simd 0xfd 0x57 V128Load64Lane visit_v128_load64_lane { memarg: MemArg as memarg, lane: u8 } "v128.load64_lane" _
            Simd 0xfd 0x58 V128Store8Lane visit_v128_store8_lane { memarg: MemArg as memarg, lane: u8 } "v128.store8_lane" _
            Simd 0xfd 0x59 V128Store16Lane visit_v128_store16_lane { memarg: MemArg as memarg, lane: u8 } "v128.store16_lane" _
            Simd 0xfd 0x5a V128Store32Lane visit_v128_store32_lane { memarg: MemArg as memarg, lane: u8 } "v128.store32_lane" _
            Simd 0xfd 0x5b V128Store64Lane visit_v128_store64_lane { memarg: MemArg as memarg, lane: u8 } "v128.store64_lane" _
            Simd 0xfd 0x5c V128Load32Zero visit_v128_load32_zero { memarg: MemArg as memarg } "v128.load32_zero" _
            Simd 0xfd 0x5d V128Load64Zero visit_v128_load64_zero { memarg: MemArg as memarg } "v128.load64_zero" _
            Simd 0xfd 0x5e F32x4DemoteF64x2Zero visit_f32x4_demote_f64x2_zero {  } "f32x4.demote_f64x2_zero" [v128 -> v128]
            Simd 0xfd 0x5f F64x2PromoteLowF32x4 visit_f64x2_promote_low_f32x4 {  } "f64x2.promote_low_f32x4" [v128 -> v128]
            Simd 0xfd 0x60 I8x16Abs visit_i8x16_abs {  } "i8x16.abs" [v128 -> v128]
            Simd 0xfd 0x61 I8x16Neg visit_i8x16_neg {  } "i8x16.neg" [v128 -> v128]
            Simd 0xfd 0x62 I8x16Popcnt visit_i8x16_popcnt {  } "i8x16.popcnt" [v128 -> v128]
            Simd 0xfd 0x63 I8x16AllTrue visit_i8x16_all_true {  } "i8x16.all_true" [v128 -> i32]
            Simd 0xfd 0x64 I8x16Bitmask visit_i8x16_bitmask {  } "i8x16.bitmask" [v128 -> i32]
            Simd 0xfd 0x65 I8x16NarrowI16x8S visit_i8x16_narrow_i16x8_s {  } "i8x16.narrow_i16x8_s" [v128 v128 -> v128]
            Simd 0xfd 0x66 I8x16NarrowI16x8U visit_i8x16_narrow_i16x8_u {  } "i8x16.narrow_i16x8_u" [v128 v128 -> v128]
            Simd 0xfd 0x67 F32x4Ceil visit_f32x4_ceil {  } "f32x4.ceil" [v128 -> v128]
            Simd 0xfd 0x68 F32x4Floor visit_f32x4_floor {  } "f32x4.floor" [v128 -> v128]
            Simd 0xfd 0x69 F32x4Trunc visit_f32x4_trunc {  } "f32x4.trunc" [v128 -> v128]
            Simd 0xfd 0x6a F32x4Nearest visit_f32x4_nearest {  } "f32x4.nearest" [v128 -> v128]
            Simd 0xfd 0x6b I8x16Shl visit_i8x16_shl {  } "i8x16.shl" [v128 i32 -> v128]
            Simd 0xfd 0x6c I8x16ShrS visit_i8x16_shr_s {  } "i8x16.shr_s" [v128 i32 -> v128]
            Simd 0xfd 0x6d I8x16ShrU visit_i8x16_shr_u {  } "i8x16.shr_u" [v128 i32 -> v128]
            Simd 0xfd 0x6e I8x16Add visit_i8x16_add {  } "i8x16.add" [v128 v128 -> v128]
            Simd 0xfd 0x6f I8x16AddSatS visit_i8x16_add_sat_s {  } "i8x16.add_sat_s" [v128 v128 -> v128]
            Simd 0xfd 0x70 I8x16AddSatU visit_i8x16_add_sat_u {  } "i8x16.add_sat_u" [v128 v128 -> v128]
            Simd 0xfd 0x71 I8x16Sub visit_i8x16_sub {  } "i8x16.sub" [v128 v128 -> v128]
            Simd 0xfd 0x72 I8x16SubSatS visit_i8x16_sub_sat_s {  } "i8x16.sub_sat_s" [v128 v128 -> v128]
            Simd 0xfd 0x73 I8x16SubSatU visit_i8x16_sub_sat_u {  } "i8x16.sub_sat_u" [v128 v128 -> v128]
            Simd 0xfd 0x74 F64x2Ceil visit_f64x2_ceil {  } "f64x2.ceil" [v128 -> v128]
            Simd 0xfd 0x75 F64x2Floor visit_f64x2_floor {  } "f64x2.floor" [v128 -> v128]
            Simd 0xfd 0x76 I8x16MinS visit_i8x16_min_s {  } "i8x16.min_s" [v128 v128 -> v128]
            Simd 0xfd 0x77 I8x16MinU visit_i8x16_min_u {  } "i8x16.min_u" [v128 v128 -> v128]
            Simd 0xfd 0x78 I8x16MaxS visit_i8x16_max_s {  } "i8x16.max_s" [v128 v128 -> v128]
            Simd 0xfd 0x79 I8x16MaxU visit_i8x16_max_u {  } "i8x16.max_u" [v128 v128 -> v128]
            Simd 0xfd 0x7a F64x2Trunc visit_f64x2_trunc {  } "f64x2.trunc" [v128 -> v128]
            Simd 0xfd 0x7b I8x16AvgrU visit_i8x16_avgr_u {  } "i8x16.avgr_u" [v128 v128 -> v128]
            Simd 0xfd 0x7c I16x8ExtaddPairwiseI8x16S visit_i16x8_extadd_pairwise_i8x16_s {  } "i16x8.extadd_pairwise_i8x16_s" [v128 -> v128]
            Simd 0xfd 0x7d I16x8ExtaddPairwiseI8x16U visit_i16x8_extadd_pairwise_i8x16_u {  } "i16x8.extadd_pairwise_i8x16_u" [v128 -> v128]
            Simd 0xfd 0x7e I32x4ExtaddPairwiseI16x8S visit_i32x4_extadd_pairwise_i16x8_s {  } "i32x4.extadd_pairwise_i16x8_s" [v128 -> v128]
            Simd 0xfd 0x7f I32x4ExtaddPairwiseI16x8U visit_i32x4_extadd_pairwise_i16x8_u {  } "i32x4.extadd_pairwise_i16x8_u" [v128 -> v128]
            Simd 0xfd 0x80 I16x8Abs visit_i16x8_abs {  } "i16x8.abs" [v128 -> v128]
            Simd 0xfd 0x81 I16x8Neg visit_i16x8_neg {  } "i16x8.neg" [v128 -> v128]
            Simd 0xfd 0x82 I16x8Q15mulrSatS visit_i16x8_q15mulr_sat_s {  } "i16x8.q15mulr_sat_s" [v128 v128 -> v128]
            Simd 0xfd 0x83 I16x8AllTrue visit_i16x8_all_true {  } "i16x8.all_true" [v128 -> i32]
            Simd 0xfd 0x84 I16x8Bitmask visit_i16x8_bitmask {  } "i16x8.bitmask" [v128 -> i32]
            Simd 0xfd 0x85 I16x8NarrowI32x4S visit_i16x8_narrow_i32x4_s {  } "i16x8.narrow_i32x4_s" [v128 v128 -> v128]
            Simd 0xfd 0x86 I16x8NarrowI32x4U visit_i16x8_narrow_i32x4_u {  } "i16x8.narrow_i32x4_u" [v128 v128 -> v128]
            Simd 0xfd 0x87 I16x8ExtendLowI8x16S visit_i16x8_extend_low_i8x16_s {  } "i16x8.extend_low_i8x16_s" [v128 -> v128]
            Simd 0xfd 0x88 I16x8ExtendHighI8x16S visit_i16x8_extend_high_i8x16_s {  } "i16x8.extend_high_i8x16_s" [v128 -> v128]
            Simd 0xfd 0x89 I16x8ExtendLowI8x16U visit_i16x8_extend_low_i8x16_u {  } "i16x8.extend_low_i8x16_u" [v128 -> v128]
            Simd 0xfd 0x8a I16x8ExtendHighI8x16U visit_i16x8_extend_high_i8x16_u {  } "i16x8.extend_high_i8x16_u" [v128 -> v128]
            Simd 0xfd 0x8b I16x8Shl visit_i16x8_shl {  } "i16x8.shl" [v128 i32 -> v128]
            Simd 0xfd 0x8c I16x8ShrS visit_i16x8_shr_s {  } "i16x8.shr_s" [v128 i32 -> v128]
            Simd 0xfd 0x8d I16x8ShrU visit_i16x8_shr_u {  } "i16x8.shr_u" [v128 i32 -> v128]
            Simd 0xfd 0x8e I16x8Add visit_i16x8_add {  } "i16x8.add" [v128 v128 -> v128]
            Simd 0xfd 0x8f I16x8AddSatS visit_i16x8_add_sat_s {  } "i16x8.add_sat_s" [v128 v128 -> v128]
            Simd 0xfd 0x90 I16x8AddSatU visit_i16x8_add_sat_u {  } "i16x8.add_sat_u" [v128 v128 -> v128]
            Simd 0xfd 0x91 I16x8Sub visit_i16x8_sub {  } "i16x8.sub" [v128 v128 -> v128]
            Simd 0xfd 0x92 I16x8SubSatS visit_i16x8_sub_sat_s {  } "i16x8.sub_sat_s" [v128 v128 -> v128]
            Simd 0xfd 0x93 I16x8SubSatU visit_i16x8_sub_sat_u {  } "i16x8.sub_sat_u" [v128 v128 -> v128]
            Simd 0xfd 0x94 F64x2Nearest visit_f64x2_nearest {  } "f64x2.nearest" [v128 -> v128]
            Simd 0xfd 0x95 I16x8Mul visit_i16x8_mul {  } "i16x8.mul" [v128 v128 -> v128]
            Simd 0xfd 0x96 I16x8MinS visit_i16x8_min_s {  } "i16x8.min_s" [v128 v128 -> v128]
            Simd 0xfd 0x97 I16x8MinU visit_i16x8_min_u {  } "i16x8.min_u" [v128 v128 -> v128]
            Simd 0xfd 0x98 I16x8MaxS visit_i16x8_max_s {  } "i16x8.max_s" [v128 v128 -> v128]
            Simd 0xfd 0x99 I16x8MaxU visit_i16x8_max_u {  } "i16x8.max_u" [v128 v128 -> v128]
            Simd 0xfd 0x9b I16x8AvgrU visit_i16x8_avgr_u {  } "i16x8.avgr_u" [v128 v128 -> v128]
            Simd 0xfd 0x9c I16x8ExtmulLowI8x16S visit_i16x8_extmul_low_i8x16_s {  } "i16x8.extmul_low_i8x16_s" [v128 v128 -> v128]
            Simd 0xfd 0x9d I16x8ExtmulHighI8x16S visit_i16x8_extmul_high_i8x16_s {  } "i16x8.extmul_high_i8x16_s" [v128 v128 -> v128]
            Simd 0xfd 0x9e I16x8ExtmulLowI8x16U visit_i16x8_extmul_low_i8x16_u {  } "i16x8.extmul_low_i8x16_u" [v128 v128 -> v128]
            Simd 0xfd 0x9f I16x8ExtmulHighI8x16U visit_i16x8_extmul_high_i8x16_u {  } "i16x8.extmul_high_i8x16_u" [v128 v128 -> v128]
            Simd 0xfd 0xa0 I32x4Abs visit_i32x4_abs {  } "i32x4.abs" [v128 -> v128]
            Simd 0xfd 0xa1 I32x4Neg visit_i32x4_neg {  } "i32x4.neg" [v128 -> v128]
            Simd 0xfd 0xa3 I32x4AllTrue visit_i32x4_all_true {  } "i32x4.all_true" [v128 -> i32]
            Simd 0xfd 0xa4 I32x4Bitmask visit_i32x4_bitmask {  } "i32x4.bitmask" [v128 -> i32]
            Simd 0xfd 0xa7 I32x4ExtendLowI16x8S visit_i32x4_extend_low_i16x8_s {  } "i32x4.extend_low_i16x8_s" [v128 -> v128]
            Simd 0xfd 0xa8 I32x4ExtendHighI16x8S visit_i32x4_extend_high_i16x8_s {  } "i32x4.extend_high_i16x8_s" [v128 -> v128]
            Simd 0xfd 0xa9 I32x4ExtendLowI16x8U visit_i32x4_extend_low_i16x8_u {  } "i32x4.extend_low_i16x8_u" [v128 -> v128]
            Simd 0xfd 0xaa I32x4ExtendHighI16x8U visit_i32x4_extend_high_i16x8_u {  } "i32x4.extend_high_i16x8_u" [v128 -> v128]
            Simd 0xfd 0xab I32x4Shl visit_i32x4_shl {  } "i32x4.shl" [v128 i32 -> v128]
            Simd 0xfd 0xac I32x4ShrS visit_i32x4_shr_s {  } "i32x4.shr_s" [v128 i32 -> v128]
            Simd 0xfd 0xad I32x4ShrU visit_i32x4_shr_u {  } "i32x4.shr_u" [v128 i32 -> v128]
            Simd 0xfd 0xae I32x4Add visit_i32x4_add {  } "i32x4.add" [v128 v128 -> v128]
            Simd 0xfd 0xb1 I32x4Sub visit_i32x4_sub {  } "i32x4.sub" [v128 v128 -> v128]
            Simd 0xfd 0xb5 I32x4Mul visit_i32x4_mul {  } "i32x4.mul" [v128 v128 -> v128]
            Simd 0xfd 0xb6 I32x4MinS visit_i32x4_min_s {  } "i32x4.min_s" [v128 v128 -> v128]
            Simd 0xfd 0xb7 I32x4MinU visit_i32x4_min_u {  } "i32x4.min_u" [v128 v128 -> v128]
            Simd 0xfd 0xb8 I32x4MaxS visit_i32x4_max_s {  } "i32x4.max_s" [v128 v128 -> v128]
            Simd 0xfd 0xb9 I32x4MaxU visit_i32x4_max_u {  } "i32x4.max_u" [v128 v128 -> v128]
            Simd 0xfd 0xba I32x4DotI16x8S visit_i32x4_dot_i16x8_s {  } "i32x4.dot_i16x8_s" [v128 v128 -> v128]
            Simd 0xfd 0xbc I32x4ExtmulLowI16x8S visit_i32x4_extmul_low_i16x8_s {  } "i32x4.extmul_low_i16x8_s" [v128 v128 -> v128]
            Simd 0xfd 0xbd I32x4ExtmulHighI16x8S visit_i32x4_extmul_high_i16x8_s {  } "i32x4.extmul_high_i16x8_s" [v128 v128 -> v128]
            Simd 0xfd 0xbe I32x4ExtmulLowI16x8U visit_i32x4_extmul_low_i16x8_u {  } "i32x4.extmul_low_i16x8_u" [v128 v128 -> v128]
            Simd 0xfd 0xbf I32x4ExtmulHighI16x8U visit_i32x4_extmul_high_i16x8_u {  } "i32x4.extmul_high_i16x8_u" [v128 v128 -> v128]
            Simd 0xfd 0xc0 I64x2Abs visit_i64x2_abs {  } "i64x2.abs" [v128 -> v128]
            Simd 0xfd 0xc1 I64x2Neg visit_i64x2_neg {  } "i64x2.neg" [v128 -> v128]
            Simd 0xfd 0xc3 I64x2AllTrue visit_i64x2_all_true {  } "i64x2.all_true" [v128 -> i32]
            Simd 0xfd 0xc4 I64x2Bitmask visit_i64x2_bitmask {  } "i64x2.bitmask" [v128 -> i32]
            Simd 0xfd 0xc7 I64x2ExtendLowI32x4S visit_i64x2_extend_low_i32x4_s {  } "i64x2.extend_low_i32x4_s" [v128 -> v128]
            Simd 0xfd 0xc8 I64x2ExtendHighI32x4S visit_i64x2_extend_high_i32x4_s {  } "i64x2.extend_high_i32x4_s" [v128 -> v128]
            Simd 0xfd 0xc9 I64x2ExtendLowI32x4U visit_i64x2_extend_low_i32x4_u {  } "i64x2.extend_low_i32x4_u" [v128 -> v128]
            Simd 0xfd 0xca I64x2ExtendHighI32x4U visit_i64x2_extend_high_i32x4_u {  } "i64x2.extend_high_i32x4_u" [v128 -> v128]
            Simd 0xfd 0xcb I64x2Shl visit_i64x2_shl {  } "i64x2.shl" [v128 i32 -> v128]
            Simd 0xfd 0xcc I64x2ShrS visit_i64x2_shr_s {  } "i64x2.shr_s" [v128 i32 -> v128]
            Simd 0xfd 0xcd I64x2ShrU visit_i64x2_shr_u {  } "i64x2.shr_u" [v128 i32 -> v128]
            Simd 0xfd 0xce I64x2Add visit_i64x2_add {  } "i64x2.add" [v128 v128 -> v128]
            Simd 0xfd 0xd1 I64x2Sub visit_i64x2_sub {  } "i64x2.sub" [v128 v128 -> v128]
            Simd 0xfd 0xd5 I64x2Mul visit_i64x2_mul {  } "i64x2.mul" [v128 v128 -> v128]
            Simd 0xfd 0xd6 I64x2Eq visit_i64x2_eq {  } "i64x2.eq" [v128 v128 -> v128]
            Simd 0xfd 0xd7 I64x2Ne visit_i64x2_ne {  } "i64x2.ne" [v128 v128 -> v128]
            Simd 0xfd 0xd8 I64x2LtS visit_i64x2_lt_s {  } "i64x2.lt_s" [v128 v128 -> v128]
            Simd 0xfd 0xd9 I64x2GtS visit_i64x2_gt_s {  } "i64x2.gt_s" [v128 v128 -> v128]
            Simd 0xfd 0xda I64x2LeS visit_i64x2_le_s {  } "i64x2.le_s" [v128 v128 -> v128]
            Simd 0xfd 0xdb I64x2GeS visit_i64x2_ge_s {  } "i64x2.ge_s" [v128 v128 -> v128]
            Simd 0xfd 0xdc I64x2ExtmulLowI32x4S visit_i64x2_extmul_low_i32x4_s {  } "i64x2.extmul_low_i32x4_s" [v128 v128 -> v128]
            Simd 0xfd 0xdd I64x2ExtmulHighI32x4S visit_i64x2_extmul_high_i32x4_s {  } "i64x2.extmul_high_i32x4_s" [v128 v128 -> v128]
            Simd 0xfd 0xde I64x2ExtmulLowI32x4U visit_i64x2_extmul_low_i32x4_u {  } "i64x2.extmul_low_i32x4_u" [v128 v128 -> v128]
            Simd 0xfd 0xdf I64x2ExtmulHighI32x4U visit_i64x2_extmul_high_i32x4_u {  } "i64x2.extmul_high_i32x4_u" [v128 v128 -> v128]
            Simd 0xfd 0xe0 F32x4Abs visit_f32x4_abs {  } "f32x4.abs" [v128 -> v128]
            Simd 0xfd 0xe1 F32x4Neg visit_f32x4_neg {  } "f32x4.neg" [v128 -> v128]
            Simd 0xfd 0xe3 F32x4Sqrt visit_f32x4_sqrt {  } "f32x4.sqrt" [v128 -> v128]
            Simd 0xfd 0xe4 F32x4Add visit_f32x4_add {  } "f32x4.add" [v128 v128 -> v128]
            Simd 0xfd 0xe5 F32x4Sub visit_f32x4_sub {  } "f32x4.sub" [v128 v128 -> v128]
            Simd 0xfd 0xe6 F32x4Mul visit_f32x4_mul {  } "f32x4.mul" [v128 v128 -> v128]
            Simd 0xfd 0xe7 F32x4Div visit_f32x4_div {  } "f32x4.div" [v128 v128 -> v128]
            Simd 0xfd 0xe8 F32x4Min visit_f32x4_min {  } "f32x4.min" [v128 v128 -> v128]
            Simd 0xfd 0xe9 F32x4Max visit_f32x4_max {  } "f32x4.max" [v128 v128 -> v128]
            Simd 0xfd 0xea F32x4Pmin visit_f32x4_pmin {  } "f32x4.pmin" [v128 v128 -> v128]
            Simd 0xfd 0xeb F32x4Pmax visit_f32x4_pmax {  } "f32x4.pmax" [v128 v128 -> v128]
            Simd 0xfd 0xec F64x2Abs visit_f64x2_abs {  } "f64x2.abs" [v128 -> v128]
            Simd 0xfd 0xed F64x2Neg visit_f64x2_neg {  } "f64x2.neg" [v128 -> v128]
            Simd 0xfd 0xef F64x2Sqrt visit_f64x2_sqrt {  } "f64x2.sqrt" [v128 -> v128]
            Simd 0xfd 0xf0 F64x2Add visit_f64x2_add {  } "f64x2.add" [v128 v128 -> v128]
            Simd 0xfd 0xf1 F64x2Sub visit_f64x2_sub {  } "f64x2.sub" [v128 v128 -> v128]
            Simd 0xfd 0xf2 F64x2Mul visit_f64x2_mul {  } "f64x2.mul" [v128 v128 -> v128]
            Simd 0xfd 0xf3 F64x2Div visit_f64x2_div {  } "f64x2.div" [v128 v128 -> v128]
            Simd 0xfd 0xf4 F64x2Min visit_f64x2_min {  } "f64x2.min" [v128 v128 -> v128]
            Simd 0xfd 0xf5 F64x2Max visit_f64x2_max {  } "f64x2.max" [v128 v128 -> v128]
            Simd 0xfd 0xf6 F64x2Pmin visit_f64x2_pmin {  } "f64x2.pmin" [v128 v128 -> v128]
            Simd 0xfd 0xf7 F64x2Pmax visit_f64x2_pmax {  } "f64x2.pmax" [v128 v128 -> v128]
            Simd 0xfd 0xf8 I32x4TruncSatF32x4S visit_i32x4_trunc_sat_f32x4_s {  } "i32x4.trunc_sat_f32x4_s" [v128 -> v128]
            Simd 0xfd 0xf9 I32x4TruncSatF32x4U visit_i32x4_trunc_sat_f32x4_u {  } "i32x4.trunc_sat_f32x4_u" [v128 -> v128]
            Simd 0xfd 0xfa F32x4ConvertI32x4S visit_f32x4_convert_i32x4_s {  } "f32x4.convert_i32x4_s" [v128 -> v128]
            Simd 0xfd 0xfb F32x4ConvertI32x4U visit_f32x4_convert_i32x4_u {  } "f32x4.convert_i32x4_u" [v128 -> v128]
            Simd 0xfd 0xfc I32x4TruncSatF64x2SZero visit_i32x4_trunc_sat_f64x2_s_zero {  } "i32x4.trunc_sat_f64x2_s_zero" [v128 -> v128]
            Simd 0xfd 0xfd I32x4TruncSatF64x2UZero visit_i32x4_trunc_sat_f64x2_u_zero {  } "i32x4.trunc_sat_f64x2_u_zero" [v128 -> v128]
            Simd 0xfd 0xfe F64x2ConvertLowI32x4S visit_f64x2_convert_low_i32x4_s {  } "f64x2.convert_low_i32x4_s" [v128 -> v128]
            Simd 0xfd 0xff F64x2ConvertLowI32x4U visit_f64x2_convert_low_i32x4_u {  } "f64x2.convert_low_i32x4_u" [v128 -> v128]
            RelaxedSimd 0xfd 0x100 I8x16RelaxedSwizzle visit_i8x16_relaxed_swizzle {  } "i8x16.relaxed_swizzle" [v128 v128 -> v128]
            RelaxedSimd 0xfd 0x101 I32x4RelaxedTruncF32x4S visit_i32x4_relaxed_trunc_f32x4_s {  } "i32x4.relaxed_trunc_f32x4_s" [v128 -> v128]
            RelaxedSimd 0xfd 0x102 I32x4RelaxedTruncF32x4U visit_i32x4_relaxed_trunc_f32x4_u {  } "i32x4.relaxed_trunc_f32x4_u" [v128 -> v128]
            RelaxedSimd 0xfd 0x103 I32x4RelaxedTruncF64x2SZero visit_i32x4_relaxed_trunc_f64x2_s_zero {  } "i32x4.relaxed_trunc_f64x2_s_zero" [v128 -> v128]
            RelaxedSimd 0xfd 0x104 I32x4RelaxedTruncF64x2UZero visit_i32x4_relaxed_trunc_f64x2_u_zero {  } "i32x4.relaxed_trunc_f64x2_u_zero" [v128 -> v128]
            RelaxedSimd 0xfd 0x105 F32x4RelaxedMadd visit_f32x4_relaxed_madd {  } "f32x4.relaxed_madd" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x106 F32x4RelaxedNmadd visit_f32x4_relaxed_nmadd {  } "f32x4.relaxed_nmadd" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x107 F64x2RelaxedMadd visit_f64x2_relaxed_madd {  } "f64x2.relaxed_madd" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x108 F64x2RelaxedNmadd visit_f64x2_relaxed_nmadd {  } "f64x2.relaxed_nmadd" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x109 I8x16RelaxedLaneselect visit_i8x16_relaxed_laneselect {  } "i8x16.relaxed_laneselect" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x10a I16x8RelaxedLaneselect visit_i16x8_relaxed_laneselect {  } "i16x8.relaxed_laneselect" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x10b I32x4RelaxedLaneselect visit_i32x4_relaxed_laneselect {  } "i32x4.relaxed_laneselect" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x10c I64x2RelaxedLaneselect visit_i64x2_relaxed_laneselect {  } "i64x2.relaxed_laneselect" [v128 v128 v128 -> v128]
            RelaxedSimd 0xfd 0x10d F32x4RelaxedMin visit_f32x4_relaxed_min {  } "f32x4.relaxed_min" [v128 v128 -> v128]
            RelaxedSimd 0xfd 0x10e F32x4RelaxedMax visit_f32x4_relaxed_max {  } "f32x4.relaxed_max" [v128 v128 -> v128]
            RelaxedSimd 0xfd 0x10f F64x2RelaxedMin visit_f64x2_relaxed_min {  } "f64x2.relaxed_min" [v128 v128 -> v128]
            RelaxedSimd 0xfd 0x110 F64x2RelaxedMax visit_f64x2_relaxed_max {  } "f64x2.relaxed_max" [v128 v128 -> v128]
            RelaxedSimd 0xfd 0x111 I16x8RelaxedQ15mulrS visit_i16x8_relaxed_q15mulr_s {  } "i16x8.relaxed_q15mulr_s" [v128 v128 -> v128]
            RelaxedSimd 0xfd 0x112 I16x8RelaxedDotI8x16I7x16S visit_i16x8_relaxed_dot_i8x16_i7x16_s {  } "i16x8.relaxed_dot_i8x16_i7x16_s" [v128 v128 -> v128]
            RelaxedSimd 0xfd 0x113 I32x4RelaxedDotI8x16I7x16AddS visit_i32x4_relaxed_dot_i8x16_i7x16_add_s {  } "i32x4.relaxed_dot_i8x16_i7x16_add_s" [v128 v128 v128 -> v128]
            Threads 0xfe 0x00 MemoryAtomicNotify visit_memory_atomic_notify { memarg: MemArg as memarg } "memory.atomic.notify" _
            Threads 0xfe 0x01 MemoryAtomicWait32 visit_memory_atomic_wait32 { memarg: MemArg as memarg } "memory.atomic.wait32" _
            Threads 0xfe 0x02 MemoryAtomicWait64 visit_memory_atomic_wait64 { memarg: MemArg as memarg } "memory.atomic.wait64" _
            Threads 0xfe 0x03 AtomicFence visit_atomic_fence { reserved: u8 as zero_byte } "atomic.fence" _
            Threads 0xfe 0x10 I32AtomicLoad visit_i32_atomic_load { memarg: MemArg as memarg } "i32.atomic.load" _
            Threads 0xfe 0x11 I64AtomicLoad visit_i64_atomic_load { memarg: MemArg as memarg } "i64.atomic.load" _
            Threads 0xfe 0x12 I32AtomicLoad8U visit_i32_atomic_load8_u { memarg: MemArg as memarg } "i32.atomic.load8_u" _
            Threads 0xfe 0x13 I32AtomicLoad16U visit_i32_atomic_load16_u { memarg: MemArg as memarg } "i32.atomic.load16_u" _
            Threads 0xfe 0x14 I64AtomicLoad8U visit_i64_atomic_load8_u { memarg: MemArg as memarg } "i64.atomic.load8_u" _
            Threads 0xfe 0x15 I64AtomicLoad16U visit_i64_atomic_load16_u { memarg: MemArg as memarg } "i64.atomic.load16_u" _
            Threads 0xfe 0x16 I64AtomicLoad32U visit_i64_atomic_load32_u { memarg: MemArg as memarg } "i64.atomic.load32_u" _
            Threads 0xfe 0x17 I32AtomicStore visit_i32_atomic_store { memarg: MemArg as memarg } "i32.atomic.store" _
            Threads 0xfe 0x18 I64AtomicStore visit_i64_atomic_store { memarg: MemArg as memarg } "i64.atomic.store" _
            Threads 0xfe 0x19 I32AtomicStore8 visit_i32_atomic_store8 { memarg: MemArg as memarg } "i32.atomic.store8" _
            Threads 0xfe 0x1a I32AtomicStore16 visit_i32_atomic_store16 { memarg: MemArg as memarg } "i32.atomic.store16" _
            Threads 0xfe 0x1b I64AtomicStore8 visit_i64_atomic_store8 { memarg: MemArg as memarg } "i64.atomic.store8" _
            Threads 0xfe 0x1c I64AtomicStore16 visit_i64_atomic_store16 { memarg: MemArg as memarg } "i64.atomic.store16" _
            Threads 0xfe 0x1d I64AtomicStore32 visit_i64_atomic_store32 { memarg: MemArg as memarg } "i64.atomic.store32" _
            Threads 0xfe 0x1e I32AtomicRmwAdd visit_i32_atomic_rmw_add { memarg: MemArg as memarg } "i32.atomic.rmw.add" _
            Threads 0xfe 0x1f I64AtomicRmwAdd visit_i64_atomic_rmw_add { memarg: MemArg as memarg } "i64.atomic.rmw.add" _
            Threads 0xfe 0x20 I32AtomicRmw8AddU visit_i32_atomic_rmw8_add_u { memarg: MemArg as memarg } "i32.atomic.rmw8.add_u" _
            Threads 0xfe 0x21 I32AtomicRmw16AddU visit_i32_atomic_rmw16_add_u { memarg: MemArg as memarg } "i32.atomic.rmw16.add_u" _
            Threads 0xfe 0x22 I64AtomicRmw8AddU visit_i64_atomic_rmw8_add_u { memarg: MemArg as memarg } "i64.atomic.rmw8.add_u" _
            Threads 0xfe 0x23 I64AtomicRmw16AddU visit_i64_atomic_rmw16_add_u { memarg: MemArg as memarg } "i64.atomic.rmw16.add_u" _
            Threads 0xfe 0x24 I64AtomicRmw32AddU visit_i64_atomic_rmw32_add_u { memarg: MemArg as memarg } "i64.atomic.rmw32.add_u" _
            Threads 0xfe 0x25 I32AtomicRmwSub visit_i32_atomic_rmw_sub { memarg: MemArg as memarg } "i32.atomic.rmw.sub" _
            Threads 0xfe 0x26 I64AtomicRmwSub visit_i64_atomic_rmw_sub { memarg: MemArg as memarg } "i64.atomic.rmw.sub" _
            Threads 0xfe 0x27 I32AtomicRmw8SubU visit_i32_atomic_rmw8_sub_u { memarg: MemArg as memarg } "i32.atomic.rmw8.sub_u" _
            Threads 0xfe 0x28 I32AtomicRmw16SubU visit_i32_atomic_rmw16_sub_u { memarg: MemArg as memarg } "i32.atomic.rmw16.sub_u" _
            Threads 0xfe 0x29 I64AtomicRmw8SubU visit_i64_atomic_rmw8_sub_u { memarg: MemArg as memarg } "i64.atomic.rmw8.sub_u" _
            Threads 0xfe 0x2a I64AtomicRmw16SubU visit_i64_atomic_rmw16_sub_u { memarg: MemArg as memarg } "i64.atomic.rmw16.sub_u" _
            Threads 0xfe 0x2b I64AtomicRmw32SubU visit_i64_atomic_rmw32_sub_u { memarg: MemArg as memarg } "i64.atomic.rmw32.sub_u" _
            Threads 0xfe 0x2c I32AtomicRmwAnd visit_i32_atomic_rmw_and { memarg: MemArg as memarg } "i32.atomic.rmw.and" _
            Threads 0xfe 0x2d I64AtomicRmwAnd visit_i64_atomic_rmw_and { memarg: MemArg as memarg } "i64.atomic.rmw.and" _
            Threads 0xfe 0x2e I32AtomicRmw8AndU visit_i32_atomic_rmw8_and_u { memarg: MemArg as memarg } "i32.atomic.rmw8.and_u" _
            Threads 0xfe 0x2f I32AtomicRmw16AndU visit_i32_atomic_rmw16_and_u { memarg: MemArg as memarg } "i32.atomic.rmw16.and_u" _
            Threads 0xfe 0x30 I64AtomicRmw8AndU visit_i64_atomic_rmw8_and_u { memarg: MemArg as memarg } "i64.atomic.rmw8.and_u" _
            Threads 0xfe 0x31 I64AtomicRmw16AndU visit_i64_atomic_rmw16_and_u { memarg: MemArg as memarg } "i64.atomic.rmw16.and_u" _
            Threads 0xfe 0x32 I64AtomicRmw32AndU visit_i64_atomic_rmw32_and_u { memarg: MemArg as memarg } "i64.atomic.rmw32.and_u" _
            Threads 0xfe 0x33 I32AtomicRmwOr visit_i32_atomic_rmw_or { memarg: MemArg as memarg } "i32.atomic.rmw.or" _
            Threads 0xfe 0x34 I64AtomicRmwOr visit_i64_atomic_rmw_or { memarg: MemArg as memarg } "i64.atomic.rmw.or" _
            Threads 0xfe 0x35 I32AtomicRmw8OrU visit_i32_atomic_rmw8_or_u { memarg: MemArg as memarg } "i32.atomic.rmw8.or_u" _
            Threads 0xfe 0x36 I32AtomicRmw16OrU visit_i32_atomic_rmw16_or_u { memarg: MemArg as memarg } "i32.atomic.rmw16.or_u" _
            Threads 0xfe 0x37 I64AtomicRmw8OrU visit_i64_atomic_rmw8_or_u { memarg: MemArg as memarg } "i64.atomic.rmw8.or_u" _
            Threads 0xfe 0x38 I64AtomicRmw16OrU visit_i64_atomic_rmw16_or_u { memarg: MemArg as memarg } "i64.atomic.rmw16.or_u" _
            Threads 0xfe 0x39 I64AtomicRmw32OrU visit_i64_atomic_rmw32_or_u { memarg: MemArg as memarg } "i64.atomic.rmw32.or_u" _
            Threads 0xfe 0x3a I32AtomicRmwXor visit_i32_atomic_rmw_xor { memarg: MemArg as memarg } "i32.atomic.rmw.xor" _
            Threads 0xfe 0x3b I64AtomicRmwXor visit_i64_atomic_rmw_xor { memarg: MemArg as memarg } "i64.atomic.rmw.xor" _
            Threads 0xfe 0x3c I32AtomicRmw8XorU visit_i32_atomic_rmw8_xor_u { memarg: MemArg as memarg } "i32.atomic.rmw8.xor_u" _
            Threads 0xfe 0x3d I32AtomicRmw16XorU visit_i32_atomic_rmw16_xor_u { memarg: MemArg as memarg } "i32.atomic.rmw16.xor_u" _
            Threads 0xfe 0x3e I64AtomicRmw8XorU visit_i64_atomic_rmw8_xor_u { memarg: MemArg as memarg } "i64.atomic.rmw8.xor_u" _
            Threads 0xfe 0x3f I64AtomicRmw16XorU visit_i64_atomic_rmw16_xor_u { memarg: MemArg as memarg } "i64.atomic.rmw16.xor_u" _
            Threads 0xfe 0x40 I64AtomicRmw32XorU visit_i64_atomic_rmw32_xor_u { memarg: MemArg as memarg } "i64.atomic.rmw32.xor_u" _
            Threads 0xfe 0x41 I32AtomicRmwXchg visit_i32_atomic_rmw_xchg { memarg: MemArg as memarg } "i32.atomic.rmw.xchg" _
            Threads 0xfe 0x42 I64AtomicRmwXchg visit_i64_atomic_rmw_xchg { memarg: MemArg as memarg } "i64.atomic.rmw.xchg" _
            Threads 0xfe 0x43 I32AtomicRmw8XchgU visit_i32_atomic_rmw8_xchg_u { memarg: MemArg as memarg } "i32.atomic.rmw8.xchg_u" _
            Threads 0xfe 0x44 I32AtomicRmw16XchgU visit_i32_atomic_rmw16_xchg_u { memarg: MemArg as memarg } "i32.atomic.rmw16.xchg_u" _
            Threads 0xfe 0x45 I64AtomicRmw8XchgU visit_i64_atomic_rmw8_xchg_u { memarg: MemArg as memarg } "i64.atomic.rmw8.xchg_u" _
            Threads 0xfe 0x46 I64AtomicRmw16XchgU visit_i64_atomic_rmw16_xchg_u { memarg: MemArg as memarg } "i64.atomic.rmw16.xchg_u" _
            Threads 0xfe 0x47 I64AtomicRmw32XchgU visit_i64_atomic_rmw32_xchg_u { memarg: MemArg as memarg } "i64.atomic.rmw32.xchg_u" _
            Threads 0xfe 0x48 I32AtomicRmwCmpxchg visit_i32_atomic_rmw_cmpxchg { memarg: MemArg as memarg } "i32.atomic.rmw.cmpxchg" _
            Threads 0xfe 0x49 I64AtomicRmwCmpxchg visit_i64_atomic_rmw_cmpxchg { memarg: MemArg as memarg } "i64.atomic.rmw.cmpxchg" _
            Threads 0xfe 0x4a I32AtomicRmw8CmpxchgU visit_i32_atomic_rmw8_cmpxchg_u { memarg: MemArg as memarg } "i32.atomic.rmw8.cmpxchg_u" _
            Threads 0xfe 0x4b I32AtomicRmw16CmpxchgU visit_i32_atomic_rmw16_cmpxchg_u { memarg: MemArg as memarg } "i32.atomic.rmw16.cmpxchg_u" _
            Threads 0xfe 0x4c I64AtomicRmw8CmpxchgU visit_i64_atomic_rmw8_cmpxchg_u { memarg: MemArg as memarg } "i64.atomic.rmw8.cmpxchg_u" _
            Threads 0xfe 0x4d I64AtomicRmw16CmpxchgU visit_i64_atomic_rmw16_cmpxchg_u { memarg: MemArg as memarg } "i64.atomic.rmw16.cmpxchg_u" _
            Threads 0xfe 0x4e I64AtomicRmw32CmpxchgU visit_i64_atomic_rmw32_cmpxchg_u { memarg: MemArg as memarg } "i64.atomic.rmw32.cmpxchg_u" _

        }
    };
}

/// What an atomic load, store or read-modify-write does (the `Kind` column
/// of [`for_each_atomic_memop`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomicKind {
    Load,
    Store,
    Rmw,
    Cmpxchg,
}

/// The threads proposal's atomic loads, stores and read-modify-writes, one
/// row per operator of the table above, classified for the translators:
///
/// ```text
/// visit_method OperatorVariant Kind RmwOp type bits
/// ```
///
/// `Kind` is an [`AtomicKind`]; `RmwOp` is the
/// read-modify-write's operation (`Add`, `Sub`, `And`, `Or`, `Xor`,
/// `Xchg`; `Xchg` where it means nothing); `type` is the value type and
/// `bits` the access width (narrow accesses zero-extend).
#[macro_export]
macro_rules! for_each_atomic_memop {
    ($m:ident) => {
        $m! {
            visit_i32_atomic_load I32AtomicLoad Load Xchg i32 32
            visit_i64_atomic_load I64AtomicLoad Load Xchg i64 64
            visit_i32_atomic_load8_u I32AtomicLoad8U Load Xchg i32 8
            visit_i32_atomic_load16_u I32AtomicLoad16U Load Xchg i32 16
            visit_i64_atomic_load8_u I64AtomicLoad8U Load Xchg i64 8
            visit_i64_atomic_load16_u I64AtomicLoad16U Load Xchg i64 16
            visit_i64_atomic_load32_u I64AtomicLoad32U Load Xchg i64 32
            visit_i32_atomic_store I32AtomicStore Store Xchg i32 32
            visit_i64_atomic_store I64AtomicStore Store Xchg i64 64
            visit_i32_atomic_store8 I32AtomicStore8 Store Xchg i32 8
            visit_i32_atomic_store16 I32AtomicStore16 Store Xchg i32 16
            visit_i64_atomic_store8 I64AtomicStore8 Store Xchg i64 8
            visit_i64_atomic_store16 I64AtomicStore16 Store Xchg i64 16
            visit_i64_atomic_store32 I64AtomicStore32 Store Xchg i64 32
            visit_i32_atomic_rmw_add I32AtomicRmwAdd Rmw Add i32 32
            visit_i64_atomic_rmw_add I64AtomicRmwAdd Rmw Add i64 64
            visit_i32_atomic_rmw8_add_u I32AtomicRmw8AddU Rmw Add i32 8
            visit_i32_atomic_rmw16_add_u I32AtomicRmw16AddU Rmw Add i32 16
            visit_i64_atomic_rmw8_add_u I64AtomicRmw8AddU Rmw Add i64 8
            visit_i64_atomic_rmw16_add_u I64AtomicRmw16AddU Rmw Add i64 16
            visit_i64_atomic_rmw32_add_u I64AtomicRmw32AddU Rmw Add i64 32
            visit_i32_atomic_rmw_sub I32AtomicRmwSub Rmw Sub i32 32
            visit_i64_atomic_rmw_sub I64AtomicRmwSub Rmw Sub i64 64
            visit_i32_atomic_rmw8_sub_u I32AtomicRmw8SubU Rmw Sub i32 8
            visit_i32_atomic_rmw16_sub_u I32AtomicRmw16SubU Rmw Sub i32 16
            visit_i64_atomic_rmw8_sub_u I64AtomicRmw8SubU Rmw Sub i64 8
            visit_i64_atomic_rmw16_sub_u I64AtomicRmw16SubU Rmw Sub i64 16
            visit_i64_atomic_rmw32_sub_u I64AtomicRmw32SubU Rmw Sub i64 32
            visit_i32_atomic_rmw_and I32AtomicRmwAnd Rmw And i32 32
            visit_i64_atomic_rmw_and I64AtomicRmwAnd Rmw And i64 64
            visit_i32_atomic_rmw8_and_u I32AtomicRmw8AndU Rmw And i32 8
            visit_i32_atomic_rmw16_and_u I32AtomicRmw16AndU Rmw And i32 16
            visit_i64_atomic_rmw8_and_u I64AtomicRmw8AndU Rmw And i64 8
            visit_i64_atomic_rmw16_and_u I64AtomicRmw16AndU Rmw And i64 16
            visit_i64_atomic_rmw32_and_u I64AtomicRmw32AndU Rmw And i64 32
            visit_i32_atomic_rmw_or I32AtomicRmwOr Rmw Or i32 32
            visit_i64_atomic_rmw_or I64AtomicRmwOr Rmw Or i64 64
            visit_i32_atomic_rmw8_or_u I32AtomicRmw8OrU Rmw Or i32 8
            visit_i32_atomic_rmw16_or_u I32AtomicRmw16OrU Rmw Or i32 16
            visit_i64_atomic_rmw8_or_u I64AtomicRmw8OrU Rmw Or i64 8
            visit_i64_atomic_rmw16_or_u I64AtomicRmw16OrU Rmw Or i64 16
            visit_i64_atomic_rmw32_or_u I64AtomicRmw32OrU Rmw Or i64 32
            visit_i32_atomic_rmw_xor I32AtomicRmwXor Rmw Xor i32 32
            visit_i64_atomic_rmw_xor I64AtomicRmwXor Rmw Xor i64 64
            visit_i32_atomic_rmw8_xor_u I32AtomicRmw8XorU Rmw Xor i32 8
            visit_i32_atomic_rmw16_xor_u I32AtomicRmw16XorU Rmw Xor i32 16
            visit_i64_atomic_rmw8_xor_u I64AtomicRmw8XorU Rmw Xor i64 8
            visit_i64_atomic_rmw16_xor_u I64AtomicRmw16XorU Rmw Xor i64 16
            visit_i64_atomic_rmw32_xor_u I64AtomicRmw32XorU Rmw Xor i64 32
            visit_i32_atomic_rmw_xchg I32AtomicRmwXchg Rmw Xchg i32 32
            visit_i64_atomic_rmw_xchg I64AtomicRmwXchg Rmw Xchg i64 64
            visit_i32_atomic_rmw8_xchg_u I32AtomicRmw8XchgU Rmw Xchg i32 8
            visit_i32_atomic_rmw16_xchg_u I32AtomicRmw16XchgU Rmw Xchg i32 16
            visit_i64_atomic_rmw8_xchg_u I64AtomicRmw8XchgU Rmw Xchg i64 8
            visit_i64_atomic_rmw16_xchg_u I64AtomicRmw16XchgU Rmw Xchg i64 16
            visit_i64_atomic_rmw32_xchg_u I64AtomicRmw32XchgU Rmw Xchg i64 32
            visit_i32_atomic_rmw_cmpxchg I32AtomicRmwCmpxchg Cmpxchg Xchg i32 32
            visit_i64_atomic_rmw_cmpxchg I64AtomicRmwCmpxchg Cmpxchg Xchg i64 64
            visit_i32_atomic_rmw8_cmpxchg_u I32AtomicRmw8CmpxchgU Cmpxchg Xchg i32 8
            visit_i32_atomic_rmw16_cmpxchg_u I32AtomicRmw16CmpxchgU Cmpxchg Xchg i32 16
            visit_i64_atomic_rmw8_cmpxchg_u I64AtomicRmw8CmpxchgU Cmpxchg Xchg i64 8
            visit_i64_atomic_rmw16_cmpxchg_u I64AtomicRmw16CmpxchgU Cmpxchg Xchg i64 16
            visit_i64_atomic_rmw32_cmpxchg_u I64AtomicRmw32CmpxchgU Cmpxchg Xchg i64 32
        }
    };
}
