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
    /// `call_ref` or `return_call_ref` of a null function reference.
    NullFunctionReference,
    /// The store's epoch deadline was reached (and no callback let the
    /// guest go on).
    Interrupt,
    /// An atomic access at an address that is not a multiple of its size.
    UnalignedAtomic,
    /// `memory.atomic.wait32`/`wait64` on a memory that is not shared.
    ExpectedSharedMemory,
    /// Code loaded from a precompiled artifact was about to run, but its
    /// bytes are not the ones the artifact recorded (the file is damaged).
    DamagedCode,
    /// `ref.cast` (or a GC cast) of a value not of the target type.
    CastFailure,
    /// A struct access through a null reference.
    NullStructReference,
    /// An array access through a null reference.
    NullArrayReference,
    /// `i31.get_s`/`i31.get_u` of a null reference.
    NullI31Reference,
    /// An array access or bulk array operation outside the array.
    ArrayOutOfBounds,
    /// A GC allocation the heap limit (or the host) refused.
    GcHeapExhausted,
    /// A reference to an object the collector freed (a collector bug,
    /// caught in the poisoning configuration).
    DanglingGcReference,
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
            TrapCode::NullFunctionReference => "null function reference",
            TrapCode::Interrupt => "interrupt: the epoch deadline was reached",
            TrapCode::UnalignedAtomic => "unaligned atomic",
            TrapCode::ExpectedSharedMemory => "expected shared memory",
            TrapCode::DamagedCode => "precompiled code is damaged (checksum mismatch)",
            TrapCode::CastFailure => "cast failure",
            TrapCode::NullStructReference => "null structure reference",
            TrapCode::NullArrayReference => "null array reference",
            TrapCode::NullI31Reference => "null i31 reference",
            TrapCode::ArrayOutOfBounds => "out of bounds array access",
            TrapCode::GcHeapExhausted => "allocation failed: the GC heap limit was reached",
            TrapCode::DanglingGcReference => "use of a collected GC object",
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
    /// Where in its tier's code the frame was, as the tier recorded it.
    pub position: Option<FramePosition>,
    /// The byte offset in the module of the instruction the frame was at
    /// (the trapping one, or the call), once the runtime has resolved
    /// `position`.
    pub module_offset: Option<u32>,
}

impl FrameInfo {
    /// A frame of function `func_index` of instance `instance`, with
    /// nothing resolved yet.
    pub fn new(instance: u32, func_index: u32, position: Option<FramePosition>) -> FrameInfo {
        FrameInfo {
            instance,
            func_index,
            func_name: None,
            module_name: None,
            position,
            module_offset: None,
        }
    }
}

/// Where a frame was in the code of the tier that ran it. Positions are
/// mapped to module offsets only when a backtrace is looked at, by
/// translating the function again with offsets recorded, so that running
/// code carries no offset tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FramePosition {
    /// The index of the interpreter instruction in the function's code.
    Interp(u32),
    /// A byte offset in the compiled code of function `func` (absolute
    /// index) that lies inside the instruction that trapped or called;
    /// `osr_loop` is set when the code is the function's on-stack
    /// replacement entry at that loop (tiered execution) rather than the
    /// function's own code.
    Compiled {
        func: u32,
        offset: u32,
        osr_loop: Option<u32>,
    },
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

    /// The backtrace as text, one frame a line (`  3: module!name (func
    /// 7)`, innermost first), with runs of repeated frames folded: a
    /// recursion 100 000 calls deep prints a few lines, not 100 000. A
    /// frame whose module has no name shows `fallback_module` (the file
    /// name, say). At most about [`BACKTRACE_LINES`] lines.
    pub fn backtrace(&self, fallback_module: &str) -> String {
        format_backtrace(self.trace(), fallback_module)
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

/// About how many lines [`Trap::backtrace`] prints at most.
pub const BACKTRACE_LINES: usize = 100;

/// A run of repeated frames is folded when its pattern (of up to this many
/// frames) repeats at least [`FOLD_MIN_REPEATS`] times in a row.
const FOLD_MAX_PERIOD: usize = 8;
const FOLD_MIN_REPEATS: usize = 3;

/// One line of a folded backtrace.
enum Line {
    /// The frame at this depth.
    Frame(usize),
    /// `count` more frames that repeat the `period` frames just above,
    /// starting at depth `from`.
    Repeat { from: usize, period: usize, count: usize },
}

/// Folds `frames` into lines: a pattern of 1 to [`FOLD_MAX_PERIOD`] frames
/// repeated at least [`FOLD_MIN_REPEATS`] times is printed once, then
/// counted; the pattern that covers the most frames wins.
fn fold_lines(frames: &[FrameInfo]) -> Vec<Line> {
    let same = |a: &FrameInfo, b: &FrameInfo| a.instance == b.instance && a.func_index == b.func_index;
    let n = frames.len();
    let mut lines = Vec::new();
    let mut i = 0;
    while i < n {
        let mut best: Option<(usize, usize)> = None;
        for period in 1..=FOLD_MAX_PERIOD {
            if i + FOLD_MIN_REPEATS * period > n {
                break;
            }
            let mut reps = 1;
            while i + (reps + 1) * period <= n
                && (0..period).all(|k| same(&frames[i + k], &frames[i + reps * period + k]))
            {
                reps += 1;
            }
            if reps >= FOLD_MIN_REPEATS && best.is_none_or(|(p, r)| reps * period > p * r) {
                best = Some((period, reps));
            }
        }
        match best {
            Some((period, reps)) => {
                lines.extend((i..i + period).map(Line::Frame));
                lines.push(Line::Repeat {
                    from: i + period,
                    period,
                    count: (reps - 1) * period,
                });
                i += reps * period;
            }
            None => {
                lines.push(Line::Frame(i));
                i += 1;
            }
        }
    }
    lines
}

fn frame_name(f: &FrameInfo, fallback_module: &str) -> String {
    let module = f.module_name.as_deref().unwrap_or(fallback_module);
    match &f.func_name {
        Some(name) => format!("{module}!{name}"),
        None => format!("{module}!<func {}>", f.func_index),
    }
}

/// `frames` as [`Trap::backtrace`] prints a trap's: one frame a line,
/// innermost first, repeated runs folded, with each frame's module offset
/// (`@ 0x2a`) when it has been resolved.
pub fn format_backtrace(frames: &[FrameInfo], fallback_module: &str) -> String {
    use std::fmt::Write;
    let lines = fold_lines(frames);
    // Past the limit, keep the innermost and outermost lines.
    let half = BACKTRACE_LINES / 2;
    let (head, tail) = if lines.len() > BACKTRACE_LINES {
        (&lines[..half], &lines[lines.len() - half..])
    } else {
        (&lines[..], &lines[..0])
    };
    let mut out = String::new();
    let put = |line: &Line, out: &mut String| match *line {
        Line::Frame(i) => {
            let f = &frames[i];
            let at = f.module_offset.map(|o| format!(" @ {o:#x}")).unwrap_or_default();
            let _ = match &f.func_name {
                Some(_) => writeln!(
                    out,
                    "  {i:>3}: {} (func {}){at}",
                    frame_name(f, fallback_module),
                    f.func_index
                ),
                None => writeln!(out, "  {i:>3}: {}{at}", frame_name(f, fallback_module)),
            };
        }
        Line::Repeat { from, period, count } => {
            let names: Vec<String> = frames[from - period..from]
                .iter()
                .map(|f| frame_name(f, fallback_module))
                .collect();
            let what = if period == 1 {
                format!("of {}", names[0])
            } else {
                format!("repeating {}", names.join(", "))
            };
            let _ = writeln!(
                out,
                "       ... {count} more frames {what} ({from} to {})",
                from + count - 1
            );
        }
    };
    for l in head {
        put(l, &mut out);
    }
    if !tail.is_empty() {
        let first_hidden = match head.last() {
            Some(Line::Frame(i)) => i + 1,
            Some(Line::Repeat { from, count, .. }) => from + count,
            None => 0,
        };
        let last_hidden = match tail[0] {
            Line::Frame(i) => i,
            Line::Repeat { from, period, .. } => from - period,
        };
        let _ = writeln!(out, "       ... frames {first_hidden} to {} not shown", last_hidden - 1);
        for l in tail {
            put(l, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(func_index: u32) -> FrameInfo {
        FrameInfo {
            position: None,
            module_offset: None,
            instance: 0,
            func_index,
            func_name: Some(format!("f{func_index}")),
            module_name: None,
        }
    }

    fn trace(funcs: impl IntoIterator<Item = u32>) -> String {
        format_backtrace(&funcs.into_iter().map(frame).collect::<Vec<_>>(), "m.wasm")
    }

    #[test]
    fn a_deep_recursion_folds_to_a_few_lines() {
        let t = trace([7].into_iter().chain(std::iter::repeat_n(1, 100_000)).chain([0]));
        assert_eq!(
            t,
            "    0: m.wasm!f7 (func 7)\n    1: m.wasm!f1 (func 1)\n       \
             ... 99999 more frames of m.wasm!f1 (2 to 100000)\n  100001: m.wasm!f0 (func 0)\n"
        );
    }

    #[test]
    fn mutual_recursion_folds_by_its_period() {
        let t = trace((0..1000).map(|i| i % 2));
        assert_eq!(
            t,
            "    0: m.wasm!f0 (func 0)\n    1: m.wasm!f1 (func 1)\n       \
             ... 998 more frames repeating m.wasm!f0, m.wasm!f1 (2 to 999)\n"
        );
    }

    #[test]
    fn short_traces_are_printed_whole() {
        let t = trace([3, 3, 2, 1]);
        assert_eq!(t.lines().count(), 4, "{t}");
        assert_eq!(trace([]), "");
    }

    #[test]
    fn long_traces_without_repeats_are_cut_in_the_middle() {
        let t = trace(0..5000);
        assert_eq!(t.lines().count(), BACKTRACE_LINES + 1, "{t}");
        assert!(t.contains("... frames 50 to 4949 not shown"), "{t}");
        assert!(t.ends_with("  4999: m.wasm!f4999 (func 4999)\n"), "{t}");
    }
}
