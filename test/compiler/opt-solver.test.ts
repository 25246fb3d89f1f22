// The forward dataflow solver's cost: a join reached from hundreds of branches (strcontains' unrolled search jumps
// to one label from every byte compared) must be met a bounded number of times, not once per predecessor's
// visit. That was quadratic: one `uprobe:…* { if (strcontains(probe, "…")) … }` probe took 3.5 s to compile and
// bpftrace's probe.probe_builtin_string_compare test timed out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { R0, R1, R2, exit, jmpImm, label, ldx, mov64Imm, R10, type AsmItem } from '../../compiler/asm/index.ts';
import { buildCfg, forward } from '../../compiler/opt/cfg.ts';
import { optimize } from '../../compiler/opt/index.ts';

function manyBranchesToOneLabel(n: number): AsmItem[] {
  const items: AsmItem[] = [mov64Imm(R0, 0)];
  for (let i = 0; i < n; i++) items.push(ldx(1, R1, R10, -1 - (i % 64)), jmpImm('jeq', R1, i & 0xff, 'found'));
  items.push(exit(), label('found'), mov64Imm(R0, 1), exit());
  return items;
}

test('a join with 600 predecessors: each item is visited and met a bounded number of times', () => {
  const cfg = buildCfg(manyBranchesToOneLabel(600));
  let transfers = 0;
  let meets = 0;
  const facts = forward<number>(
    cfg,
    { entry: () => 0, meet: (a, b) => (meets++, Math.max(a, b)), equal: (a, b) => a === b },
    (i, s) => (transfers++, s + (i % 3)),
  );
  const n = cfg.items.length;
  assert.ok(transfers <= 2 * n, `${transfers} transfers for ${n} items`);
  assert.ok(meets <= 2 * n, `${meets} meets for ${n} items (quadratic would be ~${600 * 600})`);
  assert.ok(
    facts.every((f) => f !== undefined),
    'every item is reached',
  );
});

test('the facts are the meet over every predecessor (a loop: the header sees the back edge)', () => {
  // 0: r0 = 0; L: r0 += …; if r0 != 5 goto L; exit — a counter that the back edge changes
  const cfg = buildCfg([mov64Imm(R0, 0), label('L'), mov64Imm(R2, 1), jmpImm('jne', R0, 5, 'L'), exit()]);
  const facts = forward<number>(
    cfg,
    { entry: () => 0, meet: (a, b) => Math.min(a, b), equal: (a, b) => a === b },
    (i, s) => (i === 2 ? Math.max(s - 1, -3) : s),
  );
  // the label meets 0 from the entry and the decremented values from the back edge, down to the floor
  assert.is(facts[1], -3);
  assert.is(facts[4], -3);
});

test('the optimizer keeps the search intact and settles', () => {
  const out = optimize(manyBranchesToOneLabel(600));
  assert.ok(out.some((x) => 'label' in x && x.label === 'found'));
  assert.is(out.filter((x) => 'jumpTo' in x && x.jumpTo === 'found').length, 600);
});

test.run();
