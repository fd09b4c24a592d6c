'use strict';
// Wasm GC values in JavaScript (the JS API's ToJSValue and
// ToWebAssemblyValue for the any hierarchy): i31 references are Numbers,
// other JavaScript values are host references, and structs and arrays are
// opaque objects with one identity each.
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');

// (module
//   (type $s (struct (field (mut i32))))
//   (type $a (array (mut i32)))
//   (func (export "makeStruct") (result (ref $s)) (struct.new $s (i32.const 42)))
//   (func (export "makeArray") (result (ref $a)) (array.new $a (i32.const 42) (i32.const 5)))
//   (func (export "structGet") (param (ref $s)) (result i32) (struct.get $s 0 (local.get 0)))
//   (func (export "makeI31") (param i32) (result (ref i31)) (ref.i31 (local.get 0)))
//   (func (export "getI31") (param (ref i31)) (result i32) (i31.get_s (local.get 0)))
//   (func (export "castI31") (param anyref) (result i32) (i31.get_u (ref.cast (ref i31) (local.get 0))))
//   (func (export "argI31") (param i31ref))
//   (func (export "id") (param anyref) (result anyref) (local.get 0))
//   (func (export "isStruct") (param anyref) (result i32) (ref.test (ref $s) (local.get 0)))
//   (global (export "g") (mut i31ref) (ref.i31 (i32.const 0)))
//   (table (export "tAny") 10 20 (ref any) (ref.i31 (i32.const 42)))
//   (table (export "tNull") 10 20 anyref))
const BYTES = Buffer.from(
  '0061736d0100000001320a5f017f015e7f016000016400600001640160016400017f60017f01646c6001646c017f6001' +
  '6e017f60016c0060016e016e030a090203040506070809070411024000646e010a14412afb1c0b6e010a140608016c01' +
  '4100fb1c0b076f0c0a6d616b655374727563740000096d616b6541727261790001097374727563744765740002076d61' +
  '6b6549333100030667657449333100040763617374493331000506617267493331000602696400070869735374727563' +
  '740008016703000474416e79010005744e756c6c01010a44090700412afb00000b0900412a4105fb06010b08002000fb' +
  '0200000b06002000fb1c0b06002000fb1d0b09002000fb166cfb1e0b02000b040020000b07002000fb14000b000e046e' +
  '616d65040702000173010161', 'hex');

const instantiate = () => new WebAssembly.Instance(new WebAssembly.Module(BYTES)).exports;

test('structs and arrays are opaque objects that refuse every change', () => {
  'use strict';
  const e = instantiate();
  for (const o of [e.makeStruct(), e.makeArray()]) {
    assert.strictEqual(typeof o, 'object');
    assert.strictEqual(Object.getPrototypeOf(o), null);
    assert.strictEqual(o.foo, undefined);
    assert.strictEqual(o[0], undefined);
    assert.strictEqual(Object.getOwnPropertyNames(o).length, 0);
    assert.strictEqual(Object.isExtensible(o), false);
    assert.throws(() => { o.foo = 5; }, TypeError);
    assert.throws(() => { delete o[0]; }, TypeError);
    assert.throws(() => Object.defineProperty(o, 'foo', { value: 1 }), TypeError);
    assert.throws(() => Object.setPrototypeOf(o, {}), TypeError);
    assert.throws(() => Object.preventExtensions(o), TypeError);
    assert.throws(() => Object.seal(o), TypeError);
    assert.throws(() => o.toString(), TypeError);
    assert.strictEqual(Object.prototype.toString.call(o), '[object Object]');
    assert.strictEqual(Object.prototype.valueOf.call(o), o);
  }
});

test('a struct keeps its identity across the boundary and its type inside', () => {
  const e = instantiate();
  const s = e.makeStruct();
  const a = e.makeArray();
  assert.strictEqual(e.id(s), s);
  assert.notStrictEqual(e.makeStruct(), s, 'a new struct is a new object');
  const m = new WeakMap([[s, 'struct'], [a, 'array']]);
  assert.strictEqual(m.get(e.id(s)), 'struct');
  assert.strictEqual(e.structGet(s), 42);
  assert.strictEqual(e.isStruct(s), 1);
  assert.strictEqual(e.isStruct(a), 0);
  assert.throws(() => e.structGet(a), TypeError, 'an array where a struct is expected');
  e.tNull.set(2, s);
  assert.strictEqual(e.tNull.get(2), s);
});

test('i31 references are Numbers, and Numbers in range are i31 references', () => {
  const e = instantiate();
  assert.strictEqual(e.makeI31(42), 42);
  assert.strictEqual(e.makeI31(2 ** 30 - 1), 2 ** 30 - 1);
  assert.strictEqual(e.makeI31(2 ** 30), -(2 ** 30));
  assert.strictEqual(e.makeI31(2 ** 31 - 1), -1);
  assert.strictEqual(e.makeI31(2 ** 31), 0);
  assert.strictEqual(e.getI31(42), 42);
  assert.strictEqual(e.getI31(-(2 ** 30)), -(2 ** 30));
  e.argI31(null);
  for (const v of [2 ** 30, -(2 ** 30) - 1, 2n, () => 3, 'x']) assert.throws(() => e.argI31(v), TypeError);
  assert.strictEqual(e.castI31(42), 42);
  assert.throws(() => e.castI31(2 ** 30), WebAssembly.RuntimeError, 'out of range: a host value');
  assert.throws(() => e.castI31(1.5), WebAssembly.RuntimeError, 'not an integer: a host value');
});

test('other JavaScript values are host references that come back unchanged', () => {
  const e = instantiate();
  const o = {};
  assert.strictEqual(e.id(o), o);
  assert.strictEqual(e.id('str'), 'str');
  assert.strictEqual(e.id(2 ** 40), 2 ** 40);
  assert.strictEqual(e.id(null), null);
  assert.strictEqual(e.isStruct(o), 0);
});

test('globals and tables of the any hierarchy', () => {
  const e = instantiate();
  assert.strictEqual(e.g.value, 0);
  e.g.value = 42;
  assert.throws(() => { e.g.value = 2 ** 30; }, TypeError);
  assert.strictEqual(e.g.value, 42);
  assert.strictEqual(e.tAny.get(0), 42);
  assert.strictEqual(e.tNull.get(0), null);
  e.tNull.grow(5);
  assert.strictEqual(e.tNull.get(12), null);
  assert.throws(() => e.tAny.grow(5), TypeError, 'a non-nullable table needs a value');
  e.tAny.grow(5, 'foo');
  assert.strictEqual(e.tAny.get(12), 'foo');
  assert.throws(() => e.tAny.set(1), TypeError);
  e.tNull.set(1);
  assert.strictEqual(e.tNull.get(1), null);
});
