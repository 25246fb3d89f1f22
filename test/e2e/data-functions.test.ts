// Functions whose values user space turns into text (buffers, symbols, addresses, names, times, cgroups),
// join(), stacks in every mode, errorf/warnf and -k, through the real CLI on the real kernel.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint } from '../helpers/kernel.ts';
import { scriptFile } from '../helpers/script-file.ts';

if (requireRoot('e2e data functions')) {
  test('buffers print escaped with %r, as \\x bytes with %rx and as hex with %rh', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%r|%rx|%rh|%r\\n", buf("ab\\x01c", 4), buf("ab", 2), buf("ab", 2), buf("xyz", 2)); exit(); }',
    ]);
    assert.is(r.stdout, 'ab\\x01c|\\x61\\x62|61 62|xy\n\n\n');
    assert.is(r.code, 0);
  });

  test('buffers cut from longer strings are equal keys when their bytes are (nothing past the length counts)', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { @b[buf("abcdefgh", 3)] = count(); @b[buf("abcxxxxx", 3)] = count(); printf("%r\\n", buf("ab", 2)); exit(); }',
    ]);
    assert.is(r.stdout, 'ab\n\n\n@b[abc]: 2\n');
  });

  test("a computed length cuts a string's buffer when the probe runs; 0 is empty (bpftrace v0.26), as str(s, 0)", async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $n = 3; $z = 0; printf("[%r] [%r] [%r] [%s] [%s]\\n", buf("abcdef", $n), buf("abcdef", $z), buf("abc", 0), str("abc", 0), str(kaddr("vfs_read"), 0)); @[buf("abcdef", $n)] = count(); @[buf("abcxyz", $n)] = count(); exit(); }',
    ]);
    assert.is(r.stdout, '[abc] [] [] [] []\n\n\n@[abc]: 2\n');
  });

  test('?: chooses between buffers', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $b = pid > 0 ? buf("ab", 2) : buf("cde", 3); printf("%r\\n", $b); exit(); }',
    ]);
    assert.is(r.stdout, 'ab\n\n\n');
  });

  test('buffers as map keys, values and print() values', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { @b[buf("x", 1)] = 1; @v = buf("q\\n", 2); print(buf("hi\\n", 3)); exit(); }',
    ]);
    assert.is(r.stdout, 'hi\\x0a\n\n\n@b[x]: 1\n@v: q\\x0a\n');
  });

  test('ksym names the function an address is in; kaddr finds a symbol; unknown addresses print in hex', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%s|%s|%s|%s\\n", ksym(kaddr("vfs_read")), ksym(kaddr("vfs_read") + 5), ksym(1), ksym(0)); @[ksym(kaddr("vfs_read"))] = count(); exit(); }',
    ]);
    assert.is(r.stdout, 'vfs_read|vfs_read|0x1|0\n\n\n@[vfs_read]: 1\n');
  });

  test('ntop prints IPv4 and IPv6 addresses; pton parses them', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("[%s] [%s] [%s] [%s]\\n", ntop(2, 0x0100007f), ntop(pton("::1")), ntop(pton("fe80::1:2")), ntop(pton("10.1.2.3"))); @[ntop(pton("::ffff:1.2.3.4"))] = 1; exit(); }',
    ]);
    assert.is(r.stdout, '[127.0.0.1] [::1] [fe80::1:2] [10.1.2.3]\n\n\n@[::ffff:1.2.3.4]: 1\n');
    // the family given decides when the probe runs (bpftrace v0.26 resolve_inet): AF_INET6 reads all 16 bytes
    // (an integer's 4, zero-padded), AF_INET the first 4, any other family gives no text
    const af = await runScry([
      '-q',
      '-e',
      'BEGIN { $f = 10; $v6 = pton("::1"); printf("[%s] [%s] [%s] [%s]\\n", ntop(7, 1), ntop($f, 0x0100007f), ntop(2, $v6), ntop($f, $v6)); exit(); }',
    ]);
    assert.is(af.stdout, '[] [7f00:1::] [0.0.0.0] [::1]\n\n\n');
    // pton() is a uint8[4] or uint8[16], as in bpftrace v0.26 (0.17 too): it indexes and prints as an array
    const a = await runScry([
      '-q',
      '-e',
      'BEGIN { $a = pton("127.0.0.1"); printf("%d %d\\n", $a[0], $a[3]); print(pton("10.0.0.1")); @a = pton("::1"); exit(); }',
    ]);
    assert.is(a.stdout, '127 1\n[10,0,0,1]\n\n\n@a: [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1]\n');
  });

  test('macaddr prints six bytes as upper-case hex pairs', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { printf("%s\\n", macaddr(buf("abcdef", 6))); exit(); }']);
    assert.is(r.stdout, '61:62:63:64:65:66\n\n\n');
  });

  test('username is the name of the uid running the probe', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { printf("%s %d\\n", username, uid); exit(); }']);
    assert.is(r.stdout, `${userInfo().username} ${userInfo().uid}\n\n\n`);
  });

  test('strftime turns nsecs into local wall-clock time, with %f as microseconds', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { printf("%s\\n", strftime("%Y-%m-%d %H:%M|%f", nsecs)); exit(); }']);
    const d = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const [when, micros] = r.stdout.split('\n')[0]!.split('|');
    // the run takes well under a minute; allow for a minute boundary in between
    const now = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const before = new Date(d.getTime() - 60_000);
    const earlier = `${before.getFullYear()}-${pad(before.getMonth() + 1)}-${pad(before.getDate())} ${pad(before.getHours())}:${pad(before.getMinutes())}`;
    assert.ok(when === now || when === earlier, `${when} is not ${now}`);
    assert.match(micros!, /^\d{6}$/);
  });

  // bpftrace v0.26 resolve_timestamp: only a boot-time stamp gets the boot time added; a TAI one is a date already
  // (scry added the boot time to every stamp: nsecs(tai) printed a date decades ahead); a monotonic one is refused
  test('strftime of nsecs(tai), nsecs(sw_tai), and a variable or map holding one, is the date of now', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $t = nsecs(sw_tai); @s[1] = nsecs(tai); printf("%s|%s|%s|%s\\n", strftime("%s", nsecs(tai)), strftime("%s", $t), strftime("%s", @s[1]), strftime("%s", nsecs)); clear(@s); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    const now = Date.now() / 1000;
    const seconds = r.stdout.split('\n')[0]!.split('|').map(Number);
    assert.is(seconds.length, 4, r.stdout);
    // CLOCK_TAI runs ahead of UTC by the kernel's TAI offset (0 unless NTP set it, 37 s when it did)
    for (const s of seconds) assert.ok(Math.abs(s - now) < 60, `${s} is not near ${now}: ${r.stdout}`);
    const mono = await runScry(['--dry-run', '-e', 'BEGIN { $m = nsecs(monotonic); print(strftime("%H", $m)); }']);
    assert.is(mono.code, 1);
    assert.match(mono.stderr, '1:53-55: ERROR: strftime() can not take a monotonic timestamp');
  });

  // bpftrace v0.26 BPFtrace::format_timestamp: %f, %k and %l are the second's micro-, nano- and milliseconds in
  // strftime(); time() hands its format to C's strftime, where %k and %l are the hour
  test('strftime: %k nanoseconds, %l milliseconds, C conversions (%c, %u); time(): %k and %l are hours', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%s\\n", strftime("%f|%k|%l|%u|%c", nsecs)); time("%k|%l|%P\\n"); exit(); }',
    ]);
    const [line, timed] = r.stdout.split('\n');
    const [us, ns, ms, weekday, c] = line!.split('|');
    assert.match(us!, /^\d{6}$/);
    assert.match(ns!, /^\d{9}$/);
    assert.is(ns!.slice(0, 6), us);
    assert.is(ns!.slice(0, 3), ms);
    assert.match(weekday!, /^[1-7]$/);
    assert.match(c!, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/);
    assert.match(timed!, /^[ \d]\d\|[ \d]\d\|(am|pm)$/);
  });

  test('cgroup_path names the cgroup v2 path of the probing process first', async () => {
    const v2 = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    const r = await runScry(['-q', '-e', 'BEGIN { printf("%s\\n", cgroup_path(cgroup)); exit(); }']);
    const first = r.stdout.split('\n')[0]!.split(',')[0];
    if (v2 !== undefined) assert.is(first, `unified:${v2}`);
    else assert.ok(first!.length > 0);
    // a second argument, a wildcard over the hierarchies' names, keeps those (bpftrace v0.26 stdlib.md)
    const only = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%s|%s|%s\\n", cgroup_path(cgroup, "unified"), cgroup_path(cgroup, "nothing*"), cgroup_path(cgroup, "*")); exit(); }',
    ]);
    const [unified, none, all] = only.stdout.split('\n')[0]!.split('|');
    if (v2 !== undefined) assert.is(unified, `unified:${v2}`);
    assert.is(none, '');
    assert.is(all, r.stdout.split('\n')[0]);
  });

  // v0.26 TextOutput::printf: the call's place and the message, not its source line (that is the call); inside a
  // macro, the uses it was expanded from with their lines
  test('warnf and errorf print a message with the script location on stderr, as bpftrace v0.26 does', async () => {
    const prog = 'BEGIN { printf("a\\n"); warnf("careful %d", 5); errorf("broken %s", "x"); exit(); }';
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stdout, 'a\n\n\n');
    assert.is(r.stderr, 'stdin:1:24-46: WARNING: careful 5\nstdin:1:48-72: ERROR: broken x\n');
    const m = await runScry(['-q', '-e', 'macro f() { warnf("inner"); } BEGIN { f(); exit(); }']);
    assert.is(
      m.stderr,
      'stdin:1:13-27: WARNING: inner\nstdin:1:39-42: WARNING: expanded from\n' +
        'macro f() { warnf("inner"); } BEGIN { f(); exit(); }\n                                      ~~~\n',
    );
  });

  // bpftrace v0.26: failed helpers other than reads and lookups warn by default; --no-warnings silences them
  test('a failed map delete is reported with its location, in bpftrace v0.26 words; --no-warnings is silent', async () => {
    const prog = 'BEGIN { delete(@y[2]); @y[1] = 1; exit(); }';
    const quiet = await runScry(['-q', '--no-warnings', '-e', prog]);
    assert.is(quiet.stdout, '\n\n@y[1]: 1\n');
    assert.is(quiet.stderr, '');
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stdout, '\n\n@y[1]: 1\n');
    assert.is(
      r.stderr,
      `stdin:1:9-22: WARNING: Can't delete map element because it does not exist.\nAdditional Info - helper: map_delete_elem, retcode: -2\n${prog}\n        ~~~~~~~~~~~~~\n`,
    );
  });

  test('-k also reports failed reads', async () => {
    const r = await runScry(['-q', '-k', '-e', 'BEGIN { @x = str(8); exit(); }']);
    assert.match(
      r.stderr,
      /^stdin:1:14-\d+: WARNING: Bad address\nAdditional Info - helper: probe_read_str, retcode: -14\n/,
    );
  });
}

if (requireTracepoint('e2e join', 'syscalls/sys_enter_execve')) {
  // -c splits at spaces as bpftrace does: the quotes are part of the words
  test('join prints argv joined by spaces, or by the separator given', async () => {
    const r = await runScry([
      '-q',
      '-c',
      '/bin/true alpha "b c" d',
      '-e',
      'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv); join(args->argv, ","); }',
    ]);
    assert.is(r.stdout, '/bin/true alpha "b c" d\n/bin/true,alpha,"b,c",d\n\n\n');
    assert.is(r.code, 0);
  });
}

if (requireTracepoint('e2e byte-array fields', 'sock/inet_sock_set_state')) {
  // integer arrays as bpftrace v0.26 types them (tracepoint_format_parser.cpp CreateArray; 0.17 indexed them too,
  // printing args->daddr[0] as 127): scry had them as buffers, which refused an index and printed \x7f\x00…
  test('__u8 address fields are arrays: ntop and macaddr take them, [i] indexes, print() writes [a,b,…]', async () => {
    // a refused connection to 127.0.0.1:1 goes CLOSE -> SYN_SENT (2) -> CLOSE (7)
    const r = await runScry([
      '-q',
      '-c',
      scriptFile('exec 3<>/dev/tcp/127.0.0.1/1 2>/dev/null; true', '/bin/bash'),
      '-e',
      'tracepoint:sock:inet_sock_set_state /pid == cpid && args->newstate == 2/ { printf("%s %s %d %rx %d %d\\n", ntop(args->saddr), ntop(args->daddr), args->dport, buf(args->daddr), args->daddr[0], args->daddr[3]); print(args->daddr); @[args->daddr] = count(); $i = 3; print(args->saddr_v6[15] + args->daddr[$i]); printf("%s\\n", macaddr(args->saddr_v6)); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(
      r.stdout,
      '127.0.0.1 127.0.0.1 1 \\x7f\\x00\\x00\\x01 127 1\n[127,0,0,1]\n2\n00:00:00:00:00:00\n\n\n@[[127,0,0,1]]: 1\n',
    );
  });
}

if (requireTracepoint('e2e stack modes', 'syscalls/sys_enter_getppid')) {
  const trigger = `tracepoint:syscalls:sys_enter_getppid /pid == cpid/`;
  test('kstack(N) keeps N frames; perf mode prints address and symbol; raw mode bare addresses', async () => {
    const r = await runScry([
      '-q',
      '-c',
      'perl -e getppid()',
      '-e',
      `${trigger} { printf("A%sB", kstack(2)); printf("C%sD", kstack(perf, 2)); printf("E%sF", kstack(raw, 1)); }`,
    ]);
    const m =
      /^A\n {8}(\S+\+\d+)\n {8}(\S+\+\d+)\nBC\n\t([0-9a-f]+) (\S+\+\d+)\n\t([0-9a-f]+) (\S+\+\d+)\nDE\n([0-9a-f]+)\nF/.exec(
        r.stdout,
      );
    assert.ok(m, r.stdout);
    assert.is(m![3], m![7]); // the same innermost frame, in perf and raw mode
    assert.is(m![1], m![4]);
  });

  test('stacks with different limits aggregate separately, keys indented by 8 (bpftrace v0.26; 0.17 indented 4)', async () => {
    const r = await runScry([
      '-q',
      '-c',
      'perl -e getppid()',
      '-e',
      `${trigger} { @a[kstack(1)] = count(); @b[kstack] = count(); @c[kstack(1024)] = count(); }`,
    ]);
    // kstack(1024), bpftrace v0.26's largest: the frames the kernel gives (perf_event_max_stack), the same as kstack's
    const m = /^\n\n@a\[\n {8}\S+\+\d+\n\]: 1\n@b(\[\n( {8}\S+\+\d+\n){2,}\]): 1\n@c(\[[^]*\]): 1\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.is(m![3], m![1]);
  });
}

test.run();
