// tracepoint:raw_syscalls:sys_enter runs as a raw tracepoint program (no perf record), its `id` argument being
// at the record's offset; the user still sees the tracepoint, and args.id reads what the perf tracepoint reads:
// the numbers a C program passed, and the syscall tracepoint's __syscall_nr. No kernel BTF is read for it. A
// probe that reads the record's args array runs as the perf tracepoint, which builds the record.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';
import { hostKernelInfo } from '../../runtime/index.ts';

const COMM = 'scryrawpath';

/** A C program named COMM making three known syscalls 3 times each: getuid (102), an unknown 1000, and -1. */
function buildCaller(dir: string): string {
  const src = join(dir, `${COMM}.c`);
  const exe = join(dir, COMM);
  writeFileSync(
    src,
    '#include <unistd.h>\n#include <sys/syscall.h>\n' +
      'int main(void) { for (int i = 0; i < 3; i++) { syscall(SYS_getuid); syscall(1000L, 1, 2); syscall(-1L, 3); } return 0; }\n',
  );
  execFileSync('cc', ['-O2', '-o', exe, src]);
  return exe;
}

/** `@name[key]: value` lines of a map, as a key → value record. */
function mapLines(out: string, name: string): Record<string, number> {
  const m: Record<string, number> = {};
  for (const x of out.matchAll(new RegExp(`^${name}\\[(-?\\d+)\\]: (\\d+)$`, 'gm'))) m[x[1]!] = Number(x[2]);
  return m;
}

const known = (m: Record<string, number>) => ({ '102': m['102'], '1000': m['1000'], '-1': m['-1'] });

if (requireRoot('e2e tracepoint raw path')) {
  {
    test('raw_syscalls:sys_enter compiles to a raw tracepoint program on sys_enter; syscall tracepoints stay perf ones', () => {
      const kernel = hostKernelInfo();
      const raw = compileText('tracepoint:raw_syscalls:sys_enter { @ = count(); }', kernel).programs[0]!;
      assert.is(raw.progType, 'raw_tracepoint');
      assert.is(raw.tracing, undefined);
      assert.is(raw.attach.text, 'tracepoint:raw_syscalls:sys_enter');
      for (const tp of ['syscalls:sys_enter_getuid', 'syscalls:sys_exit_getuid', 'raw_syscalls:sys_exit']) {
        const p = compileText(`tracepoint:${tp} { @ = count(); }`, kernel).programs[0]!;
        assert.is(p.progType, 'tracepoint', tp);
        assert.is(p.tracing, undefined, tp);
      }
    });

    test('args.id reads the numbers a C program made and what the perf path reads (__syscall_nr); probe names the tracepoint', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'scry-rawpath-'));
      try {
        const exe = buildCaller(dir);
        const prog =
          `tracepoint:raw_syscalls:sys_enter /comm == "${COMM}"/ { @raw[args.id] = count(); @probe[probe] = count(); } ` +
          `tracepoint:syscalls:sys_enter_getuid /comm == "${COMM}"/ { @perf[args.__syscall_nr] = count(); }`;
        const s = startScry(['-e', prog], { [NOTIFY]: '1' });
        await s.waitForStdout(NOTIFY);
        execFileSync(exe);
        s.child.kill('SIGINT');
        const r = await s.finished;
        assert.is(r.code, 0, r.stderr);
        assert.match(r.stderr + r.stdout, /Attached 2 probes/);
        assert.equal(known(mapLines(r.stdout, '@raw')), { '102': 3, '1000': 3, '-1': 3 }, r.stdout);
        assert.equal(mapLines(r.stdout, '@perf'), { '102': 3 }, r.stdout);
        assert.match(r.stdout, /^@probe\[tracepoint:raw_syscalls:sys_enter\]: \d+$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('printf of probe and args.id, and -lv, are the tracepoint’s', async () => {
      const r = await runScry([
        '-e',
        'tracepoint:raw_syscalls:sys_enter { printf("%s %d\\n", probe, args.id >= 0 ? 1 : 0); exit(); }',
      ]);
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, /^tracepoint:raw_syscalls:sys_enter 1$/m);
      const l = await runScry(['-lv', 'tracepoint:raw_syscalls:sys_enter']);
      assert.is(l.stdout, 'tracepoint:raw_syscalls:sys_enter\n    long id\n    unsigned long args[6]\n');
    });

    test('the common fields are refused on both paths, before anything loads (tracepoint programs cannot read them)', async () => {
      // a raw tracepoint's verifier would take a read of its context's bytes 4-7 (half of the regs pointer)
      for (const tp of ['raw_syscalls:sys_enter', 'raw_syscalls:sys_exit', 'syscalls:sys_enter_getuid']) {
        const r = await runScry(['-e', `tracepoint:${tp} { print(args.common_pid); }`]);
        assert.is(r.code, 1, tp);
        assert.match(r.stderr, 'ERROR: BPF does not support accessing common tracepoint fields', tp);
        assert.not.match(r.stderr, 'verifier', tp);
      }
    });

    test('a probe that reads args.args runs as the perf tracepoint (the raw context holds regs, id): the arguments a C program passed', async () => {
      const kernel = hostKernelInfo();
      for (const body of ['@[args.args[1]] = count();', 'print(args);', '$a = args.args; @[$a[0]] = count();']) {
        const p = compileText(`tracepoint:raw_syscalls:sys_enter { ${body} }`, kernel).programs[0]!;
        assert.is(p.progType, 'tracepoint', body);
      }
      const dir = mkdtempSync(join(tmpdir(), 'scry-rawpath-'));
      try {
        const exe = buildCaller(dir);
        const prog =
          `tracepoint:raw_syscalls:sys_enter /comm == "${COMM}" && (args.id == 1000 || args.id == -1)/ ` +
          `{ @[args.id, args.args[0], args.args[1]] = count(); } ` +
          `tracepoint:raw_syscalls:sys_enter /comm == "${COMM}" && args.id == 102/ { @ids[args.id] = count(); }`;
        const s = startScry(['-e', prog], { [NOTIFY]: '1' });
        await s.waitForStdout(NOTIFY);
        execFileSync(exe);
        s.child.kill('SIGINT');
        const r = await s.finished;
        assert.is(r.code, 0, r.stderr);
        assert.match(r.stdout, /^@\[1000, 1, 2\]: 3$/m);
        assert.match(r.stdout, /^@\[-1, 3, \d+\]: 3$/m);
        assert.match(r.stdout, /^@ids\[102\]: 3$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test.run();
