// Fuzzing: seeded mutants of the corpus programs (test/corpus/run and test/corpus/errors) go through parse,
// check and compile in-process against the fixed kernel. Whatever the input, the outcome is a program or
// diagnostics: nothing throws (the CLI would print "internal error"), and every error names a place in the
// source. SCRY_FUZZ_SEED and SCRY_FUZZ_COUNT change the run; a failure prints the mutant to reproduce it.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../compiler/index.ts';
import { check, parse, renderDiagnostics, sourceFile, type Diagnostic } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { rng } from '../helpers/rng.ts';

const SEED = Number(process.env.SCRY_FUZZ_SEED ?? 11);
const COUNT = Number(process.env.SCRY_FUZZ_COUNT ?? 3000);
/** The run stops early past this budget (a slow machine), but must still get through MIN_COUNT mutants. */
const BUDGET_MS = 60_000;
const MIN_COUNT = Math.min(COUNT, 1000);

const corpusDir = (sub: string) => fileURLToPath(new URL(`../corpus/${sub}/`, import.meta.url));
const corpus = ['run', 'errors'].flatMap((sub) =>
  readdirSync(corpusDir(sub))
    .filter((f) => f.endsWith('.bt'))
    .sort()
    .map((f) => readFileSync(corpusDir(sub) + f, 'utf8')),
);

const tokenRe =
  /"(?:[^"\\\n]|\\.)*"|[A-Za-z_$@][\w:*.]*|0x[0-9a-fA-F]+|\d+|\/\/[^\n]*|\s+|[-+*/%&|^!=<>]=?|&&|\|\||<<|>>|->|\+\+|--|[^\s]/g;
const tokens = (text: string): string[] => [...(text.match(tokenRe) ?? [])];

/** Pieces that have broken scry before, or sit at the edges of what it accepts. */
const interesting = [
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ',',
  ';',
  '?',
  ':',
  '+',
  '||',
  '&&',
  '!',
  '-',
  '~',
  '*',
  '&',
  '++',
  '--',
  '->',
  '.',
  '/',
  '<',
  '>',
  '$x',
  '$1',
  '$#',
  '@m',
  '@',
  '@m[1]',
  '"s"',
  '""',
  '0',
  '-1',
  '18446744073709551615',
  '18446744073709551616',
  '9007199254740993',
  '0x',
  '0xffffffffffffffff',
  '1.5',
  'if',
  'else',
  'while',
  'unroll',
  'for',
  'let',
  'return',
  'break',
  'continue',
  'BEGIN',
  'END',
  'tracepoint:syscalls:sys_enter_openat',
  'tracepoint:syscalls:sys_enter_*',
  'k:*',
  'kprobe:vfs_read',
  'uprobe:/bin/sh:main',
  'interval:s:1',
  'profile:hz:99',
  '()',
  '(1,)',
  '((),())',
  'sizeof',
  'offsetof',
  'struct',
  'struct task_struct *',
  '(uint8)',
  'config = { max_strlen = 1 }',
  'config = { max_probes = 1 }',
  '#include <linux/sched.h>',
  'str',
  'buf',
  'comm',
  'args',
  'args->pathname',
  'retval',
  'kstack',
  'ustack(3)',
  'exit()',
  'exit(9007199254740993)',
  'print(@m)',
  'clear(@m)',
  'delete(@m[1])',
  'count()',
  'hist(1)',
  'lhist(1, 0, 10, 1)',
  'printf("%d\\n", 1)',
  'printf("%-999999999d\\n", 1)',
  'printf("%s %s")',
  'system("x")',
  'cat("/x")',
  'signal(9)',
  'ntop(1)',
  'strftime("%H", 1)',
  '\0',
  '\u00e9',
  '\u{1F600}',
  '\t',
  '\n',
  '/*',
  '*/',
  '\\',
  '"\\x"',
  '"unterminated',
  '`',
  '#',
  '`x`',
];

type Mutator = (toks: string[], r: () => number, other: () => string[]) => string[];
const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const at = (toks: readonly string[], r: () => number) => Math.floor(r() * (toks.length + 1));
const splice = (toks: string[], i: number, del: number, ...add: string[]) => [
  ...toks.slice(0, i),
  ...add,
  ...toks.slice(i + del),
];
const size = (r: () => number) => [1, 2, 10, 100, 300, 1000, 5000][Math.floor(r() * 7)]!;

const mutators: Mutator[] = [
  (t, r) => splice(t, at(t, r), 1), // drop a token
  (t, r) => {
    const i = at(t, r);
    return splice(t, i, 0, t[i] ?? ';'); // double one
  },
  (t, r) => {
    const i = at(t, r);
    const j = at(t, r);
    const u = [...t];
    [u[i], u[j]] = [u[j] ?? '', u[i] ?? ''];
    return u;
  },
  (t, r) => splice(t, at(t, r), 0, ' ', pick(interesting, r), ' '),
  (t, r) => splice(t, at(t, r), 1, pick(interesting, r)),
  (t, r) =>
    t.map((x) =>
      /^\d+$/.test(x) && r() < 0.5
        ? pick(['0', '-1', '4294967296', '9223372036854775808', '18446744073709551616', '99999999999999999999999'], r)
        : x,
    ),
  (t, r) => t.map((x) => (x.startsWith('"') && r() < 0.5 ? `"${'a'.repeat(size(r) * 20)}"` : x)),
  (t, r) =>
    t.map((x) =>
      x.startsWith('"') && r() < 0.5
        ? `"%${pick(['-999999999', '99999', '.99999', '0', '+#'], r)}${pick(['d', 's', 'x', 'c', 'p', 'r', 'q', ''], r)}\\n"`
        : x,
    ),
  (t, r) => {
    // deep nesting around one operand
    const i = t.findIndex((x, k) => k >= at(t, r) && /^(\d+|\$\w+|@\w*)$/.test(x));
    if (i < 0) return t;
    const n = size(r);
    return splice(t, i, 1, '('.repeat(n), t[i]!, ')'.repeat(n));
  },
  (t, r) => {
    // a long flat chain after one operand
    const i = t.findIndex((x, k) => k >= at(t, r) && /^(\d+|\$\w+)$/.test(x));
    if (i < 0) return t;
    const op = pick(['+', '||', '&&', '*', '==', '<<', '?', '-'], r);
    const piece = op === '?' ? ` ? 1 : ${t[i]}` : ` ${op} ${t[i]}`;
    return splice(t, i + 1, 0, piece.repeat(size(r)));
  },
  (t, r) => {
    // nested blocks or ifs at one statement
    const i = t.indexOf(pick(['{', ';'], r), at(t, r));
    if (i < 0) return t;
    const n = size(r);
    const open = pick(['if (1) { ', '{ ', 'while (0) { ', 'unroll(2) { ', 'if (1) { } else if (0) { '], r);
    return splice(
      t,
      i + 1,
      0,
      open.repeat(n),
      'print(1);',
      ' }'.repeat(n * (open.match(/{/g)!.length - (open.match(/}/g)?.length ?? 0))),
    );
  },
  (t, r) => {
    // many copies of one statement (many maps, many probes, long tuples)
    const n = size(r);
    return splice(
      t,
      t.indexOf('{') + 1,
      0,
      pick(
        [
          Array.from({ length: n }, (_, k) => `@m${k} = ${k};`).join(' '),
          `$t = (${Array.from({ length: n }, () => '1').join(', ')});`,
          `print((${Array.from({ length: n }, () => '"s"').join(', ')}));`,
          `@x[${Array.from({ length: Math.min(n, 300) }, () => '1').join(', ')}] = 1;`,
        ],
        r,
      ),
    );
  },
  (t, r) => splice(t, at(t, r), 0, pick(tokens(pick(corpus, r)).join('').split('\n'), r)), // a line from elsewhere
  (t, r) => t.slice(0, at(t, r)), // cut short
  (t, r) =>
    splice(
      t,
      at(t, r),
      0,
      String.fromCharCode(...Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 0x3000))),
    ),
  (t, r) =>
    splice(t, at(t, r), 0, pick(['f', 'x', 'tracepoint:syscalls:', 'kprobe:', '$', '@'], r) + 'z'.repeat(size(r) * 10)),
];

function mutant(r: () => number): string {
  let toks = tokens(pick(corpus, r));
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) toks = pick(mutators, r)(toks, r, () => tokens(pick(corpus, r)));
  return toks.join('');
}

/** Runs the pipeline; returns its diagnostics (a program that compiles has none that are errors). */
function pipeline(text: string): Diagnostic[] {
  const file = sourceFile('fuzz.bt', text);
  const p = parse(file);
  if (!p.program) return p.diagnostics;
  const c = check(p.program, fixedKernel);
  if (!c.program) return c.diagnostics;
  return compile(c.program).diagnostics;
}

test(`${COUNT} mutants of the corpus (seed ${SEED}): no internal error, every error located`, () => {
  assert.ok(corpus.length > 300, `corpus has only ${corpus.length} programs`);
  const r = rng(SEED);
  const start = Date.now();
  const failures: string[] = [];
  let done = 0;
  let rejected = 0;
  for (; done < COUNT && Date.now() - start < BUDGET_MS; done++) {
    const text = mutant(r);
    const t0 = Date.now();
    const shown = () => JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…(${text.length} chars)` : text);
    try {
      const diags = pipeline(text);
      const errors = diags.filter((d) => d.severity === 'error');
      if (errors.length) rejected++;
      for (const d of errors) {
        const s = d.span;
        if (!s || s.start < 0 || s.end < s.start || s.end > s.file.text.length)
          failures.push(`#${done} error without a location: ${d.message} in ${shown()}`);
      }
      renderDiagnostics(diags);
      if (process.env.SCRY_FUZZ_TRACE)
        process.stderr.write(
          `#${done} ${text.length} chars ${Date.now() - t0} ms ${JSON.stringify(text.slice(0, 150))}\n`,
        );
    } catch (e) {
      failures.push(
        `#${done} internal error: ${(e as Error).stack?.split('\n').slice(0, 4).join(' | ')} in ${shown()}`,
      );
    }
    if (failures.length >= 5) break;
  }
  const ms = Date.now() - start;
  process.stderr.write(
    `fuzz: ${done} mutants (seed ${SEED}) in ${ms} ms: ${failures.length} failures, ${rejected} rejected with located errors, ${done - rejected} compiled\n`,
  );
  assert.equal(failures, []);
  assert.ok(done >= MIN_COUNT, `only ${done} mutants in ${ms} ms`);
  assert.ok(
    rejected > done / 10 && rejected < done,
    `the mutants should be a mix of good and bad programs (${rejected} of ${done} rejected)`,
  );
});

test.run();
