import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  listTracepoints,
  mountTracefs,
  parseFormat,
  reset,
  tracefsRoot,
  tracepointFormat,
  tracepointId,
} from '../../../runtime/kernel/tracefs.ts';
import { isSysError } from '../../../runtime/sys/errors.ts';
import { checkFdLeaks, requireRoot, skipCheck } from '../../helpers/kernel.ts';

const FORMAT = `name: example
ID: 1234
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;
\tfield:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:0;
\tfield:const char * filename;\toffset:32;\tsize:8;\tsigned:0;
\tfield:unsigned long args[6];\toffset:40;\tsize:48;\tsigned:0;
\tfield:s64 delta;\toffset:88;\tsize:8;\tsigned:1;

print fmt: "comm=%s", REC->comm
`;

const pure = suite('kernel/tracefs parse');

pure('parseFormat: names, types as written, offsets, common split', () => {
  const f = parseFormat('g', 'e', FORMAT);
  assert.is(f.id, 1234);
  assert.is(f.group, 'g');
  assert.is(f.event, 'e');
  assert.equal(
    f.fields.map((x) => [x.name, x.type, x.offset, x.size, x.signed, x.common]),
    [
      ['common_type', 'unsigned short', 0, 2, false, true],
      ['common_pid', 'int', 4, 4, true, true],
      ['comm', 'char[16]', 8, 16, false, false],
      ['name', '__data_loc char[]', 24, 4, false, false],
      ['filename', 'const char *', 32, 8, false, false],
      ['args', 'unsigned long[6]', 40, 48, false, false],
      ['delta', 's64', 88, 8, true, false],
    ],
  );
});

pure.run();

if (requireRoot('kernel/tracefs')) {
  const t = suite('kernel/tracefs');
  checkFdLeaks(t, { setup: reset });

  t('tracefsRoot finds a mounted tracefs', () => {
    const root = tracefsRoot();
    assert.ok(existsSync(join(root, 'available_events')));
    assert.is(tracefsRoot(), root);
  });

  t('tracepointId reads events/<group>/<event>/id; unknown or unsafe names are undefined', () => {
    const id = tracepointId('sched', 'sched_switch');
    assert.is(id, Number(readFileSync(join(tracefsRoot(), 'events/sched/sched_switch/id'), 'utf8')));
    assert.is(tracepointId('sched', 'no_such_event'), undefined);
    assert.is(tracepointId('no_such_group', 'x'), undefined);
    assert.is(tracepointId('..', 'sched'), undefined);
    assert.is(tracepointId('sched/../sched', 'sched_switch'), undefined);
  });

  t('tracepointFormat of sched:sched_switch', () => {
    const f = tracepointFormat('sched', 'sched_switch')!;
    assert.ok(f);
    assert.is(f.id, tracepointId('sched', 'sched_switch'));
    const byName = new Map(f.fields.map((x) => [x.name, x]));
    assert.equal(byName.get('prev_comm'), {
      name: 'prev_comm',
      type: 'char[16]',
      offset: 8,
      size: 16,
      signed: false,
      common: false,
    });
    assert.equal(byName.get('common_pid'), {
      name: 'common_pid',
      type: 'int',
      offset: 4,
      size: 4,
      signed: true,
      common: true,
    });
    assert.equal(
      f.fields.filter((x) => x.common).map((x) => x.name),
      ['common_type', 'common_flags', 'common_preempt_count', 'common_pid'],
    );
    assert.is(tracepointFormat('sched', 'no_such_event'), undefined);
  });

  t('results are cached until reset()', () => {
    const a = tracepointFormat('sched', 'sched_switch');
    assert.is(tracepointFormat('sched', 'sched_switch'), a);
    const l = listTracepoints();
    assert.is(listTracepoints(), l);
    reset();
    assert.is.not(tracepointFormat('sched', 'sched_switch'), a);
    assert.equal(tracepointFormat('sched', 'sched_switch'), a);
    assert.is.not(listTracepoints(), l);
  });

  t('listTracepoints mirrors available_events, quickly', () => {
    const started = performance.now();
    const list = listTracepoints();
    const ms = performance.now() - started;
    const lines = readFileSync(join(tracefsRoot(), 'available_events'), 'utf8').split('\n').filter(Boolean);
    assert.is(list.length, lines.length);
    assert.ok(list.some((e) => e.group === 'sched' && e.event === 'sched_switch'));
    assert.ok(list.every((e) => e.group.length > 0 && e.event.length > 0 && !e.event.includes(':')));
    assert.ok(ms < 200, `${ms} ms`);
  });

  t('mountTracefs mounts a fresh tracefs; a missing target is ENOENT with a hint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-tracefs-'));
    try {
      mountTracefs(dir);
      try {
        assert.ok(existsSync(join(dir, 'available_events')));
      } finally {
        execFileSync('umount', [dir]);
      }
    } finally {
      rmdirSync(dir);
    }
    assert.throws(
      () => mountTracefs(join(tmpdir(), 'scry-no-such-dir', 'x')),
      (e: unknown) =>
        isSysError(e, 'ENOENT') &&
        /^tracefs is not mounted and mounting it failed: mount\(tracefs on .*\): ENOENT \(No such file or directory\) — /.test(
          (e as Error).message,
        ),
    );
  });

  t('tracefsRoot mounts tracefs when nothing has (private mount namespace)', () => {
    let unshare = true;
    try {
      execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' });
    } catch {
      unshare = false;
    }
    if (!unshare)
      return skipCheck(
        'kernel/tracefs in a new mount namespace',
        'no unshare(1), or no CAP_SYS_ADMIN over mount namespaces',
      );
    const module = fileURLToPath(new URL('../../../runtime/kernel/tracefs.ts', import.meta.url));
    const script = `import(${JSON.stringify(module)}).then((m) => process.stdout.write(m.tracefsRoot() + ' ' + m.tracepointId('sched', 'sched_switch') + '\\n'))`;
    const out = execFileSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; exec "$0" --import tsx -e "$1"',
        process.execPath,
        script,
      ],
      { encoding: 'utf8' },
    );
    assert.is(out, `/sys/kernel/tracing ${tracepointId('sched', 'sched_switch')}\n`);
  });

  t.run();
}
