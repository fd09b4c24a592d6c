//! Wasm function bodies → Cranelift IR.
