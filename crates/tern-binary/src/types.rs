//! Types of the WebAssembly type system as they appear in modules.

use crate::error::Result;
use crate::reader::Reader;
use std::fmt;

/// A value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref(RefType),
}

impl ValType {
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);
    pub const EXNREF: ValType = ValType::Ref(RefType::EXNREF);

    /// Whether this is a number or vector type (as opposed to a reference).
    pub fn is_num_or_vec(self) -> bool {
        !matches!(self, ValType::Ref(_))
    }

    /// Whether a value of this type has a default (zero or null) value.
    pub fn is_defaultable(self) -> bool {
        match self {
            ValType::Ref(r) => r.nullable,
            _ => true,
        }
    }
}

/// A reference type: a heap type and whether null is a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    pub nullable: bool,
    pub heap: HeapType,
}

impl RefType {
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Func,
    };
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Extern,
    };
    pub const EXNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Exn,
    };
}

/// A heap type: abstract, or a concrete type index (typed function
/// references / GC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    Func,
    Extern,
    Exn,
    Any,
    Eq,
    I31,
    Struct,
    Array,
    None,
    NoFunc,
    NoExtern,
    NoExn,
    Concrete(u32),
}

impl HeapType {
    /// The one-byte shorthand encoding of an abstract heap type.
    pub fn abstract_code(self) -> Option<u8> {
        Some(match self {
            HeapType::Func => 0x70,
            HeapType::Extern => 0x6f,
            HeapType::Any => 0x6e,
            HeapType::Eq => 0x6d,
            HeapType::I31 => 0x6c,
            HeapType::Struct => 0x6b,
            HeapType::Array => 0x6a,
            HeapType::Exn => 0x69,
            HeapType::None => 0x71,
            HeapType::NoExtern => 0x72,
            HeapType::NoFunc => 0x73,
            HeapType::NoExn => 0x74,
            HeapType::Concrete(_) => return None,
        })
    }

    /// The abstract heap type of shorthand byte `b`, if it is one.
    pub fn from_abstract_code(b: u8) -> Option<HeapType> {
        Some(match b {
            0x70 => HeapType::Func,
            0x6f => HeapType::Extern,
            0x6e => HeapType::Any,
            0x6d => HeapType::Eq,
            0x6c => HeapType::I31,
            0x6b => HeapType::Struct,
            0x6a => HeapType::Array,
            0x69 => HeapType::Exn,
            0x71 => HeapType::None,
            0x72 => HeapType::NoExtern,
            0x73 => HeapType::NoFunc,
            0x74 => HeapType::NoExn,
            _ => return None,
        })
    }

    /// Reads a heap type (abstract shorthand byte or s33 type index).
    pub fn read(r: &mut Reader<'_>) -> Result<HeapType> {
        let b = r.peek()?;
        if let Some(h) = HeapType::from_abstract_code(b) {
            r.u8()?;
            return Ok(h);
        }
        let start = r.offset();
        let idx = r.s33()?;
        if !(0..=u32::MAX as i64).contains(&idx) {
            return Err(crate::BinaryError::new("malformed heap type", start));
        }
        Ok(HeapType::Concrete(idx as u32))
    }

    /// Writes this heap type.
    pub fn encode(self, out: &mut Vec<u8>) {
        match self.abstract_code() {
            Some(b) => out.push(b),
            None => {
                let HeapType::Concrete(i) = self else { unreachable!() };
                crate::encode::write_s33(out, i as i64)
            }
        }
    }
}

impl ValType {
    /// Reads a value type.
    pub fn read(r: &mut Reader<'_>) -> Result<ValType> {
        let start = r.offset();
        let b = r.u8()?;
        Ok(match b {
            0x7f => ValType::I32,
            0x7e => ValType::I64,
            0x7d => ValType::F32,
            0x7c => ValType::F64,
            0x7b => ValType::V128,
            0x64 | 0x63 => ValType::Ref(RefType {
                nullable: b == 0x63,
                heap: HeapType::read(r)?,
            }),
            _ => match HeapType::from_abstract_code(b) {
                Some(heap) => ValType::Ref(RefType { nullable: true, heap }),
                None => return Err(crate::BinaryError::new("malformed value type", start)),
            },
        })
    }

    /// Writes this value type (with the one-byte shorthands where they exist).
    pub fn encode(self, out: &mut Vec<u8>) {
        match self {
            ValType::I32 => out.push(0x7f),
            ValType::I64 => out.push(0x7e),
            ValType::F32 => out.push(0x7d),
            ValType::F64 => out.push(0x7c),
            ValType::V128 => out.push(0x7b),
            ValType::Ref(r) => r.encode(out),
        }
    }
}

impl RefType {
    /// Reads a reference type.
    pub fn read(r: &mut Reader<'_>) -> Result<RefType> {
        let start = r.offset();
        match ValType::read(r) {
            Ok(ValType::Ref(t)) => Ok(t),
            Ok(_) | Err(_) => Err(crate::BinaryError::new("malformed reference type", start)),
        }
    }

    /// Writes this reference type.
    pub fn encode(self, out: &mut Vec<u8>) {
        match (self.nullable, self.heap.abstract_code()) {
            (true, Some(b)) => out.push(b),
            (nullable, _) => {
                out.push(if nullable { 0x63 } else { 0x64 });
                self.heap.encode(out);
            }
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            HeapType::Func => "func",
            HeapType::Extern => "extern",
            HeapType::Exn => "exn",
            HeapType::Any => "any",
            HeapType::Eq => "eq",
            HeapType::I31 => "i31",
            HeapType::Struct => "struct",
            HeapType::Array => "array",
            HeapType::None => "none",
            HeapType::NoFunc => "nofunc",
            HeapType::NoExtern => "noextern",
            HeapType::NoExn => "noexn",
            HeapType::Concrete(i) => return write!(f, "{i}"),
        };
        f.write_str(s)
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, HeapType::Concrete(_)) => write!(f, "(ref null {})", self.heap),
            (true, h) => write!(f, "{h}ref"),
            (false, h) => write!(f, "(ref {h})"),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => r.fmt(f),
        }
    }
}

/// A function type: parameters then results, in one allocation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    types: Box<[ValType]>,
    num_params: usize,
}

impl FuncType {
    pub fn new(params: impl IntoIterator<Item = ValType>, results: impl IntoIterator<Item = ValType>) -> Self {
        let mut types: Vec<ValType> = params.into_iter().collect();
        let num_params = types.len();
        types.extend(results);
        FuncType {
            types: types.into_boxed_slice(),
            num_params,
        }
    }

    #[inline]
    pub fn params(&self) -> &[ValType] {
        &self.types[..self.num_params]
    }

    #[inline]
    pub fn results(&self) -> &[ValType] {
        &self.types[self.num_params..]
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} -> {:?}", self.params(), self.results())
    }
}

/// How a struct field or array element is stored (GC): a value type, or a
/// packed integer that reads as `i32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageType {
    I8,
    I16,
    Val(ValType),
}

impl StorageType {
    /// The type a read of the field yields (`i32` for packed fields).
    pub fn unpacked(self) -> ValType {
        match self {
            StorageType::I8 | StorageType::I16 => ValType::I32,
            StorageType::Val(v) => v,
        }
    }

    /// Whether the field is a packed integer (`i8`, `i16`).
    pub fn is_packed(self) -> bool {
        !matches!(self, StorageType::Val(_))
    }

    fn read(r: &mut Reader<'_>) -> Result<StorageType> {
        match r.peek()? {
            0x78 => {
                r.u8()?;
                Ok(StorageType::I8)
            }
            0x77 => {
                r.u8()?;
                Ok(StorageType::I16)
            }
            _ => Ok(StorageType::Val(ValType::read(r)?)),
        }
    }

    fn encode(self, out: &mut Vec<u8>) {
        match self {
            StorageType::I8 => out.push(0x78),
            StorageType::I16 => out.push(0x77),
            StorageType::Val(v) => v.encode(out),
        }
    }
}

impl fmt::Display for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageType::I8 => f.write_str("i8"),
            StorageType::I16 => f.write_str("i16"),
            StorageType::Val(v) => v.fmt(f),
        }
    }
}

/// A struct field or array element type: storage and mutability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldType {
    pub storage: StorageType,
    pub mutable: bool,
}

impl FieldType {
    /// Reads a field type: storage type, then the mutability byte.
    pub fn read(r: &mut Reader<'_>) -> Result<FieldType> {
        let storage = StorageType::read(r)?;
        let at = r.offset();
        let mutable = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(crate::BinaryError::new("malformed mutability", at)),
        };
        Ok(FieldType { storage, mutable })
    }

    /// Writes this field type.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.storage.encode(out);
        out.push(self.mutable as u8);
    }
}

/// What a type definition defines. A function type's signature is the
/// module's [`FuncType`] of the same index (`Module::types`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CompositeType {
    Func,
    Struct(Box<[FieldType]>),
    Array(FieldType),
}

/// A type definition beyond a plain function type (GC): its recursion
/// group, whether it is final, its declared supertypes (validation allows
/// at most one) and what it defines.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeDef {
    /// The index of the first type of its recursion group.
    pub group_start: u32,
    /// The number of types in its recursion group.
    pub group_len: u32,
    /// Whether its group was written as one (`rec`, `0x4e`): always for a
    /// group of several types, and kept for one of a single type, which
    /// means the same as a bare type but encodes (and prints) apart.
    pub rec: bool,
    pub is_final: bool,
    pub supertypes: Box<[u32]>,
    pub composite: CompositeType,
}

impl TypeDef {
    /// The definition of a plain `(type (func ...))`: final, without
    /// supertype, alone in its group.
    pub fn plain_func(index: u32) -> TypeDef {
        TypeDef {
            group_start: index,
            group_len: 1,
            rec: false,
            is_final: true,
            supertypes: Box::new([]),
            composite: CompositeType::Func,
        }
    }

    /// Whether this is what a plain function type is.
    pub fn is_plain_func(&self) -> bool {
        self.group_len == 1
            && !self.rec
            && self.is_final
            && self.supertypes.is_empty()
            && self.composite == CompositeType::Func
    }
}

/// Reads a function type's parameter and result vectors (after `0x60`).
pub(crate) fn read_func_type(r: &mut Reader<'_>) -> Result<FuncType> {
    let np = r.count(1)?;
    let mut tys = Vec::with_capacity(np as usize);
    for _ in 0..np {
        tys.push(ValType::read(r)?);
    }
    let nr = r.count(1)?;
    let mut res = Vec::with_capacity(nr as usize);
    for _ in 0..nr {
        res.push(ValType::read(r)?);
    }
    Ok(FuncType::new(tys, res))
}

/// Reads one subtype (`sub`, `sub final` or a bare composite type):
/// its definition (with its group left for the caller to fill in) and,
/// for a function type, its signature (else an empty placeholder).
pub(crate) fn read_sub_type(r: &mut Reader<'_>) -> Result<(TypeDef, FuncType)> {
    let (is_final, supertypes) = match r.peek()? {
        b @ (0x50 | 0x4f) => {
            r.u8()?;
            let n = r.count(1)?;
            let mut s = Vec::with_capacity(n as usize);
            for _ in 0..n {
                s.push(r.u32()?);
            }
            (b == 0x4f, s.into_boxed_slice())
        }
        _ => (true, Box::default()),
    };
    let at = r.offset();
    let (composite, func) = match r.u8()? {
        0x60 => (CompositeType::Func, read_func_type(r)?),
        0x5f => {
            let n = r.count(2)?;
            let mut fields = Vec::with_capacity(n as usize);
            for _ in 0..n {
                fields.push(FieldType::read(r)?);
            }
            (CompositeType::Struct(fields.into_boxed_slice()), FuncType::new([], []))
        }
        0x5e => (CompositeType::Array(FieldType::read(r)?), FuncType::new([], [])),
        _ => return Err(crate::BinaryError::new("malformed composite type", at)),
    };
    let def = TypeDef {
        group_start: 0,
        group_len: 1,
        rec: false,
        is_final,
        supertypes,
        composite,
    };
    Ok((def, func))
}

/// Writes one subtype: `def`, with `func` the signature of a function type.
pub fn write_sub_type(out: &mut Vec<u8>, def: &TypeDef, func: &FuncType) {
    if !def.is_final || !def.supertypes.is_empty() {
        out.push(if def.is_final { 0x4f } else { 0x50 });
        crate::encode::write_u32(out, def.supertypes.len() as u32);
        for &s in def.supertypes.iter() {
            crate::encode::write_u32(out, s);
        }
    }
    match &def.composite {
        CompositeType::Func => write_func_type(out, func),
        CompositeType::Struct(fields) => {
            out.push(0x5f);
            crate::encode::write_u32(out, fields.len() as u32);
            fields.iter().for_each(|f| f.encode(out));
        }
        CompositeType::Array(f) => {
            out.push(0x5e);
            f.encode(out);
        }
    }
}

/// Writes a function type (`0x60`, parameters, results).
pub fn write_func_type(out: &mut Vec<u8>, t: &FuncType) {
    out.push(0x60);
    crate::encode::write_u32(out, t.params().len() as u32);
    t.params().iter().for_each(|v| v.encode(out));
    crate::encode::write_u32(out, t.results().len() as u32);
    t.results().iter().for_each(|v| v.encode(out));
}

/// Size limits of a memory or table. `max` is `None` when unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

/// A table type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    pub element: RefType,
    pub limits: Limits,
    /// Whether the table is indexed by i64 (memory64's table64).
    pub table64: bool,
}

/// A memory type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    pub limits: Limits,
    pub shared: bool,
    pub memory64: bool,
    /// log2 of the page size when given explicitly (custom-page-sizes).
    pub page_size_log2: Option<u32>,
}

impl MemoryType {
    /// A 32-bit memory of `min` pages, at most `max`, with 64 KiB pages.
    pub fn new(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            limits: Limits { min, max },
            shared: false,
            memory64: false,
            page_size_log2: None,
        }
    }

    /// A 64-bit memory (memory64) of `min` pages, at most `max`.
    pub fn new64(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            memory64: true,
            ..MemoryType::new(min, max)
        }
    }

    /// The same type with pages of `2^log2` bytes (custom-page-sizes:
    /// 0 or 16).
    pub fn with_page_size_log2(self, log2: u32) -> MemoryType {
        MemoryType {
            page_size_log2: Some(log2),
            ..self
        }
    }

    /// The page size in bytes (65536 unless given), or `None` for an
    /// exponent of 64 or more.
    pub fn page_size(&self) -> Option<u64> {
        1u64.checked_shl(self.page_size_log2.unwrap_or(16))
    }
}

impl TableType {
    /// A table of `element`s indexed by i32, of `min` elements, at most
    /// `max`.
    pub fn new(element: RefType, min: u64, max: Option<u64>) -> TableType {
        TableType {
            element,
            limits: Limits { min, max },
            table64: false,
        }
    }

    /// A table indexed by i64 (memory64's table64).
    pub fn new64(element: RefType, min: u64, max: Option<u64>) -> TableType {
        TableType {
            table64: true,
            ..TableType::new(element, min, max)
        }
    }
}

/// A global type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}

/// A tag type (exception handling): its attribute and function type index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TagType {
    pub attribute: u8,
    pub type_index: u32,
}

/// The kinds of external value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExternKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

impl ExternKind {
    pub fn code(self) -> u8 {
        match self {
            ExternKind::Func => 0,
            ExternKind::Table => 1,
            ExternKind::Memory => 2,
            ExternKind::Global => 3,
            ExternKind::Tag => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ExternKind::Func => "func",
            ExternKind::Table => "table",
            ExternKind::Memory => "memory",
            ExternKind::Global => "global",
            ExternKind::Tag => "tag",
        }
    }
}

/// The type of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportType {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    Tag(TagType),
}

impl ImportType {
    pub fn kind(&self) -> ExternKind {
        match self {
            ImportType::Func(_) => ExternKind::Func,
            ImportType::Table(_) => ExternKind::Table,
            ImportType::Memory(_) => ExternKind::Memory,
            ImportType::Global(_) => ExternKind::Global,
            ImportType::Tag(_) => ExternKind::Tag,
        }
    }
}
