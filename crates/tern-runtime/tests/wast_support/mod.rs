//! Spec-script support: the script model and runner ([`script`], to move
//! into `tern-wast`), and the `wast`-crate front end ([`wast_adapter`]).

pub mod script;
pub mod wast_adapter;
