//! Operators: immediates, the `Operator` enum, the visitor trait, the
//! one-at-a-time reader over a code body and the encoder — all generated from
//! the table in `optable.rs`.

use crate::encode::{write_i32, write_i64, write_u32, write_u64};
use crate::error::{BinaryError, Result};
use crate::reader::Reader;
use crate::types::{FuncType, HeapType, RefType, ValType};

/// The post-MVP feature an operator belongs to, as named in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpFeature {
    Mvp,
    SignExtension,
    SaturatingFloatToInt,
    BulkMemory,
    ReferenceTypes,
    Simd,
    Exceptions,
    LegacyExceptions,
    /// In both exception-handling instruction sets (`throw`).
    AnyExceptions,
    TailCall,
    /// Typed function references (`return_call_ref` also needs tail calls).
    FunctionReferences,
    RelaxedSimd,
    WideArithmetic,
    /// The threads proposal's atomic operators (the `0xfe` prefix).
    Threads,
    /// Garbage collection: struct, array and i31 operators and casts
    /// (the `0xfb` prefix), and `ref.eq`.
    Gc,
}

/// The immediates of `br_on_cast` and `br_on_cast_fail`: the label, the
/// operand's reference type and the type cast to. (Encoded as a flags
/// byte giving the two nullabilities, the label, then two heap types.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BrOnCast {
    pub relative_depth: u32,
    pub from: RefType,
    pub to: RefType,
}

/// A block's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockType {
    Empty,
    Value(ValType),
    /// A type index (multi-value).
    Func(u32),
}

/// A memory immediate: log2 alignment, offset and memory index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemArg {
    pub align: u32,
    pub offset: u64,
    pub memory: u32,
}

/// The bits of a 32-bit float constant (kept as bits: NaN payloads survive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ieee32(pub u32);

/// The bits of a 64-bit float constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ieee64(pub u64);

/// A 128-bit vector constant, little-endian bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct V128(pub [u8; 16]);

/// The result types of a typed `select`.
pub type SelectTypes = Box<[ValType]>;

/// A `br_table`'s targets, read lazily from the body.
#[derive(Clone, Debug)]
pub struct BrTable<'a> {
    reader: Reader<'a>,
    count: u32,
    default: u32,
}

impl<'a> BrTable<'a> {
    /// Number of targets, not counting the default.
    pub fn len(&self) -> u32 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The default target.
    pub fn default(&self) -> u32 {
        self.default
    }

    /// The targets, in order, not counting the default. Each was already
    /// checked to decode when the table was read.
    pub fn targets(&self) -> impl Iterator<Item = u32> + 'a {
        let mut r = self.reader.clone();
        (0..self.count).map(move |_| r.u32().unwrap_or(0))
    }
}

impl PartialEq for BrTable<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count && self.default == other.default && self.targets().eq(other.targets())
    }
}

impl Eq for BrTable<'_> {}

/// The kinds of `try_table` catch clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CatchKind {
    Catch,
    CatchRef,
    CatchAll,
    CatchAllRef,
}

/// One catch clause of a `try_table`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Catch {
    pub kind: CatchKind,
    /// The tag, for `catch` and `catch_ref` (0 otherwise).
    pub tag: u32,
    pub label: u32,
}

/// A `try_table`'s block type and catch clauses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TryTable {
    pub ty: BlockType,
    pub catches: Box<[Catch]>,
}

impl BlockType {
    fn read(r: &mut Reader<'_>) -> Result<BlockType> {
        let b = r.peek()?;
        if b == 0x40 {
            r.u8()?;
            return Ok(BlockType::Empty);
        }
        // Value types are negative as s33 (one byte with bit 6 set), or the
        // two reference-type prefixes.
        if b & 0xc0 == 0x40 || b == 0x63 || b == 0x64 {
            return Ok(BlockType::Value(ValType::read(r)?));
        }
        let start = r.offset();
        let idx = r.s33()?;
        if idx < 0 || idx > u32::MAX as i64 {
            return Err(BinaryError::new("malformed block type", start));
        }
        Ok(BlockType::Func(idx as u32))
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            BlockType::Empty => out.push(0x40),
            BlockType::Value(t) => t.encode(out),
            BlockType::Func(i) => crate::encode::write_s33(out, i as i64),
        }
    }

    /// Parameter and result types of this block type, given the module's
    /// function types (for `Func`).
    pub fn params<'t>(&self, types: &'t [FuncType]) -> &'t [ValType] {
        match *self {
            BlockType::Func(i) => types.get(i as usize).map(|t| t.params()).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// How an immediate is read and written.
trait Imm<'a>: Sized {
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self>;
    fn write(&self, out: &mut Vec<u8>);
}

impl<'a> Imm<'a> for u32 {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.u32()
    }
    fn write(&self, out: &mut Vec<u8>) {
        write_u32(out, *self)
    }
}

impl<'a> Imm<'a> for i32 {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.i32()
    }
    fn write(&self, out: &mut Vec<u8>) {
        write_i32(out, *self)
    }
}

impl<'a> Imm<'a> for i64 {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.i64()
    }
    fn write(&self, out: &mut Vec<u8>) {
        write_i64(out, *self)
    }
}

impl<'a> Imm<'a> for u8 {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.u8()
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.push(*self)
    }
}

impl<'a> Imm<'a> for [u8; 16] {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.array()
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self)
    }
}

impl<'a> Imm<'a> for Ieee32 {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.f32_bits().map(Ieee32)
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes())
    }
}

impl<'a> Imm<'a> for Ieee64 {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.f64_bits().map(Ieee64)
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes())
    }
}

impl<'a> Imm<'a> for V128 {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.reader.array().map(V128)
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0)
    }
}

impl<'a> Imm<'a> for BlockType {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        BlockType::read(&mut r.reader)
    }
    fn write(&self, out: &mut Vec<u8>) {
        self.encode(out)
    }
}

impl<'a> Imm<'a> for HeapType {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        HeapType::read(&mut r.reader)
    }
    fn write(&self, out: &mut Vec<u8>) {
        self.encode(out)
    }
}

impl<'a> Imm<'a> for BrOnCast {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        let at = r.reader.offset();
        let flags = r.reader.u8()?;
        if flags > 3 {
            return Err(BinaryError::new("malformed br_on_cast flags", at));
        }
        let relative_depth = r.reader.u32()?;
        let from = HeapType::read(&mut r.reader)?;
        let to = HeapType::read(&mut r.reader)?;
        Ok(BrOnCast {
            relative_depth,
            from: RefType {
                nullable: flags & 1 != 0,
                heap: from,
            },
            to: RefType {
                nullable: flags & 2 != 0,
                heap: to,
            },
        })
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.from.nullable as u8 | (self.to.nullable as u8) << 1);
        write_u32(out, self.relative_depth);
        self.from.heap.encode(out);
        self.to.heap.encode(out);
    }
}

impl<'a> Imm<'a> for MemArg {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        r.memarg()
    }
    fn write(&self, out: &mut Vec<u8>) {
        if self.memory != 0 {
            write_u32(out, self.align | 0x40);
            write_u32(out, self.memory);
        } else {
            write_u32(out, self.align);
        }
        write_u64(out, self.offset);
    }
}

impl<'a> Imm<'a> for SelectTypes {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        let n = r.reader.count(1)?;
        (0..n).map(|_| ValType::read(&mut r.reader)).collect()
    }
    fn write(&self, out: &mut Vec<u8>) {
        write_u32(out, self.len() as u32);
        for t in self.iter() {
            t.encode(out);
        }
    }
}

impl<'a> Imm<'a> for BrTable<'a> {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        let count = r.reader.count(1)?;
        let start = r.reader.clone();
        for _ in 0..count {
            r.reader.u32()?;
        }
        let default = r.reader.u32()?;
        Ok(BrTable {
            reader: start,
            count,
            default,
        })
    }
    fn write(&self, out: &mut Vec<u8>) {
        write_u32(out, self.count);
        for t in self.targets() {
            write_u32(out, t);
        }
        write_u32(out, self.default);
    }
}

impl<'a> Imm<'a> for TryTable {
    #[inline]
    fn read(r: &mut OperatorsReader<'a>) -> Result<Self> {
        let ty = BlockType::read(&mut r.reader)?;
        let n = r.reader.count(2)?;
        let mut catches = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let at = r.reader.offset();
            let (kind, tag) = match r.reader.u8()? {
                0 => (CatchKind::Catch, r.reader.u32()?),
                1 => (CatchKind::CatchRef, r.reader.u32()?),
                2 => (CatchKind::CatchAll, 0),
                3 => (CatchKind::CatchAllRef, 0),
                _ => return Err(BinaryError::new("malformed catch clause", at)),
            };
            let label = r.reader.u32()?;
            catches.push(Catch { kind, tag, label });
        }
        Ok(TryTable {
            ty,
            catches: catches.into_boxed_slice(),
        })
    }
    fn write(&self, out: &mut Vec<u8>) {
        self.ty.encode(out);
        write_u32(out, self.catches.len() as u32);
        for c in self.catches.iter() {
            match c.kind {
                CatchKind::Catch => {
                    out.push(0);
                    write_u32(out, c.tag);
                }
                CatchKind::CatchRef => {
                    out.push(1);
                    write_u32(out, c.tag);
                }
                CatchKind::CatchAll => out.push(2),
                CatchKind::CatchAllRef => out.push(3),
            }
            write_u32(out, c.label);
        }
    }
}

macro_rules! define_operator_enum {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        /// One decoded operator.
        #[derive(Clone, Debug, PartialEq)]
        #[allow(missing_docs)]
        pub enum Operator<'a> {
            $( $name { $($f: $t),* }, )*
        }

        impl Operator<'_> {
            /// The operator's text mnemonic.
            pub fn mnemonic(&self) -> &'static str {
                match self { $( Operator::$name { .. } => $text, )* }
            }

            /// The feature that introduced this operator.
            pub fn feature(&self) -> OpFeature {
                match self { $( Operator::$name { .. } => OpFeature::$feat, )* }
            }

            /// Appends the binary encoding of this operator to `out`.
            pub fn encode(&self, out: &mut Vec<u8>) {
                match self {
                    $( Operator::$name { $($f),* } => {
                        if $pre == 0 {
                            out.push(($code as u32) as u8);
                        } else {
                            out.push($pre);
                            write_u32(out, $code);
                        }
                        $( Imm::write($f, out); )*
                    } )*
                }
            }
        }

        /// A visitor over operators: one method per row of the table. The
        /// validator implements it, and a translator that wants to follow
        /// the validator in the same pass implements it too.
        #[allow(unused_variables)]
        pub trait VisitOperator<'a> {
            /// What each visit returns.
            type Output;
            $( fn $visit(&mut self $(, $f: $t)*) -> Self::Output; )*
        }

        impl<'a> Operator<'a> {
            /// Calls the visitor method for this operator.
            pub fn visit<V: VisitOperator<'a>>(self, v: &mut V) -> V::Output {
                match self { $( Operator::$name { $($f),* } => v.$visit($($f),*), )* }
            }
        }

        /// A visitor that builds [`Operator`] values.
        struct OperatorFactory;

        impl<'a> VisitOperator<'a> for OperatorFactory {
            type Output = Operator<'a>;
            $( #[inline] fn $visit(&mut self $(, $f: $t)*) -> Operator<'a> { Operator::$name { $($f),* } } )*
        }

        impl<'a> OperatorsReader<'a> {
            /// Reads the next operator and hands it to the visitor, without
            /// building an [`Operator`] value.
            #[inline]
            pub fn visit_operator<V: VisitOperator<'a>>(&mut self, v: &mut V) -> Result<V::Output> {
                let at = self.reader.offset();
                let b = self.reader.u8()?;
                if b >= 0xfb {
                    let code = self.reader.u32()?;
                    return match b {
                        0xfb => self.visit_fb(code, at, v),
                        0xfc => self.visit_fc(code, at, v),
                        0xfd => self.visit_fd(code, at, v),
                        0xfe => self.visit_fe(code, at, v),
                        _ => Err(BinaryError::new(format!("illegal opcode {b:#04x}"), at)),
                    };
                }
                match b as u32 {
                    $( $code if $pre == 0 => {
                        $( let $f = read_imm!(self, $t $(, $rd)?); )*
                        Ok(v.$visit($($f),*))
                    } )*
                    _ => Err(BinaryError::new(format!("illegal opcode {b:#04x}"), at)),
                }
            }

            fn visit_fb<V: VisitOperator<'a>>(&mut self, code: u32, at: usize, v: &mut V) -> Result<V::Output> {
                match code {
                    $( $code if $pre == 0xfb => {
                        $( let $f = read_imm!(self, $t $(, $rd)?); )*
                        Ok(v.$visit($($f),*))
                    } )*
                    _ => Err(BinaryError::new(format!("illegal opcode 0xfb {code}"), at)),
                }
            }

            fn visit_fc<V: VisitOperator<'a>>(&mut self, code: u32, at: usize, v: &mut V) -> Result<V::Output> {
                match code {
                    $( $code if $pre == 0xfc => {
                        $( let $f = read_imm!(self, $t $(, $rd)?); )*
                        Ok(v.$visit($($f),*))
                    } )*
                    _ => Err(BinaryError::new(format!("illegal opcode 0xfc {code}"), at)),
                }
            }

            fn visit_fd<V: VisitOperator<'a>>(&mut self, code: u32, at: usize, v: &mut V) -> Result<V::Output> {
                match code {
                    $( $code if $pre == 0xfd => {
                        $( let $f = read_imm!(self, $t $(, $rd)?); )*
                        Ok(v.$visit($($f),*))
                    } )*
                    _ => Err(BinaryError::new(format!("illegal opcode 0xfd {code}"), at)),
                }
            }

            fn visit_fe<V: VisitOperator<'a>>(&mut self, code: u32, at: usize, v: &mut V) -> Result<V::Output> {
                match code {
                    $( $code if $pre == 0xfe => {
                        $( let $f = read_imm!(self, $t $(, $rd)?); )*
                        Ok(v.$visit($($f),*))
                    } )*
                    _ => Err(BinaryError::new(format!("illegal opcode 0xfe {code}"), at)),
                }
            }
        }
    };
}

macro_rules! read_imm {
    ($r:ident, $t:ty) => {
        <$t as Imm>::read($r)?
    };
    ($r:ident, $t:ty, $rd:ident) => {
        $r.$rd()?
    };
}

/// Reads the operators of one code body (or constant expression), one at a
/// time.
#[derive(Clone, Debug)]
pub struct OperatorsReader<'a> {
    reader: Reader<'a>,
    multi_memory: bool,
    memory64: bool,
}

impl<'a> OperatorsReader<'a> {
    /// A reader over the expression bytes in `reader`.
    pub fn new(reader: Reader<'a>) -> Self {
        OperatorsReader {
            reader,
            multi_memory: false,
            memory64: false,
        }
    }

    /// Reads memory indices as LEB128 (multi-memory) rather than the
    /// single reserved zero byte of Wasm 2.0.
    pub fn set_multi_memory(&mut self, on: bool) {
        self.multi_memory = on;
    }

    /// Reads memory offsets as 64-bit (memory64).
    pub fn set_memory64(&mut self, on: bool) {
        self.memory64 = on;
    }

    /// Absolute offset of the next operator.
    #[inline]
    pub fn offset(&self) -> usize {
        self.reader.offset()
    }

    /// Whether every byte has been read.
    #[inline]
    pub fn eof(&self) -> bool {
        self.reader.eof()
    }

    /// The underlying byte reader.
    pub fn reader(&self) -> &Reader<'a> {
        &self.reader
    }

    /// Reads the next operator.
    pub fn read(&mut self) -> Result<Operator<'a>> {
        self.visit_operator(&mut OperatorFactory)
    }

    /// Reads the next operator and its absolute offset.
    pub fn read_with_offset(&mut self) -> Result<(Operator<'a>, usize)> {
        let at = self.offset();
        Ok((self.read()?, at))
    }

    #[inline]
    fn mem_index(&mut self) -> Result<u32> {
        if self.multi_memory {
            return self.reader.u32();
        }
        let at = self.reader.offset();
        match self.reader.u8()? {
            0 => Ok(0),
            _ => Err(BinaryError::new("zero byte expected", at)),
        }
    }

    /// The reserved byte after `atomic.fence`, which must be zero.
    #[inline]
    fn zero_byte(&mut self) -> Result<u8> {
        let at = self.reader.offset();
        match self.reader.u8()? {
            0 => Ok(0),
            _ => Err(BinaryError::new("zero byte expected", at)),
        }
    }

    #[inline]
    fn memarg(&mut self) -> Result<MemArg> {
        let at = self.reader.offset();
        let flags = self.reader.u32()?;
        if self.multi_memory && flags >= 0x80 {
            // Bit 6 says a memory index follows; above it nothing is
            // defined (an alignment of 2^128 or more).
            return Err(BinaryError::new("malformed memop flags", at));
        }
        let (align, memory) = if self.multi_memory && flags & 0x40 != 0 {
            (flags & !0x40, self.reader.u32()?)
        } else {
            (flags, 0)
        };
        let offset = if self.memory64 {
            self.reader.u64()?
        } else {
            self.reader.u32()? as u64
        };
        Ok(MemArg { align, offset, memory })
    }
}

crate::for_each_operator!(define_operator_enum);
