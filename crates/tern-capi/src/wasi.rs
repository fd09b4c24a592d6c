//! WASI preview1 for C embedders (`tern.h`): a configuration (arguments,
//! environment, standard streams, pre-opened directories) given to a
//! store, and the store's WASI functions as the imports of a module.

use crate::module::need_module;
use crate::refs::{RefKind, wasm_ref_t, wasm_trap_t};
use crate::store::{StoreData, wasm_store_t};
use crate::vec::Vector;
use crate::{guard, need, need_mut, set_error};
use rt::{Extern, Linker};
use std::ffi::{CStr, c_char};
use std::ptr;
use tern_wasi::{WasiCtx, WasiCtxBuilder};

/// What a store's WASI guest gets.
pub struct tern_wasi_config_t {
    builder: WasiCtxBuilder,
}

unsafe fn text(p: *const c_char) -> Option<String> {
    (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_new() -> *mut tern_wasi_config_t {
    guard(ptr::null_mut(), || {
        Box::into_raw(Box::new(tern_wasi_config_t {
            builder: WasiCtxBuilder::new(),
        }))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_delete(c: *mut tern_wasi_config_t) {
    guard((), || {
        if !c.is_null() {
            drop(Box::from_raw(c))
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_set_argv(
    c: *mut tern_wasi_config_t,
    argc: usize,
    argv: *const *const c_char,
) {
    guard((), || {
        let c = need_mut(c, "tern_wasi_config_set_argv");
        for i in 0..if argv.is_null() { 0 } else { argc } {
            if let Some(a) = text(*argv.add(i)) {
                c.builder.arg(a);
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_inherit_argv(c: *mut tern_wasi_config_t) {
    guard((), || {
        need_mut(c, "tern_wasi_config_inherit_argv")
            .builder
            .args(std::env::args());
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_set_env(
    c: *mut tern_wasi_config_t,
    n: usize,
    names: *const *const c_char,
    values: *const *const c_char,
) {
    guard((), || {
        let c = need_mut(c, "tern_wasi_config_set_env");
        if names.is_null() || values.is_null() {
            return;
        }
        for i in 0..n {
            if let (Some(k), Some(v)) = (text(*names.add(i)), text(*values.add(i))) {
                c.builder.env(k, v);
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_inherit_env(c: *mut tern_wasi_config_t) {
    guard((), || {
        let c = need_mut(c, "tern_wasi_config_inherit_env");
        for (k, v) in std::env::vars() {
            c.builder.env(k, v);
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_inherit_stdio(c: *mut tern_wasi_config_t) {
    guard((), || {
        need_mut(c, "tern_wasi_config_inherit_stdio").builder.inherit_stdio();
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_inherit_stdin(c: *mut tern_wasi_config_t) {
    guard((), || {
        need_mut(c, "tern_wasi_config_inherit_stdin")
            .builder
            .stdin(Box::new(std::io::stdin()));
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_inherit_stdout(c: *mut tern_wasi_config_t) {
    guard((), || {
        need_mut(c, "tern_wasi_config_inherit_stdout")
            .builder
            .stdout(Box::new(std::io::stdout()));
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_inherit_stderr(c: *mut tern_wasi_config_t) {
    guard((), || {
        need_mut(c, "tern_wasi_config_inherit_stderr")
            .builder
            .stderr(Box::new(std::io::stderr()));
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_config_preopen_dir(
    c: *mut tern_wasi_config_t,
    host_path: *const c_char,
    guest_path: *const c_char,
) -> bool {
    guard(false, || {
        let (Some(c), Some(host), Some(guest)) = (c.as_mut(), text(host_path), text(guest_path)) else {
            return false;
        };
        match c.builder.preopened_dir(&host, &guest) {
            Ok(_) => true,
            Err(e) => {
                set_error(format!("cannot open `{host}`: {e}"));
                false
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_store_set_wasi(s: *mut wasm_store_t, c: *mut tern_wasi_config_t) {
    guard((), || {
        let s = need(s, "tern_store_set_wasi");
        let mut c = Box::from_raw(need_mut(c, "tern_store_set_wasi"));
        let ctx = c.builder.build();
        // The old context (if any) is dropped after the store is released.
        let old = s.cell.with(|mut cx| cx.data_mut().wasi.replace(ctx));
        drop(old);
    })
}

fn wasi_of(d: &mut StoreData) -> &mut WasiCtx {
    d.wasi.get_or_insert_with(|| WasiCtxBuilder::new().build())
}

/// The store's WASI functions as a module's imports, in the module's
/// import order: a function for each `wasi_snapshot_preview1` import, NULL
/// for every other import (for the embedder to fill in). False when the
/// module imports a WASI name that does not exist.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wasi_imports(
    s: *mut wasm_store_t,
    m: *const crate::refs::wasm_module_t,
    out: *mut Vector<*mut wasm_ref_t>,
) -> bool {
    guard(false, || {
        let out = need_mut(out, "tern_wasi_imports");
        ptr::write(out, Vector::EMPTY);
        let Some(s) = s.as_ref() else { return false };
        let m = need_module(m, "tern_wasi_imports");
        let cell = &s.cell;
        let mut linker: Linker<StoreData> = Linker::new(&cell.engine());
        if let Err(e) = tern_wasi::add_to_linker(&mut linker, wasi_of) {
            set_error(e.to_string());
            return false;
        }
        let mut items = Vec::with_capacity(m.imports.len());
        let mut missing = None;
        cell.with(|mut ctx| {
            for (module, name, _) in &m.imports {
                if module != "wasi_snapshot_preview1" {
                    items.push(ptr::null_mut());
                    continue;
                }
                match linker.get(&mut ctx, module, name) {
                    Some(e @ Extern::Func(_)) => items.push(wasm_ref_t::of_extern(cell, e).unwrap_or(ptr::null_mut())),
                    _ => {
                        missing.get_or_insert_with(|| name.clone());
                        items.push(ptr::null_mut());
                    }
                }
            }
        });
        ptr::write(out, Vector::from_vec(items));
        match missing {
            Some(n) => {
                set_error(format!("unknown WASI function `wasi_snapshot_preview1::{n}`"));
                false
            }
            None => true,
        }
    })
}

/// Whether the trap is a WASI guest's `proc_exit`, and its status.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_trap_exit_status(t: *const wasm_trap_t, status: *mut i32) -> bool {
    guard(false, || match t.as_ref().map(|t| &t.kind) {
        Some(RefKind::Trap(t)) => match t.exit_status {
            Some(code) => {
                if let Some(s) = status.as_mut() {
                    *s = code;
                }
                true
            }
            None => false,
        },
        _ => false,
    })
}
