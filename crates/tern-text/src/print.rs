//! The printer: binary → text.
//!
//! The module is decoded with [`tern_binary::decode`] and printed in the
//! standard text syntax, one field per line, in section order. Names come
//! from the `name` section (see [`names`]); custom sections other than
//! `name` become `(@custom "NAME" (after SECTION) "BYTES")` annotations that
//! put them back where they were. When the identifiers printed would not
//! re-create the `name` section byte for byte (it is not the last section,
//! has entries out of range, unknown subsections, ...), it is printed as a
//! `@custom` annotation too, so that parsing the text gives back the module.
//!
//! Everything is written into one `String`; nothing is allocated per
//! instruction.

mod body;
mod names;
mod text;

use std::collections::HashSet;

use tern_binary::{
    BinaryError, CustomSection, DataMode, ElementItems, ElementMode, ExternKind, GlobalType, ImportType, Limits,
    MemoryType, Module, NameMap, Names, RefType, TableType, ValType, section,
};

use body::{Frame, Pending};
use names::{Kind, Named, Space, Sparse, sub};
use text::{push_bytes_lit, push_id, push_str_lit, push_u32, push_u64};

/// Printer options.
#[derive(Clone, Debug, Default)]
pub struct PrintOptions {
    /// Print instructions in folded (S-expression) form where the operand
    /// counts are known: `(i32.add (local.get 0) (i32.const 1))`.
    pub folded: bool,
    /// Ignore the `name` section: print indices only, and keep the section
    /// as a `@custom` annotation.
    pub skip_names: bool,
}

/// Prints a binary module as text.
pub fn print(bytes: &[u8]) -> Result<String, BinaryError> {
    print_with(bytes, &PrintOptions::default())
}

/// Prints a binary module as text with options.
pub fn print_with(bytes: &[u8], opts: &PrintOptions) -> Result<String, BinaryError> {
    let m = tern_binary::decode(bytes)?;
    let last_section_is_first_name = match tern_binary::sections(bytes)?.last() {
        Some(s) => {
            s.id == section::CUSTOM && s.name == "name" && m.customs.iter().filter(|c| c.name == "name").count() == 1
        }
        None => false,
    };
    let mut p = Printer::new(&m, opts, bytes.len());
    p.module(last_section_is_first_name)?;
    Ok(p.out)
}

/// The printer's state: output, resolved names, and the function being
/// printed.
struct Printer<'a, 'm> {
    out: String,
    m: &'m Module<'a>,
    folded: bool,
    indent: usize,

    names: Names<'a>,
    /// Whether the `name` section decoded (when it did not, it is printed raw).
    names_ok: bool,
    types: Space<'a>,
    funcs: Space<'a>,
    tables: Space<'a>,
    memories: Space<'a>,
    globals: Space<'a>,
    elems: Space<'a>,
    datas: Space<'a>,
    tags: Space<'a>,
    /// Type index of each function (imported, then defined).
    func_types: Vec<u32>,
    /// Type index of each tag.
    tag_types: Vec<u32>,
    /// The field names of struct types that have some, by type index.
    fields: Vec<(u32, Sparse<'a>)>,

    /// Names of the current function's locals and labels.
    locals: Sparse<'a>,
    labels: Sparse<'a>,
    label_count: u32,
    frames: Vec<Frame<'a>>,
    pending: Vec<Pending>,
    scratch: String,
    used: HashSet<&'a str>,
}

impl<'a, 'm> Printer<'a, 'm> {
    fn new(m: &'m Module<'a>, opts: &PrintOptions, input_len: usize) -> Self {
        let (names, names_ok) = match m.custom("name") {
            Some(_) if opts.skip_names => (Names::default(), false),
            Some(c) => match Names::decode(c.data, c.data_offset) {
                Ok(mut n) => {
                    names::normalize(&mut n);
                    (n, true)
                }
                Err(_) => (Names::default(), false),
            },
            None => (Names::default(), true),
        };
        let mut func_types = Vec::with_capacity(m.num_funcs() as usize);
        let mut tag_types = Vec::new();
        for i in &m.imports {
            match i.ty {
                ImportType::Func(t) => func_types.push(t),
                ImportType::Tag(t) => tag_types.push(t.type_index),
                _ => {}
            }
        }
        func_types.extend_from_slice(&m.functions);
        tag_types.extend(m.tags.iter().map(|t| t.type_index));

        let mut used = HashSet::new();
        let mut space = |id: u8, count: usize| Space::new(names::direct(&names, id), count, &mut used);
        let types = space(sub::TYPES, m.types.len());
        let tables = space(sub::TABLES, m.num_imported_tables as usize + m.tables.len());
        let memories = space(sub::MEMORIES, m.num_imported_memories as usize + m.memories.len());
        let globals = space(sub::GLOBALS, m.num_imported_globals as usize + m.globals.len());
        let elems = space(sub::ELEMS, m.elements.len());
        let datas = space(sub::DATA, m.data.len());
        let tags = space(sub::TAGS, tag_types.len());
        let funcs = Space::new(&names.functions, func_types.len(), &mut used);
        let mut fields = Vec::new();
        for (t, map) in names::indirect(&names, sub::FIELDS) {
            let count = match m.type_defs.get(*t as usize).map(|d| &d.composite) {
                Some(tern_binary::CompositeType::Struct(f)) => f.len() as u64,
                _ => continue,
            };
            let mut space = Sparse::default();
            space.fill(map, count, &mut used);
            // Only identifiers read back: a field name that cannot be one
            // (empty, repeated) leaves the name section raw.
            space.entries.retain(|(_, n)| n.kind == Kind::Id);
            if !space.entries.is_empty() {
                fields.push((*t, space));
            }
        }

        Printer {
            // Text is typically a few times larger than the binary.
            out: String::with_capacity(input_len.saturating_mul(3).min(1 << 30)),
            m,
            folded: opts.folded,
            indent: 0,
            names,
            names_ok,
            types,
            funcs,
            tables,
            memories,
            globals,
            elems,
            datas,
            tags,
            func_types,
            tag_types,
            fields,
            locals: Sparse::default(),
            labels: Sparse::default(),
            label_count: 0,
            frames: Vec::new(),
            pending: Vec::new(),
            scratch: String::new(),
            // A fresh set for the names of one function's locals or labels:
            // it is cleared for each function, and clearing costs its
            // capacity, which must not be that of the largest index space.
            used: HashSet::new(),
        }
    }

    // -----------------------------------------------------------------
    // Output helpers

    fn newline(&mut self) {
        const SPACES: &str = "                                                                ";
        // Indentation stops growing past a depth people can read, so a
        // deeply nested body prints in linear, not quadratic, space.
        const MAX_INDENT: usize = 64;
        self.out.push('\n');
        let mut n = self.indent.min(MAX_INDENT) * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    fn id(&mut self, name: &str) {
        push_id(&mut self.out, name)
    }

    /// ` $name (;N;)`, ` (;N;) (@name "..")` or ` (;N;)`: the name part of
    /// a definition.
    fn def_name(&mut self, named: Option<Named<'a>>, idx: u32) {
        if let Some(Named { name, kind: Kind::Id }) = named {
            self.out.push(' ');
            self.id(name);
        }
        self.out.push_str(" (;");
        push_u32(&mut self.out, idx);
        self.out.push_str(";)");
        if let Some(
            named @ Named {
                kind: Kind::Annotation, ..
            },
        ) = named
        {
            self.out.push(' ');
            self.decl_name(named);
        }
    }

    fn space_ref(out: &mut String, space: &Space<'_>, i: u32) {
        match space.id(i) {
            Some(name) => push_id(out, name),
            None => push_u32(out, i),
        }
    }

    fn type_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.types, i)
    }

    /// The name of field `f` of struct type `t`, if it has one.
    fn field_id(&self, t: u32, f: u32) -> Option<&'a str> {
        let k = self.fields.binary_search_by_key(&t, |(i, _)| *i).ok()?;
        self.fields[k].1.id(f)
    }

    /// Field `f` of struct type `t`, as an operand: its identifier or its
    /// index.
    fn field_ref(&mut self, t: u32, f: u32) {
        match self.field_id(t, f) {
            Some(name) => push_id(&mut self.out, name),
            None => push_u32(&mut self.out, f),
        }
    }

    fn func_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.funcs, i)
    }

    fn table_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.tables, i)
    }

    fn memory_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.memories, i)
    }

    fn global_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.globals, i)
    }

    fn elem_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.elems, i)
    }

    fn data_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.datas, i)
    }

    fn tag_ref(&mut self, i: u32) {
        Self::space_ref(&mut self.out, &self.tags, i)
    }

    fn val_type(&mut self, t: ValType) {
        match t {
            ValType::I32 => self.out.push_str("i32"),
            ValType::I64 => self.out.push_str("i64"),
            ValType::F32 => self.out.push_str("f32"),
            ValType::F64 => self.out.push_str("f64"),
            ValType::V128 => self.out.push_str("v128"),
            ValType::Ref(r) => self.ref_type(r),
        }
    }

    /// A struct field or array element type: `(mut t)` or `t`.
    fn field_type(&mut self, f: tern_binary::FieldType) {
        if f.mutable {
            self.out.push_str("(mut ");
        }
        match f.storage {
            tern_binary::StorageType::I8 => self.out.push_str("i8"),
            tern_binary::StorageType::I16 => self.out.push_str("i16"),
            tern_binary::StorageType::Val(v) => self.val_type(v),
        }
        if f.mutable {
            self.out.push(')');
        }
    }

    fn ref_type(&mut self, r: RefType) {
        use tern_binary::HeapType as H;
        if r.nullable {
            let short = match r.heap {
                H::Func => "funcref",
                H::Extern => "externref",
                H::Exn => "exnref",
                H::Any => "anyref",
                H::Eq => "eqref",
                H::I31 => "i31ref",
                H::Struct => "structref",
                H::Array => "arrayref",
                H::None => "nullref",
                H::NoFunc => "nullfuncref",
                H::NoExtern => "nullexternref",
                H::NoExn => "nullexnref",
                H::Concrete(_) => "",
            };
            if !short.is_empty() {
                self.out.push_str(short);
                return;
            }
            self.out.push_str("(ref null ");
        } else {
            self.out.push_str("(ref ");
        }
        self.heap_type(r.heap);
        self.out.push(')');
    }

    /// ` (param ..) (result ..)` of type `t`, with parameter names from
    /// `self.locals` when `named`.
    fn params_results(&mut self, t: u32, named: bool) {
        let Some(ft) = self.m.types.get(t as usize) else { return };
        let mut in_run = false;
        for (i, &p) in ft.params().iter().enumerate() {
            let name = if named { self.locals.get(i as u32) } else { None };
            match name {
                Some(n) => {
                    if in_run {
                        self.out.push(')');
                        in_run = false;
                    }
                    self.out.push_str(" (param ");
                    self.decl_name(n);
                    self.out.push(' ');
                    self.val_type(p);
                    self.out.push(')');
                }
                None => {
                    if !in_run {
                        self.out.push_str(" (param");
                        in_run = true;
                    }
                    self.out.push(' ');
                    self.val_type(p);
                }
            }
        }
        if in_run {
            self.out.push(')');
        }
        if !ft.results().is_empty() {
            self.out.push_str(" (result");
            for &r in ft.results() {
                self.out.push(' ');
                self.val_type(r);
            }
            self.out.push(')');
        }
    }

    /// ` (type N) (param ..) (result ..)`.
    fn type_use_full(&mut self, t: u32, named: bool) {
        self.out.push(' ');
        self.type_use(t);
        self.params_results(t, named);
    }

    fn limits(&mut self, l: Limits) {
        self.out.push(' ');
        push_u64(&mut self.out, l.min);
        if let Some(max) = l.max {
            self.out.push(' ');
            push_u64(&mut self.out, max);
        }
    }

    fn table_type(&mut self, t: TableType) {
        if t.table64 {
            self.out.push_str(" i64");
        }
        self.limits(t.limits);
        self.out.push(' ');
        self.ref_type(t.element);
    }

    fn memory_type(&mut self, t: MemoryType) {
        if t.memory64 {
            self.out.push_str(" i64");
        }
        self.limits(t.limits);
        if t.shared {
            self.out.push_str(" shared");
        }
        if let Some(log2) = t.page_size_log2 {
            self.out.push_str(" (pagesize ");
            if log2 < 64 {
                push_u64(&mut self.out, 1u64 << log2);
            } else {
                push_u32(&mut self.out, log2);
            }
            self.out.push(')');
        }
    }

    fn global_type(&mut self, t: GlobalType) {
        self.out.push(' ');
        if t.mutable {
            self.out.push_str("(mut ");
            self.val_type(t.content);
            self.out.push(')');
        } else {
            self.val_type(t.content);
        }
    }

    // -----------------------------------------------------------------
    // Names of functions: locals and labels

    fn count_blocks(body: &tern_binary::FuncBody<'a>) -> Result<u64, BinaryError> {
        let mut ops = body.operators()?;
        ops.set_multi_memory(true);
        ops.set_memory64(true);
        let mut n = 0;
        while !ops.eof() {
            use tern_binary::Operator as O;
            if let O::Block { .. } | O::Loop { .. } | O::If { .. } | O::Try { .. } | O::TryTable { .. } = ops.read()? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Number of parameters of function `f`, or `None` when its type is
    /// unknown (then its locals are not named: a parser could not count them).
    fn num_params(&self, f: u32) -> Option<u32> {
        let t = *self.func_types.get(f as usize)?;
        Some(self.m.types.get(t as usize)?.params().len() as u32)
    }

    /// Resolves the local names of function `f` into `self.locals`.
    fn load_locals(&mut self, f: u32) -> Result<(), BinaryError> {
        self.locals.entries.clear();
        let Some(map) = names::find_indirect(&self.names.locals, f) else {
            return Ok(());
        };
        let Some(params) = self.num_params(f) else {
            return Ok(());
        };
        let mut count = params as u64;
        if f >= self.m.num_imported_funcs
            && let Some(body) = self.m.code.get((f - self.m.num_imported_funcs) as usize)
        {
            let (groups, _) = body.locals()?;
            count += groups.iter().map(|&(n, _)| n as u64).sum::<u64>();
        }
        let map: Vec<(u32, &'a str)> = map.to_vec();
        self.locals.fill(&map, count, &mut self.used);
        Ok(())
    }

    /// Resolves the parameter names that subsection `id` (type or tag
    /// parameters) gives entity `idx`, of function type `t`, into
    /// `self.locals`.
    fn load_params(&mut self, id: u8, idx: u32, t: u32) {
        self.locals.entries.clear();
        let Some(map) = names::find_indirect(names::indirect(&self.names, id), idx) else {
            return;
        };
        let count = self.m.types.get(t as usize).map_or(0, |ft| ft.params().len() as u64);
        let map: Vec<(u32, &'a str)> = map.to_vec();
        self.locals.fill(&map, count, &mut self.used);
    }

    /// Resolves the label names of function `f` into `self.labels`.
    fn load_labels(&mut self, f: u32) -> Result<(), BinaryError> {
        self.labels.entries.clear();
        let Some(map) = names::find_indirect(names::indirect(&self.names, sub::LABELS), f) else {
            return Ok(());
        };
        let map: Vec<(u32, &'a str)> = map.to_vec();
        let count = match f.checked_sub(self.m.num_imported_funcs) {
            Some(d) => match self.m.code.get(d as usize) {
                Some(body) => Self::count_blocks(body)?,
                None => 0,
            },
            None => 0,
        };
        self.labels.fill(&map, count, &mut self.used);
        Ok(())
    }

    /// The name section that the printed identifiers would produce, when
    /// read back by a parser that builds it from identifiers.
    fn names_as_printed(&mut self) -> Result<Names<'a>, BinaryError> {
        let mut n = Names {
            module: self.names.module,
            functions: self.funcs.to_map(),
            ..Names::default()
        };
        // Only the entities the name section lists can have names: going
        // through its lists (sorted by `normalize`) keeps this linear.
        let listed = |list: &[(u32, NameMap<'a>)], count: usize| -> Vec<u32> {
            list.iter().map(|(i, _)| *i).filter(|&i| (i as usize) < count).collect()
        };
        let funcs = self.func_types.len();
        for f in listed(&self.names.locals, funcs) {
            self.load_locals(f)?;
            if !self.locals.entries.is_empty() {
                n.locals.push((f, self.locals.to_map()));
            }
        }
        let mut labels = Vec::new();
        for f in listed(names::indirect(&self.names, sub::LABELS), funcs) {
            self.load_labels(f)?;
            if !self.labels.entries.is_empty() {
                labels.push((f, self.labels.to_map()));
            }
        }
        if !labels.is_empty() {
            n.indirect.push((sub::LABELS, labels));
        }
        let fields: Vec<(u32, NameMap<'a>)> = self.fields.iter().map(|(t, f)| (*t, f.to_map())).collect();
        if !fields.is_empty() {
            n.indirect.push((sub::FIELDS, fields));
        }
        for (id, count) in [
            (sub::TYPE_PARAMS, self.m.types.len()),
            (sub::TAG_PARAMS, self.tag_types.len()),
        ] {
            let mut params = Vec::new();
            for i in listed(names::indirect(&self.names, id), count) {
                let t = if id == sub::TYPE_PARAMS {
                    i
                } else {
                    self.tag_types[i as usize]
                };
                self.load_params(id, i, t);
                if !self.locals.entries.is_empty() {
                    params.push((i, self.locals.to_map()));
                }
            }
            if !params.is_empty() {
                n.indirect.push((id, params));
            }
        }
        let direct: [(u8, &Space<'a>); 7] = [
            (sub::TYPES, &self.types),
            (sub::TABLES, &self.tables),
            (sub::MEMORIES, &self.memories),
            (sub::GLOBALS, &self.globals),
            (sub::ELEMS, &self.elems),
            (sub::DATA, &self.datas),
            (sub::TAGS, &self.tags),
        ];
        for (id, space) in direct {
            let map: NameMap<'a> = space.to_map();
            if !map.is_empty() {
                n.direct.push((id, map));
            }
        }
        Ok(n)
    }

    // -----------------------------------------------------------------
    // The module

    fn module(&mut self, name_section_last: bool) -> Result<(), BinaryError> {
        let m = self.m;
        // Print the name section raw unless the identifiers re-create it.
        let raw_names = match m.custom("name") {
            None => false,
            Some(c) => {
                !self.names_ok || !name_section_last || {
                    let expected = self.names_as_printed()?.encode();
                    expected.is_empty() || expected != c.data
                }
            }
        };

        self.out.push_str("(module");
        if let Some(name) = self.names.module {
            self.out.push(' ');
            if name.is_empty() {
                self.decl_name(Named {
                    name,
                    kind: Kind::Annotation,
                });
            } else {
                self.id(name);
            }
        }
        self.indent = 1;
        self.customs(0, raw_names);

        for i in 0..=m.types.len() as u32 {
            for _ in m.empty_rec_groups.iter().filter(|&&k| k == i) {
                self.newline();
                self.out.push_str("(rec)");
            }
            if i as usize == m.types.len() {
                break;
            }
            let def = m.type_defs.get(i as usize);
            // A recursion group opens before its first type.
            if let Some(d) = def
                && d.rec
                && d.group_start == i
            {
                self.newline();
                self.out.push_str("(rec");
                self.indent += 1;
            }
            self.newline();
            self.out.push_str("(type");
            self.def_name(self.types.get(i), i);
            let sub = def.is_some_and(|d| !d.is_final || !d.supertypes.is_empty());
            if let Some(d) = def.filter(|_| sub) {
                self.out.push_str(" (sub");
                if d.is_final {
                    self.out.push_str(" final");
                }
                for &s in d.supertypes.iter() {
                    self.out.push(' ');
                    self.type_ref(s);
                }
            }
            match def.map(|d| &d.composite) {
                None | Some(tern_binary::CompositeType::Func) => {
                    self.out.push_str(" (func");
                    self.load_params(sub::TYPE_PARAMS, i, i);
                    self.params_results(i, true);
                    self.out.push(')');
                }
                Some(tern_binary::CompositeType::Struct(fields)) => {
                    self.out.push_str(" (struct");
                    for (k, fl) in fields.iter().enumerate() {
                        self.out.push_str(" (field ");
                        if let Some(name) = self.field_id(i, k as u32) {
                            self.id(name);
                            self.out.push(' ');
                        }
                        self.field_type(*fl);
                        self.out.push(')');
                    }
                    self.out.push(')');
                }
                Some(tern_binary::CompositeType::Array(fl)) => {
                    self.out.push_str(" (array ");
                    self.field_type(*fl);
                    self.out.push(')');
                }
            }
            if sub {
                self.out.push(')');
            }
            self.out.push(')');
            if let Some(d) = def
                && d.rec
                && i + 1 == d.group_start + d.group_len
            {
                self.indent -= 1;
                self.newline();
                self.out.push(')');
            }
        }
        self.customs(section::TYPE, raw_names);

        let (mut nf, mut nt, mut nm, mut ng, mut ntag) = (0u32, 0u32, 0u32, 0u32, 0u32);
        for imp in &m.imports {
            self.newline();
            self.out.push_str("(import ");
            push_str_lit(&mut self.out, imp.module);
            self.out.push(' ');
            push_str_lit(&mut self.out, imp.name);
            self.out.push_str(" (");
            self.out.push_str(imp.ty.kind().name());
            match imp.ty {
                ImportType::Func(t) => {
                    self.def_name(self.funcs.get(nf), nf);
                    self.load_locals(nf)?;
                    self.type_use_full(t, true);
                    nf += 1;
                }
                ImportType::Table(t) => {
                    self.def_name(self.tables.get(nt), nt);
                    self.table_type(t);
                    nt += 1;
                }
                ImportType::Memory(t) => {
                    self.def_name(self.memories.get(nm), nm);
                    self.memory_type(t);
                    nm += 1;
                }
                ImportType::Global(t) => {
                    self.def_name(self.globals.get(ng), ng);
                    self.global_type(t);
                    ng += 1;
                }
                ImportType::Tag(t) => {
                    self.def_name(self.tags.get(ntag), ntag);
                    self.load_params(sub::TAG_PARAMS, ntag, t.type_index);
                    self.type_use_full(t.type_index, true);
                    ntag += 1;
                }
            }
            self.out.push_str("))");
        }
        self.customs(section::IMPORT, raw_names);
        self.customs(section::FUNCTION, raw_names);

        for (i, t) in m.tables.iter().enumerate() {
            let idx = nt + i as u32;
            self.newline();
            self.out.push_str("(table");
            self.def_name(self.tables.get(idx), idx);
            self.table_type(t.ty);
            if let Some(init) = &t.init {
                self.out.push(' ');
                self.const_expr_flat(init)?;
            }
            self.out.push(')');
        }
        self.customs(section::TABLE, raw_names);

        for (i, &t) in m.memories.iter().enumerate() {
            let idx = nm + i as u32;
            self.newline();
            self.out.push_str("(memory");
            self.def_name(self.memories.get(idx), idx);
            self.memory_type(t);
            self.out.push(')');
        }
        self.customs(section::MEMORY, raw_names);

        for (i, t) in m.tags.iter().enumerate() {
            let idx = ntag + i as u32;
            self.newline();
            self.out.push_str("(tag");
            self.def_name(self.tags.get(idx), idx);
            self.load_params(sub::TAG_PARAMS, idx, t.type_index);
            self.type_use_full(t.type_index, true);
            self.out.push(')');
        }
        self.customs(section::TAG, raw_names);

        for (i, g) in m.globals.iter().enumerate() {
            let idx = ng + i as u32;
            self.newline();
            self.out.push_str("(global");
            self.def_name(self.globals.get(idx), idx);
            self.global_type(g.ty);
            self.out.push(' ');
            self.const_expr_flat(&g.init)?;
            self.out.push(')');
        }
        self.customs(section::GLOBAL, raw_names);

        for e in &m.exports {
            self.newline();
            self.out.push_str("(export ");
            push_str_lit(&mut self.out, e.name);
            self.out.push_str(" (");
            self.out.push_str(e.kind.name());
            self.out.push(' ');
            match e.kind {
                ExternKind::Func => self.func_ref(e.index),
                ExternKind::Table => self.table_ref(e.index),
                ExternKind::Memory => self.memory_ref(e.index),
                ExternKind::Global => self.global_ref(e.index),
                ExternKind::Tag => self.tag_ref(e.index),
            }
            self.out.push_str("))");
        }
        self.customs(section::EXPORT, raw_names);

        if let Some(f) = m.start {
            self.newline();
            self.out.push_str("(start ");
            self.func_ref(f);
            self.out.push(')');
        }
        self.customs(section::START, raw_names);

        for (i, e) in m.elements.iter().enumerate() {
            self.newline();
            self.out.push_str("(elem");
            self.def_name(self.elems.get(i as u32), i as u32);
            match &e.mode {
                ElementMode::Passive => {}
                ElementMode::Declared => self.out.push_str(" declare"),
                ElementMode::Active { table, offset } => {
                    if e.explicit_table || *table != 0 {
                        self.out.push_str(" (table ");
                        self.table_ref(*table);
                        self.out.push(')');
                    }
                    self.out.push(' ');
                    self.const_expr_wrapped(offset, "offset")?;
                }
            }
            match &e.items {
                ElementItems::Functions(fs) => {
                    self.out.push_str(" func");
                    for &f in fs {
                        self.out.push(' ');
                        self.func_ref(f);
                    }
                }
                ElementItems::Exprs(es) => {
                    self.out.push(' ');
                    self.ref_type(e.ty);
                    for x in es {
                        self.out.push(' ');
                        self.const_expr_wrapped(x, "item")?;
                    }
                }
            }
            self.out.push(')');
        }
        self.customs(section::ELEMENT, raw_names);
        self.customs(section::DATA_COUNT, raw_names);

        for (i, body) in m.code.iter().enumerate() {
            let f = m.num_imported_funcs + i as u32;
            let t = m.functions[i];
            self.load_locals(f)?;
            self.load_labels(f)?;
            self.newline();
            self.out.push_str("(func");
            self.def_name(self.funcs.get(f), f);
            self.type_use_full(t, true);
            let (params, results) = match m.types.get(t as usize) {
                Some(ft) => (ft.params().len() as u32, ft.results().len() as u32),
                None => (0, 0),
            };
            self.indent += 1;
            self.func_body(body, params, results)?;
            self.indent -= 1;
            self.newline();
            self.out.push(')');
        }
        self.customs(section::CODE, raw_names);

        for (i, d) in m.data.iter().enumerate() {
            self.newline();
            self.out.push_str("(data");
            self.def_name(self.datas.get(i as u32), i as u32);
            if let DataMode::Active { memory, offset } = &d.mode {
                if *memory != 0 {
                    self.out.push_str(" (memory ");
                    self.memory_ref(*memory);
                    self.out.push(')');
                }
                self.out.push(' ');
                self.const_expr_wrapped(offset, "offset")?;
            }
            self.out.push(' ');
            push_bytes_lit(&mut self.out, d.bytes);
            self.out.push(')');
        }
        self.customs(section::DATA, raw_names);

        self.out.push_str("\n)\n");
        Ok(())
    }

    /// Prints the custom sections that came after section `after` (0: before
    /// all sections) as `@custom` annotations.
    fn customs(&mut self, after: u8, raw_names: bool) {
        let m = self.m;
        for c in m.customs.iter().filter(|c| c.after == after) {
            if c.name == "name" && !raw_names {
                continue;
            }
            self.custom(c);
        }
    }

    fn custom(&mut self, c: &CustomSection<'a>) {
        self.newline();
        self.out.push_str("(@custom ");
        push_str_lit(&mut self.out, c.name);
        self.out.push_str(match c.after {
            0 => " (before first)",
            section::TYPE => " (after type)",
            section::IMPORT => " (after import)",
            section::FUNCTION => " (after func)",
            section::TABLE => " (after table)",
            section::MEMORY => " (after memory)",
            section::GLOBAL => " (after global)",
            section::EXPORT => " (after export)",
            section::START => " (after start)",
            section::ELEMENT => " (after elem)",
            section::DATA_COUNT => " (before code)",
            section::CODE => " (after code)",
            section::DATA => " (after data)",
            section::TAG => " (after tag)",
            _ => "",
        });
        self.out.push(' ');
        push_bytes_lit(&mut self.out, c.data);
        self.out.push(')');
    }
}
