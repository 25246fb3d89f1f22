// What test/vm/host-objects.ts (on the host) hands elf-core.vmtest.ts (in the VM): where the objects are, the
// script they were compiled from and the fields it reads. No imports: the guest loads this under TCG.

export const OBJECTS_DIR = '/var/tmp/scry-vmtest-objects';
/** BEGIN runs where BPF_PROG_TEST_RUN runs it: in the process that asks (bpftool), whose comm it reads */
export const CORE_SCRIPT =
  'BEGIN { @comm = curtask->comm; @pid = curtask->pid; @tgid = curtask->tgid; @exec = curtask->in_execve; }\n';
export const CORE_FIELDS = ['comm', 'pid', 'tgid'] as const;
/** a 1-bit bitfield of task_struct's unsigned int words: relocated as libbpf reads one (4-byte load, shifts) */
export const CORE_BITFIELD = 'in_execve';
/** the 4-byte word a bitfield's load reads, from the offset of the byte holding its first bit */
export const bitfieldWord = (byteOffset: number) => Math.floor(byteOffset / 4) * 4;

export interface HostObjects {
  readonly kernel: string;
  /** byte offsets of task_struct's fields in the kernel that compiled the object */
  readonly offsets: Record<(typeof CORE_FIELDS)[number] | typeof CORE_BITFIELD, number>;
}
