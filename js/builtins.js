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

// name -> [params, results, implementation]; a type of null is one tern
// cannot have (arrays of i16 are GC types), so no import matches it.
const jsString = {
  cast: [[EXT], [STR], (v) => string(v)],
  test: [[EXT], ['i32'], (v) => (typeof v === 'string' ? 1 : 0)],
  fromCharCodeArray: [null, null, null],
  intoCharCodeArray: [null, null, null],
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

module.exports = { BuiltinTrap, builtinSets };
