'use strict';
// The limits the JavaScript embedding puts on modules (the JS API
// specification's "Implementation-defined Limits"): a module past one of
// them fails to compile (and `validate` says false) even when the core
// specification allows it. tern's validator knows nothing of them; this
// scan reads the counts and sizes from the binary before it.

const LIMITS = {
  moduleSize: 1024 * 1024 * 1024,
  types: 1000000,
  functions: 1000000,
  imports: 100000,
  exports: 100000,
  globals: 1000000,
  tags: 1000000,
  dataSegments: 100000,
  tables: 100000,
  elementSegments: 10000000,
  functionSize: 7654321,
  functionLocals: 50000, // parameters included
  functionParams: 1000,
  functionResults: 1000,
};

// Thrown by the reader when the binary is malformed: the validator, which
// runs next, says how.
const MALFORMED = Symbol('malformed');

class Reader {
  constructor(bytes, at, end) {
    this.b = bytes;
    this.at = at;
    this.end = end;
  }
  byte() {
    if (this.at >= this.end) throw MALFORMED;
    return this.b[this.at++];
  }
  u32() {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
    }
    throw MALFORMED;
  }
  skipLeb() {
    for (let i = 0; i < 10; i++) if (!(this.byte() & 0x80)) return;
    throw MALFORMED;
  }
  skip(n) {
    if (n > this.end - this.at) throw MALFORMED;
    this.at += n;
  }
  name() {
    this.skip(this.u32());
  }
  valtype() {
    const t = this.byte();
    if (t === 0x63 || t === 0x64) this.skipLeb(); // (ref null? heaptype)
  }
  limits() {
    const flags = this.byte();
    this.skipLeb();
    if (flags & 1) this.skipLeb();
    if (flags & 8) this.skipLeb(); // custom page size
  }
}

// The first limit `bytes` (a Uint8Array) is past, as a message, or null.
function exceededLimit(bytes) {
  if (bytes.length > LIMITS.moduleSize) return `the module is larger than ${LIMITS.moduleSize} bytes`;
  try {
    return scan(bytes);
  } catch (e) {
    if (e === MALFORMED) return null;
    throw e;
  }
}

function scan(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return null;
  const over = (what, n, limit) => (n > limit ? `${n} ${what} are more than the ${limit} allowed` : null);
  const params = []; // by type index, null for a type that is not a function
  const funcTypes = []; // type index of each defined function
  let funcs = 0, tables = 0, globals = 0, tags = 0;
  let at = 8;
  while (at < bytes.length) {
    const head = new Reader(bytes, at, bytes.length);
    const id = head.byte();
    const size = head.u32();
    const r = new Reader(bytes, head.at, head.at + size);
    if (r.end > bytes.length) return null;
    at = r.end;
    if (id === 0) continue;
    const count = r.u32();
    let m = null;
    switch (id) {
      case 1: // types
        if ((m = over('types', count, LIMITS.types))) return m;
        for (let i = 0; i < count; i++) {
          if (r.byte() !== 0x60) return null; // rec groups and the like: the validator decides
          const np = r.u32();
          if ((m = over('parameters', np, LIMITS.functionParams))) return m;
          for (let j = 0; j < np; j++) r.valtype();
          const nr = r.u32();
          if ((m = over('results', nr, LIMITS.functionResults))) return m;
          for (let j = 0; j < nr; j++) r.valtype();
          params.push(np);
        }
        break;
      case 2: // imports
        if ((m = over('imports', count, LIMITS.imports))) return m;
        for (let i = 0; i < count; i++) {
          r.name();
          r.name();
          switch (r.byte()) {
            case 0: funcs++; r.skipLeb(); break;
            case 1: tables++; r.valtype(); r.limits(); break;
            case 2: r.limits(); break;
            case 3: globals++; r.valtype(); r.byte(); break;
            case 4: tags++; r.byte(); r.skipLeb(); break;
            default: return null;
          }
        }
        break;
      case 3: // functions
        funcs += count;
        if ((m = over('functions', funcs, LIMITS.functions))) return m;
        for (let i = 0; i < count; i++) funcTypes.push(r.u32());
        break;
      case 4:
        tables += count;
        if ((m = over('tables', tables, LIMITS.tables))) return m;
        break;
      case 6:
        globals += count;
        if ((m = over('globals', globals, LIMITS.globals))) return m;
        break;
      case 7:
        if ((m = over('exports', count, LIMITS.exports))) return m;
        break;
      case 9:
        if ((m = over('element segments', count, LIMITS.elementSegments))) return m;
        break;
      case 11:
        if ((m = over('data segments', count, LIMITS.dataSegments))) return m;
        break;
      case 13:
        tags += count;
        if ((m = over('tags', tags, LIMITS.tags))) return m;
        break;
      case 10: // code: each body's size and locals
        for (let i = 0; i < count; i++) {
          const bodySize = r.u32();
          if (bodySize > LIMITS.functionSize) return `a function body of ${bodySize} bytes is larger than the ${LIMITS.functionSize} allowed`;
          const body = new Reader(bytes, r.at, r.at + bodySize);
          r.skip(bodySize);
          let locals = params[funcTypes[i]] ?? 0;
          const groups = body.u32();
          for (let g = 0; g < groups; g++) {
            locals += body.u32();
            if (locals > LIMITS.functionLocals) return `a function with more than ${LIMITS.functionLocals} locals`;
            body.valtype();
          }
        }
        break;
      default:
        break;
    }
  }
  return null;
}

module.exports = { exceededLimit, LIMITS };
