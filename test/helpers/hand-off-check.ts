// Stopping a perf-event probe (runtime/attach/hand-off.ts, tracepoint.ts, types.ts releaseAll): releaseAll()
// must have detached the program when it resolves (END and the final maps read what no probe writes any more),
// must leave no perf event open in this process (closing the last one is the 40-80 ms the kernel spends
// unregistering the tracepoint), and the kernel's worker must then close what it was handed, leaving nothing
// pinned. Run on the development kernel (test/runtime/attach/hand-off.test.ts) and on Debian's 6.1
// (test/vm/hand-off.vmtest.ts), whose link close does not wait for an RCU tasks-trace grace period.
import { mkdirSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedOf } from '../../lang/index.ts';
import * as assert from 'uvu/assert';
import { linksHandedOff, systemBpffs } from '../../runtime/attach/hand-off.ts';
import { attachKprobe } from '../../runtime/attach/kprobe.ts';
import { attachTracepoint } from '../../runtime/attach/tracepoint.ts';
import { releaseAll } from '../../runtime/attach/types.ts';
import { hostKernelInfo } from '../../runtime/index.ts';
import { loadObjects } from '../../runtime/loader.ts';
import { snapshotMap } from '../../runtime/maps.ts';
import { objectIds, objectInfo, objectName } from './kernel-objects.ts';
import { compileText } from './pipeline.ts';

function perfEventFds(): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[perf_event]';
    } catch {
      return false; // the directory's own fd, gone once listed
    }
  });
}

/** The ids of the programs named `name`. */
function programIds(name: string): Set<number> {
  return new Set(objectIds('prog').filter((id) => objectName('prog', id) === name));
}

/** Links whose program is one of `progs` (bpf_link_info: type @0, id @4, prog_id @8). */
function linksOf(progs: Set<number>): number[] {
  return objectIds('link').filter((id) => {
    const info = objectInfo('link', id, 64);
    return info !== undefined && progs.has(new DataView(info.buffer).getUint32(8, true));
  });
}

/** Where the check's program counts this process's calls. */
export type CountAt = 'tracepoint' | 'kprobe';

let dirs = 0;
/**
 * `handedOff`: links given to the kernel. A tracepoint's program link and its event; a kprobe's event only:
 * PERF_EVENT_IOC_QUERY_BPF answers for PERF_TYPE_TRACEPOINT events alone (EINVAL for the kprobe PMU's), so
 * its link is closed here, which is what waits for the detach.
 */
const PROBES: Record<CountAt, { probe: string; call: () => void; handedOff: number }> = {
  // process.ppid is a getppid(2) each time
  tracepoint: { probe: 'tracepoint:syscalls:sys_enter_getppid', call: () => void process.ppid, handedOff: 2 },
  // one mkdir(2), one do_mkdirat(); the directory goes again at once (rmdir does not call it)
  kprobe: {
    probe: 'kprobe:do_mkdirat',
    handedOff: 1,
    call: () => {
      const dir = join(tmpdir(), `scry-hand-off-${process.pid}-${dirs++}`);
      mkdirSync(dir);
      rmdirSync(dir);
    },
  },
};

/**
 * A program counting this process's calls (on a syscall tracepoint, or a kprobe through the kprobe PMU),
 * attached, released: no count after, nothing open or pinned here, what could be handed to the kernel
 * handed, and freed by it within `waitMs`.
 */
export async function releaseAllHandsOff(waitMs: number, at: CountAt = 'tracepoint'): Promise<void> {
  const { probe, call, handedOff } = PROBES[at];
  const compiled = compileText(`${probe} /pid == ${process.pid}/ { @calls = count(); }`, hostKernelInfo());
  const objs = loadObjects(compiled);
  try {
    const map = [...objs.maps.values()].find((m) => m.spec.user?.name === '@calls')!;
    const calls = () => Number(snapshotMap(map.fd.fd, map.spec).entries[0]?.value ?? 0);
    const perfBefore = perfEventFds().length;
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const handedBefore = linksHandedOff();
    const p = objs.programs[0]!;
    const attached =
      at === 'tracepoint'
        ? attachTracepoint(p, p.spec.attach as ResolvedOf<'tracepoint'>)
        : attachKprobe(p, p.spec.attach as ResolvedOf<'kprobe'>);
    assert.is(perfEventFds().length, perfBefore + 1);
    for (let i = 0; i < 10; i++) call();
    assert.is(calls(), 10, 'the probe did not count the calls made while attached');

    await releaseAll([attached]);
    for (let i = 0; i < 10; i++) call();
    assert.is(calls(), 10, 'the probe still ran after releaseAll resolved');
    assert.is(perfEventFds().length, perfBefore, 'a perf event is still open in this process');
    // the link, the event and the bpffs of scry's own the pins were made in (hand-off.ts) are all closed
    assert.is(readdirSync('/proc/self/fd').length, fdsBefore, 'an fd the attach or the stop opened is still open');
    // pins in the system's bpffs (the fallback when scry cannot mount its own) are gone too
    if (systemBpffs())
      assert.equal(
        readdirSync('/sys/fs/bpf').filter((f) => f.startsWith(`scry-handoff-${process.pid}-`)),
        [],
        'a hand-off pin was left',
      );

    assert.is(linksHandedOff(), handedBefore + handedOff, 'links handed to the kernel');

    // the handed-off event is held by a link carrying an idle program until the kernel's worker frees it
    let left = linksOf(programIds('scry_handoff'));
    for (const until = Date.now() + waitMs; left.length && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
      left = linksOf(programIds('scry_handoff'));
    }
    assert.equal(left, [], `the kernel did not release the handed-off perf event within ${waitMs} ms`);
  } finally {
    objs.close();
  }
}
