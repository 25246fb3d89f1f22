// The types a script (and its headers) declares, as BTF on top of the kernel's: ids continue after
// the base's, and every BtfTypes method answers for both. Declarations are resolved in order, laid out
// as gcc would (layout.ts), and checked; mistakes in the script are diagnostics, while what a header
// declares but scry cannot use is dropped quietly (a later use of the name reports it unknown).
//
// Names: a script's struct/union/enum/typedef shadows a kernel type of the same name, as in bpftrace
// (its clang parse takes the user's definition and pulls only the still-missing types from BTF;
// `struct task_struct { int x; int y; }` then has sizeof 8 in bpftrace 0.17 and 0.26). `shadowed`
// lists such names so a caller can say so. Without a base, C's builtin types are created on demand.
import { error, type Diagnostic } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import {
  naturalAlign,
  type BtfFunc,
  type BtfKind,
  type BtfMember,
  type BtfMemberHit,
  type BtfParam,
  type BtfRawTracepoint,
  type BtfType,
  type BtfTypes,
} from '../btf.ts';
import { declaration, definition, typeName } from '../btf-print.ts';
import {
  FALLBACK_TYPEDEFS,
  type CAttributes,
  type CDeclaration,
  type CDeclarator,
  type CDerived,
  type CExpr,
  type CField,
  type CSpecifiers,
  type CTypeName,
  type CTypeSpec,
} from './declarations.ts';
import { enumLayout, layoutRecord, type FieldLayoutInput } from './layout.ts';

/** BtfTypes with the script's types on top, and what the resolver learned. */
export interface ScriptTypes extends BtfTypes {
  readonly base: BtfTypes | undefined;
  /** The first script type id (base.typeCount, or 1 without a base). */
  readonly firstId: number;
  /** Alignment in bytes, as gcc would use it (aligned(N) and packed included for script types). */
  alignOf(id: number): number;
  /** Named struct/union/enum/typedef ids the declarations define, in order. */
  readonly defined: readonly number[];
  /** Where a script type (struct/union/enum/typedef) was defined, for "defined here" notes. */
  definitionSpan(id: number): Span | undefined;
  /** Script types whose name hides a base type of the same kind. */
  readonly shadowed: readonly { readonly id: number; readonly baseId: number; readonly span: Span }[];
}

export interface ScriptTypesResult {
  readonly types: ScriptTypes;
  readonly diagnostics: Diagnostic[];
}

/** Biggest alignment `aligned` without an argument gives on x86-64. */
const MAX_ALIGN = 16;

export function withScriptTypes(base: BtfTypes | undefined, declarations: readonly CDeclaration[]): ScriptTypesResult {
  const types = new Overlay(base);
  const diagnostics: Diagnostic[] = [];
  new Resolver(types, diagnostics, declarations).run();
  return { types, diagnostics };
}

// ---- the overlay ----------------------------------------------------------------------------------

type Composite = Extract<BtfType, { kind: 'struct' | 'union' }>;

/** C names of builtin types, as gcc's debug info (and so BTF) spells them. */
const BUILTIN_BTF: Record<
  string,
  { name: string; size: number; signed: boolean; char?: boolean; bool?: boolean; float?: boolean; align?: number }
> = {
  char: { name: 'char', size: 1, signed: true, char: true },
  'signed char': { name: 'signed char', size: 1, signed: true, char: true },
  'unsigned char': { name: 'unsigned char', size: 1, signed: false, char: true },
  short: { name: 'short int', size: 2, signed: true },
  'unsigned short': { name: 'short unsigned int', size: 2, signed: false },
  int: { name: 'int', size: 4, signed: true },
  'unsigned int': { name: 'unsigned int', size: 4, signed: false },
  long: { name: 'long int', size: 8, signed: true },
  'unsigned long': { name: 'long unsigned int', size: 8, signed: false },
  'long long': { name: 'long long int', size: 8, signed: true },
  'unsigned long long': { name: 'long long unsigned int', size: 8, signed: false },
  __int128: { name: '__int128', size: 16, signed: true },
  'unsigned __int128': { name: '__int128 unsigned', size: 16, signed: false },
  _Bool: { name: '_Bool', size: 1, signed: false, bool: true },
  float: { name: 'float', size: 4, signed: true, float: true },
  double: { name: 'double', size: 8, signed: true, float: true },
  'long double': { name: 'long double', size: 16, signed: true, float: true },
};

function kindList(kinds: BtfKind | readonly BtfKind[] | undefined): readonly BtfKind[] | undefined {
  return kinds === undefined ? undefined : typeof kinds === 'string' ? [kinds] : (kinds as readonly BtfKind[]);
}

class Overlay implements ScriptTypes {
  readonly firstId: number;
  readonly pointerSize = 8;
  readonly defined: number[] = [];
  readonly shadowed: { id: number; baseId: number; span: Span }[] = [];
  /** Own types, index id - firstId; records are filled in after their id is handed out (self references). */
  readonly own: BtfType[] = [];
  /** Alignments that do not follow from the type (attributes, packed), by own id. */
  readonly aligns = new Map<number, number>();
  private readonly byName = new Map<string, number[]>();
  protected readonly memo = new Map<string, number>();
  private readonly baseAligns = new Map<number, number>();
  private readonly enumerators = new Map<string, { enumId: number; value: bigint }>();
  readonly spans = new Map<number, Span>();

  constructor(readonly base: BtfTypes | undefined) {
    this.firstId = base?.typeCount ?? 1;
  }

  get typeCount(): number {
    return this.firstId + this.own.length;
  }

  // -- building

  add<T extends BtfType>(make: (id: number) => T): T {
    const count = this.typeCount;
    const t = make(count);
    if (this.typeCount !== count) throw new Error('a type was added while making another');
    this.own.push(t);
    if (
      t.name !== '' &&
      t.kind !== 'ptr' &&
      t.kind !== 'array' &&
      t.kind !== 'const' &&
      t.kind !== 'volatile' &&
      t.kind !== 'restrict'
    ) {
      const ids = this.byName.get(t.name) ?? [];
      ids.push(t.id);
      this.byName.set(t.name, ids);
    }
    return t;
  }

  /** The same derived type (pointer to X, const X, X[4]) is made once. */
  derived(key: string, make: (id: number) => BtfType): number {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const id = this.add(make).id;
    this.memo.set(key, id);
    return id;
  }

  /** A record or enum turned from a placeholder into its definition, keeping its id. */
  replace(t: BtfType): void {
    this.own[t.id - this.firstId] = t;
  }

  addEnumerator(name: string, enumId: number, value: bigint): void {
    this.enumerators.set(name, { enumId, value });
  }

  ownEnumerator(name: string): { enumId: number; value: bigint } | undefined {
    return this.enumerators.get(name);
  }

  /** Own types named `name` of one of `kinds`, newest last. */
  ownNamed(name: string, kinds?: readonly BtfKind[]): number[] {
    return (this.byName.get(name) ?? []).filter((id) => kinds === undefined || kinds.includes(this.type(id).kind));
  }

  builtin(name: string): number {
    if (name === 'void') return 0;
    const fromBase = this.base?.lookup(name);
    if (fromBase !== undefined && name !== 'long double') return fromBase;
    const b = BUILTIN_BTF[name]!;
    return this.derived(`builtin:${name}`, (id) =>
      b.float
        ? { kind: 'float', id, name: b.name, size: b.size }
        : {
            kind: 'int',
            id,
            name: b.name,
            size: b.size,
            signed: b.signed,
            char: b.char === true,
            bool: b.bool === true,
            bits: b.size * 8,
            bitOffset: 0,
          },
    );
  }

  definitionSpan(id: number): Span | undefined {
    return this.spans.get(id);
  }

  // -- BtfTypes

  private isBase(id: number): boolean {
    return id > 0 && id < this.firstId;
  }

  type(id: number): BtfType {
    if (id === 0) return { kind: 'void', id: 0, name: '' };
    if (this.isBase(id)) return this.base!.type(id);
    const t = this.own[id - this.firstId];
    if (t === undefined) throw new Error(`type id ${id} out of range (${this.typeCount} types)`);
    return t;
  }

  kind(id: number): BtfKind {
    return this.type(id).kind;
  }

  name(id: number): string {
    return this.type(id).name;
  }

  /** Script types first: they shadow the kernel's (see the file comment). */
  find(name: string, kinds?: BtfKind | readonly BtfKind[]): number | undefined {
    return this.ownNamed(name, kindList(kinds))[0] ?? this.base?.find(name, kinds);
  }

  findAll(name: string, kinds?: BtfKind | readonly BtfKind[]): readonly number[] {
    return [...(this.base?.findAll(name, kinds) ?? []), ...this.ownNamed(name, kindList(kinds))];
  }

  lookup(cName: string): number | undefined {
    const s = cName.trim().replace(/\s+/g, ' ');
    const tagged = /^(struct|union|enum) ([A-Za-z_$][\w$]*)$/.exec(s);
    if (tagged) return this.find(tagged[2]!, tagged[1] as 'struct' | 'union' | 'enum');
    if (s === 'void') return 0;
    const own = this.ownNamed(s, ['typedef'])[0] ?? this.ownNamed(s, ['struct', 'union', 'enum', 'float', 'int'])[0];
    if (own !== undefined) return own;
    const fromBase = this.base?.lookup(s);
    if (fromBase !== undefined) return fromBase;
    const key = builtinKey(s);
    return key === undefined ? undefined : this.memo.get(`builtin:${key}`);
  }

  resolve(id: number): number {
    return this.skip(id, true);
  }

  unqualified(id: number): number {
    return this.skip(id, false);
  }

  private skip(id: number, typedefs: boolean): number {
    for (let i = 0; i < 64; i++) {
      if (this.isBase(id)) return typedefs ? this.base!.resolve(id) : this.base!.unqualified(id);
      const t = this.type(id);
      if (t.kind === 'typedef' && !typedefs) return id;
      if (
        t.kind === 'typedef' ||
        t.kind === 'const' ||
        t.kind === 'volatile' ||
        t.kind === 'restrict' ||
        t.kind === 'type_tag' ||
        t.kind === 'decl_tag'
      )
        id = t.target;
      else return id;
    }
    throw new Error(`type ${id}: typedef/qualifier chain longer than 64 (a loop?)`);
  }

  sizeOf(id: number): number | undefined {
    if (this.isBase(id)) return this.base!.sizeOf(id);
    const t = this.type(this.resolve(id));
    if (this.isBase(t.id)) return this.base!.sizeOf(t.id);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'struct':
      case 'union':
      case 'enum':
      case 'datasec':
        return t.size;
      case 'ptr':
        return this.pointerSize;
      case 'array': {
        const elem = this.sizeOf(t.elem);
        return elem === undefined ? undefined : elem * t.count;
      }
      default:
        return undefined;
    }
  }

  alignOf(id: number): number {
    const own = this.aligns.get(id);
    if (own !== undefined) return own;
    if (this.isBase(id)) return this.baseAlign(id);
    const t = this.type(id);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'enum':
        return Math.min(Math.max(t.size, 1), MAX_ALIGN);
      case 'ptr':
        return this.pointerSize;
      case 'array':
        return this.alignOf(t.elem);
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'decl_tag':
        return this.alignOf(t.target);
      default:
        return 1;
    }
  }

  /** A kernel type's alignment (lang/btf.ts), at least 1: kernel types are always members or variables here. */
  private baseAlign(id: number): number {
    return naturalAlign(this.base!, id, MAX_ALIGN, this.baseAligns) || 1;
  }

  members(id: number): readonly BtfMember[] | undefined {
    const t = this.type(this.resolve(id));
    return t.kind === 'struct' || t.kind === 'union' ? t.members : undefined;
  }

  findMember(id: number, name: string): BtfMemberHit | undefined {
    return this.memberIn(id, name, 0, [], 0);
  }

  private memberIn(
    id: number,
    name: string,
    bitBase: number,
    path: readonly BtfMember[],
    depth: number,
  ): BtfMemberHit | undefined {
    if (depth > 64) return undefined;
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

  enumerator(name: string): { readonly enumId: number; readonly value: bigint } | undefined {
    return this.enumerators.get(name) ?? this.base?.enumerator(name);
  }

  funcProto(name: string): BtfFunc | undefined {
    return this.base?.funcProto(name);
  }

  funcNames(glob?: string): string[] {
    return this.base?.funcNames(glob) ?? [];
  }

  rawTracepoint(name: string): BtfRawTracepoint | undefined {
    return this.base?.rawTracepoint(name);
  }

  rawTracepointArgs(name: string): readonly BtfParam[] | undefined {
    return this.base?.rawTracepointArgs(name);
  }

  rawTracepointNames(glob?: string): string[] {
    return this.base?.rawTracepointNames(glob) ?? [];
  }

  typeName(id: number): string {
    return typeName(this, id);
  }

  declaration(id: number, name: string): string {
    return declaration(this, id, name);
  }

  isScriptType(id: number): boolean {
    return id >= this.firstId;
  }

  // an overlay over another (a binary's types over the script's) also finds the types the one below made
  arrayOf(elem: number, count: number): number | undefined {
    return this.memo.get(`array:${elem}:${count}`) ?? this.base?.arrayOf?.(elem, count);
  }

  pointerTo(target: number): number | undefined {
    return this.memo.get(`ptr:${target}`) ?? this.base?.pointerTo?.(target);
  }

  definition(id: number, options?: { readonly offsets?: boolean }): string {
    return definition(this, id, options);
  }
}

/** 'unsigned' → 'unsigned int' and the other spellings of builtin types, as the parser normalises them. */
function builtinKey(s: string): string | undefined {
  const words = s.split(' ');
  const has = (w: string) => words.includes(w);
  const longs = words.filter((w) => w === 'long').length;
  if (has('double')) return longs ? 'long double' : 'double';
  if (has('float') || has('_Bool') || has('__int128'))
    return words.length === 1 ? words[0] : has('unsigned') && has('__int128') ? 'unsigned __int128' : undefined;
  if (has('char')) return has('unsigned') ? 'unsigned char' : has('signed') ? 'signed char' : 'char';
  const width = longs === 2 ? 'long long' : longs === 1 ? 'long' : has('short') ? 'short' : 'int';
  if (!words.every((w) => ['unsigned', 'signed', 'long', 'short', 'int'].includes(w))) return undefined;
  return has('unsigned') ? `unsigned ${width}` : width;
}

// ---- resolving declarations ----------------------------------------------------------------------

/** Thrown inside the resolver: the current declaration cannot be used (a diagnostic was recorded). */
class Unusable {}

interface IntValue {
  readonly v: bigint;
  readonly bits: number;
  readonly unsigned: boolean;
}

class Resolver {
  /** Tags the declarations define somewhere: references to them are the script's own, never the kernel's. */
  private readonly definedTags = new Set<string>();
  private fromHeader = false;
  /**
   * A kernel type the script defines again (`struct task_struct { int x; }`): then, as in bpftrace v0.26, the
   * script's definitions use only the script's own types, none of the kernel's.
   */
  private redefinedKernelType: string | undefined;

  constructor(
    private readonly t: Overlay,
    private readonly diagnostics: Diagnostic[],
    private readonly declarations: readonly CDeclaration[],
  ) {}

  run(): void {
    for (const d of this.declarations) collectTags(d.type.spec, this.definedTags);
    this.redefinedKernelType = this.firstKernelRedefinition();
    for (const d of this.declarations) {
      this.fromHeader = d.fromHeader;
      try {
        this.declaration(d);
      } catch (e) {
        if (!(e instanceof Unusable)) throw e;
      }
    }
  }

  /** The first kernel type the script's own declarations (not headers') define again, as C writes it. */
  private firstKernelRedefinition(): string | undefined {
    for (const d of this.declarations) {
      if (d.fromHeader) continue;
      const own = new Set<string>();
      collectTags(d.type.spec, own);
      for (const tag of own) {
        const [kind, name] = tag.split(' ') as ['struct' | 'union' | 'enum', string];
        if (this.t.base?.find(name, kind) !== undefined) return tag;
      }
      if (d.storage === 'typedef')
        for (const decl of d.declarators)
          if (decl.name !== undefined && this.t.base?.find(decl.name, 'typedef') !== undefined) return decl.name;
    }
    return undefined;
  }

  /** The kernel's type of this name, unless the script redefined a kernel type (see redefinedKernelType). */
  private kernelType(name: string, kind: 'struct' | 'union' | 'enum' | 'typedef'): number | undefined {
    return this.redefinedKernelType === undefined ? this.t.base?.find(name, kind) : undefined;
  }

  private report(message: string, where: Span, hints?: string[]): never {
    if (!this.fromHeader) this.diagnostics.push(error(message, where, hints));
    throw new Unusable();
  }

  private declaration(d: CDeclaration): void {
    // function prototypes and variables declare nothing scry uses: their types are not resolved
    const usesTypes = d.storage === 'typedef' || d.declarators.length === 0;
    if (!usesTypes) {
      // a definition inside them (`struct s { int a; } var;`) still defines the type
      if (bodyOf(d.type.spec)) this.specifiers(d.type);
      return;
    }
    const base = this.specifiers(d.type);
    for (const decl of d.declarators) {
      try {
        this.typedef(base, d.type, decl);
      } catch (e) {
        if (!(e instanceof Unusable)) throw e;
      }
    }
  }

  private typedef(base: number, specs: CSpecifiers, decl: CDeclarator): void {
    const name = decl.name!;
    const where = decl.nameSpan ?? decl.span;
    let target = this.declarator(base, decl.derived, where, name);
    const attrs = mergeAttributes(specs.attributes, decl.attributes);
    if (attrs.mode !== undefined) target = this.modeType(target, attrs.mode.bytes, attrs.mode.span);
    const existing = this.t.ownNamed(name, ['typedef'])[0];
    if (existing !== undefined) {
      const prior = this.t.type(existing) as { target: number };
      if (prior.target === target || this.fromHeader) return;
      this.report(`conflicting types for typedef '${name}'`, where, [
        `'${name}' is already '${this.t.typeName(prior.target)}'`,
      ]);
    }
    const baseId = this.t.base?.find(name, 'typedef');
    const id = this.t.add((id) => ({ kind: 'typedef', id, name, target })).id;
    this.t.defined.push(id);
    this.t.spans.set(id, where);
    if (baseId !== undefined) this.t.shadowed.push({ id, baseId, span: where });
    if (attrs.aligned !== undefined) {
      // on a typedef, aligned(N) sets the alignment (gcc lets it lower it too)
      this.t.aligns.set(id, this.alignment(attrs.aligned));
    } else if (attrs.packed) this.t.aligns.set(id, 1);
  }

  private modeType(target: number, bytes: number, where: Span): number {
    const t = this.t.type(this.t.resolve(target));
    if (t.kind !== 'int') this.report("'mode' applies to integer types only", where);
    const name = { 1: 'char', 2: 'short', 4: 'int', 8: 'long long', 16: '__int128' }[bytes] ?? 'int';
    const key = t.signed ? name : name === 'char' ? 'unsigned char' : `unsigned ${name}`;
    return this.t.builtin(key === 'char' ? 'signed char' : key);
  }

  // -- types

  private specifiers(s: CSpecifiers): number {
    let id = this.spec(s.spec);
    if (s.qualifiers.volatile) id = this.qualified('volatile', id);
    if (s.qualifiers.const) id = this.qualified('const', id);
    return id;
  }

  private qualified(kind: 'const' | 'volatile' | 'restrict', target: number): number {
    return this.t.derived(`${kind}:${target}`, (id) => ({ kind, id, name: '', target }));
  }

  private spec(s: CTypeSpec): number {
    switch (s.kind) {
      case 'builtin':
        return this.t.builtin(s.name);
      case 'named': {
        const own = this.t.ownNamed(s.name, ['typedef'])[0];
        if (own !== undefined) return own;
        const fromBase = this.kernelType(s.name, 'typedef');
        if (fromBase !== undefined) return fromBase;
        const fallback = FALLBACK_TYPEDEFS.get(s.name);
        if (fallback !== undefined) {
          const target = this.t.builtin(fallback);
          return this.t.derived(`typedef:${s.name}`, (id) => ({ kind: 'typedef', id, name: s.name, target }));
        }
        return this.report(`unknown type name '${s.name}'`, s.span, [
          'declare it first (typedef, struct, union or enum), or include the header that does',
        ]);
      }
      case 'struct':
      case 'union':
        return s.fields === undefined ? this.tagReference(s.kind, s.name!, s.span) : this.record(s);
      case 'enum':
        return s.values === undefined ? this.tagReference('enum', s.name!, s.span) : this.enumType(s);
    }
  }

  /** `struct foo` without a body: the script's (maybe still a placeholder), else the kernel's, else a new forward declaration. */
  private tagReference(kind: 'struct' | 'union' | 'enum', name: string, where: Span): number {
    const own = this.ownTag(kind, name, where);
    if (own !== undefined) return own;
    if (!this.definedTags.has(`${kind} ${name}`)) {
      const fromBase = this.kernelType(name, kind);
      if (fromBase !== undefined) return fromBase;
    }
    return this.placeholder(kind, name);
  }

  /** The script's type for a tag: its definition, or a placeholder (fwd) waiting for one. */
  private ownTag(kind: 'struct' | 'union' | 'enum', name: string, where: Span): number | undefined {
    for (const id of this.t.ownNamed(name, ['struct', 'union', 'enum', 'fwd'])) {
      const t = this.t.type(id);
      const tagKind = t.kind === 'fwd' ? (this.placeholders.get(id) ?? t.of) : t.kind;
      if (tagKind === kind) return id;
      if (t.kind !== 'typedef') this.report(`'${name}' defined as a ${tagKind}, used as a ${kind}`, where);
    }
    return undefined;
  }

  /** Placeholders stand for a tag until its definition (enums too: BTF has no enum forward kind). */
  private readonly placeholders = new Map<number, 'struct' | 'union' | 'enum'>();

  private placeholder(kind: 'struct' | 'union' | 'enum', name: string): number {
    const id = this.t.add((id) => ({ kind: 'fwd', id, name, of: kind === 'union' ? 'union' : 'struct' })).id;
    this.placeholders.set(id, kind);
    return id;
  }

  /** The id a definition of `kind name` fills: an open placeholder, or a new one. Redefinition is an error. */
  private definitionSlot(kind: 'struct' | 'union' | 'enum', name: string | undefined, where: Span): number {
    if (name === undefined) return this.placeholder(kind, '');
    const id = this.ownTag(kind, name, where);
    if (id !== undefined && this.t.type(id).kind !== 'fwd') {
      if (this.fromHeader) throw new Unusable();
      this.report(`redefinition of '${kind} ${name}'`, where, ['each struct, union and enum is defined once']);
    }
    const slot = id ?? this.placeholder(kind, name);
    const baseId = this.t.base?.find(name, kind);
    if (baseId !== undefined) this.t.shadowed.push({ id: slot, baseId, span: where });
    return slot;
  }

  private record(s: Extract<CTypeSpec, { kind: 'struct' | 'union' }>): number {
    const id = this.definitionSlot(s.kind, s.name, s.span);
    const members: BtfMember[] = [];
    const inputs: FieldLayoutInput[] = [];
    const fields: (CField | undefined)[] = [];
    const names = new Set<string>();
    const all = s.fields!;
    all.forEach((f, i) => {
      const r = this.field(f, i === all.length - 1, s.kind, names);
      if (r === undefined) return;
      inputs.push(r.input);
      fields.push(r.named ? f : undefined);
      members.push({
        name: f.declarator?.name ?? '',
        type: r.type,
        offset: 0,
        bitOffset: 0,
        bitSize: r.input.bitWidth ?? 0,
      });
    });
    const alignAttr = s.attributes.aligned === undefined ? undefined : this.alignment(s.attributes.aligned);
    const layout = layoutRecord({ kind: s.kind, fields: inputs, packed: s.attributes.packed, alignAttr });
    const placed: BtfMember[] = [];
    members.forEach((m, i) => {
      // unnamed bitfields only pad: BTF (like pahole's) leaves them out
      if (inputs[i]!.bitWidth !== undefined && fields[i] === undefined) return;
      const bitOffset = layout.bitOffsets[i]!;
      placed.push({ ...m, offset: bitOffset >>> 3, bitOffset });
    });
    const t: Composite = { kind: s.kind, id, name: s.name ?? '', size: layout.size, members: placed };
    this.t.replace(t);
    this.placeholders.delete(id);
    this.t.aligns.set(id, layout.align);
    this.t.spans.set(id, s.span);
    if (s.name !== undefined) this.t.defined.push(id);
    return id;
  }

  private field(
    f: CField,
    last: boolean,
    recordKind: 'struct' | 'union',
    names: Set<string>,
  ): { type: number; input: FieldLayoutInput; named: boolean } | undefined {
    let type: number;
    try {
      type = this.specifiers(f.type);
      const name = f.declarator?.name;
      const where = f.declarator?.nameSpan ?? f.span;
      if (f.declarator !== undefined) type = this.declarator(type, f.declarator.derived, where, name);
      if (name !== undefined) {
        if (names.has(name)) this.report(`duplicate member '${name}'`, where);
        names.add(name);
      } else if (f.bitWidth === undefined) {
        for (const m of this.t.members(type) ?? []) collectMemberNames(this.t, m, names);
      }
      const attrs = f.attributes;
      const alignAttr = attrs.aligned === undefined ? undefined : this.alignment(attrs.aligned);
      const r = this.t.type(this.t.resolve(type));
      if (f.bitWidth !== undefined) {
        const width = this.evaluate(f.bitWidth).v;
        const label = name === undefined ? 'an unnamed bit-field' : `bit-field '${name}'`;
        if (r.kind !== 'int' && r.kind !== 'enum')
          this.report(`${label} has type '${this.t.typeName(type)}', not an integer type`, where);
        const bits = r.kind === 'int' && r.bool ? 1 : r.size * 8;
        if (width < 0n) this.report(`${label} has a negative width (${width})`, f.bitWidth.span);
        if (width > BigInt(bits))
          this.report(
            `width of ${label} (${width} bits) exceeds the width of its type (${bits} bits)`,
            f.bitWidth.span,
          );
        if (width === 0n && name !== undefined)
          this.report(`named bit-field '${name}' has zero width`, f.bitWidth.span, [
            'an unnamed `int :0;` starts the next unit',
          ]);
        return {
          type,
          named: name !== undefined,
          input: {
            size: r.size,
            align: this.t.alignOf(type),
            bitWidth: Number(width),
            named: name !== undefined,
            packed: attrs.packed,
            alignAttr,
          },
        };
      }
      const size = this.completeSize(type, where, name, last && recordKind === 'struct');
      return {
        type,
        named: true,
        input: { size, align: this.t.alignOf(type), named: true, packed: attrs.packed, alignAttr },
      };
    } catch (e) {
      if (!(e instanceof Unusable)) throw e;
      return undefined;
    }
  }

  /** A member's size; only the last member of a struct may be a flexible array (`T a[]`). */
  private completeSize(type: number, where: Span, name: string | undefined, mayBeFlexible: boolean): number {
    const r = this.t.type(this.t.resolve(type));
    if (r.kind === 'array' && r.count === 0 && this.flexible.has(r.id) && !mayBeFlexible) {
      this.report(`flexible array member '${name}' is not at the end of the struct`, where, [
        'only the last member of a struct may be `T name[]`',
      ]);
    }
    const size = this.t.sizeOf(type);
    if (size === undefined || r.kind === 'fwd' || (r.kind === 'void' && type === 0)) {
      this.report(
        `member '${name ?? '(anonymous)'}' has incomplete type '${this.t.typeName(type)}'`,
        where,
        r.kind === 'fwd'
          ? [
              `define ${r.of} ${r.name} before it is used by value, or use a pointer`,
              ...(this.redefinedKernelType !== undefined && this.t.base?.find(r.name, r.of) !== undefined
                ? [
                    `the kernel's ${r.of} ${r.name} is not used: the script defines the kernel's ${this.redefinedKernelType} again, so (as in bpftrace) its definitions take no kernel types`,
                  ]
                : []),
            ]
          : undefined,
      );
    }
    return size;
  }

  /** Array types written `[]`: incomplete, laid out as zero elements. */
  private readonly flexible = new Set<number>();

  /** Wraps `base` in the declarator's pointers, arrays and function types (innermost last). */
  private declarator(base: number, derived: readonly CDerived[], where: Span, name: string | undefined): number {
    let id = base;
    for (let i = derived.length - 1; i >= 0; i--) {
      const d = derived[i]!;
      switch (d.kind) {
        case 'pointer': {
          const target = id;
          id = this.t.derived(`ptr:${target}`, (nid) => ({ kind: 'ptr', id: nid, name: '', target }));
          if (d.qualifiers.volatile) id = this.qualified('volatile', id);
          if (d.qualifiers.const) id = this.qualified('const', id);
          if (d.qualifiers.restrict) id = this.qualified('restrict', id);
          break;
        }
        case 'array': {
          const elemSize = this.t.sizeOf(id);
          const r = this.t.type(this.t.resolve(id));
          if (elemSize === undefined || r.kind === 'fwd' || r.kind === 'func_proto') {
            this.report(
              `array${name ? ` '${name}'` : ''} has incomplete element type '${this.t.typeName(id)}'`,
              d.span,
            );
          }
          let count = 0;
          if (d.size !== undefined) {
            const n = this.evaluate(d.size).v;
            if (n < 0n) this.report(`array${name ? ` '${name}'` : ''} has a negative size (${n})`, d.size.span);
            if (n * BigInt(Math.max(elemSize, 1)) > 0xffffffffn)
              this.report(`array${name ? ` '${name}'` : ''} is too large`, d.size.span);
            count = Number(n);
          }
          const elem = id;
          const key = d.size === undefined ? `flex:${elem}` : `array:${elem}:${count}`;
          const index = this.t.builtin('unsigned int'); // before derived(): a type made inside it would take its id
          id = this.t.derived(key, (nid) => ({ kind: 'array', id: nid, name: '', elem, index, count }));
          if (d.size === undefined) this.flexible.add(id);
          break;
        }
        case 'function': {
          const ret = id;
          const params = d.params.map((p) => ({
            name: p.declarator.name ?? '',
            type: this.declarator(this.specifiers(p.type), p.declarator.derived, p.declarator.span, p.declarator.name),
          }));
          const key = `fn:${ret}:${d.variadic}:${params.map((p) => `${p.type}/${p.name}`).join(',')}`;
          id = this.t.derived(key, (nid) => ({
            kind: 'func_proto',
            id: nid,
            name: '',
            ret,
            params,
            variadic: d.variadic,
          }));
          break;
        }
      }
    }
    void where;
    return id;
  }

  private enumType(s: Extract<CTypeSpec, { kind: 'enum' }>): number {
    const id = this.definitionSlot('enum', s.name, s.span);
    const values: { name: string; value: bigint }[] = [];
    let next = 0n;
    for (const e of s.values!) {
      if (this.t.ownEnumerator(e.name) !== undefined) {
        if (this.fromHeader) continue;
        this.diagnostics.push(error(`redefinition of enumerator '${e.name}'`, e.span));
        continue;
      }
      let value = next;
      if (e.value !== undefined) {
        try {
          value = this.evaluate(e.value).v;
        } catch (err) {
          if (!(err instanceof Unusable)) throw err;
        }
      }
      values.push({ name: e.name, value });
      this.t.addEnumerator(e.name, id, value);
      next = value + 1n;
    }
    const { size, signed } = enumLayout(
      values.map((v) => v.value),
      s.attributes.packed,
    );
    this.t.replace({ kind: 'enum', id, name: s.name ?? '', size, signed, wide: size > 4, values });
    this.placeholders.delete(id);
    this.t.spans.set(id, s.span);
    if (s.attributes.aligned !== undefined) this.t.aligns.set(id, this.alignment(s.attributes.aligned));
    if (s.name !== undefined) this.t.defined.push(id);
    return id;
  }

  private alignment(a: CExpr | 'max'): number {
    if (a === 'max') return MAX_ALIGN;
    const n = this.evaluate(a).v;
    if (n <= 0n || (n & (n - 1n)) !== 0n) this.report(`requested alignment ${n} is not a positive power of 2`, a.span);
    if (n > 1n << 28n) this.report(`requested alignment ${n} is too large`, a.span);
    return Number(n);
  }

  // -- constant expressions, with C's integer types (int, long, their unsigned forms)

  private evaluate(e: CExpr): IntValue {
    switch (e.kind) {
      case 'int': {
        const bits = e.longs > 0 || e.value > (e.unsigned ? 0xffffffffn : 0x7fffffffn) ? 64 : 32;
        const unsigned = e.unsigned || (bits === 64 && e.value > 0x7fffffffffffffffn);
        if (e.value > 0xffffffffffffffffn) this.report('integer constant is too large', e.span);
        return { v: e.value, bits, unsigned };
      }
      case 'ident': {
        const en = this.t.enumerator(e.name);
        if (en === undefined) {
          this.report(`'${e.name}' is not a constant`, e.span, [
            'array sizes, bit-field widths and enumerator values need integer constants or enumerators',
          ]);
        }
        const big = en.value > 0x7fffffffn || en.value < -0x80000000n;
        return { v: en.value, bits: big ? 64 : 32, unsigned: false };
      }
      case 'unary': {
        const x = this.evaluate(e.operand);
        const p = promote(x);
        switch (e.op) {
          case '+':
            return p;
          case '-':
            return wrap(-p.v, p);
          case '~':
            return wrap(~p.v, p);
          case '!':
            return { v: p.v === 0n ? 1n : 0n, bits: 32, unsigned: false };
        }
        break;
      }
      case 'binary':
        return this.binary(e);
      case 'cond':
        return this.evaluate(e.test).v !== 0n ? this.evaluate(e.then) : this.evaluate(e.else);
      case 'sizeof':
      case 'alignof': {
        const id = this.typeName(e.type);
        const r = this.t.type(this.t.resolve(id));
        const size = this.t.sizeOf(id);
        if (size === undefined || r.kind === 'fwd')
          this.report(`invalid application of '${e.kind}' to incomplete type '${this.t.typeName(id)}'`, e.type.span);
        return { v: BigInt(e.kind === 'sizeof' ? size : this.t.alignOf(id)), bits: 64, unsigned: true };
      }
      case 'cast': {
        const id = this.typeName(e.type);
        const r = this.t.type(this.t.resolve(id));
        const x = this.evaluate(e.operand);
        if (r.kind === 'ptr') return { v: BigInt.asUintN(64, x.v), bits: 64, unsigned: true };
        if (r.kind !== 'int' && r.kind !== 'enum')
          this.report(`cannot cast to '${this.t.typeName(id)}' in a constant expression`, e.type.span);
        const unsigned = r.kind === 'int' ? !r.signed || r.bool : !r.signed;
        if (r.kind === 'int' && r.bool) return { v: x.v === 0n ? 0n : 1n, bits: 32, unsigned: false };
        const v = unsigned ? BigInt.asUintN(r.size * 8, x.v) : BigInt.asIntN(r.size * 8, x.v);
        return promote({ v, bits: r.size * 8, unsigned });
      }
      case 'unsupported':
        this.report(`${e.what} is not an integer constant expression`, e.span);
    }
    throw new Error('unreachable');
  }

  private binary(e: Extract<CExpr, { kind: 'binary' }>): IntValue {
    const l = this.evaluate(e.left);
    if (e.op === '&&' && l.v === 0n) return { v: 0n, bits: 32, unsigned: false };
    if (e.op === '||' && l.v !== 0n) return { v: 1n, bits: 32, unsigned: false };
    const r = this.evaluate(e.right);
    const bool = (b: boolean): IntValue => ({ v: b ? 1n : 0n, bits: 32, unsigned: false });
    if (e.op === '&&' || e.op === '||') return bool(r.v !== 0n);
    if (e.op === '<<' || e.op === '>>') {
      const p = promote(l);
      if (r.v < 0n || r.v >= BigInt(p.bits))
        this.report(`shift count ${r.v} is out of range for a ${p.bits}-bit value`, e.right.span);
      return wrap(e.op === '<<' ? p.v << r.v : p.v >> r.v, p);
    }
    // the usual arithmetic conversions: the wider type wins; at equal width, unsigned wins
    const p = promote(l);
    const q = promote(r);
    const bits = Math.max(p.bits, q.bits);
    const unsigned = (p.bits === bits && p.unsigned) || (q.bits === bits && q.unsigned);
    const to: IntValue = { v: 0n, bits, unsigned };
    const a = wrap(p.v, to).v;
    const b = wrap(q.v, to).v;
    switch (e.op) {
      case '+':
        return wrap(a + b, to);
      case '-':
        return wrap(a - b, to);
      case '*':
        return wrap(a * b, to);
      case '/':
      case '%':
        if (b === 0n) this.report('division by zero in a constant expression', e.right.span);
        return wrap(e.op === '/' ? a / b : a % b, to);
      case '&':
        return wrap(a & b, to);
      case '|':
        return wrap(a | b, to);
      case '^':
        return wrap(a ^ b, to);
      case '<':
        return bool(a < b);
      case '>':
        return bool(a > b);
      case '<=':
        return bool(a <= b);
      case '>=':
        return bool(a >= b);
      case '==':
        return bool(a === b);
      case '!=':
        return bool(a !== b);
    }
  }

  private typeName(t: CTypeName): number {
    return this.declarator(this.specifiers(t.type), t.declarator.derived, t.span, undefined);
  }
}

function promote(x: IntValue): IntValue {
  return x.bits < 32 ? { v: x.v, bits: 32, unsigned: false } : x;
}

function wrap(v: bigint, like: { bits: number; unsigned: boolean }): IntValue {
  return {
    v: like.unsigned ? BigInt.asUintN(like.bits, v) : BigInt.asIntN(like.bits, v),
    bits: like.bits,
    unsigned: like.unsigned,
  };
}

function bodyOf(s: CTypeSpec): boolean {
  return (
    (s.kind === 'enum' && s.values !== undefined) ||
    ((s.kind === 'struct' || s.kind === 'union') && s.fields !== undefined)
  );
}

/** Every `struct|union|enum name` with a body, at any depth. */
function collectTags(s: CTypeSpec, out: Set<string>): void {
  if (s.kind === 'enum' && s.values !== undefined && s.name !== undefined) out.add(`enum ${s.name}`);
  if ((s.kind === 'struct' || s.kind === 'union') && s.fields !== undefined) {
    if (s.name !== undefined) out.add(`${s.kind} ${s.name}`);
    for (const f of s.fields) collectTags(f.type.spec, out);
  }
}

function collectMemberNames(t: BtfTypes, m: BtfMember, out: Set<string>): void {
  if (m.name !== '') out.add(m.name);
  else for (const inner of t.members(m.type) ?? []) collectMemberNames(t, inner, out);
}

function mergeAttributes(a: CAttributes, b: CAttributes): CAttributes {
  return { packed: a.packed || b.packed, aligned: b.aligned ?? a.aligned, mode: b.mode ?? a.mode };
}

// ---- types from elsewhere (a user binary's DWARF) -----------------------------------------------

/**
 * `base` with each set of `rows` on top (each set's ids count from 1, `rows[id - 1]`; 0 is void), placed one after
 * the other: `firstIds[i]` is where set i starts, so its id n becomes firstIds[i] + n - 1. The script's own types
 * in `base` keep their names: `struct Foo` in the script wins over the binary's (bpftrace v0.26's struct override);
 * among the sets, the first to name a type wins.
 */
export function withForeignTypes(
  base: BtfTypes | undefined,
  sets: readonly (readonly BtfType[])[],
): { readonly types: ScriptTypes; readonly firstIds: readonly number[] } {
  const types = new ForeignOverlay(base);
  const firstIds: number[] = [];
  for (const rows of sets) {
    const first = types.typeCount;
    firstIds.push(first);
    const at = (id: number) => (id === 0 ? 0 : first + id - 1);
    for (const r of rows) {
      const t = types.add(() => shifted(r, at));
      // the binary's `struct Foo *` and `struct Foo *[2]`, so a script can name them (let $x: struct Foo *[2])
      if (t.kind === 'ptr') types.remember(`ptr:${t.target}`, t.id);
      if (t.kind === 'array') types.remember(`array:${t.elem}:${t.count}`, t.id);
    }
  }
  for (let id = types.firstId; id < types.typeCount; id++) {
    const t = types.type(id);
    if (t.kind === 'struct' || t.kind === 'union')
      types.aligns.set(id, naturalAlign(types, id, MAX_ALIGN, new Map()) || 1);
  }
  return { types, firstIds };
}

/** A row with its own id and every id it refers to moved by `at`. */
function shifted(t: BtfType, at: (id: number) => number): BtfType {
  switch (t.kind) {
    case 'void':
      return t;
    case 'ptr':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
    case 'var':
    case 'decl_tag':
      return { ...t, id: at(t.id), target: at(t.target) };
    case 'array':
      return { ...t, id: at(t.id), elem: at(t.elem), index: at(t.index) };
    case 'struct':
    case 'union':
      return { ...t, id: at(t.id), members: t.members.map((m) => ({ ...m, type: at(m.type) })) };
    case 'func':
      return { ...t, id: at(t.id), proto: at(t.proto) };
    case 'func_proto':
      return { ...t, id: at(t.id), ret: at(t.ret), params: t.params.map((p) => ({ ...p, type: at(p.type) })) };
    case 'datasec':
      return { ...t, id: at(t.id), vars: t.vars.map((v) => ({ ...v, type: at(v.type) })) };
    default:
      return { ...t, id: at(t.id) };
  }
}

/** An overlay under which the script's own types (in the base) keep their names. */
class ForeignOverlay extends Overlay {
  /** The first type of a kind the rows make stands for it (`ptr:ID`, `array:ID:N`, as derived() keys them). */
  remember(key: string, id: number): void {
    if (!this.memo.has(key)) this.memo.set(key, id);
  }

  private scriptBase(id: number | undefined): number | undefined {
    return id !== undefined && this.base?.isScriptType?.(id) ? id : undefined;
  }

  override find(name: string, kinds?: BtfKind | readonly BtfKind[]): number | undefined {
    return this.scriptBase(this.base?.find(name, kinds)) ?? super.find(name, kinds);
  }

  override lookup(cName: string): number | undefined {
    return this.scriptBase(this.base?.lookup(cName)) ?? super.lookup(cName);
  }

  override isScriptType(id: number): boolean {
    return super.isScriptType(id) || this.base?.isScriptType?.(id) === true;
  }
}
