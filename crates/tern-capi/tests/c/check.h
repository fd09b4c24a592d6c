/* Helpers shared by the C API tests. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tern.h>
#include <wasm.h>

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                 \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

/* A binary module from text (tern_wat2wasm), checked. */
static inline void wat(wasm_byte_vec_t* out, const char* text) {
  if (!tern_wat2wasm(text, strlen(text), out)) {
    wasm_message_t m;
    tern_error_message(&m);
    fprintf(stderr, "bad test module: %s\n", m.data);
    wasm_byte_vec_delete(&m);
    exit(1);
  }
}

/* A module from text. */
static inline wasm_module_t* module_from_wat(wasm_store_t* store,
                                             const char* text) {
  wasm_byte_vec_t bin;
  wat(&bin, text);
  wasm_module_t* m = wasm_module_new(store, &bin);
  wasm_byte_vec_delete(&bin);
  CHECK(m != NULL);
  return m;
}

/* A new engine and store, and the module `text` in that store. */
static inline wasm_module_t* setup(const char* text, wasm_engine_t** engine,
                                   wasm_store_t** store) {
  *engine = wasm_engine_new();
  *store = wasm_store_new(*engine);
  return module_from_wat(*store, text);
}

/* Whether a name equals a C string. */
static inline int name_is(const wasm_name_t* n, const char* s) {
  return n->size == strlen(s) && memcmp(n->data, s, n->size) == 0;
}

/* Whether a trap's message contains `s`; deletes the trap. */
static inline int trap_says(wasm_trap_t* trap, const char* s) {
  if (!trap) return 0;
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  int ok = m.size > 0 && m.data[m.size - 1] == '\0' && strstr(m.data, s);
  if (!ok) fprintf(stderr, "trap message: %.*s\n", (int)m.size, m.data);
  wasm_byte_vec_delete(&m);
  wasm_trap_delete(trap);
  return ok;
}

#endif
