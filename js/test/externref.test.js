'use strict';
// Host values passed to wasm as references are freed once wasm no longer
// holds them: the store's payloads when enough were made (at the start of
// a call from JavaScript, when no wasm runs), and the JavaScript half's
// values with them. What a table, a global, a GC struct or an exception
// holds stays, with its identity.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');

// (module
//   (type $box (struct (field externref)))
//   (table $t (export "t") 4 externref)
//   (global $g (export "g") (mut externref) (ref.null extern))
//   (global $keep (mut (ref null $box)) (ref.null $box))
//   (tag $e (export "e") (param externref))
//   (func (export "id") (param externref) (result externref) (local.get 0))
//   (func (export "keepInStruct") (param externref) (global.set $keep (struct.new $box (local.get 0))))
//   (func (export "fromStruct") (result externref) (struct.get $box 0 (global.get $keep)))
//   (func (export "keepInternal") (param externref) (result anyref) (any.convert_extern (local.get 0)))
//   (func (export "throwIt") (param externref) (throw $e (local.get 0))))
const BYTES = Buffer.from(
  '0061736d010000000117055f016f0060016f0060016f016f6000016f60016f016e03060502010304010404016f00040d' +
  '03010001060c026f01d06f0b630001d0000b07470801740100016703000165040002696400000c6b656570496e537472' +
  '75637400010a66726f6d53747275637400020c6b656570496e7465726e616c0003077468726f77497400040a27050400' +
  '20000b09002000fb000024010b08002301fb0200000b06002000fb1a0b0600200008000b0025046e616d650406010003' +
  '626f78050401000174070a0200016701046b6565700b0401000165', 'hex');

test('host values wasm still holds survive the collection of those it dropped', () => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(BYTES)).exports;
  const inTable = { where: 'table' };
  const inGlobal = { where: 'global' };
  const inStruct = { where: 'struct' };
  const internal = { where: 'anyref' };
  e.t.set(1, inTable);
  e.g.value = inGlobal;
  e.keepInStruct(inStruct);
  const held = e.keepInternal(internal);
  const tag = new WebAssembly.Tag({ parameters: ['externref'] });
  const pinned = { where: 'exception' };
  const exn = new WebAssembly.Exception(tag, [pinned]);
  let thrown;
  try {
    e.throwIt({ where: 'thrown' });
  } catch (x) {
    thrown = x;
  }
  // Enough short-lived values to make the store collect several times.
  for (let i = 0; i < 300000; i++) {
    const o = { i };
    assert.strictEqual(e.id(o), o);
  }
  assert.strictEqual(e.t.get(1), inTable);
  assert.strictEqual(e.g.value, inGlobal);
  assert.strictEqual(e.fromStruct(), inStruct);
  assert.strictEqual(held, internal);
  assert.strictEqual(exn.getArg(tag, 0), pinned);
  assert.strictEqual(thrown.getArg(e.e, 0).where, 'thrown');
  assert.strictEqual(e.t.get(0), null);
  e.t.set(0, 'late');
  assert.strictEqual(e.t.get(0), 'late');
});
