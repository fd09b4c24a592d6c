;; bounds_sum32.wat with a 64-bit memory: the same loop, its pointer an i64
;; (the memory64_bounds bench).
(module
  (memory i64 4)
  (func (export "run") (param $reps i32) (result i64)
    (local $p i64) (local $sum i32)
    (loop $rep
      (local.set $p (i64.const 0))
      (loop $words
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
        (local.set $sum (i32.xor (local.get $sum) (i32.load offset=4 (local.get $p))))
        (br_if $words (i64.ne (local.tee $p (i64.add (local.get $p) (i64.const 8))) (i64.const 0x40000))))
      (br_if $rep (local.tee $reps (i32.sub (local.get $reps) (i32.const 1)))))
    (i64.extend_i32_u (local.get $sum))))
