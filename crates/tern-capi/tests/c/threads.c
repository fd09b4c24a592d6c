/* One engine and one shared module used by several threads at once, each
 * with its own store. */
#include <pthread.h>

#include "check.h"

#define THREADS 8
#define ROUNDS 20

static wasm_engine_t* engine;
static wasm_shared_module_t* shared;
static int results[THREADS];

static wasm_trap_t* get_id(void* env, const wasm_val_vec_t* args,
                           wasm_val_vec_t* out) {
  (void)args;
  out->data[0] = (wasm_val_t)WASM_I32_VAL((int32_t)(intptr_t)env);
  return NULL;
}

static void* run(void* arg) {
  int id = (int)(intptr_t)arg;
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_obtain(store, shared);
  CHECK(module);
  wasm_functype_t* ft = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_func_t* f = wasm_func_new_with_env(store, ft, get_id, (void*)(intptr_t)id, NULL);
  wasm_functype_delete(ft);
  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_val_t gv = WASM_I32_VAL(1000);
  wasm_global_t* g = wasm_global_new(store, gt, &gv);
  wasm_globaltype_delete(gt);
  wasm_extern_t* ims[2] = {wasm_func_as_extern(f), wasm_global_as_extern(g)};
  wasm_extern_vec_t iv = WASM_ARRAY_VEC(ims);
  int sum = 0;
  for (int i = 0; i < ROUNDS; i++) {
    wasm_instance_t* inst = wasm_instance_new(store, module, &iv, NULL);
    CHECK(inst);
    wasm_extern_vec_t ex;
    wasm_instance_exports(inst, &ex);
    wasm_val_t r[1];
    wasm_val_vec_t none = WASM_EMPTY_VEC, rv = WASM_ARRAY_VEC(r);
    CHECK(wasm_func_call(wasm_extern_as_func(ex.data[0]), &none, &rv) == NULL);
    sum += r[0].of.i32;
    wasm_extern_vec_delete(&ex);
    wasm_instance_delete(inst);
  }
  results[id] = sum;
  wasm_func_delete(f);
  wasm_global_delete(g);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return NULL;
}

int main(void) {
  engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = module_from_wat(
      store,
      "(module (import \"\" \"id\" (func $id (result i32)))\n"
      "  (import \"\" \"base\" (global $b i32))\n"
      "  (func (export \"run\") (result i32)\n"
      "    (i32.add (call $id) (global.get $b))))");
  shared = wasm_module_share(module);
  wasm_module_delete(module);
  wasm_store_delete(store);
  pthread_t ts[THREADS];
  for (int i = 0; i < THREADS; i++)
    CHECK(pthread_create(&ts[i], NULL, run, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < THREADS; i++) pthread_join(ts[i], NULL);
  for (int i = 0; i < THREADS; i++) CHECK(results[i] == ROUNDS * (1000 + i));
  wasm_shared_module_delete(shared);
  wasm_engine_delete(engine);
  puts("threads: ok");
  return 0;
}
