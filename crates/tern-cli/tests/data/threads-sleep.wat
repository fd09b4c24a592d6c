;; wasi-threads: a spawned thread sleeps for a minute (poll_oneoff on a
;; clock) while the main thread writes and exits: a sleep must not hold the
;; WASI context's lock, or the write would wait for it.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))
  ;; 0: started flag; 64: subscription (48 bytes); 128: event (32 bytes);
  ;; 160: nevents; 200: iovec; 256: text
  (data (i32.const 256) "main wrote while the thread slept\n")
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    ;; a relative clock subscription: monotonic, 60 s
    (i64.store (i32.const 64) (i64.const 7))
    (i32.store8 (i32.const 72) (i32.const 0))
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const 60000000000))
    (i64.store (i32.const 96) (i64.const 0))
    (i32.store16 (i32.const 104) (i32.const 0))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
    (drop (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160))))
  (func (export "_start")
    (drop (call $spawn (i32.const 0)))
    ;; wait until the thread is about to sleep, then a little longer
    (loop $l
      (if (i32.eqz (i32.atomic.load (i32.const 0)))
        (then
          (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000)))
          (br $l))))
    (drop (memory.atomic.wait32 (i32.const 0) (i32.const 1) (i64.const 100000000)))
    (i32.store (i32.const 200) (i32.const 256))
    (i32.store (i32.const 204) (i32.const 34))
    (drop (call $write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 240)))
    (call $exit (i32.const 0))))
