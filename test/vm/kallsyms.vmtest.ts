// /proc/kallsyms of Debian's 6.1 (runtime/kernel/kallsyms.ts): unlike the host's 6.18 it has modules' symbols
// after the kernel's own and data symbols among them (CONFIG_KALLSYMS_ALL), what the binary search steps over.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAgainstReading } from '../helpers/kallsyms-reference.ts';
import { inGuest } from './guest.ts';

if (inGuest('vm kallsyms')) {
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
}

test.run();
