// What test/vm/host-objects.ts (on the host) hands elf-core.vmtest.ts (in the VM): where the objects are, the
// script they were compiled from and the fields it reads. No imports: the guest loads this under TCG.

export const OBJECTS_DIR = '/var/tmp/scry-vmtest-objects';
/** BEGIN runs where BPF_PROG_TEST_RUN runs it: in the process that asks (bpftool), whose comm it reads */
export const CORE_SCRIPT = 'BEGIN { @comm = curtask->comm; @pid = curtask->pid; @tgid = curtask->tgid; }\n';
export const CORE_FIELDS = ['comm', 'pid', 'tgid'] as const;

export interface HostObjects {
  readonly kernel: string;
  /** byte offsets of task_struct's fields in the kernel that compiled the object */
  readonly offsets: Record<(typeof CORE_FIELDS)[number], number>;
}
