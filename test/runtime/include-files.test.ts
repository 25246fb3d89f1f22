// The file side of #include: search order ("…" next to the includer, then -I, then system; <…> skips the
// includer's directory), #include_next, only regular files read (a FIFO is refused, not waited on), the
// paths tried when nothing is found, and --include through the preprocessor. Root-free; temp dirs only.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preprocess } from '../../lang/c/preprocess.ts';
import { renderDiagnostics } from '../../lang/diagnostics.ts';
import { sourceFile } from '../../lang/source.ts';
import { gccIncludeDir, includeResolver, readHeader, systemIncludeDirs } from '../../runtime/include-files.ts';

const root = mkdtempSync(path.join(tmpdir(), 'scry-inc-'));
const put = (rel: string, text: string) => {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};
put('src/h.h', 'src');
put('I1/h.h', 'I1');
put('I1/only1.h', 'only1');
put('I2/h.h', 'I2');
put('sys/h.h', 'sys');
put('sys/s.h', 'sysonly');
const search = { includeDirs: [path.join(root, 'I1'), path.join(root, 'I2')], systemDirs: [path.join(root, 'sys')] };
const resolve = includeResolver(search);
const from = path.join(root, 'src', 'main.bt');

test('"…" looks next to the including file first, <…> starts at the -I directories', () => {
  assert.equal(resolve('h.h', false, from), { path: path.join(root, 'src/h.h'), text: 'src' });
  assert.equal(resolve('h.h', true, from), { path: path.join(root, 'I1/h.h'), text: 'I1' });
  assert.equal(resolve('s.h', true, from), { path: path.join(root, 'sys/s.h'), text: 'sysonly' });
});

test('#include_next continues after the directory the includer was found in', () => {
  assert.equal(resolve('h.h', true, path.join(root, 'I1/h.h'), true), { path: path.join(root, 'I2/h.h'), text: 'I2' });
  assert.equal(resolve('h.h', true, path.join(root, 'I2/h.h'), true), {
    path: path.join(root, 'sys/h.h'),
    text: 'sys',
  });
  assert.equal(resolve('h.h', true, path.join(root, 'sys/h.h'), true), { tried: [] });
});

test('a missing header: every path tried, in order', () => {
  assert.equal(resolve('none.h', false, from), {
    tried: ['src', 'I1', 'I2', 'sys'].map((d) => path.join(root, d, 'none.h')),
  });
  assert.equal(resolve('none.h', true, from), { tried: ['I1', 'I2', 'sys'].map((d) => path.join(root, d, 'none.h')) });
});

test('only regular files: a FIFO or a directory where a header should be is refused, with the reason', () => {
  execFileSync('mkfifo', [path.join(root, 'I1/fifo.h')]);
  mkdirSync(path.join(root, 'I1/dir.h'));
  put('I2/dir.h', 'the real one');
  assert.equal(resolve('fifo.h', true, from), {
    tried: ['I1', 'I2', 'sys'].map((d) => path.join(root, d, 'fifo.h')),
    problems: [`${path.join(root, 'I1/fifo.h')} is not a regular file`],
  });
  assert.equal(resolve('dir.h', true, from), { path: path.join(root, 'I2/dir.h'), text: 'the real one' });
  assert.equal(readHeader(path.join(root, 'nothing.h')), undefined);
});

test('text that is no file (stdin, --include on the command line) includes "…" from the current directory', () => {
  const r = includeResolver({ ...search, currentDir: path.join(root, 'src') });
  assert.equal(r('h.h', false, 'stdin'), { path: path.join(root, 'src/h.h'), text: 'src' });
  assert.equal(r('h.h', false, '<command line>'), { path: path.join(root, 'src/h.h'), text: 'src' });
});

test('through the preprocessor: --include FILE, -I, and the error for a missing header', () => {
  put('src/pre.h', '#define PRE 5\n');
  put('I1/defs.h', '#pragma once\n#define FROM_I 6\n');
  const r = preprocess(
    sourceFile(from, '#include <defs.h>\n#include <defs.h>\nint a = PRE + FROM_I;\n#include "absent.h"\n'),
    {
      includeFiles: ['pre.h'],
      resolveInclude: includeResolver({ ...search, currentDir: path.join(root, 'src') }),
    },
  );
  assert.equal(r.text.replace(/\s+/g, ' ').trim(), 'int a = 5 + 6;');
  assert.equal(
    renderDiagnostics(r.diagnostics).replaceAll(root, 'ROOT'),
    `ROOT/src/main.bt:4:1-20: ERROR: cannot find header "absent.h"
#include "absent.h"
~~~~~~~~~~~~~~~~~~~
HINT: looked for it in: ROOT/src/absent.h, ROOT/I1/absent.h, ROOT/I2/absent.h, ROOT/sys/absent.h
HINT: add the directory that holds it with -I DIR
`,
  );
});

test("gcc's include directory: the newest version under /usr/lib/gcc/<triple>", () => {
  const triple = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const fake = path.join(root, 'gcc');
  for (const v of ['9', '12', '12.1', 'junk']) mkdirSync(path.join(fake, triple, v, 'include'), { recursive: true });
  assert.equal(gccIncludeDir(fake), path.join(fake, triple, '12.1', 'include'));
  assert.equal(gccIncludeDir(path.join(root, 'no-gcc')), undefined);
  // the real system: every directory listed exists, /usr/include last
  const dirs = systemIncludeDirs();
  if (dirs.length > 0) assert.equal(dirs[dirs.length - 1], '/usr/include');
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
