//! Lazy translation validates every body up front, in parallel for big
//! modules: the error must still be the first bad function's, as with
//! eager (sequential) translation.

use tern::*;

#[test]
fn big_modules_report_the_first_bad_body() {
    let mut text = String::from("(module\n");
    for i in 0..3000 {
        if i == 1500 || i == 2900 {
            text.push_str("  (func (i32.add (i32.const 1)) (drop))\n");
        } else {
            text.push_str("  (func (result i32) (i32.const 1))\n");
        }
    }
    text.push(')');
    let bytes = wat::parse_str(&text).unwrap();
    let err = |mode: InterpTranslation| {
        let mut c = Config::new();
        c.interp_translation(mode);
        Module::new(&Engine::new(&c).unwrap(), &bytes).unwrap_err().to_string()
    };
    let lazy = err(InterpTranslation::Lazy);
    assert_eq!(lazy, err(InterpTranslation::Eager));
    assert!(lazy.contains("type mismatch"), "{lazy}");
}
