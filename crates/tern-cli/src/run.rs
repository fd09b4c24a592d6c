//! `tern run`: instantiate a module with WASI and call `_start` (or the
//! default export `""`), or one exported function with `--invoke`.

use crate::{Usage, load};
use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tern::{Config, Engine, Linker, Module, Store, Val, ValType};
use tern_wasi::{WasiCtx, WasiCtxBuilder};

/// A guest's store data: the WASI context, shared by the threads of a
/// wasi-threads program.
type Data = Arc<Mutex<WasiCtx>>;

/// Arguments of `tern run`. Options come before the module: everything
/// after it belongs to the guest, as with wasmtime.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Execution tier.
    #[arg(long, value_enum, default_value = "auto")]
    tier: crate::Tier,
    #[command(flatten)]
    features: crate::FeatureArgs,
    /// Give the guest a host directory: `HOST` (seen as `HOST`) or `HOST::GUEST`.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set an environment variable for the guest (`K` alone passes the host's value on).
    #[arg(long = "env", value_name = "K[=V]")]
    envs: Vec<String>,
    /// Call this export instead of `_start`, with the guest arguments parsed
    /// by its parameter types; results are printed one per line.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Define every function import that nothing else provides as a
    /// function that traps when called (`-W unknown-imports-trap=y`).
    #[arg(long)]
    trap_unknown_imports: bool,
    /// Run at most N units of fuel (about one per instruction), then trap
    /// (`-W fuel=N`).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Stop the guest after this much wall-clock time, e.g. `2s`, `500ms`,
    /// `1m` (`-W timeout=DUR`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// The most bytes any linear memory may grow to (`-W max-memory-size=B`);
    /// suffixes K, M, G (powers of 1024) are accepted.
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    max_memory_size: Option<u64>,
    /// The most stack the guest may use, in bytes (`-W max-wasm-stack=B`).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    max_wasm_stack: Option<u64>,
    /// wasmtime's spelling of the options above, comma-separated and
    /// repeatable: `fuel=N`, `timeout=DUR`, `max-memory-size=B`,
    /// `max-wasm-stack=B`, `unknown-imports-trap=y|n`,
    /// `relaxed-simd-deterministic=y|n` (relaxed SIMD gives the spec's
    /// deterministic results), and a wasm feature name with `=y|n` (e.g.
    /// `tail-call=y`).
    #[arg(short = 'W', value_name = "OPT=VAL", value_parser = parse_wasm_opt, value_delimiter = ',')]
    wasm_opts: Vec<WasmOpt>,
    /// The compiled-code cache, in wasmtime's spelling: `cache=y|n` (on by
    /// default: compiled code is kept in `$TERN_CACHE_DIR`,
    /// `$XDG_CACHE_HOME/tern` or `~/.cache/tern` and loaded from there
    /// next time), `cache-dir=PATH` (keep it there instead),
    /// `cache-max-size=BYTES` (its bound, default 1G; the least recently
    /// used entries go first); `tiering=y|n` (with `--tier auto`: start
    /// every function in the interpreter and compile the hot ones in the
    /// background; default on; off compiles each function on its first
    /// call), `tiering-threshold=N` (calls that make a
    /// function hot, default 1000), `tiering-loop-threshold=N` (loop
    /// iterations that move a running call to compiled code, default
    /// 10000; 0: never) and `tiering-sync=y|n` (compile hot code before
    /// going on, not in the background); `compile-threads=N` (background
    /// threads compiling the module, default one fewer than the cores).
    #[arg(short = 'C', value_name = "OPT=VAL", value_parser = parse_codegen_opt, value_delimiter = ',')]
    codegen_opts: Vec<CodegenOpt>,
    /// wasmtime's WASI options: `inherit-env=y|n` passes the host's whole
    /// environment on.
    #[arg(short = 'S', value_name = "OPT=VAL", value_parser = parse_wasi_opt, value_delimiter = ',')]
    wasi_opts: Vec<WasiOpt>,
    /// Load an ahead-of-time artifact (`tern compile` output). It is native
    /// code and runs as it is: allow only artifacts you trust.
    #[arg(long)]
    allow_precompiled: bool,
    /// The guest's `argv[0]` (default: the module's path as given).
    #[arg(long, value_name = "NAME")]
    argv0: Option<String>,
    /// When the compiler tier compiles: `lazy` compiles each function on
    /// its first call and the rest in the background, `eager` compiles
    /// every function before the module runs.
    #[arg(long, value_enum, default_value = "lazy")]
    compile: Compile,
    /// Announce compiled code to a profiler: `perfmap` writes
    /// /tmp/perf-PID.map for Linux `perf`.
    #[arg(long, value_enum, value_name = "PROFILER")]
    profile: Option<Profile>,
    /// The module (.wasm, .wat, or with --allow-precompiled .cwasm), then
    /// the guest's arguments (or the invoked function's).
    #[arg(
        value_name = "FILE",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    module_and_args: Vec<OsString>,
}

/// When `--compile` compiles.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Compile {
    Lazy,
    Eager,
}

/// Profilers `--profile` can announce compiled code to.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Profile {
    /// /tmp/perf-PID.map, read by Linux `perf report`.
    Perfmap,
}

/// One `-W` option.
#[derive(Clone, Debug)]
enum WasmOpt {
    Fuel(u64),
    Timeout(Duration),
    MaxMemorySize(u64),
    MaxWasmStack(u64),
    UnknownImportsTrap(bool),
    RelaxedSimdDeterministic(bool),
    Feature(tern::Feature, bool),
}

/// One `-C` option.
#[derive(Clone, Debug)]
enum CodegenOpt {
    Cache(bool),
    CacheDir(PathBuf),
    CacheMaxSize(u64),
    Tiering(bool),
    TieringThreshold(u32),
    TieringLoopThreshold(u32),
    TieringSync(bool),
    CompileThreads(usize),
}

/// One `-S` option.
#[derive(Clone, Debug)]
enum WasiOpt {
    InheritEnv(bool),
}

/// `KEY=VALUE`, or `KEY` alone (meaning `KEY=y`).
fn key_value(s: &str) -> (&str, &str) {
    s.split_once('=').unwrap_or((s, "y"))
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v {
        "y" | "yes" | "true" | "1" | "on" => Ok(true),
        "n" | "no" | "false" | "0" | "off" => Ok(false),
        _ => Err(format!("`{v}` is not y or n")),
    }
}

fn parse_u64(v: &str) -> Result<u64, String> {
    v.replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("`{v}` is not a whole number"))
}

fn parse_wasm_opt(s: &str) -> Result<WasmOpt, String> {
    let (k, v) = key_value(s);
    Ok(match k {
        "fuel" => WasmOpt::Fuel(parse_u64(v)?),
        "timeout" => WasmOpt::Timeout(parse_duration(v)?),
        "max-memory-size" => WasmOpt::MaxMemorySize(parse_size(v)?),
        "max-wasm-stack" => WasmOpt::MaxWasmStack(parse_size(v)?),
        "unknown-imports-trap" => WasmOpt::UnknownImportsTrap(parse_bool(v)?),
        "relaxed-simd-deterministic" => WasmOpt::RelaxedSimdDeterministic(parse_bool(v)?),
        _ => match crate::feature_by_wasmtime_name(k) {
            Some(f) => WasmOpt::Feature(f, parse_bool(v)?),
            None => return Err(format!("unknown option `{k}`")),
        },
    })
}

fn parse_codegen_opt(s: &str) -> Result<CodegenOpt, String> {
    let (k, v) = key_value(s);
    Ok(match k {
        "cache" => CodegenOpt::Cache(parse_bool(v)?),
        "cache-dir" if s.contains('=') && !v.is_empty() => CodegenOpt::CacheDir(PathBuf::from(v)),
        "cache-dir" => return Err("`cache-dir` needs a directory: `-C cache-dir=PATH`".into()),
        "cache-max-size" => CodegenOpt::CacheMaxSize(parse_size(v)?),
        "tiering" => CodegenOpt::Tiering(parse_bool(v)?),
        "tiering-threshold" => CodegenOpt::TieringThreshold(
            u32::try_from(parse_u64(v)?)
                .ok()
                .filter(|&n| n > 0)
                .ok_or("`tiering-threshold` needs a number from 1 to 4294967295")?,
        ),
        "tiering-loop-threshold" => CodegenOpt::TieringLoopThreshold(
            u32::try_from(parse_u64(v)?).map_err(|_| "`tiering-loop-threshold` needs a number below 2^32")?,
        ),
        "tiering-sync" => CodegenOpt::TieringSync(parse_bool(v)?),
        "compile-threads" => CodegenOpt::CompileThreads(
            usize::try_from(parse_u64(v)?)
                .ok()
                .filter(|&n| n > 0)
                .ok_or("`compile-threads` needs a number from 1")?,
        ),
        _ => return Err(format!("unknown option `{k}`")),
    })
}

/// The tiered execution `-C` asks for: on by default.
fn tiering_config(opts: &[CodegenOpt]) -> Option<tern::Tiering> {
    let mut on = true;
    let mut t = tern::Tiering::default();
    for o in opts {
        match o {
            CodegenOpt::Tiering(b) => on = *b,
            CodegenOpt::TieringThreshold(n) => t.call_threshold = *n,
            CodegenOpt::TieringLoopThreshold(n) => t.loop_threshold = (*n > 0).then_some(*n),
            CodegenOpt::TieringSync(b) => t.synchronous = *b,
            _ => {}
        }
    }
    on.then_some(t)
}

/// The code cache `-C` asks for: on by default, in the default place.
fn cache_config(opts: &[CodegenOpt]) -> Option<tern::CacheConfig> {
    let (mut on, mut dir, mut max) = (true, None, None);
    for o in opts {
        match o {
            CodegenOpt::Cache(b) => on = *b,
            CodegenOpt::CacheDir(d) => dir = Some(d.clone()),
            CodegenOpt::CacheMaxSize(n) => max = Some(*n),
            CodegenOpt::Tiering(_)
            | CodegenOpt::TieringThreshold(_)
            | CodegenOpt::TieringLoopThreshold(_)
            | CodegenOpt::TieringSync(_)
            | CodegenOpt::CompileThreads(_) => {}
        }
    }
    if !on {
        return None;
    }
    let mut c = match dir {
        Some(d) => tern::CacheConfig::new(d),
        None => tern::CacheConfig::from_env()?,
    };
    if let Some(n) = max {
        c.max_size(n);
    }
    Some(c)
}

fn parse_wasi_opt(s: &str) -> Result<WasiOpt, String> {
    let (k, v) = key_value(s);
    match k {
        "inherit-env" => Ok(WasiOpt::InheritEnv(parse_bool(v)?)),
        _ => Err(format!("unknown option `{k}`")),
    }
}

/// A duration: a number with a unit (`ns`, `us`, `ms`, `s`, `m`, `h`), or
/// a bare number of seconds; decimals allowed (`1.5s`).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("`{s}` is not a duration (e.g. 2s, 500ms, 1m)");
    let n: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => n,
        "ms" => n / 1e3,
        "us" | "µs" => n / 1e6,
        "ns" => n / 1e9,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// A size in bytes, with an optional suffix `K`, `M`, `G` or `T` (powers
/// of 1024; `KiB` and `KB` are read the same way).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("`{s}` is not a size in bytes (e.g. 65536, 64K, 4G)");
    let n: u64 = num.parse().map_err(|_| bad())?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad()),
    };
    n.checked_mul(1 << shift).ok_or_else(bad)
}

/// The size of a WebAssembly page.
const WASM_PAGE_SIZE: u64 = 65536;

/// Exit status when the guest traps (128 + SIGABRT, as other engines do).
const TRAP_STATUS: u8 = 134;

/// The options that bound a guest, from tern's flags and `-W`.
#[derive(Clone, Default)]
struct Limits {
    fuel: Option<u64>,
    timeout: Option<Duration>,
    max_memory_size: Option<u64>,
    max_wasm_stack: Option<u64>,
}

pub fn run(opts: RunArgs) -> Result<ExitCode> {
    let file = PathBuf::from(&opts.module_and_args[0]);
    let guest_args: Vec<String> = opts.module_and_args[1..]
        .iter()
        .map(|a| {
            a.clone()
                .into_string()
                .map_err(|a| Usage(format!("argument {a:?} is not valid UTF-8")).into())
        })
        .collect::<Result<_>>()?;

    let mut features = opts.features.features()?;
    let mut limits = Limits {
        fuel: opts.fuel,
        timeout: opts.timeout,
        max_memory_size: opts.max_memory_size,
        max_wasm_stack: opts.max_wasm_stack,
    };
    let mut trap_unknown_imports = opts.trap_unknown_imports;
    let mut relaxed_simd_deterministic = false;
    for o in &opts.wasm_opts {
        match *o {
            WasmOpt::Fuel(n) => limits.fuel = Some(n),
            WasmOpt::Timeout(d) => limits.timeout = Some(d),
            WasmOpt::MaxMemorySize(b) => limits.max_memory_size = Some(b),
            WasmOpt::MaxWasmStack(b) => limits.max_wasm_stack = Some(b),
            WasmOpt::UnknownImportsTrap(on) => trap_unknown_imports = on,
            WasmOpt::RelaxedSimdDeterministic(on) => relaxed_simd_deterministic = on,
            WasmOpt::Feature(f, on) => {
                if on && !f.implemented() {
                    return Err(Usage(format!("feature `{}` is not implemented yet", f.name())).into());
                }
                features.set(f, on);
            }
        }
    }
    let inherit_env = opts.wasi_opts.iter().any(|o| matches!(o, WasiOpt::InheritEnv(true)));

    let mut config = Config::new();
    config.tier(opts.tier.runtime());
    config.features(features);
    config.lazy_compilation(opts.compile == Compile::Lazy);
    config.relaxed_simd_deterministic(relaxed_simd_deterministic);
    config.cache(cache_config(&opts.codegen_opts));
    config.tiering(tiering_config(&opts.codegen_opts));
    for o in &opts.codegen_opts {
        if let CodegenOpt::CompileThreads(n) = o {
            config.compile_threads(*n);
        }
    }
    if let Some(Profile::Perfmap) = opts.profile {
        config.profiler(tern::Profiler::PerfMap);
    }
    if limits.fuel.is_some() {
        config.consume_fuel(true);
    }
    if limits.timeout.is_some() {
        config.epoch_interruption(true);
    }
    if let Some(bytes) = limits.max_memory_size {
        config.max_memory_pages(bytes / WASM_PAGE_SIZE);
    }
    if let Some(bytes) = limits.max_wasm_stack {
        config.max_wasm_stack(usize::try_from(bytes).unwrap_or(usize::MAX));
    }
    let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let module = load_module(&engine, &file, opts.allow_precompiled)?;

    let file_name = file
        .file_name()
        .map_or_else(|| file.to_string_lossy(), |n| n.to_string_lossy())
        .into_owned();

    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    builder.arg(
        opts.argv0
            .clone()
            .unwrap_or_else(|| file.to_string_lossy().into_owned()),
    );
    // The guest sees ARGS as its argv also with --invoke (a reactor's entry
    // point may read them, as python.wasm's `run` does).
    builder.args(&guest_args);
    if inherit_env {
        for (k, v) in std::env::vars_os() {
            if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
                builder.env(k, v);
            }
        }
    }
    for kv in &opts.envs {
        match kv.split_once('=') {
            Some((k, v)) => {
                builder.env(k, v);
            }
            // `--env NAME` passes the host's value on, as wasmtime does.
            None => {
                if let Ok(v) = std::env::var(kv) {
                    builder.env(kv, v);
                }
            }
        }
    }
    for d in &opts.dirs {
        let (host, guest) = d.split_once("::").unwrap_or((d, d));
        builder
            .preopened_dir(host, guest)
            .with_context(|| format!("cannot open directory {host}"))?;
    }

    let wasi: Data = Arc::new(Mutex::new(builder.build()));
    // Every store of the program (one per thread) is set up alike: the
    // same limits, the same WASI context.
    let setup = {
        let (limits, module) = (limits.clone(), module.clone());
        move |store: &mut Store<Data>, linker: &mut Linker<Data>| -> tern::Result<()> {
            tern_wasi::add_to_linker_shared(linker, Data::clone)?;
            if let Some(fuel) = limits.fuel {
                store.set_fuel(fuel)?;
            }
            // The deadline is one epoch away; a timer thread ends that
            // epoch, for every thread at once.
            if limits.timeout.is_some() {
                store.set_epoch_deadline(1);
                store.epoch_deadline_trap();
            }
            if trap_unknown_imports {
                linker.define_unknown_imports_as_traps(&module)?;
            }
            Ok(())
        }
    };
    let mut linker: Linker<Data> = Linker::new(&engine);
    let mut store = Store::new(&engine, wasi.clone());
    // A module that imports a shared memory gets one. With wasi-threads (it
    // also imports `wasi` `thread-spawn`) it gets threads too; a thread that
    // fails ends the program as a failure of the main thread would. A
    // program built for threads may start none.
    if let Some((m, n, ty)) = tern_wasi::imported_shared_memory(&module) {
        let memory = tern::SharedMemory::new(&engine, ty).map_err(|e| anyhow::anyhow!("{e}"))?;
        if tern_wasi::threads_memory(&module).is_none() {
            let memory = tern::Memory::from_shared(&mut store, &memory)?;
            linker.define(&m, &n, memory)?;
        } else {
            let (file_name, limits) = (file_name.clone(), limits.clone());
            let threads = tern_wasi::WasiThreads::new(
                &engine,
                &module,
                memory,
                (m, n),
                {
                    let wasi = wasi.clone();
                    move || wasi.clone()
                },
                setup.clone(),
                move |e| {
                    let code = Report {
                        file_name: &file_name,
                        limits: &limits,
                    }
                    .failure_code(e);
                    use std::io::Write;
                    let _ = std::io::stdout().flush();
                    std::process::exit(code.into());
                },
            );
            threads.add_to_linker(&mut store, &mut linker)?;
        }
    }
    setup(&mut store, &mut linker)?;
    let _timer = limits.timeout.map(|d| Timer::start(&engine, d));
    let report = Report {
        file_name: &file_name,
        limits: &limits,
    };
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return Ok(report.failure(&e)),
    };

    match &opts.invoke {
        None => {
            // A command's entry point is `_start`; a module of the
            // component era may export its default function as "".
            let start = instance
                .get_func(&mut store, "_start")
                .or_else(|| instance.get_func(&mut store, ""))
                .context("the module exports no `_start` function (use --invoke NAME)")?;
            match start.call(&mut store, &[], &mut []) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => Ok(report.failure(&e)),
            }
        }
        Some(name) => {
            if let Some(init) = instance.get_func(&mut store, "_initialize")
                && let Err(e) = init.call(&mut store, &[], &mut [])
            {
                return Ok(report.failure(&e));
            }
            let func = instance
                .get_func(&mut store, name)
                .with_context(|| format!("the module exports no function `{name}`"))?;
            let ty = func.ty(&store);
            // ARGS of a function without parameters are only the guest's argv.
            let args: &[String] = if ty.params().is_empty() { &[] } else { &guest_args };
            if ty.params().len() != args.len() {
                bail!("`{name}` takes {} arguments, {} given", ty.params().len(), args.len());
            }
            let params = ty
                .params()
                .iter()
                .zip(args)
                .map(|(&t, s)| parse_val(t, s))
                .collect::<Result<Vec<_>>>()?;
            let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
            if let Err(e) = func.call(&mut store, &params, &mut results) {
                return Ok(report.failure(&e));
            }
            for r in &results {
                println!("{}", show(r));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads and compiles the module, or loads an artifact when that is
/// allowed.
fn load_module(engine: &Engine, file: &Path, allow_precompiled: bool) -> Result<Module> {
    let head = file_head(file);
    if Module::is_precompiled(&head) {
        if !allow_precompiled {
            bail!(
                "{} is a precompiled artifact (native code); run it with --allow-precompiled \
                 if you trust where it came from",
                file.display()
            );
        }
        // SAFETY: the user vouched for the artifact with --allow-precompiled
        // (and, as for any program they run, that nobody rewrites it now).
        return unsafe { Module::deserialize_file(engine, file) }
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()));
    }
    if head.starts_with(b"\0asm") {
        // The module keeps the bytes read (no copy: a large module's cost).
        return Module::from_file(engine, file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()));
    }
    let bytes = crate::read(file)?;
    let bytes = load(file, bytes).map_err(|msg| anyhow::anyhow!(msg))?;
    Module::from_binary(engine, &bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// The first bytes of `file`, to tell an artifact (which is mapped, not
/// read) or a binary module from text; zeros when it has fewer.
fn file_head(file: &Path) -> [u8; 8] {
    use std::io::Read;
    let mut head = [0u8; 8];
    if std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_err()
    {
        head = [0; 8];
    }
    head
}

/// Ends the current epoch of an engine after a delay, unless dropped first.
struct Timer {
    done: std::sync::mpsc::Sender<()>,
}

impl Timer {
    fn start(engine: &Engine, after: Duration) -> Timer {
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let engine = engine.clone();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(after) {
                engine.increment_epoch();
            }
        });
        Timer { done }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let _ = self.done.send(());
    }
}

/// How a guest's failure is reported.
struct Report<'a> {
    file_name: &'a str,
    limits: &'a Limits,
}

impl Report<'_> {
    /// The exit status for an error from the guest: its `proc_exit` code,
    /// or the trap printed with its wasm backtrace and 134.
    fn failure(&self, e: &tern::Error) -> ExitCode {
        ExitCode::from(self.failure_code(e))
    }

    /// [`Report::failure`]'s status as a number.
    fn failure_code(&self, e: &tern::Error) -> u8 {
        if let Some(code) = tern_wasi::exit_code(e) {
            return code as u8;
        }
        let Some(trap) = e.as_trap() else {
            eprintln!("error: {e}");
            return 1;
        };
        match trap.code() {
            Some(tern::TrapCode::OutOfFuel) => match self.limits.fuel {
                Some(n) => eprintln!("error: {e}: the guest ran out of fuel (--fuel {n})"),
                None => eprintln!("error: {e}"),
            },
            Some(tern::TrapCode::Interrupt) => match self.limits.timeout {
                Some(d) => eprintln!("error: timeout: the guest ran out of time (--timeout {d:?})"),
                None => eprintln!("error: {e}"),
            },
            _ => eprintln!("error: {e}"),
        }
        if !trap.trace().is_empty() {
            eprintln!("wasm backtrace:");
            eprint!("{}", trap.backtrace(self.file_name));
        }
        TRAP_STATUS
    }
}

fn parse_val(t: ValType, s: &str) -> Result<Val> {
    let bad = || anyhow::anyhow!("cannot parse `{s}` as {t}");
    Ok(match t {
        ValType::I32 => Val::I32(
            s.parse::<i32>()
                .or_else(|_| s.parse::<u32>().map(|v| v as i32))
                .map_err(|_| bad())?,
        ),
        ValType::I64 => Val::I64(
            s.parse::<i64>()
                .or_else(|_| s.parse::<u64>().map(|v| v as i64))
                .map_err(|_| bad())?,
        ),
        ValType::F32 => Val::F32(s.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(s.parse::<f64>().map_err(|_| bad())?.to_bits()),
        _ => bail!("cannot pass a {t} argument from the command line"),
    })
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(x) => format!("{:#034x}", x.as_u128()),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => "null".to_string(),
        Val::AnyRef(Some(_)) => "anyref".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
        Val::ExnRef(Some(_)) => "exnref".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("3us"), Ok(Duration::from_micros(3)));
        for bad in ["", "s", "abc", "2 weeks", "-1s", "1e400s", "1..2s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("1_000"), Ok(1000));
        for bad in ["", "K", "-1", "1.5M", "99999999999999999999", "16777216T", "3 apples"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wasm_options() {
        assert!(matches!(parse_wasm_opt("fuel=10"), Ok(WasmOpt::Fuel(10))));
        assert!(matches!(
            parse_wasm_opt("unknown-imports-trap"),
            Ok(WasmOpt::UnknownImportsTrap(true))
        ));
        assert!(matches!(parse_wasm_opt("tail-call=n"), Ok(WasmOpt::Feature(_, false))));
        for bad in ["fuel=abc", "fuel=", "timeout=forever", "warp=y", "simd=maybe"] {
            assert!(parse_wasm_opt(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codegen_options() {
        let parse = |s: &str| s.split(',').map(parse_codegen_opt).collect::<Result<Vec<_>, _>>();
        let dir = |c: Option<tern::CacheConfig>| c.map(|c| (c.dir().to_path_buf(), c.max_size_bytes()));
        let on = parse("cache-dir=/x/y,cache-max-size=64M").unwrap();
        assert_eq!(dir(cache_config(&on)), Some((PathBuf::from("/x/y"), 64 << 20)));
        let off = parse("cache-dir=/x/y,cache=n").unwrap();
        assert_eq!(cache_config(&off), None);
        let again = parse("cache=n,cache=y,cache-dir=/z").unwrap();
        assert_eq!(dir(cache_config(&again)), Some((PathBuf::from("/z"), 1 << 30)));
        for bad in [
            "cache=maybe",
            "cache-dir",
            "cache-dir=",
            "cache-max-size=lots",
            "cache-config=x",
        ] {
            assert!(parse_codegen_opt(bad).is_err(), "{bad}");
        }
    }
}
