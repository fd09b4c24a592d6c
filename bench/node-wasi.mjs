// Runs a WASI command on V8 through node:wasi, for the benchmark suite.
//
//   node node-wasi.mjs [--dir HOST::GUEST]... [--env NAME=VALUE]... [--trap-unknown-imports]
//                      [--invoke NAME | --validate | --compile] FILE.wasm [ARGS...]
//
// --validate: WebAssembly.validate only; --compile: new WebAssembly.Module
// only (V8's baseline compile; optimized code is produced later, lazily).
// --dir pre-opens HOST as GUEST (as `tern run --dir`); --env sets a variable
// (node:wasi 24 fails `environ_get` when there are none); --trap-unknown-imports
// gives every import that is not WASI's a function that throws when called.
// Exit status: the guest's exit code, 134 on a trap.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

let argv = process.argv.slice(2);
let mode = 'run';
let invoke = null;
const preopens = {};
const env = {};
let trapUnknown = false;
for (;;) {
  if (argv[0] === '--dir') {
    const [host, guest] = argv[1].split('::');
    preopens[guest ?? host] = host;
    argv = argv.slice(2);
  } else if (argv[0] === '--env') {
    const i = argv[1].indexOf('=');
    env[argv[1].slice(0, i)] = argv[1].slice(i + 1);
    argv = argv.slice(2);
  } else if (argv[0] === '--trap-unknown-imports') { trapUnknown = true; argv = argv.slice(1); }
  else break;
}
if (argv[0] === '--invoke') { mode = 'invoke'; invoke = argv[1]; argv = argv.slice(2); }
else if (argv[0] === '--validate') { mode = 'validate'; argv = argv.slice(1); }
else if (argv[0] === '--compile') { mode = 'compile'; argv = argv.slice(1); }
const file = argv[0];
const bytes = readFileSync(file);

if (mode === 'validate') {
  const ok = WebAssembly.validate(bytes);
  if (!ok) { console.error(`${file}: invalid`); process.exit(1); }
  process.exit(0);
}
const module = new WebAssembly.Module(bytes);
if (mode === 'compile') process.exit(0);

const wasi = new WASI({ version: 'preview1', args: argv, env, preopens, returnOnExit: true });
const imports = wasi.getImportObject();
if (trapUnknown) {
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function' || imports[imp.module]?.[imp.name]) continue;
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = () => { throw new Error(`unknown import ${imp.module}::${imp.name} called`); };
  }
}
const instance = new WebAssembly.Instance(module, imports);
try {
  if (mode === 'invoke') {
    // A reactor (no `_start`): hand it its memory and run its initializer
    // first, as WASI's reactor ABI asks.
    if (!instance.exports._start && instance.exports.memory) wasi.initialize(instance);
    // The guest arguments are also the export's (numeric) arguments.
    const r = instance.exports[invoke](...argv.slice(1).map(Number));
    if (r !== undefined) process.stdout.write(`${r}\n`);
    process.exitCode = 0;
  } else {
    process.exitCode = wasi.start(instance);
  }
} catch (e) {
  console.error(`trap: ${e && e.message ? e.message : e}`);
  process.exitCode = 134;
}
