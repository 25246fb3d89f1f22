// Cross-checks the reader against bpftool on the running kernel: every type of vmlinux, printed in
// bpftool's `format raw` syntax from the decoded model, must equal bpftool's dump line for line; and
// the C definition of every struct/union must match `format c` (up to spacing, the padding
// bitfields bpftool synthesises and its renaming of duplicates). Skipped without bpftool or vmlinux BTF.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BtfType } from '../../../../lang/btf.ts';
import { vmlinuxBtf, type Btf } from '../../../../runtime/kernel/btf/index.ts';

const VMLINUX = '/sys/kernel/btf/vmlinux';

function bpftool(format: 'raw' | 'c'): string {
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', format], {
    encoding: 'latin1',
    maxBuffer: 256 << 20,
  });
  if (r.status !== 0) throw new Error(`bpftool ${format}: ${r.error ?? r.stderr}`);
  return r.stdout;
}

const RAW_KIND: Record<string, string> = {
  int: 'INT',
  ptr: 'PTR',
  array: 'ARRAY',
  struct: 'STRUCT',
  union: 'UNION',
  fwd: 'FWD',
  typedef: 'TYPEDEF',
  volatile: 'VOLATILE',
  const: 'CONST',
  restrict: 'RESTRICT',
  func: 'FUNC',
  func_proto: 'FUNC_PROTO',
  var: 'VAR',
  datasec: 'DATASEC',
  float: 'FLOAT',
  decl_tag: 'DECL_TAG',
  type_tag: 'TYPE_TAG',
};

/** One type in bpftool's raw syntax (btf_dump_raw in bpftool's btf.c output, reproduced from its text). */
function raw(btf: Btf, t: BtfType): string[] {
  const q = (s: string) => `'${s === '' ? '(anon)' : s}'`;
  const kind = t.kind === 'enum' ? (t.wide ? 'ENUM64' : 'ENUM') : RAW_KIND[t.kind];
  const head = `[${t.id}] ${kind} ${q(t.name)}`;
  switch (t.kind) {
    case 'void':
      return [];
    case 'int': {
      const enc = t.signed ? 'SIGNED' : t.char ? 'CHAR' : t.bool ? 'BOOL' : '(none)';
      return [`${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${enc}`];
    }
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
      return [`${head} type_id=${t.target}`];
    case 'array':
      return [`${head} type_id=${t.elem} index_type_id=${t.index} nr_elems=${t.count}`];
    case 'struct':
    case 'union':
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map(
          (m) =>
            `\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitSize ? ` bitfield_size=${m.bitSize}` : ''}`,
        ),
      ];
    case 'enum': {
      const suffix = t.wide ? (t.signed ? 'LL' : 'ULL') : '';
      return [
        `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`,
        ...t.values.map((v) => `\t${q(v.name)} val=${v.value}${suffix}`),
      ];
    }
    case 'fwd':
      return [`${head} fwd_kind=${t.of}`];
    case 'func':
      return [`${head} type_id=${t.proto} linkage=${t.linkage}`];
    case 'func_proto':
      return [
        `${head} ret_type_id=${t.ret} vlen=${t.params.length + (t.variadic ? 1 : 0)}`,
        ...t.params.map((p) => `\t${q(p.name)} type_id=${p.type}`),
        ...(t.variadic ? ["\t'(anon)' type_id=0"] : []),
      ];
    case 'var':
      return [`${head} type_id=${t.target}, linkage=${t.linkage}`];
    case 'datasec':
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((v) => `\ttype_id=${v.type} offset=${v.offset} size=${v.size} (VAR ${q(btf.name(v.type))})`),
      ];
    case 'float':
      return [`${head} size=${t.size}`];
    case 'decl_tag':
      return [`${head} type_id=${t.target} component_idx=${t.component}`];
  }
}

/** `struct name {` … `};` blocks of bpftool's C dump, by name; names it printed twice (renamed ___2) are dropped. */
function cBlocks(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^(struct|union) (\w+) \{\n[\s\S]*?\n\}[^\n]*;$/gm;
  for (const m of text.matchAll(re)) out.set(`${m[1]} ${m[2]}`, m[0]);
  return out;
}

/** Spacing around '*' aside, bpftool adds padding bitfields for holes and renames a second type of one name `name___2`. */
function normalise(def: string): string {
  return def
    .replace(/___\d+\b/g, '')
    .split('\n')
    .filter((l) => !/^\t+(long|int|short|char): \d+;$/.test(l)) // padding bpftool adds for holes
    .join('\n')
    .replace(/\s*\*\s*/g, '*');
}

const x = suite('kernel/btf vs bpftool');

x('every type equals bpftool format raw, line for line', () => {
  const btf = vmlinuxBtf()!;
  const expected = bpftool('raw').split('\n');
  if (expected.at(-1) === '') expected.pop();
  const actual: string[] = [];
  for (let id = 1; id < btf.typeCount; id++) for (const l of raw(btf, btf.type(id))) actual.push(l);
  let shown = 0;
  for (let i = 0; i < Math.max(expected.length, actual.length) && shown < 5; i++) {
    if (expected[i] !== actual[i]) {
      process.stderr.write(`line ${i + 1}:\n  bpftool: ${expected[i]}\n  scry:    ${actual[i]}\n`);
      shown++;
    }
  }
  assert.is(shown, 0, 'differences from bpftool (see stderr)');
  assert.is(actual.length, expected.length);
});

x('C definitions of every struct and union equal bpftool format c', () => {
  const btf = vmlinuxBtf()!;
  const blocks = cBlocks(bpftool('c'));
  // names BTF has exactly once (bpftool renames the others), without attributes (packed, aligned, type tags)
  const names = [...blocks.keys()].filter((k) => {
    const [kind, name] = k.split(' ') as ['struct' | 'union', string];
    return !blocks.get(k)!.includes('__attribute__') && btf.findAll(name, kind).length === 1;
  });
  assert.ok(names.length > 1000, `${names.length} comparable definitions`);
  for (const must of [
    'struct task_struct',
    'struct sk_buff',
    'struct page',
    'struct perf_event_attr',
    'union bpf_attr',
  ]) {
    assert.ok(names.includes(must), must);
  }
  let bad = 0;
  for (const k of names) {
    const [kind, name] = k.split(' ') as ['struct' | 'union', string];
    const mine = btf.definition(btf.find(name, kind)!);
    if (normalise(mine) !== normalise(blocks.get(k)!)) {
      if (bad++ < 3) process.stderr.write(`${k}:\n--- bpftool\n${blocks.get(k)}\n--- scry\n${mine}\n`);
    }
  }
  assert.is(bad, 0, `${bad} of ${names.length} definitions differ (see stderr)`);
});

function hasBpftool(): boolean {
  return spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status === 0;
}

if (!existsSync(VMLINUX)) process.stderr.write(`SKIP kernel/btf vs bpftool: no ${VMLINUX}\n`);
else if (!hasBpftool()) process.stderr.write('SKIP kernel/btf vs bpftool: bpftool is not installed\n');
else x.run();
