'use strict';
// JavaScript Promise Integration: WebAssembly.promising and
// WebAssembly.Suspending, written from the JS API's JSPI section. Each
// test file runs in a process of its own; the tier comes from
// TERN_JS_TEST_TIER (the Rust driver runs this file on each).
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build, I } = require('../testlib/wasm.js');

if (process.env.TERN_JS_TEST_TIER) WebAssembly.tern.configure({ tier: process.env.TERN_JS_TEST_TIER });

const EMPTY = 0x40;
const I32 = 0x7f;
const i32_mul = [0x6c];
const local_set = (i) => [0x21, i];

// (import "m" "get" (func (param i32) (result i32)))
// (func (export "addGet") (param i32) (result i32)   ;; x + get(x)
// (func (export "loop") (param i32) (result i32)     ;; sum of get(i), i = n-1..0
// (func (export "plain") (param i32) (result i32)    ;; x * 2, no import
function module(get, extra = {}) {
  const bytes = build({
    types: [[['i32'], ['i32']]],
    imports: [['m', 'get', 'func', 0]],
    funcs: [
      { type: 0, code: [...I.local_get(0), ...I.local_get(0), ...I.call(0), ...I.i32_add], export: 'addGet' },
      {
        type: 0,
        locals: [[1, 'i32']],
        code: [
          ...I.block(EMPTY),
          0x03, EMPTY, // loop
          ...I.local_get(0), 0x45, 0x0d, 0x01, // br_if 1 when n == 0
          ...I.local_get(0), ...I.i32_const(1), 0x6b, ...local_set(0), // n -= 1
          ...I.local_get(1), ...I.local_get(0), ...I.call(0), ...I.i32_add, ...local_set(1),
          0x0c, 0x00, // br 0
          ...I.end,
          ...I.end,
          ...I.local_get(1),
        ],
        export: 'loop',
      },
      { type: 0, code: [...I.local_get(0), ...I.i32_const(2), ...i32_mul], export: 'plain' },
    ],
  });
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { get, ...extra } }).exports;
}

test('the API: promising and Suspending', () => {
  assert.strictEqual(typeof WebAssembly.promising, 'function');
  assert.strictEqual(WebAssembly.promising.length, 1);
  assert.strictEqual(WebAssembly.promising.name, 'promising');
  assert.ok(Object.keys(WebAssembly).includes('promising'));
  assert.strictEqual(typeof WebAssembly.Suspending, 'function');
  assert.strictEqual(WebAssembly.Suspending.length, 1);
  assert.ok(!Object.keys(WebAssembly).includes('Suspending'));
  assert.strictEqual(Object.prototype.toString.call(new WebAssembly.Suspending(() => 0)), '[object WebAssembly.Suspending]');
  assert.throws(() => WebAssembly.Suspending(() => 0), TypeError, 'needs new');
  assert.throws(() => new WebAssembly.Suspending(1), TypeError);
  assert.throws(() => new WebAssembly.Suspending({}), TypeError);
  assert.throws(() => WebAssembly.promising(1), TypeError);
  assert.throws(() => WebAssembly.promising(() => 0), TypeError, 'not a wasm function');
  const p = WebAssembly.promising(module(() => 1).plain);
  assert.strictEqual(p.length, 1);
  assert.strictEqual(p.name, '');
  assert.throws(() => new p(), TypeError, 'not a constructor');
  assert.ok(WebAssembly.SuspendError.prototype instanceof Error);
  assert.strictEqual(new WebAssembly.SuspendError('x').name, 'SuspendError');
});

test('a promising call always returns a promise, even without suspending', async () => {
  const e = module(() => 5);
  const p = WebAssembly.promising(e.addGet)(10);
  assert.ok(p instanceof Promise);
  assert.strictEqual(await p, 15);
  assert.strictEqual(await WebAssembly.promising(e.plain)(21), 42);
});

test('a Suspending import that returns a promise suspends the call until it settles', async () => {
  let log = [];
  const get = new WebAssembly.Suspending((x) => {
    log.push(`get ${x}`);
    return new Promise((resolve) => setTimeout(() => resolve(x * 100), 1));
  });
  const e = module(get);
  const p = WebAssembly.promising(e.addGet)(3);
  log.push('returned');
  assert.deepStrictEqual(log, ['get 3', 'returned'], 'the call returned its promise while suspended');
  assert.strictEqual(await p, 303);
  log = [];
  assert.strictEqual(await WebAssembly.promising(e.loop)(50), 100 * (49 * 50) / 2, 'suspend and resume in a loop');
  assert.strictEqual(log.length, 50);
});

test('a Suspending import that returns a plain value suspends too, as if it returned a resolved promise', async () => {
  const order = [];
  const e = module(new WebAssembly.Suspending((x) => {
    order.push('import');
    return x + 1;
  }));
  const p = WebAssembly.promising(e.addGet)(1);
  order.push('after the call');
  assert.strictEqual(await p, 3);
  order.push('settled');
  assert.deepStrictEqual(order, ['import', 'after the call', 'settled']);
  // Called without promising, a Suspending import throws before its
  // function runs, whatever that would return.
  assert.throws(() => e.addGet(1), WebAssembly.SuspendError);
  assert.deepStrictEqual(order, ['import', 'after the call', 'settled']);
});

test('a promising call nested in a Suspending import, and a wasm function as the import of another module', async () => {
  // top (promising) -> outer (Suspending, JavaScript) -> bottom (promising) -> inner (Suspending)
  let bottom;
  const inner = new WebAssembly.Suspending((x) => new Promise((r) => setTimeout(() => r(x + 1), 1)));
  const outer = new WebAssembly.Suspending((x) => bottom(x * 10));
  const b = module(inner);
  const t = module(outer);
  bottom = WebAssembly.promising(b.addGet);
  // bottom(x) = x + (x + 1); top(y) = y + bottom(10 y)
  assert.strictEqual(await WebAssembly.promising(t.addGet)(2), 2 + 20 + 21);
  // A module importing another's export: the suspension passes through
  // both modules' frames.
  const second = module(b.addGet);
  assert.strictEqual(await WebAssembly.promising(second.addGet)(3), 3 + (3 + 4));
});

test('several promising calls suspended at once resume in any order', async () => {
  const resolvers = [];
  const get = new WebAssembly.Suspending((x) => new Promise((resolve) => resolvers.push(() => resolve(x))));
  const e = module(get);
  const promising = WebAssembly.promising(e.loop);
  const calls = [promising(3), promising(4), promising(5)];
  let done = false;
  const results = Promise.all(calls).finally(() => { done = true; });
  // Resume the newest first, then the others, until all are done.
  while (!done) {
    await new Promise((r) => setTimeout(r, 1));
    const next = resolvers.splice(0);
    for (const r of next.reverse()) r();
  }
  assert.deepStrictEqual(await results, [3, 6, 10]);
  // The store still works, synchronously and with new promising calls.
  assert.strictEqual(e.plain(4), 8);
  assert.strictEqual(await WebAssembly.promising(e.plain)(5), 10);
});

test('hundreds of promising calls suspended at once, and their threads gone after', async () => {
  const tasks = () => (require('fs').existsSync('/proc/self/task') ? require('fs').readdirSync('/proc/self/task').length : 0);
  const before = tasks();
  const resolvers = [];
  const get = new WebAssembly.Suspending((x) => new Promise((r) => resolvers.push(() => r(x * 2))));
  const e = module(get);
  const promising = WebAssembly.promising(e.addGet);
  const calls = Array.from({ length: 300 }, (_, i) => promising(i));
  assert.strictEqual(resolvers.length, 300);
  for (const r of resolvers.reverse()) r();
  assert.deepStrictEqual(await Promise.all(calls), Array.from({ length: 300 }, (_, i) => 3 * i));
  // A few threads wait for the next calls; the others end.
  for (let i = 0; i < 100 && tasks() > before + 8; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(tasks() <= before + 8, `${tasks()} threads, ${before} before`);
});

test('synchronous calls and ordinary imports work while a call is suspended, and inside it', async () => {
  let resume;
  const seen = [];
  const bytes = build({
    types: [[['i32'], ['i32']]],
    imports: [['m', 'get', 'func', 0], ['m', 'note', 'func', 0]],
    funcs: [
      // note(get(x)) + 1
      { type: 0, code: [...I.local_get(0), ...I.call(0), ...I.call(1), ...I.i32_const(1), ...I.i32_add], export: 'run' },
      { type: 0, code: [...I.local_get(0), ...I.call(1)], export: 'noteOnly' },
    ],
  });
  let inst;
  const get = new WebAssembly.Suspending((x) => new Promise((r) => { resume = () => r(x * 2); }));
  const note = (x) => {
    seen.push(x);
    // Re-entry from JavaScript called by the suspendable call's wasm.
    return x === 1000 ? x : inst.exports.noteOnly(1000) + x;
  };
  inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { get, note } });
  const p = WebAssembly.promising(inst.exports.run)(7);
  assert.strictEqual(inst.exports.noteOnly(1000), 1000, 'a plain call while suspended');
  resume();
  assert.strictEqual(await p, 14 + 1000 + 1);
  assert.deepStrictEqual(seen, [1000, 14, 1000]);
});

test('a Suspending import reached through JavaScript frames throws SuspendError, which wasm can catch', async () => {
  const get = new WebAssembly.Suspending(() => Promise.resolve(42));
  // catcher: try_table (catch JSTag) around get; 43 when it throws.
  const bytes = build({
    types: [[[], ['i32']], [['externref'], []]],
    imports: [['m', 'get', 'func', 0], ['m', 'tag', 'tag', 1]],
    funcs: [
      {
        type: 0,
        code: [
          ...I.block(0x6f), // block (result externref)
          ...I.try_table(EMPTY, [[0, 0, 0]]), // catch $tag 0
          ...I.call(0), 0x0f, // return get()
          ...I.end,
          ...I.unreachable,
          ...I.end,
          ...I.drop,
          ...I.i32_const(43),
        ],
        export: 'catcher',
      },
    ],
  });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { get, tag: WebAssembly.JSTag } });
  assert.strictEqual(inst.exports.catcher(), 43, 'not from a promising call');
  assert.strictEqual(await WebAssembly.promising(inst.exports.catcher)(), 42, 'from a promising call');
  // promising -> wasm -> JavaScript -> wasm -> Suspending: JavaScript in between.
  const e = module(new WebAssembly.Suspending(() => Promise.resolve(1)));
  const outer = module((x) => e.addGet(x));
  await assert.rejects(WebAssembly.promising(outer.addGet)(1), WebAssembly.SuspendError);
});

test('a rejection with a WebAssembly.Exception is caught by its tag in wasm', async () => {
  const tag = new WebAssembly.Tag({ parameters: ['i32'] });
  const get = new WebAssembly.Suspending(() => Promise.reject(new WebAssembly.Exception(tag, [42])));
  // block (result i32) try_table (catch $tag 0) call get; return end unreachable end
  const bytes = build({
    types: [[[], ['i32']], [['i32'], []]],
    imports: [['m', 'get', 'func', 0], ['m', 'tag', 'tag', 1]],
    funcs: [
      {
        type: 0,
        code: [...I.block(I32), ...I.try_table(EMPTY, [[0, 0, 0]]), ...I.call(0), 0x0f, ...I.end, ...I.unreachable, ...I.end],
        export: 'test',
      },
    ],
  });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { get, tag } });
  assert.strictEqual(await WebAssembly.promising(inst.exports.test)(), 42);
});

test('rejections, exceptions and traps reject the promise', async () => {
  const boom = new Error('boom');
  const rejecting = module(new WebAssembly.Suspending(() => Promise.reject(boom)));
  await assert.rejects(WebAssembly.promising(rejecting.addGet)(1), (e) => e === boom, 'a rejection comes out unchanged');
  const throwing = module(new WebAssembly.Suspending(() => { throw boom; }));
  await assert.rejects(WebAssembly.promising(throwing.addGet)(1), (e) => e === boom);
  const badValue = module(new WebAssembly.Suspending(() => Promise.resolve(Symbol('s'))));
  await assert.rejects(WebAssembly.promising(badValue.addGet)(1), TypeError, 'the settled value is converted to the result type');
  const trapping = module(new WebAssembly.Suspending(() => Promise.resolve(0)));
  const bytes = build({
    types: [[[], []]],
    funcs: [{ type: 0, code: [...I.unreachable], export: 'trap' }],
  });
  const t = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.trap;
  await assert.rejects(WebAssembly.promising(t)(), WebAssembly.RuntimeError);
  assert.strictEqual(await WebAssembly.promising(trapping.addGet)(2), 2, 'the store still works');
  // Arguments are converted inside the call: a bad one rejects.
  await assert.rejects(WebAssembly.promising(trapping.addGet)(1n), TypeError);
});

test('unbounded recursion in a promising call rejects with a RangeError, as JavaScript\'s own stack overflow', async () => {
  // (func $deep (param i32) (result i32) local.get 0 call $deep), after one suspension
  const bytes = build({
    types: [[['i32'], ['i32']]],
    imports: [['m', 'get', 'func', 0]],
    funcs: [
      { type: 0, code: [...I.local_get(0), ...I.call(0), ...I.call(2)], export: 'start' },
      { type: 0, code: [...I.local_get(0), ...I.call(2)], export: 'deep' },
    ],
  });
  const get = new WebAssembly.Suspending((x) => Promise.resolve(x));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { get } });
  await assert.rejects(WebAssembly.promising(inst.exports.start)(1), RangeError);
  await assert.rejects(WebAssembly.promising(inst.exports.deep)(1), RangeError);
  assert.throws(() => inst.exports.deep(1), RangeError, 'and on the main thread');
});

// (module
//   (type $s (struct (field (mut i32)) (field (ref null $s))))
//   (import "m" "wait" (func $wait (param i32) (result i32)))
//   ;; builds a list of n structs (n, n-1, ..., 1) in a local, calls wait,
//   ;; then returns the sum of the list's fields
//   (func (export "hold") (param $n i32) (result i32) ...)
//   ;; allocates n structs that die at once
//   (func (export "churn") (param $n i32) ...))
const GC_BYTES = Buffer.from(
  '0061736d010000000111035f027f0163000060017f017f60017f00020a01016d04776169740001030302010207100204' +
  '686f6c64000105636875726e00020a66024b02016300017f024003402000450d0120002001fb00002101200041016b21' +
  '000c000b0b410010001a024003402001d10d0120022001fb0200006a21022001fb02000121010c000b0b20020b180003' +
  '402000d000fb00001a200041016b210020000d000b0b004a046e616d65010701000477616974021302010300016e0101' +
  '6c020373756d020100016e031f0201040004646f6e6501056275696c640203656e64030373756d020100016c04040100' +
  '0173', 'hex');

test('the collector keeps what a suspended call holds', async () => {
  let resume;
  const wait = new WebAssembly.Suspending(() => new Promise((r) => { resume = () => r(0); }));
  const e = new WebAssembly.Instance(new WebAssembly.Module(GC_BYTES), { m: { wait } }).exports;
  const p = WebAssembly.promising(e.hold)(1000);
  // Enough garbage for several collections while the list lives only in
  // the suspended call's frame.
  for (let i = 0; i < 5; i++) e.churn(500000);
  resume();
  assert.strictEqual(await p, 1000 * 1001 / 2);
  // Two at once, collected while both wait, resumed in reverse order.
  const resumers = [];
  const wait2 = new WebAssembly.Suspending(() => new Promise((r) => resumers.push(() => r(0))));
  const e2 = new WebAssembly.Instance(new WebAssembly.Module(GC_BYTES), { m: { wait: wait2 } }).exports;
  const a = WebAssembly.promising(e2.hold)(300);
  const b = WebAssembly.promising(e2.hold)(400);
  for (let i = 0; i < 5; i++) e2.churn(500000);
  resumers[1]();
  assert.strictEqual(await b, 400 * 401 / 2);
  e2.churn(500000);
  resumers[0]();
  assert.strictEqual(await a, 300 * 301 / 2);
});

test('the collector keeps what the caller of a promising call holds while the call runs', async () => {
  // hold's list lives in its frame on the main thread while a JavaScript
  // import starts promising calls that collect on their own threads.
  let e;
  const pending = [];
  const wait = () => {
    for (let i = 0; i < 5; i++) pending.push(WebAssembly.promising(e.churn)(500000));
    return 0;
  };
  e = new WebAssembly.Instance(new WebAssembly.Module(GC_BYTES), { m: { wait } }).exports;
  assert.strictEqual(e.hold(1000), 1000 * 1001 / 2);
  await Promise.all(pending);
});
