// A keyless count(), sum(), avg() or stats() lives in a one-element per-CPU array, a keyless hist()/lhist() in
// a per-CPU array of an element per bucket (compiler/layout.ts perCpuArrayEntries), whose lookup the verifier
// inlines, instead of a per-CPU hash (a helper call, and an insert path when missing). Elements always exist,
// so a "set" word beside each value keeps bpftrace v0.26's behaviour: a map never assigned prints nothing;
// sum(0) prints 0; zero(@) keeps printing it at 0 (a histogram: empty); clear(@) hides it again. A probe
// reading a count, sum or avg sees all CPUs' share. min/max stay per-CPU hashes.
//
// Copies of `true` with names of their own make the events: the worker runs 3 times on one CPU and 2 times on
// another, then the reader, on the second CPU, reads the maps in a probe. One CPU's share would be 3 or 2, not 5.
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BPF_FUNC } from '../../compiler/asm/index.ts';
import { compileScript, ScriptRun } from '../../repl/script-run.ts';
import { NOTIFY, startScry } from '../helpers/cli.ts';
import { commandsOnCpus, twoCpus } from '../helpers/cpus.ts';
import { requireTracepoint } from '../helpers/kernel.ts';
import { heldMaps } from '../helpers/kernel-objects.ts';

const suite = 'e2e keyless count/sum in per-CPU arrays';

const PERCPU_HASH = 5;
const PERCPU_ARRAY = 6;

const cpus = requireTracepoint(suite, 'syscalls/sys_enter_exit_group') ? twoCpus(suite) : undefined;

if (cpus) {
  const [a, b] = cpus;
  const tag = String(process.pid).slice(-6);
  const worker = `pw${tag}`;
  const reader = `pr${tag}`;

  test('maps, printed text and JSON, reads in a probe: sums over CPUs; unassigned maps print nothing', async () => {
    const cmds = commandsOnCpus([worker, reader]);
    const prog = `
      BEGIN {
        @zero = sum(0); @z = sum(7); zero(@z); @cl = count(); clear(@cl); @d = count(); delete(@d);
        @hz = hist(2); zero(@hz); @lc = lhist(3, 0, 10, 1); clear(@lc); @sz = stats(3); zero(@sz);
      }
      tracepoint:syscalls:sys_enter_exit_group /comm == "${worker}"/ {
        @c = count(); @s = sum(cpu + 1); @k[cpu] = count(); @h = hist(5); @l = lhist(cpu, 0, 4, 1);
        @av = avg(cpu * 100 + 1); @st = stats(cpu + 10); @mx = max(cpu);
        if (comm == "none") { @never = count(); @nsum = sum(1); @hn = hist(1); @an = avg(1); }
      }
      tracepoint:syscalls:sys_enter_exit_group /comm == "${reader}"/ {
        $v = @c;
        printf("read %d %d %d %d %d %d\\n", $v, @s, @never, @zero, @av, @an);
        exit();
      }`;
    try {
      // the same events reach both runs: one prints text, the other JSON
      const text = startScry(['-e', prog], { [NOTIFY]: '1' });
      const json = startScry(['-f', 'json', '-e', prog], { [NOTIFY]: '1' });
      await Promise.all([text.waitForStdout(NOTIFY), json.waitForStdout(NOTIFY)]);
      // the kernel's maps: @c @s @zero @z @cl @never @nsum in per-CPU arrays of one [value, set] element, @av
      // @an @st @sz of one [count, total, set], the histograms of a [count, set] element per bucket (hist: 65,
      // lhist(…, 0, 4, 1) and lhist(…, 0, 10, 1): 6 and 12); @k (keyed), @d (deleted in a probe: an array
      // element cannot go) and @mx (max) stay per-CPU hashes
      const maps = heldMaps(text.child.pid!);
      const arrays = maps.filter((m) => m.type === PERCPU_ARRAY);
      assert.equal(
        arrays.map((m) => [m.maxEntries, m.valueSize]).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!),
        [...Array(7).fill([1, 16]), ...Array(4).fill([1, 24]), [6, 16], [12, 16], [65, 16], [65, 16], [65, 16]],
        JSON.stringify(maps),
      );
      assert.is(maps.filter((m) => m.type === PERCPU_HASH).length, 3, JSON.stringify(maps));

      for (const cpu of [a, a, a, b, b]) cmds.run(worker, cpu);
      cmds.run(reader, b);
      const [t, j] = await Promise.all([text.finished, json.finished]);
      assert.is(t.code, 0, t.stderr);
      assert.is(j.code, 0, j.stderr);
      const sum = 3 * (a + 1) + 2 * (b + 1);
      const avg = Math.trunc((3 * (a * 100 + 1) + 2 * (b * 100 + 1)) / 5);
      const stats = `{ .count = 5, .average = ${Math.trunc((3 * (a + 10) + 2 * (b + 10)) / 5)}, .total = ${3 * (a + 10) + 2 * (b + 10)} }`;
      assert.ok(t.stdout.includes(`read 5 ${sum} 0 0 ${avg} 0\n`), t.stdout);
      assert.ok(t.stdout.includes(`\n@st: ${stats}\n`), t.stdout);
      assert.ok(t.stdout.includes(`\n@sz: { .count = 0, .average = 0, .total = 0 }\n`), t.stdout);
      const printed = Object.fromEntries(
        t.stdout.split('\n').flatMap((l) => {
          const m = /^(@\w+)(\[\d+\])?: (\d+)$/.exec(l);
          return m ? [[m[1]! + (m[2] ?? ''), Number(m[3])]] : [];
        }),
      );
      assert.equal(printed, {
        '@av': avg,
        '@c': 5,
        [`@k[${a}]`]: 3,
        [`@k[${b}]`]: 2,
        '@mx': Math.max(a, b),
        '@s': sum,
        '@z': 0,
        '@zero': 0,
      });
      // histograms: the bucket over both CPUs; the zeroed one printed empty; the cleared and unset ones not at all
      const histNames = t.stdout.split('\n').filter((l) => /^@(h|l)\w*:$/.test(l));
      assert.equal(histNames, ['@h:', '@hz:', '@l:'], t.stdout);
      assert.match(t.stdout, /^\[4, 8\) +5 \|@+\|$/m);
      // an lhist bucket of one value (step 1) is labelled [n], as bpftrace v0.26 labels it
      assert.match(t.stdout, new RegExp(`^\\[${a}\\] +3 \\|`, 'm'));
      assert.match(t.stdout, new RegExp(`^\\[${b}\\] +2 \\|`, 'm'));
      // JSON: the same maps and values, and nothing for the unassigned ones
      const fromJson: Record<string, unknown> = {};
      const hists: Record<string, { min?: number; max?: number; count: number }[]> = {};
      for (const line of j.stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const rec = JSON.parse(line) as { type: string; data: Record<string, never> };
        if (rec.type === 'map' || rec.type === 'stats') Object.assign(fromJson, rec.data);
        if (rec.type === 'hist') Object.assign(hists, rec.data);
      }
      assert.equal(Object.keys(hists).sort(), ['@h', '@hz', '@l']);
      assert.equal(hists['@hz'], []);
      assert.equal(
        hists['@h']!.filter((x) => x.count > 0),
        [{ min: 4, max: 7, count: 5 }],
      );
      assert.equal(
        hists['@l']!.filter((x) => x.count > 0).map((x) => [x.min, x.count]),
        [
          [a, 3],
          [b, 2],
        ].sort((x, y) => x[0]! - y[0]!),
      );
      assert.equal(fromJson, {
        '@av': avg,
        '@c': 5,
        '@mx': Math.max(a, b),
        '@st': { count: 5, average: Math.trunc((3 * (a + 10) + 2 * (b + 10)) / 5), total: 3 * (a + 10) + 2 * (b + 10) },
        '@sz': { count: 0, average: 0, total: 0 },
        '@k': { [a]: 3, [b]: 2 },
        '@s': sum,
        '@z': 0,
        '@zero': 0,
      });
    } finally {
      rmSync(cmds.dir, { recursive: true, force: true });
    }
  });

  test('count/sum/hist/avg are in-place adds (no map update); clear/zero/delete from user space keep the rules', async () => {
    const r = compileScript(
      `tracepoint:syscalls:sys_enter_exit_group /comm == "${worker}"/ { @c = count(); @s = sum(3); @h = hist(5); @a = avg(4); }
       tracepoint:syscalls:sys_enter_exit_group /comm == "none"/ { @never = count(); }`,
      { name: 'percpu-array.bt' },
    );
    assert.ok(r.program, r.diagnostics.map((d) => d.message).join('\n'));
    const program = r.program!;
    for (const name of ['@c', '@s', '@h', '@a', '@never'])
      assert.is(program.maps.find((m) => m.user?.name === name)?.kind, 'percpu_array', name);
    // no bpf_map_update_elem call in the probes: the element always exists
    for (const p of program.programs) {
      const view = new DataView(p.bytecode.buffer, p.bytecode.byteOffset, p.bytecode.byteLength);
      for (let i = 0; i < p.bytecode.length; i += 8)
        assert.ok(
          !(view.getUint8(i) === 0x85 && view.getInt32(i + 4, true) === BPF_FUNC.map_update_elem),
          `${p.name}: map_update_elem at slot ${i / 8}`,
        );
    }
    const cmds = commandsOnCpus([worker]);
    const run = ScriptRun.start(program, { sink: { event: () => {}, end: () => {} } });
    try {
      const values = (name: string) => run.snapshot(name)?.entries.map((e) => e.value);
      assert.equal(values('@c'), []); // never assigned: nothing to print
      cmds.run(worker, a);
      cmds.run(worker, b);
      assert.equal(values('@c'), [2n]);
      assert.equal(values('@s'), [6n]);
      assert.equal(values('@never'), []);
      assert.equal(values('@h'), [2n]); // a histogram's value: its count
      assert.ok(run.zeroMap('@h'));
      assert.equal(values('@h'), [0n]); // zeroed: printed empty
      assert.ok(run.clearMap('@h'));
      assert.equal(values('@h'), []);
      assert.equal(run.snapshot('@a')?.entries[0]?.stats, { count: 2n, total: 8n });
      assert.ok(run.zeroMap('@a'));
      assert.equal(run.snapshot('@a')?.entries[0]?.stats, { count: 0n, total: 0n }); // zeroed, still assigned
      assert.ok(run.clearMap('@a'));
      assert.equal(values('@a'), []);
      assert.ok(run.zeroMap('@c'));
      assert.equal(values('@c'), [0n]); // zeroed, still assigned
      cmds.run(worker, b);
      assert.equal(values('@c'), [1n]);
      assert.ok(run.clearMap('@s'));
      assert.equal(values('@s'), []); // cleared: unassigned again
      assert.is(run.deleteEntry('@c', []), 1);
      assert.equal(values('@c'), []);
      assert.is(run.deleteEntry('@c', []), 0); // nothing left to delete
      assert.ok(run.zeroMap('@c'));
      assert.equal(values('@c'), []); // zero() of an unassigned map leaves it unassigned
    } finally {
      await run.stop();
      rmSync(cmds.dir, { recursive: true, force: true });
    }
  });
}

test.run();
