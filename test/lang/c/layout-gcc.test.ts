// Struct layout against gcc: the same declarations go through scry's C layer and into a C file that
// prints sizeof, _Alignof and offsetof of every member; bitfields are found by setting one to all ones
// in a zeroed struct and looking at which bits changed. One gcc run for all cases (fast); without gcc
// the suite prints SKIP.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderDiagnostics } from '../../../lang/diagnostics.ts';
import { sourceFile } from '../../../lang/source.ts';
import { parseCDeclarations } from '../../../lang/c/declarations.ts';
import { withScriptTypes, type ScriptTypes } from '../../../lang/c/script-btf.ts';

/** Each case's declarations; every named struct/union (and typedef of one) in it is compared. */
const CASES: readonly [string, string][] = [
  ['padding between char and int', 'struct A1 { char c; int i; char d; };'],
  ['long after char, short at the end', 'struct A2 { char c; long l; short s; };'],
  ['double', 'struct A3 { char c; double d; };'],
  ['long double aligns to 16', 'struct A4 { char c; long double ld; };'],
  ['__int128 aligns to 16', 'struct A5 { char c; __int128 x; unsigned __int128 y; };'],
  ['bitfields share a unit', 'struct B1 { unsigned int a:4, b:8; unsigned int c:20; };'],
  ['a bitfield does not straddle its unit', 'struct B2 { unsigned int a:30; unsigned int b:4; };'],
  ['bitfields of mixed types', 'struct B3 { char a:3; int b:7; char c:6; };'],
  ['64-bit bitfields', 'struct B4 { unsigned long long a:33, b:33, c:5; };'],
  ['an unnamed bitfield gives no alignment', 'struct B5 { char c; int :3; char d; };'],
  [':0 moves to the next int boundary', 'struct B6 { char a; int :0; char b; };'],
  [':0 of long', 'struct B7 { int a:3; long :0; int b:3; };'],
  ['short bitfields', 'struct B8 { short a:9, b:9; char c; };'],
  ['_Bool bitfields', 'struct B9 { _Bool a:1, b:1; int c; };'],
  ['enum bitfield', 'enum Col { RED, GREEN, BLUE }; struct B10 { enum Col c:2; int x:6; };'],
  ['int bitfield then long long bitfield in the same 64-bit unit', 'struct B11 { int a:31; long long b:2; };'],
  ['long long bitfield after a char straddles', 'struct B12 { char a; long long b:60; };'],
  ['bitfield after an array', 'struct B13 { char a[3]; unsigned int b:9; };'],
  ['char bitfields', 'struct B14 { unsigned char a:7, b:7, c:7; };'],
  ['double between bitfields', 'struct B15 { unsigned a:5; double d; unsigned b:3; };'],
  ['packed struct', 'struct P1 { char c; int i; long l; } __attribute__((packed));'],
  ['packed struct with bitfields', 'struct P2 { char c; int a:20; int b:20; } __attribute__((packed));'],
  ['packed member', 'struct P3 { char c; int i __attribute__((packed)); char d; long l; };'],
  ['aligned member', 'struct P4 { char c; int i __attribute__((aligned(16))); };'],
  ['aligned struct', 'struct P5 { char c; } __attribute__((aligned(8)));'],
  [
    'aligned member in a packed struct',
    'struct P6 { char c; int i __attribute__((aligned(4))); char d; } __attribute__((packed));',
  ],
  ['aligned without an argument', 'struct P7 { char c; } __attribute__((aligned));'],
  ['packed struct with :0', 'struct P8 { char a; int :0; char b; } __attribute__((__packed__));'],
  ['packed union', 'union P9 { char c; int i; long l; } __attribute__((packed));'],
  [
    'struct containing a packed struct',
    'struct P10i { char c; int i; } __attribute__((packed)); struct P10 { char c; struct P10i p; char d; };',
  ],
  ['aligned bitfield', 'struct P11 { char c; int b:3 __attribute__((aligned(8))); char d; };'],
  ['_Alignas on a member', 'struct P12 { char c; _Alignas(8) char d; };'],
  ['attribute before the struct name', 'struct __attribute__((packed)) P13 { char c; short s; int i; };'],
  ['union', 'union U1 { char c; int i; long l; char buf[13]; };'],
  ['union of bitfields', 'union U2 { int a:3; char b:7; };'],
  [
    'union with an aligned struct',
    'struct U3a { char c; } __attribute__((aligned(8))); union U3 { struct U3a t; char c[3]; };',
  ],
  ['nested named struct', 'struct N1 { char c; struct N1in { short s; char d; } in; int z; };'],
  [
    'anonymous union and struct',
    'struct N2 { int kind; union { int i; double d; struct { char a, b; }; }; char tail; };',
  ],
  [
    'anonymous union of bitfields',
    'struct N3 { int x; union { struct { unsigned a:1, b:2; }; unsigned all; }; char c; };',
  ],
  ['multi-dimensional arrays', 'struct R1 { char a[3][5]; int b[2][3][4]; char c; };'],
  ['arrays of pointers, pointer to array', 'struct R2 { char c; int *p[4]; int (*pa)[8]; char d; };'],
  ['function pointers', 'struct R3 { char c; void (*cb)(int, char *); int (*tbl[3])(void); short s; };'],
  ['flexible array member', 'struct R4 { int n; char c; long data[]; };'],
  ['flexible char array', 'struct R5 { short n; char s[]; };'],
  ['zero-length array in the middle', 'struct R6 { int n; int z[0]; char c; };'],
  ['typedef of an anonymous struct', 'typedef struct { char c; unsigned short s; } R7_t;'],
  ['aligned typedef', 'typedef int aligned8_t __attribute__((aligned(8))); struct R8 { char c; aligned8_t x; };'],
  [
    'enum sizes',
    'enum Big { BIG = 0x100000000 }; enum Neg { NEG = -1, POS = 5 }; enum __attribute__((packed)) Small { S1, S2 }; struct E1 { char c; enum Big b; enum Small s; enum Neg n; };',
  ],
  [
    'constant expressions in array sizes',
    'enum { NN = 4 }; struct E2 { char buf[NN * 2 + sizeof(int)]; int a[sizeof(struct A1) / 2]; char z[(1 << 3) - 1 ? 3 : 9]; };',
  ],
  [
    'kernel-style typedef names',
    'struct K1 { u8 a; u16 b; u32 c; u64 d; s8 e; __u32 f; size_t g; pid_t h; uint16_t i; int64_t j; };',
  ],
  ['qualifiers', 'struct K2 { const char c; volatile int v; const char *const p; int *restrict r; };'],
  ['long long and short', 'struct K3 { char c; long long ll; unsigned long long ull; short s; signed char sc; };'],
  ['self reference', 'struct K4 { struct K4 *next; int v; };'],
  ['forward declaration, then definition', 'struct K5b; struct K5 { struct K5b *p; char c; }; struct K5b { int a; };'],
  ['empty struct', 'struct K6 { };'],
  [
    'struct member of a typedef type',
    'typedef struct K7a { int a; char b; } K7a_t; struct K7 { char c; K7a_t x[2]; K7a_t *p; };',
  ],
];

const PRELUDE = `#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef unsigned long long u64; typedef int8_t s8; typedef uint32_t __u32;
`;

interface Check {
  readonly type: string;
  readonly size: number;
  readonly align: number;
  /** path → bit offset and bit size (0 when not a bitfield) */
  readonly members: Map<string, [number, number]>;
}

/** What scry says about each compared type of one case. */
function scryChecks(types: ScriptTypes, ids: readonly number[]): Check[] {
  const out: Check[] = [];
  for (const id of ids) {
    const t = types.type(id);
    const r = types.type(types.resolve(id));
    if (r.kind !== 'struct' && r.kind !== 'union') continue;
    const cName = t.kind === 'typedef' ? t.name : `${t.kind} ${t.name}`;
    const members = new Map<string, [number, number]>();
    const walk = (typeId: number, prefix: string, base: number) => {
      for (const m of types.members(typeId) ?? []) {
        const bit = base + m.bitOffset;
        if (m.name === '') {
          walk(m.type, prefix, bit);
          continue;
        }
        members.set(prefix + m.name, [bit, m.bitSize]);
        const inner = types.type(types.resolve(m.type));
        if ((inner.kind === 'struct' || inner.kind === 'union') && m.bitSize === 0)
          walk(m.type, `${prefix}${m.name}.`, bit);
      }
    };
    walk(id, '', 0);
    out.push({ type: cName, size: types.sizeOf(id)!, align: types.alignOf(id), members });
  }
  return out;
}

function cProgram(checks: readonly Check[]): string {
  const lines: string[] = ['int main(void) {', '  unsigned char *b; int first, count;'];
  for (const c of checks) {
    lines.push(`  printf("T %s %zu %zu\\n", ${JSON.stringify(c.type)}, sizeof(${c.type}), _Alignof(${c.type}));`);
    for (const [path, [, bits]] of c.members) {
      if (bits === 0) {
        lines.push(
          `  printf("M %s %s %zu 0\\n", ${JSON.stringify(c.type)}, "${path}", offsetof(${c.type}, ${path}) * 8);`,
        );
      } else {
        lines.push(
          `  { ${c.type} s; memset(&s, 0, sizeof s); s.${path} = -1; b = (unsigned char *)&s; first = -1; count = 0;`,
          `    for (size_t i = 0; i < sizeof s * 8; i++) if ((b[i / 8] >> (i % 8)) & 1) { if (first < 0) first = (int)i; count++; }`,
          `    printf("M %s %s %d %d\\n", ${JSON.stringify(c.type)}, "${path}", first, count); }`,
        );
      }
    }
  }
  lines.push('  return 0;', '}');
  return lines.join('\n');
}

function hasGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const layout = suite('C layout against gcc (x86-64)');

if (process.arch !== 'x64') process.stderr.write('SKIP C layout against gcc: not x86-64\n');
else if (!hasGcc()) process.stderr.write('SKIP C layout against gcc: gcc not installed\n');
else {
  // scry's side: one parse of all cases; which ids each case defined
  const file = sourceFile('cases.h', CASES.map(([, c]) => c).join('\n'));
  const parsed = parseCDeclarations(file, { mode: 'header' });
  const { types, diagnostics } = withScriptTypes(
    undefined,
    parsed.declarations.map((d) => ({ ...d, fromHeader: false })),
  );
  const perCase = CASES.map(([, text]) =>
    scryChecks(
      types,
      definedIn(text).map((n) => types.lookup(n)!),
    ),
  );
  const all = perCase.flat();

  // gcc's side
  const dir = mkdtempSync(join(tmpdir(), 'scry-layout-'));
  let gccOut = '';
  try {
    writeFileSync(join(dir, 'l.c'), `${PRELUDE}${file.text}\n${cProgram(all)}\n`);
    execFileSync('gcc', ['-std=gnu11', '-w', '-o', join(dir, 'l'), join(dir, 'l.c')]);
    gccOut = execFileSync(join(dir, 'l'), { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const gccLines = new Set(gccOut.trim().split('\n'));

  layout('the declarations parse and resolve without diagnostics', () => {
    assert.is(renderDiagnostics([...parsed.diagnostics, ...diagnostics]), '');
  });

  layout('there are at least 40 cases and each compares at least one type', () => {
    assert.ok(CASES.length >= 40, `${CASES.length} cases`);
    CASES.forEach(([name], i) => assert.ok(perCase[i]!.length > 0, `case '${name}' compares no type`));
  });

  CASES.forEach(([name, text], i) => {
    layout(`${name}: ${text}`, () => {
      for (const c of perCase[i]!) {
        const ours = [`T ${c.type} ${c.size} ${c.align}`];
        for (const [path, [bit, bits]] of c.members) ours.push(`M ${c.type} ${path} ${bit} ${bits}`);
        const theirs = ours.map((l) => (gccLines.has(l) ? l : `${l}   <- gcc: ${gccLine(gccOut, l)}`));
        assert.equal(theirs, ours);
      }
    });
  });
}

/** gcc's line for the same type or member as `ours`. */
function gccLine(out: string, ours: string): string {
  const key = ours.split(' ');
  const prefix =
    key[0] === 'T' ? key.slice(0, key.length - 2).join(' ') + ' ' : key.slice(0, key.length - 2).join(' ') + ' ';
  return out.split('\n').find((l) => l.startsWith(prefix)) ?? '(none)';
}

/** 'struct X' / 'union X' for each body in the text, and the names typedefs give anonymous structs. */
function definedIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\b(struct|union)\s+(?:__attribute__\(\(\w+\)\)\s+)?(\w+)\s*\{/g))
    out.push(`${m[1]} ${m[2]}`);
  for (const m of text.matchAll(/^typedef struct \{.*\}\s*(\w+);/g)) out.push(m[1]!);
  return out;
}

layout.run();
