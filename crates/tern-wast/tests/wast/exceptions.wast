;; try_table cases the proposal's tests leave out: catch clauses whose label
;; is the function body or a loop, exceptions across many frames and
;; instances, v128 payloads, nested regions of one frame, tail-call chains,
;; handlers that throw, and many throws in a row.

(module
  (tag $ei (param i32))
  (tag $ev (param v128 i32))

  ;; The function body as the catch label: the payload is the result.
  (func $to-func (result i32)
    (try_table (catch $ei 0) (throw $ei (i32.const 7)))
    (i32.const 0))
  (func (export "catch-to-func") (result i32) (call $to-func))

  (func $to-func-ref (result i32 exnref)
    (try_table (catch_ref $ei 0) (throw $ei (i32.const 8)))
    (unreachable))
  (func (export "catch_ref-to-func") (result i32)
    (call $to-func-ref)
    (drop))

  (func $to-func-all-ref (result exnref)
    (try_table (catch_all_ref 0) (throw $ei (i32.const 9)))
    (unreachable))
  ;; The exnref it returns rethrown and caught again.
  (func (export "catch_all_ref-to-func") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $ei $h) (throw_ref (call $to-func-all-ref))))
    (i32.add (i32.const 100)))

  ;; A loop as the catch label: its parameter is the payload.
  (func (export "catch-to-loop") (result i32)
    (local $n i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (local.set $n)
      (if (i32.lt_u (local.get $n) (i32.const 5))
        (then
          (try_table (catch $ei $l)
            (throw $ei (i32.add (local.get $n) (i32.const 1))))))
      (local.get $n)))

  ;; Through many frames, with locals and operands on each.
  (func $down (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (throw $ei (i32.const 42))))
    (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))
  (func (export "deep") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $ei $h) (call $down (local.get 0))))
    (i32.add (local.get 0)))

  (func (export "v128-payload") (result i32)
    (block $h (result v128 i32)
      (try_table (catch $ev $h)
        (throw $ev (v128.const i32x4 10 20 30 40) (i32.const 2)))
      (unreachable))
    (drop)
    (i32x4.extract_lane 3))

  ;; Two regions in one frame: the inner one does not catch $ev thrown by
  ;; a callee, the outer one does.
  (func $throw-ev (throw $ev (v128.const i32x4 1 2 3 4) (i32.const 5)))
  (func (export "nested-regions") (result i32)
    (local $x i32)
    (block $outer (result v128 i32)
      (block $inner (result i32)
        (try_table (catch $ev $outer)
          (try_table (catch $ei $inner)
            (call $throw-ev)))
        (unreachable))
      (return (i32.const -1)))
    (local.set $x)
    (i32.add (i32x4.extract_lane 2) (local.get $x)))

  ;; The thrower is reached by a chain of tail calls.
  (func $tail-thrower (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (throw $ei (i32.const 99))))
    (return_call $tail-thrower (i32.sub (local.get 0) (i32.const 1))))
  (func (export "tail-chain") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $ei $h) (call $tail-thrower (local.get 0)))))

  ;; A handler that throws again, inside an outer region of its frame.
  (func (export "handler-throws") (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $ei $outer)
        (block $h (result i32)
          (try_table (catch $ei $h) (drop (call $down (i32.const 2))))
          (unreachable))
        (throw $ei (i32.add (i32.const 1))))))

  ;; Many exceptions thrown and caught.
  (func (export "many") (param $n i32) (result i32)
    (local $sum i32)
    (loop $l
      (block $h (result i32)
        (try_table (catch $ei $h) (drop (call $down (i32.const 3))))
        (i32.const 0))
      (local.set $sum (i32.add (local.get $sum)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum))
)

(assert_return (invoke "catch-to-func") (i32.const 7))
(assert_return (invoke "catch_ref-to-func") (i32.const 8))
(assert_return (invoke "catch_all_ref-to-func") (i32.const 109))
(assert_return (invoke "catch-to-loop") (i32.const 5))
(assert_return (invoke "deep" (i32.const 1000)) (i32.const 1042))
(assert_return (invoke "v128-payload") (i32.const 40))
(assert_return (invoke "nested-regions") (i32.const 8))
(assert_return (invoke "tail-chain" (i32.const 1000)) (i32.const 99))
(assert_return (invoke "handler-throws") (i32.const 43))
(assert_return (invoke "many" (i32.const 10000)) (i32.const 420000))

;; Small callees called inside try regions are inlined by the compiler tier
;; (their calls become `try_call`s to the caller's handlers): exceptions
;; thrown below them still reach the right handler, the callee's own first.
(module
  (tag $e (param i32))
  (func $thrower (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (throw $e (i32.const 77))))
    (local.get 0))
  (func $mid (param i32) (result i32)
    (i32.add (call $thrower (local.get 0)) (i32.const 1)))
  (func $mid-catches (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h) (call $thrower (local.get 0)))
      (return))
    (i32.add (i32.const 1000)))
  (func (export "inl-throw") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h) (call $mid (local.get 0)))))
  (func (export "inl-nested") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (i32.add (call $mid-catches (local.get 0)) (call $mid (local.get 0))))))
  (func (export "inl-uncaught") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return (call $mid (local.get 0)))))
    (call $mid (i32.const 0)))
)

(assert_return (invoke "inl-throw" (i32.const 5)) (i32.const 6))
(assert_return (invoke "inl-throw" (i32.const 0)) (i32.const 77))
(assert_return (invoke "inl-nested" (i32.const 3)) (i32.const 7))
(assert_return (invoke "inl-nested" (i32.const 0)) (i32.const 77))
(assert_return (invoke "inl-uncaught" (i32.const 4)) (i32.const 5))
(assert_exception (invoke "inl-uncaught" (i32.const 0)))
