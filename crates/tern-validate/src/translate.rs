//! The one driver of a function body's pass: the validator reads the
//! body's locals and checks each operator, and a translator that follows it
//! sees only what the validator accepted.
//!
//! Both tiers translate this way (the interpreter to its register IR, the
//! compiler to Cranelift IR). Plain validation
//! ([`FuncValidator::validate_body`]) is the same loop without a
//! translator.

use crate::func::FuncValidator;
use crate::{Error, Result};
use tern_binary::{
    BlockType, BrOnCast, BrTable, FuncBody, FuncType, HeapType, Ieee32, Ieee64, MemArg, SelectTypes, TryTable, V128,
    ValType, VisitOperator, for_each_operator,
};

/// A translator that [`validate_and_translate`] drives: an operator
/// visitor that is also told where each operator is.
pub trait Translate<'a>: VisitOperator<'a> {
    /// Called before each operator's visitor method with the operator's
    /// byte offset in the module. Does nothing unless the translator
    /// records positions (for backtraces).
    #[inline]
    fn at_offset(&mut self, offset: usize) {
        let _ = offset;
    }
}

/// Validates the body of function `func_index` (imports included in the
/// index space) and translates it in the same pass.
///
/// The validator first reads and checks the local declarations; `start`
/// then gets the function's type and those declarations (`(count, type)`
/// groups, parameters not included) and returns the translator. Every
/// operator is validated before the translator's visitor method for it is
/// called, so a translator never sees an invalid operator, and code after
/// the body's final `end` is never handed to it. Returns the translator,
/// once the body has been read to its end.
///
/// Validation errors become the translator's error type `E`; the first
/// error, of either, ends the pass.
pub fn validate_and_translate<'a, 'i, T, E>(
    validator: &mut FuncValidator<'i>,
    func_index: u32,
    body: &FuncBody<'a>,
    start: impl FnOnce(&'i FuncType, &[(u32, ValType)]) -> Result<T, E>,
) -> Result<T, E>
where
    T: Translate<'a, Output = Result<(), E>>,
    E: From<Error>,
{
    let mut ops = validator.begin(func_index, body, true)?;
    let mut translator = start(validator.func_type_of_body(), validator.decls())?;
    let mut pass = ValidatingTranslator {
        validator: &mut *validator,
        translator: &mut translator,
        offset: 0,
    };
    while !ops.eof() {
        pass.offset = ops.offset();
        pass.translator.at_offset(pass.offset);
        ops.visit_operator(&mut pass)??;
        if pass.validator.frame_depth() == 0 {
            break;
        }
    }
    validator.finish(&ops)?;
    Ok(translator)
}

/// A validator and a translator visiting the same operator: the validator
/// first (at byte offset `offset`, for its errors), then the translator.
struct ValidatingTranslator<'p, 'i, T> {
    validator: &'p mut FuncValidator<'i>,
    translator: &'p mut T,
    offset: usize,
}

macro_rules! define_validating_translator {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl<'a, T, E> VisitOperator<'a> for ValidatingTranslator<'_, '_, T>
        where
            T: VisitOperator<'a, Output = Result<(), E>>,
            E: From<Error>,
        {
            type Output = Result<(), E>;
            $(
                #[inline]
                #[allow(clippy::clone_on_copy, clippy::redundant_clone)]
                fn $visit(&mut self $(, $f: $t)*) -> Result<(), E> {
                    self.validator.visitor(self.offset).$visit($($f.clone()),*)?;
                    self.translator.$visit($($f),*)
                }
            )*
        }
    };
}

for_each_operator!(define_validating_translator);
