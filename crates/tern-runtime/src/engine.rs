//! The engine and its configuration.

use crate::cache::{CacheConfig, CacheStats};
use crate::error::Result;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tern_validate::{Feature, Features};
use tern_vm::{SigRegistry, StoreLimits};

/// When the interpreter translates function bodies to its IR
/// ([`Config::interp_translation`]). Not to be confused with
/// [`Config::lazy_compilation`], which says when the compiler tier
/// compiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InterpTranslation {
    /// Validate every body when the module is created, translate each on
    /// its first call.
    #[default]
    Lazy,
    /// Translate every body when the module is created.
    Eager,
}

/// Which execution tier runs a module's functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tier {
    /// The interpreter (`tern-interp`).
    Interp,
    /// The optimizing compiler (`tern-cranelift`); engine creation fails
    /// where it is not available, or not built in (the `cranelift`
    /// feature).
    Jit,
    /// The compiler where the host supports it and it is built in, else
    /// the interpreter.
    #[default]
    Auto,
}

/// How compiled code checks linear-memory accesses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BoundsChecks {
    /// 32-bit memories are 4 GiB reservations with guard regions: no
    /// explicit checks, a fault is an out-of-bounds trap.
    #[default]
    Guard,
    /// Every access is compared with the memory's current length.
    Explicit,
}

/// Which profiler compiled code is announced to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profiler {
    /// None.
    #[default]
    None,
    /// Linux `perf`: every compiled function's address, size and name is
    /// appended to `/tmp/perf-PID.map`, so `perf report` names samples in
    /// compiled code (`wasm[module]::name`).
    PerfMap,
}

/// Engine configuration: enabled features, resource limits, fuel, tier.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: Features,
    pub(crate) limits: StoreLimits,
    pub(crate) consume_fuel: bool,
    pub(crate) interp_translation: InterpTranslation,
    pub(crate) tier: Tier,
    pub(crate) bounds_checks: BoundsChecks,
    pub(crate) interruptible: bool,
    pub(crate) epoch_interruption: bool,
    pub(crate) profiler: Profiler,
    pub(crate) lazy_compilation: bool,
    /// Background threads that may compile one module at once (`None`:
    /// one fewer than the cores, at least one).
    pub(crate) compile_threads: Option<usize>,
    /// Stack budget of compiled code in bytes (`None`: the thread's stack
    /// less a reserve for the host).
    pub(crate) max_wasm_stack: Option<usize>,
    /// Set by [`Engine::new`] when `Auto` became `Jit`: modules the
    /// compiler reports unsupported while compiling them eagerly are
    /// interpreted.
    pub(crate) interp_fallback: bool,
    /// Relaxed SIMD operators behave as the spec's deterministic profile.
    pub(crate) relaxed_simd_deterministic: bool,
    /// Cranelift settings changed from tern's (see
    /// [`Config::cranelift_flag_set`]), in the order given.
    pub(crate) cranelift_flags: Vec<(String, String)>,
    /// The compiled-code cache, when there is one.
    pub(crate) cache: Option<CacheConfig>,
    /// Tiered execution, when asked for (and, after [`Engine::new`], when
    /// it applies).
    pub(crate) tiering: Option<Tiering>,
    /// The GC heap's limit and test modes.
    pub(crate) gc: tern_vm::gc::GcConfig,
}

/// Settings of tiered execution (see [`Config::tiering`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiering {
    /// Calls after which a function is hot and compiled (at least 1).
    pub call_threshold: u32,
    /// Iterations after which a loop is hot (at least 1): a call running
    /// it in the interpreter continues in compiled code at the loop's
    /// header (on-stack replacement). `None`: calls that started in the
    /// interpreter finish there.
    pub loop_threshold: Option<u32>,
    /// Whether a hot function is compiled on the thread that found it hot,
    /// before the call that made it hot goes on (deterministic, for
    /// tests), instead of in the background while the guest runs on.
    pub synchronous: bool,
}

impl Default for Tiering {
    fn default() -> Self {
        Tiering {
            call_threshold: 1000,
            loop_threshold: Some(10_000),
            synchronous: false,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// Wasm 3.0 but GC ([`Features::wasm3`]: exception handling with the
    /// legacy instructions, tail calls, memory64, multi-memory, extended
    /// constant expressions, relaxed SIMD, typed function references);
    /// default limits; no fuel; lazy translation.
    pub fn new() -> Config {
        Config {
            features: Features::wasm3(),
            limits: StoreLimits::default(),
            consume_fuel: false,
            interp_translation: InterpTranslation::Lazy,
            tier: Tier::Auto,
            bounds_checks: BoundsChecks::Guard,
            interruptible: false,
            epoch_interruption: false,
            profiler: Profiler::None,
            lazy_compilation: true,
            compile_threads: None,
            max_wasm_stack: None,
            interp_fallback: false,
            relaxed_simd_deterministic: false,
            cranelift_flags: Vec::new(),
            cache: None,
            tiering: Some(Tiering::default()),
            gc: tern_vm::gc::GcConfig::default(),
        }
    }

    /// The most bytes a store's GC heap (Wasm GC structs and arrays) may
    /// hold; an allocation beyond it traps ("allocation failed"). Default
    /// 4 GiB.
    pub fn gc_heap_limit(&mut self, bytes: usize) -> &mut Self {
        self.gc.heap_limit = bytes;
        self
    }

    /// Collects the GC heap before every allocation (slow; for tests: a
    /// reference the collector failed to find shows up as a wrong value)
    /// and never reuses a collected object's slot, so that a reference to
    /// it traps ("use of a collected GC object") instead of reading another
    /// object. Default off.
    pub fn gc_stress(&mut self, on: bool) -> &mut Self {
        self.gc.stress = on;
        self.gc.poison = on;
        self
    }

    /// The execution tier (default [`Tier::Auto`]).
    pub fn tier(&mut self, tier: Tier) -> &mut Self {
        self.tier = tier;
        self
    }

    /// How compiled code checks memory accesses (default
    /// [`BoundsChecks::Guard`]).
    pub fn bounds_checks(&mut self, b: BoundsChecks) -> &mut Self {
        self.bounds_checks = b;
        self
    }

    /// Whether compiled code checks the engine's interrupt flag at function
    /// entries and loop headers, so that [`InterruptHandle::interrupt`]
    /// stops it (default off: the checks cost a little).
    pub fn interruptible(&mut self, on: bool) -> &mut Self {
        self.interruptible = on;
        self
    }

    /// Whether code of both tiers compares the engine's epoch
    /// ([`Engine::increment_epoch`]) with its store's deadline
    /// ([`crate::Store::set_epoch_deadline`]) at every function entry and
    /// loop header, to stop (or ask about) guests that run too long.
    /// Default off: then the checks are not there at all and cost nothing.
    pub fn epoch_interruption(&mut self, on: bool) -> &mut Self {
        self.epoch_interruption = on;
        self
    }

    /// Whether the compiler tier compiles a function when it is first
    /// called (and the rest in the background) instead of every function
    /// before the module can run (default on, where the host supports it:
    /// x86-64). Bodies are validated up front either way. The
    /// interpreter's counterpart is [`Config::interp_translation`].
    pub fn lazy_compilation(&mut self, on: bool) -> &mut Self {
        self.lazy_compilation = on;
        self
    }

    /// How many background threads may compile one module's functions at
    /// once, where the compiler tier compiles lazily or tiers up (default:
    /// one fewer than the host's cores, so that the guest keeps one; at
    /// least 1). The threads are shared by every engine of the process.
    /// Compiling eagerly ([`Config::lazy_compilation`] off) uses every core.
    pub fn compile_threads(&mut self, n: usize) -> &mut Self {
        self.compile_threads = Some(n.max(1));
        self
    }

    /// Tiered execution for [`Tier::Auto`] (default on, with
    /// [`Tiering::default`]; `None` compiles each function on its first
    /// call instead, see [`Config::lazy_compilation`]): every function
    /// starts in the interpreter, the interpreter counts calls, and the
    /// functions that become hot are compiled (in the background unless
    /// [`Tiering::synchronous`]) and called in their compiled code from
    /// then on, from both tiers; a call running a hot loop in the
    /// interpreter moves to compiled code at the loop's header (on-stack
    /// replacement, [`Tiering::loop_threshold`]). Applies where the
    /// compiler tier compiles lazily (see [`Config::lazy_compilation`]); a
    /// module whose code comes from an artifact or the code cache is
    /// compiled already.
    pub fn tiering(&mut self, t: Option<Tiering>) -> &mut Self {
        self.tiering = t;
        self
    }

    /// Whether relaxed SIMD operators give the results of the spec's
    /// deterministic profile, the same on every host (default off: then
    /// each gives the result of the x86-64 instruction that implements it
    /// cheaply, in both tiers and on every host; see docs/ARCHITECTURE.md).
    pub fn relaxed_simd_deterministic(&mut self, on: bool) -> &mut Self {
        self.relaxed_simd_deterministic = on;
        self
    }

    /// Sets a Cranelift setting of the compiler tier's target: an ISA
    /// setting of the host's architecture (`has_sse41`, `has_avx`, ...) or a
    /// shared one (`opt_level`, ...). [`Engine::new`] fails on an unknown
    /// name or a bad value. Meant for testing the code made for CPUs with
    /// fewer instruction-set extensions than the host.
    ///
    /// # Safety
    ///
    /// Turning on an extension the CPU lacks, or changing a setting tern
    /// relies on (`preserve_frame_pointers`,
    /// `enable_multi_ret_implicit_sret`, ...), makes compiled code that
    /// faults or misbehaves. Turning extensions off is what this is for.
    pub unsafe fn cranelift_flag_set(&mut self, name: &str, value: &str) -> &mut Self {
        self.cranelift_flags.push((name.to_string(), value.to_string()));
        self
    }

    /// [`Config::cranelift_flag_set`] of a boolean setting to `true`.
    ///
    /// # Safety
    ///
    /// As for [`Config::cranelift_flag_set`].
    pub unsafe fn cranelift_flag_enable(&mut self, name: &str) -> &mut Self {
        // SAFETY: the caller's obligation.
        unsafe { self.cranelift_flag_set(name, "true") }
    }

    /// Keeps compiled code in a cache on disk (default: none), as
    /// wasmtime's `Config::cache` does: a module whose code is there is
    /// loaded instead of compiled, and one that is not is compiled as
    /// usual and written there once all of its code exists (at once when
    /// compiling eagerly; with [`Config::lazy_compilation`], when the
    /// background compilation has linked the whole module, if the
    /// process lives that long: the guest never waits for it). Only
    /// [`crate::Module::new`] and [`crate::Module::from_binary`] use it.
    ///
    /// The entry is keyed by a SHA-256 hash of the module's bytes and of
    /// everything that decides its code (tern's version and executable,
    /// the features, the CPU and every Cranelift setting, bounds checks,
    /// fuel, interruption, relaxed SIMD's mode); a damaged or mismatched
    /// entry is ignored, removed and written again. The directory holds
    /// native code that tern runs, so it is used only if it belongs to the
    /// current user and no one else can write to it (it is made with mode
    /// 0700, when the engine first needs it); otherwise the engine prints
    /// a warning on stderr, once, and has no cache. `TERN_LOG=cache` logs what the cache does on
    /// stderr.
    pub fn cache(&mut self, cache: Option<CacheConfig>) -> &mut Self {
        self.cache = cache;
        self
    }

    /// [`Config::cache`] in the default place ([`CacheConfig::from_env`]:
    /// `$TERN_CACHE_DIR`, `$XDG_CACHE_HOME/tern` or `~/.cache/tern`), with
    /// the default size bound.
    pub fn cache_config_load_default(&mut self) -> &mut Self {
        self.cache(CacheConfig::from_env())
    }

    /// Announces compiled code to a profiler (default [`Profiler::None`]).
    pub fn profiler(&mut self, p: Profiler) -> &mut Self {
        self.profiler = p;
        self
    }

    /// Replaces the whole feature set.
    pub fn features(&mut self, features: Features) -> &mut Self {
        self.features = features;
        self
    }

    /// Turns one feature on or off.
    pub fn wasm_feature(&mut self, feature: Feature, on: bool) -> &mut Self {
        self.features.set(feature, on);
        self
    }

    /// Whether 64-bit memories and tables (memory64) are allowed (default
    /// off).
    pub fn wasm_memory64(&mut self, on: bool) -> &mut Self {
        self.wasm_feature(Feature::Memory64, on)
    }

    /// Whether memories may declare a page size of 1 byte
    /// (custom-page-sizes; default off).
    pub fn wasm_custom_page_sizes(&mut self, on: bool) -> &mut Self {
        self.wasm_feature(Feature::CustomPageSizes, on)
    }

    /// The enabled features.
    pub fn enabled_features(&self) -> Features {
        self.features
    }

    /// Whether execution consumes fuel (see [`crate::Store::set_fuel`]).
    pub fn consume_fuel(&mut self, on: bool) -> &mut Self {
        self.consume_fuel = on;
        self
    }

    /// When the interpreter translates function bodies to its IR (default
    /// [`InterpTranslation::Lazy`]). The compiler tier's counterpart is
    /// [`Config::lazy_compilation`].
    pub fn interp_translation(&mut self, mode: InterpTranslation) -> &mut Self {
        self.interp_translation = mode;
        self
    }

    /// Maximum size of any one memory, in 64 KiB pages.
    pub fn max_memory_pages(&mut self, pages: u64) -> &mut Self {
        self.limits.max_memory_pages = pages;
        self
    }

    /// Maximum number of elements of any one table.
    pub fn max_table_elements(&mut self, n: u64) -> &mut Self {
        self.limits.max_table_elements = n;
        self
    }

    /// Maximum number of instances per store.
    pub fn max_instances(&mut self, n: usize) -> &mut Self {
        self.limits.max_instances = n;
        self
    }

    /// Maximum depth of nested wasm calls; deeper calls trap with
    /// `call stack exhausted`.
    pub fn max_call_depth(&mut self, n: usize) -> &mut Self {
        self.limits.max_call_depth = n;
        self
    }

    /// The most stack, in bytes, that wasm code may use before it traps
    /// with `call stack exhausted` (wasmtime's `max_wasm_stack`). Compiled
    /// code gets this much of the thread's stack (never more than the
    /// thread has); the interpreter, whose frames live on the heap, gets
    /// `bytes / 8` value slots and at most `bytes / 16` nested calls.
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = Some(bytes);
        self.limits.max_stack_slots = (bytes / 8).max(1);
        self.limits.max_call_depth = (bytes / 16).clamp(1, StoreLimits::default().max_call_depth);
        self
    }

    /// Maximum number of 64-bit value slots (locals and operands of all
    /// active frames).
    pub fn max_stack_slots(&mut self, n: usize) -> &mut Self {
        self.limits.max_stack_slots = n;
        self
    }
}

/// A compilation and execution environment: configuration plus the
/// canonical function types shared by its modules. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) sigs: SigRegistry,
    /// The compiler's target, when this engine compiles (never without the
    /// `cranelift` feature).
    #[cfg_attr(not(feature = "cranelift"), allow(dead_code))]
    pub(crate) isa: Option<crate::jit::Isa>,
    /// Nonzero when an embedder asked running guests to stop.
    pub(crate) interrupt: Arc<AtomicU64>,
    /// The epoch counter, shared by the engine's stores.
    pub(crate) epoch: Arc<AtomicU64>,
    /// The compiled-code cache, opened when first needed: `None` when the
    /// configuration asks for none, the engine does not compile, or the
    /// directory is unfit.
    cache: std::sync::OnceLock<Option<Arc<crate::jit::Cache>>>,
}

impl EngineInner {
    /// The compiled-code cache (opened, and its directory made, on first
    /// use: an engine that never compiles a module never touches it).
    pub(crate) fn cache(&self) -> Option<&Arc<crate::jit::Cache>> {
        self.cache
            .get_or_init(|| match self.isa {
                Some(_) => crate::jit::open_cache(&self.config),
                None => None,
            })
            .as_ref()
    }
}

/// Stops guests running in an engine's stores from any thread (see
/// [`Config::interruptible`]).
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    flag: Arc<AtomicU64>,
}

impl InterruptHandle {
    /// Makes the compiled guest that next checks the flag trap with
    /// `interrupted`; the trap clears the flag.
    pub fn interrupt(&self) {
        self.flag.store(1, Ordering::Relaxed);
    }
}

impl Engine {
    /// An engine with the given configuration. Fails when the compiler
    /// tier is asked for ([`Tier::Jit`]) and the host does not support it
    /// or this build leaves it out (the `cranelift` feature).
    pub fn new(config: &Config) -> Result<Engine> {
        let isa = crate::jit::select_isa(config.tier, &config.cranelift_flags)?;
        let mut config = config.clone();
        if config.tier != Tier::Auto || isa.is_none() || !config.lazy_compilation || !crate::jit::lazy_available() {
            config.tiering = None;
        }
        if isa.is_none() {
            config.tier = Tier::Interp;
        } else {
            config.interp_fallback = config.tier == Tier::Auto;
            config.tier = Tier::Jit;
            if !tern_vm::MemoryStyle::reserved_supported() {
                config.bounds_checks = BoundsChecks::Explicit;
            }
        }
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config,
                sigs: SigRegistry::default(),
                isa,
                interrupt: Arc::new(AtomicU64::new(0)),
                epoch: Arc::new(AtomicU64::new(0)),
                cache: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The tier this engine runs code on ([`Tier::Interp`] or
    /// [`Tier::Jit`]; [`Tier::Auto`] is resolved when the engine is made).
    pub fn tier(&self) -> Tier {
        self.inner.config.tier
    }

    /// A handle that interrupts guests of this engine from another thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            flag: self.inner.interrupt.clone(),
        }
    }

    /// The abstract heap type a heap type falls under: for a concrete type
    /// (as this engine's function, table and global types name them),
    /// `func`, `struct` or `array`, by its definition; an abstract type as
    /// it is.
    pub fn abstract_heap_type(&self, h: tern_binary::HeapType) -> tern_binary::HeapType {
        use tern_binary::HeapType;
        use tern_vm::gc::GcKind;
        match h {
            HeapType::Concrete(id) if id < u32::MAX - 1 => match self.inner.sigs.gc_type(tern_vm::SigId(id)).kind {
                GcKind::Struct(_) => HeapType::Struct,
                GcKind::Array(_) => HeapType::Array,
                GcKind::Func => HeapType::Func,
            },
            HeapType::Concrete(_) => HeapType::Func,
            h => h,
        }
    }

    /// Advances the epoch by one tick (from any thread). Guests of stores
    /// whose deadline this reaches stop at their next check (see
    /// [`Config::epoch_interruption`]).
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// The current epoch.
    pub fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Relaxed)
    }

    /// What this engine's compiled-code cache has done so far (all zero
    /// without one, see [`Config::cache`]).
    pub fn cache_stats(&self) -> CacheStats {
        match self.inner.cache.get() {
            Some(Some(c)) => crate::jit::cache_stats(c),
            _ => CacheStats::default(),
        }
    }

    /// Whether this engine has a compiled-code cache: one was configured,
    /// the engine compiles, and the directory is fit for use. (The cache
    /// is opened, its directory made or checked, when a module first needs
    /// it, or when this asks.)
    pub fn has_cache(&self) -> bool {
        self.inner.cache().is_some()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether two handles name the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::new()).expect("the default configuration is valid")
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.inner.config).finish()
    }
}
