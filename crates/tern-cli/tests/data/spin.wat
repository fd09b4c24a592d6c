;; Loops forever: only fuel or a timeout stops it.
(module
  (func $spin (loop $l (br $l)))
  (func (export "_start") (call $spin)))
