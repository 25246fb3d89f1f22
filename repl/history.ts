// The REPL's history file (~/.scry_history), oldest line first. Several REPLs may share it: each line typed
// is added with one O_APPEND write, so lines from two sessions interleave whole and none is lost (node's own
// history rewrote the whole file from each session's memory, so the last to write won). The file is cut to
// its newest lines when a session starts, by writing a copy and renaming it over the old one.
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface History {
  /** the lines read at start, newest first (as readline keeps them) */
  readonly lines: string[];
  /** Adds a typed line; an error's message when it could not be written. */
  add(line: string): string | undefined;
}

/** Keeps up to `size` lines for recall; the file may grow to twice that before it is cut. */
export function openHistory(file: string, size: number): History | { error: string } {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return { error: (e as Error).message };
    lines = [];
  }
  if (lines.length > 2 * size) {
    lines = lines.slice(-size);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      // a history that is not cut is still a history
    }
  }
  let last = lines[lines.length - 1];
  return {
    lines: lines.slice(-size).reverse(),
    add(line) {
      if (!line.trim() || line === last || line.includes('\n')) return undefined;
      last = line;
      try {
        appendFileSync(file, `${line}\n`, { mode: 0o600 });
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  };
}
