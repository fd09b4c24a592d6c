//! A cursor over tokens with the small parsing helpers every part of the
//! grammar uses.

use crate::error::{Error, Result};
use crate::lexer::{Tok, Token};
use std::borrow::Cow;

/// A position in a token list.
#[derive(Clone)]
pub struct Cursor<'t, 'a> {
    pub toks: &'t [Token<'a>],
    pub pos: usize,
    /// Offset reported for errors at the end of input.
    pub end: usize,
    /// The `(@name "...")` that followed the last identifier read by
    /// [`Cursor::opt_id`], if any.
    pub name_annot: Option<String>,
}

impl<'t, 'a> Cursor<'t, 'a> {
    pub fn new(toks: &'t [Token<'a>], end: usize) -> Self {
        Cursor {
            toks,
            pos: 0,
            end,
            name_annot: None,
        }
    }

    #[inline]
    pub fn peek(&self) -> Option<&'t Tok<'a>> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    #[inline]
    pub fn peek_at(&self, n: usize) -> Option<&'t Tok<'a>> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }

    /// Byte offset of the current token.
    pub fn offset(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.offset).unwrap_or(self.end)
    }

    #[cold]
    pub fn err(&self, msg: impl Into<String>) -> Error {
        Error::new(msg, self.offset())
    }

    pub fn next(&mut self) -> Option<&'t Tok<'a>> {
        let t = self.toks.get(self.pos).map(|t| &t.tok);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn is_eof(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub fn at_lparen(&self) -> bool {
        matches!(self.peek(), Some(Tok::LParen))
    }

    pub fn at_rparen(&self) -> bool {
        matches!(self.peek(), Some(Tok::RParen))
    }

    pub fn lparen(&mut self) -> Result<()> {
        match self.peek() {
            Some(Tok::LParen) => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.err("expected `(`")),
        }
    }

    pub fn rparen(&mut self) -> Result<()> {
        match self.peek() {
            Some(Tok::RParen) => {
                self.pos += 1;
                Ok(())
            }
            Some(Tok::Keyword(k)) => Err(self.err(format!("unexpected token `{k}`, expected `)`"))),
            None => Err(self.err("unexpected end of input, expected `)`")),
            _ => Err(self.err("unexpected token, expected `)`")),
        }
    }

    /// The keyword at the cursor, if any.
    pub fn peek_kw(&self) -> Option<&'a str> {
        match self.peek() {
            Some(Tok::Keyword(k)) => Some(k),
            _ => None,
        }
    }

    /// Whether the cursor is at `(` followed by keyword `kw`.
    pub fn at_paren_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::LParen)) && matches!(self.peek_at(1), Some(Tok::Keyword(k)) if *k == kw)
    }

    /// The keyword after `(` at the cursor, if any.
    pub fn paren_kw(&self) -> Option<&'a str> {
        match (self.peek(), self.peek_at(1)) {
            (Some(Tok::LParen), Some(Tok::Keyword(k))) => Some(k),
            _ => None,
        }
    }

    /// Consumes keyword `kw` if present.
    pub fn take_kw(&mut self, kw: &str) -> bool {
        if self.peek_kw() == Some(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_kw(&mut self, kw: &str) -> Result<()> {
        if self.take_kw(kw) {
            Ok(())
        } else {
            Err(self.err(format!("expected `{kw}`")))
        }
    }

    /// Consumes `(kw` if present.
    pub fn take_paren_kw(&mut self, kw: &str) -> bool {
        if self.at_paren_kw(kw) {
            self.pos += 2;
            true
        } else {
            false
        }
    }

    /// An optional identifier, and an optional `(@name "...")` after it
    /// (kept in `name_annot`).
    pub fn opt_id(&mut self) -> Option<(String, usize)> {
        self.name_annot = None;
        let id = match self.peek() {
            Some(Tok::Id(id)) => {
                let off = self.offset();
                self.pos += 1;
                Some((id.to_string(), off))
            }
            _ => None,
        };
        if let Some(Tok::NameAnnot(n)) = self.peek() {
            self.name_annot = Some(n.clone());
            self.pos += 1;
        }
        id
    }

    /// The name-section name of the definition whose id was just read: its
    /// `@name` annotation, else the id.
    pub fn def_name(&mut self, id: &Option<(String, usize)>) -> Option<String> {
        self.name_annot.take().or_else(|| id.as_ref().map(|i| i.0.clone()))
    }

    pub fn string(&mut self) -> Result<Cow<'a, [u8]>> {
        match self.peek() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(s.clone())
            }
            _ => Err(self.err("expected a string")),
        }
    }

    /// A string that must be valid UTF-8 (names).
    pub fn name(&mut self) -> Result<String> {
        let at = self.offset();
        let s = self.string()?;
        String::from_utf8(s.into_owned()).map_err(|_| Error::new("malformed UTF-8 encoding", at))
    }

    pub fn at_string(&self) -> bool {
        matches!(self.peek(), Some(Tok::Str(_)))
    }

    /// A number token's text.
    pub fn num(&mut self) -> Result<&'a str> {
        match self.peek() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.err("expected a number")),
        }
    }

    pub fn at_num(&self) -> bool {
        matches!(self.peek(), Some(Tok::Num(_)))
    }

    pub fn u32(&mut self) -> Result<u32> {
        let at = self.offset();
        let n = self.num()?;
        crate::literal::parse_u32(n)
            .ok_or_else(|| Error::new(format!("invalid u32 number `{n}`: constant out of range"), at))
    }

    /// Skips one token or one balanced parenthesised group.
    pub fn skip_item(&mut self) -> Result<()> {
        if !self.at_lparen() && !matches!(self.peek(), Some(Tok::Annotation(_))) {
            if self.next().is_none() {
                return Err(self.err("unexpected end of input"));
            }
            return Ok(());
        }
        let start = self.offset();
        let mut depth = 0usize;
        loop {
            match self.next() {
                Some(Tok::LParen) | Some(Tok::Annotation(_)) => depth += 1,
                Some(Tok::RParen) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Some(_) => {}
                None => return Err(Error::new("unbalanced parentheses", start)),
            }
        }
    }
}
