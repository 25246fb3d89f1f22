// strcontains, strstr, strlen and strncmp run as loops over the strings' slots (compiler/codegen/builtins/
// strings.ts): their answers against a reference computed here, for strings held in maps (nothing the compiler
// could work out), in BEGIN (not optimized) and in an interval probe (optimized), and at max_strlen 1024, where
// the unrolled search was past what the verifier takes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileSource } from '../../compiler/pipeline.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const CASES: [string, string][] = [
  ['hello world', 'lo w'],
  ['hello world', 'xyz'],
  ['abc', ''],
  ['', ''],
  ['', 'a'],
  ['aaab', 'ab'],
  ['abab', 'bab'],
  ['abc', 'abcd'],
  ['abc', 'abc'],
  ['abc', 'c'],
  ['mississippi', 'issip'],
  ['mississippi', 'ssippi'],
  ['a\xffb', '\xffb'],
  ['x\x80', '\x7f'],
];

/** the literal as scry source text: bytes above 0x7e as \xNN */
function literal(s: string): string {
  return `"${[...s].map((c) => (c.charCodeAt(0) > 0x7e ? `\\x${c.charCodeAt(0).toString(16)}` : c)).join('')}"`;
}

function strncmp(a: string, b: string, n: number): number {
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i) || 0;
    if (x !== (b.charCodeAt(i) || 0)) return 1;
    if (x === 0) return 0;
  }
  return 0;
}

function expected(): string {
  return CASES.map(
    ([h, n]) =>
      `${h.indexOf(n)} ${h.includes(n) ? 1 : 0} ${h.length} ${n.length} ${[1, 2, 4].map((k) => strncmp(h, n, k)).join(' ')}`,
  ).join('\n');
}

function program(probe: string): string {
  const fill = CASES.map(([h, n], i) => `@h${i} = ${literal(h)}; @n${i} = ${literal(n)};`).join(' ');
  const show = CASES.map(
    (_, i) =>
      `printf("%d %d %d %d %d %d %d\\n", strstr(@h${i}, @n${i}), strcontains(@h${i}, @n${i}), strlen(@h${i}), ` +
      `strlen(@n${i}), strncmp(@h${i}, @n${i}, 1), strncmp(@h${i}, @n${i}, 2), strncmp(@h${i}, @n${i}, 4));`,
  ).join(' ');
  const clear = CASES.map((_, i) => `clear(@h${i}); clear(@n${i});`).join(' ');
  return probe === 'BEGIN'
    ? `BEGIN { ${fill} ${show} ${clear} exit(); }`
    : `BEGIN { ${fill} } ${probe} { ${show} ${clear} exit(); }`;
}

test('the searches are loops: a few dozen instructions, not one per pair of bytes', () => {
  const c = compileSource(
    'BEGIN { @h = str(0); } interval:s:1 /strcontains(@h, "passwd")/ { @[strlen(@h)] = count(); }',
    fixedKernel,
  );
  assert.ok(c.program, JSON.stringify(c.diagnostics));
  // the interval probe's program (unrolled: 2,231 instructions, ~2,000 of them the 65 x 7 search; now 123)
  const insns = Math.max(...c.program.programs.map((p) => p.bytecode.length / 8));
  assert.ok(insns < 200, `${insns} instructions`);
});

if (requireRoot('e2e string loops')) {
  for (const probe of ['BEGIN', 'interval:ms:1']) {
    test(`strstr, strcontains, strlen and strncmp of strings in maps, in ${probe}`, async () => {
      const r = await runScry(['-q', '-e', program(probe)]);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout.trim(), expected());
    });
  }

  test('at max_strlen 1024: a search through a 1000-byte string loads and answers', async () => {
    const hay = `${'ab'.repeat(497)}needle`;
    const r = await runScry([
      '-q',
      '-e',
      'config = { max_strlen = 1024 } BEGIN { @h = str($1); } interval:ms:1 { ' +
        'printf("%d %d %d %d %d\\n", strcontains(@h, "needle"), strstr(@h, "needle"), strstr(@h, "bab"), strlen(@h), ' +
        'strcontains(@h, "needles")); clear(@h); exit(); }',
      hay,
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), `1 ${hay.indexOf('needle')} 1 ${hay.length} 0`);
  });
}

test.run();
