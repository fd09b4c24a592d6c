//! tern's extensions (`include/tern.h`): tier, features, fuel, epochs,
//! interruption, the text format and error messages.

use crate::store::{wasm_config_t, wasm_engine_t, wasm_store_t};
use crate::vec::{Vector, message_vec, wasm_byte_vec_t, wasm_message_t};
use crate::{guard, need, need_mut, set_error};
use rt::{Feature, Tier};
use std::ffi::{CStr, c_char};
use std::ptr;

pub const TERN_TIER_AUTO: u8 = 0;
pub const TERN_TIER_INTERP: u8 = 1;
pub const TERN_TIER_JIT: u8 = 2;

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_error_message(out: *mut wasm_message_t) -> bool {
    guard(false, || {
        let out = need_mut(out, "tern_error_message");
        match crate::last_error() {
            Some(m) => {
                ptr::write(out, message_vec(&m));
                true
            }
            None => {
                ptr::write(out, Vector::EMPTY);
                false
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_config_tier_set(c: *mut wasm_config_t, tier: u8) {
    guard((), || {
        let c = need_mut(c, "tern_config_tier_set");
        c.config.tier(match tier {
            TERN_TIER_INTERP => Tier::Interp,
            TERN_TIER_JIT => Tier::Jit,
            _ => Tier::Auto,
        });
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_config_feature_set(c: *mut wasm_config_t, name: *const c_char, enable: bool) -> bool {
    guard(false, || {
        let (Some(c), false) = (c.as_mut(), name.is_null()) else {
            return false;
        };
        let name = CStr::from_ptr(name).to_string_lossy();
        match Feature::from_name(&name) {
            Some(f) => {
                c.config.wasm_feature(f, enable);
                true
            }
            None => {
                set_error(format!("tern_config_feature_set: unknown feature `{name}`"));
                false
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_config_consume_fuel_set(c: *mut wasm_config_t, on: bool) {
    guard((), || {
        need_mut(c, "tern_config_consume_fuel_set").config.consume_fuel(on);
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_config_epoch_interruption_set(c: *mut wasm_config_t, on: bool) {
    guard((), || {
        need_mut(c, "tern_config_epoch_interruption_set")
            .config
            .epoch_interruption(on);
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_config_interruptible_set(c: *mut wasm_config_t, on: bool) {
    guard((), || {
        need_mut(c, "tern_config_interruptible_set").config.interruptible(on);
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_config_max_wasm_stack_set(c: *mut wasm_config_t, bytes: usize) {
    guard((), || {
        need_mut(c, "tern_config_max_wasm_stack_set")
            .config
            .max_wasm_stack(bytes);
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_engine_tier(e: *const wasm_engine_t) -> u8 {
    guard(TERN_TIER_AUTO, || match need(e, "tern_engine_tier").engine.tier() {
        Tier::Interp => TERN_TIER_INTERP,
        Tier::Jit => TERN_TIER_JIT,
        Tier::Auto => TERN_TIER_AUTO,
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_engine_increment_epoch(e: *const wasm_engine_t) {
    guard((), || need(e, "tern_engine_increment_epoch").engine.increment_epoch())
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_engine_interrupt(e: *const wasm_engine_t) {
    guard((), || {
        need(e, "tern_engine_interrupt").engine.interrupt_handle().interrupt()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_store_fuel_set(s: *mut wasm_store_t, fuel: u64) -> bool {
    guard(false, || {
        let Some(s) = s.as_ref() else { return false };
        s.cell
            .with(|mut ctx| ctx.set_fuel(fuel))
            .map_err(|e| set_error(e.to_string()))
            .is_ok()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_store_fuel_get(s: *const wasm_store_t, out: *mut u64) -> bool {
    guard(false, || {
        let (Some(s), Some(out)) = (s.as_ref(), out.as_mut()) else {
            return false;
        };
        match s.cell.with(|ctx| ctx.get_fuel()) {
            Ok(f) => {
                *out = f;
                true
            }
            Err(e) => {
                set_error(e.to_string());
                false
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_store_epoch_deadline_set(s: *mut wasm_store_t, ticks: u64) {
    guard((), || {
        need(s, "tern_store_epoch_deadline_set")
            .cell
            .with(|mut ctx| ctx.set_epoch_deadline(ticks))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn tern_wat2wasm(text: *const c_char, len: usize, out: *mut wasm_byte_vec_t) -> bool {
    guard(false, || {
        let Some(out) = out.as_mut() else { return false };
        ptr::write(out, Vector::EMPTY);
        if text.is_null() {
            set_error("tern_wat2wasm: the text is NULL");
            return false;
        }
        let bytes = std::slice::from_raw_parts(text as *const u8, len);
        let Ok(src) = std::str::from_utf8(bytes) else {
            set_error("tern_wat2wasm: the text is not UTF-8");
            return false;
        };
        match tern_text::parse_wat(src) {
            Ok(b) => {
                ptr::write(out, Vector::from_vec(b));
                true
            }
            Err(e) => {
                set_error(e.with_source("<text>", src).to_string());
                false
            }
        }
    })
}
