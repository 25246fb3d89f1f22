// From probe text to file offsets, and the errors a user sees when a target or a symbol is wrong.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ScryRuntimeError } from '../../../../runtime/errors.ts';
import {
  ElfFile,
  listUprobeFunctions,
  openTarget,
  resetTargetCache,
  resolveUprobe,
  resolveUsdt,
  SymbolTable,
} from '../../../../runtime/kernel/elf/index.ts';
import { fixtures } from '../../../helpers/fixtures.ts';

const fx = fixtures('kernel/elf/targets');

function fails(fn: () => unknown, message: string, hints?: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ScryRuntimeError);
    assert.is((e as Error).message, message);
    if (hints) assert.equal((e as ScryRuntimeError).hints, hints);
    return;
  }
  assert.unreachable(`no error; expected: ${message}`);
}

if (fx) {
  const t = suite('kernel/elf/targets');

  t.before.each(() => resetTargetCache());

  t('a function: file offset, vaddr and symbol', () => {
    const file = openTarget(fx.nopie);
    assert.is(file.path, fx.nopie);
    assert.equal(file.warnings, []);
    const elf = ElfFile.open(fx.nopie);
    const add = SymbolTable.read(elf).lookup('add')!;
    const loc = resolveUprobe(file, { func: 'add' });
    assert.equal(loc, { path: fx.nopie, offset: elf.vaddrToOffset(add.value)!, vaddr: add.value, symbol: add });
    const plus = resolveUprobe(file, { func: 'add', funcOffset: 4n });
    assert.is(plus.offset, loc.offset + 4n);
    const byAddr = resolveUprobe(file, { address: add.value });
    assert.equal(byAddr, { path: fx.nopie, offset: loc.offset, vaddr: add.value });
  });

  t('libraries by name', () => {
    const libc = openTarget('libc');
    assert.ok(/\/libc\.so\.6$/.test(libc.path), libc.path);
    assert.ok(resolveUprobe(libc, { func: 'malloc' }).offset > 0n);
  });

  t('listing functions', () => {
    assert.equal(listUprobeFunctions(openTarget(fx.pie), 'str*'), ['str_len']);
    assert.ok(listUprobeFunctions(openTarget(fx.pie)).includes('main'));
  });

  t('errors a user can act on', () => {
    fails(() => openTarget('/nonexistent/prog'), '/nonexistent/prog does not exist');
    fails(() => openTarget('libnothere'), "cannot find 'libnothere': no such program or library", [
      'it is looked for on $PATH, in /etc/ld.so.cache and in /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib',
    ]);
    fails(() => openTarget('/etc/passwd'), '/etc/passwd is not an ELF file');
    fails(() => openTarget('/tmp'), '/tmp is not a regular file');
    const file = openTarget(fx.pie);
    fails(() => resolveUprobe(file, { func: 'addd' }), `no function 'addd' in ${fx.pie}`, [
      "did you mean 'add'?",
      `list them with: scry -l 'uprobe:${fx.pie}:*'`,
    ]);
    fails(() => resolveUprobe(file, { func: 'zzzzzzzz' }), `no function 'zzzzzzzz' in ${fx.pie}`, [
      `list them with: scry -l 'uprobe:${fx.pie}:*'`,
    ]);
    fails(
      () => resolveUprobe(file, { func: 'add', funcOffset: 100n }),
      // bpftrace v0.26's words (attached_probe.cpp)
      "Offset outside the function bounds ('add' size is 4)",
      [`add in ${fx.pie} is 4 bytes long`],
    );
    fails(
      () => resolveUprobe(file, { address: 0xdead_0000n }),
      `address 0xdead0000 is not in a loaded part of ${fx.pie}`,
    );
  });

  t('usdt: by provider and name, by name alone, wildcards, errors', () => {
    const file = openTarget(fx.pie);
    assert.equal(
      resolveUsdt(file, 'scry', 'tick').map((p) => p.name),
      ['tick'],
    );
    assert.equal(
      resolveUsdt(file, undefined, 'tick').map((p) => `${p.provider}:${p.name}`),
      ['scry:tick'],
    );
    assert.equal(
      resolveUsdt(file, 'scry', '*').map((p) => p.name),
      ['tick', 'plain', 'small', 'global'],
    );
    // a probe inlined twice: both locations
    const dup = resolveUsdt(openTarget(fx.lib), 'scrylib', 'dup');
    assert.is(dup.length, 2);
    assert.ok(dup[0]!.offset !== dup[1]!.offset);
    assert.equal(resolveUsdt(file, 'nope', '*'), []);
    fails(() => resolveUsdt(file, 'scry', 'tock'), `no USDT probe 'scry:tock' in ${fx.pie}`, [
      "did you mean 'scry:tick'?",
      `list them with: scry -l 'usdt:${fx.pie}:*'`,
    ]);
    fails(() => resolveUsdt(openTarget('/bin/true'), 'a', 'b'), '/bin/true has no USDT probes');
    const tick = resolveUsdt(file, 'scry', 'tick')[0]!;
    assert.ok(tick.semaphoreOffset !== undefined && tick.semaphoreOffset > 0n);
  });

  t('listings equal bpftrace -l (uprobe functions and usdt probes)', () => {
    if (process.env.SCRY_TEST_QUICK === '1') {
      // `npm run test:unit`: bpftrace takes seconds to start; `npm test` compares
      process.stderr.write('SKIP kernel/elf/targets bpftrace -l: SCRY_TEST_QUICK=1 (npm test runs it)\n');
      return;
    }
    const bt = spawnSync('bpftrace', ['--version'], { encoding: 'utf8' });
    if (bt.error || bt.status !== 0 || process.getuid?.() !== 0) {
      process.stderr.write('SKIP kernel/elf/targets bpftrace -l: bpftrace not installed or not root\n');
      return;
    }
    const list = (pattern: string) =>
      spawnSync('bpftrace', ['-l', pattern], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l);
    for (const path of [fx.pie, fx.lib, ...(existsSync('/bin/bash') ? ['/bin/bash'] : [])]) {
      const file = openTarget(path);
      assert.equal(
        listUprobeFunctions(file).map((f) => `uprobe:${path}:${f}`),
        list(`uprobe:${path}:*`),
        path,
      );
    }
    for (const path of [fx.pie, fx.lib]) {
      const probes = resolveUsdt(openTarget(path), '*', '*').map((p) => `usdt:${path}:${p.provider}:${p.name}`);
      assert.equal([...new Set(probes)].sort(), list(`usdt:${path}:*`), path);
    }
  });

  t.run();
}
