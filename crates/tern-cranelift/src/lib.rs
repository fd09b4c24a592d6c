//! tern's optimizing tier: each validated function body is translated in
//! the validator's single pass into Cranelift IR ([`translate`]), compiled
//! for the host, linked by tern and mapped executable. Compiled code runs
//! against the layout in [`tern_vm::vmctx`].

pub mod translate;
