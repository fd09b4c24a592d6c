//! Vectors: `wasm_X_vec_t` is `{ size, data }`, allocated here as a boxed
//! slice (`data` is NULL when empty). An owned vector owns its elements:
//! copying copies them (a new handle for a reference, a deep copy for a
//! type) and deleting deletes them.

use crate::guard;
use std::ptr;

/// The layout of every `wasm_X_vec_t`.
#[repr(C)]
pub struct Vector<T> {
    pub size: usize,
    pub data: *mut T,
}

impl<T> Vector<T> {
    pub(crate) const EMPTY: Vector<T> = Vector {
        size: 0,
        data: ptr::null_mut(),
    };

    /// A vector owning `items`.
    pub(crate) fn from_vec(items: Vec<T>) -> Vector<T> {
        if items.is_empty() {
            return Vector::EMPTY;
        }
        let size = items.len();
        let data = Box::into_raw(items.into_boxed_slice()) as *mut T;
        Vector { size, data }
    }

    /// The elements (none when `data` is NULL).
    pub(crate) unsafe fn as_slice(&self) -> &[T] {
        if self.data.is_null() || self.size == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.data, self.size)
        }
    }

    pub(crate) unsafe fn as_mut_slice(&mut self) -> &mut [T] {
        if self.data.is_null() || self.size == 0 {
            &mut []
        } else {
            std::slice::from_raw_parts_mut(self.data, self.size)
        }
    }

    /// Takes the buffer back (the elements are not deleted), leaving the
    /// vector empty.
    pub(crate) unsafe fn take(&mut self) -> Vec<T> {
        let v = if self.data.is_null() || self.size == 0 {
            Vec::new()
        } else {
            Box::from_raw(ptr::slice_from_raw_parts_mut(self.data, self.size)).into_vec()
        };
        *self = Vector::EMPTY;
        v
    }
}

/// What vectors need of their elements.
pub(crate) trait Elem: Sized {
    /// A value whose bytes are all zero (`_new_uninitialized`).
    fn zero() -> Self;
    /// An owned copy.
    unsafe fn copy(&self) -> Self;
    /// Releases what the element owns.
    unsafe fn delete(self);
}

impl Elem for u8 {
    fn zero() -> u8 {
        0
    }
    unsafe fn copy(&self) -> u8 {
        *self
    }
    unsafe fn delete(self) {}
}

/// Elements that are owned pointers to boxed objects.
impl<T: Clone> Elem for *mut T {
    fn zero() -> Self {
        ptr::null_mut()
    }
    unsafe fn copy(&self) -> Self {
        match self.as_ref() {
            Some(x) => Box::into_raw(Box::new(x.clone())),
            None => ptr::null_mut(),
        }
    }
    unsafe fn delete(self) {
        if !self.is_null() {
            drop(Box::from_raw(self));
        }
    }
}

pub(crate) unsafe fn new_empty<T>(out: *mut Vector<T>) {
    if let Some(out) = out.as_mut() {
        ptr::write(out, Vector::EMPTY);
    }
}

pub(crate) unsafe fn new_uninitialized<T: Elem>(out: *mut Vector<T>, size: usize) {
    if let Some(out) = out.as_mut() {
        ptr::write(out, Vector::from_vec((0..size).map(|_| T::zero()).collect()));
    }
}

/// A vector of `size` elements moved from `data` (ownership moves).
pub(crate) unsafe fn new<T>(out: *mut Vector<T>, size: usize, data: *const T) {
    let Some(out) = out.as_mut() else { return };
    let mut v = Vec::with_capacity(size);
    if !data.is_null() {
        for i in 0..size {
            v.push(ptr::read(data.add(i)));
        }
    }
    ptr::write(out, Vector::from_vec(v));
}

pub(crate) unsafe fn copy<T: Elem>(out: *mut Vector<T>, src: *const Vector<T>) {
    let Some(out) = out.as_mut() else { return };
    let v = match src.as_ref() {
        Some(src) => src.as_slice().iter().map(|e| e.copy()).collect(),
        None => Vec::new(),
    };
    ptr::write(out, Vector::from_vec(v));
}

pub(crate) unsafe fn delete<T: Elem>(v: *mut Vector<T>) {
    let Some(v) = v.as_mut() else { return };
    for e in v.take() {
        e.delete();
    }
}

/// Declares the five functions of a vector type.
macro_rules! declare_vec {
    ($elem:ty, $new_empty:ident, $new_uninit:ident, $new:ident, $copy:ident, $delete:ident) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new_empty(out: *mut $crate::vec::Vector<$elem>) {
            guard((), || $crate::vec::new_empty(out))
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new_uninit(out: *mut $crate::vec::Vector<$elem>, size: usize) {
            guard((), || $crate::vec::new_uninitialized(out, size))
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new(out: *mut $crate::vec::Vector<$elem>, size: usize, data: *const $elem) {
            guard((), || $crate::vec::new(out, size, data))
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(out: *mut $crate::vec::Vector<$elem>, src: *const $crate::vec::Vector<$elem>) {
            guard((), || $crate::vec::copy(out, src))
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $delete(v: *mut $crate::vec::Vector<$elem>) {
            guard((), || $crate::vec::delete(v))
        }
    };
}

pub(crate) use declare_vec;

pub type wasm_byte_vec_t = Vector<u8>;
pub type wasm_name_t = wasm_byte_vec_t;
pub type wasm_message_t = wasm_byte_vec_t;

declare_vec!(
    u8,
    wasm_byte_vec_new_empty,
    wasm_byte_vec_new_uninitialized,
    wasm_byte_vec_new,
    wasm_byte_vec_copy,
    wasm_byte_vec_delete
);

/// An owned byte vector of `bytes`.
pub(crate) fn bytes_vec(bytes: &[u8]) -> wasm_byte_vec_t {
    Vector::from_vec(bytes.to_vec())
}

/// A message: the text and a terminating NUL, which `size` counts.
pub(crate) fn message_vec(text: &str) -> wasm_message_t {
    let mut v = text.as_bytes().to_vec();
    v.push(0);
    Vector::from_vec(v)
}

/// The text of a name or message (up to a NUL, if it has one).
pub(crate) unsafe fn vec_text(v: &wasm_byte_vec_t) -> String {
    let b = v.as_slice();
    let b = match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    };
    String::from_utf8_lossy(b).into_owned()
}
