;; Sums the 64Ki i32 words of a 256 KiB buffer $reps times, two loads per
;; step, with a 32-bit memory (the memory64_bounds bench).
(module
  (memory 4)
  (func (export "run") (param $reps i32) (result i64)
    (local $p i32) (local $sum i32)
    (loop $rep
      (local.set $p (i32.const 0))
      (loop $words
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
        (local.set $sum (i32.xor (local.get $sum) (i32.load offset=4 (local.get $p))))
        (br_if $words (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 8))) (i32.const 0x40000))))
      (br_if $rep (local.tee $reps (i32.sub (local.get $reps) (i32.const 1)))))
    (i64.extend_i32_u (local.get $sum))))
