// A program that asks the kernel where task_struct's comm is, so `comm == "literal"` can read it in place without
// user space reading the whole vmlinux BTF (~15-30 ms of a start): the kernel relocates two instructions itself
// (CO-RE in BPF_PROG_LOAD, Linux 5.17) against a one-member local task_struct, and the program returns what it
// got. It calls bpf_get_current_task_btf (5.11) first, so that it loads only where the in-place read can work.
import { alu64Imm, alu64Reg, BPF_FUNC, call, encode, exit, mov64Imm, R0, R1 } from '../asm/index.ts';
import { CoreReloKind } from '../elf/btf-ext.ts';
import { BtfWriter } from './writer.ts';

const COMM_SIZE = 16;

export interface TaskCommProbe {
  /** the local types: `struct task_struct { char comm[16]; }` and the program's FUNC */
  readonly btf: Uint8Array;
  readonly insns: Uint8Array;
  /** func_info: one record, for the main function (the kernel reads CO-RE records only with them) */
  readonly funcInfo: readonly { readonly insn: number; readonly typeId: number }[];
  /** bpf_core_relo records (insn_off in bytes, type_id, access string offset, kind), 16 bytes each */
  readonly coreRelos: Uint8Array;
  readonly coreReloCount: number;
}

/** The probe, for a raw tracepoint program run once with BPF_PROG_TEST_RUN; its return value goes to taskCommFrom. */
export function taskCommProbe(): TaskCommProbe {
  const w = new BtfWriter();
  const char = w.int('char', 1, true);
  const index = w.int('unsigned int', 4, false);
  const comm = w.array(char, index, COMM_SIZE);
  const task = w.struct('task_struct', COMM_SIZE, [{ name: 'comm', type: comm, bitOffset: 0 }]);
  const proto = w.funcProto(w.int('int', 4, true), [{ name: 'ctx', type: w.ptr(0) }]);
  const func = w.func('scry_task_comm', proto, 'global');
  const access = w.stringOffset('0:0'); // task_struct[0].comm
  // the kernel checks each relocated immediate against the local value (offset 0, size 16) before rewriting it
  const items = [
    call(BPF_FUNC.get_current_task_btf),
    mov64Imm(R0, 0),
    mov64Imm(R1, COMM_SIZE),
    alu64Imm('lsh', R1, 16),
    alu64Reg('or', R0, R1),
    exit(),
  ];
  const relos: [slot: number, kind: number][] = [
    [1, CoreReloKind.FIELD_BYTE_OFFSET],
    [2, CoreReloKind.FIELD_BYTE_SIZE],
  ];
  const coreRelos = new Uint8Array(relos.length * 16);
  const v = new DataView(coreRelos.buffer);
  relos.forEach(([slot, kind], i) => {
    v.setUint32(i * 16, slot * 8, true);
    v.setUint32(i * 16 + 4, task, true);
    v.setUint32(i * 16 + 8, access, true);
    v.setUint32(i * 16 + 12, kind, true);
  });
  return {
    btf: w.encode(),
    insns: encode(items).bytes,
    funcInfo: [{ insn: 0, typeId: func }],
    coreRelos,
    coreReloCount: relos.length,
  };
}

/** comm's offset from the probe's return value, or undefined when the kernel's comm is not a 16-byte array. */
export function taskCommFrom(retval: number): number | undefined {
  return retval >>> 16 === COMM_SIZE ? retval & 0xffff : undefined;
}
