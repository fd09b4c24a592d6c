// Runs a WASI command on V8 through node:wasi, for the benchmark suite.
//
//   node node-wasi.mjs [--invoke NAME | --validate | --compile] FILE.wasm [ARGS...]
//
// --validate: WebAssembly.validate only; --compile: new WebAssembly.Module
// only (V8's baseline compile; optimized code is produced later, lazily).
// Exit status: the guest's exit code, 134 on a trap.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

let argv = process.argv.slice(2);
let mode = 'run';
let invoke = null;
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

const wasi = new WASI({ version: 'preview1', args: argv, env: {}, returnOnExit: true });
const instance = new WebAssembly.Instance(module, wasi.getImportObject());
try {
  if (mode === 'invoke') {
    const r = instance.exports[invoke]();
    if (r !== undefined) process.stdout.write(`${r}\n`);
    process.exitCode = 0;
  } else {
    process.exitCode = wasi.start(instance);
  }
} catch (e) {
  console.error(`trap: ${e && e.message ? e.message : e}`);
  process.exitCode = 134;
}
