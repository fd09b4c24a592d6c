//! [`SharedBytes`]: a module's bytes, shared by everything that reads them
//! after decoding (the validator's module description, the tiers, data
//! segments of instances) without copying them.

use std::ops::{Deref, Range};
use std::sync::Arc;

/// Immutable bytes with a shared owner: an `Arc<[u8]>`, or a range of
/// anything else that holds bytes (such as a mapped artifact file whose
/// module bytes are used where they lie). Cloning is cheap.
#[derive(Clone)]
pub struct SharedBytes(Owner);

#[derive(Clone)]
enum Owner {
    Bytes(Arc<[u8]>),
    Range(Arc<dyn AsRef<[u8]> + Send + Sync>, Range<usize>),
}

impl SharedBytes {
    /// The bytes `range` of `owner`, or `None` when the range lies outside
    /// them. `owner` must always give the same bytes.
    pub fn range_of(owner: Arc<dyn AsRef<[u8]> + Send + Sync>, range: Range<usize>) -> Option<SharedBytes> {
        (*owner).as_ref().get(range.clone())?;
        Some(SharedBytes(Owner::Range(owner, range)))
    }
}

impl From<Arc<[u8]>> for SharedBytes {
    fn from(bytes: Arc<[u8]>) -> SharedBytes {
        SharedBytes(Owner::Bytes(bytes))
    }
}

impl From<&[u8]> for SharedBytes {
    fn from(bytes: &[u8]) -> SharedBytes {
        Arc::<[u8]>::from(bytes).into()
    }
}

impl From<Vec<u8>> for SharedBytes {
    /// Takes the vector without copying its bytes (a large module's are
    /// worth not copying).
    fn from(bytes: Vec<u8>) -> SharedBytes {
        let len = bytes.len();
        SharedBytes(Owner::Range(Arc::new(bytes), 0..len))
    }
}

impl Deref for SharedBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Owner::Bytes(b) => b,
            // The range was checked when made, and the owner's bytes never
            // change; an owner breaking that gets an empty slice.
            Owner::Range(o, r) => (**o).as_ref().get(r.clone()).unwrap_or_default(),
        }
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_keep_their_bytes() {
        let a = SharedBytes::from(vec![1u8, 2, 3]);
        let b = a.clone();
        drop(a);
        assert_eq!(&*b, &[1, 2, 3]);
        let owner: Arc<Vec<u8>> = Arc::new(vec![9, 8, 7, 6]);
        let s = SharedBytes::range_of(owner.clone(), 1..3).unwrap();
        assert!(SharedBytes::range_of(owner.clone(), 3..5).is_none());
        drop(owner);
        assert_eq!(&*s, &[8, 7]);
    }
}
