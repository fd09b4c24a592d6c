'use strict';
// validate, compile, instantiate, Module and Instance.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build, I } = require('../testlib/wasm.js');

const add = build({
  types: [[['i32', 'i32'], ['i32']]],
  funcs: [{ type: 0, code: [...I.local_get(0), ...I.local_get(1), ...I.i32_add], export: 'add' }],
  custom: [['meta', [1, 2, 3]], ['other', [9]], ['meta', [4]]],
});

test('validate', () => {
  assert.strictEqual(WebAssembly.validate(add), true);
  assert.strictEqual(WebAssembly.validate(add.buffer), true);
  assert.strictEqual(WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0])), false);
  assert.throws(() => WebAssembly.validate('nope'), TypeError);
  assert.throws(() => WebAssembly.validate(), TypeError);
});

test('Module: descriptions and custom sections', () => {
  const m = new WebAssembly.Module(add);
  assert.deepStrictEqual(WebAssembly.Module.exports(m), [{ name: 'add', kind: 'function' }]);
  assert.deepStrictEqual(WebAssembly.Module.imports(m), []);
  const meta = WebAssembly.Module.customSections(m, 'meta');
  assert.strictEqual(meta.length, 2);
  assert.deepStrictEqual([...new Uint8Array(meta[0])], [1, 2, 3]);
  assert.deepStrictEqual([...new Uint8Array(meta[1])], [4]);
  assert.deepStrictEqual(WebAssembly.Module.customSections(m, 'none'), []);
  assert.throws(() => new WebAssembly.Module(new Uint8Array([1, 2, 3])), WebAssembly.CompileError);
  assert.throws(() => new WebAssembly.Module(), TypeError);
});

test('Instance: exports object and exported functions', () => {
  const i = new WebAssembly.Instance(new WebAssembly.Module(add));
  const e = i.exports;
  assert.strictEqual(Object.getPrototypeOf(e), null);
  assert.ok(Object.isFrozen(e));
  assert.strictEqual(e.add(2, 3), 5);
  assert.strictEqual(e.add(0x7fffffff, 1), -0x80000000, 'i32 wraps');
  assert.strictEqual(e.add('4', 1.9), 5, 'ToInt32 of the arguments');
  assert.strictEqual(e.add(), 0, 'missing arguments are undefined, ToInt32 0');
  assert.strictEqual(e.add.length, 2);
  assert.strictEqual(e.add.name, '0');
  assert.strictEqual(i.exports, e, 'the same exports object each time');
  assert.throws(() => new e.add(), TypeError, 'exported functions are not constructors');
  assert.throws(() => e.add(1n, 2), TypeError, 'BigInt to i32 is a TypeError');
});

test('compile and instantiate return promises', async () => {
  const m = await WebAssembly.compile(add);
  assert.ok(m instanceof WebAssembly.Module);
  const { module, instance } = await WebAssembly.instantiate(add);
  assert.ok(module instanceof WebAssembly.Module);
  assert.strictEqual(instance.exports.add(1, 2), 3);
  const i2 = await WebAssembly.instantiate(m);
  assert.ok(i2 instanceof WebAssembly.Instance);
  await assert.rejects(WebAssembly.compile(new Uint8Array([0, 1])), WebAssembly.CompileError);
  await assert.rejects(WebAssembly.instantiate(42), TypeError);
});

test('imports: reading the import object, LinkError and TypeError', () => {
  const bytes = build({
    types: [[['i32'], ['i32']], [[], ['i32']]],
    imports: [['env', 'f', 'func', 0], ['env', 'g', 'global', { type: 'i32' }]],
    funcs: [{ type: 1, code: [...I.global_get(0), ...I.call(0)], export: 'run' }],
  });
  const m = new WebAssembly.Module(bytes);
  assert.deepStrictEqual(WebAssembly.Module.imports(m), [
    { module: 'env', name: 'f', kind: 'function' },
    { module: 'env', name: 'g', kind: 'global' },
  ]);
  assert.throws(() => new WebAssembly.Instance(m), TypeError);
  assert.throws(() => new WebAssembly.Instance(m, {}), TypeError);
  assert.throws(() => new WebAssembly.Instance(m, { env: { f: 1, g: 1 } }), WebAssembly.LinkError);
  assert.throws(() => new WebAssembly.Instance(m, { env: { f: () => 0, g: 1n } }), WebAssembly.LinkError);
  const seen = [];
  const i = new WebAssembly.Instance(m, { env: { f: function (x) { seen.push(this, x); return x + 1; }, g: 41 } });
  assert.strictEqual(i.exports.run(), 42);
  assert.deepStrictEqual(seen, [undefined, 41]);
});

test('traps are RuntimeErrors; JavaScript exceptions pass through wasm unchanged', () => {
  const bytes = build({
    types: [[[], []]],
    imports: [['env', 'f', 'func', 0]],
    funcs: [
      { type: 0, code: [...I.unreachable], export: 'trap' },
      { type: 0, code: [...I.call(0)], export: 'callf' },
    ],
  });
  const m = new WebAssembly.Module(bytes);
  const boom = new Error('boom');
  const i = new WebAssembly.Instance(m, { env: { f: () => { throw boom; } } });
  assert.throws(() => i.exports.trap(), (e) => e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message));
  assert.throws(() => i.exports.callf(), (e) => e === boom);
  const sym = Symbol('thrown');
  const j = new WebAssembly.Instance(m, { env: { f: () => { throw sym; } } });
  assert.throws(() => j.exports.callf(), (e) => e === sym);
});

test('calls are synchronous and re-entrant both ways', () => {
  const bytes = build({
    types: [[['i32'], ['i32']]],
    imports: [['env', 'down', 'func', 0]],
    funcs: [{ type: 0, code: [...I.local_get(0), ...I.call(0)], export: 'up' }],
  });
  let inst;
  const down = (n) => (n <= 0 ? 100 : inst.exports.up(n - 1) + 1);
  inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { down } });
  assert.strictEqual(inst.exports.up(10), 110);
});

test('wasm functions passed as imports keep their identity', () => {
  const a = new WebAssembly.Instance(new WebAssembly.Module(add));
  const bytes = build({
    types: [[['i32', 'i32'], ['i32']]],
    imports: [['m', 'add', 'func', 0]],
    exports: [['again', 0, 0]],
  });
  const b = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { add: a.exports.add } });
  assert.strictEqual(b.exports.again, a.exports.add);
});

test('i64 is BigInt, f32 rounds', () => {
  const bytes = build({
    types: [[['i64', 'i64'], ['i64']], [['f32', 'f32'], ['f32']]],
    funcs: [
      { type: 0, code: [...I.local_get(0), ...I.local_get(1), ...I.i64_add], export: 'add64' },
      { type: 1, code: [...I.local_get(0), ...I.local_get(1), ...I.f32_add], export: 'addf' },
    ],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  assert.strictEqual(e.add64(1n, 2n), 3n);
  assert.strictEqual(e.add64(2n ** 63n - 1n, 1n), -(2n ** 63n), 'wraps');
  assert.strictEqual(e.add64(true, '5'), 6n, 'ToBigInt64');
  assert.throws(() => e.add64(1, 2), TypeError, 'a Number is not a BigInt');
  assert.strictEqual(e.addf(0.1, 0.2), Math.fround(Math.fround(0.1) + Math.fround(0.2)));
  assert.ok(Number.isNaN(e.addf(NaN, 1)));
});
