'use strict';
// The type reflection proposal's type() of tables, globals and tags.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build } = require('../testlib/wasm.js');

test('Global.prototype.type: { mutable, value }, keys in dictionary order', () => {
  const g = new WebAssembly.Global({ value: 'anyfunc', mutable: true });
  assert.deepStrictEqual(g.type(), { mutable: true, value: 'funcref' });
  assert.deepStrictEqual(Object.keys(new WebAssembly.Global({ value: 'i64' }).type()), ['mutable', 'value']);
  assert.throws(() => WebAssembly.Global.prototype.type.call({}), TypeError);
});

test('Table.prototype.type: address, element and limits', () => {
  assert.deepStrictEqual(new WebAssembly.Table({ element: 'anyfunc', minimum: 2 }).type(),
    { address: 'i32', element: 'funcref', minimum: 2 });
  const t = new WebAssembly.Table({ element: 'externref', address: 'i64', initial: 1n, maximum: 5n });
  t.grow(2n);
  assert.deepStrictEqual(t.type(), { address: 'i64', element: 'externref', maximum: 5n, minimum: 3n }, 'the current size');
});

test('Tag.prototype.type and the types of exported entities', () => {
  assert.deepStrictEqual(new WebAssembly.Tag({ parameters: ['i32', 'f64'] }).type(), { parameters: ['i32', 'f64'] });
  const bytes = build({
    types: [[['i64'], []]],
    globals: [{ type: 'f32', mutable: false, init: [0x43, 0, 0, 0, 0], export: 'g' }],
    table: { type: 'funcref', min: 1, max: 2, export: 't' },
    tags: [{ type: 0, export: 'e' }],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  assert.deepStrictEqual(e.g.type(), { mutable: false, value: 'f32' });
  assert.deepStrictEqual(e.t.type(), { address: 'i32', element: 'funcref', maximum: 2, minimum: 1 });
  assert.deepStrictEqual(e.e.type(), { parameters: ['i64'] });
});
