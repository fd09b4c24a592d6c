//! The compiled-code cache's public side: where it lives and how large it
//! may grow ([`CacheConfig`], given to [`crate::Config::cache`]), what it
//! did for a module ([`CacheUse`]) and for an engine ([`CacheStats`]).
//!
//! The cache itself (`disk.rs`, with the compiler tier) keeps ahead-of-time
//! artifacts, one file per key; see docs/ARCHITECTURE.md, "The code cache".

use std::path::{Path, PathBuf};

#[cfg(feature = "cranelift")]
pub(crate) mod disk;
#[cfg(feature = "cranelift")]
mod sha256;

/// Where the compiled-code cache lives and how large it may grow (see
/// [`crate::Config::cache`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    dir: PathBuf,
    max_size: u64,
}

impl CacheConfig {
    /// The default bound on the cache's total size: 1 GiB.
    pub const DEFAULT_MAX_SIZE: u64 = 1 << 30;

    /// A cache in `dir`, of at most [`CacheConfig::DEFAULT_MAX_SIZE`]
    /// bytes. The directory is made (private to the user) when an engine
    /// first opens it.
    pub fn new(dir: impl Into<PathBuf>) -> CacheConfig {
        CacheConfig {
            dir: dir.into(),
            max_size: CacheConfig::DEFAULT_MAX_SIZE,
        }
    }

    /// The cache in the default place ([`CacheConfig::default_dir`]), or
    /// `None` when there is none (no home directory).
    pub fn from_env() -> Option<CacheConfig> {
        CacheConfig::default_dir().map(CacheConfig::new)
    }

    /// The default place: `$TERN_CACHE_DIR` when it is set, else
    /// `$XDG_CACHE_HOME/tern` when that is an absolute path, else
    /// `$HOME/.cache/tern`; `None` when none of them is set.
    pub fn default_dir() -> Option<PathBuf> {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(d) = var("TERN_CACHE_DIR") {
            return Some(d);
        }
        if let Some(d) = var("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
            return Some(d.join("tern"));
        }
        var("HOME").map(|h| h.join(".cache").join("tern"))
    }

    /// Bounds the total size of the cache's entries: after each write,
    /// the least recently used entries are removed until the rest fit
    /// (an entry larger than the bound is not kept at all).
    pub fn max_size(&mut self, bytes: u64) -> &mut Self {
        self.max_size = bytes;
        self
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bound on its total size, in bytes.
    pub fn max_size_bytes(&self) -> u64 {
        self.max_size
    }
}

/// What the compiled-code cache did for a module
/// ([`crate::Module::cache_use`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheUse {
    /// Not cached: the engine has no cache (or does not compile), or the
    /// module was made by [`crate::Module::interpreted`] or loaded from an
    /// artifact.
    Off,
    /// Its code was loaded from the cache.
    Hit,
    /// Its code was compiled; the entry is written once all of it is
    /// (see [`crate::Module::wait_cache_write`]).
    Miss,
}

/// What an engine's compiled-code cache has done ([`crate::Engine::cache_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Modules whose code was loaded from the cache.
    pub hits: u64,
    /// Modules whose code was not in the cache (damaged entries included).
    pub misses: u64,
    /// Entries found damaged, made by another build or configuration, or
    /// holding another module: each was ignored and removed.
    pub damaged: u64,
    /// Entries written.
    pub writes: u64,
    /// Entries that could not be written (each is logged with
    /// `TERN_LOG=cache`).
    pub write_errors: u64,
    /// Entries removed to keep the cache under its size bound.
    pub evictions: u64,
}
