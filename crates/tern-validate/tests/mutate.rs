//! Mutation tests: valid modules from a handful of spec files, mutated at
//! random with fixed seeds, must never make `decode` or `validate` panic, and
//! every error must point inside the input.
//!
//! `TERN_MUTANTS=N` changes the number of mutants (default 100 000, about a
//! second in a debug build); `TERN_SEED`
//! changes the base seed. Inputs that panic are written to
//! `target/tmp/mutate-panics/` for reproduction.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use tern_validate::Features;

/// `(spec dir, file)` pairs whose `(module ...)` directives seed the mutants.
const SOURCES: &[(&str, &str)] = &[
    ("wasm-v2", "binary.wast"),
    ("wasm-v2", "binary-leb128.wast"),
    ("wasm-v2", "block.wast"),
    ("wasm-v2", "br_table.wast"),
    ("wasm-v2", "elem.wast"),
    ("wasm-v2", "data.wast"),
    ("wasm-v2", "global.wast"),
    ("wasm-v2", "call_indirect.wast"),
    ("wasm-v2", "table_init.wast"),
    ("simd", "simd_const.wast"),
    ("simd", "simd_lane.wast"),
    ("simd", "simd_load.wast"),
    ("simd", "simd_store8_lane.wast"),
    ("exceptions", "try_table.wast"),
    ("exceptions", "throw.wast"),
    ("tail-call", "return_call_indirect.wast"),
    // GC: recursion groups, subtypes, struct/array types, 0xfb operators.
    ("gc", "struct.wast"),
    ("gc", "array.wast"),
    ("gc", "br_on_cast.wast"),
    ("gc", "type-subtyping.wast"),
    ("wasm-v3", "type-rec.wast"),
];

const DEFAULT_MUTANTS: usize = 100_000;

struct Base {
    origin: String,
    bytes: Vec<u8>,
}

/// The encoded `(module ...)` directives of `SOURCES`.
fn corpus() -> &'static [Base] {
    static CORPUS: OnceLock<Vec<Base>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut out = Vec::new();
        for (dir, name) in SOURCES {
            let file = tern_test_support::suites::file(&format!("{dir}/{name}"));
            let script = tern_text::parse_script(file.text).expect("parse spec file");
            for d in &script.directives {
                if let tern_text::DirectiveKind::Module(m) = &d.kind
                    && let Ok(bytes) = m.to_binary()
                {
                    out.push(Base {
                        origin: format!("{dir}/{name}:{}", d.line),
                        bytes,
                    });
                }
            }
        }
        assert!(out.len() > 50, "too few seed modules: {}", out.len());
        out
    })
}

/// xorshift64*: small, fast, reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// A position to mutate: mostly past the 8-byte header, which is boring.
fn pos(rng: &mut Rng, len: usize) -> usize {
    if len > 8 && rng.below(10) != 0 {
        8 + rng.below(len - 8)
    } else {
        rng.below(len.max(1))
    }
}

const INTERESTING: &[u8] = &[
    0x00, 0x01, 0x02, 0x0b, 0x40, 0x41, 0x60, 0x6f, 0x70, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0xfc, 0xfd, 0xff,
];

/// Applies 1-3 random mutations.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        if b.is_empty() {
            b.push(rng.byte());
            continue;
        }
        let len = b.len();
        match rng.below(9) {
            // Flip one bit.
            0 => {
                let p = pos(rng, len);
                b[p] ^= 1 << rng.below(8);
            }
            // Random byte.
            1 => {
                let p = pos(rng, len);
                b[p] = rng.byte();
            }
            // Interesting byte (opcodes, type codes, LEB edges).
            2 => {
                let p = pos(rng, len);
                b[p] = INTERESTING[rng.below(INTERESTING.len())];
            }
            // Insert 1-4 random bytes.
            3 => {
                let p = pos(rng, len + 1).min(len);
                for _ in 0..1 + rng.below(4) {
                    b.insert(p, rng.byte());
                }
            }
            // Delete a short range.
            4 => {
                let p = pos(rng, len);
                let n = (1 + rng.below(8)).min(len - p);
                b.drain(p..p + n);
            }
            // Truncate.
            5 => {
                let p = pos(rng, len);
                b.truncate(p);
            }
            // Duplicate a range somewhere else.
            6 => {
                let p = pos(rng, len);
                let n = (1 + rng.below(32)).min(len - p);
                let chunk = b[p..p + n].to_vec();
                let at = pos(rng, len + 1).min(len);
                b.splice(at..at, chunk);
            }
            // Turn 1-5 bytes into LEB continuation bytes.
            7 => {
                let p = pos(rng, len);
                let n = (1 + rng.below(5)).min(len - p);
                b[p..p + n].fill(0xff);
            }
            // Overlong-ify: set the continuation bit of a byte.
            _ => {
                let p = pos(rng, len);
                b[p] |= 0x80;
            }
        }
    }
    b
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic payload>".to_string())
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs `check` on every mutant; returns a description of each problem.
/// `share` divides the default number of mutants.
fn run_mutants(
    seed_salt: u64,
    share: usize,
    check: impl Fn(&[u8]) -> Result<(), String>,
) -> (usize, Vec<(String, Vec<u8>)>) {
    let corpus = corpus();
    let total = env_num("TERN_MUTANTS", DEFAULT_MUTANTS as u64) as usize / share;
    let mut rng = Rng::new(env_num("TERN_SEED", 0x7e4e) ^ seed_salt);
    let mut problems = Vec::new();
    for i in 0..total {
        let base = &corpus[i % corpus.len()];
        let mutant = mutate(&mut rng, &base.bytes);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&mutant)))
            .unwrap_or_else(|e| Err(format!("panicked: {}", panic_message(&*e))));
        if let Err(msg) = outcome {
            problems.push((format!("mutant #{i} of {}: {msg}", base.origin), mutant));
        }
    }
    (total, problems)
}

fn report(test: &str, total: usize, problems: &[(String, Vec<u8>)]) {
    if problems.is_empty() {
        println!(
            "{test}: {total} mutants of {} seed modules, no problems",
            corpus().len()
        );
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutate-panics");
    let _ = std::fs::create_dir_all(&dir);
    let mut msg = format!("{test}: {} of {total} mutants failed:\n", problems.len());
    for (i, (what, bytes)) in problems.iter().enumerate() {
        let path = dir.join(format!("{test}-{i}.wasm"));
        let _ = std::fs::write(&path, bytes);
        if i < 15 {
            msg.push_str(&format!("  {what}\n    input: {}\n", path.display()));
        }
    }
    if problems.len() > 15 {
        msg.push_str(&format!("  ... and {} more\n", problems.len() - 15));
    }
    panic!("{msg}");
}

fn check_error(what: &str, bytes: &[u8], e: &tern_validate::Error) -> Result<(), String> {
    if e.offset() > bytes.len() {
        Err(format!(
            "{what} error offset {:#x} past end of {}-byte input: {e}",
            e.offset(),
            bytes.len()
        ))
    } else {
        Ok(())
    }
}

#[test]
fn mutants_never_panic() {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    let wasm2 = Features::wasm2();
    let all = Features::all();
    let (decoded, valid) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let (total, problems) = run_mutants(1, 1, |bytes| {
        match tern_binary::decode(bytes) {
            Ok(_) => _ = decoded.fetch_add(1, Relaxed),
            Err(e) => check_error("decode", bytes, &e)?,
        }
        match tern_validate::validate(bytes, &all) {
            Ok(()) => _ = valid.fetch_add(1, Relaxed),
            Err(e) => check_error("validate(all)", bytes, &e)?,
        }
        if let Err(e) = tern_validate::validate(bytes, &wasm2) {
            check_error("validate(wasm2)", bytes, &e)?;
        }
        Ok(())
    });
    let (decoded, valid) = (decoded.into_inner(), valid.into_inner());
    println!("{total} mutants: {decoded} decoded, {valid} valid (all features)");
    report("mutants_never_panic", total, &problems);
    // Guard the mutator's usefulness: mutants should reach the validator.
    assert!(decoded * 10 >= total, "only {decoded} of {total} mutants decoded");
}

#[test]
fn mutants_agree_in_parallel() {
    // validate_parallel must give the same verdict and error as validate.
    let all = Features::all();
    let (total, problems) = run_mutants(2, 4, |bytes| {
        let a = tern_validate::validate(bytes, &all).map_err(|e| e.to_string());
        let b = tern_validate::validate_parallel(bytes, &all).map_err(|e| e.to_string());
        if a != b {
            return Err(format!("validate: {a:?}, validate_parallel: {b:?}"));
        }
        Ok(())
    });
    report("mutants_agree_in_parallel", total, &problems);
}

#[test]
fn decoded_mutants_round_trip() {
    let (total, problems) = run_mutants(3, 1, |bytes| {
        if let Ok(m) = tern_binary::decode(bytes) {
            let encoded = tern_binary::encode(&m);
            match tern_binary::decode(&encoded) {
                Ok(m2) if m2 == m => {}
                Ok(m2) => return Err(format!("decode(encode(m)) != m:\n      m  = {m:?}\n      m2 = {m2:?}")),
                Err(e) => return Err(format!("re-decoding encode(m) failed: {e}")),
            }
        }
        Ok(())
    });
    report("decoded_mutants_round_trip", total, &problems);
}
