//! The native half of tern's WebAssembly JavaScript interface: a Node-API
//! addon that `js/index.js` loads. It exposes tern's embedding API as flat
//! functions over plain values; the JavaScript half builds the standard
//! `WebAssembly` namespace (classes, WebIDL conversions, errors) on top.
//!
//! * Modules are `External` values that drop the module when collected.
//!   Functions, memories, tables, globals and tags are numbers: indices in
//!   this thread's table of externals, the same number for the same entity
//!   (so the JavaScript half can keep one wrapper object per entity).
//! * Values cross as "raw" JavaScript values of their wasm type: numbers
//!   for i32/f32/f64, BigInt for i64, a handle number or null for funcref.
//!   A reference of the `any` hierarchy is null or one number: an `i31` as
//!   its signed value, a host value made internal as [`EXTERN_BASE`] plus
//!   its id (the JavaScript half keeps the values), a struct or array as
//!   [`GC_BASE`] plus its handle (kept rooted here; the JavaScript half
//!   keeps one opaque object per handle). An `externref` crosses as the
//!   `anyref` it converts to, as the JS API converts it: a host value, or
//!   an `i31`, struct or array that wasm made external. Conversions the specification defines (ToInt32, BigInt
//!   wrapping, ...) happen in JavaScript before a value gets here.
//! * One engine and one store per thread (an agent). Calls are synchronous
//!   both ways: a JavaScript import runs on the calling thread through the
//!   trampoline the JavaScript half makes for it, and may call wasm again.
//! * A JavaScript exception thrown by an import unwinds the wasm frames as
//!   a trap and is thrown again, unchanged, where wasm was entered.

mod jspi;
mod napi;
mod sab;

use napi::*;
use napi_sys::*;
use rt::{
    AsContextMut, Engine, Error, Extern, ExternKind, ExternRef, Func, FuncType, Global, GlobalType, HeapType,
    ImportType, Memory, MemoryType, Module, RefType, Store, StoreContextMut, Table, TableType, Tag, Trap, Val, ValType,
};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;

struct State {
    env: napi_env,
    /// Owns the store; boxed so that its address stays put for the raw
    /// pointer in `STORE`, through which [`context`] reaches it.
    _store: Box<Store<()>>,
    externs: Vec<Extern>,
    ids: HashMap<Extern, u32>,
    /// Exceptions that crossed to JavaScript, by handle, so that one
    /// exception is one `WebAssembly.Exception` object.
    exns: Vec<rt::ExnRef>,
    exn_ids: HashMap<rt::ExnRef, u32>,
    /// Structs and arrays that crossed to JavaScript, by handle, and the
    /// handle of each by its object id, so that one object is one
    /// JavaScript object.
    gc_objects: Vec<rt::ManuallyRooted>,
    gc_ids: HashMap<u64, u32>,
    /// The buffer handed out for each memory (weakly held), with the
    /// memory's base and length it was made over, and whether it is a
    /// SharedArrayBuffer (which stays when the memory grows).
    buffers: HashMap<u32, (napi_ref, usize, usize, bool)>,
    /// Whether a module has been compiled (the configuration is fixed
    /// from then on).
    used: bool,
    /// The trampoline of each JavaScript import, by host id, and whether
    /// it is a `WebAssembly.Suspending` one's.
    hosts: Vec<(napi_ref, bool)>,
    /// Function types by handle, filled as functions are called.
    func_types: Vec<Option<std::rc::Rc<FuncType>>>,
    /// The exception a JavaScript import threw, until the wasm frames it
    /// unwound are gone.
    pending: Option<napi_ref>,
    /// What to tell of freed host values ([`collect_externs`]).
    on_externs_freed: Option<napi_ref>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
    /// While a JavaScript import runs: its caller's store context, which
    /// calls from JavaScript back into wasm must go through.
    static CURRENT: Cell<*mut StoreContextMut<'static, ()>> = const { Cell::new(ptr::null_mut()) };
    static STORE: Cell<*mut Store<()>> = const { Cell::new(ptr::null_mut()) };
    /// The thread's engine (set when the addon loads, replaced by
    /// `configure`); apart from the state, so that naming types never
    /// borrows it.
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Raw values of `any` references at and above this are host values made
/// internal (`EXTERN_BASE + externref id`); below, `i31`s.
const EXTERN_BASE: f64 = 2147483648.0; // 2^31
/// Raw values of `any` references at and above this are structs and
/// arrays (`GC_BASE + handle`).
const GC_BASE: f64 = 8589934592.0; // 2^33

/// The message of the trap that stands for a JavaScript exception.
const JS_EXCEPTION: &str = "JavaScript exception";

fn engine() -> Engine {
    ENGINE.with(|e| e.borrow().clone().expect("the addon is initialized"))
}

/// The abstract heap type `h` falls under (a concrete type's kind).
fn abstract_heap(h: HeapType) -> HeapType {
    ENGINE.with(|e| e.borrow().as_ref().map_or(h, |e| e.abstract_heap_type(h)))
}

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(s.borrow_mut().as_mut().expect("the addon is initialized")))
}

/// Runs `f` with the store: the current import's caller context when wasm
/// is on the stack, else the thread's store. The state is not borrowed
/// meanwhile, so `f` may call wasm, which may call JavaScript, which may
/// come back here.
fn context<R>(f: impl FnOnce(StoreContextMut<'_, ()>) -> R) -> R {
    context_scoped(true, f)
}

/// [`context`], in a GC root scope only when `scope` (an operation that
/// makes no reference from a JavaScript value needs none).
fn context_scoped<R>(scope: bool, f: impl FnOnce(StoreContextMut<'_, ()>) -> R) -> R {
    let run = |cx: StoreContextMut<'_, ()>| if scope { scoped(cx, f) } else { f(cx) };
    let cur = CURRENT.with(Cell::get);
    if !cur.is_null() {
        // SAFETY: set by `call_import` to a context that outlives the
        // import's call, which this runs inside; nothing else uses it
        // until this returns.
        let cx = unsafe { &mut *cur };
        return run(cx.as_context_mut());
    }
    let store = STORE.with(Cell::get);
    // SAFETY: the store lives as long as the thread's state (never
    // dropped); no wasm is running on this thread (CURRENT is null), so
    // nothing else holds it.
    run(unsafe { &mut *store }.as_context_mut())
}

/// Runs `f` in a GC root scope: references made from JavaScript values
/// for one operation are unrooted when it ends (those that go back to
/// JavaScript are rooted apart, see [`gc_handle`]).
fn scoped<R>(cx: StoreContextMut<'_, ()>, f: impl FnOnce(StoreContextMut<'_, ()>) -> R) -> R {
    let mut scope = rt::RootScope::new(cx);
    f(scope.as_context_mut())
}

/// The handle of the struct or array `a` names, rooting it the first time.
fn gc_handle(cx: &mut StoreContextMut<'_, ()>, a: &rt::AnyRef) -> rt::Result<u32> {
    let Some(key) = a.object_id(&mut *cx)? else {
        return Err(Error::Usage("not a struct or an array".into()));
    };
    if let Some(id) = with_state(|s| s.gc_ids.get(&key).copied()) {
        return Ok(id);
    }
    let rooted = a.to_manually_rooted(&mut *cx)?;
    Ok(with_state(|s| {
        let id = s.gc_objects.len() as u32;
        s.gc_objects.push(rooted);
        s.gc_ids.insert(key, id);
        id
    }))
}

fn handle(e: Extern) -> u32 {
    with_state(|s| {
        if let Some(&id) = s.ids.get(&e) {
            return id;
        }
        let id = s.externs.len() as u32;
        s.externs.push(e);
        s.ids.insert(e, id);
        id
    })
}

fn exn_handle(e: rt::ExnRef) -> u32 {
    with_state(|s| {
        if let Some(&id) = s.exn_ids.get(&e) {
            return id;
        }
        let id = s.exns.len() as u32;
        s.exns.push(e);
        s.exn_ids.insert(e, id);
        id
    })
}

fn exn_of(env: napi_env, v: napi_value) -> JsResult<rt::ExnRef> {
    let id = u32_of(env, v)?;
    match with_state(|s| s.exns.get(id as usize).copied()) {
        Some(e) => Ok(e),
        None => fail(env, "TypeError", "not a WebAssembly.Exception"),
    }
}

fn extern_of(env: napi_env, v: napi_value) -> JsResult<Extern> {
    let id = u32_of(env, v)?;
    match with_state(|s| s.externs.get(id as usize).copied()) {
        Some(e) => Ok(e),
        None => fail(env, "TypeError", "not a WebAssembly object"),
    }
}

/// `fn NAME(env, v) -> JsResult<T>`: the handle `v` as an entity of one
/// kind, or a TypeError naming the kind.
macro_rules! entity_of {
    ($($name:ident: $variant:ident($t:ty), $what:literal;)*) => {$(
        fn $name(env: napi_env, v: napi_value) -> JsResult<$t> {
            match extern_of(env, v)? {
                Extern::$variant(x) => Ok(x),
                _ => fail(env, "TypeError", concat!("not a ", $what)),
            }
        }
    )*};
}

entity_of! {
    func_of: Func(Func), "WebAssembly function";
    memory_of: Memory(Memory), "WebAssembly.Memory";
    table_of: Table(Table), "WebAssembly.Table";
    global_of: Global(Global), "WebAssembly.Global";
    tag_of: Tag(Tag), "WebAssembly.Tag";
}

// ---- types as strings ----

fn valtype_name(t: ValType) -> String {
    match t {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => refname(r),
    }
}

/// The heap type of `(array (mut i16))` (final, alone in its group) in the
/// thread's engine: the character arrays of the JS String Builtins.
fn char_array_heap() -> HeapType {
    let elem = rt::FieldType {
        storage: rt::StorageType::I16,
        mutable: true,
    };
    rt::ArrayType::new(&engine(), elem).map_or(HeapType::None, |t| t.heap_type())
}

/// `funcref`, `externref`, ...; `!` at the end when not nullable. A
/// concrete type is named by its kind (`funcref`, `structref`, `arrayref`);
/// the store checks the exact type when a value gets there. The one
/// exception is the builtins' character array type, `i16arrayref`, since
/// a builtin's import must have exactly its type.
fn refname(r: RefType) -> String {
    let base = match abstract_heap(r.heap) {
        _ if matches!(r.heap, HeapType::Concrete(_)) && r.heap == char_array_heap() => "i16arrayref",
        HeapType::Func | HeapType::Concrete(_) => "funcref",
        HeapType::Extern => "externref",
        HeapType::Exn => "exnref",
        HeapType::Any => "anyref",
        HeapType::Eq => "eqref",
        HeapType::I31 => "i31ref",
        HeapType::Struct => "structref",
        HeapType::Array => "arrayref",
        HeapType::None => "nullref",
        HeapType::NoFunc => "nullfuncref",
        HeapType::NoExtern => "nullexternref",
        HeapType::NoExn => "nullexnref",
    };
    if r.nullable { base.into() } else { format!("{base}!") }
}

fn parse_valtype(env: napi_env, s: &str) -> JsResult<ValType> {
    Ok(match s {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "v128" => ValType::V128,
        "anyfunc" | "funcref" => ValType::FUNCREF,
        "externref" => ValType::EXTERNREF,
        "exnref" => ValType::EXNREF,
        // Non-nullable, as `refname` writes them (the types of builtins).
        "funcref!" => ValType::Ref(RefType {
            nullable: false,
            heap: HeapType::Func,
        }),
        "externref!" => ValType::Ref(RefType {
            nullable: false,
            heap: HeapType::Extern,
        }),
        "i16arrayref" => ValType::Ref(RefType {
            nullable: true,
            heap: char_array_heap(),
        }),
        _ => return fail(env, "TypeError", &format!("unknown value type `{s}`")),
    })
}

fn types_array(env: napi_env, ts: &[ValType]) -> JsResult<napi_value> {
    let items: Vec<napi_value> = ts
        .iter()
        .map(|&t| string(env, &valtype_name(t)))
        .collect::<JsResult<_>>()?;
    array(env, &items)
}

fn functype_value(env: napi_env, ty: &FuncType) -> JsResult<napi_value> {
    let p = types_array(env, ty.params())?;
    let r = types_array(env, ty.results())?;
    array(env, &[p, r])
}

fn limits_value(env: napi_env, min: u64, max: Option<u64>) -> JsResult<[napi_value; 2]> {
    Ok([
        number(env, min as f64)?,
        match max {
            Some(m) => number(env, m as f64)?,
            None => null(env)?,
        },
    ])
}

/// `[kind, ...]` describing an extern type: `["function", params,
/// results]`, `["memory", min, max, shared, index]`, `["table", element,
/// min, max, index]`, `["global", type, mutable]`, `["tag", params]`.
fn memtype_value(env: napi_env, t: &MemoryType) -> JsResult<napi_value> {
    let [min, max] = limits_value(env, t.limits.min, t.limits.max)?;
    let items = [
        string(env, "memory")?,
        min,
        max,
        boolean(env, t.shared)?,
        string(env, if t.memory64 { "i64" } else { "i32" })?,
    ];
    array(env, &items)
}
fn tabletype_value(env: napi_env, t: &TableType) -> JsResult<napi_value> {
    let [min, max] = limits_value(env, t.limits.min, t.limits.max)?;
    let items = [
        string(env, "table")?,
        string(env, &refname(t.element))?,
        min,
        max,
        string(env, if t.table64 { "i64" } else { "i32" })?,
    ];
    array(env, &items)
}
fn globaltype_value(env: napi_env, t: &GlobalType) -> JsResult<napi_value> {
    let items = [
        string(env, "global")?,
        string(env, &valtype_name(t.content))?,
        boolean(env, t.mutable)?,
    ];
    array(env, &items)
}
fn kind_name(k: ExternKind) -> &'static str {
    match k {
        ExternKind::Func => "function",
        ExternKind::Table => "table",
        ExternKind::Memory => "memory",
        ExternKind::Global => "global",
        ExternKind::Tag => "tag",
    }
}

// ---- values ----

fn to_raw(env: napi_env, cx: &mut StoreContextMut<'_, ()>, v: &Val) -> JsResult<napi_value> {
    match *v {
        Val::I32(x) => number(env, x as f64),
        Val::I64(x) => bigint(env, x),
        Val::F32(bits) => number(env, f32::from_bits(bits) as f64),
        Val::F64(bits) => number(env, f64::from_bits(bits)),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => null(env),
        Val::AnyRef(Some(a)) => any_raw(env, cx, a),
        Val::FuncRef(Some(f)) => number(env, handle(Extern::Func(f)) as f64),
        // An `externref` crosses as the `anyref` it converts to (the JS
        // API converts through `any`): a host value, or a struct, array or
        // `i31` that wasm made external.
        Val::ExternRef(Some(e)) => match e.data(&*cx) {
            Ok(_) => host_raw(env, cx, e),
            Err(_) => match rt::AnyRef::from_extern(&mut *cx, e) {
                Ok(a) => any_raw(env, cx, a),
                Err(e) => Err(throw_rt(env, &e)),
            },
        },
        Val::ExnRef(Some(_)) => fail(env, "TypeError", "exception references cannot cross to JavaScript yet"),
        Val::V128(_) => fail(env, "TypeError", "v128 values cannot cross to JavaScript"),
    }
}

/// The raw number of the `any` reference `a` (see [`GC_BASE`]).
fn any_raw(env: napi_env, cx: &mut StoreContextMut<'_, ()>, a: rt::AnyRef) -> JsResult<napi_value> {
    match a.kind(&mut *cx) {
        Ok(rt::AnyKind::I31(v)) => number(env, ((v << 1) as i32 >> 1) as f64),
        Ok(rt::AnyKind::Extern(e)) => host_raw(env, cx, e),
        Ok(rt::AnyKind::Struct | rt::AnyKind::Array) => match gc_handle(cx, &a) {
            Ok(id) => number(env, GC_BASE + id as f64),
            Err(e) => Err(throw_rt(env, &e)),
        },
        Err(e) => Err(throw_rt(env, &e)),
    }
}

/// The raw number of the host value `e` wraps: [`EXTERN_BASE`] plus the
/// JavaScript half's id for it.
fn host_raw(env: napi_env, cx: &mut StoreContextMut<'_, ()>, e: ExternRef) -> JsResult<napi_value> {
    match e.data(&*cx).ok().and_then(|d| d.downcast_ref::<u32>()) {
        Some(&id) => number(env, EXTERN_BASE + id as f64),
        None => fail(
            env,
            "TypeError",
            "an external reference tern's JavaScript interface did not make",
        ),
    }
}

fn from_raw(env: napi_env, cx: &mut StoreContextMut<'_, ()>, ty: ValType, v: napi_value) -> JsResult<Val> {
    Ok(match ty {
        ValType::I32 => Val::I32(f64_of(env, v)? as i64 as i32),
        ValType::I64 => Val::I64(i64_of_bigint(env, v)?),
        ValType::F32 => Val::F32((f64_of(env, v)? as f32).to_bits()),
        ValType::F64 => Val::F64(f64_of(env, v)?.to_bits()),
        ValType::V128 => return fail(env, "TypeError", "v128 values cannot cross from JavaScript"),
        ValType::Ref(r) => {
            if is_nullish(env, v)? {
                if !r.nullable {
                    return fail(env, "TypeError", "null for a non-nullable reference");
                }
                return Ok(Val::default_for(ty));
            }
            match abstract_heap(r.heap) {
                HeapType::Func | HeapType::Concrete(_) => Val::FuncRef(Some(func_of(env, v)?)),
                HeapType::Extern => {
                    let x = f64_of(env, v)?;
                    if (EXTERN_BASE..GC_BASE).contains(&x) && x.fract() == 0.0 {
                        Val::ExternRef(Some(ExternRef::new(cx.as_context_mut(), (x - EXTERN_BASE) as u32)))
                    } else {
                        let a = any_of(env, cx, x)?;
                        Val::ExternRef(Some(ExternRef::from_any(&mut *cx, a).map_err(|e| throw_rt(env, &e))?))
                    }
                }
                HeapType::Any | HeapType::Eq | HeapType::I31 | HeapType::Struct | HeapType::Array | HeapType::None => {
                    Val::AnyRef(Some(any_of(env, cx, f64_of(env, v)?)?))
                }
                _ => {
                    return fail(
                        env,
                        "TypeError",
                        &format!("{} values cannot cross from JavaScript", refname(r)),
                    );
                }
            }
        }
    })
}

/// The `any` reference a raw number stands for (see [`GC_BASE`]).
fn any_of(env: napi_env, cx: &mut StoreContextMut<'_, ()>, x: f64) -> JsResult<rt::AnyRef> {
    if x.fract() != 0.0 || !(-1073741824.0..GC_BASE + u32::MAX as f64).contains(&x) {
        return fail(env, "TypeError", "not a raw anyref value");
    }
    if x < EXTERN_BASE {
        return Ok(rt::AnyRef::from_i31(&mut *cx, x as i64 as u32));
    }
    if x < GC_BASE {
        let e = ExternRef::new(cx.as_context_mut(), (x - EXTERN_BASE) as u32);
        return rt::AnyRef::from_extern(&mut *cx, e).map_err(|e| throw_rt(env, &e));
    }
    let id = (x - GC_BASE) as u32;
    let rooted = with_state(|s| s.gc_objects.get(id as usize).map(|m| m.to_rooted(&mut *cx)));
    match rooted {
        Some(Ok(a)) => Ok(a),
        Some(Err(e)) => Err(throw_rt(env, &e)),
        None => fail(env, "TypeError", "not a WebAssembly struct or array"),
    }
}

/// The value types `ts` of module `m` as the engine names them (a concrete
/// type by its engine id), as the other functions here get types from the
/// store.
fn engine_types(m: &Module, ts: &[ValType]) -> Vec<ValType> {
    ts.iter().map(|&t| m.engine_val_type(t)).collect()
}

/// A host function of type `ty` that calls the JavaScript `trampoline`
/// (see [`call_import`]); its handle.
fn host_func(env: napi_env, ty: FuncType, trampoline: napi_value, suspending: bool) -> JsResult<napi_value> {
    let tr = reference(env, trampoline)?;
    let host = with_state(|s| {
        s.hosts.push((tr, suspending));
        s.hosts.len() as u32 - 1
    });
    let f = context(|mut cx| {
        let t2 = ty.clone();
        Func::new(&mut cx, ty, move |mut caller, params, results| {
            let mut cx = caller.as_context_mut();
            if jspi::on_fiber() {
                return jspi::call_import(host, &t2, &mut cx, params, results);
            }
            call_import(host, &t2, &mut cx, params, results)
        })
    });
    number(env, handle(Extern::Func(f)) as f64)
}

/// Runs `f` on the `i16` array the raw reference `a` names; `None` (no
/// array) when `a` is null.
fn char_array<R>(
    env: napi_env,
    a: napi_value,
    f: impl FnOnce(&mut StoreContextMut<'_, ()>, &rt::ArrayRef) -> rt::Result<Option<R>>,
) -> JsResult<Option<R>> {
    if is_nullish(env, a)? {
        return Ok(None);
    }
    let x = f64_of(env, a)?;
    context(|mut cx| {
        let arr = any_of(env, &mut cx, x)?.as_array(&cx).map_err(|e| throw_rt(env, &e))?;
        let Some(arr) = arr else {
            return fail(env, "TypeError", "not a WebAssembly array");
        };
        let i16s = arr.ty(&cx).is_ok_and(|t| t.element().storage == rt::StorageType::I16);
        if !i16s {
            return fail(env, "TypeError", "not an array of i16");
        }
        f(&mut cx, &arr).map_err(|e| throw_rt(env, &e))
    })
}

/// Throws the JavaScript form of a tern error: the exception an import
/// threw, or a CompileError, LinkError, RuntimeError, RangeError or
/// TypeError.
fn throw_rt(env: napi_env, e: &Error) -> Thrown {
    if let Error::Trap(t) = e
        && let Some(r) = take_pending_if(t)
        && let Ok(v) = deref(env, r)
    {
        // SAFETY: env is the running callback's; r is ours, used once.
        unsafe {
            napi_throw(env, v);
            napi_delete_reference(env, r);
        }
        return Thrown;
    }
    if let Error::Trap(t) = e
        && let Ok(thrown) = throw_exception(env, t)
    {
        return thrown;
    }
    let kind = match e {
        Error::Compile(_) | Error::Text(_) => "CompileError",
        Error::Link(_) => "LinkError",
        // The JS API throws for wasm's stack overflow what JavaScript's
        // own throws, which in Node is a RangeError.
        Error::Trap(t) if t.code() == Some(rt::TrapCode::StackOverflow) => "RangeError",
        Error::Trap(_) => "RuntimeError",
        Error::Limit(_) => "RangeError",
        Error::Usage(_) => "TypeError",
    };
    throw_error(env, kind, &e.to_string());
    Thrown
}

/// Throws an error object standing for the wasm exception `t` carries:
/// `ternKind` "Exception", `exn` (its handle), `tag` (the tag's handle)
/// and `payload` (raw values). Fails (throwing nothing) when `t` is not
/// an exception.
fn throw_exception(env: napi_env, t: &Trap) -> Result<Thrown, ()> {
    let made = context(|mut cx| -> Option<JsResult<napi_value>> {
        let exn = rt::ExnRef::from_trap(&mut cx, t)?;
        let tag = exn.tag(&mut cx);
        let payload = exn.payload(&mut cx);
        Some((|| {
            let raw: Vec<napi_value> = payload
                .iter()
                .map(|v| to_raw(env, &mut cx, v))
                .collect::<JsResult<_>>()?;
            let err = object(env)?;
            set(env, err, c"ternKind", string(env, "Exception")?)?;
            set(env, err, c"exn", number(env, exn_handle(exn) as f64)?)?;
            set(env, err, c"tag", number(env, handle(Extern::Tag(tag)) as f64)?)?;
            set(env, err, c"payload", array(env, &raw)?)?;
            Ok(err)
        })())
    });
    match made {
        None => Err(()),
        Some(Ok(err)) => {
            // SAFETY: env is the running callback's.
            unsafe { napi_throw(env, err) };
            Ok(Thrown)
        }
        Some(Err(Thrown)) => Ok(Thrown),
    }
}

fn take_pending_if(t: &Trap) -> Option<napi_ref> {
    if t.to_string() != JS_EXCEPTION {
        return None;
    }
    with_state(|s| s.pending.take())
}

// ---- JavaScript imports ----

/// Calls JavaScript import `host`: its trampoline (made by the JavaScript
/// half for the import's type) takes the raw arguments and returns the raw
/// result (one result), `undefined` (none) or an array (several); an
/// object that is not an array instead is `{ exn }`, the exception the
/// import threw, or `{ trap }`, a message the call traps with (a built-in
/// function's failure, which wasm cannot catch). The trampoline of a
/// `WebAssembly.Suspending` import takes whether it may suspend first
/// (false here: only a call from a `WebAssembly.promising` one may, see
/// the `jspi` module); it never returns `{ suspend }` then.
fn call_import(
    host: u32,
    ty: &FuncType,
    cx: &mut StoreContextMut<'_, ()>,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    match import_start(host, ty, cx, params, results, false) {
        Import::Done(r) => r,
        Import::Suspend(_) => Err(Trap::msg("a suspending import cannot suspend here")),
    }
}

/// How an import's call went: finished (with its results written, or
/// the trap it ends in), or (a `WebAssembly.Suspending` import called with
/// `may_suspend`) waiting for a promise: the trampoline's `{ suspend }`.
enum Import {
    Done(Result<(), Trap>),
    Suspend(napi_value),
}

/// Calls import `host`'s trampoline with `params` (see [`call_import`]).
fn import_start(
    host: u32,
    ty: &FuncType,
    cx: &mut StoreContextMut<'_, ()>,
    params: &[Val],
    results: &mut [Val],
    may_suspend: bool,
) -> Import {
    let (env, (trampoline, suspending)) = with_state(|s| (s.env, s.hosts[host as usize]));
    let mut suspend = None;
    let r = in_import(env, cx, |cx| {
        let mut argv = [ptr::null_mut(); 9];
        let heap: Vec<napi_value>;
        let first = usize::from(suspending);
        if suspending {
            argv[0] = boolean(env, may_suspend)?;
        }
        let args: &[napi_value] = if first + params.len() <= argv.len() {
            for (a, p) in argv[first..].iter_mut().zip(params) {
                *a = to_raw(env, cx, p)?;
            }
            &argv[..first + params.len()]
        } else {
            let mut v = argv[..first].to_vec();
            for p in params {
                v.push(to_raw(env, cx, p)?);
            }
            heap = v;
            &heap
        };
        sync_buffers(env, cx)?;
        let f = deref(env, trampoline)?;
        let recv = undefined(env)?;
        let mut out = ptr::null_mut();
        check(env, unsafe {
            napi_call_function(env, recv, f, args.len(), args.as_ptr(), &mut out)
        })?;
        if suspending && type_of(env, out)? == ValueType::napi_object {
            let p = get(env, out, c"suspend")?;
            if type_of(env, p)? != ValueType::napi_undefined {
                suspend = Some(out);
                return Ok(Ok(()));
            }
        }
        take_results(env, cx, ty, out, results)
    });
    match suspend {
        Some(out) if r.is_ok() => Import::Suspend(out),
        _ => Import::Done(r),
    }
}

/// Finishes a call of an import from what its trampoline returned, `out`
/// (or, for a suspended call, what its promise settled to, as the
/// JavaScript half converted it): results, `{ exn }` or `{ trap }`.
fn import_finish(
    ty: &FuncType,
    cx: &mut StoreContextMut<'_, ()>,
    out: napi_value,
    results: &mut [Val],
) -> Result<(), Trap> {
    let env = with_state(|s| s.env);
    in_import(env, cx, |cx| take_results(env, cx, ty, out, results))
}

/// Runs part of an import's call with `cx` as the context calls back into
/// wasm go through; a JavaScript exception it leaves becomes the pending
/// exception, and the trap that stands for it.
fn in_import(
    env: napi_env,
    cx: &mut StoreContextMut<'_, ()>,
    f: impl FnOnce(&mut StoreContextMut<'_, ()>) -> JsResult<Result<(), Trap>>,
) -> Result<(), Trap> {
    let prev = CURRENT.with(|c| c.replace((cx as *mut StoreContextMut<'_, ()>).cast()));
    let r = f(cx);
    CURRENT.with(|c| c.set(prev));
    match r {
        Ok(r) => r,
        Err(Thrown) => {
            // Keep the exception until the wasm frames are unwound.
            let mut exn = ptr::null_mut();
            unsafe { napi_get_and_clear_last_exception(env, &mut exn) };
            let r = reference(env, exn).ok();
            with_state(|s| {
                if let Some(old) = std::mem::replace(&mut s.pending, r) {
                    unsafe { napi_delete_reference(env, old) };
                }
            });
            Err(Trap::msg(JS_EXCEPTION))
        }
    }
}

/// Reads an import's results from what its trampoline returned.
fn take_results(
    env: napi_env,
    cx: &mut StoreContextMut<'_, ()>,
    ty: &FuncType,
    out: napi_value,
    results: &mut [Val],
) -> JsResult<Result<(), Trap>> {
    if type_of(env, out)? == ValueType::napi_object {
        let mut is_array = false;
        check(env, unsafe { napi_is_array(env, out, &mut is_array) })?;
        if !is_array {
            let trap = get(env, out, c"trap")?;
            return Ok(Err(if type_of(env, trap)? == ValueType::napi_string {
                Trap::msg(string_of(env, trap)?)
            } else {
                exn_of(env, get(env, out, c"exn")?)?.rethrow()
            }));
        }
        let outs = array_items(env, out)?;
        if outs.len() != results.len() {
            return fail(env, "TypeError", "the import returned the wrong number of results");
        }
        for ((r, &t), &v) in results.iter_mut().zip(ty.results()).zip(&outs) {
            *r = from_raw(env, cx, t, v)?;
        }
    } else if let [r] = results {
        *r = from_raw(env, cx, ty.results()[0], out)?;
    }
    Ok(Ok(()))
}

/// A host function for function import `i` of module `m`, of its type.
fn import_func(
    env: napi_env,
    m: napi_value,
    i: napi_value,
    trampoline: napi_value,
    suspending: bool,
) -> JsResult<napi_value> {
    let m = module_of(env, m)?;
    let i = u32_of(env, i)?;
    let ty = match m.imports().nth(i as usize) {
        Some((_, _, ImportType::Func(t))) => m.func_type(t),
        _ => None,
    };
    let Some(ty) = ty else {
        return fail(env, "TypeError", "not a function import of the module");
    };
    let ty = FuncType::new(engine_types(m, ty.params()), engine_types(m, ty.results()));
    host_func(env, ty, trampoline, suspending)
}

/// Detaches the buffer handed out for memory `id`, if it is still alive
/// (a SharedArrayBuffer is only forgotten: its bytes stay).
fn detach_buffer(env: napi_env, id: u32) -> JsResult<()> {
    if let Some((r, _, _, shared)) = with_state(|s| s.buffers.remove(&id)) {
        let v = deref(env, r)?;
        unsafe { napi_delete_reference(env, r) };
        if !v.is_null() && !shared {
            let mut detached = false;
            check(env, unsafe { napi_is_detached_arraybuffer(env, v, &mut detached) })?;
            if !detached {
                detach(env, v)?;
            }
        }
    }
    Ok(())
}

/// Where memory `m`'s bytes are and how many: a shared memory's even when
/// other stores or threads hold it.
fn memory_span(cx: &mut StoreContextMut<'_, ()>, m: Memory) -> Option<(*mut u8, usize)> {
    if let Some(sm) = m.shared(&*cx) {
        let d = sm.data();
        return Some((d.as_ptr() as *mut u8, d.len()));
    }
    m.try_data_mut(cx.as_context_mut()).map(|d| (d.as_mut_ptr(), d.len()))
}

/// Detaches the buffers of memories that wasm code grew (or moved): before
/// JavaScript runs again, so that no buffer outlives the bytes it shows.
fn sync_buffers(env: napi_env, cx: &mut StoreContextMut<'_, ()>) -> JsResult<()> {
    let entries: Vec<(u32, usize, usize)> = with_state(|s| {
        if s.buffers.is_empty() {
            return Vec::new();
        }
        s.buffers
            .iter()
            .map(|(&id, &(_, base, len, _))| (id, base, len))
            .collect()
    });
    let mut stale = Vec::new();
    for (id, base, len) in entries {
        let Some(Extern::Memory(m)) = with_state(|s| s.externs.get(id as usize).copied()) else {
            continue;
        };
        let (p, n) = memory_span(cx, m).unwrap_or((ptr::null_mut(), 0));
        if p as usize != base || n != len {
            stale.push(id);
        }
    }
    for id in stale {
        detach_buffer(env, id)?;
    }
    Ok(())
}

/// Frees the store's payloads of the external references wasm no longer
/// holds, when enough were made since the last time, and tells the
/// JavaScript half which values it may drop (`externsFreed(ids)`, see
/// `js/index.js`). Only at the start of an operation from JavaScript, when
/// no wasm runs (the store's frames are not looked at) and before the
/// operation makes references of its own; this addon keeps no `ExternRef`
/// between operations.
fn collect_externs(env: napi_env) -> JsResult<()> {
    // Suspended `WebAssembly.promising` calls hold values on their stacks.
    if !CURRENT.with(Cell::get).is_null() || jspi::any_alive() {
        return Ok(());
    }
    let freed = context_scoped(false, |mut cx| cx.collect_externrefs(true));
    if freed.is_empty() {
        return Ok(());
    }
    let ids: Vec<napi_value> = freed
        .iter()
        .filter_map(|b| b.downcast_ref::<u32>())
        .map(|&id| number(env, id as f64))
        .collect::<JsResult<_>>()?;
    let Some(on_freed) = with_state(|s| s.on_externs_freed) else {
        return Ok(());
    };
    let f = deref(env, on_freed)?;
    let list = array(env, &ids)?;
    let recv = undefined(env)?;
    let mut out = ptr::null_mut();
    check(env, unsafe { napi_call_function(env, recv, f, 1, &list, &mut out) })
}

/// The type of function `f`, computed once per handle.
fn func_type(id: u32, f: Func) -> std::rc::Rc<FuncType> {
    if let Some(Some(t)) = with_state(|s| s.func_types.get(id as usize).cloned()) {
        return t;
    }
    let t = std::rc::Rc::new(context(|cx| f.ty(cx)));
    with_state(|s| {
        if s.func_types.len() <= id as usize {
            s.func_types.resize(id as usize + 1, None);
        }
        s.func_types[id as usize] = Some(t.clone());
    });
    t
}

// ---- the exported functions ----

macro_rules! callbacks {
    ($($(#[doc = $doc:literal])* $name:ident($env:ident, $info:ident) $body:block)*) => {
        $(
            $(#[doc = $doc])*
            #[allow(non_snake_case)]
            unsafe extern "C" fn $name($env: napi_env, $info: napi_callback_info) -> napi_value {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> JsResult<napi_value> { $body }));
                match r {
                    Ok(Ok(v)) => v,
                    Ok(Err(Thrown)) => ptr::null_mut(),
                    Err(_) => {
                        throw_error($env, "Error", concat!("internal error in tern (", stringify!($name), ")"));
                        ptr::null_mut()
                    }
                }
            }
        )*
        const CALLBACKS: &[(&str, Callback)] = &[$((stringify!($name), $name)),*];
    };
}

unsafe extern "C" fn drop_module(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: made by Box::into_raw in `compile`, finalized once.
    drop(unsafe { Box::from_raw(data.cast::<Module>()) });
}

fn module_of<'a>(env: napi_env, v: napi_value) -> JsResult<&'a Module> {
    if type_of(env, v)? != ValueType::napi_external {
        return fail(env, "TypeError", "not a WebAssembly.Module");
    }
    let mut data = ptr::null_mut();
    check(env, unsafe { napi_get_value_external(env, v, &mut data) })?;
    // SAFETY: externals of this addon are modules; alive while `v` is.
    Ok(unsafe { &*data.cast::<Module>() })
}

callbacks! {
    validate(env, info) {
        let [b] = args::<1>(env, info)?;
        let bytes = bytes_of(env, b)?;
        let engine = engine();
        boolean(env, Module::validate(&engine, &bytes).is_ok())
    }

    compile(env, info) {
        let [b] = args::<1>(env, info)?;
        let bytes = bytes_of(env, b)?;
        with_state(|s| s.used = true);
        let engine = engine();
        let m = Module::from_binary(&engine, &bytes).map_err(|e| throw_rt(env, &e))?;
        let mut v = ptr::null_mut();
        let raw = Box::into_raw(Box::new(m));
        check(env, unsafe { napi_create_external(env, raw.cast(), Some(drop_module), ptr::null_mut(), &mut v) })?;
        Ok(v)
    }

    moduleImports(env, info) {
        let [m] = args::<1>(env, info)?;
        let m = module_of(env, m)?;
        let mut items = Vec::new();
        let canon = |ts: &[ValType]| engine_types(m, ts);
        for (module, name, ty) in m.imports() {
            let t = match ty {
                ImportType::Func(i) => {
                    let ft = m.func_type(i).expect("validated");
                    let p = types_array(env, &canon(ft.params()))?;
                    let r = types_array(env, &canon(ft.results()))?;
                    array(env, &[string(env, "function")?, p, r])?
                }
                ImportType::Memory(t) => memtype_value(env, &t)?,
                ImportType::Table(mut t) => {
                    if let ValType::Ref(e) = m.engine_val_type(ValType::Ref(t.element)) {
                        t.element = e;
                    }
                    tabletype_value(env, &t)?
                }
                ImportType::Global(mut t) => {
                    t.content = m.engine_val_type(t.content);
                    globaltype_value(env, &t)?
                }
                ImportType::Tag(t) => {
                    let ft = m.func_type(t.type_index).expect("validated");
                    array(env, &[string(env, "tag")?, types_array(env, &canon(ft.params()))?])?
                }
            };
            items.push(array(env, &[string(env, module)?, string(env, name)?, t])?);
        }
        array(env, &items)
    }

    moduleExports(env, info) {
        let [m] = args::<1>(env, info)?;
        let m = module_of(env, m)?;
        let items: Vec<napi_value> = m
            .exports()
            .map(|(name, kind, _)| array(env, &[string(env, name)?, string(env, kind_name(kind))?]))
            .collect::<JsResult<_>>()?;
        array(env, &items)
    }

    /// `hostFunc(params, results, trampoline)`: a function that calls
    /// `trampoline` with its raw arguments (see [`call_import`]).
    hostFunc(env, info) {
        let [p, r, trampoline] = args::<3>(env, info)?;
        let parse = |a| -> JsResult<Vec<ValType>> {
            array_items(env, a)?.into_iter().map(|t| parse_valtype(env, &string_of(env, t)?)).collect()
        };
        let ty = FuncType::new(parse(p)?, parse(r)?);
        host_func(env, ty, trampoline, false)
    }

    /// `onExternsFreed(f)`: `f(ids)` is told of the ids of host values
    /// the store no longer holds (see [`collect_externs`]).
    onExternsFreed(env, info) {
        let [f] = args::<1>(env, info)?;
        let r = reference(env, f)?;
        with_state(|s| s.on_externs_freed = Some(r));
        undefined(env)
    }

    /// `importFunc(module, i, trampoline)`: as `hostFunc`, of the type of
    /// the module's function import `i` (which the type names of
    /// `moduleImports` cannot spell when it names concrete types).
    importFunc(env, info) {
        let [m, i, trampoline] = args::<3>(env, info)?;
        import_func(env, m, i, trampoline, false)
    }

    /// `importSuspending(module, i, trampoline)`: as `importFunc`, for a
    /// `WebAssembly.Suspending` import: the trampoline takes whether it
    /// may suspend before the arguments, and may return `{ suspend }`.
    importSuspending(env, info) {
        let [m, i, trampoline] = args::<3>(env, info)?;
        import_func(env, m, i, trampoline, true)
    }


    /// `charArrayRead(array, start, end)`: the string of the elements
    /// `start..end` of an `i16` array (a raw reference), or `undefined`
    /// when the array is null or the range is not inside it (a trap of
    /// `fromCharCodeArray`).
    charArrayRead(env, info) {
        let [a, start, end] = args::<3>(env, info)?;
        let (start, end) = (u32_of(env, start)?, u32_of(env, end)?);
        let units = char_array(env, a, |cx, arr| {
            let len = arr.len(&*cx)?;
            if start > end || end > len {
                return Ok(None);
            }
            (start..end)
                .map(|i| match arr.get(&*cx, i)? {
                    Val::I32(u) => Ok(u as u16),
                    _ => Err(Error::Usage("not an i16 array".into())),
                })
                .collect::<rt::Result<Vec<u16>>>()
                .map(Some)
        })?;
        match units {
            Some(u) => utf16(env, &u),
            None => undefined(env),
        }
    }

    /// `charArrayWrite(string, array, start)`: writes the string's code
    /// units into an `i16` array (a raw reference) from `start`; the
    /// string's length, or -1 when the array is null or too short (a trap
    /// of `intoCharCodeArray`).
    charArrayWrite(env, info) {
        let [s, a, start] = args::<3>(env, info)?;
        let units = utf16_of(env, s)?;
        let start = u32_of(env, start)?;
        let written = char_array(env, a, |cx, arr| {
            if start as u64 + units.len() as u64 > arr.len(&*cx)? as u64 {
                return Ok(None);
            }
            for (i, &u) in units.iter().enumerate() {
                arr.set(&mut *cx, start + i as u32, Val::I32(u as i32))?;
            }
            Ok(Some(units.len()))
        })?;
        number(env, written.map_or(-1.0, |n| n as f64))
    }

    /// `instantiate(module, imports)`: `[[name, kind, handle, index],
    /// ...]`, the index in the module's index space of its kind.
    instantiate(env, info) {
        let [m, imps] = args::<2>(env, info)?;
        let m = module_of(env, m)?;
        let imports: Vec<Extern> = array_items(env, imps)?.into_iter().map(|v| extern_of(env, v)).collect::<JsResult<_>>()?;
        let inst = context(|mut cx| rt::Instance::new(&mut cx, m, &imports)).map_err(|e| throw_rt(env, &e))?;
        let exports = context(|mut cx| inst.exports(&mut cx));
        let items: Vec<napi_value> = exports
            .into_iter()
            .zip(m.exports())
            .map(|((name, e), (_, _, index))| {
                array(env, &[string(env, &name)?, string(env, kind_name(e.kind()))?, number(env, handle(e) as f64)?, number(env, index as f64)?])
            })
            .collect::<JsResult<_>>()?;
        array(env, &items)
    }

    /// `funcType(f)`: `[params, results]`.
    funcType(env, info) {
        let [f] = args::<1>(env, info)?;
        let f = func_of(env, f)?;
        let ty = context(|cx| f.ty(cx));
        functype_value(env, &ty)
    }

    /// `call(f, ...rawArgs)`: the raw result (one result), `undefined`
    /// (none) or an array of them (several).
    call(env, info) {
        // The function and up to four arguments without an allocation
        // (Node-API fills the room it is given, so it stays small).
        let mut argv = [ptr::null_mut(); 5];
        let mut argc = argv.len();
        check(env, unsafe { napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) })?;
        if argc == 0 {
            return fail(env, "TypeError", "no function");
        }
        collect_externs(env)?;
        let id = u32_of(env, argv[0])?;
        let (e, known) = with_state(|s| {
            let known = s.func_types.get(id as usize).cloned().flatten();
            (s.externs.get(id as usize).copied(), known)
        });
        let Some(Extern::Func(f)) = e else {
            return fail(env, "TypeError", "not a WebAssembly function");
        };
        let ty = known.unwrap_or_else(|| func_type(id, f));
        let n = ty.params().len();
        let heap: Vec<napi_value>;
        let a: &[napi_value] = if argc <= argv.len() {
            &argv[1..argc]
        } else {
            let mut all = vec![ptr::null_mut(); argc];
            let mut m = argc;
            check(env, unsafe { napi_get_cb_info(env, info, &mut m, all.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) })?;
            heap = all;
            &heap[1..]
        };
        if a.len() != n {
            return fail(env, "TypeError", "wrong number of arguments");
        }
        // Numbers only: no reference to root, and (for up to four
        // parameters and results) no allocation.
        let refs = ty.params().iter().chain(ty.results()).any(|t| matches!(t, ValType::Ref(_)));
        let r = context_scoped(refs, |mut cx| -> JsResult<Result<napi_value, Error>> {
            let (mut pbuf, mut rbuf) = ([Val::I32(0); 4], [Val::I32(0); 4]);
            let (pvec, mut rvec);
            let params: &[Val] = if n <= pbuf.len() {
                for ((p, &t), &v) in pbuf.iter_mut().zip(ty.params()).zip(a) {
                    *p = from_raw(env, &mut cx, t, v)?;
                }
                &pbuf[..n]
            } else {
                pvec = ty.params().iter().zip(a).map(|(&t, &v)| from_raw(env, &mut cx, t, v)).collect::<JsResult<Vec<Val>>>()?;
                &pvec
            };
            let m = ty.results().len();
            let results: &mut [Val] = if m <= rbuf.len() {
                for (r, &t) in rbuf.iter_mut().zip(ty.results()) {
                    *r = Val::default_for(t);
                }
                &mut rbuf[..m]
            } else {
                rvec = ty.results().iter().map(|&t| Val::default_for(t)).collect::<Vec<Val>>();
                &mut rvec
            };
            let r = f.call(&mut cx, params, results);
            sync_buffers(env, &mut cx)?;
            if let Err(e) = r {
                return Ok(Err(e));
            }
            Ok(Ok(match &*results {
                [] => undefined(env)?,
                [v] => to_raw(env, &mut cx, v)?,
                vs => {
                    let raw: Vec<napi_value> = vs.iter().map(|v| to_raw(env, &mut cx, v)).collect::<JsResult<_>>()?;
                    array(env, &raw)?
                }
            }))
        })?;
        r.map_err(|e| throw_rt(env, &e))
    }

    /// `jspiStart(f, ...rawArgs)`: starts a `WebAssembly.promising` call
    /// of `f` (see the `jspi` module): `{ done }` with the raw result(s),
    /// as `call` gives them, when it returns without suspending; `{
    /// suspend, fiber }` (the trampoline's object) when it waits for a
    /// promise.
    jspiStart(env, info) {
        let mut argc = 0usize;
        check(env, unsafe { napi_get_cb_info(env, info, &mut argc, ptr::null_mut(), ptr::null_mut(), ptr::null_mut()) })?;
        let mut argv = vec![ptr::null_mut(); argc];
        check(env, unsafe { napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) })?;
        let Some((&h, a)) = argv.split_first() else {
            return fail(env, "TypeError", "no function");
        };
        collect_externs(env)?;
        let id = u32_of(env, h)?;
        let Some(Extern::Func(f)) = with_state(|s| s.externs.get(id as usize).copied()) else {
            return fail(env, "TypeError", "not a WebAssembly function");
        };
        let ty = func_type(id, f);
        if a.len() != ty.params().len() {
            return fail(env, "TypeError", "wrong number of arguments");
        }
        let refs = ty.params().iter().chain(ty.results()).any(|t| matches!(t, ValType::Ref(_)));
        // The arguments' roots last until the call has taken them (it
        // starts before this returns).
        let r = context_scoped(refs, |mut cx| -> JsResult<Result<napi_value, Error>> {
            let params = ty.params().iter().zip(a).map(|(&t, &v)| from_raw(env, &mut cx, t, v)).collect::<JsResult<Vec<Val>>>()?;
            jspi::start(env, f, (*ty).clone(), params)
        })?;
        r.map_err(|e| throw_rt(env, &e))
    }

    /// `jspiResume(fiber, settled)`: finishes the suspended import call of
    /// a promising call with what its promise settled to (raw results, `{
    /// exn }` or `{ trap }`) and runs it on; returns as `jspiStart`.
    jspiResume(env, info) {
        let [id, v] = args::<2>(env, info)?;
        let r = jspi::resume(env, u32_of(env, id)? as usize, v)?;
        r.map_err(|e| throw_rt(env, &e))
    }

    /// `memoryNew(initial, maximum | null, shared, index)`.
    memoryNew(env, info) {
        let [min, max, shared, index] = args::<4>(env, info)?;
        let mut ty = MemoryType::new(f64_of(env, min)? as u64, if is_nullish(env, max)? { None } else { Some(f64_of(env, max)? as u64) });
        ty.shared = bool_of(env, shared)?;
        ty.memory64 = string_of(env, index)? == "i64";
        let m = context(|mut cx| Memory::new(&mut cx, ty)).map_err(|e| throw_rt(env, &e))?;
        number(env, handle(Extern::Memory(m)) as f64)
    }

    memoryType(env, info) {
        let [m] = args::<1>(env, info)?;
        let m = memory_of(env, m)?;
        let t = context(|cx| m.ty(cx));
        memtype_value(env, &t)
    }

    /// `memoryGrow(m, delta)`: the old size in pages.
    memoryGrow(env, info) {
        let [m, d] = args::<2>(env, info)?;
        let m = memory_of(env, m)?;
        let d = f64_of(env, d)? as u64;
        let old = context(|mut cx| m.grow(&mut cx, d)).map_err(|e| throw_rt(env, &e))?;
        // Growing replaces the buffer, even by 0 pages.
        detach_buffer(env, u32_of(env, args::<1>(env, info)?[0])?)?;
        number(env, old as f64)
    }

    /// `memoryBuffer(m)`: the ArrayBuffer over the memory's bytes (a
    /// SharedArrayBuffer for a shared memory, where V8's API allows); the
    /// same one until the memory grows.
    memoryBuffer(env, info) {
        let [m] = args::<1>(env, info)?;
        let id = u32_of(env, m)?;
        let mem = memory_of(env, m)?;
        let Some((ptr, len)) = context(|mut cx| memory_span(&mut cx, mem)) else {
            return fail(env, "TypeError", "this memory is held by another thread");
        };
        if let Some((r, base, n, _)) = with_state(|s| s.buffers.get(&id).copied())
            && base == ptr as usize
            && n == len
            && let Ok(v) = deref(env, r)
            && !v.is_null()
        {
            return Ok(v);
        }
        detach_buffer(env, id)?;
        let shared = context(|cx| mem.is_shared(cx));
        let sab = if shared { sab::shared_arraybuffer(env, ptr, len)? } else { None };
        let buf = match sab {
            Some(b) => b,
            None => external_arraybuffer(env, ptr, len)?,
        };
        let mut r = ptr::null_mut();
        check(env, unsafe { napi_create_reference(env, buf, 0, &mut r) })?;
        with_state(|s| s.buffers.insert(id, (r, ptr as usize, len, sab.is_some())));
        Ok(buf)
    }

    /// `tableNew(element, initial, maximum | null, index, rawInit)`.
    tableNew(env, info) {
        collect_externs(env)?;
        let [el, min, max, index, init] = args::<5>(env, info)?;
        let el = parse_valtype(env, &string_of(env, el)?)?;
        let ValType::Ref(element) = el else { return fail(env, "TypeError", "not a reference type") };
        let ty = TableType {
            element,
            limits: rt::Limits { min: f64_of(env, min)? as u64, max: if is_nullish(env, max)? { None } else { Some(f64_of(env, max)? as u64) } },
            table64: string_of(env, index)? == "i64",
        };
        let t = context(|mut cx| -> JsResult<Result<Table, Error>> {
            let init = from_raw(env, &mut cx, el, init)?;
            Ok(Table::new(&mut cx, ty, init))
        })?.map_err(|e| throw_rt(env, &e))?;
        number(env, handle(Extern::Table(t)) as f64)
    }

    tableType(env, info) {
        let [t] = args::<1>(env, info)?;
        let t = table_of(env, t)?;
        let ty = context(|cx| t.ty(cx));
        tabletype_value(env, &ty)
    }

    tableLength(env, info) {
        let [t] = args::<1>(env, info)?;
        let t = table_of(env, t)?;
        number(env, context(|cx| t.size(cx)) as f64)
    }

    tableGet(env, info) {
        let [t, i] = args::<2>(env, info)?;
        let t = table_of(env, t)?;
        let i = f64_of(env, i)? as u64;
        context(|mut cx| match t.get(&mut cx, i) {
            Some(v) => to_raw(env, &mut cx, &v),
            None => fail(env, "RangeError", "table index out of bounds"),
        })
    }

    tableSet(env, info) {
        collect_externs(env)?;
        let [t, i, v] = args::<3>(env, info)?;
        let t = table_of(env, t)?;
        let i = f64_of(env, i)? as u64;
        let ty = context(|cx| t.ty(cx));
        context(|mut cx| -> JsResult<()> {
            let v = from_raw(env, &mut cx, ValType::Ref(ty.element), v)?;
            t.set(&mut cx, i, v).map_err(|_| { throw_error(env, "RangeError", "table index out of bounds"); Thrown })
        })?;
        undefined(env)
    }

    tableGrow(env, info) {
        collect_externs(env)?;
        let [t, d, v] = args::<3>(env, info)?;
        let t = table_of(env, t)?;
        let d = f64_of(env, d)? as u64;
        let ty = context(|cx| t.ty(cx));
        let old = context(|mut cx| -> JsResult<u64> {
            let v = from_raw(env, &mut cx, ValType::Ref(ty.element), v)?;
            t.grow(&mut cx, d, v).map_err(|_| { throw_error(env, "RangeError", "failed to grow the table"); Thrown })
        })?;
        number(env, old as f64)
    }

    /// `globalNew(type, mutable, rawValue)`.
    globalNew(env, info) {
        collect_externs(env)?;
        let [t, m, v] = args::<3>(env, info)?;
        let content = parse_valtype(env, &string_of(env, t)?)?;
        let ty = GlobalType { content, mutable: bool_of(env, m)? };
        let g = context(|mut cx| -> JsResult<Result<Global, Error>> {
            let v = from_raw(env, &mut cx, content, v)?;
            Ok(Global::new(&mut cx, ty, v))
        })?.map_err(|e| throw_rt(env, &e))?;
        number(env, handle(Extern::Global(g)) as f64)
    }

    globalType(env, info) {
        let [g] = args::<1>(env, info)?;
        let g = global_of(env, g)?;
        let ty = context(|cx| g.ty(cx));
        globaltype_value(env, &ty)
    }

    globalGet(env, info) {
        let [g] = args::<1>(env, info)?;
        let g = global_of(env, g)?;
        context(|mut cx| {
            let v = g.get(&mut cx);
            to_raw(env, &mut cx, &v)
        })
    }

    globalSet(env, info) {
        collect_externs(env)?;
        let [g, v] = args::<2>(env, info)?;
        let g = global_of(env, g)?;
        let ty = context(|cx| g.ty(cx));
        context(|mut cx| -> JsResult<()> {
            let v = from_raw(env, &mut cx, ty.content, v)?;
            g.set(&mut cx, v).map_err(|e| throw_rt(env, &e))
        })?;
        undefined(env)
    }

    /// `tagNew(params)`.
    tagNew(env, info) {
        let [p] = args::<1>(env, info)?;
        let params: Vec<ValType> = array_items(env, p)?.into_iter().map(|t| parse_valtype(env, &string_of(env, t)?)).collect::<JsResult<_>>()?;
        let t = context(|mut cx| Tag::new(&mut cx, &FuncType::new(params, []))).map_err(|e| throw_rt(env, &e))?;
        number(env, handle(Extern::Tag(t)) as f64)
    }

    tagType(env, info) {
        let [t] = args::<1>(env, info)?;
        let t = tag_of(env, t)?;
        let ty = context(|cx| t.ty(cx));
        types_array(env, ty.params())
    }

    /// `exnNew(tag, rawPayload)`: a new exception's handle.
    exnNew(env, info) {
        let [t, p] = args::<2>(env, info)?;
        let tag = tag_of(env, t)?;
        let p = array_items(env, p)?;
        let ty = context(|cx| tag.ty(cx));
        if p.len() != ty.params().len() {
            return fail(env, "TypeError", "wrong number of payload values");
        }
        let exn = context(|mut cx| -> JsResult<Result<rt::ExnRef, Error>> {
            let payload: Vec<Val> = ty.params().iter().zip(&p).map(|(&t, &v)| from_raw(env, &mut cx, t, v)).collect::<JsResult<_>>()?;
            Ok(tag.throw(&mut cx, &payload).map(|trap| rt::ExnRef::from_trap(&mut cx, &trap).expect("a thrown exception")))
        })?
        .map_err(|e| throw_rt(env, &e))?;
        number(env, exn_handle(exn) as f64)
    }

    /// `configure(tier, fuel, epochs)`: a new engine and store with these
    /// settings (`tier`: "interp", "jit" or "auto"; `fuel`: calls consume
    /// fuel; `epochs`: deadlines work, a thread ticks the epoch each
    /// millisecond). Once, before anything has been made.
    configure(env, info) {
        let [tier, fuel, epochs] = args::<3>(env, info)?;
        if with_state(|s| s.used || !s.externs.is_empty()) {
            return fail(env, "Error", "tern: configure before compiling or creating WebAssembly objects");
        }
        let mut config = js_config();
        config.tier(match string_of(env, tier)?.as_str() {
            "interp" => rt::Tier::Interp,
            "jit" => rt::Tier::Jit,
            "auto" => rt::Tier::Auto,
            t => return fail(env, "TypeError", &format!("tern: unknown tier `{t}` (interp, jit or auto)")),
        });
        let epochs = bool_of(env, epochs)?;
        config.consume_fuel(bool_of(env, fuel)?).epoch_interruption(epochs);
        let engine = Engine::new(&config).map_err(|e| throw_rt(env, &e))?;
        let mut store = Box::new(Store::new(&engine, ()));
        if epochs {
            store.epoch_deadline_trap();
            store.set_epoch_deadline(u64::MAX / 2);
            let ticker = engine.clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_millis(1));
                ticker.increment_epoch();
            });
        }
        STORE.with(|p| p.set(&mut *store));
        with_state(|s| {
            ENGINE.with(|e| *e.borrow_mut() = Some(engine));
            s._store = store;
            s.used = true;
        });
        undefined(env)
    }

    setFuel(env, info) {
        let [n] = args::<1>(env, info)?;
        let n = f64_of(env, n)?;
        context(|mut cx| cx.set_fuel(n.max(0.0) as u64)).map_err(|e| throw_rt(env, &e))?;
        undefined(env)
    }

    getFuel(env, info) {
        let _ = info;
        let n = context(|cx| cx.get_fuel()).map_err(|e| throw_rt(env, &e))?;
        number(env, n as f64)
    }

    /// `setDeadline(ms)`: calls into wasm trap once `ms` milliseconds
    /// have passed (with `epochs` configured).
    setDeadline(env, info) {
        let [ms] = args::<1>(env, info)?;
        let ms = f64_of(env, ms)?.max(0.0) as u64;
        context(|mut cx| cx.set_epoch_deadline(ms.max(1)));
        undefined(env)
    }

    /// `externKind(handle)`: `function`, `memory`, ...
    externKind(env, info) {
        let [h] = args::<1>(env, info)?;
        let e = extern_of(env, h)?;
        string(env, kind_name(e.kind()))
    }
}

/// The engine configuration of the JavaScript interface: tern's defaults
/// and what a web engine's WebAssembly has on too, threads (shared
/// memories and atomics in modules) and 64-bit memories.
fn js_config() -> rt::Config {
    let mut config = rt::Config::new();
    config.wasm_feature(rt::Feature::Threads, true).wasm_memory64(true);
    config
}

/// Node calls this when it loads the addon: the exported functions go on
/// `exports`, and this thread gets its engine and store.
///
/// # Safety
///
/// Called by Node with a valid environment and exports object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    let engine = Engine::new(&js_config()).unwrap_or_default();
    ENGINE.with(|e| *e.borrow_mut() = Some(engine.clone()));
    let mut store = Box::new(Store::new(&engine, ()));
    STORE.with(|s| s.set(&mut *store));
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            env,
            _store: store,
            externs: Vec::new(),
            ids: HashMap::new(),
            exns: Vec::new(),
            exn_ids: HashMap::new(),
            gc_objects: Vec::new(),
            gc_ids: HashMap::new(),
            buffers: HashMap::new(),
            used: false,
            hosts: Vec::new(),
            func_types: Vec::new(),
            pending: None,
            on_externs_freed: None,
        })
    });
    for &(name, f) in CALLBACKS {
        let Ok(func) = function(env, name, f) else {
            return ptr::null_mut();
        };
        let Ok(cname) = std::ffi::CString::new(name) else {
            return ptr::null_mut();
        };
        if set(env, exports, &cname, func).is_err() {
            return ptr::null_mut();
        }
    }
    exports
}
