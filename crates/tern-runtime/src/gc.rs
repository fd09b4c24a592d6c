//! Wasm GC values on the host's side: scoped and manual roots, struct and
//! array references, their types, and allocation.
//!
//! An [`AnyRef`] (and a [`StructRef`] or [`ArrayRef`], which are views of
//! one) is a rooted handle: the collector keeps its object alive while the
//! handle's root lives. Roots are scoped, last in first out: one a host
//! function received is dropped when the function returns, one made inside
//! a [`RootScope`] when the scope is dropped, and any other when the store
//! is. A handle whose root was dropped is refused with an error, never
//! followed. A [`ManuallyRooted`] reference lives until
//! [`ManuallyRooted::unroot`], independently of scopes.

use crate::error::{Error, Result};
use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreInner};
use crate::values::{AnyRef, Val, val_matches_in, val_to_slots};
use crate::{Engine, Module};
use std::sync::Arc;
use tern_binary::{CompositeType, FieldType, FuncType, HeapType, StorageType, TypeDef, ValType};
use tern_vm::SigId;
use tern_vm::gc::{self, BodyMut, GcHeap, GcType};

/// A scope for the roots of the GC references made inside it: dropping it
/// drops them (references made in it then fail to be used). Wrap a store
/// in one around code that takes many references out of Wasm, so that
/// they do not stay rooted until the store is dropped.
pub struct RootScope<C: AsContextMut> {
    store: C,
    mark: usize,
}

impl<C: AsContextMut> RootScope<C> {
    /// A scope over `store`.
    pub fn new(mut store: C) -> RootScope<C> {
        let mark = store.as_context_mut().0.vm.gc.root_mark();
        RootScope { store, mark }
    }
}

impl<C: AsContextMut> Drop for RootScope<C> {
    fn drop(&mut self) {
        self.store.as_context_mut().0.vm.gc.unroot_to(self.mark);
    }
}

impl<C: AsContextMut> AsContext for RootScope<C> {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        self.store.as_context()
    }
}

impl<C: AsContextMut> AsContextMut for RootScope<C> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        self.store.as_context_mut()
    }
}

/// A GC reference rooted until [`ManuallyRooted::unroot`] (or the store is
/// dropped), whatever scopes end in between.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ManuallyRooted {
    store: crate::store::StoreId,
    handle: gc::RootHandle,
}

impl ManuallyRooted {
    /// The reference, rooted in the current scope.
    pub fn to_rooted(&self, mut store: impl AsContextMut) -> Result<AnyRef> {
        let s = store.as_context_mut().0;
        s.check(self.store, "ManuallyRooted")?;
        let raw = s.vm.gc.manually_rooted(self.handle).ok_or_else(unrooted)?;
        Ok(AnyRef {
            store: s.id,
            root: s.vm.gc.root(raw),
        })
    }

    /// Drops the root: the object may be collected once nothing else
    /// holds it.
    pub fn unroot(self, mut store: impl AsContextMut) -> Result<()> {
        let s = store.as_context_mut().0;
        s.check(self.store, "ManuallyRooted")?;
        if s.vm.gc.unroot_manual(self.handle) {
            Ok(())
        } else {
            Err(unrooted())
        }
    }
}

fn unrooted() -> Error {
    Error::usage("ManuallyRooted reference used after unroot")
}

impl AnyRef {
    /// The same reference, rooted until [`ManuallyRooted::unroot`].
    pub fn to_manually_rooted(&self, mut store: impl AsContextMut) -> Result<ManuallyRooted> {
        let s = store.as_context_mut().0;
        s.check(self.store, "anyref")?;
        let raw = self.raw(&s.vm)?;
        Ok(ManuallyRooted {
            store: s.id,
            handle: s.vm.gc.root_manual(raw),
        })
    }

    /// This reference as a struct reference, if it names a struct.
    pub fn as_struct(&self, store: impl AsContext) -> Result<Option<StructRef>> {
        Ok(matches!(self.kind(store)?, crate::AnyKind::Struct).then_some(StructRef(*self)))
    }

    /// This reference as an array reference, if it names an array.
    pub fn as_array(&self, store: impl AsContext) -> Result<Option<ArrayRef>> {
        Ok(matches!(self.kind(store)?, crate::AnyKind::Array).then_some(ArrayRef(*self)))
    }

    /// The `i31` value, if this reference is an `i31`.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        Ok(match self.kind(store)? {
            crate::AnyKind::I31(v) => Some(I31(v)),
            _ => None,
        })
    }

    /// This reference as an `eqref` (an `i31`, a struct or an array; not a
    /// host value made internal).
    pub fn as_eqref(&self, store: impl AsContext) -> Result<Option<EqRef>> {
        Ok((!matches!(self.kind(store)?, crate::AnyKind::Extern(_))).then_some(EqRef(*self)))
    }

    /// The object, its type's id and the type.
    fn object_type(&self, s: &StoreInner<impl Sized>) -> Result<(u64, SigId, Arc<GcType>)> {
        let (o, ty) = self.object(s)?;
        Ok((self.raw(&s.vm)?, o.ty, ty))
    }
}

/// Checks that `v` may go where `ty` (a field's storage type, references as
/// engine ids) is, and gives its slots.
fn value_slots(s: &StoreInner<impl Sized>, ty: StorageType, v: &Val) -> Result<[u64; 2]> {
    let want = ty.unpacked();
    if !val_matches_in(&s.vm, v, want) {
        return Err(crate::values::type_error(want, v));
    }
    let mut slots = [0u64; 2];
    val_to_slots(&s.vm, s.id, v, &mut slots)?;
    Ok(slots)
}

/// An `i31` value: 31 bits, read zero- or sign-extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct I31(u32);

impl I31 {
    /// The low 31 bits of `v`.
    pub fn wrapping_u32(v: u32) -> I31 {
        I31(v & 0x7fff_ffff)
    }

    /// The low 31 bits of `v`.
    pub fn wrapping_i32(v: i32) -> I31 {
        I31::wrapping_u32(v as u32)
    }

    /// The bits zero-extended (`i31.get_u`).
    pub fn get_u32(self) -> u32 {
        self.0
    }

    /// The bits sign-extended (`i31.get_s`).
    pub fn get_i32(self) -> i32 {
        ((self.0 << 1) as i32) >> 1
    }

    /// The value as a reference.
    pub fn to_anyref(self, store: impl AsContextMut) -> AnyRef {
        AnyRef::from_i31(store, self.0)
    }
}

/// A reference of the `eq` hierarchy: an `i31`, a struct or an array,
/// which `ref.eq` compares by identity (a view of an [`AnyRef`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EqRef(AnyRef);

impl EqRef {
    /// The reference as an [`AnyRef`].
    pub fn to_anyref(self) -> AnyRef {
        self.0
    }

    /// `ref.eq`: whether both name the same object (or equal `i31`s).
    pub fn ref_eq(&self, store: impl AsContext, other: &EqRef) -> Result<bool> {
        let s = store.as_context().0;
        s.check(self.0.store, "eqref")?;
        s.check(other.0.store, "eqref")?;
        Ok(self.0.raw(&s.vm)? == other.0.raw(&s.vm)?)
    }
}

impl From<EqRef> for AnyRef {
    fn from(r: EqRef) -> AnyRef {
        r.0
    }
}

impl From<StructRef> for EqRef {
    fn from(r: StructRef) -> EqRef {
        EqRef(r.0)
    }
}

impl From<ArrayRef> for EqRef {
    fn from(r: ArrayRef) -> EqRef {
        EqRef(r.0)
    }
}

/// A reference to a struct (a view of an [`AnyRef`], rooted as it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StructRef(AnyRef);

impl StructRef {
    /// A new struct of type `ty` with fields `fields` (packed fields from
    /// `i32`s, cut to their width). Its type's references are checked:
    /// each field takes only values of its type.
    pub fn new(mut store: impl AsContextMut, ty: &StructType, fields: &[Val]) -> Result<StructRef> {
        let s = store.as_context_mut().0;
        ty.check_engine(&s.engine)?;
        let layout = ty.ty.struct_layout().ok_or_else(|| Error::usage("not a struct type"))?;
        if fields.len() != layout.fields.len() {
            return Err(Error::usage(format!(
                "the struct type has {} fields, {} values given",
                layout.fields.len(),
                fields.len()
            )));
        }
        let mut slots = vec![0u64; layout.slots as usize];
        for (k, v) in fields.iter().enumerate() {
            let at = layout.offsets[k] as usize;
            let vs = value_slots(s, layout.fields[k], v)?;
            let w = tern_vm::slots_of(layout.fields[k].unpacked()) as usize;
            slots[at..at + w].copy_from_slice(&vs[..w]);
        }
        s.vm.gc.register_type(ty.id, ty.ty.clone());
        s.vm.gc_prepare(GcHeap::struct_bytes(layout.slots), &[])
            .map_err(|c| Error::Trap(c.into()))?;
        let raw =
            s.vm.gc
                .new_struct(ty.id, layout, Some(&slots))
                .map_err(|c| Error::Trap(c.into()))?;
        Ok(StructRef(AnyRef {
            store: s.id,
            root: s.vm.gc.root(raw),
        }))
    }

    /// The reference as an [`AnyRef`].
    pub fn to_anyref(self) -> AnyRef {
        self.0
    }

    /// The struct's type.
    pub fn ty(&self, store: impl AsContext) -> Result<StructType> {
        let s = store.as_context().0;
        let (_, id, ty) = self.0.object_type(s)?;
        Ok(StructType {
            engine: s.engine.clone(),
            id,
            ty,
        })
    }

    /// Field `i` (a packed field zero-extended to `i32`).
    pub fn field(&self, store: impl AsContext, i: usize) -> Result<Val> {
        self.0.struct_field(store, i)
    }

    /// Writes field `i`, which must be mutable, with a value of its type.
    pub fn set_field(&self, mut store: impl AsContextMut, i: usize, v: Val) -> Result<()> {
        let s = store.as_context_mut().0;
        let (raw, _, ty) = self.0.object_type(s)?;
        let layout = ty.struct_layout().ok_or_else(|| Error::usage("not a struct"))?;
        let (Some(&st), Some(&at)) = (layout.fields.get(i), layout.offsets.get(i)) else {
            return Err(Error::usage(format!("the struct has no field {i}")));
        };
        if !ty.mutable.get(i).copied().unwrap_or(false) {
            return Err(Error::usage(format!("field {i} is immutable")));
        }
        let vs = value_slots(s, st, &v)?;
        let Ok(o) = s.vm.gc.get_mut(raw) else {
            return Err(Error::usage("this anyref is not a struct"));
        };
        let BodyMut::Struct(f) = o.body else {
            return Err(Error::usage("not a struct"));
        };
        let at = at as usize;
        f[at] = vs[0] & gc::pack_mask(st);
        if st == StorageType::Val(ValType::V128) {
            f[at + 1] = vs[1];
        }
        Ok(())
    }
}

impl From<StructRef> for AnyRef {
    fn from(r: StructRef) -> AnyRef {
        r.0
    }
}

/// A reference to an array (a view of an [`AnyRef`], rooted as it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArrayRef(AnyRef);

impl ArrayRef {
    /// A new array of type `ty` of `len` elements, each `elem`.
    pub fn new(mut store: impl AsContextMut, ty: &ArrayType, elem: &Val, len: u32) -> Result<ArrayRef> {
        let s = store.as_context_mut().0;
        ty.check_engine(&s.engine)?;
        let st = ty.ty.array_elem().ok_or_else(|| Error::usage("not an array type"))?;
        let vs = value_slots(s, st, elem)?;
        let fill = vs[0] as u128 | ((vs[1] as u128) << 64);
        let bytes = GcHeap::array_bytes(gc::elem_size(st), len)
            .ok_or_else(|| Error::Trap(tern_vm::TrapCode::GcHeapExhausted.into()))?;
        s.vm.gc.register_type(ty.id, ty.ty.clone());
        s.vm.gc_prepare(bytes, &[]).map_err(|c| Error::Trap(c.into()))?;
        let traced = gc::storage_traced(st, |x| s.vm.gc.is_func_type(x));
        let raw =
            s.vm.gc
                .new_array(ty.id, st, traced, len, fill)
                .map_err(|c| Error::Trap(c.into()))?;
        Ok(ArrayRef(AnyRef {
            store: s.id,
            root: s.vm.gc.root(raw),
        }))
    }

    /// The reference as an [`AnyRef`].
    pub fn to_anyref(self) -> AnyRef {
        self.0
    }

    /// The array's type.
    pub fn ty(&self, store: impl AsContext) -> Result<ArrayType> {
        let s = store.as_context().0;
        let (_, id, ty) = self.0.object_type(s)?;
        Ok(ArrayType {
            engine: s.engine.clone(),
            id,
            ty,
        })
    }

    /// The number of elements.
    pub fn len(&self, store: impl AsContext) -> Result<u32> {
        self.0.array_len(store)
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self, store: impl AsContext) -> Result<bool> {
        Ok(self.len(store)? == 0)
    }

    /// Element `i` (a packed element zero-extended to `i32`).
    pub fn get(&self, store: impl AsContext, i: u32) -> Result<Val> {
        self.0.array_get(store, i)
    }

    /// Writes element `i` of a mutable array with a value of its type.
    pub fn set(&self, mut store: impl AsContextMut, i: u32, v: Val) -> Result<()> {
        let s = store.as_context_mut().0;
        let (raw, _, ty) = self.0.object_type(s)?;
        let st = ty.array_elem().ok_or_else(|| Error::usage("not an array"))?;
        if !ty.mutable.first().copied().unwrap_or(false) {
            return Err(Error::usage("the array is immutable"));
        }
        let vs = value_slots(s, st, &v)?;
        let e = gc::elem_size(st);
        let Ok(o) = s.vm.gc.get_mut(raw) else {
            return Err(Error::usage("this anyref is not an array"));
        };
        let BodyMut::Array { bytes, .. } = o.body else {
            return Err(Error::usage("not an array"));
        };
        if i as usize >= bytes.len() / e {
            return Err(Error::usage(format!("array index {i} out of bounds")));
        }
        gc::store_elem(bytes, i as usize, e, vs[0] as u128 | ((vs[1] as u128) << 64));
        Ok(())
    }
}

impl From<ArrayRef> for AnyRef {
    fn from(r: ArrayRef) -> AnyRef {
        r.0
    }
}

/// A struct type as the engine knows it: made with [`StructType::new`]
/// (final, without supertypes, alone in its recursion group, so the same
/// type as a module's `(type (struct ...))` of those fields), or a
/// module's ([`Module::struct_type`]).
#[derive(Clone, Debug)]
pub struct StructType {
    engine: Engine,
    id: SigId,
    ty: Arc<GcType>,
}

/// An array type as the engine knows it (see [`StructType`]).
#[derive(Clone, Debug)]
pub struct ArrayType {
    engine: Engine,
    id: SigId,
    ty: Arc<GcType>,
}

/// Fields of a type made on the host may not name concrete types.
fn check_abstract(f: &FieldType) -> Result<()> {
    match f.storage {
        StorageType::Val(ValType::Ref(r)) if matches!(r.heap, HeapType::Concrete(_)) => Err(Error::usage(
            "a field of a type made on the host cannot name a concrete type: take the module's (Module::struct_type, Module::array_type)",
        )),
        _ => Ok(()),
    }
}

/// Interns the type `composite` alone in its group, final, without
/// supertypes.
fn intern_alone(engine: &Engine, composite: CompositeType) -> (SigId, Arc<GcType>) {
    let def = TypeDef {
        group_start: 0,
        group_len: 1,
        rec: false,
        is_final: true,
        supertypes: Box::new([]),
        composite,
    };
    let ids = crate::module::intern_group(engine, &[FuncType::new([], [])], &[def], 0, 1, &[]);
    (ids[0], engine.inner.sigs.gc_type(ids[0]))
}

impl StructType {
    /// The struct type of `fields` (whose reference types must be
    /// abstract).
    pub fn new(engine: &Engine, fields: impl IntoIterator<Item = FieldType>) -> Result<StructType> {
        let fields: Box<[FieldType]> = fields.into_iter().collect();
        fields.iter().try_for_each(check_abstract)?;
        let (id, ty) = intern_alone(engine, CompositeType::Struct(fields));
        Ok(StructType {
            engine: engine.clone(),
            id,
            ty,
        })
    }

    /// The heap type of references to structs of this type (see
    /// [`ArrayType::heap_type`]).
    pub fn heap_type(&self) -> HeapType {
        HeapType::Concrete(self.id.0)
    }

    /// The fields' types (references to concrete types as engine ids).
    pub fn fields(&self) -> Vec<FieldType> {
        let layout = self.ty.struct_layout().map_or(&[][..], |l| &l.fields[..]);
        layout
            .iter()
            .zip(self.ty.mutable.iter())
            .map(|(&storage, &mutable)| FieldType { storage, mutable })
            .collect()
    }

    /// Whether `self` is `other` or a subtype of it.
    pub fn matches(&self, other: &StructType) -> bool {
        self.ty.is_subtype_of(other.id)
    }

    fn check_engine(&self, e: &Engine) -> Result<()> {
        same_engine(&self.engine, e)
    }
}

impl ArrayType {
    /// The array type of elements `elem` (an abstract reference type if a
    /// reference).
    pub fn new(engine: &Engine, elem: FieldType) -> Result<ArrayType> {
        check_abstract(&elem)?;
        let (id, ty) = intern_alone(engine, CompositeType::Array(elem));
        Ok(ArrayType {
            engine: engine.clone(),
            id,
            ty,
        })
    }

    /// The heap type of references to arrays of this type
    /// (`HeapType::Concrete` with the engine's id for it), as function,
    /// table and global types made on the host name it.
    pub fn heap_type(&self) -> HeapType {
        HeapType::Concrete(self.id.0)
    }

    /// The elements' type.
    pub fn element(&self) -> FieldType {
        FieldType {
            storage: self.ty.array_elem().unwrap_or(StorageType::I8),
            mutable: self.ty.mutable.first().copied().unwrap_or(false),
        }
    }

    /// Whether `self` is `other` or a subtype of it.
    pub fn matches(&self, other: &ArrayType) -> bool {
        self.ty.is_subtype_of(other.id)
    }

    fn check_engine(&self, e: &Engine) -> Result<()> {
        same_engine(&self.engine, e)
    }
}

fn same_engine(a: &Engine, b: &Engine) -> Result<()> {
    if Arc::ptr_eq(&a.inner, &b.inner) {
        Ok(())
    } else {
        Err(Error::usage("GC type used with a store of another engine"))
    }
}

impl Module {
    /// The struct type of type index `i`, if it is one.
    pub fn struct_type(&self, i: u32) -> Option<StructType> {
        let id = *self.inner.sigs.get(i as usize)?;
        let ty = self.inner.engine.inner.sigs.gc_type(id);
        ty.struct_layout()?;
        Some(StructType {
            engine: self.inner.engine.clone(),
            id,
            ty,
        })
    }

    /// The array type of type index `i`, if it is one.
    pub fn array_type(&self, i: u32) -> Option<ArrayType> {
        let id = *self.inner.sigs.get(i as usize)?;
        let ty = self.inner.engine.inner.sigs.gc_type(id);
        ty.array_elem()?;
        Some(ArrayType {
            engine: self.inner.engine.clone(),
            id,
            ty,
        })
    }
}
