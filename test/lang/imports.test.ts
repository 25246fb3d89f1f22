// `import "path";` (bpftrace v0.26, docs/language.md "Imports"): what each kind of file brings, where paths are
// looked up, each file imported once, and the located errors (placement, missing files, world-writable
// places, BPF C that needs a C compiler scry does not have). Files come from an in-memory ImportFiles; the
// file-system reader is runtime/import-files.ts, run by test/e2e/imports.test.ts.
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource, type CompileSourceResult } from '../../compiler/index.ts';
import { renderDiagnostics, type ImportFiles } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

type Tree = Record<string, string | { dir: true } | { dir: true; worldWritable: true } | { worldWritable: string }>;

/** An ImportFiles over `tree` (absolute paths → text or directory), with /work as the current directory. */
function memoryFiles(tree: Tree): ImportFiles {
  const entry = (p: string) => tree[p];
  return {
    resolve: (name, from) =>
      path.posix.resolve(from === '' || from === 'stdin' ? '/work' : path.posix.dirname(from), name),
    stat: (p) => {
      const e = entry(p);
      if (e === undefined) return undefined;
      const parent = entry(path.posix.dirname(p));
      const parentWritable = typeof parent === 'object' && 'worldWritable' in parent && parent.worldWritable === true;
      if (typeof e === 'string') return { kind: 'file', worldWritable: parentWritable };
      if ('dir' in e) return { kind: 'directory', worldWritable: 'worldWritable' in e || parentWritable };
      return { kind: 'file', worldWritable: true };
    },
    read: (p) => {
      const e = entry(p);
      if (typeof e === 'string') return { text: e };
      if (e && 'worldWritable' in e && typeof e.worldWritable === 'string') return { text: e.worldWritable };
      return { error: 'no such file' };
    },
    list: (dir) => ({
      paths: Object.keys(tree)
        .filter((p) => path.posix.dirname(p) === dir && p !== dir)
        .sort(),
    }),
  };
}

function compile(text: string, tree: Tree, name = '/work/main.bt'): CompileSourceResult {
  return compileSource(text, fixedKernel, {
    name,
    importFiles: memoryFiles(tree),
    resolveInclude: (n) => {
      const e = tree[n];
      return typeof e === 'string' ? { path: n, text: e } : { tried: [n] };
    },
  });
}

function ok(r: CompileSourceResult) {
  assert.ok(r.program, renderDiagnostics(r.diagnostics));
  return r.program!;
}

const errors = (r: CompileSourceResult) => renderDiagnostics(r.diagnostics.filter((d) => d.severity === 'error'));

test('a .bt import brings its probes (before the importing script’s), macros and map declarations', () => {
  const r = compile('import "lib.bt";\nBEGIN { @m[1] = two(); exit(); }', {
    '/work/lib.bt': 'let @m = lruhash(10);\nmacro two() { 2 }\nEND { printf("end\\n"); }',
  });
  const p = ok(r);
  assert.equal(
    p.programs.map((x) => x.attach.provider),
    ['END', 'BEGIN'],
  );
  assert.is(p.maps.find((m) => m.user?.name === '@m')?.kind, 'lru_hash');
});

test('a .h import brings its C definitions to the script', () => {
  const p = ok(
    compile('import "types.h";\nBEGIN { @s = sizeof(struct pt); exit(); }', {
      '/work/types.h': 'struct pt { int x; int y; long z; };',
    }),
  );
  assert.ok(p.programs.length === 1);
  const bad = compile('BEGIN { @s = sizeof(struct pt); exit(); }', {});
  assert.ok(!bad.program, 'without the import struct pt is unknown');
});

test('a directory imports its .bt and .h files, not other files nor subdirectories', () => {
  const r = compile('import "lib";\nBEGIN { one(); @s = sizeof(struct pt); exit(); }', {
    '/work/lib': { dir: true },
    '/work/lib/a.bt': 'macro one() { printf("one\\n"); }',
    '/work/lib/t.h': 'struct pt { int x; };',
    '/work/lib/notes.txt': 'not bpftrace',
    '/work/lib/sub': { dir: true },
    '/work/lib/sub/b.bt': 'BEGIN { this is not parsed }',
  });
  ok(r);
});

test('paths are relative to the importing script; -e imports from the current directory', () => {
  const tree: Tree = {
    '/work/lib': { dir: true },
    '/work/lib/a.bt': 'import "b.bt";\nmacro a() { b() }',
    '/work/lib/b.bt': 'macro b() { 7 }',
  };
  ok(compile('import "lib/a.bt";\nBEGIN { @x = a(); exit(); }', tree));
  ok(compile('import "lib/a.bt";\nBEGIN { @x = a(); exit(); }', tree, 'stdin'));
  const other = compile('import "a.bt";\nBEGIN { exit(); }', tree, '/elsewhere/x.bt');
  assert.match(errors(other), 'cannot find import "a.bt"');
  assert.match(errors(other), 'HINT: tried /elsewhere/a.bt');
});

test('each file is imported once: twice named, or imported back by what it imports (a → b → a)', () => {
  const tree: Tree = {
    '/work/b.bt': 'import "main.bt";\nimport "c.bt";\nEND { exit(); }',
    '/work/c.bt': 'import "b.bt";\nmacro c() { 3 }',
  };
  const p = ok(compile('import "b.bt";\nimport "b.bt";\nimport "./c.bt";\nBEGIN { @x = c(); }', tree));
  assert.equal(
    p.programs.map((x) => x.attach.provider),
    ['END', 'BEGIN'],
  );
});

test('imports come after C definitions and before probes, macros and map declarations', () => {
  const tree: Tree = { '/work/a.bt': 'macro a() { 1 }' };
  ok(
    compile(
      'struct s { int x; };\nimport "a.bt";\nconfig = { max_strlen = 16 }\nimport "a.bt";\nBEGIN { exit(); }',
      tree,
    ),
  );
  assert.is(
    errors(compile('BEGIN { exit(); }\nimport "a.bt";', tree)),
    [
      '/work/main.bt:2:1-15: ERROR: imports must come before probes, macros and map declarations',
      'import "a.bt";',
      '~~~~~~~~~~~~~~',
      'HINT: move the import up, after any #include and struct definitions',
      '',
    ].join('\n'),
  );
  assert.match(errors(compile('macro m() { 1 }\nimport "a.bt";\nBEGIN { exit(); }', tree)), 'imports must come before');
  assert.match(
    errors(compile('let @m = hash(2);\nimport "a.bt";\nBEGIN { exit(); }', tree)),
    'imports must come before',
  );
  assert.match(errors(compile('import a.bt;\nBEGIN { exit(); }', tree)), "expected a string after 'import'");
  assert.match(errors(compile('import "a.bt"\nBEGIN { exit(); }', tree)), "expected ';' after the import");
  // a C definition after an import is after the C part: refused as one after the probes
  assert.match(
    errors(compile('import "a.bt";\nstruct s { int x; };\nBEGIN { exit(); }', tree)),
    'C definitions must appear before probes and functions',
  );
});

test('an imported script may not hold a config block or C definitions; its errors point into it', () => {
  const tree: Tree = {
    '/work/c.bt': 'config = { max_strlen = 16 }\nBEGIN { exit(); }',
    '/work/d.bt': 'struct s { int x; };\nBEGIN { exit(); }',
    '/work/e.bt': 'BEGIN { exit() }}',
    '/work/f.bt': 'config = { }\nmacro f() { 1 }',
  };
  assert.match(
    errors(compile('import "c.bt";\nBEGIN { }', tree)),
    '/work/c.bt:1:12-27: ERROR: an imported script cannot have a config block',
  );
  assert.match(
    errors(compile('import "d.bt";\nBEGIN { }', tree)),
    '/work/d.bt:1:1-21: ERROR: an imported script cannot hold C definitions',
  );
  assert.match(errors(compile('import "e.bt";\nBEGIN { }', tree)), '/work/e.bt:1:');
  ok(compile('import "f.bt";\nBEGIN { @x = f(); exit(); }', tree));
});

test('files or directories every user may write are refused', () => {
  const tree: Tree = {
    '/work/open': { dir: true, worldWritable: true },
    '/work/open/a.bt': 'macro a() { 1 }',
    '/work/lib': { dir: true },
    '/work/lib/w.bt': { worldWritable: 'macro w() { 1 }' },
  };
  assert.match(
    errors(compile('import "open/a.bt";\nBEGIN { exit(); }', tree)),
    'refusing to import /work/open/a.bt: it or its directory is writable by every user',
  );
  assert.match(errors(compile('import "open";\nBEGIN { exit(); }', tree)), 'refusing to import /work/open:');
  assert.match(errors(compile('import "lib";\nBEGIN { exit(); }', tree)), 'refusing to import /work/lib/w.bt:');
});

test('BPF C (.bpf.c, bpftrace’s stdlib C modules) is refused: scry has no C compiler; say to write a macro', () => {
  const tree: Tree = { '/work/lib.bpf.c': 'int f(void) { return 1; }', '/work/x.c': '', '/work/x.txt': '' };
  const c = errors(compile('import "lib.bpf.c";\nBEGIN { exit(); }', tree));
  assert.match(c, '/work/main.bt:1:1-20: ERROR: cannot import lib.bpf.c: scry has no C compiler');
  assert.match(c, 'HINT: write the function as a macro in a .bt file and import that');
  assert.match(
    errors(compile('import "stdlib/test"; BEGIN { print(__always_true()); }', {})),
    'cannot import "stdlib/test": scry has no C compiler',
  );
  assert.match(
    errors(compile('import "x.c";\nBEGIN { exit(); }', tree)),
    'cannot import x.c: not a file type import takes',
  );
  assert.match(errors(compile('import "x.txt";\nBEGIN { exit(); }', tree)), 'cannot import x.txt');
  // the standard library's macros are built in: importing it by name changes nothing
  ok(compile('import "stdlib";\nBEGIN { exit(); }', {}));
});

test('without a file reader (a REPL line, a test) an import is an error, not a crash', () => {
  const r = compileSource('import "a.bt";\nBEGIN { exit(); }', fixedKernel, {});
  assert.match(renderDiagnostics(r.diagnostics), 'cannot import "a.bt" here');
});

test.run();
