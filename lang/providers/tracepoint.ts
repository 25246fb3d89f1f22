// tracepoint:group:event: a tracefs event; `args` is its record, laid out by the event's format file.
import { closest } from '../suggest.ts';
import { globRegExp, isGlob } from '../glob.ts';
import type { TracepointFormat } from '../kernel.ts';
import { type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedTracepoint extends ResolvedBase {
  readonly provider: 'tracepoint';
  readonly group: string;
  readonly event: string;
  readonly format?: TracepointFormat;
}

export const tracepoint: ProviderRow<ResolvedTracepoint> = {
  name: 'tracepoint',
  aliases: ['t'],
  usage: 'tracepoint:group:event',
  reads: {},
  context: (a) => ({ tracepoint: { group: a.group, event: a.event, ...(a.format ? { format: a.format } : {}) } }),
  resolve(r) {
    const { ap, kernel } = r;
    if (ap.parts.length !== 2 || !ap.parts[0] || !ap.parts[1]) return r.bad('tracepoint needs a group and an event');
    const [group, event] = ap.parts as [string, string];
    if (isGlob(group) || isGlob(event)) {
      const g = globRegExp(group);
      const e = globRegExp(event);
      const hits = kernel.tracepoints().filter((t) => g.test(t.group) && e.test(t.event));
      if (!hits.length)
        return r.missing(`no tracepoint matches ${ap.raw}`, ['list them with: scry -l "tracepoint:*"'], true);
      return hits.map((t) => ({
        provider: 'tracepoint' as const,
        group: t.group,
        event: t.event,
        format: kernel.tracepointFormat(t.group, t.event),
        ...r.base,
        text: `tracepoint:${t.group}:${t.event}`,
      }));
    }
    // names that cannot be a tracefs directory are unknown without asking (ENAMETOOLONG, `..`)
    const format = isFileName(group) && isFileName(event) ? kernel.tracepointFormat(group, event) : undefined;
    if (!format) {
      const all = kernel.tracepoints();
      const guess = closest(
        `${group}:${event}`,
        all.map((t) => `${t.group}:${t.event}`),
      );
      return r.missing(
        `unknown tracepoint ${group}:${event}`,
        guess ? [`did you mean 'tracepoint:${guess}'?`] : [`list them with: scry -l "tracepoint:${group}:*"`],
        false,
      );
    }
    return [{ provider: 'tracepoint', group, event, format, ...r.base, text: `tracepoint:${group}:${event}` }];
  },
};

/** A name that can be one directory entry (NAME_MAX is 255 bytes). */
function isFileName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && Buffer.byteLength(name) <= 255;
}
