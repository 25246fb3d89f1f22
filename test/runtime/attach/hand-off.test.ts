// Stopping a perf-event probe: releaseAll() must have detached the program when it resolves (END and the
// final maps read what no probe writes any more), must leave no perf event open in this process (closing the
// last one is the ~40-80 ms the kernel spends unregistering the tracepoint), and the kernel's worker must then
// close the event it was handed (runtime/attach/hand-off.ts), leaving nothing pinned.
import { readdirSync, readlinkSync, statfsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linksHandedOff } from '../../../runtime/attach/hand-off.ts';
import { attachTracepoint } from '../../../runtime/attach/tracepoint.ts';
import { releaseAll } from '../../../runtime/attach/types.ts';
import { hostKernelInfo } from '../../../runtime/index.ts';
import { loadObjects } from '../../../runtime/loader.ts';
import { snapshotMap } from '../../../runtime/maps.ts';
import { objectIds, objectInfo, objectName } from '../../helpers/kernel-objects.ts';
import { requireTracepoint, skipCheck } from '../../helpers/kernel.ts';
import { compileText } from '../../helpers/pipeline.ts';

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

function hasBpffs(): boolean {
  try {
    return statfsSync('/sys/fs/bpf').type === 0xcafe4a11;
  } catch {
    return false;
  }
}

if (!hasBpffs()) skipCheck('perf event hand-off', 'no bpffs at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)');
else if (requireTracepoint('perf event hand-off', 'syscalls/sys_enter_getppid')) {
  test('releaseAll: the program is off when it resolves, no perf event is left open here, the kernel closes the rest', async () => {
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
      for (let tries = 0; left.length && tries < 30; tries++) {
        await new Promise((r) => setTimeout(r, 100));
        left = linksOf(programIds('scry_handoff'));
      }
      assert.equal(left, [], 'the kernel did not release the handed-off perf event within 3 s');
    } finally {
      objs.close();
    }
  });
}

test.run();
