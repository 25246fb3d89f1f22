// Module BTF is split BTF on vmlinux's: on Debian 6.1 the guest's modules (9p, overlay, virtio…) have it, the
// development machine's kernel has none. scry btf dump --file /sys/kernel/btf/MODULE must print what bpftool
// 7.1 prints for it (vmlinux's types, then the module's) and gcc must compile it.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { inGuest, scratchDir } from './guest.ts';

if (inGuest('vm btf dump of a module')) {
  test("a module's BTF dumps as bpftool dumps it, and compiles with gcc", async () => {
    const modules = readdirSync('/sys/kernel/btf').filter((m) => m !== 'vmlinux');
    assert.ok(modules.length > 0, 'no module BTF in the guest');
    const module = modules.includes('9p') ? '9p' : modules[0]!;
    const file = `/sys/kernel/btf/${module}`;
    const r = await runScry(['btf', 'dump', '--file', file], {}, 600_000);
    assert.is(r.code, 0, r.stderr);
    // a type only the module defines is there
    assert.match(r.stdout, /\nstruct v9fs_session_info \{\n|\nstruct [a-z_0-9]+ \{\n/);
    const theirs = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', 'c'], {
      encoding: 'latin1',
      maxBuffer: 256 << 20,
    });
    if (theirs.status === 0) {
      const mine = r.stdout.split('\n');
      const ref = theirs.stdout.split('\n');
      const first = ref.findIndex((l, i) => l !== mine[i]);
      assert.is(
        first === -1 && mine.length === ref.length ? 'same' : `line ${first + 1}: '${ref[first]}' / '${mine[first]}'`,
        'same',
      );
      process.stderr.write(`${module}: ${ref.length - 1} lines, same as bpftool\n`);
    } else process.stderr.write(`SKIP vm btf dump vs bpftool: ${theirs.error ?? theirs.stderr}\n`);
    const h = join(scratchDir(), `${module}.h`);
    writeFileSync(h, r.stdout);
    const gcc = spawnSync('gcc', ['-fsyntax-only', '-x', 'c', h], { encoding: 'utf8' });
    if (gcc.error) process.stderr.write(`SKIP vm btf dump compiles: gcc: ${gcc.error.message}\n`);
    else assert.is(gcc.status, 0, gcc.stderr.slice(0, 2000));
  });
}

test.run();
