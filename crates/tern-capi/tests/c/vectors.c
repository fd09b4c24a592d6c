/* Byte and value vectors, names, values; config, engine, store. */
#include "check.h"

int main(void) {
  wasm_byte_vec_t b, c;
  wasm_byte_vec_new_empty(&b);
  CHECK(b.size == 0 && b.data == NULL);
  wasm_byte_vec_delete(&b);
  wasm_byte_vec_new_uninitialized(&b, 5);
  CHECK(b.size == 5 && b.data);
  memcpy(b.data, "hello", 5);
  wasm_byte_vec_copy(&c, &b);
  CHECK(c.size == 5 && c.data != b.data && memcmp(c.data, "hello", 5) == 0);
  wasm_byte_vec_delete(&b);
  CHECK(b.size == 0 && b.data == NULL);
  wasm_byte_vec_delete(&c);
  wasm_byte_vec_new(&b, 3, "abc");
  CHECK(b.size == 3 && memcmp(b.data, "abc", 3) == 0);
  wasm_byte_vec_delete(&b);

  wasm_name_t n;
  wasm_name_new_from_string(&n, "name");
  CHECK(n.size == 4);
  wasm_name_t n2;
  wasm_name_copy(&n2, &n);
  CHECK(name_is(&n2, "name"));
  wasm_name_delete(&n);
  wasm_name_delete(&n2);
  wasm_name_new_from_string_nt(&n, "nt");
  CHECK(n.size == 3 && n.data[2] == '\0');
  wasm_name_delete(&n);

  /* Values. */
  wasm_val_t vals[4] = {WASM_I32_VAL(-7), WASM_I64_VAL(1LL << 40),
                        WASM_F32_VAL(1.5f), WASM_F64_VAL(-2.25)};
  wasm_val_vec_t vv, vc;
  wasm_val_vec_new(&vv, 4, vals);
  wasm_val_vec_copy(&vc, &vv);
  CHECK(vc.size == 4 && vc.data[0].kind == WASM_I32 && vc.data[0].of.i32 == -7);
  CHECK(vc.data[1].of.i64 == (1LL << 40) && vc.data[2].of.f32 == 1.5f);
  CHECK(vc.data[3].kind == WASM_F64 && vc.data[3].of.f64 == -2.25);
  wasm_val_vec_delete(&vv);
  wasm_val_vec_delete(&vc);
  wasm_val_vec_new_uninitialized(&vv, 2);
  CHECK(vv.size == 2);
  wasm_val_vec_delete(&vv);
  wasm_val_vec_new_empty(&vv);
  wasm_val_vec_delete(&vv);
  wasm_val_t v = WASM_I32_VAL(3), w;
  wasm_val_copy(&w, &v);
  CHECK(w.kind == WASM_I32 && w.of.i32 == 3);
  wasm_val_delete(&w);
  wasm_val_t null_ref = WASM_INIT_VAL;
  wasm_val_copy(&w, &null_ref);
  CHECK(w.kind == WASM_EXTERNREF && w.of.ref == NULL);
  wasm_val_delete(&w);
  int x = 5;
  wasm_val_init_ptr(&v, &x);
  CHECK(wasm_val_ptr(&v) == &x);

  /* Config, engine, store. */
  wasm_config_t* config = wasm_config_new();
  CHECK(config);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  CHECK(engine);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store);
  wasm_store_t* store2 = wasm_store_new(engine);
  wasm_store_delete(store);
  wasm_store_delete(store2);
  wasm_engine_delete(engine);
  wasm_config_delete(wasm_config_new());
  engine = wasm_engine_new();
  CHECK(engine);
  wasm_engine_delete(engine);

  puts("vectors: ok");
  return 0;
}
