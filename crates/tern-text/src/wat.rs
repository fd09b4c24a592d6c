//! WAT modules → binary.
//!
//! Two passes over the tokens of a module. The first reads every field,
//! assigns indices and records identifiers; function bodies and constant
//! expressions are remembered as token ranges. The second encodes: it
//! resolves type uses (finding or appending implicit types in field order,
//! as the spec and other tools do), then encodes instructions with
//! symbolic indices and labels resolved, and writes the sections and a
//! `name` section for the identifiers through `tern-binary`'s encoders.

use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::lexer::Tok;
use crate::literal;
use std::collections::HashMap;
use tern_binary::{
    BlockType, CompositeType, ExternKind, FieldType, FuncType, GlobalType, HeapType, Limits, MemoryType, RefType,
    StorageType, TableType, TypeDef, ValType, write_bytes, write_global_type, write_memory_type, write_name,
    write_table_type, write_u32, write_u64,
};

/// An index space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Space {
    Type,
    Func,
    Table,
    Memory,
    Global,
    Tag,
    Elem,
    Data,
}

impl Space {
    fn name(self) -> &'static str {
        match self {
            Space::Type => "type",
            Space::Func => "function",
            Space::Table => "table",
            Space::Memory => "memory",
            Space::Global => "global",
            Space::Tag => "tag",
            Space::Elem => "elem segment",
            Space::Data => "data segment",
        }
    }
}

/// A reference to an index: a number or an identifier.
#[derive(Clone, Debug)]
pub(crate) enum Ref {
    Num(u32, usize),
    Id(String, usize),
}

impl Ref {
    fn offset(&self) -> usize {
        match self {
            Ref::Num(_, o) | Ref::Id(_, o) => *o,
        }
    }
}

/// A range of tokens (an expression to encode in the second pass).
type Range = (usize, usize);

#[derive(Clone, Debug, Default)]
struct TypeUse {
    idx: Option<Ref>,
    params: Vec<(Option<String>, ValType)>,
    /// Name-section names of the parameters (`@name` or id).
    param_names: Vec<Option<String>>,
    results: Vec<ValType>,
    inline: bool,
    offset: usize,
}

enum ImportKind {
    Func(TypeUse),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    Tag(TypeUse),
}

struct Import {
    module: String,
    name: String,
    kind: ImportKind,
    id: Option<String>,
}

struct Func {
    ty: TypeUse,
    locals: Vec<(Option<String>, ValType)>,
    local_names: Vec<Option<String>>,
    body: Range,
    id: Option<String>,
}

enum ElemMode {
    Passive,
    Declared,
    Active { table: Option<Ref>, offset: Range },
}

enum ElemItems {
    Funcs(Vec<Ref>),
    Exprs(Vec<Range>),
    /// Function indices of a segment whose type is not `funcref` (a typed
    /// table's `(elem $f ...)`): encoded as `ref.func` expressions.
    FuncExprs(Vec<Ref>),
}

struct Elem {
    mode: ElemMode,
    ty: RefType,
    items: ElemItems,
    id: Option<String>,
}

struct Data {
    mode: Option<(Option<Ref>, Range)>,
    bytes: Vec<u8>,
    id: Option<String>,
}

struct Custom {
    name: String,
    /// The section id it goes after (0: before all).
    after: u8,
    bytes: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct Fields {
    /// Types with their name and their parameters' names (a struct or
    /// array type has an empty placeholder signature).
    types: Vec<(FuncType, Option<String>, Vec<Option<String>>)>,
    /// The definition of each explicit type: recursion group, `sub`,
    /// struct/array (GC).
    type_defs: Vec<TypeDef>,
    /// Struct field identifiers: (type index, `$name`) → field index.
    field_ids: HashMap<(u32, String), u32>,
    /// Whether each explicit type was written inside `(rec ...)`.
    in_rec: Vec<bool>,
    /// Empty `(rec)` groups, by the number of types before each.
    empty_recs: Vec<u32>,
    imports: Vec<Import>,
    funcs: Vec<Func>,
    tables: Vec<(TableType, Option<Range>, Option<String>)>,
    memories: Vec<(MemoryType, Option<String>)>,
    globals: Vec<(GlobalType, Range, Option<String>)>,
    tags: Vec<(TypeUse, Option<String>)>,
    exports: Vec<(String, ExternKind, Ref)>,
    start: Option<Ref>,
    elems: Vec<Elem>,
    datas: Vec<Data>,
    customs: Vec<Custom>,
    /// Identifier → index, per space.
    ids: HashMap<(Space, String), u32>,
    counts: HashMap<Space, u32>,
    /// Whether a non-import definition of a func/table/memory/global/tag
    /// has been seen (imports must come first).
    defined: Option<&'static str>,
    module_name: Option<String>,
    /// Imports, functions and tags in text order: type uses are resolved
    /// (and implicit types appended) in this order.
    order: Vec<(Space, usize)>,
}

impl Fields {
    fn count(&self, s: Space) -> u32 {
        self.counts.get(&s).copied().unwrap_or(0)
    }

    /// Allocates the next index in `space`, binding `id` to it.
    fn bind(&mut self, space: Space, id: Option<&(String, usize)>) -> Result<u32> {
        let idx = self.count(space);
        if let Some((name, off)) = id
            && self.ids.insert((space, name.clone()), idx).is_some()
        {
            return Err(Error::new(format!("duplicate {} ${name}", space.name()), *off));
        }
        self.counts.insert(space, idx + 1);
        Ok(idx)
    }

    fn resolve(&self, space: Space, r: &Ref) -> Result<u32> {
        match r {
            Ref::Num(n, _) => Ok(*n),
            Ref::Id(name, off) => self
                .ids
                .get(&(space, name.clone()))
                .copied()
                .ok_or_else(|| Error::new(format!("unknown {} ${name}", space.name()), *off)),
        }
    }
}

/// Parses the fields of a module (the tokens after `(module $id?`, up to
/// the closing parenthesis, exclusive) and encodes them.
pub(crate) fn encode_module(c: &mut Cursor<'_, '_>, module_name: Option<String>) -> Result<Vec<u8>> {
    let mut f = Fields {
        module_name,
        ..Fields::default()
    };
    // Pass 0: explicit type definitions get their indices first, so value
    // types like `(ref $t)` can refer to types defined later.
    {
        let mut scan = c.clone();
        let bind_type = |scan: &mut Cursor<'_, '_>, f: &mut Fields| -> Result<()> {
            // Back to the `(` afterwards: `opt_id` may also have read a
            // `(@name "...")` annotation.
            let start = scan.pos;
            scan.pos += 2;
            let id = scan.opt_id();
            f.bind(Space::Type, id.as_ref())?;
            scan.pos = start;
            Ok(())
        };
        while scan.at_lparen() {
            if scan.paren_kw() == Some("type") {
                bind_type(&mut scan, &mut f)?;
            } else if scan.paren_kw() == Some("rec") {
                // The types of a recursion group, in order.
                let start = scan.pos;
                scan.pos += 2;
                while scan.at_lparen() {
                    if scan.paren_kw() == Some("type") {
                        bind_type(&mut scan, &mut f)?;
                    }
                    scan.skip_item()?;
                }
                scan.pos = start;
            }
            scan.skip_item()?;
        }
    }
    let mut type_count = 0u32;
    while !c.at_rparen() && !c.is_eof() {
        field(c, &mut f, &mut type_count)?;
    }
    Encoder::new(&f, c.toks, c.end).run()
}

fn field(c: &mut Cursor<'_, '_>, f: &mut Fields, type_count: &mut u32) -> Result<()> {
    if let Some(Tok::Annotation(a)) = c.peek() {
        if *a == "custom" {
            return custom_annotation(c, f);
        }
        if *a == "producers" {
            return producers_annotation(c, f);
        }
        if *a == "dylink.0" {
            return dylink_annotation(c, f);
        }
        return c.skip_item();
    }
    let start = c.offset();
    c.lparen()?;
    let Some(kw) = c.peek_kw() else {
        return Err(c.err("expected a module field"));
    };
    c.pos += 1;
    match kw {
        "type" => {
            let start = f.types.len() as u32;
            type_def(c, f, start, 1)?;
            f.in_rec.push(false);
            *type_count += 1;
        }
        "rec" => {
            // A recursion group: its types, each `(type ...)`.
            let start = f.types.len() as u32;
            let mut len = 0u32;
            while c.take_paren_kw("type") {
                type_def(c, f, start, 0)?;
                c.rparen()?;
                len += 1;
            }
            for d in &mut f.type_defs[start as usize..] {
                d.group_len = len;
                d.rec = true;
            }
            if len == 0 {
                f.empty_recs.push(start);
            }
            f.in_rec.resize(f.types.len(), true);
            *type_count += len;
        }
        "import" => {
            let module = c.name()?;
            let name = c.name()?;
            c.lparen()?;
            let kind_kw = c.peek_kw().ok_or_else(|| c.err("expected an import kind"))?;
            c.pos += 1;
            let id = c.opt_id();
            let dname = c.def_name(&id);
            let kind = match kind_kw {
                "func" => {
                    f.bind(Space::Func, id.as_ref())?;
                    ImportKind::Func(type_use(c, f)?)
                }
                "table" => {
                    f.bind(Space::Table, id.as_ref())?;
                    ImportKind::Table(table_type(c, f)?)
                }
                "memory" => {
                    f.bind(Space::Memory, id.as_ref())?;
                    ImportKind::Memory(memory_type(c)?)
                }
                "global" => {
                    f.bind(Space::Global, id.as_ref())?;
                    ImportKind::Global(global_type(c, f)?)
                }
                "tag" => {
                    f.bind(Space::Tag, id.as_ref())?;
                    ImportKind::Tag(type_use(c, f)?)
                }
                k => return Err(Error::new(format!("unknown import kind `{k}`"), c.offset())),
            };
            c.rparen()?;
            import_order(f, start)?;
            f.order.push((Space::Type, f.imports.len()));
            f.imports.push(Import {
                module,
                name,
                kind,
                id: dname,
            });
        }
        "func" | "table" | "memory" | "global" | "tag" => {
            let space = match kw {
                "func" => Space::Func,
                "table" => Space::Table,
                "memory" => Space::Memory,
                "global" => Space::Global,
                _ => Space::Tag,
            };
            let id = c.opt_id();
            let dname = c.def_name(&id);
            let idx = f.bind(space, id.as_ref())?;
            // Inline exports, then perhaps an inline import.
            while c.at_paren_kw("export") {
                c.pos += 2;
                let name = c.name()?;
                c.rparen()?;
                let kind = match space {
                    Space::Func => ExternKind::Func,
                    Space::Table => ExternKind::Table,
                    Space::Memory => ExternKind::Memory,
                    Space::Global => ExternKind::Global,
                    _ => ExternKind::Tag,
                };
                f.exports.push((name, kind, Ref::Num(idx, start)));
            }
            if c.take_paren_kw("import") {
                let module = c.name()?;
                let name = c.name()?;
                c.rparen()?;
                let kind = match space {
                    Space::Func => ImportKind::Func(type_use(c, f)?),
                    Space::Table => ImportKind::Table(table_type(c, f)?),
                    Space::Memory => ImportKind::Memory(memory_type(c)?),
                    Space::Global => ImportKind::Global(global_type(c, f)?),
                    _ => ImportKind::Tag(type_use(c, f)?),
                };
                import_order(f, start)?;
                f.order.push((Space::Type, f.imports.len()));
                f.imports.push(Import {
                    module,
                    name,
                    kind,
                    id: dname,
                });
            } else {
                f.defined.get_or_insert(match space {
                    Space::Func => "function",
                    Space::Table => "table",
                    Space::Memory => "memory",
                    Space::Global => "global",
                    _ => "tag",
                });
                let id = dname;
                match space {
                    Space::Func => {
                        let ty = type_use(c, f)?;
                        let mut locals = Vec::new();
                        let mut local_names = Vec::new();
                        while c.take_paren_kw("local") {
                            let lid = c.opt_id();
                            if lid.is_some() || c.name_annot.is_some() {
                                local_names.push(c.def_name(&lid));
                                locals.push((lid.map(|l| l.0), valtype(c, f)?));
                            } else {
                                while !c.at_rparen() {
                                    local_names.push(None);
                                    locals.push((None, valtype(c, f)?));
                                }
                            }
                            c.rparen()?;
                        }
                        let body = expr_range(c)?;
                        f.order.push((Space::Func, f.funcs.len()));
                        f.funcs.push(Func {
                            ty,
                            locals,
                            local_names,
                            body,
                            id,
                        });
                    }
                    Space::Table => table_def(c, f, idx, id)?,
                    Space::Memory => memory_def(c, f, idx, id)?,
                    Space::Global => {
                        let ty = global_type(c, f)?;
                        let init = expr_range(c)?;
                        f.globals.push((ty, init, id));
                    }
                    _ => {
                        let ty = type_use(c, f)?;
                        f.order.push((Space::Tag, f.tags.len()));
                        f.tags.push((ty, id));
                    }
                }
            }
        }
        "export" => {
            let name = c.name()?;
            c.lparen()?;
            let kind = match c.peek_kw() {
                Some("func") => ExternKind::Func,
                Some("table") => ExternKind::Table,
                Some("memory") => ExternKind::Memory,
                Some("global") => ExternKind::Global,
                Some("tag") => ExternKind::Tag,
                _ => return Err(c.err("expected an export kind")),
            };
            c.pos += 1;
            let r = index_ref(c)?;
            c.rparen()?;
            f.exports.push((name, kind, r));
        }
        "start" => {
            if f.start.is_some() {
                return Err(Error::new("multiple start sections", start));
            }
            f.start = Some(index_ref(c)?);
        }
        "elem" => {
            let id = c.opt_id();
            let dname = c.def_name(&id);
            f.bind(Space::Elem, id.as_ref())?;
            let elem = elem_def(c, f, dname)?;
            f.elems.push(elem);
        }
        "data" => {
            let id = c.opt_id();
            let dname = c.def_name(&id);
            f.bind(Space::Data, id.as_ref())?;
            let mode = if c.at_string() || c.at_rparen() {
                None
            } else {
                let mem = if c.take_paren_kw("memory") {
                    let r = index_ref(c)?;
                    c.rparen()?;
                    Some(r)
                } else if matches!(c.peek(), Some(Tok::Num(_) | Tok::Id(_))) {
                    Some(index_ref(c)?)
                } else {
                    None
                };
                Some((mem, offset_expr(c)?))
            };
            let mut bytes = Vec::new();
            while c.at_string() {
                bytes.extend_from_slice(&c.string()?);
            }
            f.datas.push(Data { mode, bytes, id: dname });
        }
        k => return Err(Error::new(format!("unknown module field `{k}`"), start)),
    }
    c.rparen()
}

/// A type definition after `type`: `$id? (sub final? $super* comptype)`
/// or `$id? comptype`, the `group_len` types from `group_start` being its
/// recursion group.
fn type_def(c: &mut Cursor<'_, '_>, f: &mut Fields, group_start: u32, group_len: u32) -> Result<()> {
    let id = c.opt_id();
    let name = c.def_name(&id);
    let index = f.types.len() as u32;
    c.lparen()?;
    let sub = c.take_kw("sub");
    let (is_final, supertypes) = if sub {
        let is_final = c.take_kw("final");
        let mut supers = Vec::new();
        while matches!(c.peek(), Some(Tok::Id(_) | Tok::Num(_))) {
            let r = index_ref(c)?;
            supers.push(f.resolve(Space::Type, &r)?);
        }
        c.lparen()?;
        (is_final, supers)
    } else {
        (true, Vec::new())
    };
    let at = c.offset();
    let kw = c
        .peek_kw()
        .ok_or_else(|| c.err("expected `func`, `struct` or `array`"))?;
    c.pos += 1;
    let (composite, func, param_names) = match kw {
        "func" => {
            let (params, param_names, results) = func_sig(c, f, true)?;
            (
                CompositeType::Func,
                FuncType::new(params.into_iter().map(|p| p.1), results),
                param_names,
            )
        }
        "struct" => {
            let mut fields = Vec::new();
            while c.take_paren_kw("field") {
                let fid = c.opt_id();
                if let Some((n, fat)) = fid {
                    let k = fields.len() as u32;
                    if f.field_ids.insert((index, n.clone()), k).is_some() {
                        return Err(Error::new(format!("duplicate field ${n}"), fat));
                    }
                    fields.push(field_type(c, f)?);
                } else {
                    while !c.at_rparen() {
                        fields.push(field_type(c, f)?);
                    }
                }
                c.rparen()?;
            }
            (
                CompositeType::Struct(fields.into_boxed_slice()),
                FuncType::new([], []),
                Vec::new(),
            )
        }
        "array" => (
            CompositeType::Array(field_type(c, f)?),
            FuncType::new([], []),
            Vec::new(),
        ),
        k => {
            return Err(Error::new(
                format!("unexpected `{k}`, expected `func`, `struct` or `array`"),
                at,
            ));
        }
    };
    c.rparen()?;
    if sub {
        c.rparen()?;
    }
    f.types.push((func, name, param_names));
    f.type_defs.push(TypeDef {
        group_start,
        group_len,
        rec: false,
        is_final,
        supertypes: supertypes.into_boxed_slice(),
        composite,
    });
    Ok(())
}

/// A field type: `(mut storagetype)` or `storagetype`.
fn field_type(c: &mut Cursor<'_, '_>, f: &Fields) -> Result<FieldType> {
    let mutable = c.take_paren_kw("mut");
    let storage = if c.take_kw("i8") {
        StorageType::I8
    } else if c.take_kw("i16") {
        StorageType::I16
    } else {
        StorageType::Val(valtype(c, f)?)
    };
    if mutable {
        c.rparen()?;
    }
    Ok(FieldType { storage, mutable })
}

fn import_order(f: &Fields, at: usize) -> Result<()> {
    match f.defined {
        Some(kind) => Err(Error::new(format!("import after {kind}"), at)),
        None => Ok(()),
    }
}

/// `(@custom "name" (before|after X)? "bytes"*)`
fn custom_annotation(c: &mut Cursor<'_, '_>, f: &mut Fields) -> Result<()> {
    c.pos += 1;
    let name = c.name()?;
    let mut after = None;
    if c.at_lparen() {
        c.pos += 1;
        let before = match c.peek_kw() {
            Some("before") => true,
            Some("after") => false,
            _ => return Err(c.err("expected `before` or `after`")),
        };
        c.pos += 1;
        let what = c.peek_kw().ok_or_else(|| c.err("expected a section name"))?;
        c.pos += 1;
        let order = [
            ("type", 1),
            ("import", 2),
            ("func", 3),
            ("table", 4),
            ("memory", 5),
            ("tag", 13),
            ("global", 6),
            ("export", 7),
            ("start", 8),
            ("elem", 9),
            ("datacount", 12),
            ("code", 10),
            ("data", 11),
        ];
        let pos = match what {
            "first" => 0,
            "last" => order.len() + 1,
            w => order
                .iter()
                .position(|(n, _)| *n == w)
                .map(|p| p + 1)
                .ok_or_else(|| c.err("unknown section"))?,
        };
        // Place after the section that precedes the anchor.
        let p = if before { pos.saturating_sub(1) } else { pos };
        after = Some(if p == 0 {
            0
        } else {
            order[(p - 1).min(order.len() - 1)].1
        });
        c.rparen()?;
    }
    let mut bytes = Vec::new();
    while c.at_string() {
        bytes.extend_from_slice(&c.string()?);
    }
    c.rparen()?;
    f.customs.push(Custom {
        name,
        after: after.unwrap_or(11),
        bytes,
    });
    Ok(())
}

/// `(@producers (language|sdk|processed-by "name" "version")*)`: the
/// `producers` custom section, after the last section (as `wasm-tools`
/// places it). Its fields keep the order in which they first appear, and
/// the values of each field their order, so that printed text reads back
/// to the section it came from.
fn producers_annotation(c: &mut Cursor<'_, '_>, f: &mut Fields) -> Result<()> {
    c.pos += 1;
    let mut fields: Vec<(&'static str, Vec<(String, String)>)> = Vec::new();
    while c.at_lparen() {
        c.pos += 1;
        let field = match c.peek_kw() {
            Some("language") => "language",
            Some("sdk") => "sdk",
            Some("processed-by") => "processed-by",
            _ => return Err(c.err("expected `language`, `sdk` or `processed-by`")),
        };
        c.pos += 1;
        let value = (c.name()?, c.name()?);
        c.rparen()?;
        match fields.iter_mut().find(|(name, _)| *name == field) {
            Some((_, values)) => values.push(value),
            None => fields.push((field, vec![value])),
        }
    }
    c.rparen()?;
    let mut bytes = Vec::new();
    write_u32(&mut bytes, fields.len() as u32);
    for (field, values) in &fields {
        write_name(&mut bytes, field);
        write_u32(&mut bytes, values.len() as u32);
        for (name, version) in values {
            write_name(&mut bytes, name);
            write_name(&mut bytes, version);
        }
    }
    f.customs.push(Custom {
        name: "producers".to_string(),
        after: 11,
        bytes,
    });
    Ok(())
}

/// `(@dylink.0 ...)`: the `dylink.0` custom section of dynamic linking,
/// before the first section, in the syntax `wasm-tools` prints:
/// `(mem-info (memory SIZE ALIGN)? (table SIZE ALIGN)?)`, `(needed "lib"*)`,
/// `(export-info "name" FLAG*)`, `(import-info "module" "name" FLAG*)`,
/// `(runtime-path "path"*)`, `(target-arch "arch")`. Consecutive
/// `export-info`s (or `import-info`s) make one subsection.
fn dylink_annotation(c: &mut Cursor<'_, '_>, f: &mut Fields) -> Result<()> {
    fn u32_lit(c: &mut Cursor<'_, '_>) -> Result<u32> {
        let at = c.offset();
        literal::parse_u32(c.num()?).ok_or_else(|| Error::new("constant out of range", at))
    }
    fn names(c: &mut Cursor<'_, '_>, out: &mut Vec<u8>) -> Result<()> {
        let mut list = Vec::new();
        while c.at_string() {
            list.push(c.name()?);
        }
        write_u32(out, list.len() as u32);
        list.iter().for_each(|n| write_name(out, n));
        Ok(())
    }
    fn flags(c: &mut Cursor<'_, '_>) -> Result<u32> {
        let mut flags = 0;
        while !c.at_rparen() {
            if c.at_num() {
                flags |= u32_lit(c)?;
                continue;
            }
            let bit = match c.peek_kw() {
                Some("binding-weak") => 0,
                Some("binding-local") => 1,
                Some("visibility-hidden") => 2,
                Some("undefined") => 4,
                Some("exported") => 5,
                Some("explicit-name") => 6,
                Some("no-strip") => 7,
                Some("tls") => 8,
                Some("absolute") => 9,
                _ => return Err(c.err("expected a symbol flag")),
            };
            c.pos += 1;
            flags |= 1 << bit;
        }
        Ok(flags)
    }
    c.pos += 1;
    // (subsection id, entry count, entries)
    let mut subs: Vec<(u8, u32, Vec<u8>)> = Vec::new();
    while c.at_lparen() {
        c.pos += 1;
        let kw = c.peek_kw().ok_or_else(|| c.err("expected a dylink.0 subsection"))?;
        c.pos += 1;
        let mut body = Vec::new();
        let id = match kw {
            "mem-info" => {
                let mut sizes = [0u32; 4];
                for (i, what) in ["memory", "table"].into_iter().enumerate() {
                    if c.take_paren_kw(what) {
                        sizes[2 * i] = u32_lit(c)?;
                        sizes[2 * i + 1] = u32_lit(c)?;
                        c.rparen()?;
                    }
                }
                sizes.iter().for_each(|&v| write_u32(&mut body, v));
                1
            }
            "needed" => {
                names(c, &mut body)?;
                2
            }
            "export-info" => {
                write_name(&mut body, &c.name()?);
                write_u32(&mut body, flags(c)?);
                3
            }
            "import-info" => {
                write_name(&mut body, &c.name()?);
                write_name(&mut body, &c.name()?);
                write_u32(&mut body, flags(c)?);
                4
            }
            "runtime-path" => {
                names(c, &mut body)?;
                5
            }
            "target-arch" => {
                write_name(&mut body, &c.name()?);
                6
            }
            _ => return Err(c.err("unknown dylink.0 subsection")),
        };
        c.rparen()?;
        match subs.last_mut() {
            Some((last, n, entries)) if *last == id && (id == 3 || id == 4) => {
                *n += 1;
                entries.extend_from_slice(&body);
            }
            _ if id == 3 || id == 4 => subs.push((id, 1, body)),
            _ => subs.push((id, 0, body)),
        }
    }
    c.rparen()?;
    let mut bytes = Vec::new();
    for (id, n, entries) in subs {
        let mut content = Vec::new();
        if id == 3 || id == 4 {
            write_u32(&mut content, n);
        }
        content.extend_from_slice(&entries);
        bytes.push(id);
        write_bytes(&mut bytes, &content);
    }
    f.customs.push(Custom {
        name: "dylink.0".to_string(),
        after: 0,
        bytes,
    });
    Ok(())
}

/// A token range of instructions up to (not including) the closing paren.
fn expr_range(c: &mut Cursor<'_, '_>) -> Result<Range> {
    let s = c.pos;
    while !c.at_rparen() {
        if c.is_eof() {
            return Err(c.err("unexpected end of input"));
        }
        c.skip_item()?;
    }
    Ok((s, c.pos))
}

/// `(offset instr*)` or a single folded instruction.
fn offset_expr(c: &mut Cursor<'_, '_>) -> Result<Range> {
    if c.take_paren_kw("offset") {
        let r = expr_range(c)?;
        c.rparen()?;
        Ok(r)
    } else if c.at_lparen() {
        let s = c.pos;
        c.skip_item()?;
        Ok((s, c.pos))
    } else {
        Err(c.err("expected an offset expression"))
    }
}

pub(crate) fn index_ref(c: &mut Cursor<'_, '_>) -> Result<Ref> {
    let at = c.offset();
    match c.peek() {
        Some(Tok::Id(id)) => {
            c.pos += 1;
            Ok(Ref::Id(id.to_string(), at))
        }
        Some(Tok::Num(_)) => Ok(Ref::Num(c.u32()?, at)),
        _ => Err(c.err("expected an index")),
    }
}

/// An abstract heap type's keyword.
pub(crate) fn abstract_heap_type(k: &str) -> Option<HeapType> {
    Some(match k {
        "func" => HeapType::Func,
        "extern" => HeapType::Extern,
        "exn" => HeapType::Exn,
        "any" => HeapType::Any,
        "eq" => HeapType::Eq,
        "i31" => HeapType::I31,
        "struct" => HeapType::Struct,
        "array" => HeapType::Array,
        "none" => HeapType::None,
        "nofunc" => HeapType::NoFunc,
        "noextern" => HeapType::NoExtern,
        "noexn" => HeapType::NoExn,
        _ => return None,
    })
}

/// A vector shape's lane count and lane width in bits.
pub(crate) fn vector_shape(shape: &str) -> Option<(usize, u32)> {
    Some(match shape {
        "i8x16" => (16, 8),
        "i16x8" => (8, 16),
        "i32x4" => (4, 32),
        "i64x2" => (2, 64),
        "f32x4" => (4, 32),
        "f64x2" => (2, 64),
        _ => return None,
    })
}

fn heap_type(c: &mut Cursor<'_, '_>, f: &Fields) -> Result<HeapType> {
    let at = c.offset();
    match c.peek() {
        Some(Tok::Keyword(k)) => {
            let h = abstract_heap_type(k).ok_or_else(|| Error::new(format!("unknown heap type `{k}`"), at))?;
            c.pos += 1;
            Ok(h)
        }
        Some(Tok::Id(_) | Tok::Num(_)) => {
            let r = index_ref(c)?;
            Ok(HeapType::Concrete(f.resolve(Space::Type, &r)?))
        }
        _ => Err(c.err("expected a heap type")),
    }
}

pub(crate) fn ref_type(c: &mut Cursor<'_, '_>, f: &Fields) -> Result<RefType> {
    match valtype(c, f)? {
        ValType::Ref(r) => Ok(r),
        _ => Err(c.err("expected a reference type")),
    }
}

fn valtype(c: &mut Cursor<'_, '_>, f: &Fields) -> Result<ValType> {
    let at = c.offset();
    match c.peek() {
        Some(Tok::Keyword(k)) => {
            let t = match *k {
                "i32" => ValType::I32,
                "i64" => ValType::I64,
                "f32" => ValType::F32,
                "f64" => ValType::F64,
                "v128" => ValType::V128,
                // `Xref` abbreviates `(ref null X)`; the bottom types are
                // spelt `nullref`, `nullfuncref`, ... for none, nofunc, ....
                _ => match k.strip_suffix("ref").and_then(|h| {
                    abstract_heap_type(match h {
                        "null" => "none",
                        "nullfunc" => "nofunc",
                        "nullextern" => "noextern",
                        "nullexn" => "noexn",
                        // Not spellings of their own (`noneref` is no type).
                        "none" | "nofunc" | "noextern" | "noexn" => "",
                        h => h,
                    })
                }) {
                    Some(heap) => ValType::Ref(RefType { nullable: true, heap }),
                    None => return Err(Error::new(format!("unexpected token `{k}`, expected a value type"), at)),
                },
            };
            c.pos += 1;
            Ok(t)
        }
        Some(Tok::LParen) if c.paren_kw() == Some("ref") => {
            c.pos += 2;
            let nullable = c.take_kw("null");
            let heap = heap_type(c, f)?;
            c.rparen()?;
            Ok(ValType::Ref(RefType { nullable, heap }))
        }
        _ => Err(c.err("expected a value type")),
    }
}

/// `(param ...)* (result ...)*`; with `named`, params may carry ids.
/// Parameters (with their ids, if any), their name-section names, and
/// results.
type Sig = (Vec<(Option<String>, ValType)>, Vec<Option<String>>, Vec<ValType>);

fn func_sig(c: &mut Cursor<'_, '_>, f: &Fields, named: bool) -> Result<Sig> {
    let mut params = Vec::new();
    let mut names = Vec::new();
    let mut results = Vec::new();
    while c.take_paren_kw("param") {
        let id = c.opt_id();
        if id.is_some() || c.name_annot.is_some() {
            if let (false, Some((_, at))) = (named, &id) {
                return Err(Error::new("unexpected identifier", *at));
            }
            names.push(c.def_name(&id));
            params.push((id.map(|i| i.0), valtype(c, f)?));
        } else {
            while !c.at_rparen() {
                names.push(None);
                params.push((None, valtype(c, f)?));
            }
        }
        c.rparen()?;
    }
    while c.take_paren_kw("result") {
        while !c.at_rparen() {
            results.push(valtype(c, f)?);
        }
        c.rparen()?;
    }
    Ok((params, names, results))
}

fn type_use(c: &mut Cursor<'_, '_>, f: &Fields) -> Result<TypeUse> {
    let offset = c.offset();
    let idx = if c.take_paren_kw("type") {
        let r = index_ref(c)?;
        c.rparen()?;
        Some(r)
    } else {
        None
    };
    let inline = c.at_paren_kw("param") || c.at_paren_kw("result");
    let (params, param_names, results) = func_sig(c, f, true)?;
    Ok(TypeUse {
        idx,
        params,
        param_names,
        results,
        inline,
        offset,
    })
}

fn limits(c: &mut Cursor<'_, '_>, wide: bool) -> Result<Limits> {
    let read = |c: &mut Cursor<'_, '_>| -> Result<u64> {
        let at = c.offset();
        let n = c.num()?;
        // Read as u64 whatever the index type (Wasm 3.0): a 32-bit limit
        // above `u32::MAX` makes an invalid module, not a malformed one.
        let _ = wide;
        literal::parse_u64(n).ok_or_else(|| Error::new("constant out of range", at))
    };
    let min = read(c)?;
    let max = if c.at_num() { Some(read(c)?) } else { None };
    Ok(Limits { min, max })
}

fn index_type(c: &mut Cursor<'_, '_>) -> bool {
    if c.take_kw("i64") {
        true
    } else {
        c.take_kw("i32");
        false
    }
}

fn table_type(c: &mut Cursor<'_, '_>, f: &Fields) -> Result<TableType> {
    let table64 = index_type(c);
    let limits = limits(c, table64)?;
    let element = ref_type(c, f)?;
    Ok(TableType {
        element,
        limits,
        table64,
    })
}

fn memory_type(c: &mut Cursor<'_, '_>) -> Result<MemoryType> {
    let memory64 = index_type(c);
    let limits = limits(c, memory64)?;
    let shared = c.take_kw("shared");
    let page_size_log2 = page_size(c)?;
    Ok(MemoryType {
        limits,
        shared,
        memory64,
        page_size_log2,
    })
}

/// An optional `(pagesize N)`: log2 of `N`, a power of two.
fn page_size(c: &mut Cursor<'_, '_>) -> Result<Option<u32>> {
    if !c.take_paren_kw("pagesize") {
        return Ok(None);
    }
    let at = c.offset();
    let n = c.u32()?;
    if !n.is_power_of_two() {
        return Err(Error::new("invalid custom page size", at));
    }
    c.rparen()?;
    Ok(Some(n.trailing_zeros()))
}

fn global_type(c: &mut Cursor<'_, '_>, f: &Fields) -> Result<GlobalType> {
    if c.take_paren_kw("mut") {
        let content = valtype(c, f)?;
        c.rparen()?;
        Ok(GlobalType { content, mutable: true })
    } else {
        Ok(GlobalType {
            content: valtype(c, f)?,
            mutable: false,
        })
    }
}

fn table_def(c: &mut Cursor<'_, '_>, f: &mut Fields, idx: u32, id: Option<String>) -> Result<()> {
    // `(table id? i64? reftype (elem ...))` abbreviation.
    let save = c.pos;
    let table64 = index_type(c);
    if !c.at_num() {
        let element = ref_type(c, f)?;
        c.lparen()?;
        c.expect_kw("elem")?;
        let items = if c.at_lparen() {
            let mut v = Vec::new();
            while c.at_lparen() {
                v.push(elem_expr(c)?);
            }
            ElemItems::Exprs(v)
        } else {
            let mut v = Vec::new();
            while !c.at_rparen() {
                v.push(index_ref(c)?);
            }
            match element.heap {
                _ if element == RefType::FUNCREF => ElemItems::Funcs(v),
                HeapType::Func | HeapType::Concrete(_) => ElemItems::FuncExprs(v),
                _ => return Err(c.err("function indices need a table of function references")),
            }
        };
        c.rparen()?;
        let n = match &items {
            ElemItems::Funcs(v) | ElemItems::FuncExprs(v) => v.len(),
            ElemItems::Exprs(v) => v.len(),
        } as u64;
        f.tables.push((
            TableType {
                element,
                limits: Limits { min: n, max: Some(n) },
                table64,
            },
            None,
            id,
        ));
        // The implicit segment: active at offset 0 of this table.
        let offset = (usize::MAX, if table64 { 1 } else { 0 });
        f.bind(Space::Elem, None)?;
        f.elems.push(Elem {
            mode: ElemMode::Active {
                table: Some(Ref::Num(idx, 0)),
                offset,
            },
            ty: element,
            items,
            id: None,
        });
        return Ok(());
    }
    c.pos = save;
    let ty = table_type(c, f)?;
    let init = if c.at_rparen() { None } else { Some(expr_range(c)?) };
    f.tables.push((ty, init, id));
    Ok(())
}

fn memory_def(c: &mut Cursor<'_, '_>, f: &mut Fields, idx: u32, id: Option<String>) -> Result<()> {
    let save = c.pos;
    let memory64 = index_type(c);
    let page_size_log2 = page_size(c)?;
    if c.take_paren_kw("data") {
        let mut bytes = Vec::new();
        while c.at_string() {
            bytes.extend_from_slice(&c.string()?);
        }
        c.rparen()?;
        let pages = (bytes.len() as u64).div_ceil(1 << page_size_log2.unwrap_or(16));
        f.memories.push((
            MemoryType {
                limits: Limits {
                    min: pages,
                    max: Some(pages),
                },
                shared: false,
                memory64,
                page_size_log2,
            },
            id,
        ));
        f.bind(Space::Data, None)?;
        let offset = (usize::MAX, if memory64 { 1 } else { 0 });
        f.datas.push(Data {
            mode: Some((Some(Ref::Num(idx, 0)), offset)),
            bytes,
            id: None,
        });
        return Ok(());
    }
    c.pos = save;
    let ty = memory_type(c)?;
    f.memories.push((ty, id));
    Ok(())
}

/// `(item instr*)` or a single folded instruction.
fn elem_expr(c: &mut Cursor<'_, '_>) -> Result<Range> {
    if c.take_paren_kw("item") {
        let r = expr_range(c)?;
        c.rparen()?;
        Ok(r)
    } else {
        let s = c.pos;
        c.skip_item()?;
        Ok((s, c.pos))
    }
}

fn elem_def(c: &mut Cursor<'_, '_>, f: &mut Fields, id: Option<String>) -> Result<Elem> {
    let mode = if c.take_kw("declare") {
        ElemMode::Declared
    } else if c.at_paren_kw("table")
        || c.at_paren_kw("offset")
        || (c.at_lparen() && !c.at_paren_kw("item") && !is_reftype_start(c))
    {
        let table = if c.take_paren_kw("table") {
            let r = index_ref(c)?;
            c.rparen()?;
            Some(r)
        } else {
            None
        };
        ElemMode::Active {
            table,
            offset: offset_expr(c)?,
        }
    } else if matches!(c.peek(), Some(Tok::Num(_) | Tok::Id(_))) {
        // Legacy `(elem 0 (offset ...) ...)`: a table index.
        let table = Some(index_ref(c)?);
        ElemMode::Active {
            table,
            offset: offset_expr(c)?,
        }
    } else {
        ElemMode::Passive
    };
    let (ty, items) = if c.take_kw("func") {
        let mut v = Vec::new();
        while !c.at_rparen() {
            v.push(index_ref(c)?);
        }
        (RefType::FUNCREF, ElemItems::Funcs(v))
    } else if matches!(c.peek(), Some(Tok::Num(_) | Tok::Id(_))) || c.at_rparen() {
        // Abbreviation: a bare list of function indices (active forms).
        if matches!(mode, ElemMode::Passive) && !c.at_rparen() {
            return Err(c.err("expected `func` or a reference type"));
        }
        let mut v = Vec::new();
        while !c.at_rparen() {
            v.push(index_ref(c)?);
        }
        (RefType::FUNCREF, ElemItems::Funcs(v))
    } else {
        let ty = ref_type(c, f)?;
        let mut v = Vec::new();
        while !c.at_rparen() {
            v.push(elem_expr(c)?);
        }
        (ty, ElemItems::Exprs(v))
    };
    Ok(Elem { mode, ty, items, id })
}

fn is_reftype_start(c: &Cursor<'_, '_>) -> bool {
    c.paren_kw() == Some("ref")
}

// ---------------------------------------------------------------------------
// Pass 2: encoding.

pub(crate) struct Encoder<'f, 't, 'a> {
    f: &'f Fields,
    toks: &'t [crate::lexer::Token<'a>],
    end: usize,
    /// All types, explicit then implicit.
    types: Vec<FuncType>,
    /// First index of each distinct function type (for implicit type uses).
    type_lookup: HashMap<FuncType, u32>,
    /// Names found while encoding: local names and label names per function.
    local_names: Vec<(u32, Vec<(u32, String)>)>,
    label_names: Vec<(u32, Vec<(u32, String)>)>,
    /// Branch hints per function: (offset in the body, value).
    branch_hints: Vec<(u32, Vec<(u32, u32)>)>,
}

/// Per-function state while encoding a body.
pub(crate) struct FuncCx {
    locals: HashMap<String, u32>,
    labels: Vec<Option<String>>,
    label_count: u32,
    label_names: Vec<(u32, String)>,
    /// `(@metadata.code.branch_hint ...)`s: (offset in the body, value),
    /// and one read but not yet given to an instruction.
    branch_hints: Vec<(u32, u32)>,
    pending_hint: Option<u32>,
}

impl<'f, 't, 'a> Encoder<'f, 't, 'a> {
    fn new(f: &'f Fields, toks: &'t [crate::lexer::Token<'a>], end: usize) -> Self {
        let types: Vec<FuncType> = f.types.iter().map(|t| t.0.clone()).collect();
        let mut type_lookup = HashMap::new();
        for (i, t) in types.iter().enumerate() {
            // An implicit type use names the first function type of its
            // signature defined outside `(rec ...)`, whatever its finality
            // or supertype, as the `wast` crate (`wasm-tools`) resolves it,
            // so that tern encodes text as wasm-tools does. The spec's
            // abbreviation asks for a final type without supertype, alone in
            // its group (appending one if there is none): for such types the
            // two agree up to equivalence, but where the first match is a
            // non-final or subtyped `(sub ...)` type, wast's choice (and
            // tern's) is a different type than the spec's.
            if f.type_defs.get(i).is_none_or(|d| d.composite == CompositeType::Func) && !f.in_rec[i] {
                type_lookup.entry(t.clone()).or_insert(i as u32);
            }
        }
        Encoder {
            f,
            toks,
            end,
            types,
            type_lookup,
            local_names: Vec::new(),
            label_names: Vec::new(),
            branch_hints: Vec::new(),
        }
    }

    fn cursor(&self, r: Range) -> Cursor<'t, 'a> {
        let mut c = Cursor::new(&self.toks[..r.1], self.end);
        c.pos = r.0;
        c
    }

    /// Resolves a type use to a type index, appending an implicit type if
    /// no existing one matches.
    fn type_use(&mut self, u: &TypeUse) -> Result<u32> {
        if let Some(r) = &u.idx {
            let idx = self.f.resolve(Space::Type, r)?;
            if u.inline {
                let Some(t) = self.types.get(idx as usize) else {
                    return Err(Error::new(format!("unknown type {idx}"), r.offset()));
                };
                let params: Vec<ValType> = u.params.iter().map(|p| p.1).collect();
                if t.params() != params.as_slice() || t.results() != u.results.as_slice() {
                    return Err(Error::new(
                        "inline function type does not match the type index",
                        u.offset,
                    ));
                }
            }
            return Ok(idx);
        }
        let ft = FuncType::new(u.params.iter().map(|p| p.1), u.results.iter().copied());
        Ok(self.intern(ft))
    }

    fn intern(&mut self, ft: FuncType) -> u32 {
        if let Some(&i) = self.type_lookup.get(&ft) {
            return i;
        }
        let i = self.types.len() as u32;
        self.types.push(ft.clone());
        self.type_lookup.insert(ft, i);
        i
    }

    fn num_params(&self, type_idx: u32) -> Option<usize> {
        self.types.get(type_idx as usize).map(|t| t.params().len())
    }

    fn run(mut self) -> Result<Vec<u8>> {
        let f = self.f;
        // Resolve type uses in field order: imports, then the rest as they
        // appear (funcs with their bodies, tags).
        let mut import_types = vec![None; f.imports.len()];
        let mut func_types = vec![0; f.funcs.len()];
        let mut bodies = vec![(Vec::new(), false); f.funcs.len()];
        let mut tag_types = vec![0; f.tags.len()];
        let num_imported_funcs = f
            .imports
            .iter()
            .filter(|i| matches!(i.kind, ImportKind::Func(_)))
            .count() as u32;
        // Type uses in text order; function bodies may append implicit
        // types too (block types, call_indirect).
        for &(kind, i) in &f.order {
            match kind {
                Space::Func => {
                    let func = &f.funcs[i];
                    let ty = self.type_use(&func.ty)?;
                    func_types[i] = ty;
                    bodies[i] = self.func_body(num_imported_funcs + i as u32, func, ty)?;
                }
                Space::Tag => tag_types[i] = self.type_use(&f.tags[i].0)?,
                _ => {
                    import_types[i] = match &f.imports[i].kind {
                        ImportKind::Func(u) | ImportKind::Tag(u) => Some(self.type_use(u)?),
                        _ => None,
                    }
                }
            }
        }
        let mut globals = Vec::new();
        for (ty, init, _) in &f.globals {
            globals.push((*ty, self.const_expr(*init)?));
        }
        let mut tables = Vec::new();
        for (ty, init, _) in &f.tables {
            tables.push((*ty, init.map(|r| self.const_expr(r)).transpose()?));
        }

        // Sections.
        let mut out = tern_binary::HEADER.to_vec();
        let mut s = Vec::new();
        let customs_after = |out: &mut Vec<u8>, id: u8| {
            for c in f.customs.iter().filter(|c| c.after == id) {
                let mut b = Vec::new();
                write_name(&mut b, &c.name);
                b.extend_from_slice(&c.bytes);
                out.push(0);
                write_bytes(out, &b);
            }
        };
        let section = |out: &mut Vec<u8>, id: u8, s: &mut Vec<u8>, count: usize| {
            if count > 0 {
                out.push(id);
                write_bytes(out, s);
            }
            s.clear();
        };
        customs_after(&mut out, 0);
        // type: explicit types by recursion group, then the implicit ones
        // (plain function types).
        tern_binary::write_type_groups(&mut s, &self.types, &f.type_defs, &f.empty_recs);
        section(&mut out, 1, &mut s, self.types.len() + f.empty_recs.len());
        customs_after(&mut out, 1);
        // import
        write_u32(&mut s, f.imports.len() as u32);
        for (imp, ty) in f.imports.iter().zip(&import_types) {
            write_name(&mut s, &imp.module);
            write_name(&mut s, &imp.name);
            match &imp.kind {
                ImportKind::Func(_) => {
                    s.push(0);
                    write_u32(&mut s, ty.unwrap_or(0));
                }
                ImportKind::Table(t) => {
                    s.push(1);
                    write_table_type(&mut s, t);
                }
                ImportKind::Memory(m) => {
                    s.push(2);
                    write_memory_type(&mut s, m);
                }
                ImportKind::Global(g) => {
                    s.push(3);
                    write_global_type(&mut s, g);
                }
                ImportKind::Tag(_) => {
                    s.push(4);
                    s.push(0);
                    write_u32(&mut s, ty.unwrap_or(0));
                }
            }
        }
        section(&mut out, 2, &mut s, f.imports.len());
        customs_after(&mut out, 2);
        // function
        write_u32(&mut s, func_types.len() as u32);
        func_types.iter().for_each(|t| write_u32(&mut s, *t));
        section(&mut out, 3, &mut s, func_types.len());
        customs_after(&mut out, 3);
        // table
        write_u32(&mut s, tables.len() as u32);
        for (ty, init) in &tables {
            if let Some(init) = init {
                s.extend_from_slice(&[0x40, 0x00]);
                write_table_type(&mut s, ty);
                s.extend_from_slice(init);
            } else {
                write_table_type(&mut s, ty);
            }
        }
        section(&mut out, 4, &mut s, tables.len());
        customs_after(&mut out, 4);
        // memory
        write_u32(&mut s, f.memories.len() as u32);
        f.memories.iter().for_each(|(m, _)| write_memory_type(&mut s, m));
        section(&mut out, 5, &mut s, f.memories.len());
        customs_after(&mut out, 5);
        // tag
        write_u32(&mut s, tag_types.len() as u32);
        for t in &tag_types {
            s.push(0);
            write_u32(&mut s, *t);
        }
        section(&mut out, 13, &mut s, tag_types.len());
        customs_after(&mut out, 13);
        // global
        write_u32(&mut s, globals.len() as u32);
        for (ty, init) in &globals {
            write_global_type(&mut s, ty);
            s.extend_from_slice(init);
        }
        section(&mut out, 6, &mut s, globals.len());
        customs_after(&mut out, 6);
        // export
        write_u32(&mut s, f.exports.len() as u32);
        for (name, kind, r) in &f.exports {
            write_name(&mut s, name);
            s.push(kind.code());
            let space = match kind {
                ExternKind::Func => Space::Func,
                ExternKind::Table => Space::Table,
                ExternKind::Memory => Space::Memory,
                ExternKind::Global => Space::Global,
                ExternKind::Tag => Space::Tag,
            };
            write_u32(&mut s, f.resolve(space, r)?);
        }
        section(&mut out, 7, &mut s, f.exports.len());
        customs_after(&mut out, 7);
        // start
        if let Some(r) = &f.start {
            write_u32(&mut s, f.resolve(Space::Func, r)?);
            section(&mut out, 8, &mut s, 1);
        }
        customs_after(&mut out, 8);
        // elem
        write_u32(&mut s, f.elems.len() as u32);
        for e in &f.elems {
            self.elem(&mut s, e)?;
        }
        section(&mut out, 9, &mut s, f.elems.len());
        customs_after(&mut out, 9);
        // data count: when a body uses memory.init or data.drop.
        if self.uses_data_count(&bodies) {
            write_u32(&mut s, f.datas.len() as u32);
            section(&mut out, 12, &mut s, 1);
        }
        customs_after(&mut out, 12);
        // Branch hints go just before the code, as in `wasm-tools`.
        if !self.branch_hints.is_empty() {
            let mut b = Vec::new();
            write_name(&mut b, "metadata.code.branch_hint");
            write_u32(&mut b, self.branch_hints.len() as u32);
            for (func, hints) in &self.branch_hints {
                write_u32(&mut b, *func);
                write_u32(&mut b, hints.len() as u32);
                for &(offset, value) in hints {
                    write_u32(&mut b, offset);
                    write_u32(&mut b, 1);
                    write_u32(&mut b, value);
                }
            }
            out.push(0);
            write_bytes(&mut out, &b);
        }
        // code
        write_u32(&mut s, bodies.len() as u32);
        for (b, _) in &bodies {
            write_bytes(&mut s, b);
        }
        section(&mut out, 10, &mut s, bodies.len());
        customs_after(&mut out, 10);
        // data
        write_u32(&mut s, f.datas.len() as u32);
        for d in &f.datas {
            match &d.mode {
                None => s.push(1),
                Some((mem, offset)) => {
                    let mem = mem
                        .as_ref()
                        .map(|r| f.resolve(Space::Memory, r))
                        .transpose()?
                        .unwrap_or(0);
                    if mem == 0 {
                        s.push(0);
                    } else {
                        s.push(2);
                        write_u32(&mut s, mem);
                    }
                    let e = self.offset_bytes(*offset)?;
                    s.extend_from_slice(&e);
                }
            }
            write_bytes(&mut s, &d.bytes);
        }
        section(&mut out, 11, &mut s, f.datas.len());
        customs_after(&mut out, 11);
        // name
        // An explicit `(@custom "name" ...)` replaces the generated one.
        let names = self.name_section(&import_types);
        if !names.is_empty() && !f.customs.iter().any(|c| c.name == "name") {
            let mut b = Vec::new();
            write_name(&mut b, "name");
            b.extend_from_slice(&names);
            out.push(0);
            write_bytes(&mut out, &b);
        }
        Ok(out)
    }

    fn uses_data_count(&self, bodies: &[(Vec<u8>, bool)]) -> bool {
        bodies.iter().any(|(_, uses)| *uses)
    }

    /// An offset expression; `(usize::MAX, w)` marks the implicit offset 0
    /// of inline `elem`/`data` abbreviations (w = 1 for 64-bit indices).
    fn offset_bytes(&mut self, r: Range) -> Result<Vec<u8>> {
        if r.0 == usize::MAX {
            return Ok(if r.1 == 1 {
                vec![0x42, 0x00, 0x0b]
            } else {
                vec![0x41, 0x00, 0x0b]
            });
        }
        self.const_expr(r)
    }

    fn elem(&mut self, s: &mut Vec<u8>, e: &Elem) -> Result<()> {
        let f = self.f;
        let exprs = matches!(e.items, ElemItems::Exprs(_) | ElemItems::FuncExprs(_));
        let mut flags: u32 = if exprs { 4 } else { 0 };
        let table = match &e.mode {
            ElemMode::Active { table, .. } => table.as_ref().map(|r| f.resolve(Space::Table, r)).transpose()?,
            _ => None,
        };
        match &e.mode {
            ElemMode::Passive => flags |= 1,
            ElemMode::Declared => flags |= 3,
            ElemMode::Active { .. } => {
                // A written `(table N)`, even `(table 0)`, is kept in the
                // encoding (forms 2 and 6), as `wasm-tools` does.
                if table.is_some() || (exprs && e.ty != RefType::FUNCREF) {
                    flags |= 2;
                }
            }
        }
        write_u32(s, flags);
        if let ElemMode::Active { offset, .. } = &e.mode {
            if flags & 2 != 0 {
                write_u32(s, table.unwrap_or(0));
            }
            let o = self.offset_bytes(*offset)?;
            s.extend_from_slice(&o);
        }
        if flags & 3 != 0 {
            if exprs {
                e.ty.encode(s);
            } else {
                s.push(0);
            }
        }
        match &e.items {
            ElemItems::Funcs(v) => {
                write_u32(s, v.len() as u32);
                for r in v {
                    write_u32(s, f.resolve(Space::Func, r)?);
                }
            }
            ElemItems::Exprs(v) => {
                write_u32(s, v.len() as u32);
                for r in v {
                    let x = self.const_expr(*r)?;
                    s.extend_from_slice(&x);
                }
            }
            ElemItems::FuncExprs(v) => {
                write_u32(s, v.len() as u32);
                for r in v {
                    s.push(0xd2);
                    write_u32(s, f.resolve(Space::Func, r)?);
                    s.push(0x0b);
                }
            }
        }
        Ok(())
    }

    /// Encodes a constant expression (with its final `end`).
    fn const_expr(&mut self, r: Range) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut cx = FuncCx {
            locals: HashMap::new(),
            labels: Vec::new(),
            label_count: 0,
            label_names: Vec::new(),
            branch_hints: Vec::new(),
            pending_hint: None,
        };
        self.instrs_end(&mut cx, &mut out, r, "expression")?;
        Ok(out)
    }

    /// Encodes the instructions in `r` and the final `end` into `out`.
    /// Returns whether they use the data count, and the cursor at the end
    /// (for errors found afterwards).
    fn instrs_end(
        &mut self,
        cx: &mut FuncCx,
        out: &mut Vec<u8>,
        r: Range,
        what: &str,
    ) -> Result<(bool, Cursor<'t, 'a>)> {
        let mut c = self.cursor(r);
        let mut uses_data = false;
        crate::instr::Instrs {
            enc: self,
            cx,
            out,
            uses_data: &mut uses_data,
        }
        .seq(&mut c)?;
        if !c.is_eof() {
            return Err(c.err(format!("unexpected token in {what}")));
        }
        out.push(0x0b);
        Ok((uses_data, c))
    }

    /// Encodes a function body; also says whether it needs the data count
    /// section.
    fn func_body(&mut self, func_idx: u32, func: &Func, ty: u32) -> Result<(Vec<u8>, bool)> {
        let mut cx = FuncCx {
            locals: HashMap::new(),
            labels: Vec::new(),
            label_count: 0,
            label_names: Vec::new(),
            branch_hints: Vec::new(),
            pending_hint: None,
        };
        let mut names = Vec::new();
        let nparams = if func.ty.inline || func.ty.idx.is_none() {
            for (i, (id, _)) in func.ty.params.iter().enumerate() {
                if let Some(n) = id
                    && cx.locals.insert(n.clone(), i as u32).is_some()
                {
                    return Err(Error::new(format!("duplicate local ${n}"), func.ty.offset));
                }
                if let Some(Some(n)) = func.ty.param_names.get(i) {
                    names.push((i as u32, n.clone()));
                }
            }
            func.ty.params.len()
        } else {
            self.num_params(ty).unwrap_or(0)
        };
        for (i, (id, _)) in func.locals.iter().enumerate() {
            let idx = (nparams + i) as u32;
            if let Some(n) = id
                && cx.locals.insert(n.clone(), idx).is_some()
            {
                return Err(Error::new(format!("duplicate local ${n}"), func.ty.offset));
            }
            if let Some(Some(n)) = func.local_names.get(i) {
                names.push((idx, n.clone()));
            }
        }
        let mut out = Vec::new();
        // Locals, run-length encoded.
        let mut groups: Vec<(u32, ValType)> = Vec::new();
        for (_, t) in &func.locals {
            match groups.last_mut() {
                Some((n, gt)) if gt == t => *n += 1,
                _ => groups.push((1, *t)),
            }
        }
        write_u32(&mut out, groups.len() as u32);
        for (n, t) in &groups {
            write_u32(&mut out, *n);
            t.encode(&mut out);
        }
        let (uses_data, c) = self.instrs_end(&mut cx, &mut out, func.body, "function body")?;
        if !names.is_empty() {
            self.local_names.push((func_idx, names));
        }
        if cx.pending_hint.is_some() {
            return Err(c.err("a branch hint must precede an instruction"));
        }
        if !cx.label_names.is_empty() {
            self.label_names.push((func_idx, cx.label_names));
        }
        if !cx.branch_hints.is_empty() {
            self.branch_hints.push((func_idx, cx.branch_hints));
        }
        Ok((out, uses_data))
    }

    fn name_section(&self, import_types: &[Option<u32>]) -> Vec<u8> {
        let f = self.f;
        let mut names = tern_binary::Names {
            module: f.module_name.as_deref(),
            ..Default::default()
        };
        let mut direct: HashMap<u8, Vec<(u32, &str)>> = HashMap::new();
        let mut counters: HashMap<u8, u32> = HashMap::new();
        let mut add = |sub: u8, name: Option<&'f str>| {
            let c = counters.entry(sub).or_insert(0);
            if let Some(n) = name {
                direct.entry(sub).or_default().push((*c, n));
            }
            *c += 1;
        };
        let mut type_params: Vec<(u32, Vec<(u32, &str)>)> = Vec::new();
        for (i, (_, n, params)) in f.types.iter().enumerate() {
            add(4, n.as_deref());
            let named: Vec<(u32, &str)> = params
                .iter()
                .enumerate()
                .filter_map(|(k, p)| p.as_deref().map(|p| (k as u32, p)))
                .collect();
            if !named.is_empty() {
                type_params.push((i as u32, named));
            }
        }
        let mut import_locals: Vec<(u32, Vec<(u32, String)>)> = Vec::new();
        let mut func_i = 0u32;
        // Parameter names of tags with an inline signature.
        let mut tag_params: Vec<(u32, Vec<(u32, &str)>)> = Vec::new();
        let mut tag_i = 0u32;
        let mut tag_param_names = |u: &'f TypeUse| {
            let named: Vec<(u32, &str)> = u
                .param_names
                .iter()
                .enumerate()
                .filter_map(|(k, p)| p.as_deref().map(|p| (k as u32, p)))
                .collect();
            if !named.is_empty() && u.inline {
                tag_params.push((tag_i, named));
            }
            tag_i += 1;
        };
        for (imp, _) in f.imports.iter().zip(import_types) {
            let sub = match imp.kind {
                ImportKind::Func(ref u) => {
                    let ln: Vec<(u32, String)> = u
                        .param_names
                        .iter()
                        .enumerate()
                        .filter_map(|(i, n)| n.clone().map(|n| (i as u32, n)))
                        .collect();
                    if !ln.is_empty() && u.inline {
                        import_locals.push((func_i, ln));
                    }
                    func_i += 1;
                    1
                }
                ImportKind::Table(_) => 5,
                ImportKind::Memory(_) => 6,
                ImportKind::Global(_) => 7,
                ImportKind::Tag(ref u) => {
                    tag_param_names(u);
                    11
                }
            };
            add(sub, imp.id.as_deref());
        }
        for func in &f.funcs {
            add(1, func.id.as_deref());
        }
        for t in &f.tables {
            add(5, t.2.as_deref());
        }
        for m in &f.memories {
            add(6, m.1.as_deref());
        }
        for g in &f.globals {
            add(7, g.2.as_deref());
        }
        for e in &f.elems {
            add(8, e.id.as_deref());
        }
        for d in &f.datas {
            add(9, d.id.as_deref());
        }
        for t in &f.tags {
            tag_param_names(&t.0);
            add(11, t.1.as_deref());
        }
        names.functions = direct.remove(&1).unwrap_or_default();
        let mut locals: Vec<(u32, Vec<(u32, &str)>)> = import_locals
            .iter()
            .chain(self.local_names.iter())
            .map(|(f, v)| (*f, v.iter().map(|(i, n)| (*i, n.as_str())).collect()))
            .collect();
        locals.sort_by_key(|l| l.0);
        names.locals = locals;
        let labels: Vec<(u32, Vec<(u32, &str)>)> = self
            .label_names
            .iter()
            .map(|(f, v)| (*f, v.iter().map(|(i, n)| (*i, n.as_str())).collect()))
            .collect();
        if !labels.is_empty() {
            names.indirect.push((3, labels));
        }
        // Struct field names (subsection 10), by type then field.
        let mut fields: Vec<(u32, Vec<(u32, &str)>)> = Vec::new();
        let mut ids: Vec<(&(u32, String), &u32)> = f.field_ids.iter().collect();
        ids.sort();
        for ((t, name), &k) in ids {
            match fields.last_mut() {
                Some((lt, v)) if lt == t => v.push((k, name.as_str())),
                _ => fields.push((*t, vec![(k, name.as_str())])),
            }
        }
        for (_, v) in &mut fields {
            v.sort_by_key(|x| x.0);
        }
        if !fields.is_empty() {
            names.indirect.push((10, fields));
        }
        if !type_params.is_empty() {
            // Parameter names of function types, as `wasm-tools` writes them.
            names.indirect.push((12, type_params));
        }
        if !tag_params.is_empty() {
            names.indirect.push((13, tag_params));
        }
        let mut keys: Vec<u8> = direct.keys().copied().collect();
        keys.sort();
        for k in keys {
            let v = direct.remove(&k).unwrap_or_default();
            if !v.is_empty() {
                names.direct.push((k, v));
            }
        }
        names.encode()
    }
}

pub(crate) use self::Encoder as ModuleEncoder;
pub(crate) use self::FuncCx as FunctionContext;

impl Encoder<'_, '_, '_> {
    pub(crate) fn resolve(&self, space: Space, r: &Ref) -> Result<u32> {
        self.f.resolve(space, r)
    }

    pub(crate) fn valtype(&self, c: &mut Cursor<'_, '_>) -> Result<ValType> {
        valtype(c, self.f)
    }

    /// A field of struct type `ty`: its index, or its identifier.
    pub(crate) fn field_index(&self, ty: u32, r: &Ref) -> Result<u32> {
        match r {
            Ref::Num(n, _) => Ok(*n),
            Ref::Id(name, off) => self
                .f
                .field_ids
                .get(&(ty, name.clone()))
                .copied()
                .ok_or_else(|| Error::new(format!("unknown field ${name}"), *off)),
        }
    }

    pub(crate) fn heap_type(&self, c: &mut Cursor<'_, '_>) -> Result<HeapType> {
        heap_type(c, self.f)
    }

    /// A block type: `(type x)? (param ..)* (result ..)*`.
    pub(crate) fn block_type(&mut self, c: &mut Cursor<'_, '_>) -> Result<BlockType> {
        let u = type_use(c, self.f)?;
        if u.idx.is_some() {
            return Ok(BlockType::Func(self.type_use(&u)?));
        }
        if u.params.iter().any(|p| p.0.is_some()) {
            return Err(Error::new("unexpected identifier in block type", u.offset));
        }
        if u.params.is_empty() && u.results.len() <= 1 {
            return Ok(match u.results.first() {
                Some(t) => BlockType::Value(*t),
                None => BlockType::Empty,
            });
        }
        Ok(BlockType::Func(self.type_use(&u)?))
    }

    /// A type use for `call_indirect`: resolved to a type index.
    pub(crate) fn call_type_use(&mut self, c: &mut Cursor<'_, '_>) -> Result<u32> {
        let u = type_use(c, self.f)?;
        if u.params.iter().any(|p| p.0.is_some()) {
            return Err(Error::new("unexpected identifier in type use", u.offset));
        }
        self.type_use(&u)
    }
}

impl FuncCx {
    /// Keeps the value of a branch hint for the next instruction.
    pub(crate) fn set_branch_hint(&mut self, value: u32, at: usize) -> Result<()> {
        if self.pending_hint.replace(value).is_some() {
            return Err(Error::new("two branch hints for one instruction", at));
        }
        Ok(())
    }

    /// The branch hint read for the next instruction, if any.
    pub(crate) fn take_branch_hint(&mut self) -> Option<u32> {
        self.pending_hint.take()
    }

    /// Gives branch hint `hint` to the instruction at `offset` in the body.
    pub(crate) fn record_branch_hint(&mut self, hint: Option<u32>, offset: usize) {
        if let Some(value) = hint {
            self.branch_hints.push((offset as u32, value));
        }
    }

    pub(crate) fn has_pending_branch_hint(&self) -> bool {
        self.pending_hint.is_some()
    }

    pub(crate) fn local(&self, r: &Ref) -> Result<u32> {
        match r {
            Ref::Num(n, _) => Ok(*n),
            Ref::Id(name, off) => self
                .locals
                .get(name)
                .copied()
                .ok_or_else(|| Error::new(format!("unknown local ${name}"), *off)),
        }
    }

    pub(crate) fn push_label(&mut self, (id, name): (Option<String>, Option<String>)) {
        if let Some(n) = name {
            self.label_names.push((self.label_count, n));
        }
        self.label_count += 1;
        self.labels.push(id);
    }

    pub(crate) fn pop_label(&mut self) {
        self.labels.pop();
    }

    pub(crate) fn label(&self, r: &Ref) -> Result<u32> {
        match r {
            Ref::Num(n, _) => Ok(*n),
            Ref::Id(name, off) => self
                .labels
                .iter()
                .rev()
                .position(|l| l.as_deref() == Some(name.as_str()))
                .map(|p| p as u32)
                .ok_or_else(|| Error::new(format!("unknown label ${name}"), *off)),
        }
    }

    pub(crate) fn innermost_label(&self) -> Option<&Option<String>> {
        self.labels.last()
    }
}

pub(crate) fn write_memarg_value(out: &mut Vec<u8>, align: u32, offset: u64, memory: u32) {
    if memory != 0 {
        write_u32(out, align | 0x40);
        write_u32(out, memory);
    } else {
        write_u32(out, align);
    }
    write_u64(out, offset);
}
