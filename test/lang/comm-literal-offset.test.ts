// Where `comm == "literal"` gets task_struct's comm offset (lang/check/comm-literal.ts): from the kernel's own
// relocation (KernelInfo.taskCommOffset) first, even when the program has read the BTF (its answer needs the index
// of ~55k function names, for the helper's check); from the BTF only where the relocation has no answer and the BTF
// is read already; else nowhere (the copy). Fake kernels: which one answered is what the recorded offset says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, renderDiagnostics, sourceFile, type BtfTypes, type KernelInfo } from '../../lang/index.ts';
import { parse } from '../../lang/parse.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const BTF_OFFSET = 40;
const RELOCATED = 1752;

/** A BTF that knows the helper, task_struct and its 16-byte comm at BTF_OFFSET; `asked` records each method called. */
function fakeBtf(asked: string[]): BtfTypes {
  const answers: Record<string, (...a: unknown[]) => unknown> = {
    find: (name, kinds) =>
      name === 'bpf_get_current_task_btf' && kinds === 'func'
        ? 100
        : name === 'task_struct' && kinds === 'struct'
          ? 101
          : undefined,
    findMember: (id, name) =>
      id === 101 && name === 'comm'
        ? { offset: BTF_OFFSET, bitOffset: BTF_OFFSET * 8, member: { name: 'comm', type: 102, bitOffset: 0 }, path: [] }
        : undefined,
    sizeOf: (id) => (id === 102 ? 16 : undefined),
  };
  return new Proxy({} as BtfTypes, {
    get: (_t, k) => {
      const name = String(k);
      if (name === 'then') return undefined;
      return (...a: unknown[]) => (asked.push(name), answers[name]?.(...a));
    },
  });
}

/** The offsets the checker recorded for `BEGIN { if (comm == "x") { } }`, and the BTF methods it called. */
function offsets(kernel: Partial<KernelInfo>): { offsets: number[]; asked: string[] } {
  const asked: string[] = [];
  const parsed = parse(sourceFile('t.bt', 'BEGIN { if (comm == "x") { @ = 1; } }'));
  const out = check(parsed.program!, { ...fixedKernel, btf: () => fakeBtf(asked), ...kernel }, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return { offsets: [...out.program!.commLiterals.values()], asked };
}

test('the relocated offset first, whether or not the BTF is read, and then the BTF is not asked', () => {
  for (const btfRead of [true, false]) {
    const r = offsets({ taskCommOffset: () => RELOCATED, btfRead: () => btfRead });
    assert.equal(r.offsets, [RELOCATED]);
    assert.equal(r.asked, []);
  }
});

test('no relocation: the BTF when it is read (or no reader says), else the copy', () => {
  assert.equal(offsets({ taskCommOffset: () => undefined, btfRead: () => true }).offsets, [BTF_OFFSET]);
  assert.equal(offsets({ btfRead: () => true }).offsets, [BTF_OFFSET]);
  assert.equal(offsets({}).offsets, [BTF_OFFSET]);
  const unread = offsets({ taskCommOffset: () => undefined, btfRead: () => false });
  assert.equal(unread.offsets, []);
  assert.equal(unread.asked, []);
});

test.run();
