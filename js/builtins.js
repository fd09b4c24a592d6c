'use strict';
// The JS String Builtins ("js-string", imported from "wasm:js-string" by a
// module compiled with `{ builtins: ["js-string"] }`): each builtin's type,
// in the raw type names of the addon ("externref!" is (ref extern)), and
// what it does. A builtin that fails traps: it throws a `BuiltinTrap`,
// which the call turns into a trap (a RuntimeError wasm cannot catch).

class BuiltinTrap extends Error {}

function trap(message) {
  throw new BuiltinTrap(message);
}
function string(v) {
  if (typeof v !== 'string') trap('not a string');
  return v;
}

const EXT = 'externref';
const STR = 'externref!';
// (ref null (array (mut i16))), the character arrays.
const CHARS = 'i16arrayref';

// Reading and writing character arrays, which the JavaScript half sets
// (it knows the arrays' handles): `read(array, start, end)` is the string
// or undefined when the range is not inside the array, `write(string,
// array, start)` the number of code units written or -1 when they do not
// fit.
const charArrays = { read: null, write: null };

// name -> [params, results, implementation].
const jsString = {
  cast: [[EXT], [STR], (v) => string(v)],
  test: [[EXT], ['i32'], (v) => (typeof v === 'string' ? 1 : 0)],
  fromCharCodeArray: [[CHARS, 'i32', 'i32'], [STR], (array, start, end) => {
    if (array === null) trap('null array');
    const s = charArrays.read(array, start >>> 0, end >>> 0);
    if (s === undefined) trap('array range out of bounds');
    return s;
  }],
  intoCharCodeArray: [[EXT, CHARS, 'i32'], ['i32'], (s, array, start) => {
    string(s);
    if (array === null) trap('null array');
    const n = charArrays.write(s, array, start >>> 0);
    if (n < 0) trap('array range out of bounds');
    return n;
  }],
  fromCharCode: [['i32'], [STR], (c) => String.fromCharCode(c)],
  fromCodePoint: [['i32'], [STR], (c) => {
    const cp = c >>> 0;
    if (cp > 0x10ffff) trap('not a code point');
    return String.fromCodePoint(cp);
  }],
  charCodeAt: [[EXT, 'i32'], ['i32'], (s, i) => {
    string(s);
    if (i >>> 0 >= s.length) trap('string index out of bounds');
    return s.charCodeAt(i >>> 0);
  }],
  codePointAt: [[EXT, 'i32'], ['i32'], (s, i) => {
    string(s);
    if (i >>> 0 >= s.length) trap('string index out of bounds');
    return s.codePointAt(i >>> 0);
  }],
  length: [[EXT], ['i32'], (s) => string(s).length],
  concat: [[EXT, EXT], [STR], (a, b) => string(a) + string(b)],
  substring: [[EXT, 'i32', 'i32'], [STR], (s, start, end) => {
    string(s);
    start >>>= 0;
    end >>>= 0;
    if (start > s.length || start > end) return '';
    return s.substring(start, end);
  }],
  equals: [[EXT, EXT], ['i32'], (a, b) => {
    if (a !== null) string(a);
    if (b !== null) string(b);
    return a === b ? 1 : 0;
  }],
  compare: [[EXT, EXT], ['i32'], (a, b) => {
    string(a);
    string(b);
    return a < b ? -1 : a > b ? 1 : 0;
  }],
};

// Builtin sets by option name, with the module name they are imported from.
const builtinSets = {
  'js-string': { module: 'wasm:js-string', builtins: jsString },
};

module.exports = { BuiltinTrap, builtinSets, charArrays };
