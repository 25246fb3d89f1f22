// Finding uprobe targets like bpftrace and ld.so: ld.so.cache against `ldconfig -p`, $PATH, /proc/PID/maps.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  libraryInCache,
  libraryNameMatches,
  mapsPath,
  parseLdCache,
  resetLdCache,
  resolveTarget,
  whichAll,
} from '../../../../runtime/kernel/elf/index.ts';
import { fixtures, hasTool, runTarget, tool } from '../../../helpers/fixtures.ts';
import { skipCheck } from '../../../helpers/kernel.ts';

const t = suite('kernel/elf/ld-resolve');
const haveCache = existsSync('/etc/ld.so.cache');
const ldconfig = ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((p) => existsSync(p));

t('library names: exact or a stem before .so', () => {
  assert.ok(libraryNameMatches('libc.so.6', 'libc'));
  assert.ok(libraryNameMatches('libc.so.6', 'libc.so.6'));
  assert.ok(libraryNameMatches('libc.so', 'libc'));
  assert.not.ok(libraryNameMatches('libcap.so.2', 'libc'));
  assert.not.ok(libraryNameMatches('libc.so.6', 'c'));
});

t('maps path column', () => {
  assert.is(
    mapsPath('7f0000000000-7f0000001000 r-xp 00001000 fd:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6'),
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
  );
  assert.is(mapsPath('7ffd0000-7ffd1000 rw-p 00000000 00:00 0                          [stack]'), '[stack]');
  assert.is(mapsPath('7ffd0000-7ffd1000 rw-p 00000000 00:00 0 '), undefined);
  assert.is(mapsPath('7f00-7f10 r--p 00000000 08:01 99 /tmp/a b (deleted)'), '/tmp/a b (deleted)');
});

if (haveCache && ldconfig) {
  t('ld.so.cache parses to what ldconfig -p prints', () => {
    const entries = parseLdCache(readFileSync('/etc/ld.so.cache'));
    const out = tool(ldconfig, ['-p']);
    const count = Number(/^(\d+) libs found/.exec(out)![1]);
    assert.is(entries.length, count);
    const lines = out
      .split('\n')
      .slice(1)
      .filter((l) => l.includes('=>'));
    const want = lines.map((l) => {
      const m = /^\s*(\S+) \(([^)]*)\) => (\S+)$/.exec(l)!;
      return { name: m[1]!, x8664: m[2]!.split(',').includes('x86-64'), path: m[3]! };
    });
    assert.equal(
      entries.map((e) => ({ name: e.name, x8664: (e.flags & 0xff00) === 0x0300, path: e.path })),
      want,
    );
  });

  t('libc, libc.so.6 and libm resolve through the cache', () => {
    resetLdCache();
    const out = tool(ldconfig!, ['-p']);
    const libc6 = /^\s*libc\.so\.6 \(libc6,x86-64\) => (\S+)$/m.exec(out)![1]!;
    assert.equal(resolveTarget('libc'), { path: libc6, via: 'ld.so.cache', others: [] });
    assert.equal(resolveTarget('libc.so.6'), { path: libc6, via: 'ld.so.cache', others: [] });
    assert.is(libraryInCache('libc'), libc6);
    const libm = resolveTarget('libm')!;
    assert.ok(basename(libm.path).startsWith('libm.so'), libm.path);
    assert.is(resolveTarget('libdefinitely-not-there'), undefined);
    // bpftrace does not add "lib": 'c' is not libc
    assert.is(resolveTarget('c', { PATH: '' }), undefined);
  });

  t('answers from the cache are kept only while the cache file is the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-ldcache-'));
    try {
      const file = join(dir, 'ld.so.cache');
      copyFileSync('/etc/ld.so.cache', file);
      const libc = libraryInCache('libc', file);
      assert.ok(libc && basename(libc).startsWith('libc.so'), libc);
      assert.is(libraryInCache('libc', file), libc);
      // ldconfig replaced it (here: with a cache of no libraries, dated a minute later)
      writeFileSync(file, Buffer.alloc(48, 0));
      const later = new Date(Date.now() + 60_000);
      utimesSync(file, later, later);
      assert.is(libraryInCache('libc', file), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
} else skipCheck('kernel/elf/ld-resolve ld.so.cache', 'no /etc/ld.so.cache or no ldconfig to compare with');

t('without a cache, the default directories are searched', () => {
  const r = resolveTarget('libc', { ldCache: '/nonexistent/ld.so.cache' });
  assert.ok(r, 'libc in a default directory');
  assert.is(r.via, 'default-dir');
  assert.ok(basename(r.path).startsWith('libc.so'), r.path);
  assert.ok(
    ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'].includes(
      dirname(r.path),
    ),
  );
  const exact = resolveTarget('libc.so.6', { ldCache: '/nonexistent/ld.so.cache' })!;
  assert.is(basename(exact.path), 'libc.so.6');
});

t('programs come from $PATH, first match first; the same file twice is no ambiguity', () => {
  const r = resolveTarget('bash')!;
  assert.is(r.via, 'PATH');
  assert.is(r.path, whichAll('bash', process.env['PATH'] ?? '')[0]);
  assert.is(realpathSync(r.path), realpathSync(tool('sh', ['-c', 'command -v bash']).trim()));
  assert.equal(resolveTarget('bash', { PATH: '/usr/bin:/bin' })!.others, []); // /bin → usr/bin on merged-/usr systems
  assert.is(resolveTarget('bash', { PATH: '/nonexistent' })?.via, undefined);
});

t('paths: absolute as is, relative against the working directory', () => {
  assert.equal(resolveTarget('/bin/sh'), { path: '/bin/sh', via: 'path', others: [] });
  assert.equal(resolveTarget('./sh', { cwd: '/bin' }), { path: '/bin/sh', via: 'path', others: [] });
  assert.equal(resolveTarget('bin/sh', { cwd: '/' }), { path: '/bin/sh', via: 'path', others: [] });
  assert.is(resolveTarget('/nonexistent/prog'), undefined);
});

t.run();

const fx = fixtures('kernel/elf/ld-resolve-pid');
if (fx && hasTool('readelf')) {
  const p = suite('kernel/elf/ld-resolve-pid');

  p('with a pid, a library the process has mapped is found by its name', async () => {
    const proc = runTarget(fx.withLib, ['addrs', 'wait']);
    try {
      await proc.line('addr lib_mul');
      assert.is(resolveTarget('libscrytest'), undefined, 'not in the cache or default directories');
      assert.equal(resolveTarget('libscrytest', { pid: proc.pid }), { path: fx.lib, via: 'proc-maps', others: [] });
      assert.equal(resolveTarget('libscrytest.so', { pid: proc.pid }), { path: fx.lib, via: 'proc-maps', others: [] });
      // the process's libc wins over the cache
      const maps = readFileSync(`/proc/${proc.pid}/maps`, 'utf8');
      const libc = maps
        .split('\n')
        .map(mapsPath)
        .find((x) => x && /\/libc\.so/.test(x))!;
      assert.is(resolveTarget('libc', { pid: proc.pid })?.path, libc);
    } finally {
      proc.send();
      await proc.finished;
    }
  });

  p.run();
} else if (fx) skipCheck('kernel/elf/ld-resolve-pid', 'readelf is not installed');
