// Source text with a name and line index, so any offset turns into line:col.

export interface SourceFile {
  readonly name: string; // "stdin" for -e programs, else the path as given
  readonly text: string;
  readonly lineStarts: readonly number[];
}

export interface Span {
  readonly file: SourceFile;
  readonly start: number; // offset of the first character
  readonly end: number; // offset one past the last character
  /** inside a script macro's body: the use it was expanded for (lang/script-macros.ts) */
  readonly expandedFrom?: Span;
}

export function sourceFile(name: string, text: string): SourceFile {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return { name, text, lineStarts };
}

/** 1-based line and column of an offset. */
export function lineCol(file: SourceFile, offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = file.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (file.lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - file.lineStarts[lo]! + 1 };
}

/** Text of a 1-based line, without its newline. */
export function lineText(file: SourceFile, line: number): string {
  const start = file.lineStarts[line - 1] ?? file.text.length;
  const next = file.lineStarts[line];
  const end = next === undefined ? file.text.length : next - 1;
  return file.text.slice(start, end);
}

export function span(file: SourceFile, start: number, end: number): Span {
  return { file, start, end };
}

/** The smallest span covering both. */
export function join(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
