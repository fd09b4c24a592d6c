;; Call-heavy code through a table: a loop of call_indirect to small leaf
;; functions, each of which also makes a direct call.
;; run(n) = the accumulator after n dispatches.
(module
  (type $op (func (param i32 i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $add $sub $xor $mul)
  (func $mix (param $x i32) (result i32)
    (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 7))))
  (func $add (type $op) (i32.add (local.get 0) (call $mix (local.get 1))))
  (func $sub (type $op) (i32.sub (local.get 0) (local.get 1)))
  (func $xor (type $op) (call $mix (i32.xor (local.get 0) (local.get 1))))
  (func $mul (type $op) (i32.mul (local.get 0) (i32.or (local.get 1) (i32.const 1))))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i32)
    (local.set $acc (i32.const 1))
    (loop $l
      (local.set $acc
        (call_indirect (type $op)
          (local.get $acc) (local.get $i)
          (i32.and (i32.add (local.get $i) (i32.shr_u (local.get $acc) (i32.const 3))) (i32.const 3))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.extend_i32_u (local.get $acc))))
