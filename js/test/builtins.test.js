'use strict';
// JS String Builtins: compile options, imports provided at compile time,
// and the builtins' behavior (a failure traps).
const test = require('node:test');
const assert = require('node:assert');
const WebAssembly = require('..');
const { build, I } = require('../testlib/wasm.js');

const jsString = { builtins: ['js-string'] };

// A module importing `names` from wasm:js-string with their types, each
// re-exported (and `call_<name>`, calling it from wasm with its params).
function stringModule(imports) {
  const types = imports.map(([, p, r]) => [p, r]);
  return build({
    types,
    imports: imports.map(([name], i) => ['wasm:js-string', name, 'func', i]),
    exports: imports.map(([name], i) => [name, 0x00, i]),
  });
}

test('builtins are imported at compile time: no import object, no reflection', () => {
  const bytes = build({
    types: [[['externref'], ['i32']], [[], []]],
    imports: [['wasm:js-string', 'test', 'func', 0], ['env', 'f', 'func', 1]],
  });
  const m = new WebAssembly.Module(bytes, jsString);
  assert.deepStrictEqual(WebAssembly.Module.imports(m), [{ module: 'env', name: 'f', kind: 'function' }]);
  assert.throws(() => new WebAssembly.Instance(m), TypeError, 'env.f still needs an import object');
  new WebAssembly.Instance(m, { env: { f() {} } });
  const plain = new WebAssembly.Module(bytes);
  assert.strictEqual(WebAssembly.Module.imports(plain).length, 2, 'without the option they are ordinary imports');
});

test('a builtin imported with another type is a CompileError', async () => {
  const bad = stringModule([['length', ['externref'], ['i64']]]);
  assert.strictEqual(WebAssembly.validate(bad), true);
  assert.strictEqual(WebAssembly.validate(bad, jsString), false);
  assert.throws(() => new WebAssembly.Module(bad, jsString), WebAssembly.CompileError);
  await assert.rejects(WebAssembly.compile(bad, jsString), WebAssembly.CompileError);
  assert.throws(() => new WebAssembly.Module(stringModule([]), { builtins: ['js-string', 'js-string'] }), WebAssembly.CompileError);
  new WebAssembly.Module(stringModule([]), { builtins: ['no-such-set'] }); // unknown sets are ignored
  assert.throws(() => new WebAssembly.Module(stringModule([]), 1), TypeError);
});

test('the string builtins', () => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(stringModule([
    ['test', ['externref'], ['i32']],
    ['cast', ['externref'], ['externref!']],
    ['length', ['externref'], ['i32']],
    ['charCodeAt', ['externref', 'i32'], ['i32']],
    ['codePointAt', ['externref', 'i32'], ['i32']],
    ['fromCharCode', ['i32'], ['externref!']],
    ['concat', ['externref', 'externref'], ['externref!']],
    ['substring', ['externref', 'i32', 'i32'], ['externref!']],
    ['equals', ['externref', 'externref'], ['i32']],
    ['compare', ['externref', 'externref'], ['i32']],
  ]), jsString)).exports;
  assert.strictEqual(e.test('x'), 1);
  assert.strictEqual(e.test(1), 0);
  assert.strictEqual(e.test(null), 0);
  assert.strictEqual(e.length('héllo'), 5);
  assert.strictEqual(e.charCodeAt('ab', 1), 98);
  assert.strictEqual(e.codePointAt('\u{1F600}', 0), 0x1f600);
  assert.strictEqual(e.concat('a', 'b'), 'ab');
  assert.strictEqual(e.substring('hello', 1, 3), 'el');
  assert.strictEqual(e.substring('hello', 4, 2), '');
  assert.strictEqual(e.equals(null, null), 1);
  assert.strictEqual(e.compare('a', 'b'), -1);
  assert.throws(() => e.length(5), WebAssembly.RuntimeError, 'not a string traps');
  assert.throws(() => e.charCodeAt('ab', 2), WebAssembly.RuntimeError, 'out of bounds traps');
  assert.throws(() => e.equals('a', 1), WebAssembly.RuntimeError);
});

test('cast and fromCharCode return (ref extern)', () => {
  const e = new WebAssembly.Instance(new WebAssembly.Module(build({
    types: [[['externref'], ['externref!']], [['i32'], ['externref!']]],
    imports: [['wasm:js-string', 'cast', 'func', 0], ['wasm:js-string', 'fromCharCode', 'func', 1]],
    exports: [['cast', 0x00, 0], ['fromCharCode', 0x00, 1]],
  }), jsString)).exports;
  assert.strictEqual(e.cast('s'), 's');
  assert.throws(() => e.cast({}), WebAssembly.RuntimeError);
  assert.strictEqual(e.fromCharCode(0x10041), 'A', 'ToUint16');
});

test('a trap in a builtin is not an exception wasm can catch', () => {
  // (func (result i32) (block (try_table (catch_all 0) (call $length (i32.const... no string)))) ...)
  const bytes = build({
    types: [[['externref'], ['i32']], [[], ['i32']]],
    imports: [['wasm:js-string', 'length', 'func', 0]],
    funcs: [{
      type: 1,
      code: [
        0x02, 0x40, // block
        0x1f, 0x40, 0x01, 0x02, 0x00, // try_table (catch_all 0)
        ...I.ref_null_extern, ...I.call(0), ...I.drop,
        0x0b, 0x0b, // end end
        ...I.i32_const(7),
      ],
      export: 'f',
    }],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes, jsString)).exports;
  assert.throws(() => e.f(), WebAssembly.RuntimeError);
});

test('imported string constants', () => {
  const bytes = build({
    imports: [['str', 'hello', 'global', { type: 'externref' }], ['env', 'x', 'global', { type: 'i32' }]],
    exports: [['hello', 0x03, 0]],
  });
  const m = new WebAssembly.Module(bytes, { importedStringConstants: 'str' });
  assert.deepStrictEqual(WebAssembly.Module.imports(m).map((i) => i.module), ['env']);
  assert.strictEqual(new WebAssembly.Instance(m, { env: { x: 1 } }).exports.hello.value, 'hello');
  const mutable = build({ imports: [['str', 'x', 'global', { type: 'externref', mutable: true }]] });
  assert.throws(() => new WebAssembly.Module(mutable, { importedStringConstants: 'str' }), WebAssembly.CompileError);
});
