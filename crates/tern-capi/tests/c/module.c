/* Modules: validation, compilation, imports and exports, serialization,
 * sharing with another thread. */
#include <pthread.h>

#include "check.h"

static const char* TEXT =
    "(module\n"
    "  (import \"env\" \"f\" (func (param i32) (result i32)))\n"
    "  (import \"env\" \"g\" (global (mut i64)))\n"
    "  (import \"env\" \"t\" (table 1 5 funcref))\n"
    "  (import \"env\" \"m\" (memory 1 2))\n"
    "  (func (export \"run\") (param i32) (result i32)\n"
    "    (call 0 (local.get 0)))\n"
    "  (global (export \"c\") f32 (f32.const 1.5))\n"
    "  (table (export \"tab\") 3 externref)\n"
    "  (memory (export \"mem\") 2)\n"
    "  (func (export \"answer\") (result i32) (i32.const 42)))\n";

static wasm_shared_module_t* shared;
static int thread_ok;

static void* other_thread(void* arg) {
  (void)arg;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* m = wasm_module_obtain(store, shared);
  if (m) {
    wasm_exporttype_vec_t exports;
    wasm_module_exports(m, &exports);
    thread_ok = exports.size == 5;
    wasm_exporttype_vec_delete(&exports);
    wasm_module_delete(m);
  }
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return NULL;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t bin;
  wat(&bin, TEXT);
  CHECK(wasm_module_validate(store, &bin));
  wasm_byte_vec_t bad;
  wasm_byte_vec_new(&bad, 8, "\0asm\2\0\0\0");
  CHECK(!wasm_module_validate(store, &bad));
  CHECK(wasm_module_new(store, &bad) == NULL);
  wasm_message_t err;
  CHECK(tern_error_message(&err));
  CHECK(err.size > 1 && err.data[err.size - 1] == '\0');
  wasm_byte_vec_delete(&err);
  wasm_byte_vec_delete(&bad);

  wasm_module_t* module = wasm_module_new(store, &bin);
  wasm_byte_vec_delete(&bin);
  CHECK(module);

  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 4);
  CHECK(name_is(wasm_importtype_module(imports.data[0]), "env"));
  CHECK(name_is(wasm_importtype_name(imports.data[0]), "f"));
  const wasm_functype_t* ft =
      wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[0]));
  CHECK(ft && wasm_functype_params(ft)->size == 1 &&
        wasm_valtype_kind(wasm_functype_results(ft)->data[0]) == WASM_I32);
  const wasm_globaltype_t* gt =
      wasm_externtype_as_globaltype_const(wasm_importtype_type(imports.data[1]));
  CHECK(gt && wasm_globaltype_mutability(gt) == WASM_VAR &&
        wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_I64);
  const wasm_tabletype_t* tt =
      wasm_externtype_as_tabletype_const(wasm_importtype_type(imports.data[2]));
  CHECK(tt && wasm_tabletype_limits(tt)->min == 1 &&
        wasm_tabletype_limits(tt)->max == 5 &&
        wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_FUNCREF);
  const wasm_memorytype_t* mt =
      wasm_externtype_as_memorytype_const(wasm_importtype_type(imports.data[3]));
  CHECK(mt && wasm_memorytype_limits(mt)->min == 1 &&
        wasm_memorytype_limits(mt)->max == 2);
  wasm_importtype_vec_delete(&imports);

  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 5);
  const char* names[] = {"run", "c", "tab", "mem", "answer"};
  wasm_externkind_t kinds[] = {WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL,
                               WASM_EXTERN_TABLE, WASM_EXTERN_MEMORY,
                               WASM_EXTERN_FUNC};
  for (int i = 0; i < 5; i++) {
    CHECK(name_is(wasm_exporttype_name(exports.data[i]), names[i]));
    CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[i])) == kinds[i]);
  }
  const wasm_globaltype_t* cg =
      wasm_externtype_as_globaltype_const(wasm_exporttype_type(exports.data[1]));
  CHECK(wasm_globaltype_mutability(cg) == WASM_CONST &&
        wasm_valtype_kind(wasm_globaltype_content(cg)) == WASM_F32);
  const wasm_tabletype_t* et =
      wasm_externtype_as_tabletype_const(wasm_exporttype_type(exports.data[2]));
  CHECK(wasm_valtype_kind(wasm_tabletype_element(et)) == WASM_EXTERNREF &&
        wasm_tabletype_limits(et)->max == wasm_limits_max_default);
  wasm_exporttype_vec_delete(&exports);

  /* Serialization round trip. */
  wasm_byte_vec_t ser;
  wasm_module_serialize(module, &ser);
  CHECK(ser.size > 8);
  wasm_module_t* back = wasm_module_deserialize(store, &ser);
  CHECK(back);
  wasm_module_exports(back, &exports);
  CHECK(exports.size == 5 && name_is(wasm_exporttype_name(exports.data[4]), "answer"));
  wasm_exporttype_vec_delete(&exports);
  ser.data[1] ^= 0xff;
  CHECK(wasm_module_deserialize(store, &ser) == NULL);
  wasm_byte_vec_delete(&ser);

  /* Module references: copies are the same module, host info. */
  wasm_module_t* copy = wasm_module_copy(module);
  CHECK(wasm_module_same(copy, module) && !wasm_module_same(back, module));
  int info = 7;
  wasm_module_set_host_info(copy, &info);
  CHECK(wasm_module_get_host_info(module) == &info);
  CHECK(wasm_module_get_host_info(back) == NULL);
  wasm_ref_t* r = wasm_module_as_ref(module);
  CHECK(wasm_ref_as_module(r) == module && wasm_ref_as_func(r) == NULL);
  CHECK(wasm_ref_as_module_const(wasm_module_as_ref_const(module)) == module);
  wasm_module_delete(copy);
  wasm_module_delete(back);

  /* Share with another thread. */
  shared = wasm_module_share(module);
  CHECK(shared);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0);
  pthread_join(t, NULL);
  CHECK(thread_ok);
  wasm_module_t* here = wasm_module_obtain(store, shared);
  CHECK(here);
  wasm_module_delete(here);
  wasm_shared_module_delete(shared);

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  puts("module: ok");
  return 0;
}
