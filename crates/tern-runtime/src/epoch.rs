//! Epoch-based interruption, per store: the engine's epoch counter
//! ([`crate::Engine::increment_epoch`]) against each store's deadline
//! ([`crate::Store::set_epoch_deadline`]). With
//! [`crate::Config::epoch_interruption`] on, code of both tiers compares
//! the two at every function entry and loop header; once the epoch reaches
//! the deadline, the store either traps ([`crate::TrapCode::Interrupt`])
//! or asks the embedder's callback, which may move the deadline and let
//! the guest go on.

use crate::error::Result;
use crate::limits::error_to_trap;
use crate::store::{StoreContextMut, StoreInner};
use std::sync::atomic::Ordering;
use tern_vm::{Trap, TrapCode};

/// What a store's epoch-deadline callback wants done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateDeadline {
    /// Go on, with the deadline this many ticks beyond the current epoch
    /// (0 calls the callback again at the next check).
    Continue(u64),
    /// Stop the guest with the epoch-deadline trap
    /// ([`crate::TrapCode::Interrupt`]).
    Interrupt,
}

/// The boxed callback [`crate::Store::epoch_deadline_callback`] keeps.
pub(crate) type EpochCallback<T> = Box<dyn FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync>;

impl<T> StoreInner<T> {
    /// Sets the deadline `ticks` beyond the engine's current epoch.
    pub(crate) fn set_epoch_deadline(&mut self, ticks: u64) {
        let now = self.vm.epoch.load(Ordering::Relaxed);
        self.vm.epoch_deadline = now.saturating_add(ticks);
    }

    /// Running code reached the deadline: traps, or lets the callback
    /// decide.
    pub(crate) fn epoch_deadline_reached(&mut self) -> Result<(), Trap> {
        let Some(mut f) = self.epoch_callback.take() else {
            return Err(Trap::new(TrapCode::Interrupt));
        };
        let r = f(StoreContextMut(self));
        // (The callback cannot replace itself: only `Store` can.)
        self.epoch_callback = Some(f);
        match r {
            Ok(UpdateDeadline::Continue(ticks)) => {
                self.set_epoch_deadline(ticks);
                Ok(())
            }
            Ok(UpdateDeadline::Interrupt) => Err(Trap::new(TrapCode::Interrupt)),
            Err(e) => Err(error_to_trap(e)),
        }
    }
}
