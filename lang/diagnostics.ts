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
  return { severity: 'error', message: shownNames(message), span, hints: hints?.map(shownNames) };
}

export function warning(message: string, span?: Span, hints?: string[]): Diagnostic {
  return { severity: 'warning', message: shownNames(message), span, hints: hints?.map(shownNames) };
}

/** `$x'2`, a variable of a block renamed apart from another `$x` (check/scopes.ts), is shown as written: `$x` */
function shownNames(text: string): string {
  return text.includes("'") ? text.replace(/(\$[A-Za-z_][A-Za-z0-9_]*)'\d+/g, '$1') : text;
}

/**
 * bpftrace v0.26's layout (0.17 printed `stdin:1:14:` without the end column; v0.26 wins):
 *   stdin:1:14-17: ERROR: Unknown function: foo
 *   BEGIN { @x = foo(); }
 *                ~~~
 *   HINT: did you mean ...
 * A span over several lines is `stdin:2-4:` followed by those lines, not underlined.
 */
export function renderDiagnostic(d: Diagnostic): string {
  const label = labelOf(d.severity);
  const out: string[] = [];
  if (d.span) out.push(...renderAt(d.span, `${label}: ${d.message}`), ...expandedFrom(d.span, label));
  else out.push(`${label}: ${d.message}`);
  for (const r of d.related ?? []) out.push(...renderAt(r.span, `NOTE: ${r.message}`));
  for (const h of d.hints ?? []) out.push(`HINT: ${h}`);
  return out.join('\n') + '\n';
}

/**
 * What errorf()/warnf() print when the probe runs (bpftrace v0.26 TextOutput::printf): the call's place and the
 * message, without the source line (it is the call itself); inside a macro, each use it was expanded from with its
 * line, as a diagnostic shows them.
 */
export function renderCallMessage(severity: Diagnostic['severity'], message: string, span: Span): string {
  const label = labelOf(severity);
  return [`${spanRange(span)}: ${label}: ${message}`, ...expandedFrom(span, label)].join('\n') + '\n';
}

const labelOf = (severity: Diagnostic['severity']) => (severity === 'error' ? 'ERROR' : 'WARNING');

/** Inside a macro: where it was used, innermost use first (bpftrace v0.26's layout). */
function expandedFrom(span: Span, label: string): string[] {
  const out: string[] = [];
  for (let from = span.expandedFrom; from; from = from.expandedFrom)
    out.push(...renderAt(from, `${label}: expanded from`));
  return out;
}

function renderAt(s: Span, text: string): string[] {
  const { start, end } = spanLines(s);
  const head = `${spanRange(s)}: ${text}`;
  if (start.line !== end.line) {
    const lines: string[] = [head];
    for (let l = start.line; l <= end.line; l++) lines.push(windowed(lineText(s.file, l), 0).shown);
    return lines;
  }
  const src = lineText(s.file, start.line);
  const col = start.col;
  // A very long line (a pasted megabyte) shows only a window around the span, marked with … at the cuts.
  const { shown, from, to } = windowed(src, Math.max(0, col - 1 - SHOWN_BEFORE));
  // An underline never runs past the end of what is shown; a zero-width span still gets one mark.
  const width = Math.max(1, Math.min(end.col - col, to - (col - 1)));
  const pad = (from > 0 ? ' ' : '') + src.slice(from, col - 1).replace(/[^\t]/g, ' ');
  return [head, shown, pad + '~'.repeat(width)];
}

/** at most MAX_SHOWN characters of a line from `from`, with … where it was cut */
function windowed(src: string, from: number): { shown: string; from: number; to: number } {
  if (src.length <= MAX_SHOWN) return { shown: src, from: 0, to: src.length };
  const to = Math.min(src.length, from + MAX_SHOWN);
  return { shown: (from > 0 ? '…' : '') + src.slice(from, to) + (to < src.length ? '…' : ''), from, to };
}

/** source lines longer than this are shown as a window of this many characters, starting a little before the span */
const MAX_SHOWN = 1000;
const SHOWN_BEFORE = 200;

/**
 * Where a span begins and ends, 1-based; the end column is one past its last character (as bpftrace v0.26
 * counts). A span whose last character is a line's newline ends on that line.
 */
function spanLines(s: Span): { start: { line: number; col: number }; end: { line: number; col: number } } {
  const start = lineCol(s.file, s.start);
  if (s.end <= s.start) return { start, end: start };
  const last = lineCol(s.file, s.end - 1);
  return { start, end: { line: last.line, col: last.col + 1 } };
}

/**
 * Where a span is, as diagnostics begin (bpftrace v0.26): `file:line:startcol-endcol` on one line,
 * `file:firstline-lastline` over several.
 */
export function spanRange(s: Span): string {
  const { start, end } = spanLines(s);
  if (start.line !== end.line) return `${s.file.name}:${start.line}-${end.line}`;
  return `${s.file.name}:${start.line}:${start.col}-${end.col}`;
}

/** `file:line:col` of a span's start, as bpftrace v0.26's JSON output gives a message's place (line and col). */
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
