;; A tight integer loop over locals: total Collatz steps of 1..=n.
;; run(n) = sum over i in 1..=n of the steps for i to reach 1.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $i i64) (local $x i64) (local $total i64) (local $end i64)
    (local.set $end (i64.extend_i32_u (local.get $n)))
    (local.set $i (i64.const 1))
    (loop $outer
      (local.set $x (local.get $i))
      (block $reached
        (br_if $reached (i64.eq (local.get $x) (i64.const 1)))
        (loop $steps
          (if (i32.wrap_i64 (i64.and (local.get $x) (i64.const 1)))
            (then (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 3)) (i64.const 1))))
            (else (local.set $x (i64.shr_u (local.get $x) (i64.const 1)))))
          (local.set $total (i64.add (local.get $total) (i64.const 1)))
          (br_if $steps (i64.ne (local.get $x) (i64.const 1)))))
      (br_if $outer (i64.le_u (local.tee $i (i64.add (local.get $i) (i64.const 1))) (local.get $end))))
    (local.get $total)))
