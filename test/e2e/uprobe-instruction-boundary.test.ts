// A uprobe at FUNC+OFF (or at an address inside FUNC) must start an instruction: an int3 written inside one
// crashes the traced process. Pinned: bpftrace v0.26.1 (src/attached_probe.cpp check_alignment): refused in its
// words unless --unsafe, which only warns. The target's functions are written in assembly, so their layout is
// known: probed = push %rbp (+0, 1 byte), mov %rsp,%rbp (+1, 3 bytes), mov $7,%eax (+4), pop %rbp, ret;
// undecodable = jmp over bytes scry's decoder does not know (mov %db0,%eax at +2), then ret (+5).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openTarget, targetSymbols } from '../../runtime/kernel/elf/index.ts';
import { runScry } from '../helpers/cli.ts';
import { hasGcc } from '../helpers/fixtures.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

const SUITE = 'e2e uprobe instruction boundary';

const SOURCE = String.raw`
#include <unistd.h>
int probed(void);
void undecodable(void);
__asm__(".text\n"
        ".globl probed\n.type probed, @function\nprobed:\n"
        "  push %rbp\n  mov %rsp, %rbp\n  mov $7, %eax\n  pop %rbp\n  ret\n.size probed, .-probed\n"
        ".globl undecodable\n.type undecodable, @function\nundecodable:\n"
        "  jmp 1f\n  .byte 0x0f, 0x21, 0xc0\n1:\n  ret\n.size undecodable, .-undecodable\n");
int main(void) {
  int s = 0;
  for (int i = 0; i < 200; i++) { s += probed(); undecodable(); usleep(10000); }
  return s == 1400 ? 0 : 1;
}
`;

function build(): string {
  if (process.arch !== 'x64') return 'the target is x86-64 assembly';
  if (!hasGcc()) return 'gcc is not installed';
  const dir = mkdtempSync(join(tmpdir(), 'scry-insn-boundary-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'target.c'), SOURCE);
  const bin = join(dir, 'target');
  const cc = spawnSync('gcc', ['-O0', '-no-pie', '-o', bin, join(dir, 'target.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`);
  return bin;
}

const bin = requireRoot(SUITE) ? build() : undefined;
if (bin !== undefined && !bin.startsWith('/')) skipCheck(SUITE, bin);

const UNSAFE_HINT =
  'HINT: Use --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.\n';

if (bin?.startsWith('/')) {
  const probed = targetSymbols(openTarget(bin)).lookup('probed')!.value;
  const hex = (n: bigint) => `0x${n.toString(16)}`;

  test('FUNC+OFF inside an instruction is refused, nothing attached; --unsafe warns', async () => {
    const prog = `uprobe:${bin}:probed+2 { printf("hit\\n"); exit(); }`;
    const r = await runScry(['-c', bin, '-e', prog]);
    assert.is(
      r.stderr,
      `stdin:1:1-${prog.indexOf(' ') + 1}: ERROR: Could not add uprobe into middle of instruction: ${bin}:probed+2\n` +
        `${prog}\n${'~'.repeat(prog.indexOf(' '))}\n` +
        'HINT: probed+2 is byte 1 of the 3-byte instruction at probed+1: put the probe where an instruction ' +
        'starts, probed+1 or probed+4\n' +
        UNSAFE_HINT,
    );
    assert.is(r.stdout, '');
    assert.is(r.code, 1);
    const u = await runScry(['--dry-run', '--unsafe', '-e', prog]);
    assert.match(
      u.stderr,
      `WARNING: Unsafe uprobe in the middle of an instruction: ${bin}:probed+2 (byte 1 of the 3-byte instruction ` +
        'at probed+1). The traced process may crash.\n',
    );
    assert.is(u.code, 0);
  });

  test('an address inside an instruction is refused, named as FUNC+OFF', async () => {
    const r = await runScry(['--dry-run', '-e', `uprobe:${bin}:${hex(probed + 3n)} { }`]);
    assert.match(r.stderr, `ERROR: Could not add uprobe into middle of instruction: ${bin}:probed+3\n`);
    assert.match(r.stderr, `HINT: ${hex(probed + 3n)} (probed+3) is byte 2 of the 3-byte instruction at probed+1`);
    assert.is(r.code, 1);
  });

  test('FUNC+OFF and an address on an instruction start attach and fire', async () => {
    // probe names the offset in decimal, none for +0 (bpftrace v0.26 AttachPoint::name)
    const z = await runScry(['-q', '-c', bin, '-e', `uprobe:${bin}:probed+0 { printf("hit %s\\n", probe); exit(); }`]);
    assert.is(z.stdout.trim(), `hit uprobe:${bin}:probed`);
    const r = await runScry([
      '-q',
      '-c',
      bin,
      '-e',
      `uprobe:${bin}:probed+0x4 { printf("hit %s\\n", probe); exit(); }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout.trim(), `hit uprobe:${bin}:probed+4`);
    assert.is(r.code, 0);
    const a = await runScry(['-q', '-c', bin, '-e', `uprobe:${bin}:${hex(probed + 1n)} { printf("hit\\n"); exit(); }`]);
    assert.is(a.stderr, '');
    assert.is(a.stdout.trim(), 'hit');
    assert.is(a.code, 0);
  });

  test('bytes the decoder does not know before the offset: refused unless --unsafe, which warns', async () => {
    const prog = `uprobe:${bin}:undecodable+5 { }`;
    const r = await runScry(['--dry-run', '-e', prog]);
    assert.match(r.stderr, `ERROR: Failed to check if uprobe is in proper place: ${bin}:undecodable+5\n`);
    assert.match(
      r.stderr,
      'HINT: undecodable+2 is an instruction scry does not decode (0f 21 c0 c3 …), so scry cannot tell whether ' +
        "undecodable+5 starts an instruction: offsets up to undecodable+2 can be checked, and undecodable's entry " +
        'needs none\n' +
        UNSAFE_HINT,
    );
    assert.is(r.code, 1);
    const u = await runScry(['--dry-run', '--unsafe', '-e', prog]);
    assert.match(u.stderr, `WARNING: Unchecked uprobe: ${bin}:undecodable+5: could not tell whether it starts an`);
    assert.is(u.code, 0);
    // up to the unknown bytes the decoder still knows where instructions start
    const known = await runScry(['--dry-run', '-e', `uprobe:${bin}:undecodable+2 { }`]);
    assert.is(known.stderr, '');
    assert.is(known.code, 0);
  });
}

test.run();
