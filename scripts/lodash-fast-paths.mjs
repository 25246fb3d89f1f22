// lodash as Chevrotain's bundled copy sees it (scripts/build.mjs): four functions its start-up calls often, done
// directly for the arrays and own string keys it passes, and by lodash itself for anything else. Each returns what
// lodash returns (test/scripts/lodash-fast-paths.test.ts). forEach, map and filter were tried too and made the
// token definitions and the lexer slower (measured), so they stay lodash's; the grammar model's walk alone takes
// arrayForEach (below).
import * as L from 'lodash-es';
export * from 'lodash-es';

const own = Object.prototype.hasOwnProperty;

export function includes(c, v, ...rest) {
  return Array.isArray(c) && rest.length === 0 ? c.includes(v) : L.includes(c, v, ...rest);
}

export function isEmpty(v) {
  return Array.isArray(v) ? v.length === 0 : L.isEmpty(v);
}

/** shallow: a plain array's elements (holes read as undefined, as lodash copies them); a RegExp match's array and anything else to lodash */
export function clone(v) {
  if (!Array.isArray(v) || v.constructor !== Array || (v.length && typeof v[0] === 'string' && own.call(v, 'index')))
    return L.clone(v);
  const r = new Array(v.length);
  for (let i = 0; i < v.length; i++) r[i] = v[i];
  return r;
}

/** A key without '.' or '[' is one key, not a path; an object without it as its own has it not (lodash looks on only into arrays and arguments). */
export function has(o, key) {
  if (o === null || typeof o !== 'object' || typeof key !== 'string' || key.includes('.') || key.includes('['))
    return L.has(o, key);
  if (own.call(o, key)) return true;
  return Array.isArray(o) || Object.prototype.toString.call(o) === '[object Arguments]' ? L.has(o, key) : false;
}

/**
 * forEach for @chevrotain/gast only (scripts/build.mjs): its grammar walk (accept) recurses through it for every
 * production at each start, ~1.2 ms interpreted through lodash's; a plain array is looped here as lodash loops it
 * (holes as undefined, `false` stops), anything else goes to lodash.
 */
export function arrayForEach(c, f) {
  if (!Array.isArray(c)) return L.forEach(c, f);
  for (let i = 0; i < c.length; i++) if (f(c[i], i, c) === false) break;
  return c;
}
