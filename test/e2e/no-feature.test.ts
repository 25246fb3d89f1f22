// --no-feature (bpftrace v0.26): kernel features to do without. uprobe_multi off puts a uprobe wildcard on one
// link per function; kprobe_multi and kprobe_session scry does not use; any other name is refused in v0.26's words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from '../../repl/cli-args.ts';
import { hasUprobeMulti } from '../../runtime/features.ts';
import { runScry } from '../helpers/cli.ts';
import { hasTool } from '../helpers/fixtures.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

test('--no-feature takes kprobe_multi, kprobe_session and uprobe_multi, comma-separated, and nothing else', () => {
  const p = parseArgs(['--no-feature', 'uprobe_multi,kprobe_multi', '--no-feature', 'kprobe_session', '-e', 'BEGIN{}']);
  assert.ok(p.ok && p.opts.noFeatures?.join() === 'uprobe_multi,kprobe_multi,kprobe_session', JSON.stringify(p));
  const bad = parseArgs(['--no-feature', 'uprobe_multi,jit', '-e', 'BEGIN{}']);
  assert.ok(!bad.ok);
  assert.match(bad.message ?? '', "--no-feature can only have values 'kprobe_multi,kprobe_session,uprobe_multi'.");
});

if (requireRoot('e2e no-feature')) {
  const multi = hasUprobeMulti();
  if (!multi) skipCheck('e2e no-feature', 'this kernel has no uprobe_multi links (Linux 6.6+)');
  else if (!hasTool('bpftool')) skipCheck('e2e no-feature', 'bpftool is not installed');
  else
    test('uprobe_multi off: a uprobe wildcard attaches one link per function instead of one uprobe_multi link', async () => {
      const prog =
        'uprobe:/bin/bash:read* { } interval:ms:50 { system("bpftool link show | grep -cE \'uprobe_multi|type 12\'"); exit(); }';
      const links = async (extra: string[]) => {
        const r = await runScry(['-q', '--unsafe', ...extra, '-e', prog], {}, 20_000);
        assert.is(r.code, 0, r.stderr);
        return Number(r.stdout.trim().split('\n')[0]);
      };
      assert.ok((await links([])) >= 1);
      assert.is(await links(['--no-feature', 'uprobe_multi']), 0);
    });
}

test.run();
