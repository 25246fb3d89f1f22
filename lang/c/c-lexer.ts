// Tokens of preprocessed C, for the declaration parser: identifiers, integer and other literals,
// punctuators. Comments and whitespace are skipped; a line starting with `#` is a line marker
// (`# 12 "file.h"`) and skipped, any other directive left by the preprocessor is reported.
// Offsets are into the text given; the caller's mapper turns them into spans.
import { PUNCTUATORS } from './preprocess-lexer.ts';

export type CTokenKind = 'ident' | 'int' | 'float' | 'string' | 'char' | 'punct' | 'eof';

export interface CToken {
  readonly kind: CTokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** 'int' and 'char' tokens: the value (suffixes dropped). */
  readonly value?: bigint;
  /** 'int' tokens: an unsigned (`u`) suffix, and how many `l`s. */
  readonly unsigned?: boolean;
  readonly longs?: number;
}

export interface CLexProblem {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

/** Punctuators by first character, longest first. */
const PUNCT_BY_FIRST = new Map<string, string[]>();
for (const p of PUNCTUATORS) {
  const list = PUNCT_BY_FIRST.get(p[0]!) ?? [];
  list.push(p);
  PUNCT_BY_FIRST.set(p[0]!, list);
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

export function lexC(text: string, from = 0, to = text.length): { tokens: CToken[]; problems: CLexProblem[] } {
  const tokens: CToken[] = [];
  const problems: CLexProblem[] = [];
  let i = from;
  let lineStart = true; // only whitespace since the last newline
  while (i < to) {
    const code = text.charCodeAt(i);
    if (code === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (code === 32 || code === 9 || code === 13 || code === 12 || code === 11) {
      i++;
      continue;
    }
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < to && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > to) {
        problems.push({ message: 'unterminated /* comment', start: i, end: i + 2 });
        i = to;
      } else i = close + 2;
      continue;
    }
    if (c === '#' && lineStart) {
      let e = text.indexOf('\n', i);
      if (e < 0 || e > to) e = to;
      const line = text.slice(i, e);
      if (
        !/^#\s*(line\s+)?\d+(\s+"[^"]*"(\s+\d+)*)?\s*$/.test(line) &&
        !/^#\s*pragma\b/.test(line) &&
        !/^#\s*$/.test(line)
      ) {
        const word = /^#\s*(\w*)/.exec(line)![1] ?? '';
        problems.push({ message: `preprocessor directive '#${word}' was not expanded`, start: i, end: e });
      }
      i = e;
      continue;
    }
    lineStart = false;
    const start = i;
    if (isIdentStart(code)) {
      i++;
      while (i < to && isIdentPart(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (isDigit(code) || (c === '.' && isDigit(text.charCodeAt(i + 1)))) {
      // a pp-number: digits, letters, dots, and signs after an exponent letter
      while (
        i < to &&
        (isIdentPart(text.charCodeAt(i)) ||
          text[i] === '.' ||
          ((text[i] === '+' || text[i] === '-') && /[eEpP]/.test(text[i - 1]!)))
      )
        i++;
      tokens.push(numberToken(text.slice(start, i), start, i, problems));
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < to && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      if (text[i] !== c) {
        problems.push({ message: `missing terminating ${c} character`, start, end: Math.min(i, to) });
        tokens.push({ kind: c === '"' ? 'string' : 'char', text: text.slice(start, i), start, end: i, value: 0n });
        continue;
      }
      i++;
      const body = text.slice(start + 1, i - 1);
      if (c === '"') tokens.push({ kind: 'string', text: text.slice(start, i), start, end: i });
      else tokens.push({ kind: 'char', text: text.slice(start, i), start, end: i, value: charValue(body) });
      continue;
    }
    const p = PUNCT_BY_FIRST.get(c)?.find((q) => q.length === 1 || text.startsWith(q, i));
    if (p !== undefined) {
      i += p.length;
      tokens.push({ kind: 'punct', text: p, start, end: i });
      continue;
    }
    problems.push({ message: `unexpected character '${c}'`, start, end: start + 1 });
    i++;
  }
  tokens.push({ kind: 'eof', text: '', start: to, end: to });
  return { tokens, problems };
}

function numberToken(text: string, start: number, end: number, problems: CLexProblem[]): CToken {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (m === null) {
    if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFlL]?$|^0[xX][0-9a-fA-F.]+[pP][+-]?\d+[fFlL]?$/.test(text)) {
      return { kind: 'float', text, start, end };
    }
    problems.push({ message: `invalid number '${text}'`, start, end });
    return { kind: 'int', text, start, end, value: 0n };
  }
  const digits = m[1]!;
  const suffix = m[2]!.toLowerCase();
  const value = /^0[bB]/.test(digits)
    ? BigInt(digits)
    : /^0[xX]/.test(digits)
      ? BigInt(digits)
      : digits.length > 1 && digits[0] === '0'
        ? BigInt(`0o${digits.slice(1)}`)
        : BigInt(digits);
  const longs = (suffix.match(/l/g) ?? []).length;
  const us = (suffix.match(/u/g) ?? []).length;
  if (longs > 2 || us > 1 || (longs === 2 && !/ll/.test(suffix)))
    problems.push({ message: `invalid suffix on integer constant '${text}'`, start, end });
  return { kind: 'int', text, start, end, value, unsigned: us === 1, longs };
}

const ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  '0': 0,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

function charValue(body: string): bigint {
  if (body.startsWith('\\x')) return BigInt(parseInt(body.slice(2), 16) || 0);
  if (/^\\[0-7]{1,3}$/.test(body)) return BigInt(parseInt(body.slice(1), 8));
  if (body.startsWith('\\')) return BigInt(ESCAPES[body[1] ?? ''] ?? body.charCodeAt(1));
  return BigInt(body.charCodeAt(0) || 0);
}
