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

// (module
//   (type $s (struct (field i32)))
//   (type $chars (array (mut i16)))
//   (import "wasm:js-string" "fromCharCodeArray" (func $from (param (ref null $chars) i32 i32) (result (ref extern))))
//   (import "wasm:js-string" "intoCharCodeArray" (func $into (param externref (ref null $chars) i32) (result i32)))
//   (import "env" "keep" (func $keep (param (ref null $s)) (result (ref null $s))))
//   (func (export "internalize") (param externref) (result anyref) (any.convert_extern (local.get 0)))
//   (func (export "externalize") (param anyref) (result externref) (extern.convert_any (local.get 0)))
//   (func (export "isI31") (param externref) (result i32) (ref.test (ref i31) (any.convert_extern (local.get 0))))
//   (func (export "newS") (param i32) (result (ref $s)) (struct.new $s (local.get 0)))
//   (func (export "viaHost") (param i32) (result i32)
//     (struct.get $s 0 (ref.as_non_null (call $keep (struct.new $s (local.get 0))))))
//   (func (export "roundTrip") (param externref) (result externref) (local $a (ref null $chars)) (local $n i32)
//     (local.set $a (array.new_default $chars (i32.const 100)))
//     (local.set $n (call $into (local.get 0) (local.get $a) (i32.const 3)))
//     (call $from (local.get $a) (i32.const 3) (i32.add (i32.const 3) (local.get $n))))
//   (func (export "fromChars") (param i32 i32) (result externref)
//     (call $from (array.new_fixed $chars 3 (i32.const 97) (i32.const 98) (i32.const 99)) (local.get 0) (local.get 1)))
//   (func (export "fromNull") (result externref) (call $from (ref.null $chars) (i32.const 0) (i32.const 0)))
//   (func (export "intoChars") (param externref i32) (result i32)
//     (call $into (local.get 0) (array.new_default $chars (i32.const 4)) (local.get 1))))
const EXT_BYTES = Buffer.from(
  '0061736d01000000014f0e5f017f005e7701600363017f7f01646f60036f63017f017f6001630001630060016f016e60' +
  '016e016f60016f017f60017f01640060017f017f60016f016f60027f7f016f6000016f60026f7f017f0252030e776173' +
  '6d3a6a732d737472696e671166726f6d43686172436f6465417272617900020e7761736d3a6a732d737472696e671169' +
  '6e746f43686172436f64654172726179000303656e76046b6565700004030a0905060708090a0b0c0d0765090b696e74' +
  '65726e616c697a6500030b65787465726e616c697a6500040569734933310005046e657753000607766961486f737400' +
  '0709726f756e645472697000080966726f6d436861727300090866726f6d4e756c6c000a09696e746f4368617273000b' +
  '0a84010906002000fb1a0b06002000fb1b0b09002000fb1afb146c0b07002000fb00000b0e002000fb00001002d4fb02' +
  '00000b2402016301017f41e400fb070121012000200141031001210220014103410320026a10000b150041e10041e200' +
  '41e300fb0801032000200110000b0a00d0014100410010000b0d0020004104fb0701200110010b0032046e616d650113' +
  '03000466726f6d0104696e746f02046b656570020901080201016102016e040b0200017301056368617273', 'hex');

test('externref converts through any: i31 Numbers, structs and host values keep what they are', () => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(EXT_BYTES, { builtins: ['js-string'] }), { env: { keep: (x) => x } }).exports;
  assert.strictEqual(e.isI31(5), 1, 'a Number in the i31 range is an i31 inside');
  assert.strictEqual(e.isI31(2 ** 30), 0);
  assert.strictEqual(e.isI31({}), 0);
  const s = e.newS(7);
  assert.strictEqual(e.externalize(s), s, 'a struct made external is the same object');
  assert.strictEqual(e.internalize(s), s, 'a struct passed as externref is the struct inside');
  assert.strictEqual(e.externalize(5), 5);
  const o = {};
  assert.strictEqual(e.internalize(o), o);
  assert.strictEqual(e.externalize(e.internalize('x')), 'x');
});

test('an imported JavaScript function has the import\'s exact type, concrete types included', () => {
  const m = new WebAssembly.Module(EXT_BYTES, { builtins: ['js-string'] });
  let seen;
  const e = new WebAssembly.Instance(m, { env: { keep: (x) => { seen = x; return x; } } }).exports;
  assert.strictEqual(e.viaHost(9), 9);
  assert.strictEqual(typeof seen, 'object');
  const bad = new WebAssembly.Instance(m, { env: { keep: () => ({}) } }).exports;
  assert.throws(() => bad.viaHost(1), TypeError, 'a host value is not a $s');
});

test('the character-array string builtins', () => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(EXT_BYTES, { builtins: ['js-string'] }), { env: { keep: (x) => x } }).exports;
  assert.strictEqual(e.fromChars(0, 3), 'abc');
  assert.strictEqual(e.fromChars(1, 2), 'b');
  assert.strictEqual(e.fromChars(3, 3), '');
  assert.throws(() => e.fromChars(2, 1), WebAssembly.RuntimeError, 'start after end');
  assert.throws(() => e.fromChars(0, 4), WebAssembly.RuntimeError, 'end past the array');
  assert.throws(() => e.fromNull(), WebAssembly.RuntimeError, 'a null array');
  assert.strictEqual(e.intoChars('abcd', 0), 4);
  assert.strictEqual(e.intoChars('', 4), 0);
  assert.throws(() => e.intoChars('abcd', 1), WebAssembly.RuntimeError, 'past the array');
  assert.throws(() => e.intoChars('a', -1), WebAssembly.RuntimeError, 'start is unsigned');
  assert.throws(() => e.intoChars(5, 0), WebAssembly.RuntimeError, 'not a string');
  const odd = 'h\uD800\u00e9\u{1F600}';
  assert.strictEqual(e.roundTrip(odd), odd, 'code units, lone surrogates included, are copied as they are');
});

test('GC objects refuse changes in sloppy mode too, and the bottom types take null', () => {
  const e = instantiate();
  const s = e.makeStruct();
  // Sloppy-mode code (a Function body is not strict).
  const sloppy = new Function('o', 'o.foo = 5; return delete o.bar;');
  assert.throws(() => sloppy(s), TypeError);
  assert.throws(() => Reflect.set(s, 'x', 1), TypeError);
  assert.throws(() => Reflect.deleteProperty(s, 'x'), TypeError);
  assert.strictEqual(Reflect.has(s, 'x'), false);
});
