// --aot's data side, root-free: a compiled program survives the trip through the executable's payload
// (bytecode, source spans with their file, bigints, BTF bytes), getopt() compiles to a PARAMS_MAP read with
// runtimeParams, and positional parameters are refused before compiling. The run is test/e2e/aot.test.ts.
import { isDeepStrictEqual } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../compiler/asm/index.ts';
import { compileSource } from '../../compiler/index.ts';
import { parse, sourceFile } from '../../lang/index.ts';
import { aotPrecheck, deserialize, serialize } from '../../repl/aot.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

test('a compiled program reads back equal, spans pointing into one shared source file', () => {
  for (const text of [
    'BEGIN { printf("%s %d\\n", comm, pid); @a[1, "x"] = hist(5); exit(); }',
    'tracepoint:syscalls:sys_enter_openat /pid > 1/ { @[comm] = count(); for ($kv : @) { print($kv.0); } }',
    'interval:s:1 { $t = (1, "two"); print($t); @s = stats(3); @l = lhist(4, 0, 10, 1); }',
  ]) {
    const p = compileText(text);
    const back = deserialize(serialize(p)) as typeof p;
    // equal but for properties set to undefined, which JSON leaves out (a printf spec's width)
    assert.is(serialize(back), serialize(p), text);
    assert.ok(isDeepStrictEqual(back.programs[0]!.bytecode, p.programs[0]!.bytecode));
    assert.ok(back.programs[0]!.bytecode instanceof Uint8Array);
    const files = new Set(back.programs.flatMap((x) => x.sourceMap.filter((s) => s).map((s) => s!.file)));
    assert.is(files.size, 1);
  }
});

test('with runtimeParams getopt() reads the params map, and the program says where each value sits', () => {
  const text = 'BEGIN { printf("%d %s %d\\n", getopt("n", 3), getopt("s", "abcdefghij"), getopt("b")); }';
  const r = compileSource(text, fixedKernel, { runtimeParams: true });
  const p = r.program!;
  assert.equal(p.params, [
    { name: 'n', offset: 0, size: 8 },
    { name: 's', offset: 8, size: 16 },
    { name: 'b', offset: 24, size: 8 },
  ]);
  assert.equal(
    p.maps.find((m) => m.name === 'params'),
    { name: 'params', kind: 'array', keySize: 4, valueSize: 32, maxEntries: 1 },
  );
  // without it, the values are constants and there is no params map
  const fixed = compileSource(text, fixedKernel, {}).program!;
  assert.is(fixed.params, undefined);
  assert.ok(!fixed.maps.some((m) => m.name === 'params'));
  assert.ok(disasm(fixed.programs[0]!.bytecode).some((l) => /= 3$/.test(l)));
});

test('positional parameters are refused before an --aot compile; string getopt()s get room for a long value', () => {
  const ast = (t: string) => parse(sourceFile('stdin', t)).program!;
  for (const t of ['BEGIN { print($1); }', 'BEGIN { print($#); }', 'BEGIN { print(str($2)); }', 'interval:s:$1 { }'])
    assert.match(JSON.stringify(aotPrecheck(ast(t), 64)), 'cannot read positional parameters', t);
  const ok = aotPrecheck(ast('BEGIN { print((getopt("s", "ab"), getopt("n", 1))); }'), 64);
  assert.ok('namedArgs' in ok);
  assert.equal([...ok.namedArgs.keys()], ['s']);
  assert.is(ok.namedArgs.get('s')!.length, 63);
});

test.run();
