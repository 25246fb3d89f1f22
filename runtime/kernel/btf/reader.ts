// A reader for kernel BTF: one pass over the type section records where each type starts (a
// Uint32Array of word offsets); everything else is decoded on demand from the raw bytes. Names are
// decoded as latin1 (kernel identifiers are ASCII) and the name index is an open-addressing hash
// table over the raw name bytes, built on the first lookup, so no string is made for a type nobody asks about.
import { globRegExp } from '../../../lang/glob.ts'; // past the facade: see scripts/check-imports.ts
import type {
  BtfEnumValue,
  BtfFunc,
  BtfKind,
  BtfLinkage,
  BtfMember,
  BtfMemberHit,
  BtfParam,
  BtfRawTracepoint,
  BtfType,
  BtfTypes,
  BtfVarSecinfo,
} from '../../../lang/index.ts';
import { declaration, definition, typeName } from '../../../lang/btf-print.ts';
import * as K from './kinds.ts';

export class BtfError extends Error {
  override readonly name = 'BtfError';
}

export interface ParseOptions {
  /** The base BTF (vmlinux's) when parsing split BTF (a module's): ids and string offsets continue after it. */
  readonly base?: Btf;
  /** Where the bytes came from, for messages: 'vmlinux', a module name, a path. */
  readonly source?: string;
}

/** Parses a BTF blob. The bytes are kept (not copied when the type section is 4-byte aligned). */
export function parseBtf(data: Uint8Array, options: ParseOptions = {}): Btf {
  return new Btf(data, options);
}

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

const LINKAGE: readonly BtfLinkage[] = ['static', 'global', 'extern'];
const RAW_TP_PREFIX = 'btf_trace_';
/** more than an enum's vlen (16 bits) can count */
const ENUMERATOR_SLOTS = 0x10000;
const MAX_CHAIN = 64; // longer typedef/qualifier chains mean a loop in malformed BTF

const VOID: BtfType = { kind: 'void', id: 0, name: '' };

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface NameIndex {
  readonly mask: number;
  /** Type ids (0: empty slot), in id order along each probe chain. */
  readonly ids: Uint32Array;
}

export class Btf implements BtfTypes {
  readonly source: string;
  readonly base: Btf | undefined;
  /** The first id this blob defines: 1, or the base's typeCount for split BTF. */
  readonly firstId: number;
  readonly typeCount: number;
  readonly pointerSize = 8;

  private readonly bytes: Latin1Buffer;
  private readonly words: Uint32Array;
  /** Word offset in `words` of each own type, indexed by id - firstId. */
  private readonly at: Uint32Array;
  private readonly strStart: number;
  private readonly strEnd: number;
  /** String offsets below this are the base's; this blob's own strings start here. */
  private readonly strBase: number;
  /** Decoded own types by id - firstId: an array, as a dump decodes nearly all of them. */
  private readonly decoded: Map<number, BtfType>;
  /**
   * The name indexes, built on the first lookup each: FUNCs apart (55k of vmlinux's 71k names, wanted only by
   * function lookups), every other kind together (the types a script names: ~15k).
   */
  private readonly indexes: [others: NameIndex | undefined, funcs: NameIndex | undefined] = [undefined, undefined];
  /** own types with a name (the indexes' sizes): FUNCs, the others */
  private readonly namedFuncs: number;
  private readonly namedOthers: number;
  private ints: Map<string, number> | undefined;
  /** ids of the ENUM and ENUM64 types, in order */
  private readonly enumIds: readonly number[];
  /** enumerator name -> its enum's id * ENUMERATOR_SLOTS + its index there (the first enum that has it) */
  private enumerators: Map<string, number> | undefined;

  constructor(data: Uint8Array, options: ParseOptions = {}) {
    this.source = options.source ?? 'btf';
    this.base = options.base;
    if (!littleEndianHost) throw this.error('only little-endian hosts are supported');
    if (data.length < K.BTF_HEADER_MIN) throw this.error(`${data.length} bytes is too short for a BTF header`);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const magic = view.getUint16(0, true);
    if (magic === 0x9feb) throw this.error('big-endian BTF is not supported');
    if (magic !== K.BTF_MAGIC) throw this.error(`bad magic 0x${magic.toString(16)} (expected 0xeb9f)`);
    if (data[2] !== 1) throw this.error(`unsupported BTF version ${data[2]}`);
    const hdrLen = view.getUint32(4, true);
    const typeOff = view.getUint32(8, true);
    const typeLen = view.getUint32(12, true);
    const strOff = view.getUint32(16, true);
    const strLen = view.getUint32(20, true);
    if (hdrLen < K.BTF_HEADER_MIN || hdrLen > data.length) throw this.error(`bad header length ${hdrLen}`);
    const typeStart = hdrLen + typeOff;
    this.strStart = hdrLen + strOff;
    this.strEnd = this.strStart + strLen;
    if (typeStart + typeLen > data.length || typeLen % 4 !== 0)
      throw this.error('type section out of bounds or not a whole number of words');
    if (this.strEnd > data.length) throw this.error('string section out of bounds');
    if (this.base === undefined && (strLen === 0 || data[this.strStart] !== 0)) {
      throw this.error('string section must start with an empty string');
    }

    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.bytes = buf as Latin1Buffer;
    // A Uint32Array view needs 4-byte alignment: readFileSync's buffers have it, a hand-made blob may not.
    this.words =
      (data.byteOffset + typeStart) % 4 === 0
        ? new Uint32Array(data.buffer, data.byteOffset + typeStart, typeLen / 4)
        : new Uint32Array(data.slice(typeStart, typeStart + typeLen).buffer);
    this.strBase = this.base ? this.base.strBase + this.base.strEnd - this.base.strStart : 0;
    this.firstId = this.base ? this.base.typeCount : 1;

    // The one pass: every type is at least 3 words, which bounds the count.
    const words = this.words;
    const end = words.length;
    const at = new Uint32Array(Math.floor(end / 3));
    let n = 0;
    let w = 0;
    const enums: number[] = [];
    let named = 0;
    let namedFuncs = 0;
    const fixed = K.FIXED_WORDS;
    const perMember = K.MEMBER_WORDS;
    while (w < end) {
      if (w + 3 > end) throw this.error(`type ${this.firstId + n} is truncated`);
      at[n++] = w;
      const info = words[w + 1]!;
      const kind = (info >>> 24) & 0x1f;
      if (words[w] !== 0) {
        named++;
        if (kind === K.KIND_FUNC) namedFuncs++;
      }
      const extra = fixed[kind]!;
      if (extra < 0) throw this.error(`type ${this.firstId + n - 1} has unknown kind ${kind}`);
      if (kind === K.KIND_ENUM || kind === K.KIND_ENUM64) enums.push(this.firstId + n - 1);
      w += extra + perMember[kind]! * (info & 0xffff);
    }
    if (w !== end) throw this.error(`type ${this.firstId + n - 1} is truncated`);
    // a view, not a copy: only the n words written are ever touched (a fresh page costs ~11 µs on these VMs)
    this.at = at.subarray(0, n);
    this.enumIds = enums;
    this.namedFuncs = namedFuncs;
    this.namedOthers = named - namedFuncs;
    this.typeCount = this.firstId + n;
    // a Map, not an array of typeCount slots: filling 150k slots at each start cost more than the few types a
    // program decodes (a whole dump, as `-l`'s struct listings, stays fast either way)
    this.decoded = new Map();
  }

  // ---- raw access -------------------------------------------------------------------------

  /** The raw BTF kind number (0 for void). */
  rawKind(id: number): number {
    if (id >= this.firstId) return (this.words[this.wordAt(id) + 1]! >>> 24) & 0x1f;
    if (id === 0) return 0;
    if (this.base !== undefined && id > 0) return this.base.rawKind(id);
    throw this.error(`type id ${id} out of range`);
  }

  /** Word k of a type: 0 name_off, 1 info, 2 size|type, 3… kind-specific. */
  rawWord(id: number, k: number): number {
    if (id >= this.firstId) return this.words[this.wordAt(id) + k]!;
    if (this.base !== undefined && id > 0) return this.base.rawWord(id, k);
    throw this.error(`type id ${id} has no data`);
  }

  /** The string at a string-section offset (offsets below strBase are the base's). */
  str(off: number): string {
    if (off < this.strBase) return this.base!.str(off);
    const p = this.strStart + off - this.strBase;
    const e = this.stringEnd(p);
    return this.bytes.latin1Slice(p, e);
  }

  // ---- BtfTypes ---------------------------------------------------------------------------

  kind(id: number): BtfKind {
    return K.KIND_NAMES[this.rawKind(id)]!;
  }

  name(id: number): string {
    if (id === 0) return '';
    return this.str(this.rawWord(id, 0));
  }

  type(id: number): BtfType {
    if (id > 0 && id < this.firstId) return this.base!.type(id);
    if (id === 0) return VOID;
    let t = this.decoded.get(id);
    if (t === undefined) this.decoded.set(id, (t = this.decode(id)));
    return t;
  }

  find(name: string, kinds?: BtfKind | readonly BtfKind[]): number | undefined {
    const mask = K.kindMask(kinds);
    return this.base?.findMasked(name, mask, true)[0] ?? this.findMasked(name, mask, true)[0];
  }

  findAll(name: string, kinds?: BtfKind | readonly BtfKind[]): readonly number[] {
    const mask = K.kindMask(kinds);
    const own = this.findMasked(name, mask, false);
    return this.base ? [...this.base.findMasked(name, mask, false), ...own] : own;
  }

  lookup(cName: string): number | undefined {
    const s = cName.trim().replace(/\s+/g, ' ');
    const tagged = /^(struct|union|enum) ([A-Za-z_]\w*)$/.exec(s);
    if (tagged) return this.find(tagged[2]!, tagged[1] as 'struct' | 'union' | 'enum');
    if (s === 'void') return 0;
    return (
      this.find(s, 'typedef') ??
      this.intByCName(s) ??
      this.find(s, 'float') ??
      this.find(s, 'struct') ??
      this.find(s, 'union') ??
      this.find(s, 'enum')
    );
  }

  resolve(id: number): number {
    return this.skip(id, true);
  }

  unqualified(id: number): number {
    return this.skip(id, false);
  }

  sizeOf(id: number): number | undefined {
    const r = this.resolve(id);
    switch (this.rawKind(r)) {
      case K.KIND_INT:
      case K.KIND_FLOAT:
      case K.KIND_STRUCT:
      case K.KIND_UNION:
      case K.KIND_ENUM:
      case K.KIND_ENUM64:
      case K.KIND_DATASEC:
        return this.rawWord(r, 2);
      case K.KIND_PTR:
        return this.pointerSize;
      case K.KIND_ARRAY: {
        const elem = this.sizeOf(this.rawWord(r, 3));
        return elem === undefined ? undefined : elem * this.rawWord(r, 5);
      }
      default:
        return undefined;
    }
  }

  members(id: number): readonly BtfMember[] | undefined {
    const t = this.type(this.resolve(id));
    return t.kind === 'struct' || t.kind === 'union' ? t.members : undefined;
  }

  findMember(id: number, name: string): BtfMemberHit | undefined {
    return this.memberIn(id, name, 0, [], 0);
  }

  enumerator(name: string): { readonly enumId: number; readonly value: bigint } | undefined {
    const inBase = this.base?.enumerator(name);
    if (inBase !== undefined) return inBase;
    if (this.enumerators === undefined) {
      // from the raw words of the enums the constructor's pass listed, names only: walking every type and decoding
      // each enum (an object and a BigInt per enumerator, vmlinux has tens of thousands) was ~30 ms of a start-up
      const words = this.words;
      const index = new Map<string, number>();
      for (const id of this.enumIds) {
        const w = this.wordAt(id);
        const info = words[w + 1]!;
        const stride = ((info >>> 24) & 0x1f) === K.KIND_ENUM64 ? 3 : 2;
        for (let i = 0, vlen = info & 0xffff, m = w + 3; i < vlen; i++, m += stride) {
          const n = this.str(words[m]!);
          if (!index.has(n)) index.set(n, id * ENUMERATOR_SLOTS + i);
        }
      }
      this.enumerators = index;
    }
    const at = this.enumerators.get(name);
    if (at === undefined) return undefined;
    const enumId = Math.floor(at / ENUMERATOR_SLOTS);
    const t = this.type(enumId) as Extract<BtfType, { kind: 'enum' }>;
    return { enumId, value: t.values[at % ENUMERATOR_SLOTS]!.value };
  }

  funcProto(name: string): BtfFunc | undefined {
    const id = this.find(name, 'func');
    return id === undefined ? undefined : this.funcById(id);
  }

  /** The function signature of a FUNC type id. */
  funcById(id: number): BtfFunc {
    const f = this.type(id);
    if (f.kind !== 'func') throw this.error(`type ${id} is a ${f.kind}, not a func`);
    const p = this.type(f.proto);
    if (p.kind !== 'func_proto') throw this.error(`func ${f.name} (${id}) has a ${p.kind} for a prototype`);
    return { name: f.name, id, proto: f.proto, params: p.params, ret: p.ret, variadic: p.variadic, linkage: f.linkage };
  }

  /** `sorted: false`: in the table's order, for a caller that only counts or filters them (the sort of ~60k is ~20 ms) */
  funcNames(glob?: string, sorted = true): string[] {
    return this.namesOfKind(K.KIND_FUNC, '', glob, sorted);
  }

  rawTracepoint(name: string): BtfRawTracepoint | undefined {
    const id = this.find(RAW_TP_PREFIX + name, 'typedef');
    if (id === undefined) return undefined;
    const ptr = this.type(this.unqualified(this.rawWord(id, 2)));
    if (ptr.kind !== 'ptr') return undefined;
    const proto = this.type(this.unqualified(ptr.target));
    if (proto.kind !== 'func_proto' || proto.params.length === 0) return undefined;
    // btf_trace_* protos have no parameter names; the probe stub of the same tracepoint has them.
    const named = [`__probestub_${name}`, `__bpf_trace_${name}`]
      .map((f) => this.funcProto(f))
      .find((f) => f !== undefined && f.params.length === proto.params.length);
    const params = proto.params
      .slice(1)
      .map((p, i) => ({ name: named?.params[i + 1]?.name || `arg${i}`, type: p.type }));
    return { name, id, params };
  }

  rawTracepointArgs(name: string): readonly BtfParam[] | undefined {
    return this.rawTracepoint(name)?.params;
  }

  rawTracepointNames(glob?: string): string[] {
    return this.namesOfKind(K.KIND_TYPEDEF, RAW_TP_PREFIX, glob);
  }

  typeName(id: number): string {
    return typeName(this, id);
  }

  declaration(id: number, name: string): string {
    return declaration(this, id, name);
  }

  definition(id: number, options?: { readonly offsets?: boolean }): string {
    return definition(this, id, options);
  }

  refs(id: number, out: number[]): void {
    out.length = 0;
    if (id < this.firstId) {
      if (id > 0) this.base!.refs(id, out);
      return;
    }
    const words = this.words;
    const w = this.wordAt(id);
    const info = words[w + 1]!;
    const vlen = info & 0xffff;
    switch ((info >>> 24) & 0x1f) {
      case K.KIND_PTR:
      case K.KIND_TYPEDEF:
      case K.KIND_VOLATILE:
      case K.KIND_CONST:
      case K.KIND_RESTRICT:
      case K.KIND_FUNC:
      case K.KIND_VAR:
      case K.KIND_DECL_TAG:
      case K.KIND_TYPE_TAG:
        out.push(words[w + 2]!);
        break;
      case K.KIND_ARRAY:
        out.push(words[w + 3]!, words[w + 4]!);
        break;
      case K.KIND_STRUCT:
      case K.KIND_UNION:
        for (let i = 0, m = w + 4; i < vlen; i++, m += 3) out.push(words[m]!);
        break;
      case K.KIND_FUNC_PROTO:
        out.push(words[w + 2]!);
        for (let i = 0, m = w + 4; i < vlen; i++, m += 2) out.push(words[m]!);
        break;
      case K.KIND_DATASEC:
        for (let i = 0, m = w + 3; i < vlen; i++, m += 3) out.push(words[m]!);
        break;
      default:
        break;
    }
  }

  // ---- internals --------------------------------------------------------------------------

  private error(message: string): BtfError {
    return new BtfError(`${this.source}: ${message}`);
  }

  private wordAt(id: number): number {
    const w = this.at[id - this.firstId];
    if (w === undefined) throw this.error(`type id ${id} out of range (${this.typeCount} types)`);
    return w;
  }

  private stringEnd(p: number): number {
    const b = this.bytes;
    const limit = this.strEnd;
    let e = p;
    while (e < limit && b[e] !== 0) e++;
    if (e >= limit) throw this.error(`string at ${p - this.strStart} is out of bounds or not terminated`);
    return e;
  }

  /** Where the bytes of string `off` are: a buffer and a position (the base's for base offsets). */
  private stringBytes(off: number): [Buffer, number] {
    if (off < this.strBase) return this.base!.stringBytes(off);
    return [this.bytes, this.strStart + off - this.strBase];
  }

  private skip(id: number, typedefs: boolean): number {
    for (let i = 0; i < MAX_CHAIN; i++) {
      const kind = this.rawKind(id);
      if (kind === K.KIND_TYPEDEF && !typedefs) return id;
      switch (kind) {
        case K.KIND_TYPEDEF:
        case K.KIND_CONST:
        case K.KIND_VOLATILE:
        case K.KIND_RESTRICT:
        case K.KIND_TYPE_TAG:
        case K.KIND_DECL_TAG:
          id = this.rawWord(id, 2);
          break;
        default:
          return id;
      }
    }
    throw this.error(`type ${id}: typedef/qualifier chain longer than ${MAX_CHAIN} (a loop?)`);
  }

  private memberIn(
    id: number,
    name: string,
    bitBase: number,
    path: readonly BtfMember[],
    depth: number,
  ): BtfMemberHit | undefined {
    if (depth > MAX_CHAIN) return undefined;
    for (const m of this.members(id) ?? []) {
      const bitOffset = bitBase + m.bitOffset;
      if (m.name === name) return { member: m, offset: bitOffset >>> 3, bitOffset, path: [...path, m] };
      if (m.name === '') {
        const hit = this.memberIn(m.type, name, bitOffset, [...path, m], depth + 1);
        if (hit !== undefined) return hit;
      }
    }
    return undefined;
  }

  private static hash(name: string): number | undefined {
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c > 0xff || c === 0) return undefined; // cannot be a latin1-decoded BTF name
      h = Math.imul(h ^ c, 0x01000193);
    }
    return h >>> 0;
  }

  /**
   * Named own types, FUNCs (`funcs`) or the others, by the FNV-1a hash of their name, open addressing, ids only (a
   * probe compares the name itself): ~1.5 slots a name keeps the tables at 512 KB for vmlinux's ~70k names, where a
   * second array of hashes and a table twice the size were 2 MB of fresh pages, ~5 ms of every program that looks a
   * type up; hashing the names is most of the rest, so a program that looks up no function hashes no FUNC name.
   */
  private buildIndex(funcs: boolean): NameIndex {
    const words = this.words;
    const at = this.at;
    const named = funcs ? this.namedFuncs : this.namedOthers;
    let size = 16;
    while (size < named + (named >>> 1)) size *= 2;
    const mask = size - 1;
    const ids = new Uint32Array(size);
    const ownBytes = this.bytes;
    const strBase = this.strBase;
    const ownDelta = this.strStart - strBase;
    for (let i = 0; i < at.length; i++) {
      const w = at[i]!;
      const off = words[w]!;
      if (off === 0 || (((words[w + 1]! >>> 24) & 0x1f) === K.KIND_FUNC) !== funcs) continue;
      let b: Buffer = ownBytes;
      let p = off + ownDelta;
      if (off < strBase) [b, p] = this.stringBytes(off);
      let h = 0x811c9dc5;
      for (let c = b[p]; c !== 0 && c !== undefined; c = b[++p]) h = Math.imul(h ^ c, 0x01000193);
      let s = (h >>> 0) & mask;
      while (ids[s] !== 0) s = (s + 1) & mask;
      ids[s] = this.firstId + i;
    }
    return { mask, ids };
  }

  private nameIs(id: number, name: string): boolean {
    const [b, p] = this.stringBytes(this.rawWord(id, 0));
    for (let i = 0; i < name.length; i++) if (b[p + i] !== name.charCodeAt(i)) return false;
    return b[p + name.length] === 0;
  }

  /** Own types named `name` whose raw kind is in `mask`, in id order (just the first when `first`). */
  private findMasked(name: string, mask: number, first: boolean): number[] {
    const h = Btf.hash(name);
    if (h === undefined || name === '') return [];
    const funcBit = 1 << K.KIND_FUNC;
    const others = (mask & ~funcBit) !== 0 ? this.findIn(false, h, name, mask, first) : [];
    const funcs = (mask & funcBit) !== 0 ? this.findIn(true, h, name, mask, first) : [];
    if (!funcs.length) return others;
    if (!others.length) return funcs;
    const both = [...others, ...funcs].sort((a, b) => a - b);
    return first ? both.slice(0, 1) : both;
  }

  /** findMasked in one of the two indexes (`funcs`: the FUNCs'), `h` the name's hash. */
  private findIn(funcs: boolean, h: number, name: string, mask: number, first: boolean): number[] {
    const index = (this.indexes[funcs ? 1 : 0] ??= this.buildIndex(funcs));
    const { ids, mask: slots } = index;
    const out: number[] = [];
    for (let s = h & slots; ids[s] !== 0; s = (s + 1) & slots) {
      const id = ids[s]!;
      if (((mask >>> this.rawKind(id)) & 1) === 0 || !this.nameIs(id, name)) continue;
      out.push(id);
      if (first) break;
    }
    return out;
  }

  private intByCName(s: string): number | undefined {
    const key = intKey(s);
    if (key === undefined) return this.find(s, 'int');
    const inBase = this.base?.intByCName(s);
    if (inBase !== undefined) return inBase;
    if (this.ints === undefined) {
      this.ints = new Map();
      for (let id = this.firstId; id < this.typeCount; id++) {
        if (this.rawKind(id) !== K.KIND_INT) continue;
        const k = intKey(this.name(id));
        if (k !== undefined && !this.ints.has(k)) this.ints.set(k, id);
      }
    }
    return this.ints.get(key);
  }

  /** Unique names (sorted unless asked not to) of own types of raw kind `kind` starting with `prefix` (which is cut off), filtered by a glob. */
  private namesOfKind(kind: number, prefix: string, glob: string | undefined, sorted = true): string[] {
    const re = glob === undefined ? undefined : globRegExp(glob);
    // Compare the literal start of the pattern on the raw bytes before making a string.
    const lead = prefix + (glob === undefined ? '' : /^[^*?]*/.exec(glob)![0]);
    const words = this.words;
    const at = this.at;
    const out = new Set<string>();
    for (let i = 0; i < at.length; i++) {
      const w = at[i]!;
      if (((words[w + 1]! >>> 24) & 0x1f) !== kind) continue;
      const off = words[w]!;
      let b: Buffer = this.bytes;
      let p = this.strStart + off - this.strBase;
      if (off < this.strBase) [b, p] = this.stringBytes(off);
      let ok = true;
      for (let j = 0; j < lead.length; j++) {
        if (b[p + j] !== lead.charCodeAt(j)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const name = this.str(off).slice(prefix.length);
      if (re === undefined || re.test(name)) out.add(name);
    }
    return sorted ? [...out].sort() : [...out];
  }

  private decode(id: number): BtfType {
    if (id === 0) return { kind: 'void', id: 0, name: '' };
    const words = this.words;
    const w = this.wordAt(id);
    const info = words[w + 1]!;
    const rawKind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const name = this.str(words[w]!);
    const sizeOrType = words[w + 2]!;
    switch (rawKind) {
      case K.KIND_INT: {
        const enc = words[w + 3]!;
        const flags = (enc >>> 24) & 0x0f;
        return {
          kind: 'int',
          id,
          name,
          size: sizeOrType,
          signed: (flags & K.INT_SIGNED) !== 0,
          char: (flags & K.INT_CHAR) !== 0,
          bool: (flags & K.INT_BOOL) !== 0,
          bits: enc & 0xff,
          bitOffset: (enc >>> 16) & 0xff,
        };
      }
      case K.KIND_FLOAT:
        return { kind: 'float', id, name, size: sizeOrType };
      case K.KIND_PTR:
        return { kind: 'ptr', id, name, target: sizeOrType };
      case K.KIND_ARRAY:
        return { kind: 'array', id, name, elem: words[w + 3]!, index: words[w + 4]!, count: words[w + 5]! };
      case K.KIND_STRUCT:
      case K.KIND_UNION: {
        const members: BtfMember[] = [];
        for (let i = 0, m = w + 3; i < vlen; i++, m += 3) {
          const type = words[m + 1]!;
          const raw = words[m + 2]!;
          let bitOffset = raw;
          let bitSize = 0;
          if (kflag) {
            // kind_flag: offset holds bitfield_size << 24 | bit_offset
            bitOffset = raw & 0xffffff;
            bitSize = raw >>> 24;
          } else {
            // without kind_flag a bitfield is an INT member whose nr_bits is less than its size
            const r = this.resolve(type);
            if (this.rawKind(r) === K.KIND_INT) {
              const enc = this.rawWord(r, 3);
              const bits = enc & 0xff;
              if (bits !== this.rawWord(r, 2) * 8 || (enc >>> 16) & 0xff) {
                bitSize = bits;
                bitOffset += (enc >>> 16) & 0xff;
              }
            }
          }
          members.push({ name: this.str(words[m]!), type, offset: bitOffset >>> 3, bitOffset, bitSize });
        }
        return { kind: rawKind === K.KIND_STRUCT ? 'struct' : 'union', id, name, size: sizeOrType, members };
      }
      case K.KIND_ENUM:
      case K.KIND_ENUM64: {
        const values: BtfEnumValue[] = [];
        const wide = rawKind === K.KIND_ENUM64;
        const stride = wide ? 3 : 2;
        for (let i = 0, m = w + 3; i < vlen; i++, m += stride) {
          let value: bigint;
          if (wide) {
            const v = (BigInt(words[m + 2]!) << 32n) | BigInt(words[m + 1]!);
            value = kflag ? BigInt.asIntN(64, v) : v;
          } else {
            value = BigInt(kflag ? words[m + 1]! | 0 : words[m + 1]!);
          }
          values.push({ name: this.str(words[m]!), value });
        }
        return { kind: 'enum', id, name, size: sizeOrType, signed: kflag, wide, values };
      }
      case K.KIND_FWD:
        return { kind: 'fwd', id, name, of: kflag ? 'union' : 'struct' };
      case K.KIND_TYPEDEF:
        return { kind: 'typedef', id, name, target: sizeOrType };
      case K.KIND_CONST:
        return { kind: 'const', id, name, target: sizeOrType };
      case K.KIND_VOLATILE:
        return { kind: 'volatile', id, name, target: sizeOrType };
      case K.KIND_RESTRICT:
        return { kind: 'restrict', id, name, target: sizeOrType };
      case K.KIND_TYPE_TAG:
        return { kind: 'type_tag', id, name, target: sizeOrType };
      case K.KIND_FUNC:
        return { kind: 'func', id, name, proto: sizeOrType, linkage: LINKAGE[vlen] ?? 'static' };
      case K.KIND_FUNC_PROTO: {
        const params: BtfParam[] = [];
        let variadic = false;
        for (let i = 0, m = w + 3; i < vlen; i++, m += 2) {
          const type = words[m + 1]!;
          // a last parameter with no name and type 0 (void) is C's `...`
          if (i === vlen - 1 && type === 0 && words[m] === 0) variadic = true;
          else params.push({ name: this.str(words[m]!), type });
        }
        return { kind: 'func_proto', id, name, ret: sizeOrType, params, variadic };
      }
      case K.KIND_VAR:
        return { kind: 'var', id, name, target: sizeOrType, linkage: LINKAGE[words[w + 3]!] ?? 'static' };
      case K.KIND_DATASEC: {
        const vars: BtfVarSecinfo[] = [];
        for (let i = 0, m = w + 3; i < vlen; i++, m += 3)
          vars.push({ type: words[m]!, offset: words[m + 1]!, size: words[m + 2]! });
        return { kind: 'datasec', id, name, size: sizeOrType, vars };
      }
      case K.KIND_DECL_TAG:
        return { kind: 'decl_tag', id, name, target: sizeOrType, component: words[w + 3]! | 0 };
      default:
        throw this.error(`type ${id} has unknown kind ${rawKind}`);
    }
  }
}

/** `*` and `?` as in bpftrace's probe wildcards; everything else is literal. */

/**
 * A canonical key for a C integer type spelling, so 'unsigned long' finds BTF's 'long unsigned int':
 * signedness (explicit for char, which is its own type) and width words, in any order.
 */
export function intKey(s: string): string | undefined {
  let unsigned = false;
  let signed = false;
  let longs = 0;
  let short = false;
  let char = false;
  let int = false;
  let i128 = false;
  let bool = false;
  const words = s.split(' ');
  for (const w of words) {
    if (w === 'unsigned') unsigned = true;
    else if (w === 'signed') signed = true;
    else if (w === 'long') longs++;
    else if (w === 'short') short = true;
    else if (w === 'char') char = true;
    else if (w === 'int') int = true;
    else if (w === '__int128') i128 = true;
    else if (w === '_Bool') bool = true;
    else return undefined;
  }
  if (unsigned && signed) return undefined;
  if (bool) return words.length === 1 ? '_Bool' : undefined;
  if (char)
    return longs || short || int || i128 ? undefined : unsigned ? 'unsigned char' : signed ? 'signed char' : 'char';
  const sign = unsigned ? 'u' : 's';
  if (i128) return longs || short || int ? undefined : `${sign}128`;
  if (short) return longs ? undefined : `${sign}short`;
  if (longs > 2) return undefined;
  return `${sign}${['int', 'long', 'longlong'][longs]}`;
}
