// examples/tools as installed tools (issue 17 item 4): each script is executable, starts with
// `#!/usr/bin/env scry` and carries its header (what it answers, usage, example output, overhead); with the
// package's bin (bin/scry.cjs) on PATH as `scry`, which is what `npm link` / `npm install -g` set up, a
// script runs through its shebang like any command. This file covers the scheduler, block I/O, network,
// user-space and profiling tools; the others' files check theirs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, scryBin } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { toolsDir } from '../helpers/tool-run.ts';

const TOOLS = [
  'runqlat.bt',
  'runqlen.bt',
  'cpuwalk.bt',
  'offcputime.bt',
  'profile.bt',
  'biolatency.bt',
  'biosnoop.bt',
  'bitesize.bt',
  'tcpconnect.bt',
  'tcpconnect-kp.bt',
  'tcpaccept.bt',
  'tcplife.bt',
  'tcpretrans.bt',
  'bashreadline.bt',
  'gethostlatency.bt',
  'mallocsize.bt',
];

const repo = new URL('../../', import.meta.url);

/** git's recorded mode of a file (100755 for executables), or undefined outside a git checkout. */
function gitMode(path: string): string | undefined {
  const r = spawnSync('git', ['ls-files', '-s', '--', path], { cwd: repo, encoding: 'utf8' });
  return r.status === 0 && r.stdout ? r.stdout.split(' ')[0] : undefined;
}

test('package.json names bin/scry.cjs as the scry command, and it is executable', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', repo), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin, { scry: 'bin/scry.cjs' });
  assert.ok(statSync(scryBin).mode & 0o111, 'bin/scry.cjs is not executable');
});

for (const tool of [...TOOLS, 'stackcollapse.mjs']) {
  test(`${tool}: executable, a shebang, and a header with usage, a real example and the overhead`, () => {
    const path = join(toolsDir, tool);
    assert.ok((statSync(path).mode & 0o111) === 0o111, `${tool} is not executable (chmod +x)`);
    const mode = gitMode(`examples/tools/${tool}`);
    if (mode !== undefined) assert.is(mode, '100755', `${tool} is committed without its executable bit`);
    const text = readFileSync(path, 'utf8');
    if (tool.endsWith('.mjs')) {
      assert.ok(text.startsWith('#!/usr/bin/env node\n'));
      assert.match(text, /\n\/\/ USAGE: /);
      return;
    }
    assert.ok(text.startsWith(`#!/usr/bin/env scry\n/*\n * ${tool} - `), 'shebang, then the header comment');
    const header = text.slice(0, text.indexOf(' */'));
    assert.match(header, /\n \* USAGE: /);
    // what was run, then what it printed (a header line and a line, at least)
    const example = /\n \* Example \(([\s\S]*?)\n \* Overhead: /.exec(header);
    assert.ok(example, 'an Example (what was run): section before Overhead:');
    assert.ok((example![1]!.match(/^ \*   \S/gm) ?? []).length >= 2, 'the example output');
    assert.not.match(header, /EXAMPLE/); // the placeholder, before a real run replaced it
  });
}

if (requireRoot('e2e tools-install')) {
  test('a tool runs through its shebang with scry on PATH (as npm link puts it), options and Ctrl-C included', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'scry-path-'));
    try {
      symlinkSync(scryBin, join(bin, 'scry')); // npm link: <prefix>/bin/scry -> <package>/bin/scry.cjs
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, [NOTIFY]: '1' };
      const script = join(toolsDir, 'biolatency.bt');
      // the script itself is the command: the kernel runs env, env finds scry on PATH
      const child = spawn(script, ['--', '--interval=1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = new Promise<number | null>((resolve) => child.on('close', resolve));
      const deadline = Date.now() + 30_000;
      // two interval blocks: the option reached the program
      while ((out.match(/^\d\d:\d\d:\d\d$/gm) ?? []).length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      assert.is(await code, 0, err);
      assert.match(out, /^Tracing block device I\/O\.\.\. Hit Ctrl-C to end\.$/m);
      assert.ok((out.match(/^\d\d:\d\d:\d\d$/gm) ?? []).length >= 2, out);

      // and the usage of its options, through the same path
      const help = spawnSync(script, ['--', '--help'], { env, encoding: 'utf8' });
      assert.is(help.status, 1);
      assert.match(help.stderr, /^--interval: print the histogram every this many seconds/m);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
}

test.run();
