'use strict';
// tern's extras on the namespace: tier, fuel and deadlines. Each test
// file runs in a process of its own, so configuring here is allowed.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build, I } = require('../testlib/wasm.js');

test('extras are not enumerable and leave the standard members alone', () => {
  assert.ok(!Object.keys(WebAssembly).includes('tern'));
  assert.strictEqual(typeof WebAssembly.tern.configure, 'function');
});

test('configure, fuel and deadlines', () => {
  WebAssembly.tern.configure({ tier: 'interp', fuel: true, epochs: true });
  assert.throws(() => WebAssembly.tern.configure({}), /configure before/);
  // (func (export "spin") (loop (br 0)))
  // (func (export "count") (param i32) (result i32) ...) a loop of n steps
  const bytes = build({
    types: [[[], []], [['i32'], ['i32']]],
    funcs: [
      { type: 0, code: [0x03, 0x40, 0x0c, 0x00, 0x0b], export: 'spin' },
      {
        type: 1,
        code: [
          0x03, 0x40, // loop
          ...I.local_get(0), ...I.i32_const(1), 0x6b, 0x22, 0x00, // local.tee 0 (n - 1)
          0x0d, 0x00, // br_if 0
          0x0b,
          ...I.local_get(0),
        ],
        export: 'count',
      },
    ],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  WebAssembly.tern.setFuel(1000000);
  assert.strictEqual(e.count(100), 0);
  const left = WebAssembly.tern.getFuel();
  assert.ok(left < 1000000 && left > 0, `fuel was consumed: ${left}`);
  WebAssembly.tern.setFuel(50);
  assert.throws(() => e.count(1000), (x) => x instanceof WebAssembly.RuntimeError && /fuel/.test(x.message));
  WebAssembly.tern.setFuel(1e15);
  WebAssembly.tern.setDeadline(20);
  assert.throws(() => e.spin(), WebAssembly.RuntimeError, 'the deadline ends an endless loop');
});
