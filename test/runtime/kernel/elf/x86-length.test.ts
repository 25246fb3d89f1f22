// The x86-64 length decoder behind uprobe FUNC+OFF checks: a table of encodings, then every function of C
// compiled at -O0, -O2, with AVX2 and AVX-512 (and of bash and libc) against objdump's instruction starts, and
// instructionBoundary on a compiled file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ElfFile, EM_X86_64, instructionBoundary, instructionLength } from '../../../../runtime/kernel/elf/index.ts';
import { hasTool, tool } from '../../../helpers/fixtures.ts';
import { skipCheck } from '../../../helpers/kernel.ts';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

const table = suite('kernel/elf/x86-length');

table('encodings compilers emit, by hand', () => {
  const cases: [string, number, string][] = [
    ['55', 1, 'push %rbp'],
    ['48 89 e5', 3, 'mov %rsp,%rbp'],
    ['41 57', 2, 'push %r15'],
    ['48 b8 88 77 66 55 44 33 22 11', 10, 'movabs $imm64,%rax (REX.W B8+r)'],
    ['b8 01 00 00 00', 5, 'mov $1,%eax'],
    ['66 b8 01 00', 4, 'mov $1,%ax (66: imm16)'],
    ['66 48 35 57 88 90 f6', 7, 'xor $imm32,%rax (REX.W over 66: imm32)'],
    ['66 81 7f 08 34 12', 6, 'cmpw $0x1234,8(%rdi)'],
    ['f6 07 01', 3, 'testb $1,(%rdi) (F6 /0 imm8)'],
    ['f7 c1 00 00 01 00', 6, 'test $0x10000,%ecx (F7 /0 imm32)'],
    ['66 f7 c1 00 01', 5, 'test $0x100,%cx (F7 /0 imm16)'],
    ['f7 c9 01 00 00 00', 6, 'test $1,%ecx (F7 /1: the undocumented alias of /0)'],
    ['f7 d8', 2, 'neg %eax (F7 /3: no immediate)'],
    ['c8 10 00 01', 4, 'enter $0x10,$1'],
    ['c2 08 00', 3, 'ret $8'],
    ['48 8b 05 00 00 00 00', 7, 'mov 0(%rip),%rax'],
    ['8b 04 25 00 10 00 00', 7, 'mov 0x1000,%eax (SIB without base: disp32)'],
    ['8b 44 24 08', 4, 'mov 8(%rsp),%eax (SIB, disp8)'],
    ['8b 84 24 00 01 00 00', 7, 'mov 0x100(%rsp),%eax (SIB, disp32)'],
    ['c7 44 24 08 01 00 00 00', 8, 'movl $1,8(%rsp)'],
    ['48 a1 88 77 66 55 44 33 22 11', 10, 'movabs 0x1122334455667788,%rax (moffs64)'],
    ['67 a0 44 33 22 11', 6, 'mov 0x11223344,%al (67: moffs32)'],
    ['e8 00 00 00 00', 5, 'call rel32'],
    ['0f 84 00 01 00 00', 6, 'je rel32'],
    ['eb fe', 2, 'jmp rel8'],
    ['f3 0f 1e fa', 4, 'endbr64'],
    ['66 2e 0f 1f 84 00 00 00 00 00', 10, 'cs nopw 0(%rax,%rax,1)'],
    ['66 66 66 2e 0f 1f 84 00 00 00 00 00', 12, 'data16 data16 cs nopw'],
    ['f0 48 0f b1 0f', 5, 'lock cmpxchg %rcx,(%rdi)'],
    ['0f a4 c2 05', 4, 'shld $5,%eax,%edx'],
    ['66 0f 70 c1 1b', 5, 'pshufd $0x1b,%xmm1,%xmm0'],
    ['66 0f 38 00 c1', 5, 'pshufb %xmm1,%xmm0 (0F38)'],
    ['66 0f 3a 0f c1 08', 6, 'palignr $8,%xmm1,%xmm0 (0F3A: imm8)'],
    ['f2 0f 38 f1 c1', 5, 'crc32 %ecx,%eax'],
    ['c5 fd 6f 07', 4, 'vmovdqa (%rdi),%ymm0 (VEX2)'],
    ['c5 f8 77', 3, 'vzeroupper (no ModRM)'],
    ['c4 e3 fd 00 c1 4e', 6, 'vpermq $0x4e,%ymm1,%ymm0 (VEX3 map 3: imm8)'],
    ['c5 fd 70 c1 1b', 5, 'vpshufd $0x1b,%ymm1,%ymm0 (VEX map 1 imm8)'],
    ['c4 e2 7d 58 05 00 00 00 00', 9, 'vpbroadcastd 0(%rip),%ymm0 (VEX map 2)'],
    ['62 f1 75 48 fe c2', 6, 'vpaddd %zmm2,%zmm1,%zmm0 (EVEX)'],
    ['62 f1 7e 48 6f 47 01', 7, 'vmovdqu32 0x40(%rdi),%zmm0 (EVEX, disp8*N)'],
    ['62 f3 fd 48 00 c1 4e', 7, 'vpermq $0x4e,%zmm1,%zmm0 (EVEX map 3)'],
    ['8f e8 78 c2 c1 05', 6, 'vprotd $5,%xmm1,%xmm0 (XOP map 8)'],
    ['9b', 1, 'fwait (objdump joins it to the x87 instruction after)'],
    ['db 6c 24 08', 4, 'fldt 8(%rsp)'],
  ];
  for (const [bytes, length, what] of cases) assert.is(instructionLength(hex(bytes)), length, what);
});

table('what it does not know, or cannot finish, is undefined', () => {
  for (const [bytes, what] of [
    ['06', 'push %es: invalid in 64-bit mode'],
    ['d5 00', 'APX REX2'],
    ['66 e8 00 00', 'call with 66: rel16 on AMD, rel32 on Intel'],
    ['48 b8 00 00', 'movabs cut short'],
    ['0f', 'escape with nothing after'],
    ['66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90', 'longer than 15 bytes'],
  ] as const)
    assert.is(instructionLength(hex(bytes)), undefined, what);
  assert.is(instructionLength(hex('90 48 89 e5'), 1), 3, 'decodes from an offset');
});

table.run();

// ---- against objdump -----------------------------------------------------------------------------------------

interface Insn {
  readonly addr: number;
  readonly bytes: Buffer;
}

/**
 * Each function's instructions as objdump decodes them (all, or those named: objdump takes one name a run);
 * functions with bytes objdump cannot decode are left out.
 */
function objdumpFunctions(file: string, only: readonly string[] = []): Map<string, Insn[]> {
  const runs = only.length ? only.map((s) => [`--disassemble=${s}`]) : [[]];
  const out = runs.map((r) => tool('objdump', ['-d', '-w', '--insn-width=16', ...r, file])).join('\n');
  const fns = new Map<string, Insn[]>();
  const bad = new Set<string>();
  let cur: string | undefined;
  for (const line of out.split('\n')) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head) {
      cur = head[1]!;
      fns.set(cur, []);
      continue;
    }
    if (cur === undefined) continue;
    if (/^\s+\.\.\.$/.test(line)) bad.add(cur); // elided zeros
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(line);
    if (!m) continue;
    // data in code: what objdump cannot decode, or a prefix it shows alone because what follows is no instruction
    if (/\(bad\)|\.byte|^(rex(\.[WRXB]+)?|data16|addr32|[cdefgs]s|lock|repn?z|bnd|notrack)\s*$/.test(m[3]!))
      bad.add(cur);
    fns.get(cur)!.push({ addr: parseInt(m[1]!, 16), bytes: hex(m[2]!) });
  }
  for (const b of bad) fns.delete(b);
  return fns;
}

/** objdump's starts; fwait (9B) before an x87 instruction is an instruction of its own, which objdump joins. */
function expectedStarts(insns: readonly Insn[]): number[] {
  const base = insns[0]!.addr;
  return insns.flatMap((i) =>
    i.bytes[0] === 0x9b && i.bytes.length > 1 ? [i.addr - base, i.addr - base + 1] : [i.addr - base],
  );
}

/** The decoder's starts over a function's bytes, or the offset where it stopped. */
function decodedStarts(code: Buffer): number[] | { stuck: number } {
  const starts: number[] = [];
  for (let p = 0; p < code.length;) {
    starts.push(p);
    const n = instructionLength(code, p);
    if (n === undefined) return { stuck: p };
    p += n;
  }
  return starts;
}

/** Every function's starts equal objdump's; returns how many instructions were compared. */
function compareFile(file: string, only: readonly string[] = []): number {
  const fns = objdumpFunctions(file, only);
  let count = 0;
  for (const [name, insns] of fns) {
    if (!insns.length) continue;
    const code = Buffer.concat(insns.map((i) => i.bytes));
    const got = decodedStarts(code);
    if ('stuck' in got) {
      const at = got.stuck;
      assert.unreachable(`${file} ${name}+${at}: unknown bytes ${code.subarray(at, at + 8).toString('hex')}`);
      continue;
    }
    const want = expectedStarts(insns);
    if (got.join() !== want.join()) {
      const i = got.findIndex((s, k) => s !== want[k]);
      const insn = insns.find((x) => x.addr - insns[0]!.addr >= (want[i - 1] ?? 0));
      assert.unreachable(`${file} ${name}: starts differ after +${want[i - 1]} (${insn?.bytes.toString('hex')})`);
    }
    count += insns.length;
  }
  return count;
}

const SOURCE = String.raw`
#include <stdint.h>
#include <string.h>
#include <stdatomic.h>
struct big { char c[100]; };
volatile uint16_t w16; volatile uint8_t b8; _Atomic long counter;
int sw(int x) { switch (x) { case 0: return 3; case 1: return 7; case 2: return 11; case 3: return 13;
  case 4: return 17; case 5: return 19; default: return -1; } }
uint64_t imm64(uint64_t x) { return x * 0x1122334455667788ull + 0x8877665544332211ull; }
uint16_t half(uint16_t a, uint16_t b) { w16 = (uint16_t)(a * 300 + b); return (uint16_t)(w16 ^ 0x1234); }
int bits(uint32_t x, uint8_t *p) { b8 = *p; return (x & 0x10000) ? __builtin_popcount(x) : __builtin_ctz(x | 1); }
long double ld(long double a, long double b) { return a * b + 1.5L; }
double fp(double a, float b) { return a / b + (double)(long)a; }
void copy(struct big *d, const struct big *s) { *d = *s; }
long atom(long n) { atomic_fetch_add(&counter, n); return atomic_exchange(&counter, 0); }
int vla(int n) { int a[n]; for (int i = 0; i < n; i++) a[i] = i * i; return a[n / 2]; }
__int128 mul128(__int128 a, __int128 b) { return a * b; }
float dotf(const float *a, const float *b, int n) { float s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i]; return s; }
void saxpy(float *restrict y, const float *restrict x, float a, long n) { for (long i = 0; i < n; i++) y[i] += a * x[i]; }
void bytes(unsigned char *d, const unsigned char *s, int n) { for (int i = 0; i < n; i++) d[i] = (unsigned char)(s[i] * 3 + (s[n - 1 - i] >> 2)); }
long strl(const char *s) { return (long)strlen(s) + (long)(strchr(s, 'x') - s); }
/* never run: encodings compilers rarely pick, for the assembler to lay out */
void unusual(void) {
  __asm__ volatile(
    "enter $16, $1\n leave\n"
    "movabs $0x1122334455667788, %%rax\n movabs 0x1122334455667788, %%al\n"
    "testb $1, (%%rdi)\n testw $0x100, %%ax\n testl $0x10000, 8(%%rdi,%%rsi,4)\n"
    "rdtsc\n cpuid\n pause\n xchg %%rax, %%rbx\n lock cmpxchg16b (%%rdi)\n crc32q %%rcx, %%rax\n"
    "shld $3, %%rax, %%rbx\n shrd %%cl, %%rax, %%rbx\n bt $5, %%eax\n bswap %%r9\n"
    "pshufd $0x1b, %%xmm1, %%xmm0\n pextrw $2, %%xmm1, %%eax\n pinsrw $3, (%%rdi), %%xmm2\n shufps $4, %%xmm1, %%xmm0\n"
    "pclmulqdq $0x11, %%xmm1, %%xmm0\n aesenc %%xmm1, %%xmm0\n roundsd $4, %%xmm1, %%xmm0\n"
    "vpermq $0x4e, %%ymm1, %%ymm0\n vzeroupper\n vzeroall\n vpshufd $0x1b, 32(%%rip), %%ymm3\n"
    "vfmadd231ps %%ymm1, %%ymm2, %%ymm3\n vpcmpeqb (%%rax,%%rbx,2), %%ymm1, %%ymm2\n vpextrq $1, %%xmm0, %%rax\n"
    "andn %%rax, %%rbx, %%rcx\n shlx %%rax, %%rbx, %%rcx\n rorx $3, %%rax, %%rbx\n"
    "vpaddd %%zmm1, %%zmm2, %%zmm3%{%%k1%}\n vmovdqu64 64(%%rdi), %%zmm0\n vpternlogd $0x96, %%zmm1, %%zmm2, %%zmm3\n"
    "vpcmpub $1, %%zmm1, %%zmm2, %%k2\n kmovq %%k1, %%rax\n vcvtph2ps %%xmm1, %%ymm2\n"
    "fldt 8(%%rsp)\n fstcw (%%rsp)\n fnstsw %%ax\n fsin\n fistpll (%%rdi)\n"
    "mov %%fs:0x28, %%rax\n mov %%gs:(%%rax), %%ebx\n addr32 mov (%%eax), %%ecx\n"
    "rep movsb\n repne scasb\n lock incl (%%rdi)\n xbegin 1f\n 1: xabort $1\n"
    "ud2\n int3\n int $0x80\n syscall\n ret $8\n"
    ::: "memory");
}
int main(int argc, char **argv) { (void)argv; return sw(argc) + (int)imm64((uint64_t)argc); }
`;

const vsObjdump = suite('kernel/elf/x86-length-objdump');
const missing = ['cc', 'objdump'].filter((t) => !hasTool(t));
const isX86 = process.arch === 'x64';
if (missing.length || !isX86) {
  skipCheck('kernel/elf/x86-length-objdump', missing.length ? `${missing.join(', ')} not installed` : 'not x86-64');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'scry-x86-length-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'f.c');
  writeFileSync(src, SOURCE);
  const build = (name: string, flags: string[]) => {
    const out = join(dir, name);
    const r = spawnSync('cc', [...flags, '-o', out, src], { encoding: 'utf8' });
    return r.status === 0 ? out : `cc ${flags.join(' ')}: ${r.stderr.split('\n')[0]}`;
  };

  for (const [name, flags] of [
    ['O0', ['-O0']],
    ['O2', ['-O2']],
    ['O2-avx2', ['-O2', '-mavx2', '-mfma']],
    ['O3-avx512', ['-O3', '-mavx512f', '-mavx512bw', '-mavx512vl']],
    ['Os-pie', ['-Os', '-fPIE', '-pie']],
  ] as const) {
    vsObjdump(`cc ${flags.join(' ')}: every function's instruction starts are objdump's`, () => {
      const bin = build(name, [...flags]);
      if (!bin.startsWith('/')) return skipCheck(`kernel/elf/x86-length-objdump ${name}`, bin);
      const n = compareFile(bin);
      assert.ok(n > 50, `${n} instructions compared`);
    });
  }

  vsObjdump('instructionBoundary reads the function from the file: starts are starts, the rest are inside', () => {
    const bin = build('O2-boundary', ['-O2']);
    assert.ok(bin.startsWith('/'), bin);
    const elf = ElfFile.open(bin);
    assert.is(elf.header.machine, EM_X86_64);
    const fns = objdumpFunctions(bin, ['imm64', 'unusual']);
    assert.is(fns.size, 2);
    for (const insns of fns.values()) {
      const start = BigInt(insns[0]!.addr);
      const starts = new Set(expectedStarts(insns));
      const size = insns.at(-1)!.addr + insns.at(-1)!.bytes.length - insns[0]!.addr;
      for (let off = 0; off < size; off++) {
        const b = instructionBoundary(elf, start, BigInt(off));
        if (starts.has(off)) assert.equal(b, { kind: 'start' }, `+${off}`);
        else {
          assert.is(b.kind, 'inside', `+${off}`);
          if (b.kind !== 'inside') continue;
          assert.ok(starts.has(Number(b.start)) && b.start < BigInt(off) && b.start + BigInt(b.length) > BigInt(off));
        }
      }
    }
  });

  vsObjdump('all of bash and libc: unusual opcodes decode as objdump does (~3 s)', () => {
    const libc = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib64/libc.so.6', '/lib64/libc.so.6'].find(existsSync);
    const files = ['/usr/bin/bash', libc].filter((f) => f !== undefined && existsSync(f)) as string[];
    if (!files.length) return skipCheck('kernel/elf/x86-length-objdump bash/libc', 'neither bash nor libc found');
    let n = 0;
    for (const file of files) n += compareFile(file);
    assert.ok(n > 10_000, `${n} instructions compared`);
  });

  vsObjdump.run();
}
