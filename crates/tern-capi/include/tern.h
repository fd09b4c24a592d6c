/*
 * tern.h: tern's additions to the standard WebAssembly C API (wasm.h).
 *
 * Everything here is prefixed `tern_`. Functions that can fail return
 * false (or NULL) and leave the reason for tern_error_message.
 */

#ifndef TERN_H
#define TERN_H

#include "wasm.h"

#define own

#ifdef __cplusplus
extern "C" {
#endif

/* Value kinds the standard does not name. A module whose imports or
 * exports use them reports these kinds; values of them cannot be passed
 * through wasm_val_t (calls with them fail with a trap). */
#define TERN_V128 ((wasm_valkind_t)4)
#define TERN_EXNREF ((wasm_valkind_t)130)

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */

/* The message of the last failure of an API call on this thread (a module
 * that does not validate, a failed instantiation, a failed grow...), NUL
 * terminated like a trap message. Returns false, and an empty `out`, when
 * there was none. */
WASM_API_EXTERN bool tern_error_message(wasm_message_t* out);

/* ---------------------------------------------------------------------- */
/* Configuration (before wasm_engine_new_with_config)                     */

typedef uint8_t tern_tier_t;
enum tern_tier_enum {
  /* The compiler where the host supports it (x86-64 Linux), else the
   * interpreter. The default, unless the TERN_TIER environment variable
   * says `interp` or `jit` when the config is made. */
  TERN_TIER_AUTO,
  /* The interpreter. */
  TERN_TIER_INTERP,
  /* The optimizing compiler; wasm_engine_new_with_config returns NULL
   * where it is not available. */
  TERN_TIER_JIT,
};

WASM_API_EXTERN void tern_config_tier_set(wasm_config_t*, tern_tier_t);

/* Turns a WebAssembly feature on or off by its name as the `tern` command
 * spells it ("simd", "tail-call", "multi-memory", "memory64",
 * "exceptions", "relaxed-simd", ...). False for an unknown name. */
WASM_API_EXTERN bool tern_config_feature_set(wasm_config_t*,
                                             const char* name, bool enable);

/* Whether execution consumes fuel (tern_store_fuel_set). */
WASM_API_EXTERN void tern_config_consume_fuel_set(wasm_config_t*, bool);

/* Whether code checks the engine's epoch against its store's deadline
 * (tern_engine_increment_epoch, tern_store_epoch_deadline_set). */
WASM_API_EXTERN void tern_config_epoch_interruption_set(wasm_config_t*,
                                                        bool);

/* Whether compiled code can be stopped by tern_engine_interrupt. */
WASM_API_EXTERN void tern_config_interruptible_set(wasm_config_t*, bool);

/* The most stack, in bytes, wasm code may use. */
WASM_API_EXTERN void tern_config_max_wasm_stack_set(wasm_config_t*, size_t);

/* ---------------------------------------------------------------------- */
/* Engines and stores                                                     */

/* The tier the engine runs code on: TERN_TIER_INTERP or TERN_TIER_JIT. */
WASM_API_EXTERN tern_tier_t tern_engine_tier(const wasm_engine_t*);

/* Advances the epoch by one tick; callable from any thread. */
WASM_API_EXTERN void tern_engine_increment_epoch(const wasm_engine_t*);

/* Makes compiled code running in the engine's stores trap ("interrupted")
 * at its next check; callable from any thread (needs
 * tern_config_interruptible_set). */
WASM_API_EXTERN void tern_engine_interrupt(const wasm_engine_t*);

/* Sets the fuel left; false when the engine does not consume fuel. */
WASM_API_EXTERN bool tern_store_fuel_set(wasm_store_t*, uint64_t fuel);

/* The fuel left, in *out; false when the engine does not consume fuel. */
WASM_API_EXTERN bool tern_store_fuel_get(const wasm_store_t*, uint64_t* out);

/* Code of the store traps once the epoch is `ticks` beyond the current
 * one. */
WASM_API_EXTERN void tern_store_epoch_deadline_set(wasm_store_t*,
                                                   uint64_t ticks);

/* ---------------------------------------------------------------------- */
/* The text format                                                        */

/* Converts WebAssembly text (`len` bytes at `text`) to a binary module in
 * `out`. False, with the parse error for tern_error_message, on bad text. */
WASM_API_EXTERN bool tern_wat2wasm(const char* text, size_t len,
                                   wasm_byte_vec_t* out);

/* ---------------------------------------------------------------------- */
/* WASI preview1                                                          */

/* What a store's WASI guest gets: by default no arguments, no
 * environment, empty stdin, discarded stdout and stderr, no directories. */
typedef struct tern_wasi_config_t tern_wasi_config_t;

WASM_API_EXTERN own tern_wasi_config_t* tern_wasi_config_new(void);
WASM_API_EXTERN void tern_wasi_config_delete(own tern_wasi_config_t*);

/* Appends arguments (argv[0] is the program's name, by convention). */
WASM_API_EXTERN void tern_wasi_config_set_argv(tern_wasi_config_t*,
                                               size_t argc,
                                               const char* const argv[]);
/* Appends this process's arguments. */
WASM_API_EXTERN void tern_wasi_config_inherit_argv(tern_wasi_config_t*);
/* Appends environment variables. */
WASM_API_EXTERN void tern_wasi_config_set_env(tern_wasi_config_t*, size_t n,
                                              const char* const names[],
                                              const char* const values[]);
/* Appends this process's environment. */
WASM_API_EXTERN void tern_wasi_config_inherit_env(tern_wasi_config_t*);
WASM_API_EXTERN void tern_wasi_config_inherit_stdin(tern_wasi_config_t*);
WASM_API_EXTERN void tern_wasi_config_inherit_stdout(tern_wasi_config_t*);
WASM_API_EXTERN void tern_wasi_config_inherit_stderr(tern_wasi_config_t*);
/* All three, as the process's own descriptors (so the guest sees a
 * terminal as one). */
WASM_API_EXTERN void tern_wasi_config_inherit_stdio(tern_wasi_config_t*);
/* Gives the guest the host directory `host_path` as `guest_path`; false
 * when it cannot be opened. */
WASM_API_EXTERN bool tern_wasi_config_preopen_dir(tern_wasi_config_t*,
                                                  const char* host_path,
                                                  const char* guest_path);

/* Gives the store's WASI functions this configuration (taken over). */
WASM_API_EXTERN void tern_store_set_wasi(wasm_store_t*,
                                         own tern_wasi_config_t*);

/* The imports for `module` in its import order: the store's function for
 * each `wasi_snapshot_preview1` import, NULL for every other import (fill
 * those in before wasm_instance_new). False, with the vector still made,
 * when the module imports a WASI function that does not exist. */
WASM_API_EXTERN bool tern_wasi_imports(wasm_store_t*, const wasm_module_t*,
                                       own wasm_extern_vec_t* out);

/* Whether the trap is a WASI guest calling proc_exit; its status in
 * *status. */
WASM_API_EXTERN bool tern_trap_exit_status(const wasm_trap_t*, int* status);

#ifdef __cplusplus
} /* extern "C" */
#endif

#undef own

#endif /* TERN_H */
