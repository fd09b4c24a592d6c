;; wasi-threads: four threads add 100 000 each to an atomic counter; main waits for them, then prints the total.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))
  ;; counter at 0, done-count at 4, iovec at 16, text at 32
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (local $i i32)
    (local.set $i (local.get $arg))
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l (local.get $i)))
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const 1))))
  (func (export "_start")
    (local $n i32) (local $done i32) (local $v i32) (local $p i32)
    (local.set $n (i32.const 0))
    (loop $s
      (if (i32.lt_s (call $spawn (i32.const 100000)) (i32.const 1)) (then unreachable))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $s (i32.lt_u (local.get $n) (i32.const 4))))
    (loop $wait
      (local.set $done (i32.atomic.load (i32.const 4)))
      (if (i32.lt_u (local.get $done) (i32.const 4))
        (then
          (drop (memory.atomic.wait32 (i32.const 4) (local.get $done) (i64.const 1000000000)))
          (br $wait))))
    ;; print the counter in decimal at 32..48 (right-aligned), then newline
    (local.set $v (i32.atomic.load (i32.const 0)))
    (local.set $p (i32.const 47))
    (i32.store8 (i32.const 47) (i32.const 10))
    (loop $d
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $d (local.get $v)))
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (i32.sub (i32.const 48) (local.get $p)))
    (drop (call $w (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))
