// ustack with show_debug_info (bpftrace v0.26's default where it has blazesym): a uprobe on leaf(), called
// from inner() inlined in middle() inlined in caller() (test/fixtures/dwarf-inline.c, gcc -g -O0). Each
// frame is checked against addr2line -f -i at the address the frame names (symbol from nm + offset), so
// the expected text comes from binutils, not from scry's reader.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { hasTool, tool } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

const source = fileURLToPath(new URL('../fixtures/dwarf-inline.c', import.meta.url));
const tools = hasTool('gcc') && hasTool('addr2line') && hasTool('nm');
if (!tools) process.stderr.write('SKIP e2e ustack debug info: gcc, addr2line or nm not installed\n');
const ok = requireRoot('e2e ustack debug info') && tools;

const test = suite('e2e/ustack-debug-info');
let dir = '';
let bin = '';
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scry-ustack-dwarf-'));
  bin = join(dir, 'dwarf-inline');
  tool('gcc', ['-g', '-O0', '-fno-omit-frame-pointer', '-o', bin, source]);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The frames bpftrace v0.26 prints for one address, from addr2line: inlined ones first, then `func+off@file:line`. */
function expectedFrames(func: string, off: number): string[] {
  const sym = /^([0-9a-f]+) [Tt] (\S+)$/gm;
  const value = [...tool('nm', [bin]).matchAll(sym)].find((m) => m[2] === func)?.[1];
  assert.ok(value, `nm knows ${func}`);
  const out = tool('addr2line', ['-f', '-i', '-e', bin, `0x${(parseInt(value!, 16) + off).toString(16)}`])
    .trimEnd()
    .split('\n');
  const frames: string[] = [];
  for (let i = 0; i + 1 < out.length; i += 2) {
    const at = out[i + 1]!.replace(/ \(discriminator \d+\)$/, '');
    frames.push(i + 2 < out.length ? `[inlined] ${out[i]}@${at}` : `${func}+${off}@${at}`);
  }
  return frames;
}

if (ok) {
  test('frames of a uprobe in PIE code print file:line, and a return address in inlined code its inlined functions', async () => {
    const r = await runScry([
      '-c',
      bin,
      '-e',
      `uprobe:${bin}:leaf /pid == cpid/ { printf("%s", ustack(3)); printf("%s", ustack(perf, 2)); exit(); }`,
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, 'Attached 1 probe\n'); // no "has no effect" warning, nothing else
    const lines = r.stdout.split('\n');
    const start = lines.findIndex((l) => l.includes('leaf+0@'));
    const stack = lines.slice(start, start + 5).map((l) => l.trim());
    // three addresses, five lines: the limit counts addresses
    assert.match(stack[0]!, /^leaf\+0@.*dwarf-inline\.c:\d+$/);
    assert.match(stack[1]!, /^\[inlined\] inner@.*dwarf-inline\.c:\d+$/);
    assert.match(stack[2]!, /^\[inlined\] middle@.*dwarf-inline\.c:\d+$/);
    assert.match(stack[3]!, /^caller\+\d+@.*dwarf-inline\.c:\d+$/);
    assert.match(stack[4]!, /^main\+\d+@.*dwarf-inline\.c:\d+$/);
    // each address's lines, as addr2line names its place
    for (const at of [0, 3, 4]) {
      const [, func, off] = /^(\w+)\+(\d+)@/.exec(stack[at]!)!;
      const frames = expectedFrames(func!, Number(off));
      assert.equal(stack.slice(at - frames.length + 1, at + 1), frames);
    }
    // perf mode: the address on each line, `(inlined)` for inlined functions, the file for the function
    const perf = lines.slice(start + 6, start + 10); // after the stack's end and the next one's leading newline
    const m = perf.map((l) => /^\t([0-9a-f]+) (.*)$/.exec(l));
    assert.ok(
      m.every((x) => x),
      perf.join('\n'),
    );
    assert.is(m[0]![2], `leaf+0 (${bin})`);
    assert.is(m[1]![2], 'inner (inlined)');
    assert.is(m[2]![2], 'middle (inlined)');
    assert.match(m[3]![2]!, new RegExp(`^caller\\+\\d+ \\(${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
    assert.ok(m[1]![1] === m[2]![1] && m[2]![1] === m[3]![1], 'the inlined lines carry the address of their frame');
  });

  test('config show_debug_info=0: the 0.17 frames, without file:line or inlined functions', async () => {
    const r = await runScry([
      '-c',
      bin,
      '-e',
      `config = { show_debug_info=0 } uprobe:${bin}:leaf /pid == cpid/ { printf("%s", ustack(2)); exit(); }`,
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, 'Attached 1 probe\n');
    assert.match(r.stdout, /\n {8}leaf\+0\n {8}caller\+\d+\n\n/);
    assert.not.match(r.stdout, '@');
  });
}

test.run();
