'use strict';
// A real program on tern's WebAssembly: Kotlin/Wasm for JavaScript (see
// kotlin/build.sh) uses Wasm GC, exceptions, the JS String Builtins
// (strings built from i16 arrays), string constants imported at compile
// time, JavaScript imports typed with the module's own struct types, and
// Kotlin objects passed to JavaScript as externref and back. Its glue
// (kotlin/more.mjs) loads the module through `globalThis.WebAssembly`.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

test('a Kotlin/Wasm program for JavaScript prints what it prints on V8', async () => {
  const dir = path.join(__dirname, 'kotlin');
  const expected = fs.readFileSync(path.join(dir, 'more.expected'), 'utf8');
  const saved = globalThis.WebAssembly;
  const log = console.log;
  const lines = [];
  globalThis.WebAssembly = require('..');
  console.log = (...args) => lines.push(args.join(' '));
  try {
    await import(pathToFileURL(path.join(dir, 'more.mjs')).href);
  } finally {
    console.log = log;
    globalThis.WebAssembly = saved;
  }
  assert.strictEqual(lines.map((l) => `${l}\n`).join(''), expected);
});
