// Kernel types as BTF describes them: the model the checker and the code generator see. The runtime
// reads /sys/kernel/btf/* into a BtfTypes (runtime/kernel/btf); tests can build a tiny one in memory.
// Pure: no fs. Type ids are BTF's own (0 is void), so they can go straight into attach_btf_id.

/**
 * BTF kinds by name. ENUM and ENUM64 are both 'enum' (see `wide`); FWD is 'fwd', never 'struct',
 * so a kind-aware lookup of a struct finds its definition, not a forward declaration.
 */
export type BtfKind =
  | 'void'
  | 'int'
  | 'ptr'
  | 'array'
  | 'struct'
  | 'union'
  | 'enum'
  | 'fwd'
  | 'typedef'
  | 'volatile'
  | 'const'
  | 'restrict'
  | 'func'
  | 'func_proto'
  | 'var'
  | 'datasec'
  | 'float'
  | 'decl_tag'
  | 'type_tag';

/** A struct/union member. Offsets are from the start of the enclosing struct/union. */
export interface BtfMember {
  /** '' for an anonymous member (a nested anonymous struct/union, or unnamed padding bits). */
  readonly name: string;
  readonly type: number;
  /** Byte offset: bitOffset >> 3 (for a bitfield, the byte holding its first bit). */
  readonly offset: number;
  readonly bitOffset: number;
  /** 0 unless the member is a bitfield. */
  readonly bitSize: number;
}

export interface BtfParam {
  /** '' when BTF has no name (function pointer types, btf_trace_* typedefs). */
  readonly name: string;
  readonly type: number;
}

export interface BtfEnumValue {
  readonly name: string;
  /** Signed or unsigned per the enum's `signed`; 64-bit values need bigint. */
  readonly value: bigint;
}

export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export type BtfLinkage = 'static' | 'global' | 'extern';

/** One decoded type. `name` is '' for anonymous types. */
export type BtfType =
  | { readonly kind: 'void'; readonly id: 0; readonly name: '' }
  | {
      readonly kind: 'int';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly signed: boolean;
      readonly char: boolean;
      readonly bool: boolean;
      /** Bits used (nr_bits) and where they start (always 0 for the kernel's base types). */
      readonly bits: number;
      readonly bitOffset: number;
    }
  | { readonly kind: 'float'; readonly id: number; readonly name: string; readonly size: number }
  | { readonly kind: 'ptr'; readonly id: number; readonly name: string; readonly target: number }
  | {
      readonly kind: 'array';
      readonly id: number;
      readonly name: string;
      readonly elem: number;
      readonly index: number;
      readonly count: number;
    }
  | {
      readonly kind: 'struct' | 'union';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly members: readonly BtfMember[];
    }
  | {
      readonly kind: 'enum';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly signed: boolean;
      /** ENUM64 in BTF. */
      readonly wide: boolean;
      readonly values: readonly BtfEnumValue[];
    }
  | { readonly kind: 'fwd'; readonly id: number; readonly name: string; readonly of: 'struct' | 'union' }
  | {
      readonly kind: 'typedef' | 'const' | 'volatile' | 'restrict';
      readonly id: number;
      readonly name: string;
      readonly target: number;
    }
  /** `name` is the tag's value, e.g. 'user' or 'percpu'. */
  | { readonly kind: 'type_tag'; readonly id: number; readonly name: string; readonly target: number }
  | {
      readonly kind: 'func';
      readonly id: number;
      readonly name: string;
      readonly proto: number;
      readonly linkage: BtfLinkage;
    }
  | {
      readonly kind: 'func_proto';
      readonly id: number;
      readonly name: string;
      readonly ret: number;
      readonly params: readonly BtfParam[];
      /** The C prototype ends with `...` (BTF: a last parameter of type 0, not included in params). */
      readonly variadic: boolean;
    }
  | {
      readonly kind: 'var';
      readonly id: number;
      readonly name: string;
      readonly target: number;
      readonly linkage: BtfLinkage;
    }
  | {
      readonly kind: 'datasec';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly vars: readonly BtfVarSecinfo[];
    }
  /** `component` is the member/param index the tag is on, or -1 for the target itself. */
  | {
      readonly kind: 'decl_tag';
      readonly id: number;
      readonly name: string;
      readonly target: number;
      readonly component: number;
    };

export type BtfTypeOf<K extends BtfKind> = Extract<BtfType, { kind: K }>;

/** A member found by findMember, maybe inside anonymous structs/unions. */
export interface BtfMemberHit {
  readonly member: BtfMember;
  /** From the start of the outer struct: the member's own offset plus those of the anonymous members around it. */
  readonly offset: number;
  readonly bitOffset: number;
  /** The anonymous members walked through, outermost first, then the member itself. */
  readonly path: readonly BtfMember[];
}

/** A kernel function (BTF_KIND_FUNC) with its prototype: what fentry/fexit need. */
export interface BtfFunc {
  readonly name: string;
  /** The FUNC's type id: attach_btf_id for fentry/fexit. */
  readonly id: number;
  readonly proto: number;
  readonly params: readonly BtfParam[];
  readonly ret: number;
  readonly variadic: boolean;
  readonly linkage: BtfLinkage;
}

/** A BTF raw tracepoint (tp_btf): the typed arguments of `btf_trace_<name>`, without its leading `void *`. */
export interface BtfRawTracepoint {
  readonly name: string;
  /** The `btf_trace_<name>` typedef's id: attach_btf_id for tp_btf. */
  readonly id: number;
  /** Names come from the tracepoint's probe stub (`__probestub_<name>`); `argN` when it is missing. */
  readonly params: readonly BtfParam[];
}

/** Kernel types, by id and by name. Methods that take an id throw on an id out of range (a bug). */
export interface BtfTypes {
  /** Valid ids are 0 (void) to typeCount - 1. */
  readonly typeCount: number;
  /** Bytes in a pointer (8 on x86_64 and arm64). */
  readonly pointerSize: number;

  /** Decoded type (cached per id). */
  type(id: number): BtfType;
  kind(id: number): BtfKind;
  name(id: number): string;
  /** The type of the given kind(s) named exactly `name` ('task_struct', not 'struct task_struct'); lowest id wins. */
  find(name: string, kinds?: BtfKind | readonly BtfKind[]): number | undefined;
  findAll(name: string, kinds?: BtfKind | readonly BtfKind[]): readonly number[];
  /**
   * A type as C spells it: 'struct task_struct', 'union bpf_attr', 'enum pid_type', 'pid_t', 'unsigned long'
   * (integer spellings are normalised). A bare name is tried as a typedef, base type, struct, union, enum.
   * Named types only: BTF need not have an id for `struct foo *` or `char[4]`, so those are the caller's.
   */
  lookup(cName: string): number | undefined;

  /** Skips typedefs, const/volatile/restrict and type tags. */
  resolve(id: number): number;
  /** Skips const/volatile/restrict and type tags, keeps typedefs. */
  unqualified(id: number): number;
  /** Bytes, or undefined for void, functions and forward declarations. */
  sizeOf(id: number): number | undefined;
  /** The struct/union members of `id` after resolve(), or undefined when it is not a struct/union. */
  members(id: number): readonly BtfMember[] | undefined;
  /** A member by name, looking inside anonymous struct/union members, with the accumulated offset. */
  findMember(id: number, name: string): BtfMemberHit | undefined;
  /** An enumerator by name (e.g. 'TASK_COMM_LEN'), with the enum it belongs to. */
  enumerator(name: string): { readonly enumId: number; readonly value: bigint } | undefined;

  /** A kernel function by name (fentry/fexit): its FUNC id, parameters and return type. */
  funcProto(name: string): BtfFunc | undefined;
  /**
   * Names of the functions this BTF defines (for a module: its own, not vmlinux's) matching a glob
   * (`*` and `?`), sorted, without duplicates; all of them without a glob.
   */
  funcNames(glob?: string): string[];
  /** A raw tracepoint ('sched_switch') with its typedef id and typed arguments (tp_btf). */
  rawTracepoint(name: string): BtfRawTracepoint | undefined;
  /** Just the arguments of rawTracepoint(name). */
  rawTracepointArgs(name: string): readonly BtfParam[] | undefined;
  /** Raw tracepoint names (from this BTF's `btf_trace_*` typedefs) matching a glob, sorted. */
  rawTracepointNames(glob?: string): string[];

  /** The type as C writes it without a declarator: 'struct task_struct *', 'char[16]', 'int (*)(void *)'. */
  typeName(id: number): string;
  /** A C declaration of `name` with this type: 'char comm[16]', 'int (*fn)(void *)'. */
  declaration(id: number, name: string): string;
  /**
   * The C definition of a struct/union/enum/typedef/func/var, as `.type` and `-lv` show it; nested
   * anonymous structs/unions are written inline. With `offsets`, each member ends with a
   * `/* offset size *\/` comment (bitfields: `offset:bit`).
   */
  definition(id: number, options?: { readonly offsets?: boolean }): string;
  /** Whether the id is one of a script's own C definitions, not the kernel's (they differ: see typeFromBtf). */
  isScriptType?(id: number): boolean;
  /** The script's array type of `count` elements of `elem` when its definitions made one (`struct W w[10]`). */
  arrayOf?(elem: number, count: number): number | undefined;
  /** The pointer type to `target` that the script's or a binary's definitions made, if any. */
  pointerTo?(target: number): number | undefined;
  /**
   * The types `id` refers to directly, into `out` (emptied first) without decoding it: a ptr's or typedef's
   * target, an array's element then index, members' types, a func_proto's return then parameters' types (a
   * variadic one's last is 0), a section's variables. For passes over every type (the C dump's) that make no objects.
   */
  refs?(id: number, out: number[]): void;
}

/**
 * The alignment C gives BTF type `id`: a scalar its size, at most `scalarMax`; a pointer the pointer size; an array
 * its element's; a struct or union its largest member's, or 1 where it was packed (a member off its own alignment,
 * or a size that is not a multiple of it: BTF does not record packing, so this reasons as libbpf's btf__align_of
 * does); 0 for what has none (void, functions, a loop in malformed BTF). `memo` keeps each id's answer.
 * `____cacheline_aligned` and the like are invisible in BTF.
 */
export function naturalAlign(types: BtfTypes, id: number, scalarMax: number, memo: Map<number, number>): number {
  const known = memo.get(id);
  if (known !== undefined) return known;
  memo.set(id, 0); // what a loop back to this id sees
  const t = types.type(id);
  let a: number;
  switch (t.kind) {
    case 'int':
    case 'enum':
    case 'float':
      a = Math.min(Math.max(t.size, 1), scalarMax);
      break;
    case 'ptr':
      a = types.pointerSize;
      break;
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
    case 'decl_tag':
      a = naturalAlign(types, t.target, scalarMax, memo);
      break;
    case 'array':
      a = naturalAlign(types, t.elem, scalarMax, memo);
      break;
    case 'struct':
    case 'union':
      a = 1;
      for (const m of t.members) {
        const ma = naturalAlign(types, m.type, scalarMax, memo);
        if (ma <= 0) {
          a = 0;
          break;
        }
        if (m.bitSize === 0 && m.bitOffset % (8 * ma) !== 0) {
          a = 1; // a member off its natural alignment: the struct is packed
          break;
        }
        if (ma > a) a = ma;
      }
      if (a > 0 && t.size % a !== 0) a = 1;
      break;
    default:
      a = 0;
  }
  memo.set(id, a);
  return a;
}
