'use strict';
// Exceptions between JavaScript and wasm (the exception-handling JS API).
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build, I } = require('../testlib/wasm.js');

const EMPTY = 0x40;
const I32 = 0x7f;

test('a wasm exception reaches JavaScript as a WebAssembly.Exception of its tag', () => {
  const bytes = build({
    types: [[['i32'], []]],
    tags: [{ type: 0, export: 'tag' }],
    funcs: [{ type: 0, code: [...I.local_get(0), ...I.throw(0)], export: 'raise' }],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  assert.ok(e.tag instanceof WebAssembly.Tag);
  assert.throws(() => e.raise(42), (x) => x instanceof WebAssembly.Exception && x.is(e.tag) && x.getArg(e.tag, 0) === 42);
});

test('wasm catches what JavaScript throws; identity survives the round trip', () => {
  const tag = new WebAssembly.Tag({ parameters: ['i32'] });
  // (import "js" "f" (func)) (import "js" "tag" (tag (param i32)))
  // catcher: calls f inside try_table (catch $tag 0) and returns the payload, or -1
  // catchAll: calls f inside try_table (catch_all 0) and returns 7, or 0
  // passThrough: calls f
  const bytes = build({
    types: [[[], []], [['i32'], []], [[], ['i32']]],
    imports: [['js', 'f', 'func', 0], ['js', 'tag', 'tag', 1]],
    funcs: [
      { type: 2, code: [...I.block(I32), ...I.try_table(EMPTY, [[0, 0, 0]]), ...I.call(0), ...I.end, ...I.i32_const(-1), 0x0f, ...I.end] },
      { type: 2, code: [...I.block(EMPTY), ...I.try_table(EMPTY, [[2, 0, 0]]), ...I.call(0), ...I.end, ...I.i32_const(0), 0x0f, ...I.end, ...I.i32_const(7)] },
      { type: 0, code: [...I.call(0)] },
    ],
    exports: [['catcher', 0, 1], ['catchAll', 0, 2], ['passThrough', 0, 3]],
  });
  let toThrow;
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { js: { f: () => { throw toThrow; }, tag } }).exports;
  toThrow = new WebAssembly.Exception(tag, [99]);
  assert.strictEqual(e.catcher(), 99, 'caught by tag, payload delivered');
  assert.throws(() => e.passThrough(), (x) => x === toThrow, 'the same Exception object comes back out');
  toThrow = new Error('plain');
  assert.strictEqual(e.catchAll(), 7, 'catch_all catches JavaScript exceptions');
  assert.throws(() => e.catcher(), (x) => x === toThrow, 'not caught by an unrelated tag, and unchanged');
  toThrow = 5;
  assert.throws(() => e.passThrough(), (x) => x === 5);
});

test('JSTag', () => {
  assert.ok(WebAssembly.JSTag instanceof WebAssembly.Tag);
  assert.strictEqual(WebAssembly.JSTag, WebAssembly.JSTag);
});

test('an Exception of JSTag cannot be constructed from JavaScript', () => {
  // Only throwing a JavaScript value makes an exception of JSTag.
  assert.throws(() => new WebAssembly.Exception(WebAssembly.JSTag, [{}]), TypeError);
  assert.throws(() => new WebAssembly.Exception(WebAssembly.JSTag, []), TypeError);
});
