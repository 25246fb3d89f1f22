// Resolves attach points: provider aliases, the shape of each form, wildcard expansion, existence.
import type { AttachPoint } from '../ast.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import type { KernelInfo, TracepointFormat } from '../kernel.ts';
import { lookupProvider, providerNames } from '../providers.ts';
import type { Span } from '../source.ts';
import { closest } from '../suggest.ts';

export type ResolvedAttach =
  | { readonly provider: 'BEGIN' | 'END'; readonly span: Span; readonly text: string }
  | {
      readonly provider: 'tracepoint';
      readonly group: string;
      readonly event: string;
      readonly format?: TracepointFormat;
      readonly span: Span;
      readonly text: string;
    }
  | {
      readonly provider: 'kprobe' | 'kretprobe';
      readonly func: string;
      readonly offset: number;
      readonly module?: string;
      readonly span: Span;
      readonly text: string;
    }
  | {
      readonly provider: 'interval' | 'profile';
      readonly unit: 'hz' | 's' | 'ms' | 'us';
      readonly value: number;
      readonly span: Span;
      readonly text: string;
    };

const timerUnits = ['hz', 's', 'ms', 'us'] as const;

export function resolveAttachPoint(ap: AttachPoint, kernel: KernelInfo, diags: Diagnostic[]): ResolvedAttach[] {
  const info = lookupProvider(ap.provider);
  if (!info) {
    const guess = closest(ap.provider, providerNames());
    diags.push(error(`unknown probe type '${ap.provider}'`, ap.span, guess ? [`did you mean '${guess}'?`] : undefined));
    return [];
  }
  const bad = (why: string) => {
    diags.push(error(`${why}`, ap.span, [`the form is ${info.usage}`]));
    return [];
  };
  const base = { span: ap.span, text: ap.raw };
  switch (info.name) {
    case 'BEGIN':
    case 'END':
      if (ap.parts.length) return bad(`${info.name} takes no arguments`);
      return [{ provider: info.name, ...base, text: info.name }];
    case 'tracepoint': {
      if (ap.parts.length !== 2 || !ap.parts[0] || !ap.parts[1]) return bad('tracepoint needs a group and an event');
      const [group, event] = ap.parts as [string, string];
      if (isWildcard(group) || isWildcard(event)) {
        const g = wildcardRegex(group);
        const e = wildcardRegex(event);
        const hits = kernel.tracepoints().filter((t) => g.test(t.group) && e.test(t.event));
        if (!hits.length) diags.push(error(`no tracepoint matches ${ap.raw}`, ap.span, ['list them with: scry -l "tracepoint:*"']));
        return hits.map((t) => ({
          provider: 'tracepoint' as const,
          group: t.group,
          event: t.event,
          format: kernel.tracepointFormat(t.group, t.event),
          ...base,
          text: `tracepoint:${t.group}:${t.event}`,
        }));
      }
      const format = kernel.tracepointFormat(group, event);
      if (!format) {
        const all = kernel.tracepoints();
        const guess = closest(`${group}:${event}`, all.map((t) => `${t.group}:${t.event}`));
        diags.push(
          error(`unknown tracepoint ${group}:${event}`, ap.span, guess ? [`did you mean 'tracepoint:${guess}'?`] : [
            `list them with: scry -l "tracepoint:${group}:*"`,
          ]),
        );
        return [];
      }
      return [{ provider: 'tracepoint', group, event, format, ...base, text: `tracepoint:${group}:${event}` }];
    }
    case 'kprobe':
    case 'kretprobe': {
      if (ap.parts.length < 1 || ap.parts.length > 2) return bad(`${info.name} needs a function`);
      const module = ap.parts.length === 2 ? ap.parts[0] : undefined;
      const spec = ap.parts[ap.parts.length - 1]!;
      const m = /^([A-Za-z_.*?][\w.*?]*)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(spec);
      if (!m) return bad(`invalid ${info.name} function '${spec}'`);
      if (m[2] && info.name === 'kretprobe') return bad('kretprobe does not take an offset');
      return [
        {
          provider: info.name,
          func: m[1]!,
          offset: m[2] ? Number(m[2]) : 0,
          module,
          ...base,
          text: `${info.name}:${module ? module + ':' : ''}${spec}`,
        },
      ];
    }
    case 'interval':
    case 'profile': {
      if (ap.parts.length !== 2) return bad(`${info.name} needs a unit and a number`);
      const unit = ap.parts[0] as (typeof timerUnits)[number];
      if (!timerUnits.includes(unit)) return bad(`invalid ${info.name} unit '${ap.parts[0]}'`);
      const value = Number(ap.parts[1]);
      if (!/^\d+$/.test(ap.parts[1]!) || value <= 0) return bad(`invalid ${info.name} rate '${ap.parts[1]}'`);
      return [{ provider: info.name, unit, value, ...base, text: `${info.name}:${unit}:${value}` }];
    }
    default:
      diags.push(
        error(`scry does not support ${info.name} probes yet`, ap.span, [
          'supported now: BEGIN, END, tracepoint, kprobe, kretprobe, interval, profile',
        ]),
      );
      return [];
  }
}

function isWildcard(s: string): boolean {
  return /[*?]/.test(s);
}

function wildcardRegex(s: string): RegExp {
  const body = s.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
