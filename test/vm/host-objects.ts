// Host side of `npm run test:vm`, run before the VM boots: compiles objects with this kernel's BTF
// (scry --emit-elf) for elf-core.vmtest.ts, which loads them in the VM's older kernel. They go to
// /var/tmp/scry-vmtest-objects, which the guest sees (the host's / is its read-only lower layer), with the offsets
// this kernel's BTF gives the fields they read, so the guest can tell relocated offsets from copied ones.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostKernelInfo } from '../../runtime/index.ts';
import { scryBin } from '../helpers/cli.ts';
import { CORE_BITFIELD, CORE_FIELDS, CORE_SCRIPT, OBJECTS_DIR, type HostObjects } from './elf-objects.ts';

{
  mkdirSync(OBJECTS_DIR, { recursive: true });
  const script = join(OBJECTS_DIR, 'core-task.bt');
  writeFileSync(script, CORE_SCRIPT);
  execFileSync(process.execPath, [scryBin, '--emit-elf', join(OBJECTS_DIR, 'core-task.o'), script], {
    stdio: 'inherit',
  });
  const btf = hostKernelInfo().btf();
  if (!btf) throw new Error('this kernel has no BTF: the objects need it');
  const task = btf.lookup('struct task_struct')!;
  const offsets = Object.fromEntries([...CORE_FIELDS, CORE_BITFIELD].map((f) => [f, btf.findMember(task, f)!.offset]));
  const info: HostObjects = {
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
    offsets,
  } as HostObjects;
  writeFileSync(join(OBJECTS_DIR, 'host.json'), JSON.stringify(info));
  process.stdout.write(`test:vm: objects compiled on ${info.kernel} in ${OBJECTS_DIR}\n`);
}
