// getopt(): bpftrace v0.26's named parameters (`-- --name=value`), checked and compiled without a kernel.
// Pinned to v0.26 (bpftrace 0.17 has no getopt): the type follows the default (a non-negative integer is a
// u64, a negative one an i64, a string, a bool; no default is bool false), a bare --name is true, and
// unknown names, unreadable values and --help answer in v0.26's words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import { check, parse, renderDiagnostics, sourceFile } from '../../lang/index.ts';
import { namedParamDecls, resolveNamedParams } from '../../lang/builtins/params.ts';
import type { CallExpr, Expr } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { typeName } from '../../lang/types.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

function compiled(body: string, given: Record<string, string | true> = {}) {
  return compileSource(`BEGIN { ${body} }`, fixedKernel, { namedArgs: new Map(Object.entries(given)) });
}

/** Each getopt() call's type and recorded value, in source order (the program compiles too). */
function getopts(body: string, given: Record<string, string | true> = {}): string[] {
  const out = compiled(body, given);
  assert.ok(out.program, renderDiagnostics(out.diagnostics) + JSON.stringify(out.namedParamProblem));
  const ast = parse(sourceFile('stdin', `BEGIN { ${body} }`)).program!;
  const named = resolveNamedParams(namedParamDecls(ast), new Map(Object.entries(given)));
  assert.ok('values' in named);
  const checked = check(ast, fixedKernel, { namedParams: named.values }).program!;
  const seen: string[] = [];
  walk(checked.ast, (n) => {
    const e = n as Expr;
    if (e.kind === 'call' && e.name === 'getopt')
      seen.push(`${typeName(checked.typeOf.get(e)!)} ${String(checked.positionals.get(e as CallExpr))}`);
  });
  return seen;
}

test('the default sets the type; without the option the default is the value', () => {
  assert.equal(
    getopts('print((getopt("a", 20), getopt("b", -1), getopt("c", true), getopt("d"), getopt("e", "hi")));'),
    ['uint64 20', 'int64 -1', 'bool 1', 'bool 0', 'string[3] hi'],
  );
});

test('given values are read as the default type: hex, negative, bool words, a bare --name is true', () => {
  const body = 'print((getopt("a", 20), getopt("b", -1), getopt("c", true), getopt("d"), getopt("e", "hi")));';
  const given = { a: '0xffffffffffffffff', b: '-10', c: 'False', d: true as const, e: 'hello' };
  assert.equal(getopts(body, given), [
    'uint64 18446744073709551615',
    'int64 -10',
    'bool 0',
    'bool 1',
    'string[6] hello',
  ]);
});

test('an option the program does not use is refused, naming the ones it does', () => {
  const p = compiled('print(getopt("aa", 10)); print(getopt("cc"));', { bb: true }).namedParamProblem;
  assert.is(p?.message, 'unexpected program command line options: --bb');
  assert.equal(p?.hints, ['expected program options: --aa: --cc']);
  assert.is(compiled('exit();', { x: '1' }).namedParamProblem?.hints[0], 'no custom program options defined.');
});

test('a value that does not read as the type is refused with the option and the value', () => {
  const problem = (body: string, given: Record<string, string | true>) =>
    compiled(body, given).namedParamProblem?.message;
  assert.is(
    problem('print(getopt("aa", 10));', { aa: 'False' }),
    'program command line option --aa invalid integer (value: False)',
  );
  assert.is(
    problem('print(getopt("aa", 10));', { aa: '0x10000000000000000' }),
    'program command line option --aa value is out of range (value: 0x10000000000000000)',
  );
  assert.is(
    problem('print(getopt("aa", 10));', { aa: true }),
    'program command line option --aa expects an integer (value: true)',
  );
  assert.is(
    problem('print(getopt("s", "x"));', { s: true }),
    'program command line option --s expects a string (value: true)',
  );
  assert.is(
    problem('print(getopt("f"));', { f: 'maybe' }),
    "program command line option --f expects a boolean (e.g. 'true') (value: maybe)",
  );
});

test('--help lists the options, one a line, with their descriptions', () => {
  const p = compiled('print((getopt("aa", 10, "Description of aa"), getopt("bb", 1), getopt("cc")));', {
    help: true,
  }).namedParamProblem;
  assert.is(p?.help, true);
  assert.is(p?.message, undefined);
  assert.equal(p?.hints, ['expected program options:\n--aa: Description of aa\n--bb\n--cc']);
});

test('getopt() arguments must be literals: name a string, default an integer/string/bool, description a string', () => {
  const text = renderDiagnostics(
    compiled('$x = getopt(1); $y = getopt("a", 1 + 1); $z = getopt("c", 1, 2);').diagnostics,
  );
  assert.match(text, /1:21-22: ERROR: getopt\(\) needs the parameter's name as a string literal/);
  assert.match(text, /ERROR: the default of getopt\(\) must be an integer, string or boolean literal/);
  assert.match(text, /ERROR: getopt\(\)'s third argument is a description: a string literal/);
});

test('one name used twice needs the same default, and at most one description', () => {
  const text = (body: string) => renderDiagnostics(compiled(body).diagnostics);
  assert.match(
    text('print(getopt("a", 1)); print(getopt("a", 2));'),
    /1:50-51: ERROR: Command line option 'a' needs to have the same default value in all places it is used\. Previous default value: 1/,
  );
  assert.match(
    text('print(getopt("b", 1, "x")); print(getopt("b", 1, "y"));'),
    /ERROR: Command line option 'b' must have the same description in all places it's used/,
  );
  // the same default again, with the description given once: fine, and --help shows it
  const p = compiled('print(getopt("c", 1, "x")); print(getopt("c", 1));', { help: true }).namedParamProblem;
  assert.equal(p?.hints, ['expected program options:\n--c: x']);
});

test.run();
