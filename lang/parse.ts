// The parser's public entry: source text → AST, or diagnostics saying what is wrong and where.
//
// The token stream is cut into top-level segments (a probe, a config block, a `#include` line) and each is
// parsed on its own, so one mistake costs one error and the probes after it are still checked.
import { EOF, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import type { Program } from './ast.ts';
import { buildProgram, type Built } from './cst-to-ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import { applyBracket, enclosingBlock, getLexer, lex, tokenEnd, type Open } from './lexer.ts';
import { ScryParser } from './parser.ts';
import { lineCol, type SourceFile, type Span } from './source.ts';
import * as T from './tokens.ts';

export interface ParseResult {
  /** Present when there are no errors. */
  readonly program?: Program;
  readonly diagnostics: Diagnostic[];
}

let parser: ScryParser | undefined;
/** The tokens of the segment being parsed, for the error messages (which need the enclosing block). */
let segmentTokens: readonly IToken[] = [];

/** Parses a whole program. The lexer and parser are built on the first call and reused. */
export function parse(file: SourceFile): ParseResult {
  return parseWith((parser ??= new ScryParser(messages, false)), file);
}

let reference: ScryParser | undefined;
/**
 * For tests: `parse` with a parser built by Chevrotain's own LL(k) lookahead and with all of its grammar
 * validations (which throw if the grammar is ambiguous), to check the fast start-up path against.
 */
export function parseWithReferenceParser(file: SourceFile): ParseResult {
  getLexer(true);
  return parseWith((reference ??= new ScryParser(messages, true)), file);
}

function parseWith(p: ScryParser, file: SourceFile): ParseResult {
  const tokens = lex(file.text);
  const diagnostics: Diagnostic[] = [];
  const built: Built = { config: [], includes: [], probes: [] };
  for (const seg of segments(tokens)) {
    segmentTokens = seg;
    p.input = seg;
    const cst = p.program();
    const err = p.errors[0];
    if (err) diagnostics.push(syntaxError(err, seg, file));
    else buildProgram(cst, file, diagnostics, built);
  }
  segmentTokens = [];
  p.input = [];
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return {
    program: {
      kind: 'program',
      config: built.config,
      includes: built.includes,
      probes: built.probes,
      span: { file, start: 0, end: file.text.length },
    },
    diagnostics,
  };
}

/** Splits tokens before each top-level attach point (not one after a comma), `config` and `#` line. */
function segments(tokens: IToken[]): IToken[][] {
  const out: IToken[][] = [];
  const stack: Open[] = [];
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.tokenType;
    const starts =
      i > from &&
      stack.length === 0 &&
      ((t === T.AttachPoint && tokens[i - 1]!.tokenType !== T.Comma) || t === T.Config || t === T.Directive);
    if (starts) {
      out.push(tokens.slice(from, i));
      from = i;
    }
    applyBracket(stack, t);
  }
  out.push(tokens.slice(from));
  return out;
}

// ---- syntax errors ------------------------------------------------------------------------------------

const isEof = (t: IToken) => t.tokenType === EOF;

function describeToken(t: IToken): string {
  if (isEof(t)) return 'end of file';
  if (t.tokenType === T.Directive) return /^#\s*\w*/.exec(t.image)![0];
  return T.describeTokenType(t.tokenType);
}

function message(actual: IToken, expected: TokenType[], ruleName: string): string {
  if (actual.tokenType === T.Invalid) return `invalid character '${actual.image}'`;
  if (actual.tokenType === T.UnterminatedString) return 'unterminated string';
  if (actual.tokenType === T.UnterminatedComment) return 'unterminated comment';
  const names = [...new Set(expected.filter((t) => t !== T.AngleOpen).map(T.describeTokenType))];
  if (names.length === 1 && names[0] === ';' && (ruleName === 'statements' || ruleName === 'configBlock')) {
    const at = isEof(actual) ? segmentTokens.length : segmentTokens.indexOf(actual);
    names.push(enclosingBlock(segmentTokens, at) === '<' ? '>' : '}');
  }
  const expecting = names.length > 0 && names.length <= 3 ? `, expecting ${names.join(' or ')}` : '';
  return `syntax error, unexpected ${describeToken(actual)}${expecting}`;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, ruleName }) => message(actual, [expected], ruleName),
  buildNotAllInputParsedMessage: ({ firstRedundant, ruleName }) => message(firstRedundant, [], ruleName),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) =>
    message(actual[0]!, expectedPathsPerAlt.flatMap((alt) => alt.flatMap((path) => path.slice(0, 1))), ruleName),
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, ruleName }) =>
    message(actual[0]!, expectedIterationPaths.flatMap((path) => path.slice(0, 1)), ruleName),
};

const angleHint = 'inside < … > a comparison needs parentheses: (a > b)';

function syntaxError(e: IRecognitionException, seg: IToken[], file: SourceFile): Diagnostic {
  const t = e.token;
  const index = isEof(t) ? seg.length : seg.indexOf(t);
  const prev = seg[index - 1];
  const sameLine = (a: number, b: number) => lineCol(file, a).line === lineCol(file, b).line;
  let span: Span;
  if (isEof(t)) {
    const at = prev ? tokenEnd(prev) : 0;
    span = { file, start: at, end: at };
  } else if (t.tokenType === T.UnterminatedComment) span = { file, start: t.startOffset, end: t.startOffset + 2 };
  else span = { file, start: t.startOffset, end: tokenEnd(t) };

  const hints: string[] = [];
  const related: { message: string; span: Span }[] = [];
  const outside = enclosingBlock(seg, index) === undefined;
  if (
    (t.tokenType === T.Greater && outside) ||
    (prev?.tokenType === T.AngleClose && !isEof(t) && sameLine(prev.startOffset, t.startOffset))
  )
    hints.push(angleHint);
  if (prev?.tokenType === T.AttachPoint && !isEof(t)) {
    // `uprobe:/bin/bash:readline/pid == 1/`: after a ':' a '/' belongs to the attach point
    const raw = prev.image;
    const slash = raw.indexOf('/', raw.lastIndexOf(':') + 2);
    if (slash > 0) hints.push(`put a space before the predicate: ${raw.slice(0, slash)} ${raw.slice(slash)}…`);
  }
  if (
    prev?.tokenType === T.Identifier &&
    [T.LCurly, T.Colon, T.Comma, T.Slash].includes(t.tokenType) &&
    enclosingBlock(seg, index) === '{' &&
    (index < 2 || !sameLine(seg[index - 2]!.startOffset, prev.startOffset))
  )
    // `BEGIN { … ⏎ END { … }`: a probe seems to start inside a block
    hints.push(`is a } missing before '${prev.image}'?`);
  if (isEof(t)) {
    const open = unclosed(seg);
    if (open && !sameLine(open.startOffset, span.start))
      related.push({ message: 'the block opened here is not closed', span: { file, start: open.startOffset, end: tokenEnd(open) } });
  }
  return {
    severity: 'error',
    message: e.message,
    span,
    ...(hints.length ? { hints } : {}),
    ...(related.length ? { related } : {}),
  };
}

/** The innermost `{` or `<` still open at the end of the tokens. */
function unclosed(seg: readonly IToken[]): IToken | undefined {
  const open: IToken[] = [];
  const stack: Open[] = [];
  for (const t of seg) {
    applyBracket(stack, t.tokenType);
    open.length = Math.min(open.length, stack.length);
    if (stack.length > open.length) open.push(t);
    else if (t.tokenType === T.LCurly) open[open.length - 1] = t;
  }
  for (let i = open.length - 1; i >= 0; i--) {
    const tt = open[i]!.tokenType;
    if (tt === T.LCurly || tt === T.AngleOpen) return open[i];
  }
  return undefined;
}
