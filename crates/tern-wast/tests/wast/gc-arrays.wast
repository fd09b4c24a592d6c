;; Arrays of up to 48 bytes of elements and just over (once two kinds of
;; array, now one): contents, bounds, copies between them, and many of them
;; alive while the heap grows and collects (the heap's words, and with them
;; the arrays' bytes, move as it grows).

(module
  (type $b (array (mut i8)))
  (type $h (array (mut i16)))
  (type $w (array (mut i32)))
  (type $l (array (mut i64)))
  (type $d (array (mut f64)))
  (type $node (struct (field (ref $w)) (field (ref null $node))))
  (data $bytes "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20\21\22\23\24\25\26\27\28\29\2a\2b\2c\2d\2e\2f\30\31\32")

  ;; the sum of the elements of an i32 array of n copies of v, after
  ;; setting the last one to 1000
  (func (export "w-sum") (param $n i32) (param $v i32) (result i32)
    (local $a (ref $w)) (local $i i32) (local $s i32)
    (local.set $a (array.new $w (local.get $v) (local.get $n)))
    (array.set $w (local.get $a) (i32.sub (local.get $n) (i32.const 1)) (i32.const 1000))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
        (local.set $s (i32.add (local.get $s) (array.get $w (local.get $a) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $s))

  ;; element i of an i8 array made from the data segment's first n bytes
  (func (export "b-data") (param $n i32) (param $i i32) (result i32)
    (array.get_u $b (array.new_data $b $bytes (i32.const 0) (local.get $n)) (local.get $i)))

  ;; element i of an i16 array of n elements, signed
  (func (export "h-get") (param $n i32) (param $i i32) (result i32)
    (array.get_s $h (array.new $h (i32.const -2) (local.get $n)) (local.get $i)))

  ;; copies n i64 elements between arrays of lengths m and k (6 fit in the
  ;; object, 7 do not) and returns the copy's element j
  (func (export "l-copy") (param $m i32) (param $k i32) (param $n i32) (param $j i32) (result i64)
    (local $src (ref $l)) (local $dst (ref $l)) (local $i i32)
    (local.set $src (array.new_default $l (local.get $m)))
    (local.set $dst (array.new $l (i64.const -1) (local.get $k)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (array.set $l (local.get $src) (local.get $i) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 10))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (array.copy $l $l (local.get $dst) (i32.const 0) (local.get $src) (i32.const 0) (local.get $n))
    (array.get $l (local.get $dst) (local.get $j)))

  ;; array.new_fixed and array.fill on a small f64 array
  (func (export "d-fill") (result f64)
    (local $a (ref $d))
    (local.set $a (array.new_fixed $d 4 (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4)))
    (array.fill $d (local.get $a) (i32.const 1) (f64.const 0.5) (i32.const 2))
    (f64.add (f64.add (array.get $d (local.get $a) (i32.const 0)) (array.get $d (local.get $a) (i32.const 1)))
      (f64.add (array.get $d (local.get $a) (i32.const 2)) (array.get $d (local.get $a) (i32.const 3)))))

  ;; n small arrays [i, i+1, i+2] kept alive in a list, interleaved with
  ;; garbage, then summed: the arena grows and collects meanwhile
  (func (export "keep") (param $n i32) (result i64)
    (local $list (ref null $node)) (local $i i32) (local $s i64) (local $a (ref $w))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (drop (array.new $b (i32.const 7) (i32.const 40)))
        (drop (array.new $l (i64.const 7) (i32.const 9)))
        (local.set $list (struct.new $node
          (array.new_fixed $w 3 (local.get $i) (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $i) (i32.const 2)))
          (local.get $list)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (block $end
      (loop $sum
        (br_if $end (ref.is_null (local.get $list)))
        (local.set $a (struct.get $node 0 (local.get $list)))
        (local.set $s (i64.add (local.get $s) (i64.extend_i32_u
          (i32.add (array.get $w (local.get $a) (i32.const 0))
            (i32.add (array.get $w (local.get $a) (i32.const 1)) (array.get $w (local.get $a) (i32.const 2)))))))
        (local.set $list (struct.get $node 1 (local.get $list)))
        (br $sum)))
    (local.get $s)))

(assert_return (invoke "w-sum" (i32.const 1) (i32.const 5)) (i32.const 1000))
(assert_return (invoke "w-sum" (i32.const 12) (i32.const 5)) (i32.const 1055))
(assert_return (invoke "w-sum" (i32.const 13) (i32.const 5)) (i32.const 1060))
(assert_return (invoke "w-sum" (i32.const 100) (i32.const 1)) (i32.const 1099))
(assert_trap (invoke "w-sum" (i32.const 0) (i32.const 1)) "out of bounds")
(assert_return (invoke "b-data" (i32.const 48) (i32.const 47)) (i32.const 48))
(assert_return (invoke "b-data" (i32.const 49) (i32.const 48)) (i32.const 49))
(assert_return (invoke "b-data" (i32.const 1) (i32.const 0)) (i32.const 1))
(assert_trap (invoke "b-data" (i32.const 48) (i32.const 48)) "out of bounds")
(assert_trap (invoke "b-data" (i32.const 51) (i32.const 0)) "out of bounds")
(assert_return (invoke "h-get" (i32.const 24) (i32.const 23)) (i32.const -2))
(assert_return (invoke "h-get" (i32.const 25) (i32.const 24)) (i32.const -2))
(assert_trap (invoke "h-get" (i32.const 24) (i32.const 24)) "out of bounds")
(assert_return (invoke "l-copy" (i32.const 6) (i32.const 7) (i32.const 6) (i32.const 5)) (i64.const 15))
(assert_return (invoke "l-copy" (i32.const 6) (i32.const 7) (i32.const 6) (i32.const 6)) (i64.const -1))
(assert_return (invoke "l-copy" (i32.const 7) (i32.const 6) (i32.const 6) (i32.const 5)) (i64.const 15))
(assert_return (invoke "l-copy" (i32.const 7) (i32.const 7) (i32.const 7) (i32.const 6)) (i64.const 16))
(assert_trap (invoke "l-copy" (i32.const 7) (i32.const 6) (i32.const 7) (i32.const 0)) "out of bounds")
(assert_return (invoke "d-fill") (f64.const 6))
(assert_return (invoke "keep" (i32.const 1)) (i64.const 3))
(assert_return (invoke "keep" (i32.const 100000)) (i64.const 15000150000))
