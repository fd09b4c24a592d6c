//! Trap codes with the spec's messages, and the [`Trap`] value that carries
//! one (or a host error) back to the embedder.

use std::fmt;

/// Why execution stopped. Messages are the ones the spec test suite expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrapCode {
    /// `unreachable` executed.
    Unreachable,
    /// A load, store or bulk memory operation outside the memory.
    MemoryOutOfBounds,
    /// A table access or bulk table operation outside the table.
    TableOutOfBounds,
    /// `call_indirect` with an index beyond the table.
    UndefinedElement,
    /// `call_indirect` through a null entry.
    UninitializedElement,
    /// `call_indirect` whose callee has another type.
    IndirectCallTypeMismatch,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// Signed division overflow, or a float-to-int conversion out of range.
    IntegerOverflow,
    /// Float-to-int conversion of a NaN.
    InvalidConversionToInteger,
    /// The call stack or value stack limit was reached.
    StackOverflow,
    /// Fuel ran out.
    OutOfFuel,
    /// A null reference was dereferenced.
    NullReference,
    /// The store's epoch deadline was reached (and no callback let the
    /// guest go on).
    Interrupt,
}

impl TrapCode {
    /// The spec's message for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed",
            TrapCode::NullReference => "null reference",
            TrapCode::Interrupt => "interrupt: the epoch deadline was reached",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A trap: a [`TrapCode`], or an error raised by a host function. Boxed so
/// that `Result<T, Trap>` stays one word wide on the interpreter's paths.
pub struct Trap {
    inner: Box<(Inner, Vec<FrameInfo>)>,
}

/// One wasm frame of a trap's backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Store instance index.
    pub instance: u32,
    /// Function index in the instance's module (imports first).
    pub func_index: u32,
    /// The function's name from the module's name section, once the runtime
    /// has resolved it.
    pub func_name: Option<String>,
    /// The module's name (name section, else the file name the embedder
    /// gave), once resolved.
    pub module_name: Option<String>,
}

enum Inner {
    Code(TrapCode),
    /// A code with a detail appended to its message (as the reference
    /// interpreter does: `uninitialized element 2`).
    Detailed(TrapCode, String),
    Host(Box<dyn std::error::Error + Send + Sync>),
    Message(String),
    /// A wasm exception (its raw `exnref`) that no handler caught.
    Exception(u64),
}

impl Trap {
    /// A trap with the given code.
    #[cold]
    pub fn new(code: TrapCode) -> Trap {
        Trap {
            inner: Box::new((Inner::Code(code), Vec::new())),
        }
    }

    /// A trap with the given code and a detail appended to its message.
    #[cold]
    pub fn with_detail(code: TrapCode, detail: impl fmt::Display) -> Trap {
        Trap {
            inner: Box::new((Inner::Detailed(code, detail.to_string()), Vec::new())),
        }
    }

    /// A trap raised by the host with a message.
    #[cold]
    pub fn msg(message: impl Into<String>) -> Trap {
        Trap {
            inner: Box::new((Inner::Message(message.into()), Vec::new())),
        }
    }

    /// A trap wrapping a host error.
    #[cold]
    pub fn host(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Trap {
        Trap {
            inner: Box::new((Inner::Host(error.into()), Vec::new())),
        }
    }

    /// An exception (raw `exnref`, non-null) propagating out of wasm code.
    /// Displayed as `uncaught exception`. A host function that returns it
    /// to a wasm caller throws the exception there; it carries no trap
    /// code.
    #[cold]
    pub fn exception(exn: u64) -> Trap {
        Trap {
            inner: Box::new((Inner::Exception(exn), Vec::new())),
        }
    }

    /// The exception this error carries (a raw `exnref` of the store it
    /// came from), if it is an uncaught exception rather than a trap.
    pub fn exn(&self) -> Option<u64> {
        match self.inner.0 {
            Inner::Exception(e) => Some(e),
            _ => None,
        }
    }

    /// The trap code, when the trap is not a host error.
    pub fn code(&self) -> Option<TrapCode> {
        match &self.inner.0 {
            Inner::Code(c) | Inner::Detailed(c, _) => Some(*c),
            _ => None,
        }
    }

    /// The wasm frames the trap unwound, innermost first (empty when the
    /// tier recorded none).
    pub fn trace(&self) -> &[FrameInfo] {
        &self.inner.1
    }

    /// The backtrace, for tiers and the runtime to extend and annotate.
    pub fn trace_mut(&mut self) -> &mut Vec<FrameInfo> {
        &mut self.inner.1
    }

    /// The host error this trap carries, if any.
    pub fn host_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match &self.inner.0 {
            Inner::Host(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<TrapCode> for Trap {
    fn from(code: TrapCode) -> Trap {
        Trap::new(code)
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.0 {
            Inner::Code(c) => f.write_str(c.message()),
            Inner::Detailed(c, d) => write!(f, "{} {d}", c.message()),
            Inner::Host(e) => write!(f, "{e}"),
            Inner::Message(m) => f.write_str(m),
            Inner::Exception(_) => f.write_str("uncaught exception"),
        }
    }
}

impl fmt::Debug for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Trap({self})")
    }
}

impl std::error::Error for Trap {}
