(module
  (import "env" "missing" (func $m))
  (func (export "_start") (call $m)))
