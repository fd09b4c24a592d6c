//! The compute kernels shared by the `interp` bench and the
//! `interp_vs_wasmi` example, and a runner for each engine.
//!
//! Every kernel is a WAT module exporting `run: [i32] -> [i64]`; the
//! argument sizes the work. Modules are parsed to binary with the `wat`
//! crate, instantiated once per engine, and `run` is called repeatedly
//! (kernels that use memory re-initialise it on every call).

#![allow(dead_code)]

/// One compute kernel.
pub struct Kernel {
    pub name: &'static str,
    pub wat: &'static str,
    /// The argument to `run`.
    pub arg: i32,
}

/// A kernel named `name`, its module in `../wat/<name>.wat`.
macro_rules! kernel {
    ($name:literal, $arg:expr) => {
        Kernel {
            name: $name,
            wat: include_str!(concat!("../wat/", $name, ".wat")),
            arg: $arg,
        }
    };
}

/// The kernels, each sized to run for roughly 10–100 ms.
pub const KERNELS: &[Kernel] = &[
    kernel!("fib", 27),
    kernel!("sieve", 2_000_000),
    kernel!("matmul", 100),
    kernel!("collatz", 30_000),
    kernel!("indirect", 1_000_000),
    kernel!("crc32", 1 << 20),
];

/// A kernel's answer computed natively in Rust: both engines must match it.
pub fn reference(name: &str, n: i32) -> i64 {
    match name {
        "fib" => {
            let (mut a, mut b) = (0i64, 1i64);
            for _ in 0..n {
                (a, b) = (b, a + b);
            }
            a
        }
        "sieve" => {
            let n = n as usize;
            let mut composite = vec![false; n];
            let mut count = 0;
            for i in 2..n {
                if !composite[i] {
                    count += 1;
                    let mut j = i * i;
                    while j < n {
                        composite[j] = true;
                        j += i;
                    }
                }
            }
            count
        }
        "matmul" => {
            let n = n as usize;
            let fnn = n as f64;
            let a: Vec<f64> = (0..n * n).map(|k| ((k / n + k % n) as i32) as f64 / fnn).collect();
            let b: Vec<f64> = (0..n * n)
                .map(|k| ((k / n) as i32 - (k % n) as i32) as f64 / fnn)
                .collect();
            let mut sum = 0.0f64;
            for i in 0..n {
                for j in 0..n {
                    let mut acc = 0.0f64;
                    for k in 0..n {
                        acc += a[i * n + k] * b[k * n + j];
                    }
                    sum += acc;
                }
            }
            sum.to_bits() as i64
        }
        "collatz" => {
            let mut total = 0i64;
            for i in 1..=n as u64 {
                let mut x = i;
                while x != 1 {
                    x = if x & 1 == 1 { x * 3 + 1 } else { x >> 1 };
                    total += 1;
                }
            }
            total
        }
        "indirect" => {
            let mix = |x: u32| x ^ (x >> 7);
            let mut acc = 1u32;
            let mut i = 0u32;
            loop {
                let sel = i.wrapping_add(acc >> 3) & 3;
                acc = match sel {
                    0 => acc.wrapping_add(mix(i)),
                    1 => acc.wrapping_sub(i),
                    2 => mix(acc ^ i),
                    _ => acc.wrapping_mul(i | 1),
                };
                i += 1;
                if i >= n as u32 {
                    break;
                }
            }
            acc as i64
        }
        "crc32" => {
            let mut table = [0u32; 256];
            for (i, t) in table.iter_mut().enumerate() {
                let mut c = i as u32;
                for _ in 0..8 {
                    c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                }
                *t = c;
            }
            let mut x = 12345u32;
            let mut c = u32::MAX;
            for _ in 0..n {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let byte = (x >> 16) as u8;
                c = table[((c ^ byte as u32) & 0xff) as usize] ^ (c >> 8);
            }
            (!c) as i64
        }
        _ => panic!("unknown kernel {name}"),
    }
}

/// The binary of a kernel.
pub fn wasm(k: &Kernel) -> Vec<u8> {
    wat::parse_str(k.wat).unwrap_or_else(|e| panic!("{}: {e}", k.name))
}

/// A kernel instantiated on tern's interpreter.
pub struct TernRun {
    store: tern::Store<()>,
    run: tern::TypedFunc<i32, i64>,
}

impl TernRun {
    pub fn new(wasm: &[u8]) -> TernRun {
        TernRun::with_tier(wasm, tern::Tier::Interp)
    }

    /// The kernel on tern's `tier`.
    #[allow(dead_code)] // not every bench uses it
    pub fn with_tier(wasm: &[u8], tier: tern::Tier) -> TernRun {
        let mut config = tern::Config::new();
        config.tier(tier);
        let engine = tern::Engine::new(&config).expect("tern: engine");
        let module = tern::Module::new(&engine, wasm).expect("tern: module");
        let mut store = tern::Store::new(&engine, ());
        let instance = tern::Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("tern: instantiate");
        let run = instance
            .get_typed_func::<i32, i64>(&mut store, "run")
            .expect("tern: export `run`");
        TernRun { store, run }
    }

    pub fn run(&mut self, arg: i32) -> i64 {
        self.run.call(&mut self.store, arg).expect("tern: run")
    }
}

/// A kernel instantiated on wasmi.
pub struct WasmiRun {
    store: wasmi::Store<()>,
    run: wasmi::TypedFunc<i32, i64>,
}

impl WasmiRun {
    pub fn new(wasm: &[u8]) -> WasmiRun {
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, wasm).expect("wasmi: module");
        let mut store = wasmi::Store::new(&engine, ());
        let instance = wasmi::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("wasmi: instantiate");
        let run = instance
            .get_typed_func::<i32, i64>(&store, "run")
            .expect("wasmi: export `run`");
        WasmiRun { store, run }
    }

    pub fn run(&mut self, arg: i32) -> i64 {
        self.run.call(&mut self.store, arg).expect("wasmi: run")
    }
}

/// Instantiates `k` on both engines, runs it once on each (which also
/// translates lazily compiled code) and checks that both give the answer
/// computed natively.
pub fn setup(k: &Kernel) -> (TernRun, WasmiRun) {
    let bin = wasm(k);
    let mut t = TernRun::new(&bin);
    let mut w = WasmiRun::new(&bin);
    let (rt, rw) = (t.run(k.arg), w.run(k.arg));
    assert_eq!(rt, rw, "{}: tern and wasmi disagree", k.name);
    assert_eq!(rt, reference(k.name, k.arg), "{}: wrong answer", k.name);
    (t, w)
}

/// The geometric mean.
pub fn geomean(xs: &[f64]) -> f64 {
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
}
