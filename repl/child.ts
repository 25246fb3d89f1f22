// -c CMD: the command starts held, so probes are attached before it runs a single instruction of its own.
// A shell waits on a pipe and then execs the command, so the pid we hand to the probes (cpid) is the command's.
import type { Writable } from 'node:stream';

export interface HeldChild {
  readonly pid: number;
  /** lets the command run */
  release(): void;
  kill(): void;
  /** resolves when the command exits */
  readonly exited: Promise<void>;
}

export function spawnHeld(command: string): HeldChild | { error: string } {
  const argv = splitWords(command);
  if (!argv.length) return { error: '-c needs a command' };
  const { spawn } = process.getBuiltinModule('node:child_process'); // only -c needs it: not loaded at start-up
  const child = spawn('/bin/sh', ['-c', 'read -r _ <&3; exec "$@"', 'sh', ...argv], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  if (child.pid === undefined) return { error: `cannot start ${argv[0]}` };
  const gate = child.stdio[3] as Writable;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    pid: child.pid,
    release: () => gate.end('\n'),
    kill: () => void child.kill('SIGKILL'),
    exited,
  };
}

/** Words as a shell splits them: whitespace separates, quotes group, backslash escapes. No expansion. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
