// A -c command that needs a shell: scry splits -c at spaces as bpftrace does (quotes are not grouped),
// so a test that needs redirections or quoting runs an executable script file instead.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'scry-cmd-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** An executable file running `body` under `shell`; its path is a -c command without spaces. */
export function scriptFile(body: string, shell = '/bin/sh'): string {
  const path = join(dir, `cmd-${++n}.sh`);
  writeFileSync(path, `#!${shell}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
