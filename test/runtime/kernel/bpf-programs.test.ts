// The loaded programs' functions fentry:bpf resolves against: found by id, named from each program's own BTF.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bpfProgramFunctions } from '../../../runtime/kernel/bpf-programs.ts';
import { parseBtf } from '../../../runtime/kernel/btf/index.ts';
import { btfData, btfGetFdById, loadProgram, progFunctions, progInfo } from '../../../runtime/sys/bpf.ts';
import { ProgType } from '../../../runtime/sys/constants.ts';
import { OwnedFd } from '../../../runtime/sys/fd.ts';
import { requireRoot } from '../../helpers/kernel.ts';
import { loadNamedProgram } from '../../helpers/named-program.ts';
import { returns } from '../sys/insn.ts';

if (requireRoot('kernel/bpf-programs')) {
  test('a program loaded with BTF is listed by its FUNC name, and its id', () => {
    const p = loadNamedProgram('scry_test_named_target', 7);
    try {
      const { id, btfId } = progInfo(p.prog.fd);
      assert.ok(btfId > 0);
      assert.equal(progFunctions(p.prog.fd), [{ insn: 0, typeId: p.funcId }]);
      const btf = new OwnedFd(btfGetFdById(btfId), 'btf');
      try {
        assert.is(parseBtf(btfData(btf.fd)).funcById(p.funcId).name, 'scry_test_named_target');
      } finally {
        btf.close();
      }
      const mine = bpfProgramFunctions().filter((f) => f.progId === id);
      assert.equal(mine, [{ progId: id, name: 'scry_test_named_target', btfId: p.funcId }]);
    } finally {
      p.close();
    }
  });

  test('a program loaded without BTF is left out (nothing can be attached to it by name)', () => {
    const fd = loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: returns(0), license: 'GPL' });
    try {
      const { id, btfId } = progInfo(fd.fd);
      assert.is(btfId, 0);
      assert.equal(progFunctions(fd.fd), []);
      assert.ok(!bpfProgramFunctions().some((f) => f.progId === id));
    } finally {
      fd.close();
    }
  });
}

test.run();
