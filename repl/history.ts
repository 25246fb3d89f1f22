// The REPL's history file (~/.scry_history), oldest line first. Several REPLs may share it: each line typed
// is added with one O_APPEND write, so lines from two sessions interleave whole and none is lost (node's own
// history rewrote the whole file from each session's memory, so the last to write won). The file is cut to
// its newest lines when a session starts, by writing a copy and renaming it over the old one.
// Under `sudo -E` HOME is a user's while scry is root: the file is used only when it is this user's own
// (a link planted there would make root write wherever it points; another user's lines would be recalled
// into root's prompt), it is created with O_EXCL|O_NOFOLLOW, and lines with control characters are skipped.
import { closeSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { hasControlChars } from '../runtime/index.ts';
import { appendOwnFile, closeDir, openDir, readOwnFile, replaceOwnFile, type OpenDir } from '../runtime/index.ts';

export interface History {
  /** the lines read at start, newest first (as readline keeps them) */
  readonly lines: string[];
  /** Adds a typed line; an error's message when it could not be written. */
  add(line: string): string | undefined;
  /** Closes the file (a REPL keeps it open until it exits). */
  close(): void;
}

/** Bytes of history read at start: far more than `size` lines of any sensible length. */
const MAX_READ = 4 * 1024 * 1024;

/** Keeps up to `size` lines for recall; the file may grow to twice that before it is cut. */
export function openHistory(file: string, size: number): History | { error: string } {
  const name = basename(file);
  let dir: OpenDir | undefined;
  let lines: string[];
  try {
    dir = openDir(dirname(file), { private: false });
    const read = readOwnFile(dir, name, MAX_READ);
    lines = read ? read.data.toString('utf8').split('\n') : [];
    if (read?.cut) lines.shift(); // the first line read may be the end of a longer one
    lines = lines.filter((l) => l.trim() !== '' && !hasControlChars(l));
  } catch (e) {
    if (dir) closeDir(dir);
    return { error: (e as Error).message };
  }
  if (lines.length > 2 * size) {
    lines = lines.slice(-size);
    try {
      replaceOwnFile(dir, name, `${lines.join('\n')}\n`);
    } catch {
      // a history that is not cut is still a history
    }
  }
  let last = lines[lines.length - 1];
  // Opened at the first line typed (a session that types nothing creates no file), through the directory
  // opened now, and kept open: the name is not looked up again.
  let fd: number | undefined;
  let closed = false;
  return {
    lines: lines.slice(-size).reverse(),
    add(line) {
      if (closed || !line.trim() || line === last || line.includes('\n')) return undefined;
      last = line;
      try {
        if (fd === undefined) {
          fd = appendOwnFile(dir, name);
          closeDir(dir);
        }
        writeSync(fd, `${line}\n`);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      if (fd !== undefined) closeSync(fd);
      else closeDir(dir);
    },
  };
}
