// `@m[k] = v` into a hash writes an existing key's value in place (a lookup and one store; map_update_elem,
// which replaces the whole element under the bucket's lock, only for a new key), where one store writes the
// value whole (an integer or a bool, not a string or a tuple) and no probe deletes from the map.
// `@m[k] = @m[k] + v` (or `- v`), the same key read and written, is one lookup and an atomic add (the shape of
// count() with an operand). Both print what bpftrace 0.17 prints for the same script (compared side by side;
// its bool prints 0 where v0.26 prints false).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../../compiler/asm/index.ts';
import { runScry } from '../../helpers/cli.ts';
import { requireRoot } from '../../helpers/kernel.ts';
import { compileText } from '../../helpers/pipeline.ts';

/** The optimized instructions of the tracepoint's program, as text. */
function listing(body: string, before = ''): string[] {
  const text = `${before} tracepoint:syscalls:sys_enter_mkdir { ${body} }`;
  const p = compileText(text, undefined, { optimize: true, settings: {} });
  return disasm(p.programs.find((x) => x.attach.provider === 'tracepoint')!.bytecode);
}
const helperCalls = (code: readonly string[]) => code.filter((l) => l === 'call 1' || l === 'call 2');

test('an integer store looks the key up, stores through the pointer, and updates only a missing key', () => {
  const code = listing('@last[tid] = nsecs;');
  assert.equal(helperCalls(code), ['call 1', 'call 2'], code.join('\n'));
  const lookup = code.findIndex((l) => l === 'call 1');
  assert.match(code[lookup + 1]!, /^if r0 == 0 goto \+\d+$/, code.join('\n'));
  assert.ok(
    code.slice(lookup + 2, lookup + 5).some((l) => /^\*\(u64 \*\)\(r0 \+ 0\) = r\d$/.test(l)),
    code.join('\n'),
  );
});

test('a string or tuple value is not written in place (one store could not write it whole)', () => {
  for (const body of ['@c[tid] = comm;', '@t[tid] = (pid, nsecs);']) {
    const code = listing(body);
    assert.equal(helperCalls(code), ['call 2'], `${body}\n${code.join('\n')}`);
  }
});

test('not into a map a probe deletes from: there the store usually follows the delete of its key', () => {
  const code = listing('@s[tid] = nsecs; if (pid == 1) { delete(@s[tid]); }');
  assert.equal(helperCalls(code), ['call 2'], code.join('\n'));
});

test('not into an LRU hash: a full one gives an element to another key at once', () => {
  for (const body of ['@l[tid] = nsecs;', '@l[tid] = @l[tid] + 1;']) {
    const code = listing(body, 'let @l = lruhash(100);');
    assert.not.ok(
      code.some((l) => /^\*\(u64 \*\)\(r0 \+ 0\) = r\d$|\(r0 \+ 0\), r\d\)$|lock \*\(u64 \*\)\(r0 /.test(l)),
      code.join('\n'),
    );
  }
});

test('a read and a store of the same key is one lookup and an atomic add', () => {
  for (const body of ['@s[tid] = @s[tid] + 1;', '@s[pid, comm] = 3 + @s[pid, comm];', '@s[1] = @s[1] - pid;']) {
    const code = listing(body);
    assert.ok(
      code.some((l) => /atomic_fetch_add\(\(u64 \*\)\(r0 |lock \*\(u64 \*\)\(r0 /.test(l)),
      `${body}\n${code.join('\n')}`,
    );
    // one lookup (the read's and the store's), and the update only for a missing key
    assert.equal(helperCalls(code), ['call 1', 'call 2'], `${body}\n${code.join('\n')}`);
  }
});

test('not when the key could differ between the read and the store, nor for a pointer or another operator', () => {
  for (const body of [
    '@u[nsecs] = @u[nsecs] + 1;',
    '@u[tid] = @u[pid] + 1;',
    '@u[tid] = @u[tid] * 2;',
    '@p[1] = curtask; @p[1] = @p[1] + 1;',
  ]) {
    const code = listing(body);
    assert.not.ok(
      code.some((l) => /atomic_fetch_add\(\(u64 \*\)\(r0 |lock \*\(u64 \*\)\(r0 /.test(l)),
      `${body}\n${code.join('\n')}`,
    );
  }
});

if (requireRoot('map stores in the kernel'))
  test('in the kernel: stores over existing keys, bools, and read-modify-writes print as bpftrace', async () => {
    const script = `BEGIN {
      @a[1] = 5; @a[1] = 7; @a[2] = 1;
      @b[1] = (1 == 1); @b[1] = (1 == 0);
      @s[1] = 1; @s[1] = @s[1] + 2; @s[2] = @s[2] + 4; @s[1] = 10 + @s[1]; @s[2] = @s[2] - 1;
      @u[nsecs & 0] = @u[nsecs & 0] + 1;
      $k = 3; @v[$k, "x"] = @v[$k, "x"] + $k; @v[$k, "x"] = @v[$k, "x"] + $k * 2;
      @w[1] = -1; @w[1] = @w[1] - 5;
      exit();
    }`;
    const r = await runScry(['-q', '--no-warnings', '-e', script]);
    assert.is(r.code, 0, r.stderr);
    assert.is(
      r.stdout,
      '\n\n@a[2]: 1\n@a[1]: 7\n@b[1]: false\n@s[2]: 3\n@s[1]: 13\n@u[0]: 1\n@v[3, x]: 9\n@w[1]: -6\n',
    );
  });

test.run();
