;; Throw and catch: n times, a call two frames deep throws a tagged exception
;; with an i32 payload, which a `try_table` in the loop catches.
(module
  (tag $e (param i32))
  (func $thrower (param i32)
    (if (i32.ge_s (local.get 0) (i32.const 0)) (then (throw $e (i32.and (local.get 0) (i32.const 255))))))
  (func $middle (param i32)
    (call $thrower (local.get 0)))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (i64.add (local.get $acc)
            (i64.extend_i32_u
              (block $caught (result i32)
                (try_table (catch $e $caught)
                  (call $middle (local.get $i)))
                (i32.const 0)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
