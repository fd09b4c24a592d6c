'use strict';
// Memory, Table and Global, from JavaScript and shared with wasm.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build, I } = require('../testlib/wasm.js');

test('Memory: the buffer aliases linear memory and is replaced on grow', () => {
  const m = new WebAssembly.Memory({ initial: 1, maximum: 3 });
  const b = m.buffer;
  assert.ok(b instanceof ArrayBuffer);
  assert.strictEqual(b.byteLength, 65536);
  assert.strictEqual(m.buffer, b, 'the same buffer until the memory grows');
  new Uint32Array(b)[1] = 0xdeadbeef;
  const bytes = build({
    types: [[['i32'], ['i32']], [[], ['i32']]],
    imports: [['js', 'mem', 'memory', { min: 1 }]],
    funcs: [
      { type: 0, code: [...I.local_get(0), ...I.i32_load], export: 'load' },
      { type: 0, code: [...I.local_get(0), ...I.memory_grow], export: 'grow' },
      { type: 1, code: [...I.memory_size], export: 'size' },
    ],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { js: { mem: m } }).exports;
  assert.strictEqual(e.load(4) >>> 0, 0xdeadbeef, 'wasm sees what JavaScript wrote');
  assert.strictEqual(m.grow(1), 1);
  assert.strictEqual(b.byteLength, 0, 'the old buffer is detached');
  assert.strictEqual(m.buffer.byteLength, 2 * 65536);
  assert.strictEqual(new Uint32Array(m.buffer)[1], 0xdeadbeef, 'contents survive growth');
  assert.strictEqual(e.grow(1), 2, 'wasm grows the same memory');
  assert.strictEqual(m.buffer.byteLength, 3 * 65536, 'and the buffer follows');
  assert.throws(() => m.grow(1), RangeError, 'beyond the maximum');
  const b3 = m.buffer;
  assert.strictEqual(m.grow(0), 3);
  assert.strictEqual(b3.byteLength, 0, 'grow(0) replaces the buffer too');
});

test('Memory: descriptor conversions', () => {
  assert.throws(() => new WebAssembly.Memory(), TypeError);
  assert.throws(() => new WebAssembly.Memory(1), TypeError);
  assert.throws(() => new WebAssembly.Memory({}), TypeError, 'initial is required');
  assert.throws(() => new WebAssembly.Memory({ initial: -1 }), TypeError, 'EnforceRange');
  assert.throws(() => new WebAssembly.Memory({ initial: NaN }), TypeError, 'EnforceRange');
  assert.throws(() => new WebAssembly.Memory({ initial: 2, maximum: 1 }), RangeError);
  assert.throws(() => new WebAssembly.Memory({ initial: 65537 }), RangeError);
  assert.strictEqual(new WebAssembly.Memory({ initial: '2' }).buffer.byteLength, 2 * 65536);
});

test('Table: funcref and externref, default values, grow', () => {
  const t = new WebAssembly.Table({ element: 'anyfunc', initial: 2, maximum: 4 });
  assert.strictEqual(t.length, 2);
  assert.strictEqual(t.get(0), null);
  const fbytes = build({ types: [[[], ['i32']]], funcs: [{ type: 0, code: [...I.i32_const(7)], export: 'seven' }] });
  const seven = new WebAssembly.Instance(new WebAssembly.Module(fbytes)).exports.seven;
  t.set(1, seven);
  assert.strictEqual(t.get(1), seven);
  assert.throws(() => t.set(0, () => 1), TypeError, 'only wasm functions');
  assert.throws(() => t.get(2), RangeError);
  assert.strictEqual(t.grow(1, seven), 2);
  assert.strictEqual(t.get(2), seven);
  assert.throws(() => t.grow(5), RangeError);
  t.set(1);
  assert.strictEqual(t.get(1), null, 'a missing value is the default: null');

  const x = new WebAssembly.Table({ element: 'externref', initial: 1 });
  assert.strictEqual(x.get(0), undefined, 'the default externref value is undefined');
  const o = {};
  x.set(0, o);
  assert.strictEqual(x.get(0), o, 'identity kept');
  x.set(0, null);
  assert.strictEqual(x.get(0), null);
  const y = new WebAssembly.Table({ element: 'externref', initial: 1 }, 'hi');
  assert.strictEqual(y.get(0), 'hi');
  assert.throws(() => new WebAssembly.Table({ element: 'i32', initial: 1 }), TypeError);
});

test('Global: types, mutability, valueOf', () => {
  const g = new WebAssembly.Global({ value: 'i32', mutable: true }, 42);
  assert.strictEqual(g.value, 42);
  assert.strictEqual(g.valueOf(), 42);
  g.value = 2 ** 32 + 5;
  assert.strictEqual(g.value, 5, 'ToInt32');
  const c = new WebAssembly.Global({ value: 'i64' }, 3n);
  assert.strictEqual(c.value, 3n);
  assert.throws(() => { c.value = 4n; }, TypeError, 'immutable');
  assert.strictEqual(new WebAssembly.Global({ value: 'i64' }).value, 0n);
  assert.strictEqual(new WebAssembly.Global({ value: 'f32' }, 0.1).value, Math.fround(0.1));
  assert.strictEqual(new WebAssembly.Global({ value: 'externref' }).value, undefined);
  assert.strictEqual(new WebAssembly.Global({ value: 'anyfunc' }).value, null);
  assert.throws(() => new WebAssembly.Global({ value: 'v128' }), TypeError);
  assert.throws(() => new WebAssembly.Global({ value: 'i64' }, 1), TypeError);

  const bytes = build({
    types: [[[], ['i32']], [['i32'], []]],
    imports: [['js', 'g', 'global', { type: 'i32', mutable: true }]],
    funcs: [
      { type: 0, code: [...I.global_get(0)], export: 'get' },
      { type: 1, code: [...I.local_get(0), ...I.global_set(0)], export: 'set' },
    ],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { js: { g } }).exports;
  assert.strictEqual(e.get(), 5);
  e.set(9);
  assert.strictEqual(g.value, 9, 'wasm writes the imported global');
  assert.throws(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), { js: { g: 1 } }), WebAssembly.LinkError,
    'a mutable global import needs a Global object');
});

test('Tag and Exception objects', () => {
  const tag = new WebAssembly.Tag({ parameters: ['i32', 'f64'] });
  const other = new WebAssembly.Tag({ parameters: [] });
  const e = new WebAssembly.Exception(tag, [7, 0.5]);
  assert.ok(e.is(tag));
  assert.ok(!e.is(other));
  assert.strictEqual(e.getArg(tag, 0), 7);
  assert.strictEqual(e.getArg(tag, 1), 0.5);
  assert.throws(() => e.getArg(other, 0), TypeError);
  assert.throws(() => e.getArg(tag, 2), RangeError);
  assert.throws(() => new WebAssembly.Exception(tag, [1]), TypeError);
  assert.throws(() => new WebAssembly.Tag({ parameters: ['x'] }), TypeError);
});

test('a buffer never outlives the bytes it shows: wasm growth detaches it before JavaScript runs again', () => {
  const m = new WebAssembly.Memory({ initial: 1, maximum: 8 });
  let seen;
  const bytes = build({
    types: [[['i32'], ['i32']], [[], []]],
    imports: [['js', 'mem', 'memory', { min: 1 }], ['js', 'look', 'func', 1]],
    funcs: [
      // grow by n pages, then call look
      { type: 0, code: [...I.local_get(0), ...I.memory_grow, ...I.call(0)], export: 'growAndLook' },
    ],
  });
  const old = m.buffer;
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    js: { mem: m, look: () => { seen = [old.byteLength, m.buffer.byteLength]; } },
  }).exports;
  assert.strictEqual(e.growAndLook(2), 1);
  assert.deepStrictEqual(seen, [0, 3 * 65536], 'detached inside the import already');
  const b = m.buffer;
  e.growAndLook(0);
  assert.strictEqual(b.byteLength, 3 * 65536, 'memory.grow 0 from wasm moves nothing');
});

test('Memory: a shared memory\'s buffer is a frozen SharedArrayBuffer, kept when it grows', () => {
  const m = new WebAssembly.Memory({ initial: 1, maximum: 3, shared: true });
  const b = m.buffer;
  if (!(b instanceof SharedArrayBuffer)) return; // V8's API is not at hand on this platform
  assert.ok(Object.isFrozen(b));
  assert.strictEqual(m.buffer, b, 'the same buffer until the memory grows');
  new Uint8Array(b)[3] = 42;
  assert.strictEqual(m.grow(1), 1);
  const b2 = m.buffer;
  assert.notStrictEqual(b2, b);
  assert.strictEqual(b.byteLength, 65536, 'the old buffer keeps its length');
  assert.strictEqual(b2.byteLength, 2 * 65536);
  new Uint8Array(b)[4] = 43;
  assert.deepStrictEqual([...new Uint8Array(b2, 3, 2)], [42, 43], 'one set of bytes');
  assert.strictEqual(Atomics.add(new Int32Array(b2), 2, 1), 0);
  assert.strictEqual(new WebAssembly.Memory({ initial: 0, maximum: 0, shared: true }).buffer.constructor, SharedArrayBuffer);
});
