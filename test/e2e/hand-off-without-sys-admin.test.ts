// Root without CAP_SYS_ADMIN (a container's usual capabilities; setpriv here): scry cannot mount a bpffs of its
// own for the hand-off (fsopen is refused), so a stop pins its links in the system's bpffs at /sys/fs/bpf when
// there is one, and closes them itself when there is none. Each case runs in a mount namespace of its own
// (unshare), with a fresh bpffs or a plain tmpfs at /sys/fs/bpf, so the host's mounts are not touched. Either way
// the run ends as usual, says nothing more, and leaves nothing pinned.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint, skipCheck } from '../helpers/kernel.ts';

const CAP_SYS_ADMIN = 21;
const NO_SYS_ADMIN = ['setpriv', '--inh-caps=-sys_admin', '--bounding-set=-sys_admin'];
const PROGRAM = 'tracepoint:syscalls:sys_enter_getppid { @calls = count(); } BEGIN { printf("begun\\n"); exit(); }';

/** Runs `script` (sh) in a mount namespace of its own, as root without CAP_SYS_ADMIN where it says `$DROP`. */
function inNamespace(script: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, DROP: NO_SYS_ADMIN.join(' '), NODE: process.execPath, SCRY: scryBin, PROGRAM },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function canDropSysAdmin(): boolean {
  const r = spawnSync(NO_SYS_ADMIN[0]!, [...NO_SYS_ADMIN.slice(1), 'cat', '/proc/self/status'], { encoding: 'utf8' });
  const eff = /^CapEff:\s*([0-9a-f]+)/m.exec(r.stdout ?? '');
  const probe = spawnSync('unshare', ['--mount', 'true']);
  if (r.status !== 0 || !eff || probe.status !== 0) {
    skipCheck('hand-off without CAP_SYS_ADMIN', 'setpriv or unshare --mount cannot run here');
    return false;
  }
  if (((BigInt(`0x${eff[1]}`) >> BigInt(CAP_SYS_ADMIN)) & 1n) === 0n) return true;
  skipCheck('hand-off without CAP_SYS_ADMIN', 'setpriv ran the command with CAP_SYS_ADMIN still effective');
  return false;
}

const runs = (stdout: string) => assert.match(stdout, /^begun\n/);

if (
  requireRoot('hand-off without CAP_SYS_ADMIN') &&
  requireTracepoint('hand-off without CAP_SYS_ADMIN', 'syscalls/sys_enter_getppid') &&
  canDropSysAdmin()
) {
  test('a bpffs at /sys/fs/bpf: the links are handed off through it, and no pin is left there', () => {
    const r = inNamespace(
      'mount -t bpf bpf /sys/fs/bpf && $DROP "$NODE" "$SCRY" -e "$PROGRAM" && echo "left: $(ls -A /sys/fs/bpf | grep -c scry-handoff)"',
    );
    assert.is(r.code, 0, r.stderr);
    runs(r.stdout);
    assert.match(r.stdout, /\nleft: 0\n$/);
    assert.is(r.stderr, 'Attached 2 probes\n');
  });

  test('no bpffs at all: the events are closed by scry, the run ends the same', () => {
    const r = inNamespace('mount -t tmpfs none /sys/fs/bpf && $DROP "$NODE" "$SCRY" -e "$PROGRAM"');
    assert.is(r.code, 0, r.stderr);
    runs(r.stdout);
    assert.is(r.stderr, 'Attached 2 probes\n');
  });

  test('the test drops what it says: fsopen of a bpffs is refused without CAP_SYS_ADMIN', () => {
    // the same as scry's own attempt (runtime/sys/io.ts detachedMount), through the addon
    const r = inNamespace(
      `$DROP "$NODE" -e 'const n = require(process.argv[1]); process.stdout.write(String(n.fsopen("bpf", 1)))' ${JSON.stringify(
        new URL('../../build/Release/scry_native.node', import.meta.url).pathname,
      )}`,
    );
    assert.is(r.stdout, '-1'); // -EPERM
  });
}

test.run();
