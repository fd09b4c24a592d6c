//! The wait/notify parking table of the threads proposal.
//!
//! `memory.atomic.wait32`/`wait64` park the calling thread on an address
//! of a shared memory and `memory.atomic.notify` wakes threads parked on
//! one. A shared memory never moves and lives in one reservation, so its
//! host address identifies a location across every store and thread; the
//! table is keyed by that address. It is split into shards, each a mutex
//! over the queues of the addresses that hash to it, held only while a
//! queue changes: a parked thread sleeps on its own condition variable,
//! with no lock of the table held, so waiting blocks no other store, no
//! other address and not the embedder.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// What `wait` returns, as the instructions do: 0 "ok" (woken by a
/// notify), 1 "not-equal" (the value differed), 2 "timed-out".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum WaitResult {
    Ok = 0,
    NotEqual = 1,
    TimedOut = 2,
}

struct Waiter {
    woken: AtomicBool,
    lock: Mutex<()>,
    cond: Condvar,
}

type Shard = Mutex<HashMap<usize, VecDeque<Arc<Waiter>>>>;

const SHARDS: usize = 64;

fn shard(addr: usize) -> MutexGuard<'static, HashMap<usize, VecDeque<Arc<Waiter>>>> {
    static TABLE: OnceLock<Vec<Shard>> = OnceLock::new();
    let t = TABLE.get_or_init(|| (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect());
    // Waits are 4- or 8-byte aligned: drop the low bits before hashing.
    let h = (addr >> 2).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58;
    t[h % SHARDS].lock().unwrap_or_else(|e| e.into_inner())
}

/// Parks the calling thread on `addr` if `still_expected()` (called with
/// the address's queue locked, so that no notify can slip in between the
/// check and the parking) says the value there is the expected one. A
/// `timeout` of `None` waits for ever.
pub fn wait(addr: usize, still_expected: impl FnOnce() -> bool, timeout: Option<Duration>) -> WaitResult {
    let deadline = timeout.map(|t| Instant::now().checked_add(t));
    let me = Arc::new(Waiter {
        woken: AtomicBool::new(false),
        lock: Mutex::new(()),
        cond: Condvar::new(),
    });
    {
        let mut table = shard(addr);
        if !still_expected() {
            return WaitResult::NotEqual;
        }
        table.entry(addr).or_default().push_back(me.clone());
    }
    let mut guard = me.lock.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if me.woken.load(Ordering::Acquire) {
            return WaitResult::Ok;
        }
        match deadline {
            // Waiting for ever, or past what `Instant` can represent.
            None | Some(None) => guard = me.cond.wait(guard).unwrap_or_else(|e| e.into_inner()),
            Some(Some(d)) => {
                let now = Instant::now();
                if now >= d {
                    break;
                }
                guard = me
                    .cond
                    .wait_timeout(guard, d - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
    drop(guard);
    // Timed out, unless a notify took this waiter off the queue meanwhile.
    let mut table = shard(addr);
    if me.woken.load(Ordering::Acquire) {
        return WaitResult::Ok;
    }
    if let Some(q) = table.get_mut(&addr) {
        q.retain(|w| !Arc::ptr_eq(w, &me));
        if q.is_empty() {
            table.remove(&addr);
        }
    }
    WaitResult::TimedOut
}

/// Wakes up to `count` threads parked on `addr`, oldest first; returns how
/// many it woke.
pub fn notify(addr: usize, count: u32) -> u32 {
    let mut woken = Vec::new();
    {
        let mut table = shard(addr);
        let Some(q) = table.get_mut(&addr) else { return 0 };
        while (woken.len() as u32) < count {
            let Some(w) = q.pop_front() else { break };
            w.woken.store(true, Ordering::Release);
            woken.push(w);
        }
        if q.is_empty() {
            table.remove(&addr);
        }
    }
    for w in &woken {
        // Taking the waiter's lock orders the wake-up after its check of
        // `woken`, so the notification cannot be missed.
        drop(w.lock.lock().unwrap_or_else(|e| e.into_inner()));
        w.cond.notify_one();
    }
    woken.len() as u32
}

/// How many threads are parked on `addr` (for tests).
pub fn waiters(addr: usize) -> usize {
    shard(addr).get(&addr).map_or(0, |q| q.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn not_equal_and_timeout() {
        let x = AtomicU32::new(5);
        let a = &x as *const _ as usize;
        assert_eq!(wait(a, || x.load(Ordering::SeqCst) == 4, None), WaitResult::NotEqual);
        assert_eq!(wait(a, || true, Some(Duration::from_millis(1))), WaitResult::TimedOut);
        assert_eq!(waiters(a), 0);
        assert_eq!(notify(a, 1), 0);
    }

    #[test]
    fn notify_wakes() {
        let x = Arc::new(AtomicU32::new(0));
        let a = Arc::as_ptr(&x) as usize;
        let t = std::thread::spawn(move || wait(a, || true, None));
        while waiters(a) == 0 {
            std::thread::yield_now();
        }
        assert_eq!(notify(a, u32::MAX), 1);
        assert_eq!(t.join().unwrap(), WaitResult::Ok);
    }
}
