// The lexer: the token types of tokens.ts matched in their order (the first that matches wins, a keyword giving
// way to a longer identifier), as Chevrotain's Lexer would match them, plus the bracket tracker the
// context-dependent tokens consult. Chevrotain's Lexer is built only for the tests and the reference parser: its
// constructor analyses every token type (~1 ms of each start, cold) for what the table below does.
import { Lexer, type CustomPatternMatcherFunc, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens.ts';

/** An open bracket: a block `{`, a compact block `<`, a predicate `/`, or a `(` / `[`. */
export type Open = '{' | '<' | '/' | '(' | '[';

/** How one token changes the stack of open brackets. Shared by the matchers and by error reporting. */
export function applyBracket(stack: Open[], type: TokenType): void {
  switch (type) {
    case T.LCurly:
      if (stack[stack.length - 1] === '/') stack.pop(); // a predicate missing its closing '/'
      stack.push('{');
      return;
    case T.RCurly:
      if (stack.includes('{')) while (stack.pop() !== '{');
      return;
    case T.LParen:
      stack.push('(');
      return;
    case T.LBracket:
      stack.push('[');
      return;
    case T.RParen:
    case T.RBracket: {
      const top = stack[stack.length - 1];
      if (top === '(' || top === '[') stack.pop();
      return;
    }
    case T.AngleOpen:
      stack.push('<');
      return;
    case T.PredOpen:
      stack.push('/');
      return;
    case T.AngleClose:
    case T.PredClose:
      stack.pop();
      return;
  }
}

// The tracker replays the tokens matched so far (the lexer hands custom matchers its token array).
let trackedTokens: IToken[] | undefined;
let trackedCount = 0;
const stack: Open[] = [];

function sync(tokens: IToken[]): void {
  if (tokens !== trackedTokens || tokens.length < trackedCount) {
    trackedTokens = tokens;
    trackedCount = 0;
    stack.length = 0;
  }
  for (; trackedCount < tokens.length; trackedCount++) applyBracket(stack, tokens[trackedCount]!.tokenType);
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

/** Offset of the next character that is not whitespace or a comment. */
function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.startsWith('//', i)) i = lineEnd(text, i);
    else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) return text.length;
      i = close + 2;
    } else return i;
  }
}

const attachPoint: CustomPatternMatcherFunc = (text, offset, tokens) => {
  sync(tokens);
  if (stack.length) return null;
  if (tokens[tokens.length - 1]?.tokenType === T.Macro) return null; // the macro's name
  let i = offset;
  let colon = false;
  scan: while (i < text.length) {
    const c = text[i]!;
    switch (c) {
      case ' ':
      case '\t':
      case '\n':
      case '\r':
      case '{':
      case '}':
      case ',':
      case '<':
        break scan;
      case ':':
        colon = true;
        break;
      case '/':
        // Before the first ':' a '/' starts the predicate (`BEGIN/1/`); after it, it is part of a path,
        // unless it starts a `//` comment.
        if (!colon || text[i + 1] === '/') break scan;
        break;
      case '"': {
        // A quoted part runs to its closing quote. Unterminated, the attach point stops before it, and the
        // rest lexes as an unterminated string, which the parser reports.
        let j = i + 1;
        while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
        if (text[j] !== '"') break scan;
        i = j + 1;
        continue;
      }
    }
    if (isSpace(c.charCodeAt(0))) break;
    i++;
  }
  const raw = text.slice(offset, i);
  // `config = {`, also written `config={` (the scan stops at the brace)
  if (!raw || raw === 'config' || raw === 'config=' || (raw === 'let' && /^[ \t\r\n]*@/.test(text.slice(i, i + 64))))
    return null;
  if (inMapDeclaration(tokens)) return null;
  return [raw];
};

/** Whether the tokens so far end inside a top-level `let @m = …;` (its value is an expression, no attach point). */
function inMapDeclaration(tokens: readonly IToken[]): boolean {
  for (let k = tokens.length - 1; k >= 0; k--) {
    const t = tokens[k]!.tokenType;
    if (t === T.Let) return true;
    // the value is `kind(N)`: its `)` ends it, with or without the `;`
    if (t === T.Semi || t === T.RCurly || t === T.AttachPoint || t === T.RParen) return false;
  }
  return false;
}

/** `macro NAME(` at the top level begins a macro definition */
const macroWord = /macro(?=[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]*\()/y;
const macro: CustomPatternMatcherFunc = (text, offset, tokens) => {
  sync(tokens);
  if (stack.length) return null;
  macroWord.lastIndex = offset;
  return macroWord.exec(text);
};

const angleOpen: CustomPatternMatcherFunc = (_text, _offset, tokens) => {
  sync(tokens);
  return stack.length ? null : ['<'];
};

const angleClose: CustomPatternMatcherFunc = (_text, _offset, tokens) => {
  sync(tokens);
  return stack[stack.length - 1] === '<' ? ['>'] : null;
};

const predOpen: CustomPatternMatcherFunc = (_text, _offset, tokens) => {
  sync(tokens);
  return stack.length ? null : ['/'];
};

const predClose: CustomPatternMatcherFunc = (text, offset, tokens) => {
  sync(tokens);
  if (stack[stack.length - 1] !== '/') return null;
  const next = skipTrivia(text, offset + 1);
  return next >= text.length || text[next] === '{' || text[next] === '<' ? ['/'] : null;
};

const directive: CustomPatternMatcherFunc = (text, offset) => {
  for (let i = offset - 1; i >= 0 && text[i] !== '\n'; i--) if (text[i] !== ' ' && text[i] !== '\t') return null;
  return [text.slice(offset, lineEnd(text, offset))];
};

const shebang: CustomPatternMatcherFunc = (text, offset) =>
  offset === 0 && text.startsWith('#!') ? [text.slice(0, lineEnd(text, 0))] : null;

const invalid: CustomPatternMatcherFunc = (text, offset) => {
  const cp = text.codePointAt(offset);
  return cp === undefined ? null : [String.fromCodePoint(cp)];
};

T.setContextMatchers({
  attachPoint,
  angleOpen,
  angleClose,
  predOpen,
  predClose,
  directive,
  macro,
  shebang,
  invalid,
});

let lexer: Lexer | undefined;

/**
 * Chevrotain's own Lexer over the same token types, built once, on first use (tests, the reference parser, and a
 * lex() before any parser was built, whose token types it analyses). Chevrotain's definition checks are skipped:
 * they take the custom matchers for catch-alls and call every later token unreachable. `validate` (for tests)
 * insists that the first-character optimisation applies to every token instead.
 */
export function getLexer(validate = false): Lexer {
  if (validate)
    return new Lexer(T.allTokens, { positionTracking: 'onlyOffset', skipValidations: true, ensureOptimizations: true });
  lexer ??= new Lexer(T.allTokens, { positionTracking: 'onlyOffset', skipValidations: true });
  return lexer;
}

/** A token type as the scanner tries it: its matcher gives the matched text at the offset, or null. */
interface Matcher {
  readonly type: TokenType;
  readonly match: (text: string, offset: number, tokens: IToken[]) => string | null;
  /** Lexer.SKIPPED: matched, then dropped (whitespace, comments) */
  readonly skipped: boolean;
  /** the identifier a keyword gives way to when it matches more */
  readonly longer?: Matcher;
}

interface Scanner {
  /** by first character code (< 128): the token types that can start with it, in lexing order */
  readonly byFirst: readonly (readonly Matcher[])[];
  /** every token type in lexing order, for finding where lexing can go on after junk */
  readonly all: readonly Matcher[];
}

let scanner: Scanner | undefined;

/** The token types' matchers, each filed under the characters it can start with (a string's first, or its hint). */
function buildScanner(): Scanner {
  const matchers = new Map<TokenType, Matcher>();
  const matcherOf = (type: TokenType): Matcher => {
    let m = matchers.get(type);
    if (m) return m;
    const pattern = type.PATTERN;
    let match: Matcher['match'];
    if (typeof pattern === 'string') match = (text, offset) => (text.startsWith(pattern, offset) ? pattern : null);
    else if (
      pattern !== undefined &&
      typeof pattern === 'object' &&
      'exec' in pattern &&
      !(pattern instanceof RegExp)
    ) {
      const exec = pattern.exec as CustomPatternMatcherFunc;
      match = (text, offset, tokens) => exec(text, offset, tokens, {})?.[0] ?? null;
    } else throw new Error(`internal error: token ${type.name} has a pattern the scanner cannot run`);
    const longer = type.LONGER_ALT;
    m = {
      type,
      match,
      skipped: type.GROUP === Lexer.SKIPPED,
      ...(longer && !Array.isArray(longer) ? { longer: matcherOf(longer) } : {}),
    };
    matchers.set(type, m);
    return m;
  };
  const byFirst: Matcher[][] = Array.from({ length: 128 }, () => []);
  const all: Matcher[] = [];
  for (const type of T.allTokens) {
    if (type.PATTERN === Lexer.NA) continue; // a category
    const m = matcherOf(type);
    all.push(m);
    const pattern = type.PATTERN;
    const firsts = typeof pattern === 'string' ? [pattern[0]!] : (type.START_CHARS_HINT ?? []);
    if (!firsts.length) throw new Error(`internal error: token ${type.name} says no first character`);
    for (const c of firsts) {
      const code = typeof c === 'number' ? c : c.charCodeAt(0);
      if (code >= 128) throw new Error(`internal error: token ${type.name} starts with a non-ASCII character`);
      byFirst[code]!.push(m);
    }
  }
  return { byFirst, all };
}

/**
 * Tokens of a whole program (comments and whitespace dropped). Characters no token matches come back as
 * `Invalid` tokens, so the parser reports them where it meets them, with everything else: one for each run of
 * characters where no token can start (as Chevrotain's Lexer reports one error per run).
 */
export function lex(text: string): IToken[] {
  if (T.Identifier.tokenTypeIdx === undefined) getLexer(); // no parser built yet: the token types need analysing
  const { byFirst, all } = (scanner ??= buildScanner());
  const tokens: IToken[] = [];
  const junk: IToken[] = [];
  let offset = 0;
  while (offset < text.length) {
    const code = text.charCodeAt(offset);
    const candidates = code < 128 ? byFirst[code]! : [];
    let found: Matcher | undefined;
    let image: string | null = null;
    for (let k = 0; k < candidates.length; k++) {
      image = candidates[k]!.match(text, offset, tokens);
      if (image !== null) {
        found = candidates[k];
        break;
      }
    }
    if (found && image !== null) {
      const longer = found.longer?.match(text, offset, tokens);
      if (longer && longer.length > image.length) {
        found = found.longer!;
        image = longer;
      }
      if (!found.skipped)
        tokens.push({ image, startOffset: offset, tokenTypeIdx: found.type.tokenTypeIdx!, tokenType: found.type });
      offset += image.length;
      continue;
    }
    // junk: an Invalid token for its first character, and lexing goes on where some token type matches again
    const cp = text.codePointAt(offset)!;
    junk.push({
      image: String.fromCodePoint(cp),
      startOffset: offset,
      tokenTypeIdx: T.Invalid.tokenTypeIdx!,
      tokenType: T.Invalid,
    });
    do offset++;
    while (offset < text.length && !all.some((m) => m.match(text, offset, tokens) !== null));
  }
  trackedTokens = undefined; // don't keep the program alive
  if (!junk.length) return tokens;
  return [...tokens, ...junk].sort((a, b) => a.startOffset - b.startOffset);
}

/** Offset one past a token's last character (tokens carry only their start offset). */
export function tokenEnd(t: IToken): number {
  return t.startOffset + t.image.length;
}

/** The innermost block (`{` or `<`) around tokens[index], replaying the brackets before it. */
export function enclosingBlock(tokens: readonly IToken[], index: number): '{' | '<' | undefined {
  const s: Open[] = [];
  for (let i = 0; i < index && i < tokens.length; i++) applyBracket(s, tokens[i]!.tokenType);
  for (let i = s.length - 1; i >= 0; i--) if (s[i] === '{' || s[i] === '<') return s[i] as '{' | '<';
  return undefined;
}
