//! JavaScript Promise Integration (`WebAssembly.promising` and
//! `WebAssembly.Suspending`): a wasm call that can wait for a promise.
//!
//! A promising call runs on a thread of its own, a *fiber*, so that its
//! wasm frames (interpreted or compiled) can stay where they are while
//! JavaScript goes on. Only one thread runs at a time: the main thread
//! waits while the fiber runs, and the fiber waits while the main thread
//! runs, so execution stays sequential, as the specification has it.
//!
//! * Everything JavaScript happens on the main thread: when wasm on a
//!   fiber calls an import, the fiber hands the call to the main thread
//!   and waits for it ([`call_import`]).
//! * When the fiber calls a `Suspending` import, the main thread leaves the
//!   fiber waiting and returns to JavaScript with the promise of the
//!   import's result (`{ suspend, fiber }`); the JavaScript half awaits it
//!   and calls [`resume`] with the settled value, which finishes the
//!   import's call and lets the fiber go on.
//! * A hand-over spins briefly before it sleeps (the other side usually
//!   answers within microseconds), and a fiber's thread, once its call
//!   returns, waits for the next promising call (up to [`IDLE_FIBERS`]
//!   wait), so that a call costs no thread start.
//! * The store keeps the running execution's state (call depth, stacks
//!   for the collector, compiled code's stack limit...): each hand-over
//!   switches it ([`rt::StoreContextMut::switch_execution`]), and the
//!   waiting side's stacks (a fiber's, or the main thread's while a fiber
//!   runs) stay roots for the collector.

use crate::napi::*;
use crate::{Import, STORE, import_finish, import_start, to_raw};
use napi_sys::*;
use rt::{ExecState, Func, FuncType, StoreContextMut, Trap, Val};
use std::cell::{Cell, RefCell, UnsafeCell};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Stack of a fiber's thread (reserved, not committed).
const FIBER_STACK: usize = 8 << 20;
/// Threads of finished calls kept for the next ones.
const IDLE_FIBERS: usize = 8;
/// How long a hand-over waits before it sleeps: spinning for
/// [`SPIN_LOOPS`] rounds, then yielding the core.
const SPIN: Duration = Duration::from_micros(50);
const SPIN_LOOPS: u32 = 2000;

/// An import's call handed to the main thread: called with `None` to
/// start it (returning the trampoline's `{ suspend }` when it waits for a
/// promise), then, if it did, with the settled value to finish it.
type Job = dyn FnMut(Option<napi_value>) -> Option<napi_value>;

/// Whose turn it is, and what for.
enum Turn {
    /// The main thread's (nothing asked).
    Main,
    /// The fiber's: go on.
    Fiber,
    /// The fiber's: run this promising call (a thread waiting for work).
    Start(Box<dyn FnOnce() + Send>),
    /// The fiber's: end the thread (enough wait for work already).
    Exit,
    /// The main thread's: run this import call, for the fiber that stopped
    /// at these registers and stack address.
    Call(JobPtr, [u64; 11], usize),
    /// The main thread's: the promising call returned.
    Done,
}

impl Turn {
    fn fibers(&self) -> bool {
        matches!(self, Turn::Fiber | Turn::Start(_) | Turn::Exit)
    }
}

struct JobPtr(*mut Job);
// SAFETY: the job lives on the fiber's stack while the fiber waits for the
// main thread to run it; only the main thread touches it meanwhile.
unsafe impl Send for JobPtr {}

/// Where a fiber's thread and the main thread hand the turn over. The
/// side that has the turn writes `turn` and then flips `fibers`; the other
/// side spins on `fibers`, then sleeps on `cv` (saying so in its flag of
/// `sleeping`, so that a hand-over to a spinning side makes no system
/// call).
struct Shared {
    turn: UnsafeCell<Turn>,
    /// Whether the turn is the fiber's.
    fibers: AtomicBool,
    /// Whether the main thread (0) or the fiber (1) sleeps waiting.
    sleeping: [AtomicBool; 2],
    lock: Mutex<()>,
    cv: Condvar,
}

// SAFETY: `turn` is only touched by the side that has the turn, which
// `fibers` (sequentially consistent) hands from one to the other.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

impl Shared {
    fn new() -> Shared {
        Shared {
            turn: UnsafeCell::new(Turn::Main),
            fibers: AtomicBool::new(false),
            sleeping: [AtomicBool::new(false), AtomicBool::new(false)],
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// Gives the turn over (from the side that has it).
    fn give(&self, t: Turn) {
        let fibers = t.fibers();
        // SAFETY: this side has the turn (see the type's docs).
        unsafe { *self.turn.get() = t };
        self.fibers.store(fibers, Ordering::SeqCst);
        if self.sleeping[usize::from(fibers)].load(Ordering::SeqCst) {
            // Taking the lock orders this after the sleeper's check.
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.cv.notify_all();
        }
    }

    /// Waits until the turn is the fiber's (`fibers`) or the main
    /// thread's, and takes it (leaving `Main` or `Fiber`), spinning and
    /// yielding for a while ([`SPIN`]) before it sleeps.
    fn take(&self, fibers: bool) -> Turn {
        let start = Instant::now();
        let mut n = 0u32;
        while self.fibers.load(Ordering::SeqCst) != fibers {
            n = n.wrapping_add(1);
            if n < SPIN_LOOPS {
                std::hint::spin_loop();
                continue;
            }
            // The other side may want this core (the host has few, or is
            // busy): let it have it, until sleeping is better.
            std::thread::yield_now();
            if start.elapsed() >= SPIN {
                let mut g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
                let sleeping = &self.sleeping[usize::from(fibers)];
                sleeping.store(true, Ordering::SeqCst);
                while self.fibers.load(Ordering::SeqCst) != fibers {
                    g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner());
                }
                sleeping.store(false, Ordering::SeqCst);
                break;
            }
        }
        // SAFETY: the turn is this side's now.
        unsafe { std::mem::replace(&mut *self.turn.get(), if fibers { Turn::Fiber } else { Turn::Main }) }
    }
}

/// What the fiber's call returned (written by the fiber before it hands
/// over for the last time, read by the main thread after).
type Outcome = Option<Result<Vec<Val>, rt::Error>>;

/// A promising call in progress.
struct Fiber {
    shared: Arc<Shared>,
    /// The store's state of whichever execution is not running.
    state: ExecState,
    /// While suspended: the import call waiting for its promise.
    waiting: Option<JobPtr>,
    outcome: Arc<Mutex<Outcome>>,
}

thread_local! {
    /// On a fiber's thread: its hand-over point.
    static FIBER: Cell<*const Shared> = const { Cell::new(ptr::null()) };
    /// On the main thread: the fibers alive (started, not finished).
    static FIBERS: RefCell<Vec<Option<Box<Fiber>>>> = const { RefCell::new(Vec::new()) };
    /// On the main thread: threads waiting for a promising call.
    static IDLE: RefCell<Vec<Arc<Shared>>> = const { RefCell::new(Vec::new()) };
}

/// Whether this thread is a fiber's.
pub(crate) fn on_fiber() -> bool {
    !FIBER.with(Cell::get).is_null()
}

/// Whether a promising call is in progress (maybe suspended).
pub(crate) fn any_alive() -> bool {
    FIBERS.with(|f| f.borrow().iter().any(Option::is_some))
}

/// On a fiber: calls import `host` on the main thread (see
/// [`crate::call_import`]), waiting, if it suspends, until its promise
/// settles and [`resume`] finishes it.
pub(crate) fn call_import(
    host: u32,
    ty: &FuncType,
    cx: &mut StoreContextMut<'_, ()>,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    let mut done: Option<Result<(), Trap>> = None;
    {
        let mut job = |settled: Option<napi_value>| -> Option<napi_value> {
            match settled {
                None => match import_start(host, ty, cx, params, results, true) {
                    Import::Done(r) => done = Some(r),
                    Import::Suspend(s) => return Some(s),
                },
                Some(v) => done = Some(import_finish(ty, cx, v, results)),
            }
            None
        };
        let regs = rt::parking_registers();
        let sp = &raw const regs as usize;
        let job: *mut (dyn FnMut(Option<napi_value>) -> Option<napi_value> + '_) = &mut job;
        // SAFETY: only the lifetime is erased; the main thread runs the job
        // while this thread waits below, and never after this returns.
        let job: *mut Job = unsafe { std::mem::transmute(job) };
        // SAFETY: set for the thread's life; the main thread keeps the
        // shared part alive (see `worker`).
        let sh = unsafe { &*FIBER.with(Cell::get) };
        sh.give(Turn::Call(JobPtr(job), regs, sp));
        sh.take(true);
    }
    done.unwrap_or_else(|| Err(Trap::msg("a suspended import was never resumed")))
}

/// The body of a fiber's thread: runs the promising calls it is given,
/// one at a time.
fn worker(sh: Arc<Shared>) {
    FIBER.with(|c| c.set(Arc::as_ptr(&sh)));
    loop {
        match sh.take(true) {
            Turn::Start(call) => call(),
            Turn::Exit => return,
            _ => unreachable!("a fiber starts with a call"),
        }
        sh.give(Turn::Done);
    }
}

fn store_cx() -> StoreContextMut<'static, ()> {
    let store = STORE.with(Cell::get);
    // SAFETY: the thread's store is never dropped; the fibers and the main
    // thread take turns with it (see the module docs).
    rt::AsContextMut::as_context_mut(unsafe { &mut *store })
}

/// Starts a promising call of `f` with `params` on a fiber and runs it
/// until it suspends or returns (see [`run`]).
pub(crate) fn start(env: napi_env, f: Func, ty: FuncType, params: Vec<Val>) -> JsResult<Result<napi_value, rt::Error>> {
    let shared = match IDLE.with(|i| i.borrow_mut().pop()) {
        Some(s) => s,
        None => {
            let sh = Arc::new(Shared::new());
            let theirs = sh.clone();
            let spawned = std::thread::Builder::new()
                .name("tern-promising".into())
                .stack_size(FIBER_STACK)
                .spawn(move || worker(theirs));
            if let Err(e) = spawned {
                return fail(
                    env,
                    "RangeError",
                    &format!("WebAssembly.promising: cannot start a thread: {e}"),
                );
            }
            sh
        }
    };
    let outcome: Arc<Mutex<Outcome>> = Arc::new(Mutex::new(None));
    let id = FIBERS.with(|fs| {
        let mut fs = fs.borrow_mut();
        let fiber = Box::new(Fiber {
            shared: shared.clone(),
            state: ExecState::default(),
            waiting: None,
            outcome: outcome.clone(),
        });
        match fs.iter().position(Option::is_none) {
            Some(i) => {
                fs[i] = Some(fiber);
                i
            }
            None => {
                fs.push(Some(fiber));
                fs.len() - 1
            }
        }
    });
    let store = STORE.with(Cell::get) as usize;
    let call = Box::new(move || {
        // SAFETY: as `store_cx`; this thread has the turn.
        let store = unsafe { &mut *(store as *mut rt::Store<()>) };
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        let r = f.call(&mut *store, &params, &mut results);
        *outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(r.map(|()| results));
    });
    run(env, id, Turn::Start(call))
}

fn with_fiber<R>(id: usize, f: impl FnOnce(&mut Fiber) -> R) -> R {
    FIBERS.with(|fs| f(fs.borrow_mut()[id].as_mut().expect("a live fiber")))
}

/// Finishes the suspended import call of fiber `id` with `settled` (the
/// value its promise settled to, converted by the JavaScript half: raw
/// results, `{ exn }` or `{ trap }`) and runs the fiber on.
pub(crate) fn resume(env: napi_env, id: usize, settled: napi_value) -> JsResult<Result<napi_value, rt::Error>> {
    let job = FIBERS.with(|fs| {
        fs.borrow_mut()
            .get_mut(id)
            .and_then(|f| f.as_mut())
            .and_then(|f| f.waiting.take())
    });
    let Some(job) = job else {
        return fail(env, "TypeError", "WebAssembly.promising: no suspended call to resume");
    };
    // SAFETY: the job's fiber waits for it (see `call_import`).
    let again = unsafe { (*job.0)(Some(settled)) };
    debug_assert!(again.is_none());
    run(env, id, Turn::Fiber)
}

/// Gives fiber `id` the turn (`go`: start its call, or go on) and runs
/// the import calls it asks for until it suspends (`{ suspend, fiber }`,
/// the trampoline's object with the fiber's id added) or returns (`{ done
/// }`, its raw result(s) as `call` gives them), or the error it ended in.
fn run(env: napi_env, id: usize, mut go: Turn) -> JsResult<Result<napi_value, rt::Error>> {
    loop {
        // This thread's execution (calls in progress, when a promising
        // call starts inside an import) waits here while the fiber runs:
        // its stacks stay roots meanwhile.
        let regs = rt::parking_registers();
        let sp = &raw const regs as usize;
        let shared = with_fiber(id, |f| {
            // SAFETY: the fiber has the turn from here until it hands over,
            // and this thread waits for it below.
            unsafe { store_cx().switch_execution(&mut f.state, Some((regs, sp))) };
            f.shared.clone()
        });
        shared.give(std::mem::replace(&mut go, Turn::Fiber));
        match shared.take(false) {
            Turn::Call(job, regs, sp) => {
                // SAFETY: the fiber waits until it is switched in again.
                with_fiber(id, |f| unsafe {
                    store_cx().switch_execution(&mut f.state, Some((regs, sp)))
                });
                // SAFETY: the fiber waits while the job runs (`call_import`).
                if let Some(suspend) = unsafe { (*job.0)(None) } {
                    with_fiber(id, |f| f.waiting = Some(job));
                    set(env, suspend, c"fiber", number(env, id as f64)?)?;
                    return Ok(Ok(suspend));
                }
            }
            Turn::Done => return finish(env, id),
            _ => unreachable!("the fiber hands the turn back with a request"),
        }
    }
}

/// The promising call of fiber `id` returned: `{ done }` with its raw
/// result(s), or its error; its thread waits for the next call.
fn finish(env: napi_env, id: usize) -> JsResult<Result<napi_value, rt::Error>> {
    let mut fiber = FIBERS.with(|fs| fs.borrow_mut()[id].take()).expect("a live fiber");
    // SAFETY: the fiber's call has returned.
    unsafe { store_cx().switch_execution(&mut fiber.state, None) };
    IDLE.with(|i| {
        let mut i = i.borrow_mut();
        if i.len() < IDLE_FIBERS {
            i.push(fiber.shared.clone());
        } else {
            fiber.shared.give(Turn::Exit);
        }
    });
    let r = fiber.outcome.lock().unwrap_or_else(|e| e.into_inner()).take();
    let results = match r {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Ok(Err(e)),
        None => return fail(env, "Error", "WebAssembly.promising: the call ended without a result"),
    };
    let mut cx = store_cx();
    let raw = match &results[..] {
        [] => undefined(env)?,
        [v] => to_raw(env, &mut cx, v)?,
        vs => {
            let raw: Vec<napi_value> = vs.iter().map(|v| to_raw(env, &mut cx, v)).collect::<JsResult<_>>()?;
            array(env, &raw)?
        }
    };
    let o = object(env)?;
    set(env, o, c"done", raw)?;
    Ok(Ok(o))
}
