// uprobe `args` typed from the binary's DWARF, through the real CLI on bpftrace v0.26.1's own test program
// (tests/testprogs/uprobe_test.c, read from the bpftrace mirror at test time and built with gcc -g): the
// expectations of its tests/runtime/dwarf "uprobe arg by name - char/pointer/struct", "uprobe args as pointer",
// "struct field string", "struct field array", "cast to struct" and "struct override".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { hasGcc } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

const MIRROR = process.env.SCRY_BPFTRACE_MIRROR ?? '/work/.mirror/bpftrace+bpftrace/repo';

/** v0.26.1's uprobe_test.c built with -g in a temp dir, or why it cannot be. */
function buildTestProgram(): { dir: string; bin: string } | string {
  if (!hasGcc()) return 'gcc is not installed';
  if (!existsSync(MIRROR)) return `no bpftrace mirror at ${MIRROR} (SCRY_BPFTRACE_MIRROR names another)`;
  const src = spawnSync('git', ['--git-dir', MIRROR, 'show', 'v0.26.1:tests/testprogs/uprobe_test.c'], {
    encoding: 'utf8',
  });
  if (src.status !== 0) return `the mirror has no v0.26.1:tests/testprogs/uprobe_test.c: ${src.stderr.trim()}`;
  const dir = mkdtempSync(join(tmpdir(), 'scry-uprobe-dwarf-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'uprobe_test.c'), src.stdout);
  const bin = join(dir, 'uprobe_test');
  const cc = spawnSync('gcc', ['-g', '-O0', '-o', bin, join(dir, 'uprobe_test.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`);
  return { dir, bin };
}

const root = requireRoot('e2e uprobe args from DWARF');
const built = root ? buildTestProgram() : undefined;
if (typeof built === 'string') process.stderr.write(`SKIP e2e uprobe args from DWARF: ${built}\n`);

if (built && typeof built !== 'string') {
  const { bin } = built;
  /** The program run with the test program as its child (-c), which calls each function every 100 ms. */
  const run = async (prog: string) => {
    const r = await runScry(['-q', '-c', bin, '-e', prog]);
    assert.is(r.stderr, '', prog);
    assert.is(r.code, 0, prog);
    return r.stdout.trim();
  };

  test('uprobe arg by name: a char, an int behind a pointer, the -> spelling', async () => {
    assert.is(
      await run(`uprobe:${bin}:uprobeFunction1 { printf("c = %c n = %d\\n", args.c, *(args.n)); exit(); }`),
      'c = x n = 13',
    );
    assert.is(await run(`uprobe:${bin}:uprobeFunction1 { printf("c = %c\\n", args->c); exit(); }`), 'c = x');
  });

  test('a struct by pointer: an int field, a char array as a string, an int array printed whole', async () => {
    assert.is(
      await run(`uprobe:${bin}:uprobeFunction2 { printf("foo1.a = %d\\n", args.foo1.a); exit(); }`),
      'foo1.a = 123',
    );
    assert.is(
      await run(`uprobe:${bin}:uprobeFunction2 { printf("foo1.b = %s\\n", args.foo1.b); exit(); }`),
      'foo1.b = hello',
    );
    assert.is(await run(`uprobe:${bin}:uprobeFunction2 { print(args.foo1.c); exit(); }`), '[1,2,3]');
    // through two pointers and a nested struct
    assert.is(
      await run(
        `uprobe:${bin}:uprobeFunctionBar { printf("%d %d\\n", args.bar->foos[1]->a, args.bar.nested.c[2]); exit(); }`,
      ),
      '456 3',
    );
  });

  test("cast to the binary's struct; a script's own struct Foo wins over it", async () => {
    assert.is(
      await run(`uprobe:${bin}:uprobeFunction2 { printf("foo1.a = %d\\n", ((struct Foo *)arg0).a); exit(); }`),
      'foo1.a = 123',
    );
    assert.is(
      await run(
        `struct Foo { int b; } uprobe:${bin}:uprobeFunction2 { printf("foo1.b = %d\\n", ((struct Foo *)arg0).b); exit(); }`,
      ),
      'foo1.b = 123',
    );
  });

  test('a struct the script names is found anywhere in the binary: over an int * (n = 13) and at return', async () => {
    assert.is(await run(`uprobe:${bin}:uprobeFunction1 { printf("%d\\n", ((struct Foo *)arg0).a); exit(); }`), '13');
    assert.is(
      await run(`uretprobe:${bin}:uprobeFunction2 { printf("%s\\n", ((struct Foo *)retval).b); exit(); }`),
      'hello',
    );
  });

  test("complex type declaration: the binary's array of struct pointers named in a let", async () => {
    assert.is(
      await run(
        `uprobe:${bin}:uprobeFunctionBar { let $x: struct Foo *[2] = args.bar->foos; printf("bar.foos[0].a = %d\\n", $x[0]->a); exit(); }`,
      ),
      'bar.foos[0].a = 123',
    );
  });

  test('what no register holds whole is refused where it is read', async () => {
    const r = await runScry(['--dry-run', '-e', `uprobe:${bin}:uprobeFunctionUint128 { print(args.x); }`]);
    assert.match(
      r.stderr,
      'ERROR: args.x (__int128 unsigned x) is 128 bits wide, passed in two registers, which scry cannot read\n',
    );
    assert.is(r.code, 1);
    const d = await runScry(['--dry-run', '-e', `uprobe:${bin}:uprobeFunction2 { print(args.foo1.d); }`]);
    assert.match(d.stderr, 'ERROR: d is a 128-bit integer (__int128), which scry cannot hold yet\n');
    assert.is(d.code, 1);
  });
}

// The same on a program of our own, so that a machine without the bpftrace mirror still runs the feature end
// to end: a char and an int in registers, an int behind a pointer, a struct's int, char array and int array
// through a pointer, a negative long, and an enum printed by name.
const OWN = `
#include <unistd.h>
enum Mode { OFF, ON };
struct Pt { int x; char name[8]; int arr[3]; };
__attribute__((noinline)) int probed(struct Pt *p, char c, int *n, long neg, enum Mode m) {
  return p->x + c + *n + (int)neg + m;
}
int main(void) {
  struct Pt p = { 42, "scry", { 7, 8, 9 } };
  int n = 5;
  for (;;) { probed(&p, 'q', &n, -1234567890123L, ON); usleep(100000); }
}
`;

function buildOwn(): string | undefined {
  if (!hasGcc()) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'scry-uprobe-dwarf-own-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'own.c'), OWN);
  const bin = join(dir, 'own');
  const cc = spawnSync('gcc', ['-g', '-O0', '-o', bin, join(dir, 'own.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`);
  return bin;
}

const own = root ? buildOwn() : undefined;
if (root && !own) process.stderr.write('SKIP e2e uprobe args from DWARF (own program): gcc is not installed\n');
if (own)
  test("a program of scry's own: registers, a pointer, a struct's fields, a negative long, an enum", async () => {
    const r = await runScry([
      '-q',
      '-c',
      own,
      '-e',
      `uprobe:${own}:probed { printf("%c %d %d %s %d %ld %s\\n", args.c, *args.n, args.p->x, args.p->name, args.p->arr[2], args.neg, args.m); exit(); }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout.trim(), 'q 5 42 scry 9 -1234567890123 ON');
  });

test.run();
