//! The compiled-code cache (`Config::cache`): a miss compiles and writes
//! the entry, a hit loads it and behaves as the compiled module did
//! (results, traps and their backtraces, exceptions, fuel); damaged or
//! mismatched entries are ignored and written again; unfit directories
//! are not used; the size bound holds; racing writers all succeed.
//!
//! Every test uses a directory of its own under the target directory,
//! never the user's cache.

use std::path::{Path, PathBuf};
use std::time::Duration;
use tern::*;

/// A fresh directory for one test's cache (not made: the engine makes it).
fn cache_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The cache's entries, in name order.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "cwasm"));
    v.sort();
    v
}

/// The one entry there is.
fn entry(dir: &Path) -> PathBuf {
    let e = entries(dir);
    assert_eq!(e.len(), 1, "{e:?}");
    e[0].clone()
}

/// Files that are neither entries nor anything else known.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "cwasm"))
        .collect()
}

/// A compiling engine with a cache in `dir`; `None` where the compiler
/// tier is not available.
fn engine(dir: &Path, lazy: bool, tweak: impl FnOnce(&mut Config)) -> Option<Engine> {
    let mut c = Config::new();
    c.tier(Tier::Jit)
        .lazy_compilation(lazy)
        .cache(Some(CacheConfig::new(dir)));
    tweak(&mut c);
    Engine::new(&c).ok()
}

const MODULE: &str = r#"
(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (tag $e (export "e") (param i32))
  (type $bin (func (param i32 i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $inc $add)
  (memory 1)
  (func $inc (param i32 i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "indirect") (param i32 i32 i32) (result i32)
    (call_indirect (type $bin) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "host") (param i32) (result i32) (call $double (local.get 0)))
  (func $inner (param i32) (if (local.get 0) (then (unreachable))))
  (func $middle (param i32) (call $inner (local.get 0)) (call $inner (local.get 0)))
  (func (export "trap") (param i32) (call $middle (local.get 0)))
  (func (export "oob") (param i32) (result i32) (i32.load (local.get 0)))
  (func $thrower (param i32) (throw $e (i32.mul (local.get 0) (i32.const 2))))
  (func (export "throw") (param i32) (call $thrower (local.get 0)))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $thrower (local.get 0)))
      (i32.const -1)))
  (func (export "spin") (param i32) (result i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (local.get $s))
)
"#;

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test WAT parses")
}

/// Everything an embedder can see of `module`: results, traps with their
/// backtraces and the module offsets of their frames, exceptions, fuel.
fn observe(engine: &Engine, module: &Module, fuel: bool) -> Vec<String> {
    let mut store = Store::new(engine, ());
    if fuel {
        store.set_fuel(1_000_000).unwrap();
    }
    let mut linker: Linker<()> = Linker::new(engine);
    linker.func_wrap("host", "double", |x: i32| x * 2).unwrap();
    let instance = linker.instantiate(&mut store, module).unwrap();
    let mut out = Vec::new();
    let mut call = |name: &str, args: &[i32]| {
        let f = instance.get_func(&mut store, name).unwrap();
        let params: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        let mut results = vec![Val::I32(0); f.ty(&store).results().len()];
        let r = f.call(&mut store, &params, &mut results);
        let mut s = format!("{name}{args:?}: ");
        match r {
            Ok(()) => s.push_str(&format!("{results:?}")),
            Err(e) => {
                s.push_str(&format!("error {e}"));
                if let Some(t) = e.as_trap() {
                    s.push_str(&format!("\n{}", t.backtrace("m")));
                    for f in t.trace() {
                        s.push_str(&format!("\n  func {} at {:?}", f.func_index, module.frame_offset(f)));
                    }
                }
            }
        }
        if fuel {
            s.push_str(&format!(" (fuel left {})", store.get_fuel().unwrap()));
        }
        out.push(s);
    };
    call("add", &[2, 3]);
    call("indirect", &[0, 5, 6]);
    call("indirect", &[1, 5, 6]);
    call("indirect", &[7, 5, 6]);
    call("host", &[21]);
    call("trap", &[0]);
    call("trap", &[1]);
    call("oob", &[70000]);
    call("throw", &[7]);
    call("catch", &[5]);
    call("spin", &[1000]);
    out
}

#[test]
fn a_miss_writes_the_entry_and_a_hit_behaves_alike() {
    let bytes = wasm(MODULE);
    for lazy in [true, false] {
        for fuel in [false, true] {
            let dir = cache_dir(&format!("alike-{lazy}-{fuel}"));
            let Some(e1) = engine(&dir, lazy, |c| {
                c.consume_fuel(fuel);
            }) else {
                return;
            };
            let m1 = Module::new(&e1, &bytes).unwrap();
            assert_eq!(m1.cache_use(), CacheUse::Miss);
            let seen1 = observe(&e1, &m1, fuel);
            assert!(m1.wait_cache_write(), "the entry is written");
            assert_eq!(e1.cache_stats().writes, 1);
            assert_eq!(e1.cache_stats().misses, 1);
            let file = entry(&dir);
            let meta = std::fs::metadata(&file).unwrap();
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(meta.permissions().mode() & 0o777, 0o600, "entries are private");
                let d = std::fs::metadata(&dir).unwrap();
                assert_eq!(d.permissions().mode() & 0o777, 0o700, "the directory is private");
            }
            // Another engine (as another process would) loads it.
            let e2 = engine(&dir, lazy, |c| {
                c.consume_fuel(fuel);
            })
            .unwrap();
            let m2 = Module::new(&e2, &bytes).unwrap();
            assert_eq!(m2.cache_use(), CacheUse::Hit);
            assert!(m2.wait_cache_write());
            assert_eq!(
                e2.cache_stats(),
                CacheStats {
                    hits: 1,
                    ..Default::default()
                }
            );
            let seen2 = observe(&e2, &m2, fuel);
            assert_eq!(seen1, seen2, "lazy {lazy}, fuel {fuel}");
            assert!(seen1.iter().any(|s| s.contains("wasm backtrace") || s.contains("func")));
            assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
            // Without the cache: the same again.
            let plain = Engine::new(Config::new().tier(Tier::Jit).lazy_compilation(lazy).consume_fuel(fuel)).unwrap();
            let m3 = Module::new(&plain, &bytes).unwrap();
            assert_eq!(m3.cache_use(), CacheUse::Off);
            assert!(!m3.wait_cache_write());
            assert_eq!(observe(&plain, &m3, fuel), seen1);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[test]
fn lazy_and_eager_share_entries() {
    let bytes = wasm(MODULE);
    let dir = cache_dir("share");
    let Some(lazy) = engine(&dir, true, |_| {}) else { return };
    let m = Module::new(&lazy, &bytes).unwrap();
    assert!(m.wait_cache_write());
    let eager = engine(&dir, false, |_| {}).unwrap();
    let m2 = Module::new(&eager, &bytes).unwrap();
    assert_eq!(m2.cache_use(), CacheUse::Hit);
    assert_eq!(observe(&eager, &m2, false), observe(&lazy, &m, false));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_setting_has_entries_of_its_own() {
    let bytes = wasm(MODULE);
    let dir = cache_dir("settings");
    type Tweak = Box<dyn Fn(&mut Config)>;
    let tweaks: Vec<(&str, Tweak)> = vec![
        ("default", Box::new(|_: &mut Config| {})),
        (
            "fuel",
            Box::new(|c| {
                c.consume_fuel(true);
            }),
        ),
        (
            "epochs",
            Box::new(|c| {
                c.epoch_interruption(true);
            }),
        ),
        (
            "interruptible",
            Box::new(|c| {
                c.interruptible(true);
            }),
        ),
        (
            "bounds checks",
            Box::new(|c| {
                c.bounds_checks(BoundsChecks::Explicit);
            }),
        ),
        (
            "relaxed SIMD",
            Box::new(|c| {
                c.relaxed_simd_deterministic(true);
            }),
        ),
        (
            "features",
            Box::new(|c| {
                c.wasm_feature(Feature::Threads, true);
            }),
        ),
        (
            "Cranelift settings",
            // SAFETY: turning an extension off is always safe.
            Box::new(|c| {
                unsafe { c.cranelift_flag_set("has_avx", "false") };
            }),
        ),
    ];
    for (i, (what, tweak)) in tweaks.iter().enumerate() {
        let Some(e) = engine(&dir, false, tweak) else { return };
        let m = Module::new(&e, &bytes).unwrap();
        assert_eq!(m.cache_use(), CacheUse::Miss, "{what}");
        assert!(m.wait_cache_write());
        assert_eq!(entries(&dir).len(), i + 1, "{what} makes an entry of its own");
    }
    // And each finds its own again.
    for (what, tweak) in &tweaks {
        let e = engine(&dir, true, tweak).unwrap();
        assert_eq!(Module::new(&e, &bytes).unwrap().cache_use(), CacheUse::Hit, "{what}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_and_mismatched_entries_are_ignored_and_rewritten() {
    let bytes = wasm(MODULE);
    let dir = cache_dir("damaged");
    let Some(e) = engine(&dir, false, |_| {}) else { return };
    let reference = observe(&e, &Module::new(&e, &bytes).unwrap(), false);
    let path = entry(&dir);
    let good = std::fs::read(&path).unwrap();
    // An entry of the same module made with fuel on, and one of another
    // module, each put in this entry's place.
    let other_dir = cache_dir("damaged-other");
    let fuel = engine(&other_dir, false, |c| {
        c.consume_fuel(true);
    })
    .unwrap();
    Module::new(&fuel, &bytes).unwrap();
    let fuel_entry = std::fs::read(entry(&other_dir)).unwrap();
    std::fs::remove_dir_all(&other_dir).unwrap();
    let other = engine(&other_dir, false, |_| {}).unwrap();
    Module::new(&other, wasm(&MODULE.replace("i32.const 2", "i32.const 3"))).unwrap();
    let other_entry = std::fs::read(entry(&other_dir)).unwrap();
    std::fs::remove_dir_all(&other_dir).unwrap();
    let flip = |at: usize| {
        let mut b = good.clone();
        b[at] ^= 0x40;
        b
    };
    let mut version = good.clone();
    version[8..12].copy_from_slice(&7u32.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a flipped magic byte", flip(3)),
        ("another format version", version),
        ("a flipped byte in the header's checksum", flip(21)),
        ("a flipped byte in the middle", flip(good.len() / 2)),
        ("a flipped byte at the end", flip(good.len() - 1)),
        ("truncated to half", good[..good.len() / 2].to_vec()),
        ("truncated to nothing", Vec::new()),
        ("one byte too long", [&good[..], &[0]].concat()),
        ("another configuration", fuel_entry),
        ("another module", other_entry),
    ];
    for (what, content) in &cases {
        std::fs::write(&path, content).unwrap();
        let e = engine(&dir, false, |_| {}).unwrap();
        let m = Module::new(&e, &bytes).unwrap();
        assert_eq!(m.cache_use(), CacheUse::Miss, "{what}");
        let stats = e.cache_stats();
        assert_eq!((stats.damaged, stats.misses, stats.hits), (1, 1, 0), "{what}");
        assert_eq!(observe(&e, &m, false), reference, "{what}");
        // Rewritten: the next engine finds it whole.
        assert!(m.wait_cache_write(), "{what}");
        assert!(std::fs::read(&path).unwrap() == good, "{what}: rewritten as it was");
        let e = engine(&dir, false, |_| {}).unwrap();
        assert_eq!(Module::new(&e, &bytes).unwrap().cache_use(), CacheUse::Hit, "{what}");
    }
    // A lazy miss rewrites it too, from its final image (which has no
    // array-call trampolines for the functions that cannot reach the
    // host, so it is not the same file).
    std::fs::write(&path, &good[..100]).unwrap();
    let e = engine(&dir, true, |_| {}).unwrap();
    let m = Module::new(&e, &bytes).unwrap();
    assert_eq!(m.cache_use(), CacheUse::Miss);
    assert_eq!(e.cache_stats().damaged, 1);
    assert!(m.wait_cache_write());
    let e = engine(&dir, false, |_| {}).unwrap();
    let m = Module::new(&e, &bytes).unwrap();
    assert_eq!(m.cache_use(), CacheUse::Hit);
    assert_eq!(observe(&e, &m, false), reference);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unfit_directories_are_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let bytes = wasm(MODULE);
    let dir = cache_dir("unfit");
    std::fs::create_dir_all(&dir).unwrap();
    for mode in [0o777, 0o770, 0o722] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
        let Some(e) = engine(&dir, false, |_| {}) else { return };
        assert!(!e.has_cache(), "mode {mode:o}");
        let m = Module::new(&e, &bytes).unwrap();
        assert_eq!(m.cache_use(), CacheUse::Off);
        assert_eq!(observe(&e, &m, false)[0], "add[2, 3]: [I32(5)]");
        assert!(entries(&dir).is_empty());
    }
    // Private again: used (an existing 0755 directory is fine too).
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(engine(&dir, false, |_| {}).unwrap().has_cache());
    // Owned by someone else (only root can arrange that).
    if std::os::unix::fs::chown(&dir, Some(12345), None).is_ok() {
        assert!(!engine(&dir, false, |_| {}).unwrap().has_cache());
        std::os::unix::fs::chown(&dir, Some(0), None).unwrap();
    }
    // Not a directory.
    let file = dir.join("file");
    std::fs::write(&file, b"x").unwrap();
    assert!(!engine(&file, false, |_| {}).unwrap().has_cache());
    // Below a file: cannot be made.
    assert!(!engine(&file.join("sub"), false, |_| {}).unwrap().has_cache());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_cache_writes_nothing() {
    let bytes = wasm(MODULE);
    let dir = cache_dir("none");
    let Some(e) = engine(&dir, false, |c| {
        c.cache(None);
    }) else {
        return;
    };
    let m = Module::new(&e, &bytes).unwrap();
    assert_eq!(m.cache_use(), CacheUse::Off);
    assert!(!dir.exists(), "the directory is not even made");
    // Interpreted modules and interpreting engines do not use it.
    let e = engine(&dir, false, |_| {}).unwrap();
    assert_eq!(Module::interpreted(&e, &bytes).unwrap().cache_use(), CacheUse::Off);
    let interp = engine(&dir, false, |c| {
        c.tier(Tier::Interp);
    })
    .unwrap();
    assert!(!interp.has_cache());
    assert_eq!(Module::new(&interp, &bytes).unwrap().cache_use(), CacheUse::Off);
    assert!(entries(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Distinct modules of about the same size.
fn numbered(i: i32) -> Vec<u8> {
    wasm(&MODULE.replace("(i32.const 1)", &format!("(i32.const {})", 1000 + i)))
}

#[test]
fn eviction_keeps_the_total_under_the_bound() {
    let dir = cache_dir("evict");
    let Some(probe) = engine(&dir, false, |_| {}) else {
        return;
    };
    Module::new(&probe, numbered(0)).unwrap();
    let size = std::fs::metadata(entry(&dir)).unwrap().len();
    std::fs::remove_dir_all(&dir).unwrap();
    // Room for two entries and a half.
    let bound = size * 5 / 2;
    let e = engine(&dir, false, |c| {
        let mut cache = CacheConfig::new(&dir);
        cache.max_size(bound);
        c.cache(Some(cache));
    })
    .unwrap();
    let total = |dir: &Path| -> u64 { entries(dir).iter().map(|p| std::fs::metadata(p).unwrap().len()).sum() };
    let pause = || std::thread::sleep(Duration::from_millis(20));
    for i in 1..=2 {
        Module::new(&e, numbered(i)).unwrap();
        pause();
    }
    assert_eq!(entries(&dir).len(), 2);
    // Using entry 1 makes entry 2 the least recently used.
    assert_eq!(Module::new(&e, numbered(1)).unwrap().cache_use(), CacheUse::Hit);
    pause();
    Module::new(&e, numbered(3)).unwrap();
    assert!(total(&dir) <= bound, "{} > {bound}", total(&dir));
    assert_eq!(entries(&dir).len(), 2);
    assert_eq!(e.cache_stats().evictions, 1);
    assert_eq!(Module::new(&e, numbered(1)).unwrap().cache_use(), CacheUse::Hit);
    assert_eq!(Module::new(&e, numbered(3)).unwrap().cache_use(), CacheUse::Hit);
    assert_eq!(
        Module::new(&e, numbered(2)).unwrap().cache_use(),
        CacheUse::Miss,
        "2 was evicted"
    );
    for i in 4..10 {
        pause();
        Module::new(&e, numbered(i)).unwrap();
        assert!(total(&dir) <= bound, "{} > {bound}", total(&dir));
    }
    // An entry larger than the bound is not kept at all.
    let small = cache_dir("evict-small");
    let e = engine(&small, false, |c| {
        let mut cache = CacheConfig::new(&small);
        cache.max_size(100);
        c.cache(Some(cache));
    })
    .unwrap();
    let m = Module::new(&e, numbered(0)).unwrap();
    assert!(!m.wait_cache_write());
    assert_eq!(e.cache_stats().write_errors, 1);
    assert!(entries(&small).is_empty() && leftovers(&small).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&small);
}

#[test]
fn racing_writers_on_one_key_all_succeed() {
    let bytes = wasm(MODULE);
    let dir = cache_dir("race");
    if engine(&dir, false, |_| {}).is_none() {
        return;
    }
    for round in 0..3 {
        let _ = std::fs::remove_dir_all(&dir);
        let results: Vec<Vec<String>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|i| {
                    let (dir, bytes) = (&dir, &bytes);
                    s.spawn(move || {
                        let e = engine(dir, i % 2 == 0, |_| {}).unwrap();
                        let m = Module::new(&e, bytes).unwrap();
                        let seen = observe(&e, &m, false);
                        assert!(m.wait_cache_write() || m.cache_use() == CacheUse::Hit);
                        seen
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(results.windows(2).all(|w| w[0] == w[1]), "round {round}");
        entry(&dir);
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
        let e = engine(&dir, false, |_| {}).unwrap();
        assert_eq!(Module::new(&e, &bytes).unwrap().cache_use(), CacheUse::Hit);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn default_places() {
    // Only the parts that do not read the environment of the test process
    // (the CLI's tests set the variables in child processes).
    let c = CacheConfig::new("/some/where");
    assert_eq!(c.dir(), Path::new("/some/where"));
    assert_eq!(c.max_size_bytes(), CacheConfig::DEFAULT_MAX_SIZE);
    assert_eq!(CacheConfig::DEFAULT_MAX_SIZE, 1 << 30);
}
