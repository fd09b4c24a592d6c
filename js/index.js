'use strict';
// tern's WebAssembly JavaScript interface: the `WebAssembly` namespace of
// the JS API specification, on tern's engine. The native half (the
// Node-API addon of crates/tern-js) holds modules, the store and its
// entities and runs wasm; this file is the specification's surface: the
// classes, WebIDL argument conversions, ToWebAssemblyValue/ToJSValue and
// the import object's reading.
//
// Usage: `globalThis.WebAssembly = require('<checkout>/js')`.

const path = require('path');
const fs = require('fs');

function loadAddon() {
  const candidates = [];
  if (process.env.TERN_JS_ADDON) candidates.push(process.env.TERN_JS_ADDON);
  const target = process.env.CARGO_TARGET_DIR || path.join(__dirname, '..', 'target');
  for (const profile of ['release', 'debug']) {
    candidates.push(path.join(target, profile, 'libtern_js.so'));
    candidates.push(path.join(target, profile, 'libtern_js.dylib'));
    candidates.push(path.join(target, profile, 'tern_js.dll'));
  }
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    const m = { exports: {} };
    process.dlopen(m, file);
    return m.exports;
  }
  throw new Error('tern: the addon is not built; run `cargo build --release -p tern-js` ' +
    '(or set TERN_JS_ADDON to its path). Looked in: ' + candidates.join(', '));
}

const native = loadAddon();
const { exceededLimit } = require('./limits.js');
const { BuiltinTrap, builtinSets, charArrays } = require('./builtins.js');

// ---- errors ----

function defineError(name) {
  const E = class extends Error {
    constructor(message, options) {
      super(message, options);
    }
  };
  Object.defineProperty(E, 'name', { value: name });
  // Like the NativeError constructors these follow, length is 1 (message).
  Object.defineProperty(E, 'length', { value: 1 });
  Object.defineProperty(E.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  return E;
}
const CompileError = defineError('CompileError');
const LinkError = defineError('LinkError');
const RuntimeError = defineError('RuntimeError');
const SuspendError = defineError('SuspendError');

// Errors thrown by the addon carry `ternKind`; anything else (a JavaScript
// exception from an import) passes unchanged.
function translate(e) {
  if (e !== null && typeof e === 'object' && typeof e.ternKind === 'string') {
    switch (e.ternKind) {
      case 'Exception': return exceptionFromWasm(e);
      case 'CompileError': return new CompileError(e.message);
      case 'LinkError': return new LinkError(e.message);
      case 'RuntimeError': return new RuntimeError(e.message);
      case 'RangeError': return new RangeError(e.message);
      case 'TypeError': return new TypeError(e.message);
      default: return new Error(e.message);
    }
  }
  return e;
}
function nat(f, ...args) {
  try {
    return f(...args);
  } catch (e) {
    throw translate(e);
  }
}

// ---- WebIDL conversions ----

function requireArgs(args, n, what) {
  if (args.length < n) throw new TypeError(`${what}: ${n} argument${n > 1 ? 's' : ''} required, but only ${args.length} present`);
}

// [EnforceRange] unsigned long.
function enforceU32(v, what) {
  if (typeof v === 'bigint') throw new TypeError(`${what} must be a number, not a BigInt`);
  let x = Number(v); // ToNumber: valueOf/toString once; TypeError for symbols
  if (!Number.isFinite(x)) throw new TypeError(`${what} must be a finite number`);
  x = Math.trunc(x);
  if (x < 0 || x > 0xffffffff) throw new TypeError(`${what} is outside the range of an unsigned long`);
  return x;
}

// ToPrimitive(v, number), as ToBigInt performs it.
function toPrimitiveNumber(v) {
  if (!isObject(v)) return v;
  const exotic = v[Symbol.toPrimitive];
  if (exotic !== undefined && exotic !== null) {
    if (typeof exotic !== 'function') throw new TypeError('Symbol.toPrimitive is not a function');
    const r = Reflect.apply(exotic, v, ['number']);
    if (isObject(r)) throw new TypeError('Cannot convert object to primitive value');
    return r;
  }
  for (const name of ['valueOf', 'toString']) {
    const f = v[name];
    if (typeof f === 'function') {
      const r = Reflect.apply(f, v, []);
      if (!isObject(r)) return r;
    }
  }
  throw new TypeError('Cannot convert object to primitive value');
}

// ToBigInt, without wrapping: TypeError for numbers, undefined, null and
// symbols, SyntaxError for strings that are not integers.
function toBigInt(v) {
  const p = toPrimitiveNumber(v);
  switch (typeof p) {
    case 'bigint': return p;
    case 'boolean': return p ? 1n : 0n;
    case 'string': return BigInt(p);
    case 'symbol': throw new TypeError('Cannot convert a Symbol value to a BigInt');
    default: throw new TypeError(`Cannot convert ${p} to a BigInt`);
  }
}

// An address value of a memory or table of address type `address`: an
// [EnforceRange] unsigned long for i32, a BigInt in [0, 2^64) for i64 (a
// TypeError outside, as for EnforceRange). Returned as a Number, exact up
// to 2^53, which is beyond every limit the checks after this apply.
function enforceAddress(v, address, what) {
  if (address === 'i64') {
    const b = toBigInt(v);
    if (b < 0n || b > 0xffffffffffffffffn) throw new TypeError(`${what} is outside the range of a 64-bit address`);
    return Number(b);
  }
  return enforceU32(v, what);
}

function isObject(v) {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

// Brand checks and the intrinsic accessors of buffers and views, so that
// neither prototypes nor patched getters fool them.
const { isArrayBuffer, isSharedArrayBuffer, isArrayBufferView, isDataView } = require('util').types;
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const intrinsic = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
const taBuffer = intrinsic(TypedArrayProto, 'buffer');
const taByteOffset = intrinsic(TypedArrayProto, 'byteOffset');
const taByteLength = intrinsic(TypedArrayProto, 'byteLength');
const dvBuffer = intrinsic(DataView.prototype, 'buffer');
const dvByteOffset = intrinsic(DataView.prototype, 'byteOffset');
const dvByteLength = intrinsic(DataView.prototype, 'byteLength');
// ArrayBuffer.prototype.detached is new in Node 22; before it, only a
// detached buffer refuses a view.
const abDetached = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached');

function isDetached(buffer) {
  if (!isArrayBuffer(buffer)) return false;
  if (abDetached) return Reflect.apply(abDetached.get, buffer, []);
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

// WebIDL's "get a copy of the bytes held by the buffer source" of an
// [AllowResizable] AllowSharedBufferSource: a detached buffer holds no
// bytes, an out-of-bounds typed array neither (its length reads 0), an
// out-of-bounds DataView throws a TypeError (its length getter does).
function bufferBytes(v) {
  checkBufferSource(v);
  if (isArrayBuffer(v) || isSharedArrayBuffer(v)) {
    if (isDetached(v)) return new Uint8Array(0);
    return new Uint8Array(v).slice();
  }
  if (isArrayBufferView(v)) {
    const dv = isDataView(v);
    const buffer = Reflect.apply(dv ? dvBuffer : taBuffer, v, []);
    if (isDetached(buffer)) return new Uint8Array(0);
    const offset = Reflect.apply(dv ? dvByteOffset : taByteOffset, v, []);
    const length = Reflect.apply(dv ? dvByteLength : taByteLength, v, []);
    return new Uint8Array(buffer, offset, length).slice();
  }
}

// The argument's conversion to a buffer source: a brand check (the bytes
// are copied later, after the other arguments' conversions).
function checkBufferSource(v) {
  if (!isArrayBuffer(v) && !isSharedArrayBuffer(v) && !isArrayBufferView(v)) {
    throw new TypeError('argument must be an ArrayBuffer, a SharedArrayBuffer or a view of one');
  }
}

// ---- values ----

// Host values that crossed to wasm live here; the store holds their ids
// (`undefined`, the default value of externref, always has id 0). Each id
// but 0 names one store payload, made when the id crossed, except the ids
// a WebAssembly.Exception keeps in its payload (pinned: they cross again
// at every throw). When the store frees payloads wasm no longer holds, the
// addon tells which ids (`externsFreed`), and they are reused.
const externValues = [undefined];
const freeExternIds = [];
const pinnedExternIds = new Set();
function externId(v) {
  if (v === undefined) return 0;
  const id = freeExternIds.pop();
  if (id !== undefined) {
    externValues[id] = v;
    return id;
  }
  externValues.push(v);
  return externValues.length - 1;
}
native.onExternsFreed((ids) => {
  for (const id of ids) {
    if (id === 0 || pinnedExternIds.has(id) || id >= externValues.length) continue;
    externValues[id] = undefined;
    freeExternIds.push(id);
  }
});

// References of the `any` hierarchy cross as one number (see the addon):
// an i31 as itself, a host value as EXTERN_BASE + its externref id, a
// struct or array as GC_BASE + its handle. Structs and arrays are opaque
// here: one object per wasm object, with no properties and a null
// prototype, that refuses every change (the JS API's exotic objects).
const EXTERN_BASE = 2 ** 31;
const GC_BASE = 2 ** 33;
const ANY_TYPES = new Set(['anyref', 'eqref', 'i31ref', 'structref', 'arrayref', 'nullref', 'i16arrayref']);
const gcObjects = []; // handle -> object
const gcHandles = new WeakMap(); // object -> handle
// The exotic objects' changes throw a TypeError in sloppy mode too (a
// trap returning false throws only in strict mode).
const refuse = () => {
  throw new TypeError('WebAssembly GC objects cannot be changed from JavaScript');
};
const gcHandler = Object.freeze(Object.assign(Object.create(null), {
  get: () => undefined,
  set: refuse,
  has: () => false,
  defineProperty: refuse,
  deleteProperty: refuse,
  getOwnPropertyDescriptor: () => undefined,
  ownKeys: () => [],
  getPrototypeOf: () => null,
  setPrototypeOf: refuse,
  isExtensible: () => false,
  preventExtensions: refuse,
}));
function gcObject(h) {
  let o = gcObjects[h];
  if (o === undefined) {
    o = new Proxy(Object.preventExtensions(Object.create(null)), gcHandler);
    gcObjects[h] = o;
    gcHandles.set(o, h);
  }
  return o;
}
charArrays.read = (array, start, end) => nat(native.charArrayRead, GC_BASE + gcHandles.get(array), start, end);
charArrays.write = (string, array, start) => nat(native.charArrayWrite, string, GC_BASE + gcHandles.get(array), start);
function anyToWasm(v, base) {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 30) && v < 2 ** 30
      && (base === 'anyref' || base === 'eqref' || base === 'i31ref')) {
    return v;
  }
  if (base !== 'i31ref' && base !== 'nullref' && gcHandles.has(v)) return GC_BASE + gcHandles.get(v);
  if (base === 'anyref') return EXTERN_BASE + externId(v);
  throw new TypeError(`the value cannot be converted to ${base}`);
}
function anyToJS(raw) {
  if (raw < EXTERN_BASE) return raw;
  if (raw < GC_BASE) return externValues[raw - EXTERN_BASE];
  return gcObject(raw - GC_BASE);
}

const funcHandles = new WeakMap(); // exported function -> handle
const funcObjects = new Map(); // handle -> exported function

function isRef(type) {
  return type.endsWith('ref') || type.endsWith('ref!');
}

function toWasm(v, type) {
  switch (type) {
    case 'i32': return (+v) | 0;
    case 'i64': { const a = new BigInt64Array(1); a[0] = v; return a[0]; }
    case 'f32': return Math.fround(+v);
    case 'f64': return +v;
    case 'v128': throw new TypeError('v128 values cannot be passed between JavaScript and WebAssembly');
    case 'exnref': case 'exnref!': throw new TypeError('exnref values cannot be passed from JavaScript');
    case 'funcref': case 'funcref!':
      if (v === null) {
        if (type.endsWith('!')) throw new TypeError('null for a non-nullable function reference');
        return null;
      }
      if (typeof v === 'function' && funcHandles.has(v)) return funcHandles.get(v);
      throw new TypeError('a funcref must be null or an exported WebAssembly function');
    case 'externref': case 'externref!':
      if (v === null) {
        if (type.endsWith('!')) throw new TypeError('null for a non-nullable external reference');
        return null;
      }
      return anyToWasm(v, 'anyref');
    default: {
      const base = type.endsWith('!') ? type.slice(0, -1) : type;
      if (ANY_TYPES.has(base)) {
        if (v === null) {
          if (base !== type) throw new TypeError(`null for a non-nullable ${base}`);
          return null;
        }
        return anyToWasm(v, base);
      }
      // The bottom types of the func and extern hierarchies hold only null.
      if (base === 'nullfuncref' || base === 'nullexternref') {
        if (v === null && base === type) return null;
        throw new TypeError(`only null is a value of type ${type}`);
      }
      throw new TypeError(`values of type ${type} cannot be passed from JavaScript`);
    }
  }
}

function toJS(raw, type) {
  if (type === 'funcref' || type === 'funcref!') return raw === null ? null : exportedFunction(raw, null);
  if (type === 'externref' || type === 'externref!') return raw === null ? null : anyToJS(raw);
  if (isRef(type)) {
    if (raw === null) return null;
    if (ANY_TYPES.has(type.endsWith('!') ? type.slice(0, -1) : type)) return anyToJS(raw);
    throw new TypeError(`values of type ${type} cannot be passed to JavaScript`);
  }
  if (type === 'v128') throw new TypeError('v128 values cannot be passed to JavaScript');
  return raw;
}

function defaultValue(type) {
  switch (type) {
    case 'i32': case 'f32': case 'f64': return 0;
    case 'i64': return 0n;
    case 'externref': return EXTERN_BASE + externId(undefined);
    default:
      if (type.endsWith('!')) throw new TypeError(`a ${type.slice(0, -1)} that is not nullable has no default value`);
      return null;
  }
}

// ---- functions ----

// The value of a raw result list (undefined, one raw value, or an array).
function resultsToJS(out, results) {
  if (results.length === 0) return undefined;
  if (results.length === 1) return toJS(out, results[0]);
  return out.map((r, i) => toJS(r, results[i]));
}

function callRaw(handle, args) {
  try {
    return native.call(handle, ...args);
  } catch (e) {
    throw translate(e);
  }
}

function exportedFunction(handle, index) {
  let f = funcObjects.get(handle);
  if (f) return f;
  const [params, results] = nat(native.funcType, handle);
  const [p0, p1, p2] = params;
  const ret = (out) => (results.length === 1 ? toJS(out, results[0]) : resultsToJS(out, results));
  const call = native.call;
  // Fixed arities avoid building an argument array on the common paths.
  switch (params.length) {
    case 0:
      f = () => {
        try { return ret(call(handle)); } catch (e) { throw translate(e); }
      };
      break;
    case 1:
      f = (a) => {
        const x = toWasm(a, p0);
        try { return ret(call(handle, x)); } catch (e) { throw translate(e); }
      };
      break;
    case 2:
      f = (a, b) => {
        const x = toWasm(a, p0), y = toWasm(b, p1);
        try { return ret(call(handle, x, y)); } catch (e) { throw translate(e); }
      };
      break;
    case 3:
      f = (a, b, c) => {
        const x = toWasm(a, p0), y = toWasm(b, p1), z = toWasm(c, p2);
        try { return ret(call(handle, x, y, z)); } catch (e) { throw translate(e); }
      };
      break;
    default:
      f = (...args) => {
        const raw = new Array(params.length);
        for (let i = 0; i < params.length; i++) raw[i] = toWasm(args[i], params[i]);
        return ret(callRaw(handle, raw));
      };
  }
  Object.defineProperty(f, 'length', { value: params.length });
  Object.defineProperty(f, 'name', { value: String(index === null ? handle : index) });
  Object.setPrototypeOf(f, WasmFunction.prototype);
  funcObjects.set(handle, f);
  funcHandles.set(f, handle);
  return f;
}

// IteratorToList(GetIteratorFromMethod(v, GetMethod(v, @@iterator))), as
// the specification reads the results of an import with several: the
// method and `next` are each read once, and every step reads `done`, then
// `value` (the values are converted afterwards, by the caller).
function iterableToList(v, what) {
  if (v === undefined || v === null) throw new TypeError(what);
  const method = v[Symbol.iterator];
  if (method === undefined || method === null) throw new TypeError(what);
  if (typeof method !== 'function') throw new TypeError(`${what}: Symbol.iterator is not a function`);
  const iterator = Reflect.apply(method, v, []);
  if (!isObject(iterator)) throw new TypeError(`${what}: the iterator is not an object`);
  const next = iterator.next;
  if (typeof next !== 'function') throw new TypeError(`${what}: the iterator's next is not a function`);
  const out = [];
  for (;;) {
    const step = Reflect.apply(next, iterator, []);
    if (!isObject(step)) throw new TypeError(`${what}: an iterator result is not an object`);
    if (step.done) return out;
    out.push(step.value);
  }
}

// A JavaScript function imported by wasm: the addon calls its trampoline
// with the raw arguments; it returns the raw result (one), undefined
// (none) or an array (several), or `{ exn }` when the function throws
// (any value: wasm code can catch it, and it comes out unchanged where
// wasm was entered).
// It is made for import `index` of `module` (the addon's module), of that
// import's exact type.
function hostFunction(fn, params, results, module, index) {
  return nat(native.importFunc, module, index, hostTrampoline(fn, params, results));
}

// What an import of `results` returns, as raw results: "coerce a
// JavaScript return".
function resultConverter(results) {
  const one = results.length === 1 ? results[0] : null;
  return (ret) => {
    if (one !== null) return toWasm(ret, one);
    if (results.length === 0) return undefined;
    const vals = iterableToList(ret, 'an import with several results must return an iterable');
    if (vals.length !== results.length) throw new TypeError(`expected ${results.length} results, got ${vals.length}`);
    return vals.map((v, i) => toWasm(v, results[i]));
  };
}

// The trampoline through which the addon calls `fn` as a function of type
// `params -> results`.
function hostTrampoline(fn, params, results) {
  const convert = resultConverter(results);
  // Numbers need no conversion on the way in.
  const simple = params.every((t) => t === 'i32' || t === 'f32' || t === 'f64');
  const trampoline = simple
    ? (...args) => {
      try {
        return convert(Reflect.apply(fn, undefined, args));
      } catch (e) {
        return { exn: exceptionToWasm(e) };
      }
    }
    : (...raw) => {
      try {
        const args = raw.map((r, i) => toJS(r, params[i]));
        return convert(Reflect.apply(fn, undefined, args));
      } catch (e) {
        return { exn: exceptionToWasm(e) };
      }
    };
  return trampoline;
}

// ---- WebIDL interface helpers ----

// Regular operations and attributes are enumerable, unlike class members.
function defineMembers(proto, members) {
  for (const [name, desc] of Object.entries(members)) {
    if (typeof desc === 'function') {
      Object.defineProperty(proto, name, { value: desc, writable: true, enumerable: true, configurable: true });
    } else {
      Object.defineProperty(proto, name, { ...desc, enumerable: true, configurable: true });
    }
  }
}
function toStringTag(proto, tag) {
  Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true });
}
function getter(name, f) {
  Object.defineProperty(f, 'name', { value: `get ${name}` });
  return f;
}
function setter(name, f) {
  Object.defineProperty(f, 'name', { value: `set ${name}` });
  return f;
}
function method(name, length, f) {
  Object.defineProperty(f, 'name', { value: name });
  Object.defineProperty(f, 'length', { value: length });
  return f;
}

// ---- Module ----

const moduleState = new WeakMap(); // Module -> { native, bytes }

class Module {
  constructor(bytes, options = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Module requires 'new'");
    requireArgs(arguments, 1, 'WebAssembly.Module');
    checkBufferSource(bytes);
    const opts = compileOptions(options);
    moduleState.set(this, compileBytes(bufferBytes(bytes), opts));
  }
}
// WebAssemblyCompileOptions: `builtins` (the builtin sets a module may
// import, "js-string") and `importedStringConstants` (the module name
// whose global imports are string constants), read in that order.
const NO_OPTIONS = Object.freeze({ builtins: [], constants: null });
function usvString(v) {
  const s = String(v);
  return typeof s.toWellFormed === 'function' ? s.toWellFormed() : s;
}
function compileOptions(options) {
  if (options === undefined || options === null) return NO_OPTIONS;
  if (!isObject(options)) throw new TypeError('WebAssembly: compile options must be an object');
  const b = options.builtins;
  let builtins = [];
  if (b !== undefined) {
    if (!isObject(b)) throw new TypeError("WebAssembly: compile option 'builtins' must be a sequence");
    builtins = iterableToList(b, "WebAssembly: compile option 'builtins' must be a sequence").map(usvString);
  }
  const c = options.importedStringConstants;
  const constants = c === undefined || c === null ? null : usvString(c);
  return { builtins, constants };
}

// How each import of a module compiled with `options` is provided: a
// builtin (`[setName, name]`), a string constant (`'constant'`), or by the
// import object (`null`). A CompileError when a builtin's or constant's
// import has the wrong type, or a builtin set is named twice.
function importSources(imports, options) {
  if (new Set(options.builtins).size !== options.builtins.length) {
    throw new CompileError('WebAssembly.Module(): a builtin set is named twice');
  }
  const sets = options.builtins.filter((n) => Object.hasOwn(builtinSets, n));
  return imports.map(([module, name, ty]) => {
    for (const set of sets) {
      const def = builtinSets[set];
      if (module !== def.module || !Object.hasOwn(def.builtins, name)) continue;
      const [params, results] = def.builtins[name];
      const same = (a, b) => a !== null && a.length === b.length && a.every((t, i) => t === b[i]);
      if (ty[0] !== 'function' || !same(params, ty[1]) || !same(results, ty[2])) {
        throw new CompileError(`WebAssembly.Module(): import ${module}.${name} does not have the builtin's type`);
      }
      return [set, name];
    }
    if (options.constants !== null && module === options.constants) {
      if (ty[0] !== 'global' || ty[2] || (ty[1] !== 'externref' && ty[1] !== 'externref!')) {
        throw new CompileError(`WebAssembly.Module(): string constant ${module}.${name} must be an immutable externref global`);
      }
      return 'constant';
    }
    return null;
  });
}

// A module's state from its bytes (copied already): the embedding's
// limits, then tern's compiler, then the compile options' imports.
function compileBytes(b, options = NO_OPTIONS) {
  const over = exceededLimit(b);
  if (over !== null) throw new CompileError(`WebAssembly.Module(): ${over}`);
  const m = nat(native.compile, b);
  const imports = nat(native.moduleImports, m);
  return { native: m, bytes: b, imports, sources: importSources(imports, options) };
}
function moduleOf(m) {
  const s = isObject(m) ? moduleState.get(m) : undefined;
  if (!s) throw new TypeError('argument must be a WebAssembly.Module');
  return s;
}
function readLeb(bytes, at) {
  let result = 0, shift = 0, b;
  do {
    if (at >= bytes.length) throw new CompileError('truncated');
    b = bytes[at++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [result, at];
}
defineMembers(Module, {
  exports: method('exports', 1, function exports(module) {
    requireArgs(arguments, 1, 'WebAssembly.Module.exports');
    const s = moduleOf(module);
    return nat(native.moduleExports, s.native).map(([name, kind]) => ({ name, kind }));
  }),
  imports: method('imports', 1, function imports(module) {
    requireArgs(arguments, 1, 'WebAssembly.Module.imports');
    const s = moduleOf(module);
    // Builtins and string constants are no imports to provide.
    return s.imports.filter((_, i) => s.sources[i] === null).map(([module, name, ty]) => ({ module, name, kind: ty[0] }));
  }),
  customSections: method('customSections', 2, function customSections(module, sectionName) {
    requireArgs(arguments, 2, 'WebAssembly.Module.customSections');
    const s = moduleOf(module);
    const wanted = String(sectionName);
    const out = [];
    const b = s.bytes;
    let at = 8;
    const decoder = new TextDecoder();
    while (at < b.length) {
      const id = b[at++];
      let size;
      [size, at] = readLeb(b, at);
      const end = at + size;
      if (id === 0) {
        let len, p;
        [len, p] = readLeb(b, at);
        const name = decoder.decode(b.subarray(p, p + len));
        if (name === wanted) out.push(b.slice(p + len, end).buffer);
      }
      at = end;
    }
    return out;
  }),
});
toStringTag(Module.prototype, 'WebAssembly.Module');

// %AbstractModuleSource% (ECMAScript's source phase imports): the parent
// class of Module, not constructible, whose prototype's @@toStringTag
// getter names the kind of a module source.
function AbstractModuleSource() {
  throw new TypeError('AbstractModuleSource cannot be constructed');
}
Object.defineProperty(AbstractModuleSource.prototype, Symbol.toStringTag, {
  get: getter('[Symbol.toStringTag]', function () {
    return isObject(this) && moduleState.has(this) ? 'WebAssembly.Module' : undefined;
  }),
  configurable: true,
});
Object.defineProperty(AbstractModuleSource, 'prototype', { writable: false });
Object.setPrototypeOf(Module, AbstractModuleSource);
Object.setPrototypeOf(Module.prototype, AbstractModuleSource.prototype);

// ---- Instance ----

const memoryObjects = new Map();
const tableObjects = new Map();
const globalObjects = new Map();
const tagObjects = new Map();
const handles = new WeakMap(); // Memory/Table/Global/Tag object -> handle

function wrapper(map, Class, handle) {
  let o = map.get(handle);
  if (!o) {
    o = Object.create(Class.prototype);
    handles.set(o, handle);
    map.set(handle, o);
  }
  return o;
}

// The function of a builtin, made once: its trampoline works on raw
// values, and a failure is a trap.
const builtinHandles = new Map();
function builtinHandle(set, name) {
  const key = `${set}\0${name}`;
  let h = builtinHandles.get(key);
  if (h !== undefined) return h;
  const [params, results, impl] = builtinSets[set].builtins[name];
  const trampoline = (...raw) => {
    try {
      const r = Reflect.apply(impl, undefined, raw.map((v, i) => toJS(v, params[i])));
      return toWasm(r, results[0]);
    } catch (e) {
      if (e instanceof BuiltinTrap) return { trap: `${name}: ${e.message}` };
      return { exn: exceptionToWasm(e) };
    }
  };
  h = nat(native.hostFunc, params, results, trampoline);
  builtinHandles.set(key, h);
  return h;
}

// The specification's "read the imports".
function readImports(s, importObject) {
  const { imports, sources } = s;
  if (importObject === undefined && sources.some((src) => src === null)) throw new TypeError('imports argument must be present and must be an object');
  if (importObject !== undefined && !isObject(importObject)) throw new TypeError('imports argument must be an object');
  const out = [];
  for (let i = 0; i < imports.length; i++) {
    const [moduleName, name, ty] = imports[i];
    const src = sources[i];
    if (src === 'constant') {
      out.push(nat(native.globalNew, ty[1], false, EXTERN_BASE + externId(name)));
      continue;
    }
    if (src !== null) {
      out.push(builtinHandle(src[0], src[1]));
      continue;
    }
    const o = importObject[moduleName];
    if (!isObject(o)) throw new TypeError(`import object field '${moduleName}' is not an Object`);
    const v = o[name];
    const what = `import ${moduleName}.${name}`;
    switch (ty[0]) {
      case 'function':
        if (isObject(v) && suspendingFunctions.has(v)) {
          const fn = suspendingFunctions.get(v);
          out.push(nat(native.importSuspending, s.native, i, suspendingTrampoline(fn, ty[1], ty[2])));
          break;
        }
        if (typeof v !== 'function') throw new LinkError(`${what}: function import requires a callable`);
        out.push(funcHandles.has(v) ? funcHandles.get(v) : hostFunction(v, ty[1], ty[2], s.native, i));
        break;
      case 'global': {
        const [, type, mutable] = ty;
        if (isObject(v) && handles.has(v) && globalObjects.get(handles.get(v)) === v) {
          out.push(handles.get(v));
          break;
        }
        if (type === 'i64' && typeof v !== 'bigint') throw new LinkError(`${what}: global import must be a BigInt`);
        if ((type === 'i32' || type === 'f32' || type === 'f64') && typeof v !== 'number') throw new LinkError(`${what}: global import must be a number`);
        if (type === 'v128') throw new LinkError(`${what}: v128 global imports need a WebAssembly.Global`);
        const raw = toWasm(v, type);
        if (mutable) throw new LinkError(`${what}: imported mutable global must be a WebAssembly.Global object`);
        out.push(nat(native.globalNew, type, false, raw));
        break;
      }
      case 'memory':
        if (!(isObject(v) && handles.has(v) && memoryObjects.get(handles.get(v)) === v)) throw new LinkError(`${what}: memory import must be a WebAssembly.Memory object`);
        out.push(handles.get(v));
        break;
      case 'table':
        if (!(isObject(v) && handles.has(v) && tableObjects.get(handles.get(v)) === v)) throw new LinkError(`${what}: table import requires a WebAssembly.Table`);
        out.push(handles.get(v));
        break;
      case 'tag':
        if (!(isObject(v) && handles.has(v) && tagObjects.get(handles.get(v)) === v)) throw new LinkError(`${what}: tag import requires a WebAssembly.Tag`);
        out.push(handles.get(v));
        break;
      default:
        throw new LinkError(`${what}: unknown import kind`);
    }
  }
  return out;
}

function instantiateSync(s, importObject) {
  return instantiateWith(s, readImports(s, importObject));
}

function instantiateWith(s, imports) {
  const exports = Object.create(null);
  for (const [name, kind, handle, index] of nat(native.instantiate, s.native, imports)) {
    switch (kind) {
      case 'function': exports[name] = exportedFunction(handle, index); break;
      case 'memory': exports[name] = wrapper(memoryObjects, Memory, handle); break;
      case 'table': exports[name] = wrapper(tableObjects, Table, handle); break;
      case 'global': exports[name] = wrapper(globalObjects, Global, handle); break;
      case 'tag': exports[name] = wrapper(tagObjects, Tag, handle); break;
    }
  }
  return Object.freeze(exports);
}

const instanceExports = new WeakMap();
class Instance {
  constructor(module, importObject = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Instance requires 'new'");
    requireArgs(arguments, 1, 'WebAssembly.Instance');
    instanceExports.set(this, instantiateSync(moduleOf(module), importObject));
  }
}
defineMembers(Instance.prototype, {
  exports: {
    get: getter('exports', function () {
      if (!instanceExports.has(this)) throw new TypeError('not a WebAssembly.Instance');
      return instanceExports.get(this);
    }),
  },
});
toStringTag(Instance.prototype, 'WebAssembly.Instance');

// ---- Memory ----


function handleOf(o, map, what) {
  const h = isObject(o) ? handles.get(o) : undefined;
  if (h === undefined || map.get(h) !== o) throw new TypeError(`not a ${what}`);
  return h;
}

// The JavaScript embedding's limits on memories: pages a memory may have
// (4 GiB, 16 GiB), and the largest maximum a 64-bit memory's type may
// declare (its byte length must stay an exact Number).
const MEMORY32_PAGES = 65536;
const MEMORY64_PAGES = 262144;
const MEMORY64_TYPE_PAGES = 2 ** 37 - 1;
// ... and on tables.
const TABLE_ELEMENTS = 10000000;

// A descriptor's `address`: "i32" unless given.
function descriptorAddress(d, what) {
  const a = d.address;
  if (a === undefined) return 'i32';
  const s = String(a);
  if (s !== 'i32' && s !== 'i64') throw new TypeError(`${what}: invalid address type '${s}'`);
  return s;
}

// A descriptor's limits, read and converted in its dictionary's order:
// `initial`, `maximum`, then `minimum` (the type reflection proposal's name
// for `initial`; exactly one of the two must be given). `[min, max|null]`.
function descriptorLimits(d, address, what) {
  const initialV = d.initial;
  const initial = initialV === undefined ? undefined : enforceAddress(initialV, address, `${what}: initial`);
  const maximumV = d.maximum;
  const maximum = maximumV === undefined ? null : enforceAddress(maximumV, address, `${what}: maximum`);
  const minimumV = d.minimum;
  const minimum = minimumV === undefined ? undefined : enforceAddress(minimumV, address, `${what}: minimum`);
  if (initial !== undefined && minimum !== undefined) throw new TypeError(`${what}: give one of 'initial' and 'minimum', not both`);
  if (initial === undefined && minimum === undefined) throw new TypeError(`${what}: property 'initial' is required`);
  return [initial === undefined ? minimum : initial, maximum];
}

class Memory {
  constructor(descriptor) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Memory requires 'new'");
    requireArgs(arguments, 1, 'WebAssembly.Memory');
    const what = 'WebAssembly.Memory';
    if (!isObject(descriptor)) throw new TypeError(`${what}: descriptor must be an object`);
    const address = descriptorAddress(descriptor, what);
    const [initial, maximum] = descriptorLimits(descriptor, address, what);
    const shared = Boolean(descriptor.shared);
    const pages = address === 'i64' ? MEMORY64_PAGES : MEMORY32_PAGES;
    const typePages = address === 'i64' ? MEMORY64_TYPE_PAGES : MEMORY32_PAGES;
    if (maximum !== null && maximum > typePages) throw new RangeError(`${what}: maximum is above ${typePages} pages`);
    if (maximum !== null && maximum < initial) throw new RangeError(`${what}: maximum is below initial`);
    if (initial > pages) throw new RangeError(`${what}: initial is above ${pages} pages`);
    if (shared && maximum === null) throw new TypeError(`${what}: a shared memory needs a maximum`);
    const h = nat(native.memoryNew, initial, maximum, shared, address);
    handles.set(this, h);
    memoryObjects.set(h, this);
  }
}
defineMembers(Memory.prototype, {
  // The type reflection proposal's MemoryType, with `index` ('u32' or
  // 'u64') beside `address`: older revisions named it so, and the
  // specification's own test helpers still check it.
  type: method('type', 0, function type() {
    const h = handleOf(this, memoryObjects, 'WebAssembly.Memory');
    const [, min, max, shared, address] = native.memoryType(h);
    const index = address === 'i64' ? 'u64' : 'u32';
    return { address, index, ...reflectLimits(min, max, address), shared };
  }),
  grow: method('grow', 1, function grow(delta) {
    const h = handleOf(this, memoryObjects, 'WebAssembly.Memory');
    requireArgs(arguments, 1, 'WebAssembly.Memory.grow');
    const [, size, , , address] = native.memoryType(h);
    const d = enforceAddress(delta, address, 'WebAssembly.Memory.grow(): delta');
    if (size + d > (address === 'i64' ? MEMORY64_PAGES : MEMORY32_PAGES)) {
      throw new RangeError('WebAssembly.Memory.grow(): maximum memory size exceeded');
    }
    let old;
    try {
      old = native.memoryGrow(h, d);
    } catch (e) {
      throw new RangeError('WebAssembly.Memory.grow(): maximum memory size exceeded');
    }
    return address === 'i64' ? BigInt(old) : old;
  }),
  buffer: {
    get: getter('buffer', function () {
      const h = handleOf(this, memoryObjects, 'WebAssembly.Memory');
      const b = nat(native.memoryBuffer, h);
      // A shared memory's SharedArrayBuffer is frozen.
      if (isSharedArrayBuffer(b) && Object.isExtensible(b)) Object.freeze(b);
      return b;
    }),
  },
});
toStringTag(Memory.prototype, 'WebAssembly.Memory');

// ---- Table ----

function tableElement(e) {
  const s = String(e);
  if (s === 'anyfunc' || s === 'funcref') return 'funcref';
  if (s === 'externref') return 'externref';
  throw new TypeError(`WebAssembly.Table: invalid element type '${s}'`);
}

class Table {
  constructor(descriptor, value = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Table requires 'new'");
    requireArgs(arguments, 1, 'WebAssembly.Table');
    const what = 'WebAssembly.Table';
    if (!isObject(descriptor)) throw new TypeError(`${what}: descriptor must be an object`);
    // The element type first, then the address type the limits need.
    const elementV = descriptor.element;
    if (elementV === undefined) throw new TypeError(`${what}: property 'element' is required`);
    const element = tableElement(elementV);
    const address = descriptorAddress(descriptor, what);
    const [initial, maximum] = descriptorLimits(descriptor, address, what);
    if (maximum !== null && maximum < initial) throw new RangeError(`${what}: maximum is below initial`);
    if (initial > TABLE_ELEMENTS) throw new RangeError(`${what}: initial is above ${TABLE_ELEMENTS} elements`);
    const init = arguments.length < 2 ? defaultValue(element) : toWasm(value, element);
    const h = nat(native.tableNew, element, initial, maximum, address, init);
    handles.set(this, h);
    tableObjects.set(h, this);
  }
}
function tableIndex(h, v, what) {
  const ty = native.tableType(h);
  return enforceAddress(v, ty[4], what);
}
// The type reflection proposal's `type()` of tables, globals and tags:
// dictionaries, so their keys come in lexicographic order.
function reflectLimits(min, max, address) {
  const n = (x) => (address === 'i64' ? BigInt(x) : x);
  return max === null ? { minimum: n(min) } : { maximum: n(max), minimum: n(min) };
}

defineMembers(Table.prototype, {
  type: method('type', 0, function type() {
    const h = handleOf(this, tableObjects, 'WebAssembly.Table');
    const [, element, min, max, address] = native.tableType(h);
    return { address, element, ...reflectLimits(min, max, address) };
  }),
  length: {
    get: getter('length', function () {
      const h = handleOf(this, tableObjects, 'WebAssembly.Table');
      const n = native.tableLength(h);
      return native.tableType(h)[4] === 'i64' ? BigInt(n) : n;
    }),
  },
  grow: method('grow', 1, function grow(delta, value) {
    const h = handleOf(this, tableObjects, 'WebAssembly.Table');
    requireArgs(arguments, 1, 'WebAssembly.Table.grow');
    const d = tableIndex(h, delta, 'delta');
    const element = native.tableType(h)[1];
    const init = arguments.length < 2 ? defaultValue(element) : toWasm(value, element);
    if (native.tableLength(h) + d > TABLE_ELEMENTS) throw new RangeError(`WebAssembly.Table.grow(): above ${TABLE_ELEMENTS} elements`);
    const old = nat(native.tableGrow, h, d, init);
    return native.tableType(h)[4] === 'i64' ? BigInt(old) : old;
  }),
  get: method('get', 1, function get(index) {
    const h = handleOf(this, tableObjects, 'WebAssembly.Table');
    requireArgs(arguments, 1, 'WebAssembly.Table.get');
    const i = tableIndex(h, index, 'index');
    const element = native.tableType(h)[1];
    return toJS(nat(native.tableGet, h, i), element);
  }),
  set: method('set', 1, function set(index, value) {
    const h = handleOf(this, tableObjects, 'WebAssembly.Table');
    requireArgs(arguments, 1, 'WebAssembly.Table.set');
    const i = tableIndex(h, index, 'index');
    const element = native.tableType(h)[1];
    const v = arguments.length < 2 ? defaultValue(element) : toWasm(value, element);
    nat(native.tableSet, h, i, v);
    return undefined;
  }),
});
toStringTag(Table.prototype, 'WebAssembly.Table');

// ---- Global ----

// A ValueType enum value (WebIDL: ToString, then the enum's check) as the
// addon's type name.
function valueTypeOf(v, what) {
  const s = String(v);
  if (!['i32', 'i64', 'f32', 'f64', 'v128', 'externref', 'anyfunc', 'funcref'].includes(s)) {
    throw new TypeError(`${what}: invalid value type '${s}'`);
  }
  return s === 'anyfunc' ? 'funcref' : s;
}

function globalValueType(v) {
  const s = String(v);
  switch (s) {
    case 'i32': case 'i64': case 'f32': case 'f64': case 'externref': return s;
    case 'anyfunc': case 'funcref': return 'funcref';
    case 'v128': throw new TypeError('WebAssembly.Global: v128 globals cannot be created from JavaScript');
    default: throw new TypeError(`WebAssembly.Global: invalid value type '${s}'`);
  }
}

class Global {
  constructor(descriptor, v = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Global requires 'new'");
    requireArgs(arguments, 1, 'WebAssembly.Global');
    if (!isObject(descriptor)) throw new TypeError('WebAssembly.Global: descriptor must be an object');
    const mutable = Boolean(descriptor.mutable);
    const typeV = descriptor.value;
    if (typeV === undefined) throw new TypeError("WebAssembly.Global: property 'value' is required");
    const type = globalValueType(typeV);
    const raw = v === undefined ? defaultValue(type) : toWasm(v, type);
    const h = nat(native.globalNew, type, mutable, raw);
    handles.set(this, h);
    globalObjects.set(h, this);
  }
}
function globalValue(g) {
  const h = handleOf(g, globalObjects, 'WebAssembly.Global');
  const [, type] = native.globalType(h);
  if (type === 'v128') throw new TypeError('WebAssembly.Global: v128 values cannot be read from JavaScript');
  return toJS(nat(native.globalGet, h), type);
}
defineMembers(Global.prototype, {
  type: method('type', 0, function type() {
    const h = handleOf(this, globalObjects, 'WebAssembly.Global');
    const [, value, mutable] = native.globalType(h);
    // The proposal's ValueType names funcref by its old name.
    return { mutable, value: value === 'funcref' ? 'anyfunc' : value };
  }),
  valueOf: method('valueOf', 0, function valueOf() {
    return globalValue(this);
  }),
  value: {
    get: getter('value', function () {
      return globalValue(this);
    }),
    set: setter('value', function (v) {
      // WebIDL: a setter called without an argument gets undefined.
      const h = handleOf(this, globalObjects, 'WebAssembly.Global');
      const [, type, mutable] = native.globalType(h);
      if (!mutable) throw new TypeError("WebAssembly.Global: can't set the value of an immutable global");
      if (type === 'v128') throw new TypeError('WebAssembly.Global: v128 values cannot be written from JavaScript');
      nat(native.globalSet, h, toWasm(v, type));
    }),
  },
});
toStringTag(Global.prototype, 'WebAssembly.Global');

// ---- Tag and Exception ----

class Tag {
  constructor(type) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Tag requires 'new'");
    requireArgs(arguments, 1, 'WebAssembly.Tag');
    if (!isObject(type)) throw new TypeError('WebAssembly.Tag: type must be an object');
    const params = type.parameters;
    if (!isObject(params)) throw new TypeError("WebAssembly.Tag: property 'parameters' must be a sequence");
    const types = iterableToList(params, "WebAssembly.Tag: property 'parameters' must be a sequence")
      .map((t) => valueTypeOf(t, 'WebAssembly.Tag'));
    const h = nat(native.tagNew, types);
    handles.set(this, h);
    tagObjects.set(h, this);
  }
}
defineMembers(Tag.prototype, {
  type: method('type', 0, function type() {
    const h = handleOf(this, tagObjects, 'WebAssembly.Tag');
    return { parameters: native.tagType(h) };
  }),
});
toStringTag(Tag.prototype, 'WebAssembly.Tag');

const exceptionState = new WeakMap();
class Exception {
  constructor(exceptionTag, payload, options = undefined) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Exception requires 'new'");
    requireArgs(arguments, 2, 'WebAssembly.Exception');
    const h = handleOf(exceptionTag, tagObjects, 'WebAssembly.Tag');
    // JSTag's exceptions carry thrown JavaScript values; only a throw makes them.
    if (h === jsTagHandle) throw new TypeError('WebAssembly.Exception: cannot construct an exception of WebAssembly.JSTag');
    if (!isObject(payload)) throw new TypeError('WebAssembly.Exception: payload must be a sequence');
    const values = iterableToList(payload, 'WebAssembly.Exception: payload must be a sequence');
    const types = native.tagType(h);
    if (values.length !== types.length) throw new TypeError('WebAssembly.Exception: wrong number of payload values');
    const raw = values.map((v, i) => toWasm(v, types[i]));
    // Host values' ids in the payload stay (see `externId`).
    raw.forEach((r, i) => {
      if (isRef(types[i]) && typeof r === 'number' && r >= EXTERN_BASE && r < GC_BASE) pinnedExternIds.add(r - EXTERN_BASE);
    });
    exceptionState.set(this, { tag: exceptionTag, types, raw });
    if (isObject(options) && options.traceStack) {
      const holder = {};
      Error.captureStackTrace(holder);
      Object.defineProperty(this, 'stack', { value: holder.stack, writable: true, configurable: true });
    }
  }
}
function exceptionOf(e) {
  const s = isObject(e) ? exceptionState.get(e) : undefined;
  if (!s) throw new TypeError('not a WebAssembly.Exception');
  return s;
}
defineMembers(Exception.prototype, {
  is: method('is', 1, function is(otherTag) {
    const s = exceptionOf(this);
    requireArgs(arguments, 1, 'WebAssembly.Exception.is');
    handleOf(otherTag, tagObjects, 'WebAssembly.Tag');
    return s.tag === otherTag;
  }),
  getArg: method('getArg', 2, function getArg(exceptionTag, index) {
    const s = exceptionOf(this);
    requireArgs(arguments, 2, 'WebAssembly.Exception.getArg');
    handleOf(exceptionTag, tagObjects, 'WebAssembly.Tag');
    const i = enforceU32(index, 'index');
    if (s.tag !== exceptionTag) throw new TypeError('WebAssembly.Exception.getArg(): tag does not match');
    if (i >= s.raw.length) throw new RangeError('WebAssembly.Exception.getArg(): index out of range');
    return toJS(s.raw[i], s.types[i]);
  }),
});
toStringTag(Exception.prototype, 'WebAssembly.Exception');

// Exceptions crossing between JavaScript and wasm. A WebAssembly.Exception
// becomes a wasm exception of its tag, any other value one of JSTag with
// the value as its externref payload; each keeps its identity both ways.
const exnObjects = new Map(); // exception handle -> WebAssembly.Exception
// Made on first use, so that `WebAssembly.tern.configure` can still
// replace the store before anything else is made.
let jsTagHandle = null;
function jsTag() {
  if (jsTagHandle === null) jsTagHandle = nat(native.tagNew, ['externref']);
  return wrapper(tagObjects, Tag, jsTagHandle);
}

function exceptionToWasm(e) {
  const s = isObject(e) ? exceptionState.get(e) : undefined;
  if (!s) return nat(native.exnNew, handles.get(jsTag()), [toWasm(e, 'externref')]);
  if (s.exn === undefined) {
    s.exn = nat(native.exnNew, handles.get(s.tag), s.raw);
    exnObjects.set(s.exn, e);
  }
  return s.exn;
}

function exceptionFromWasm(e) {
  if (e.tag === jsTagHandle) return toJS(e.payload[0], 'externref');
  let o = exnObjects.get(e.exn);
  if (o) return o;
  o = Object.create(Exception.prototype);
  const tag = wrapper(tagObjects, Tag, e.tag);
  exceptionState.set(o, { tag, types: native.tagType(e.tag), raw: e.payload, exn: e.exn });
  exnObjects.set(e.exn, o);
  return o;
}

// ---- Function (the type reflection proposal) ----

// A function type dictionary ({ parameters, results }, read in that
// order, both required) as the addon's type names.
function functionTypeOf(t, what) {
  if (!isObject(t)) throw new TypeError(`${what}: argument 1 must be a function type`);
  const list = (name) => {
    const v = t[name];
    if (v === undefined) throw new TypeError(`${what}: property '${name}' is required`);
    if (!isObject(v)) throw new TypeError(`${what}: property '${name}' must be a sequence`);
    return iterableToList(v, `${what}: property '${name}' must be a sequence`).map((x) => valueTypeOf(x, what));
  };
  const parameters = list('parameters');
  return [parameters, list('results')];
}
const reflectValueType = (t) => (t === 'funcref' ? 'anyfunc' : t);

// `new WebAssembly.Function(type, fn)`: a JavaScript function as a wasm
// function of that type (an exported function, which wasm may import or
// put in a table), or an exported function itself when it has the type.
// Every exported function inherits from its prototype, whose `type()`
// reflects the function's type.
const WasmFunction = class Function {
  constructor(type, func) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Function requires 'new'");
    requireArgs(arguments, 2, 'WebAssembly.Function');
    const [params, results] = functionTypeOf(type, 'WebAssembly.Function');
    if (typeof func !== 'function') throw new TypeError('WebAssembly.Function: argument 2 must be a function');
    if (funcHandles.has(func)) {
      const [p, r] = nat(native.funcType, funcHandles.get(func));
      const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
      if (!same(p, params) || !same(r, results)) throw new TypeError('WebAssembly.Function: the function has another type');
      return func;
    }
    const h = nat(native.hostFunc, params, results, hostTrampoline(func, params, results));
    return exportedFunction(h, null);
  }
};
Object.setPrototypeOf(WasmFunction, globalThis.Function);
Object.setPrototypeOf(WasmFunction.prototype, globalThis.Function.prototype);
defineMembers(WasmFunction.prototype, {
  type: method('type', 0, function type() {
    const h = typeof this === 'function' ? funcHandles.get(this) : undefined;
    if (h === undefined) throw new TypeError('WebAssembly.Function.prototype.type: not a WebAssembly function');
    const [p, r] = nat(native.funcType, h);
    return { parameters: p.map(reflectValueType), results: r.map(reflectValueType) };
  }),
});

// ---- the namespace ----

function validate(bytes, options = undefined) {
  requireArgs(arguments, 1, 'WebAssembly.validate');
  checkBufferSource(bytes);
  const opts = compileOptions(options);
  const b = bufferBytes(bytes);
  if (opts === NO_OPTIONS || (opts.builtins.length === 0 && opts.constants === null)) {
    return exceededLimit(b) === null && native.validate(b);
  }
  try {
    compileBytes(b, opts);
    return true;
  } catch (e) {
    if (e instanceof CompileError) return false;
    throw e;
  }
}

function compile(bytes, options = undefined) {
  if (arguments.length < 1) return Promise.reject(new TypeError('WebAssembly.compile: 1 argument required'));
  let b, opts;
  try {
    checkBufferSource(bytes);
    opts = compileOptions(options);
    b = bufferBytes(bytes);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        const m = Object.create(Module.prototype);
        moduleState.set(m, compileBytes(b, opts));
        resolve(m);
      } catch (e) {
        reject(e);
      }
    });
  });
}

// A task that makes an Instance of a module whose imports were read.
function instantiateLater(s, imports) {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        const instance = Object.create(Instance.prototype);
        instanceExports.set(instance, instantiateWith(s, imports));
        resolve(instance);
      } catch (e) {
        reject(e);
      }
    });
  });
}

function instantiate(source, importObject, options = undefined) {
  if (arguments.length < 1) return Promise.reject(new TypeError('WebAssembly.instantiate: 1 argument required'));
  if (isObject(source) && moduleState.has(source)) {
    // Instantiating a Module reads the import object now; only the
    // instantiation itself comes later.
    let imports;
    try {
      imports = readImports(moduleOf(source), importObject);
    } catch (e) {
      return Promise.reject(e);
    }
    return instantiateLater(moduleOf(source), imports);
  }
  if (importObject !== undefined && !isObject(importObject)) {
    return Promise.reject(new TypeError('WebAssembly.instantiate: imports argument must be an object'));
  }
  return compile(source, options).then((module) => {
    const s = moduleOf(module);
    return instantiateLater(s, readImports(s, importObject)).then((instance) => ({ module, instance }));
  });
}

// ---- JavaScript Promise Integration ----
//
// `promising(f)` runs `f` on a thread of the addon's (a fiber) that can
// wait: a `Suspending` import that returns a promise leaves it waiting
// until the promise settles, and the promising call's own promise settles
// when `f` returns.

const suspendingFunctions = new WeakMap(); // Suspending -> the function it wraps
const promiseThen = Promise.prototype.then;
const promiseResolve = Promise.resolve;

class Suspending {
  constructor(jsFun) {
    if (new.target === undefined) throw new TypeError("Constructor WebAssembly.Suspending requires 'new'");
    if (arguments.length < 1) throw new TypeError('WebAssembly.Suspending: 1 argument required');
    if (typeof jsFun !== 'function') throw new TypeError('WebAssembly.Suspending: argument must be a function');
    suspendingFunctions.set(this, jsFun);
  }
}
toStringTag(Suspending.prototype, 'WebAssembly.Suspending');

// The trampoline of a Suspending import of `fn`: it takes first whether
// the call may suspend (only a call straight from a promising call's
// wasm may; any other throws a SuspendError, which wasm can catch), and
// returns `{ suspend, convert }`: the addon suspends the call until the
// promise `suspend` settles; `convert` makes its value raw results.
function suspendingTrampoline(fn, params, results) {
  const convert = resultConverter(results);
  return (active, ...raw) => {
    try {
      if (!active) throw new SuspendError('WebAssembly.Suspending: the import was not called from a WebAssembly.promising call, or JavaScript frames lie between');
      const args = raw.map((r, i) => toJS(r, params[i]));
      // Await(PromiseResolve(%Promise%, ret)): the call suspends even
      // when `fn` returns no promise.
      return { suspend: Reflect.apply(promiseResolve, Promise, [Reflect.apply(fn, undefined, args)]), convert };
    } catch (e) {
      return { exn: exceptionToWasm(e) };
    }
  };
}

function promising(wasmFunc) {
  if (typeof wasmFunc !== 'function') throw new TypeError('WebAssembly.promising: argument must be a function');
  const handle = funcHandles.get(wasmFunc);
  if (handle === undefined) throw new TypeError('WebAssembly.promising: argument must be an exported WebAssembly function');
  const [params, results] = nat(native.funcType, handle);
  const f = (...args) => new Promise((resolve, reject) => {
    // Runs the call until it returns or suspends again.
    const step = (go) => {
      let r;
      try {
        r = go();
      } catch (e) {
        reject(translate(e));
        return;
      }
      if ('done' in r) {
        try {
          resolve(resultsToJS(r.done, results));
        } catch (e) {
          reject(e);
        }
        return;
      }
      const { suspend, convert, fiber } = r;
      const onValue = (v) => {
        let out;
        try {
          out = convert(v);
        } catch (e) {
          out = { exn: exceptionToWasm(e) };
        }
        step(() => native.jspiResume(fiber, out));
      };
      const onError = (e) => step(() => native.jspiResume(fiber, { exn: exceptionToWasm(e) }));
      Reflect.apply(promiseThen, suspend, [onValue, onError]);
    };
    step(() => {
      const raw = params.map((t, i) => toWasm(args[i], t));
      return native.jspiStart(handle, ...raw);
    });
  });
  Object.defineProperty(f, 'length', { value: 1 });
  Object.defineProperty(f, 'name', { value: '' });
  return f;
}

const WebAssembly = {};
const operations = {
  validate: method('validate', 1, validate),
  compile: method('compile', 1, compile),
  instantiate: method('instantiate', 1, instantiate),
  promising: method('promising', 1, promising),
};
for (const [name, f] of Object.entries(operations)) {
  Object.defineProperty(WebAssembly, name, { value: f, writable: true, enumerable: true, configurable: true });
}
const interfaces = { Module, Instance, Memory, Table, Global, Tag, Exception, Function: WasmFunction, CompileError, LinkError, RuntimeError, Suspending, SuspendError };
for (const [name, C] of Object.entries(interfaces)) {
  Object.defineProperty(WebAssembly, name, { value: C, writable: true, enumerable: false, configurable: true });
}
Object.defineProperty(WebAssembly, 'JSTag', {
  get: getter('JSTag', function () {
    return jsTag();
  }),
  enumerable: true,
  configurable: true,
});
// tern's own extras, off the standard's path (not enumerable).
const ternExtras = {
  // configure({ tier: 'interp' | 'jit' | 'auto', fuel: bool, epochs: bool }):
  // once, before anything is compiled or created.
  configure(options = {}) {
    const { tier = 'auto', fuel = false, epochs = false } = options;
    nat(native.configure, String(tier), Boolean(fuel), Boolean(epochs));
  },
  // With `fuel` configured: the fuel left for calls into wasm.
  setFuel(n) { nat(native.setFuel, Number(n)); },
  getFuel() { return nat(native.getFuel); },
  // With `epochs` configured: calls into wasm trap with a RuntimeError
  // once `ms` milliseconds from now have passed.
  setDeadline(ms) { nat(native.setDeadline, Number(ms)); },
};
Object.defineProperty(WebAssembly, 'tern', { value: Object.freeze(ternExtras), writable: true, enumerable: false, configurable: true });
Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: 'WebAssembly', configurable: true });

module.exports = WebAssembly;
