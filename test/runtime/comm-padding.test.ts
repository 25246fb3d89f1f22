// Whether bpf_get_current_comm clears the bytes after the name (runtime/features.ts padsCurrentComm): where it
// does, a comm key is written whole by the helper and its zeroing goes (CompileOptions.paddedComm). The answer is
// checked against a second look made differently (another fill, another size, past the name), and a run keyed by
// comm, compiled as the CLI compiles for this kernel, of a task renamed from a long name to a short one (a kernel
// that renames with strlcpy leaves the old name's tail in task->comm) has one key per name: bytes after the name
// that the program left unwritten would make "ab" several keys.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call, encode, exit, jmpImm, label, ldx, mov64Imm, R0, R1, R10, R2, st } from '../../compiler/asm/index.ts';
import { alu64Imm, alu64Reg, mov64Reg } from '../../compiler/asm/index.ts';
import { disasmListing } from '../../compiler/index.ts';
import { hostKernelInfo, padsCurrentComm, Session, type TraceEvent } from '../../runtime/index.ts';
import { OwnedFd, progLoad, ProgType, progTestRun } from '../../runtime/sys/index.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

const suite = 'runtime comm padding';

/** 1 if get_current_comm into 40 bytes filled with 0xaa.. from byte 16 on leaves bytes 16..39 zero. */
function secondLook(): boolean {
  const insns = encode([
    st(8, R10, -24, 0x2a2a2a2a),
    st(8, R10, -16, 0x2a2a2a2a),
    st(8, R10, -8, 0x2a2a2a2a),
    mov64Reg(R1, R10),
    alu64Imm('add', R1, -40),
    mov64Imm(R2, 40),
    call(16),
    mov64Imm(R0, 0),
    ldx(8, R1, R10, -24),
    ldx(8, R2, R10, -16),
    alu64Reg('or', R1, R2),
    ldx(8, R2, R10, -8),
    alu64Reg('or', R1, R2),
    jmpImm('jne', R1, 0, 'out'),
    mov64Imm(R0, 1),
    label('out'),
    exit(),
  ]).bytes;
  const prog = new OwnedFd(progLoad({ type: ProgType.RAW_TRACEPOINT, insns, license: 'GPL' }), 'test');
  try {
    return progTestRun(prog.fd).retval === 1;
  } finally {
    prog.close();
  }
}

if (requireRoot(suite)) {
  test('the feature probe agrees with a second look at the helper', () => {
    assert.is(padsCurrentComm(), secondLook());
  });

  test('a comm key: zeroed first only where the kernel does not pad, and one key per name either way', async () => {
    const child = `process.title = "scrylongname12"; process.ppid; process.title = "ab";
      for (let i = 0; i < 50; i++) process.ppid;`;
    // the child's pid is known only once it runs: filter on its comm's first letters instead
    const text = `tracepoint:syscalls:sys_enter_getppid /strcontains(comm, "scrylong") || comm == "ab"/ {
      @[comm] = count(); }`;
    const padded = padsCurrentComm();
    const prog = compileText(text, hostKernelInfo(), { paddedComm: padsCurrentComm, optimize: true, settings: {} });
    const listing = prog.programs.map((p) => disasmListing(p.bytecode)).join('');
    // the two stores that zero the 16 bytes, then the helper writing them
    const zeroing = /\(r10 - (\d+)\) = 0\n.*\(r10 - \d+\) = 0\n.*r1 = r10\n.*r1 \+= -\1\n.*r2 = 16\n.*call 16 /;
    if (padded) assert.not.match(listing, zeroing);
    else assert.match(listing, zeroing);
    const events: TraceEvent[] = [];
    const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
    const r = spawnSync(process.execPath, ['-e', child]);
    assert.is(r.status, 0, String(r.stderr));
    await s.stop();
    const map = events.find((e) => e.kind === 'map');
    assert.ok(map?.kind === 'map');
    const keys = map.snapshot.entries.map((e) => String(e.keys[0]));
    assert.is(keys.filter((k) => k === 'ab').length, 1, keys.join(', '));
    assert.ok(
      map.snapshot.entries.some((e) => e.keys[0] === 'ab' && e.value === 50n),
      String(keys),
    );
  });
}

test.run();
