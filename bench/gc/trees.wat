;; Binary trees (the Benchmarks Game's shape): a stretch tree, a long-lived
;; tree, and many short-lived trees of growing depth. `run(max)` returns
;; the sum of every check (the node counts).
(module
  (type $node (struct (field (ref null $node)) (field (ref null $node))))

  (func $make (param $d i32) (result (ref $node))
    (if (result (ref $node)) (i32.eqz (local.get $d))
      (then (struct.new $node (ref.null $node) (ref.null $node)))
      (else
        (struct.new $node
          (call $make (i32.sub (local.get $d) (i32.const 1)))
          (call $make (i32.sub (local.get $d) (i32.const 1)))))))

  (func $check (param $n (ref null $node)) (result i32)
    (if (result i32) (ref.is_null (local.get $n))
      (then (i32.const 0))
      (else
        (i32.add (i32.const 1)
          (i32.add
            (call $check (struct.get $node 0 (local.get $n)))
            (call $check (struct.get $node 1 (local.get $n))))))))

  (func (export "run") (param $max i32) (result i64)
    (local $sum i64) (local $long (ref null $node)) (local $d i32)
    (local $iters i32) (local $i i32)
    (local.set $sum (i64.extend_i32_u
      (call $check (call $make (i32.add (local.get $max) (i32.const 1))))))
    (local.set $long (call $make (local.get $max)))
    (local.set $d (i32.const 4))
    (block $done
      (loop $depths
        (br_if $done (i32.gt_s (local.get $d) (local.get $max)))
        (local.set $iters (i32.shl (i32.const 1)
          (i32.add (i32.sub (local.get $max) (local.get $d)) (i32.const 4))))
        (local.set $i (i32.const 0))
        (loop $trees
          (local.set $sum (i64.add (local.get $sum)
            (i64.extend_i32_u (call $check (call $make (local.get $d))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $trees (i32.lt_u (local.get $i) (local.get $iters))))
        (local.set $d (i32.add (local.get $d) (i32.const 2)))
        (br $depths)))
    (i64.add (local.get $sum) (i64.extend_i32_u (call $check (local.get $long))))))
