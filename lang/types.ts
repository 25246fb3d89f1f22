// The type model shared by the checker, the code generator and the output decoder.

export type IntBits = 8 | 16 | 32 | 64;

/** build_id: ustack only, frames as the file's build id and offset (bpftrace v0.26) */
export type StackMode = 'bpftrace' | 'perf' | 'raw' | 'build_id';

/**
 * What a number printed with %s (or as a map key or value) turns into in user space: strerror(n)'s message;
 * ksym(addr)'s kernel symbol; username's name for the uid; strftime(fmt, nsecs)'s wall-clock time;
 * cgroup_path(id)'s path.
 */
export type IntView =
  | { readonly kind: 'errno' }
  | { readonly kind: 'ksym' }
  | { readonly kind: 'username' }
  /** tai: a CLOCK_TAI stamp, printed as it is (bpftrace v0.26 adds the boot time to boot-clock stamps only) */
  | { readonly kind: 'strftime'; readonly format: string; readonly clock?: 'tai' }
  /** only: a wildcard the hierarchies' names must match ("unified", "cpu*"; bpftrace v0.26's second argument) */
  | { readonly kind: 'cgroup_path'; readonly only?: string }
  /** signal_name(n) and syscall_name(n): the signal's description, the x86-64 system call's name */
  | { readonly kind: 'signal_name' }
  | { readonly kind: 'syscall_name' }
  /** a value of a C enum (BTF type `btf`, the script's or the kernel's): prints as its enumerator's name */
  | { readonly kind: 'enum'; readonly btf: number; readonly name: string }
  /**
   * `probe` as a map key: the index of the attach point's name in `names` (every attach point of the program),
   * 8 bytes where the name would take up to 64 (bpftrace 0.17 keys by an id too)
   */
  | { readonly kind: 'probe'; readonly names: readonly string[] };

/** Frames kept by kstack/ustack without a limit (the kernel's own maximum, PERF_MAX_STACK_DEPTH). */
export const MAX_STACK_FRAMES = 127;

/** A kstack/ustack value: which stack, how it prints, and the most frames it keeps. */
export interface StackView {
  readonly kind: 'stack';
  readonly space: 'kernel' | 'user';
  readonly mode: StackMode;
  readonly limit: number;
}

/** The bytes of one build-id frame (struct bpf_stack_build_id: status, build id, file offset). */
export const BUILD_ID_FRAME_SIZE = 32;

/**
 * A stack is taken by value, as bpftrace v0.26 takes it: a buffer whose header holds the frame count (u32) and,
 * for ustack, the pid its addresses belong to (u32), then `limit` frames, zero past the count. Two equal
 * stacks are equal bytes, so a stack keys a map exactly (no stack-id table to fill or collide in).
 */
export function stackType(space: 'kernel' | 'user', mode: StackMode = 'bpftrace', limit = MAX_STACK_FRAMES): Type {
  const frame = mode === 'build_id' ? BUILD_ID_FRAME_SIZE : 8;
  return { kind: 'buffer', size: limit * frame, view: { kind: 'stack', space, mode, limit } };
}

/** How a buffer prints: an IP address, a MAC address, a user symbol, a stack (none: escaped bytes). */
export type BufferView = 'inet' | 'mac' | 'usym' | StackView;

/** kstack, or as the call that makes it with what is not the default: kstack(3), ustack(raw), ustack(perf, 5). */
function stackName(v: StackView): string {
  const args = [...(v.mode === 'bpftrace' ? [] : [v.mode]), ...(v.limit === MAX_STACK_FRAMES ? [] : [v.limit])];
  return `${v.space === 'kernel' ? 'k' : 'u'}stack${args.length ? `(${args.join(', ')})` : ''}`;
}

/** The stack a kstack/ustack value's type describes; undefined for any other type. */
export function stackViewOf(t: Type): StackView | undefined {
  return t.kind === 'buffer' && typeof t.view === 'object' ? t.view : undefined;
}

/** Same printed meaning: the same view (stacks: the same space, mode and limit). */
export function sameBufferView(a: BufferView | undefined, b: BufferView | undefined): boolean {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  return a.space === b.space && a.mode === b.mode && a.limit === b.limit;
}

/** A number that prints as text (see IntView). */
export function viewed(view: IntView, signed = false): Type {
  return { kind: 'int', bits: 64, signed, view };
}

/**
 * Where a pointer points: kernel or user memory, or 'none' for an integer cast to a pointer in a probe that is
 * in neither (begin, interval, profile, …): bpftrace v0.26 reads those with the legacy probe_read helpers,
 * which pick user or kernel memory by the address on x86-64.
 */
export type AddressSpace = 'user' | 'kernel' | 'none';

export type Type =
  /**
   * `space` marks a pointer (kept as a 64-bit unsigned integer) and which address space it points into;
   * `view` marks a number that user space prints as something else (see IntView).
   */
  | {
      readonly kind: 'int';
      readonly bits: IntBits;
      readonly signed: boolean;
      readonly space?: AddressSpace;
      readonly view?: IntView;
      /** a pointer's target as a BTF type id (struct task_struct for curtask): `->`, `*` and `[]` read through it */
      readonly pointee?: number;
      /** the pointee as C writes it ('struct task_struct'), for messages */
      readonly pointeeName?: string;
      /** a pointer to a plain integer, from a cast like (int32 *)p: what `*p` and `p[i]` read */
      readonly pointeeInt?: Type;
    }
  | { readonly kind: 'bool' }
  /**
   * Fixed size in bytes, NUL included. `trailer`: str() read it and may have cut it; when the text fills the
   * buffer it prints with this after it (bpftrace v0.26's str_trunc_trailer, '..').
   */
  | { readonly kind: 'string'; readonly size: number; readonly trailer?: string }
  /**
   * Bytes with a length: a u64 length, then `size` bytes of data (8-aligned, so every store is). buf() prints
   * them escaped (%r); the views print them as an IP address (ntop: 4 or 16 bytes), a MAC address (6 bytes)
   * or a user symbol (usym: the address as u64, then the pid as u32); a stack has its own header (stackType).
   */
  | { readonly kind: 'buffer'; readonly size: number; readonly view?: BufferView }
  /**
   * A kernel struct, union or array by value (BTF type `btf`), `size` bytes as in memory. Fields are reached
   * through its address while it is still in kernel memory; a copy is made only to print or store it.
   */
  | {
      readonly kind: 'record';
      readonly btf: number;
      readonly size: number;
      readonly name: string;
      readonly space: AddressSpace;
      /** its alignment in bytes (a tuple holding it aligns it so); 8 when unknown */
      readonly align?: number;
    }
  /** a tuple; with `names`, a record `(a = 1, b = 2)` whose elements are also reached by name (`$r.a`) */
  | { readonly kind: 'tuple'; readonly elements: readonly Type[]; readonly names?: readonly string[] }
  /** `count` integers (or bools) in a row, made by a cast: (int8[8])12345, (uint8[])"hi", (bool[2])x */
  | { readonly kind: 'array'; readonly elem: Type; readonly count: number }
  | { readonly kind: 'void' };

/** What a map slot holds: a plain value, or one of the aggregations merged across CPUs in user space. */
export type MapValue =
  | { readonly kind: 'value'; readonly type: Type }
  | { readonly kind: 'count' }
  | { readonly kind: 'sum'; readonly signed: boolean }
  | { readonly kind: 'min'; readonly signed: boolean }
  | { readonly kind: 'max'; readonly signed: boolean }
  /** avg and stats keep [count, total] per CPU; avg prints total / count */
  | { readonly kind: 'avg'; readonly signed: boolean }
  | { readonly kind: 'stats'; readonly signed: boolean }
  /** log2 histogram with 2^bits buckets per power of two (bpftrace's hist(n, k), 0 ≤ k ≤ 5) */
  | { readonly kind: 'hist'; readonly bits: number }
  /** linear histogram: buckets [min, min+step) … up to max, plus one below min and one from max up */
  | { readonly kind: 'lhist'; readonly min: number; readonly max: number; readonly step: number }
  /**
   * tseries(n, interval, intervals[, agg]): the last `intervals` intervals of `interval` ns each, one map entry
   * per interval slot (the slot index is an extra key component); agg says how values within an interval combine
   */
  | {
      readonly kind: 'tseries';
      readonly signed: boolean;
      readonly interval: number;
      readonly intervals: number;
      readonly agg: TseriesAgg;
    };

/** How tseries() combines the values of one interval: 'last' keeps the latest (bpftrace's default). */
export type TseriesAgg = 'last' | 'avg' | 'sum' | 'min' | 'max';

export const u64: Type = { kind: 'int', bits: 64, signed: false };
export const i64: Type = { kind: 'int', bits: 64, signed: true };
export const u32: Type = { kind: 'int', bits: 32, signed: false };
export const voidType: Type = { kind: 'void' };
export const boolType: Type = { kind: 'bool' };
export function stringType(size: number): Type {
  return { kind: 'string', size };
}
export function int(bits: IntBits, signed: boolean): Type {
  return { kind: 'int', bits, signed };
}

export function isInt(t: Type): t is Extract<Type, { kind: 'int' }> {
  return t.kind === 'int';
}
/** Integers and bools both live in one register. */
export function isScalar(t: Type): boolean {
  return t.kind === 'int' || t.kind === 'bool';
}

/** Bytes a value of this type takes in a map key, value or event record. */
export function sizeOf(t: Type): number {
  switch (t.kind) {
    case 'int':
      return t.bits / 8;
    case 'bool':
      return 1;
    case 'string':
      return t.size;
    case 'buffer':
      return 8 + t.size;
    case 'record':
      return t.size;
    case 'tuple':
      return tupleLayout(t.elements).size;
    case 'array':
      return t.count * sizeOf(t.elem);
    case 'void':
      return 0;
  }
}

/**
 * A tuple's layout as bpftrace v0.26 reports it (sizeof): each element at its own alignment, the whole padded
 * to the largest one, as a C struct; strings align to 1. (Values sit in 8-byte slots in maps and events:
 * compiler/layout.ts.)
 */
export function tupleLayout(elements: readonly Type[]): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let off = 0;
  let align = 1;
  for (const e of elements) {
    const a = alignOf(e);
    align = Math.max(align, a);
    off = Math.ceil(off / a) * a;
    offsets.push(off);
    off += sizeOf(e);
  }
  return { offsets, size: Math.ceil(off / align) * align };
}

export function alignOf(t: Type): number {
  switch (t.kind) {
    case 'int':
      return t.bits / 8;
    case 'buffer':
      return 8;
    case 'record':
      return t.align ?? 8;
    case 'tuple':
      return Math.max(1, ...t.elements.map(alignOf));
    case 'array':
      return alignOf(t.elem);
    default:
      return 1;
  }
}

export function typeName(t: Type): string {
  switch (t.kind) {
    case 'int':
      return t.pointeeName
        ? `${t.pointeeName} *`
        : t.pointeeInt
          ? `${typeName(t.pointeeInt)} *`
          : t.space
            ? `${t.space === 'none' ? '' : `${t.space} `}pointer`
            : t.view
              ? viewName(t.view)
              : `${t.signed ? 'int' : 'uint'}${t.bits}`;
    case 'bool':
      return 'bool';
    case 'string':
      return `string[${t.size}]`;
    case 'record':
      return t.name;
    case 'buffer':
      return t.view === 'inet'
        ? 'inet'
        : t.view === 'mac'
          ? 'macaddr'
          : t.view === 'usym'
            ? 'usym'
            : typeof t.view === 'object'
              ? stackName(t.view)
              : `buffer[${t.size}]`;
    case 'tuple':
      return t.names
        ? `(${t.elements.map((e, i) => `${t.names![i]}=${typeName(e)}`).join(', ')})`
        : `(${t.elements.map(typeName).join(', ')})`;
    case 'array':
      return `${typeName(t.elem)}[${t.count}]`;
    case 'void':
      return 'none';
  }
}

function viewName(v: IntView): string {
  switch (v.kind) {
    case 'errno':
      return 'strerror';
    case 'enum':
      return v.name;
    default:
      return v.kind;
  }
}

/** Same printed meaning: plain numbers agree, views must be the same view. */
export function sameView(a: IntView | undefined, b: IntView | undefined): boolean {
  if (!a || !b || a === b) return a === b;
  if (a.kind === 'enum' && b.kind === 'enum') return a.btf === b.btf;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The element `t.name` names: `t.0` in any tuple, `t.a` in a record; -1 for none. */
export function tupleIndex(t: Extract<Type, { kind: 'tuple' }>, name: string): number {
  if (/^\d+$/.test(name)) return Number(name) < t.elements.length ? Number(name) : -1;
  return t.names ? t.names.indexOf(name) : -1;
}

/**
 * Which element of `b` meets each element of `a`: tuples by position; records by name, in `a`'s order
 * (bpftrace v0.26: `$r = (foo = 1, bar = 2); $r = (bar = 3, foo = 4)` keeps foo first). Undefined when a
 * record meets a tuple or a record with other names.
 */
export function elementOrder(
  a: Extract<Type, { kind: 'tuple' }>,
  b: Extract<Type, { kind: 'tuple' }>,
): number[] | undefined {
  if (!a.names && !b.names) return a.elements.map((_, i) => i);
  if (!a.names || !b.names) return undefined;
  const order = a.names.map((n) => b.names!.indexOf(n));
  return order.every((i) => i >= 0) && new Set(order).size === order.length ? order : undefined;
}

export function sameType(a: Type, b: Type): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'int' && b.kind === 'int')
    return a.bits === b.bits && a.signed === b.signed && sameView(a.view, b.view);
  if (a.kind === 'string' && b.kind === 'string') return a.size === b.size;
  if (a.kind === 'buffer' && b.kind === 'buffer') return a.size === b.size && sameBufferView(a.view, b.view);
  if (a.kind === 'record' && b.kind === 'record') return a.btf === b.btf;
  if (a.kind === 'tuple' && b.kind === 'tuple')
    return (
      a.elements.length === b.elements.length &&
      a.elements.every((e, i) => sameType(e, b.elements[i]!)) &&
      a.names?.join() === b.names?.join()
    );
  if (a.kind === 'array' && b.kind === 'array') return a.count === b.count && sameType(a.elem, b.elem);
  return true;
}

export function mapValueName(v: MapValue): string {
  switch (v.kind) {
    case 'value':
      return typeName(v.type);
    case 'hist':
      return v.bits ? `hist(n, ${v.bits})` : 'hist()';
    case 'lhist':
      return `lhist(n, ${v.min}, ${v.max}, ${v.step})`;
    case 'tseries':
      return `tseries(n, ${v.interval}, ${v.intervals}${v.agg === 'last' ? '' : `, "${v.agg}"`})`;
    default:
      return `${v.kind}()`;
  }
}

/** Histograms keep one map entry per bucket: the bucket index is an extra key component. */
export function isHistogram(v: MapValue): v is Extract<MapValue, { kind: 'hist' | 'lhist' }> {
  return v.kind === 'hist' || v.kind === 'lhist';
}

type IntType = Extract<Type, { kind: 'int' }>;

/** C's integer promotion: anything narrower than int (and bool) computes as int32. */
export function promote(t: Type): IntType {
  if (t.kind !== 'int' || t.bits < 32) return { kind: 'int', bits: 32, signed: true };
  // a computed number is plain: strerror(e) + 1 or ONE + 1 is no longer an errno or an enumerator
  return t.view || t.space ? { kind: 'int', bits: t.bits, signed: t.signed } : t;
}

/** C's usual arithmetic conversions: the type both operands of a binary operator convert to. */
export function commonType(a: Type, b: Type): IntType {
  const x = promote(a);
  const y = promote(b);
  if (x.signed === y.signed) return x.bits >= y.bits ? x : y;
  const [u, s] = x.signed ? [y, x] : [x, y];
  return u.bits >= s.bits ? u : s;
}

export function pointer(space: AddressSpace): Type {
  return { kind: 'int', bits: 64, signed: false, space };
}

/** A pointer: a 64-bit address that knows its address space (and maybe what it points to). */
export function isPointer(t: Type): t is Extract<Type, { kind: 'int' }> & { readonly space: AddressSpace } {
  return t.kind === 'int' && t.space !== undefined;
}

/** Two pointers to the same target in the same address space (both untyped counts as the same). */
export function samePointer(a: Type, b: Type): boolean {
  if (!isPointer(a) || !isPointer(b) || a.space !== b.space || a.pointee !== b.pointee) return false;
  if (!a.pointeeInt || !b.pointeeInt) return a.pointeeInt === b.pointeeInt;
  return sameType(a.pointeeInt, b.pointeeInt) && isPointer(a.pointeeInt) === isPointer(b.pointeeInt);
}
