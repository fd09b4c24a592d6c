//! What the interpreter does for tiered execution: it counts calls of
//! each function of a module, tells the tier above when one becomes hot,
//! and calls the compiled code of those the tier above has installed
//! (through [`crate::Host::call_native`]) instead of interpreting them.
//!
//! The counts are per module and shared by every store running it; they
//! are hints (relaxed loads and stores, a lost increment costs nothing).
//! A function switches at its next call. Tail calls stay in the tier they
//! are made in, so that a chain of tail calls never grows the host's
//! stack.
//!
//! A call that is already running in the interpreter moves to compiled
//! code by on-stack replacement: with OSR on, the header of each loop of a
//! tiered module's function that has nothing on the operand stack below
//! its parameters (and is not in a legacy `catch` body) is an
//! [`crate::ir::Instr::LoopHead`] that counts the loop's iterations. When
//! they reach the loop threshold, the tier above is asked for the
//! function's OSR entry at that loop (compiled code that starts at the
//! loop's header from the interpreter's locals and the loop's parameters,
//! see [`LoopOsr`]); once it is there, the next iteration copies them out
//! of the frame, calls the entry through [`crate::Host::call_osr`], and
//! returns its results from the frame.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};

/// Called with a defined function's index when it becomes hot.
pub type HotHook = Box<dyn Fn(u32) + Send + Sync>;

/// Called with a defined function's index and a loop's index (among the
/// function's loops) when the loop becomes hot.
pub type LoopHook = Box<dyn Fn(u32, u32) + Send + Sync>;

const COLD: u8 = 0;
const REQUESTED: u8 = 1;
const READY: u8 = 2;

/// A loop header where a function may leave the interpreter: the loop's
/// index among the function's `loop` operators (reachable or not, in
/// order, as compiled code counts them), where the loop's parameters are
/// (the only operands on the stack there), and its iteration count.
#[derive(Debug)]
pub struct LoopOsr {
    pub id: u32,
    /// `(slot, width)` of each operand, bottom first.
    pub stack: Box<[(u32, u8)]>,
    count: AtomicU32,
    state: AtomicU8,
}

impl LoopOsr {
    pub fn new(id: u32, stack: Box<[(u32, u8)]>) -> LoopOsr {
        LoopOsr {
            id,
            stack,
            count: AtomicU32::new(0),
            state: AtomicU8::new(COLD),
        }
    }

    /// Slots the operands take.
    pub fn stack_slots(&self) -> usize {
        self.stack.iter().map(|&(_, w)| w as usize).sum()
    }

    /// Records that the loop's OSR entry is compiled.
    pub fn set_ready(&self) {
        self.state.store(READY, Release);
    }

    /// Records that the loop's OSR entry will not come (for now): it is
    /// counted afresh, and asked for again if it gets hot again.
    pub fn reset(&self) {
        self.count.store(0, Relaxed);
        self.state.store(COLD, Release);
    }
}

/// A module's tiering state: call counts, which functions have compiled
/// code, and whom to tell of a hot one.
pub struct Tiering {
    threshold: u32,
    /// Iterations that make a loop hot; `None`: no on-stack replacement.
    loop_threshold: Option<u32>,
    calls: Box<[AtomicU32]>,
    native: Box<[AtomicBool]>,
    hot: OnceLock<HotHook>,
    hot_loop: OnceLock<LoopHook>,
}

impl Tiering {
    /// The state for a module of `funcs` defined functions, each hot after
    /// `threshold` calls (at least 1).
    pub fn new(funcs: u32, threshold: u32) -> Tiering {
        Tiering {
            threshold: threshold.max(1),
            loop_threshold: None,
            calls: (0..funcs).map(|_| AtomicU32::new(0)).collect(),
            native: (0..funcs).map(|_| AtomicBool::new(false)).collect(),
            hot: OnceLock::new(),
            hot_loop: OnceLock::new(),
        }
    }

    /// With on-stack replacement at loops hot after `iterations` (at
    /// least 1).
    pub fn with_osr(mut self, iterations: u32) -> Tiering {
        self.loop_threshold = Some(iterations.max(1));
        self
    }

    /// Whether loop headers may leave for compiled code.
    pub fn osr_enabled(&self) -> bool {
        self.loop_threshold.is_some()
    }

    /// Sets whom to tell of hot functions (once; later calls are ignored).
    pub fn on_hot(&self, f: HotHook) {
        let _ = self.hot.set(f);
    }

    /// Sets whom to tell of hot loops (once; later calls are ignored).
    pub fn on_hot_loop(&self, f: LoopHook) {
        let _ = self.hot_loop.set(f);
    }

    /// Counts an iteration of `l`; true when the loop is hot (then ask
    /// [`Tiering::loop_ready`]).
    #[inline]
    pub(crate) fn loop_iteration(&self, l: &LoopOsr) -> bool {
        let c = l.count.load(Relaxed).wrapping_add(1);
        l.count.store(c, Relaxed);
        c >= self.loop_threshold.unwrap_or(u32::MAX)
    }

    /// For a hot loop `l` of defined function `def`: asks for its OSR entry
    /// the first time; whether the entry is there.
    #[cold]
    #[inline(never)]
    pub(crate) fn loop_ready(&self, def: u32, l: &LoopOsr) -> bool {
        match l.state.load(Acquire) {
            READY => return true,
            COLD => {
                l.state.store(REQUESTED, Relaxed);
                if let Some(f) = self.hot_loop.get() {
                    f(def, l.id);
                }
                if l.state.load(Acquire) == READY {
                    return true;
                }
            }
            _ => {}
        }
        // Look again in a while (a failed compilation never comes).
        let t = self.loop_threshold.unwrap_or(u32::MAX);
        l.count.store(t.saturating_sub(256), Relaxed);
        false
    }

    /// Records that calls of `def` may go to its compiled code from now on.
    pub fn set_native(&self, def: u32) {
        if let Some(n) = self.native.get(def as usize) {
            n.store(true, Relaxed);
        }
    }

    /// Whether `def` has compiled code.
    #[inline]
    pub fn is_native(&self, def: u32) -> bool {
        self.native.get(def as usize).is_some_and(|n| n.load(Relaxed))
    }

    /// Counts a call of `def`, telling the hook when it reaches the
    /// threshold; returns whether the call should go to compiled code.
    #[inline]
    pub fn enter(&self, def: u32) -> bool {
        let d = def as usize;
        if self.native[d].load(Relaxed) {
            return true;
        }
        let c = self.calls[d].load(Relaxed).saturating_add(1);
        self.calls[d].store(c, Relaxed);
        if c == self.threshold {
            self.became_hot(def);
            return self.native[d].load(Relaxed);
        }
        false
    }

    #[cold]
    #[inline(never)]
    fn became_hot(&self, def: u32) {
        if let Some(f) = self.hot.get() {
            f(def);
        }
    }
}

impl std::fmt::Debug for Tiering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tiering")
            .field("threshold", &self.threshold)
            .field("funcs", &self.calls.len())
            .finish_non_exhaustive()
    }
}
