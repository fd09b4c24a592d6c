/* Host functions: with an environment and its finalizer, calls back into
 * wasm from a host function, functions as values. */
#include "check.h"

static int finalized;
static int calls;

static void finalize_env(void* env) { finalized += *(int*)env; }

/* env points at an int added to the argument. */
static wasm_trap_t* add_env(void* env, const wasm_val_vec_t* args,
                            wasm_val_vec_t* results) {
  calls++;
  CHECK(args->size == 1 && args->data[0].kind == WASM_I32);
  CHECK(results->size == 1 && results->data[0].kind == WASM_I32);
  results->data[0].of.i32 = args->data[0].of.i32 + *(int*)env;
  return NULL;
}

/* Two results from three parameters of different kinds. */
static wasm_trap_t* swap(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 3 && args->data[1].kind == WASM_F64);
  results->data[0] = (wasm_val_t)WASM_F64_VAL(args->data[1].of.f64 * 2);
  results->data[1] = (wasm_val_t)WASM_I64_VAL(args->data[0].of.i64 + args->data[2].of.i32);
  return NULL;
}

/* Calls the wasm function in env with the argument plus one (the host
 * calling back into wasm while wasm called it). */
static wasm_trap_t* reenter(void* env, const wasm_val_vec_t* args,
                            wasm_val_vec_t* results) {
  wasm_func_t* f = (wasm_func_t*)env;
  wasm_val_t a[1] = {WASM_I32_VAL(args->data[0].of.i32 + 1)};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a);
  return wasm_func_call(f, &av, results);
}

static wasm_trap_t* nothing(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 0 && results->size == 0);
  calls++;
  return NULL;
}

static const char* TEXT =
    "(module\n"
    "  (import \"\" \"add\" (func $add (param i32) (result i32)))\n"
    "  (import \"\" \"swap\" (func $swap (param i64 f64 i32) (result f64 i64)))\n"
    "  (import \"\" \"reenter\" (func $re (param i32) (result i32)))\n"
    "  (memory (export \"mem\") 1)\n"
    "  (func (export \"twice\") (param i32) (result i32)\n"
    "    (call $add (call $add (local.get 0))))\n"
    "  (func (export \"swap\") (param i64 f64 i32) (result f64 i64)\n"
    "    (call $swap (local.get 0) (local.get 1) (local.get 2)))\n"
    "  (func (export \"triple\") (param i32) (result i32)\n"
    "    (i32.mul (local.get 0) (i32.const 3)))\n"
    "  (func (export \"via_host\") (param i32) (result i32)\n"
    "    (call $re (local.get 0)))\n"
    "  (func (export \"ident\") (param funcref) (result funcref) (local.get 0))\n"
    "  (func (export \"call_ref\") (param funcref)\n"
    "    (table.set $t (i32.const 0) (local.get 0))\n"
    "    (call_indirect $t (i32.const 0)))\n"
    "  (table $t 1 funcref))\n";

/* An instance of `module` with three function imports. */
static wasm_instance_t* instantiate3(wasm_store_t* store, wasm_module_t* module,
                                     wasm_func_t* a, wasm_func_t* b,
                                     wasm_func_t* c) {
  wasm_extern_t* im[3] = {wasm_func_as_extern(a), wasm_func_as_extern(b),
                          wasm_func_as_extern(c)};
  wasm_extern_vec_t iv = WASM_ARRAY_VEC(im);
  return wasm_instance_new(store, module, &iv, NULL);
}

int main(void) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = setup(TEXT, &engine, &store);

  int* ten = malloc(sizeof(int));
  *ten = 10;
  wasm_functype_t* t_add =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* add =
      wasm_func_new_with_env(store, t_add, add_env, ten, finalize_env);
  CHECK(add);
  wasm_functype_t* t_swap = wasm_functype_new_3_2(
      wasm_valtype_new_i64(), wasm_valtype_new_f64(), wasm_valtype_new_i32(),
      wasm_valtype_new_f64(), wasm_valtype_new_i64());
  wasm_func_t* sw = wasm_func_new(store, t_swap, swap);
  CHECK(wasm_func_param_arity(sw) == 3 && wasm_func_result_arity(sw) == 2);

  /* The re-entering import gets its target once the instance exists:
   * a table of one slot the host fills in later. */
  wasm_func_t* target_slot[1] = {NULL};
  wasm_func_t* re = wasm_func_new_with_env(store, t_add, reenter, NULL, NULL);
  wasm_func_delete(re);
  (void)target_slot;

  /* Direct call of a host function. */
  wasm_val_t a[1] = {WASM_I32_VAL(5)}, r[2];
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = {1, r};
  CHECK(wasm_func_call(add, &av, &rv) == NULL && r[0].of.i32 == 15);

  /* Instantiate with a first instance's export as the re-entry target. */
  wasm_functype_t* t_re = wasm_functype_copy(t_add);
  wasm_func_t* dummy = wasm_func_new_with_env(store, t_re, add_env, ten, NULL);
  wasm_instance_t* first = instantiate3(store, module, add, sw, dummy);
  CHECK(first);
  wasm_extern_vec_t ex1;
  wasm_instance_exports(first, &ex1);
  wasm_func_t* triple = wasm_extern_as_func(ex1.data[3]);
  wasm_func_t* re2 = wasm_func_new_with_env(store, t_re, reenter, triple, NULL);
  wasm_instance_t* inst = instantiate3(store, module, add, sw, re2);
  CHECK(inst);
  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);
  CHECK(ex.size == 7);

  calls = 0;
  CHECK(wasm_func_call(wasm_extern_as_func(ex.data[1]), &av, &rv) == NULL);
  CHECK(r[0].of.i32 == 25 && calls == 2);

  wasm_val_t sa[3] = {WASM_I64_VAL(100), WASM_F64_VAL(1.5), WASM_I32_VAL(-1)};
  wasm_val_vec_t sav = WASM_ARRAY_VEC(sa), srv = {2, r};
  CHECK(wasm_func_call(wasm_extern_as_func(ex.data[2]), &sav, &srv) == NULL);
  CHECK(r[0].kind == WASM_F64 && r[0].of.f64 == 3.0);
  CHECK(r[1].kind == WASM_I64 && r[1].of.i64 == 99);

  /* wasm -> host -> wasm. */
  CHECK(wasm_func_call(wasm_extern_as_func(ex.data[4]), &av, &rv) == NULL);
  CHECK(r[0].of.i32 == 18);

  /* Functions as values: through a funcref parameter and result, and
   * called through a table. */
  wasm_val_t fa[1] = {{.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(triple)}}};
  wasm_val_vec_t fav = WASM_ARRAY_VEC(fa);
  CHECK(wasm_func_call(wasm_extern_as_func(ex.data[5]), &fav, &rv) == NULL);
  CHECK(r[0].kind == WASM_FUNCREF && r[0].of.ref != NULL);
  CHECK(wasm_func_same(wasm_ref_as_func(r[0].of.ref), triple));
  wasm_val_t copy;
  wasm_val_copy(&copy, &r[0]);
  CHECK(copy.of.ref != r[0].of.ref && wasm_ref_same(copy.of.ref, r[0].of.ref));
  wasm_val_delete(&copy);
  wasm_val_delete(&r[0]);
  wasm_val_t null_f[1] = {{.kind = WASM_FUNCREF, .of = {.ref = NULL}}};
  wasm_val_vec_t nfv = WASM_ARRAY_VEC(null_f);
  CHECK(wasm_func_call(wasm_extern_as_func(ex.data[5]), &nfv, &rv) == NULL);
  CHECK(r[0].kind == WASM_FUNCREF && r[0].of.ref == NULL);

  wasm_functype_t* t_none = wasm_functype_new_0_0();
  wasm_func_t* noop = wasm_func_new(store, t_none, nothing);
  wasm_val_t na[1] = {{.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(noop)}}};
  wasm_val_vec_t nav = WASM_ARRAY_VEC(na), no_results = WASM_EMPTY_VEC;
  calls = 0;
  CHECK(wasm_func_call(wasm_extern_as_func(ex.data[6]), &nav, &no_results) == NULL);
  CHECK(calls == 1);
  /* A NULL args vector is taken as empty. */
  CHECK(wasm_func_call(noop, NULL, &no_results) == NULL && calls == 2);

  /* A host function's type. */
  wasm_functype_t* got = wasm_func_type(sw);
  CHECK(wasm_functype_params(got)->size == 3 &&
        wasm_valtype_kind(wasm_functype_results(got)->data[0]) == WASM_F64);
  wasm_functype_delete(got);

  wasm_extern_vec_delete(&ex);
  wasm_extern_vec_delete(&ex1);
  wasm_instance_delete(inst);
  wasm_instance_delete(first);
  wasm_func_delete(add);
  wasm_func_delete(sw);
  wasm_func_delete(re2);
  wasm_func_delete(dummy);
  wasm_func_delete(noop);
  wasm_functype_delete(t_add);
  wasm_functype_delete(t_swap);
  wasm_functype_delete(t_re);
  wasm_functype_delete(t_none);
  wasm_module_delete(module);
  /* The environment's finalizer runs once, when its function goes with
   * the store; `dummy` had none. */
  CHECK(finalized == 0);
  wasm_store_delete(store);
  CHECK(finalized == 10);
  free(ten);
  wasm_engine_delete(engine);
  puts("funcs: ok");
  return 0;
}
