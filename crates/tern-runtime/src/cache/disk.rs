//! The compiled-code cache on disk: one ahead-of-time artifact per key, in
//! a directory private to the user.
//!
//! * Key: SHA-256 over everything that decides the code (tern's version
//!   and the executable it runs in, the artifact format's version, the
//!   enabled features, the target and every Cranelift setting, every
//!   compilation setting) and the module's bytes ([`Key::new`]).
//! * Entry: `DIR/KEY.cwasm`, an artifact as `tern compile` writes it,
//!   loaded mapped ([`Cache::lookup`]) after every check the artifact
//!   loader makes (checksum, versions, features, target, configuration)
//!   and one more: it must hold the very module asked for. An entry that
//!   fails any check is ignored and removed.
//! * Writes ([`Cache::store`]) go to a temporary file in the directory,
//!   synced, then renamed over the entry, so a reader sees a whole entry
//!   or none, and two processes writing one key both succeed. Then the
//!   least recently used entries (by modification time, which a hit
//!   renews) are removed until the total fits the bound.

use super::sha256::Sha256;
use crate::cache::{CacheConfig, CacheStats};
use std::fs;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, SystemTime};
use tern_cranelift::Artifact;
use tern_cranelift::aot::{self, AotMeta};
use tern_vm::code::MappedFile;

/// Temporary files older than this are left over from a process that
/// ended while writing, and are removed.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Whether `TERN_LOG` asks for the cache's log (`TERN_LOG=cache`, or a
/// comma-separated list naming `cache`).
pub(crate) fn log_enabled() -> bool {
    crate::log::enabled("cache")
}

macro_rules! log {
    ($($t:tt)*) => {
        if log_enabled() {
            eprintln!("[tern cache] {}", format_args!($($t)*));
        }
    };
}

/// A cache key: SHA-256 of the settings and the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key([u8; 32]);

/// What besides the module's bytes a key covers.
#[derive(Clone, Debug)]
pub(crate) struct KeyParts<'a> {
    /// tern's version.
    pub(crate) version: &'a str,
    /// The identity of the executable tern runs in ([`build_identity`]).
    pub(crate) build: &'a str,
    /// The artifact format's version.
    pub(crate) format: u32,
    /// Everything the artifact loader checks: engine version, features,
    /// target and Cranelift settings, compilation settings.
    pub(crate) meta: &'a AotMeta,
}

impl Key {
    /// The key of `module` compiled as `parts` say. Every field is
    /// length-prefixed, so no two different inputs hash the same bytes;
    /// the settings go in through their `Debug` form, which names every
    /// field (a setting added to `AotMeta` or `CompileConfig` changes keys
    /// without anyone remembering to add it here).
    pub(crate) fn new(parts: &KeyParts<'_>, module: &[u8]) -> Key {
        let mut h = Sha256::new();
        let mut field = |b: &[u8]| {
            h.update(&(b.len() as u64).to_le_bytes());
            h.update(b);
        };
        field(b"tern code cache key 1");
        field(parts.version.as_bytes());
        field(parts.build.as_bytes());
        field(&parts.format.to_le_bytes());
        field(format!("{:?}", parts.meta).as_bytes());
        field(&module_digest(module, CHUNK, hash_threads()));
        Key(h.finish())
    }

    pub(crate) fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The chunk size of [`module_digest`].
const CHUNK: usize = 4 << 20;

/// Threads that hash a module's chunks: SHA-256 is sequential, and a
/// cache hit on a large module is mostly hashing (99 MB for CPython).
fn hash_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// A module's digest, a hash tree of SHA-256 two levels deep: SHA-256 of
/// the module's length, the chunk size and the SHA-256 of each
/// `chunk`-byte piece in order, so that the pieces can be hashed on
/// `threads` threads at once. (A collision of the tree is a collision of
/// SHA-256 at one level or the other; the result is the same whatever
/// `threads` is.)
fn module_digest(module: &[u8], chunk: usize, threads: usize) -> [u8; 32] {
    let pieces: Vec<&[u8]> = module.chunks(chunk).collect();
    // A run of pieces, two at a time.
    let hash = |run: &[&[u8]]| -> Vec<[u8; 32]> {
        run.chunks(2)
            .flat_map(|two| match two {
                [a, b] => super::sha256::sha256_pair(a, b).to_vec(),
                [a] => {
                    let mut h = Sha256::new();
                    h.update(a);
                    vec![h.finish()]
                }
                _ => Vec::new(),
            })
            .collect()
    };
    let threads = threads.clamp(1, pieces.len().div_ceil(2).max(1));
    let digests: Vec<[u8; 32]> = if threads == 1 {
        hash(&pieces)
    } else {
        // Contiguous runs of an even number of pieces, one run a thread.
        let per = pieces.len().div_ceil(threads).next_multiple_of(2);
        std::thread::scope(|s| {
            let runs: Vec<_> = pieces.chunks(per).map(|run| s.spawn(move || hash(run))).collect();
            runs.into_iter()
                .flat_map(|r| r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    let mut h = Sha256::new();
    h.update(b"tern module tree 1");
    h.update(&(module.len() as u64).to_le_bytes());
    h.update(&(chunk as u64).to_le_bytes());
    for d in &digests {
        h.update(d);
    }
    h.finish()
}

/// The identity of the executable tern runs in: its device, inode, size
/// and modification time. Every build of one version of tern has the same
/// version number; this keeps a rebuilt tern from running code an older
/// build wrote. `None` when the executable cannot be found (then there is
/// no cache).
pub(crate) fn build_identity() -> Option<&'static str> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(executable_identity).as_deref()
}

#[cfg(not(unix))]
fn executable_identity() -> Option<String> {
    None
}

#[cfg(unix)]
fn executable_identity() -> Option<String> {
    {
        use std::os::unix::fs::MetadataExt;
        // `/proc/self/exe` reaches the running file even when it has been
        // replaced or removed since.
        let m = fs::metadata("/proc/self/exe")
            .or_else(|_| std::env::current_exe().and_then(fs::metadata))
            .ok()?;
        Some(format!(
            "dev {} ino {} size {} mtime {}.{:09}",
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec()
        ))
    }
}

/// An opened cache.
#[derive(Debug)]
pub(crate) struct Cache {
    dir: PathBuf,
    max_size: u64,
    build: &'static str,
    stats: Stats,
}

#[derive(Debug, Default)]
struct Stats {
    hits: AtomicU64,
    misses: AtomicU64,
    damaged: AtomicU64,
    writes: AtomicU64,
    write_errors: AtomicU64,
    evictions: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// An entry found and checked: the mapped file, the artifact in it and
/// where the module's bytes lie in it.
pub(crate) struct Hit {
    pub(crate) file: Arc<MappedFile>,
    pub(crate) artifact: Artifact,
    pub(crate) module: Range<usize>,
}

/// Whether `name` is an entry's file name: a key in hex and `.cwasm`.
fn is_entry(name: &str) -> bool {
    name.strip_suffix(".cwasm")
        .is_some_and(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Only Unix hosts say who owns a directory and who may write to it.
#[cfg(not(unix))]
fn prepare_dir(_dir: &Path) -> Result<(), String> {
    Err("the code cache is only used on Unix hosts".into())
}

/// Makes `dir` (private to the user) or checks that the one there is fit
/// to hold code tern will run: a directory of the current user that no
/// one else can write to.
#[cfg(unix)]
fn prepare_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    if !dir.exists() {
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        match fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            // Another process made it meanwhile: it is checked below.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("cannot create it: {e}")),
        }
    }
    let m = fs::metadata(dir).map_err(|e| format!("cannot read it: {e}"))?;
    if !m.is_dir() {
        return Err("it is not a directory".into());
    }
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if m.uid() != me {
        return Err(format!("it belongs to user {}, not to the current user {me}", m.uid()));
    }
    if m.mode() & 0o022 != 0 {
        return Err(format!(
            "other users can write to it (mode {:03o}); `chmod go-w` it to use it",
            m.mode() & 0o777
        ));
    }
    Ok(())
}

impl Cache {
    /// Opens the cache `config` describes, making its directory if need
    /// be; `Err` says why it cannot be used.
    pub(crate) fn open(config: &CacheConfig) -> Result<Cache, String> {
        let dir = config.dir();
        let build = build_identity().ok_or("cannot identify the running executable")?;
        prepare_dir(dir).map_err(|why| format!("{}: {why}", dir.display()))?;
        log!("using {}", dir.display());
        Ok(Cache {
            dir: dir.to_path_buf(),
            max_size: config.max_size_bytes(),
            build,
            stats: Stats::default(),
        })
    }

    /// The key of `module` compiled as `meta` says, by this tern.
    pub(crate) fn key(&self, meta: &AotMeta, module: &[u8]) -> Key {
        let parts = KeyParts {
            version: env!("CARGO_PKG_VERSION"),
            build: self.build,
            format: aot::FORMAT_VERSION,
            meta,
        };
        Key::new(&parts, module)
    }

    fn entry(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{}.cwasm", key.hex()))
    }

    pub(crate) fn stats(&self) -> CacheStats {
        let s = &self.stats;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheStats {
            hits: get(&s.hits),
            misses: get(&s.misses),
            damaged: get(&s.damaged),
            writes: get(&s.writes),
            write_errors: get(&s.write_errors),
            evictions: get(&s.evictions),
        }
    }

    /// The entry for `key`, checked: made by this build for `meta`
    /// (checksum, versions, features, target, settings: everything
    /// [`aot::deserialize_mapped`] checks) and holding `module`. A miss
    /// when there is none; an entry that fails a check is removed. Once
    /// the module is built from it, [`Cache::used`] counts the hit.
    pub(crate) fn lookup(&self, key: &Key, meta: &AotMeta, module: &[u8]) -> Option<Hit> {
        let path = self.entry(key);
        let file = match MappedFile::open(&path) {
            Ok(f) => Arc::new(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                bump(&self.stats.misses);
                log!("miss {}", key.hex());
                return None;
            }
            Err(e) => {
                self.reject(key, &format!("cannot read it: {e}"));
                return None;
            }
        };
        let (artifact, range) = match aot::deserialize_mapped(&file, meta) {
            Ok(a) => a,
            Err(e) => {
                self.reject(key, &e.to_string());
                return None;
            }
        };
        if file.bytes()[range.clone()] != *module {
            self.reject(key, "it holds another module");
            return None;
        }
        Some(Hit {
            file,
            artifact,
            module: range,
        })
    }

    /// Counts a hit on `key`'s entry, whose module was built, and marks
    /// the entry used now (its modification time).
    pub(crate) fn used(&self, key: &Key, len: usize) {
        let _ = fs::File::open(self.entry(key)).and_then(|f| f.set_modified(SystemTime::now()));
        bump(&self.stats.hits);
        log!("hit {} ({len} bytes)", key.hex());
    }

    /// Ignores and removes the entry for `key`, which failed a check.
    pub(crate) fn reject(&self, key: &Key, why: &str) {
        bump(&self.stats.damaged);
        bump(&self.stats.misses);
        log!("miss {}: ignoring the entry: {why}", key.hex());
        let _ = fs::remove_file(self.entry(key));
    }

    /// Writes the entry for `key`: `artifact` of `module` compiled as
    /// `meta` says. Then removes least recently used entries until the
    /// cache fits its bound. Failures are logged, never raised.
    pub(crate) fn store(&self, key: &Key, meta: &AotMeta, artifact: &Artifact, module: &[u8]) -> bool {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            "{}.{}-{}.tmp",
            key.hex(),
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        // A process that ends while writing removes its temporary file on
        // the way out (`exit` runs the hook while this thread is stopped or
        // still writing: either way the rename fails or has happened).
        let _in_flight = InFlight::new(&tmp);
        let write = || -> io::Result<u64> {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let f = opts.open(&tmp)?;
            let mut w = io::BufWriter::with_capacity(1 << 20, f);
            let n = aot::serialize_to(meta, artifact, module, &mut w)?;
            w.flush()?;
            let f = w.into_inner().map_err(|e| e.into_error())?;
            if n > self.max_size {
                return Err(io::Error::other(format!(
                    "the entry ({n} bytes) is larger than the cache's bound ({} bytes)",
                    self.max_size
                )));
            }
            f.sync_all()?;
            fs::rename(&tmp, self.entry(key))?;
            // Make the rename itself durable.
            let _ = fs::File::open(&self.dir).and_then(|d| d.sync_all());
            Ok(n)
        };
        let ok = match write() {
            Ok(n) => {
                bump(&self.stats.writes);
                log!("wrote {} ({n} bytes)", key.hex());
                true
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                bump(&self.stats.write_errors);
                log!("cannot write {}: {e}", key.hex());
                false
            }
        };
        self.evict();
        ok
    }

    /// Removes least recently used entries until the rest fit the bound,
    /// and temporary files left by processes that ended while writing.
    fn evict(&self) {
        let Ok(dir) = fs::read_dir(&self.dir) else { return };
        let now = SystemTime::now();
        let mut entries = Vec::new();
        let mut total = 0u64;
        for e in dir.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            // The entry's own metadata: a symbolic link is not followed.
            let Ok(m) = e.metadata() else { continue };
            if !m.is_file() {
                continue;
            }
            let modified = m.modified().unwrap_or(now);
            if is_entry(name) {
                total += m.len();
                entries.push((modified, m.len(), e.path()));
            } else if name.ends_with(".tmp") && now.duration_since(modified).is_ok_and(|age| age > STALE_TEMP) {
                let _ = fs::remove_file(e.path());
            }
        }
        if total <= self.max_size {
            return;
        }
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_size {
                break;
            }
            // One that another process removed first counts as gone.
            match fs::remove_file(&path) {
                Ok(()) => {
                    bump(&self.stats.evictions);
                    log!("evicted {} ({len} bytes)", path.display());
                    total -= len;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => total -= len,
                Err(_) => {}
            }
        }
    }
}

/// Temporary files being written, removed by an exit hook if the process
/// ends first (`std::process::exit`, a return from `main`: WASI's
/// `proc_exit` included; not a signal, for which eviction removes them
/// once they are an hour old).
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

struct InFlight(PathBuf);

impl InFlight {
    fn new(path: &Path) -> InFlight {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            #[cfg(unix)]
            // SAFETY: registers a function with C's `atexit`; it neither
            // panics nor blocks (below).
            unsafe {
                libc::atexit(remove_in_flight);
            }
        });
        IN_FLIGHT
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_path_buf());
        InFlight(path.to_path_buf())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut v = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = v.iter().position(|p| *p == self.0) {
            v.swap_remove(i);
        }
    }
}

/// The exit hook: removes the temporary files still being written. Never
/// waits for the lock (a writer may hold it) and never unwinds.
#[cfg(unix)]
extern "C" fn remove_in_flight() {
    let _ = std::panic::catch_unwind(|| {
        if let Ok(v) = IN_FLIGHT.try_lock() {
            for p in v.iter() {
                let _ = fs::remove_file(p);
            }
        }
    });
}

/// Whether a miss's entry has been written yet: `None` while it may
/// still be, then whether it was.
#[derive(Debug, Default)]
pub(crate) struct WriteWait {
    done: Mutex<Option<bool>>,
    cond: Condvar,
}

impl WriteWait {
    fn set(&self, written: bool) {
        let mut d = self.done.lock().unwrap_or_else(|e| e.into_inner());
        if d.is_none() {
            *d = Some(written);
            self.cond.notify_all();
        }
    }

    /// Waits until the entry is written or will not be; whether it was.
    pub(crate) fn wait(&self) -> bool {
        let mut d = self.done.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(w) = *d {
                return w;
            }
            d = self.cond.wait(d).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A miss whose entry is still to be written, once the module's code is
/// whole. Dropped unwritten (the module failed to compile, or was dropped
/// before its lazy compilation finished), it says there will be no entry.
pub(crate) struct Pending {
    pub(crate) cache: Arc<Cache>,
    pub(crate) key: Key,
    pub(crate) meta: AotMeta,
    pub(crate) done: Arc<WriteWait>,
}

impl Pending {
    /// Writes the entry of `artifact` (`None`: there will be none).
    pub(crate) fn write(self, artifact: Option<&Artifact>, module: &[u8]) {
        let written = artifact.is_some_and(|a| self.cache.store(&self.key, &self.meta, a, module));
        self.done.set(written);
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.done.set(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_cranelift::CompileConfig;
    use tern_cranelift::translate::BoundsChecks;

    fn meta() -> AotMeta {
        AotMeta {
            engine_version: "0.1.0".into(),
            features: "simd,threads".into(),
            target: "x86_64-unknown-linux-gnu opt_level=speed has_avx=true".into(),
            config: CompileConfig {
                bounds_checks: BoundsChecks::Guard,
                fuel: false,
                interrupts: false,
                epochs: false,
                relaxed_simd_deterministic: false,
            },
        }
    }

    fn key_of(f: impl FnOnce(&mut KeyParts<'_>, &mut Vec<u8>)) -> Key {
        key_with(&meta(), f)
    }

    fn key_with<'a>(meta: &'a AotMeta, f: impl FnOnce(&mut KeyParts<'a>, &mut Vec<u8>)) -> Key {
        let mut parts = KeyParts {
            version: "0.1.0",
            build: "dev 1 ino 2 size 3 mtime 4.000000005",
            format: 8,
            meta,
        };
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        f(&mut parts, &mut module);
        Key::new(&parts, &module)
    }

    #[test]
    fn the_key_is_stable() {
        assert_eq!(key_of(|_, _| {}), key_of(|_, _| {}));
        assert_eq!(key_of(|_, _| {}).hex().len(), 64);
    }

    #[test]
    fn every_input_changes_the_key() {
        let base = key_of(|_, _| {});
        let mut metas = Vec::new();
        let mut m = meta();
        m.engine_version = "0.1.1".into();
        metas.push(("engine version", m));
        let mut m = meta();
        m.features = "simd".into();
        metas.push(("features", m));
        let mut m = meta();
        m.target = "x86_64-unknown-linux-gnu opt_level=speed has_avx=false".into();
        metas.push(("target", m));
        type Tweak = fn(&mut CompileConfig);
        let configs: [(&str, Tweak); 5] = [
            ("bounds checks", |c| c.bounds_checks = BoundsChecks::Explicit),
            ("fuel", |c| c.fuel = true),
            ("interrupts", |c| c.interrupts = true),
            ("epochs", |c| c.epochs = true),
            ("relaxed SIMD", |c| c.relaxed_simd_deterministic = true),
        ];
        for (what, f) in configs {
            let mut m = meta();
            f(&mut m.config);
            metas.push((what, m));
        }
        let mut seen = vec![base];
        let mut check = |what: &str, k: Key| {
            assert!(!seen.contains(&k), "changing the {what} leaves the key as it was");
            seen.push(k);
        };
        for (what, m) in &metas {
            check(what, key_with(m, |_, _| {}));
        }
        check("version", key_of(|p, _| p.version = "0.2.0"));
        check("build", key_of(|p, _| p.build = "dev 1 ino 2 size 3 mtime 4.000000006"));
        check("format", key_of(|p, _| p.format = 9));
        check("module", key_of(|_, m| m[7] = 1));
        check("module's length", key_of(|_, m| m.push(0)));
        // Length prefixes: moving bytes from one field to the next is a
        // different key.
        check(
            "field boundaries",
            key_of(|p, _| {
                p.version = "0.1.0d";
                p.build = "ev 1 ino 2 size 3 mtime 4.000000005";
            }),
        );
    }

    #[test]
    fn module_digests_do_not_depend_on_threads() {
        use crate::cache::sha256::sha256;
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 251) as u8).collect();
        for len in [0, 1, 63, 64, 65, 640, 1000] {
            let one = module_digest(&data[..len], 64, 1);
            for threads in [2, 3, 7, 100] {
                assert_eq!(
                    module_digest(&data[..len], 64, threads),
                    one,
                    "length {len}, {threads} threads"
                );
            }
            // By definition: SHA-256 of the length, the chunk size and
            // the pieces' SHA-256 digests.
            let mut top = b"tern module tree 1".to_vec();
            top.extend_from_slice(&(len as u64).to_le_bytes());
            top.extend_from_slice(&64u64.to_le_bytes());
            for p in data[..len].chunks(64) {
                top.extend_from_slice(&sha256(p));
            }
            assert_eq!(one, sha256(&top));
        }
        assert_ne!(module_digest(&data[..64], 64, 1), module_digest(&data[..65], 64, 1));
        assert_ne!(module_digest(&data[..128], 64, 2), module_digest(&data[..128], 32, 2));
        let mut other = data.clone();
        other[999] ^= 1;
        assert_ne!(module_digest(&data, 64, 4), module_digest(&other, 64, 4));
    }

    #[test]
    fn entry_names() {
        assert!(is_entry(&format!("{}.cwasm", "0a".repeat(32))));
        assert!(!is_entry(&format!("{}.cwasm.1-2.tmp", "0a".repeat(32))));
        assert!(!is_entry(&format!("{}.cwasm", "0g".repeat(32))));
        assert!(!is_entry("x.cwasm"));
    }
}
