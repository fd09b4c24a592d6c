//! Golden tests of what the translator emits, in the spirit of Cranelift's
//! filetests: each `tests/clif/*.clif` file starts with a header of `;;`
//! lines holding the translation options and a module in the text format,
//! and the rest of the file is the Cranelift IR that tern's translator
//! produces for the module's defined functions (before any optimization),
//! for the x86-64 System V target. A change in translation therefore shows
//! up as a change of these files in review.
//!
//! Header lines: first a description, then `;; config: ...` with the words
//! `explicit` (explicit bounds checks instead of guard pages), `fuel`,
//! `interrupts`, `epochs`, then the module, from the line that starts with
//! `(module` to the end of the header.
//!
//! After a deliberate change, refresh the expectations with
//! `BLESS=1 cargo test -p tern-cranelift --test clif`; to add a case, write
//! a file holding only the header and bless it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use tern_cranelift::translate::{BoundsChecks, TranslateConfig, translate_function_with_imports};
use tern_validate::Features;

/// A fixed target, so that the expectations do not depend on the machine
/// (calling conventions of libcalls differ between targets). `None` when
/// Cranelift was built without its x86-64 backend.
fn x86_64_isa() -> Option<OwnedTargetIsa> {
    let builder = cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu").ok()?;
    // The flags tern's compiler uses where they matter to translation.
    let mut flags = settings::builder();
    flags.set("preserve_frame_pointers", "true").unwrap();
    flags.set("enable_multi_ret_implicit_sret", "true").unwrap();
    Some(builder.finish(settings::Flags::new(flags)).expect("x86-64 ISA flags"))
}

struct Case {
    header: String,
    config: TranslateConfig,
    wat: String,
    expected: String,
}

fn parse_case(text: &str) -> Result<Case, String> {
    let mut header = String::new();
    let mut wat = String::new();
    let mut config = TranslateConfig::default();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next_if(|l| l.starts_with(";;")) {
        header.push_str(line);
        header.push('\n');
        let rest = line.trim_start_matches(";;");
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        if let Some(words) = rest.strip_prefix("config:") {
            for w in words.split_whitespace() {
                match w {
                    "explicit" => config.bounds_checks = BoundsChecks::Explicit,
                    "fuel" => config.fuel = true,
                    "interrupts" => config.interrupts = true,
                    "epochs" => config.epochs = true,
                    other => return Err(format!("unknown config word `{other}`")),
                }
            }
        } else if !wat.is_empty() || rest.starts_with("(module") {
            wat.push_str(rest);
            wat.push('\n');
        }
    }
    let expected: Vec<&str> = lines.collect();
    let expected = expected.join("\n").trim().to_string();
    if wat.trim().is_empty() {
        return Err("the header holds no module".into());
    }
    Ok(Case {
        header,
        config,
        wat,
        expected,
    })
}

/// The IR of every defined function of the case's module, in index order.
fn translate(case: &Case, isa: &OwnedTargetIsa) -> Result<String, String> {
    let bytes = wat::parse_str(&case.wat).map_err(|e| format!("module text: {e}"))?;
    let module = tern_binary::decode(&bytes).map_err(|e| format!("decode: {e}"))?;
    let info = tern_validate::validate_module(&module, &Features::all()).map_err(|e| format!("validate: {e}"))?;
    let mut fctx = FunctionBuilderContext::new();
    let mut out = String::new();
    for (i, body) in module.code.iter().enumerate() {
        let index = module.num_imported_funcs + i as u32;
        let func = translate_function_with_imports(
            &info,
            module.num_imported_funcs,
            index,
            body,
            &case.config,
            &**isa,
            &mut fctx,
        )
        .map_err(|e| format!("function {index}: {e}"))?;
        cranelift_codegen::verify_function(&func, &**isa).map_err(|e| format!("function {index}: verifier: {e}"))?;
        if !out.is_empty() {
            out.push('\n');
        }
        write!(out, "{}", func.display()).unwrap();
    }
    // (Cranelift's printer leaves trailing spaces after some instructions.)
    let lines: Vec<&str> = out.trim().lines().map(str::trim_end).collect();
    Ok(lines.join("\n"))
}

/// The first line where `expected` and `actual` differ, for the failure
/// message.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let n = e.len().max(a.len());
    for i in 0..n {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y {
            return format!(
                "line {} of the IR:\n  expected: {}\n  actual:   {}",
                i + 1,
                x.unwrap_or("<end>"),
                y.unwrap_or("<end>")
            );
        }
    }
    "no difference".into()
}

fn clif_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clif");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "clif"))
        .collect();
    files.sort();
    files
}

#[test]
fn translation_matches_the_committed_clif() {
    let Some(isa) = x86_64_isa() else {
        println!("skipped: Cranelift was built without its x86-64 backend");
        return;
    };
    let bless = std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    let files = clif_files();
    assert!(files.len() >= 5, "expected the golden files in tests/clif");
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let case = match parse_case(&text) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let actual = match translate(&case, &isa) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if actual == case.expected {
            continue;
        }
        if bless {
            std::fs::write(path, format!("{}\n{actual}\n", case.header)).unwrap();
            println!("blessed {name}");
        } else {
            failures.push(format!(
                "{name}: the translation changed; {}\n(review it, then refresh with BLESS=1)",
                first_difference(&case.expected, &actual)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_case_header_is_parsed() {
    let c = parse_case(";; A case.\n;; config: explicit fuel\n;; (module)\n\nfunction u0:0() {}\n").unwrap();
    assert_eq!(c.config.bounds_checks, BoundsChecks::Explicit);
    assert!(c.config.fuel && !c.config.epochs && !c.config.interrupts);
    assert_eq!(c.wat.trim(), "(module)");
    assert_eq!(c.expected, "function u0:0() {}");
    assert!(parse_case(";; config: fast\n;; (module)\n").is_err());
    assert!(parse_case(";; config: fuel\n").is_err());
}

/// Wasm functions use Cranelift's tail calling convention (so that
/// `return_call` is a real tail call), with the callee's and the caller's
/// `vmctx` first, then the parameters, v128 as I8X16.
#[test]
fn native_signature_uses_the_tail_call_convention() {
    use cranelift_codegen::ir::{ArgumentPurpose, types};
    use cranelift_codegen::isa::CallConv;
    use tern_binary::{FuncType, ValType};
    let Some(isa) = x86_64_isa() else { return };
    let ty = FuncType::new([ValType::I32, ValType::V128], [ValType::F64]);
    let sig = tern_cranelift::translate::native_signature(&ty, &*isa);
    assert_eq!(sig.call_conv, CallConv::Tail);
    assert_eq!(sig.params.len(), 4);
    assert_eq!(sig.params[0].purpose, ArgumentPurpose::VMContext);
    assert_eq!(sig.params[3].value_type, types::I8X16);
    assert_eq!(sig.returns[0].value_type, types::F64);
}
