'use strict';
// The WebIDL side of the namespace: how arguments and descriptors are
// read and converted, in the specification's order.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build, I } = require('../testlib/wasm.js');

const empty = build({});

test('BufferSource: brand checks, not prototypes', () => {
  assert.throws(() => WebAssembly.validate(ArrayBuffer.prototype), TypeError);
  assert.throws(() => new WebAssembly.Module(Uint8Array.prototype), TypeError);
  assert.throws(() => WebAssembly.validate(Object.create(ArrayBuffer.prototype)), TypeError);
  assert.strictEqual(WebAssembly.validate(new DataView(empty.buffer.slice(0))), true);
});

test('BufferSource: detached buffers hold no bytes, out-of-bounds DataViews throw', async () => {
  const ab = empty.buffer.slice(0);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] }); // detaches ab
  assert.strictEqual(WebAssembly.validate(ab), false);
  assert.strictEqual(WebAssembly.validate(view), false);
  await assert.rejects(WebAssembly.compile(view), WebAssembly.CompileError);

  const rab = new ArrayBuffer(8, { maxByteLength: 8 });
  const ta = new Uint8Array(rab, 4);
  const dv = new DataView(rab, 4);
  rab.resize(2);
  assert.strictEqual(WebAssembly.validate(ta), false, 'an out-of-bounds typed array is empty');
  assert.throws(() => WebAssembly.validate(dv), TypeError, 'an out-of-bounds DataView throws');
});

test('BufferSource: a length-tracking view is read at the call', () => {
  const rab = new ArrayBuffer(empty.length, { maxByteLength: empty.length + 8 });
  const view = new Uint8Array(rab);
  view.set(empty);
  assert.strictEqual(WebAssembly.validate(view), true);
  rab.resize(4);
  assert.strictEqual(WebAssembly.validate(view), false);
});

test('64-bit addresses: ToBigInt, and a TypeError outside [0, 2^64)', () => {
  const m = new WebAssembly.Memory({ address: 'i64', initial: true });
  assert.strictEqual(m.buffer.byteLength, 65536, 'true is 1n');
  assert.throws(() => m.grow('0x10000000000000000'), TypeError, 'not wrapped to 0');
  assert.throws(() => m.grow(-1n), TypeError);
  assert.throws(() => m.grow(1), TypeError, 'a Number is not a BigInt');
  assert.throws(() => m.grow('x'), SyntaxError, 'as ToBigInt does');
  assert.strictEqual(m.grow('1'), 1n);
  const t = new WebAssembly.Table({ element: 'anyfunc', address: 'i64', initial: 2n });
  assert.throws(() => t.get('0x10000000000000000'), TypeError);
  assert.throws(() => t.set(2n ** 64n, null), TypeError);
  assert.strictEqual(t.get('1'), null);
  assert.throws(() => t.get(2n), RangeError, 'in range for the type, out of the table');
});

test('Memory limits of the JavaScript embedding', () => {
  assert.throws(() => new WebAssembly.Memory({ initial: 65537 }), RangeError);
  const ok = new WebAssembly.Memory({ address: 'i64', initial: 0n, maximum: 2n ** 37n - 1n });
  assert.strictEqual(ok.buffer.byteLength, 0);
  assert.throws(() => new WebAssembly.Memory({ address: 'i64', initial: 0n, maximum: 2n ** 37n }), RangeError);
  assert.throws(() => new WebAssembly.Memory({ address: 'i64', initial: 262145n }), RangeError);
  const m = new WebAssembly.Memory({ address: 'i64', initial: 1n, maximum: 262145n });
  assert.throws(() => m.grow(262144n), RangeError, 'beyond 16 GiB');
  const t = new WebAssembly.Table({ element: 'anyfunc', initial: 1, maximum: 10000001 });
  assert.throws(() => t.grow(10000000), RangeError, 'beyond 10000000 elements');
});

function recorder(order, fields) {
  const d = {};
  for (const [name, value, conv = 'valueOf'] of fields) {
    Object.defineProperty(d, name, {
      get() {
        order.push(name);
        return value === undefined ? undefined : { [conv]() { order.push(`${name} ${conv}`); return value; } };
      },
    });
  }
  return d;
}

test('Memory descriptor: address, initial, maximum, minimum, shared, in that order', () => {
  const order = [];
  const d = recorder(order, [['maximum', 2], ['initial', 1], ['address', 'i32', 'toString']]);
  Object.defineProperty(d, 'shared', { get() { order.push('shared'); return false; } });
  new WebAssembly.Memory(d);
  assert.deepStrictEqual(order, ['address', 'address toString', 'initial', 'initial valueOf',
    'maximum', 'maximum valueOf', 'shared']);
});

test('Table descriptor: element, address, initial, maximum', () => {
  const order = [];
  new WebAssembly.Table(recorder(order, [['maximum', 1], ['initial', 1], ['element', 'anyfunc', 'toString'], ['address', 'i32', 'toString']]));
  assert.deepStrictEqual(order, ['element', 'element toString', 'address', 'address toString',
    'initial', 'initial valueOf', 'maximum', 'maximum valueOf']);
  const bad = [];
  assert.throws(() => new WebAssembly.Table(recorder(bad, [['initial', 1], ['element', 'nope', 'toString']])), TypeError);
  assert.deepStrictEqual(bad, ['element', 'element toString'], 'an invalid element stops the reading');
});

test('`minimum` stands for `initial` (type reflection), never both', () => {
  assert.strictEqual(new WebAssembly.Memory({ minimum: 2 }).buffer.byteLength, 2 * 65536);
  assert.strictEqual(new WebAssembly.Table({ element: 'anyfunc', minimum: 3 }).length, 3);
  assert.throws(() => new WebAssembly.Memory({ initial: 1, minimum: 1 }), TypeError);
  assert.throws(() => new WebAssembly.Table({ element: 'anyfunc', initial: 1, minimum: 1 }), TypeError);
  assert.throws(() => new WebAssembly.Memory({ maximum: 1 }), TypeError);
  assert.throws(() => new WebAssembly.Memory({ minimum: 0x10001 }), RangeError);
});

test('Global value setter: no argument is undefined', () => {
  const g = new WebAssembly.Global({ value: 'i32', mutable: true }, 5);
  const { set } = Object.getOwnPropertyDescriptor(WebAssembly.Global.prototype, 'value');
  assert.strictEqual(set.call(g), undefined);
  assert.strictEqual(g.value, 0, 'ToInt32(undefined)');
});

test('instantiate(module, imports) reads the imports at once', async () => {
  const bytes = build({ imports: [['m', 'g', 'global', { type: 'i32' }]] });
  const module = new WebAssembly.Module(bytes);
  const order = [];
  const imports = { get m() { order.push('m'); return { get g() { order.push('g'); return 1; } }; } };
  const p = WebAssembly.instantiate(module, imports);
  assert.deepStrictEqual(order, ['m', 'g']);
  assert.ok((await p) instanceof WebAssembly.Instance);
  const bad = WebAssembly.instantiate(module, { m: { g: 'x' } });
  await assert.rejects(bad, WebAssembly.LinkError);

  order.length = 0;
  const q = WebAssembly.instantiate(bytes, imports);
  assert.deepStrictEqual(order, [], 'bytes are compiled first');
  await q;
  assert.deepStrictEqual(order, ['m', 'g']);
});

test('several results from JavaScript: the iterator protocol, read once', () => {
  const bytes = build({
    types: [[[], ['i32', 'i32']], [[], ['i32']]],
    imports: [['m', 'f', 'func', 0]],
    funcs: [{ type: 1, code: [...I.call(0), ...I.drop], export: 'first' }],
  });
  const log = [];
  let i = 0;
  const iterable = {
    get [Symbol.iterator]() {
      log.push('@@iterator');
      return () => ({
        get next() {
          log.push('next');
          return () => {
            const j = ++i;
            log.push(`step ${j}`);
            return j > 2 ? { done: true } : { done: false, value: { valueOf() { log.push(`valueOf ${j}`); return 10 * j; } } };
          };
        },
      });
    },
  };
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { f: () => iterable } }).exports;
  assert.strictEqual(e.first(), 10);
  assert.deepStrictEqual(log, ['@@iterator', 'next', 'step 1', 'step 2', 'step 3', 'valueOf 1', 'valueOf 2']);
  assert.throws(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { f: () => 7 } }).exports.first(), TypeError);
});

test('compile options are converted before the bytes are copied', () => {
  const bytes = empty.slice();
  const options = { get builtins() { bytes[0] = 1; return []; } };
  assert.throws(() => new WebAssembly.Module(bytes, options), WebAssembly.CompileError, 'the bytes as the getter left them');
  assert.throws(() => new WebAssembly.Module(1, options), TypeError);
  assert.throws(() => new WebAssembly.Module(empty, 'x'), TypeError);
});
