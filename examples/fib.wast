;; Spec-test style assertions on examples/fib.wat: `tern wast examples/fib.wast`.
(module $fib
  (func $fib_rec (export "fib_rec") (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib_rec (i64.sub (local.get $n) (i64.const 1)))
          (call $fib_rec (i64.sub (local.get $n) (i64.const 2)))))))
  (func (export "fib") (param $n i64) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $next)))
    (local.get $a))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1))))

(assert_return (invoke "fib" (i64.const 0)) (i64.const 0))
(assert_return (invoke "fib" (i64.const 10)) (i64.const 55))
(assert_return (invoke "fib" (i64.const 90)) (i64.const 2880067194370816120))
(assert_return (invoke "fib_rec" (i64.const 20)) (i64.const 6765))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module quote "(func i32.const)") "unexpected token")
