// The user-space tools of examples/tools (bashreadline, gethostlatency, mallocsize), each run as a user runs
// it next to a workload with a known answer: a command typed into an interactive bash on a pseudo-terminal,
// getaddrinfo("localhost") and 1000 malloc(3000) calls from test/fixtures/tools-workload.c. The three run at
// the same time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';
import { spawnPty } from '../helpers/pty.ts';
import { buildWorkload, histogram, rows, startWorkload } from '../helpers/tool-run.ts';
import { overlapped, watchTool } from '../helpers/tool-watch.ts';

if (requireRoot('e2e tools-user')) {
  // the cases run at the same time: each test picks its workload's lines by command, pid or name
  const later = overlapped(test);

  const bashreadline = later(async () => {
    const bash = spawnPty(['/bin/bash', '--norc', '--noprofile', '-i'], {
      env: { HISTFILE: '/dev/null' },
    });
    try {
      await bash.waitFor(/[#$]$/m); // the prompt
      let shellPid = '';
      const r = await watchTool(
        'bashreadline.bt',
        [],
        async (t) => {
          // bash sat in readline since before the uretprobe was placed: that call's return is not seen,
          // so one line first to have it call readline again
          let mark = bash.mark();
          bash.type(': first\r');
          await bash.waitFor(/[#$]$/m, mark + 1);
          mark = bash.mark();
          bash.type('echo scry-marker-$$\r');
          await bash.waitFor(/scry-marker-\d+\n/, mark);
          shellPid = /scry-marker-(\d+)\n/.exec(bash.text().slice(mark))![1]!;
          // and one line after it: once that one is printed, every line before it is
          bash.type(': scry-fence\r');
          await t.until((s) => rows(s, 3, 'scry-fence').length > 0);
        },
        { strict: true },
      );
      return { r, shellPid };
    } finally {
      bash.type('exit\r');
      await bash.exited;
    }
  });
  test('bashreadline: the line typed at an interactive bash, unexpanded, with that shell’s pid', async () => {
    const { r, shellPid } = await bashreadline();
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('Tracing bash commands... Hit Ctrl-C to end.\nTIME      PID     COMMAND\n'));
    const ours = rows(r.stdout, 2, 'echo');
    assert.equal(ours, [[ours[0]?.[0] ?? '', shellPid, 'echo', 'scry-marker-$$']], r.stdout);
    assert.match(ours[0]![0]!, /^\d\d:\d\d:\d\d$/);
  });

  const built = buildWorkload();
  if (typeof built === 'string') {
    test('gethostlatency and mallocsize', () => skipCheck('e2e tools-user workload', built));
  } else {
    const gethostlatency = later(async () => {
      const w = startWorkload(built.workload, ['resolve', 'localhost']);
      try {
        const pid = String(w.child.pid);
        const r = await watchTool(
          'gethostlatency.bt',
          ['-p', pid],
          async (t) => {
            w.send('go');
            await w.waitFor(/getaddrinfo 0\ndone/);
            await t.until((s) => rows(s, 1, pid).length > 0);
          },
          { strict: true },
        );
        return { r, pid };
      } finally {
        await w.end();
      }
    });
    test('gethostlatency -p: getaddrinfo("localhost") with the caller’s pid and name and its latency', async () => {
      const { r, pid } = await gethostlatency();
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, /\nTIME\s+PID\s+COMM\s+LAT\(ms\)\s+HOST\n/);
      const ours = rows(r.stdout, 1, pid);
      assert.is(ours.length, 1, r.stdout);
      const [time, , comm, lat, host] = ours[0]!;
      assert.match(time!, /^\d\d:\d\d:\d\d$/);
      assert.equal([comm, host], ['tools-workload', 'localhost']);
      assert.match(lat!, /^\d+\.\d{3}$/);
      assert.ok(Number(lat) < 5000, `${lat} ms for localhost`);
    });

    // a histogram of the map, printed at Ctrl-C: the calls are in it once the loop is done
    const mallocsize = later(async () => {
      const w = startWorkload(built.workload, ['malloc', '1000', '3000']);
      try {
        return await watchTool(
          'mallocsize.bt',
          ['-p', String(w.child.pid)],
          async () => {
            w.send('go');
            await w.waitFor(/done/);
          },
          { strict: true },
        );
      } finally {
        await w.end();
      }
    });
    test('mallocsize -p: 1000 malloc(3000) calls are exactly 1000 in [2K, 4K)', async () => {
      const r = await mallocsize();
      assert.is(r.code, 0, r.stderr);
      const h = histogram(r.stdout, '@bytes[tools-workload]:');
      // the loop's 1000 and nothing else of that size: stdio's buffer for "done" is 4 KiB
      assert.is(h.find((b) => b.lo === 2048)?.count, 1000, r.stdout);
    });
  }
}

test.run();
