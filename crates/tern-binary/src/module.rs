//! The module structure and its decoder.
//!
//! Decoding borrows from the input: names, custom sections, data segments,
//! constant expressions and code bodies are slices of it. Code bodies are not
//! decoded here; [`FuncBody::operators`] reads them one operator at a time.

use crate::error::{BinaryError, Result};
use crate::operators::{Operator, OperatorsReader};
use crate::reader::Reader;
use crate::types::*;

/// A decoded module.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module<'a> {
    /// The signature of every function type, by type index (an empty
    /// placeholder for a struct or array type).
    pub types: Vec<FuncType>,
    /// Every type's definition when the type section uses GC's forms
    /// (recursion groups of several types, `sub`, struct or array types);
    /// empty when every type is a plain function type, alone in its group.
    pub type_defs: Vec<TypeDef>,
    /// Empty recursion groups (`(rec)`, `0x4e 0x00`), each by the number
    /// of types defined before it. They define nothing, but are kept so
    /// that a module encodes and prints as it was.
    pub empty_rec_groups: Vec<u32>,
    pub imports: Vec<Import<'a>>,
    /// The type index of each function defined in the module.
    pub functions: Vec<u32>,
    pub tables: Vec<Table<'a>>,
    pub memories: Vec<MemoryType>,
    pub tags: Vec<TagType>,
    pub globals: Vec<Global<'a>>,
    pub exports: Vec<Export<'a>>,
    pub start: Option<u32>,
    pub elements: Vec<Element<'a>>,
    pub data_count: Option<u32>,
    pub code: Vec<FuncBody<'a>>,
    pub data: Vec<Data<'a>>,
    pub customs: Vec<CustomSection<'a>>,
    /// Counts of imported entities, by kind.
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub num_imported_tags: u32,
    /// Where each entry was found in the decoded bytes (for error messages).
    pub positions: Positions,
}

/// Byte offsets of a decoded module's entries, one per entry of each
/// index space, so that later checks can point at what they reject.
/// Positions are not part of a module's identity: they always compare
/// equal, so a re-encoded module equals the original.
#[derive(Clone, Debug, Default)]
pub struct Positions {
    pub types: Vec<usize>,
    pub imports: Vec<usize>,
    pub functions: Vec<usize>,
    pub tables: Vec<usize>,
    pub memories: Vec<usize>,
    pub tags: Vec<usize>,
    pub globals: Vec<usize>,
    pub exports: Vec<usize>,
    pub elements: Vec<usize>,
    pub data: Vec<usize>,
    pub start: usize,
    pub data_count: usize,
    /// The offset of the first limit of a 32-bit memory or table that only
    /// a 64-bit limit can hold (longer than 5 bytes, or above `u32::MAX`):
    /// Wasm 3.0 reads every limit as u64, Wasm 2.0 calls this malformed.
    /// The validator decides by its features. (An encoding detail, like the
    /// offsets.)
    pub wide_limits: Option<usize>,
}

impl PartialEq for Positions {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Positions {
    /// The offset of entry `i` in `list`, or 0 when unknown (modules built
    /// in memory rather than decoded).
    pub fn at(list: &[usize], i: usize) -> usize {
        list.get(i).copied().unwrap_or(0)
    }
}

/// An import.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Import<'a> {
    pub module: &'a str,
    pub name: &'a str,
    pub ty: ImportType,
}

/// An export.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Export<'a> {
    pub name: &'a str,
    pub kind: ExternKind,
    pub index: u32,
}

/// A constant expression: its bytes (up to and including the final `end`)
/// and where they start in the module.
#[derive(Clone, Copy, Debug)]
pub struct ConstExpr<'a> {
    pub bytes: &'a [u8],
    pub offset: usize,
}

impl PartialEq for ConstExpr<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl<'a> ConstExpr<'a> {
    /// A reader over the expression's operators.
    pub fn operators(&self) -> OperatorsReader<'a> {
        OperatorsReader::new(Reader::new(self.bytes, self.offset))
    }

    /// Reads the expression up to its `end` (the decoder's job: constant
    /// expressions are flat, so the first `end` closes them).
    fn read(r: &mut Reader<'a>) -> Result<ConstExpr<'a>> {
        let start = r.clone();
        let offset = r.offset();
        let mut ops = OperatorsReader::new(r.clone());
        // Constant expressions may use any memory/table encoding; read
        // permissively and leave checks to the validator.
        ops.set_multi_memory(true);
        loop {
            if ops.eof() {
                return Err(BinaryError::new("unexpected end of section or function", ops.offset()));
            }
            if let Operator::End {} = ops.read()? {
                break;
            }
        }
        let len = ops.offset() - offset;
        let mut s = start;
        let bytes = s.bytes(len)?;
        *r = s;
        Ok(ConstExpr { bytes, offset })
    }
}

/// A table definition, with its initialiser when given (typed function
/// references).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Table<'a> {
    pub ty: TableType,
    pub init: Option<ConstExpr<'a>>,
}

/// A global definition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Global<'a> {
    pub ty: GlobalType,
    pub init: ConstExpr<'a>,
}

/// How an element segment is used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ElementMode<'a> {
    Passive,
    Active { table: u32, offset: ConstExpr<'a> },
    Declared,
}

/// The items of an element segment.
#[derive(Clone, Debug, PartialEq)]
pub enum ElementItems<'a> {
    /// Function indices (the `elemkind` forms).
    Functions(Vec<u32>),
    /// Constant expressions (the `reftype` forms).
    Exprs(Vec<ConstExpr<'a>>),
}

/// An element segment.
#[derive(Clone, Debug, PartialEq)]
pub struct Element<'a> {
    pub mode: ElementMode<'a>,
    pub ty: RefType,
    pub items: ElementItems<'a>,
    /// An active segment encoded with its table index (forms 2 and 6),
    /// which may be 0; the text format writes it as `(table N)`. Kept so
    /// that a module prints and re-encodes as it was.
    pub explicit_table: bool,
}

impl Element<'_> {
    pub fn len(&self) -> usize {
        match &self.items {
            ElementItems::Functions(f) => f.len(),
            ElementItems::Exprs(e) => e.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a data segment is used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DataMode<'a> {
    Passive,
    Active { memory: u32, offset: ConstExpr<'a> },
}

/// A data segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Data<'a> {
    pub mode: DataMode<'a>,
    pub bytes: &'a [u8],
}

/// A custom section, and where it stood: after the last non-custom section
/// with id `after` (0 when it came before all of them).
#[derive(Clone, Copy, Debug)]
pub struct CustomSection<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    /// Absolute offset of `data`.
    pub data_offset: usize,
    pub after: u8,
}

impl PartialEq for CustomSection<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.data == other.data && self.after == other.after
    }
}

impl PartialEq for FuncBody<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

/// A function body as bytes: its local declarations then its expression.
#[derive(Clone, Copy, Debug)]
pub struct FuncBody<'a> {
    pub bytes: &'a [u8],
    /// Absolute offset of `bytes` in the module.
    pub offset: usize,
}

impl<'a> FuncBody<'a> {
    /// Reads the local declarations: `(count, type)` groups. Returns them and
    /// a reader over the operators that follow. The total count is checked to
    /// fit in a `u32`.
    pub fn locals(&self) -> Result<(Vec<(u32, ValType)>, OperatorsReader<'a>)> {
        let mut r = Reader::new(self.bytes, self.offset);
        let n = r.count(2)?;
        let mut locals = Vec::with_capacity(n as usize);
        let mut total: u64 = 0;
        for _ in 0..n {
            let at = r.offset();
            let count = r.u32()?;
            total += count as u64;
            if total > u32::MAX as u64 {
                return Err(BinaryError::new("too many locals", at));
            }
            let ty = ValType::read(&mut r)?;
            locals.push((count, ty));
        }
        Ok((locals, OperatorsReader::new(r)))
    }

    /// A reader over the operators, skipping the local declarations.
    pub fn operators(&self) -> Result<OperatorsReader<'a>> {
        let mut r = Reader::new(self.bytes, self.offset);
        let n = r.count(2)?;
        for _ in 0..n {
            r.u32()?;
            ValType::read(&mut r)?;
        }
        Ok(OperatorsReader::new(r))
    }
}

/// The standard section ids.
pub mod section {
    pub const CUSTOM: u8 = 0;
    pub const TYPE: u8 = 1;
    pub const IMPORT: u8 = 2;
    pub const FUNCTION: u8 = 3;
    pub const TABLE: u8 = 4;
    pub const MEMORY: u8 = 5;
    pub const GLOBAL: u8 = 6;
    pub const EXPORT: u8 = 7;
    pub const START: u8 = 8;
    pub const ELEMENT: u8 = 9;
    pub const CODE: u8 = 10;
    pub const DATA: u8 = 11;
    pub const DATA_COUNT: u8 = 12;
    pub const TAG: u8 = 13;

    /// The position of each section id in the required order.
    pub fn order(id: u8) -> u8 {
        match id {
            TYPE => 1,
            IMPORT => 2,
            FUNCTION => 3,
            TABLE => 4,
            MEMORY => 5,
            TAG => 6,
            GLOBAL => 7,
            EXPORT => 8,
            START => 9,
            ELEMENT => 10,
            DATA_COUNT => 11,
            CODE => 12,
            DATA => 13,
            _ => 0,
        }
    }

    /// The section's name.
    pub fn name(id: u8) -> &'static str {
        match id {
            CUSTOM => "custom",
            TYPE => "type",
            IMPORT => "import",
            FUNCTION => "function",
            TABLE => "table",
            MEMORY => "memory",
            GLOBAL => "global",
            EXPORT => "export",
            START => "start",
            ELEMENT => "element",
            CODE => "code",
            DATA => "data",
            DATA_COUNT => "data count",
            TAG => "tag",
            _ => "unknown",
        }
    }
}

/// Where a section lies in the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionInfo<'a> {
    pub id: u8,
    /// The custom section's name (empty for standard sections).
    pub name: &'a str,
    /// Absolute offset of the section id byte.
    pub start: usize,
    /// Absolute offset of the contents.
    pub contents: usize,
    /// Size of the contents in bytes.
    pub size: usize,
}

/// The magic number and version 1 of the binary format.
pub const HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

fn read_header(r: &mut Reader<'_>) -> Result<()> {
    let at = r.offset();
    if r.remaining() < 4 || r.bytes(4)? != b"\0asm" {
        return Err(BinaryError::new("magic header not detected", at));
    }
    let at = r.offset();
    if r.remaining() < 4 {
        return Err(BinaryError::new("unexpected end", at));
    }
    if r.bytes(4)? != [1, 0, 0, 0] {
        return Err(BinaryError::new("unknown binary version", at));
    }
    Ok(())
}

/// Lists the sections of a module with their positions, checking only the
/// framing (header, ids, sizes).
pub fn sections(bytes: &[u8]) -> Result<Vec<SectionInfo<'_>>> {
    let mut r = Reader::new(bytes, 0);
    read_header(&mut r)?;
    let mut out = Vec::new();
    while !r.eof() {
        let start = r.offset();
        let id = r.u8()?;
        let size_at = r.offset();
        let size = r.u32()? as usize;
        if size > r.remaining() {
            return Err(section_overrun(size, r.remaining(), size_at));
        }
        let contents = r.offset();
        let mut body = r.sub(size)?;
        let name = if id == section::CUSTOM { body.name()? } else { "" };
        out.push(SectionInfo {
            id,
            name,
            start,
            contents,
            size,
        });
    }
    Ok(out)
}

#[cold]
fn section_overrun(size: usize, left: usize, at: usize) -> BinaryError {
    BinaryError::new(
        format!("unexpected end: section size {size} exceeds the {left} bytes left"),
        at,
    )
}

fn read_limits(r: &mut Reader<'_>, flags: u8, wide: bool, wide_at: &mut Option<usize>) -> Result<Limits> {
    let mut read = |r: &mut Reader<'_>| -> Result<u64> {
        let at = r.offset();
        let v = r.u64()?;
        if !wide && (v > u32::MAX as u64 || r.offset() - at > 5) && wide_at.is_none() {
            *wide_at = Some(at);
        }
        Ok(v)
    };
    let min = read(r)?;
    let max = if flags & 1 != 0 { Some(read(r)?) } else { None };
    Ok(Limits { min, max })
}

/// Reads a table type.
pub fn read_table_type(r: &mut Reader<'_>) -> Result<TableType> {
    read_table_type_at(r, &mut None)
}

/// Reads a memory type.
pub fn read_memory_type(r: &mut Reader<'_>) -> Result<MemoryType> {
    read_memory_type_at(r, &mut None)
}

/// [`read_table_type`], recording a wide 32-bit limit (see
/// [`Module::wide_limits`]).
fn read_table_type_at(r: &mut Reader<'_>, wide_at: &mut Option<usize>) -> Result<TableType> {
    let element = RefType::read(r)?;
    let at = r.offset();
    let flags = r.u8()?;
    if flags & !0x05 != 0 {
        return Err(BinaryError::new("malformed limits flags", at));
    }
    let table64 = flags & 0x04 != 0;
    let limits = read_limits(r, flags, table64, wide_at)?;
    Ok(TableType {
        element,
        limits,
        table64,
    })
}

fn read_memory_type_at(r: &mut Reader<'_>, wide_at: &mut Option<usize>) -> Result<MemoryType> {
    let at = r.offset();
    let flags = r.u8()?;
    if flags & !0x0f != 0 {
        return Err(BinaryError::new("malformed limits flags", at));
    }
    let shared = flags & 0x02 != 0;
    let memory64 = flags & 0x04 != 0;
    let limits = read_limits(r, flags, memory64, wide_at)?;
    let page_size_log2 = if flags & 0x08 != 0 {
        let p_at = r.offset();
        let log2 = r.u32()?;
        // Larger exponents do not describe a page size at all (the
        // validator accepts only 0 and 16).
        if log2 >= 64 {
            return Err(BinaryError::new("invalid custom page size", p_at));
        }
        Some(log2)
    } else {
        None
    };
    Ok(MemoryType {
        limits,
        shared,
        memory64,
        page_size_log2,
    })
}

/// Reads a global type.
pub fn read_global_type(r: &mut Reader<'_>) -> Result<GlobalType> {
    let content = ValType::read(r)?;
    let at = r.offset();
    let mutable = match r.u8()? {
        0 => false,
        1 => true,
        _ => return Err(BinaryError::new("malformed mutability", at)),
    };
    Ok(GlobalType { content, mutable })
}

fn read_tag_type(r: &mut Reader<'_>) -> Result<TagType> {
    let at = r.offset();
    let attribute = r.u8()?;
    if attribute != 0 {
        return Err(BinaryError::new("malformed tag attribute", at));
    }
    Ok(TagType {
        attribute,
        type_index: r.u32()?,
    })
}

fn read_extern_kind(r: &mut Reader<'_>) -> Result<ExternKind> {
    let at = r.offset();
    Ok(match r.u8()? {
        0 => ExternKind::Func,
        1 => ExternKind::Table,
        2 => ExternKind::Memory,
        3 => ExternKind::Global,
        4 => ExternKind::Tag,
        _ => return Err(BinaryError::new("malformed import kind", at)),
    })
}

/// Decodes a module. Function bodies are kept as byte ranges; everything
/// else is decoded and checked for well-formedness (not validity).
pub fn decode(bytes: &[u8]) -> Result<Module<'_>> {
    decode_impl(bytes, None)
}

/// [`decode`], with the function bodies' ranges (offset in `bytes` and
/// length of each, in order) known from elsewhere (a precompiled
/// artifact records them), so that the code section's contents are not
/// read: for a large module they are most of its bytes. Each range must
/// lie in the code section, in order; otherwise the module is malformed.
pub fn decode_with_bodies<'a>(bytes: &'a [u8], bodies: &[(u32, u32)]) -> Result<Module<'a>> {
    decode_impl(bytes, Some(bodies))
}

fn decode_impl<'a>(bytes: &'a [u8], known_bodies: Option<&[(u32, u32)]>) -> Result<Module<'a>> {
    let mut r = Reader::new(bytes, 0);
    read_header(&mut r)?;
    let mut m = Module::default();
    let mut last_order = 0u8;
    let mut last_id = 0u8;
    let mut declared_funcs: Option<usize> = None;
    while !r.eof() {
        let id_at = r.offset();
        let id = r.u8()?;
        let size_at = r.offset();
        let size = r.u32()? as usize;
        if size > r.remaining() {
            return Err(section_overrun(size, r.remaining(), size_at));
        }
        let mut s = r.sub(size)?;
        if id != section::CUSTOM {
            let order = section::order(id);
            if order == 0 {
                return Err(BinaryError::new("malformed section id", id_at));
            }
            if order <= last_order {
                return Err(BinaryError::new("unexpected content after last section", id_at));
            }
            last_order = order;
            last_id = id;
        }
        match id {
            section::CUSTOM => {
                let name = s.name()?;
                let data_offset = s.offset();
                let data = s.rest();
                s.skip(data.len())?;
                m.customs.push(CustomSection {
                    name,
                    data,
                    data_offset,
                    after: last_id,
                });
            }
            section::TYPE => {
                // Recursion groups (`0x4e`) and subtypes are GC's; a module
                // without them keeps `type_defs` empty.
                let n = s.count(1)?;
                m.types.reserve(n as usize);
                let mut defs: Vec<TypeDef> = Vec::new();
                for _ in 0..n {
                    let (group, len) = if s.peek()? == 0x4e {
                        s.u8()?;
                        (true, s.count(1)?)
                    } else {
                        (false, 1)
                    };
                    let start = m.types.len() as u32;
                    if group && len == 0 {
                        m.empty_rec_groups.push(start);
                    }
                    for _ in 0..len {
                        m.positions.types.push(s.offset());
                        let (mut def, func) = read_sub_type(&mut s)?;
                        def.group_start = start;
                        def.group_len = len;
                        def.rec = group;
                        m.types.push(func);
                        defs.push(def);
                    }
                }
                if defs.iter().any(|d| !d.is_plain_func()) || !m.empty_rec_groups.is_empty() {
                    m.type_defs = defs;
                }
            }
            section::IMPORT => {
                let n = s.count(4)?;
                m.imports.reserve(n as usize);
                for _ in 0..n {
                    m.positions.imports.push(s.offset());
                    let module = s.name()?;
                    let name = s.name()?;
                    let ty = match read_extern_kind(&mut s)? {
                        ExternKind::Func => {
                            m.num_imported_funcs += 1;
                            ImportType::Func(s.u32()?)
                        }
                        ExternKind::Table => {
                            m.num_imported_tables += 1;
                            ImportType::Table(read_table_type_at(&mut s, &mut m.positions.wide_limits)?)
                        }
                        ExternKind::Memory => {
                            m.num_imported_memories += 1;
                            ImportType::Memory(read_memory_type_at(&mut s, &mut m.positions.wide_limits)?)
                        }
                        ExternKind::Global => {
                            m.num_imported_globals += 1;
                            ImportType::Global(read_global_type(&mut s)?)
                        }
                        ExternKind::Tag => {
                            m.num_imported_tags += 1;
                            ImportType::Tag(read_tag_type(&mut s)?)
                        }
                    };
                    m.imports.push(Import { module, name, ty });
                }
            }
            section::FUNCTION => {
                let n = s.count(1)?;
                m.functions.reserve(n as usize);
                for _ in 0..n {
                    m.positions.functions.push(s.offset());
                    m.functions.push(s.u32()?);
                }
                declared_funcs = Some(n as usize);
            }
            section::TABLE => {
                let n = s.count(3)?;
                for _ in 0..n {
                    m.positions.tables.push(s.offset());
                    if s.peek()? == 0x40 {
                        let at = s.offset();
                        s.u8()?;
                        if s.u8()? != 0 {
                            return Err(BinaryError::new("malformed table", at));
                        }
                        let ty = read_table_type_at(&mut s, &mut m.positions.wide_limits)?;
                        let init = ConstExpr::read(&mut s)?;
                        m.tables.push(Table { ty, init: Some(init) });
                    } else {
                        m.tables.push(Table {
                            ty: read_table_type_at(&mut s, &mut m.positions.wide_limits)?,
                            init: None,
                        });
                    }
                }
            }
            section::MEMORY => {
                let n = s.count(2)?;
                for _ in 0..n {
                    m.positions.memories.push(s.offset());
                    m.memories
                        .push(read_memory_type_at(&mut s, &mut m.positions.wide_limits)?);
                }
            }
            section::TAG => {
                let n = s.count(2)?;
                for _ in 0..n {
                    m.positions.tags.push(s.offset());
                    m.tags.push(read_tag_type(&mut s)?);
                }
            }
            section::GLOBAL => {
                let n = s.count(2)?;
                m.globals.reserve(n as usize);
                for _ in 0..n {
                    m.positions.globals.push(s.offset());
                    let ty = read_global_type(&mut s)?;
                    let init = ConstExpr::read(&mut s)?;
                    m.globals.push(Global { ty, init });
                }
            }
            section::EXPORT => {
                let n = s.count(3)?;
                m.exports.reserve(n as usize);
                for _ in 0..n {
                    m.positions.exports.push(s.offset());
                    let name = s.name()?;
                    let kind = read_extern_kind(&mut s)?;
                    let index = s.u32()?;
                    m.exports.push(Export { name, kind, index });
                }
            }
            section::START => {
                m.positions.start = s.offset();
                m.start = Some(s.u32()?);
            }
            section::ELEMENT => {
                let n = s.count(1)?;
                m.elements.reserve(n as usize);
                for _ in 0..n {
                    m.positions.elements.push(s.offset());
                    m.elements.push(read_element(&mut s)?);
                }
            }
            section::DATA_COUNT => {
                m.positions.data_count = s.offset();
                m.data_count = Some(s.u32()?);
            }
            section::CODE => {
                let n = s.count(1)?;
                if declared_funcs.unwrap_or(0) != n as usize {
                    return Err(BinaryError::new(
                        "function and code section have inconsistent lengths",
                        id_at,
                    ));
                }
                m.code.reserve(n as usize);
                if let Some(known) = known_bodies {
                    if known.len() != n as usize {
                        return Err(BinaryError::new(
                            "recorded function bodies do not match the code section",
                            id_at,
                        ));
                    }
                    let mut from = s.offset();
                    let end = from + s.remaining();
                    for &(offset, len) in known {
                        let (offset, len) = (offset as usize, len as usize);
                        if offset < from || offset.checked_add(len).is_none_or(|e| e > end) {
                            return Err(BinaryError::new(
                                "recorded function body outside the code section",
                                id_at,
                            ));
                        }
                        m.code.push(FuncBody {
                            bytes: &bytes[offset..offset + len],
                            offset,
                        });
                        from = offset + len;
                    }
                    s.skip(s.remaining())?;
                    continue;
                }
                for _ in 0..n {
                    let at = s.offset();
                    let len = s.u32()? as usize;
                    if len > s.remaining() {
                        return Err(BinaryError::new("unexpected end of section or function", at));
                    }
                    let offset = s.offset();
                    let bytes = s.bytes(len)?;
                    m.code.push(FuncBody { bytes, offset });
                }
            }
            section::DATA => {
                let n = s.count(1)?;
                if let Some(c) = m.data_count
                    && c != n
                {
                    return Err(BinaryError::new(
                        "data count and data section have inconsistent lengths",
                        id_at,
                    ));
                }
                m.data.reserve(n as usize);
                for _ in 0..n {
                    let at = s.offset();
                    m.positions.data.push(at);
                    let mode = match s.u32()? {
                        0 => DataMode::Active {
                            memory: 0,
                            offset: ConstExpr::read(&mut s)?,
                        },
                        1 => DataMode::Passive,
                        2 => {
                            let memory = s.u32()?;
                            DataMode::Active {
                                memory,
                                offset: ConstExpr::read(&mut s)?,
                            }
                        }
                        _ => return Err(BinaryError::new("malformed data segment kind", at)),
                    };
                    let bytes = s.byte_vec()?;
                    m.data.push(Data { mode, bytes });
                }
            }
            _ => unreachable!("section order checked above"),
        }
        if !s.eof() {
            return Err(BinaryError::new("section size mismatch", s.offset()));
        }
    }
    if declared_funcs.unwrap_or(0) != m.code.len() {
        return Err(BinaryError::new(
            "function and code section have inconsistent lengths",
            bytes.len(),
        ));
    }
    if let Some(c) = m.data_count
        && c != 0
        && m.data.is_empty()
    {
        return Err(BinaryError::new(
            "data count and data section have inconsistent lengths",
            bytes.len(),
        ));
    }
    Ok(m)
}

fn read_element<'a>(s: &mut Reader<'a>) -> Result<Element<'a>> {
    let offset = s.offset();
    let flags = s.u32()?;
    if flags > 7 {
        return Err(BinaryError::new("malformed elements segment kind", offset));
    }
    let passive_or_declared = flags & 1 != 0;
    let explicit_table = flags & 2 != 0;
    let exprs = flags & 4 != 0;
    let mode = if passive_or_declared {
        if explicit_table {
            ElementMode::Declared
        } else {
            ElementMode::Passive
        }
    } else {
        let table = if explicit_table { s.u32()? } else { 0 };
        ElementMode::Active {
            table,
            offset: ConstExpr::read(s)?,
        }
    };
    // Forms 0 and 4 have no type/kind byte: funcref is implied.
    let ty = if flags & 3 == 0 {
        RefType::FUNCREF
    } else if exprs {
        RefType::read(s)?
    } else {
        let at = s.offset();
        if s.u8()? != 0 {
            return Err(BinaryError::new("malformed element kind", at));
        }
        RefType::FUNCREF
    };
    let items = if exprs {
        let n = s.count(1)?;
        let mut v = Vec::with_capacity(n as usize);
        for _ in 0..n {
            v.push(ConstExpr::read(s)?);
        }
        ElementItems::Exprs(v)
    } else {
        let n = s.count(1)?;
        let mut v = Vec::with_capacity(n as usize);
        for _ in 0..n {
            v.push(s.u32()?);
        }
        ElementItems::Functions(v)
    };
    Ok(Element {
        mode,
        ty,
        items,
        explicit_table: explicit_table && !passive_or_declared,
    })
}

impl<'a> Module<'a> {
    /// Number of functions, imported and defined.
    pub fn num_funcs(&self) -> u32 {
        self.num_imported_funcs + self.functions.len() as u32
    }

    /// The type index of function `f` (imported or defined).
    pub fn func_type_index(&self, f: u32) -> Option<u32> {
        if f < self.num_imported_funcs {
            self.imports
                .iter()
                .filter_map(|i| match i.ty {
                    ImportType::Func(t) => Some(t),
                    _ => None,
                })
                .nth(f as usize)
        } else {
            self.functions.get((f - self.num_imported_funcs) as usize).copied()
        }
    }

    /// The custom section named `name`, if any (the first of that name).
    pub fn custom(&self, name: &str) -> Option<&CustomSection<'a>> {
        self.customs.iter().find(|c| c.name == name)
    }
}
