// BTF as a C header, laid out line for line as `bpftool btf dump … format c` (bpftool 7.1, libbpf 1.1) lays
// it out, so the two can be diffed and a vmlinux.h made by either compiles the same. Pure: a type table in,
// text out. The rules, as bpftool's output shows them:
// - Types are visited in id order (or the roots asked for); each visit first orders what the type needs
//   to be complete (members' types, typedef targets, array elements — not what is reached through a
//   pointer), then writes those definitions, dependencies first.
// - A named struct/union met through a pointer before its definition gets a forward declaration
//   (`struct x;`); anonymous structs, unions and enums are written inline where they are used.
// - An anonymous enum nobody refers to is a top-level definition (it is how the kernel declares constants).
// - Struct layouts are reproduced with padding members (`long: 64;`) where natural alignment would not put
//   the next member at its offset, and `__attribute__((packed))` when members or the size are misaligned.
// - Two different types with one name get `___2`, `___3` suffixes in the order they are first written
//   (tags and typedef/enumerator names are counted separately).
import { naturalAlign, type BtfType, type BtfTypes } from './btf.ts';

type Composite = Extract<BtfType, { kind: 'struct' | 'union' }>;
type Enum = Extract<BtfType, { kind: 'enum' }>;
/** BtfType's typedef shares its variant with the qualifiers. */
type Typedef = Extract<BtfType, { kind: 'typedef' | 'const' | 'volatile' | 'restrict' }>;

export interface CHeaderOptions {
  /** Only these types (and what they need to compile); default: every type in id order. */
  readonly roots?: readonly number[];
}

export interface CHeader {
  readonly text: string;
  /** Types that could not be written (a loop only a pointer could break, in malformed BTF). */
  readonly warnings: readonly string[];
}

export const HEADER_PROLOGUE =
  '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n' +
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
  '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n' +
  '#endif\n\n';

export const HEADER_EPILOGUE =
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n';

/** A whole header: the guard, the preserve_access_index pragma, the types, the closing lines. */
export function cHeader(btf: BtfTypes, options: CHeaderOptions = {}): CHeader {
  const w = new CWriter(btf);
  w.put(HEADER_PROLOGUE);
  if (options.roots === undefined) for (let id = 1; id < btf.typeCount; id++) w.dumpType(id);
  else for (const id of options.roots) w.dumpType(id);
  w.put(HEADER_EPILOGUE);
  return { text: w.text(), warnings: w.warnings };
}

/**
 * One type's definition as the header writes it (no `;`): a struct or union with its padding members and
 * anonymous members inline, an enum, a typedef (`typedef struct {…} name`), or `struct x` for a forward.
 */
export function cDefinition(btf: BtfTypes, id: number): string {
  const w = new CWriter(btf);
  const t = btf.type(id);
  switch (t.kind) {
    case 'struct':
    case 'union':
      w.structDef(t, 0);
      break;
    case 'enum':
      w.enumDef(t, 0);
      break;
    case 'typedef':
      w.typedefDef(t, 0);
      break;
    case 'fwd':
      w.put(`${t.of} ${t.name}`);
      break;
    default:
      w.typeDecl(id, '', 0);
  }
  return w.text();
}

// Per-type states, one byte each.
const NOT = 0;
const IN_PROGRESS = 1;
const DONE = 2;

const MAX_TABS = 32;
const TABS = Array.from({ length: MAX_TABS + 1 }, (_, i) => '\t'.repeat(i));
const tabs = (lvl: number) => TABS[Math.min(lvl, MAX_TABS)]!;
/** Padding types by width, for 64- and 32-bit pointers. */
const PADS: readonly (readonly (readonly [string, number])[])[] = [
  [
    ['long', 64],
    ['int', 32],
    ['short', 16],
    ['char', 8],
  ],
  [
    ['long', 32],
    ['int', 32],
    ['short', 16],
    ['char', 8],
  ],
];

class CWriter {
  /**
   * The text: pieces joined every few thousand into a chunk, so the million small strings of a vmlinux dump
   * die young (kept to the end, garbage collection took half of the time).
   */
  private readonly chunks: string[] = [];
  private readonly parts: string[] = [];

  put(s: string): void {
    this.parts.push(s);
    if (this.parts.length >= 4096) {
      this.chunks.push(this.parts.join(''));
      this.parts.length = 0;
    }
  }

  text(): string {
    this.chunks.push(this.parts.join(''));
    this.parts.length = 0;
    return this.chunks.join('');
  }
  readonly warnings: string[] = [];
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  /** A struct's `struct x;` or a typedef's definition was written while it was in progress. */
  private readonly fwdDone: Uint8Array;
  private referenced: Uint8Array | undefined;
  private readonly queue: number[] = [];
  /** Names as written (with a `___N` suffix for the Nth distinct type of that name), once resolved. */
  /** Index + 1 in `resolved` of each id's name as written (0: not resolved yet). */
  private readonly nameAt: Int32Array;
  private readonly resolved: string[] = [];
  private readonly tagCount = new Map<string, number>();
  private readonly identCount = new Map<string, number>();

  /** alignOf by id, once computed */
  private readonly aligns = new Map<number, number>();

  constructor(private readonly btf: BtfTypes) {
    this.nameAt = new Int32Array(btf.typeCount);
    this.order = new Uint8Array(btf.typeCount);
    this.emit = new Uint8Array(btf.typeCount);
    this.fwdDone = new Uint8Array(btf.typeCount);
  }

  type(id: number): BtfType {
    return this.btf.type(id);
  }

  /** The alignment C gives a type, scalars at most a pointer's (as bpftool reasons, whose dump this matches). */
  alignOf(id: number): number {
    return naturalAlign(this.btf, id, this.btf.pointerSize, this.aligns);
  }

  dumpType(id: number): void {
    if (id <= 0 || id >= this.btf.typeCount) return;
    // functions, variables, sections and tags are never written: skip decoding the ~55k FUNCs of a vmlinux
    const kind = this.btf.kind(id);
    if (kind === 'func' || kind === 'var' || kind === 'datasec' || kind === 'decl_tag') return;
    this.referenced ??= this.markReferenced();
    this.queue.length = 0;
    if (this.orderType(id, false) < 0) return;
    for (const q of this.queue) this.emitType(q, 0);
  }

  /** Which types some other type refers to: an anonymous enum nobody refers to is written on its own. */
  private markReferenced(): Uint8Array {
    const btf = this.btf;
    const seen = new Uint8Array(btf.typeCount);
    const refs: number[] = [];
    for (let id = 1; id < btf.typeCount; id++) {
      // a function refers to its prototype, whose mark changes nothing: skip decoding the ~55k of them
      if (btf.kind(id) === 'func') continue;
      if (btf.refs !== undefined) {
        btf.refs(id, refs);
        // a prototype's return type does not count (as in libbpf): only its parameters'
        for (let i = btf.kind(id) === 'func_proto' ? 1 : 0; i < refs.length; i++) seen[refs[i]!] = 1;
        continue;
      }
      const t = this.type(id);
      switch (t.kind) {
        case 'ptr':
        case 'typedef':
        case 'const':
        case 'volatile':
        case 'restrict':
        case 'type_tag':
        case 'var':
        case 'decl_tag':
          seen[t.target] = 1;
          break;
        case 'func':
          seen[t.proto] = 1;
          break;
        case 'array':
          seen[t.elem] = 1;
          seen[t.index] = 1;
          break;
        case 'struct':
        case 'union':
          for (const m of t.members) seen[m.type] = 1;
          break;
        case 'func_proto':
          for (const p of t.params) seen[p.type] = 1;
          break;
        case 'datasec':
          for (const v of t.vars) seen[v.type] = 1;
          break;
        default:
          break;
      }
    }
    return seen;
  }

  /**
   * Queues the named definitions `id` needs before it can be written, dependencies first. Returns 1 when
   * `id` is a complete definition others can embed (so a typedef of it is too), 0 when a declaration
   * suffices, -1 for a loop no pointer breaks.
   */
  private orderType(id: number, throughPtr: boolean): number {
    if (this.order[id] === DONE) return 1;
    // a prototype from its raw words: a vmlinux dump visits ~29k of them, most never written
    if (this.btf.refs !== undefined && this.btf.kind(id) === 'func_proto') {
      const refs: number[] = [];
      this.btf.refs(id, refs);
      let strong = false;
      for (const ref of refs) {
        const r = this.orderType(ref, throughPtr);
        if (r < 0) return r;
        if (r > 0) strong = true;
      }
      return strong ? 1 : 0;
    }
    const t = this.type(id);
    if (this.order[id] === IN_PROGRESS) {
      // a loop through a pointer to a named struct: a forward declaration breaks it
      if ((t.kind === 'struct' || t.kind === 'union') && throughPtr && t.name !== '') return 0;
      this.warnings.push(`type ${id} (${t.kind} ${t.name || '(anon)'}) is part of a loop no pointer breaks`);
      return -1;
    }
    switch (t.kind) {
      case 'void':
        return 0;
      case 'int':
      case 'float':
        this.order[id] = DONE;
        return 0;
      case 'ptr': {
        const r = this.orderType(t.target, true);
        this.order[id] = DONE;
        return r;
      }
      case 'array':
        return this.orderType(t.elem, false);
      case 'struct':
      case 'union': {
        // through a pointer a named struct needs no definition; an anonymous one is written inline
        if (throughPtr && t.name !== '') return 0;
        this.order[id] = IN_PROGRESS;
        for (const m of t.members) if (this.orderType(m.type, false) < 0) return -1;
        if (t.name !== '') this.queue.push(id);
        this.order[id] = DONE;
        return 1;
      }
      case 'enum':
      case 'fwd':
        if (t.name !== '' || !this.referenced![id]) this.queue.push(id);
        this.order[id] = DONE;
        return 1;
      case 'typedef': {
        const strong = this.orderType(t.target, throughPtr);
        if (strong < 0) return strong;
        if (throughPtr && strong === 0) return 0;
        this.queue.push(id);
        this.order[id] = DONE;
        return 1;
      }
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        return this.orderType(t.target, throughPtr);
      case 'func_proto': {
        let r = this.orderType(t.ret, throughPtr);
        if (r < 0) return r;
        let strong = r > 0;
        for (const p of t.params) {
          r = this.orderType(p.type, throughPtr);
          if (r < 0) return r;
          if (r > 0) strong = true;
        }
        return strong ? 1 : 0;
      }
      case 'func':
      case 'var':
      case 'datasec':
      case 'decl_tag':
        this.order[id] = DONE;
        return 0;
    }
  }

  /**
   * Writes `id` if it is a top-level definition (`container` 0), or, inside container's definition, what
   * `id` needs declared first: forward declarations of structs in progress, typedefs used through pointers.
   */
  private emitType(id: number, container: number): void {
    if (this.emit[id] === DONE) return;
    const t = this.type(id);
    const topLevel = container === 0;
    if (this.emit[id] === IN_PROGRESS) {
      if (this.fwdDone[id]) return;
      if (t.kind === 'struct' || t.kind === 'union') {
        if (id === container) return; // a struct that points to itself needs no declaration
        if (t.name === '') {
          this.warnings.push(`type ${id}: anonymous ${t.kind} contains itself`);
          return;
        }
        this.put(`${t.kind} ${this.tagName(t)};\n\n`);
        this.fwdDone[id] = 1;
      } else if (t.kind === 'typedef') {
        this.typedefStatement(t);
        this.fwdDone[id] = 1;
      }
      return;
    }
    switch (t.kind) {
      case 'int':
        this.emit[id] = DONE;
        return;
      case 'enum':
        if (topLevel) {
          this.enumDef(t, 0);
          this.put(';\n\n');
        }
        this.emit[id] = DONE;
        return;
      case 'ptr':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        this.emitType(t.target, container);
        return;
      case 'array':
        this.emitType(t.elem, container);
        return;
      case 'fwd':
        this.put(`${t.of} ${this.tagName(t)};\n\n`);
        this.emit[id] = DONE;
        return;
      case 'typedef':
        this.emit[id] = IN_PROGRESS;
        this.emitType(t.target, id);
        if (!this.fwdDone[id]) this.typedefStatement(t);
        this.emit[id] = DONE;
        return;
      case 'struct':
      case 'union':
        this.emit[id] = IN_PROGRESS;
        if (topLevel || t.name === '') {
          // its members are written out: what they name must be declared first
          const inner = t.name === '' ? container : id;
          for (const m of t.members) this.emitType(m.type, inner);
        } else if (!this.fwdDone[id] && id !== container) {
          this.put(`${t.kind} ${this.tagName(t)};\n\n`);
          this.fwdDone[id] = 1;
        }
        if (topLevel) {
          this.structDef(t, 0);
          this.put(';\n\n');
          this.emit[id] = DONE;
        } else {
          this.emit[id] = NOT;
        }
        return;
      case 'func_proto':
        this.emitType(t.ret, container);
        for (const p of t.params) this.emitType(p.type, container);
        return;
      default:
        return;
    }
  }

  private typedefStatement(t: Typedef): void {
    // compilers define __builtin_va_list themselves: redefining it is an error
    if (t.name === '__builtin_va_list') return;
    this.typedefDef(t, 0);
    this.put(';\n\n');
  }

  typedefDef(t: Typedef, lvl: number): void {
    const name = this.identName(t);
    // old GCCs describe __gnuc_va_list as a typedef of void
    if (t.target === 0 && name === '__gnuc_va_list') {
      this.put('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.put('typedef ');
    this.typeDecl(t.target, name, lvl);
  }

  // ---- names ------------------------------------------------------------------------------

  /** A struct/union/enum/fwd tag as written: the first type of a name keeps it, later ones get `___N`. */
  private tagName(t: Composite | Enum | Extract<BtfType, { kind: 'fwd' }>): string {
    if (t.kind === 'fwd' || (t.kind === 'enum' && t.values.length === 0)) return t.name;
    return this.uniqueName(t.id, t.name, this.tagCount);
  }

  private identName(t: BtfType): string {
    return this.uniqueName(t.id, t.name, this.identCount);
  }

  private uniqueName(id: number, name: string, counts: Map<string, number>): string {
    if (name === '') return '';
    const at = this.nameAt[id]!;
    if (at !== 0) return this.resolved[at - 1]!;
    const dup = (counts.get(name) ?? 0) + 1;
    counts.set(name, dup);
    const n = dup > 1 ? `${name}___${dup}` : name;
    this.nameAt[id] = this.resolved.push(n);
    return n;
  }

  // ---- definitions ------------------------------------------------------------------------

  enumDef(t: Enum, lvl: number): void {
    this.put(t.name === '' ? 'enum' : `enum ${this.tagName(t)}`);
    if (t.values.length === 0) return;
    this.put(' {');
    const pad = tabs(lvl + 1);
    const suffix = t.wide ? (t.signed ? 'LL' : 'ULL') : '';
    for (const v of t.values) {
      // enumerators share the namespace of typedef names
      const dup = (this.identCount.get(v.name) ?? 0) + 1;
      this.identCount.set(v.name, dup);
      const name = dup > 1 ? `${v.name}___${dup}` : v.name;
      this.put(`\n${pad}${name} = ${v.value}${suffix},`);
    }
    this.put(`\n${tabs(lvl)}}`);
  }

  structDef(t: Composite, lvl: number): void {
    const btf = this.btf;
    const isStruct = t.kind === 'struct';
    const packed = isStruct && isPacked(this, t);
    this.put(t.name === '' ? `${t.kind} {` : `${t.kind} ${this.tagName(t)} {`);
    const pad = tabs(lvl + 1);
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members) {
      const align = packed ? 1 : this.alignOf(m.type);
      this.bitPadding(off, m.bitOffset, align, prevBitfield && m.bitSize !== 0, lvl + 1);
      prevBitfield = m.bitSize !== 0;
      this.put(`\n${pad}`);
      this.typeDecl(m.type, m.name, lvl + 1);
      if (m.bitSize !== 0) {
        this.put(`: ${m.bitSize};`);
        off = m.bitOffset + m.bitSize;
      } else {
        this.put(';');
        off = m.bitOffset + Math.max(0, btf.sizeOf(m.type) ?? 0) * 8;
      }
    }
    if (isStruct) this.bitPadding(off, t.size * 8, this.alignOf(t.id), false, lvl + 1);
    // `struct empty {}` stays on one line
    this.put(t.members.length > 0 || t.size > 0 ? `\n${tabs(lvl)}}` : '}');
    if (packed) this.put(' __attribute__((packed))');
  }

  /**
   * Unnamed bitfields that make the compiler put the next member (or the struct's end) at bit `to`, when
   * `from` is where the previous member ended. First the widest type (long, int, short, char) whose natural
   * alignment falls inside the gap: a `type: 0;` mark (the bits left, inside a run of bitfields) when
   * the next member's own alignment would not get there; then whole units of that type, the remainder
   * in the narrowest type that holds it.
   */
  private bitPadding(from: number, to: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    if (from >= to) return;
    const pads = PADS[this.btf.pointerSize === 8 ? 0 : 1]!;
    let cur = from;
    let pad = pads[0]!;
    let next = 0;
    for (pad of pads) {
      next = roundUp(cur, pad[1]);
      if (next <= to) break;
    }
    if (next > cur && next <= to) {
      if (
        inBitfield ||
        (next === to && roundUp(cur, nextAlign * 8) !== next) ||
        (next !== to && to - next <= next - cur)
      )
        this.put(`\n${tabs(lvl)}${pad[0]}: ${inBitfield ? next - cur : 0};`);
      cur = next;
    }
    while (cur !== to) {
      const bits = Math.min(to - cur, pad[1]);
      if (bits === pad[1]) {
        this.put(`\n${tabs(lvl)}${pad[0]}: ${bits};`);
      } else {
        let fit = pads[0]!;
        for (const p of pads) if (p[1] >= bits) fit = p;
        this.put(`\n${tabs(lvl)}${fit[0]}: ${bits};`);
      }
      cur += bits;
    }
  }

  // ---- declarations -----------------------------------------------------------------------

  /**
   * `name` declared with type `id` (name '' for an abstract declarator). The chain of pointers, qualifiers,
   * arrays and prototypes down to a base type is collected, then written base type first.
   */
  typeDecl(id: number, name: string, lvl: number): void {
    const chain: number[] = [];
    for (let cur = id; ;) {
      chain.push(cur);
      if (cur === 0) break;
      const t = this.type(cur);
      if (t.kind === 'ptr' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict') cur = t.target;
      else if (t.kind === 'type_tag') cur = t.target;
      else if (t.kind === 'func_proto') cur = t.ret;
      else if (t.kind === 'array') cur = t.elem;
      else break;
      if (chain.length > 256) break; // a loop in malformed BTF
    }
    this.chain(chain, name, lvl);
  }

  /** Writes the declarator for chain (outermost first; consumed from the end, the base type) around `name`. */
  private chain(chain: number[], name: string, lvl: number): void {
    let lastWasPtr = true;
    while (chain.length > 0) {
      const id = chain.pop()!;
      if (id === 0) {
        this.qualifiers(chain);
        this.put('void');
        lastWasPtr = false;
        continue;
      }
      const t = this.type(id);
      switch (t.kind) {
        case 'int':
        case 'float':
          this.qualifiers(chain);
          this.put(t.name);
          break;
        case 'struct':
        case 'union':
          this.qualifiers(chain);
          if (t.name === '') this.structDef(t, lvl);
          else this.put(`${t.kind} ${this.tagName(t)}`);
          break;
        case 'enum':
          this.qualifiers(chain);
          if (t.name === '') this.enumDef(t, lvl);
          else this.put(`enum ${this.tagName(t)}`);
          break;
        case 'fwd':
          this.qualifiers(chain);
          this.put(`${t.of} ${t.name}`);
          break;
        case 'typedef':
          this.qualifiers(chain);
          this.put(this.identName(t));
          break;
        case 'ptr':
          this.put(lastWasPtr ? '*' : ' *');
          break;
        case 'const':
        case 'volatile':
        case 'restrict':
          this.put(` ${t.kind}`);
          break;
        case 'type_tag':
          this.qualifiers(chain);
          this.put(` __attribute__((btf_type_tag("${t.name}")))`);
          break;
        case 'array': {
          // qualifiers on an array are its elements' (GCC repeats them on the array): drop them
          this.dropQualifiers(chain);
          if (chain.length === 0) {
            this.name(name, lastWasPtr);
            this.put(`[${t.count}]`);
            return;
          }
          const multidim = this.type(chain[chain.length - 1]!).kind === 'array';
          if (name !== '' && !lastWasPtr) this.put(' ');
          if (!multidim) this.put('(');
          this.chain(chain, name, lvl);
          if (!multidim) this.put(')');
          this.put(`[${t.count}]`);
          return;
        }
        case 'func_proto': {
          // GCC marks noreturn function pointers volatile: drop such qualifiers
          this.dropQualifiers(chain);
          if (chain.length > 0) {
            this.put(' (');
            this.chain(chain, name, lvl);
            this.put(')');
          } else {
            this.name(name, lastWasPtr);
          }
          this.put('(');
          const params = t.params;
          // no parameters, or only `...` (BTF: one void parameter), is written (void)
          if (params.length === 0) {
            this.put('void)');
            return;
          }
          params.forEach((p, i) => {
            if (i > 0) this.put(', ');
            this.typeDecl(p.type, p.name, lvl);
          });
          if (t.variadic) this.put(', ...');
          this.put(')');
          return;
        }
        default:
          this.put(`/* unexpected ${t.kind} in a declaration */`);
          return;
      }
      lastWasPtr = t.kind === 'ptr';
    }
    this.name(name, lastWasPtr);
  }

  private name(name: string, lastWasPtr: boolean): void {
    if (name !== '') this.put(lastWasPtr ? name : ` ${name}`);
  }

  /** Writes the const/volatile/restrict at the end of the chain (they come before the base type). */
  private qualifiers(chain: number[]): void {
    while (chain.length > 0) {
      const k = this.type(chain[chain.length - 1]!).kind;
      if (k !== 'const' && k !== 'volatile' && k !== 'restrict') return;
      this.put(`${k} `);
      chain.pop();
    }
  }

  private dropQualifiers(chain: number[]): void {
    while (chain.length > 0) {
      const k = this.type(chain[chain.length - 1]!).kind;
      if (k !== 'const' && k !== 'volatile' && k !== 'restrict' && k !== 'type_tag') return;
      chain.pop();
    }
  }
}

/** A struct needs `packed` when a member is misaligned or its size is not a multiple of its members' alignment. */
function isPacked(w: CWriter, t: Composite): boolean {
  let max = 1;
  for (const m of t.members) {
    const a = w.alignOf(m.type);
    if (a !== 0 && m.bitSize === 0 && m.bitOffset % (8 * a) !== 0) return true;
    if (a > max) max = a;
  }
  return t.size % max !== 0;
}

function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}
