/* Instances: imports of every kind, exports, and the operations on
 * functions, globals, tables and memories. */
#include "check.h"

static const char* TEXT =
    "(module\n"
    "  (import \"env\" \"f\" (func $f (param i32) (result i32)))\n"
    "  (import \"env\" \"g\" (global $g (mut i64)))\n"
    "  (import \"env\" \"t\" (table $t 2 10 funcref))\n"
    "  (import \"env\" \"m\" (memory $m 1 4))\n"
    "  (func $double (export \"double\") (param i32) (result i32)\n"
    "    (i32.mul (local.get 0) (i32.const 2)))\n"
    "  (func (export \"call_f\") (param i32) (result i32)\n"
    "    (call $f (local.get 0)))\n"
    "  (func (export \"get_g\") (result i64) (global.get $g))\n"
    "  (func (export \"set_g\") (param i64) (global.set $g (local.get 0)))\n"
    "  (func (export \"load\") (param i32) (result i32)\n"
    "    (i32.load8_u (local.get 0)))\n"
    "  (func (export \"store\") (param i32 i32)\n"
    "    (i32.store8 (local.get 0) (local.get 1)))\n"
    "  (func (export \"size\") (result i32) (memory.size))\n"
    "  (func (export \"call_indirect\") (param i32 i32) (result i32)\n"
    "    (call_indirect $t (param i32) (result i32) (local.get 1) (local.get 0)))\n"
    "  (func (export \"mix\") (param i32 i64 f32 f64) (result f64 i64)\n"
    "    (f64.add (f64.add (f64.convert_i32_s (local.get 0))\n"
    "                      (f64.promote_f32 (local.get 2)))\n"
    "             (local.get 3))\n"
    "    (i64.add (local.get 1) (i64.const 1)))\n"
    "  (elem (i32.const 1) $double)\n"
    "  (data (i32.const 8) \"\\2a\")\n"
    "  (global (export \"const\") i32 (i32.const 99))\n"
    "  (global (export \"var\") (mut f32) (f32.const 0.5))\n"
    "  (table (export \"own_table\") 1 funcref)\n"
    "  (memory (export \"own_memory\") 1 3))\n";

static wasm_trap_t* plus_one(const wasm_val_vec_t* args,
                             wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + 1;
  return NULL;
}

static wasm_func_t* export_func(wasm_extern_vec_t* ex, size_t i) {
  wasm_func_t* f = wasm_extern_as_func(ex->data[i]);
  CHECK(f);
  return f;
}

static int32_t call_i32(wasm_func_t* f, int32_t a, int32_t b, size_t n) {
  wasm_val_t args[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t res[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = {n, args};
  wasm_val_vec_t rv = WASM_ARRAY_VEC(res);
  wasm_trap_t* trap = wasm_func_call(f, &av, &rv);
  CHECK(trap == NULL);
  CHECK(res[0].kind == WASM_I32);
  return res[0].of.i32;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = module_from_wat(store, TEXT);

  /* The imports. */
  wasm_functype_t* ft =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* f = wasm_func_new(store, ft, plus_one);
  CHECK(f);
  CHECK(wasm_func_param_arity(f) == 1 && wasm_func_result_arity(f) == 1);
  wasm_functype_t* fty = wasm_func_type(f);
  CHECK(wasm_functype_params(fty)->size == 1);
  wasm_functype_delete(fty);
  wasm_functype_delete(ft);

  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i64(), WASM_VAR);
  wasm_val_t g0 = WASM_I64_VAL(5);
  wasm_global_t* g = wasm_global_new(store, gt, &g0);
  CHECK(g);
  wasm_val_t bad_val = WASM_I32_VAL(5);
  CHECK(wasm_global_new(store, gt, &bad_val) == NULL);
  wasm_globaltype_delete(gt);
  gt = wasm_global_type(g);
  CHECK(wasm_globaltype_mutability(gt) == WASM_VAR &&
        wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_I64);
  wasm_globaltype_delete(gt);

  wasm_limits_t tl = {2, 10};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &tl);
  wasm_table_t* t = wasm_table_new(store, tt, NULL);
  CHECK(t && wasm_table_size(t) == 2);
  wasm_tabletype_delete(tt);

  wasm_limits_t ml = {1, 4};
  wasm_memorytype_t* mt = wasm_memorytype_new(&ml);
  wasm_memory_t* m = wasm_memory_new(store, mt);
  CHECK(m && wasm_memory_size(m) == 1 && wasm_memory_data_size(m) == 65536);
  wasm_memorytype_delete(mt);
  mt = wasm_memory_type(m);
  CHECK(wasm_memorytype_limits(mt)->min == 1 && wasm_memorytype_limits(mt)->max == 4);
  wasm_memorytype_delete(mt);

  /* Wrong imports fail with a trap that says why. */
  wasm_extern_t* wrong[4] = {wasm_global_as_extern(g), wasm_func_as_extern(f),
                             wasm_table_as_extern(t), wasm_memory_as_extern(m)};
  wasm_extern_vec_t wrong_imports = WASM_ARRAY_VEC(wrong);
  wasm_trap_t* trap = (wasm_trap_t*)1;
  CHECK(wasm_instance_new(store, module, &wrong_imports, &trap) == NULL);
  CHECK(trap_says(trap, "import"));

  wasm_extern_t* ims[4] = {wasm_func_as_extern(f), wasm_global_as_extern(g),
                           wasm_table_as_extern(t), wasm_memory_as_extern(m)};
  CHECK(wasm_extern_kind(ims[0]) == WASM_EXTERN_FUNC);
  CHECK(wasm_extern_kind(ims[1]) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_extern_kind(ims[2]) == WASM_EXTERN_TABLE);
  CHECK(wasm_extern_kind(ims[3]) == WASM_EXTERN_MEMORY);
  wasm_externtype_t* xt = wasm_extern_type(ims[3]);
  CHECK(wasm_externtype_kind(xt) == WASM_EXTERN_MEMORY);
  wasm_externtype_delete(xt);
  CHECK(wasm_extern_as_func(ims[0]) == f && wasm_extern_as_global(ims[1]) == g);
  CHECK(wasm_extern_as_table(ims[2]) == t && wasm_extern_as_memory(ims[3]) == m);
  CHECK(wasm_extern_as_memory(ims[0]) == NULL && wasm_extern_as_func(ims[1]) == NULL);
  CHECK(wasm_extern_as_func_const(wasm_func_as_extern_const(f)) == f);
  CHECK(wasm_extern_as_global_const(wasm_global_as_extern_const(g)) == g);
  CHECK(wasm_extern_as_table_const(wasm_table_as_extern_const(t)) == t);
  CHECK(wasm_extern_as_memory_const(wasm_memory_as_extern_const(m)) == m);
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(ims);
  trap = (wasm_trap_t*)1;
  wasm_instance_t* inst = wasm_instance_new(store, module, &imports, &trap);
  CHECK(inst && trap == NULL);

  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);
  CHECK(ex.size == 13);
  wasm_func_t* dbl = export_func(&ex, 0);
  CHECK(call_i32(dbl, 21, 0, 1) == 42);
  CHECK(call_i32(export_func(&ex, 1), 9, 0, 1) == 10);

  /* Globals, from both sides. */
  wasm_func_t* get_g = export_func(&ex, 2);
  wasm_val_t r[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
  wasm_val_vec_t none = WASM_EMPTY_VEC, rv = {1, r};
  CHECK(wasm_func_call(get_g, &none, &rv) == NULL && r[0].of.i64 == 5);
  wasm_val_t nv = WASM_I64_VAL(-3);
  wasm_global_set(g, &nv);
  CHECK(wasm_func_call(get_g, &none, &rv) == NULL && r[0].of.i64 == -3);
  wasm_val_t a1[1] = {WASM_I64_VAL(77)};
  wasm_val_vec_t av1 = WASM_ARRAY_VEC(a1);
  wasm_val_vec_t empty_results = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(export_func(&ex, 3), &av1, &empty_results) == NULL);
  wasm_val_t gv;
  wasm_global_get(g, &gv);
  CHECK(gv.kind == WASM_I64 && gv.of.i64 == 77);
  wasm_global_t* cg = wasm_extern_as_global(ex.data[9]);
  wasm_global_get(cg, &gv);
  CHECK(gv.kind == WASM_I32 && gv.of.i32 == 99);
  wasm_val_t nine = WASM_I32_VAL(9);
  wasm_global_set(cg, &nine); /* immutable: unchanged */
  wasm_global_get(cg, &gv);
  CHECK(gv.of.i32 == 99);
  wasm_global_t* vg = wasm_extern_as_global(ex.data[10]);
  wasm_val_t quarter = WASM_F32_VAL(0.25f);
  wasm_global_set(vg, &quarter);
  wasm_global_get(vg, &gv);
  CHECK(gv.kind == WASM_F32 && gv.of.f32 == 0.25f);

  /* Memory, from both sides; growth. */
  byte_t* data = wasm_memory_data(m);
  CHECK(data[8] == 42);
  data[100] = 7;
  CHECK(call_i32(export_func(&ex, 4), 100, 0, 1) == 7);
  wasm_val_t sargs[2] = {WASM_I32_VAL(200), WASM_I32_VAL(9)};
  wasm_val_vec_t sav = WASM_ARRAY_VEC(sargs);
  CHECK(wasm_func_call(export_func(&ex, 5), &sav, &empty_results) == NULL);
  CHECK(wasm_memory_data(m)[200] == 9);
  CHECK(wasm_memory_grow(m, 2));
  CHECK(wasm_memory_size(m) == 3 && wasm_memory_data_size(m) == 3 * 65536);
  CHECK(call_i32(export_func(&ex, 6), 0, 0, 0) == 3);
  CHECK(!wasm_memory_grow(m, 2));
  CHECK(wasm_memory_size(m) == 3);
  wasm_memory_t* own_mem = wasm_extern_as_memory(ex.data[12]);
  CHECK(wasm_memory_size(own_mem) == 1);

  /* Tables, from both sides. */
  wasm_func_t* ci = export_func(&ex, 7);
  CHECK(call_i32(ci, 1, 8, 2) == 16);
  wasm_val_t cargs[2] = {WASM_I32_VAL(0), WASM_I32_VAL(8)};
  wasm_val_vec_t cav = WASM_ARRAY_VEC(cargs);
  wasm_val_t cres[1];
  wasm_val_vec_t crv = WASM_ARRAY_VEC(cres);
  CHECK(trap_says(wasm_func_call(ci, &cav, &crv), "uninitialized"));
  CHECK(wasm_table_set(t, 0, wasm_func_as_ref(f)));
  CHECK(call_i32(ci, 0, 8, 2) == 9);
  wasm_ref_t* e1 = wasm_table_get(t, 1);
  CHECK(e1 && wasm_func_same(wasm_ref_as_func(e1), dbl));
  CHECK(call_i32(wasm_ref_as_func(e1), 4, 0, 1) == 8);
  wasm_ref_delete(e1);
  wasm_ref_t* e0 = wasm_table_get(t, 0);
  CHECK(wasm_func_same(wasm_ref_as_func_const(e0), f));
  wasm_ref_delete(e0);
  CHECK(wasm_table_get(t, 5) == NULL);
  CHECK(!wasm_table_set(t, 5, NULL));
  CHECK(wasm_table_grow(t, 3, wasm_func_as_ref(dbl)));
  CHECK(wasm_table_size(t) == 5);
  CHECK(call_i32(ci, 4, 3, 2) == 6);
  CHECK(!wasm_table_grow(t, 6, NULL));
  CHECK(wasm_table_set(t, 4, NULL));
  CHECK(wasm_table_get(t, 4) == NULL);
  wasm_tabletype_t* tty = wasm_table_type(t);
  CHECK(wasm_tabletype_limits(tty)->min == 5);
  wasm_tabletype_delete(tty);
  CHECK(wasm_table_size(wasm_extern_as_table(ex.data[11])) == 1);

  /* Several values of each numeric kind, several results. */
  wasm_val_t margs[4] = {WASM_I32_VAL(1), WASM_I64_VAL(10), WASM_F32_VAL(0.5f),
                         WASM_F64_VAL(0.25)};
  wasm_val_t mres[2];
  wasm_val_vec_t mav = WASM_ARRAY_VEC(margs), mrv = WASM_ARRAY_VEC(mres);
  CHECK(wasm_func_call(export_func(&ex, 8), &mav, &mrv) == NULL);
  CHECK(mres[0].kind == WASM_F64 && mres[0].of.f64 == 1.75);
  CHECK(mres[1].kind == WASM_I64 && mres[1].of.i64 == 11);
  /* Wrong argument count or kinds: a trap, not a crash. */
  CHECK(trap_says(wasm_func_call(export_func(&ex, 8), &none, &mrv), "arguments"));
  margs[0] = (wasm_val_t)WASM_F32_VAL(1.0f);
  CHECK(trap_says(wasm_func_call(export_func(&ex, 8), &mav, &mrv), "kind"));

  /* Exports are externs: kinds, types, copies. */
  wasm_externtype_t* et = wasm_extern_type(ex.data[0]);
  CHECK(wasm_externtype_kind(et) == WASM_EXTERN_FUNC);
  wasm_externtype_delete(et);
  wasm_extern_t* exc = wasm_extern_copy(ex.data[0]);
  CHECK(wasm_extern_same(exc, ex.data[0]));
  CHECK(!wasm_extern_same(exc, ex.data[1]));
  wasm_extern_delete(exc);
  wasm_extern_vec_t exv;
  wasm_extern_vec_copy(&exv, &ex);
  CHECK(exv.size == ex.size && wasm_extern_same(exv.data[3], ex.data[3]));
  wasm_extern_vec_delete(&exv);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(inst);
  wasm_func_delete(f);
  wasm_global_delete(g);
  wasm_table_delete(t);
  wasm_memory_delete(m);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  puts("instance: ok");
  return 0;
}
