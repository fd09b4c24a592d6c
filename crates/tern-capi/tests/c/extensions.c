/* tern.h: tiers, features, fuel, epochs, interruption, the text format,
 * error messages. */
#include <pthread.h>
#include <time.h>

#include "check.h"

static const char* LOOP = "(module (func (export \"spin\") (loop (br 0))))";

static wasm_func_t* first_func(wasm_store_t* store, wasm_module_t* m,
                               wasm_instance_t** inst, wasm_extern_vec_t* ex) {
  wasm_extern_vec_t none = WASM_EMPTY_VEC;
  *inst = wasm_instance_new(store, m, &none, NULL);
  CHECK(*inst);
  wasm_instance_exports(*inst, ex);
  return wasm_extern_as_func(ex->data[0]);
}

static wasm_engine_t* interrupt_engine;

static void* interrupter(void* arg) {
  (void)arg;
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
  tern_engine_interrupt(interrupt_engine);
  return NULL;
}

/* Deletes what one scenario made, innermost first. */
static void delete_all(wasm_extern_vec_t* ex, wasm_instance_t* inst,
                       wasm_module_t* m, wasm_store_t* s, wasm_engine_t* e) {
  wasm_extern_vec_delete(ex);
  wasm_instance_delete(inst);
  wasm_module_delete(m);
  wasm_store_delete(s);
  wasm_engine_delete(e);
}

int main(void) {
  /* The text format; errors come with a message. */
  wasm_byte_vec_t bin;
  CHECK(tern_wat2wasm(LOOP, strlen(LOOP), &bin));
  CHECK(bin.size > 8 && memcmp(bin.data, "\0asm", 4) == 0);
  wasm_byte_vec_delete(&bin);
  CHECK(!tern_wat2wasm("(module (func (oops)))", 22, &bin));
  CHECK(bin.size == 0);
  wasm_message_t err;
  CHECK(tern_error_message(&err));
  CHECK(err.size > 1 && strstr(err.data, "oops"));
  wasm_byte_vec_delete(&err);

  /* Tiers. */
  wasm_config_t* c = wasm_config_new();
  tern_config_tier_set(c, TERN_TIER_INTERP);
  wasm_engine_t* e = wasm_engine_new_with_config(c);
  CHECK(e && tern_engine_tier(e) == TERN_TIER_INTERP);
  wasm_engine_delete(e);
  c = wasm_config_new();
  tern_config_tier_set(c, TERN_TIER_AUTO);
  e = wasm_engine_new_with_config(c);
  CHECK(tern_engine_tier(e) == TERN_TIER_INTERP || tern_engine_tier(e) == TERN_TIER_JIT);
  wasm_engine_delete(e);

  /* Features: SIMD off makes a SIMD module invalid. */
  const char* simd = "(module (func (result v128) (v128.const i64x2 0 0)))";
  c = wasm_config_new();
  CHECK(tern_config_feature_set(c, "simd", false));
  CHECK(!tern_config_feature_set(c, "no-such-feature", true));
  e = wasm_engine_new_with_config(c);
  wasm_store_t* s = wasm_store_new(e);
  wat(&bin, simd);
  CHECK(!wasm_module_validate(s, &bin));
  wasm_store_delete(s);
  wasm_engine_delete(e);
  e = wasm_engine_new();
  s = wasm_store_new(e);
  CHECK(wasm_module_validate(s, &bin));
  /* No fuel without the configuration. */
  CHECK(!tern_store_fuel_set(s, 10));
  uint64_t fuel;
  CHECK(!tern_store_fuel_get(s, &fuel));
  wasm_store_delete(s);
  wasm_engine_delete(e);
  wasm_byte_vec_delete(&bin);

  /* Fuel. */
  c = wasm_config_new();
  tern_config_consume_fuel_set(c, true);
  e = wasm_engine_new_with_config(c);
  s = wasm_store_new(e);
  CHECK(tern_store_fuel_set(s, 1000));
  CHECK(tern_store_fuel_get(s, &fuel) && fuel == 1000);
  wasm_module_t* m = module_from_wat(s, LOOP);
  wasm_instance_t* inst;
  wasm_extern_vec_t ex;
  wasm_func_t* spin = first_func(s, m, &inst, &ex);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(trap_says(wasm_func_call(spin, &none, &none), "fuel"));
  CHECK(tern_store_fuel_get(s, &fuel) && fuel == 0);
  delete_all(&ex, inst, m, s, e);

  /* Epoch deadlines. */
  c = wasm_config_new();
  tern_config_epoch_interruption_set(c, true);
  e = wasm_engine_new_with_config(c);
  s = wasm_store_new(e);
  m = module_from_wat(s, LOOP);
  spin = first_func(s, m, &inst, &ex);
  tern_store_epoch_deadline_set(s, 1);
  tern_engine_increment_epoch(e);
  wasm_trap_t* trap = wasm_func_call(spin, &none, &none);
  CHECK(trap);
  wasm_trap_delete(trap);
  delete_all(&ex, inst, m, s, e);

  /* Interrupting compiled code from another thread. */
  c = wasm_config_new();
  tern_config_interruptible_set(c, true);
  tern_config_max_wasm_stack_set(c, 512 * 1024);
  e = wasm_engine_new_with_config(c);
  if (tern_engine_tier(e) == TERN_TIER_JIT) {
    interrupt_engine = e;
    s = wasm_store_new(e);
    m = module_from_wat(s, LOOP);
    spin = first_func(s, m, &inst, &ex);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, interrupter, NULL) == 0);
    CHECK(trap_says(wasm_func_call(spin, &none, &none), "interrupt"));
    pthread_join(t, NULL);
    wasm_extern_vec_delete(&ex);
    wasm_instance_delete(inst);
    wasm_module_delete(m);
    wasm_store_delete(s);
  }
  wasm_engine_delete(e);

  puts("extensions: ok");
  return 0;
}
