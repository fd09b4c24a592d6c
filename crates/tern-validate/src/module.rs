//! Module-level validation: everything but function bodies. It produces the
//! [`ModuleInfo`] context that body validation (and translators) read.

use crate::features::{Feature, Features};
use crate::func::feature_error;
use crate::{Error, Result};
use std::collections::HashSet;
use std::sync::Arc;
use tern_binary::*;

/// Implementation limits (the spec allows them; these match common
/// engines and keep hostile modules from exhausting memory).
pub(crate) const MAX_TYPES: usize = 1_000_000;
pub(crate) const MAX_FUNCS: usize = 1_000_000;

/// What function bodies are validated against: the module's index spaces.
#[derive(Clone, Debug)]
pub struct ModuleInfo {
    pub features: Features,
    /// The module's function types (shared: cloning the context does not
    /// copy them).
    pub types: Arc<[FuncType]>,
    /// The type index of every function, imported ones first.
    pub funcs: Vec<u32>,
    pub tables: Vec<TableType>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalType>,
    /// The type index of every tag.
    pub tags: Vec<u32>,
    /// The reference type of every element segment.
    pub elements: Vec<RefType>,
    pub data_count: Option<u32>,
    /// Functions that may be named by `ref.func` in a body.
    pub declared_funcs: HashSet<u32>,
    pub num_imported_globals: u32,
    /// For each type index, the first index of a type equivalent to it
    /// (the same function type once the types its references name are
    /// compared the same way): `(ref $a)` and `(ref $b)` are the same type
    /// when these agree. Empty when no type holds a typed reference (see
    /// [`ModuleInfo::same_type`]). With GC's type forms, the canonical
    /// index of every type by its recursion group (iso-recursive
    /// equivalence, see [`canonical_groups`]).
    pub type_canon: Arc<[u32]>,
    /// Every type's definition (recursion group, finality, supertype,
    /// function/struct/array) when the module uses GC's type forms; empty
    /// when every type is a plain function type alone in its group (see
    /// `tern_binary::Module::type_defs`).
    pub type_defs: Arc<[TypeDef]>,
}

/// What every type of a module without GC type forms is.
static PLAIN_FUNC: CompositeType = CompositeType::Func;

impl ModuleInfo {
    /// The type of function `f`, if it exists.
    pub fn func_type(&self, f: u32) -> Option<&FuncType> {
        self.funcs.get(f as usize).and_then(|t| self.types.get(*t as usize))
    }

    /// The type `ref.func f` pushes: `(ref $t)` of the function's type
    /// with typed function references, else `funcref`.
    pub fn ref_func_type(&self, f: u32) -> ValType {
        match self.funcs.get(f as usize) {
            Some(&t) if self.features.enabled(Feature::FunctionReferences) => ValType::Ref(RefType {
                nullable: false,
                heap: HeapType::Concrete(t),
            }),
            _ => ValType::FUNCREF,
        }
    }

    /// What type `t` defines, if it exists.
    pub fn composite(&self, t: u32) -> Option<&CompositeType> {
        if t as usize >= self.types.len() {
            return None;
        }
        Some(self.type_defs.get(t as usize).map_or(&PLAIN_FUNC, |d| &d.composite))
    }

    /// The signature of type `t` when it is a function type.
    pub fn func_type_at(&self, t: u32) -> Option<&FuncType> {
        match self.composite(t)? {
            CompositeType::Func => self.types.get(t as usize),
            _ => None,
        }
    }

    /// The fields of type `t` when it is a struct type.
    pub fn struct_fields(&self, t: u32) -> Option<&[FieldType]> {
        match self.composite(t)? {
            CompositeType::Struct(f) => Some(f),
            _ => None,
        }
    }

    /// The element type of type `t` when it is an array type.
    pub fn array_field(&self, t: u32) -> Option<FieldType> {
        match self.composite(t)? {
            CompositeType::Array(f) => Some(*f),
            _ => None,
        }
    }

    /// The declared supertype of type `t`, if any.
    pub fn supertype(&self, t: u32) -> Option<u32> {
        self.type_defs
            .get(t as usize)
            .and_then(|d| d.supertypes.first().copied())
    }

    /// Whether the module uses GC's type forms (recursion groups, declared
    /// subtypes or finality, struct or array types).
    pub fn uses_gc_types(&self) -> bool {
        !self.type_defs.is_empty()
    }

    /// Whether heap type `a` is a subtype of `b` (Wasm 3.0 matching:
    /// `any ⊒ eq ⊒ {i31, struct, array} ⊒ none`, concrete struct and array
    /// types under `struct`/`array`, concrete function types between
    /// `func` and `nofunc`, declared supertype chains, equivalence by
    /// [`ModuleInfo::same_type`]).
    pub fn heap_sub(&self, a: HeapType, b: HeapType) -> bool {
        use HeapType as H;
        match (a, b) {
            (H::Concrete(x), H::Concrete(y)) => {
                let mut x = x;
                loop {
                    if self.same_type(x, y) {
                        return true;
                    }
                    match self.supertype(x) {
                        // Supertypes come before their subtypes (validated),
                        // so the chain ends.
                        Some(s) if s < x => x = s,
                        _ => return false,
                    }
                }
            }
            (H::Concrete(x), _) => match self.composite(x) {
                Some(CompositeType::Func) => b == H::Func,
                Some(CompositeType::Struct(_)) => matches!(b, H::Struct | H::Eq | H::Any),
                Some(CompositeType::Array(_)) => matches!(b, H::Array | H::Eq | H::Any),
                None => false,
            },
            (_, H::Concrete(y)) => match self.composite(y) {
                Some(CompositeType::Func) => a == H::NoFunc,
                Some(_) => a == H::None,
                None => false,
            },
            _ => heap_matches(a, b, |_, _| false),
        }
    }

    /// Whether value type `a` matches `b`.
    pub fn val_sub(&self, a: ValType, b: ValType) -> bool {
        match (a, b) {
            (ValType::Ref(a), ValType::Ref(b)) => ref_matches(self, a, b),
            (a, b) => a == b,
        }
    }

    /// Whether value types `a` and `b` are equivalent (each matches the
    /// other).
    fn val_eq(&self, a: ValType, b: ValType) -> bool {
        self.val_sub(a, b) && self.val_sub(b, a)
    }

    /// Whether field type `a` (of a subtype) matches field `b` (of its
    /// supertype): same mutability; a mutable field's storage type must
    /// be equivalent, an immutable one's may be a subtype.
    pub fn field_sub(&self, a: FieldType, b: FieldType) -> bool {
        if a.mutable != b.mutable {
            return false;
        }
        match (a.storage, b.storage) {
            (StorageType::Val(x), StorageType::Val(y)) => {
                if a.mutable {
                    self.val_eq(x, y)
                } else {
                    self.val_sub(x, y)
                }
            }
            (x, y) => x == y,
        }
    }

    /// Whether the definition of type `sub` matches that of type `sup`
    /// (their composite types, structurally).
    fn composite_sub(&self, sub: u32, sup: u32) -> bool {
        match (self.composite(sub), self.composite(sup)) {
            (Some(CompositeType::Func), Some(CompositeType::Func)) => {
                let (a, b) = (&self.types[sub as usize], &self.types[sup as usize]);
                a.params().len() == b.params().len()
                    && a.results().len() == b.results().len()
                    && a.params().iter().zip(b.params()).all(|(x, y)| self.val_sub(*y, *x))
                    && a.results().iter().zip(b.results()).all(|(x, y)| self.val_sub(*x, *y))
            }
            (Some(CompositeType::Struct(a)), Some(CompositeType::Struct(b))) => {
                a.len() >= b.len() && a.iter().zip(b.iter()).all(|(x, y)| self.field_sub(*x, *y))
            }
            (Some(CompositeType::Array(a)), Some(CompositeType::Array(b))) => self.field_sub(*a, *b),
            _ => false,
        }
    }

    /// Whether type indices `a` and `b` name equivalent types.
    pub fn same_type(&self, a: u32, b: u32) -> bool {
        if a == b {
            return true;
        }
        if self.type_canon.is_empty() {
            // No type holds a typed reference: equal types are equal values.
            let (x, y) = (self.types.get(a as usize), self.types.get(b as usize));
            return x.is_some() && x == y;
        }
        let (x, y) = (self.type_canon.get(a as usize), self.type_canon.get(b as usize));
        x.is_some() && x == y
    }
}

/// The canonical index of every type (see [`ModuleInfo::type_canon`]):
/// types are compared with their references replaced by the canonical
/// index of the type they name (a reference to the type itself by a
/// marker), so equivalence is structural, as Wasm 3.0's singleton
/// recursion groups make it. Empty when no type holds a typed reference
/// (then equal types are simply equal values).
pub fn canonical_types(types: &[FuncType]) -> Vec<u32> {
    let typed = |v: &ValType| {
        matches!(
            v,
            ValType::Ref(RefType {
                heap: HeapType::Concrete(_),
                ..
            })
        )
    };
    if !types.iter().any(|t| t.params().iter().chain(t.results()).any(typed)) {
        return Vec::new();
    }
    let mut canon: Vec<u32> = Vec::with_capacity(types.len());
    let mut seen: std::collections::HashMap<FuncType, u32> = std::collections::HashMap::new();
    for (i, t) in types.iter().enumerate() {
        let key = canonical_key(t, i as u32, |j| canon.get(j as usize).copied());
        let id = *seen.entry(key).or_insert(i as u32);
        canon.push(id);
    }
    canon
}

/// `t` (type `index`) with each concrete reference to an earlier type
/// replaced by `earlier(j)` and a reference to itself by `u32::MAX`.
pub fn canonical_key(t: &FuncType, index: u32, earlier: impl Fn(u32) -> Option<u32>) -> FuncType {
    let map = |v: &ValType| match *v {
        ValType::Ref(RefType {
            nullable,
            heap: HeapType::Concrete(j),
        }) => ValType::Ref(RefType {
            nullable,
            heap: HeapType::Concrete(if j == index {
                u32::MAX
            } else {
                earlier(j).unwrap_or(u32::MAX - 1)
            }),
        }),
        v => v,
    };
    FuncType::new(t.params().iter().map(map), t.results().iter().map(map))
}

/// The canonical index of every type of a module with GC type forms:
/// iso-recursive equivalence. Two types are equivalent when their
/// recursion groups are structurally identical, references inside a group
/// compared by their position in it and references to earlier types by
/// those types' canonical indices, and they stand at the same position in
/// their groups. A type's canonical index is the index of the first
/// equivalent type. References to types after a type's group (invalid)
/// compare as unknown.
pub fn canonical_groups(types: &[FuncType], defs: &[TypeDef]) -> Vec<u32> {
    let mut canon: Vec<u32> = Vec::with_capacity(defs.len());
    let mut seen: std::collections::HashMap<Vec<u32>, u32> = std::collections::HashMap::new();
    let mut key: Vec<u32> = Vec::new();
    let mut i = 0;
    while i < defs.len() {
        let start = i as u32;
        let len = (defs[i].group_len as usize).clamp(1, defs.len() - i);
        let end = start + len as u32;
        key.clear();
        key.push(len as u32);
        let heap = |key: &mut Vec<u32>, canon: &[u32], h: HeapType| match h {
            HeapType::Concrete(j) if j >= start && j < end => key.extend([1, j - start]),
            HeapType::Concrete(j) => key.extend([2, canon.get(j as usize).copied().unwrap_or(u32::MAX)]),
            h => key.extend([0, h.abstract_code().unwrap_or(0) as u32]),
        };
        let val = |key: &mut Vec<u32>, canon: &[u32], v: ValType| match v {
            ValType::Ref(r) => {
                key.push(20 + r.nullable as u32);
                heap(key, canon, r.heap);
            }
            ValType::I32 => key.push(10),
            ValType::I64 => key.push(11),
            ValType::F32 => key.push(12),
            ValType::F64 => key.push(13),
            ValType::V128 => key.push(14),
        };
        let field = |key: &mut Vec<u32>, canon: &[u32], f: &FieldType| {
            key.push(f.mutable as u32);
            match f.storage {
                StorageType::I8 => key.push(30),
                StorageType::I16 => key.push(31),
                StorageType::Val(v) => val(key, canon, v),
            }
        };
        for j in i..i + len {
            let d = &defs[j];
            key.push(d.is_final as u32);
            key.push(d.supertypes.len() as u32);
            for &s in d.supertypes.iter() {
                heap(&mut key, &canon, HeapType::Concrete(s));
            }
            match &d.composite {
                CompositeType::Func => {
                    let t = &types[j];
                    key.extend([40, t.params().len() as u32, t.results().len() as u32]);
                    for &v in t.params().iter().chain(t.results()) {
                        val(&mut key, &canon, v);
                    }
                }
                CompositeType::Struct(fs) => {
                    key.extend([41, fs.len() as u32]);
                    for f in fs.iter() {
                        field(&mut key, &canon, f);
                    }
                }
                CompositeType::Array(f) => {
                    key.push(42);
                    field(&mut key, &canon, f);
                }
            }
        }
        let first = *seen.entry(key.clone()).or_insert(start);
        canon.extend((0..len as u32).map(|k| first + k));
        i += len;
    }
    canon
}

fn err(msg: impl Into<String>, at: usize) -> Error {
    Error::new(msg, at)
}

pub(crate) fn check_valtype(features: &Features, types_len: usize, t: ValType, at: usize) -> Result<()> {
    match t {
        ValType::V128 if !features.enabled(Feature::Simd) => Err(feature_error(Feature::Simd, at)),
        ValType::Ref(r) => check_reftype(features, types_len, r, at),
        _ => Ok(()),
    }
}

pub(crate) fn check_reftype(features: &Features, types_len: usize, r: RefType, at: usize) -> Result<()> {
    match r.heap {
        HeapType::Func | HeapType::Extern if r.nullable => {
            if !features.enabled(Feature::ReferenceTypes) {
                return Err(feature_error(Feature::ReferenceTypes, at));
            }
        }
        HeapType::Exn if r.nullable => {
            if !features.enabled(Feature::Exceptions) {
                return Err(feature_error(Feature::Exceptions, at));
            }
        }
        HeapType::Concrete(i) => {
            if !features.enabled(Feature::FunctionReferences) {
                return Err(feature_error(Feature::FunctionReferences, at));
            }
            if i as usize >= types_len {
                return Err(err(format!("unknown type {i}"), at));
            }
        }
        HeapType::Func | HeapType::Extern | HeapType::Exn => {
            if !features.enabled(Feature::FunctionReferences) {
                return Err(feature_error(Feature::FunctionReferences, at));
            }
        }
        _ => {
            if !features.enabled(Feature::Gc) {
                return Err(feature_error(Feature::Gc, at));
            }
        }
    }
    Ok(())
}

fn check_limits(l: &Limits, max_allowed: u64, what: &str, at: usize) -> Result<()> {
    if l.min > max_allowed {
        return Err(err(format!("{what} size must be at most {max_allowed}"), at));
    }
    if let Some(max) = l.max {
        if max > max_allowed {
            return Err(err(format!("{what} size must be at most {max_allowed}"), at));
        }
        if l.min > max {
            return Err(err("size minimum must not be greater than maximum", at));
        }
    }
    Ok(())
}

fn check_memory_type(features: &Features, m: &MemoryType, at: usize) -> Result<()> {
    if m.memory64 && !features.enabled(Feature::Memory64) {
        return Err(feature_error(Feature::Memory64, at));
    }
    if m.shared && !features.enabled(Feature::Threads) {
        return Err(feature_error(Feature::Threads, at));
    }
    if let Some(log2) = m.page_size_log2 {
        if !features.enabled(Feature::CustomPageSizes) {
            return Err(feature_error(Feature::CustomPageSizes, at));
        }
        if log2 != 0 && log2 != 16 {
            return Err(err("invalid custom page size", at));
        }
    }
    if m.shared && m.limits.max.is_none() {
        return Err(err("shared memory must have maximum", at));
    }
    let log2 = m.page_size_log2.unwrap_or(16);
    if m.memory64 {
        // 2^64 bytes in pages of the page size.
        let max = if log2 == 0 { u64::MAX } else { 1 << (64 - log2) };
        return check_limits(&m.limits, max, "memory", at);
    }
    // 4 GiB in pages of the page size (2^32 - 1 bytes with 1-byte pages:
    // 32-bit limits cannot say 2^32).
    let max = ((1u64 << 32) >> log2).min(u32::MAX as u64);
    let l = &m.limits;
    if l.min > max || l.max.is_some_and(|x| x > max) {
        return Err(err(
            if log2 == 16 {
                "memory size must be at most 65536 pages (4GiB)".to_string()
            } else {
                format!("memory size must be at most {max} pages")
            },
            at,
        ));
    }
    check_limits(l, max, "memory", at)
}

fn check_table_type(features: &Features, types_len: usize, t: &TableType, at: usize) -> Result<()> {
    if t.table64 && !features.enabled(Feature::Memory64) {
        return Err(feature_error(Feature::Memory64, at));
    }
    if t.element != RefType::FUNCREF {
        check_reftype(features, types_len, t.element, at)?;
    }
    check_limits(
        &t.limits,
        if t.table64 { u64::MAX } else { u32::MAX as u64 },
        "table",
        at,
    )
}

/// Validates everything in `module` except function bodies, and returns the
/// context to validate those against.
pub fn validate_module(module: &Module<'_>, features: &Features) -> Result<ModuleInfo> {
    validate_module_with_types(module, module.types.as_slice().into(), features)
}

/// [`validate_module`] for a module whose types are `types` (taken out of
/// `module.types`, which this does not read, so that a caller done with
/// the decoded module need not copy them).
pub(crate) fn validate_module_with_types(
    module: &Module<'_>,
    types: Arc<[FuncType]>,
    features: &Features,
) -> Result<ModuleInfo> {
    let f = features;
    let pos = &module.positions;
    let at = Positions::at;
    let at0 = 8;
    if let Some(at) = pos.wide_limits
        && !f.enabled(Feature::Memory64)
    {
        // Wasm 2.0 reads 32-bit limits as u32.
        return Err(err("integer representation too long", at));
    }
    if types.len() > MAX_TYPES {
        return Err(err("too many types", at0));
    }
    if module.num_funcs() as usize > MAX_FUNCS {
        return Err(err("too many functions", at0));
    }
    let types_len = types.len();
    let defs = &module.type_defs;
    if !f.enabled(Feature::Gc) {
        if let Some(k) = defs.iter().position(|d| !d.is_plain_func()) {
            return Err(feature_error(Feature::Gc, at(&pos.types, k)));
        }
        if !module.empty_rec_groups.is_empty() {
            return Err(feature_error(Feature::Gc, at0));
        }
    }
    if !defs.is_empty() && defs.len() != types_len {
        return Err(err("type definitions do not match the types", at0));
    }
    for (i, t) in types.iter().enumerate() {
        let at = at(&pos.types, i);
        // A type names the types of its recursion group and those before
        // it (without GC, each type is its own group).
        let limit = defs
            .get(i)
            .map_or(i + 1, |d| (d.group_start as usize + d.group_len as usize).max(i + 1))
            .min(types_len);
        match defs.get(i).map(|d| &d.composite) {
            None | Some(CompositeType::Func) => {
                for &v in t.params().iter().chain(t.results()) {
                    check_valtype(f, limit, v, at)?;
                }
                if t.results().len() > 1 && !f.enabled(Feature::MultiValue) {
                    return Err(feature_error(Feature::MultiValue, at));
                }
            }
            Some(CompositeType::Struct(fields)) => {
                for fl in fields.iter() {
                    if let StorageType::Val(v) = fl.storage {
                        check_valtype(f, limit, v, at)?;
                    }
                }
            }
            Some(CompositeType::Array(fl)) => {
                if let StorageType::Val(v) = fl.storage {
                    check_valtype(f, limit, v, at)?;
                }
            }
        }
        if let Some(d) = defs.get(i) {
            if d.supertypes.len() > 1 {
                return Err(err(format!("sub type {i} has multiple supertypes"), at));
            }
            if let Some(&s) = d.supertypes.first()
                && s as usize >= i
            {
                return Err(err(format!("unknown type {s}"), at));
            }
        }
    }
    let mut info = ModuleInfo {
        features: *features,
        types,
        funcs: Vec::with_capacity(module.num_funcs() as usize),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        tags: Vec::new(),
        elements: Vec::new(),
        data_count: module.data_count,
        declared_funcs: HashSet::new(),
        num_imported_globals: module.num_imported_globals,
        type_canon: Arc::from([]),
        type_defs: Arc::from([]),
    };
    if !defs.is_empty() {
        info.type_canon = canonical_groups(&info.types, defs).into();
        info.type_defs = defs.as_slice().into();
        // Declared subtypes: the supertype is not final and the subtype's
        // definition matches it.
        for (i, d) in defs.iter().enumerate() {
            if let Some(&s) = d.supertypes.first() {
                let at = at(&pos.types, i);
                if defs[s as usize].is_final {
                    return Err(err(
                        format!("sub type {i} does not match super type {s}: it is final"),
                        at,
                    ));
                }
                if !info.composite_sub(i as u32, s) {
                    return Err(err(format!("sub type {i} does not match super type {s}"), at));
                }
            }
        }
    } else if f.enabled(Feature::FunctionReferences) {
        info.type_canon = canonical_types(&info.types).into();
    }
    let type_check = |t: u32, at: usize| -> Result<()> {
        if t as usize >= types_len {
            Err(err(format!("unknown type {t}"), at))
        } else if !matches!(
            defs.get(t as usize).map(|d| &d.composite),
            None | Some(CompositeType::Func)
        ) {
            Err(err(format!("type mismatch: type {t} is not a function type"), at))
        } else {
            Ok(())
        }
    };
    for (i, imp) in module.imports.iter().enumerate() {
        let at0 = at(&pos.imports, i);
        match &imp.ty {
            ImportType::Func(t) => {
                type_check(*t, at0)?;
                info.funcs.push(*t);
            }
            ImportType::Table(t) => {
                check_table_type(f, types_len, t, at0)?;
                info.tables.push(*t);
            }
            ImportType::Memory(m) => {
                check_memory_type(f, m, at0)?;
                info.memories.push(*m);
            }
            ImportType::Global(g) => {
                check_valtype(f, types_len, g.content, at0)?;
                if g.mutable && !f.enabled(Feature::MutableGlobal) {
                    return Err(feature_error(Feature::MutableGlobal, at0));
                }
                info.globals.push(*g);
            }
            ImportType::Tag(t) => {
                check_tag(f, &info, t, at0)?;
                info.tags.push(t.type_index);
            }
        }
    }
    for (i, &t) in module.functions.iter().enumerate() {
        type_check(t, at(&pos.functions, i))?;
        info.funcs.push(t);
    }
    for (i, t) in module.tables.iter().enumerate() {
        let at = at(&pos.tables, i);
        check_table_type(f, types_len, &t.ty, at)?;
        if let Some(init) = &t.init {
            if !f.enabled(Feature::FunctionReferences) {
                return Err(feature_error(Feature::FunctionReferences, at));
            }
            const_expr(&info, init, ValType::Ref(t.ty.element), None)?;
        } else if !t.ty.element.nullable {
            return Err(err("type mismatch: non-defaultable table type without initializer", at));
        }
        info.tables.push(t.ty);
    }
    if info.tables.len() > 1 && !f.enabled(Feature::ReferenceTypes) {
        let i = info.tables.len() - module.tables.len();
        return Err(feature_error(
            Feature::ReferenceTypes,
            at(&pos.tables, 1usize.saturating_sub(i)),
        ));
    }
    for (i, m) in module.memories.iter().enumerate() {
        check_memory_type(f, m, at(&pos.memories, i))?;
        info.memories.push(*m);
    }
    if info.memories.len() > 1 && !f.enabled(Feature::MultiMemory) {
        let i = info.memories.len() - module.memories.len();
        return Err(feature_error(
            Feature::MultiMemory,
            at(&pos.memories, 1usize.saturating_sub(i)),
        ));
    }
    for (i, t) in module.tags.iter().enumerate() {
        check_tag(f, &info, t, at(&pos.tags, i))?;
        info.tags.push(t.type_index);
    }
    // ref.func in constant expressions (globals, elements) and exports
    // declare functions for use in bodies. Gather them first: a global's
    // initializer may name any function.
    for g in &module.globals {
        collect_ref_funcs(&g.init, &mut info.declared_funcs)?;
    }
    for e in &module.elements {
        match &e.items {
            ElementItems::Functions(fs) => info.declared_funcs.extend(fs.iter().copied()),
            ElementItems::Exprs(xs) => {
                for x in xs {
                    collect_ref_funcs(x, &mut info.declared_funcs)?;
                }
            }
        }
    }
    for e in &module.exports {
        if e.kind == ExternKind::Func {
            info.declared_funcs.insert(e.index);
        }
    }
    for (i, g) in module.globals.iter().enumerate() {
        check_valtype(f, types_len, g.ty.content, at(&pos.globals, i))?;
        const_expr(&info, &g.init, g.ty.content, Some(info.globals.len() as u32))?;
        info.globals.push(g.ty);
    }
    let mut names = HashSet::with_capacity(module.exports.len());
    for (i, e) in module.exports.iter().enumerate() {
        let at0 = at(&pos.exports, i);
        if !names.insert(e.name) {
            return Err(err(format!("duplicate export name {:?}", e.name), at0));
        }
        let (len, what) = match e.kind {
            ExternKind::Func => (info.funcs.len(), "function"),
            ExternKind::Table => (info.tables.len(), "table"),
            ExternKind::Memory => (info.memories.len(), "memory"),
            ExternKind::Global => (info.globals.len(), "global"),
            ExternKind::Tag => (info.tags.len(), "tag"),
        };
        if e.index as usize >= len {
            return Err(err(format!("unknown {what} {}", e.index), at0));
        }
        if e.kind == ExternKind::Global && info.globals[e.index as usize].mutable && !f.enabled(Feature::MutableGlobal)
        {
            return Err(feature_error(Feature::MutableGlobal, at0));
        }
    }
    if let Some(s) = module.start {
        let at0 = pos.start;
        let Some(ty) = info.func_type(s) else {
            return Err(err(format!("unknown function {s}"), at0));
        };
        if !ty.params().is_empty() || !ty.results().is_empty() {
            return Err(err("start function must have type [] -> []", at0));
        }
    }
    for (i, e) in module.elements.iter().enumerate() {
        let at = at(&pos.elements, i);
        // A segment of function indices holds `(ref func)` values with
        // typed function references (they are never null).
        let ety = match e.items {
            ElementItems::Functions(_) if f.enabled(Feature::FunctionReferences) => RefType {
                nullable: false,
                heap: HeapType::Func,
            },
            _ => e.ty,
        };
        if e.ty != RefType::FUNCREF || !matches!(e.items, ElementItems::Functions(_)) {
            if !f.enabled(Feature::ReferenceTypes) && !f.enabled(Feature::BulkMemory) {
                return Err(feature_error(Feature::BulkMemory, at));
            }
            check_reftype(f, types_len, e.ty, at)?;
        }
        match &e.mode {
            ElementMode::Active { table, offset } => {
                let Some(t) = info.tables.get(*table as usize) else {
                    return Err(err(format!("unknown table {table}"), at));
                };
                if !ref_matches(&info, ety, t.element) {
                    return Err(err("type mismatch: element segment type does not match table", at));
                }
                let idx = if t.table64 { ValType::I64 } else { ValType::I32 };
                const_expr(&info, offset, idx, None)?;
            }
            ElementMode::Passive | ElementMode::Declared => {
                if !f.enabled(Feature::BulkMemory) && !f.enabled(Feature::ReferenceTypes) {
                    return Err(feature_error(Feature::BulkMemory, at));
                }
            }
        }
        match &e.items {
            ElementItems::Functions(fs) => {
                for &func in fs {
                    if func as usize >= info.funcs.len() {
                        return Err(err(format!("unknown function {func}"), at));
                    }
                }
            }
            ElementItems::Exprs(xs) => {
                for x in xs {
                    const_expr(&info, x, ValType::Ref(e.ty), None)?;
                }
            }
        }
        info.elements.push(ety);
    }
    if module.data_count.is_some() && !f.enabled(Feature::BulkMemory) {
        return Err(feature_error(Feature::BulkMemory, pos.data_count));
    }
    for (i, d) in module.data.iter().enumerate() {
        let at0 = at(&pos.data, i);
        match &d.mode {
            DataMode::Active { memory, offset } => {
                let Some(m) = info.memories.get(*memory as usize) else {
                    return Err(err(format!("unknown memory {memory}"), offset.offset));
                };
                let idx = if m.memory64 { ValType::I64 } else { ValType::I32 };
                const_expr(&info, offset, idx, None)?;
            }
            DataMode::Passive => {
                if !f.enabled(Feature::BulkMemory) {
                    return Err(feature_error(Feature::BulkMemory, at0));
                }
            }
        }
    }
    Ok(info)
}

fn check_tag(f: &Features, info: &ModuleInfo, t: &TagType, at: usize) -> Result<()> {
    if !f.enabled(Feature::Exceptions) && !f.enabled(Feature::LegacyExceptions) {
        return Err(feature_error(Feature::Exceptions, at));
    }
    let Some(ty) = info.func_type_at(t.type_index) else {
        return Err(err(
            if (t.type_index as usize) < info.types.len() {
                format!("type mismatch: type {} is not a function type", t.type_index)
            } else {
                format!("unknown type {}", t.type_index)
            },
            at,
        ));
    };
    if !ty.results().is_empty() {
        return Err(err("non-empty tag result type", at));
    }
    Ok(())
}

fn collect_ref_funcs(e: &ConstExpr<'_>, out: &mut HashSet<u32>) -> Result<()> {
    let mut ops = e.operators();
    while !ops.eof() {
        if let Operator::RefFunc { function_index } = ops.read()? {
            out.insert(function_index);
        }
    }
    Ok(())
}

/// Whether reference type `a` is a subtype of `b`.
pub(crate) fn ref_matches(info: &ModuleInfo, a: RefType, b: RefType) -> bool {
    if a.nullable && !b.nullable {
        return false;
    }
    info.heap_sub(a.heap, b.heap)
}

/// Whether heap type `a` is a subtype of `b`, with `same` telling whether
/// two concrete types are equivalent, every concrete type taken to be a
/// function type (as the runtime's engine signatures are; a module's own
/// types are matched by [`ModuleInfo::heap_sub`]).
pub fn heap_matches(a: HeapType, b: HeapType, same: impl Fn(u32, u32) -> bool) -> bool {
    use HeapType as H;
    match (a, b) {
        (H::Concrete(x), H::Concrete(y)) => same(x, y),
        _ if a == b => true,
        (H::Concrete(_) | H::NoFunc, H::Func) | (H::NoFunc, H::Concrete(_)) => true,
        (H::NoExtern, H::Extern) | (H::NoExn, H::Exn) => true,
        (H::None, H::Any | H::Eq | H::I31 | H::Struct | H::Array) => true,
        (H::Eq | H::I31 | H::Struct | H::Array, H::Any) => true,
        (H::I31 | H::Struct | H::Array, H::Eq) => true,
        _ => false,
    }
}

/// Validates a constant expression of type `ty`. `global_limit` is the
/// number of globals visible to it when it initialises a global.
fn const_expr(info: &ModuleInfo, e: &ConstExpr<'_>, ty: ValType, global_limit: Option<u32>) -> Result<()> {
    let mut ops = e.operators();
    let mut stack: Vec<ValType> = Vec::new();
    let f = &info.features;
    loop {
        let at = ops.offset();
        let op = ops.read()?;
        let push = match op {
            Operator::I32Const { .. } => ValType::I32,
            Operator::I64Const { .. } => ValType::I64,
            Operator::F32Const { .. } => ValType::F32,
            Operator::F64Const { .. } => ValType::F64,
            Operator::V128Const { .. } => {
                if !f.enabled(Feature::Simd) {
                    return Err(feature_error(Feature::Simd, at));
                }
                ValType::V128
            }
            Operator::RefNull { hty } => {
                let r = RefType {
                    nullable: true,
                    heap: hty,
                };
                check_reftype(f, info.types.len(), r, at)?;
                ValType::Ref(r)
            }
            Operator::RefFunc { function_index } => {
                if !f.enabled(Feature::ReferenceTypes) {
                    return Err(feature_error(Feature::ReferenceTypes, at));
                }
                if function_index as usize >= info.funcs.len() {
                    return Err(err(format!("unknown function {function_index}"), at));
                }
                info.ref_func_type(function_index)
            }
            Operator::GlobalGet { global_index } => {
                // Wasm 2.0: only imported globals are visible to constant
                // expressions; with typed function references (and GC),
                // earlier immutable globals are too.
                let visible = if f.enabled(Feature::Gc) || f.enabled(Feature::FunctionReferences) {
                    global_limit.unwrap_or(info.globals.len() as u32)
                } else {
                    info.num_imported_globals
                };
                let Some(g) = info
                    .globals
                    .get(global_index as usize)
                    .filter(|_| global_index < visible)
                else {
                    return Err(err(format!("unknown global {global_index}"), at));
                };
                if g.mutable {
                    return Err(err("constant expression required", at));
                }
                g.content
            }
            Operator::I32Add {}
            | Operator::I32Sub {}
            | Operator::I32Mul {}
            | Operator::I64Add {}
            | Operator::I64Sub {}
            | Operator::I64Mul {}
                if f.enabled(Feature::ExtendedConst) =>
            {
                let t = if matches!(op, Operator::I32Add {} | Operator::I32Sub {} | Operator::I32Mul {}) {
                    ValType::I32
                } else {
                    ValType::I64
                };
                for _ in 0..2 {
                    if stack.pop() != Some(t) {
                        return Err(err("type mismatch", at));
                    }
                }
                t
            }
            Operator::StructNew { .. }
            | Operator::StructNewDefault { .. }
            | Operator::ArrayNew { .. }
            | Operator::ArrayNewDefault { .. }
            | Operator::ArrayNewFixed { .. }
            | Operator::RefI31 {}
            | Operator::AnyConvertExtern {}
            | Operator::ExternConvertAny {} => {
                if !f.enabled(Feature::Gc) {
                    return Err(feature_error(Feature::Gc, at));
                }
                gc_const_op(info, &op, &mut stack, at)?
            }
            Operator::End {} => {
                let ok = stack.len() == 1
                    && match (stack[0], ty) {
                        (ValType::Ref(a), ValType::Ref(b)) => ref_matches(info, a, b),
                        (a, b) => a == b,
                    };
                if !ok {
                    return Err(err("type mismatch in constant expression", at));
                }
                return Ok(());
            }
            _ => return Err(err("constant expression required", at)),
        };
        stack.push(push);
    }
}

/// Pops a constant expression's operand of type `t` (or a subtype).
fn pop_const(info: &ModuleInfo, stack: &mut Vec<ValType>, t: ValType, at: usize) -> Result<ValType> {
    match stack.pop() {
        Some(a) if info.val_sub(a, t) => Ok(a),
        _ => Err(err("type mismatch in constant expression", at)),
    }
}

/// The GC operators allowed in constant expressions: pops their operands
/// and returns the type they push.
fn gc_const_op(info: &ModuleInfo, op: &Operator<'_>, stack: &mut Vec<ValType>, at: usize) -> Result<ValType> {
    let new_ref = |t: u32| {
        ValType::Ref(RefType {
            nullable: false,
            heap: HeapType::Concrete(t),
        })
    };
    let array = |t: u32| {
        info.array_field(t)
            .ok_or_else(|| err(format!("type mismatch: type {t} is not an array type"), at))
    };
    Ok(match *op {
        Operator::StructNew { struct_type_index: t } | Operator::StructNewDefault { struct_type_index: t } => {
            let Some(fields) = info.struct_fields(t) else {
                return Err(err(format!("type mismatch: type {t} is not a struct type"), at));
            };
            if matches!(op, Operator::StructNew { .. }) {
                for fl in fields.iter().rev() {
                    pop_const(info, stack, fl.storage.unpacked(), at)?;
                }
            } else if !fields.iter().all(|fl| fl.storage.unpacked().is_defaultable()) {
                return Err(err(
                    "type mismatch: struct type has a field without a default value",
                    at,
                ));
            }
            new_ref(t)
        }
        Operator::ArrayNew { array_type_index: t } => {
            let fl = array(t)?;
            pop_const(info, stack, ValType::I32, at)?;
            pop_const(info, stack, fl.storage.unpacked(), at)?;
            new_ref(t)
        }
        Operator::ArrayNewDefault { array_type_index: t } => {
            let fl = array(t)?;
            if !fl.storage.unpacked().is_defaultable() {
                return Err(err("type mismatch: array type has no default value", at));
            }
            pop_const(info, stack, ValType::I32, at)?;
            new_ref(t)
        }
        Operator::ArrayNewFixed {
            array_type_index: t,
            array_size: n,
        } => {
            let fl = array(t)?;
            if n as usize > stack.len() {
                return Err(err("type mismatch in constant expression", at));
            }
            for _ in 0..n {
                pop_const(info, stack, fl.storage.unpacked(), at)?;
            }
            new_ref(t)
        }
        Operator::RefI31 {} => {
            pop_const(info, stack, ValType::I32, at)?;
            ValType::Ref(RefType {
                nullable: false,
                heap: HeapType::I31,
            })
        }
        Operator::AnyConvertExtern {} | Operator::ExternConvertAny {} => {
            let (from, to) = if matches!(op, Operator::AnyConvertExtern {}) {
                (HeapType::Extern, HeapType::Any)
            } else {
                (HeapType::Any, HeapType::Extern)
            };
            let a = pop_const(
                info,
                stack,
                ValType::Ref(RefType {
                    nullable: true,
                    heap: from,
                }),
                at,
            )?;
            let nullable = matches!(a, ValType::Ref(r) if r.nullable);
            ValType::Ref(RefType { nullable, heap: to })
        }
        _ => return Err(err("constant expression required", at)),
    })
}
