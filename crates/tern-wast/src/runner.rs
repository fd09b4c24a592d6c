//! What a spec script asks of the engine, and the runner that does it
//! against the `tern` API. `convert` turns `tern-text`'s parsed scripts into
//! these directives; the runner knows nothing about text.
//!
//! A `thread` directive runs its directives on an OS thread of its own, in
//! a runner of its own (a store is one thread's): the modules it shares
//! with the script that started it are visible there by name, as the
//! exports that can cross threads, which are their shared memories.

use crate::Report;
use std::collections::HashMap;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;
use tern::{
    Config, Engine, Error, Extern, ExternRef, Features, Global, GlobalType, Instance, InterpTranslation, Limits,
    Linker, Memory, MemoryType, Module, RefType, SharedMemory, Store, Table, TableType, V128, Val, ValType,
};

/// A value passed to an invoked function.
#[derive(Clone, Debug)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    /// A null reference of the given kind.
    RefNull(RefKind),
    /// A non-null external reference carrying this number.
    RefExtern(u32),
}

/// The kinds of reference the scripts name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    Func,
    Extern,
    /// The `any` hierarchy (GC).
    Any,
    Exn,
}

/// An expected 32-bit float result.
#[derive(Clone, Copy, Debug)]
pub enum F32Pat {
    Bits(u32),
    CanonicalNan,
    ArithmeticNan,
}

/// An expected 64-bit float result.
#[derive(Clone, Copy, Debug)]
pub enum F64Pat {
    Bits(u64),
    CanonicalNan,
    ArithmeticNan,
}

/// An expected vector result, lane by lane.
#[derive(Clone, Debug)]
pub enum V128Pat {
    I8x16([i8; 16]),
    I16x8([i16; 8]),
    I32x4([i32; 4]),
    I64x2([i64; 2]),
    F32x4([F32Pat; 4]),
    F64x2([F64Pat; 2]),
}

/// An expected result.
#[derive(Clone, Debug)]
pub enum Expected {
    I32(i32),
    I64(i64),
    F32(F32Pat),
    F64(F64Pat),
    V128(V128Pat),
    /// A null reference (of the given kind, if any).
    RefNull(Option<RefKind>),
    /// A non-null external reference (carrying the given number, if any).
    RefExtern(Option<u32>),
    /// A non-null function reference.
    RefFunc,
    /// A non-null reference of this abstract heap type of the `any`
    /// hierarchy (`ref.any`, `ref.eq`, `ref.i31`, `ref.struct`,
    /// `ref.array`).
    RefAny(tern_binary::HeapType),
    /// Any of these.
    Either(Vec<Expected>),
}

/// Something a directive executes.
#[derive(Clone, Debug)]
pub enum Action {
    Invoke {
        module: Option<String>,
        field: String,
        args: Vec<Value>,
    },
    Get {
        module: Option<String>,
        field: String,
    },
}

/// A module in a script, already in binary form when the front end could
/// produce one.
#[derive(Clone, Debug)]
pub enum ModuleBytes {
    Binary(Vec<u8>),
    /// The text parser rejected it (the error).
    Unencodable(String),
}

/// One directive of a spec script. `line` is 1-based.
#[derive(Clone, Debug)]
pub enum Directive {
    /// Define, validate and instantiate a module; it becomes current.
    Module {
        line: usize,
        name: Option<String>,
        bytes: ModuleBytes,
    },
    /// Define and validate a module without instantiating it.
    ModuleDefinition {
        line: usize,
        name: Option<String>,
        bytes: ModuleBytes,
    },
    /// Instantiate a defined module.
    ModuleInstance {
        line: usize,
        instance: Option<String>,
        module: Option<String>,
    },
    Register {
        line: usize,
        module: Option<String>,
        as_name: String,
    },
    Action {
        line: usize,
        action: Action,
    },
    AssertReturn {
        line: usize,
        action: Action,
        expected: Vec<Expected>,
    },
    AssertTrap {
        line: usize,
        action: Action,
        message: String,
    },
    AssertExhaustion {
        line: usize,
        action: Action,
        message: String,
    },
    /// The action must end with an uncaught wasm exception (not a trap).
    AssertException {
        line: usize,
        action: Action,
    },
    /// The module must fail validation (or decoding).
    AssertInvalid {
        line: usize,
        bytes: ModuleBytes,
        message: String,
    },
    /// The module must fail decoding. `binary` tells whether the script
    /// gave bytes (text-level malformations are the text parser's job).
    AssertMalformed {
        line: usize,
        bytes: ModuleBytes,
        binary: bool,
        message: String,
    },
    AssertUnlinkable {
        line: usize,
        bytes: ModuleBytes,
        message: String,
    },
    /// Instantiation must trap (`assert_trap` on a module).
    AssertUninstantiable {
        line: usize,
        bytes: ModuleBytes,
        message: String,
    },
    /// Run `body` on a new thread, in a script context of its own that
    /// also sees the modules named in `shared` (threads proposal).
    Thread {
        line: usize,
        name: String,
        shared: Vec<String>,
        body: Vec<Directive>,
    },
    /// Block until thread `thread` has finished; its directives' results
    /// join the script's.
    Wait {
        line: usize,
        thread: String,
    },
    /// Something this runner does not handle (components, ...).
    Unsupported {
        line: usize,
        what: String,
    },
}

impl Directive {
    pub fn line(&self) -> usize {
        match self {
            Directive::Module { line, .. }
            | Directive::ModuleDefinition { line, .. }
            | Directive::ModuleInstance { line, .. }
            | Directive::Register { line, .. }
            | Directive::Action { line, .. }
            | Directive::AssertReturn { line, .. }
            | Directive::AssertTrap { line, .. }
            | Directive::AssertExhaustion { line, .. }
            | Directive::AssertException { line, .. }
            | Directive::AssertInvalid { line, .. }
            | Directive::AssertMalformed { line, .. }
            | Directive::AssertUnlinkable { line, .. }
            | Directive::AssertUninstantiable { line, .. }
            | Directive::Thread { line, .. }
            | Directive::Wait { line, .. }
            | Directive::Unsupported { line, .. } => *line,
        }
    }

    /// The directive's kind, for per-kind counts.
    pub fn kind(&self) -> &'static str {
        match self {
            Directive::Module { .. } => "module",
            Directive::ModuleDefinition { .. } => "module_definition",
            Directive::ModuleInstance { .. } => "module_instance",
            Directive::Register { .. } => "register",
            Directive::Action { .. } => "action",
            Directive::AssertReturn { .. } => "assert_return",
            Directive::AssertTrap { .. } => "assert_trap",
            Directive::AssertExhaustion { .. } => "assert_exhaustion",
            Directive::AssertException { .. } => "assert_exception",
            Directive::AssertInvalid { .. } => "assert_invalid",
            Directive::AssertMalformed { .. } => "assert_malformed",
            Directive::AssertUnlinkable { .. } => "assert_unlinkable",
            Directive::AssertUninstantiable { .. } => "assert_uninstantiable",
            Directive::Thread { .. } => "thread",
            Directive::Wait { .. } => "wait",
            Directive::Unsupported { .. } => "unsupported",
        }
    }
}

/// What became of one directive.
#[derive(Debug)]
pub enum Outcome {
    Pass,
    /// Not checked, with the reason.
    Skip(String),
    Fail(String),
}

/// Runs directives against one store.
pub struct Runner {
    engine: Engine,
    options: crate::Options,
    store: Store<()>,
    linker: Linker<()>,
    instances: HashMap<String, Instance>,
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
    current: Option<Instance>,
    /// `spectest.shared_memory`: one memory for a script and its threads.
    spectest_shared: Option<SharedMemory>,
    /// In a thread: the modules of the enclosing script it shares, by name
    /// (a module of this thread's own of the same name hides one).
    shared: HashMap<String, SharedModule>,
    /// Registered `(module, field)` names that stand for exports of a
    /// shared module that cannot cross threads (with what they are), so an
    /// import of one fails with that reason rather than as unknown.
    uncrossable: HashMap<(String, String), &'static str>,
    /// Threads started and not yet waited for, oldest first.
    threads: Vec<ScriptThread>,
    /// The results of the threads waited for since the caller last took
    /// them ([`Runner::take_thread_report`]).
    thread_report: Report,
}

/// A module as another thread sees it: each export, as a shared memory or
/// as what it is when it cannot cross threads.
#[derive(Clone, Debug)]
struct SharedModule {
    exports: Vec<(String, Crossing)>,
}

#[derive(Clone, Debug)]
enum Crossing {
    Memory(SharedMemory),
    /// What the export is (a function, an unshared memory, ...).
    Not(&'static str),
}

impl SharedModule {
    fn of(store: &mut Store<()>, inst: Instance) -> SharedModule {
        let exports = inst
            .exports(&mut *store)
            .into_iter()
            .map(|(name, e)| {
                let c = match e {
                    Extern::Memory(m) => m
                        .shared(&*store)
                        .map_or(Crossing::Not("memory that is not shared"), Crossing::Memory),
                    Extern::Func(_) => Crossing::Not("function"),
                    Extern::Table(_) => Crossing::Not("table"),
                    Extern::Global(_) => Crossing::Not("global"),
                    Extern::Tag(_) => Crossing::Not("tag"),
                };
                (name, c)
            })
            .collect();
        SharedModule { exports }
    }
}

/// How long `wait` (and the end of a script) waits for a thread unless
/// [`crate::Options::thread_timeout`] says otherwise.
pub const DEFAULT_THREAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Stack of a script's threads: as deep as the spec harness's (calls
/// recurse on the host stack up to the engine's call-depth limit).
const THREAD_STACK: usize = 64 << 20;

/// A thread a `thread` directive started.
struct ScriptThread {
    name: String,
    /// The `thread` directive's line (failures found when the script
    /// ends, not at a `wait`, are reported there).
    line: usize,
    /// The thread's report, sent when it has run all its directives.
    results: mpsc::Receiver<Report>,
    handle: JoinHandle<()>,
}

impl ScriptThread {
    /// Waits up to `timeout` for the thread's report. A thread that does
    /// not finish in time is left running (detached): nothing can stop
    /// wasm code blocked in a wait or looping.
    fn finish(self, timeout: Duration) -> Result<Report, String> {
        let name = &self.name;
        match self.results.recv_timeout(timeout) {
            Ok(report) => {
                // It has sent its report: it is returning.
                let _ = self.handle.join();
                Ok(report)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "thread ${name} did not finish within {:?} (left running)",
                timeout
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => match self.handle.join() {
                Err(e) => Err(format!("thread ${name} panicked: {}", crate::panic_message(&*e))),
                Ok(()) => Err(format!("thread ${name} ended without a report")),
            },
        }
    }
}

/// Whether trap `t` is the one a script expects. The reference
/// interpreter appends an operand to some messages (`uninitialized element
/// 2`); the interpreter tier does too, compiled code does not know the
/// operand at the trap site, so a trap with a bare code also matches the
/// expected message followed by a number.
fn trap_matches(t: &tern::Trap, expected: &str) -> bool {
    let actual = t.to_string();
    if actual.starts_with(expected) {
        return true;
    }
    match expected.rsplit_once(' ') {
        Some((msg, n)) => t.code().is_some_and(|c| actual == c.message()) && msg == actual && n.parse::<u64>().is_ok(),
        None => false,
    }
}

fn ok_or_fail<T>(r: Result<T, String>) -> Result<T, Outcome> {
    r.map_err(Outcome::Fail)
}

impl Runner {
    /// A runner with the `spectest` module registered. With `eager_fuel`,
    /// modules are translated eagerly and execution meters (ample) fuel.
    pub fn new(features: Features, eager_fuel: bool) -> Runner {
        Runner::with_options(&crate::Options {
            features,
            eager_fuel,
            ..Default::default()
        })
    }

    /// A runner for `options`' features, fuel mode, tier, bounds checks and
    /// interrupt checks.
    pub fn with_options(options: &crate::Options) -> Runner {
        Runner::build(engine_for(options), options, None)
    }

    /// A runner on `engine` (made for `options`). `spectest_shared` is the
    /// `spectest.shared_memory` to use (a new one when `None`).
    fn build(engine: Engine, options: &crate::Options, spectest_shared: Option<SharedMemory>) -> Runner {
        let mut store = Store::new(&engine, ());
        if options.eager_fuel {
            store.set_fuel(u64::MAX).expect("fuel is on");
        }
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        let spectest_shared = define_spectest(&mut linker, &mut store, spectest_shared);
        Runner {
            engine,
            options: options.clone(),
            store,
            linker,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            current: None,
            spectest_shared,
            shared: HashMap::new(),
            uncrossable: HashMap::new(),
            threads: Vec::new(),
            thread_report: Report::default(),
        }
    }

    /// After a panic, when the store may be inconsistent: a fresh engine
    /// and store, keeping what the script's threads need (the modules
    /// shared with this thread, the threads started, their results).
    pub(crate) fn reset(&mut self) {
        let mut fresh = Runner::build(engine_for(&self.options), &self.options, self.spectest_shared.clone());
        fresh.shared = std::mem::take(&mut self.shared);
        fresh.threads = std::mem::take(&mut self.threads);
        fresh.thread_report = std::mem::take(&mut self.thread_report);
        *self = fresh;
    }

    /// The results of the threads waited for since the last call.
    pub fn take_thread_report(&mut self) -> Report {
        std::mem::take(&mut self.thread_report)
    }

    /// Waits for the threads never waited for, oldest first: their
    /// results, and a failure (at its `thread` directive's line) for each
    /// that did not finish.
    pub fn join_threads(&mut self) -> Report {
        let mut report = self.take_thread_report();
        let timeout = self.thread_timeout();
        for t in std::mem::take(&mut self.threads) {
            let line = t.line;
            match t.finish(timeout) {
                Ok(r) => report.merge(r),
                Err(msg) => report.record(line, "thread", Outcome::Fail(msg)),
            }
        }
        report
    }

    fn thread_timeout(&self) -> Duration {
        self.options.thread_timeout.unwrap_or(DEFAULT_THREAD_TIMEOUT)
    }

    /// Starts a thread running `body` in a runner of its own that sees the
    /// modules named in `shared`.
    fn spawn_thread(
        &mut self,
        line: usize,
        name: String,
        shared: Vec<String>,
        body: Vec<Directive>,
    ) -> Result<(), Outcome> {
        let mut modules = HashMap::new();
        for m in shared {
            let view = match (self.instances.get(&m), self.shared.get(&m)) {
                (Some(&inst), _) => SharedModule::of(&mut self.store, inst),
                (None, Some(view)) => view.clone(),
                (None, None) => return Err(Outcome::Fail(format!("no module named ${m} to share"))),
            };
            modules.insert(m, view);
        }
        let (engine, options, spectest) = (self.engine.clone(), self.options.clone(), self.spectest_shared.clone());
        let (tx, results) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name(format!("wast thread ${name}"))
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let mut runner = Runner::build(engine, &options, spectest);
                runner.shared = modules;
                let mut report = Report::default();
                crate::run_directives(&mut runner, body, &mut report);
                report.merge(runner.join_threads());
                // The script may have stopped waiting.
                let _ = tx.send(report);
            })
            .map_err(|e| Outcome::Fail(format!("could not start thread ${name}: {e}")))?;
        self.threads.push(ScriptThread {
            name,
            line,
            results,
            handle,
        });
        Ok(())
    }

    /// Waits for the latest thread named `name` not yet waited for.
    fn wait_thread(&mut self, name: &str) -> Result<(), Outcome> {
        let i = self.threads.iter().rposition(|t| t.name == name).ok_or_else(|| {
            Outcome::Fail(format!(
                "no thread named ${name} to wait for (none was started, or it was waited for already)"
            ))
        })?;
        let t = self.threads.remove(i);
        let report = t.finish(self.thread_timeout()).map_err(Outcome::Fail)?;
        self.thread_report.merge(report);
        Ok(())
    }

    /// Registers a module shared with this thread: its shared memories
    /// under `as_name`; its other exports are remembered as uncrossable.
    fn register_shared(&mut self, as_name: &str, view: SharedModule) -> Result<(), Outcome> {
        for (field, c) in view.exports {
            let key = (as_name.to_string(), field);
            match c {
                Crossing::Memory(m) => {
                    let mem = Memory::from_shared(&mut self.store, &m)
                        .map_err(|e| Outcome::Fail(format!("register failed: {e}")))?;
                    self.linker
                        .define(as_name, &key.1, mem)
                        .map_err(|e| Outcome::Fail(format!("register failed: {e}")))?;
                    self.uncrossable.remove(&key);
                }
                Crossing::Not(what) => {
                    self.uncrossable.insert(key, what);
                }
            }
        }
        Ok(())
    }

    /// Fails for a module that imports an export of another thread's
    /// module that cannot cross threads.
    fn check_crossing(&self, m: &Module) -> Result<(), Outcome> {
        if self.uncrossable.is_empty() {
            return Ok(());
        }
        for (module, field, _) in m.imports() {
            if let Some(what) = self.uncrossable.get(&(module.to_string(), field.to_string())) {
                return Err(Outcome::Fail(format!(
                    "import {module:?} {field:?} is a {what} of a module of another thread: only shared memories cross threads"
                )));
            }
        }
        Ok(())
    }

    /// Instantiates `m` with the registered modules.
    fn instantiate(&mut self, m: &Module) -> Result<Result<Instance, Error>, Outcome> {
        self.check_crossing(m)?;
        Ok(self.linker.instantiate(&mut self.store, m))
    }

    /// Names a new instance (hiding a shared module of the name).
    fn name_instance(&mut self, name: String, inst: Instance) {
        self.shared.remove(&name);
        self.instances.insert(name, inst);
    }

    /// Runs one directive.
    pub fn run(&mut self, d: Directive) -> Outcome {
        match self.run_inner(d) {
            Ok(()) => Outcome::Pass,
            Err(o) => o,
        }
    }

    /// Decodes and validates a module. A module the text parser rejected
    /// is an error like any other here: directives that expect a valid
    /// module fail on it, `assert_malformed`/`assert_invalid` accept it.
    fn compile(&self, bytes: &ModuleBytes) -> Result<Result<Module, Error>, Outcome> {
        match bytes {
            ModuleBytes::Binary(b) => Ok(Module::from_binary(&self.engine, b)),
            ModuleBytes::Unencodable(why) => Ok(Err(Error::Text(why.clone()))),
        }
    }

    fn instance(&self, name: &Option<String>) -> Result<Instance, String> {
        match name {
            Some(n) => self.instances.get(n).copied().ok_or_else(|| {
                if self.shared.contains_key(n) {
                    format!("module ${n} is another thread's: only its shared memories cross threads")
                } else {
                    format!("no module named ${n}")
                }
            }),
            None => self.current.ok_or_else(|| "no current module".to_string()),
        }
    }

    fn run_inner(&mut self, d: Directive) -> Result<(), Outcome> {
        match d {
            Directive::Module { name, bytes, .. } => {
                let m = self
                    .compile(&bytes)?
                    .map_err(|e| Outcome::Fail(format!("compiling failed: {e}")))?;
                let inst = self
                    .instantiate(&m)?
                    .map_err(|e| Outcome::Fail(format!("instantiation failed: {e}")))?;
                self.current = Some(inst);
                if let Some(n) = name {
                    self.name_instance(n, inst);
                }
                Ok(())
            }
            Directive::ModuleDefinition { name, bytes, .. } => {
                let m = self
                    .compile(&bytes)?
                    .map_err(|e| Outcome::Fail(format!("compiling failed: {e}")))?;
                if let Some(n) = name {
                    self.definitions.insert(n, m.clone());
                }
                self.last_definition = Some(m);
                Ok(())
            }
            Directive::ModuleInstance { instance, module, .. } => {
                let m = match &module {
                    Some(n) => self.definitions.get(n).cloned(),
                    None => self.last_definition.clone(),
                }
                .ok_or_else(|| Outcome::Fail("no such module definition".into()))?;
                let inst = self
                    .instantiate(&m)?
                    .map_err(|e| Outcome::Fail(format!("instantiation failed: {e}")))?;
                self.current = Some(inst);
                if let Some(n) = instance {
                    self.name_instance(n, inst);
                }
                Ok(())
            }
            Directive::Register { module, as_name, .. } => {
                if let Some(view) = module
                    .as_ref()
                    .filter(|n| !self.instances.contains_key(*n))
                    .and_then(|n| self.shared.get(n))
                    .cloned()
                {
                    return self.register_shared(&as_name, view);
                }
                let inst = ok_or_fail(self.instance(&module))?;
                self.linker
                    .instance(&mut self.store, &as_name, inst)
                    .map_err(|e| Outcome::Fail(format!("register failed: {e}")))?;
                if !self.uncrossable.is_empty() {
                    for (field, _) in inst.exports(&mut self.store) {
                        self.uncrossable.remove(&(as_name.clone(), field));
                    }
                }
                Ok(())
            }
            Directive::Thread {
                line,
                name,
                shared,
                body,
            } => self.spawn_thread(line, name, shared, body),
            Directive::Wait { thread, .. } => self.wait_thread(&thread),
            Directive::Action { action, .. } => {
                ok_or_fail(self.perform(&action))?.map_err(|e| Outcome::Fail(format!("action failed: {e}")))?;
                Ok(())
            }
            Directive::AssertReturn { action, expected, .. } => {
                let got = ok_or_fail(self.perform(&action))?
                    .map_err(|e| Outcome::Fail(format!("expected a return, got error: {e}")))?;
                if got.len() != expected.len() {
                    return Err(Outcome::Fail(format!(
                        "expected {} results, got {}",
                        expected.len(),
                        got.len()
                    )));
                }
                for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                    if !self.matches(g, e) {
                        return Err(Outcome::Fail(format!("result {i}: expected {e:?}, got {g:?}")));
                    }
                }
                Ok(())
            }
            Directive::AssertTrap { action, message, .. } | Directive::AssertExhaustion { action, message, .. } => {
                match ok_or_fail(self.perform(&action))? {
                    Ok(v) => Err(Outcome::Fail(format!("expected trap {message:?}, got {v:?}"))),
                    Err(Error::Trap(t)) if t.exn().is_none() && trap_matches(&t, &message) => Ok(()),
                    Err(e) => Err(Outcome::Fail(format!("expected trap {message:?}, got error: {e}"))),
                }
            }
            Directive::AssertException { action, .. } => match ok_or_fail(self.perform(&action))? {
                Ok(v) => Err(Outcome::Fail(format!("expected an exception, got {v:?}"))),
                Err(Error::Trap(t)) if t.exn().is_some() => Ok(()),
                Err(e) => Err(Outcome::Fail(format!("expected an exception, got error: {e}"))),
            },
            Directive::AssertInvalid { bytes, message, .. } => match self.compile(&bytes)? {
                Ok(_) => Err(Outcome::Fail(format!(
                    "expected invalid ({message:?}), module accepted"
                ))),
                Err(_) => Ok(()),
            },
            Directive::AssertMalformed {
                bytes, binary, message, ..
            } => {
                let _ = binary;
                match self.compile(&bytes)? {
                    Ok(_) => Err(Outcome::Fail(format!(
                        "expected malformed ({message:?}), module accepted"
                    ))),
                    Err(_) => Ok(()),
                }
            }
            Directive::AssertUnlinkable { bytes, message, .. } => {
                let m = self
                    .compile(&bytes)?
                    .map_err(|e| Outcome::Fail(format!("compiling failed: {e}")))?;
                match self.instantiate(&m)? {
                    Ok(_) => Err(Outcome::Fail(format!(
                        "expected unlinkable ({message:?}), instantiated"
                    ))),
                    Err(e @ Error::Link(_)) if e.to_string().starts_with(&message) => Ok(()),
                    Err(e) => Err(Outcome::Fail(format!("expected unlinkable ({message:?}), got: {e}"))),
                }
            }
            Directive::AssertUninstantiable { bytes, message, .. } => {
                let m = self
                    .compile(&bytes)?
                    .map_err(|e| Outcome::Fail(format!("compiling failed: {e}")))?;
                match self.instantiate(&m)? {
                    Ok(_) => Err(Outcome::Fail(format!("expected trap ({message:?}), instantiated"))),
                    Err(Error::Trap(t)) if t.to_string().starts_with(&message) => Ok(()),
                    Err(e) => Err(Outcome::Fail(format!("expected trap ({message:?}), got: {e}"))),
                }
            }
            Directive::Unsupported { what, .. } => Err(Outcome::Skip(what)),
        }
    }

    /// Performs an action: `Err(String)` for a broken script, the inner
    /// result for the engine's answer.
    fn perform(&mut self, action: &Action) -> Result<Result<Vec<Val>, Error>, String> {
        match action {
            Action::Invoke { module, field, args } => {
                let inst = self.instance(module)?;
                let f = inst
                    .get_func(&mut self.store, field)
                    .ok_or_else(|| format!("no exported function {field:?}"))?;
                let mut params: Vec<Val> = args.iter().map(|a| self.value(a)).collect();
                let ty = f.ty(&self.store);
                // A host reference passed where an `any` reference is
                // expected is the host value made internal.
                for (p, t) in params.iter_mut().zip(ty.params()) {
                    if let (Val::ExternRef(Some(e)), tern::ValType::Ref(r)) = (&*p, t)
                        && !matches!(r.heap, tern_binary::HeapType::Extern | tern_binary::HeapType::NoExtern)
                        && let Ok(a) = tern::AnyRef::from_extern(&mut self.store, *e)
                    {
                        *p = Val::AnyRef(Some(a));
                    }
                }
                let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
                Ok(f.call(&mut self.store, &params, &mut results).map(|()| results))
            }
            Action::Get { module, field } => {
                let inst = self.instance(module)?;
                let g = inst
                    .get_global(&mut self.store, field)
                    .ok_or_else(|| format!("no exported global {field:?}"))?;
                Ok(Ok(vec![g.get(&self.store)]))
            }
        }
    }

    fn value(&mut self, v: &Value) -> Val {
        match *v {
            Value::I32(x) => Val::I32(x),
            Value::I64(x) => Val::I64(x),
            Value::F32(x) => Val::F32(x),
            Value::F64(x) => Val::F64(x),
            Value::V128(x) => Val::V128(V128(x)),
            Value::RefNull(RefKind::Func) => Val::FuncRef(None),
            Value::RefNull(RefKind::Extern) => Val::ExternRef(None),
            Value::RefNull(RefKind::Any) => Val::AnyRef(None),
            Value::RefNull(RefKind::Exn) => Val::ExnRef(None),
            Value::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(&mut self.store, n))),
        }
    }

    fn matches(&self, got: &Val, e: &Expected) -> bool {
        match (got, e) {
            (Val::I32(g), Expected::I32(x)) => g == x,
            (Val::I64(g), Expected::I64(x)) => g == x,
            (Val::F32(g), Expected::F32(p)) => f32_matches(*g, p),
            (Val::F64(g), Expected::F64(p)) => f64_matches(*g, p),
            (Val::V128(g), Expected::V128(p)) => v128_matches(g.0, p),
            (Val::FuncRef(None), Expected::RefNull(None | Some(RefKind::Func))) => true,
            (Val::ExternRef(None), Expected::RefNull(None | Some(RefKind::Extern))) => true,
            (Val::AnyRef(None), Expected::RefNull(None | Some(RefKind::Any))) => true,
            (Val::ExnRef(None), Expected::RefNull(None | Some(RefKind::Exn))) => true,
            (Val::AnyRef(Some(a)), Expected::RefExtern(n)) => match a.kind(&self.store) {
                Ok(tern::AnyKind::Extern(e)) => self.matches(&Val::ExternRef(Some(e)), &Expected::RefExtern(*n)),
                _ => false,
            },
            (Val::AnyRef(Some(a)), Expected::RefAny(h)) => {
                use tern::AnyKind;
                use tern_binary::HeapType as H;
                match a.kind(&self.store) {
                    Ok(k) => match h {
                        H::Any => true,
                        H::Eq => !matches!(k, AnyKind::Extern(_)),
                        H::I31 => matches!(k, AnyKind::I31(_)),
                        H::Struct => k == AnyKind::Struct,
                        H::Array => k == AnyKind::Array,
                        _ => false,
                    },
                    Err(_) => false,
                }
            }
            (Val::FuncRef(Some(_)), Expected::RefFunc) => true,
            (Val::ExternRef(Some(r)), Expected::RefExtern(n)) => match n {
                None => true,
                Some(n) => r
                    .data(&self.store)
                    .ok()
                    .and_then(|d| d.downcast_ref::<u32>())
                    .is_some_and(|x| x == n),
            },
            (g, Expected::Either(es)) => es.iter().any(|e| self.matches(g, e)),
            _ => false,
        }
    }
}

/// The engine for `options`.
fn engine_for(options: &crate::Options) -> Engine {
    let eager_fuel = options.eager_fuel;
    let mut config = Config::new();
    config
        .features(options.features)
        .tier(options.tier)
        .bounds_checks(options.bounds_checks)
        .interruptible(options.interruptible)
        .relaxed_simd_deterministic(options.relaxed_simd_deterministic)
        .tiering(options.tiering)
        .gc_stress(options.gc_stress);
    config.max_call_depth(20_000);
    if options.eager_compilation {
        config.lazy_compilation(false);
    }
    if eager_fuel {
        config.interp_translation(InterpTranslation::Eager).consume_fuel(true);
    }
    Engine::new(&config).expect("valid config")
}

fn f32_matches(bits: u32, p: &F32Pat) -> bool {
    let nan = bits & 0x7f80_0000 == 0x7f80_0000 && bits & 0x007f_ffff != 0;
    match *p {
        F32Pat::Bits(b) => bits == b,
        F32Pat::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        F32Pat::ArithmeticNan => nan && bits & 0x0040_0000 != 0,
    }
}

fn f64_matches(bits: u64, p: &F64Pat) -> bool {
    let nan = bits & 0x7ff0_0000_0000_0000 == 0x7ff0_0000_0000_0000 && bits & 0x000f_ffff_ffff_ffff != 0;
    match *p {
        F64Pat::Bits(b) => bits == b,
        F64Pat::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        F64Pat::ArithmeticNan => nan && bits & 0x0008_0000_0000_0000 != 0,
    }
}

fn v128_matches(v: u128, p: &V128Pat) -> bool {
    let b = v.to_le_bytes();
    let lane = |i: usize, w: usize| -> u64 {
        let mut x = [0u8; 8];
        x[..w].copy_from_slice(&b[i * w..(i + 1) * w]);
        u64::from_le_bytes(x)
    };
    match p {
        V128Pat::I8x16(l) => l.iter().enumerate().all(|(i, &x)| lane(i, 1) as u8 == x as u8),
        V128Pat::I16x8(l) => l.iter().enumerate().all(|(i, &x)| lane(i, 2) as u16 == x as u16),
        V128Pat::I32x4(l) => l.iter().enumerate().all(|(i, &x)| lane(i, 4) as u32 == x as u32),
        V128Pat::I64x2(l) => l.iter().enumerate().all(|(i, &x)| lane(i, 8) == x as u64),
        V128Pat::F32x4(l) => l.iter().enumerate().all(|(i, p)| f32_matches(lane(i, 4) as u32, p)),
        V128Pat::F64x2(l) => l.iter().enumerate().all(|(i, p)| f64_matches(lane(i, 8), p)),
    }
}

/// The standard `spectest` host module; its `shared_memory` is `shared`
/// when given (a script's threads share it), which is returned.
fn define_spectest(
    linker: &mut Linker<()>,
    store: &mut Store<()>,
    shared: Option<SharedMemory>,
) -> Option<SharedMemory> {
    linker.func_wrap("spectest", "print", || {}).unwrap();
    linker.func_wrap("spectest", "print_i32", |_: i32| {}).unwrap();
    linker.func_wrap("spectest", "print_i64", |_: i64| {}).unwrap();
    linker.func_wrap("spectest", "print_f32", |_: f32| {}).unwrap();
    linker.func_wrap("spectest", "print_f64", |_: f64| {}).unwrap();
    linker
        .func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})
        .unwrap();
    linker
        .func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})
        .unwrap();
    let globals: [(&str, ValType, Val); 4] = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, v) in globals {
        let g = Global::new(
            &mut *store,
            GlobalType {
                content: ty,
                mutable: false,
            },
            v,
        )
        .unwrap();
        linker.define("spectest", name, g).unwrap();
    }
    let table = Table::new(
        &mut *store,
        TableType {
            element: RefType::FUNCREF,
            limits: Limits { min: 10, max: Some(20) },
            table64: false,
        },
        Val::FuncRef(None),
    )
    .unwrap();
    linker.define("spectest", "table", table).unwrap();
    let memory = Memory::new(
        &mut *store,
        MemoryType {
            limits: Limits { min: 1, max: Some(2) },
            shared: false,
            memory64: false,
            page_size_log2: None,
        },
    )
    .unwrap();
    linker.define("spectest", "memory", memory).unwrap();
    let memory = match &shared {
        Some(m) => Memory::from_shared(&mut *store, m),
        None => Memory::new(
            &mut *store,
            MemoryType {
                limits: Limits { min: 1, max: Some(2) },
                shared: true,
                memory64: false,
                page_size_log2: None,
            },
        ),
    };
    // Only where the engine can make one (threads on, address space).
    let memory = memory.ok()?;
    linker.define("spectest", "shared_memory", memory).unwrap();
    memory.shared(&*store)
}
