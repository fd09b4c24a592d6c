#!/usr/bin/env node
'use strict';
// tern's WebAssembly JavaScript interface against V8's own WebAssembly, in
// one Node process: call overhead in both directions, and the suite's
// compute kernels (bench/wasm) run through the JS API with a small WASI
// shim written against the JS API alone (node:wasi only accepts V8's own
// memories).
//
//   cargo build --release -p tern-js
//   node bench/js/run.js [--quick] [--only fib,sieve] [--repeats N] [--calls N]
//
// Prints a markdown table: median wall time of each measurement per engine
// and tern's time over V8's. The promise integration's rows need a Node
// whose WebAssembly has it (Node 24 does).

const fs = require('fs');
const path = require('path');
const tern = require('../../js');
const { build, I } = require('../../js/testlib/wasm.js');

const v8 = globalThis.WebAssembly;
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const quick = flag('--quick');
const repeats = Number(option('--repeats', quick ? 3 : 5));
const calls = Number(option('--calls', quick ? 200000 : 1000000));
const only = option('--only', null)?.split(',');

// (full size, quick size), as bench/run.
const PROGRAMS = {
  matmul_f32: [1000, 400], matmul_f64: [1000, 400], nbody: [5000000, 300000], mandelbrot: [2000, 500],
  fft: [100, 5], sieve: [30, 2], quicksort: [6000000, 400000], hashtable: [2000000, 300000],
  sha256: [40, 3], crc32: [40, 3], lz: [12, 1], fib: [40, 35], interp: [1000000, 60000],
  tokenizer: [60, 4], simd: [20000, 1000],
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(f) {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

// ---- a WASI shim over any WebAssembly namespace ----

class Exit {
  constructor(code) { this.code = code; }
}

function runWasi(W, module, argv) {
  let memory;
  let out = '';
  const view = () => new DataView(memory.buffer);
  const enc = new TextEncoder();
  const argBytes = argv.map((a) => enc.encode(a + '\0'));
  const wasi = {
    args_sizes_get(pc, ps) {
      view().setUint32(pc, argBytes.length, true);
      view().setUint32(ps, argBytes.reduce((n, b) => n + b.length, 0), true);
      return 0;
    },
    args_get(pp, pb) {
      const v = view();
      const mem = new Uint8Array(memory.buffer);
      for (const [i, b] of argBytes.entries()) {
        v.setUint32(pp + 4 * i, pb, true);
        mem.set(b, pb);
        pb += b.length;
      }
      return 0;
    },
    fd_fdstat_get(fd, p) {
      const v = view();
      v.setUint8(p, fd <= 2 ? 2 : 0);
      v.setUint16(p + 2, 0, true);
      v.setBigUint64(p + 8, 0n, true);
      v.setBigUint64(p + 16, 0n, true);
      return fd <= 2 ? 0 : 8;
    },
    fd_seek() { return 70; },
    fd_close() { return 0; },
    fd_write(fd, iovs, n, pn) {
      const v = view();
      let total = 0;
      for (let i = 0; i < n; i++) {
        const p = v.getUint32(iovs + 8 * i, true);
        const len = v.getUint32(iovs + 8 * i + 4, true);
        if (fd === 1) out += Buffer.from(memory.buffer, p, len).toString();
        total += len;
      }
      v.setUint32(pn, total, true);
      return 0;
    },
    proc_exit(code) { throw new Exit(code); },
  };
  const instance = new W.Instance(module, { wasi_snapshot_preview1: wasi });
  memory = instance.exports.memory;
  try {
    instance.exports._start();
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    if (e.code !== 0) throw new Error(`exit ${e.code}`);
  }
  const m = /checksum.*/.exec(out);
  return m ? m[0] : out;
}

// ---- call overhead ----

// add(i32, i32) -> i32; loop(n) calls the import n times.
const callBytes = build({
  types: [[['i32', 'i32'], ['i32']], [['i32'], []], [[], []]],
  imports: [['js', 'f', 'func', 2]],
  funcs: [
    { type: 0, code: [...I.local_get(0), ...I.local_get(1), ...I.i32_add], export: 'add' },
    {
      type: 1,
      code: [
        0x02, 0x40, 0x03, 0x40, // block loop
        ...I.local_get(0), 0x45, 0x0d, 0x01, // i32.eqz br_if 1
        ...I.call(0),
        ...I.local_get(0), ...I.i32_const(1), 0x6b, 0x21, 0x00, // local.set 0 (n - 1)
        0x0c, 0x00, 0x0b, 0x0b, // br 0 end end
      ],
      export: 'loop',
    },
  ],
});

function callOverhead(W) {
  let hits = 0;
  const e = new W.Instance(new W.Module(callBytes), { js: { f: () => { hits++; } } }).exports;
  const add = e.add;
  const toWasm = median(Array.from({ length: repeats }, () => time(() => {
    let s = 0;
    for (let i = 0; i < calls; i++) s = add(s, 1);
    if (s !== calls) throw new Error('wrong sum');
  })));
  const toJs = median(Array.from({ length: repeats }, () => time(() => e.loop(calls))));
  if (hits !== calls * repeats) throw new Error('wrong number of calls');
  return { toWasm, toJs };
}

// ---- promise integration ----

// Each promising call of `add` awaited in turn (entry and exit); one
// promising call of `loop` whose import is a Suspending function that
// returns nothing: every call of it suspends and resumes the wasm call;
// and one whose import is a plain JavaScript function.
async function jspiOverhead(W) {
  const n = Math.max(1, Math.floor(calls / 20));
  const e = new W.Instance(new W.Module(callBytes), { js: { f: new W.Suspending(() => {}) } }).exports;
  const add = W.promising(e.add);
  const loop = W.promising(e.loop);
  const plain = new W.Instance(new W.Module(callBytes), { js: { f: () => {} } }).exports;
  const plainLoop = W.promising(plain.loop);
  const entry = [];
  const suspend = [];
  const imports = [];
  for (let r = 0; r < repeats; r++) {
    let t = process.hrtime.bigint();
    let s = 0;
    for (let i = 0; i < n; i++) s = await add(s, 1);
    if (s !== n) throw new Error('wrong sum');
    entry.push(Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    await loop(n);
    suspend.push(Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    await plainLoop(n);
    imports.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return { n, entry: median(entry), suspend: median(suspend), imports: median(imports) };
}

// ---- report ----

const rows = [];
const fmt = (x) => (x < 0.01 ? x.toExponential(2) : x.toFixed(3));
function row(name, t, v) {
  rows.push(`| ${name} | ${fmt(t)} | ${fmt(v)} | ${(t / v).toFixed(2)}x |`);
  console.error(rows[rows.length - 1]);
}

async function main() {
  const co = { tern: callOverhead(tern), v8: callOverhead(v8) };
  row(`JS → wasm, ${calls} calls`, co.tern.toWasm, co.v8.toWasm);
  row(`wasm → JS, ${calls} calls`, co.tern.toJs, co.v8.toJs);
  const jspi = { tern: await jspiOverhead(tern), v8: await jspiOverhead(v8) };
  row(`promising call, awaited, ${jspi.tern.n} calls`, jspi.tern.entry, jspi.v8.entry);
  row(`suspend and resume, ${jspi.tern.n} times`, jspi.tern.suspend, jspi.v8.suspend);
  row(`wasm → JS inside a promising call, ${jspi.tern.n} calls`, jspi.tern.imports, jspi.v8.imports);

  const dir = path.join(__dirname, '..', 'wasm');
  let bad = 0;
  for (const [name, [full, small]] of Object.entries(PROGRAMS)) {
    if (only && !only.includes(name)) continue;
    const bytes = fs.readFileSync(path.join(dir, `${name}.wasm`));
    const size = String(quick ? small : full);
    const result = {};
    for (const [engine, W] of [['tern', tern], ['v8', v8]]) {
      const module = new W.Module(bytes);
      let sum;
      result[engine] = median(Array.from({ length: repeats }, () => time(() => { sum = runWasi(W, module, [name, size]); })));
      result[`${engine}-sum`] = sum;
    }
    if (result['tern-sum'] !== result['v8-sum']) {
      bad++;
      console.error(`${name}: checksums differ: tern ${result['tern-sum']}, v8 ${result['v8-sum']}`);
    }
    row(`${name} ${size}`, result.tern, result.v8);
  }

  console.log(`tern's WebAssembly vs V8's in Node ${process.version}; median of ${repeats}; seconds\n`);
  console.log('| measurement | tern | V8 | tern/V8 |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
  process.exitCode = bad ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
