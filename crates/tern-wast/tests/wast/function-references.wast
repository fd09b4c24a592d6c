;; Typed function references: what the spec scripts leave out.

;; br_on_null and br_on_non_null whose reference is a local (pending on
;; the interpreter's operand stack) that is written afterwards, with
;; values carried by the branch.
(module
  (type $t (func (param i32) (result i32)))
  (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
  (elem declare func $inc)

  (func (export "on-null") (param $null i32) (result i32)
    (local $f (ref null $t))
    (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $inc))))
    (block $l (result i32)
      (i32.const 100)
      (local.get $f)
      (br_on_null $l)
      ;; Not taken: the reference is still on the stack, and stays the
      ;; value read before the local changes.
      (local.set $f (ref.null $t))
      (call_ref $t)
    )
  )

  (func (export "on-non-null") (param $null i32) (result i32)
    (local $f (ref null $t))
    (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $inc))))
    (block $l (result i32 (ref $t))
      (i32.const 7)
      (local.get $f)
      (br_on_non_null $l)
      (local.set $f (ref.null $t))
      (return (i32.const -1))
    )
    (local.set $f (ref.null $t))
    (call_ref $t)
  )

  ;; A loop branching back with br_on_non_null, which carries the
  ;; reference to the loop's parameter.
  (func (export "count") (param $n i32) (result i32)
    (local $k i32)
    (ref.func $inc)
    (loop $again (param (ref $t))
      (drop)
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_on_non_null $again
        (select (result (ref null $t)) (ref.func $inc) (ref.null $t)
          (i32.lt_u (local.get $k) (local.get $n))))
    )
    (local.get $k)
  )
)
(assert_return (invoke "on-null" (i32.const 0)) (i32.const 101))
(assert_return (invoke "on-null" (i32.const 1)) (i32.const 100))
(assert_return (invoke "on-non-null" (i32.const 0)) (i32.const 8))
(assert_return (invoke "on-non-null" (i32.const 1)) (i32.const -1))
(assert_return (invoke "count" (i32.const 5)) (i32.const 5))

;; call_ref and return_call_ref of null, of host functions, across
;; modules; a deep return_call_ref loop runs in constant stack.
(module
  (type $t (func (param i64) (result i64)))
  (import "spectest" "print_i64" (func $print (param i64)))
  (table $tab 2 (ref null $t))
  (elem declare func $down)

  (func $down (type $t)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 42))
      (else (return_call_ref $t (i64.sub (local.get 0) (i64.const 1)) (ref.func $down)))))

  (func (export "deep") (result i64) (call_ref $t (i64.const 1000000) (ref.func $down)))
  (func (export "null") (result i64) (call_ref $t (i64.const 1) (ref.null $t)))
  (func (export "null-tail") (result i64) (return_call_ref $t (i64.const 1) (ref.null $t)))
  (func (export "non-null") (result i64)
    (call_ref $t (i64.const 3) (ref.as_non_null (table.get $tab (i32.const 0)))))
  (func (export "set") (table.set $tab (i32.const 0) (ref.func $down)))
  (func (export "host") (param i64)
    (call_ref 1 (local.get 0) (ref.func $print)))
  (type (func (param i64)))
  (elem declare func $print)
  (func (export "get") (result (ref $t)) (ref.func $down))
)
(assert_return (invoke "deep") (i64.const 42))
(assert_trap (invoke "null") "null function reference")
(assert_trap (invoke "null-tail") "null function reference")
(assert_trap (invoke "non-null") "null reference")
(invoke "set")
(assert_return (invoke "non-null") (i64.const 42))
(assert_return (invoke "host" (i64.const 5)))

;; Tables and globals of typed references: an initializer, imports of an
;; equivalent type from another module, immutable globals imported at a
;; supertype.
(module $M
  (type $t (func (result i32)))
  (func $f (type $t) (i32.const 11))
  (table (export "tab") 3 (ref $t) (ref.func $f))
  (global (export "g") (ref $t) (ref.func $f))
  (global (export "gm") (mut (ref null $t)) (ref.null $t))
)
(register "M" $M)
(module
  (type $u (func (result i32)))
  (import "M" "tab" (table 3 (ref $u)))
  (import "M" "g" (global $g (ref null func)))
  (import "M" "gm" (global $gm (mut (ref null $u))))
  (import "M" "g" (global $g2 (ref $u)))
  ;; A constant expression reading an earlier defined global.
  (global $h (ref $u) (global.get $g2))
  (global $h2 (ref null $u) (global.get $h))
  (func (export "t") (result i32) (call_ref $u (table.get 0 (i32.const 2))))
  (func (export "g") (result i32) (call_ref $u (global.get $h2)))
  (func (export "is-null") (result i32) (ref.is_null (global.get $gm)))
)
(assert_return (invoke "t") (i32.const 11))
(assert_return (invoke "g") (i32.const 11))
(assert_return (invoke "is-null") (i32.const 1))
(assert_unlinkable
  (module
    (type $v (func (result i64)))
    (import "M" "tab" (table 3 (ref $v))))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "tab" (table 3 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "M" "gm" (global (mut (ref null func)))))
  "incompatible import type")
