;; Byte loop over linear memory: table-driven CRC-32 (IEEE) of n
;; pseudo-random bytes (n <= 1 MiB). The table and the bytes are generated
;; in wasm on every run.
;; run(n) = the CRC-32 of the buffer.
(module
  (memory 17)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $k i32) (local $c i32) (local $x i32) (local $p i32) (local $end i32)
    ;; table[i] at 4 * i
    (loop $ti
      (local.set $c (local.get $i))
      (local.set $k (i32.const 8))
      (loop $tk
        (local.set $c
          (if (result i32) (i32.and (local.get $c) (i32.const 1))
            (then (i32.xor (i32.const 0xEDB88320) (i32.shr_u (local.get $c) (i32.const 1))))
            (else (i32.shr_u (local.get $c) (i32.const 1)))))
        (br_if $tk (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $c))
      (br_if $ti (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    ;; bytes at 1024..1024+n from a linear congruential generator
    (local.set $x (i32.const 12345))
    (local.set $p (i32.const 1024))
    (local.set $end (i32.add (i32.const 1024) (local.get $n)))
    (loop $fill
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store8 (local.get $p) (i32.shr_u (local.get $x) (i32.const 16)))
      (br_if $fill (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $end))))
    ;; crc
    (local.set $c (i32.const -1))
    (local.set $p (i32.const 1024))
    (loop $crc
      (local.set $c
        (i32.xor
          (i32.load
            (i32.shl
              (i32.and (i32.xor (local.get $c) (i32.load8_u (local.get $p))) (i32.const 0xff))
              (i32.const 2)))
          (i32.shr_u (local.get $c) (i32.const 8))))
      (br_if $crc (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $end))))
    (i64.extend_i32_u (i32.xor (local.get $c) (i32.const -1)))))
