//! Text errors: a message and a byte offset, shown as `file:line:col` with
//! the line and a caret once the source is known.

use std::fmt;

/// An error in text input.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    message: String,
    offset: usize,
    /// Filled in by `with_source`: path, line (1-based), column
    /// (1-based, in characters) and the line's text.
    location: Option<(String, usize, usize, String)>,
}

impl Error {
    /// An error at byte `offset` of the text.
    #[cold]
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        Error {
            inner: Box::new(Inner {
                message: message.into(),
                offset,
                location: None,
            }),
        }
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Byte offset in the text.
    pub fn offset(&self) -> usize {
        self.inner.offset
    }

    /// Attaches the file name and source so the error prints as
    /// `file:line:col: message` with the line and a caret.
    pub fn with_source(mut self, path: &str, src: &str) -> Self {
        let off = self.inner.offset.min(src.len());
        let line_start = src[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line_end = src[off..].find('\n').map(|i| off + i).unwrap_or(src.len());
        let line = src[..line_start].matches('\n').count() + 1;
        let col = src[line_start..off].chars().count() + 1;
        self.inner.location = Some((path.to_string(), line, col, src[line_start..line_end].to_string()));
        self
    }

    /// `(line, column)`, when the source is attached.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        self.inner.location.as_ref().map(|(_, l, c, _)| (*l, *c))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.location {
            Some((path, line, col, text)) => {
                write!(
                    f,
                    "{path}:{line}:{col}: {}\n  {text}\n  {:>width$}",
                    self.inner.message,
                    "^",
                    width = col
                )
            }
            None => write!(f, "{} (at byte {})", self.inner.message, self.inner.offset),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// Result type of the text crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
