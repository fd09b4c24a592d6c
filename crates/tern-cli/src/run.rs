//! `tern run`: instantiate a module with WASI and call `_start` or an
//! exported function.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use tern::{Config, Engine, Linker, Module, Store, Val, ValType};
use tern_wasi::{WasiCtx, WasiCtxBuilder};

/// Arguments of `tern run`.
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
    /// Call this export instead of `_start`, with ARGS parsed by its parameter types;
    /// results are printed one per line.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Define every function import that nothing else provides as a
    /// function that traps when called.
    #[arg(long)]
    trap_unknown_imports: bool,
    /// When the compiler tier compiles: `lazy` compiles each function on
    /// its first call and the rest in the background, `eager` compiles
    /// every function before the module runs.
    #[arg(long, value_enum, default_value = "lazy")]
    compile: Compile,
    /// Announce compiled code to a profiler: `perfmap` writes
    /// /tmp/perf-PID.map for Linux `perf`.
    #[arg(long, value_enum, value_name = "PROFILER")]
    profile: Option<Profile>,
    /// The module (.wasm or .wat).
    file: PathBuf,
    /// Arguments for the guest (or for the invoked function).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
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

/// Exit status when the guest traps (128 + SIGABRT, as other engines do).
const TRAP_STATUS: u8 = 134;

pub fn run(opts: RunArgs) -> Result<ExitCode> {
    let bytes = std::fs::read(&opts.file).with_context(|| format!("cannot read {}", opts.file.display()))?;
    let mut config = Config::new();
    config.tier(opts.tier.runtime());
    config.features(opts.features.features()?);
    config.lazy_compilation(opts.compile == Compile::Lazy);
    if let Some(Profile::Perfmap) = opts.profile {
        config.profiler(tern::Profiler::PerfMap);
    }
    let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let module = Module::new(&engine, &bytes).map_err(|e| anyhow::anyhow!("{}: {e}", opts.file.display()))?;

    let file_name = opts
        .file
        .file_name()
        .map_or_else(|| opts.file.to_string_lossy(), |n| n.to_string_lossy())
        .into_owned();

    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    builder.arg(opts.file.to_string_lossy());
    // The guest sees ARGS as its argv also with --invoke (a reactor's entry
    // point may read them, as python.wasm's `run` does).
    builder.args(&opts.args);
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

    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |cx| cx)?;
    if opts.trap_unknown_imports {
        linker.define_unknown_imports_as_traps(&module)?;
    }
    let mut store = Store::new(&engine, builder.build());
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return Ok(failure(&e, &file_name)),
    };

    match &opts.invoke {
        None => {
            let start = instance
                .get_func(&mut store, "_start")
                .context("the module exports no `_start` function (use --invoke NAME)")?;
            match start.call(&mut store, &[], &mut []) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => Ok(failure(&e, &file_name)),
            }
        }
        Some(name) => {
            if let Some(init) = instance.get_func(&mut store, "_initialize")
                && let Err(e) = init.call(&mut store, &[], &mut [])
            {
                return Ok(failure(&e, &file_name));
            }
            let func = instance
                .get_func(&mut store, name)
                .with_context(|| format!("the module exports no function `{name}`"))?;
            let ty = func.ty(&store);
            // ARGS of a function without parameters are only the guest's argv.
            let args: &[String] = if ty.params().is_empty() { &[] } else { &opts.args };
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
                return Ok(failure(&e, &file_name));
            }
            for r in &results {
                println!("{}", show(r));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The exit status for an error from the guest: its `proc_exit` code, or
/// the trap printed with its wasm backtrace and 134.
fn failure(e: &tern::Error, file_name: &str) -> ExitCode {
    if let Some(code) = tern_wasi::exit_code(e) {
        return ExitCode::from(code as u8);
    }
    eprintln!("error: {e}");
    let Some(trap) = e.as_trap() else {
        return ExitCode::from(1);
    };
    if !trap.trace().is_empty() {
        eprintln!("wasm backtrace:");
        for (i, f) in trap.trace().iter().enumerate() {
            let module = f.module_name.as_deref().unwrap_or(file_name);
            match &f.func_name {
                Some(name) => eprintln!("  {i:>3}: {module}!{name} (func {})", f.func_index),
                None => eprintln!("  {i:>3}: {module}!<func {}>", f.func_index),
            }
        }
    }
    ExitCode::from(TRAP_STATUS)
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
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
        Val::ExnRef(Some(_)) => "exnref".to_string(),
    }
}
