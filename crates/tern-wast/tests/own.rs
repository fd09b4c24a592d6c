//! tern's own `.wast` scripts (`tests/wast/*.wast`), run in both spec
//! configurations (lazy translation; eager translation with fuel): every
//! directive must pass, none may be skipped.

use tern::Features;

fn run(name: &str, text: &str) {
    for eager_fuel in [false, true] {
        let options = tern_wast::Options {
            features: Features::all(),
            eager_fuel,
            // The compiler has no exception handling yet: auto interprets.
            tier: tern::Tier::Auto,
            ..Default::default()
        };
        let report =
            tern_wast::run_script(text, &options).unwrap_or_else(|e| panic!("{name}: {}", e.with_source(name, text)));
        assert!(
            report.failed == 0 && report.skipped == 0,
            "{name} (eager_fuel: {eager_fuel}): {} passed, {} failed, {} skipped\n{:#?}\n{:#?}",
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
fn exceptions() {
    run("exceptions.wast", include_str!("wast/exceptions.wast"));
}
