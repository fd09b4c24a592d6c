;; Recurses $n deep, then traps: `--invoke deep N`.
(module
  (func $down (param $n i32)
    (if (i32.eqz (local.get $n)) (then unreachable))
    (call $down (i32.sub (local.get $n) (i32.const 1))))
  (func (export "deep") (param i32) (call $down (local.get 0))))
