//! The lexer: text → tokens, with byte offsets for error messages.
//!
//! Follows the text format's lexical grammar: parentheses, keywords,
//! identifiers (`$id` and `$"quoted"`), numbers, strings (with `\t \n \r
//! \" \' \\ \hh \u{...}` escapes), line comments `;;` and nested block
//! comments `(; ;)`, and annotations `(@...)`, which are skipped except
//! where the parser asks for them.

use crate::error::{Error, Result};
use std::borrow::Cow;

/// A token's kind and text.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok<'a> {
    LParen,
    RParen,
    /// `(@name` starts an annotation.
    Annotation(&'a str),
    /// A keyword (or any other `idchar+` run that does not start with `$`,
    /// a digit or a sign: also `offset=4` and friends).
    Keyword(&'a str),
    /// An identifier, without its `$`.
    Id(Cow<'a, str>),
    /// A number (integer or float), as written.
    Num(&'a str),
    /// A string's bytes, escapes decoded.
    Str(Cow<'a, [u8]>),
    /// `(@name "...")`: the name-section name of the definition it follows.
    NameAnnot(String),
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Token<'a> {
    pub tok: Tok<'a>,
    pub offset: usize,
}

fn is_idchar(c: u8) -> bool {
    matches!(c,
        b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z'
        | b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'/'
        | b':' | b'<' | b'=' | b'>' | b'?' | b'@' | b'\\' | b'^' | b'_' | b'`' | b'|' | b'~')
}

/// The annotation of a branch hint: `(@metadata.code.branch_hint "\01")`.
pub const BRANCH_HINT: &str = "metadata.code.branch_hint";

/// Splits `src` into tokens. Comments and whitespace are dropped, and so
/// are annotations other than `(@custom ...)`, `(@producers ...)` and
/// `(@dylink.0 ...)` (custom sections), branch hints, and `(@name "...")` (names), which
/// becomes one token.
pub fn tokenize(src: &str) -> Result<Vec<Token<'_>>> {
    let raw = tokenize_raw(src)?;
    if !raw.iter().any(|t| matches!(t.tok, Tok::Annotation(_))) {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match &raw[i].tok {
            Tok::Annotation("custom" | "producers" | "dylink.0" | BRANCH_HINT) => {
                out.push(raw[i].clone());
                i += 1;
            }
            Tok::Annotation("name") => match (raw.get(i + 1).map(|t| &t.tok), raw.get(i + 2).map(|t| &t.tok)) {
                (Some(Tok::Str(s)), Some(Tok::RParen)) => {
                    let name = String::from_utf8(s.to_vec())
                        .map_err(|_| Error::new("malformed UTF-8 encoding", raw[i + 1].offset))?;
                    out.push(Token {
                        tok: Tok::NameAnnot(name),
                        offset: raw[i].offset,
                    });
                    i += 3;
                }
                _ => return Err(Error::new("malformed `@name` annotation", raw[i].offset)),
            },
            Tok::Annotation(_) => {
                // Skip the balanced group.
                let start = raw[i].offset;
                let mut depth = 0usize;
                loop {
                    match raw.get(i).map(|t| &t.tok) {
                        Some(Tok::LParen | Tok::Annotation(_)) => depth += 1,
                        Some(Tok::RParen) => depth -= 1,
                        Some(_) => {}
                        None => return Err(Error::new("unclosed annotation", start)),
                    }
                    i += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            _ => {
                out.push(raw[i].clone());
                i += 1;
            }
        }
    }
    Ok(out)
}

fn tokenize_raw(src: &str) -> Result<Vec<Token<'_>>> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    // Open parentheses since the outermost annotation began (0: outside
    // annotations). An annotation's tokens need no whitespace between
    // them (`(@a x"y"-2)`).
    let mut in_annotation = 0usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b';' if b.get(i + 1) == Some(&b';') => {
                // A line comment ends at a line feed or a carriage return.
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' if b.get(i + 1) == Some(&b';') => {
                let start = i;
                let mut depth = 0usize;
                loop {
                    if i >= b.len() {
                        return Err(Error::new("unclosed block comment", start));
                    }
                    if b[i] == b'(' && b.get(i + 1) == Some(&b';') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b';' && b.get(i + 1) == Some(&b')') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'(' if b.get(i + 1) == Some(&b'@') => {
                let start = i;
                i += 2;
                let s = i;
                if b.get(i) == Some(&b'"') {
                    // A quoted id (`(@"a b")`): a non-empty string. Only
                    // plain ids name the annotations tern reads, so the
                    // token keeps the quotes and matches none of them.
                    let (bytes, end) = string(src, i)?;
                    if bytes.is_empty() {
                        return Err(Error::new("empty annotation id", start));
                    }
                    if std::str::from_utf8(&bytes).is_err() {
                        return Err(Error::new("malformed UTF-8 encoding", start));
                    }
                    i = end;
                } else {
                    while i < b.len() && is_idchar(b[i]) {
                        i += 1;
                    }
                }
                if i == s && in_annotation == 0 {
                    return Err(Error::new("malformed annotation id", start));
                }
                out.push(Token {
                    tok: Tok::Annotation(&src[s..i]),
                    offset: start,
                });
                in_annotation += 1;
            }
            b'(' => {
                out.push(Token {
                    tok: Tok::LParen,
                    offset: i,
                });
                i += 1;
                if in_annotation > 0 {
                    in_annotation += 1;
                }
            }
            b')' => {
                in_annotation = in_annotation.saturating_sub(1);
                out.push(Token {
                    tok: Tok::RParen,
                    offset: i,
                });
                i += 1;
            }
            b'"' => {
                let start = i;
                let (bytes, end) = string(src, i)?;
                out.push(Token {
                    tok: Tok::Str(bytes),
                    offset: start,
                });
                i = end;
                separated(b, i, in_annotation > 0)?;
            }
            b'$' if b.get(i + 1) == Some(&b'"') => {
                let start = i;
                let (bytes, end) = string(src, i + 1)?;
                let name = match bytes {
                    Cow::Borrowed(s) => Cow::Borrowed(
                        std::str::from_utf8(s).map_err(|_| Error::new("malformed UTF-8 encoding", start))?,
                    ),
                    Cow::Owned(v) => {
                        Cow::Owned(String::from_utf8(v).map_err(|_| Error::new("malformed UTF-8 encoding", start))?)
                    }
                };
                if name.is_empty() {
                    return Err(Error::new("empty identifier", start));
                }
                out.push(Token {
                    tok: Tok::Id(name),
                    offset: start,
                });
                i = end;
                separated(b, i, in_annotation > 0)?;
            }
            _ if is_idchar(c) => {
                let start = i;
                while i < b.len() && is_idchar(b[i]) {
                    i += 1;
                }
                separated(b, i, in_annotation > 0)?;
                let text = &src[start..i];
                let tok = if let Some(id) = text.strip_prefix('$') {
                    if id.is_empty() {
                        return Err(Error::new("empty identifier", start));
                    }
                    Tok::Id(Cow::Borrowed(id))
                } else if c.is_ascii_digit() || ((c == b'+' || c == b'-') && text.len() > 1) {
                    Tok::Num(text)
                } else {
                    Tok::Keyword(text)
                };
                out.push(Token { tok, offset: start });
            }
            // Inside an annotation, any other character is a token of its
            // own (the spec's reserved tokens: `,`, `[`, `{`, ...).
            b'!'..=b'~' if in_annotation > 0 => {
                let start = i;
                i += 1;
                out.push(Token {
                    tok: Tok::Keyword(&src[start..i]),
                    offset: start,
                });
            }
            _ => return Err(Error::new("unexpected character", i)),
        }
    }
    Ok(out)
}

/// A token must be followed by whitespace, a parenthesis, a comment or
/// the end of input.
fn separated(b: &[u8], i: usize, in_annotation: bool) -> Result<()> {
    if !in_annotation && i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b'(' | b')' | b';') {
        return Err(Error::new(
            "unknown operator: tokens must be separated by whitespace",
            i,
        ));
    }
    Ok(())
}

/// Reads a string starting at the `"` at `start`; returns its bytes and the
/// offset after the closing quote.
fn string(src: &str, start: usize) -> Result<(Cow<'_, [u8]>, usize)> {
    let b = src.as_bytes();
    let mut i = start + 1;
    let mut owned: Option<Vec<u8>> = None;
    let seg_start = i;
    loop {
        let Some(&c) = b.get(i) else {
            return Err(Error::new("unclosed string", start));
        };
        match c {
            b'"' => {
                let bytes = match owned {
                    Some(v) => Cow::Owned(v),
                    None => Cow::Borrowed(&b[seg_start..i]),
                };
                return Ok((bytes, i + 1));
            }
            b'\\' => {
                let v = owned.get_or_insert_with(|| b[seg_start..i].to_vec());
                let e = *b.get(i + 1).ok_or_else(|| Error::new("unclosed string", start))?;
                i += 2;
                match e {
                    b't' => v.push(b'\t'),
                    b'n' => v.push(b'\n'),
                    b'r' => v.push(b'\r'),
                    b'"' => v.push(b'"'),
                    b'\'' => v.push(b'\''),
                    b'\\' => v.push(b'\\'),
                    b'u' => {
                        if b.get(i) != Some(&b'{') {
                            return Err(Error::new("malformed escape sequence", i - 2));
                        }
                        let close = src[i..]
                            .find('}')
                            .ok_or_else(|| Error::new("malformed escape sequence", i))?;
                        let digits: String = src[i + 1..i + close].chars().filter(|c| *c != '_').collect();
                        let cp = u32::from_str_radix(&digits, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .filter(|_| !digits.is_empty() && !src[i + 1..i + close].starts_with('_'))
                            .ok_or_else(|| Error::new("malformed escape sequence", i - 2))?;
                        let mut buf = [0u8; 4];
                        v.extend_from_slice(cp.encode_utf8(&mut buf).as_bytes());
                        i += close + 1;
                    }
                    h if h.is_ascii_hexdigit() => {
                        let l = *b.get(i).ok_or_else(|| Error::new("unclosed string", start))?;
                        if !l.is_ascii_hexdigit() {
                            return Err(Error::new("malformed escape sequence", i - 2));
                        }
                        let hex = |x: u8| (x as char).to_digit(16).unwrap_or(0) as u8;
                        v.push(hex(h) * 16 + hex(l));
                        i += 1;
                    }
                    _ => return Err(Error::new("malformed escape sequence", i - 2)),
                }
            }
            b'\n' | b'\r' | b'\t' => return Err(Error::new("newline or tab in string", i)),
            c if c < 0x20 || c == 0x7f => return Err(Error::new("control character in string", i)),
            _ => {
                if let Some(v) = owned.as_mut() {
                    v.push(c);
                }
                i += 1;
            }
        }
    }
}
