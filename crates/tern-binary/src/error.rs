//! Errors of the binary format: a message and the byte offset it points at.

use std::fmt;

/// A decoding error: what is wrong, and where (absolute byte offset in the
/// module). Boxed so that `Result<T, BinaryError>` stays one word wide.
#[derive(Clone, PartialEq, Eq)]
pub struct BinaryError {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    message: String,
    offset: usize,
}

impl BinaryError {
    /// An error with `message` at absolute byte `offset`.
    #[cold]
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        BinaryError {
            inner: Box::new(Inner {
                message: message.into(),
                offset,
            }),
        }
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The absolute byte offset the error points at.
    pub fn offset(&self) -> usize {
        self.inner.offset
    }
}

impl fmt::Display for BinaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {:#x})", self.inner.message, self.inner.offset)
    }
}

impl fmt::Debug for BinaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BinaryError {}

/// Result type of the binary crate.
pub type Result<T, E = BinaryError> = std::result::Result<T, E>;
