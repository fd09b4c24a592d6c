//! The GC operators' semantics, shared by both tiers: their immediates
//! ([`GcOp`]) and their execution against the store's GC heap
//! ([`crate::gc`]) over a frame of value slots ([`exec`]). The interpreter
//! runs them on its own frame; compiled code stores the operands in a slot
//! array on its stack and calls [`crate::vmctx::Libcall::GcOp`] with the
//! operator encoded in two words ([`GcOp::encode`]).
//!
//! Objects are stamped with their type's engine signature id (the
//! instance's `sigs`), so casts compare ids across modules. Allocation may
//! collect first: the roots are the store's plus the running interpreter
//! activation's value stack (`roots`; compiled frames are scanned on the
//! machine stack, see [`crate::gc`]), and the operands of the allocating
//! instruction are still in it.

use crate::gc::{self, BodyMut, GcHeap, GcType};
use crate::{SigId, StoreData, TrapCode};
use tern_binary::{HeapType, RefType, StorageType, ValType};

/// A slot index of a frame.
type Reg = u32;

/// How a packed field or element is widened on a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ext {
    None,
    S,
    U,
}

/// A GC operator's immediates (type indices are the module's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcOp {
    StructNew { t: u32, default: bool },
    StructGet { t: u32, field: u32, ext: Ext },
    StructSet { t: u32, field: u32 },
    ArrayNew { t: u32 },
    ArrayNewDefault { t: u32 },
    ArrayNewFixed { t: u32, n: u32 },
    ArrayNewData { t: u32, seg: u32 },
    ArrayNewElem { t: u32, seg: u32 },
    ArrayGet { t: u32, ext: Ext },
    ArraySet { t: u32 },
    ArrayLen,
    ArrayFill { t: u32 },
    ArrayCopy { dt: u32, st: u32 },
    ArrayInitData { t: u32, seg: u32 },
    ArrayInitElem { t: u32, seg: u32 },
    RefTest { to: RefType },
    RefCast { to: RefType },
    AnyConvertExtern,
    ExternConvertAny,
    RefI31,
    I31Get { signed: bool },
    RefEq,
}

impl GcOp {
    /// The operator as two words, for compiled code to pass to the
    /// [`crate::vmctx::Libcall::GcOp`] libcall: the first holds a tag
    /// (bits 0..8), a flag (bits 8..16) and the first immediate (bits
    /// 16..48); the second the second immediate, or the target heap type
    /// of a cast (its shorthand byte, or 0 and the type index shifted left
    /// by 8). [`GcOp::decode`] inverts it.
    pub fn encode(&self) -> (u64, u64) {
        let ext = |e: Ext| match e {
            Ext::None => 0,
            Ext::S => 1,
            Ext::U => 2,
        };
        let heap = |h: HeapType| match h.abstract_code() {
            Some(c) => c as u64,
            None => match h {
                HeapType::Concrete(i) => (i as u64) << 8,
                _ => 0,
            },
        };
        let (tag, flag, a, b): (u64, u64, u32, u64) = match *self {
            GcOp::StructNew { t, default } => (0, default as u64, t, 0),
            GcOp::StructGet { t, field, ext: e } => (1, ext(e), t, field as u64),
            GcOp::StructSet { t, field } => (2, 0, t, field as u64),
            GcOp::ArrayNew { t } => (3, 0, t, 0),
            GcOp::ArrayNewDefault { t } => (4, 0, t, 0),
            GcOp::ArrayNewFixed { t, n } => (5, 0, t, n as u64),
            GcOp::ArrayNewData { t, seg } => (6, 0, t, seg as u64),
            GcOp::ArrayNewElem { t, seg } => (7, 0, t, seg as u64),
            GcOp::ArrayGet { t, ext: e } => (8, ext(e), t, 0),
            GcOp::ArraySet { t } => (9, 0, t, 0),
            GcOp::ArrayLen => (10, 0, 0, 0),
            GcOp::ArrayFill { t } => (11, 0, t, 0),
            GcOp::ArrayCopy { dt, st } => (12, 0, dt, st as u64),
            GcOp::ArrayInitData { t, seg } => (13, 0, t, seg as u64),
            GcOp::ArrayInitElem { t, seg } => (14, 0, t, seg as u64),
            GcOp::RefTest { to } => (15, to.nullable as u64, 0, heap(to.heap)),
            GcOp::RefCast { to } => (16, to.nullable as u64, 0, heap(to.heap)),
            GcOp::AnyConvertExtern => (17, 0, 0, 0),
            GcOp::ExternConvertAny => (18, 0, 0, 0),
            GcOp::RefI31 => (19, 0, 0, 0),
            GcOp::I31Get { signed } => (20, signed as u64, 0, 0),
            GcOp::RefEq => (21, 0, 0, 0),
        };
        (tag | flag << 8 | (a as u64) << 16, b)
    }

    /// The operator tag of an encoded operator `(x, _)`: [`GcOp::STRUCT_NEW`],
    /// [`GcOp::REF_TEST`], [`GcOp::REF_CAST`], ...
    #[inline]
    pub fn tag(x: u64) -> u64 {
        x & 0xff
    }
    pub const STRUCT_NEW: u64 = 0;
    pub const REF_TEST: u64 = 15;
    pub const REF_CAST: u64 = 16;

    /// `struct.new`'s type index and whether it is `struct.new_default`,
    /// from an encoded operator whose tag is [`GcOp::STRUCT_NEW`].
    #[inline]
    pub fn decode_struct_new(x: u64) -> (u32, bool) {
        ((x >> 16) as u32, (x >> 8) & 0xff != 0)
    }

    /// The target type of an encoded `ref.test` or `ref.cast`.
    #[inline]
    pub fn decode_ref_type(x: u64, y: u64) -> Option<RefType> {
        let heap = match y & 0xff {
            0 => HeapType::Concrete(u32::try_from(y >> 8).ok()?),
            c => HeapType::from_abstract_code(c as u8)?,
        };
        Some(RefType {
            nullable: (x >> 8) & 0xff != 0,
            heap,
        })
    }

    /// The operator [`GcOp::encode`] gave `(x, y)` for, or `None` for words
    /// it never gives.
    pub fn decode(x: u64, y: u64) -> Option<GcOp> {
        let (tag, flag, t) = (x & 0xff, (x >> 8) & 0xff, (x >> 16) as u32);
        let b = u32::try_from(y).ok();
        let ext = match flag {
            0 => Ext::None,
            1 => Ext::S,
            2 => Ext::U,
            _ => return None,
        };
        let to = || GcOp::decode_ref_type(x, y);
        Some(match tag {
            GcOp::STRUCT_NEW => GcOp::StructNew { t, default: flag != 0 },
            1 => GcOp::StructGet { t, field: b?, ext },
            2 => GcOp::StructSet { t, field: b? },
            3 => GcOp::ArrayNew { t },
            4 => GcOp::ArrayNewDefault { t },
            5 => GcOp::ArrayNewFixed { t, n: b? },
            6 => GcOp::ArrayNewData { t, seg: b? },
            7 => GcOp::ArrayNewElem { t, seg: b? },
            8 => GcOp::ArrayGet { t, ext },
            9 => GcOp::ArraySet { t },
            10 => GcOp::ArrayLen,
            11 => GcOp::ArrayFill { t },
            12 => GcOp::ArrayCopy { dt: t, st: b? },
            13 => GcOp::ArrayInitData { t, seg: b? },
            14 => GcOp::ArrayInitElem { t, seg: b? },
            GcOp::REF_TEST => GcOp::RefTest { to: to()? },
            GcOp::REF_CAST => GcOp::RefCast { to: to()? },
            17 => GcOp::AnyConvertExtern,
            18 => GcOp::ExternConvertAny,
            19 => GcOp::RefI31,
            20 => GcOp::I31Get { signed: flag != 0 },
            21 => GcOp::RefEq,
            _ => return None,
        })
    }
}

/// A struct operator the interpreter runs without [`exec`]: a field
/// access (its slot and how it reads or writes it) or an allocation (the
/// type and its slot count), worked out when the function is translated.
/// Anything the fast path does not handle (a null or dangling reference,
/// a `v128` field, a packed field to allocate, a collection to run) goes
/// to [`exec`], which reports the trap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FastAccess(u64);

impl FastAccess {
    pub const NONE: FastAccess = FastAccess(0);
    const GET: u32 = 1;
    const GET_I8_S: u32 = 2;
    const GET_I16_S: u32 = 3;
    const SET: u32 = 4;
    const SET_I8: u32 = 5;
    const SET_I16: u32 = 6;
    const NEW: u32 = 7;
    const NEW_DEFAULT: u32 = 8;
    const ARRAY_GET: u32 = 9;
    const ARRAY_GET_S: u32 = 10;
    const ARRAY_SET: u32 = 11;
    const ARRAY_LEN: u32 = 12;

    /// `array.get(_s/_u)` of elements of storage type `s`.
    pub fn array_get(s: StorageType, ext: Ext) -> FastAccess {
        match (gc::elem_size(s), ext) {
            (16, _) => FastAccess::NONE,
            (e @ (1 | 2), Ext::S) => FastAccess::new(Self::ARRAY_GET_S, e as u32),
            (e, _) => FastAccess::new(Self::ARRAY_GET, e as u32),
        }
    }

    /// `array.set` of elements of storage type `s`.
    pub fn array_set(s: StorageType) -> FastAccess {
        match gc::elem_size(s) {
            16 => FastAccess::NONE,
            e => FastAccess::new(Self::ARRAY_SET, e as u32),
        }
    }

    /// `array.len`.
    pub fn array_len() -> FastAccess {
        FastAccess::new(Self::ARRAY_LEN, 0)
    }

    fn new(kind: u32, at: u32) -> FastAccess {
        if at >= 1 << 28 {
            FastAccess::NONE
        } else {
            FastAccess((kind | at << 4) as u64)
        }
    }

    /// `struct.new(_default)` of the module's type `t`, whose fields are
    /// `fields` (none packed or `v128`, else there is no fast path).
    pub fn struct_new(t: u32, fields: &[StorageType], default: bool) -> FastAccess {
        let plain =
            |s: &&StorageType| !matches!(s, StorageType::I8 | StorageType::I16 | StorageType::Val(ValType::V128));
        if !fields.iter().all(|s| plain(&s)) {
            return FastAccess::NONE;
        }
        let kind = if default { Self::NEW_DEFAULT } else { Self::NEW };
        let f = FastAccess::new(kind, t);
        match u32::try_from(fields.len()) {
            Ok(n) if f != FastAccess::NONE => FastAccess(f.0 | (n as u64) << 32),
            _ => FastAccess::NONE,
        }
    }

    /// `struct.get(_s/_u)` of a field of storage type `s` at slot `at`.
    pub fn get(at: u32, s: StorageType, ext: Ext) -> FastAccess {
        match (s, ext) {
            (StorageType::Val(ValType::V128), _) => FastAccess::NONE,
            (StorageType::I8, Ext::S) => FastAccess::new(Self::GET_I8_S, at),
            (StorageType::I16, Ext::S) => FastAccess::new(Self::GET_I16_S, at),
            // A packed field is stored cut to its width: `_u` reads it as
            // it is.
            _ => FastAccess::new(Self::GET, at),
        }
    }

    /// `struct.set` of a field of storage type `s` at slot `at`.
    pub fn set(at: u32, s: StorageType) -> FastAccess {
        match s {
            StorageType::Val(ValType::V128) => FastAccess::NONE,
            StorageType::I8 => FastAccess::new(Self::SET_I8, at),
            StorageType::I16 => FastAccess::new(Self::SET_I16, at),
            _ => FastAccess::new(Self::SET, at),
        }
    }

    /// Runs the access with operands from slot `a` of the frame at `regs`
    /// and the result to slot `d`; `false` (having changed nothing) when
    /// the general path must run it.
    ///
    /// # Safety
    /// As for [`exec`].
    #[inline]
    pub unsafe fn run(self, vm: &mut StoreData, inst: u32, regs: *mut u64, a: Reg, d: Reg) -> bool {
        let kind = self.0 as u32 & 15;
        let at = self.0 as u32 >> 4;
        if kind == 0 {
            return false;
        }
        // SAFETY: the caller's contract.
        unsafe {
            if kind == Self::NEW || kind == Self::NEW_DEFAULT {
                let slots = (self.0 >> 32) as usize;
                if vm.gc.wants_collection(GcHeap::struct_bytes(slots as u32)) {
                    return false;
                }
                let Some(&id) = instance_sigs(vm, inst).get(at as usize) else {
                    return false;
                };
                let vals = (kind == Self::NEW).then(|| std::slice::from_raw_parts(regs.add(a as usize), slots));
                return match vm.gc.new_plain_struct(id, slots, vals) {
                    Ok(raw) => {
                        *regs.add(d as usize) = raw;
                        true
                    }
                    Err(_) => false,
                };
            }
            if kind >= Self::ARRAY_GET {
                let raw = *regs.add(a as usize);
                if kind == Self::ARRAY_LEN {
                    let Some(n) = vm.gc.array_len_of(raw) else {
                        return false;
                    };
                    *regs.add(d as usize) = n as u64;
                    return true;
                }
                let i = *regs.add(a as usize + 1) as u32;
                let Some(p) = vm.gc.array_elem(raw, i, at as usize) else {
                    return false;
                };
                let mut b = [0u8; 8];
                if kind == Self::ARRAY_SET {
                    let v = (*regs.add(a as usize + 2)).to_le_bytes();
                    std::ptr::copy_nonoverlapping(v.as_ptr(), p, at as usize);
                    return true;
                }
                std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), at as usize);
                let v = u64::from_le_bytes(b);
                *regs.add(d as usize) = match (kind, at) {
                    (Self::ARRAY_GET_S, 1) => v as u8 as i8 as i32 as u32 as u64,
                    (Self::ARRAY_GET_S, _) => v as u16 as i16 as i32 as u32 as u64,
                    _ => v,
                };
                return true;
            }
            let Some(slot) = vm.gc.struct_slot(*regs.add(a as usize), at) else {
                return false;
            };
            let v = regs.add(a as usize + 1);
            match kind {
                Self::GET => *regs.add(d as usize) = *slot,
                Self::GET_I8_S => *regs.add(d as usize) = *slot as u8 as i8 as i32 as u32 as u64,
                Self::GET_I16_S => *regs.add(d as usize) = *slot as u16 as i16 as i32 as u32 as u64,
                Self::SET => *slot = *v,
                Self::SET_I8 => *slot = *v & 0xff,
                _ => *slot = *v & 0xffff,
            }
        }
        true
    }
}

/// Whether raw reference `raw` is of reference type `to` (whose concrete
/// types are the module's indices, `sigs` their ids).
pub fn ref_test(vm: &StoreData, sigs: &[SigId], raw: u64, to: RefType) -> bool {
    if raw == 0 {
        return to.nullable;
    }
    match to.heap {
        HeapType::Func | HeapType::Extern | HeapType::Exn => true,
        HeapType::NoFunc | HeapType::NoExtern | HeapType::NoExn => false,
        HeapType::Concrete(t) => {
            let Some(&target) = sigs.get(t as usize) else {
                return false;
            };
            if vm.gc.is_func_type(target.0) {
                vm.funcs
                    .get(raw as usize - 1)
                    .is_some_and(|f| vm.gc.is_subtype(f.sig, target))
            } else {
                vm.gc.any_matches(raw, HeapType::Concrete(target.0))
            }
        }
        // The `any` hierarchy.
        h => vm.gc.any_matches(raw, h),
    }
}

fn ty_of<'t>(vm: &StoreData, sigs: &[SigId], t: u32) -> Result<(SigId, &'t GcType), TrapCode> {
    let id = *sigs.get(t as usize).ok_or(TrapCode::CastFailure)?;
    let ty = vm.gc.ty(id).ok_or(TrapCode::CastFailure)?;
    // SAFETY: see above; the `Arc` keeps the type where it is.
    Ok((id, unsafe { &*std::sync::Arc::as_ptr(ty) }))
}

/// The bytes of an array object whose elements are `e` bytes wide (an
/// object of another element size means a dangling reference).
fn array_bytes(o: gc::GcObjectMut<'_>, e: usize) -> Result<&mut [u8], TrapCode> {
    match o.body {
        BodyMut::Array { elem, bytes, .. } if elem as usize == e => Ok(bytes),
        _ => Err(TrapCode::DanglingGcReference),
    }
}

fn width(s: StorageType) -> usize {
    if s == StorageType::Val(ValType::V128) { 2 } else { 1 }
}

/// Reads `w` slots at `p` as a 128-bit value.
unsafe fn read_val(p: *const u64, w: usize) -> u128 {
    // SAFETY: the caller's slots are in the frame.
    unsafe {
        if w == 2 {
            *p as u128 | ((*p.add(1) as u128) << 64)
        } else {
            *p as u128
        }
    }
}

unsafe fn write_val(p: *mut u64, w: usize, v: u128) {
    // SAFETY: the caller's slots are in the frame.
    unsafe {
        *p = v as u64;
        if w == 2 {
            *p.add(1) = (v >> 64) as u64;
        }
    }
}

/// Field `field` of the module's struct type `t` in the struct `raw`: its
/// storage type, its first slot, and the object's slots. A field the
/// object lacks means a reference to an object of another type (a
/// collector bug), never an out-of-bounds access.
fn struct_field<'v>(
    vm: &'v mut StoreData,
    sigs: &[SigId],
    raw: u64,
    t: u32,
    field: u32,
) -> Result<(StorageType, usize, &'v mut [u64]), TrapCode> {
    if raw == 0 {
        return Err(TrapCode::NullStructReference);
    }
    let (_, ty) = ty_of(vm, sigs, t)?;
    let layout = ty.struct_layout().ok_or(TrapCode::CastFailure)?;
    let s = layout.fields[field as usize];
    let at = layout.offsets[field as usize] as usize;
    let BodyMut::Struct(f) = vm.gc.get_mut(raw)?.body else {
        return Err(TrapCode::CastFailure);
    };
    if at + width(s) > f.len() {
        return Err(TrapCode::DanglingGcReference);
    }
    Ok((s, at, f))
}

/// Element `index` (a slot's value, of which the low 32 bits count) of the
/// array `raw` of the module's array type `t`, checked: its storage type,
/// its size in bytes, and the array's bytes.
fn array_elem<'v>(
    vm: &'v mut StoreData,
    sigs: &[SigId],
    raw: u64,
    t: u32,
    index: u64,
) -> Result<(StorageType, usize, &'v mut [u8]), TrapCode> {
    if raw == 0 {
        return Err(TrapCode::NullArrayReference);
    }
    let (_, ty) = ty_of(vm, sigs, t)?;
    let elem = ty.array_elem().ok_or(TrapCode::CastFailure)?;
    let e = gc::elem_size(elem);
    let bytes = array_bytes(vm.gc.get_mut(raw)?, e)?;
    if index as u32 as usize >= bytes.len() / e {
        return Err(TrapCode::ArrayOutOfBounds);
    }
    Ok((elem, e, bytes))
}

/// Widens a packed value read from a field or element.
fn widen(s: StorageType, ext: Ext, v: u128) -> u128 {
    match (s, ext) {
        (StorageType::I8, Ext::S) => v as u8 as i8 as i32 as u32 as u128,
        (StorageType::I16, Ext::S) => v as u16 as i16 as i32 as u32 as u128,
        _ => v,
    }
}

/// Checks that `at .. at + n` lies within `len`.
fn in_bounds(at: u64, n: u64, len: u64, code: TrapCode) -> Result<(), TrapCode> {
    if at.checked_add(n).is_none_or(|e| e > len) {
        Err(code)
    } else {
        Ok(())
    }
}

/// `ref.test` (0 or 1) or, with `cast`, `ref.cast` (`raw` itself, or a
/// cast failure) of reference `raw` to `to`.
#[inline]
pub fn ref_test_or_cast(vm: &StoreData, sigs: &[SigId], raw: u64, to: RefType, cast: bool) -> Result<u64, TrapCode> {
    match (ref_test(vm, sigs, raw, to), cast) {
        (ok, false) => Ok(ok as u64),
        (true, true) => Ok(raw),
        (false, true) => Err(TrapCode::CastFailure),
    }
}

/// `struct.new` (or `struct.new_default`) of type `t` (the module's
/// index; `sigs` the instance's signature ids), its field values in the
/// slots at `vals`: the new reference.
///
/// # Safety
/// `vals` points to the struct's slots (ignored for the default form);
/// `roots` as for [`exec`].
#[inline]
pub unsafe fn struct_new(
    vm: &mut StoreData,
    sigs: &[SigId],
    t: u32,
    default: bool,
    vals: *const u64,
    roots: &[u64],
) -> Result<u64, TrapCode> {
    let (id, ty) = ty_of(vm, sigs, t)?;
    let layout = ty.struct_layout().ok_or(TrapCode::CastFailure)?;
    vm.gc_prepare(GcHeap::struct_bytes(layout.slots), roots)?;
    if default {
        vm.gc.new_struct(id, layout, None)
    } else {
        // SAFETY: the caller's contract.
        let vals = unsafe { std::slice::from_raw_parts(vals, layout.slots as usize) };
        vm.gc.new_struct(id, layout, Some(vals))
    }
}

/// The instance's signature ids.
///
/// # Safety
/// `inst` is an instance of `vm`; the slice lives as long as the store
/// and must not be held across anything that drops instances.
pub unsafe fn instance_sigs<'a>(vm: &StoreData, inst: u32) -> &'a [SigId] {
    // SAFETY: instances and their signature ids live as long as the store.
    unsafe { &*(&*vm.instances[inst as usize].sigs as *const [SigId]) }
}

/// Executes GC operator `op` of a function of instance `inst`: operands
/// from slot `a` of the frame at `regs`, result to slot `d`. `roots` is the
/// running activation's value stack, for a collection before allocating.
///
/// # Safety
/// `regs` points to the running frame; `a` and `d` (and the slots the
/// operator reads after them) are within it, as the translator computed
/// them from validated code. `roots` may overlap the frame: it is only read
/// before anything is written.
pub unsafe fn exec(
    vm: &mut StoreData,
    inst: u32,
    op: &GcOp,
    regs: *mut u64,
    a: Reg,
    d: Reg,
    roots: &[u64],
) -> Result<(), TrapCode> {
    let (a, d) = (a as usize, d as usize);
    // SAFETY: see the function's contract.
    unsafe {
        let r = |k: usize| *regs.add(a + k);
        // Instances and their signature ids live as long as the store, and
        // nothing here changes them.
        let sigs: &[SigId] = instance_sigs(vm, inst);
        match *op {
            GcOp::StructNew { t, default } => {
                *regs.add(d) = struct_new(vm, sigs, t, default, regs.add(a), roots)?;
            }
            GcOp::StructGet { t, field, ext } => {
                let (s, at, f) = struct_field(vm, sigs, r(0), t, field)?;
                let v = if width(s) == 2 {
                    f[at] as u128 | ((f[at + 1] as u128) << 64)
                } else {
                    f[at] as u128
                };
                write_val(regs.add(d), width(s), widen(s, ext, v));
            }
            GcOp::StructSet { t, field } => {
                let (s, at, f) = struct_field(vm, sigs, r(0), t, field)?;
                let v = read_val(regs.add(a + 1), width(s));
                f[at] = v as u64 & gc::pack_mask(s);
                if width(s) == 2 {
                    f[at + 1] = (v >> 64) as u64;
                }
            }
            GcOp::ArrayNew { t } | GcOp::ArrayNewDefault { t } | GcOp::ArrayNewFixed { t, .. } => {
                let (id, ty) = ty_of(vm, sigs, t)?;
                let elem = ty.array_elem().ok_or(TrapCode::CastFailure)?;
                let w = width(elem);
                let (len, fill) = match *op {
                    GcOp::ArrayNew { .. } => (r(w) as u32, read_val(regs.add(a), w)),
                    GcOp::ArrayNewDefault { .. } => (r(0) as u32, 0),
                    GcOp::ArrayNewFixed { n, .. } => (n, 0),
                    _ => unreachable!("array constructors only"),
                };
                let e = gc::elem_size(elem);
                let bytes = GcHeap::array_bytes(e, len).ok_or(TrapCode::GcHeapExhausted)?;
                vm.gc_prepare(bytes, roots)?;
                let traced = gc::storage_traced(elem, |x| vm.gc.is_func_type(x));
                let raw = vm.gc.new_array(id, elem, traced, len, fill)?;
                if let GcOp::ArrayNewFixed { n, .. } = *op
                    && let BodyMut::Array { bytes, .. } = vm.gc.get_mut(raw)?.body
                {
                    for i in 0..n as usize {
                        gc::store_elem(bytes, i, e, read_val(regs.add(a + i * w), w));
                    }
                }
                *regs.add(d) = raw;
            }
            GcOp::ArrayNewData { t, seg } => {
                let (id, ty) = ty_of(vm, sigs, t)?;
                let elem = ty.array_elem().ok_or(TrapCode::CastFailure)?;
                let e = gc::elem_size(elem);
                let (s, n) = (r(0) as u32 as u64, r(1) as u32);
                let data_len = vm.instances[inst as usize].data(seg).len() as u64;
                in_bounds(s, n as u64 * e as u64, data_len, TrapCode::MemoryOutOfBounds)?;
                let bytes = GcHeap::array_bytes(e, n).ok_or(TrapCode::GcHeapExhausted)?;
                vm.gc_prepare(bytes, roots)?;
                let raw = vm.gc.new_array(id, elem, false, n, 0)?;
                let src: Box<[u8]> = vm.instances[inst as usize].data(seg)[s as usize..][..n as usize * e].into();
                if let BodyMut::Array { bytes, .. } = vm.gc.get_mut(raw)?.body {
                    bytes.copy_from_slice(&src);
                }
                *regs.add(d) = raw;
            }
            GcOp::ArrayNewElem { t, seg } => {
                let (id, ty) = ty_of(vm, sigs, t)?;
                let elem = ty.array_elem().ok_or(TrapCode::CastFailure)?;
                let (s, n) = (r(0) as u32 as u64, r(1) as u32);
                let seg_len = vm.instances[inst as usize].elems[seg as usize].len() as u64;
                in_bounds(s, n as u64, seg_len, TrapCode::TableOutOfBounds)?;
                let bytes = GcHeap::array_bytes(8, n).ok_or(TrapCode::GcHeapExhausted)?;
                vm.gc_prepare(bytes, roots)?;
                let traced = gc::storage_traced(elem, |x| vm.gc.is_func_type(x));
                let raw = vm.gc.new_array(id, elem, traced, n, 0)?;
                let src: Vec<u64> =
                    vm.instances[inst as usize].elems[seg as usize][s as usize..][..n as usize].to_vec();
                if let BodyMut::Array { bytes, .. } = vm.gc.get_mut(raw)?.body {
                    for (i, v) in src.iter().enumerate() {
                        gc::store_elem(bytes, i, 8, *v as u128);
                    }
                }
                *regs.add(d) = raw;
            }
            GcOp::ArrayGet { t, ext } => {
                let (i, (elem, e, bytes)) = (r(1) as u32 as usize, array_elem(vm, sigs, r(0), t, r(1))?);
                let v = gc::load_elem(bytes, i, e);
                write_val(regs.add(d), width(elem), widen(elem, ext, v));
            }
            GcOp::ArraySet { t } => {
                let (i, (elem, e, bytes)) = (r(1) as u32 as usize, array_elem(vm, sigs, r(0), t, r(1))?);
                gc::store_elem(bytes, i, e, read_val(regs.add(a + 2), width(elem)));
            }
            GcOp::ArrayLen => {
                let raw = r(0);
                if raw == 0 {
                    return Err(TrapCode::NullArrayReference);
                }
                *regs.add(d) = vm.gc.get(raw)?.array_len() as u64;
            }
            GcOp::ArrayFill { t } => {
                let (raw, at) = (r(0), r(1) as u32 as u64);
                if raw == 0 {
                    return Err(TrapCode::NullArrayReference);
                }
                let (_, ty) = ty_of(vm, sigs, t)?;
                let elem = ty.array_elem().ok_or(TrapCode::CastFailure)?;
                let (e, w) = (gc::elem_size(elem), width(elem));
                let v = read_val(regs.add(a + 2), w);
                let n = r(2 + w) as u32 as u64;
                let BodyMut::Array { bytes, .. } = vm.gc.get_mut(raw)?.body else {
                    return Err(TrapCode::CastFailure);
                };
                in_bounds(at, n, (bytes.len() / e) as u64, TrapCode::ArrayOutOfBounds)?;
                for i in at..at + n {
                    gc::store_elem(bytes, i as usize, e, v);
                }
            }
            GcOp::ArrayCopy { dt, .. } => {
                let (dst, di, src, si, n) = (r(0), r(1) as u32 as u64, r(2), r(3) as u32 as u64, r(4) as u32 as u64);
                if dst == 0 || src == 0 {
                    return Err(TrapCode::NullArrayReference);
                }
                let (_, ty) = ty_of(vm, sigs, dt)?;
                let e = gc::elem_size(ty.array_elem().ok_or(TrapCode::CastFailure)?) as u64;
                let src_len = vm.gc.get(src)?.array_len() as u64;
                let dst_len = vm.gc.get(dst)?.array_len() as u64;
                in_bounds(di, n, dst_len, TrapCode::ArrayOutOfBounds)?;
                in_bounds(si, n, src_len, TrapCode::ArrayOutOfBounds)?;
                let (s0, d0, nb) = ((si * e) as usize, (di * e) as usize, (n * e) as usize);
                let tmp: Vec<u8> = array_bytes(vm.gc.get_mut(src)?, e as usize)?[s0..s0 + nb].to_vec();
                array_bytes(vm.gc.get_mut(dst)?, e as usize)?[d0..d0 + nb].copy_from_slice(&tmp);
            }
            GcOp::ArrayInitData { t, seg } => {
                let (raw, di, s, n) = (r(0), r(1) as u32 as u64, r(2) as u32 as u64, r(3) as u32 as u64);
                if raw == 0 {
                    return Err(TrapCode::NullArrayReference);
                }
                let (_, ty) = ty_of(vm, sigs, t)?;
                let e = gc::elem_size(ty.array_elem().ok_or(TrapCode::CastFailure)?) as u64;
                let len = vm.gc.get(raw)?.array_len() as u64;
                in_bounds(di, n, len, TrapCode::ArrayOutOfBounds)?;
                let data_len = vm.instances[inst as usize].data(seg).len() as u64;
                in_bounds(s, n * e, data_len, TrapCode::MemoryOutOfBounds)?;
                let src: Vec<u8> = vm.instances[inst as usize].data(seg)[s as usize..][..(n * e) as usize].to_vec();
                array_bytes(vm.gc.get_mut(raw)?, e as usize)?[(di * e) as usize..][..src.len()].copy_from_slice(&src);
            }
            GcOp::ArrayInitElem { seg, .. } => {
                let (raw, di, s, n) = (r(0), r(1) as u32 as u64, r(2) as u32 as u64, r(3) as u32 as u64);
                if raw == 0 {
                    return Err(TrapCode::NullArrayReference);
                }
                let len = vm.gc.get(raw)?.array_len() as u64;
                in_bounds(di, n, len, TrapCode::ArrayOutOfBounds)?;
                let seg_len = vm.instances[inst as usize].elems[seg as usize].len() as u64;
                in_bounds(s, n, seg_len, TrapCode::TableOutOfBounds)?;
                let src: Vec<u64> =
                    vm.instances[inst as usize].elems[seg as usize][s as usize..][..n as usize].to_vec();
                let bytes = array_bytes(vm.gc.get_mut(raw)?, 8)?;
                for (i, v) in src.iter().enumerate() {
                    gc::store_elem(bytes, di as usize + i, 8, *v as u128);
                }
            }
            GcOp::RefTest { to } => *regs.add(d) = ref_test_or_cast(vm, sigs, r(0), to, false)?,
            GcOp::RefCast { to } => *regs.add(d) = ref_test_or_cast(vm, sigs, r(0), to, true)?,
            GcOp::AnyConvertExtern => *regs.add(d) = gc::any_convert_extern(r(0)),
            GcOp::ExternConvertAny => *regs.add(d) = vm.gc.externalize(r(0)),
            GcOp::RefI31 => *regs.add(d) = gc::i31_new(r(0) as u32),
            GcOp::I31Get { signed } => {
                let raw = r(0);
                if raw == 0 {
                    return Err(TrapCode::NullI31Reference);
                }
                *regs.add(d) = if signed {
                    gc::i31_get_s(raw) as u32 as u64
                } else {
                    gc::i31_get_u(raw) as u64
                };
            }
            GcOp::RefEq => *regs.add(d) = (r(0) == r(1)) as u64,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let refs = [
            RefType {
                nullable: true,
                heap: HeapType::Concrete(u32::MAX),
            },
            RefType {
                nullable: false,
                heap: HeapType::Eq,
            },
            RefType {
                nullable: true,
                heap: HeapType::NoExtern,
            },
        ];
        let mut ops = vec![
            GcOp::StructNew { t: 7, default: true },
            GcOp::StructGet {
                t: u32::MAX,
                field: 3,
                ext: Ext::S,
            },
            GcOp::StructSet { t: 1, field: u32::MAX },
            GcOp::ArrayNew { t: 2 },
            GcOp::ArrayNewDefault { t: 2 },
            GcOp::ArrayNewFixed { t: 2, n: 10_000 },
            GcOp::ArrayNewData { t: 2, seg: 4 },
            GcOp::ArrayNewElem { t: 2, seg: 5 },
            GcOp::ArrayGet { t: 9, ext: Ext::U },
            GcOp::ArraySet { t: 9 },
            GcOp::ArrayLen,
            GcOp::ArrayFill { t: 9 },
            GcOp::ArrayCopy { dt: 9, st: 8 },
            GcOp::ArrayInitData { t: 9, seg: 1 },
            GcOp::ArrayInitElem { t: 9, seg: 2 },
            GcOp::AnyConvertExtern,
            GcOp::ExternConvertAny,
            GcOp::RefI31,
            GcOp::I31Get { signed: true },
            GcOp::RefEq,
        ];
        for to in refs {
            ops.push(GcOp::RefTest { to });
            ops.push(GcOp::RefCast { to });
        }
        for op in ops {
            let (x, y) = op.encode();
            assert_eq!(GcOp::decode(x, y), Some(op));
        }
        assert_eq!(GcOp::decode(99, 0), None);
        assert_eq!(GcOp::decode(15, 0x55), None);
    }
}
