// BTF types written as C. Declarators are built inside out: the name (or nothing, for a type name)
// is wrapped by each pointer, array and function level on the way down to the base type, so
// `int (*fn)(void *)` and `char (*p)[16]` come out right. Pure: works on any BtfTypes.
import type { BtfMember, BtfType, BtfTypes } from './btf.ts';
import { cDefinition } from './btf-c.ts';

const MAX_DEPTH = 64;

/** 'struct task_struct *', 'const char *', 'int (*)(void *)', 'char[16]'. */
export function typeName(btf: BtfTypes, id: number): string {
  return declarator(btf, id, '', 0);
}

/** 'char comm[16]', 'struct list_head *next', 'int (*fn)(void *)'. */
export function declaration(btf: BtfTypes, id: number, name: string): string {
  return declarator(btf, id, name, 0);
}

/**
 * A whole definition: struct/union (anonymous members inline), enum, typedef, func prototype or
 * variable, ending with ';'. Struct, union, enum and typedef definitions are the C header's (lang/btf-c.ts,
 * bpftool's `format c` layout, padding members included); with `offsets`, members carry offset comments
 * instead of padding.
 */
export function definition(btf: BtfTypes, id: number, options: { readonly offsets?: boolean } = {}): string {
  const t = btf.type(id);
  if (
    options.offsets !== true &&
    (t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum' || t.kind === 'typedef')
  )
    return `${cDefinition(btf, id)};`;
  switch (t.kind) {
    case 'struct':
    case 'union':
      return `${composite(btf, t, 0, 0, options.offsets === true)};`;
    case 'enum':
      return `${enumBody(t, 0)};`;
    case 'typedef':
      return `typedef ${declarator(btf, t.target, t.name, 0, [], { indent: 0, bitBase: 0, offsets: false })};`;
    case 'fwd':
      return `${t.of} ${t.name};`;
    case 'func':
      return `${declarator(btf, t.proto, t.name, 0)};`;
    case 'var':
      return `${t.linkage === 'extern' ? 'extern ' : t.linkage === 'static' ? 'static ' : ''}${declarator(btf, t.target, t.name, 0)};`;
    default:
      return typeName(btf, id);
  }
}

function join(base: string, inner: string): string {
  if (inner === '') return base;
  return inner.startsWith('[') ? base + inner : `${base} ${inner}`;
}

/** A pointer declarator must be parenthesised before an array or parameter list binds to it. */
function bind(inner: string): string {
  return inner.startsWith('*') ? `(${inner})` : inner;
}

/** Where anonymous struct/union/enum bodies are written out (inside a definition); absent: `struct {...}`. */
interface Inline {
  readonly indent: number;
  readonly bitBase: number;
  readonly offsets: boolean;
}

/**
 * `quals` are qualifiers met on the way down, not yet written: they go after the next pointer's star
 * (`char *const p`), pass through arrays to their elements (C qualifies elements, and BTF may say
 * so twice), or before the base type (`const char`).
 */
function declarator(
  btf: BtfTypes,
  id: number,
  inner: string,
  depth: number,
  quals: readonly string[] = [],
  inline?: Inline,
): string {
  if (depth > MAX_DEPTH) return join('/* type loop */', inner);
  const base = (name: string) => join(quals.length === 0 ? name : `${quals.join(' ')} ${name}`, inner);
  const t = btf.type(id);
  switch (t.kind) {
    case 'void':
      return base('void');
    case 'int':
    case 'float':
    case 'typedef':
      return base(t.name);
    case 'struct':
    case 'union':
    case 'enum':
      if (t.name !== '') return base(`${t.kind} ${t.name}`);
      return base(
        inline === undefined ? `${t.kind} {...}` : inlineBody(btf, t, inline.indent, inline.bitBase, inline.offsets),
      );
    case 'fwd':
      return base(`${t.of} ${t.name}`);
    case 'ptr': {
      const q = quals.join(' ');
      const star = q === '' ? `*${inner}` : inner === '' ? `*${q}` : `*${q} ${inner}`;
      return declarator(btf, t.target, star, depth + 1, [], inline);
    }
    case 'const':
    case 'volatile':
    case 'restrict':
      return declarator(btf, t.target, inner, depth + 1, quals.includes(t.kind) ? quals : [...quals, t.kind], inline);
    case 'type_tag':
    case 'decl_tag':
      return declarator(btf, t.target, inner, depth + 1, quals, inline);
    case 'array':
      return declarator(btf, t.elem, `${bind(inner)}[${t.count}]`, depth + 1, quals, inline);
    case 'func_proto': {
      const params = t.params.map((p) => declarator(btf, p.type, p.name, depth + 1));
      if (t.variadic) params.push('...');
      return declarator(
        btf,
        t.ret,
        `${bind(inner)}(${params.length === 0 ? 'void' : params.join(', ')})`,
        depth + 1,
        quals,
      );
    }
    case 'func':
      return declarator(btf, t.proto, inner === '' ? t.name : inner, depth + 1);
    case 'var':
      return declarator(btf, t.target, inner === '' ? t.name : inner, depth + 1);
    case 'datasec':
      return join(`SEC("${t.name}")`, inner);
  }
}

type Composite = Extract<BtfType, { kind: 'struct' | 'union' }>;
type Enum = Extract<BtfType, { kind: 'enum' }>;

function inlineBody(btf: BtfTypes, t: Composite | Enum, indent: number, bitBase: number, offsets: boolean): string {
  return t.kind === 'enum' ? enumBody(t, indent) : composite(btf, t, indent, bitBase, offsets);
}

function composite(btf: BtfTypes, t: Composite, indent: number, bitBase: number, offsets: boolean): string {
  const head = t.name === '' ? `${t.kind} {` : `${t.kind} ${t.name} {`;
  if (t.members.length === 0) return `${head}}`;
  const tabs = '\t'.repeat(indent + 1);
  const lines = [head];
  for (const m of t.members) {
    const bitOffset = bitBase + m.bitOffset;
    let text = declarator(btf, m.type, m.name, 0, [], { indent: indent + 1, bitBase: bitOffset, offsets });
    if (m.bitSize !== 0) text += `: ${m.bitSize}`;
    lines.push(`${tabs}${text};${offsets ? ` ${offsetComment(btf, m, bitOffset)}` : ''}`);
  }
  lines.push(`${'\t'.repeat(indent)}}`);
  return lines.join('\n');
}

function offsetComment(btf: BtfTypes, m: BtfMember, bitOffset: number): string {
  if (m.bitSize !== 0) return `/* ${bitOffset >>> 3}:${bitOffset & 7} */`;
  return `/* ${bitOffset >>> 3} ${btf.sizeOf(m.type) ?? '?'} */`;
}

function enumBody(t: Enum, indent: number): string {
  const tabs = '\t'.repeat(indent + 1);
  const lines = [t.name === '' ? 'enum {' : `enum ${t.name} {`];
  for (const v of t.values) lines.push(`${tabs}${v.name} = ${v.value},`);
  lines.push(`${'\t'.repeat(indent)}}`);
  return lines.join('\n');
}
