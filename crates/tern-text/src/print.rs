//! The printer: binary → text. (Being written; see the next commits.)

use tern_binary::BinaryError;

/// Printer options.
#[derive(Clone, Debug, Default)]
pub struct PrintOptions {
    /// Print instructions in folded (S-expression) form.
    pub folded: bool,
}

/// Prints a binary module as text.
pub fn print(bytes: &[u8]) -> Result<String, BinaryError> {
    print_with(bytes, &PrintOptions::default())
}

/// Prints a binary module as text with options.
pub fn print_with(_bytes: &[u8], _opts: &PrintOptions) -> Result<String, BinaryError> {
    Err(BinaryError::new("the printer is not written yet", 0))
}
