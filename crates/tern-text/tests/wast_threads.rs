//! The threads proposal's script directives: `(thread $t (shared (module
//! $m))* directive*)` and `(wait $t)`.

use tern_text::{Action, Directive, DirectiveKind, ModuleSource, parse_script};

fn parse(src: &str) -> Vec<Directive> {
    parse_script(src)
        .unwrap_or_else(|e| panic!("{}", e.with_source("test.wast", src)))
        .directives
}

fn error(src: &str) -> (String, usize) {
    match parse_script(src) {
        Ok(s) => panic!("parsed: {:?}", s.directives),
        Err(e) => {
            let e = e.with_source("test.wast", src);
            (e.message().to_string(), e.line_col().unwrap().0)
        }
    }
}

#[test]
fn thread_with_shared_modules_and_wait() {
    let src = r#"(module $Mem (memory (export "shared") 1 1 shared))
(module $Other)
(thread $T1 (shared (module $Mem)) (shared (module $Other))
  (register "mem" $Mem)
  (module (memory (import "mem" "shared") 1 10 shared) (func (export "run")))
  (invoke "run")
  (assert_return (invoke "run"))
)
(wait $T1)
"#;
    let ds = parse(src);
    assert_eq!(ds.len(), 4);
    assert_eq!(ds[2].line, 3);
    let DirectiveKind::Thread {
        name,
        shared,
        directives,
    } = &ds[2].kind
    else {
        panic!("{:?}", ds[2].kind)
    };
    assert_eq!(name, "T1");
    assert_eq!(shared, &["Mem", "Other"]);
    // The nested directives keep their own lines.
    let lines: Vec<usize> = directives.iter().map(|d| d.line).collect();
    assert_eq!(lines, [4, 5, 6, 7]);
    assert!(matches!(
        &directives[0].kind,
        DirectiveKind::Register { name, module: Some(m) } if name == "mem" && m == "Mem"
    ));
    assert!(matches!(&directives[1].kind, DirectiveKind::Module(m) if matches!(m.source, Ok(ModuleSource::Text(_)))));
    assert!(matches!(
        &directives[2].kind,
        DirectiveKind::Action(Action::Invoke { module: None, name, .. }) if name == "run"
    ));
    assert!(matches!(&directives[3].kind, DirectiveKind::AssertReturn { .. }));
    assert!(matches!(&ds[3].kind, DirectiveKind::Wait { thread } if thread == "T1"));
    assert_eq!(ds[3].line, 9);
}

#[test]
fn thread_without_shared_modules_or_directives() {
    let ds = parse("(thread $a) (thread $b (invoke $m \"f\")) (wait $b) (wait $a)");
    assert_eq!(ds.len(), 4);
    assert!(matches!(
        &ds[0].kind,
        DirectiveKind::Thread { name, shared, directives } if name == "a" && shared.is_empty() && directives.is_empty()
    ));
    assert!(matches!(
        &ds[1].kind,
        DirectiveKind::Thread { name, shared, directives } if name == "b" && shared.is_empty() && directives.len() == 1
    ));
}

#[test]
fn threads_nest() {
    let src = "(module $M)\n(thread $outer (shared (module $M))\n  (thread $inner (shared (module $M))\n    (module $N))\n  (wait $inner))\n(wait $outer)";
    let ds = parse(src);
    let DirectiveKind::Thread { directives, .. } = &ds[1].kind else {
        panic!()
    };
    assert_eq!(directives.len(), 2);
    let DirectiveKind::Thread {
        name,
        directives: inner,
        ..
    } = &directives[0].kind
    else {
        panic!()
    };
    assert_eq!((name.as_str(), directives[0].line), ("inner", 3));
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0].line, 4);
    assert!(matches!(&inner[0].kind, DirectiveKind::Module(m) if m.name.as_deref() == Some("N")));
}

#[test]
fn a_script_may_start_with_a_thread() {
    // Not taken for a bare module's fields.
    let ds = parse("(thread $t (module))");
    assert!(matches!(&ds[0].kind, DirectiveKind::Thread { .. }));
    let ds = parse("(wait $t)");
    assert!(matches!(&ds[0].kind, DirectiveKind::Wait { .. }));
}

#[test]
fn malformed_thread_directives_are_parse_errors() {
    assert_eq!(error("(wait)").0, "expected a thread name (`$id`)");
    assert_eq!(error("(wait \"t\")").0, "expected a thread name (`$id`)");
    assert_eq!(error("(wait $t $u)").0, "unexpected token, expected `)`");
    assert_eq!(error("(thread (module))").0, "expected a thread name (`$id`)");
    assert_eq!(error("(thread $t (shared))").0, "expected `(module $id)` in `shared`");
    assert_eq!(
        error("(thread $t (shared (module)))").0,
        "expected a module name (`$id`)"
    );
    assert_eq!(
        error("(thread $t (shared (module $m) $n))").0,
        "unexpected token, expected `)`"
    );
    // `shared` clauses come first.
    assert_eq!(
        error("(thread $t (module) (shared (module $m)))").0,
        "unknown directive `shared`"
    );
    assert_eq!(
        error("(thread $t\n  (invoke \"f\")").0,
        "unexpected end of input, expected `)`"
    );
    // An error inside a thread's body is an error of the script, at its
    // own line.
    assert_eq!(
        error("(thread $t\n  (invoke \"f\")\n  (assert_return (invoke \"f\") (i32.const x)))"),
        ("constant out of range: x".to_string(), 3)
    );
    assert_eq!(error("(thread $t\n  (frobnicate))").1, 2);
}

#[test]
fn thread_nesting_is_bounded() {
    let deep = |n: usize| format!("{}{}", "(thread $t ".repeat(n), ")".repeat(n));
    assert!(parse_script(&deep(32)).is_ok());
    assert_eq!(error(&deep(33)).0, "threads nested too deeply");
}
