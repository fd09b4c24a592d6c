;; Wasm 3.0: typed function references, exception handling, memory64.
(module
  (type $f (func (result i32)))
  (tag $t (param i32))
  (memory i64 1)
  (func $one (type $f) (i32.const 1))
  (elem declare func $one)
  (func (export "main") (result i32)
    (block $caught (result i32)
      (try_table (catch $t $caught)
        (throw $t (call_ref $f (ref.func $one))))
      (i32.const 0))
    (i32.load (i64.const 0))
    (i32.add)))
