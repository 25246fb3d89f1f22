// join() reads its array in a bpf_loop callback where the kernel has bpf_loop (5.17; compiler/codegen/builtins/
// strings.ts emitJoinLoop): 6.1's verifier must accept the callback (the index bounded by a compare, the record's
// address read back from the caller's stack) and the lines must be bpftrace's.
import { execFile, spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { inGuest, output, scratchDir, TOOL_TIMEOUT_MS, traceAround } from './guest.ts';

if (inGuest('vm join() as a bpf_loop')) {
  test('join() of execve arguments on 6.1: the callback loads, 16 arguments at most, 1023 bytes each', async () => {
    const exe = `${scratchDir()}/true`;
    symlinkSync('/bin/true', exe);
    const prog = `tracepoint:syscalls:sys_enter_execve /str(args->filename) == "${exe}"/ { join(args->argv, ","); }`;
    const code = spawnSync(process.execPath, [scryBin, '--dry-run', '-d', 'bytecode', '-e', prog], {
      encoding: 'utf8',
    });
    assert.is(code.status, 0, code.stderr);
    assert.match(code.stdout, /call 181 +; bpf_loop/);
    const args = [...Array.from({ length: 20 }, (_, i) => `a${i}`)];
    const long = 'y'.repeat(1500);
    const r = await traceAround(
      ['-e', prog],
      async () => {
        await promisify(execFile)(exe, args);
        await promisify(execFile)(exe, [long, 'z']);
      },
      {},
      TOOL_TIMEOUT_MS,
    );
    assert.ok(r.stdout.includes(`${[exe, ...args].slice(0, 16).join(',')}\n`), output(r));
    assert.ok(r.stdout.includes(`${exe},${long.slice(0, 1023)},z\n`), output(r));
  });
}

test.run();
