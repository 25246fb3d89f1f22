// The Chevrotain lexer, plus the bracket tracker that the context-dependent tokens (tokens.ts) consult.
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
 * Built once, on first use. Chevrotain's definition checks are skipped: they take the custom matchers for
 * catch-alls and call every later token unreachable. `validate` (for tests) insists that the first-character
 * optimisation applies to every token instead.
 */
export function getLexer(validate = false): Lexer {
  if (validate)
    return new Lexer(T.allTokens, { positionTracking: 'onlyOffset', skipValidations: true, ensureOptimizations: true });
  lexer ??= new Lexer(T.allTokens, { positionTracking: 'onlyOffset', skipValidations: true });
  return lexer;
}

/**
 * Tokens of a whole program (comments and whitespace dropped). Characters no token matches come back as
 * `Invalid` tokens, so the parser reports them where it meets them, with everything else.
 */
export function lex(text: string): IToken[] {
  const result = getLexer().tokenize(text);
  trackedTokens = undefined; // don't keep the program alive
  const tokens = result.tokens;
  if (!result.errors.length) return tokens;
  const extra: IToken[] = result.errors.map((e) => {
    const cp = text.codePointAt(e.offset) ?? 0;
    const image = String.fromCodePoint(cp);
    return {
      image,
      startOffset: e.offset,
      tokenType: T.Invalid,
      tokenTypeIdx: T.Invalid.tokenTypeIdx!,
    };
  });
  return [...tokens, ...extra].sort((a, b) => a.startOffset - b.startOffset);
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
