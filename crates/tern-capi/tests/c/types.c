/* Value, function, global, table, memory, extern, import and export
 * types: construction, accessors, copies, conversions. */
#include "check.h"

int main(void) {
  /* Value types. */
  wasm_valkind_t kinds[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64,
                            WASM_EXTERNREF, WASM_FUNCREF};
  for (size_t i = 0; i < sizeof kinds; i++) {
    wasm_valtype_t* t = wasm_valtype_new(kinds[i]);
    CHECK(t && wasm_valtype_kind(t) == kinds[i]);
    wasm_valtype_t* c = wasm_valtype_copy(t);
    CHECK(c && c != t && wasm_valtype_kind(c) == kinds[i]);
    CHECK(wasm_valtype_is_num(t) == (i < 4));
    CHECK(wasm_valtype_is_ref(t) == (i >= 4));
    wasm_valtype_delete(t);
    wasm_valtype_delete(c);
  }
  CHECK(WASM_EXTERNREF == 128 && WASM_FUNCREF == 129);
  CHECK(wasm_valtype_new(77) == NULL);

  /* Function types. */
  wasm_functype_t* ft = wasm_functype_new_2_1(
      wasm_valtype_new_i32(), wasm_valtype_new_f64(), wasm_valtype_new_i64());
  CHECK(ft);
  const wasm_valtype_vec_t* ps = wasm_functype_params(ft);
  const wasm_valtype_vec_t* rs = wasm_functype_results(ft);
  CHECK(ps->size == 2 && wasm_valtype_kind(ps->data[0]) == WASM_I32 &&
        wasm_valtype_kind(ps->data[1]) == WASM_F64);
  CHECK(rs->size == 1 && wasm_valtype_kind(rs->data[0]) == WASM_I64);
  wasm_functype_t* ft2 = wasm_functype_copy(ft);
  CHECK(wasm_functype_params(ft2)->size == 2);
  CHECK(wasm_functype_params(ft2)->data[0] != ps->data[0]);
  wasm_functype_t* f00 = wasm_functype_new_0_0();
  CHECK(wasm_functype_params(f00)->size == 0 &&
        wasm_functype_results(f00)->size == 0);
  wasm_functype_t* f32 = wasm_functype_new_3_2(
      wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32(),
      wasm_valtype_new_externref(), wasm_valtype_new_funcref());
  CHECK(wasm_functype_params(f32)->size == 3 &&
        wasm_valtype_kind(wasm_functype_results(f32)->data[1]) == WASM_FUNCREF);

  /* Global types. */
  wasm_globaltype_t* gt =
      wasm_globaltype_new(wasm_valtype_new_f32(), WASM_VAR);
  CHECK(gt && wasm_globaltype_mutability(gt) == WASM_VAR);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_F32);
  wasm_globaltype_t* gt2 = wasm_globaltype_copy(gt);
  CHECK(wasm_globaltype_mutability(gt2) == WASM_VAR);

  /* Table types. */
  wasm_limits_t tl = {2, 10};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &tl);
  CHECK(tt);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_FUNCREF);
  CHECK(wasm_tabletype_limits(tt)->min == 2 &&
        wasm_tabletype_limits(tt)->max == 10);
  CHECK(wasm_tabletype_new(wasm_valtype_new_i32(), &tl) == NULL);

  /* Memory types. */
  wasm_limits_t ml = {1, wasm_limits_max_default};
  wasm_memorytype_t* mt = wasm_memorytype_new(&ml);
  CHECK(wasm_memorytype_limits(mt)->min == 1 &&
        wasm_memorytype_limits(mt)->max == 0xffffffffu);
  wasm_memorytype_t* mt2 = wasm_memorytype_copy(mt);
  CHECK(wasm_memorytype_limits(mt2)->min == 1);

  /* Extern types: conversions both ways, const forms, kinds. */
  wasm_externtype_t* e = wasm_functype_as_externtype(ft);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_FUNC);
  CHECK(wasm_externtype_as_functype(e) == ft);
  CHECK(wasm_externtype_as_globaltype(e) == NULL);
  CHECK(wasm_externtype_as_functype_const(wasm_functype_as_externtype_const(ft)) == ft);
  CHECK(wasm_externtype_kind(wasm_globaltype_as_externtype(gt)) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_externtype_as_globaltype(wasm_globaltype_as_externtype(gt)) == gt);
  CHECK(wasm_externtype_as_globaltype_const(wasm_globaltype_as_externtype_const(gt)) == gt);
  CHECK(wasm_externtype_kind(wasm_tabletype_as_externtype(tt)) == WASM_EXTERN_TABLE);
  CHECK(wasm_externtype_as_tabletype(wasm_tabletype_as_externtype(tt)) == tt);
  CHECK(wasm_externtype_as_tabletype_const(wasm_tabletype_as_externtype_const(tt)) == tt);
  CHECK(wasm_externtype_as_memorytype(wasm_tabletype_as_externtype(tt)) == NULL);
  CHECK(wasm_externtype_kind(wasm_memorytype_as_externtype(mt)) == WASM_EXTERN_MEMORY);
  CHECK(wasm_externtype_as_memorytype(wasm_memorytype_as_externtype(mt)) == mt);
  CHECK(wasm_externtype_as_memorytype_const(wasm_memorytype_as_externtype_const(mt)) == mt);
  CHECK(wasm_externtype_as_functype_const(wasm_memorytype_as_externtype_const(mt)) == NULL);
  wasm_externtype_t* ec = wasm_externtype_copy(wasm_tabletype_as_externtype(tt));
  CHECK(wasm_externtype_kind(ec) == WASM_EXTERN_TABLE);
  CHECK(wasm_tabletype_limits(wasm_externtype_as_tabletype(ec))->max == 10);
  wasm_externtype_delete(ec);

  /* Import and export types take their arguments over. */
  wasm_name_t mod, name, ename;
  wasm_name_new_from_string(&mod, "env");
  wasm_name_new_from_string(&name, "f");
  wasm_importtype_t* it = wasm_importtype_new(
      &mod, &name, wasm_functype_as_externtype(wasm_functype_copy(ft)));
  CHECK(it);
  CHECK(name_is(wasm_importtype_module(it), "env"));
  CHECK(name_is(wasm_importtype_name(it), "f"));
  CHECK(wasm_externtype_kind(wasm_importtype_type(it)) == WASM_EXTERN_FUNC);
  wasm_importtype_t* it2 = wasm_importtype_copy(it);
  CHECK(name_is(wasm_importtype_name(it2), "f"));
  wasm_name_new_from_string(&ename, "mem");
  wasm_exporttype_t* et =
      wasm_exporttype_new(&ename, wasm_memorytype_as_externtype(mt2));
  CHECK(name_is(wasm_exporttype_name(et), "mem"));
  CHECK(wasm_externtype_kind(wasm_exporttype_type(et)) == WASM_EXTERN_MEMORY);
  wasm_exporttype_t* et2 = wasm_exporttype_copy(et);
  CHECK(name_is(wasm_exporttype_name(et2), "mem"));

  /* Vectors of types. */
  wasm_importtype_t* its[2] = {it, it2};
  wasm_importtype_vec_t iv, ivc;
  wasm_importtype_vec_new(&iv, 2, its);
  wasm_importtype_vec_copy(&ivc, &iv);
  CHECK(ivc.size == 2 && name_is(wasm_importtype_module(ivc.data[1]), "env"));
  wasm_importtype_vec_delete(&iv);
  wasm_importtype_vec_delete(&ivc);
  wasm_exporttype_t* ets[2] = {et, et2};
  wasm_exporttype_vec_t ev;
  wasm_exporttype_vec_new(&ev, 2, ets);
  wasm_exporttype_vec_delete(&ev);

  wasm_functype_t* fts[3] = {ft, ft2, f00};
  wasm_functype_vec_t fv, fvc;
  wasm_functype_vec_new(&fv, 3, fts);
  wasm_functype_vec_copy(&fvc, &fv);
  CHECK(fvc.size == 3 && wasm_functype_params(fvc.data[0])->size == 2);
  wasm_functype_vec_delete(&fv);
  wasm_functype_vec_delete(&fvc);
  wasm_functype_delete(f32);

  wasm_globaltype_vec_t gv;
  wasm_globaltype_vec_new_uninitialized(&gv, 2);
  gv.data[0] = gt;
  gv.data[1] = gt2;
  wasm_globaltype_vec_t gvc;
  wasm_globaltype_vec_copy(&gvc, &gv);
  CHECK(wasm_globaltype_mutability(gvc.data[1]) == WASM_VAR);
  wasm_globaltype_vec_delete(&gv);
  wasm_globaltype_vec_delete(&gvc);

  wasm_tabletype_vec_t tv;
  wasm_tabletype_vec_new(&tv, 1, &tt);
  wasm_tabletype_vec_delete(&tv);
  wasm_memorytype_vec_t mv;
  wasm_memorytype_vec_new(&mv, 1, &mt);
  wasm_memorytype_vec_delete(&mv);
  wasm_externtype_vec_t xv;
  wasm_externtype_vec_new_empty(&xv);
  CHECK(xv.size == 0);
  wasm_externtype_vec_delete(&xv);
  wasm_externtype_t* xs[1] = {
      wasm_globaltype_as_externtype(wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST))};
  wasm_externtype_vec_new(&xv, 1, xs);
  wasm_externtype_vec_t xvc;
  wasm_externtype_vec_copy(&xvc, &xv);
  CHECK(wasm_globaltype_mutability(wasm_externtype_as_globaltype(xvc.data[0])) == WASM_CONST);
  wasm_externtype_vec_delete(&xv);
  wasm_externtype_vec_delete(&xvc);

  wasm_valtype_vec_t vv, vvc;
  wasm_valtype_t* vts[2] = {wasm_valtype_new_i32(), wasm_valtype_new_funcref()};
  wasm_valtype_vec_new(&vv, 2, vts);
  wasm_valtype_vec_copy(&vvc, &vv);
  CHECK(wasm_valtype_kind(vvc.data[1]) == WASM_FUNCREF);
  wasm_valtype_vec_delete(&vv);
  wasm_valtype_vec_delete(&vvc);
  wasm_valtype_vec_new_uninitialized(&vv, 3);
  CHECK(vv.size == 3 && vv.data[0] == NULL);
  wasm_valtype_vec_delete(&vv);
  wasm_valtype_vec_new_empty(&vv);
  wasm_valtype_vec_delete(&vv);

  puts("types: ok");
  return 0;
}
