// scry --test through the CLI, as bpftrace v0.26 runs test:NAME probes: each once, passed when it returned 0,
// printed no error and called no exit() with another code; a failed test's output between its RUN and FAILED
// lines; status 1 when one failed. Without --test the test probes do not run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const PROGRAM = [
  'BEGIN { printf("begin\\n"); }',
  'test:okay { print("suppressed"); }',
  'test:failure { print("shown"); return 1; }',
  'test:errs { errorf("bad %d", 3); }',
  'test:exits { exit(2); }',
  'test:exit0 { @n = count(); exit(); }',
  'END { printf("end\\n"); }',
].join('\n');

const plain = (s: string) => s.replace(/\x1b\[\d+m/g, '').replace(/\(\d+ (ns|us|ms|s)\)/g, '(T)');

if (requireRoot('e2e test mode')) {
  // no maps after the results: bpftrace v0.26 prints them at exit only outside --test and --bench
  test('text: each test once in program order, what a failed one printed, the summary; status 1', async () => {
    const r = await runScry(['-q', '--test', '-e', PROGRAM]);
    assert.is(r.code, 1, r.stderr);
    assert.is(
      plain(r.stdout),
      [
        'begin',
        '[==========] Running 5 tests.',
        '[ RUN      ] okay',
        '[       OK ] okay (T)',
        '[ RUN      ] failure',
        'shown',
        '[  FAILED  ] failure (T)',
        '[ RUN      ] errs',
        'stdin:4:13-32: ERROR: bad 3',
        '[  FAILED  ] errs (T)',
        '[ RUN      ] exits',
        '[  FAILED  ] exits (T)',
        '[ RUN      ] exit0',
        '[       OK ] exit0 (T)',
        '[==========] 5 tests ran.',
        '[  PASSED  ] 2 tests.',
        '[  FAILED  ] 3 tests, listed below:',
        '[  FAILED  ] failure',
        '[  FAILED  ] errs',
        '[  FAILED  ] exits',
        'end',
        '',
      ].join('\n'),
    );
    // all passing: status 0, in colour as v0.26 prints it
    const ok = await runScry(['-q', '--mode', 'test', '-e', 'test:a { $x = 1; }']);
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, '\x1b[32m[  PASSED  ]\x1b[0m 1 test.');
  });

  test('-f json: one test_result line per test with its duration, whether it passed and its output', async () => {
    const r = await runScry(['-q', '-f', 'json', '--test', '-e', PROGRAM]);
    assert.is(r.code, 1, r.stderr);
    const results = r.stdout
      .split('\n')
      .filter((l) => l.includes('test_result'))
      .map((l) => JSON.parse(l).data as Record<string, { duration: number; passed: boolean; output: string }>);
    assert.equal(
      results.map((d) => Object.entries(d).map(([k, v]) => [k, v.passed, v.output])[0]),
      [
        ['okay', true, 'suppressed\n'],
        ['failure', false, 'shown\n'],
        ['errs', false, 'stdin:4:13-32: ERROR: bad 3\n'],
        ['exits', false, ''],
        ['exit0', true, ''],
      ],
    );
    for (const d of results) for (const v of Object.values(d)) assert.ok(v.duration > 0, r.stdout);
  });

  test('without --test: test probes do not run; only test probes is an error naming --test', async () => {
    const r = await runScry(['-q', '-e', 'test:a { printf("ran\\n"); } BEGIN { printf("begin\\n"); exit(); }']);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), 'begin');
    const only = await runScry(['-e', 'test:a { }']);
    assert.is(only.code, 1);
    assert.match(only.stderr, 'No probes attached; use --test to run test probes.');
  });
}

test.run();
