//! The runtime's error type.

use std::fmt;
use tern_vm::Trap;

/// What can go wrong: a module that does not decode or validate, an import
/// that does not link, a trap, or a misuse of the API.
#[derive(Debug)]
pub enum Error {
    /// Decoding or validation failed (message and byte offset).
    Compile(tern_binary::BinaryError),
    /// The text format could not be converted to binary.
    Text(String),
    /// Linking failed: the message starts with `unknown import` or
    /// `incompatible import type`.
    Link(String),
    /// Execution (or instantiation) trapped.
    Trap(Trap),
    /// A resource limit was reached (memory, table, instance count).
    Limit(String),
    /// Wrong use of the API: a value of the wrong type, an object of
    /// another store, a missing export.
    Usage(String),
}

impl Error {
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn usage(msg: impl Into<String>) -> Error {
        Error::Usage(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile(e) => write!(f, "{e}"),
            Error::Text(m) | Error::Link(m) | Error::Limit(m) | Error::Usage(m) => f.write_str(m),
            Error::Trap(t) => write!(f, "{t}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Compile(e) => Some(e),
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Error {
        Error::Trap(t)
    }
}

impl From<tern_binary::BinaryError> for Error {
    fn from(e: tern_binary::BinaryError) -> Error {
        Error::Compile(e)
    }
}

/// Result type of the runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;
