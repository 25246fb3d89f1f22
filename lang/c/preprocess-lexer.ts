// Preprocessing tokens (C11 6.4): what the preprocessor sees before any C parsing. Comments become
// whitespace and backslash-newline splices vanish, but every token keeps the raw offsets of its first and
// last character in its file, so diagnostics and the source map point at what the user wrote.
import type { SourceFile } from '../source.ts';

export type PpTokenKind = 'ident' | 'number' | 'string' | 'char' | 'punct' | 'other';

export interface PpToken {
  readonly kind: PpTokenKind;
  /** spelling with splices removed */
  readonly text: string;
  readonly file: SourceFile;
  /** raw offsets in `file` (for an expanded token: of the token in its macro body or argument) */
  readonly start: number;
  readonly end: number;
  /** whitespace or a comment before it on its line */
  readonly space: boolean;
  /** first token of a line (a `#` here starts a directive) */
  readonly bol: boolean;
  /** macros whose expansion produced it and that must not expand again (C11 6.10.3.4) */
  readonly hide?: ReadonlySet<string>;
  /** the token in the source whose macro expansion produced this one: where it came from, for the map */
  readonly site?: PpToken;
}

export interface LexResult {
  readonly tokens: PpToken[];
  /** offset of an unterminated block comment, if any */
  readonly openComment?: number;
}

// C's punctuators, longest first (a lexer taking the first that matches gets `>>=` before `>>` and `>`);
// the C declaration lexer (c-lexer.ts) uses the same list.
export const PUNCTUATORS = [
  '...',
  '<<=',
  '>>=',
  '->',
  '++',
  '--',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '*=',
  '/=',
  '%=',
  '+=',
  '-=',
  '&=',
  '^=',
  '|=',
  '##',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  '.',
  '&',
  '*',
  '+',
  '-',
  '~',
  '!',
  '/',
  '%',
  '<',
  '>',
  '^',
  '|',
  '?',
  ':',
  ';',
  '=',
  ',',
  '#',
];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$' || c > '\x7f';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * The file's text with line splices removed, and for each character of it the raw offset it came from.
 * Files without a splice (almost all) keep their text; the others keep where each splice was.
 */
function splice(text: string): { text: string; raw: (i: number) => number } {
  const re = /\\\r?\n/g;
  if (!re.test(text)) return { text, raw: (i) => i };
  re.lastIndex = 0;
  const parts: string[] = [];
  const at: number[] = []; // clean offset of each splice
  const removed: number[] = []; // characters removed up to and including each splice
  let last = 0;
  let total = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push(text.slice(last, m.index));
    at.push(m.index - total);
    total += m[0].length;
    removed.push(total);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  const raw = (i: number) => {
    // the number of splices at or before clean offset i
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid]! <= i) lo = mid + 1;
      else hi = mid;
    }
    return i + (lo === 0 ? 0 : removed[lo - 1]!);
  };
  return { text: parts.join(''), raw };
}

/** Splits a whole file into preprocessing tokens. Never fails: a stray character is an 'other' token. */
export function lexFile(file: SourceFile, from = 0, to = file.text.length): LexResult {
  const whole = from === 0 && to === file.text.length ? file.text : file.text.slice(from, to);
  const { text: s, raw } = splice(whole);
  const tokens: PpToken[] = [];
  let i = 0;
  let bol = true;
  let space = false;
  let openComment: number | undefined;
  const push = (kind: PpTokenKind, a: number, b: number) => {
    tokens.push({
      kind,
      text: s.slice(a, b),
      file,
      start: from + raw(a),
      end: from + raw(b - 1) + 1,
      space,
      bol,
      hide: undefined,
      site: undefined,
    });
    bol = false;
    space = false;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\n') {
      bol = true;
      space = false;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      space = true;
      i++;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const close = s.indexOf('*/', i + 2);
      if (close < 0) {
        openComment = from + raw(i);
        break;
      }
      space = true;
      i = close + 2;
      continue;
    }
    if (c === '/' && s[i + 1] === '/') {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? s.length : nl;
      continue;
    }
    const start = i;
    // string and character literals, with their encoding prefixes
    const prefix = /^(u8|u|U|L)?(["'])/.exec(s.slice(i, i + 4));
    if (prefix && (prefix[1] === undefined || isIdentStart(c))) {
      const quote = prefix[2]!;
      let j = i + prefix[0].length;
      while (j < s.length && s[j] !== quote && s[j] !== '\n') j += s[j] === '\\' && s[j + 1] !== '\n' ? 2 : 1;
      if (s[j] === quote) {
        push(quote === '"' ? 'string' : 'char', start, j + 1);
        i = j + 1;
      } else {
        // an unterminated literal (an apostrophe in skipped text): one stray character, as gcc lexes it
        push('other', start, start + 1);
        i = start + 1;
      }
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < s.length && isIdentPart(s[j]!)) j++;
      push('ident', start, j);
      i = j;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(s[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < s.length) {
        const d = s[j]!;
        if ((d === '+' || d === '-') && /[eEpP]/.test(s[j - 1]!)) j++;
        else if (isIdentPart(d) || d === '.') j++;
        else break;
      }
      push('number', start, j);
      i = j;
      continue;
    }
    const p = PUNCTUATORS.find((q) => s.startsWith(q, i));
    if (p) {
      push('punct', start, start + p.length);
      i += p.length;
      continue;
    }
    push('other', start, start + 1);
    i++;
  }
  return { tokens, openComment };
}

/** The one token a text spells, or undefined when it is empty or more than one token (for `##`). */
export function lexOne(text: string, like: PpToken): PpToken | undefined {
  const probe: SourceFile = { name: like.file.name, text, lineStarts: [0] };
  const { tokens, openComment } = lexFile(probe);
  if (tokens.length !== 1 || openComment !== undefined) return undefined;
  const t = tokens[0]!;
  if (t.text.length !== text.length) return undefined;
  return { ...like, kind: t.kind, text: t.text };
}
