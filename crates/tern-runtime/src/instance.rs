//! Instances and the instantiation algorithm: import matching, allocation,
//! element and data segment initialisation, start function.

use crate::error::{Error, Result};
use crate::externals::{Extern, Global, Memory, Table, Tag};
use crate::func::{Func, TypedFunc, WasmParams, WasmResults};
use crate::module::{ConstOp, ElemItems, ElemMode, Module};
use crate::store::{AsContext, AsContextMut, StoreId, StoreInner};
use std::sync::Arc;
use tern_binary::{ExternKind, ImportType, Limits};
use tern_vm::{
    FuncEntity, FuncKind, GlobalEntity, InstanceEntity, StoreData, Table as VmTable, TagEntity, slots_of_all,
};
use tern_vm::{SigId, TrapCode};

/// An instance of a module in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Instance {
    /// Instantiates `module` with `imports`, given in the order of the
    /// module's imports.
    pub fn new(mut store: impl AsContextMut, module: &Module, imports: &[Extern]) -> Result<Instance> {
        instantiate(store.as_context_mut().0, module, imports)
    }

    /// The export called `name`.
    ///
    /// # Panics
    ///
    /// When `store` is not the instance's (see the crate documentation on
    /// handles and stores); so do [`Instance::exports`] and the typed
    /// getters below, except [`Instance::get_typed_func`], which returns
    /// an error.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        let s = store.as_context_mut().0;
        s.assert_owns(self.store, "instance");
        let m = &s.instance_modules[self.index as usize].inner;
        let &i = m.export_map.get(name)?;
        let e = &m.desc.exports()[i];
        let (kind, index) = (e.kind, e.index);
        Some(export_extern(s, self.index, kind, index))
    }

    /// The module this is an instance of.
    pub fn module(&self, store: impl AsContext) -> Module {
        let s = store.as_context().0;
        s.assert_owns(self.store, "instance");
        s.instance_modules[self.index as usize].clone()
    }

    /// All exports, in the module's order.
    pub fn exports(&self, mut store: impl AsContextMut) -> Vec<(String, Extern)> {
        let s = store.as_context_mut().0;
        s.assert_owns(self.store, "instance");
        let m = s.instance_modules[self.index as usize].clone();
        m.inner
            .desc
            .exports()
            .iter()
            .map(|e| (e.name.clone(), export_extern(s, self.index, e.kind, e.index)))
            .collect()
    }

    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    pub fn get_tag(&self, store: impl AsContextMut, name: &str) -> Option<Tag> {
        self.get_export(store, name)?.into_tag()
    }

    /// The exported function `name`, typed.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<P, R>> {
        store.as_context().0.check(self.store, "instance")?;
        let f = self
            .get_func(&mut store, name)
            .ok_or_else(|| Error::usage(format!("no exported function named `{name}`")))?;
        f.typed(&store)
    }
}

fn export_extern<T>(s: &StoreInner<T>, inst: u32, kind: ExternKind, index: u32) -> Extern {
    let e = &s.vm.instances[inst as usize];
    // `Extern::$ty` of the store entity at `$indices[index]` of the instance.
    macro_rules! handle {
        ($ty:ident, $indices:ident) => {
            Extern::$ty($ty {
                store: s.id,
                index: e.$indices[index as usize],
            })
        };
    }
    match kind {
        ExternKind::Func => handle!(Func, funcs),
        ExternKind::Table => handle!(Table, tables),
        ExternKind::Memory => handle!(Memory, memories),
        ExternKind::Global => handle!(Global, globals),
        ExternKind::Tag => handle!(Tag, tags),
    }
}

/// Limits subtyping: `actual` fits where `expected` is required.
fn limits_match(actual_min: u64, actual_max: Option<u64>, expected: &Limits) -> bool {
    actual_min >= expected.min
        && match expected.max {
            None => true,
            Some(em) => matches!(actual_max, Some(am) if am <= em),
        }
}

/// Evaluates a constant expression to a raw value. GC allocations in it
/// never collect (no collection runs during instantiation).
fn eval(vm: &mut StoreData, ops: &[ConstOp], globals: &[u32], funcs: &[u32], sigs: &[SigId]) -> Result<u128> {
    // Nearly every constant expression is one operator: no stack for it.
    let mut stack: Vec<u128> = Vec::new();
    let trap = |c: TrapCode| Error::Trap(c.into());
    for op in ops {
        let v = match *op {
            ConstOp::I32(x) => x as u32 as u128,
            ConstOp::I64(x) => x as u64 as u128,
            ConstOp::F32(x) => x as u128,
            ConstOp::F64(x) => x as u128,
            ConstOp::V128(x) => x,
            ConstOp::RefNull => 0,
            ConstOp::RefFunc(f) => funcs[f as usize] as u128 + 1,
            ConstOp::GlobalGet(g) => vm.globals[globals[g as usize] as usize].value,
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = stack.pop().unwrap_or(0) as u32;
                let a = stack.pop().unwrap_or(0) as u32;
                (match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = stack.pop().unwrap_or(0) as u64;
                let a = stack.pop().unwrap_or(0) as u64;
                (match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
            ConstOp::RefI31 => tern_vm::gc::i31_new(stack.pop().unwrap_or(0) as u32) as u128,
            ConstOp::AnyConvertExtern => tern_vm::gc::any_convert_extern(stack.pop().unwrap_or(0) as u64) as u128,
            ConstOp::ExternConvertAny => vm.gc.externalize(stack.pop().unwrap_or(0) as u64) as u128,
            ConstOp::StructNew(t) | ConstOp::StructNewDefault(t) => {
                let id = sigs[t as usize];
                let ty = vm
                    .gc
                    .ty(id)
                    .cloned()
                    .ok_or_else(|| Error::usage("unregistered struct type"))?;
                let layout = ty.struct_layout().ok_or_else(|| Error::usage("not a struct type"))?;
                let mut slots = vec![0u64; layout.slots as usize];
                if matches!(op, ConstOp::StructNew(_)) {
                    let n = layout.fields.len();
                    let vals = stack.split_off(stack.len().saturating_sub(n));
                    for (k, v) in vals.iter().enumerate() {
                        let at = layout.offsets[k] as usize;
                        slots[at] = *v as u64;
                        if layout.fields[k] == tern_binary::StorageType::Val(tern_binary::ValType::V128) {
                            slots[at + 1] = (*v >> 64) as u64;
                        }
                    }
                }
                let bytes = tern_vm::gc::GcHeap::struct_bytes(layout.slots);
                if !vm.gc.fits(bytes) {
                    return Err(trap(TrapCode::GcHeapExhausted));
                }
                vm.gc.new_struct(id, layout, Some(&slots)).map_err(trap)? as u128
            }
            ConstOp::ArrayNew(t) | ConstOp::ArrayNewDefault(t) | ConstOp::ArrayNewFixed(t, _) => {
                let id = sigs[t as usize];
                let ty = vm
                    .gc
                    .ty(id)
                    .cloned()
                    .ok_or_else(|| Error::usage("unregistered array type"))?;
                let elem = ty.array_elem().ok_or_else(|| Error::usage("not an array type"))?;
                let traced = tern_vm::gc::storage_traced(elem, |t| vm.gc.is_func_type(t));
                let e = tern_vm::gc::elem_size(elem);
                let (len, fill, vals) = match *op {
                    ConstOp::ArrayNew(_) => {
                        let len = stack.pop().unwrap_or(0) as u32;
                        (len, stack.pop().unwrap_or(0), Vec::new())
                    }
                    ConstOp::ArrayNewDefault(_) => (stack.pop().unwrap_or(0) as u32, 0, Vec::new()),
                    ConstOp::ArrayNewFixed(_, n) => {
                        let vals = stack.split_off(stack.len().saturating_sub(n as usize));
                        (n, 0, vals)
                    }
                    _ => unreachable!("array constructors only"),
                };
                let bytes = tern_vm::gc::GcHeap::array_bytes(e, len).ok_or_else(|| trap(TrapCode::GcHeapExhausted))?;
                if !vm.gc.fits(bytes) {
                    return Err(trap(TrapCode::GcHeapExhausted));
                }
                let a = vm.gc.new_array(id, elem, traced, len, fill).map_err(trap)?;
                if !vals.is_empty()
                    && let Ok(o) = vm.gc.get_mut(a)
                    && let tern_vm::gc::BodyMut::Array { bytes, .. } = o.body
                {
                    for (i, v) in vals.iter().enumerate() {
                        tern_vm::gc::store_elem(bytes, i, e, *v);
                    }
                }
                a as u128
            }
        };
        if ops.len() == 1 {
            return Ok(v);
        }
        stack.push(v);
    }
    Ok(stack.pop().unwrap_or(0))
}

fn incompatible(module: &str, name: &str, why: &str) -> Error {
    Error::Link(format!("incompatible import type for `{module}::{name}`: {why}"))
}

pub(crate) fn instantiate<T>(s: &mut StoreInner<T>, module: &Module, imports: &[Extern]) -> Result<Instance> {
    let m = &module.inner;
    let info = m.desc.info();
    if !crate::Engine::same(&m.engine, &s.engine) {
        return Err(Error::usage("module and store belong to different engines"));
    }
    if s.vm.instances.len() >= s.vm.limits.max_instances {
        return Err(Error::Limit(format!(
            "instance limit of {} reached",
            s.vm.limits.max_instances
        )));
    }
    s.limit_instance(
        info.memories.len() - m.num_imported_memories as usize,
        m.tables.len() - m.num_imported_tables as usize,
    )?;
    if imports.len() != m.desc.imports().len() {
        return Err(Error::Link(format!(
            "unknown import: expected {} imports, got {}",
            m.desc.imports().len(),
            imports.len()
        )));
    }

    // The GC view of the module's types (subtyping of imports, casts).
    for (&id, t) in m.sigs.iter().zip(m.gc_types.iter()) {
        s.vm.gc.register_type(id, t.clone());
    }

    // 1. Match imports.
    let mut funcs: Vec<u32> = Vec::with_capacity(info.funcs.len());
    let mut tables: Vec<u32> = Vec::with_capacity(m.tables.len());
    let mut memories: Vec<u32> = Vec::with_capacity(info.memories.len());
    let mut globals: Vec<u32> = Vec::with_capacity(m.globals.len());
    let mut tags: Vec<u32> = Vec::with_capacity(info.tags.len());
    for (imp, ext) in m.desc.imports().iter().zip(imports) {
        if ext.store() != s.id {
            return Err(Error::usage("import from another store"));
        }
        let (mn, nn) = (imp.module.as_str(), imp.name.as_str());
        match (imp.ty, *ext) {
            (ImportType::Func(t), Extern::Func(f)) => {
                let (have, want) = (s.vm.funcs[f.index as usize].sig, m.sigs[t as usize]);
                if have != want && !s.vm.gc.is_subtype(have, want) {
                    return Err(incompatible(mn, nn, "function types differ"));
                }
                funcs.push(f.index);
            }
            (ImportType::Table(tt), Extern::Table(t)) => {
                let actual = &s.vm.tables[t.index as usize];
                let aty = actual.ty();
                if aty.element != crate::module::canon_ref(&m.sigs, tt.element) || aty.table64 != tt.table64 {
                    return Err(incompatible(mn, nn, "table element types differ"));
                }
                if !limits_match(actual.size() as u64, aty.limits.max, &tt.limits) {
                    return Err(incompatible(mn, nn, "table limits do not match"));
                }
                tables.push(t.index);
            }
            (ImportType::Memory(mt), Extern::Memory(mem)) => {
                let actual = &s.vm.memories[mem.index as usize];
                let aty = actual.ty();
                if aty.shared != mt.shared || aty.memory64 != mt.memory64 {
                    return Err(incompatible(mn, nn, "memory kinds differ"));
                }
                if tern_vm::page_size_log2(&aty) != tern_vm::page_size_log2(&mt) {
                    return Err(incompatible(mn, nn, "memory page sizes differ"));
                }
                if !limits_match(actual.size_pages(), aty.limits.max, &mt.limits) {
                    return Err(incompatible(mn, nn, "memory limits do not match"));
                }
                memories.push(mem.index);
            }
            (ImportType::Global(gt), Extern::Global(g)) => {
                let actual = s.vm.globals[g.index as usize].ty;
                let expected = crate::module::canon_val(&m.sigs, gt.content);
                // Mutable globals are invariant; immutable ones covariant.
                let fits = actual.mutable == gt.mutable
                    && if gt.mutable {
                        actual.content == expected
                    } else {
                        crate::values::valtype_matches(&s.vm, actual.content, expected)
                    };
                if !fits {
                    return Err(incompatible(mn, nn, "global types differ"));
                }
                globals.push(g.index);
            }
            (ImportType::Tag(tt), Extern::Tag(t)) => {
                if s.vm.tags[t.index as usize].sig != m.sigs[tt.type_index as usize] {
                    return Err(incompatible(mn, nn, "tag types differ"));
                }
                tags.push(t.index);
            }
            (ty, ext) => {
                return Err(incompatible(
                    mn,
                    nn,
                    &format!("expected a {}, got a {}", ty.kind().name(), ext.kind().name()),
                ));
            }
        }
    }

    // 2. Allocate functions, globals, tables and memories.
    let inst = s.vm.instances.len() as u32;
    for (def, &t) in info.funcs[m.desc.num_imported_funcs() as usize..].iter().enumerate() {
        let ty = &info.types[t as usize];
        s.vm.funcs.push(FuncEntity {
            sig: m.sigs[t as usize],
            kind: FuncKind::Wasm {
                instance: inst,
                def: def as u32,
            },
            param_slots: slots_of_all(ty.params()),
            result_slots: slots_of_all(ty.results()),
        });
        funcs.push(s.vm.funcs.len() as u32 - 1);
    }
    for (ty, init) in &m.globals[m.num_imported_globals as usize..] {
        let value = eval(&mut s.vm, init, &globals, &funcs, &m.sigs)?;
        s.vm.globals.push(Box::new(GlobalEntity { ty: *ty, value }));
        globals.push(s.vm.globals.len() as u32 - 1);
    }
    for (ty, init) in &m.tables[m.num_imported_tables as usize..] {
        let v = match init {
            Some(e) => eval(&mut s.vm, e, &globals, &funcs, &m.sigs)? as u64,
            None => 0,
        };
        s.limit_new_table(ty, false)?;
        let t = VmTable::new(*ty, v, s.vm.limits.max_table_elements)
            .ok_or_else(|| Error::Limit("table allocation failed: size exceeds the limit".into()))?;
        s.vm.tables.push(Box::new(t));
        tables.push(s.vm.tables.len() as u32 - 1);
    }
    for &t in &info.tags[m.num_imported_tags as usize..] {
        s.vm.tags.push(TagEntity {
            sig: m.sigs[t as usize],
            param_slots: slots_of_all(info.types[t as usize].params()),
        });
        tags.push(s.vm.tags.len() as u32 - 1);
    }
    for ty in &info.memories[m.num_imported_memories as usize..] {
        s.limit_new_memory(ty, false)?;
        let mem = crate::call::new_store_memory(&s.engine, *ty, s.vm.limits.max_memory_pages)?;
        s.vm.memories.push(mem);
        memories.push(s.vm.memories.len() as u32 - 1);
    }
    let mut elems: Vec<Box<[u64]>> = Vec::with_capacity(m.elements.len());
    for e in &m.elements {
        elems.push(match &e.items {
            // A function reference's raw value: its store index + 1.
            ElemItems::Funcs(fs) => fs.iter().map(|&f| funcs[f as usize] as u64 + 1).collect(),
            ElemItems::Exprs(xs) => xs
                .iter()
                .map(|x| eval(&mut s.vm, x, &globals, &funcs, &m.sigs).map(|v| v as u64))
                .collect::<Result<_>>()?,
        });
    }
    let datas = m.datas.iter().map(|d| d.range.clone()).collect();
    let code: Arc<dyn std::any::Any + Send + Sync> = m.code.clone();
    s.vm.instances.push(InstanceEntity {
        code,
        funcs: funcs.into_boxed_slice(),
        tables: tables.into_boxed_slice(),
        memories: memories.into_boxed_slice(),
        globals: globals.into_boxed_slice(),
        tags: tags.into_boxed_slice(),
        sigs: m.sigs.clone(),
        elems,
        bytes: m.desc.bytes().clone(),
        datas,
    });
    s.instance_modules.push(module.clone());
    crate::jit::instantiate(s, inst, module)?;
    let instance = Instance {
        store: s.id,
        index: inst,
    };

    // 3. Element segments, then data segments, in order; a trap stops
    // instantiation with the earlier segments' effects in place.
    for (i, e) in m.elements.iter().enumerate() {
        match &e.mode {
            ElemMode::Active { table, offset } => {
                let ie = &s.vm.instances[inst as usize];
                let (g, f) = (ie.globals.clone(), ie.funcs.clone());
                // A 64-bit table's offset may exceed every table size.
                let at = u32::try_from(eval(&mut s.vm, offset, &g, &f, &m.sigs)? as u64)
                    .map_err(|_| Error::Trap(TrapCode::TableOutOfBounds.into()))?;
                let ie = &s.vm.instances[inst as usize];
                let ti = ie.tables[*table as usize] as usize;
                let n = ie.elems[i].len() as u32;
                let vm = &mut s.vm;
                vm.tables[ti]
                    .init(at, &vm.instances[inst as usize].elems[i], 0, n)
                    .map_err(|c| Error::Trap(c.into()))?;
                vm.instances[inst as usize].elems[i] = Box::default();
            }
            ElemMode::Declared => s.vm.instances[inst as usize].elems[i] = Box::default(),
            ElemMode::Passive => {}
        }
    }
    // A precompiled module may carry memory 0's initial contents as an
    // image: all its data segments, in place.
    let imaged = crate::jit::apply_memory_image(s, inst, module)?;
    for (i, d) in m.datas.iter().enumerate() {
        if let Some((mem, offset)) = &d.active {
            if imaged {
                s.vm.instances[inst as usize].datas[i] = 0..0;
                continue;
            }
            let ie = &s.vm.instances[inst as usize];
            let (g, f) = (ie.globals.clone(), ie.funcs.clone());
            // (A 64-bit memory's offset is all 64 bits.)
            let at = eval(&mut s.vm, offset, &g, &f, &m.sigs)? as u64;
            let ie = &s.vm.instances[inst as usize];
            let mi = ie.memories[*mem as usize] as usize;
            let vm = &mut s.vm;
            let data = vm.instances[inst as usize].data(i as u32);
            vm.memories[mi]
                .init(at, data, 0, data.len() as u64)
                .map_err(|c| Error::Trap(c.into()))?;
            vm.instances[inst as usize].datas[i] = 0..0;
        }
    }

    // 4. The start function.
    if let Some(start) = m.desc.start() {
        let f = s.vm.instances[inst as usize].funcs[start as usize];
        crate::call::invoke(s, f, &mut [0u64; 1])?;
    }
    Ok(instance)
}
