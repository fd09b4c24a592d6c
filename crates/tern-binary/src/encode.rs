//! The encoder: LEB128 writers and `Module` → bytes.

use crate::module::*;
use crate::types::*;

/// Appends unsigned LEB128.
#[inline]
pub fn write_u32(out: &mut Vec<u8>, v: u32) {
    write_u64(out, v as u64)
}

/// Appends unsigned LEB128.
pub fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Appends signed LEB128.
#[inline]
pub fn write_i32(out: &mut Vec<u8>, v: i32) {
    write_i64(out, v as i64)
}

/// Appends signed LEB128 (also used for s33).
pub fn write_i64(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0);
        if done {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Appends a signed 33-bit LEB128 (block type indices, heap types).
pub fn write_s33(out: &mut Vec<u8>, v: i64) {
    write_i64(out, v)
}

/// Appends a length-prefixed string.
pub fn write_name(out: &mut Vec<u8>, s: &str) {
    write_bytes(out, s.as_bytes())
}

/// Appends a length-prefixed byte string.
pub fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

fn write_limits(out: &mut Vec<u8>, l: &Limits, mut flags: u8, wide: bool) {
    if l.max.is_some() {
        flags |= 1;
    }
    out.push(flags);
    let w = |out: &mut Vec<u8>, v: u64| {
        // A 32-bit limit above `u32::MAX` (only in an invalid module) is
        // written whole, so that decoding rejects it.
        if wide || v > u32::MAX as u64 {
            write_u64(out, v)
        } else {
            write_u32(out, v as u32)
        }
    };
    w(out, l.min);
    if let Some(m) = l.max {
        w(out, m);
    }
}

/// Appends a table type.
pub fn write_table_type(out: &mut Vec<u8>, t: &TableType) {
    t.element.encode(out);
    write_limits(out, &t.limits, if t.table64 { 4 } else { 0 }, t.table64);
}

/// Appends a memory type.
pub fn write_memory_type(out: &mut Vec<u8>, m: &MemoryType) {
    let mut flags = 0;
    if m.shared {
        flags |= 2;
    }
    if m.memory64 {
        flags |= 4;
    }
    if m.page_size_log2.is_some() {
        flags |= 8;
    }
    write_limits(out, &m.limits, flags, m.memory64);
    if let Some(p) = m.page_size_log2 {
        write_u32(out, p);
    }
}

/// Appends a global type.
pub fn write_global_type(out: &mut Vec<u8>, g: &GlobalType) {
    g.content.encode(out);
    out.push(g.mutable as u8);
}

fn write_tag_type(out: &mut Vec<u8>, t: &TagType) {
    out.push(t.attribute);
    write_u32(out, t.type_index);
}

/// Encodes a module to bytes. `decode(&encode(m)) == m` for every module
/// the decoder produces.
pub fn encode(m: &Module<'_>) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    let mut body = Vec::new();

    let customs_after = |out: &mut Vec<u8>, id: u8| {
        for c in m.customs.iter().filter(|c| c.after == id) {
            let mut b = Vec::new();
            write_name(&mut b, c.name);
            b.extend_from_slice(c.data);
            out.push(section::CUSTOM);
            write_bytes(out, &b);
        }
    };
    let section = |out: &mut Vec<u8>, id: u8, body: &mut Vec<u8>| {
        out.push(id);
        write_bytes(out, body);
        body.clear();
    };

    customs_after(&mut out, 0);
    let ids = [
        section::TYPE,
        section::IMPORT,
        section::FUNCTION,
        section::TABLE,
        section::MEMORY,
        section::TAG,
        section::GLOBAL,
        section::EXPORT,
        section::START,
        section::ELEMENT,
        section::DATA_COUNT,
        section::CODE,
        section::DATA,
    ];
    for id in ids {
        let present = match id {
            section::TYPE => {
                if m.type_defs.is_empty() && m.empty_rec_groups.is_empty() {
                    write_u32(&mut body, m.types.len() as u32);
                    for t in &m.types {
                        write_func_type(&mut body, t);
                    }
                } else {
                    write_type_groups(&mut body, &m.types, &m.type_defs, &m.empty_rec_groups);
                }
                !m.types.is_empty() || !m.empty_rec_groups.is_empty()
            }
            section::IMPORT => {
                write_u32(&mut body, m.imports.len() as u32);
                for i in &m.imports {
                    write_name(&mut body, i.module);
                    write_name(&mut body, i.name);
                    body.push(i.ty.kind().code());
                    match &i.ty {
                        ImportType::Func(t) => write_u32(&mut body, *t),
                        ImportType::Table(t) => write_table_type(&mut body, t),
                        ImportType::Memory(t) => write_memory_type(&mut body, t),
                        ImportType::Global(t) => write_global_type(&mut body, t),
                        ImportType::Tag(t) => write_tag_type(&mut body, t),
                    }
                }
                !m.imports.is_empty()
            }
            section::FUNCTION => {
                write_u32(&mut body, m.functions.len() as u32);
                m.functions.iter().for_each(|f| write_u32(&mut body, *f));
                !m.functions.is_empty()
            }
            section::TABLE => {
                write_u32(&mut body, m.tables.len() as u32);
                for t in &m.tables {
                    if let Some(init) = &t.init {
                        body.extend_from_slice(&[0x40, 0x00]);
                        write_table_type(&mut body, &t.ty);
                        body.extend_from_slice(init.bytes);
                    } else {
                        write_table_type(&mut body, &t.ty);
                    }
                }
                !m.tables.is_empty()
            }
            section::MEMORY => {
                write_u32(&mut body, m.memories.len() as u32);
                m.memories.iter().for_each(|t| write_memory_type(&mut body, t));
                !m.memories.is_empty()
            }
            section::TAG => {
                write_u32(&mut body, m.tags.len() as u32);
                m.tags.iter().for_each(|t| write_tag_type(&mut body, t));
                !m.tags.is_empty()
            }
            section::GLOBAL => {
                write_u32(&mut body, m.globals.len() as u32);
                for g in &m.globals {
                    write_global_type(&mut body, &g.ty);
                    body.extend_from_slice(g.init.bytes);
                }
                !m.globals.is_empty()
            }
            section::EXPORT => {
                write_u32(&mut body, m.exports.len() as u32);
                for e in &m.exports {
                    write_name(&mut body, e.name);
                    body.push(e.kind.code());
                    write_u32(&mut body, e.index);
                }
                !m.exports.is_empty()
            }
            section::START => {
                if let Some(s) = m.start {
                    write_u32(&mut body, s);
                }
                m.start.is_some()
            }
            section::ELEMENT => {
                write_u32(&mut body, m.elements.len() as u32);
                m.elements.iter().for_each(|e| write_element(&mut body, e));
                !m.elements.is_empty()
            }
            section::DATA_COUNT => {
                if let Some(c) = m.data_count {
                    write_u32(&mut body, c);
                }
                m.data_count.is_some()
            }
            section::CODE => {
                write_u32(&mut body, m.code.len() as u32);
                m.code.iter().for_each(|c| write_bytes(&mut body, c.bytes));
                !m.code.is_empty() || !m.functions.is_empty()
            }
            section::DATA => {
                write_u32(&mut body, m.data.len() as u32);
                for d in &m.data {
                    match &d.mode {
                        DataMode::Passive => body.push(1),
                        DataMode::Active { memory: 0, offset } => {
                            body.push(0);
                            body.extend_from_slice(offset.bytes);
                        }
                        DataMode::Active { memory, offset } => {
                            body.push(2);
                            write_u32(&mut body, *memory);
                            body.extend_from_slice(offset.bytes);
                        }
                    }
                    write_bytes(&mut body, d.bytes);
                }
                !m.data.is_empty()
            }
            _ => unreachable!(),
        };
        // An empty section that custom sections were placed after is kept,
        // so that they come back in the same place.
        let anchors_customs = m.customs.iter().any(|c| c.after == id);
        if present || (anchors_customs && !matches!(id, section::START | section::DATA_COUNT)) {
            section(&mut out, id, &mut body);
        } else {
            body.clear();
        }
        customs_after(&mut out, id);
    }
    out
}

fn write_element(out: &mut Vec<u8>, e: &Element<'_>) {
    let exprs = matches!(e.items, ElementItems::Exprs(_));
    let funcref = e.ty == RefType::FUNCREF;
    let mut flags: u32 = if exprs { 4 } else { 0 };
    match &e.mode {
        ElementMode::Passive => flags |= 1,
        ElementMode::Declared => flags |= 3,
        ElementMode::Active { table, .. } => {
            if e.explicit_table || *table != 0 || !funcref {
                flags |= 2;
            }
        }
    }
    write_u32(out, flags);
    if let ElementMode::Active { table, offset } = &e.mode {
        if flags & 2 != 0 {
            write_u32(out, *table);
        }
        out.extend_from_slice(offset.bytes);
    }
    if flags & 3 != 0 {
        if exprs {
            e.ty.encode(out);
        } else {
            out.push(0);
        }
    }
    match &e.items {
        ElementItems::Functions(f) => {
            write_u32(out, f.len() as u32);
            f.iter().for_each(|i| write_u32(out, *i));
        }
        ElementItems::Exprs(x) => {
            write_u32(out, x.len() as u32);
            x.iter().for_each(|c| out.extend_from_slice(c.bytes));
        }
    }
}

/// Writes the contents of a type section by recursion group: the count of
/// groups, then each group (`0x4e` and its length when it was written as
/// one, then its subtypes). `defs` gives each type's group (a type past
/// its end is a plain function type); `empty` the empty groups, by the
/// number of types before each.
pub fn write_type_groups(out: &mut Vec<u8>, types: &[FuncType], defs: &[TypeDef], empty: &[u32]) {
    let mut body = Vec::new();
    let mut groups = 0u32;
    let mut empties = empty.iter().copied().peekable();
    let mut i = 0usize;
    loop {
        while empties.peek().is_some_and(|&k| k as usize <= i) {
            empties.next();
            body.extend_from_slice(&[0x4e, 0x00]);
            groups += 1;
        }
        if i >= types.len() {
            break;
        }
        match defs.get(i) {
            Some(d) => {
                let len = (d.group_len as usize).clamp(1, types.len() - i);
                if d.rec || len != 1 {
                    body.push(0x4e);
                    write_u32(&mut body, len as u32);
                }
                for (j, t) in types.iter().enumerate().skip(i).take(len) {
                    write_sub_type(&mut body, defs.get(j).unwrap_or(d), t);
                }
                i += len;
            }
            None => {
                write_func_type(&mut body, &types[i]);
                i += 1;
            }
        }
        groups += 1;
    }
    write_u32(out, groups);
    out.extend_from_slice(&body);
}
