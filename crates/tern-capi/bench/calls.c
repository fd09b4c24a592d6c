/* Call overhead through the standard C API: host->wasm calls
 * (wasm_func_call of a wasm function) and wasm->host calls (a wasm loop
 * calling a host function), per second. Uses only wasm.h, so it runs
 * against any implementation (libtern, wasmtime's libwasmtime.so).
 *
 *   calls MODULE.wasm N
 *
 * MODULE exports "inc" (i32 -> i32) and "loop" (i32 -> i32, calling its
 * import N times); examples/call_overhead.rs writes it and runs this. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <wasm.h>

static wasm_trap_t* host_inc(const wasm_val_vec_t* args,
                             wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + 1;
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fail(const char* what) {
  fprintf(stderr, "calls: %s\n", what);
  exit(1);
}

int main(int argc, char** argv) {
  if (argc != 3) fail("usage: calls MODULE.wasm N");
  int n = atoi(argv[2]);
  FILE* f = fopen(argv[1], "rb");
  if (!f) fail("cannot open the module");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_t bin;
  wasm_byte_vec_new_uninitialized(&bin, size);
  if (fread(bin.data, size, 1, f) != 1) fail("cannot read the module");
  fclose(f);

  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, &bin);
  wasm_byte_vec_delete(&bin);
  if (!module) fail("cannot compile the module");
  wasm_functype_t* ft =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* host = wasm_func_new(store, ft, host_inc);
  wasm_functype_delete(ft);
  wasm_extern_t* ims[1] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t iv = WASM_ARRAY_VEC(ims);
  wasm_instance_t* inst = wasm_instance_new(store, module, &iv, NULL);
  if (!inst) fail("cannot instantiate the module");
  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);
  wasm_func_t* inc = wasm_extern_as_func(ex.data[0]);
  wasm_func_t* loop = wasm_extern_as_func(ex.data[1]);

  wasm_val_t a[1] = {WASM_I32_VAL(0)}, r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  double t0 = now();
  for (int i = 0; i < n; i++) {
    a[0].of.i32 = i;
    if (wasm_func_call(inc, &av, &rv) || r[0].of.i32 != i + 1)
      fail("host->wasm call failed");
  }
  double t1 = now();
  a[0].of.i32 = n;
  if (wasm_func_call(loop, &av, &rv) || r[0].of.i32 != n)
    fail("wasm->host loop failed");
  double t2 = now();
  printf("host->wasm %.0f\nwasm->host %.0f\n", n / (t1 - t0), n / (t2 - t1));

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(inst);
  wasm_func_delete(host);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
