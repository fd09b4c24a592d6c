//! Call overhead, in one run: host→wasm and wasm→host calls per second
//! through tern's Rust API, through tern's C API (`bench/calls.c` against
//! `libtern.so`) and, when the PyPI `wasmtime` wheel is installed, through
//! wasmtime's C API (the same program against the wheel's
//! `_libwasmtime.so`).
//!
//! ```sh
//! cargo build --release -p tern-capi
//! cargo run --release -p tern-capi --example call_overhead [-- N]
//! ```
//!
//! Set `WASMTIME_LIB` to another `libwasmtime.so` to compare with it.

use rt::{Engine, Func, Instance, Module, Store, Val};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const WAT: &str = r#"(module
  (import "" "inc" (func $h (param i32) (result i32)))
  (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "loop") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $h (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc)))"#;

/// Calls per second through the Rust API: (host→wasm typed, host→wasm
/// dynamic, wasm→host).
fn rust_api(wasm: &[u8], n: i32) -> (f64, f64, f64) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("module");
    let mut store = Store::new(&engine, ());
    let host = Func::wrap(&mut store, |x: i32| x + 1);
    let inst = Instance::new(&mut store, &module, &[host.into()]).expect("instance");
    let inc = inst.get_typed_func::<i32, i32>(&mut store, "inc").expect("inc");
    let t = Instant::now();
    for i in 0..n {
        assert_eq!(inc.call(&mut store, i).unwrap(), i + 1);
    }
    let typed = n as f64 / t.elapsed().as_secs_f64();
    let dynamic_inc = inst.get_func(&mut store, "inc").expect("inc");
    let mut out = [Val::I32(0)];
    let t = Instant::now();
    for i in 0..n {
        dynamic_inc.call(&mut store, &[Val::I32(i)], &mut out).unwrap();
    }
    let dynamic = n as f64 / t.elapsed().as_secs_f64();
    let lp = inst.get_typed_func::<i32, i32>(&mut store, "loop").expect("loop");
    let t = Instant::now();
    assert_eq!(lp.call(&mut store, n).unwrap(), n);
    let back = n as f64 / t.elapsed().as_secs_f64();
    (typed, dynamic, back)
}

/// Compiles `bench/calls.c` against `lib` and runs it.
fn c_api(lib: &Path, name: &str, wasm: &Path, n: i32, dir: &Path) -> Option<(f64, f64)> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = dir.join(format!("calls-{name}"));
    let lib_dir = lib.parent()?;
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-O2", "-I"])
        .arg(manifest.join("include"))
        .arg(manifest.join("bench/calls.c"))
        .arg("-o")
        .arg(&exe)
        .arg(lib)
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()));
    if !cc.status().ok()?.success() {
        eprintln!("{name}: compiling bench/calls.c failed");
        return None;
    }
    let out = Command::new(&exe).arg(wasm).arg(n.to_string()).output().ok()?;
    if !out.status.success() {
        eprintln!("{name}: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |key: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
    };
    Some((get("host->wasm")?, get("wasm->host")?))
}

fn wasmtime_lib() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WASMTIME_LIB") {
        return Some(PathBuf::from(p));
    }
    let out = Command::new("python3")
        .args(["-c", "import os, wasmtime; print(os.path.dirname(wasmtime.__file__))"])
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let lib = dir.join("linux-x86_64/_libwasmtime.so");
    lib.exists().then_some(lib)
}

fn main() {
    let n: i32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let profile = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(Path::to_path_buf))
        .expect("target/PROFILE");
    let dir = profile.join("call-overhead");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let wasm = tern_text::parse_wat(WAT).expect("the benchmark module");
    let wasm_path = dir.join("calls.wasm");
    std::fs::write(&wasm_path, &wasm).expect("writing the module");

    println!("{n} calls each; calls per second (higher is better)");
    println!("{:<34} {:>14} {:>14}", "", "host->wasm", "wasm->host");
    let (typed, dynamic, back) = rust_api(&wasm, n);
    println!("{:<34} {typed:>14.0} {back:>14.0}", "tern Rust API (TypedFunc)");
    println!("{:<34} {dynamic:>14.0} {:>14}", "tern Rust API (Func::call)", "");
    let tern = profile.join("libtern.so");
    match c_api(&tern, "tern", &wasm_path, n, &dir) {
        Some((h, w)) => println!("{:<34} {h:>14.0} {w:>14.0}", "tern C API"),
        None => println!("tern C API: not run (build libtern.so first: cargo build --release -p tern-capi)"),
    }
    match wasmtime_lib() {
        Some(lib) => match c_api(&lib, "wasmtime", &wasm_path, n, &dir) {
            Some((h, w)) => println!("{:<34} {h:>14.0} {w:>14.0}", "wasmtime C API"),
            None => println!("wasmtime C API: failed"),
        },
        None => println!("wasmtime C API: not run (pip install wasmtime, or set WASMTIME_LIB)"),
    }
}
