// Inputs found by fuzzing (issue 11): each is a program bpftrace accepts, or a diagnostic with a location,
// never an exception. In-process against the fixed kernel; test/e2e/bad-input.test.ts runs them through the CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KernelInfo } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';

const parens = (n: number) => `BEGIN { $x = ${'('.repeat(n)}1${')'.repeat(n)}; print($x); }`;
const ifs = (n: number) => `BEGIN { ${'if (1) { '.repeat(n)}print(1);${' }'.repeat(n)} }`;
/** The program compiles (the failure message keeps only the start of a long diagnostic). */
function compiles(src: string, kernel: KernelInfo = fixedKernel): void {
  const out = diagnose(src, kernel);
  assert.ok(out === '', out.slice(0, 400));
}
/** n terms, term(0) … term(n - 1), joined by `sep`. */
const terms = (n: number, term: (i: number) => string, sep = '') =>
  Array.from({ length: n }, (_, i) => term(i)).join(sep);
const chain = (n: number, op: string, term: (i: number) => string) => terms(n, term, ` ${op} `);
const elseIfs = (n: number) => terms(n, (i) => ` else if ($a == ${i}) { print(${i}); }`);

// Pinned: bpftrace 0.17 accepts each of these (checked side by side); scry compiles them.
test('what bpftrace accepts compiles: 250 nested parentheses, 341 nested ifs, 800-term +, 1,100-term || predicate', () => {
  compiles(parens(250));
  compiles(ifs(341));
  compiles(`BEGIN { $x = ${chain(800, '+', () => '1')}; print($x); }`);
  compiles(`tracepoint:syscalls:sys_enter_openat /${chain(1100, '||', (i) => `pid == ${i}`)}/ { exit(); }`);
});

test('long flat chains cost no stack: 10,000 terms of +, 3,000 of &&, 1,000 of ?: and prefix operators, 500 else-ifs', () => {
  compiles(`BEGIN { $y = 1; $x = ${chain(10000, '+', () => '$y')}; print($x); }`);
  compiles(`BEGIN { if (${chain(3000, '&&', (i) => `pid != ${i}`)}) { print(1); } }`);
  compiles(`BEGIN { $x = ${'!'.repeat(1000)}1; print($x); }`);
  compiles(`BEGIN { $x = ${'- '.repeat(1000)}1; print($x); }`);
  compiles(`BEGIN { $a = 1; $x = ${terms(1000, (i) => `$a == ${i} ? ${i} : `)}0; print($x); }`);
  compiles(`BEGIN { $a = 1; if ($a == 0) { print(0); }${elseIfs(500)} }`);
});

test('nesting deeper than the JS stack is a diagnostic at the deepest bracket or node', () => {
  assert.is(
    diagnose(`BEGIN { $x = ${'!'.repeat(20000)}1; }`).split('\n')[0],
    'stdin:1:20014-20015: ERROR: the program nests 20004 levels deep here, more than scry can check',
  );
  assert.is(
    diagnose(`BEGIN {\n  $x = ${'('.repeat(20000)}1${')'.repeat(20000)};\n}`).split('\n')[0],
    'stdin:2:20007-20008: ERROR: brackets nest 20001 deep here, more than scry can parse',
  );
  // the parser is rebuilt after an overflow: the next program parses as usual
  compiles('BEGIN { print((1, 2)); }');
  assert.match(
    diagnose(ifs(20000)),
    /^stdin:1:\d+-\d+: ERROR: brackets nest 2000[12] deep here, more than scry can parse\n.*\n *~\nHINT: split the expression or the nested blocks, e.g. keep parts in \$variables\n$/,
  );
});

test('a jump longer than BPF encodes is a diagnostic at the statement that jumps', () => {
  // (two statements a branch: with one, its code is short enough that 1,500 no longer reach that far)
  const branches = terms(1500, (i) => ` else if ($a == ${i}) { print(${i}); print(${i}); }`);
  const out = diagnose(`BEGIN { $a = 1;\n  if ($a == 0) { print(0); }${branches} }`);
  assert.match(
    out,
    /^stdin:2:3-\d+: ERROR: this code jumps over \d+ BPF instructions, more than a BPF jump reaches \(32767\)\n  if \(\$a == 0\)/,
  );
});

test('nested unroll that multiplies past the kernel limit is a diagnostic at an unroll, in bounded time', () => {
  const start = Date.now();
  const out = diagnose(`BEGIN { ${'unroll(2) { '.repeat(300)}print(1);${' }'.repeat(300)} }`);
  assert.match(
    out,
    /^stdin:1:\d+-\d+: ERROR: this probe compiles to more than 1000000 BPF instructions, more than the kernel loads\n(BEGIN \{ |…)[a-z(0-9) {]*unroll/,
  ); // a line this long shows a window around the span
  assert.ok(Date.now() - start < 10_000, `${Date.now() - start} ms`);
});

test('a map cannot hold or be keyed by an empty tuple (map creation said EINVAL without a location)', () => {
  assert.is(
    diagnose('BEGIN { $t = ((), 1); @keep = (); }'),
    'stdin:1:31-33: ERROR: () holds no bytes, so a map cannot store it\nBEGIN { $t = ((), 1); @keep = (); }\n                              ~~\nHINT: store a value with at least one element\n',
  );
  assert.is(
    diagnose('BEGIN { @a[((), ())] = 1; }'),
    'stdin:1:12-20: ERROR: a key of no bytes ((), ()) cannot index a map\nBEGIN { @a[((), ())] = 1; }\n           ~~~~~~~~\nHINT: use a key with at least one element\n',
  );
  compiles('BEGIN { @a[(), 1] = ((), 1); print(((), 2)); }');
});

test('printf widths past 65535 are refused at the format (one event once padded a gigabyte and killed scry)', () => {
  assert.is(
    diagnose('BEGIN { printf("%-999999999d\\n", 1); }'),
    'stdin:1:16-32: ERROR: %d asks for a field of 999999999 characters, more than scry prints (65535)\nBEGIN { printf("%-999999999d\\n", 1); }\n               ~~~~~~~~~~~~~~~~\nHINT: use a width and precision of at most 65535\n',
  );
  assert.match(diagnose('BEGIN { printf("%.70000x\\n", 1); }'), /%x asks for a field of 70000 characters/);
  // a precision only cuts a string
  compiles('BEGIN { printf("%65535d %.99999s\\n", 1, "a"); }');
});

test('a tracepoint name that cannot be a file is unknown, without asking the kernel (ENAMETOOLONG)', () => {
  const kernel: KernelInfo = {
    ...fixedKernel,
    tracepointFormat: (group, event) => {
      if (group.length > 255 || event.length > 255 || event.includes('..'))
        throw new Error(`open: ENAMETOOLONG ${event.length}`);
      return fixedKernel.tracepointFormat(group, event);
    },
  };
  const name = 'a'.repeat(5000);
  assert.match(
    diagnose(`tracepoint:syscalls:${name} { exit(); }`, kernel),
    /^stdin:1:1-\d+: ERROR: No matches for tracepoint syscalls:a{5000}\.\n[^]*HINT: unknown tracepoint syscalls:a{5000}\n/,
  );
  assert.match(
    diagnose(`tracepoint:syscalls:.. { exit(); }`, kernel),
    /^stdin:1:1-\d+: ERROR: No matches for tracepoint syscalls:\.\.\.\n[^]*HINT: unknown tracepoint syscalls:\.\.\n/,
  );
});

test('a megabyte-long unknown function name is refused quickly (27 s before)', () => {
  const start = Date.now();
  const out = diagnose(`BEGIN { ${'f'.repeat(1_000_000)}(); }`);
  assert.match(out, /^stdin:1:9-\d+: ERROR: unknown function 'f{1000000}'\n/);
  assert.ok(Date.now() - start < 3000, `${Date.now() - start} ms`);
});

test('max_probes caps the probes a program attaches, at the widest attach point, naming the knob', () => {
  assert.is(
    diagnose('config = { max_probes = 2 } BEGIN { } tracepoint:syscalls:sys_enter_* { @[probe] = count(); }'),
    [
      'stdin:1:39-70: ERROR: this program attaches 4 probes, more than max_probes allows (2); tracepoint:syscalls:sys_enter_* alone expands to 3',
      'config = { max_probes = 2 } BEGIN { } tracepoint:syscalls:sys_enter_* { @[probe] = count(); }',
      '                                      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
      'HINT: narrow the wildcard, or raise the limit with config = { max_probes = 4 } (many probes at once can slow the whole system)',
      '',
    ].join('\n'),
  );
  compiles('config = { max_probes = 4 } BEGIN { } tracepoint:syscalls:sys_enter_* { @[probe] = count(); }');
  // the default is bpftrace v0.26's: 1024
  const many = Array.from({ length: 1025 }, (_, i) => ({ group: 'g', event: `e${i}` }));
  const kernel: KernelInfo = {
    ...fixedKernel,
    tracepoints: () => many,
    tracepointFormat: (group, event) => (group === 'g' ? { group, event, id: 1, fields: [] } : undefined),
  };
  assert.match(
    diagnose('tracepoint:g:* { }', kernel),
    /^stdin:1:1-\d+: ERROR: this program attaches 1025 probes, more than max_probes allows \(1024\)/,
  );
  compiles('tracepoint:g:e1* { }', kernel);
});

test('thousands of errors: the first 50 and a count of the rest', () => {
  const out = diagnose(`BEGIN { ${terms(300, (i) => `$x${i} = nope${i};`, ' ')} }`);
  assert.is(out.match(/ERROR: /g)!.length, 51);
  assert.match(out, /ERROR: 250 more errors from here on are not shown\n/);
});

// The else-if chain is a loop in the grammar now; an error after `else` still names both ways on, as bpftrace 0.17 does.
test('after else, a syntax error expects { or if', () => {
  assert.is(
    diagnose('BEGIN { if (1) { } else }').split('\n')[0],
    'stdin:1:25-26: ERROR: syntax error, unexpected }, expecting { or if',
  );
  assert.is(
    diagnose('BEGIN { if (1) { } else if (2) { } else 3 }').split('\n')[0],
    'stdin:1:41-42: ERROR: syntax error, unexpected integer, expecting { or if',
  );
});

test.run();
