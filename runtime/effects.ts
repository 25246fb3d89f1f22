// What cat() and system() do when their event arrives: the session's effects on the machine, kept out of
// the decoder (which only turns records into values). Each returns the text to print.

import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { TraceEvent } from './events.ts';
import { errnoMessage } from './sys/errors.ts';

/** bpftrace prints at most this much of a file for cat() */
const CAT_MAX_BYTES = 10240;

/**
 * cat()'s event: the file's contents (up to `max` bytes: config max_cat_bytes) as printed text, or an error
 * message saying why it cannot be opened, in bpftrace v0.26's words; tracing goes on either way.
 */
export function catEvent(path: string, max = CAT_MAX_BYTES): TraceEvent {
  try {
    return { kind: 'printf', text: readHead(path, max), source: 'cat' };
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).errno;
    const why = errno === undefined ? (e as Error).message : errnoMessage(errno);
    return { kind: 'message', level: 'error', text: `failed to open file '${path}' (${why})` };
  }
}

/** The first `max` bytes of a file, as text (throws when it cannot be opened or read). */
function readHead(path: string, max: number): string {
  let fd: number | undefined;
  try {
    // non-blocking: a FIFO (the path may come from a traced process) must not stop scry waiting for a writer
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, null);
    return buf.toString('utf8', 0, n);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** system() (allowed by --unsafe): runs the command through the shell, as bpftrace does; its stdout. */
export function runCommand(command: string): string {
  // child_process is loaded only when system() runs: it costs start-up time every other run would pay
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return r.stdout ?? '';
}
