// The C header writer (lang/btf-c.ts) on small hand-built type tables: bitfields and padding members,
// anonymous unions, function pointers, arrays of pointers, enums with negative and 64-bit values, forward
// declarations of mutually recursive structs, selected roots. The expected text is bpftool 7.1's layout;
// where bpftool is installed the same blob is also dumped by it and the two compared.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cDefinition, cHeader, HEADER_EPILOGUE, HEADER_PROLOGUE } from '../../../../lang/btf-c.ts';
import { parseBtf } from '../../../../runtime/kernel/btf/index.ts';
import { BTF_KIND, BtfBlob, INT_CHAR, INT_SIGNED } from '../../../helpers/btf-blob.ts';

function table() {
  const b = new BtfBlob();
  const int = b.int('int', 4, INT_SIGNED);
  const uint = b.int('unsigned int', 4);
  const char = b.int('char', 1, INT_CHAR);
  const long = b.int('long int', 8, INT_SIGNED);
  const constChar = b.type('', BTF_KIND.CONST, 0, char);
  const constCharPtr = b.ptr(constChar);
  const voidPtr = b.ptr(0);
  // bitfields, a hole after b, a char, then bitfields in the next word
  const flags = b.composite('struct', 'flags', 8, [
    ['a', uint, 0, 3],
    ['b', uint, 3, 5],
    ['c', char, 16],
    ['d', uint, 32, 4],
    ['e', uint, 40, 2],
  ]);
  const anon = b.composite('union', '', 8, [
    ['i', int, 0],
    ['l', long, 0],
  ]);
  const tagged = b.composite('struct', 'tagged', 16, [
    ['kind', int, 0],
    ['', anon, 64],
  ]);
  const handlerProto = b.proto(int, [
    ['ctx', voidPtr],
    ['msg', constCharPtr],
  ]);
  const handlerPtr = b.ptr(handlerProto);
  const handlerT = b.type('handler_t', BTF_KIND.TYPEDEF, 0, handlerPtr);
  const taggedPtr = b.ptr(tagged);
  const slots = b.array(taggedPtr, int, 4);
  const name16 = b.array(char, int, 16);
  const namePtr = b.ptr(name16);
  // a 56-byte struct of 8-byte members, with 8 bytes of tail padding
  const ops = b.composite('struct', 'ops', 64, [
    ['handler', handlerPtr, 0],
    ['fallback', handlerT, 64],
    ['slots', slots, 128],
    ['name', namePtr, 384],
  ]);
  const level = b.enumeration(
    'level',
    [
      ['LOW', -1n],
      ['HIGH', 7n],
    ],
    { signed: true },
  );
  const big = b.enumeration(
    'big',
    [
      ['SMALL', 1n],
      ['BIG', 1n << 40n],
    ],
    { wide: true },
  );
  const neg64 = b.enumeration('neg64', [['NEG', -5000000000000n]], { signed: true, wide: true });
  const constants = b.enumeration('', [['FLAG_A', 1n]]);
  // a packed struct: an int at offset 1
  const packed = b.composite('struct', 'packed', 5, [
    ['tag', char, 0],
    ['value', int, 8],
  ]);
  return { b, ids: { int, flags, tagged, ops, level, big, neg64, constants, handlerT, packed } };
}

/** struct a { struct b *b; int x; }; struct b { struct a a; struct b *next; }: ids in that order. */
function recursive() {
  const b = new BtfBlob();
  const int = b.int('int', 4, INT_SIGNED);
  // ids: 2 struct a, 3 ptr to b, 4 struct b, 5 ptr to b
  const a = b.composite('struct', 'a', 16, [
    ['b', 3, 0],
    ['x', int, 64],
  ]);
  b.ptr(4);
  const sb = b.composite('struct', 'b', 24, [
    ['a', a, 0],
    ['next', 5, 128],
  ]);
  b.ptr(sb);
  return { blob: b, a, sb };
}

function bpftoolC(bytes: Uint8Array): string | undefined {
  if (spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'scry-btf-c-'));
  try {
    const file = join(dir, 'types.btf');
    writeFileSync(file, bytes);
    const r = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', 'c'], { encoding: 'latin1' });
    if (r.status !== 0) throw new Error(`bpftool: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const t = suite('btf C header (hand-built tables)');
let bpftoolMissing = false;

function sameAsBpftool(bytes: Uint8Array, text: string) {
  const theirs = bpftoolC(bytes);
  if (theirs === undefined) bpftoolMissing = true;
  else assert.fixture(text, theirs);
}

const body = (text: string) => text.slice(HEADER_PROLOGUE.length, text.length - HEADER_EPILOGUE.length);

t('whole table: bitfields, padding, anonymous union, function pointers, arrays of pointers, enums, packed', () => {
  const { b } = table();
  const bytes = b.encode();
  const header = cHeader(parseBtf(bytes));
  assert.equal(header.warnings, []);
  assert.ok(header.text.startsWith('#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n'));
  assert.ok(header.text.endsWith('#endif /* __VMLINUX_H__ */\n'));
  assert.fixture(
    body(header.text),
    [
      'struct flags {',
      '\tunsigned int a: 3;',
      '\tunsigned int b: 5;',
      // c is at byte 2: a zero-width short moves it past byte 1
      '\tshort: 0;',
      '\tchar c;',
      '\tunsigned int d: 4;',
      // e starts at bit 40, not right after d
      '\tchar: 4;',
      '\tunsigned int e: 2;',
      '};',
      '',
      'struct tagged {',
      '\tint kind;',
      '\tunion {',
      '\t\tint i;',
      '\t\tlong int l;',
      '\t};',
      '};',
      '',
      'typedef int (*handler_t)(void *ctx, const char *msg);',
      '',
      'struct ops {',
      '\tint (*handler)(void *ctx, const char *msg);',
      '\thandler_t fallback;',
      '\tstruct tagged *slots[4];',
      '\tchar (*name)[16];',
      // 56 bytes of members in a 64-byte struct
      '\tlong: 64;',
      '};',
      '',
      'enum level {',
      '\tLOW = -1,',
      '\tHIGH = 7,',
      '};',
      '',
      'enum big {',
      '\tSMALL = 1ULL,',
      '\tBIG = 1099511627776ULL,',
      '};',
      '',
      'enum neg64 {',
      '\tNEG = -5000000000000LL,',
      '};',
      '',
      // nobody refers to it: written on its own, as the kernel's constants are
      'enum {',
      '\tFLAG_A = 1,',
      '};',
      '',
      'struct packed {',
      '\tchar tag;',
      '\tint value;',
      '} __attribute__((packed));',
      '',
      '',
    ].join('\n'),
  );
  sameAsBpftool(bytes, header.text);
});

t('mutually recursive structs: a forward declaration first, then each definition once', () => {
  const { blob } = recursive();
  const bytes = blob.encode();
  const text = cHeader(parseBtf(bytes)).text;
  assert.fixture(
    body(text),
    'struct b;\n\nstruct a {\n\tstruct b *b;\n\tint x;\n};\n\nstruct b {\n\tstruct a a;\n\tstruct b *next;\n};\n\n',
  );
  sameAsBpftool(bytes, text);
});

t('selected roots: the type and what it needs (a typedef it embeds, a declaration of what it points to)', () => {
  const { b, ids } = table();
  const btf = parseBtf(b.encode());
  assert.fixture(
    body(cHeader(btf, { roots: [ids.ops] }).text),
    [
      'typedef int (*handler_t)(void *ctx, const char *msg);',
      '',
      'struct tagged;',
      '',
      'struct ops {',
      '\tint (*handler)(void *ctx, const char *msg);',
      '\thandler_t fallback;',
      '\tstruct tagged *slots[4];',
      '\tchar (*name)[16];',
      '\tlong: 64;',
      '};',
      '',
      '',
    ].join('\n'),
  );
  // struct b needs struct a complete, and a needs b declared
  const r = recursive();
  assert.fixture(
    body(cHeader(parseBtf(r.blob.encode()), { roots: [r.sb] }).text),
    'struct b;\n\nstruct a {\n\tstruct b *b;\n\tint x;\n};\n\nstruct b {\n\tstruct a a;\n\tstruct b *next;\n};\n\n',
  );
});

t('one definition (what -lv and .type print): padding members included, no trailing ;', () => {
  const { b, ids } = table();
  const btf = parseBtf(b.encode());
  assert.is(cDefinition(btf, ids.flags).split('\n')[3], '\tshort: 0;');
  assert.is(cDefinition(btf, ids.ops).split('\n').at(-2), '\tlong: 64;');
  assert.is(cDefinition(btf, ids.handlerT), 'typedef int (*handler_t)(void *ctx, const char *msg)');
  assert.is(cDefinition(btf, ids.constants), 'enum {\n\tFLAG_A = 1,\n}');
  assert.is(btf.definition(ids.ops).split('\n').at(-1), '};');
});

t('two types of one name: the second is written name___2, in the order they are first written', () => {
  const b = new BtfBlob();
  const int = b.int('int', 4, INT_SIGNED);
  b.composite('struct', 'dup', 4, [['x', int, 0]]);
  b.composite('struct', 'dup', 8, [
    ['x', int, 0],
    ['y', int, 32],
  ]);
  b.enumeration('e1', [['DUP_VALUE', 1n]]);
  b.enumeration('e2', [['DUP_VALUE', 2n]]);
  const bytes = b.encode();
  const text = cHeader(parseBtf(bytes)).text;
  assert.match(text, 'struct dup___2 {\n\tint x;\n\tint y;\n};');
  assert.match(text, 'enum e2 {\n\tDUP_VALUE___2 = 2,\n};');
  sameAsBpftool(bytes, text);
});

t.after(() => {
  if (bpftoolMissing) process.stderr.write('SKIP btf C header vs bpftool: bpftool is not installed\n');
});

t.run();
