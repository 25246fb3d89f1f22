// Where a uprobe may go: checks of the address, offset and symbol size, through the real CLI on the C
// fixtures. Pinned: bpftrace v0.26.1 (src/attached_probe.cpp resolve_offset_uprobe; tests/runtime/probe
// uprobe_zero_size, uprobe_offset_fail_size, uprobe_address_fail_resolve, uprobe_flat_binary,
// uprobe_missing_probes): its wording, and --unsafe as the way past the boundary checks. bpftrace 0.17 has
// the same checks in older words.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

const f = requireRoot('e2e uprobe checks') ? fixtures('e2e uprobe checks') : undefined;

if (f) {
  test('a function of size 0 (_init) has no known boundary: refused unless --unsafe', async () => {
    const prog = `uprobe:${f.pie}:_init { exit(); }`;
    const r = await runScry(['--dry-run', '-e', prog]);
    assert.match(r.stderr, /^stdin:1:1-\d+: ERROR: Could not determine boundary for _init \(symbol has size 0\)\.\n/);
    assert.match(
      r.stderr,
      '\nHINT: Use --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.\n',
    );
    assert.is(r.code, 1);
    const u = await runScry(['--dry-run', '--unsafe', '-e', prog]);
    assert.is(u.stderr, '');
    assert.is(u.code, 0);
  });

  test('an offset past the function is outside its bounds', async () => {
    const r = await runScry(['--dry-run', '-e', `uprobe:${f.pie}:add+100 { }`]);
    assert.match(r.stderr, "ERROR: Offset outside the function bounds ('add' size is 4)\n");
    assert.is(r.code, 1);
  });

  test('an address no function contains cannot be resolved; --unsafe attaches there with a warning', async () => {
    const r = await runScry(['--dry-run', '-e', `uprobe:${f.pie}:10 { }`]);
    assert.match(r.stderr, `ERROR: Could not resolve address: ${f.pie}:0xa\n`);
    assert.is(r.code, 1);
    const u = await runScry(['--dry-run', '--unsafe', '-e', `uprobe:${f.pie}:10 { }`]);
    assert.match(u.stderr, `WARNING: Could not determine instruction boundary for uprobe:${f.pie}:0xa`);
    assert.is(u.code, 0);
  });

  test('a function the file lacks is a missing probe in bpftrace v0.26 words', async () => {
    const r = await runScry(['--dry-run', '-e', `uprobe:${f.pie}:add, uprobe:${f.pie}:nosuchfunction { }`]);
    assert.match(r.stderr, `ERROR: No matches for uprobe ${f.pie}:nosuchfunction.\n`);
    assert.match(r.stderr, `\nHINT: no function 'nosuchfunction' in ${f.pie}\n`);
    assert.is(r.code, 1);
    const w = await runScry([
      '--dry-run',
      '-e',
      `config = { missing_probes = "warn" } uprobe:${f.pie}:add, uprobe:${f.pie}:nosuchfunction { }`,
    ]);
    assert.match(w.stderr, `WARNING: No matches for uprobe ${f.pie}:nosuchfunction. Skipping.\n`);
    assert.is(w.code, 0);
  });

  test('--unsafe: an address in a file that is not ELF (a flat binary) is its file offset, attached for real', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-flat-'));
    try {
      const flat = join(dir, 'flat.bin');
      writeFileSync(flat, Buffer.from([0x31, 0xc0, 0xc3])); // xor eax, eax; ret
      chmodSync(flat, 0o755);
      const prog = `uprobe:${flat}:0x0 { } BEGIN { exit(); }`;
      const safe = await runScry(['--dry-run', '-e', prog]);
      assert.match(safe.stderr, `ERROR: ${flat} is not an ELF file`);
      const r = await runScry(['--unsafe', '-e', prog]);
      assert.match(r.stderr, `WARNING: Could not determine instruction boundary for uprobe:${flat}:0x0`);
      assert.match(r.stderr, 'Attached 2 probes');
      assert.is(r.code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
