// USDT notes against `readelf -n`, their file offsets against the bytes there, and argument parsing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ElfFile,
  PT_REGS_X86_64,
  parseUsdtArg,
  parseUsdtArgs,
  ptRegsSlot,
  readUsdtProbes,
  UsdtArgError,
} from '../../../../runtime/kernel/elf/index.ts';
import { fixtures, hasTool, tool } from '../../../helpers/fixtures.ts';
import { skipCheck } from '../../../helpers/kernel.ts';

const slot = (name: string) => ({ name, offset: PT_REGS_X86_64[name]! });

const args = suite('kernel/elf/usdt-args');

args('registers, sub-registers and sizes', () => {
  assert.equal(parseUsdtArg('-4@%edi'), {
    size: 4,
    signed: true,
    location: { kind: 'reg', reg: slot('rdi') },
    text: '-4@%edi',
  });
  assert.equal(parseUsdtArg('8@%rax').location, { kind: 'reg', reg: { name: 'rax', offset: 80 } });
  assert.equal(parseUsdtArg('1@%dil').location, { kind: 'reg', reg: { name: 'rdi', offset: 112 } });
  assert.equal(parseUsdtArg('2@%di').location, { kind: 'reg', reg: { name: 'rdi', offset: 112 } });
  assert.equal(parseUsdtArg('-1@%al').location, { kind: 'reg', reg: { name: 'rax', offset: 80 } });
  assert.equal(parseUsdtArg('4@%r8d').location, { kind: 'reg', reg: { name: 'r8', offset: 72 } });
  assert.equal(parseUsdtArg('2@%r15w').location, { kind: 'reg', reg: { name: 'r15', offset: 0 } });
  assert.equal(parseUsdtArg('1@%r12b').location, { kind: 'reg', reg: { name: 'r12', offset: 24 } });
  assert.equal(parseUsdtArg('8@%rsp').location, { kind: 'reg', reg: { name: 'rsp', offset: 152 } });
  assert.equal(parseUsdtArg('8@%rbp').location, { kind: 'reg', reg: { name: 'rbp', offset: 32 } });
  const u = parseUsdtArg('2@%si');
  assert.is(u.size, 2);
  assert.is(u.signed, false);
  // no size: 8 bytes, unsigned
  assert.equal(parseUsdtArg('%rdx'), {
    size: 8,
    signed: false,
    location: { kind: 'reg', reg: { name: 'rdx', offset: 96 } },
    text: '%rdx',
  });
});

args('memory operands', () => {
  assert.equal(parseUsdtArg('8@-16(%rbp)').location, { kind: 'mem', base: slot('rbp'), offset: -16n });
  assert.equal(parseUsdtArg('-4@-20(%rbp)').location, { kind: 'mem', base: slot('rbp'), offset: -20n });
  assert.equal(parseUsdtArg('8@(%rsi)').location, { kind: 'mem', base: slot('rsi'), offset: 0n });
  assert.equal(parseUsdtArg('4@0x18(%rdi)').location, { kind: 'mem', base: slot('rdi'), offset: 24n });
  assert.equal(parseUsdtArg('8@(%rsi,%rax,8)').location, {
    kind: 'mem',
    base: slot('rsi'),
    offset: 0n,
    index: slot('rax'),
    scale: 8,
  });
  assert.equal(parseUsdtArg('8@16(%rsp,%rcx)').location, {
    kind: 'mem',
    base: slot('rsp'),
    offset: 16n,
    index: slot('rcx'),
    scale: 1,
  });
  assert.equal(parseUsdtArg('4@(,%rdx,4)').location, { kind: 'mem', offset: 0n, index: slot('rdx'), scale: 4 });
  assert.equal(parseUsdtArg('-4@counter(%rip)').location, { kind: 'mem', offset: 0n, symbol: 'counter' });
  assert.equal(parseUsdtArg('8@table+16(%rip)').location, { kind: 'mem', offset: 16n, symbol: 'table' });
});

args('constants', () => {
  assert.equal(parseUsdtArg('2@$7'), { size: 2, signed: false, location: { kind: 'imm', value: 7n }, text: '2@$7' });
  assert.equal(parseUsdtArg('-4@$-5').location, { kind: 'imm', value: -5n });
  assert.equal(parseUsdtArg('8@$0x10').location, { kind: 'imm', value: 16n });
});

args('a whole description', () => {
  assert.equal(parseUsdtArgs(''), []);
  assert.equal(parseUsdtArgs('  '), []);
  assert.equal(
    parseUsdtArgs('-4@%edi 8@-16(%rbp) 8@$5').map((a) => [a.size, a.signed, a.location.kind]),
    [
      [4, true, 'reg'],
      [8, false, 'mem'],
      [8, false, 'imm'],
    ],
  );
});

args('what cannot be read is an error that says why', () => {
  const bad: [string, RegExp][] = [
    ['1@%ah', /high-byte register %ah/],
    ['8f@%xmm0', /floating-point/],
    ['3@%eax', /size 3/],
    ['8@%xmm1', /unknown or unsupported register %xmm1/],
    ['8@%fs:0x28', /segment/],
    ['8@8(%rip)', /%rip-relative operands without a symbol/],
    ['8@(%rax,%rbx,3)', /scale 3/],
    ['8@-16(rbp)', /expected a register/],
    ['8@junk', /cannot parse operand/],
  ];
  for (const [spec, why] of bad)
    assert.throws(
      () => parseUsdtArg(spec),
      (e: unknown) => e instanceof UsdtArgError && why.test(e.message),
      spec,
    );
});

args('ptRegsSlot', () => {
  assert.equal(ptRegsSlot('EDI'), { name: 'rdi', offset: 112 });
  assert.equal(ptRegsSlot('rip'), { name: 'rip', offset: 128 });
  assert.is(ptRegsSlot('xmm0'), undefined);
});

args.run();

const fx = fixtures('kernel/elf/usdt');
if (fx) {
  const regs = suite('kernel/elf/pt_regs');
  // The offsets come from the kernel's own header: compile offsetof() for every field.
  regs('pt_regs offsets equal offsetof(struct pt_regs, …) from <asm/ptrace.h>', () => {
    const src = join(fx.dir, 'ptregs.c');
    const fields = Object.keys(PT_REGS_X86_64);
    writeFileSync(
      src,
      `#include <stdio.h>\n#include <stddef.h>\n#include <asm/ptrace.h>\nint main(void) {\n${fields
        .map((f) => `  printf("${f} %zu\\n", offsetof(struct pt_regs, ${f}));`)
        .join('\n')}\n  printf("size %zu\\n", sizeof(struct pt_regs));\n  return 0;\n}\n`,
    );
    tool('gcc', ['-o', join(fx.dir, 'ptregs'), src]);
    const out = tool(join(fx.dir, 'ptregs'), []);
    const got = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([k, v]) => [k!, Number(v)]),
    );
    assert.equal(got, { ...PT_REGS_X86_64, size: 168 });
  });
  regs.run();
}

interface ReadelfNote {
  provider: string;
  name: string;
  location: bigint;
  base: bigint;
  semaphore: bigint;
  args: string;
}

function readelfNotes(path: string): ReadelfNote[] {
  const out = tool('readelf', ['-nW', path]);
  const re =
    /Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)\s+Arguments: ?([^\n]*)/g;
  return [...out.matchAll(re)].map((m) => ({
    provider: m[1]!,
    name: m[2]!,
    location: BigInt(m[3]!),
    base: BigInt(m[4]!),
    semaphore: BigInt(m[5]!),
    args: m[6]!.trim(),
  }));
}

if (fx && hasTool('readelf')) {
  const t = suite('kernel/elf/usdt');

  t('probes equal readelf -n (PIE, -no-pie, shared library)', () => {
    for (const path of [fx.pie, fx.nopie, fx.lib, fx.withLib]) {
      const want = readelfNotes(path);
      assert.ok(want.length >= 1, path);
      const elf = ElfFile.open(path);
      const base = elf.section('.stapsdt.base')!.addr;
      const got = readUsdtProbes(elf);
      assert.equal(
        got.map((p) => ({
          provider: p.provider,
          name: p.name,
          location: p.pc,
          base,
          semaphore: p.semaphore,
          args: p.argsText,
        })),
        want,
        path,
      );
      for (const p of got) assert.is(p.argsError, undefined, `${path} ${p.provider}:${p.name}: ${p.argsError}`);
    }
    assert.equal(
      readUsdtProbes(ElfFile.open(fx.pie)).map((p) => `${p.provider}:${p.name}`),
      ['scry:tick', 'scry:plain', 'scry:small', 'scry:global'],
    );
    assert.equal(
      readUsdtProbes(ElfFile.open(fx.lib)).map((p) => `${p.provider}:${p.name}`),
      ['scrylib:mul', 'scrylib:dup', 'scrylib:dup'],
    );
  });

  t('the probe offset holds the nop; the semaphore offset is its place in .probes', () => {
    for (const path of [fx.pie, fx.nopie, fx.lib]) {
      const bytes = readFileSync(path);
      const elf = ElfFile.open(path);
      const probes = elf.section('.probes')!;
      for (const p of readUsdtProbes(elf)) {
        assert.is(bytes[Number(p.offset)], 0x90, `${path} ${p.name}: nop at 0x${p.offset.toString(16)}`);
        if (p.semaphore === 0n) {
          assert.is(p.semaphoreOffset, undefined);
          continue;
        }
        assert.is(p.semaphoreOffset, probes.offset + (p.semaphore - probes.addr), `${path} ${p.name}`);
        assert.is(bytes.readUInt16LE(Number(p.semaphoreOffset)), 0);
      }
    }
    // -no-pie: addresses are absolute, offsets are not
    const tick = readUsdtProbes(ElfFile.open(fx.nopie)).find((p) => p.name === 'tick')!;
    assert.ok(tick.pc > 0x400000n && tick.offset < 0x100000n);
  });

  t('arguments of the fixture probes', () => {
    const kinds = (path: string, name: string) =>
      readUsdtProbes(ElfFile.open(path))
        .find((p) => p.name === name)!
        .args!.map((a) => `${a.signed ? '-' : ''}${a.size}:${a.location.kind}`);
    // the compiler chooses locations; the sizes and signs are what the macros declared
    for (const path of [fx.pie, fx.nopie]) {
      assert.equal(
        kinds(path, 'tick').map((k) => k.split(':')[0]),
        ['-4', '-8', '8'],
      );
      assert.equal(kinds(path, 'small'), ['1:reg', '2:imm']);
      assert.equal(kinds(path, 'plain'), []);
    }
    // -O0 keeps the int and the long in the frame
    assert.equal(kinds(fx.nopie, 'tick').slice(0, 2), ['-4:mem', '-8:mem']);
    const tick = readUsdtProbes(ElfFile.open(fx.nopie)).find((p) => p.name === 'tick')!;
    assert.equal(tick.args![0]!.location, {
      kind: 'mem',
      base: { name: 'rbp', offset: 32 },
      offset: BigInt(/^-4@(-?\d+)\(%rbp\)/.exec(tick.argsText)![1]!),
    });
  });

  t('a file without USDT notes has no probes', () => {
    assert.equal(readUsdtProbes(ElfFile.open('/bin/true')), []);
  });

  t.run();
} else if (fx) skipCheck('kernel/elf/usdt', 'readelf is not installed');
