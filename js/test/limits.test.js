'use strict';
// The JavaScript embedding's limits on modules (js/limits.js): past one,
// validate says false and compiling throws a CompileError, though the core
// specification (and tern's validator) allow the module.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build } = require('../testlib/wasm.js');

function rejected(bytes, what) {
  assert.strictEqual(WebAssembly.validate(bytes), false, what);
  assert.throws(() => new WebAssembly.Module(bytes), WebAssembly.CompileError, what);
  return WebAssembly.compile(bytes).then(() => assert.fail(`${what}: compiled`), (e) => assert.ok(e instanceof WebAssembly.CompileError, what));
}
function accepted(bytes, what) {
  assert.strictEqual(WebAssembly.validate(bytes), true, what);
  new WebAssembly.Module(bytes);
}
const many = (n, x) => Array(n).fill(x);

test('parameters and results of a function type', async () => {
  accepted(build({ types: [[many(1000, 'i32'), many(1000, 'i64')]] }), '1000 each');
  await rejected(build({ types: [[many(1001, 'i32'), []]] }), '1001 parameters');
  await rejected(build({ types: [[[], many(1001, 'f64')]] }), '1001 results');
});

test('locals of a function, its parameters included', async () => {
  const fn = (params, locals) => build({
    types: [[many(params, 'i32'), []]],
    funcs: [{ type: 0, locals: [[locals, 'i64']], code: [] }],
  });
  accepted(fn(0, 50000), '50000 locals');
  accepted(fn(2, 49998), '2 parameters and 49998 locals');
  await rejected(fn(0, 50001), '50001 locals');
  await rejected(fn(2, 49999), '2 parameters and 49999 locals');
});

// Large modules, put together from Buffers (the test builder spreads
// arrays, which is too much for millions of bytes).
function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}
const sect = (id, ...parts) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([id]), leb(body.length), body]);
};
const header = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
const voidType = sect(1, leb(1), Buffer.from([0x60, 0, 0]));

test('size of a function body', async () => {
  const fn = (size) => {
    const body = Buffer.alloc(size, 0x01); // nops
    body[0] = 0; // no locals
    body[size - 1] = 0x0b; // end
    return new Uint8Array(Buffer.concat([header, voidType, sect(3, leb(1), leb(0)), sect(10, leb(1), leb(size), body)]));
  };
  accepted(fn(7654321), 'at the limit');
  await rejected(fn(7654322), 'one byte over');
});

test('counts of imports and exports', async () => {
  const imports = (n) => {
    const one = Buffer.from([0, 0, 0x00, 0]); // "" "" func type 0
    return new Uint8Array(Buffer.concat([header, voidType, sect(2, leb(n), Buffer.concat(Array(n).fill(one)))]));
  };
  accepted(imports(100000), '100000 imports');
  await rejected(imports(100001), '100001 imports');
  const exports = (n) => {
    const items = Array.from({ length: n }, (_, i) => {
      const name = Buffer.from(`f${i}`);
      return Buffer.concat([leb(name.length), name, Buffer.from([0x00, 0])]);
    });
    const code = sect(10, leb(1), leb(2), Buffer.from([0, 0x0b]));
    return new Uint8Array(Buffer.concat([header, voidType, sect(3, leb(1), leb(0)), sect(7, leb(n), ...items), code]));
  };
  accepted(exports(100000), '100000 exports');
  await rejected(exports(100001), '100001 exports');
});

test('a malformed module is the validator\'s to judge', () => {
  const bytes = build({ types: [[['i32'], []]] });
  assert.strictEqual(WebAssembly.validate(bytes.slice(0, bytes.length - 1)), false);
  assert.throws(() => new WebAssembly.Module(bytes.slice(0, bytes.length - 1)), WebAssembly.CompileError);
});
