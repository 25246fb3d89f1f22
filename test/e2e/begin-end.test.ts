// BEGIN/END order, map printing and exit codes, through the real CLI on the real kernel.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e begin-end')) {
  test('BEGIN runs before END, and maps print after END', async () => {
    const r = await runScry([
      '-e',
      'BEGIN { printf("begin %d\\n", 1); @n = count(); exit(); } END { printf("end\\n"); }',
    ]);
    assert.is(r.stderr, 'Attached 2 probes\n');
    assert.is(r.stdout, 'begin 1\nend\n\n\n@n: 1\n');
    assert.is(r.code, 0);
  });

  test('-q silences the banner', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { exit(); }']);
    assert.is(r.stderr, '');
    assert.is(r.stdout, '\n\n');
  });

  test('maps print in name order, entries ascending by value', async () => {
    const prog = `BEGIN {
      @c[1] = count(); @c[2] = count(); @c[2] = count(); @c[3] = count(); @c[3] = count(); @c[3] = count();
      @s = sum(5); @s = sum(7);
      @lo = min(5); @lo = min(-3); @lo = min(9);
      @hi = max(4); @hi = max(11); @hi = max(-2);
      @k["a", 2] = 7; @k["b", 1] = 3;
      @v = 10 - 3 * 4;
      @x[comm] = count();
      exit();
    }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.code, 0);
    assert.is(
      r.stdout,
      '\n\n' +
        '@c[1]: 1\n@c[2]: 2\n@c[3]: 3\n' +
        '@hi: 11\n' +
        '@k[b, 1]: 3\n@k[a, 2]: 7\n' +
        '@lo: -3\n' +
        '@s: 12\n' +
        '@v: -2\n' +
        '@x[scry]: 1\n',
    );
  });

  test('++, +=, predicates and reads of missing keys', async () => {
    const prog = `BEGIN { @a++; @a++; @a += 5; @b[1] -= 2; @c = @missing[7] + 1; @d = @a > 3 ? 100 : 200;
                    if (@a == 7) { @e = 1 } else { @e = 2 } $x = 6; $x = $x * 7; @f = $x; @g = -7 / 2; @h = -7 % 2; exit(); }
             BEGIN /0/ { @never = 1; @missing[1] = 5; }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stderr, '');
    // @missing and @never exist but stay empty: nothing printed for them (bpftrace v0.26; 0.17 a blank line each)
    assert.is(r.stdout, '\n\n@a: 7\n@b[1]: -2\n@c: 1\n@d: 100\n@e: 1\n@f: 42\n@g: -3\n@h: -1\n');
  });

  test('control flow, casts, strings and tuples compute as in C and bpftrace', async () => {
    const prog = `BEGIN {
      $i = 0; $s = 0;
      while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i == 8) { break; } $s += $i; }
      for ($j : 0..4) { @r += $j; }
      unroll(3) { @u++; }
      printf("%d %d %d %u %d %d\\n", $i, $s, (uint8)300, (uint32)-1, (int8)200, (int16)70000);
      $t = (1, "two", -3);
      printf("%d %s %d %d\\n", $t.0, $t.1, $t.2, ("a" == "a") + ("a" < "b") + ("abc" != "abd"));
      $w = (uint8)250; $w += 10;
      printf("%d %d %d %s\\n", $w, -7 / 2, 7 % -3, $1 > 3 ? str($2) : "small");
      exit();
    }`;
    const r = await runScry(['-q', '-e', prog, '5', 'big']);
    // bpftrace v0.26 warns on while loops, and only on that
    assert.match(r.stderr, /^stdin:3:7-\d+: WARNING: While loops are deprecated/);
    assert.is(r.stderr.split('\n').filter((l) => /WARNING|ERROR/.test(l)).length, 1, r.stderr);
    // `$w += 10` widens $w as `$w = $w + 10` does in bpftrace v0.26 (the sum is 64-bit): 260 (0.17 wrapped to 4)
    assert.is(r.stdout, '8 25 44 4294967295 -56 4464\n1 two -3 3\n260 -3 1 big\n\n\n@r: 6\n@u: 3\n');
  });

  test('strings bigger than the BPF stack live in scratch space', async () => {
    const long = 'x'.repeat(700);
    const prog = `config = { max_strlen = 1024 } BEGIN { $a = "${long}"; $b = "${long}"; printf("%s %d\\n", $a, $a == $b); exit(); }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, `${long} 1\n\n\n`);
  });

  test('map keys longer than the BPF stack allows work (scratch space)', async () => {
    const long = 'k'.repeat(600);
    const r = await runScry([
      '-q',
      '-e',
      `BEGIN { @m["${long}"] = 1; @m["${long}"]++; @c["${long}", 2] = count(); exit(); }`,
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, `\n\n@c[${long}, 2]: 1\n@m[${long}]: 2\n`);
  });

  test('-o writes program output to a file, the banner stays on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-out-'));
    const file = join(dir, 'out.txt');
    for (const mode of ['none', 'line', 'full']) {
      const r = await runScry([
        '-B',
        mode,
        '-o',
        file,
        '-e',
        'BEGIN { printf("a\\n"); printf("b\\n"); @x = 1; exit(); }',
      ]);
      assert.is(r.code, 0);
      assert.is(r.stdout, '');
      assert.is(r.stderr, 'Attached 1 probe\n');
      assert.is(readFileSync(file, 'utf8'), 'a\nb\n\n\n@x: 1\n', mode);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('time() prints the local time with strftime formats; cat() prints a file named by a format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-cat-'));
    writeFileSync(join(dir, 'f1.txt'), 'first line\nsecond\n');
    const prog = `BEGIN { time("year %Y%n"); cat("${dir}/f%d.txt", 1); exit(); }`;
    const text = await runScry(['-q', '-e', prog]);
    const json = await runScry(['-q', '-f', 'json', '-e', prog]);
    rmSync(dir, { recursive: true, force: true });
    const year = new Date().getFullYear();
    assert.is(text.stdout, `year ${year}\nfirst line\nsecond\n\n\n`);
    assert.is(
      json.stdout,
      `{"type": "time", "data": "year ${year}\\n"}\n{"type": "cat", "data": "first line\\nsecond\\n"}\n`,
    );
  });

  test('string functions: strlen, strncmp, str with a length, strcontains, strerror', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $s = "hello"; printf("%d %d %d %d %s\\n", strlen($s), strlen(""), strlen(str($1)), strncmp($s, "help", 3), str($1, 3)); exit(); }',
      'abcdefg',
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, '5 0 7 0 abc\n\n\n');
    const c = await runScry([
      '-q',
      '-e',
      'BEGIN { $h = "hello"; printf("%d%d%d%d%d%d %s\\n", strcontains($h, "llo"), strcontains($h, "hello!"), strcontains($h, "h"), strcontains("", ""), strcontains("", "a"), strcontains($h, "lx"), strerror(2)); exit(); }',
    ]);
    assert.is(c.stderr, '');
    assert.is(c.stdout, '101100 No such file or directory\n\n\n');
  });

  test('system() needs --unsafe, then runs the command in order with printf output', async () => {
    const refused = await runScry(['-q', '-e', 'BEGIN { system("echo hi"); exit(); }']);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /system\(\) runs commands as root, so it needs --unsafe/);
    const r = await runScry([
      '-q',
      '--unsafe',
      '-e',
      'BEGIN { printf("before\\n"); system("echo hi %d", 5); printf("after\\n"); exit(); }',
    ]);
    assert.is(r.stdout, 'before\nhi 5\nafter\n\n\n');
    const j = await runScry(['-q', '--unsafe', '-f', 'json', '-e', 'BEGIN { system("echo hi"); exit(); }']);
    assert.is(j.stdout, '{"type": "syscall", "data": "hi\\n"}\n');
  });

  test('exit(code) sets the exit status', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { exit(3); }']);
    assert.is(r.code, 3);
  });

  test('a syntax error prints the bpftrace-style diagnostic and exits 1', async () => {
    const r = await runScry(['-e', 'BEGIN { @x = 1 +; }']);
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.is(r.stderr, 'stdin:1:16-18: ERROR: syntax error, unexpected ;\nBEGIN { @x = 1 +; }\n               ~~\n');
  });
}

test.run();
