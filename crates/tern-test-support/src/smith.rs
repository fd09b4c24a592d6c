//! Differential testing support, shared by tern-runtime's
//! `tests/differential_tiers.rs` and the fuzz targets (`fuzz/` depends on
//! this crate with the `smith` feature):
//!
//! * random modules from wasm-smith whose every result is deterministic, so
//!   that two engines must agree bit for bit ([`module`]);
//! * running one on tern and recording what an embedder can observe
//!   ([`run_tern`]), in an engine-neutral form ([`Event`]);
//! * comparing two such records ([`compare`]);
//! * the tier differential itself ([`diff_tiers`]): both tiers with the
//!   same options, compared.
//!
//! Determinism. The spec lets a floating-point operation that returns a
//! NaN choose its sign and payload. wasm-smith's `canonicalize_nans`
//! replaces the NaN results of arithmetic with one fixed NaN, but not those
//! of `f32.demote_f64`, `f64.promote_f32`, `f32x4.demote_f64x2_zero` and
//! `f64x2.promote_low_f32x4`; [`canonicalize_conversion_nans`] adds the
//! same replacement after each of those, found by decoding the bodies.
//! Every other instruction is bit-exact (loads, stores, constants,
//! `reinterpret`, `abs`/`neg`/`copysign`, `pmin`/`pmax` pick an operand),
//! so results are compared bit for bit: no difference is excused.
//!
//! What is not comparable, by design: where the call stack runs out, and
//! where fuel runs out, differ between engines (frame sizes, what an
//! operator costs). The first call that exhausts either ends the
//! comparison ([`Event::Cut`]): everything before it must agree, nothing
//! after it (the final memory and globals included) is compared.

use arbitrary::Unstructured;
use std::fmt;
use tern_binary::{FuncBody, Ieee32, Ieee64, Operator, Reader};

/// wasm-smith's canonical NaNs (positive, quiet, zero payload).
pub const CANON_F32: u32 = 0x7fc0_0000;
pub const CANON_F64: u64 = 0x7ff8_0000_0000_0000;

/// Which proposals beyond Wasm 2.0 (which is always on, SIMD included
/// when `simd`) the generated modules may use.
#[derive(Clone, Copy, Debug)]
pub struct Proposals {
    pub simd: bool,
    pub tail_call: bool,
    pub multi_memory: bool,
    pub exceptions: bool,
    /// Wasm 3.0's wide arithmetic and extended constant expressions.
    pub wasm3: bool,
    /// Relaxed SIMD (with `simd`). Its operators are not NaN-canonicalized
    /// by wasm-smith, and engines may choose differently: tern's tiers give
    /// the same answers, other engines need not.
    pub relaxed_simd: bool,
    /// 64-bit memories and tables, and 1-byte pages.
    pub memory64: bool,
    /// Shared memories and atomic operators (one thread: a module that
    /// could wait on a shared memory is not made, since nothing would
    /// wake it).
    pub threads: bool,
    /// Wasm GC (with typed function references): the interpreter only.
    pub gc: bool,
}

impl Proposals {
    /// What both tiers implement: the tier differential's modules.
    pub const TIERS: Proposals = Proposals {
        simd: true,
        tail_call: true,
        multi_memory: true,
        exceptions: true,
        wasm3: true,
        relaxed_simd: true,
        memory64: true,
        threads: true,
        gc: false,
    };

    /// What the interpreter implements: the GC differential's modules
    /// (threads left out: GC modules do not share memories here).
    pub const GC: Proposals = Proposals {
        relaxed_simd: false,
        threads: false,
        gc: true,
        ..Proposals::TIERS
    };
}

/// The wasm-smith configuration: no imports, every entity exported, NaNs
/// canonicalized, only proposals tern implements (see [`Proposals`]).
pub fn config(p: Proposals) -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        min_funcs: 1,
        max_funcs: 20,
        max_instructions: 200,
        canonicalize_nans: true,
        export_everything: true,
        allow_start_export: true,
        max_memory32_bytes: 1 << 20,
        max_table_elements: 1000,
        max_memories: if p.multi_memory { 2 } else { 1 },
        simd_enabled: p.simd,
        tail_call_enabled: p.tail_call,
        exceptions_enabled: p.exceptions,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        threads_enabled: p.threads,
        shared_everything_threads_enabled: false,
        gc_enabled: p.gc,
        relaxed_simd_enabled: p.relaxed_simd && p.simd,
        memory64_enabled: p.memory64,
        max_memory64_bytes: 1 << 20,
        wide_arithmetic_enabled: p.wasm3,
        extended_const_enabled: p.wasm3,
        custom_page_sizes_enabled: p.memory64,
        ..Default::default()
    }
}

/// `n` pseudo-random bytes from `seed` (xorshift): the fixed-seed
/// differential tests' inputs.
pub fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The GC heap limit of a differential run (as memories and tables are
/// bounded): an allocation beyond it fails, which ends the comparison.
pub const MAX_GC_HEAP: usize = 64 << 20;

/// Each loop iteration and call consumes one unit of a counter that
/// wasm-smith adds (an exported global); at zero the module traps
/// (`unreachable`). So every call ends, on every engine, at the same point.
pub const TERMINATION_FUEL: u32 = 20_000;

/// A wasm-smith module from `u`, made to terminate and deterministic.
/// `None` when `u` does not make a module.
pub fn module(u: &mut Unstructured<'_>, p: Proposals) -> Option<Vec<u8>> {
    let mut m = wasm_smith::Module::new(config(p), u).ok()?;
    m.ensure_termination(TERMINATION_FUEL).ok()?;
    let bytes = m.to_bytes();
    if p.threads && may_wait_on_shared_memory(&bytes) {
        return None;
    }
    Some(canonicalize_conversion_nans(&bytes).expect("tern decodes wasm-smith's modules"))
}

/// Whether a function of the module has a `memory.atomic.wait32/64` on a
/// shared memory: with one thread, such a wait blocks until its timeout,
/// which may be never. (A wait on an unshared memory traps, and stays in.)
pub fn may_wait_on_shared_memory(bytes: &[u8]) -> bool {
    let Ok(module) = tern_binary::decode(bytes) else {
        return false;
    };
    let shared: Vec<bool> = module.memories.iter().map(|m| m.shared).collect();
    if !shared.contains(&true) {
        return false;
    }
    module.code.iter().any(|body| {
        let Ok((_, mut ops)) = body.locals() else {
            return false;
        };
        ops.set_multi_memory(true);
        ops.set_memory64(true);
        while !ops.eof() {
            match ops.read() {
                Ok(Operator::MemoryAtomicWait32 { memarg } | Operator::MemoryAtomicWait64 { memarg }) => {
                    if shared.get(memarg.memory as usize).copied().unwrap_or(true) {
                        return true;
                    }
                }
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    })
}

/// The operators whose NaN results wasm-smith leaves alone, with the kind
/// of value they leave.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Conv {
    F32,
    F64,
    F32x4,
    F64x2,
}

fn conversion(op: &Operator<'_>) -> Option<Conv> {
    match op {
        Operator::F32DemoteF64 {} => Some(Conv::F32),
        Operator::F64PromoteF32 {} => Some(Conv::F64),
        Operator::F32x4DemoteF64x2Zero {} => Some(Conv::F32x4),
        Operator::F64x2PromoteLowF32x4 {} => Some(Conv::F64x2),
        _ => None,
    }
}

/// Rewrites `bytes` so that a NaN left by a float conversion (demote,
/// promote, scalar or vector) becomes the canonical NaN, as wasm-smith does
/// for arithmetic: `local.tee $t; <nan>; local.get $t; local.get $t; eq;
/// select` (`v128.bitselect` for vectors), with `$t` a scratch local added
/// to the function. Functions without these operators are left as they
/// are; so is a module without any.
pub fn canonicalize_conversion_nans(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let module = tern_binary::decode(bytes).map_err(|e| e.to_string())?;
    let mut bodies = Vec::with_capacity(module.code.len());
    for (i, body) in module.code.iter().enumerate() {
        let ty = module
            .functions
            .get(i)
            .and_then(|&t| module.types.get(t as usize))
            .ok_or("function without a type")?;
        bodies.push(rewrite_body(body, ty.params().len() as u32).map_err(|e| e.to_string())?);
    }
    if bodies.iter().all(Option::is_none) {
        return Ok(bytes.to_vec());
    }
    let mut out = module.clone();
    for (body, new) in out.code.iter_mut().zip(&bodies) {
        if let Some(new) = new {
            body.bytes = new.as_slice();
        }
    }
    Ok(tern_binary::encode(&out))
}

fn rewrite_body(body: &FuncBody<'_>, num_params: u32) -> tern_binary::Result<Option<Vec<u8>>> {
    let (locals, ops) = body.locals()?;
    let mut ops = ops;
    ops.set_multi_memory(true);
    ops.set_memory64(true);
    let base = body.offset;
    let ops_start = ops.offset() - base;
    // Which kinds of scratch local are needed.
    let mut need_f32 = false;
    let mut need_f64 = false;
    let mut need_v128 = false;
    {
        let mut scan = ops.clone();
        while !scan.eof() {
            match conversion(&scan.read()?) {
                Some(Conv::F32) => need_f32 = true,
                Some(Conv::F64) => need_f64 = true,
                Some(Conv::F32x4 | Conv::F64x2) => need_v128 = true,
                None => {}
            }
        }
    }
    if !(need_f32 || need_f64 || need_v128) {
        return Ok(None);
    }
    let mut next = num_params + locals.iter().map(|&(n, _)| n).sum::<u32>();
    let mut added = Vec::new();
    let mut scratch = |need: bool, ty: u8| {
        need.then(|| {
            added.push(ty);
            next += 1;
            next - 1
        })
    };
    let (t32, t64, tv) = (
        scratch(need_f32, 0x7d),
        scratch(need_f64, 0x7c),
        scratch(need_v128, 0x7b),
    );

    let mut out = Vec::with_capacity(body.bytes.len() + 64);
    // Local declarations: the original groups, then one per scratch local.
    let mut r = Reader::new(body.bytes, base);
    let groups = r.u32()?;
    let groups_end = r.offset() - base;
    tern_binary::write_u32(&mut out, groups + added.len() as u32);
    out.extend_from_slice(&body.bytes[groups_end..ops_start]);
    for ty in added {
        out.extend_from_slice(&[1, ty]);
    }
    while !ops.eof() {
        let (op, at) = ops.read_with_offset()?;
        out.extend_from_slice(&body.bytes[at - base..ops.offset() - base]);
        let (local, nan, eq, select) = match conversion(&op) {
            None => continue,
            Some(Conv::F32) => (
                t32,
                Operator::F32Const {
                    value: Ieee32(CANON_F32),
                },
                Operator::F32Eq {},
                Operator::Select {},
            ),
            Some(Conv::F64) => (
                t64,
                Operator::F64Const {
                    value: Ieee64(CANON_F64),
                },
                Operator::F64Eq {},
                Operator::Select {},
            ),
            Some(Conv::F32x4) => (
                tv,
                v128_const((CANON_F32 as u128) * 0x0000_0001_0000_0001_0000_0001_0000_0001),
                Operator::F32x4Eq {},
                Operator::V128Bitselect {},
            ),
            Some(Conv::F64x2) => (
                tv,
                v128_const((CANON_F64 as u128) * 0x0000_0000_0000_0001_0000_0000_0000_0001),
                Operator::F64x2Eq {},
                Operator::V128Bitselect {},
            ),
        };
        let local_index = local.expect("scratch local allocated in the scan");
        Operator::LocalTee { local_index }.encode(&mut out);
        nan.encode(&mut out);
        Operator::LocalGet { local_index }.encode(&mut out);
        Operator::LocalGet { local_index }.encode(&mut out);
        eq.encode(&mut out);
        select.encode(&mut out);
    }
    Ok(Some(out))
}

fn v128_const(v: u128) -> Operator<'static> {
    Operator::V128Const {
        value: tern_binary::V128(v.to_le_bytes()),
    }
}

/// A value as both engines can report it. Floats are bits; references
/// only say whether they are null (identities do not cross engines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    Ref { null: bool },
}

/// The value types arguments are made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref,
}

/// Arguments for a call, from `u` (zeros once it runs dry); references
/// are null. Both engines get the same ones when given the same `u`.
pub fn args(u: &mut Unstructured<'_>, params: &[Type]) -> Vec<Value> {
    params
        .iter()
        .map(|t| match t {
            Type::I32 => Value::I32(u.arbitrary().unwrap_or(0)),
            Type::I64 => Value::I64(u.arbitrary().unwrap_or(0)),
            Type::F32 => Value::F32(u.arbitrary().unwrap_or(0)),
            Type::F64 => Value::F64(u.arbitrary().unwrap_or(0)),
            Type::V128 => Value::V128(u.arbitrary().unwrap_or(0)),
            Type::Ref => Value::Ref { null: true },
        })
        .collect()
}

/// A trap, by kind: each engine's codes and messages mapped to the spec's
/// categories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    /// Table index out of bounds, `call_indirect` included (the spec's
    /// "undefined element").
    TableOutOfBounds,
    /// `call_indirect` to a null entry ("uninitialized element").
    NullFunction,
    IndirectCallTypeMismatch,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    NullReference,
    UncaughtException,
    StackExhausted,
    OutOfFuel,
    /// A GC cast that failed.
    CastFailure,
    /// A GC array access outside the array.
    ArrayOutOfBounds,
    /// A GC allocation refused (heap limits differ between engines).
    OutOfGcMemory,
    /// Anything else, by message (never expected).
    Other(String),
}

impl TrapKind {
    /// Whether the point where this happens depends on the engine.
    pub fn engine_dependent(&self) -> bool {
        matches!(
            self,
            TrapKind::StackExhausted | TrapKind::OutOfFuel | TrapKind::OutOfGcMemory
        )
    }
}

/// One observation, in the order they are made: instantiation, each
/// exported function called in export order, then the final state of each
/// exported global, memory and table.
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    /// The engine rejected the module (the message is not compared).
    Invalid(String),
    /// Instantiation (the start function, segment initialisation) trapped.
    InstantiationTrap(TrapKind),
    Call {
        name: String,
        args: Vec<Value>,
        result: Result<Vec<Value>, TrapKind>,
    },
    Global {
        name: String,
        value: Value,
    },
    Memory {
        name: String,
        data: Vec<u8>,
    },
    Table {
        name: String,
        size: u64,
        nulls: Vec<bool>,
    },
    Tag {
        name: String,
    },
    /// The fuel a call that returned used (runs that record it, see
    /// [`TernRun::record_fuel`]).
    Fuel(u64),
    /// Comparison ends here: stack or fuel ran out (see the module docs).
    Cut(TrapKind),
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Invalid(m) => write!(f, "invalid: {m}"),
            Event::InstantiationTrap(k) => write!(f, "instantiation trapped: {k:?}"),
            Event::Call { name, args, result } => write!(f, "call {name:?}{args:x?} -> {result:x?}"),
            Event::Global { name, value } => write!(f, "global {name:?} = {value:x?}"),
            Event::Memory { name, data } => write!(f, "memory {name:?}: {} bytes", data.len()),
            Event::Table { name, size, nulls } => {
                let n = nulls.iter().filter(|&&x| x).count();
                write!(f, "table {name:?}: {size} elements, {n} null")
            }
            Event::Tag { name } => write!(f, "tag {name:?}"),
            Event::Fuel(n) => write!(f, "fuel used: {n}"),
            Event::Cut(k) => write!(f, "comparison ends: {k:?}"),
        }
    }
}

/// Compares two records: `Ok` with the number of events compared, or a
/// description of the first difference. Both are cut at the first
/// [`Event::Cut`] of either.
pub fn compare(a: &[Event], b: &[Event], names: (&str, &str)) -> Result<usize, String> {
    let cut = |l: &[Event]| l.iter().position(|e| matches!(e, Event::Cut(_)));
    let n = [cut(a), cut(b)].into_iter().flatten().min();
    let (a, b) = match n {
        Some(n) => (&a[..n.min(a.len())], &b[..n.min(b.len())]),
        None => (a, b),
    };
    let (x, y) = names;
    for (i, (p, q)) in a.iter().zip(b).enumerate() {
        let same = match (p, q) {
            (Event::Invalid(_), Event::Invalid(_)) => true,
            (Event::Memory { name: m, data: d }, Event::Memory { name: n, data: e })
                if m == n && d.len() == e.len() =>
            {
                match d.iter().zip(e).position(|(s, t)| s != t) {
                    None => true,
                    Some(at) => {
                        let end = (at + 16).min(d.len());
                        return Err(format!(
                            "event {i}: memory {m:?} differs first at byte {at:#x}:\n  {x}: {:02x?}\n  {y}: {:02x?}",
                            &d[at..end],
                            &e[at..end]
                        ));
                    }
                }
            }
            _ => p == q,
        };
        if !same {
            return Err(format!("event {i} differs:\n  {x}: {p:?}\n  {y}: {q:?}"));
        }
    }
    if a.len() != b.len() {
        return Err(format!(
            "{x} has {} events, {y} {}:\n  {x}: {:?}\n  {y}: {:?}",
            a.len(),
            b.len(),
            a.get(b.len()),
            b.get(a.len())
        ));
    }
    Ok(a.len())
}

/// The fuel both sides start with when a run consumes fuel. What an
/// operator costs differs by engine, so running out ends the comparison;
/// this much is rarely used up (the module's own counter stops it first).
pub const FUEL: u64 = 10_000_000;

/// Limits both sides of a comparison set alike, so that `memory.grow` and
/// `table.grow` fail at the same sizes.
pub const MAX_MEMORY_PAGES: u64 = 64;
pub const MAX_TABLE_ELEMENTS: u64 = 10_000;

/// How to run tern.
#[derive(Clone, Copy, Debug)]
pub struct TernRun {
    pub tier: tern::Tier,
    /// Consume fuel, starting with this much (compiled code checks it too).
    pub fuel: Option<u64>,
    /// Compiled code compares every access with the memory's length
    /// instead of relying on guard pages.
    pub explicit_bounds: bool,
    /// Translate and compile every function up front rather than on its
    /// first call.
    pub eager: bool,
    /// Check epochs, with a deadline that is always reached and a callback
    /// that lets the guest go on: every check calls out, which must change
    /// nothing.
    pub epochs: bool,
    /// Compiled code checks the interrupt flag (never raised here).
    pub interruptible: bool,
    /// Relaxed SIMD in the deterministic mode.
    pub relaxed_simd_deterministic: bool,
    /// Tiered execution (with [`tern::Tier::Auto`]).
    pub tiering: Option<tern::Tiering>,
    /// Record the fuel every call that returns uses ([`Event::Fuel`]):
    /// tern's tiers charge the same for it.
    pub record_fuel: bool,
    /// Collect the GC heap before every allocation, never reusing a freed
    /// object's slot ([`tern::Config::gc_stress`]).
    pub gc_stress: bool,
    /// The deepest call stack ([`tern::Config::max_call_depth`]) and, when
    /// set, the most stack compiled code may use
    /// ([`tern::Config::max_wasm_stack`]).
    pub max_call_depth: usize,
    pub max_wasm_stack: Option<usize>,
}

impl TernRun {
    /// The tier with default options.
    pub fn new(tier: tern::Tier) -> TernRun {
        TernRun {
            tier,
            fuel: None,
            explicit_bounds: false,
            eager: false,
            epochs: false,
            interruptible: false,
            relaxed_simd_deterministic: false,
            tiering: None,
            record_fuel: false,
            gc_stress: false,
            max_call_depth: 1_000_000,
            max_wasm_stack: None,
        }
    }

    /// The options that `flags` picks (the bits of [`flags`]), for `tier`.
    pub fn with_flags(tier: tern::Tier, flags: u8) -> TernRun {
        TernRun {
            fuel: (flags & flags::FUEL != 0).then_some(FUEL),
            explicit_bounds: flags & flags::EXPLICIT_BOUNDS != 0,
            eager: flags & flags::EAGER != 0,
            epochs: flags & flags::EPOCHS != 0,
            interruptible: flags & flags::INTERRUPTIBLE != 0,
            relaxed_simd_deterministic: flags & flags::RELAXED_SIMD_DETERMINISTIC != 0,
            record_fuel: flags & flags::FUEL != 0,
            ..TernRun::new(tier)
        }
    }
}

/// The tiered execution of [`flags::TIERED`]: a function's second call
/// runs compiled code, and a loop's first iteration moves its call there
/// (on-stack replacement), deterministically.
pub const EAGER_TIERING: tern::Tiering = tern::Tiering {
    call_threshold: 2,
    loop_threshold: Some(1),
    synchronous: true,
};

/// The options of a tier-differential run, as bits of one byte (the
/// `diff_tiers` fuzz target reads them from its input).
pub mod flags {
    /// Meter (ample) fuel on both tiers.
    pub const FUEL: u8 = 1;
    /// Explicit bounds checks in compiled code.
    pub const EXPLICIT_BOUNDS: u8 = 2;
    /// Eager translation and compilation.
    pub const EAGER: u8 = 4;
    /// Epoch checks on both tiers (see [`super::TernRun::epochs`]).
    pub const EPOCHS: u8 = 8;
    /// Interrupt checks in compiled code.
    pub const INTERRUPTIBLE: u8 = 16;
    /// Relaxed SIMD in the deterministic mode on both tiers.
    pub const RELAXED_SIMD_DETERMINISTIC: u8 = 32;
    /// The second side is tiered ([`super::EAGER_TIERING`]) instead of
    /// the compiler alone.
    pub const TIERED: u8 = 64;
}

/// The tier differential: runs `bytes` on the interpreter and on the
/// compiler, both with the options `flags` picks, and compares the two
/// records ([`compare`]). `Ok` counts the observations compared; `None`
/// when the host has no compiler tier.
pub fn diff_tiers(bytes: &[u8], arg_bytes: &[u8], flags: u8) -> Option<Result<usize, String>> {
    if !has_compiler() {
        return None;
    }
    let a = run_tern(bytes, TernRun::with_flags(tern::Tier::Interp, flags), arg_bytes);
    let (run, name) = compiled_run(flags);
    let b = run_tern(bytes, run, arg_bytes);
    Some(compare(&a, &b, ("interpreter", name)).map_err(|e| format!("with flags {flags:#04x}: {e}")))
}

/// Whether this host has tern's compiler tier (asked once).
pub fn has_compiler() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| tern::Engine::new(tern::Config::new().tier(tern::Tier::Jit)).is_ok())
}

/// The compiled side of a tier differential with `flags`: tiered
/// ([`EAGER_TIERING`]) with [`flags::TIERED`], else the compiler alone;
/// and its name.
fn compiled_run(flags: u8) -> (TernRun, &'static str) {
    if flags & flags::TIERED != 0 {
        let run = TernRun {
            tiering: Some(EAGER_TIERING),
            ..TernRun::with_flags(tern::Tier::Auto, flags)
        };
        (run, "tiered")
    } else {
        (TernRun::with_flags(tern::Tier::Jit, flags), "compiler")
    }
}

/// The call depth and compiled-code stack of [`diff_gc`]'s runs: collecting
/// at every allocation scans the whole stack each time, so deep recursions
/// that allocate are quadratic.
const GC_CALL_DEPTH: usize = 1_000;
const GC_WASM_STACK: usize = 128 << 10;

/// The collector differential: runs `bytes` (made with [`Proposals::GC`])
/// on the interpreter as it is, then collecting before every allocation
/// ([`TernRun::gc_stress`]) on the interpreter and, where the host has a
/// compiler tier, on the compiler (tiered with [`flags::TIERED`]) both as
/// it is (allocating inline) and collecting before every allocation, all
/// with the options `flags` picks, and compares the records: a root the
/// collector misses (in an interpreted or a compiled frame) shows up as a
/// difference or a trap ("use of a collected GC object").
pub fn diff_gc(bytes: &[u8], arg_bytes: &[u8], flags: u8) -> Result<usize, String> {
    // Shallower limits (the same in every run) keep deep recursions cheap.
    let limited = |run: TernRun| TernRun {
        max_call_depth: GC_CALL_DEPTH,
        max_wasm_stack: Some(GC_WASM_STACK),
        ..run
    };
    let run = limited(TernRun::with_flags(tern::Tier::Interp, flags & !flags::TIERED));
    let a = run_tern(bytes, run, arg_bytes);
    let b = run_tern(bytes, TernRun { gc_stress: true, ..run }, arg_bytes);
    let fail = |e: String| format!("with flags {flags:#04x}: {e}");
    let n = compare(&a, &b, ("interpreter", "collect-every-allocation")).map_err(fail)?;
    if !has_compiler() {
        return Ok(n);
    }
    let (run, name) = compiled_run(flags);
    // Compiled code as it normally runs (allocating inline), and collecting
    // at every allocation (every allocation through the runtime).
    let c = run_tern(bytes, limited(run), arg_bytes);
    compare(&a, &c, ("interpreter", name)).map_err(fail)?;
    let c = run_tern(bytes, limited(TernRun { gc_stress: true, ..run }), arg_bytes);
    let name = format!("{name}, collect-every-allocation");
    compare(&a, &c, ("interpreter", &name)).map_err(fail)
}

fn tern_type(t: tern::ValType) -> Type {
    match t {
        tern::ValType::I32 => Type::I32,
        tern::ValType::I64 => Type::I64,
        tern::ValType::F32 => Type::F32,
        tern::ValType::F64 => Type::F64,
        tern::ValType::V128 => Type::V128,
        tern::ValType::Ref(_) => Type::Ref,
    }
}

fn tern_value(v: &tern::Val) -> Value {
    match *v {
        tern::Val::I32(x) => Value::I32(x),
        tern::Val::I64(x) => Value::I64(x),
        tern::Val::F32(x) => Value::F32(x),
        tern::Val::F64(x) => Value::F64(x),
        tern::Val::V128(x) => Value::V128(x.as_u128()),
        tern::Val::FuncRef(r) => Value::Ref { null: r.is_none() },
        tern::Val::ExternRef(r) => Value::Ref { null: r.is_none() },
        tern::Val::ExnRef(r) => Value::Ref { null: r.is_none() },
        tern::Val::AnyRef(r) => Value::Ref { null: r.is_none() },
    }
}

fn tern_arg(v: Value, t: tern::ValType) -> tern::Val {
    match v {
        Value::I32(x) => tern::Val::I32(x),
        Value::I64(x) => tern::Val::I64(x),
        Value::F32(x) => tern::Val::F32(x),
        Value::F64(x) => tern::Val::F64(x),
        Value::V128(x) => tern::Val::V128(tern::V128(x)),
        Value::Ref { .. } => tern::Val::default_for(t),
    }
}

/// The kind of a tern error.
pub fn tern_trap(e: &tern::Error) -> TrapKind {
    use tern::TrapCode as C;
    let Some(t) = e.as_trap() else {
        return TrapKind::Other(e.to_string());
    };
    if t.exn().is_some() {
        return TrapKind::UncaughtException;
    }
    match t.code() {
        Some(C::Unreachable) => TrapKind::Unreachable,
        Some(C::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(C::TableOutOfBounds | C::UndefinedElement) => TrapKind::TableOutOfBounds,
        Some(C::UninitializedElement) => TrapKind::NullFunction,
        Some(C::IndirectCallTypeMismatch) => TrapKind::IndirectCallTypeMismatch,
        Some(C::IntegerDivideByZero) => TrapKind::IntegerDivideByZero,
        Some(C::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(C::InvalidConversionToInteger) => TrapKind::InvalidConversionToInteger,
        Some(C::StackOverflow) => TrapKind::StackExhausted,
        Some(C::OutOfFuel) => TrapKind::OutOfFuel,
        Some(
            C::NullReference
            | C::NullFunctionReference
            | C::NullStructReference
            | C::NullArrayReference
            | C::NullI31Reference,
        ) => TrapKind::NullReference,
        Some(C::CastFailure) => TrapKind::CastFailure,
        Some(C::ArrayOutOfBounds) => TrapKind::ArrayOutOfBounds,
        Some(C::GcHeapExhausted) => TrapKind::OutOfGcMemory,
        _ => TrapKind::Other(t.to_string()),
    }
}

/// Runs `bytes` on tern: instantiates it, calls every exported function
/// in export order with arguments from `arg_bytes`, then records the
/// exported globals, memories and tables.
pub fn run_tern(bytes: &[u8], run: TernRun, arg_bytes: &[u8]) -> Vec<Event> {
    use tern::{BoundsChecks, Config, Engine, Extern, InterpTranslation, Linker, Module, Store, Val};
    let mut config = Config::new();
    // First: it also sets the call depth, which the line below sets.
    if let Some(n) = run.max_wasm_stack {
        config.max_wasm_stack(n);
    }
    config
        .tier(run.tier)
        .max_call_depth(run.max_call_depth)
        .max_memory_pages(MAX_MEMORY_PAGES)
        .max_table_elements(MAX_TABLE_ELEMENTS)
        .consume_fuel(run.fuel.is_some())
        .bounds_checks(if run.explicit_bounds {
            BoundsChecks::Explicit
        } else {
            BoundsChecks::Guard
        })
        .lazy_compilation(!run.eager)
        .epoch_interruption(run.epochs)
        .interruptible(run.interruptible)
        .relaxed_simd_deterministic(run.relaxed_simd_deterministic)
        .tiering(run.tiering)
        .gc_stress(run.gc_stress)
        .gc_heap_limit(MAX_GC_HEAP)
        .wasm_feature(tern::Feature::WideArithmetic, true)
        .wasm_memory64(true)
        .wasm_custom_page_sizes(true)
        .wasm_feature(tern::Feature::Threads, true)
        .interp_translation(if run.eager {
            InterpTranslation::Eager
        } else {
            InterpTranslation::Lazy
        });
    let engine = match Engine::new(&config) {
        Ok(e) => e,
        Err(e) => return vec![Event::Invalid(format!("engine: {e}"))],
    };
    let module = match Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => return vec![Event::Invalid(e.to_string())],
    };
    let mut store = Store::new(&engine, ());
    if let Some(fuel) = run.fuel {
        store.set_fuel(fuel).expect("fuel is enabled");
    }
    if run.epochs {
        store.set_epoch_deadline(0);
        store.epoch_deadline_callback(|_| Ok(tern::UpdateDeadline::Continue(0)));
    }
    let inst = match Linker::new(&engine).instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            let k = tern_trap(&e);
            return vec![if k.engine_dependent() {
                Event::Cut(k)
            } else {
                Event::InstantiationTrap(k)
            }];
        }
    };
    let mut u = Unstructured::new(arg_bytes);
    let mut log = Vec::new();
    let exports = inst.exports(&mut store);
    for (name, ext) in &exports {
        let Extern::Func(f) = ext else { continue };
        let ty = f.ty(&store);
        // A non-nullable reference parameter has no value to pass.
        if !callable(ty.params()) {
            continue;
        }
        let types: Vec<Type> = ty.params().iter().map(|&t| tern_type(t)).collect();
        let args = args(&mut u, &types);
        let params: Vec<Val> = args.iter().zip(ty.params()).map(|(&v, &t)| tern_arg(v, t)).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        let fuel_before = store.get_fuel().unwrap_or(0);
        let result = match f.call(&mut store, &params, &mut results) {
            Ok(()) => Ok(results.iter().map(tern_value).collect()),
            Err(e) => Err(tern_trap(&e)),
        };
        let ok = result.is_ok();
        if !record_call(&mut log, name, args, result) {
            return log;
        }
        // (A trap leaves the tiers' fuel where each charged it: the
        // interpreter charges a block on entry, compiled code on the way.)
        if run.record_fuel && ok {
            log.push(Event::Fuel(fuel_before - store.get_fuel().unwrap_or(0)));
        }
    }
    for (name, ext) in &exports {
        let name = name.clone();
        log.push(match ext {
            Extern::Func(_) => continue,
            Extern::Global(g) => Event::Global {
                name,
                value: tern_value(&g.get(&store)),
            },
            Extern::Memory(m) => Event::Memory {
                name,
                data: m.data(&store).to_vec(),
            },
            Extern::Table(t) => {
                let size = t.size(&store);
                let nulls = (0..size)
                    .map(|i| t.get(&store, i).map(|v| tern_value(&v)) == Some(Value::Ref { null: true }))
                    .collect();
                Event::Table { name, size, nulls }
            }
            Extern::Tag(_) => Event::Tag { name },
        });
    }
    log
}

/// Whether an export with these parameters is called: not when one is a
/// non-nullable reference (no argument can be made for it).
pub fn callable(params: &[tern::ValType]) -> bool {
    !params.iter().any(|t| matches!(t, tern::ValType::Ref(r) if !r.nullable))
}

/// Records one export's call, or, when it ran out of an engine-dependent
/// resource (stack, fuel), the cut after which nothing is compared.
/// Returns whether recording goes on.
pub fn record_call(log: &mut Vec<Event>, name: &str, args: Vec<Value>, result: Result<Vec<Value>, TrapKind>) -> bool {
    if let Err(k) = &result
        && k.engine_dependent()
    {
        log.push(Event::Cut(k.clone()));
        return false;
    }
    log.push(Event::Call {
        name: name.to_string(),
        args,
        result,
    });
    true
}
