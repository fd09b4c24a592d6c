;; No `_start`: the default function is exported as "", as modules of the
;; component era do. `tern run` calls it.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func (export "") (call $proc_exit (i32.const 7))))
