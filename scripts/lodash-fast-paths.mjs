// lodash as Chevrotain's bundled copy sees it (scripts/build.mjs): the functions its start-up calls most, with a
// plain loop for the arrays and own string keys it passes, and lodash itself for anything else. Each returns what
// lodash returns (test/scripts/lodash-fast-paths.test.ts).
import * as L from 'lodash-es';
export * from 'lodash-es';

const own = Object.prototype.hasOwnProperty;

export function forEach(c, f) {
  if (!Array.isArray(c) || typeof f !== 'function') return L.forEach(c, f);
  for (let i = 0; i < c.length; i++) if (f(c[i], i, c) === false) break;
  return c;
}

export function map(c, f) {
  if (!Array.isArray(c) || typeof f !== 'function') return L.map(c, f);
  const r = new Array(c.length);
  for (let i = 0; i < c.length; i++) r[i] = f(c[i], i, c);
  return r;
}

export function filter(c, f) {
  if (!Array.isArray(c) || typeof f !== 'function') return L.filter(c, f);
  const r = [];
  for (let i = 0; i < c.length; i++) if (f(c[i], i, c)) r.push(c[i]);
  return r;
}

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
