// `import "path";` through the CLI and the file-system reader (runtime/import-files.ts): a script importing a
// directory of a .bt and a .h next to it, run on the real kernel, and a world-writable directory refused.
// The rules themselves are pinned root-free in test/lang/imports.test.ts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e imports')) {
  const dir = mkdtempSync(join(tmpdir(), 'scry-imports-')); // 0700: not world-writable
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'lib'), 0o755);
  writeFileSync(
    join(dir, 'lib', 'greet.bt'),
    'macro greet($who) { printf("hello %s\\n", $who); }\nBEGIN { printf("lib first\\n"); }\n',
  );
  writeFileSync(join(dir, 'lib', 'types.h'), 'struct pair { int a; long b; };\n');
  writeFileSync(
    join(dir, 'main.bt'),
    'import "lib";\nBEGIN { $w = "you"; greet($w); printf("%d\\n", sizeof(struct pair)); exit(); }\n',
  );

  test('a script imports a directory next to it: its macro, probe and struct', async () => {
    const r = await runScry(['-q', join(dir, 'main.bt')]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'lib first\nhello you\n16\n\n\n');
  });

  test('an import from a world-writable directory is refused, at the import', async () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    writeFileSync(join(open, 'x.bt'), 'macro x() { 1 }\n');
    const r = await runScry(['-q', '-e', `import "${open}/x.bt"; BEGIN { exit(); }`]);
    assert.is(r.code, 1);
    assert.match(
      r.stderr,
      `stdin:1:1-${open.length + 16}: ERROR: refusing to import ${open}/x.bt: it or its directory is writable by every user`,
    );
  });
}

test.run();
