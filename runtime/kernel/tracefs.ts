// tracefs: where it is (mounting it when nobody has), tracepoint ids, formats and the list of
// events. Results are cached for the life of the process; reset() clears them (tests).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TracepointField, TracepointFormat } from '../../lang/index.ts';
import { PrivilegeError, tracefsUnreadable } from '../privileges.ts';
import { SysError } from '../sys/errors.ts';
import { native } from '../sys/native.ts';

export type { TracepointField, TracepointFormat };

const TRACEFS_MOUNTPOINT = '/sys/kernel/tracing';
const CANDIDATES = [TRACEFS_MOUNTPOINT, '/sys/kernel/debug/tracing'];

let root: string | undefined;
const ids = new Map<string, number | undefined>();
const formats = new Map<string, TracepointFormat | undefined>();
let tracepoints: { group: string; event: string }[] | undefined;

export function reset(): void {
  root = undefined;
  ids.clear();
  formats.clear();
  tracepoints = undefined;
}

function isTracefs(dir: string): boolean {
  // Touching debug/tracing also triggers its tracefs automount.
  return existsSync(join(dir, 'available_events'));
}

/**
 * Mounts tracefs at target (default /sys/kernel/tracing). Throws PrivilegeError when refused (EPERM,
 * EACCES), else SysError with a hint.
 */
export function mountTracefs(target = TRACEFS_MOUNTPOINT): void {
  const ret = native().mount('nodev', target, 'tracefs', 0, null);
  if (ret >= 0) return;
  const err = new SysError(`mount(tracefs on ${target})`, -ret);
  if (err.code === 'EPERM' || err.code === 'EACCES') {
    throw Object.assign(
      new PrivilegeError(
        'read tracepoints',
        `tracefs is not mounted and mounting it on ${target} was refused (${err.code})`,
      ),
      { cause: err },
    );
  }
  const hint: Record<string, string> = {
    ENOENT: `${target} does not exist; is this kernel built with CONFIG_TRACING?`,
    ENODEV: 'this kernel has no tracefs (CONFIG_TRACING is off)',
  };
  err.message = `tracefs is not mounted and mounting it failed: ${err.message}${hint[err.code] ? ` — ${hint[err.code]}` : ''}`;
  throw err;
}

/**
 * The tracefs directory, mounting tracefs at /sys/kernel/tracing if no candidate has it. A tracefs this
 * user may not read (root's, mode 0700) is a PrivilegeError, not a reason to mount another one.
 */
export function tracefsRoot(): string {
  if (root !== undefined) return root;
  for (const dir of CANDIDATES) {
    if (isTracefs(dir)) return (root = dir);
  }
  for (const dir of CANDIDATES) {
    const why = tracefsUnreadable(dir);
    if (why) throw new PrivilegeError('read tracepoints', why);
  }
  mountTracefs(TRACEFS_MOUNTPOINT);
  if (!isTracefs(TRACEFS_MOUNTPOINT))
    throw new Error(`mounted tracefs on ${TRACEFS_MOUNTPOINT} but it has no available_events`);
  return (root = TRACEFS_MOUNTPOINT);
}

const NAME = /^[A-Za-z0-9_.-]+$/;

function eventDir(group: string, event: string): string | undefined {
  if (!NAME.test(group) || !NAME.test(event) || group.startsWith('.') || event.startsWith('.')) return undefined;
  return join(tracefsRoot(), 'events', group, event);
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return undefined; // no such tracepoint
    throw err;
  }
}

/** The perf tracepoint id (PERF_TYPE_TRACEPOINT config) of group:event, or undefined if there is none. */
export function tracepointId(group: string, event: string): number | undefined {
  const key = `${group}:${event}`;
  if (ids.has(key)) return ids.get(key);
  const dir = eventDir(group, event);
  const text = dir === undefined ? undefined : readIfExists(join(dir, 'id'));
  const id = text === undefined ? undefined : Number.parseInt(text, 10);
  ids.set(key, id);
  return id;
}

/** The parsed format file of group:event, or undefined if there is no such tracepoint. */
export function tracepointFormat(group: string, event: string): TracepointFormat | undefined {
  const key = `${group}:${event}`;
  if (formats.has(key)) return formats.get(key);
  const dir = eventDir(group, event);
  const text = dir === undefined ? undefined : readIfExists(join(dir, 'format'));
  const format = text === undefined ? undefined : parseFormat(group, event, text);
  formats.set(key, format);
  if (format) ids.set(key, format.id);
  return format;
}

// "field:const char * pathname;\toffset:16;\tsize:8;\tsigned:0;"
const FIELD = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/;
// The declaration's last identifier is the name; a trailing [N] belongs to the type.
const DECL = /^(.*?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$/;

/** Parses a tracepoint format file. Fields before the first blank line of the list are the common ones. */
export function parseFormat(group: string, event: string, text: string): TracepointFormat {
  const idMatch = /^ID:\s*(\d+)/m.exec(text);
  const fields: TracepointField[] = [];
  let common = true;
  let inFields = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('format:')) {
      inFields = true;
      continue;
    }
    if (!inFields) continue;
    if (line.trim() === '') {
      if (fields.length > 0) common = false;
      continue;
    }
    if (line.startsWith('print fmt:')) break;
    const f = FIELD.exec(line);
    const d = f && DECL.exec(f[1]!);
    if (!f || !d) continue;
    fields.push({
      name: d[2]!,
      type: `${d[1]!.trim()}${d[3] ?? ''}`,
      offset: Number(f[2]),
      size: Number(f[3]),
      signed: f[4] === '1',
      common,
    });
  }
  return { group, event, id: idMatch ? Number(idMatch[1]) : -1, fields };
}

/** Every tracepoint as {group, event}, from available_events. */
export function listTracepoints(): readonly { group: string; event: string }[] {
  if (tracepoints) return tracepoints;
  const list: { group: string; event: string }[] = [];
  for (const line of readFileSync(join(tracefsRoot(), 'available_events'), 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) list.push({ group: line.slice(0, colon), event: line.slice(colon + 1).trim() });
  }
  return (tracepoints = list);
}
