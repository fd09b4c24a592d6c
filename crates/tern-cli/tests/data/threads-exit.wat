;; wasi-threads: a spawned thread calls proc_exit(7) (global $mode 1) or traps (2); either ends the program.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 1 shared))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (if (i32.eq (local.get $arg) (i32.const 1)) (then (call $exit (i32.const 7))))
    unreachable)
  (func (export "_start") (param) 
    (drop (call $spawn (global.get $mode)))
    ;; wait forever (until the thread ends the program)
    (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 5000000000)))
    (call $exit (i32.const 3)))
  (global $mode (mut i32) (i32.const 1)))
