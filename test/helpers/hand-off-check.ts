// Stopping a perf-event probe (runtime/attach/hand-off.ts, tracepoint.ts, types.ts releaseAll): releaseAll()
// must have detached the program when it resolves (END and the final maps read what no probe writes any more),
// must leave no perf event open in this process (closing the last one is the 40-80 ms the kernel spends
// unregistering the tracepoint), and the kernel's worker must then close what it was handed, leaving nothing
// pinned. Run on the development kernel (test/runtime/attach/hand-off.test.ts) and on Debian's 6.1
// (test/vm/hand-off.vmtest.ts), whose link close does not wait for an RCU tasks-trace grace period.
import { readdirSync, readlinkSync, statfsSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { linksHandedOff } from '../../runtime/attach/hand-off.ts';
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

export function hasBpffs(): boolean {
  try {
    return statfsSync('/sys/fs/bpf').type === 0xcafe4a11;
  } catch {
    return false;
  }
}

/**
 * A tracepoint program counting this process's getppid(2) calls, attached, released: no count after, nothing
 * open or pinned here, the handed-off links gone within `waitMs`.
 */
export async function releaseAllHandsOff(waitMs: number): Promise<void> {
  const compiled = compileText(
    `tracepoint:syscalls:sys_enter_getppid /pid == ${process.pid}/ { @calls = count(); }`,
    hostKernelInfo(),
  );
  const objs = loadObjects(compiled);
  try {
    const map = [...objs.maps.values()].find((m) => m.spec.user?.name === '@calls')!;
    const calls = () => Number(snapshotMap(map.fd.fd, map.spec).entries[0]?.value ?? 0);
    const perfBefore = perfEventFds().length;
    const handedBefore = linksHandedOff();
    const attached = attachTracepoint(objs.programs[0]!, 'syscalls', 'sys_enter_getppid');
    assert.is(perfEventFds().length, perfBefore + 1);
    for (let i = 0; i < 10; i++) void process.ppid; // getppid(2) each time
    assert.is(calls(), 10, 'the probe did not count the calls made while attached');

    await releaseAll([attached]);
    for (let i = 0; i < 10; i++) void process.ppid;
    assert.is(calls(), 10, 'the probe still ran after releaseAll resolved');
    assert.is(perfEventFds().length, perfBefore, 'a perf event is still open in this process');
    assert.equal(
      readdirSync('/sys/fs/bpf').filter((f) => f.startsWith(`scry-handoff-${process.pid}-`)),
      [],
      'a hand-off pin was left',
    );

    assert.is(linksHandedOff(), handedBefore + 2, 'the link and the event were not both handed off');

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
