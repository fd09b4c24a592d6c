'use strict';
// The type reflection proposal's type() of tables, globals and tags.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build } = require('../testlib/wasm.js');

test('Global.prototype.type: { mutable, value }, keys in dictionary order', () => {
  // A global's value type is the JS API's ValueType, whose name for
  // funcref is "anyfunc".
  const g = new WebAssembly.Global({ value: 'anyfunc', mutable: true });
  assert.deepStrictEqual(g.type(), { mutable: true, value: 'anyfunc' });
  assert.deepStrictEqual(new WebAssembly.Global({ value: 'funcref' }).type(), { mutable: false, value: 'anyfunc' });
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

test('modules may declare shared memories and take null for the bottom reference types', () => {
  // (module
  //   (memory (export "m") 1 2 shared)
  //   (func (export "nf") (param nullfuncref) (result i32) (ref.is_null (local.get 0)))
  //   (func (export "ne") (param nullexternref) (result i32) (ref.is_null (local.get 0))))
  const bytes = Buffer.from('0061736d01000000010b02600173017f600172017f0303020001050401030102070f03016d0200026e660000' +
    '026e6500010a0d0205002000d10b05002000d10b', 'hex');
  assert.strictEqual(WebAssembly.validate(bytes), true);
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  assert.ok(e.m.buffer instanceof SharedArrayBuffer);
  assert.strictEqual(e.nf(null), 1);
  assert.strictEqual(e.ne(null), 1);
  assert.throws(() => e.nf(() => {}), TypeError);
  assert.throws(() => e.ne({}), TypeError);
});

test('Module inherits from AbstractModuleSource, whose @@toStringTag getter checks the brand', () => {
  const AbstractModuleSource = Object.getPrototypeOf(WebAssembly.Module);
  assert.strictEqual(AbstractModuleSource.name, 'AbstractModuleSource');
  assert.strictEqual(Object.getPrototypeOf(WebAssembly.Module.prototype), AbstractModuleSource.prototype);
  assert.throws(() => new AbstractModuleSource(), TypeError);
  const tag = Object.getOwnPropertyDescriptor(AbstractModuleSource.prototype, Symbol.toStringTag).get;
  const m = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  assert.strictEqual(tag.call(m), 'WebAssembly.Module');
  assert.strictEqual(tag.call({}), undefined);
});

test('Memory.prototype.type: { address, index, maximum, minimum, shared }', () => {
  assert.deepStrictEqual(new WebAssembly.Memory({ initial: 1 }).type(), { address: 'i32', index: 'u32', minimum: 1, shared: false });
  const m = new WebAssembly.Memory({ initial: 0, maximum: 4, shared: true });
  m.grow(2);
  assert.deepStrictEqual(m.type(), { address: 'i32', index: 'u32', maximum: 4, minimum: 2, shared: true });
  assert.deepStrictEqual(new WebAssembly.Memory({ initial: 1n, address: 'i64' }).type(),
    { address: 'i64', index: 'u64', minimum: 1n, shared: false });
  assert.throws(() => WebAssembly.Memory.prototype.type.call({}), TypeError);
});
