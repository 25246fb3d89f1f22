// Probes read count/sum/min/max/avg maps as numbers, as bpftrace v0.26 does (`@c + 1`, `printf("%d", @c)`,
// `if (@a == 4)`); the code combines every CPU's copy of the entry (codegen/maps.ts). stats and histograms are
// only put together in user space, so reading them is refused (bpftrace v0.26 refuses them too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../compiler/asm/disasm.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';

test('count, sum, min, max and avg maps are read in expressions, keyed or not', () => {
  assert.is(diagnose('BEGIN { @c = count(); @s[1] = sum(10); @d = @c + @s[1]; printf("%d\\n", @c); }'), '');
  assert.is(diagnose('BEGIN { @mn = min(1); @mx = max(-1); @a = avg(5); if (@a == 4 || @mn < @mx) { exit(); } }'), '');
});

test('stats and histogram maps are refused with the way to see them', () => {
  assert.is(
    diagnose('BEGIN { @s = stats(5); @d = @s + 1; }'),
    'stdin:1:29-31: ERROR: @s holds stats(), which cannot be read in an expression\nBEGIN { @s = stats(5); @d = @s + 1; }\n                            ~~\nHINT: print(@s) shows it; keep a plain counter (@s_n++) if a probe needs the number\n',
  );
  assert.match(
    diagnose('BEGIN { @h = hist(5); @d = @h; }'),
    'ERROR: @h holds hist(), which cannot be read in an expression',
  );
});

test('a read walks the CPUs with bpf_loop (181) and bpf_map_lookup_percpu_elem (195); a plain map needs neither', () => {
  const calls = (src: string) =>
    compileText(src)
      .programs.flatMap((p) => disasm(p.bytecode))
      .filter((l) => /^call (181|195)$/.test(l.trim()));
  assert.equal(
    calls('BEGIN { @c[1] = count(); @d = (uint64)@c[1]; }')
      .map((l) => l.trim())
      .sort(),
    ['call 181', 'call 195'],
  );
  // one callback per map and program, shared by its reads
  assert.equal(
    calls('BEGIN { @c[1] = count(); @d = @c[1] + @c[2]; }')
      .map((l) => l.trim())
      .sort(),
    ['call 181', 'call 181', 'call 195'],
  );
  assert.equal(calls('BEGIN { @c[1] = 1; @d = @c[1]; }'), []);
});

test.run();
