/*
 * wasm.h: the standard WebAssembly C API, as implemented by tern (libtern).
 *
 * The declarations follow the WebAssembly/wasm-c-api standard exactly
 * (names, types, layouts, enum values, signatures), so that a program
 * written against the standard header builds against this one and links
 * against libtern. tern's own additions are in tern.h.
 *
 * Ownership, in brief:
 *   - `own` marks a pointer, struct or vector whose ownership moves: an
 *     `own` parameter is taken by the callee, an `own` result (or an `out`
 *     parameter) is given to the caller, who releases it with the matching
 *     `wasm_X_delete`.
 *   - An `own` vector owns its elements too.
 *   - Deleting a reference releases that handle only; the object it names
 *     lives on while other handles or the store reach it.
 *   - Pointers returned without `own` are borrowed from their argument and
 *     live as long as it does.
 *
 * NULL arguments where the API expects an object: a function that returns
 * a pointer returns NULL, one that returns bool returns false,
 * wasm_func_call returns a trap; the others print a message naming the
 * function to stderr and abort. See README.md, "Embedding from C".
 */

#ifndef WASM_H
#define WASM_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef WASM_API_EXTERN
#if defined(_WIN32) && !defined(__MINGW32__)
#define WASM_API_EXTERN __declspec(dllimport)
#else
#define WASM_API_EXTERN
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Basic types                                                            */

typedef char byte_t;
typedef float float32_t;
typedef double float64_t;

/* Marks transfer of ownership; expands to nothing. */
#define own

#define WASM_DECLARE_OWN(name)                                            \
  typedef struct wasm_##name##_t wasm_##name##_t;                         \
  WASM_API_EXTERN void wasm_##name##_delete(own wasm_##name##_t*);

/* A vector: `size` elements at `data` (NULL when empty). */
#define WASM_DECLARE_VEC(name, ptr_or_none)                               \
  typedef struct wasm_##name##_vec_t {                                    \
    size_t size;                                                          \
    wasm_##name##_t ptr_or_none* data;                                    \
  } wasm_##name##_vec_t;                                                  \
  WASM_API_EXTERN void wasm_##name##_vec_new_empty(                       \
      own wasm_##name##_vec_t* out);                                      \
  WASM_API_EXTERN void wasm_##name##_vec_new_uninitialized(               \
      own wasm_##name##_vec_t* out, size_t);                              \
  WASM_API_EXTERN void wasm_##name##_vec_new(                             \
      own wasm_##name##_vec_t* out, size_t,                               \
      own wasm_##name##_t ptr_or_none const[]);                           \
  WASM_API_EXTERN void wasm_##name##_vec_copy(                            \
      own wasm_##name##_vec_t* out, const wasm_##name##_vec_t*);          \
  WASM_API_EXTERN void wasm_##name##_vec_delete(own wasm_##name##_vec_t*);

/* Bytes and names. */
typedef byte_t wasm_byte_t;
WASM_DECLARE_VEC(byte, )

typedef wasm_byte_vec_t wasm_name_t;

#define wasm_name wasm_byte_vec
#define wasm_name_new wasm_byte_vec_new
#define wasm_name_new_empty wasm_byte_vec_new_empty
#define wasm_name_new_new_uninitialized wasm_byte_vec_new_uninitialized
#define wasm_name_new_uninitialized wasm_byte_vec_new_uninitialized
#define wasm_name_copy wasm_byte_vec_copy
#define wasm_name_delete wasm_byte_vec_delete

/* A name of the bytes of `s`, without its terminating NUL. */
static inline void wasm_name_new_from_string(own wasm_name_t* out,
                                             own const char* s) {
  wasm_name_new(out, strlen(s), s);
}

/* A name of the bytes of `s`, with its terminating NUL. */
static inline void wasm_name_new_from_string_nt(own wasm_name_t* out,
                                                own const char* s) {
  wasm_name_new(out, strlen(s) + 1, s);
}

/* ---------------------------------------------------------------------- */
/* Configuration, engines, stores                                         */

WASM_DECLARE_OWN(config)
WASM_API_EXTERN own wasm_config_t* wasm_config_new(void);

WASM_DECLARE_OWN(engine)
WASM_API_EXTERN own wasm_engine_t* wasm_engine_new(void);
WASM_API_EXTERN own wasm_engine_t* wasm_engine_new_with_config(
    own wasm_config_t*);

WASM_DECLARE_OWN(store)
WASM_API_EXTERN own wasm_store_t* wasm_store_new(wasm_engine_t*);

/* ---------------------------------------------------------------------- */
/* Types                                                                  */

typedef uint8_t wasm_mutability_t;
enum wasm_mutability_enum {
  WASM_CONST,
  WASM_VAR,
};

typedef struct wasm_limits_t {
  uint32_t min;
  uint32_t max;
} wasm_limits_t;

/* `max` when there is no maximum. */
static const uint32_t wasm_limits_max_default = 0xffffffff;

#define WASM_DECLARE_TYPE(name)                                           \
  WASM_DECLARE_OWN(name)                                                  \
  WASM_DECLARE_VEC(name, *)                                               \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_copy(                \
      const wasm_##name##_t*);

/* Value types. */
WASM_DECLARE_TYPE(valtype)

typedef uint8_t wasm_valkind_t;
enum wasm_valkind_enum {
  WASM_I32,
  WASM_I64,
  WASM_F32,
  WASM_F64,
  WASM_EXTERNREF = 128,
  WASM_FUNCREF,
};
/* The name older versions of the standard used for WASM_EXTERNREF. */
#define WASM_ANYREF WASM_EXTERNREF

WASM_API_EXTERN own wasm_valtype_t* wasm_valtype_new(wasm_valkind_t);
WASM_API_EXTERN wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t*);

static inline bool wasm_valkind_is_num(wasm_valkind_t k) {
  return k < WASM_EXTERNREF;
}
static inline bool wasm_valkind_is_ref(wasm_valkind_t k) {
  return k >= WASM_EXTERNREF;
}
static inline bool wasm_valtype_is_num(const wasm_valtype_t* t) {
  return wasm_valkind_is_num(wasm_valtype_kind(t));
}
static inline bool wasm_valtype_is_ref(const wasm_valtype_t* t) {
  return wasm_valkind_is_ref(wasm_valtype_kind(t));
}

/* Function types. */
WASM_DECLARE_TYPE(functype)

WASM_API_EXTERN own wasm_functype_t* wasm_functype_new(
    own wasm_valtype_vec_t* params, own wasm_valtype_vec_t* results);
WASM_API_EXTERN const wasm_valtype_vec_t* wasm_functype_params(
    const wasm_functype_t*);
WASM_API_EXTERN const wasm_valtype_vec_t* wasm_functype_results(
    const wasm_functype_t*);

/* Global types. */
WASM_DECLARE_TYPE(globaltype)

WASM_API_EXTERN own wasm_globaltype_t* wasm_globaltype_new(
    own wasm_valtype_t*, wasm_mutability_t);
WASM_API_EXTERN const wasm_valtype_t* wasm_globaltype_content(
    const wasm_globaltype_t*);
WASM_API_EXTERN wasm_mutability_t wasm_globaltype_mutability(
    const wasm_globaltype_t*);

/* Table types. */
WASM_DECLARE_TYPE(tabletype)

WASM_API_EXTERN own wasm_tabletype_t* wasm_tabletype_new(
    own wasm_valtype_t*, const wasm_limits_t*);
WASM_API_EXTERN const wasm_valtype_t* wasm_tabletype_element(
    const wasm_tabletype_t*);
WASM_API_EXTERN const wasm_limits_t* wasm_tabletype_limits(
    const wasm_tabletype_t*);

/* Memory types (limits in 64 KiB pages). */
WASM_DECLARE_TYPE(memorytype)

WASM_API_EXTERN own wasm_memorytype_t* wasm_memorytype_new(
    const wasm_limits_t*);
WASM_API_EXTERN const wasm_limits_t* wasm_memorytype_limits(
    const wasm_memorytype_t*);

/* Extern types: any of the four above. */
WASM_DECLARE_TYPE(externtype)

typedef uint8_t wasm_externkind_t;
enum wasm_externkind_enum {
  WASM_EXTERN_FUNC,
  WASM_EXTERN_GLOBAL,
  WASM_EXTERN_TABLE,
  WASM_EXTERN_MEMORY,
};

WASM_API_EXTERN wasm_externkind_t wasm_externtype_kind(
    const wasm_externtype_t*);

WASM_API_EXTERN wasm_externtype_t* wasm_functype_as_externtype(
    wasm_functype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_globaltype_as_externtype(
    wasm_globaltype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_tabletype_as_externtype(
    wasm_tabletype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_memorytype_as_externtype(
    wasm_memorytype_t*);

WASM_API_EXTERN wasm_functype_t* wasm_externtype_as_functype(
    wasm_externtype_t*);
WASM_API_EXTERN wasm_globaltype_t* wasm_externtype_as_globaltype(
    wasm_externtype_t*);
WASM_API_EXTERN wasm_tabletype_t* wasm_externtype_as_tabletype(
    wasm_externtype_t*);
WASM_API_EXTERN wasm_memorytype_t* wasm_externtype_as_memorytype(
    wasm_externtype_t*);

WASM_API_EXTERN const wasm_externtype_t* wasm_functype_as_externtype_const(
    const wasm_functype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_globaltype_as_externtype_const(
    const wasm_globaltype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_tabletype_as_externtype_const(
    const wasm_tabletype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_memorytype_as_externtype_const(
    const wasm_memorytype_t*);

WASM_API_EXTERN const wasm_functype_t* wasm_externtype_as_functype_const(
    const wasm_externtype_t*);
WASM_API_EXTERN const wasm_globaltype_t* wasm_externtype_as_globaltype_const(
    const wasm_externtype_t*);
WASM_API_EXTERN const wasm_tabletype_t* wasm_externtype_as_tabletype_const(
    const wasm_externtype_t*);
WASM_API_EXTERN const wasm_memorytype_t* wasm_externtype_as_memorytype_const(
    const wasm_externtype_t*);

/* Import types. */
WASM_DECLARE_TYPE(importtype)

WASM_API_EXTERN own wasm_importtype_t* wasm_importtype_new(
    own wasm_name_t* module, own wasm_name_t* name, own wasm_externtype_t*);
WASM_API_EXTERN const wasm_name_t* wasm_importtype_module(
    const wasm_importtype_t*);
WASM_API_EXTERN const wasm_name_t* wasm_importtype_name(
    const wasm_importtype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_importtype_type(
    const wasm_importtype_t*);

/* Export types. */
WASM_DECLARE_TYPE(exporttype)

WASM_API_EXTERN own wasm_exporttype_t* wasm_exporttype_new(
    own wasm_name_t*, own wasm_externtype_t*);
WASM_API_EXTERN const wasm_name_t* wasm_exporttype_name(
    const wasm_exporttype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_exporttype_type(
    const wasm_exporttype_t*);

/* ---------------------------------------------------------------------- */
/* Values                                                                 */

struct wasm_ref_t;

/* A value: `kind` says which member of `of` is set. A reference is NULL
 * for the null reference. */
typedef struct wasm_val_t {
  wasm_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float32_t f32;
    float64_t f64;
    struct wasm_ref_t* ref;
  } of;
} wasm_val_t;

WASM_API_EXTERN void wasm_val_delete(own wasm_val_t* v);
WASM_API_EXTERN void wasm_val_copy(own wasm_val_t* out, const wasm_val_t*);

WASM_DECLARE_VEC(val, )

/* ---------------------------------------------------------------------- */
/* References                                                             */

/* What every reference type has: deletion, copying (another handle to the
 * same object), identity, and host info with an optional finalizer. */
#define WASM_DECLARE_REF_BASE(name)                                       \
  WASM_DECLARE_OWN(name)                                                  \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_copy(                \
      const wasm_##name##_t*);                                            \
  WASM_API_EXTERN bool wasm_##name##_same(const wasm_##name##_t*,         \
                                          const wasm_##name##_t*);        \
  WASM_API_EXTERN void* wasm_##name##_get_host_info(                      \
      const wasm_##name##_t*);                                            \
  WASM_API_EXTERN void wasm_##name##_set_host_info(wasm_##name##_t*,      \
                                                   void*);                \
  WASM_API_EXTERN void wasm_##name##_set_host_info_with_finalizer(        \
      wasm_##name##_t*, void*, void (*)(void*));

/* A specific reference type, viewed as a generic reference and back (the
 * results are borrowed; NULL when the reference is of another kind). */
#define WASM_DECLARE_REF(name)                                            \
  WASM_DECLARE_REF_BASE(name)                                             \
  WASM_API_EXTERN wasm_ref_t* wasm_##name##_as_ref(wasm_##name##_t*);     \
  WASM_API_EXTERN wasm_##name##_t* wasm_ref_as_##name(wasm_ref_t*);       \
  WASM_API_EXTERN const wasm_ref_t* wasm_##name##_as_ref_const(           \
      const wasm_##name##_t*);                                            \
  WASM_API_EXTERN const wasm_##name##_t* wasm_ref_as_##name##_const(      \
      const wasm_ref_t*);

/* A reference type whose objects can move to another thread, through a
 * shared form. */
#define WASM_DECLARE_SHARABLE_REF(name)                                   \
  WASM_DECLARE_REF(name)                                                  \
  WASM_DECLARE_OWN(shared_##name)                                         \
  WASM_API_EXTERN own wasm_shared_##name##_t* wasm_##name##_share(        \
      const wasm_##name##_t*);                                            \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_obtain(              \
      wasm_store_t*, const wasm_shared_##name##_t*);

WASM_DECLARE_REF_BASE(ref)

/* ---------------------------------------------------------------------- */
/* Frames and traps                                                       */

WASM_DECLARE_OWN(frame)
WASM_DECLARE_VEC(frame, *)
WASM_API_EXTERN own wasm_frame_t* wasm_frame_copy(const wasm_frame_t*);

WASM_API_EXTERN struct wasm_instance_t* wasm_frame_instance(
    const wasm_frame_t*);
WASM_API_EXTERN uint32_t wasm_frame_func_index(const wasm_frame_t*);
WASM_API_EXTERN size_t wasm_frame_func_offset(const wasm_frame_t*);
WASM_API_EXTERN size_t wasm_frame_module_offset(const wasm_frame_t*);

/* A trap message: its bytes end with a NUL, which `size` counts. */
typedef wasm_name_t wasm_message_t;

WASM_DECLARE_REF(trap)

WASM_API_EXTERN own wasm_trap_t* wasm_trap_new(wasm_store_t* store,
                                               const wasm_message_t*);
WASM_API_EXTERN void wasm_trap_message(const wasm_trap_t*,
                                       own wasm_message_t* out);
WASM_API_EXTERN own wasm_frame_t* wasm_trap_origin(const wasm_trap_t*);
WASM_API_EXTERN void wasm_trap_trace(const wasm_trap_t*,
                                     own wasm_frame_vec_t* out);

/* ---------------------------------------------------------------------- */
/* Foreign objects: host references wasm code can hold as externref.      */

WASM_DECLARE_REF(foreign)

WASM_API_EXTERN own wasm_foreign_t* wasm_foreign_new(wasm_store_t*);

/* ---------------------------------------------------------------------- */
/* Modules                                                                */

WASM_DECLARE_SHARABLE_REF(module)

WASM_API_EXTERN own wasm_module_t* wasm_module_new(
    wasm_store_t*, const wasm_byte_vec_t* binary);
WASM_API_EXTERN bool wasm_module_validate(wasm_store_t*,
                                          const wasm_byte_vec_t* binary);

WASM_API_EXTERN void wasm_module_imports(const wasm_module_t*,
                                         own wasm_importtype_vec_t* out);
WASM_API_EXTERN void wasm_module_exports(const wasm_module_t*,
                                         own wasm_exporttype_vec_t* out);

WASM_API_EXTERN void wasm_module_serialize(const wasm_module_t*,
                                           own wasm_byte_vec_t* out);
WASM_API_EXTERN own wasm_module_t* wasm_module_deserialize(
    wasm_store_t*, const wasm_byte_vec_t*);

/* ---------------------------------------------------------------------- */
/* Functions                                                              */

WASM_DECLARE_REF(func)

/* A host function: reads `args`, writes `results` (already sized to the
 * function's results), and returns NULL, or a trap it gives up. */
typedef own wasm_trap_t* (*wasm_func_callback_t)(
    const wasm_val_vec_t* args, own wasm_val_vec_t* results);
typedef own wasm_trap_t* (*wasm_func_callback_with_env_t)(
    void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results);

WASM_API_EXTERN own wasm_func_t* wasm_func_new(wasm_store_t*,
                                               const wasm_functype_t*,
                                               wasm_func_callback_t);
WASM_API_EXTERN own wasm_func_t* wasm_func_new_with_env(
    wasm_store_t*, const wasm_functype_t* type, wasm_func_callback_with_env_t,
    void* env, void (*finalizer)(void*));

WASM_API_EXTERN own wasm_functype_t* wasm_func_type(const wasm_func_t*);
WASM_API_EXTERN size_t wasm_func_param_arity(const wasm_func_t*);
WASM_API_EXTERN size_t wasm_func_result_arity(const wasm_func_t*);

/* Calls the function; NULL on success, else the trap. `results` needs room
 * for the function's results; with less, the call still runs, and returns
 * its trap, or a trap saying the results did not fit. */
WASM_API_EXTERN own wasm_trap_t* wasm_func_call(const wasm_func_t*,
                                                const wasm_val_vec_t* args,
                                                wasm_val_vec_t* results);

/* ---------------------------------------------------------------------- */
/* Globals                                                                */

WASM_DECLARE_REF(global)

WASM_API_EXTERN own wasm_global_t* wasm_global_new(wasm_store_t*,
                                                   const wasm_globaltype_t*,
                                                   const wasm_val_t*);
WASM_API_EXTERN own wasm_globaltype_t* wasm_global_type(const wasm_global_t*);
WASM_API_EXTERN void wasm_global_get(const wasm_global_t*,
                                     own wasm_val_t* out);
WASM_API_EXTERN void wasm_global_set(wasm_global_t*, const wasm_val_t*);

/* ---------------------------------------------------------------------- */
/* Tables                                                                 */

WASM_DECLARE_REF(table)

typedef uint32_t wasm_table_size_t;

WASM_API_EXTERN own wasm_table_t* wasm_table_new(wasm_store_t*,
                                                 const wasm_tabletype_t*,
                                                 wasm_ref_t* init);
WASM_API_EXTERN own wasm_tabletype_t* wasm_table_type(const wasm_table_t*);
WASM_API_EXTERN own wasm_ref_t* wasm_table_get(const wasm_table_t*,
                                               wasm_table_size_t index);
WASM_API_EXTERN bool wasm_table_set(wasm_table_t*, wasm_table_size_t index,
                                    wasm_ref_t*);
WASM_API_EXTERN wasm_table_size_t wasm_table_size(const wasm_table_t*);
WASM_API_EXTERN bool wasm_table_grow(wasm_table_t*, wasm_table_size_t delta,
                                     wasm_ref_t* init);

/* ---------------------------------------------------------------------- */
/* Memories                                                               */

WASM_DECLARE_REF(memory)

typedef uint32_t wasm_memory_pages_t;

static const size_t MEMORY_PAGE_SIZE = 0x10000;

WASM_API_EXTERN own wasm_memory_t* wasm_memory_new(wasm_store_t*,
                                                   const wasm_memorytype_t*);
WASM_API_EXTERN own wasm_memorytype_t* wasm_memory_type(const wasm_memory_t*);
WASM_API_EXTERN byte_t* wasm_memory_data(wasm_memory_t*);
WASM_API_EXTERN size_t wasm_memory_data_size(const wasm_memory_t*);
WASM_API_EXTERN wasm_memory_pages_t wasm_memory_size(const wasm_memory_t*);
WASM_API_EXTERN bool wasm_memory_grow(wasm_memory_t*,
                                      wasm_memory_pages_t delta);

/* ---------------------------------------------------------------------- */
/* Externals: a function, global, table or memory                         */

WASM_DECLARE_REF(extern)
WASM_DECLARE_VEC(extern, *)

WASM_API_EXTERN wasm_externkind_t wasm_extern_kind(const wasm_extern_t*);
WASM_API_EXTERN own wasm_externtype_t* wasm_extern_type(const wasm_extern_t*);

WASM_API_EXTERN wasm_extern_t* wasm_func_as_extern(wasm_func_t*);
WASM_API_EXTERN wasm_extern_t* wasm_global_as_extern(wasm_global_t*);
WASM_API_EXTERN wasm_extern_t* wasm_table_as_extern(wasm_table_t*);
WASM_API_EXTERN wasm_extern_t* wasm_memory_as_extern(wasm_memory_t*);

WASM_API_EXTERN wasm_func_t* wasm_extern_as_func(wasm_extern_t*);
WASM_API_EXTERN wasm_global_t* wasm_extern_as_global(wasm_extern_t*);
WASM_API_EXTERN wasm_table_t* wasm_extern_as_table(wasm_extern_t*);
WASM_API_EXTERN wasm_memory_t* wasm_extern_as_memory(wasm_extern_t*);

WASM_API_EXTERN const wasm_extern_t* wasm_func_as_extern_const(
    const wasm_func_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_global_as_extern_const(
    const wasm_global_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_table_as_extern_const(
    const wasm_table_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_memory_as_extern_const(
    const wasm_memory_t*);

WASM_API_EXTERN const wasm_func_t* wasm_extern_as_func_const(
    const wasm_extern_t*);
WASM_API_EXTERN const wasm_global_t* wasm_extern_as_global_const(
    const wasm_extern_t*);
WASM_API_EXTERN const wasm_table_t* wasm_extern_as_table_const(
    const wasm_extern_t*);
WASM_API_EXTERN const wasm_memory_t* wasm_extern_as_memory_const(
    const wasm_extern_t*);

/* ---------------------------------------------------------------------- */
/* Instances                                                              */

WASM_DECLARE_REF(instance)

/* Instantiates with `imports` in the order of the module's imports. On
 * failure returns NULL and, when `trap` is not NULL, sets *trap to a trap
 * saying why (a trap of the start function, or the link error); on
 * success sets *trap to NULL. */
WASM_API_EXTERN own wasm_instance_t* wasm_instance_new(
    wasm_store_t*, const wasm_module_t*, const wasm_extern_vec_t* imports,
    own wasm_trap_t** trap);

WASM_API_EXTERN void wasm_instance_exports(const wasm_instance_t*,
                                           own wasm_extern_vec_t* out);

/* ---------------------------------------------------------------------- */
/* Conveniences                                                           */

#define WASM_EMPTY_VEC {0, NULL}
#define WASM_ARRAY_VEC(array) {sizeof(array) / sizeof(*(array)), array}

static inline own wasm_valtype_t* wasm_valtype_new_i32(void) {
  return wasm_valtype_new(WASM_I32);
}
static inline own wasm_valtype_t* wasm_valtype_new_i64(void) {
  return wasm_valtype_new(WASM_I64);
}
static inline own wasm_valtype_t* wasm_valtype_new_f32(void) {
  return wasm_valtype_new(WASM_F32);
}
static inline own wasm_valtype_t* wasm_valtype_new_f64(void) {
  return wasm_valtype_new(WASM_F64);
}
static inline own wasm_valtype_t* wasm_valtype_new_externref(void) {
  return wasm_valtype_new(WASM_EXTERNREF);
}
static inline own wasm_valtype_t* wasm_valtype_new_anyref(void) {
  return wasm_valtype_new(WASM_EXTERNREF);
}
static inline own wasm_valtype_t* wasm_valtype_new_funcref(void) {
  return wasm_valtype_new(WASM_FUNCREF);
}

/* Function types of up to three parameters and two results: the arguments
 * are taken over. */
static inline own wasm_functype_t* tern_functype_from_arrays_(
    size_t np, own wasm_valtype_t* const ps[], size_t nr,
    own wasm_valtype_t* const rs[]) {
  wasm_valtype_vec_t params, results;
  if (np) wasm_valtype_vec_new(&params, np, ps);
  else wasm_valtype_vec_new_empty(&params);
  if (nr) wasm_valtype_vec_new(&results, nr, rs);
  else wasm_valtype_vec_new_empty(&results);
  return wasm_functype_new(&params, &results);
}

static inline own wasm_functype_t* wasm_functype_new_0_0(void) {
  return tern_functype_from_arrays_(0, NULL, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_1_0(
    own wasm_valtype_t* p) {
  wasm_valtype_t* ps[1] = {p};
  return tern_functype_from_arrays_(1, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_2_0(
    own wasm_valtype_t* p1, own wasm_valtype_t* p2) {
  wasm_valtype_t* ps[2] = {p1, p2};
  return tern_functype_from_arrays_(2, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_3_0(
    own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* p3) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  return tern_functype_from_arrays_(3, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_0_1(
    own wasm_valtype_t* r) {
  wasm_valtype_t* rs[1] = {r};
  return tern_functype_from_arrays_(0, NULL, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_1_1(
    own wasm_valtype_t* p, own wasm_valtype_t* r) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[1] = {r};
  return tern_functype_from_arrays_(1, ps, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_2_1(
    own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* r) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[1] = {r};
  return tern_functype_from_arrays_(2, ps, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_3_1(
    own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* p3,
    own wasm_valtype_t* r) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[1] = {r};
  return tern_functype_from_arrays_(3, ps, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_0_2(
    own wasm_valtype_t* r1, own wasm_valtype_t* r2) {
  wasm_valtype_t* rs[2] = {r1, r2};
  return tern_functype_from_arrays_(0, NULL, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_1_2(
    own wasm_valtype_t* p, own wasm_valtype_t* r1, own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[2] = {r1, r2};
  return tern_functype_from_arrays_(1, ps, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_2_2(
    own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* r1,
    own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[2] = {r1, r2};
  return tern_functype_from_arrays_(2, ps, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_3_2(
    own wasm_valtype_t* p1, own wasm_valtype_t* p2, own wasm_valtype_t* p3,
    own wasm_valtype_t* r1, own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[2] = {r1, r2};
  return tern_functype_from_arrays_(3, ps, 2, rs);
}

/* A pointer as an integer value of the pointer's width, and back. */
static inline void wasm_val_init_ptr(own wasm_val_t* out, void* p) {
#if UINTPTR_MAX == UINT32_MAX
  out->kind = WASM_I32;
  out->of.i32 = (intptr_t)p;
#else
  out->kind = WASM_I64;
  out->of.i64 = (intptr_t)p;
#endif
}

static inline void* wasm_val_ptr(const wasm_val_t* val) {
#if UINTPTR_MAX == UINT32_MAX
  return (void*)(intptr_t)val->of.i32;
#else
  return (void*)(intptr_t)val->of.i64;
#endif
}

#ifdef __cplusplus
#define WASM_I32_VAL(i) wasm_val_t{WASM_I32, {.i32 = (i)}}
#define WASM_I64_VAL(i) wasm_val_t{WASM_I64, {.i64 = (i)}}
#define WASM_F32_VAL(z) wasm_val_t{WASM_F32, {.f32 = (z)}}
#define WASM_F64_VAL(z) wasm_val_t{WASM_F64, {.f64 = (z)}}
#define WASM_REF_VAL(r) wasm_val_t{WASM_EXTERNREF, {.ref = (r)}}
#define WASM_INIT_VAL wasm_val_t{WASM_EXTERNREF, {.ref = NULL}}
#else
#define WASM_I32_VAL(i) {.kind = WASM_I32, .of = {.i32 = i}}
#define WASM_I64_VAL(i) {.kind = WASM_I64, .of = {.i64 = i}}
#define WASM_F32_VAL(z) {.kind = WASM_F32, .of = {.f32 = z}}
#define WASM_F64_VAL(z) {.kind = WASM_F64, .of = {.f64 = z}}
#define WASM_REF_VAL(r) {.kind = WASM_EXTERNREF, .of = {.ref = r}}
#define WASM_INIT_VAL {.kind = WASM_EXTERNREF, .of = {.ref = NULL}}
#endif

#undef own

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WASM_H */
