;; memory64, table64 and custom page sizes: the edges the spec scripts
;; leave out. 64-bit addresses and indices at and above 2^32 (which must
;; not wrap to small ones), static offsets of 4 GiB and more, -1 from a
;; failed grow as an i64, and 1-byte pages whose length is not a multiple
;; of any host page.

(module
  (memory i64 1 2)
  (data (i64.const 0) "\01\02\03\04\05\06\07\08")
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load64") (param i64) (result i64) (i64.load (local.get 0)))
  (func (export "load_big_offset") (param i64) (result i32)
    (i32.load8_u offset=0x1_0000_0000 (local.get 0)))
  (func (export "load_max_offset") (param i64) (result i32)
    (i32.load8_u offset=0xffff_ffff_ffff_ffff (local.get 0)))
  (func (export "store8") (param i64 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "v128_load") (param i64) (result i64)
    (i64x2.extract_lane 0 (v128.load (local.get 0))))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i64 i64 i64) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (data $d "\aa\bb")
  (func (export "init") (param i64 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
)

(assert_return (invoke "load8" (i64.const 1)) (i32.const 2))
(assert_return (invoke "load64" (i64.const 0)) (i64.const 0x0807060504030201))
(assert_return (invoke "load8" (i64.const 0xffff)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 0x10000)) "out of bounds memory access")
;; 2^32 + 1 must not wrap to address 1.
(assert_trap (invoke "load8" (i64.const 0x1_0000_0001)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const 0x8000_0000_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "load64" (i64.const 0xfff9)) "out of bounds memory access")
(assert_trap (invoke "load64" (i64.const 0xffff_ffff_ffff_fffc)) "out of bounds memory access")
(assert_trap (invoke "v128_load" (i64.const 0x1_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "store8" (i64.const 0x1_0000_0002) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "load8" (i64.const 2)) (i32.const 3))
(assert_trap (invoke "load_big_offset" (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "load_max_offset" (i64.const 1)) "out of bounds memory access")

;; Bulk operations with 64-bit operands.
(assert_trap (invoke "fill" (i64.const 0x1_0000_0000) (i32.const 9) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "fill" (i64.const 0) (i32.const 9) (i64.const 0x1_0000_0001)) "out of bounds memory access")
(assert_return (invoke "fill" (i64.const 0x10000) (i32.const 9) (i64.const 0)))
(assert_return (invoke "fill" (i64.const 0xfffe) (i32.const 9) (i64.const 2)))
(assert_return (invoke "load8" (i64.const 0xffff)) (i32.const 9))
(assert_trap (invoke "copy" (i64.const 0x1_0000_0000) (i64.const 0) (i64.const 1)) "out of bounds memory access")
(assert_trap (invoke "copy" (i64.const 0) (i64.const 0x1_0000_0000) (i64.const 1)) "out of bounds memory access")
(assert_trap (invoke "copy" (i64.const 0) (i64.const 0) (i64.const 0x1_0000_0000)) "out of bounds memory access")
(assert_return (invoke "copy" (i64.const 16) (i64.const 0) (i64.const 4)))
(assert_return (invoke "load8" (i64.const 19)) (i32.const 4))
(assert_trap (invoke "init" (i64.const 0x1_0000_0000) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "init" (i64.const 32) (i32.const 0) (i32.const 2)))
(assert_return (invoke "load8" (i64.const 33)) (i32.const 0xbb))

;; Growth counts in i64; a refusal is i64 -1, not 2^32 - 1.
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "grow" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 2)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 1)) (i64.const 1))
(assert_return (invoke "size") (i64.const 2))
(assert_return (invoke "load8" (i64.const 0x1ffff)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 0x20000)) "out of bounds memory access")

;; Tables indexed by i64.
(module
  (type $t (func (result i32)))
  (table $t64 i64 3 10 funcref)
  (table $u i64 2 externref)
  (func $f1 (result i32) (i32.const 1))
  (func $f2 (result i32) (i32.const 2))
  (elem (table $t64) (i64.const 0) func $f1 $f2)
  (elem $e func $f2 $f1)
  (func (export "call") (param i64) (result i32) (call_indirect $t64 (type $t) (local.get 0)))
  (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t64 (local.get 0))))
  (func (export "set") (param i64) (table.set $t64 (local.get 0) (ref.func $f2)))
  (func (export "size") (result i64) (table.size $t64))
  (func (export "grow") (param i64) (result i64) (table.grow $t64 (ref.null func) (local.get 0)))
  (func (export "fill") (param i64 i64) (table.fill $t64 (local.get 0) (ref.func $f1) (local.get 1)))
  (func (export "copy") (param i64 i64 i64) (table.copy $t64 $t64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i64 i32 i32) (table.init $t64 $e (local.get 0) (local.get 1) (local.get 2)))
  (func (export "get_extern") (param i64) (result externref) (table.get $u (local.get 0)))
  (func (export "set_extern") (param i64 externref) (table.set $u (local.get 0) (local.get 1)))
  (func (export "grow_extern") (param i64) (result i64) (table.grow $u (ref.null extern) (local.get 0)))
)

(assert_return (invoke "call" (i64.const 0)) (i32.const 1))
(assert_return (invoke "call" (i64.const 1)) (i32.const 2))
(assert_trap (invoke "call" (i64.const 2)) "uninitialized element")
(assert_trap (invoke "call" (i64.const 3)) "undefined element")
(assert_trap (invoke "call" (i64.const 0x1_0000_0000)) "undefined element")
(assert_trap (invoke "call" (i64.const -1)) "undefined element")
(assert_return (invoke "is_null" (i64.const 2)) (i32.const 1))
(assert_trap (invoke "is_null" (i64.const 0x1_0000_0000)) "out of bounds table access")
(assert_trap (invoke "set" (i64.const 0x1_0000_0002)) "out of bounds table access")
(assert_return (invoke "set" (i64.const 2)))
(assert_return (invoke "call" (i64.const 2)) (i32.const 2))
(assert_return (invoke "size") (i64.const 3))
(assert_return (invoke "grow" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 8)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 2)) (i64.const 3))
(assert_return (invoke "size") (i64.const 5))
(assert_trap (invoke "fill" (i64.const 0x1_0000_0000) (i64.const 0)) "out of bounds table access")
(assert_trap (invoke "fill" (i64.const 0) (i64.const 0x1_0000_0001)) "out of bounds table access")
(assert_return (invoke "fill" (i64.const 3) (i64.const 2)))
(assert_return (invoke "call" (i64.const 4)) (i32.const 1))
(assert_trap (invoke "copy" (i64.const 0x1_0000_0000) (i64.const 0) (i64.const 0)) "out of bounds table access")
(assert_trap (invoke "copy" (i64.const 0) (i64.const 0) (i64.const 0x1_0000_0000)) "out of bounds table access")
(assert_return (invoke "copy" (i64.const 0) (i64.const 1) (i64.const 1)))
(assert_return (invoke "call" (i64.const 0)) (i32.const 2))
(assert_trap (invoke "init" (i64.const 0x1_0000_0000) (i32.const 0) (i32.const 0)) "out of bounds table access")
(assert_return (invoke "init" (i64.const 3) (i32.const 0) (i32.const 2)))
(assert_return (invoke "call" (i64.const 3)) (i32.const 2))
(assert_return (invoke "call" (i64.const 4)) (i32.const 1))
(assert_return (invoke "set_extern" (i64.const 1) (ref.extern 7)))
(assert_return (invoke "get_extern" (i64.const 1)) (ref.extern 7))
(assert_trap (invoke "get_extern" (i64.const 0x1_0000_0001)) "out of bounds table access")
(assert_return (invoke "grow_extern" (i64.const 1)) (i64.const 2))

;; 1-byte pages: the length is exact, even inside a host page, and even
;; where compiled code would otherwise lean on guard regions.
(module
  (memory 5 (pagesize 1))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
)
(assert_return (invoke "load8" (i32.const 4)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "load32" (i32.const 1)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "store8" (i32.const 5) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 3) (i32.const 1) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "fill" (i32.const 0) (i32.const 0xff) (i32.const 5)))
(assert_return (invoke "size") (i32.const 5))
(assert_return (invoke "grow" (i32.const 3)) (i32.const 5))
(assert_return (invoke "size") (i32.const 8))
;; The grown bytes read as zero.
(assert_return (invoke "load32" (i32.const 4)) (i32.const 0xff))
(assert_return (invoke "load8" (i32.const 3)) (i32.const 0xff))
(assert_trap (invoke "load8" (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 0x10000)) (i32.const 8))
(assert_return (invoke "size") (i32.const 0x10008))
(assert_return (invoke "load8" (i32.const 0x10007)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 0x10008)) "out of bounds memory access")

;; A 64-bit memory with 1-byte pages.
(module
  (memory i64 3 (pagesize 1))
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
)
(assert_return (invoke "load8" (i64.const 2)) (i32.const 0))
(assert_trap (invoke "load8" (i64.const 3)) "out of bounds memory access")
(assert_trap (invoke "load8" (i64.const 0x1_0000_0002)) "out of bounds memory access")
(assert_return (invoke "grow" (i64.const 1)) (i64.const 3))
(assert_return (invoke "size") (i64.const 4))
(assert_return (invoke "grow" (i64.const 0xffff_ffff_ffff)) (i64.const -1))

;; Imports must agree on the page size.
(module $pages
  (memory (export "one") 1 (pagesize 1))
  (memory (export "big") 1))
(register "pages" $pages)
(module (import "pages" "one" (memory 1 (pagesize 1))))
(module (import "pages" "big" (memory 1 (pagesize 65536))))
(assert_unlinkable (module (import "pages" "one" (memory 1))) "incompatible import type")

;; A length loaded before `memory.grow` in the same function is not reused
;; after it, in a loop or not.
(module
  (memory i64 1)
  (func (export "grow_then_load") (result i32)
    (drop (i32.load8_u (i64.const 0xffff)))
    (drop (memory.grow (i64.const 1)))
    (i32.store8 (i64.const 0x1ffff) (i32.const 5))
    (i32.load8_u (i64.const 0x1ffff)))
  (func (export "grow_in_loop") (param $n i32) (result i64)
    (local $p i64)
    (loop $l
      (i32.store8 (local.get $p) (i32.const 1))
      (local.set $p (i64.add (local.get $p) (i64.const 0x10000)))
      (if (i64.ge_u (local.get $p) (i64.shl (memory.size) (i64.const 16)))
        (then (drop (memory.grow (i64.const 1)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (memory.size)))
(assert_return (invoke "grow_then_load") (i32.const 5))
(assert_return (invoke "grow_in_loop" (i32.const 4)) (i64.const 5))

;; Atomic accesses to a 64-bit memory: the alignment of `address + offset`
;; (its mathematical value, so also when the sum overflows) is checked
;; before the bounds, as for 32-bit memories.
(module
  (memory i64 1 1 shared)
  (func (export "ld16") (param i64) (result i64) (i64.atomic.load16_u (local.get 0)))
  (func (export "ld32-off") (param i64) (result i32) (i32.atomic.load offset=0xffffffffffffff00 (local.get 0)))
  (func (export "add-off") (param i64) (result i64) (i64.atomic.rmw.add offset=0x100000000 (local.get 0) (i64.const 1)))
  (func (export "notify") (param i64) (result i32) (memory.atomic.notify (local.get 0) (i32.const 1)))
  (func (export "wait") (param i64) (result i32) (memory.atomic.wait64 (local.get 0) (i64.const 0) (i64.const 0))))
(assert_return (invoke "ld16" (i64.const 2)) (i64.const 0))
(assert_trap (invoke "ld16" (i64.const 0x3fffffffffffffff)) "unaligned atomic")
(assert_trap (invoke "ld16" (i64.const 0x4000000000000000)) "out of bounds memory access")
(assert_trap (invoke "ld32-off" (i64.const 0x101)) "unaligned atomic")
(assert_trap (invoke "ld32-off" (i64.const 0x100)) "out of bounds memory access")
(assert_trap (invoke "add-off" (i64.const 4)) "unaligned atomic")
(assert_trap (invoke "add-off" (i64.const 8)) "out of bounds memory access")
(assert_trap (invoke "notify" (i64.const 0x100000001)) "unaligned atomic")
(assert_trap (invoke "notify" (i64.const 0x100000000)) "out of bounds memory access")
(assert_trap (invoke "wait" (i64.const 0xfffffffffffffffc)) "unaligned atomic")
(assert_trap (invoke "wait" (i64.const 0xfffffffffffffff8)) "out of bounds memory access")
(assert_return (invoke "wait" (i64.const 8)) (i32.const 2))

;; Active segments at offsets of 2^32 and more: all 64 bits count (the
;; fuzzer found them truncated to 32 bits), so these are out of bounds
;; even when empty, and nothing is written at the truncated offset.
(assert_trap
  (module
    (table i64 1 funcref)
    (elem (table 0) (i64.const 0x1_0000_0000) func))
  "out of bounds table access")
(assert_trap
  (module
    (memory i64 1)
    (data (i64.const 0x1_0000_0000) "x"))
  "out of bounds memory access")
(assert_trap
  (module
    (memory i64 1)
    (data (i64.const 0x1_0000_0000)))
  "out of bounds memory access")
