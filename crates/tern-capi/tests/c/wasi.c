/* WASI preview1 through tern.h: arguments, environment, stdout, a
 * pre-opened directory, proc_exit's status; a module mixing WASI and
 * host imports. */
#include <stdint.h>

#include "check.h"

static const char* TEXT =
    "(module\n"
    "  (import \"wasi_snapshot_preview1\" \"args_sizes_get\"\n"
    "    (func $args_sizes (param i32 i32) (result i32)))\n"
    "  (import \"env\" \"base\" (func $base (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"environ_sizes_get\"\n"
    "    (func $env_sizes (param i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_write\"\n"
    "    (func $write (param i32 i32 i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"fd_prestat_get\"\n"
    "    (func $prestat (param i32 i32) (result i32)))\n"
    "  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 100) \"wasi says hi\\n\")\n"
    "  (func (export \"_start\")\n"
    "    (drop (call $args_sizes (i32.const 0) (i32.const 4)))\n"
    "    (drop (call $env_sizes (i32.const 8) (i32.const 12)))\n"
    "    (i32.store (i32.const 16) (i32.const 100))\n"
    "    (i32.store (i32.const 20) (i32.const 13))\n"
    "    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))\n"
    "    ;; exit status: base + 10*argc + env count + 100*(fd 3 is a preopen)\n"
    "    (call $exit\n"
    "      (i32.add (call $base)\n"
    "        (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 10))\n"
    "          (i32.add (i32.load (i32.const 8))\n"
    "            (i32.mul (i32.eqz (call $prestat (i32.const 3) (i32.const 32)))\n"
    "                     (i32.const 100))))))))\n";

static wasm_trap_t* base(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0] = (wasm_val_t)WASM_I32_VAL(1000);
  return NULL;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = module_from_wat(store, TEXT);

  tern_wasi_config_t* wasi = tern_wasi_config_new();
  const char* argv[] = {"prog", "a", "b"};
  tern_wasi_config_set_argv(wasi, 3, argv);
  const char* names[] = {"K1", "K2"};
  const char* values[] = {"v1", "v2"};
  tern_wasi_config_set_env(wasi, 2, names, values);
  tern_wasi_config_inherit_stdout(wasi);
  CHECK(tern_wasi_config_preopen_dir(wasi, ".", "/work"));
  CHECK(!tern_wasi_config_preopen_dir(wasi, "/no/such/dir", "/x"));
  tern_store_set_wasi(store, wasi);

  wasm_extern_vec_t imports;
  CHECK(tern_wasi_imports(store, module, &imports));
  CHECK(imports.size == 6);
  CHECK(imports.data[1] == NULL);
  for (size_t i = 0; i < 6; i++)
    CHECK((imports.data[i] != NULL) == (i != 1));
  CHECK(wasm_extern_kind(imports.data[0]) == WASM_EXTERN_FUNC);
  wasm_functype_t* bt = wasm_functype_new_0_1(wasm_valtype_new_i32());
  imports.data[1] = wasm_func_as_extern(wasm_func_new(store, bt, base));
  wasm_functype_delete(bt);

  wasm_trap_t* trap = NULL;
  wasm_instance_t* inst = wasm_instance_new(store, module, &imports, &trap);
  CHECK(inst && !trap);
  wasm_extern_vec_t ex;
  wasm_instance_exports(inst, &ex);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(wasm_extern_as_func(ex.data[1]), &none, &none);
  CHECK(trap);
  int status = -1;
  CHECK(tern_trap_exit_status(trap, &status));
  CHECK(status == 1000 + 30 + 2 + 100);
  wasm_trap_delete(trap);
  /* Written to the memory by the WASI calls. */
  byte_t* mem = wasm_memory_data(wasm_extern_as_memory(ex.data[0]));
  CHECK(*(uint32_t*)(mem + 24) == 13);

  /* Another trap is not an exit. */
  wasm_message_t m;
  wasm_name_new_from_string_nt(&m, "x");
  trap = wasm_trap_new(store, &m);
  wasm_byte_vec_delete(&m);
  CHECK(!tern_trap_exit_status(trap, &status));
  wasm_trap_delete(trap);

  /* A module importing a WASI name that does not exist. */
  wasm_module_t* bad = module_from_wat(
      store, "(module (import \"wasi_snapshot_preview1\" \"nope\" (func)))");
  wasm_extern_vec_t bad_imports;
  CHECK(!tern_wasi_imports(store, bad, &bad_imports));
  CHECK(bad_imports.size == 1 && bad_imports.data[0] == NULL);
  wasm_extern_vec_delete(&bad_imports);
  wasm_module_delete(bad);

  wasm_extern_vec_delete(&ex);
  wasm_extern_vec_delete(&imports);
  wasm_instance_delete(inst);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  puts("wasi: ok");
  return 0;
}
