/* References: foreign objects, identity, copies, conversions for every
 * reference kind, host info and finalizers, references through wasm. */
#include "check.h"

static int finalized[16];

static void fin(void* p) { finalized[*(int*)p]++; }

static int ids[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static const char* TEXT =
    "(module\n"
    "  (global $g (export \"g\") (mut externref) (ref.null extern))\n"
    "  (table $t (export \"t\") 2 externref)\n"
    "  (func (export \"id\") (param externref) (result externref) (local.get 0))\n"
    "  (func (export \"keep\") (param externref) (global.set $g (local.get 0)))\n"
    "  (func (export \"get\") (result externref) (global.get $g))\n"
    "  (func (export \"put\") (param i32 externref)\n"
    "    (table.set $t (local.get 0) (local.get 1)))\n"
    "  (func (export \"take\") (param i32) (result externref)\n"
    "    (table.get $t (local.get 0)))\n"
    "  (func (export \"is_null\") (param externref) (result i32)\n"
    "    (ref.is_null (local.get 0))))\n";

static wasm_ref_t* call_ref(wasm_func_t* f, wasm_ref_t* arg) {
  wasm_val_t a[1] = {WASM_REF_VAL(arg)}, r[1];
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  CHECK(wasm_func_call(f, &av, &rv) == NULL);
  CHECK(r[0].kind == WASM_EXTERNREF);
  return r[0].of.ref;
}

static wasm_trap_t* echo(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_val_copy(&results->data[0], &args->data[0]);
  return NULL;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = module_from_wat(store, TEXT);
  wasm_extern_vec_t no_imports = WASM_EMPTY_VEC;
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_instance_t* inst = wasm_instance_new(store, module, &no_imports, NULL);
  CHECK(inst);
  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);
  wasm_global_t* g = wasm_extern_as_global(ex.data[0]);
  wasm_table_t* t = wasm_extern_as_table(ex.data[1]);
  wasm_func_t* id = wasm_extern_as_func(ex.data[2]);
  wasm_func_t* keep = wasm_extern_as_func(ex.data[3]);
  wasm_func_t* get = wasm_extern_as_func(ex.data[4]);

  /* Foreign objects: identity, copies, host info. */
  wasm_foreign_t* fa = wasm_foreign_new(store);
  wasm_foreign_t* fb = wasm_foreign_new(store);
  CHECK(fa && fb && !wasm_foreign_same(fa, fb));
  wasm_foreign_t* fa2 = wasm_foreign_copy(fa);
  CHECK(wasm_foreign_same(fa, fa2));
  wasm_foreign_set_host_info_with_finalizer(fa, &ids[1], fin);
  CHECK(wasm_foreign_get_host_info(fa2) == &ids[1]);
  CHECK(wasm_foreign_get_host_info(fb) == NULL);
  wasm_foreign_set_host_info(fb, &ids[9]);
  CHECK(wasm_foreign_get_host_info(fb) == &ids[9]);
  wasm_ref_t* ra = wasm_foreign_as_ref(fa);
  CHECK(wasm_ref_as_foreign(ra) == fa && wasm_ref_as_func(ra) == NULL);
  CHECK(wasm_ref_as_foreign_const(wasm_foreign_as_ref_const(fa)) == fa);
  CHECK(wasm_ref_get_host_info(ra) == &ids[1]);
  wasm_ref_t* rcopy = wasm_ref_copy(ra);
  CHECK(wasm_ref_same(rcopy, ra) && wasm_ref_as_foreign(rcopy) != NULL);
  wasm_ref_set_host_info(rcopy, &ids[1]); /* runs the old finalizer */
  CHECK(finalized[1] == 1);
  wasm_ref_set_host_info_with_finalizer(rcopy, &ids[11], fin);
  wasm_ref_delete(rcopy);
  wasm_foreign_delete(fa2);

  /* Through wasm and back: the same object. */
  wasm_ref_t* back = call_ref(id, wasm_foreign_as_ref(fa));
  CHECK(back && wasm_ref_same(back, wasm_foreign_as_ref(fa)));
  CHECK(wasm_foreign_get_host_info(wasm_ref_as_foreign(back)) == &ids[11]);
  wasm_ref_delete(back);
  CHECK(call_ref(id, NULL) == NULL);

  /* Kept in a global by wasm, read by the host. */
  wasm_val_t ka[1] = {WASM_REF_VAL(wasm_foreign_as_ref(fb))};
  wasm_val_vec_t kav = WASM_ARRAY_VEC(ka);
  CHECK(wasm_func_call(keep, &kav, &none) == NULL);
  wasm_val_t gv;
  wasm_global_get(g, &gv);
  CHECK(gv.kind == WASM_EXTERNREF && wasm_ref_same(gv.of.ref, wasm_foreign_as_ref(fb)));
  wasm_val_delete(&gv);
  wasm_val_t sv = WASM_REF_VAL(wasm_foreign_as_ref(fa));
  wasm_global_set(g, &sv);
  wasm_val_t gr[1];
  wasm_val_vec_t grv = WASM_ARRAY_VEC(gr);
  CHECK(wasm_func_call(get, &none, &grv) == NULL);
  CHECK(wasm_ref_same(gr[0].of.ref, wasm_foreign_as_ref(fa)));
  wasm_val_delete(&gr[0]);

  /* Tables of externref. */
  CHECK(wasm_table_set(t, 0, wasm_foreign_as_ref(fb)));
  wasm_ref_t* e0 = wasm_table_get(t, 0);
  CHECK(wasm_ref_same(e0, wasm_foreign_as_ref(fb)));
  wasm_ref_delete(e0);
  CHECK(wasm_table_get(t, 1) == NULL);
  CHECK(wasm_table_grow(t, 2, wasm_foreign_as_ref(fa)));
  wasm_ref_t* e3 = wasm_table_get(t, 3);
  CHECK(wasm_ref_same(e3, wasm_foreign_as_ref(fa)));
  wasm_ref_delete(e3);

  /* Any reference can be an externref: a function, a module, a trap. */
  wasm_ref_t* fr = call_ref(id, wasm_func_as_ref(keep));
  CHECK(wasm_ref_as_func(fr) && wasm_func_same(wasm_ref_as_func(fr), keep));
  wasm_ref_delete(fr);
  wasm_ref_t* mr = call_ref(id, wasm_module_as_ref(module));
  CHECK(wasm_module_same(wasm_ref_as_module(mr), module));
  wasm_ref_delete(mr);

  /* A host function passing references through. */
  wasm_functype_t* t_echo = wasm_functype_new_1_1(wasm_valtype_new_externref(),
                                                  wasm_valtype_new_externref());
  wasm_func_t* ech = wasm_func_new(store, t_echo, echo);
  wasm_ref_t* er = call_ref(ech, wasm_foreign_as_ref(fb));
  CHECK(wasm_ref_same(er, wasm_foreign_as_ref(fb)));
  wasm_ref_delete(er);
  wasm_functype_delete(t_echo);

  /* Every store object kind: copy, same, as_ref and back, host info. */
  wasm_func_t* idc = wasm_func_copy(id);
  CHECK(wasm_func_same(idc, id) && !wasm_func_same(idc, keep));
  CHECK(wasm_ref_as_func(wasm_func_as_ref(id)) == id);
  CHECK(wasm_ref_as_func_const(wasm_func_as_ref_const(id)) == id);
  CHECK(wasm_ref_as_global(wasm_func_as_ref(id)) == NULL);
  wasm_func_set_host_info_with_finalizer(idc, &ids[2], fin);
  CHECK(wasm_func_get_host_info(id) == &ids[2]);
  wasm_func_delete(idc);

  wasm_global_t* gc = wasm_global_copy(g);
  CHECK(wasm_global_same(gc, g));
  CHECK(wasm_ref_as_global(wasm_global_as_ref(g)) == g);
  CHECK(wasm_ref_as_global_const(wasm_global_as_ref_const(g)) == g);
  wasm_global_set_host_info_with_finalizer(g, &ids[3], fin);
  CHECK(wasm_global_get_host_info(gc) == &ids[3]);
  wasm_global_delete(gc);

  wasm_table_t* tc = wasm_table_copy(t);
  CHECK(wasm_table_same(tc, t));
  CHECK(wasm_ref_as_table(wasm_table_as_ref(t)) == t);
  CHECK(wasm_ref_as_table_const(wasm_table_as_ref_const(t)) == t);
  wasm_table_set_host_info_with_finalizer(t, &ids[4], fin);
  CHECK(wasm_table_get_host_info(tc) == &ids[4]);
  wasm_table_delete(tc);

  wasm_limits_t ml = {0, 1};
  wasm_memorytype_t* mt = wasm_memorytype_new(&ml);
  wasm_memory_t* mem = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  CHECK(wasm_memory_size(mem) == 0 && wasm_memory_data_size(mem) == 0);
  wasm_memory_t* memc = wasm_memory_copy(mem);
  CHECK(wasm_memory_same(memc, mem));
  CHECK(wasm_ref_as_memory(wasm_memory_as_ref(mem)) == mem);
  CHECK(wasm_ref_as_memory_const(wasm_memory_as_ref_const(mem)) == mem);
  wasm_memory_set_host_info_with_finalizer(mem, &ids[5], fin);
  CHECK(wasm_memory_get_host_info(memc) == &ids[5]);
  wasm_memory_delete(memc);
  wasm_memory_delete(mem);

  wasm_extern_t* xc = wasm_extern_copy(ex.data[0]);
  CHECK(wasm_extern_same(xc, wasm_global_as_extern(g)));
  CHECK(wasm_ref_as_extern(wasm_extern_as_ref(xc)) == xc);
  CHECK(wasm_ref_as_extern_const(wasm_extern_as_ref_const(xc)) == xc);
  CHECK(wasm_extern_get_host_info(xc) == &ids[3]);
  wasm_extern_set_host_info(xc, &ids[3]); /* runs the old finalizer */
  CHECK(finalized[3] == 1);
  wasm_extern_set_host_info_with_finalizer(xc, &ids[3], fin);
  wasm_extern_delete(xc);
  CHECK(wasm_ref_as_extern(wasm_foreign_as_ref(fa)) == NULL);

  wasm_instance_t* ic = wasm_instance_copy(inst);
  CHECK(wasm_instance_same(ic, inst));
  CHECK(wasm_ref_as_instance(wasm_instance_as_ref(inst)) == inst);
  CHECK(wasm_ref_as_instance_const(wasm_instance_as_ref_const(inst)) == inst);
  wasm_instance_set_host_info_with_finalizer(ic, &ids[6], fin);
  CHECK(wasm_instance_get_host_info(inst) == &ids[6]);
  wasm_instance_delete(ic);

  /* Module and trap host info finalizers run with their last handle. */
  wasm_module_t* mc = wasm_module_copy(module);
  wasm_module_set_host_info_with_finalizer(mc, &ids[7], fin);
  wasm_module_delete(mc);
  CHECK(finalized[7] == 0);
  wasm_message_t m;
  wasm_name_new_from_string_nt(&m, "t");
  wasm_trap_t* trap = wasm_trap_new(store, &m);
  wasm_byte_vec_delete(&m);
  wasm_trap_set_host_info_with_finalizer(trap, &ids[8], fin);
  wasm_trap_delete(trap);
  CHECK(finalized[8] == 1);

  /* wasm_ref_t's own functions on any kind. */
  wasm_ref_t* any = wasm_ref_copy(wasm_func_as_ref(keep));
  CHECK(wasm_ref_same(any, wasm_func_as_ref(keep)));
  CHECK(!wasm_ref_same(any, wasm_func_as_ref(id)));
  wasm_ref_set_host_info_with_finalizer(any, &ids[10], fin);
  CHECK(wasm_func_get_host_info(keep) == &ids[10]);
  wasm_ref_delete(any);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(inst);
  wasm_foreign_delete(fa);
  wasm_foreign_delete(fb);
  wasm_func_delete(ech);
  wasm_module_delete(module);
  /* The module was given to wasm as an externref: the store still
   * reaches it. */
  CHECK(finalized[7] == 0);
  CHECK(finalized[11] == 0 && finalized[2] == 0);
  /* Store objects' finalizers run when the store goes, once each. */
  wasm_store_delete(store);
  CHECK(finalized[1] == 1 && finalized[11] == 1);
  CHECK(finalized[2] == 1 && finalized[3] == 2);
  CHECK(finalized[4] == 1 && finalized[5] == 1 && finalized[6] == 1);
  CHECK(finalized[10] == 1 && finalized[7] == 1);
  wasm_engine_delete(engine);
  puts("refs: ok");
  return 0;
}
