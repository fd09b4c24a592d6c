;; Allocation churn with a live set: each iteration allocates a two-cell
;; cycle and an 8-element array, and every 7th iteration keeps its cell
;; in a ring of 10,000 (the live set). `run(n)` returns a checksum of
;; what it read and of the ring at the end.
(module
  (type $cell (struct (field $v (mut i64)) (field $next (mut (ref null $cell)))))
  (type $longs (array (mut i64)))
  (type $ring (array (mut (ref null $cell))))

  (func (export "run") (param $n i32) (result i64)
    (local $live (ref $ring)) (local $i i32) (local $a (ref $cell))
    (local $b (ref $cell)) (local $arr (ref $longs)) (local $sum i64)
    (local $c (ref null $cell))
    (local.set $live (array.new_default $ring (i32.const 10000)))
    (loop $l
      (local.set $a (struct.new $cell (i64.extend_i32_u (local.get $i)) (ref.null $cell)))
      (local.set $b (struct.new $cell (i64.const 1) (local.get $a)))
      (struct.set $cell $next (local.get $a) (local.get $b))
      (local.set $arr (array.new $longs (i64.extend_i32_u (local.get $i)) (i32.const 8)))
      (array.set $longs (local.get $arr) (i32.const 7)
        (i64.add (array.get $longs (local.get $arr) (i32.const 7)) (i64.const 7)))
      (local.set $sum (i64.add (local.get $sum)
        (i64.add (array.get $longs (local.get $arr) (i32.const 7))
                 (struct.get $cell $v (local.get $b)))))
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 7)))
        (then (array.set $ring (local.get $live)
                (i32.rem_u (local.get $i) (i32.const 10000)) (local.get $a))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $walk
      (local.set $c (array.get $ring (local.get $live) (local.get $i)))
      (if (i32.eqz (ref.is_null (local.get $c)))
        (then (local.set $sum (i64.add (local.get $sum)
          (i64.add (struct.get $cell $v (local.get $c))
            (struct.get $cell $v (ref.as_non_null (struct.get $cell $next (local.get $c)))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $walk (i32.lt_u (local.get $i) (i32.const 10000))))
    (local.get $sum)))
