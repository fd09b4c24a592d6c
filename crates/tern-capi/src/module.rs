//! Modules: compilation, validation, import and export types,
//! serialization, and sharing across threads.

use crate::refs::{HostInfo, RefKind, wasm_module_t, wasm_ref_t};
use crate::store::wasm_store_t;
use crate::types::{ExternTy, wasm_exporttype_t, wasm_externtype_t, wasm_importtype_t};
use crate::vec::{Vector, bytes_vec, wasm_byte_vec_t};
use crate::{guard, need, set_error};
use rt::{Engine, ExternKind, ImportType, Module};
use std::cell::RefCell;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;

/// What a module is, independent of the thread using it.
pub(crate) struct ModuleData {
    pub(crate) module: Module,
    /// The binary, kept for serialization and for compiling again for
    /// another engine.
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) imports: Vec<(String, String, ExternTy)>,
    pub(crate) exports: Vec<(String, ExternTy)>,
}

/// A module object: its data and its host info.
pub(crate) struct ModuleObj {
    pub(crate) data: Arc<ModuleData>,
    pub(crate) host: RefCell<Option<HostInfo>>,
}

/// A module handed to another thread.
pub struct wasm_shared_module_t {
    data: Arc<ModuleData>,
}

impl ModuleData {
    /// Compiles `bytes` (a binary module) for `engine`.
    pub(crate) fn new(engine: &Engine, bytes: &[u8]) -> Result<ModuleData, String> {
        if !bytes.starts_with(b"\0asm") {
            return Err("not a binary WebAssembly module (it does not start with `\\0asm`)".into());
        }
        let module = Module::from_binary(engine, bytes).map_err(|e| e.to_string())?;
        let (imports, exports) = signatures(&module, bytes)?;
        Ok(ModuleData {
            module,
            bytes: bytes.into(),
            imports,
            exports,
        })
    }
}

type Signatures = (Vec<(String, String, ExternTy)>, Vec<(String, ExternTy)>);

/// The C view of a module's imports and exports (tags, which the
/// standard API cannot express, are left out).
fn signatures(module: &Module, bytes: &[u8]) -> Result<Signatures, String> {
    let m = tern_binary::decode(bytes).map_err(|e| e.to_string())?;
    let func_ty = |t: u32| module.func_type(t).cloned().ok_or("bad type index");
    let (mut funcs, mut tables, mut memories, mut globals) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut imports = Vec::new();
    for i in &m.imports {
        let ty = match i.ty {
            ImportType::Func(t) => {
                funcs.push(t);
                ExternTy::Func(func_ty(t)?)
            }
            ImportType::Table(t) => {
                tables.push(t);
                ExternTy::Table(t)
            }
            ImportType::Memory(t) => {
                memories.push(t);
                ExternTy::Memory(t)
            }
            ImportType::Global(t) => {
                globals.push(t);
                ExternTy::Global(t)
            }
            ImportType::Tag(_) => continue,
        };
        imports.push((i.module.to_string(), i.name.to_string(), ty));
    }
    funcs.extend(&m.functions);
    tables.extend(m.tables.iter().map(|t| t.ty));
    memories.extend(&m.memories);
    globals.extend(m.globals.iter().map(|g| g.ty));
    let mut exports = Vec::new();
    for e in &m.exports {
        let i = e.index as usize;
        let ty = match e.kind {
            ExternKind::Func => ExternTy::Func(func_ty(funcs[i])?),
            ExternKind::Table => ExternTy::Table(tables[i]),
            ExternKind::Memory => ExternTy::Memory(memories[i]),
            ExternKind::Global => ExternTy::Global(globals[i]),
            ExternKind::Tag => continue,
        };
        exports.push((e.name.to_string(), ty));
    }
    Ok((imports, exports))
}

pub(crate) fn module_obj(data: Arc<ModuleData>) -> *mut wasm_module_t {
    wasm_ref_t::boxed(RefKind::Module(Rc::new(ModuleObj {
        data,
        host: RefCell::new(None),
    })))
}

pub(crate) unsafe fn module_arg<'a>(m: *const wasm_module_t) -> Option<&'a Arc<ModuleData>> {
    match &m.as_ref()?.kind {
        RefKind::Module(m) => Some(&m.data),
        _ => None,
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_new(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    guard(ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store.as_ref(), binary.as_ref()) else {
            set_error("wasm_module_new: NULL argument");
            return ptr::null_mut();
        };
        match ModuleData::new(&s.cell.engine(), b.as_slice()) {
            Ok(d) => module_obj(Arc::new(d)),
            Err(e) => {
                set_error(e);
                ptr::null_mut()
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_validate(store: *mut wasm_store_t, binary: *const wasm_byte_vec_t) -> bool {
    guard(false, || {
        let (Some(s), Some(b)) = (store.as_ref(), binary.as_ref()) else {
            return false;
        };
        let b = b.as_slice();
        if !b.starts_with(b"\0asm") {
            set_error("not a binary WebAssembly module");
            return false;
        }
        match Module::from_binary(&s.cell.engine(), b) {
            Ok(_) => true,
            Err(e) => {
                set_error(e.to_string());
                false
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_imports(m: *const wasm_module_t, out: *mut Vector<*mut wasm_importtype_t>) {
    guard((), || {
        let out = crate::need_mut(out, "wasm_module_imports");
        let Some(m) = module_arg(m) else {
            eprintln!("tern: wasm_module_imports: not a module");
            std::process::abort()
        };
        let v = m
            .imports
            .iter()
            .map(|(module, name, ty)| {
                Box::into_raw(Box::new(wasm_importtype_t {
                    module: bytes_vec(module.as_bytes()),
                    name: bytes_vec(name.as_bytes()),
                    ty: wasm_externtype_t::boxed(ty),
                }))
            })
            .collect();
        ptr::write(out, Vector::from_vec(v));
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_exports(m: *const wasm_module_t, out: *mut Vector<*mut wasm_exporttype_t>) {
    guard((), || {
        let out = crate::need_mut(out, "wasm_module_exports");
        let Some(m) = module_arg(m) else {
            eprintln!("tern: wasm_module_exports: not a module");
            std::process::abort()
        };
        let v = m
            .exports
            .iter()
            .map(|(name, ty)| {
                Box::into_raw(Box::new(wasm_exporttype_t {
                    name: bytes_vec(name.as_bytes()),
                    ty: wasm_externtype_t::boxed(ty),
                }))
            })
            .collect();
        ptr::write(out, Vector::from_vec(v));
    })
}

/// The first bytes of a serialized module. What follows is the module's
/// binary: loading compiles it again, so a serialized module is as safe to
/// load as any binary (no native code is loaded).
const SERIALIZED_MAGIC: &[u8; 8] = b"\0ternCm\x01";

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_serialize(m: *const wasm_module_t, out: *mut wasm_byte_vec_t) {
    guard((), || {
        let out = crate::need_mut(out, "wasm_module_serialize");
        let Some(m) = module_arg(m) else {
            eprintln!("tern: wasm_module_serialize: not a module");
            std::process::abort()
        };
        let mut v = SERIALIZED_MAGIC.to_vec();
        v.extend_from_slice(&m.bytes);
        ptr::write(out, Vector::from_vec(v));
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_deserialize(
    store: *mut wasm_store_t,
    bytes: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    guard(ptr::null_mut(), || {
        let (Some(s), Some(b)) = (store.as_ref(), bytes.as_ref()) else {
            return ptr::null_mut();
        };
        let Some(binary) = b.as_slice().strip_prefix(SERIALIZED_MAGIC) else {
            set_error("wasm_module_deserialize: not a module serialized by tern's wasm_module_serialize");
            return ptr::null_mut();
        };
        match ModuleData::new(&s.cell.engine(), binary) {
            Ok(d) => module_obj(Arc::new(d)),
            Err(e) => {
                set_error(e);
                ptr::null_mut()
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_share(m: *const wasm_module_t) -> *mut wasm_shared_module_t {
    guard(ptr::null_mut(), || match module_arg(m) {
        Some(d) => Box::into_raw(Box::new(wasm_shared_module_t { data: d.clone() })),
        None => ptr::null_mut(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_shared_module_delete(m: *mut wasm_shared_module_t) {
    guard((), || {
        if !m.is_null() {
            drop(Box::from_raw(m))
        }
    })
}

/// A module object for `store` from a shared module: the same compiled
/// module when the store's engine is the module's, else compiled again for
/// the store's engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_obtain(
    store: *mut wasm_store_t,
    shared: *const wasm_shared_module_t,
) -> *mut wasm_module_t {
    guard(ptr::null_mut(), || {
        let (Some(s), Some(sh)) = (store.as_ref(), shared.as_ref()) else {
            return ptr::null_mut();
        };
        let engine = s.cell.engine();
        if Engine::same(&engine, sh.data.module.engine()) {
            return module_obj(sh.data.clone());
        }
        match ModuleData::new(&engine, &sh.data.bytes) {
            Ok(d) => module_obj(Arc::new(d)),
            Err(e) => {
                set_error(e);
                ptr::null_mut()
            }
        }
    })
}

/// The module behind a module argument, or an abort naming `func`.
pub(crate) unsafe fn need_module<'a>(m: *const wasm_module_t, func: &str) -> &'a Arc<ModuleData> {
    need(m, func);
    match module_arg(m) {
        Some(d) => d,
        None => {
            eprintln!("tern: {func}: not a module");
            std::process::abort()
        }
    }
}
