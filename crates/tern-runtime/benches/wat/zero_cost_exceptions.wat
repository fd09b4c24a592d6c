;; The same work with and without try_table in the hot path: entering and
;; leaving a try_table must cost nothing on the compiled tier.
(module
  (tag $e (param i64))
  ;; Too big to be inlined (more than 48 bytes of code): a real call.
  (func $mix (param $a i64) (param $b i64) (result i64)
    (local $x i64)
    (local.set $x (i64.xor (local.get $a) (i64.mul (local.get $b) (i64.const 0x9e3779b97f4a7c15))))
    (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29))))
    (local.set $x (i64.mul (local.get $x) (i64.const 0xbf58476d1ce4e5b9)))
    (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 32))))
    (if (i64.eq (local.get $x) (i64.const 42)) (then (throw $e (local.get $x))))
    (local.get $x))
  ;; n iterations: a call and some arithmetic.
  (func (export "loop-plain") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (loop $l
      (local.set $acc (call $mix (local.get $acc) (i64.extend_i32_u (local.get $i))))
      (local.set $acc (i64.add (local.get $acc) (i64.rotl (local.get $acc) (i64.const 7))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $acc))
  ;; The same, with the call and the arithmetic in a try_table entered and
  ;; left on every iteration.
  (func (export "loop-try") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (loop $l
      (block $done
        (block $h (result i64)
          (try_table (catch $e $h)
            (local.set $acc (call $mix (local.get $acc) (i64.extend_i32_u (local.get $i))))
            (local.set $acc (i64.add (local.get $acc) (i64.rotl (local.get $acc) (i64.const 7)))))
          (br $done))
        ;; The handler: never reached.
        (local.set $acc))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $acc))

  ;; Without calls: the work inline, a throw that never happens.
  (func (export "inline-plain") (param $n i32) (result i64)
    (local $i i32) (local $x i64)
    (loop $l
      (local.set $x (i64.xor (local.get $x) (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 0x9e3779b97f4a7c15))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29))))
      (local.set $x (i64.mul (local.get $x) (i64.const 0xbf58476d1ce4e5b9)))
      (if (i64.eq (local.get $x) (i64.const 42)) (then (throw $e (local.get $x))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $x))
  (func (export "inline-try") (param $n i32) (result i64)
    (local $i i32) (local $x i64)
    (loop $l
      (block $done
        (block $h (result i64)
          (try_table (catch $e $h)
            (local.set $x (i64.xor (local.get $x) (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 0x9e3779b97f4a7c15))))
            (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29))))
            (local.set $x (i64.mul (local.get $x) (i64.const 0xbf58476d1ce4e5b9)))
            (if (i64.eq (local.get $x) (i64.const 42)) (then (throw $e (local.get $x)))))
          (br $done))
        (local.set $x))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $x))
)
