//! tern's own `.wast` scripts (`tests/wast/*.wast`), run in both spec
//! configurations (lazy translation; eager translation with fuel), on the
//! interpreter and, where the host has it, the compiler (lazy and eager
//! compilation): every directive must pass, none may be skipped. Scripts
//! about memory accesses also run compiled with explicit bounds checks.

use tern::Features;

fn run(name: &str, text: &str) {
    let mut configs = vec![(tern::Tier::Interp, false)];
    if tern_cranelift::jit_available() {
        configs.extend([(tern::Tier::Jit, false), (tern::Tier::Jit, true)]);
    }
    for (tier, eager_compilation) in configs {
        for eager_fuel in [false, true] {
            run_with(name, text, tier, eager_compilation, eager_fuel);
        }
    }
}

fn run_with(name: &str, text: &str, tier: tern::Tier, eager_compilation: bool, eager_fuel: bool) {
    run_checked(
        name,
        text,
        tier,
        eager_compilation,
        eager_fuel,
        tern::BoundsChecks::Guard,
    );
}

fn run_checked(
    name: &str,
    text: &str,
    tier: tern::Tier,
    eager_compilation: bool,
    eager_fuel: bool,
    bounds_checks: tern::BoundsChecks,
) {
    {
        let options = tern_wast::Options {
            features: Features::all(),
            eager_fuel,
            tier,
            eager_compilation,
            bounds_checks,
            ..Default::default()
        };
        let report =
            tern_wast::run_script(text, &options).unwrap_or_else(|e| panic!("{name}: {}", e.with_source(name, text)));
        assert!(
            report.failed == 0 && report.skipped == 0,
            "{name} ({tier:?}, eager compilation: {eager_compilation}, eager_fuel: {eager_fuel}): {} passed, {} failed, {} skipped\n{:#?}\n{:#?}",
            report.passed,
            report.failed,
            report.skipped,
            report.failures,
            report.skips
        );
        println!("{name} (eager_fuel: {eager_fuel}): {} passed", report.passed);
    }
}

#[test]
fn legacy_exceptions() {
    run("legacy-exceptions.wast", include_str!("wast/legacy-exceptions.wast"));
}

#[test]
fn gc_alloc() {
    let text = include_str!("wast/gc-alloc.wast");
    run("gc-alloc.wast", text);
    // Collecting before every allocation, with poisoning, on a shorter
    // churn.
    let short = text.replace(
        "(i32.const 400000)) (i64.const 7999800000)",
        "(i32.const 300)) (i64.const 4350)",
    );
    assert_ne!(short, text);
    let mut tiers = vec![tern::Tier::Interp];
    if tern_cranelift::jit_available() {
        tiers.push(tern::Tier::Jit);
    }
    for tier in tiers {
        let options = tern_wast::Options {
            features: Features::all(),
            tier,
            gc_stress: true,
            ..Default::default()
        };
        let report = tern_wast::run_script(&short, &options).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            report.failed == 0 && report.skipped == 0,
            "gc-alloc.wast with gc_stress ({tier:?}): {:#?}",
            report.failures
        );
    }
}

#[test]
fn gc_arrays() {
    run("gc-arrays.wast", include_str!("wast/gc-arrays.wast"));
}

#[test]
fn exceptions() {
    run("exceptions.wast", include_str!("wast/exceptions.wast"));
}

#[test]
fn memory64() {
    let text = include_str!("wast/memory64.wast");
    run("memory64.wast", text);
    if tern_cranelift::jit_available() {
        run_checked(
            "memory64.wast",
            text,
            tern::Tier::Jit,
            false,
            false,
            tern::BoundsChecks::Explicit,
        );
    }
}

/// As [`run`], and compiled with explicit bounds checks: for scripts about
/// memory accesses.
fn run_with_explicit_checks(name: &str, text: &str) {
    run(name, text);
    if tern_cranelift::jit_available() {
        run_checked(name, text, tern::Tier::Jit, false, false, tern::BoundsChecks::Explicit);
    }
}

#[test]
fn fused_address() {
    run_with_explicit_checks("fused-address.wast", include_str!("wast/fused-address.wast"));
}

#[test]
fn fused_float_load() {
    run_with_explicit_checks("fused-float-load.wast", include_str!("wast/fused-float-load.wast"));
}

#[test]
fn float_branch() {
    run("float-branch.wast", include_str!("wast/float-branch.wast"));
}

#[test]
fn v128_consts() {
    run("v128-consts.wast", include_str!("wast/v128-consts.wast"));
}

#[test]
fn function_references() {
    run(
        "function-references.wast",
        include_str!("wast/function-references.wast"),
    );
}

#[test]
fn threads() {
    let text = include_str!("wast/threads.wast");
    run("threads.wast", text);
    // Atomic accesses with their bounds checked in code too.
    if tern_cranelift::jit_available() {
        run_checked(
            "threads.wast",
            text,
            tern::Tier::Jit,
            false,
            false,
            tern::BoundsChecks::Explicit,
        );
    }
}
