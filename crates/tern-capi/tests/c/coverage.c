/* The functions the topic tests do not reach otherwise: the remaining
 * vector functions of each type, host info without finalizers for each
 * object kind, plain constructors and deleters, the WASI configuration's
 * inherit functions. */
#include "check.h"

#define VEC_ROUND_TRIP(name, make, check_elem)        \
  do {                                                \
    wasm_##name##_vec_t v, c;                         \
    wasm_##name##_vec_new_empty(&v);                  \
    CHECK(v.size == 0);                               \
    wasm_##name##_vec_delete(&v);                     \
    wasm_##name##_vec_new_uninitialized(&v, 2);       \
    CHECK(v.size == 2 && v.data[0] == NULL);          \
    v.data[0] = make;                                 \
    v.data[1] = make;                                 \
    wasm_##name##_vec_copy(&c, &v);                   \
    CHECK(c.size == 2 && c.data[0] != v.data[0]);     \
    check_elem(c.data[1]);                            \
    wasm_##name##_vec_delete(&v);                     \
    wasm_##name##_vec_delete(&c);                     \
    wasm_##name##_t* one[1] = {make};                 \
    wasm_##name##_vec_new(&v, 1, one);                \
    wasm_##name##_vec_delete(&v);                     \
  } while (0)

static wasm_limits_t limits = {1, 2};

static wasm_functype_t* make_functype(void) {
  wasm_valtype_vec_t ps, rs;
  wasm_valtype_t* p[1] = {wasm_valtype_new_i64()};
  wasm_valtype_vec_new(&ps, 1, p);
  wasm_valtype_vec_new_empty(&rs);
  return wasm_functype_new(&ps, &rs);
}
static void check_functype(const wasm_functype_t* t) {
  CHECK(wasm_functype_params(t)->size == 1 && wasm_functype_results(t)->size == 0);
}
static wasm_globaltype_t* make_globaltype(void) {
  return wasm_globaltype_new(wasm_valtype_new_f64(), WASM_CONST);
}
static void check_globaltype(const wasm_globaltype_t* t) {
  CHECK(wasm_valtype_kind(wasm_globaltype_content(t)) == WASM_F64);
}
static wasm_tabletype_t* make_tabletype(void) {
  return wasm_tabletype_new(wasm_valtype_new_externref(), &limits);
}
static void check_tabletype(const wasm_tabletype_t* t) {
  CHECK(wasm_tabletype_limits(t)->max == 2);
}
static wasm_memorytype_t* make_memorytype(void) { return wasm_memorytype_new(&limits); }
static void check_memorytype(const wasm_memorytype_t* t) {
  CHECK(wasm_memorytype_limits(t)->min == 1);
}
static wasm_externtype_t* make_externtype(void) {
  return wasm_memorytype_as_externtype(make_memorytype());
}
static void check_externtype(const wasm_externtype_t* t) {
  CHECK(wasm_externtype_kind(t) == WASM_EXTERN_MEMORY);
}
static wasm_importtype_t* make_importtype(void) {
  wasm_name_t m, n;
  wasm_name_new_from_string(&m, "m");
  wasm_name_new_from_string(&n, "n");
  return wasm_importtype_new(&m, &n, make_externtype());
}
static void check_importtype(const wasm_importtype_t* t) {
  CHECK(name_is(wasm_importtype_name(t), "n"));
}
static wasm_exporttype_t* make_exporttype(void) {
  wasm_name_t n;
  wasm_name_new_from_string(&n, "e");
  return wasm_exporttype_new(&n, make_externtype());
}
static void check_exporttype(const wasm_exporttype_t* t) {
  CHECK(name_is(wasm_exporttype_name(t), "e"));
}

int main(void) {
  VEC_ROUND_TRIP(functype, make_functype(), check_functype);
  VEC_ROUND_TRIP(globaltype, make_globaltype(), check_globaltype);
  VEC_ROUND_TRIP(tabletype, make_tabletype(), check_tabletype);
  VEC_ROUND_TRIP(memorytype, make_memorytype(), check_memorytype);
  VEC_ROUND_TRIP(externtype, make_externtype(), check_externtype);
  VEC_ROUND_TRIP(importtype, make_importtype(), check_importtype);
  VEC_ROUND_TRIP(exporttype, make_exporttype(), check_exporttype);
  wasm_importtype_delete(make_importtype());
  wasm_exporttype_delete(make_exporttype());
  wasm_tabletype_t* tt = make_tabletype();
  wasm_tabletype_t* tc = wasm_tabletype_copy(tt);
  check_tabletype(tc);
  wasm_tabletype_delete(tt);
  wasm_tabletype_delete(tc);

  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = module_from_wat(
      store,
      "(module (func (export \"f\")) (global (export \"g\") i32 (i32.const 0))\n"
      "  (table (export \"t\") 1 funcref) (memory (export \"m\") 1)\n"
      "  (func (export \"trap\") unreachable))");
  wasm_instance_t* inst = wasm_instance_new(store, module, NULL, NULL);
  CHECK(inst);
  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);
  int a, b, c, d, e;
  wasm_func_set_host_info(wasm_extern_as_func(ex.data[0]), &a);
  wasm_global_set_host_info(wasm_extern_as_global(ex.data[1]), &b);
  wasm_table_set_host_info(wasm_extern_as_table(ex.data[2]), &c);
  wasm_memory_set_host_info(wasm_extern_as_memory(ex.data[3]), &d);
  wasm_instance_set_host_info(inst, &e);
  wasm_extern_vec_t again;
  wasm_instance_exports(inst, &again);
  CHECK(wasm_func_get_host_info(wasm_extern_as_func(again.data[0])) == &a);
  CHECK(wasm_global_get_host_info(wasm_extern_as_global(again.data[1])) == &b);
  CHECK(wasm_table_get_host_info(wasm_extern_as_table(again.data[2])) == &c);
  CHECK(wasm_memory_get_host_info(wasm_extern_as_memory(again.data[3])) == &d);
  CHECK(wasm_instance_get_host_info(inst) == &e);

  /* Extern vectors: new (taking handles over), empty, uninitialized. */
  wasm_extern_vec_t xv;
  wasm_extern_t* xs[2] = {wasm_extern_copy(ex.data[0]), wasm_extern_copy(ex.data[3])};
  wasm_extern_vec_new(&xv, 2, xs);
  CHECK(wasm_extern_kind(xv.data[1]) == WASM_EXTERN_MEMORY);
  wasm_extern_vec_delete(&xv);
  wasm_extern_vec_new_empty(&xv);
  wasm_extern_vec_delete(&xv);
  wasm_extern_vec_new_uninitialized(&xv, 3);
  CHECK(xv.size == 3 && xv.data[2] == NULL);
  wasm_extern_vec_delete(&xv);

  /* Frame vectors: new from frames of a trap. */
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(ex.data[4]), &none, &none);
  CHECK(trap);
  wasm_frame_t* fs[2] = {wasm_trap_origin(trap), wasm_trap_origin(trap)};
  wasm_frame_vec_t fv;
  wasm_frame_vec_new(&fv, 2, fs);
  CHECK(fv.size == 2 && wasm_frame_func_index(fv.data[1]) == 1);
  wasm_frame_vec_delete(&fv);
  wasm_trap_delete(trap);

  wasm_extern_vec_delete(&again);
  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(inst);
  wasm_module_delete(module);

  /* WASI configuration: everything inherited; deleted unused. */
  tern_wasi_config_t* w = tern_wasi_config_new();
  tern_wasi_config_inherit_argv(w);
  tern_wasi_config_inherit_env(w);
  tern_wasi_config_inherit_stdin(w);
  tern_wasi_config_inherit_stderr(w);
  tern_wasi_config_delete(w);
  w = tern_wasi_config_new();
  tern_wasi_config_inherit_stdio(w);
  tern_store_set_wasi(store, w);

  wasm_store_delete(store);
  wasm_engine_delete(engine);
  puts("coverage: ok");
  return 0;
}
