/* Traps: from wasm, from a host function, from a start function; their
 * messages, origins and traces; trap references. */
#include "check.h"

static wasm_trap_t* fail(void* env, const wasm_val_vec_t* args,
                         wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  wasm_message_t m;
  wasm_name_new_from_string_nt(&m, "host says no");
  wasm_trap_t* t = wasm_trap_new((wasm_store_t*)env, &m);
  wasm_byte_vec_delete(&m);
  return t;
}

static const char* TEXT =
    "(module $traps\n"
    "  (import \"\" \"fail\" (func $fail))\n"
    "  (func $div (export \"div\") (param i32 i32) (result i32)\n"
    "    (i32.div_s (local.get 0) (local.get 1)))\n"
    "  (func $inner (unreachable))\n"
    "  (func (export \"outer\") (call $inner))\n"
    "  (func (export \"host\") (call $fail)))\n";

int main(void) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = setup(TEXT, &engine, &store);
  wasm_functype_t* t0 = wasm_functype_new_0_0();
  wasm_func_t* host = wasm_func_new_with_env(store, t0, fail, store, NULL);
  wasm_extern_t* ims[1] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t iv = WASM_ARRAY_VEC(ims);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* inst = wasm_instance_new(store, module, &iv, &trap);
  CHECK(inst && !trap);
  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);

  /* A trap from wasm code. */
  wasm_val_t a[2] = {WASM_I32_VAL(1), WASM_I32_VAL(0)}, r[1];
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  trap = wasm_func_call(wasm_extern_as_func(ex.data[0]), &av, &rv);
  CHECK(trap);
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  CHECK(msg.size > 1 && msg.data[msg.size - 1] == '\0');
  CHECK(strstr(msg.data, "divide by zero"));
  wasm_byte_vec_delete(&msg);
  wasm_frame_t* origin = wasm_trap_origin(trap);
  CHECK(origin);
  CHECK(wasm_frame_func_index(origin) == 1);
  CHECK(wasm_instance_same(wasm_frame_instance(origin), inst));
  /* i32.div_s follows the (empty) local declarations and two
   * local.gets: byte 5 of the body, on either tier. */
  CHECK(wasm_frame_func_offset(origin) == 5);
  CHECK(wasm_frame_module_offset(origin) > 5);
  wasm_frame_t* oc = wasm_frame_copy(origin);
  CHECK(wasm_frame_func_index(oc) == 1);
  wasm_frame_delete(oc);
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);

  /* A results vector with no room does not stop the call: the wasm trap
   * comes back as it is; a call that returns reports the missing room. */
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  CHECK(trap_says(wasm_func_call(wasm_extern_as_func(ex.data[0]), &av, &none),
                  "divide by zero"));
  CHECK(trap_says(wasm_func_call(wasm_extern_as_func(ex.data[0]), &av, NULL),
                  "divide by zero"));
  a[1].of.i32 = 1;
  CHECK(trap_says(wasm_func_call(wasm_extern_as_func(ex.data[0]), &av, &none),
                  "no room"));

  /* A trace of two frames, innermost first. */
  trap = wasm_func_call(wasm_extern_as_func(ex.data[1]), &none, &none);
  CHECK(trap);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 2);
  CHECK(wasm_frame_func_index(trace.data[0]) == 2);
  CHECK(wasm_frame_func_index(trace.data[1]) == 3);
  wasm_frame_vec_t tc;
  wasm_frame_vec_copy(&tc, &trace);
  CHECK(tc.size == 2 && wasm_frame_func_index(tc.data[1]) == 3);
  wasm_frame_vec_delete(&tc);
  wasm_frame_vec_delete(&trace);
  wasm_frame_vec_new_empty(&trace);
  wasm_frame_vec_delete(&trace);
  wasm_frame_vec_new_uninitialized(&trace, 1);
  CHECK(trace.data[0] == NULL);
  wasm_frame_vec_delete(&trace);
  CHECK(trap_says(trap, "unreachable"));

  /* A trap from a host function, through wasm: its message survives. */
  trap = wasm_func_call(wasm_extern_as_func(ex.data[2]), &none, &none);
  CHECK(trap_says(trap, "host says no"));
  /* And called directly. */
  trap = wasm_func_call(host, &none, &none);
  CHECK(trap_says(trap, "host says no"));

  /* A trap made by the host: no frames; references to it. */
  wasm_message_t m;
  wasm_name_new_from_string_nt(&m, "made here");
  trap = wasm_trap_new(store, &m);
  wasm_byte_vec_delete(&m);
  CHECK(wasm_trap_origin(trap) == NULL);
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 0);
  wasm_frame_vec_delete(&trace);
  wasm_trap_t* tcopy = wasm_trap_copy(trap);
  CHECK(wasm_trap_same(tcopy, trap));
  wasm_ref_t* tr = wasm_trap_as_ref(trap);
  CHECK(wasm_ref_as_trap(tr) == trap && wasm_ref_as_module(tr) == NULL);
  CHECK(wasm_ref_as_trap_const(wasm_trap_as_ref_const(trap)) == trap);
  int info;
  wasm_trap_set_host_info(trap, &info);
  CHECK(wasm_trap_get_host_info(tcopy) == &info);
  wasm_trap_delete(tcopy);
  CHECK(trap_says(trap, "made here"));
  /* A message without its NUL is given one. */
  wasm_byte_vec_new(&m, 3, "abc");
  trap = wasm_trap_new(store, &m);
  wasm_byte_vec_delete(&m);
  wasm_trap_message(trap, &m);
  CHECK(m.size == 4 && strcmp(m.data, "abc") == 0);
  wasm_byte_vec_delete(&m);
  wasm_trap_delete(trap);

  /* A start function that traps: instantiation fails with the trap. */
  wasm_module_t* bad = module_from_wat(
      store, "(module (func $s (i32.div_u (i32.const 1) (i32.const 0)) drop) (start $s))");
  wasm_extern_vec_t no_imports = WASM_EMPTY_VEC;
  trap = NULL;
  CHECK(wasm_instance_new(store, bad, &no_imports, &trap) == NULL);
  CHECK(trap);
  origin = wasm_trap_origin(trap);
  CHECK(origin && wasm_frame_func_index(origin) == 0);
  wasm_frame_delete(origin);
  CHECK(trap_says(trap, "divide by zero"));
  /* Without a trap out-parameter it just fails. */
  CHECK(wasm_instance_new(store, bad, &no_imports, NULL) == NULL);
  wasm_module_delete(bad);

  /* An instance after the failed ones still reports its frames. */
  wasm_instance_t* again = wasm_instance_new(store, module, &iv, NULL);
  wasm_extern_vec_t ex2;
  wasm_instance_exports(again, &ex2);
  trap = wasm_func_call(wasm_extern_as_func(ex2.data[1]), &none, &none);
  origin = wasm_trap_origin(trap);
  CHECK(origin && wasm_instance_same(wasm_frame_instance(origin), again));
  CHECK(!wasm_instance_same(wasm_frame_instance(origin), inst));
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
  wasm_extern_vec_delete(&ex2);
  wasm_instance_delete(again);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(inst);
  wasm_func_delete(host);
  wasm_functype_delete(t0);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  puts("traps: ok");
  return 0;
}
