// The running task, its CPU and the machine: pid, comm, cgroup, cpu, …
import { BPF_FUNC as helper, R0, R1, R2, alu64Imm, call, ldMapValue, ldx, mov32Reg, mov64Imm, type Insn } from '../../asm/index.ts';
import { GLOBALS_CPID, GLOBALS_MAP, GLOBALS_NCPUS } from '../../program.ts';
import { addrOf, type Gen } from '../context.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

/** A variable computed by a fixed instruction sequence. */
function insns(...code: Insn[]): BuiltinEmit {
  return { variable: { int: (g) => g.e.emit(...code) } };
}

/** A value scry's user space wrote into the globals map before the probes started. */
function global(offset: number): BuiltinEmit {
  return {
    variable: {
      int: (g: Gen) => {
        g.shared.usesGlobals = true;
        g.e.emit(ldMapValue(R1, GLOBALS_MAP, 0), ldx(8, R0, R1, offset));
      },
    },
  };
}

export const processBuiltins: EmitRows = {
  pid: insns(call(helper.get_current_pid_tgid), alu64Imm('rsh', R0, 32)),
  tid: insns(call(helper.get_current_pid_tgid), mov32Reg(R0, R0)),
  uid: insns(call(helper.get_current_uid_gid), mov32Reg(R0, R0)),
  gid: insns(call(helper.get_current_uid_gid), alu64Imm('rsh', R0, 32)),
  // the uid travels; user space looks its name up
  username: insns(call(helper.get_current_uid_gid), mov32Reg(R0, R0)),
  comm: {
    variable: {
      into: (g, _x, off, size) => g.e.emit(...addrOf(R1, off), mov64Imm(R2, Math.min(16, size)), call(helper.get_current_comm)),
    },
  },
  curtask: insns(call(helper.get_current_task)),
  cgroup: insns(call(helper.get_current_cgroup_id)),
  cpid: global(GLOBALS_CPID),
  cpu: insns(call(helper.get_smp_processor_id)),
  numaid: insns(call(helper.get_numa_node_id)),
  ncpus: global(GLOBALS_NCPUS),
  rand: insns(call(helper.get_prandom_u32)),
};
