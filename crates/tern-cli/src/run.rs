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
    /// Give the guest a host directory: `HOST` (seen as `HOST`) or `HOST::GUEST`.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set an environment variable for the guest.
    #[arg(long = "env", value_name = "K=V")]
    envs: Vec<String>,
    /// Call this export instead of `_start`, with ARGS parsed by its parameter types;
    /// results are printed one per line.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// The module (.wasm or .wat).
    file: PathBuf,
    /// Arguments for the guest (or for the invoked function).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Exit status when the guest traps (128 + SIGABRT, as other engines do).
const TRAP_STATUS: u8 = 134;

pub fn run(opts: RunArgs) -> Result<ExitCode> {
    let bytes = std::fs::read(&opts.file).with_context(|| format!("cannot read {}", opts.file.display()))?;
    let mut config = Config::new();
    config.tier(opts.tier.runtime());
    let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let module = Module::new(&engine, &bytes).map_err(|e| anyhow::anyhow!("{}: {e}", opts.file.display()))?;

    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    builder.arg(opts.file.to_string_lossy());
    if opts.invoke.is_none() {
        builder.args(&opts.args);
    }
    for kv in &opts.envs {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--env expects K=V, got `{kv}`");
        };
        builder.env(k, v);
    }
    for d in &opts.dirs {
        let (host, guest) = d.split_once("::").unwrap_or((d, d));
        builder
            .preopened_dir(host, guest)
            .with_context(|| format!("cannot open directory {host}"))?;
    }

    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |cx| cx)?;
    let mut store = Store::new(&engine, builder.build());
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return Ok(failure(&e)),
    };

    match &opts.invoke {
        None => {
            let start = instance
                .get_func(&mut store, "_start")
                .context("the module exports no `_start` function (use --invoke NAME)")?;
            match start.call(&mut store, &[], &mut []) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => Ok(failure(&e)),
            }
        }
        Some(name) => {
            if let Some(init) = instance.get_func(&mut store, "_initialize")
                && let Err(e) = init.call(&mut store, &[], &mut [])
            {
                return Ok(failure(&e));
            }
            let func = instance
                .get_func(&mut store, name)
                .with_context(|| format!("the module exports no function `{name}`"))?;
            let ty = func.ty(&store);
            if ty.params().len() != opts.args.len() {
                bail!(
                    "`{name}` takes {} arguments, {} given",
                    ty.params().len(),
                    opts.args.len()
                );
            }
            let params = ty
                .params()
                .iter()
                .zip(&opts.args)
                .map(|(&t, s)| parse_val(t, s))
                .collect::<Result<Vec<_>>>()?;
            let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
            if let Err(e) = func.call(&mut store, &params, &mut results) {
                return Ok(failure(&e));
            }
            for r in &results {
                println!("{}", show(r));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The exit status for an error from the guest: its `proc_exit` code, or
/// the trap printed and 134.
fn failure(e: &tern::Error) -> ExitCode {
    if let Some(code) = tern_wasi::exit_code(e) {
        return ExitCode::from(code as u8);
    }
    eprintln!("error: {e}");
    if e.as_trap().is_some() {
        ExitCode::from(TRAP_STATUS)
    } else {
        ExitCode::from(1)
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
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
    }
}
