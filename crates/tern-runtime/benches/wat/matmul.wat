;; Dense f64 matrix multiply C = A * B, n x n (n <= 128), row-major in
;; linear memory. The inner loop walks A's row and B's column with strided
;; pointers, as an optimising compiler would emit it.
;; run(n) = the bits of the sum of C's elements.
(module
  (memory 8)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $j i32)
    (local $a i32) (local $b i32) (local $c i32)
    (local $pa i32) (local $pb i32) (local $end i32) (local $stride i32)
    (local $acc f64) (local $sum f64) (local $fn f64)
    (local.set $a (i32.const 0))
    (local.set $b (i32.shl (i32.mul (local.get $n) (local.get $n)) (i32.const 3)))
    (local.set $c (i32.shl (local.get $b) (i32.const 1)))
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (local.set $fn (f64.convert_i32_s (local.get $n)))
    ;; A[i][j] = (i + j) / n, B[i][j] = (i - j) / n
    (local.set $i (i32.const 0))
    (loop $li
      (local.set $j (i32.const 0))
      (loop $lj
        (local.set $pa (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
        (f64.store (i32.add (local.get $a) (local.get $pa))
          (f64.div (f64.convert_i32_s (i32.add (local.get $i) (local.get $j))) (local.get $fn)))
        (f64.store (i32.add (local.get $b) (local.get $pa))
          (f64.div (f64.convert_i32_s (i32.sub (local.get $i) (local.get $j))) (local.get $fn)))
        (br_if $lj (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n))))
      (br_if $li (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    ;; C = A * B
    (local.set $i (i32.const 0))
    (loop $mi
      (local.set $j (i32.const 0))
      (loop $mj
        (local.set $acc (f64.const 0))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $end (i32.add (local.get $pa) (local.get $stride)))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
        (loop $mk
          (local.set $acc
            (f64.add (local.get $acc)
              (f64.mul (f64.load (local.get $pa)) (f64.load (local.get $pb)))))
          (local.set $pb (i32.add (local.get $pb) (local.get $stride)))
          (br_if $mk (i32.ne (local.tee $pa (i32.add (local.get $pa) (i32.const 8))) (local.get $end))))
        (f64.store
          (i32.add (local.get $c)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
          (local.get $acc))
        (local.set $sum (f64.add (local.get $sum) (local.get $acc)))
        (br_if $mj (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n))))
      (br_if $mi (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.reinterpret_f64 (local.get $sum))))
