import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { machine, tmpdir, type, version } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasKprobes } from '../../runtime/features.ts';
import { formatReport, kernelReport, type KernelReport } from '../../runtime/info.ts';
import { hasUprobeMulti } from '../../runtime/features.ts';
import { checkFdLeaks, requireRoot } from '../helpers/kernel.ts';

function item(r: KernelReport, name: string) {
  for (const s of r.sections) for (const i of s.items) if (i.name === name) return i;
  throw new Error(`no item ${name}`);
}

if (requireRoot('kernel report')) {
  const suite = test;
  checkFdLeaks(suite);
  let cache = '';
  suite.before(() => {
    cache = mkdtempSync(join(tmpdir(), 'scry-info-'));
    process.env.XDG_CACHE_HOME = cache;
  });
  suite.after(() => {
    delete process.env.XDG_CACHE_HOME;
    rmSync(cache, { recursive: true, force: true });
  });

  suite('measures what this kernel has, by trying', () => {
    const r = kernelReport({}, false);
    for (const name of [
      'tracepoint',
      'rawtracepoint',
      'BEGIN/END (BPF_PROG_TEST_RUN)',
      'hash',
      'ringbuf',
      'stack_trace',
      'probe_read_kernel',
      'get_stackid',
      'bounded loops',
    ])
      assert.ok(item(r, name).ok, `${name}: ${item(r, name).note}`);
    // kprobes are answered by the same look the attach path uses, with the reason when absent
    assert.is(item(r, 'kprobe').ok, hasKprobes());
    if (!hasKprobes()) assert.is(item(r, 'kprobe').note, 'kernel built without CONFIG_KPROBES');
  });

  suite('a helper the program type may not call is reported missing', () => {
    // bpf_d_path is only for fentry/LSM/iter programs: a kprobe program may not call it
    assert.equal(item(kernelReport({}, false), 'd_path'), { name: 'd_path', ok: false, note: 'not available' });
  });

  suite('the report is cached per boot and read back', () => {
    const first = kernelReport({});
    assert.ok(existsSync(join(cache, 'scry')));
    assert.is(readdirSync(join(cache, 'scry')).length, 1);
    assert.equal(kernelReport({}), first);
  });

  suite('an fentry probe supplied by the BTF side is run and its failure named', () => {
    const r = kernelReport(
      {
        fentry: () => {
          throw Object.assign(new Error('bpf(BPF_PROG_LOAD): EPERM'), { code: 'EPERM' });
        },
      },
      false,
    );
    assert.equal(item(r, 'fentry/fexit'), { name: 'fentry/fexit', ok: false, note: 'EPERM' });
  });

  suite('the text report lists sections with yes/no and reasons', () => {
    const text = formatReport({
      kernel: '6.1.0',
      sections: [
        {
          title: 'Probe types',
          items: [
            { name: 'kprobe', ok: false, note: 'why' },
            { name: 'uprobe', ok: true },
          ],
        },
      ],
    });
    // bpftrace v0.26's shape: System (OS: sysname release version, Arch: uname's machine), Build, sections
    assert.is(
      text,
      `System\n  OS: ${type()} 6.1.0 ${version()}\n  Arch: ${machine()}\n\nProbe types\n  kprobe: no (why)\n  uprobe: yes\n`,
    );
    assert.ok(formatReport({ kernel: '6.1.0', sections: [] }, 'scry v1').endsWith('\n\nBuild\n  version: scry v1\n'));
  });

  suite("bpftrace's link kinds are listed (kprobe_session: the basic.info flag test), saying which scry uses", () => {
    const r = kernelReport({}, false);
    for (const name of ['kprobe_multi', 'kprobe_session'])
      assert.equal(item(r, name), { name, ok: false, note: 'not used by scry: one link per probe' });
    // uprobe wildcards go on one uprobe_multi link where the kernel has them (Linux 6.6+)
    assert.equal(
      item(r, 'uprobe_multi'),
      hasUprobeMulti()
        ? { name: 'uprobe_multi', ok: true }
        : { name: 'uprobe_multi', ok: false, note: 'not in this kernel (6.6+): one perf event per function' },
    );
  });
}

test.run();
