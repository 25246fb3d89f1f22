// uprobe:BIN@FILE:LINE[:COL] (bpftrace v0.26): how the attach point is read (its attachpoint_parser tests' forms:
// quoted parts, a column, an '@' only outside quotes), its malformed forms in v0.26's words, uretprobe refused,
// and what a resolved point is to the script: `probe` names its address in decimal, `func` is the function
// holding the line, `args` is refused (only a function's entry has its parameters). The runtime's answer is
// faked here (KernelInfo.userSourceLineSite); e2e/uprobe-source-line runs the real one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, sourceFile, type KernelInfo } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';

/** What the fake runtime was asked, last. */
let asked: unknown[] = [];
const kernel: KernelInfo = {
  ...fixedKernel,
  userProbeSites: (path, where) => [{ path, offset: 0x1126n, vaddr: 0x401126n, func: where }],
  userSourceLineSite: (target, file, line, column, pid, unsafe) => {
    asked = [target, file, line, column, pid, unsafe];
    if (target === '/bin/nodwarf')
      return { error: `No DWARF debug info found for '${target}', cannot attach by source code location.` };
    if (line === 99) return { error: `Unable to map '${file}:99' to address`, hints: ['pick another line'] };
    return { path: target, shown: target, offset: 0x1154n, vaddr: 0x401154n, func: 'branching' };
  },
};

const attachPoint = (text: string) => parse(sourceFile('t.bt', `${text} { }`)).program!.probes[0]!.attachPoints[0]!;

test("the point's parts: '@' splits only outside quotes, where a target or file is quoted as v0.26 allows", () => {
  const cases: [string, string[], { part: number; index: number }[] | undefined][] = [
    ['uprobe:/bin/app@main.c:12', ['/bin/app@main.c', '12'], [{ part: 0, index: 8 }]],
    ['uprobe:/bin/app@src/main.c:12:5', ['/bin/app@src/main.c', '12', '5'], [{ part: 0, index: 8 }]],
    ['uprobe:"/bin/app"@"main.c":"12"', ['/bin/app@main.c', '12'], [{ part: 0, index: 8 }]],
    ['uprobe:/bin/app@src/"main.c":12', ['/bin/app@src/main.c', '12'], [{ part: 0, index: 8 }]],
    // quoted, '@' is a character of the name
    ['uprobe:"/bin/a@b":fn', ['/bin/a@b', 'fn'], undefined],
    ['uprobe:/bin/app:fn', ['/bin/app', 'fn'], undefined],
  ];
  for (const [raw, parts, ats] of cases) {
    const ap = attachPoint(raw);
    assert.equal({ parts: ap.parts, ats: ap.ats }, { parts, ats }, raw);
  }
});

test('a resolved point: v0.26 names it by its address in decimal; func is the function holding the line', () => {
  assert.is(diagnose('uprobe:/bin/app@main.c:34 { printf("%s %s\\n", probe, func); }', kernel), '');
  assert.equal(asked, ['/bin/app', 'main.c', 34, 0, undefined, undefined]);
  const compiled = compileText('uprobe:/bin/app@main.c:34 { printf("%s %s\\n", probe, func); }', kernel);
  const spec = compiled.programs[0]!;
  const attach = spec.attach as { text: string; offset: bigint; func: string; sourceLine?: string };
  assert.equal(
    { text: attach.text, offset: attach.offset, func: attach.func, sourceLine: attach.sourceLine },
    { text: 'uprobe:/bin/app:4198740', offset: 0x1154n, func: 'branching', sourceLine: 'main.c:34' },
  );
});

test('the forms v0.26 reads: a column, quoted file and numbers, hex and underscores in a number', () => {
  for (const [raw, want] of [
    ['uprobe:/bin/app@main.c:34:3', ['/bin/app', 'main.c', 34, 3]],
    ['uprobe:/bin/app@"main.c":"34"', ['/bin/app', 'main.c', 34, 0]],
    ['uprobe:/bin/app@"src/main.c":"34":"3"', ['/bin/app', 'src/main.c', 34, 3]],
    ['uprobe:"/bin/app"@main.c:0x22', ['/bin/app', 'main.c', 34, 0]],
    ['uprobe:/bin/app@main.c:1_0', ['/bin/app', 'main.c', 10, 0]],
  ] as const) {
    assert.is(diagnose(`${raw} { }`, kernel), '', raw);
    assert.equal(asked.slice(0, 4), want, raw);
  }
});

test('with -p and --unsafe the runtime is told both', () => {
  compileText('uprobe:/bin/app@main.c:34 { }', kernel, { pid: 42, unsafe: true });
  assert.equal(asked, ['/bin/app', 'main.c', 34, 0, 42, true]);
});

test("args at a source line: refused, a function's entry has them", () => {
  assert.is(
    diagnose('uprobe:/bin/app@main.c:34 { print(args); }', kernel),
    [
      "stdin:1:35-39: ERROR: args is not available in a uprobe on a source line: only a function's entry has its parameters",
      'uprobe:/bin/app@main.c:34 { print(args); }',
      '                                  ~~~~',
      'HINT: arg0, arg1, … read its arguments as integers',
      "HINT: scry -lv 'uprobe:/bin/app:branching' lists them in order",
      '',
    ].join('\n'),
  );
});

const errorOf = (text: string) => diagnose(`${text} { }`, kernel).trimEnd().split('\n');

test("malformed points, in v0.26's words, underlined", () => {
  const cases: [string, string][] = [
    ['uprobe:/bin/app@', 'Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]'],
    ['uprobe:/bin/app@:', 'Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]'],
    ['uprobe:/bin/app@main.c:', 'Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]'],
    ['uprobe:/bin/app@:12', 'Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]'],
    ['uprobe:/bin/app@main.c:1:2:3', 'Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]'],
    ['uprobe:/bin/app@a@main.c:12', 'Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]'],
    ['uprobe:/bin/app@main.c:x', 'Invalid line number: invalid integer: x'],
    ['uprobe:/bin/app@main.c:12:y', 'Invalid column number: invalid integer: y'],
    ['uprobe:/bin/app@main.c:12:', 'Invalid column number: invalid integer: '],
    ['uprobe:/bin/app@main.c:-1', 'Invalid line number: invalid integer: -1'],
    ['uprobe:/bin/*@main.c:12', 'Cannot use wildcards with source code location'],
    ['uprobe:@main.c:12', 'Unspecified target binary, cannot attach by source code location.'],
    ['uretprobe:/bin/app@main.c:12', 'Source code location not allowed'],
    ['ur:/bin/app@main.c:12', 'Source code location not allowed'],
  ];
  for (const [raw, message] of cases) {
    const [first, line, underline] = errorOf(raw);
    assert.is(first, `stdin:1:1-${raw.length + 1}: ERROR: ${message}`, raw);
    assert.is(line, `${raw} { }`, raw);
    assert.is(underline, '~'.repeat(raw.length), raw);
  }
  assert.is(
    errorOf('uretprobe:/bin/app@main.c:12')[3],
    'HINT: a uretprobe fires when a function returns: use uprobe for a source line, or uretprobe:BIN:FUNCTION',
  );
});

test("the runtime's refusals: its message and hints, at the point", () => {
  assert.equal(errorOf('uprobe:/bin/app@main.c:99'), [
    "stdin:1:1-26: ERROR: Unable to map 'main.c:99' to address",
    'uprobe:/bin/app@main.c:99 { }',
    '~~~~~~~~~~~~~~~~~~~~~~~~~',
    'HINT: pick another line',
  ]);
  assert.is(
    errorOf('uprobe:/bin/nodwarf@main.c:1')[0],
    "stdin:1:1-29: ERROR: No DWARF debug info found for '/bin/nodwarf', cannot attach by source code location.",
  );
  // a runtime that reads no DWARF at all says the same
  const { userSourceLineSite: _, ...noDwarf } = kernel;
  assert.is(
    diagnose('uprobe:/bin/app@main.c:1 { }', noDwarf).split('\n')[0],
    "stdin:1:1-25: ERROR: No DWARF debug info found for '/bin/app', cannot attach by source code location.",
  );
});

test("an '@' after the function is no source location: the function's name has it, as before", () => {
  assert.is(diagnose('uprobe:/bin/app:memcpy@GLIBC { }', kernel), '');
});

test.run();
