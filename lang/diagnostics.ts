// User mistakes are values: a message, where, and what to do instead. Rendered once, by the CLI.
import { lineCol, lineText, type Span } from './source.ts';

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly span?: Span;
  readonly hints?: readonly string[];
  /** Another place that explains this one (e.g. the first use of a map). */
  readonly related?: readonly { readonly message: string; readonly span: Span }[];
  /** The text ended inside an unfinished construct (an open block, bracket or comment, a probe with no
   * block yet): more input would complete it. The REPL waits for the next line instead of reporting. */
  readonly incomplete?: true;
}

export function error(message: string, span?: Span, hints?: string[]): Diagnostic {
  return { severity: 'error', message, span, hints };
}

export function warning(message: string, span?: Span, hints?: string[]): Diagnostic {
  return { severity: 'warning', message, span, hints };
}

/**
 * bpftrace's layout:
 *   stdin:1:14: ERROR: Unknown function: foo
 *   BEGIN { @x = foo(); }
 *                ~~~
 *   HINT: did you mean ...
 */
export function renderDiagnostic(d: Diagnostic): string {
  const label = d.severity === 'error' ? 'ERROR' : 'WARNING';
  const out: string[] = [];
  if (d.span) out.push(...renderAt(d.span, `${label}: ${d.message}`));
  else out.push(`${label}: ${d.message}`);
  // inside a macro: where it was used, innermost use first (bpftrace v0.26's layout)
  for (let from = d.span?.expandedFrom; from; from = from.expandedFrom)
    out.push(...renderAt(from, `${label}: expanded from`));
  for (const r of d.related ?? []) out.push(...renderAt(r.span, `NOTE: ${r.message}`));
  for (const h of d.hints ?? []) out.push(`HINT: ${h}`);
  return out.join('\n') + '\n';
}

function renderAt(s: Span, text: string): string[] {
  const { line, col } = lineCol(s.file, s.start);
  const src = lineText(s.file, line);
  // A very long line (a pasted megabyte) shows only a window around the span, marked with … at the cuts.
  const from = src.length > MAX_SHOWN ? Math.max(0, col - 1 - SHOWN_BEFORE) : 0;
  const to = Math.min(src.length, from + MAX_SHOWN);
  const shown = (from > 0 ? '…' : '') + src.slice(from, to) + (to < src.length ? '…' : '');
  // An underline never runs past the end of what is shown; a zero-width span still gets one mark.
  const width = Math.max(1, Math.min(s.end - s.start, to - (col - 1)));
  const pad = (from > 0 ? ' ' : '') + src.slice(from, col - 1).replace(/[^\t]/g, ' ');
  return [`${s.file.name}:${line}:${col}: ${text}`, shown, pad + '~'.repeat(width)];
}

/** source lines longer than this are shown as a window of this many characters, starting a little before the span */
const MAX_SHOWN = 1000;
const SHOWN_BEFORE = 200;

/** `file:line:col` of a span's start, as diagnostics begin. */
export function spanLocation(s: Span): string {
  const { line, col } = lineCol(s.file, s.start);
  return `${s.file.name}:${line}:${col}`;
}

export function renderDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map(renderDiagnostic).join('');
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}
