// What generating one attach point's program read of the point: the paths into its ResolvedAttach and the
// checker's context for it, each with the value found there. Another attach point of the same probe with the
// same values at those paths gets the same code, so it is not generated again (attach-groups.ts): a wildcard's
// ~350 syscall tracepoints counting by `probe` read nothing of their point (the name comes from the cookie) and
// spent ~95 ms generating the same program 350 times. Recorded, not reasoned about: whatever the code generator
// or a provider row reads through the views is in the list, so a new read cannot make two points share wrongly.

/** One read: a property's value (a primitive, or the kind of object found), `in`, or an object's own keys. */
export interface PointRead {
  readonly root: 'attach' | 'context';
  readonly path: readonly string[];
  readonly how: 'get' | 'has' | 'keys';
  readonly value: unknown;
}

/** Stands for "a plain object was here" and "an array was here": what is read inside it is recorded apart. */
const PLAIN = Symbol('plain object');
const ARRAY = Symbol('array');

const isPlain = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** What a read records for a value: objects of plain data by kind; anything else as itself (compared by identity). */
function recorded(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return ARRAY;
  return isPlain(v) ? PLAIN : v;
}

/**
 * `target` seen through a view that appends each read to `reads`; objects of plain data read from it are views
 * too, the same view each time for one path (identity holds for what is read the same way). One view per path,
 * not per object: an object reached by two paths is read under each, as another point may have two objects
 * there. Writes are not expected: one makes the reads match no other point.
 */
export function recordingView<T extends object>(target: T, root: PointRead['root'], reads: PointRead[]): T {
  const views = new Map<string, object>();
  const view = (obj: object, path: readonly string[]): object => {
    const where = path.join('\0');
    let v = views.get(where);
    if (v) return v;
    v = new Proxy(obj, {
      get(t, key, receiver) {
        const value: unknown = Reflect.get(t, key, receiver);
        // symbols: Symbol.iterator and the like, whose use reads length and indices through this view
        if (typeof key === 'symbol') return value;
        const at = [...path, key];
        reads.push({ root, path: at, how: 'get', value: recorded(value) });
        const plainData = typeof value === 'object' && value !== null && (Array.isArray(value) || isPlain(value));
        return plainData ? view(value, at) : value;
      },
      has(t, key) {
        const value = Reflect.has(t, key);
        if (typeof key === 'string') reads.push({ root, path: [...path, key], how: 'has', value });
        return value;
      },
      ownKeys(t) {
        const keys = Reflect.ownKeys(t);
        reads.push({ root, path, how: 'keys', value: keys.filter((k) => typeof k === 'string').join('\0') });
        return keys;
      },
      set(t, key, value, receiver) {
        reads.push({ root, path, how: 'get', value: Symbol('written') });
        return Reflect.set(t, key, value, receiver);
      },
      deleteProperty(t, key) {
        reads.push({ root, path, how: 'get', value: Symbol('deleted') });
        return Reflect.deleteProperty(t, key);
      },
    });
    views.set(where, v);
    return v;
  };
  return view(target, []) as T;
}

/** Whether `attach` and `context` hold what the reads found, at every path read. */
export function sameReads(reads: readonly PointRead[], attach: object, context: object): boolean {
  return reads.every((r) => {
    let at: unknown = r.root === 'attach' ? attach : context;
    const last = r.how === 'keys' ? r.path.length : r.path.length - 1;
    for (let i = 0; i < last; i++) {
      if (typeof at !== 'object' || at === null) return false; // read inside an object this point does not have
      at = (at as Record<string, unknown>)[r.path[i]!];
    }
    if (typeof at !== 'object' || at === null) return false;
    const key = r.path[r.path.length - 1]!;
    if (r.how === 'keys')
      return (
        Reflect.ownKeys(at)
          .filter((k) => typeof k === 'string')
          .join('\0') === r.value
      );
    if (r.how === 'has') return key in at === r.value;
    return Object.is(recorded((at as Record<string, unknown>)[key]), r.value);
  });
}
