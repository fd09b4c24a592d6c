//! The `tern` command.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tern_binary::{ExternKind, ImportType, Module, Names};
use tern_validate::{Feature, Features};

mod run;

#[derive(Parser)]
#[command(name = "tern", version, about = "A WebAssembly engine and toolkit")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WASI program (`_start`), or call one export with --invoke. Exit status:
    /// the guest's exit code, or 134 on a trap (printed to stderr).
    Run(Box<run::RunArgs>),
    /// Check that modules are valid. Exit status 0 when all are valid, 1 otherwise,
    /// with one line per bad file: `FILE: error at offset 0x..: what is wrong`.
    Validate {
        #[command(flatten)]
        features: FeatureArgs,
        /// Validate function bodies on one thread only.
        #[arg(long)]
        sequential: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List a module's sections, imports, exports and code size.
    Inspect { file: PathBuf },
    /// Run spec-test scripts (.wast). Prints a line per failed directive,
    /// `FILE:line: what went wrong`, and ends with `N passed, M failed`.
    ///
    /// Without --features, scripts run with every implemented feature
    /// except multi-memory (whose scripts contradict Wasm 2.0's), which is
    /// switched on for a script whose path names it (`multi-memory`,
    /// `memory-multi`) or the custom-page-sizes proposal (whose scripts use
    /// several memories), as the spec suite's layout does.
    Wast {
        #[command(flatten)]
        features: FeatureArgs,
        /// Execution tier.
        #[arg(long, value_enum, default_value = "auto")]
        tier: Tier,
        /// Translate eagerly and meter fuel (checks that neither changes behaviour).
        #[arg(long)]
        eager_fuel: bool,
        /// Relaxed SIMD gives the spec's deterministic results.
        #[arg(long)]
        relaxed_simd_deterministic: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compile a module ahead of time to an artifact (.cwasm) that `tern run`
    /// loads without compiling, on a host with the same CPU features.
    Compile {
        /// The module (.wasm or .wat).
        file: PathBuf,
        /// Where to write the artifact (default: FILE with a .cwasm extension).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Convert the text format to binary.
    Parse {
        file: PathBuf,
        /// Where to write the binary (default: FILE with a .wasm extension).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Convert binary to the text format.
    Print {
        file: PathBuf,
        /// Where to write the text (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Print instructions in folded (S-expression) form.
        #[arg(long)]
        folded: bool,
    },
}

/// Execution tiers.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Tier {
    /// The interpreter.
    Interp,
    /// The optimizing compiler (Cranelift); an error where the host lacks it.
    Jit,
    /// The compiler where the host supports it, else the interpreter.
    Auto,
}

impl Tier {
    pub(crate) fn runtime(self) -> tern::Tier {
        match self {
            Tier::Interp => tern::Tier::Interp,
            Tier::Jit => tern::Tier::Jit,
            Tier::Auto => tern::Tier::Auto,
        }
    }
}

#[derive(clap::Args)]
pub(crate) struct FeatureArgs {
    /// Feature set: a comma-separated list of `all` (the default: Wasm 3.0,
    /// and every other proposal tern implements; GC modules run on the
    /// interpreter), `wasm3`, `wasm2`, `mvp`, feature names to enable, and `-name`
    /// to disable. Names: mutable-global, sign-extension,
    /// nontrapping-float-to-int, multi-value, bulk-memory, reference-types,
    /// simd, exceptions, legacy-exceptions, tail-call, memory64,
    /// multi-memory, custom-page-sizes, extended-const, relaxed-simd,
    /// function-references, gc, threads, wide-arithmetic.
    #[arg(long, short = 'f', value_name = "LIST")]
    features: Option<String>,
}

impl FeatureArgs {
    pub(crate) fn features(&self) -> Result<Features> {
        let mut f = Features::all();
        let Some(list) = &self.features else { return Ok(f) };
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "all" => f = Features::all(),
                "wasm3" => f = Features::wasm3(),
                "wasm2" => f = Features::wasm2(),
                "mvp" => f = Features::mvp(),
                _ => {
                    let (on, name) = match item.strip_prefix('-') {
                        Some(n) => (false, n),
                        None => (true, item.strip_prefix('+').unwrap_or(item)),
                    };
                    let Some(feat) = Feature::from_name(name) else {
                        return Err(Usage(format!("unknown feature `{name}`")).into());
                    };
                    if on && !feat.implemented() {
                        return Err(Usage(format!("feature `{name}` is not implemented yet")).into());
                    }
                    f.set(feat, on);
                }
            }
        }
        Ok(f)
    }
}

/// A wasm feature by the name wasmtime's `-W NAME=y|n` gives it (the same
/// names as `--features`).
pub(crate) fn feature_by_wasmtime_name(name: &str) -> Option<Feature> {
    Feature::from_name(name)
}

/// An error in how tern was called (a bad option value): exit status 2,
/// like the errors clap reports itself.
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            // Usage errors exit 2 (as clap's own do); every other error 1.
            ExitCode::from(if e.downcast_ref::<Usage>().is_some() { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(*args),
        Command::Validate {
            features,
            sequential,
            files,
        } => {
            let features = features.features()?;
            let mut ok = true;
            for file in &files {
                let bytes = match read_and_load(file) {
                    Ok(b) => b,
                    Err(msg) => {
                        ok = false;
                        println!("{msg}");
                        continue;
                    }
                };
                let result = if sequential {
                    tern_validate::validate(&bytes, &features)
                } else {
                    tern_validate::validate_parallel(&bytes, &features)
                };
                if let Err(e) = result {
                    ok = false;
                    println!("{}: error at offset {:#x}: {}", file.display(), e.offset(), e.message());
                }
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Wast {
            features,
            tier,
            eager_fuel,
            relaxed_simd_deterministic,
            files,
        } => {
            let explicit = features.features.is_some();
            let base = if explicit {
                features.features()?
            } else {
                Features::all().with(Feature::MultiMemory, false)
            };
            // A tier this host lacks is an error here, not in every script.
            tern::Engine::new(tern::Config::new().tier(tier.runtime()))?;
            let (mut passed, mut failed) = (0, 0);
            for file in &files {
                let path = file.to_string_lossy();
                let multi = ["multi-memory", "memory-multi", "custom-page-sizes"]
                    .iter()
                    .any(|p| path.contains(p));
                let features = if !explicit && multi {
                    base.with(Feature::MultiMemory, true)
                } else {
                    base
                };
                let options = tern_wast::Options {
                    features,
                    eager_fuel,
                    tier: tier.runtime(),
                    bounds_checks: tern::BoundsChecks::Guard,
                    interruptible: false,
                    relaxed_simd_deterministic,
                    ..Default::default()
                };
                let text =
                    String::from_utf8(read(file)?).with_context(|| format!("{} is not UTF-8 text", file.display()))?;
                match tern_wast::run_script(&text, &options) {
                    Ok(report) => {
                        for (line, msg) in &report.failures {
                            println!("{}:{line}: {msg}", file.display());
                        }
                        for (line, why) in &report.skips {
                            println!("{}:{line}: skipped: {why}", file.display());
                        }
                        passed += report.passed;
                        failed += report.failed;
                    }
                    Err(e) => {
                        println!("{}", e.with_source(&file.display().to_string(), &text));
                        failed += 1;
                    }
                }
            }
            println!("{passed} passed, {failed} failed");
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Compile { file, output } => {
            let bytes = load(&file, read(&file)?).map_err(|msg| anyhow::anyhow!(msg))?;
            let mut config = tern::Config::new();
            // The features `tern run` enables by default, so that it loads
            // the artifact.
            config.tier(tern::Tier::Jit).features(Features::all());
            // The artifact holds every function: compile them in one go.
            config.lazy_compilation(false);
            let engine = tern::Engine::new(&config).map_err(|e| anyhow::anyhow!("{e}"))?;
            let module =
                tern::Module::from_binary(&engine, &bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let out = module.serialize().map_err(|e| anyhow::anyhow!("{e}"))?;
            let output = output.unwrap_or_else(|| file.with_extension("cwasm"));
            write_replacing(&output, &out).with_context(|| format!("cannot write {}", output.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Parse { file, output } => {
            let bytes = match read_and_load(&file) {
                Ok(b) => b,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    return Ok(ExitCode::from(1));
                }
            };
            let out = output.unwrap_or_else(|| file.with_extension("wasm"));
            std::fs::write(&out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Print { file, output, folded } => {
            let bytes = match read_and_load(&file) {
                Ok(b) => b,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    return Ok(ExitCode::from(1));
                }
            };
            let opts = tern_text::PrintOptions {
                folded,
                ..Default::default()
            };
            let text = match tern_text::print_with(&bytes, &opts) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("{}: error at offset {:#x}: {}", file.display(), e.offset(), e.message());
                    return Ok(ExitCode::from(1));
                }
            };
            match output {
                Some(out) => std::fs::write(&out, text).with_context(|| format!("cannot write {}", out.display()))?,
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect { file } => {
            let bytes = match read_and_load(&file) {
                Ok(b) => b,
                Err(msg) => {
                    println!("{msg}");
                    return Ok(ExitCode::from(1));
                }
            };
            let out = std::io::stdout().lock();
            match inspect(&file, &bytes, out) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => match e.downcast::<tern_binary::BinaryError>() {
                    Ok(e) => {
                        println!("{}: error at offset {:#x}: {}", file.display(), e.offset(), e.message());
                        Ok(ExitCode::from(1))
                    }
                    Err(e) => Err(e),
                },
            }
        }
    }
}

/// Reads a module from a file, binary or text; an unreadable file or a
/// text error is returned as a message that names the file.
fn read_and_load(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = read(path).map_err(|e| format!("{e:#}"))?;
    load(path, bytes)
}

/// The binary module in `bytes` read from `path`: the bytes themselves,
/// or the text format converted (detected from the bytes). A text error is
/// returned as its message, `FILE:line:col: what` with the line and a
/// caret; an empty file as `FILE: empty file`.
pub(crate) fn load(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.is_empty() {
        return Err(format!("{}: empty file", path.display()));
    }
    if tern_text::is_binary(&bytes) {
        return Ok(bytes);
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        // Neither text nor a module: let the decoder say what is wrong.
        return Ok(bytes);
    };
    tern_text::parse_wat(text).map_err(|e| e.with_source(&path.display().to_string(), text).to_string())
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn type_string(m: &Module<'_>, idx: u32) -> String {
    match m.types.get(idx as usize) {
        Some(t) => {
            let p: Vec<String> = t.params().iter().map(|v| v.to_string()).collect();
            let r: Vec<String> = t.results().iter().map(|v| v.to_string()).collect();
            format!("({}) -> ({})", p.join(" "), r.join(" "))
        }
        None => format!("<unknown type {idx}>"),
    }
}

fn inspect(file: &Path, bytes: &[u8], mut out: impl Write) -> Result<()> {
    let sections = tern_binary::sections(bytes)?;
    let m = tern_binary::decode(bytes)?;
    writeln!(
        out,
        "{}: {} bytes, binary format version 1",
        file.display(),
        bytes.len()
    )?;
    writeln!(out, "sections ({}):", sections.len())?;
    writeln!(out, "  {:<12} {:>10} {:>10}", "section", "offset", "size")?;
    for s in &sections {
        let name = tern_binary::section::name(s.id);
        write!(out, "  {:<12} {:>#10x} {:>10}", name, s.start, s.size)?;
        if s.id == 0 {
            write!(out, "  {:?}", s.name)?;
        }
        writeln!(out)?;
    }
    writeln!(out, "types: {}", m.types.len())?;
    writeln!(out, "imports ({}):", m.imports.len())?;
    for i in &m.imports {
        let what = match &i.ty {
            ImportType::Func(t) => format!("func {}", type_string(&m, *t)),
            ImportType::Table(t) => format!("table {} {:?}", t.element, t.limits),
            ImportType::Memory(t) => format!("memory {:?}{}", t.limits, if t.shared { " shared" } else { "" }),
            ImportType::Global(g) => format!("global {}{}", if g.mutable { "mut " } else { "" }, g.content),
            ImportType::Tag(t) => format!("tag {}", type_string(&m, t.type_index)),
        };
        writeln!(out, "  {}.{}: {}", i.module, i.name, what)?;
    }
    let names = m
        .custom("name")
        .and_then(|c| Names::decode(c.data, c.data_offset).ok())
        .unwrap_or_default();
    writeln!(out, "exports ({}):", m.exports.len())?;
    for e in &m.exports {
        let mut line = format!("  {:?}: {} {}", e.name, e.kind.name(), e.index);
        if e.kind == ExternKind::Func {
            if let Some(t) = m.func_type_index(e.index) {
                line.push_str(&format!(" {}", type_string(&m, t)));
            }
            if let Some((_, n)) = names.functions.iter().find(|(i, _)| *i == e.index) {
                line.push_str(&format!(" ${n}"));
            }
        }
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "functions: {} imported, {} defined",
        m.num_imported_funcs,
        m.functions.len()
    )?;
    let code: usize = m.code.iter().map(|c| c.bytes.len()).sum();
    writeln!(out, "code: {} bytes in {} bodies", code, m.code.len())?;
    writeln!(
        out,
        "tables: {}, memories: {}, globals: {}, tags: {}",
        m.tables.len() + m.num_imported_tables as usize,
        m.memories.len() + m.num_imported_memories as usize,
        m.globals.len() + m.num_imported_globals as usize,
        m.tags.len() + m.num_imported_tags as usize
    )?;
    writeln!(
        out,
        "element segments: {}, data segments: {}",
        m.elements.len(),
        m.data.len()
    )?;
    if let Some(s) = m.start {
        writeln!(out, "start: func {s}")?;
    }
    Ok(())
}

/// Writes `bytes` to `path` by writing a file beside it and renaming that
/// over it: a `tern run` that has the old artifact mapped keeps running
/// its code (a file rewritten in place would change under it).
fn write_replacing(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}
