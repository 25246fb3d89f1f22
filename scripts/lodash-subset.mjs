// The lodash functions Chevrotain imports, for its copy in the CLI bundle (scripts/build.mjs): plain loops where
// lodash-es is 229 modules whose general paths (iteratee shorthands, deep paths, cloning by type tag) run cold at
// every start. Each returns what lodash returns for the values it accepts (test/scripts/lodash-subset.test.ts
// compares them over arrays, holey and array-like ones, strings, plain objects, arguments, null); what only lodash's
// general paths handle (an iteratee that is not a function, a property path, cloning a Map) throws, so a Chevrotain
// that starts passing those fails its tests instead of running on wrong answers.

const own = Object.prototype.hasOwnProperty;
const tagOf = (v) => Object.prototype.toString.call(v);

function unsupported(what) {
  throw new TypeError(`scripts/lodash-subset.mjs: ${what} (lodash handles it; this subset does not)`);
}

const isLength = (n) => typeof n === 'number' && n > -1 && n % 1 === 0 && n <= Number.MAX_SAFE_INTEGER;
const isArrayLike = (v) => v != null && typeof v !== 'function' && isLength(v.length);
const isArguments = (v) => v != null && typeof v === 'object' && tagOf(v) === '[object Arguments]';
/** lodash's isPrototype: an object that is its constructor's prototype (its keys leave out `constructor`) */
function isPrototype(v) {
  const ctor = v && v.constructor;
  return v === ((typeof ctor === 'function' && ctor.prototype) || Object.prototype);
}
/** lodash's SameValueZero loops keep -0 as 0 in what uniq and difference return */
const zeroed = (v) => (v === 0 ? 0 : v);
const sameValueZero = (a, b) => a === b || (a !== a && b !== b);

/** an iteratee as lodash's getIteratee takes it, for the forms Chevrotain passes */
function callable(f) {
  if (f == null) return identity;
  if (typeof f !== 'function') unsupported('an iteratee shorthand');
  return f;
}

/** lodash's baseEach: array-likes by index (holes as undefined), anything else by its own keys */
function each(c, visit) {
  if (c == null) return;
  if (isArrayLike(c)) {
    const iterable = Object(c);
    for (let i = 0; i < c.length; i++) if (visit(iterable[i], i, iterable) === false) return;
    return;
  }
  for (const k of keys(c)) if (visit(c[k], k, c) === false) return;
}

export const isArray = Array.isArray;

export function identity(v) {
  return v;
}

export function noop() {}

export function isUndefined(v) {
  return v === undefined;
}

export function isString(v) {
  return typeof v === 'string' || (!isArray(v) && v != null && typeof v === 'object' && tagOf(v) === '[object String]');
}

export function isFunction(v) {
  return typeof v === 'function';
}

export function isObject(v) {
  return v != null && (typeof v === 'object' || typeof v === 'function');
}

export function isRegExp(v) {
  return v != null && typeof v === 'object' && tagOf(v) === '[object RegExp]';
}

/** a canonical array index below `length` (lodash's isIndex) */
function isIndex(k, length) {
  const n = typeof k === 'number' ? k : typeof k === 'string' && /^(?:0|[1-9][0-9]*)$/.test(k) ? Number(k) : NaN;
  return n > -1 && n % 1 === 0 && n < length;
}

/**
 * Own enumerable string keys. Arrays, arguments and typed arrays: every index (holes too), then their other own
 * keys; other array-likes (strings too) and prototypes as for-in lists them (a prototype without `constructor`).
 */
export function keys(o) {
  if (o == null) return [];
  if (isArrayLike(o)) {
    const typed = ArrayBuffer.isView(o);
    const indexed = isArray(o) || isArguments(o) || typed;
    const r = [];
    if (indexed) for (let i = 0; i < o.length; i++) r.push(String(i));
    for (const k in Object(o)) {
      if (!own.call(o, k)) continue;
      if (indexed && (k === 'length' || isIndex(k, o.length))) continue;
      if (typed && (k === 'buffer' || k === 'byteLength' || k === 'byteOffset' || k === 'offset' || k === 'parent'))
        continue;
      r.push(k);
    }
    return r;
  }
  if (isPrototype(o)) {
    const r = [];
    for (const k in Object(o)) if (own.call(o, k) && k !== 'constructor') r.push(k);
    return r;
  }
  return Object.keys(Object(o));
}

export function values(o) {
  if (o == null) return [];
  return keys(o).map((k) => o[k]);
}

/** forEach casts a non-function to identity (lodash's castFunction), unlike the others */
export function forEach(c, f) {
  const visit = typeof f === 'function' ? f : identity;
  each(c, visit);
  return c;
}

export function map(c, f) {
  const g = callable(f);
  const r = isArrayLike(c) ? new Array(c.length) : [];
  let n = 0;
  each(c, (v, k, all) => {
    r[n++] = g(v, k, all);
  });
  return r;
}

/** The elements `f` says `keep` of (filter: true, reject: false), in order. */
function select(c, f, keep) {
  const g = callable(f);
  const r = [];
  each(c, (v, k, all) => {
    if (Boolean(g(v, k, all)) === keep) r.push(v);
  });
  return r;
}

export function filter(c, f) {
  return select(c, f, true);
}

export function reject(c, f) {
  return select(c, f, false);
}

/** The first element `test` passes, in lodash's order, as [true, it], or [false] when none does. */
function firstPassing(c, test) {
  let hit = [false];
  each(c, (v, k, all) => {
    if (!test(v, k, all)) return undefined;
    hit = [true, v];
    return false;
  });
  return hit;
}

export function find(c, f, fromIndex) {
  if (fromIndex !== undefined) unsupported('find from an index');
  return firstPassing(c, callable(f))[1];
}

export function some(c, f) {
  return firstPassing(c, callable(f))[0];
}

export function every(c, f) {
  const g = callable(f);
  return !firstPassing(c, (v, k, all) => !g(v, k, all))[0];
}

export function reduce(c, f, accumulator) {
  const g = callable(f);
  let first = arguments.length < 3;
  let acc = accumulator;
  each(c, (v, k, all) => {
    if (first) {
      acc = v;
      first = false;
    } else acc = g(acc, v, k, all);
  });
  return acc;
}

/** keys as the iteratee gives them (called with the value alone, as lodash calls it) */
export function groupBy(c, f) {
  const g = callable(f);
  const r = {};
  each(c, (v) => {
    const k = g(v);
    if (own.call(r, k)) r[k].push(v);
    else if (k === '__proto__')
      Object.defineProperty(r, k, { configurable: true, enumerable: true, value: [v], writable: true });
    else r[k] = [v];
  });
  return r;
}

const spreads = (v) => isArray(v) || isArguments(v) || !!(v && v[Symbol.isConcatSpreadable]);

export function flatten(a) {
  const r = [];
  if (a == null || !a.length) return r;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (spreads(v)) for (let j = 0; j < v.length; j++) r.push(v[j]);
    else r.push(v);
  }
  return r;
}

export function flatMap(c, f) {
  return flatten(map(c, f));
}

export function compact(a) {
  const r = [];
  if (a == null) return r;
  for (let i = 0; i < a.length; i++) if (a[i]) r.push(a[i]);
  return r;
}

export function uniq(a) {
  const r = [];
  if (a == null || !a.length) return r;
  const seen = new Set();
  for (let i = 0; i < a.length; i++) {
    const v = zeroed(a[i]);
    if (seen.has(v)) continue;
    seen.add(v);
    r.push(v);
  }
  return r;
}

const arrayLikeObject = (v) => isArrayLike(v) && typeof v === 'object';

export function difference(a, ...others) {
  if (!arrayLikeObject(a)) return [];
  const out = new Set();
  for (const o of others) if (arrayLikeObject(o)) for (let i = 0; i < o.length; i++) out.add(o[i]);
  const r = [];
  for (let i = 0; i < a.length; i++) if (!out.has(a[i])) r.push(zeroed(a[i]));
  return r;
}

export function includes(c, v, fromIndex) {
  if (fromIndex !== undefined) unsupported('includes from an index');
  if (c == null) return false;
  if (isString(c)) return String(c).indexOf(v) > -1;
  const list = isArrayLike(c) ? c : values(c);
  for (let i = 0; i < list.length; i++) if (sameValueZero(list[i], v)) return true;
  return false;
}

export function indexOf(a, v, fromIndex) {
  if (fromIndex !== undefined) unsupported('indexOf from an index');
  if (a == null) return -1;
  for (let i = 0; i < a.length; i++) if (sameValueZero(a[i], v)) return i;
  return -1;
}

export function isEmpty(v) {
  if (v == null) return true;
  if (
    isArrayLike(v) &&
    (isArray(v) || typeof v === 'string' || typeof v.splice === 'function' || ArrayBuffer.isView(v) || isArguments(v))
  )
    return !v.length;
  const tag = tagOf(v);
  if (tag === '[object Map]' || tag === '[object Set]') return !v.size;
  if (isPrototype(v)) return !keys(v).length;
  for (const k in v) if (own.call(v, k)) return false;
  return true;
}

/** a key, not a path: lodash reads `a.b` as a path unless the object has that key */
export function has(o, key) {
  if (typeof key === 'string' && (key.includes('.') || key.includes('[')) && !(o != null && key in Object(o)))
    unsupported('a property path');
  if (o == null) return false;
  if (own.call(o, key)) return true;
  return (isArray(o) || isArguments(o)) && isIndex(key, o.length);
}

/** shallow: arrays (as their own class, a RegExp match's index and input kept), plain objects and arguments */
export function clone(v) {
  if (!isObject(v)) return v;
  if (isArray(v)) {
    const r = new v.constructor(v.length);
    if (v.length && typeof v[0] === 'string' && own.call(v, 'index')) {
      r.index = v.index;
      r.input = v.input;
    }
    for (let i = 0; i < v.length; i++) r[i] = v[i];
    return r;
  }
  const tag = tagOf(v);
  if (typeof v === 'function' || (tag !== '[object Object]' && tag !== '[object Arguments]'))
    unsupported(`cloning ${tag}`);
  const r = typeof v.constructor === 'function' && !isPrototype(v) ? Object.create(Object.getPrototypeOf(v)) : {};
  for (const k of keys(v)) r[k] = v[k];
  for (const s of Object.getOwnPropertySymbols(v)) if (Object.prototype.propertyIsEnumerable.call(v, s)) r[s] = v[s];
  return r;
}

export function first(a) {
  return a != null && a.length ? a[0] : undefined;
}

export function last(a) {
  return a != null && a.length ? a[a.length - 1] : undefined;
}

function slice(a, start, end) {
  const r = [];
  for (let i = start; i < end; i++) r.push(a[i]);
  return r;
}

export function drop(a, n = 1) {
  if (a == null || !a.length) return [];
  if (!Number.isInteger(n)) unsupported('a count that is not an integer');
  return slice(a, Math.max(n, 0), a.length);
}

export function dropRight(a, n = 1) {
  if (a == null || !a.length) return [];
  if (!Number.isInteger(n)) unsupported('a count that is not an integer');
  return slice(a, 0, Math.min(Math.max(a.length - n, 0), a.length));
}

/** lodash copies own enumerable string keys, an array-like's indices all, and skips falsy sources */
export function assign(target, ...sources) {
  const to = Object(target);
  for (const s of sources) if (s) for (const k of keys(s)) to[k] = s[k];
  return to;
}

/** own and inherited enumerable string keys (plain objects: Chevrotain's options and groups) */
export function pickBy(o, keep) {
  const r = {};
  if (o == null) return r;
  if (typeof keep !== 'function') unsupported('a predicate shorthand');
  if (isArrayLike(o) || Object.getOwnPropertySymbols(o).length) unsupported('picking from an array or by symbols');
  for (const k in o) if (keep(o[k], k)) r[k] = o[k];
  return r;
}

/** fills the keys whose value is undefined (or an Object.prototype member not its own) from the sources, in order */
export function defaults(target, ...sources) {
  const to = Object(target);
  for (const s of sources) {
    if (s == null) continue;
    if (isArrayLike(s)) unsupported('defaults from an array-like');
    for (const k in s) {
      const v = to[k];
      if (v === undefined || (sameValueZero(v, Object.prototype[k]) && !own.call(to, k))) to[k] = s[k];
    }
  }
  return to;
}

export function upperFirst(s) {
  const text = s == null ? '' : String(s);
  if (/[^\x00-\x7f]/.test(text)) unsupported('non-ASCII text');
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

export { first as head };
