;; Float loads that feed an f32/f64 add, subtract or multiply (the
;; interpreter fuses an offset-0 load of memory 0 into the operator that alone
;; reads it): either operand order, the load's trap before anything else, the
;; last bytes of memory, NaN and signed-zero results, and the shapes that must
;; not fuse (an offset, a tee, a label in between, another memory, a shared or
;; a 64-bit memory).
(module
  (memory 1)
  ;; f64 1.5 at 0, f64 -2.25 at 8, f32 3.0 at 16, f32 -0.5 at 20,
  ;; f64 NaN at 24, f64 -0.0 at 32.
  (data (i32.const 0) "\00\00\00\00\00\00\f8\3f" "\00\00\00\00\00\00\02\c0")
  (data (i32.const 16) "\00\00\40\40" "\00\00\00\bf")
  (data (i32.const 24) "\00\00\00\00\00\00\f8\7f" "\00\00\00\00\00\00\00\80")
  (data (i32.const 65528) "\00\00\00\00\00\00\10\40")

  (func (export "f64.add.second") (param f64 i32) (result f64) (f64.add (local.get 0) (f64.load (local.get 1))))
  (func (export "f64.add.first") (param f64 i32) (result f64) (f64.add (f64.load (local.get 1)) (local.get 0)))
  (func (export "f64.sub.second") (param f64 i32) (result f64) (f64.sub (local.get 0) (f64.load (local.get 1))))
  (func (export "f64.sub.first") (param f64 i32) (result f64) (f64.sub (f64.load (local.get 1)) (local.get 0)))
  (func (export "f64.mul.second") (param f64 i32) (result f64) (f64.mul (local.get 0) (f64.load (local.get 1))))
  (func (export "f64.mul.first") (param f64 i32) (result f64) (f64.mul (f64.load (local.get 1)) (local.get 0)))
  (func (export "f32.add.second") (param f32 i32) (result f32) (f32.add (local.get 0) (f32.load (local.get 1))))
  (func (export "f32.add.first") (param f32 i32) (result f32) (f32.add (f32.load (local.get 1)) (local.get 0)))
  (func (export "f32.sub.second") (param f32 i32) (result f32) (f32.sub (local.get 0) (f32.load (local.get 1))))
  (func (export "f32.sub.first") (param f32 i32) (result f32) (f32.sub (f32.load (local.get 1)) (local.get 0)))
  (func (export "f32.mul.second") (param f32 i32) (result f32) (f32.mul (local.get 0) (f32.load (local.get 1))))
  (func (export "f32.mul.first") (param f32 i32) (result f32) (f32.mul (f32.load (local.get 1)) (local.get 0)))

  ;; Both operands loaded; the second load fuses, the first stays.
  (func (export "f64.mul.loads") (param i32 i32) (result f64)
    (f64.mul (f64.load (local.get 0)) (f64.load (local.get 1))))
  ;; The same address for both.
  (func (export "f64.sub.same") (param i32) (result f64)
    (f64.sub (f64.load (local.get 0)) (f64.load (local.get 0))))
  ;; An operand computed just before the load.
  (func (export "f64.chain") (param f64 f64 i32) (result f64)
    (f64.add (f64.mul (local.get 0) (local.get 1)) (f64.load (local.get 2))))
  ;; The result kept in a local, then used again.
  (func (export "f64.set") (param f64 i32) (result f64) (local f64)
    (local.set 2 (f64.mul (local.get 0) (f64.load (local.get 1))))
    (f64.add (local.get 2) (local.get 2)))
  ;; The result overwrites the address's local.
  (func (export "f32.into.addr") (param i32) (result f32) (local f32)
    (local.set 1 (f32.add (f32.const 1) (f32.load (local.get 0))))
    (local.get 1))
  ;; A running sum over an array: the loop the fusion is for.
  (func (export "dot") (param i32 i32 i32) (result f64) (local f64)
    (block
      (loop
        (br_if 1 (i32.eqz (local.get 2)))
        (local.set 3 (f64.add (local.get 3)
          (f64.mul (f64.load (local.get 0)) (f64.load (local.get 1)))))
        (local.set 0 (i32.add (local.get 0) (i32.const 8)))
        (local.set 1 (i32.add (local.get 1) (i32.const 8)))
        (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
        (br 0)))
    (local.get 3))

  ;; Not fused: an offset, a tee of the loaded value, a block in between.
  (func (export "f64.add.offset") (param f64 i32) (result f64) (f64.add (local.get 0) (f64.load offset=8 (local.get 1))))
  (func (export "f64.add.tee") (param f64 i32) (result f64) (local f64)
    (f64.add (f64.add (local.get 0) (local.tee 2 (f64.load (local.get 1)))) (local.get 2)))
  (func (export "f64.add.block") (param f64 i32) (result f64)
    (f64.add (local.get 0) (f64.load (local.get 1)) (block (param f64) (result f64))))
  ;; The operator's other input is a load of an i64 reinterpreted.
  (func (export "f64.mul.reinterpret") (param i32 i32) (result f64)
    (f64.mul (f64.reinterpret_i64 (i64.load (local.get 0))) (f64.load (local.get 1))))
  ;; Reinterpretations change no bits: a reinterpreted integer load fuses too.
  (func (export "f64.add.reinterpreted") (param f64 i32) (result f64)
    (f64.add (local.get 0) (f64.reinterpret_i64 (i64.load (local.get 1)))))
  (func (export "f32.bits") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.mul (f32.const 2) (f32.reinterpret_i32 (i32.load (local.get 0))))))
  ;; A store of the loaded sum back: the load comes before the store.
  (func (export "f64.accumulate") (param i32 i32)
    (f64.store (local.get 0) (f64.add (f64.load (local.get 0)) (f64.load (local.get 1)))))
  (func (export "f64.at") (param i32) (result f64) (f64.load (local.get 0)))
  ;; The load traps before the operator's other operand matters.
  (func (export "f64.trap.order") (param i32) (result f64)
    (f64.add (f64.div (f64.const 1) (f64.const 0)) (f64.load (local.get 0))))
)

(assert_return (invoke "f64.add.second" (f64.const 1) (i32.const 0)) (f64.const 2.5))
(assert_return (invoke "f64.add.first" (f64.const 1) (i32.const 8)) (f64.const -1.25))
(assert_return (invoke "f64.sub.second" (f64.const 1) (i32.const 0)) (f64.const -0.5))
(assert_return (invoke "f64.sub.first" (f64.const 1) (i32.const 0)) (f64.const 0.5))
(assert_return (invoke "f64.mul.second" (f64.const 2) (i32.const 8)) (f64.const -4.5))
(assert_return (invoke "f64.mul.first" (f64.const -2) (i32.const 8)) (f64.const 4.5))
(assert_return (invoke "f32.add.second" (f32.const 1) (i32.const 16)) (f32.const 4))
(assert_return (invoke "f32.add.first" (f32.const 1) (i32.const 20)) (f32.const 0.5))
(assert_return (invoke "f32.sub.second" (f32.const 1) (i32.const 16)) (f32.const -2))
(assert_return (invoke "f32.sub.first" (f32.const 1) (i32.const 16)) (f32.const 2))
(assert_return (invoke "f32.mul.second" (f32.const 4) (i32.const 20)) (f32.const -2))
(assert_return (invoke "f32.mul.first" (f32.const 4) (i32.const 16)) (f32.const 12))

;; Unaligned addresses and the last bytes of memory.
(assert_return (invoke "f64.add.second" (f64.const 0) (i32.const 65528)) (f64.const 4))
(assert_return (invoke "f32.mul.second" (f32.const 1) (i32.const 65532)) (f32.const 2.25))
(assert_return (invoke "f64.mul.second" (f64.const 1) (i32.const 1)) (f64.const 0x1.ff8p-1020))

;; NaN, infinities and signed zeros.
(assert_return (invoke "f64.add.second" (f64.const 1) (i32.const 24)) (f64.const nan:canonical))
(assert_return (invoke "f64.mul.first" (f64.const inf) (i32.const 32)) (f64.const nan:canonical))
(assert_return (invoke "f64.add.second" (f64.const -0) (i32.const 32)) (f64.const -0))
(assert_return (invoke "f64.sub.second" (f64.const 0) (i32.const 32)) (f64.const 0))
(assert_return (invoke "f64.mul.second" (f64.const 1) (i32.const 32)) (f64.const -0))

;; Traps: past the end, wrapping addresses, the first byte past memory.
(assert_trap (invoke "f64.add.second" (f64.const 1) (i32.const 65529)) "out of bounds memory access")
(assert_trap (invoke "f64.add.first" (f64.const 1) (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "f64.sub.second" (f64.const 1) (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "f64.mul.first" (f64.const 1) (i32.const -8)) "out of bounds memory access")
(assert_trap (invoke "f32.add.second" (f32.const 1) (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "f32.sub.first" (f32.const 1) (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "f32.mul.second" (f32.const 1) (i32.const -4)) "out of bounds memory access")
(assert_trap (invoke "f64.trap.order" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "f64.trap.order" (i32.const 0)) (f64.const inf))

(assert_return (invoke "f64.mul.loads" (i32.const 0) (i32.const 8)) (f64.const -3.375))
(assert_trap (invoke "f64.mul.loads" (i32.const 65536) (i32.const 8)) "out of bounds memory access")
(assert_trap (invoke "f64.mul.loads" (i32.const 0) (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "f64.sub.same" (i32.const 8)) (f64.const 0))
(assert_return (invoke "f64.chain" (f64.const 2) (f64.const 3) (i32.const 0)) (f64.const 7.5))
(assert_return (invoke "f64.set" (f64.const 2) (i32.const 0)) (f64.const 6))
(assert_return (invoke "f32.into.addr" (i32.const 16)) (f32.const 4))
(assert_return (invoke "dot" (i32.const 0) (i32.const 0) (i32.const 2)) (f64.const 7.3125))
(assert_return (invoke "dot" (i32.const 0) (i32.const 8) (i32.const 1)) (f64.const -3.375))
(assert_trap (invoke "dot" (i32.const 65520) (i32.const 0) (i32.const 3)) "out of bounds memory access")

(assert_return (invoke "f64.add.offset" (f64.const 1) (i32.const 0)) (f64.const -1.25))
(assert_trap (invoke "f64.add.offset" (f64.const 1) (i32.const 65521)) "out of bounds memory access")
(assert_return (invoke "f64.add.tee" (f64.const 1) (i32.const 0)) (f64.const 4))
(assert_return (invoke "f64.add.block" (f64.const 1) (i32.const 8)) (f64.const -1.25))
(assert_return (invoke "f64.mul.reinterpret" (i32.const 0) (i32.const 8)) (f64.const -3.375))

(assert_return (invoke "f64.add.reinterpreted" (f64.const 1) (i32.const 8)) (f64.const -1.25))
(assert_trap (invoke "f64.add.reinterpreted" (f64.const 1) (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "f32.bits" (i32.const 16)) (i32.const 0x40c00000))
(assert_return (invoke "f32.bits" (i32.const 20)) (i32.const 0xbf800000))

(invoke "f64.accumulate" (i32.const 40) (i32.const 0))
(invoke "f64.accumulate" (i32.const 40) (i32.const 8))
(assert_return (invoke "f64.at" (i32.const 40)) (f64.const -0.75))
(assert_trap (invoke "f64.accumulate" (i32.const 40) (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "f64.at" (i32.const 40)) (f64.const -0.75))

;; Memory 1, a shared memory 0 and a 64-bit memory 0 take the other paths.
(module
  (memory 1)
  (memory $m 1)
  (data (memory $m) (i32.const 0) "\00\00\00\00\00\00\f8\3f")
  (func (export "mem1") (param f64 i32) (result f64) (f64.add (local.get 0) (f64.load $m (local.get 1))))
)
(assert_return (invoke "mem1" (f64.const 1) (i32.const 0)) (f64.const 2.5))
(assert_trap (invoke "mem1" (f64.const 1) (i32.const 65529)) "out of bounds memory access")

(module
  (memory 1 1 shared)
  (data (i32.const 0) "\00\00\00\00\00\00\f8\3f" "\00\00\40\40")
  (func (export "shared64") (param f64 i32) (result f64) (f64.mul (local.get 0) (f64.load (local.get 1))))
  (func (export "shared32") (param f32 i32) (result f32) (f32.sub (local.get 0) (f32.load (local.get 1))))
)
(assert_return (invoke "shared64" (f64.const 2) (i32.const 0)) (f64.const 3))
(assert_return (invoke "shared32" (f32.const 2) (i32.const 8)) (f32.const -1))
(assert_trap (invoke "shared64" (f64.const 2) (i32.const 65532)) "out of bounds memory access")
(assert_trap (invoke "shared32" (f32.const 2) (i32.const 65533)) "out of bounds memory access")

(module
  (memory i64 1)
  (data (i64.const 0) "\00\00\00\00\00\00\f8\3f")
  (func (export "m64") (param f64 i64) (result f64) (f64.add (local.get 0) (f64.load (local.get 1))))
)
(assert_return (invoke "m64" (f64.const 1) (i64.const 0)) (f64.const 2.5))
(assert_trap (invoke "m64" (f64.const 1) (i64.const 65529)) "out of bounds memory access")
(assert_trap (invoke "m64" (f64.const 1) (i64.const 0x1_0000_0000)) "out of bounds memory access")
