// A string variable that is a map's whole key is looked up through its own slot, not a copy of it
// (compiler/codegen/maps.ts variableAsKey): the program is the one the same key written in place makes, and every
// map operation keyed by the variable sees the variable's value at that point, for a short string on the stack
// and a 1 KiB one in scratch space, in BEGIN (not optimized) and an interval probe (optimized).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileSource } from '../../compiler/pipeline.ts';
import { disasm } from '../../compiler/asm/index.ts';
import { hostKernelInfo } from '../../runtime/index.ts';

/**
 * Counts, a read-modify-write, max, a string value, has_key, delete and reads keyed by `$s` as it changes; `@w`'s
 * key is wider than a short `$s` (the variable is copied into it) and as wide as the 1 KiB one (its own slot).
 */
const BODY = (widen: string) => `
  ${widen} $s = "a"; @c[$s] = count(); $s = "bb"; @c[$s] = count(); $s = "a"; @c[$s] = count();
  @m[$s] = 5; @m[$s]++; @m[$s] += 2; @x[$s] = max(3); @x[$s] = max(9); @v[$s] = $s;
  printf("%d %d %d %d\\n", @m[$s], @x[$s], @c[$s], has_key(@m, $s));
  delete(@m[$s]); printf("%d %d\\n", @m[$s], has_key(@m, $s)); $s = "bb"; printf("%d\\n", @c[$s]);
  @w[$s] = 1; @w[str(0)] = 2; exit();`;

const WANT = '8 9 2 1\n0 0\n1\n\n\n@c[bb]: 1\n@c[a]: 2\n@v[a]: a\n@w[bb]: 1\n@w[]: 2\n@x[a]: 9\n';

if (requireRoot('e2e variable keys')) {
  test('a string variable as the key is the program of the key written in place (no copy of its slot)', () => {
    const code = (body: string) => {
      const c = compileSource(`tracepoint:syscalls:sys_enter_openat { ${body} }`, hostKernelInfo(), {});
      assert.ok(c.program, JSON.stringify(c.diagnostics));
      // stack offsets apart: a variable's slot may sit elsewhere than the key's would
      return disasm(c.program.programs[0]!.bytecode).map((l) => l.replace(/- ?\d+/g, '-N'));
    };
    assert.equal(code('$f = str(args->filename); @[$f] = count();'), code('@[str(args->filename)] = count();'));
  });

  for (const probe of ['BEGIN', 'interval:ms:1'])
    for (const [what, widen] of [
      ['a short string', ''],
      ['a 1 KiB string', '$s = str(0);'],
    ] as const)
      test(`${probe}, ${what}: every map operation keyed by the variable sees its value then`, async () => {
        const r = await runScry(['-q', '-e', `${probe} {${BODY(widen)} }`]);
        assert.is(r.code, 0, r.stderr);
        assert.is(r.stdout, WANT);
      });
}

test.run();
