//! Hostile shapes of input: deep nesting must not overflow the host stack
//! (parser) or blow up the output (printer).

#[test]
fn deeply_nested_folded_instructions_parse_and_print() {
    let n = 100_000;
    let blocks = format!("(module (func {}{}))", "(block ".repeat(n), ")".repeat(n));
    let wasm = tern_text::parse_wat(&blocks).expect("nested blocks parse");
    tern_validate::validate(&wasm, &tern_validate::Features::default()).expect("nested blocks validate");
    let text = tern_text::print(&wasm).expect("print");
    // Indentation is capped, so output stays linear in the input.
    assert!(text.len() < 400 * n, "printed {} bytes for {n} blocks", text.len());
    assert_eq!(tern_text::parse_wat(&text).unwrap(), wasm);

    let adds = format!(
        "(module (func (result i32) {}(i32.const 0){}))",
        "(i32.add (i32.const 1) ".repeat(n),
        ")".repeat(n)
    );
    let wasm = tern_text::parse_wat(&adds).expect("nested operands parse");
    tern_validate::validate(&wasm, &tern_validate::Features::default()).expect("nested operands validate");
    let folded = tern_text::print_with(
        &wasm,
        &tern_text::PrintOptions {
            folded: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(tern_text::parse_wat(&folded).unwrap(), wasm);
}

#[test]
fn unclosed_input_is_an_error_with_a_position() {
    for src in [
        "(module (func (block",
        "(module (func (i32.add (i32.const 1)",
        "(module (func (if (then",
    ] {
        let e = tern_text::parse_wat(src).expect_err(src);
        assert!(e.offset() <= src.len(), "{src}: {e}");
    }
}
