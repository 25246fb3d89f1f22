// The kernel's symbol lists on Debian's 6.1, unlike the host's 6.18: /proc/kallsyms has modules' symbols after
// the kernel's own and data symbols among them (CONFIG_KALLSYMS_ALL), what runtime/kernel/kallsyms.ts's binary
// search steps over; tracefs available_filter_functions is readable (kprobes), which runtime/kernel/functions.ts
// searches by a plain part of a name instead of making the whole list.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { filterFunctions, functionsOnLinesWith } from '../../runtime/kernel/functions.ts';
import { tracefsRoot } from '../../runtime/kernel/tracefs.ts';
import { checkAgainstReading } from '../helpers/kallsyms-reference.ts';
import { inGuest } from './guest.ts';

if (inGuest('vm kernel symbols')) {
  test("Debian 6.1's kallsyms: addresses and names answered as the plain reading answers them", () => {
    const text = readFileSync('/proc/kallsyms');
    const lines = text.toString('latin1').split('\n');
    assert.ok(
      lines.some((l) => l.includes('\t[')),
      'modules or BPF symbols after the kernel',
    );
    assert.ok(
      lines.some((l) => / [dDbB] /.test(l)),
      'data symbols',
    );
    assert.ok(checkAgainstReading(text, 1000), 'addresses are not hidden');
  });

  test("available_filter_functions: the lines with a plain part of a name give the whole list's functions", () => {
    const text = readFileSync(`${tracefsRoot()}/available_filter_functions`);
    const whole = filterFunctions(text);
    // the plain reading, a regular expression a line
    const plain = text
      .toString('latin1')
      .split('\n')
      .flatMap((line) => {
        const m = /^(\S+)(?:\s+\[(\S+)\])?/.exec(line);
        return m ? [m[2] ? { name: m[1]!, module: m[2] } : { name: m[1]! }] : [];
      });
    assert.equal(whole, plain, 'the whole list as the plain reading');
    assert.ok(whole.length > 10_000, `${whole.length} functions`);
    assert.ok(
      whole.some((f) => f.module !== undefined),
      'functions of modules',
    );
    for (const literal of ['vfs_read', 'vfs_', 'mkdir', 'ext4', 'e']) {
      const named = (list: readonly { name: string }[]) =>
        list.filter((f) => f.name.includes(literal)).map((f) => JSON.stringify(f));
      assert.equal(named(functionsOnLinesWith('filter', text, literal)), named(whole), literal);
    }
  });
}

test.run();
