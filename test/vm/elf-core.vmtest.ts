// An object compiled on the host (test/vm/host-objects.ts, 6.18's task_struct layout) loads in the VM's 6.1 kernel
// with bpftool (libbpf), which relocates its CO-RE field offsets to this kernel's layout: the program the kernel
// holds adds 6.1's offsets, and running it reads the right task_struct fields (comm is bpftool's name).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { loadAll, mapValues, runPinned, xlatedAdds } from '../helpers/bpf-objects.ts';
import { GUEST_TIMEOUT_MS, inGuest } from './guest.ts';
import { bitfieldWord, CORE_BITFIELD, CORE_FIELDS, OBJECTS_DIR, type HostObjects } from './elf-objects.ts';

const object = join(OBJECTS_DIR, 'core-task.o');

if (inGuest('vm elf-core')) {
  test('a host-compiled object loads here with its task_struct offsets relocated, and reads the right fields', async () => {
    assert.ok(existsSync(object), `${object} is missing: npm run test:vm compiles it on the host first`);
    const host = JSON.parse(readFileSync(join(OBJECTS_DIR, 'host.json'), 'utf8')) as HostObjects;
    // this kernel's offsets, from its BTF (scry's offsetof)
    const fields = [...CORE_FIELDS, CORE_BITFIELD] as const;
    const probe = `BEGIN { printf("${fields.map(() => '%d').join(' ')}\\n", ${fields.map((f) => `offsetof(struct task_struct, ${f})`).join(', ')}); exit(); }`;
    const r = await runScry(['-e', probe], {}, 6 * GUEST_TIMEOUT_MS); // one scry run; minutes on a loaded host
    assert.is(r.code, 0, r.stderr);
    const numbers = r.stdout.trim().split(' ').map(Number);
    const here = Object.fromEntries(fields.map((f, i) => [f, numbers[i]!]));
    // the test means something only where the layouts differ
    for (const f of fields) assert.ok(here[f] !== host.offsets[f], `task_struct.${f} is at ${here[f]} on both kernels`);
    const pinned = loadAll(object);
    try {
      assert.ok(pinned.ok, pinned.output);
      const adds = xlatedAdds(join(pinned.dir, 'BEGIN'));
      for (const f of CORE_FIELDS) {
        assert.ok(adds.includes(here[f]!), `no r += ${here[f]} (task_struct.${f} here) in ${adds.join(', ')}`);
        assert.not.ok(adds.includes(host.offsets[f]), `the host's offset of ${f} (${host.offsets[f]}) is still there`);
      }
      // the bitfield's load: its 4-byte word here, not the host's (libbpf also checked the load size and shifts)
      const word = bitfieldWord(here[CORE_BITFIELD]!);
      assert.ok(adds.includes(word), `no r += ${word} (${CORE_BITFIELD}'s word here) in ${adds.join(', ')}`);
      assert.not.ok(adds.includes(bitfieldWord(host.offsets[CORE_BITFIELD])), `the host's word of ${CORE_BITFIELD}`);
      runPinned(join(pinned.dir, 'BEGIN'));
      const [comm] = mapValues(join(pinned.maps, 'm0_comm'));
      assert.is(Buffer.from(comm!).toString('latin1').split('\0')[0], 'bpftool');
      const num = (name: string) => Buffer.from(mapValues(join(pinned.maps, name))[0]!).readBigUInt64LE(0);
      const pid = num('m2_pid');
      assert.ok(pid > 0n && pid === num('m3_tgid'), `pid ${pid}, tgid ${num('m3_tgid')}`);
      assert.is(num('m1_exec'), 0n); // bpftool is not in execve
      process.stdout.write(
        `elf-core: compiled on ${host.kernel}, loaded on this kernel: ${fields.map((f) => `${f} ${host.offsets[f]} -> ${here[f]}`).join(', ')}\n`,
      );
    } finally {
      pinned.remove();
    }
  });
  test.run();
}
