//! The engine and its configuration.

use crate::error::Result;
use std::sync::Arc;
use tern_validate::{Feature, Features};
use tern_vm::{SigRegistry, StoreLimits};

/// When function bodies are translated to the interpreter's IR.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CompilationMode {
    /// Validate every body when the module is created, translate each on
    /// its first call.
    #[default]
    Lazy,
    /// Translate every body when the module is created.
    Eager,
}

/// Engine configuration: enabled features, resource limits, fuel.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: Features,
    pub(crate) limits: StoreLimits,
    pub(crate) consume_fuel: bool,
    pub(crate) compilation: CompilationMode,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// Wasm 2.0 plus tail calls, multi-memory and exception handling (the
    /// legacy instructions too); default limits; no fuel; lazy translation.
    pub fn new() -> Config {
        Config {
            features: Features::wasm2()
                .with(Feature::TailCall, true)
                .with(Feature::MultiMemory, true)
                .with(Feature::Exceptions, true)
                .with(Feature::LegacyExceptions, true),
            limits: StoreLimits::default(),
            consume_fuel: false,
            compilation: CompilationMode::Lazy,
        }
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

    /// The enabled features.
    pub fn enabled_features(&self) -> Features {
        self.features
    }

    /// Whether execution consumes fuel (see [`crate::Store::set_fuel`]).
    pub fn consume_fuel(&mut self, on: bool) -> &mut Self {
        self.consume_fuel = on;
        self
    }

    /// When function bodies are translated.
    pub fn compilation_mode(&mut self, mode: CompilationMode) -> &mut Self {
        self.compilation = mode;
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
}

impl Engine {
    /// An engine with the given configuration.
    pub fn new(config: &Config) -> Result<Engine> {
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                sigs: SigRegistry::default(),
            }),
        })
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
