;; The legacy exception-handling instructions (try, catch, catch_all,
;; delegate, rethrow), which toolchains still emit. Expected results follow
;; the legacy explainer (proposals/exception-handling/legacy/Exceptions.md).

(module
  (tag $e0)
  (tag $e1)
  (tag $ei (param i32))
  (tag $eij (param i32 i64))
  (tag $ev (param v128))

  (func $throw-ei (param i32) (throw $ei (local.get 0)))
  (func $throw-if (param i32)
    (if (i32.eqz (local.get 0)) (then (throw $e0)))
    (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1)))
    (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $ei (i32.const 42)))))
  ;; Writes many slots of its frame, which starts on its caller's operand
  ;; stack.
  (func $clobber (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 0 (i64.const -1)) (local.set 1 (i64.const -1))
    (local.set 2 (i64.const -1)) (local.set 3 (i64.const -1))
    (local.set 4 (i64.const -1)) (local.set 5 (i64.const -1))
    (local.set 6 (i64.const -1)) (local.set 7 (i64.const -1))
    (i32.const 0))

  ;; Tagged catches are tried in order, then catch_all.
  (func (export "simple") (param i32) (result i32)
    (try (result i32)
      (do (call $throw-if (local.get 0)) (i32.const 1))
      (catch $e0 (i32.const 2))
      (catch $e1 (i32.const 3))
      (catch_all (i32.const 4))))

  ;; The payload is pushed for a tagged catch.
  (func (export "payload") (param i32) (result i32)
    (try (result i32)
      (do (call $throw-ei (local.get 0)) (i32.const 0))
      (catch $ei (i32.add (i32.const 100)))))

  (func (export "payload2") (result i64)
    (local $b i64)
    (try (result i64)
      (do (throw $eij (i32.const 7) (i64.const 9)))
      (catch $eij (local.set $b) (i64.extend_i32_u) (local.get $b) (i64.add))))

  (func (export "payload-v128") (result i32)
    (try (result i32)
      (do (throw $ev (v128.const i32x4 1 2 3 4)))
      (catch $ev (i32x4.extract_lane 2))))

  ;; rethrow 0 in an inner catch reaches the outer try.
  (func (export "rethrow-outer") (param i32) (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (call $throw-if (local.get 0)) (i32.const 1))
          (catch $e0 (rethrow 0))
          (catch_all (i32.const 5))))
      (catch $e0 (i32.const 10))
      (catch_all (i32.const 20))))

  ;; rethrow's label picks the caught exception among nested catches, even
  ;; after a call in between.
  (func (export "rethrow-depth") (param i32) (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (throw $e0))
          (catch $e0
            (try (result i32)
              (do (throw $e1))
              (catch $e1
                (drop (call $clobber))
                (if (result i32) (local.get 0)
                  (then (rethrow 2))
                  (else (rethrow 1))))))))
      (catch $e0 (i32.const 100))
      (catch $e1 (i32.const 101))))

  ;; delegate to an enclosing try: its catches handle the exception.
  (func (export "delegate-to-try") (result i32)
    (try $t (result i32)
      (do
        (try (do (throw $e0)) (delegate $t))
        (i32.const 0))
      (catch $e0 (i32.const 1))))

  ;; delegate skips the handlers in between.
  (func (export "delegate-skip") (result i32)
    (try $outer (result i32)
      (do
        (try (result i32)
          (do
            (try (do (throw $e0)) (delegate $outer))
            (i32.const 0))
          (catch_all (i32.const 2))))
      (catch $e0 (i32.const 3))))

  ;; delegate to a block: the handlers around the block.
  (func (export "delegate-block") (result i32)
    (try (result i32)
      (do
        (block $b
          (try (do (throw $e0)) (delegate $b)))
        (i32.const 0))
      (catch $e0 (i32.const 4))))

  ;; delegate to the function body: to the caller, past the catch_all.
  (func $delegate-caller (export "delegate-caller")
    (try
      (do (try (do (throw $e0)) (delegate 1)))
      (catch_all)))
  (func (export "delegate-to-caller") (result i32)
    (try (result i32)
      (do (call $delegate-caller) (i32.const 0))
      (catch $e0 (i32.const 5))))

  ;; delegate from a catch body to its own try: that try's catches are no
  ;; longer active, so the next enclosing handler gets it.
  (func (export "delegate-in-catch") (result i32)
    (try (result i32)
      (do
        (try $t (result i32)
          (do (throw $e1))
          (catch $e1
            (try (do (throw $e0)) (delegate $t))
            (i32.const 6))
          (catch $e0 (i32.const 7))))
      (catch $e0 (i32.const 8))))

  ;; A throw in a catch body is not caught by the same try.
  (func (export "throw-in-catch") (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (throw $e0))
          (catch $e0 (throw $e1))
          (catch $e1 (i32.const 1))))
      (catch $e1 (i32.const 2))))

  ;; Traps are not exceptions.
  (func (export "trap-not-caught") (result i32)
    (try (result i32) (do (unreachable)) (catch_all (i32.const 1))))

  (func (export "try-param") (result i32)
    (i32.const 5)
    (try (param i32) (result i32)
      (do (i32.const 1) (i32.add))
      (catch_all (i32.const 0))))

  ;; Many throws and catches in a loop.
  (func (export "loop-count") (param i32) (result i32)
    (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $n) (local.get 0)))
        (try
          (do (call $throw-ei (local.get $n)))
          (catch $ei (local.set $n (i32.add (i32.const 1)))))
        (br $l)))
    (local.get $n))

  ;; Legacy and new instructions together.
  (func (export "mixed") (result i32)
    (try (result i32)
      (do
        (block $h (result exnref)
          (try_table (catch_ref $e0 $h) (throw $e0))
          (unreachable))
        (throw_ref))
      (catch $e0 (i32.const 9))))

  (func (export "rethrow-to-try_table") (result i32)
    (block $h
      (try_table (catch $e0 $h)
        (try (do (throw $e0)) (catch_all (rethrow 0))))
      (return (i32.const 0)))
    (i32.const 11))

  ;; Across calls.
  (func $d3 (param i32) (call $throw-ei (i32.mul (local.get 0) (i32.const 3))))
  (func $d2 (param i32) (local i64) (call $d3 (i32.add (local.get 0) (i32.const 1))))
  (func (export "deep") (param i32) (result i32)
    (try (result i32) (do (call $d2 (local.get 0)) (i32.const 0)) (catch $ei)))

  (func (export "uncaught") (try (do (throw $e0)) (catch $e1)))
  (func (export "uncaught-rethrow") (try (do (throw $e0)) (catch_all (rethrow 0))))

  ;; A handler region ends where its block ends, also when the block's
  ;; last jump (to its own end) is dropped.
  (func (export "throw-after-try_table") (result i32)
    (block $h
      (try_table (catch_all $h) (br 0))
      (throw $e0))
    (i32.const 1))
  (func (export "throw-after-try") (result i32)
    (try (do (br 0)) (delegate 0))
    (try (result i32) (do (br 0 (i32.const 2))) (catch_all (i32.const 3)))
    (drop)
    (throw $e0))

  ;; Handlers in unreachable code.
  (func (export "dead-try") (result i32)
    (return (i32.const 1))
    (try (do (throw $e0)) (catch $e0) (catch_all (rethrow 0)))
    (try (do) (delegate 0))
    (i32.const 2))
)

(assert_return (invoke "simple" (i32.const 0)) (i32.const 2))
(assert_return (invoke "simple" (i32.const 1)) (i32.const 3))
(assert_return (invoke "simple" (i32.const 2)) (i32.const 4))
(assert_return (invoke "simple" (i32.const 3)) (i32.const 1))
(assert_return (invoke "payload" (i32.const 5)) (i32.const 105))
(assert_return (invoke "payload2") (i64.const 16))
(assert_return (invoke "payload-v128") (i32.const 3))
(assert_return (invoke "rethrow-outer" (i32.const 0)) (i32.const 10))
(assert_return (invoke "rethrow-outer" (i32.const 1)) (i32.const 5))
(assert_return (invoke "rethrow-outer" (i32.const 3)) (i32.const 1))
(assert_return (invoke "rethrow-depth" (i32.const 1)) (i32.const 100))
(assert_return (invoke "rethrow-depth" (i32.const 0)) (i32.const 101))
(assert_return (invoke "delegate-to-try") (i32.const 1))
(assert_return (invoke "delegate-skip") (i32.const 3))
(assert_return (invoke "delegate-block") (i32.const 4))
(assert_exception (invoke "delegate-caller"))
(assert_return (invoke "delegate-to-caller") (i32.const 5))
(assert_return (invoke "delegate-in-catch") (i32.const 8))
(assert_return (invoke "throw-in-catch") (i32.const 2))
(assert_trap (invoke "trap-not-caught") "unreachable")
(assert_return (invoke "try-param") (i32.const 6))
(assert_return (invoke "loop-count" (i32.const 1000)) (i32.const 1000))
(assert_return (invoke "mixed") (i32.const 9))
(assert_return (invoke "rethrow-to-try_table") (i32.const 11))
(assert_return (invoke "deep" (i32.const 4)) (i32.const 15))
(assert_exception (invoke "uncaught"))
(assert_exception (invoke "uncaught-rethrow"))
(assert_return (invoke "dead-try") (i32.const 1))
(assert_exception (invoke "throw-after-try_table"))
(assert_exception (invoke "throw-after-try"))

;; Tags across instances: an imported tag is the exporter's; each
;; instantiation makes new tags.
(module
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0))))
(register "A")
(module
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0))))
(register "A2")
(module
  (func $throw (import "A" "throw") (param i32))
  (func $throw2 (import "A2" "throw") (param i32))
  (tag $e (import "A" "e") (param i32))
  (tag $mine (param i32))
  (func (export "catch-imported") (result i32)
    (try (result i32) (do (call $throw (i32.const 3)) (i32.const 0)) (catch $e)))
  (func (export "not-mine") (result i32)
    (try (result i32)
      (do (call $throw (i32.const 3)) (i32.const 0))
      (catch $mine)
      (catch_all (i32.const -1))))
  (func (export "other-instance") (result i32)
    (try (result i32)
      (do (call $throw2 (i32.const 3)) (i32.const 0))
      (catch $e)
      (catch_all (i32.const -2)))))
(assert_return (invoke "catch-imported") (i32.const 3))
(assert_return (invoke "not-mine") (i32.const -1))
(assert_return (invoke "other-instance") (i32.const -2))
(assert_unlinkable (module (tag (import "A" "e") (param i64))) "incompatible import type")
(assert_unlinkable (module (tag (import "A" "nope"))) "unknown import")
(assert_unlinkable (module (tag (import "A" "throw"))) "incompatible import type")
