;; Allocation as compiled code does it inline (struct.new, struct.new_default
;; and arrays of up to 16 elements whose length is a constant), and as the
;; runtime does it (longer or variable lengths, v128): every field and element
;; type, packed values cut to their width, zeroed padding, and objects kept
;; alive across many collections by other objects, locals and globals while
;; most of what is allocated dies.

(module
  (type $all (struct (field i8) (field i16) (field i32) (field i64)
                     (field f32) (field f64) (field anyref) (field (mut i32))))
  (type $v (struct (field i32) (field v128)))
  (type $empty (struct))
  (type $b (array (mut i8)))
  (type $h (array (mut i16)))
  (type $w (array (mut i32)))
  (type $l (array (mut i64)))
  (type $f (array (mut f32)))
  (type $d (array (mut f64)))
  (type $r (array (mut anyref)))
  (type $cell (struct (field $v i64) (field $next (mut (ref null $cell)))))

  (global $kept (mut (ref null $cell)) (ref.null $cell))

  (func $all (result (ref $all))
    (struct.new $all (i32.const 0x1ff) (i32.const -1) (i32.const -7) (i64.const -8)
      (f32.const 1.5) (f64.const -2.25) (ref.i31 (i32.const 9)) (i32.const 42)))
  (func (export "all-i8") (result i32) (struct.get_u $all 0 (call $all)))
  (func (export "all-i8-s") (result i32) (struct.get_s $all 0 (call $all)))
  (func (export "all-i16") (result i32) (struct.get_u $all 1 (call $all)))
  (func (export "all-i32") (result i32) (struct.get $all 2 (call $all)))
  (func (export "all-i64") (result i64) (struct.get $all 3 (call $all)))
  (func (export "all-f32") (result f32) (struct.get $all 4 (call $all)))
  (func (export "all-f64") (result f64) (struct.get $all 5 (call $all)))
  (func (export "all-ref") (result i32)
    (i31.get_s (ref.cast (ref i31) (struct.get $all 6 (call $all)))))
  (func (export "all-default") (result i64)
    (local $s (ref $all))
    (local.set $s (struct.new_default $all))
    (i64.add (i64.extend_i32_u (struct.get_u $all 0 (local.get $s)))
      (i64.add (struct.get $all 3 (local.get $s))
        (i64.extend_i32_u (ref.is_null (struct.get $all 6 (local.get $s)))))))
  (func (export "v128-field") (result i32)
    (i32x4.extract_lane 3
      (struct.get $v 1 (struct.new $v (i32.const 1) (v128.const i32x4 1 2 3 4)))))
  (func (export "empty") (result i32)
    (ref.test (ref $empty) (struct.new $empty)))

  ;; arrays of a constant length: element i
  (func (export "b-fill") (param $i i32) (result i32)
    (array.get_u $b (array.new $b (i32.const 0x1ab) (i32.const 5)) (local.get $i)))
  (func (export "h-fixed") (param $i i32) (result i32)
    (array.get_s $h (array.new_fixed $h 3 (i32.const 1) (i32.const -2) (i32.const 0x18000))
      (local.get $i)))
  (func (export "w-default") (param $i i32) (result i32)
    (array.get $w (array.new_default $w (i32.const 16)) (local.get $i)))
  (func (export "w-17") (param $i i32) (result i32)
    (array.get $w (array.new $w (i32.const 3) (i32.const 17)) (local.get $i)))
  (func (export "l-fill") (param $i i32) (result i64)
    (array.get $l (array.new $l (i64.const -3) (i32.const 8)) (local.get $i)))
  (func (export "f-fixed") (param $i i32) (result f32)
    (array.get $f (array.new_fixed $f 2 (f32.const 0.5) (f32.const -0.0)) (local.get $i)))
  (func (export "d-fill") (param $i i32) (result f64)
    (array.get $d (array.new $d (f64.const 6.5) (i32.const 3)) (local.get $i)))
  (func (export "len-0") (result i32)
    (array.len (array.new_default $b (i32.const 0))))
  (func (export "len-16") (result i32)
    (array.len (array.new_fixed $b 16
      (i32.const 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
      (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (i32.const 10) (i32.const 11)
      (i32.const 12) (i32.const 13) (i32.const 14) (i32.const 15))))
  (func (export "len-var") (param $n i32) (result i32)
    (array.len (array.new $h (i32.const 1) (local.get $n))))

  ;; n iterations: each allocates a cell, a 4-element array holding it
  ;; and a 2-element byte array; every 10th cell is kept in a list (a
  ;; global). Returns the sum of the kept cells' values.
  (func (export "churn") (param $n i32) (result i64)
    (local $i i32) (local $a (ref $r)) (local $c (ref null $cell)) (local $s i64)
    (global.set $kept (ref.null $cell))
    (loop $l
      (local.set $a (array.new $r
        (struct.new $cell (i64.extend_i32_u (local.get $i)) (global.get $kept))
        (i32.const 4)))
      (drop (array.new_fixed $b 2 (i32.const 1) (i32.const 2)))
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 10)))
        (then (global.set $kept
          (ref.cast (ref $cell) (array.get $r (local.get $a) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $c (global.get $kept))
    (block $done
      (loop $walk
        (br_if $done (ref.is_null (local.get $c)))
        (local.set $s (i64.add (local.get $s) (struct.get $cell $v (local.get $c))))
        (local.set $c (struct.get $cell $next (local.get $c)))
        (br $walk)))
    (local.get $s))
)

(assert_return (invoke "all-i8") (i32.const 0xff))
(assert_return (invoke "all-i8-s") (i32.const -1))
(assert_return (invoke "all-i16") (i32.const 0xffff))
(assert_return (invoke "all-i32") (i32.const -7))
(assert_return (invoke "all-i64") (i64.const -8))
(assert_return (invoke "all-f32") (f32.const 1.5))
(assert_return (invoke "all-f64") (f64.const -2.25))
(assert_return (invoke "all-ref") (i32.const 9))
(assert_return (invoke "all-default") (i64.const 1))
(assert_return (invoke "v128-field") (i32.const 4))
(assert_return (invoke "empty") (i32.const 1))

(assert_return (invoke "b-fill" (i32.const 0)) (i32.const 0xab))
(assert_return (invoke "b-fill" (i32.const 4)) (i32.const 0xab))
(assert_trap (invoke "b-fill" (i32.const 5)) "out of bounds array access")
(assert_return (invoke "h-fixed" (i32.const 0)) (i32.const 1))
(assert_return (invoke "h-fixed" (i32.const 1)) (i32.const -2))
(assert_return (invoke "h-fixed" (i32.const 2)) (i32.const -32768))
(assert_trap (invoke "h-fixed" (i32.const 3)) "out of bounds array access")
(assert_return (invoke "w-default" (i32.const 15)) (i32.const 0))
(assert_trap (invoke "w-default" (i32.const 16)) "out of bounds array access")
(assert_return (invoke "w-17" (i32.const 16)) (i32.const 3))
(assert_return (invoke "l-fill" (i32.const 7)) (i64.const -3))
(assert_trap (invoke "l-fill" (i32.const -1)) "out of bounds array access")
(assert_return (invoke "f-fixed" (i32.const 0)) (f32.const 0.5))
(assert_return (invoke "f-fixed" (i32.const 1)) (f32.const -0.0))
(assert_return (invoke "d-fill" (i32.const 2)) (f64.const 6.5))
(assert_return (invoke "len-0") (i32.const 0))
(assert_return (invoke "len-16") (i32.const 16))
(assert_return (invoke "len-var" (i32.const 1000)) (i32.const 1000))

;; 400,000 iterations allocate about 38 MB, more than twice a collection's
;; threshold: the kept cells (0, 10, ..., 399,990) survive the collections.
(assert_return (invoke "churn" (i32.const 400000)) (i64.const 7999800000))
(assert_return (invoke "churn" (i32.const 1000)) (i64.const 49500))
