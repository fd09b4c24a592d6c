'use strict';
// A small WebAssembly binary writer for the tests: enough to build the
// modules they need without a text-format tool.

// ('T!' is the non-nullable (ref T), for the types of function types.)
const T = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f, 'funcref!': [0x64, 0x70], 'externref!': [0x64, 0x6f] };

function uleb(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
function sleb(n) {
  const out = [];
  let v = BigInt(n);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
function str(s) {
  const b = [...Buffer.from(s, 'utf8')];
  return [...uleb(b.length), ...b];
}
function vec(items) {
  return [...uleb(items.length), ...items.flat()];
}
function section(id, bytes) {
  return [id, ...uleb(bytes.length), ...bytes];
}

// A module from a description:
//   types:   [[params, results], ...] (type names)
//   imports: [[module, name, kind, desc]] with kind 'func' (desc: type
//            index), 'memory' ({min, max}), 'table' ({type, min, max}),
//            'global' ({type, mutable}), 'tag' (type index)
//   funcs:   [{type, locals: [[n, type]], code: [bytes], export}]
//   memory:  {min, max, export}; table: {type, min, max, export}
//   globals: [{type, mutable, init: [bytes], export}]
//   tags:    [{type, export}]
//   exports: extra [[name, kind byte, index]]
//   custom:  [[name, bytes]]
function build(d) {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const ty = (t) => T[t];
  const limits = (l) => (l.max === undefined ? [0x00, ...uleb(l.min)] : [0x01, ...uleb(l.min), ...uleb(l.max)]);
  if (d.types) {
    out.push(...section(1, vec(d.types.map(([p, r]) => [0x60, ...vec(p.map(ty)), ...vec(r.map(ty))]))));
  }
  const exports = [];
  let nfunc = 0, nmem = 0, ntable = 0, nglobal = 0, ntag = 0;
  if (d.imports) {
    const items = d.imports.map(([m, n, kind, desc]) => {
      const head = [...str(m), ...str(n)];
      switch (kind) {
        case 'func': nfunc++; return [...head, 0x00, ...uleb(desc)];
        case 'table': ntable++; return [...head, 0x01, ty(desc.type), ...limits(desc)];
        case 'memory': nmem++; return [...head, 0x02, ...limits(desc)];
        case 'global': nglobal++; return [...head, 0x03, ty(desc.type), desc.mutable ? 1 : 0];
        case 'tag': ntag++; return [...head, 0x04, 0x00, ...uleb(desc)];
        default: throw new Error(kind);
      }
    });
    out.push(...section(2, vec(items)));
  }
  const funcs = d.funcs || [];
  if (funcs.length) out.push(...section(3, vec(funcs.map((f) => uleb(f.type)))));
  if (d.table) {
    out.push(...section(4, vec([[ty(d.table.type), ...limits(d.table)]])));
    if (d.table.export) exports.push([...str(d.table.export), 0x01, ...uleb(ntable)]);
  }
  if (d.memory) {
    out.push(...section(5, vec([limits(d.memory)])));
    if (d.memory.export) exports.push([...str(d.memory.export), 0x02, ...uleb(nmem)]);
  }
  if (d.tags) {
    out.push(...section(13, vec(d.tags.map((t) => [0x00, ...uleb(t.type)]))));
    d.tags.forEach((t, i) => t.export && exports.push([...str(t.export), 0x04, ...uleb(ntag + i)]));
  }
  if (d.globals) {
    out.push(...section(6, vec(d.globals.map((g) => [ty(g.type), g.mutable ? 1 : 0, ...g.init, 0x0b]))));
    d.globals.forEach((g, i) => g.export && exports.push([...str(g.export), 0x03, ...uleb(nglobal + i)]));
  }
  funcs.forEach((f, i) => f.export && exports.push([...str(f.export), 0x00, ...uleb(nfunc + i)]));
  for (const [name, kind, index] of d.exports || []) exports.push([...str(name), kind, ...uleb(index)]);
  if (exports.length) out.push(...section(7, vec(exports)));
  if (d.start !== undefined) out.push(...section(8, uleb(d.start)));
  if (funcs.length) {
    const bodies = funcs.map((f) => {
      const body = [...vec((f.locals || []).map(([n, t]) => [...uleb(n), ty(t)])), ...f.code, 0x0b];
      return [...uleb(body.length), ...body];
    });
    out.push(...section(10, vec(bodies)));
  }
  for (const [name, bytes] of d.custom || []) out.push(...section(0, [...str(name), ...bytes]));
  return new Uint8Array(out);
}

// Instructions.
const I = {
  local_get: (i) => [0x20, ...uleb(i)],
  global_get: (i) => [0x23, ...uleb(i)],
  global_set: (i) => [0x24, ...uleb(i)],
  call: (i) => [0x10, ...uleb(i)],
  i32_const: (n) => [0x41, ...sleb(n)],
  i64_const: (n) => [0x42, ...sleb(n)],
  i32_add: [0x6a],
  i64_add: [0x7c],
  f32_add: [0x92],
  unreachable: [0x00],
  memory_grow: [0x40, 0x00],
  memory_size: [0x3f, 0x00],
  i32_load: [0x28, 0x02, 0x00],
  i32_store: [0x36, 0x02, 0x00],
  throw: (t) => [0x08, ...uleb(t)],
  // try_table (result blocktype) with clauses [[kind, tag?, label]]:
  // kind 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref.
  try_table: (bt, clauses) => [0x1f, bt, ...uleb(clauses.length),
    ...clauses.flatMap(([k, tag, l]) => (k < 2 ? [k, ...uleb(tag), ...uleb(l)] : [k, ...uleb(l)]))],
  block: (bt) => [0x02, bt],
  end: [0x0b],
  drop: [0x1a],
  ref_null_extern: [0xd0, 0x6f],
  throw_ref: [0x0a],
};

module.exports = { build, I, uleb, sleb };
