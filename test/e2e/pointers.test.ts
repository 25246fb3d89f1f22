// Pointers on the real kernel (issue 13, item 3): arithmetic moves by elements, ++/--/+=/-= on variables and
// maps, pointers keep their type in maps and print as hex addresses, as bpftrace v0.26 prints them (0.17
// printed map pointers in decimal and had no hex form); printf %d/%p of a pointer print the number.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint, skipCheck } from '../helpers/kernel.ts';

/** test/fixtures/pointer-target.c built with gcc (-O0, so arguments are as written), or why not. */
function pointerTarget(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'scry-pointers-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'pointer-target');
  const src = fileURLToPath(new URL('../fixtures/pointer-target.c', import.meta.url));
  const r = spawnSync('gcc', ['-g', '-O0', '-o', bin, src], { encoding: 'utf8' });
  if (r.status === 0) return bin;
  skipCheck('e2e pointers (uprobes)', r.error ? `gcc: ${r.error.message}` : `gcc failed: ${r.stderr}`);
  return undefined;
}

if (requireRoot('e2e pointers')) {
  test('arithmetic on typed pointers moves by the pointee size, in printf and in maps', async () => {
    const r = await runScry([
      '-q',
      '-e',
      `BEGIN {
        printf("%d %d %d %p\\n", (int32 *)32 + 1, 3 + (int64 *)0, (int8 *)10 - 3, (int16 *)0x40 + 8);
        $i = -2; printf("%d\\n", (int32 *)0x40 + $i);
        $p = (int16 *)0x100; $p++; ++$p; $p--; $p += 3; $p -= 1;
        @v = $p;
        @m = (uint64 *)0x1000; @m++; @m -= 3; @m += 10; --@m;
        @n = (uint32 *)0x20; $k = 4; @n += $k;
        exit();
      }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    // 0x100 +2 +2 -2 +6 -2 = 0x106; 0x1000 +8 -24 +80 -8 = 0x1038; 0x20 + 16 = 0x30
    assert.is(r.stdout, '36 24 7 0x50\n56\n\n\n@m: 0x1038\n@n: 0x30\n@v: 0x106\n');
  });

  test('pointers as keys and in tuples print as addresses; comparisons and truth work on them', async () => {
    const r = await runScry([
      '-q',
      '-e',
      `BEGIN {
        @t[(int32 *)8] = ((int32 *)8 + 1, 5);
        if ((int32 *)8 + 1 == 12 && (int32 *)8 < (int32 *)9 && (int32 *)1) { printf("yes\\n"); }
        print((int8 *)0xff + 1);
        exit();
      }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, 'yes\n0x100\n\n\n@t[0x8]: (0xc, 5)\n');
  });

  test('-f json: a pointer map value is its number, an integer array a JSON array (bpftrace v0.26)', async () => {
    const r = await runScry([
      '-q',
      '-f',
      'json',
      '-e',
      'BEGIN { @p = (int32 *)32 + 1; @a = (int8[2])(int16)258; @b = (bool[2])(uint16)1; exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(
      r.stdout,
      '{"type": "map", "data": {"@a": [2,1]}}\n{"type": "map", "data": {"@b": [true,false]}}\n{"type": "map", "data": {"@p": 36}}\n',
    );
    // inside a tuple, a record and a kernel struct too (v0.26 writes a symbolic value's number); text shows hex
    const prog =
      'BEGIN { $p = (int16 *)0x32; print(($p, 1)); print((a = $p, b = 2)); @t[$p] = 1; $s = *curtask; print($s.mm == 0 ? 1 : 2); ' +
      '@k = (curtask->mm != 0, 3); exit(); }';
    const json = await runScry(['-q', '-f', 'json', '-e', prog]);
    assert.is(json.stderr, '');
    assert.match(json.stdout, '{"type": "value", "data": [50,1]}\n{"type": "value", "data": {"a": 50, "b": 2}}\n');
    // a key is its text, as v0.26 writes keys
    assert.match(json.stdout, '{"type": "map", "data": {"@t": {"0x32": 1}}}\n');
    const text = await runScry(['-q', '-e', prog]);
    assert.match(text.stdout, '(0x32, 1)\n{ .a = 0x32, .b = 2 }\n');
    assert.match(text.stdout, '@t[0x32]: 1\n');
  });

  test('a pointer to a kernel struct steps by the struct size', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%d\\n", ((struct task_struct *)0 + 2) == 2 * sizeof(struct task_struct)); exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, '1\n\n\n');
  });

  test('. reads through a pointer to a struct as -> does (bpftrace v0.26: -> is an alias of .)', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%d %d %d\\n", curtask.parent.pid == curtask->parent->pid, curtask.pid == pid, (*curtask).tgid == pid); exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, '1 1 1\n\n\n');
  });
}

if (requireRoot('e2e pointers (held structs)')) {
  test('a kernel struct or array held in a variable or a map reads its fields and elements', async () => {
    // before issue 13: "this struct value is not in memory, so its fields cannot be reached"
    const r = await runScry([
      '-q',
      '-e',
      `BEGIN {
        $t = *curtask; @t[1] = *curtask; $x = curtask.cpus_mask.bits; @x[1] = curtask.cpus_mask.bits;
        printf("%d %d %d %d %s\\n", $t.pid == pid, @t[1].parent.pid == curtask.parent.pid, $x[0] == @x[1][0],
          $x[0] == curtask.cpus_mask.bits[0], $t.comm);
        clear(@t); clear(@x); exit();
      }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, '1 1 1 1 scry\n\n\n'); // a cleared map prints nothing, as in bpftrace v0.26
  });
}

if (requireRoot('e2e pointers (address of)')) {
  test('&$v points at the variable: read through it, step over its bytes, cast it to a struct', async () => {
    const r = await runScry([
      '-q',
      '-e',
      `struct two { unsigned char lo; unsigned char hi; };
       BEGIN {
        $a = 7; $b = &$a; $s = "hey"; $c = (int8 *)&$s; $v = (uint64)0x1e02; $p = (uint8 *)&$v;
        $t = *curtask; $q = &$t;
        printf("%d %c%c %s %d %d %d %d\\n", *$b, *$c, *++$c, *&$s, $p[0], *($p + 1), ((struct two *)&$v).hi,
          $q.pid == pid);
        exit();
      }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, '7 he hey 2 30 30 1\n\n\n');
  });
}

if (requireRoot('e2e pointers (integer arrays)')) {
  test('integer and bool arrays from casts: index, print, store in maps, cast back to an integer', async () => {
    // the casts bpftrace v0.26 documents ($a = (uint8[8])12345; $x = (uint64)$a); 0.17 has none of them
    const r = await runScry([
      '-q',
      '-e',
      `BEGIN {
        printf("%x %x %x\\n", ((int8[8])12345)[0], ((int8[])12345)[1], (uint32)pton("127.0.0.1"));
        print((int8[])"hey");
        $a = (uint8[8])0x0102030405060708; @m[1] = $a; @b = (bool[2])(uint16)1;
        printf("%lx %d %d %d\\n", (uint64)$a, $a[0], $a[7], @m[1][1]);
        printf("%d %d %d %d\\n", $a == @m[1], $a != (uint8[8])(uint64)1, curtask.cpus_mask.bits == curtask.cpus_mask.bits,
          *curtask == *curtask.parent);
        _ = curtask.comm;
        exit();
      }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(
      r.stdout,
      '39 30 100007f\n[104,101,121,0]\n102030405060708 8 1 7\n1 1 1 0\n\n\n@b: [true,false]\n@m[1]: [8,7,6,5,4,3,2,1]\n',
    );
  });
}

const bin = requireRoot('e2e pointers (uprobes)') ? pointerTarget() : undefined;
if (bin) {
  test('structs declared in the script: . through pointers, struct values in variables and maps read their fields', async () => {
    const r = await runScry([
      '-q',
      '-c',
      bin,
      '-e',
      `struct point { int x; int y; }; struct node { long id; struct point *pt; struct node *next; char name[8]; };
       uprobe:${bin}:take_node {
         $n = (struct node *)arg0; @a = $n.next.id; @b = $n->next->pt->y;
         $c = *$n; @c = $c.pt.x; @d = $c.name; $m = $n.next; @f = $m.name;
         @g = *$n.pt; @h = @g.y; @e = ($n + 1) == (uint64)$n + sizeof(struct node); @i = (uint64)$n.name;
       }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(
      r.stdout.replace(/^pointer-target \d+\n/, '').replace(/@g: .*\n/, ''),
      '\n\n@a: 2\n@b: 22\n@c: 11\n@d: first\n@e: true\n@f: second\n@h: 22\n@i: ' + 0x7473726966 + '\n',
    );
  });

  test('in a uprobe a cast integer points into user memory: *, [], ++ and ** read the traced process', async () => {
    // before issue 13 these read with probe_read_kernel and printed 0; kptr() still says kernel (and reads 0)
    const r = await runScry([
      '-q',
      '-c',
      bin,
      '-e',
      `uprobe:${bin}:take_u16 { @a = *((uint16 *)arg0 + 1); @b = ((uint16 *)arg0)[3]; $p = (uint16 *)arg0; $p++; @c = *$p; @d = (uint64)$p - arg0;
         @u = *((uint16 *)uptr(arg0) + 1); @k = *((uint16 *)kptr(arg0) + 1); }
       uprobe:${bin}:take_ptrs { $p = (int32 **)arg0; @x = **($p + 1); @y = *$p[0]; @m = $p; }
       uprobe:${bin}:take_strings { @s = str(((int8 **)arg0)[2]); }
       uretprobe:${bin}:take_node { $q = @m; @z = *$q[1]; }`,
    ]);
    assert.is(r.stderr, '');
    assert.match(r.stdout, /^pointer-target \d+\n/);
    assert.is(
      r.stdout.replace(/^.*\n/, '').replace(/@m: 0x[0-9a-f]+\n/, ''),
      '\n\n@a: 1110\n@b: 4\n@c: 1110\n@d: 2\n@k: 0\n@s: two\n@u: 1110\n@x: 2\n@y: 1\n@z: 2\n',
    );
  });
}

if (requireTracepoint('e2e pointers (syscall arguments)', 'syscalls/sys_enter_execve')) {
  test('syscall tracepoint pointers are user pointers: argv indexes, rqtp.tv_nsec reads through', async () => {
    const r = await runScry([
      '-q',
      '-c',
      '/bin/echo one two',
      '-e',
      'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s %s|\\n", str(args.argv[1]), str(*(args.argv + 2))); }',
    ]);
    assert.is(r.stderr, '');
    // the traced echo prints too, in any order against the probe's line
    assert.ok(r.stdout.split('\n').includes('one two|'), r.stdout);
    const t = await runScry([
      '-q',
      '-c',
      'sleep 0.01',
      '-e',
      'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { printf("%d %d\\n", args.rqtp.tv_nsec, args.rqtp->tv_sec); }',
    ]);
    assert.is(t.stderr, '');
    assert.is(t.stdout, '10000000 0\n\n\n');
  });
}

test.run();
