//! The WebAssembly binary format: types, LEB128, the operator table and
//! reader, the module decoder and encoder, and the name section.
//!
//! ```
//! let bytes = [0, b'a', b's', b'm', 1, 0, 0, 0];
//! let m = tern_binary::decode(&bytes).unwrap();
//! assert_eq!(tern_binary::encode(&m), bytes);
//! ```

#![forbid(unsafe_code)]

mod bytes;
mod encode;
mod error;
mod module;
mod names;
mod operators;
mod optable;
mod reader;
mod types;

pub use bytes::SharedBytes;
pub use encode::{
    encode, write_bytes, write_global_type, write_i32, write_i64, write_memory_type, write_name, write_s33,
    write_table_type, write_type_groups, write_u32, write_u64,
};
pub use error::{BinaryError, Result};
pub use module::*;
pub use names::{NameMap, Names};
pub use operators::*;
pub use optable::AtomicKind;
pub use reader::Reader;
pub use types::*;
