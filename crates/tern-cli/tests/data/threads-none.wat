;; Built for threads (an imported shared memory) but starting none: no
;; `thread-spawn` import, and `tern run` provides the memory all the same.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 2 shared))
  (export "memory" (memory 0))
  (data (i32.const 64) "one thread\n")
  (func (export "_start")
    (i32.atomic.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 11))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
