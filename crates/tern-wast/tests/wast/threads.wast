;; The threads proposal's script directives: `thread` runs its directives
;; on a thread of its own, which sees the enclosing script's modules named
;; in `shared (module ...)` (as their shared memories); `wait` joins it.
;; Every wait and spin here is bounded, so a broken engine fails instead of
;; hanging: a blocking wait has a timeout of seconds, a spin gives up after
;; about ten seconds.
;;
;; The shared memory's words:
;;   0     the counter both threads increment
;;   16    where a thread waits for the main script's notify
;;   20    a flag the main script waits on, set by a thread
;;   64    a message from a thread (4 words), released by the flag at 128
;;   192   a message to a thread (4 words), released by the flag at 256
;;   300   what a nested thread wrote
;;   4092  never written nor notified: waiting on it naps

(module $Mem (memory (export "shared") 1 1 shared))
(register "mem" $Mem)

;; Atomic increments: two threads add 1 a hundred thousand times each.
(thread $A (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "inc") (param $n i32)
      (loop $l
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))))
  (invoke "inc" (i32.const 100000))
)
(thread $B (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "inc") (param $n i32)
      (loop $l
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))))
  (assert_return (invoke "inc" (i32.const 100000)))
)
(wait $A)
(wait $B)

(module $Main
  (memory (import "mem" "shared") 1 1 shared)
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "atomic_store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
  (func (export "wait") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  ;; Notifies one waiter at $addr, trying every millisecond until one was
  ;; woken; the number woken (0 after ten thousand tries).
  (func (export "wake_one") (param $addr i32) (result i32)
    (local $n i32) (local $tries i32)
    (loop $l
      (local.set $n (memory.atomic.notify (local.get $addr) (i32.const 1)))
      (if (local.get $n) (then (return (local.get $n))))
      (drop (memory.atomic.wait32 (i32.const 4092) (i32.const 0) (i64.const 1000000)))
      (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $tries) (i32.const 10000))))
    (i32.const 0))
  ;; Waits (5 s at a time, ten times at most) until the word at $addr is
  ;; not 0; the word, or -1 when no wait ended with it set.
  (func (export "wait_flag") (param $addr i32) (result i32)
    (local $v i32) (local $tries i32)
    (loop $l
      (local.set $v (i32.atomic.load (local.get $addr)))
      (if (local.get $v) (then (return (local.get $v))))
      (drop (memory.atomic.wait32 (local.get $addr) (i32.const 0) (i64.const 5000000000)))
      (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $tries) (i32.const 10))))
    (i32.const -1))
  ;; Spins on an atomic load until the word at $addr is not 0 (with a 1 ms
  ;; nap every 1024 loads, giving up after ten thousand): 1 when it is.
  (func $spin (export "spin") (param $addr i32) (result i32)
    (local $i i32)
    (loop $l
      (if (i32.atomic.load (local.get $addr)) (then (return (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.eqz (i32.and (local.get $i) (i32.const 1023)))
        (then (drop (memory.atomic.wait32 (i32.const 4092) (i32.const 0) (i64.const 1000000)))))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10240000))))
    (i32.const 0))
  ;; The message at $addr once its flag at $flag is set: the sum of its
  ;; four words weighted 1, 10, 100, 1000 (-1 when the flag never came).
  (func (export "receive") (param $addr i32) (param $flag i32) (result i32)
    (if (i32.eqz (call $spin (local.get $flag))) (then (return (i32.const -1))))
    (i32.add
      (i32.add (i32.load (local.get $addr))
               (i32.mul (i32.load offset=4 (local.get $addr)) (i32.const 10)))
      (i32.add (i32.mul (i32.load offset=8 (local.get $addr)) (i32.const 100))
               (i32.mul (i32.load offset=12 (local.get $addr)) (i32.const 1000)))))
)

(assert_return (invoke "load" (i32.const 0)) (i32.const 200000))

;; Wait results that do not depend on timing: 1 ("not-equal") when the word
;; is not the expected value, 2 ("timed-out") when nobody notifies, and a
;; notify with nobody waiting wakes no one.
(assert_return (invoke "wait" (i32.const 16) (i32.const 7) (i64.const -1)) (i32.const 1))
(assert_return (invoke "wait" (i32.const 16) (i32.const 0) (i64.const 1000)) (i32.const 2))
(assert_return (invoke "notify" (i32.const 16) (i32.const 1)) (i32.const 0))

;; Wait/notify: a thread waits at 16; the main script notifies until it has
;; woken one waiter, so the thread's wait ends with 0 ("ok").
(thread $Waiter (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 16) (i32.const 0) (i64.const 30000000000))))
  (assert_return (invoke "wait") (i32.const 0))
)
(assert_return (invoke "wake_one" (i32.const 16)) (i32.const 1))
(wait $Waiter)

;; The other way round: the main script waits on the flag at 20 until a
;; thread has stored it and notified (woken the main script, or no one if it
;; came first).
(thread $Notifier (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "set") (result i32)
      (i32.atomic.store (i32.const 20) (i32.const 42))
      (memory.atomic.notify (i32.const 20) (i32.const 1))))
  (assert_return (invoke "set") (either (i32.const 0) (i32.const 1)))
)
(assert_return (invoke "wait_flag" (i32.const 20)) (i32.const 42))
(wait $Notifier)

;; Message passing: a thread writes four words with plain stores, then
;; releases them with an atomic store of the flag at 128; the main script
;; spins on the flag, then reads them. Then the main script sends one (at
;; 192, flag at 256) the thread spins for and checks.
(thread $Messenger (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "send")
      (i32.store (i32.const 64) (i32.const 1))
      (i32.store (i32.const 68) (i32.const 2))
      (i32.store (i32.const 72) (i32.const 3))
      (i32.store (i32.const 76) (i32.const 4))
      (i32.atomic.store (i32.const 128) (i32.const 1)))
    (func (export "receive") (result i32)
      (local $i i32)
      (loop $l
        (if (i32.eqz (i32.atomic.load (i32.const 256)))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (if (i32.eqz (i32.and (local.get $i) (i32.const 1023)))
              (then (drop (memory.atomic.wait32 (i32.const 4092) (i32.const 0) (i64.const 1000000)))))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 10240000)))
            (return (i32.const -1)))))
      (i32.add
        (i32.add (i32.load (i32.const 192))
                 (i32.mul (i32.load (i32.const 196)) (i32.const 10)))
        (i32.add (i32.mul (i32.load (i32.const 200)) (i32.const 100))
                 (i32.mul (i32.load (i32.const 204)) (i32.const 1000))))))
  (invoke "send")
  (assert_return (invoke "receive") (i32.const 8765))
)
(assert_return (invoke "receive" (i32.const 64) (i32.const 128)) (i32.const 4321))
(invoke "store" (i32.const 192) (i32.const 5))
(invoke "store" (i32.const 196) (i32.const 6))
(invoke "store" (i32.const 200) (i32.const 7))
(invoke "store" (i32.const 204) (i32.const 8))
(invoke "atomic_store" (i32.const 256) (i32.const 1))
(wait $Messenger)

;; Threads nest: a thread shares on a module shared with it. A thread's own
;; module of the name hides a shared one.
(thread $Outer (shared (module $Mem))
  (thread $Inner (shared (module $Mem))
    (register "mem" $Mem)
    (module
      (memory (import "mem" "shared") 1 1 shared)
      (func (export "add") (param i32) (result i32)
        (i32.atomic.rmw.add (i32.const 300) (local.get 0))))
    (assert_return (invoke "add" (i32.const 5)) (i32.const 0))
  )
  (wait $Inner)
  (register "mem" $Mem)
  (module $Mem
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "add") (param i32) (result i32)
      (i32.atomic.rmw.add (i32.const 300) (local.get 0))))
  (assert_return (invoke $Mem "add" (i32.const 6)) (i32.const 5))
)
(wait $Outer)
(assert_return (invoke "load" (i32.const 300)) (i32.const 11))

;; Two threads may have the same name one after the other.
(thread $Again (shared (module $Mem))
  (register "mem" $Mem)
  (module (memory (import "mem" "shared") 1 1 shared)
    (func (export "add") (drop (i32.atomic.rmw.add (i32.const 300) (i32.const 1)))))
  (invoke "add")
)
(wait $Again)
(thread $Again (shared (module $Mem))
  (register "mem" $Mem)
  (module (memory (import "mem" "shared") 1 1 shared)
    (func (export "add") (drop (i32.atomic.rmw.add (i32.const 300) (i32.const 1)))))
  (invoke "add")
)
(wait $Again)
(assert_return (invoke "load" (i32.const 300)) (i32.const 13))
