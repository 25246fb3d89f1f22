// A BPF program another program can be attached to (fentry:bpf): loaded with its own BTF, whose FUNC names its
// one function, as a libbpf-loaded program's does. It returns `retval`; BPF_PROG_TEST_RUN runs it.
import { functionsBtf } from '../../compiler/btf/functions.ts';
import { btfLoad, funcInfoRecords, loadProgram } from '../../runtime/sys/bpf.ts';
import { ProgType } from '../../runtime/sys/constants.ts';
import { OwnedFd } from '../../runtime/sys/fd.ts';
import { returns } from '../runtime/sys/insn.ts';

export interface NamedProgram {
  readonly prog: OwnedFd;
  readonly btf: OwnedFd;
  /** the FUNC's id in the program's BTF */
  readonly funcId: number;
  close(): void;
}

/** `int NAME(void *ctx) { return retval; }` as a raw tracepoint program, with BTF and func_info. */
export function loadNamedProgram(name: string, retval: number): NamedProgram {
  const types = functionsBtf(name, []);
  const btf = new OwnedFd(btfLoad(types.data), `btf ${name}`);
  try {
    const prog = loadProgram({
      type: ProgType.RAW_TRACEPOINT,
      insns: returns(retval),
      license: 'GPL',
      name: name.slice(0, 15),
      progBtfFd: btf.fd,
      funcInfo: funcInfoRecords([{ insn: 0, typeId: types.main }]),
    });
    return {
      prog,
      btf,
      funcId: types.main,
      close: () => {
        prog.close();
        btf.close();
      },
    };
  } catch (e) {
    btf.close();
    throw e;
  }
}
