// The live view's layout in a real terminal (test/helpers/pty.ts) at the sizes of the report: with five
// busy maps, printf output stays in view above the panels (120x40); a 9-bucket lhist that does not fit
// says how many rows it hides and shows the same buckets frame after frame; the selected panel scrolls
// and Esc gives it back to the view (80x24). The layout rules themselves: layout.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../../helpers/cli.ts';
import { requireTracepoint } from '../../helpers/kernel.ts';
import { spawnPty, type Pty } from '../../helpers/pty.ts';

const LAYOUT = suite('live view layout in a terminal');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the terminal shows now: its last `rows` rows (the cursor's row, empty, is trimmed off the text). */
function screen(t: Pty, rows: number): string[] {
  return t
    .text()
    .split('\n')
    .slice(-(rows - 1));
}

/**
 * The screen once a frame has fully arrived: two reads 30 ms apart that agree. A frame reaches the
 * pty in several chunks, and on a loaded machine a read between them sees half of one over the last.
 */
async function settled(t: Pty, rows: number): Promise<string[]> {
  let last = screen(t, rows);
  for (let i = 0; i < 20; i++) {
    await sleep(30);
    const now = screen(t, rows);
    if (now.join('\n') === last.join('\n')) return now;
    last = now;
  }
  return last;
}

/** A panel's rows on the screen: its title and the rows up to the next title or the status line. */
function panel(lines: readonly string[], name: string): string[] | undefined {
  const at = lines.findIndex((l) => l.startsWith(`${name}  `));
  if (at < 0) return undefined;
  const end = lines.findIndex((l, i) => i > at && (/^@\w+  /.test(l) || / probes? · /.test(l)));
  return lines.slice(at, end < 0 ? undefined : end);
}

/** Polls the screen until `ok` holds for it; fails with the screen after `ms`. */
async function until(t: Pty, rows: number, ok: (lines: string[]) => boolean, ms = 10_000): Promise<string[]> {
  const t0 = Date.now();
  for (;;) {
    const lines = await settled(t, rows);
    if (ok(lines)) return lines;
    if (Date.now() - t0 > ms) assert.unreachable(`the screen never showed what was expected:\n${lines.join('\n')}`);
    await sleep(50);
  }
}

// @e has 50 keys within a few events on any machine (keyed by syscall id, a quiet CI runner filled too few to cut)
const fiveMaps =
  'tracepoint:raw_syscalls:sys_enter { @a[comm] = count(); @b[tid] = count(); @c[cpu] = count(); @e[nsecs % 50] = count(); }';

LAYOUT('120x40, five busy maps: the printf lines stay in view above the panels', async () => {
  const t = spawnPty(
    [
      process.execPath,
      scryBin,
      '--refresh',
      '100',
      '-e',
      `${fiveMaps} tracepoint:raw_syscalls:sys_enter { @h = hist(args->id); } interval:ms:100 { printf("tick %d\\n", elapsed / 1000000); }`,
    ],
    {
      cols: 120,
      rows: 40,
    },
  );
  try {
    // every panel drawn, then a few redraws later, ticks still between the top of the screen and the first panel
    await until(t, 40, (l) => ['@a', '@b', '@c', '@e', '@h'].every((n) => panel(l, n)));
    await sleep(600);
    const lines = await until(t, 40, (l) => l.findIndex((x) => x.startsWith('tick ')) >= 0);
    const firstPanel = lines.findIndex((l) => /^@\w+  /.test(l));
    const ticks = lines.slice(0, firstPanel).filter((l) => /^tick \d+$/.test(l));
    assert.ok(ticks.length >= 3, `printf rows above the panels:\n${lines.join('\n')}`);
    // and the panels that are cut say so
    for (const n of ['@b', '@e']) assert.match(panel(lines, n)!.join('\n'), /… \d+ more rows?/, n);
  } finally {
    t.type('q');
    await t.exited;
  }
});

LAYOUT(
  '80x24: a cut 9-bucket lhist says how many rows it hides and keeps its buckets between frames; the selected panel scrolls',
  async () => {
    // 9 buckets filled alike (a random number modulo 9): near-equal counts, whose busiest few move with every
    // tick; @a, the first panel, has 40 keys. (nsecs % 9 was not alike under load: a 2 ms timer's late, bunched
    // runs skewed the buckets enough that the window rightly moved, and the test failed in CI.)
    const program = `interval:ms:2 { @a[nsecs % 40] = count(); @l = lhist(rand % 9, 0, 9, 1); }
    tracepoint:raw_syscalls:sys_enter { @b[tid] = count(); @c[cpu] = count(); @e[args->id] = count(); } interval:ms:200 { printf("tick\\n"); }`;
    const t = spawnPty([process.execPath, scryBin, '--refresh', '100', '-e', program], { cols: 80, rows: 24 });
    try {
      const lines = await until(t, 24, (l) => (panel(l, '@l')?.join('\n') ?? '').includes('more row'));
      const shownOf = (rows: string[]) => rows.filter((r) => /^\[\d+\]/.test(r)).map((r) => r.slice(0, 3)); // step 1: [a]
      const rows = panel(lines, '@l')!;
      const shown = shownOf(rows);
      assert.ok(shown.length >= 1 && shown.length < 9, rows.join('\n'));
      assert.match(rows.join('\n'), new RegExp(`… ${9 - shown.length} more rows?`));
      // a second of redraws (10 per second): the window starts at the same bucket every time (the rows the
      // panel gets may change as the other maps gain keys), and says what it leaves out
      const starts = new Set<string>();
      for (let i = 0; i < 12; i++) {
        await sleep(100);
        const p = panel(await settled(t, 24), '@l');
        if (!p || !p.some((r) => r.includes('more row'))) continue;
        const s = shownOf(p);
        starts.add(s[0]!);
        assert.match(p.join('\n'), new RegExp(`… ${9 - s.length} more rows?`));
      }
      assert.equal([...starts], [shown[0]], 'the lhist window moved between frames');

      // the selected (first) panel scrolls down a row, and Esc gives it back
      const first = panel(lines, '@a')!;
      assert.match(first.join('\n'), /more row/);
      t.type('j');
      const scrolled = await until(t, 24, (l) => /scrolled/.test(panel(l, '@a')?.[0] ?? ''));
      assert.match(panel(scrolled, '@a')!.join('\n'), /… \d+ more rows? \(1 above, \d+ below\)/);
      t.type('\x1b');
      await until(t, 24, (l) => !/scrolled/.test(panel(l, '@a')?.[0] ?? 'scrolled'));
    } finally {
      t.type('q');
      await t.exited;
    }
  },
);

if (requireTracepoint('live view layout', 'raw_syscalls/sys_enter')) LAYOUT.run();
