'use strict';
// The shape of the namespace and its interfaces, as the JS API
// specification and WebIDL define them.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');

test('namespace members and their attributes', () => {
  assert.strictEqual(Object.prototype.toString.call(WebAssembly), '[object WebAssembly]');
  for (const [name, length] of [['validate', 1], ['compile', 1], ['instantiate', 1]]) {
    const d = Object.getOwnPropertyDescriptor(WebAssembly, name);
    assert.deepStrictEqual([d.writable, d.enumerable, d.configurable], [true, true, true], name);
    assert.strictEqual(d.value.name, name);
    assert.strictEqual(d.value.length, length);
  }
  for (const name of ['Module', 'Instance', 'Memory', 'Table', 'Global', 'Tag', 'Exception', 'CompileError', 'LinkError', 'RuntimeError']) {
    const d = Object.getOwnPropertyDescriptor(WebAssembly, name);
    assert.deepStrictEqual([d.writable, d.enumerable, d.configurable], [true, false, true], name);
    assert.strictEqual(typeof d.value, 'function');
    assert.strictEqual(d.value.name, name);
    assert.throws(() => d.value(), TypeError, `${name} without new`);
  }
});

test('interfaces have their string tags and constructor lengths', () => {
  for (const [name, length] of [['Module', 1], ['Instance', 1], ['Memory', 1], ['Table', 1], ['Global', 1], ['Tag', 1], ['Exception', 2]]) {
    const C = WebAssembly[name];
    assert.strictEqual(C.length, length, name);
    assert.strictEqual(C.prototype[Symbol.toStringTag], `WebAssembly.${name}`);
  }
});

test('errors are Error subclasses with their names', () => {
  for (const name of ['CompileError', 'LinkError', 'RuntimeError']) {
    const E = WebAssembly[name];
    const e = new E('msg');
    assert.ok(e instanceof Error);
    assert.ok(e instanceof E);
    assert.strictEqual(e.name, name);
    assert.strictEqual(e.message, 'msg');
    assert.strictEqual(Object.getPrototypeOf(E), Error);
    assert.strictEqual(String(e), `${name}: msg`);
  }
});

test('brand checks throw TypeError', () => {
  const get = (C, p) => Object.getOwnPropertyDescriptor(C.prototype, p).get;
  assert.throws(() => get(WebAssembly.Memory, 'buffer').call({}), TypeError);
  assert.throws(() => WebAssembly.Memory.prototype.grow.call({}, 1), TypeError);
  assert.throws(() => get(WebAssembly.Table, 'length').call({}), TypeError);
  assert.throws(() => WebAssembly.Global.prototype.valueOf.call({}), TypeError);
  assert.throws(() => get(WebAssembly.Instance, 'exports').call({}), TypeError);
  assert.throws(() => WebAssembly.Module.exports({}), TypeError);
});

test('CompileError, LinkError and RuntimeError have length 1, like the NativeError constructors', () => {
  for (const name of ['CompileError', 'LinkError', 'RuntimeError']) {
    const d = Object.getOwnPropertyDescriptor(WebAssembly[name], 'length');
    assert.deepStrictEqual(d, { value: 1, writable: false, enumerable: false, configurable: true }, name);
    assert.strictEqual(new WebAssembly[name]('m', { cause: 7 }).cause, 7, name);
  }
});

test('WebAssembly.Function (type reflection): JavaScript functions as wasm functions, and every exported function one', () => {
  const F = WebAssembly.Function;
  assert.strictEqual(F.name, 'Function');
  assert.strictEqual(F.length, 2);
  assert.throws(() => F({ parameters: [], results: [] }, () => {}), TypeError, 'needs new');
  assert.throws(() => new F({ parameters: [] }, () => {}), TypeError, 'results are required');
  assert.throws(() => new F({ parameters: ['x'], results: [] }, () => {}), TypeError, 'unknown type');
  assert.throws(() => new F({ parameters: [], results: [] }, {}), TypeError, 'not callable');
  const add = new F({ parameters: ['i32', 'i32'], results: ['i32'] }, (x, y) => x + y);
  assert.ok(add instanceof F);
  assert.ok(add instanceof Function);
  assert.strictEqual(add(2, 3), 5);
  assert.strictEqual(add(2 ** 31 - 1, 1), -(2 ** 31), 'the result is an i32');
  assert.throws(() => new add(1, 2), TypeError, 'not a constructor');
  assert.deepStrictEqual(add.type(), { parameters: ['i32', 'i32'], results: ['i32'] });
  assert.deepStrictEqual(new F({ parameters: ['anyfunc'], results: [] }, () => {}).type(), { parameters: ['anyfunc'], results: [] });
  // In a table, called from wasm, and the same object back.
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
  table.set(0, add);
  assert.strictEqual(table.get(0), add);
  assert.throws(() => F.prototype.type.call(() => {}), TypeError);
});
