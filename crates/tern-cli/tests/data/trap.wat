(module
  (func $inner (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (call $inner (local.get 0) (local.get 1))))
