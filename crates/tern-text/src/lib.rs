//! The WebAssembly text format: WAT modules and WAST scripts to binary
//! (lexer, parser, name resolution, encoding through `tern-binary`), and
//! binary back to text (the printer).
//!
//! ```
//! let wasm = tern_text::parse_wat("(module (func (export \"f\") (result i32) i32.const 42))").unwrap();
//! assert!(tern_binary::decode(&wasm).is_ok());
//! ```

#![forbid(unsafe_code)]

mod cursor;
mod error;
mod instr;
mod lexer;
mod literal;
mod print;
mod wast;
mod wat;

pub use error::{Error, Result};
pub use print::{PrintOptions, print, print_with};
pub use wast::{
    Action, Const, Directive, DirectiveKind, ModuleSource, NanPattern, Script, ScriptModule, ValuePattern, parse_script,
};

/// Parses a WAT module — `(module ...)`, or bare module fields — to binary.
pub fn parse_wat(src: &str) -> Result<Vec<u8>> {
    let toks = lexer::tokenize(src)?;
    let mut c = cursor::Cursor::new(&toks, src.len());
    let bytes = if c.at_paren_kw("module") {
        c.pos += 2;
        let m = wast::module_body(&mut c)?;
        c.rparen()?;
        match m {
            wast::ModuleSource::Binary(b) => b,
            wast::ModuleSource::Text(b) => b,
            wast::ModuleSource::Quote(q) => parse_wat(&String::from_utf8_lossy(&q))?,
        }
    } else {
        wat::encode_module(&mut c, None)?
    };
    if !c.is_eof() {
        return Err(c.err("unexpected token after module"));
    }
    Ok(bytes)
}

/// Whether `bytes` look like a binary module (rather than text).
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
}
