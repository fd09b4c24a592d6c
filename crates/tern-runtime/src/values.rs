//! Values as the embedder sees them, and their conversion to and from the
//! interpreter's raw slots.

use crate::error::{Error, Result};
use crate::func::Func;
use crate::store::{AsContext, AsContextMut, StoreId};
use std::any::Any;
use tern_binary::{HeapType, RefType, ValType};

/// A 128-bit vector value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct V128(pub u128);

impl V128 {
    pub fn as_u128(self) -> u128 {
        self.0
    }
}

impl From<u128> for V128 {
    fn from(v: u128) -> V128 {
        V128(v)
    }
}

/// A non-null external reference: a host value owned by the store, or an
/// internal (GC) reference that `extern.convert_any` made external.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef {
    pub(crate) store: StoreId,
    /// The raw `externref`: index in the store's external-reference table
    /// + 1, or an internal reference with [`tern_vm::gc::EXTERN_ANY`] set.
    pub(crate) raw: u64,
}

impl ExternRef {
    /// Wraps `value` in a new external reference.
    pub fn new<T: Any + Send + Sync>(mut store: impl AsContextMut, value: T) -> ExternRef {
        let s = store.as_context_mut().0;
        let raw = s.vm.new_extern(Box::new(value));
        ExternRef { store: s.id, raw }
    }

    /// `extern.convert_any`: the internal reference `a` as an external one
    /// (a host value made internal gets its own external reference back).
    /// A struct or array made external is never collected, as when wasm
    /// code converts it.
    pub fn from_any(mut store: impl AsContextMut, a: AnyRef) -> Result<ExternRef> {
        let s = store.as_context_mut().0;
        s.check(a.store, "anyref")?;
        let raw = a.raw(&s.vm)?;
        Ok(ExternRef {
            store: s.id,
            raw: s.vm.gc.externalize(raw),
        })
    }

    /// The wrapped host value (an error for an internal reference made
    /// external).
    pub fn data<'a, T: 'a>(&self, store: &'a impl AsContext<Data = T>) -> Result<&'a (dyn Any + Send + Sync)> {
        let s = store.as_context().0;
        s.check(self.store, "externref")?;
        if self.raw & tern_vm::gc::EXTERN_ANY != 0 {
            return Err(Error::usage(
                "this externref is a GC reference made external, not a host value",
            ));
        }
        Ok(&*s.vm.externs[(self.raw - 1) as usize])
    }
}

/// A non-null reference of the `any` hierarchy (Wasm GC): an `i31`, a
/// struct, an array, or a host value made internal. It is rooted (the
/// collector keeps what it names) until the store is dropped or, for one
/// a host function received, until that function returns, or for one made
/// inside a [`crate::RootScope`], until the scope is dropped; using it
/// afterwards is an error. See also [`crate::ManuallyRooted`],
/// [`crate::StructRef`] and [`crate::ArrayRef`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AnyRef {
    pub(crate) store: StoreId,
    pub(crate) root: tern_vm::gc::RootHandle,
}

/// What an [`AnyRef`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyKind {
    /// An `i31` and its 31 bits.
    I31(u32),
    Struct,
    Array,
    /// A host value made internal (`any.convert_extern`).
    Extern(ExternRef),
}

impl AnyRef {
    /// An `i31` reference of the low 31 bits of `v`.
    pub fn from_i31(mut store: impl AsContextMut, v: u32) -> AnyRef {
        let s = store.as_context_mut().0;
        AnyRef {
            store: s.id,
            root: s.vm.gc.root(tern_vm::gc::i31_new(v)),
        }
    }

    /// `any.convert_extern`: the external reference `e` as an internal one.
    pub fn from_extern(mut store: impl AsContextMut, e: ExternRef) -> Result<AnyRef> {
        let s = store.as_context_mut().0;
        s.check(e.store, "externref")?;
        Ok(AnyRef {
            store: s.id,
            root: s.vm.gc.root(tern_vm::gc::any_convert_extern(e.raw)),
        })
    }

    pub(crate) fn raw(&self, vm: &tern_vm::StoreData) -> Result<u64> {
        vm.gc
            .rooted(self.root)
            .ok_or_else(|| {
                Error::usage("anyref used after its root was dropped (the host call that received it returned, or its RootScope ended)")
            })
    }

    /// The object this reference names, with its type's GC view.
    pub(crate) fn object<'s>(
        &self,
        s: &'s crate::store::StoreInner<impl Sized>,
    ) -> Result<(tern_vm::gc::GcObject<'s>, std::sync::Arc<tern_vm::gc::GcType>)> {
        s.check(self.store, "anyref")?;
        let raw = self.raw(&s.vm)?;
        let o =
            s.vm.gc
                .get(raw)
                .map_err(|_| Error::usage("this anyref is not a struct or an array"))?;
        let ty =
            s.vm.gc
                .ty(o.ty)
                .cloned()
                .ok_or_else(|| Error::usage("unregistered GC type"))?;
        Ok((o, ty))
    }

    /// Field `i` of a struct (a packed field zero-extended to `i32`).
    pub fn struct_field(&self, store: impl AsContext, i: usize) -> Result<Val> {
        let s = store.as_context().0;
        let (o, ty) = self.object(s)?;
        let (tern_vm::gc::Body::Struct(f), Some(layout)) = (o.body, ty.struct_layout()) else {
            return Err(Error::usage("not a struct"));
        };
        let (Some(&st), Some(&at)) = (layout.fields.get(i), layout.offsets.get(i)) else {
            return Err(Error::usage(format!("the struct has no field {i}")));
        };
        Ok(val_from_slots(&s.vm, s.id, st.unpacked(), &f[at as usize..]))
    }

    /// The number of elements of an array.
    pub fn array_len(&self, store: impl AsContext) -> Result<u32> {
        let s = store.as_context().0;
        let (o, ty) = self.object(s)?;
        match ty.array_elem() {
            Some(_) => Ok(o.array_len()),
            None => Err(Error::usage("not an array")),
        }
    }

    /// Element `i` of an array (a packed element zero-extended to `i32`).
    pub fn array_get(&self, store: impl AsContext, i: u32) -> Result<Val> {
        let s = store.as_context().0;
        let (o, ty) = self.object(s)?;
        let len = o.array_len();
        let (tern_vm::gc::Body::Array { bytes, .. }, Some(st)) = (o.body, ty.array_elem()) else {
            return Err(Error::usage("not an array"));
        };
        if i >= len {
            return Err(Error::usage(format!("array index {i} out of bounds")));
        }
        let v = tern_vm::gc::load_elem(bytes, i as usize, tern_vm::gc::elem_size(st));
        Ok(val_from_slots(
            &s.vm,
            s.id,
            st.unpacked(),
            &[v as u64, (v >> 64) as u64],
        ))
    }

    /// A number naming the struct or array this reference points to, the
    /// same for every reference to it while it lives (objects never move);
    /// `None` for an `i31` or a host value. Once the object is collected,
    /// another may get the same number.
    pub fn object_id(&self, store: impl AsContext) -> Result<Option<u64>> {
        let s = store.as_context().0;
        s.check(self.store, "anyref")?;
        Ok(tern_vm::gc::object_index(self.raw(&s.vm)?).map(|i| i as u64))
    }

    /// What the reference is.
    pub fn kind(&self, store: impl AsContext) -> Result<AnyKind> {
        let s = store.as_context().0;
        s.check(self.store, "anyref")?;
        let raw = self.raw(&s.vm)?;
        Ok(if tern_vm::gc::is_i31(raw) {
            AnyKind::I31(tern_vm::gc::i31_get_u(raw))
        } else if tern_vm::gc::is_internalized(raw) {
            AnyKind::Extern(ExternRef {
                store: s.id,
                raw: raw >> 2,
            })
        } else {
            match s.vm.gc.get(raw).map(|o| o.body) {
                Ok(tern_vm::gc::Body::Struct(_)) => AnyKind::Struct,
                Ok(_) => AnyKind::Array,
                Err(c) => return Err(Error::Trap(c.into())),
            }
        })
    }
}

/// A non-null exception reference: an exception (tag and payload) owned by
/// the store, as `catch_ref` gives it to wasm code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExnRef {
    pub(crate) store: StoreId,
    /// Index in the store's exceptions.
    pub(crate) index: u32,
}

impl ExnRef {
    /// The exception an uncaught-exception error carries, when it is of
    /// this store.
    pub fn from_trap(store: impl AsContext, trap: &tern_vm::Trap) -> Option<ExnRef> {
        let s = store.as_context().0;
        let raw = trap.exn()?;
        s.vm.exn(raw)?;
        Some(ExnRef {
            store: s.id,
            index: (raw - 1) as u32,
        })
    }

    /// The exception's tag.
    pub fn tag(&self, store: impl AsContext) -> crate::Tag {
        let s = store.as_context().0;
        s.assert_owns(self.store, "exnref");
        crate::Tag {
            store: s.id,
            index: s.vm.exns[self.index as usize].tag,
        }
    }

    /// The exception's payload, typed by its tag.
    pub fn payload(&self, store: impl AsContext) -> Vec<Val> {
        let s = store.as_context().0;
        s.assert_owns(self.store, "exnref");
        let e = &s.vm.exns[self.index as usize];
        let ty = s.engine.inner.sigs.get(s.vm.tags[e.tag as usize].sig);
        let mut vals = Vec::with_capacity(ty.params().len());
        let mut at = 0;
        for &t in ty.params() {
            vals.push(val_from_slots(&s.vm, s.id, t, &e.payload[at..]));
            at += tern_vm::slots_of(t) as usize;
        }
        vals
    }

    /// The error that throws this exception again when a host function
    /// returns it to a wasm caller.
    pub fn rethrow(&self) -> tern_vm::Trap {
        tern_vm::Trap::exception(self.index as u64 + 1)
    }
}

/// A value of any Wasm type. Floats are kept as their bits so that NaN
/// payloads survive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(V128),
    FuncRef(Option<Func>),
    ExternRef(Option<ExternRef>),
    ExnRef(Option<ExnRef>),
    AnyRef(Option<AnyRef>),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::ExnRef(_) => ValType::Ref(RefType::EXNREF),
            Val::AnyRef(_) => ValType::Ref(RefType {
                nullable: true,
                heap: HeapType::Any,
            }),
        }
    }

    /// The default (zero or null) value of `ty`.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(V128(0)),
            ValType::Ref(r) => null_of(r),
        }
    }

    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }
    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(f32::from_bits(*v)),
            _ => None,
        }
    }
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }
    pub fn v128(&self) -> Option<V128> {
        match self {
            Val::V128(v) => Some(*v),
            _ => None,
        }
    }
    pub fn funcref(&self) -> Option<Option<Func>> {
        match self {
            Val::FuncRef(v) => Some(*v),
            _ => None,
        }
    }
    pub fn externref(&self) -> Option<Option<ExternRef>> {
        match self {
            Val::ExternRef(v) => Some(*v),
            _ => None,
        }
    }
    pub fn anyref(&self) -> Option<Option<AnyRef>> {
        match self {
            Val::AnyRef(v) => Some(*v),
            _ => None,
        }
    }
    pub fn exnref(&self) -> Option<Option<ExnRef>> {
        match self {
            Val::ExnRef(v) => Some(*v),
            _ => None,
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
impl From<V128> for Val {
    fn from(v: V128) -> Val {
        Val::V128(v)
    }
}

/// The null reference of a reference type.
pub(crate) fn null_of(r: RefType) -> Val {
    match r.heap {
        HeapType::Extern | HeapType::NoExtern => Val::ExternRef(None),
        HeapType::Exn | HeapType::NoExn => Val::ExnRef(None),
        HeapType::Any | HeapType::Eq | HeapType::I31 | HeapType::Struct | HeapType::Array | HeapType::None => {
            Val::AnyRef(None)
        }
        _ => Val::FuncRef(None),
    }
}

/// Whether value type `a` (as the store names types: see
/// [`crate::module::canon_ref`]) is a subtype of `b`, with the declared
/// subtyping and kinds of the GC types `vm` knows.
pub(crate) fn valtype_matches(vm: &tern_vm::StoreData, a: ValType, b: ValType) -> bool {
    match (a, b) {
        (ValType::Ref(a), ValType::Ref(b)) => (!a.nullable || b.nullable) && heap_matches(vm, a.heap, b.heap),
        (a, b) => a == b,
    }
}

/// Whether heap type `a` is a subtype of `b`; concrete types are engine
/// ids, of function, struct or array types.
fn heap_matches(vm: &tern_vm::StoreData, a: HeapType, b: HeapType) -> bool {
    use tern_vm::gc::GcKind;
    // The abstract type a concrete one's kind sits under.
    let top = |x: u32| match vm.gc.ty(tern_vm::SigId(x)).map(|t| &t.kind) {
        Some(GcKind::Struct(_)) => HeapType::Struct,
        Some(GcKind::Array(_)) => HeapType::Array,
        _ => HeapType::Func,
    };
    match (a, b) {
        (HeapType::Concrete(x), HeapType::Concrete(y)) => vm.gc.is_subtype(tern_vm::SigId(x), tern_vm::SigId(y)),
        (HeapType::Concrete(x), b) => tern_validate::heap_matches(top(x), b, |_, _| false),
        (a, HeapType::Concrete(y)) => match top(y) {
            HeapType::Func => a == HeapType::NoFunc,
            _ => a == HeapType::None,
        },
        (a, b) => tern_validate::heap_matches(a, b, |_, _| false),
    }
}

/// [`val_matches`], and a function reference's signature where `ty` names
/// a concrete type (an engine signature).
pub(crate) fn val_matches_in(vm: &tern_vm::StoreData, v: &Val, ty: ValType) -> bool {
    if !val_matches(v, ty) {
        return false;
    }
    match (v, ty) {
        (
            Val::FuncRef(Some(f)),
            ValType::Ref(RefType {
                heap: HeapType::Concrete(sig),
                ..
            }),
        ) if sig < u32::MAX - 1 => vm
            .funcs
            .get(f.index as usize)
            .is_none_or(|fe| vm.gc.is_subtype(fe.sig, tern_vm::SigId(sig))),
        (Val::AnyRef(Some(a)), ValType::Ref(r)) => a.raw(vm).is_ok_and(|raw| vm.gc.any_matches(raw, r.heap)),
        (Val::AnyRef(None), ValType::Ref(r)) => r.nullable && vm.gc.is_any_heap(r.heap),
        _ => true,
    }
}

/// Whether `v` may be stored where `ty` is expected.
pub(crate) fn val_matches(v: &Val, ty: ValType) -> bool {
    match (v, ty) {
        (Val::FuncRef(f), ValType::Ref(r)) => {
            matches!(r.heap, HeapType::Func | HeapType::NoFunc | HeapType::Concrete(_)) && (r.nullable || f.is_some())
        }
        (Val::ExternRef(e), ValType::Ref(r)) => {
            matches!(r.heap, HeapType::Extern | HeapType::NoExtern) && (r.nullable || e.is_some())
        }
        (Val::ExnRef(e), ValType::Ref(r)) => {
            matches!(r.heap, HeapType::Exn | HeapType::NoExn) && (r.nullable || e.is_some())
        }
        (Val::AnyRef(a), ValType::Ref(r)) => {
            matches!(
                r.heap,
                HeapType::Any
                    | HeapType::Eq
                    | HeapType::I31
                    | HeapType::Struct
                    | HeapType::Array
                    | HeapType::None
                    | HeapType::Concrete(_)
            ) && (r.nullable || a.is_some())
        }

        (v, t) => v.ty() == t,
    }
}

/// Writes `v` into raw slots (one, or two for v128); checks the store of
/// references.
pub(crate) fn val_to_slots(vm: &tern_vm::StoreData, id: StoreId, v: &Val, out: &mut [u64]) -> Result<usize> {
    Ok(match *v {
        Val::I32(x) => {
            out[0] = x as u32 as u64;
            1
        }
        Val::I64(x) => {
            out[0] = x as u64;
            1
        }
        Val::F32(x) => {
            out[0] = x as u64;
            1
        }
        Val::F64(x) => {
            out[0] = x;
            1
        }
        Val::V128(x) => {
            out[0] = x.0 as u64;
            out[1] = (x.0 >> 64) as u64;
            2
        }
        Val::FuncRef(f) => {
            out[0] = match f {
                Some(f) => {
                    check_store(id, f.store)?;
                    f.index as u64 + 1
                }
                None => 0,
            };
            1
        }
        Val::ExternRef(e) => {
            out[0] = match e {
                Some(e) => {
                    check_store(id, e.store)?;
                    e.raw
                }
                None => 0,
            };
            1
        }
        Val::AnyRef(a) => {
            out[0] = match a {
                Some(a) => {
                    check_store(id, a.store)?;
                    a.raw(vm)?
                }
                None => 0,
            };
            1
        }
        Val::ExnRef(e) => {
            out[0] = match e {
                Some(e) => {
                    check_store(id, e.store)?;
                    e.index as u64 + 1
                }
                None => 0,
            };
            1
        }
    })
}

/// Reads a value of type `ty` from raw slots (rooting a GC reference).
pub(crate) fn val_from_slots(vm: &tern_vm::StoreData, store: StoreId, ty: ValType, slots: &[u64]) -> Val {
    match ty {
        ValType::I32 => Val::I32(slots[0] as u32 as i32),
        ValType::I64 => Val::I64(slots[0] as i64),
        ValType::F32 => Val::F32(slots[0] as u32),
        ValType::F64 => Val::F64(slots[0]),
        ValType::V128 => Val::V128(V128(slots[0] as u128 | ((slots[1] as u128) << 64))),
        ValType::Ref(r) => raw_to_ref(vm, store, r, slots[0]),
    }
}

/// A raw reference as a value of reference type `r` (rooting a GC
/// reference).
pub(crate) fn raw_to_ref(vm: &tern_vm::StoreData, store: StoreId, r: RefType, raw: u64) -> Val {
    if vm.gc.is_any_heap(r.heap) {
        return Val::AnyRef((raw != 0).then(|| AnyRef {
            store,
            root: vm.gc.root(raw),
        }));
    }
    match r.heap {
        HeapType::Extern | HeapType::NoExtern => Val::ExternRef((raw != 0).then_some(ExternRef { store, raw })),
        HeapType::Exn | HeapType::NoExn => Val::ExnRef((raw != 0).then(|| ExnRef {
            store,
            index: (raw - 1) as u32,
        })),
        _ => Val::FuncRef((raw != 0).then(|| Func {
            store,
            index: (raw - 1) as u32,
        })),
    }
}

/// A value as a raw 128-bit global value.
pub(crate) fn val_to_raw128(vm: &tern_vm::StoreData, id: StoreId, v: &Val) -> Result<u128> {
    let mut slots = [0u64; 2];
    val_to_slots(vm, id, v, &mut slots)?;
    Ok(slots[0] as u128 | ((slots[1] as u128) << 64))
}

fn check_store(a: StoreId, b: StoreId) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::usage("reference used with the wrong store"))
    }
}

pub(crate) fn type_error(expected: ValType, v: &Val) -> Error {
    Error::usage(format!(
        "type mismatch: expected {expected}, got a value of type {}",
        v.ty()
    ))
}
