// The parser's public entry: source text → AST, or diagnostics saying what is wrong and where.
//
// The script's C part (#directives and struct/union/enum definitions before the first probe) is C, read by
// lang/c: here it is blanked out, so the probes keep their offsets and lines. The token stream after it is
// cut into top-level segments (a probe, a config block) and each is parsed on its own, so one mistake costs
// one error and the probes after it are still checked.
import {
  EOF,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type IToken,
  type TokenType,
} from 'chevrotain';
import type { Program } from './ast.ts';
import { buildProgram, type Built } from './cst-to-ast.ts';
import { capDiagnostics } from './cap-diagnostics.ts';
import { error, type Diagnostic } from './diagnostics.ts';
import { applyBracket, enclosingBlock, getLexer, lex, tokenEnd, type Open } from './lexer.ts';
import { ScryParser } from './parser.ts';
import { isStackOverflow } from './walk.ts';
import { lineCol, type SourceFile, type Span } from './source.ts';
import { cDefinitionAt, scriptDefinitionsEnd, unclosedDefinition } from './c/preprocess-script.ts';
import { takeImports, type ImportStatement } from './imports-syntax.ts';
import * as T from './tokens.ts';

export interface ParseResult {
  /** Present when there are no errors. */
  readonly program?: Program;
  readonly diagnostics: Diagnostic[];
  /** Where the script's C definitions end (0: it has none); lang/c/script-c.ts reads them. */
  readonly definitionsEnd: number;
  /** `import "path";` statements, in order (lang/imports.ts resolves them) */
  readonly imports?: readonly ImportStatement[];
}

let parser: ScryParser | undefined;
/** The segment being parsed, and the token after it, for the error messages. */
let segment: { tokens: readonly IToken[]; follower?: IToken } = { tokens: [] };

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
  if (!reference) {
    getLexer(true); // throws if a token lost Chevrotain's first-character optimisation
    reference = new ScryParser(messages, true);
  }
  return parseWith(reference, file);
}

function parseWith(p: ScryParser, file: SourceFile): ParseResult {
  const definitionsEnd = scriptDefinitionsEnd(file);
  const open = unclosedDefinition(file);
  if (open) {
    // more text would close it: the REPL waits for the next line, a file gets the error
    const d = error(`the definition of ${open.what} is not closed`, open.span, [`end its body with '};'`]);
    return { diagnostics: [{ ...d, incomplete: true }], definitionsEnd };
  }
  const diagnostics: Diagnostic[] = [];
  const lexed = withoutLateDefinitions(lex(blankedOut(file.text, definitionsEnd)), file, diagnostics);
  const { tokens, imports } = takeImports(lexed, file, diagnostics);
  const built: Built = { config: [], includes: [], probes: [] };
  const starts = segmentStarts(tokens);
  starts.forEach((from, i) => {
    const to = starts[i + 1] ?? tokens.length;
    segment = { tokens: tokens.slice(from, to), follower: tokens[to] };
    p.input = segment.tokens as IToken[];
    try {
      const cst = p.program();
      const err = p.errors[0];
      if (err) diagnostics.push(syntaxError(err, file));
      else buildProgram(cst, file, diagnostics, built);
    } catch (e) {
      // The grammar recurses once per bracket: nesting deeper than the JS stack is a limit, not a crash.
      // Chevrotain's own clean-up can fail on the way out of an overflow and throw a different RangeError
      // ("Invalid array length"), and may leave the parser's state broken: it is not reused.
      const deep = tooDeep(segment.tokens, file);
      if (!(isStackOverflow(e) || e instanceof RangeError) || deep.depth < 32) throw e; // shallow: a bug, not a limit
      if (parser === p) parser = undefined;
      if (reference === p) reference = undefined;
      diagnostics.push(deep.diagnostic);
    }
  });
  segment = { tokens: [] };
  p.input = [];
  if (diagnostics.some((d) => d.severity === 'error')) {
    const capped = capDiagnostics(diagnostics);
    if (!endsEarly(tokens)) return { diagnostics: capped, definitionsEnd };
    const first = capped.findIndex((d) => d.severity === 'error');
    return {
      diagnostics: capped.map((d, i) => (i === first ? { ...d, incomplete: true as const } : d)),
      definitionsEnd,
    };
  }
  return {
    program: {
      kind: 'program',
      config: built.config,
      includes: [...includeLines(file, definitionsEnd), ...built.includes],
      probes: built.probes,
      ...(built.macros ? { macros: built.macros } : {}),
      ...(built.mapDecls ? { mapDecls: built.mapDecls } : {}),
      span: { file, start: 0, end: file.text.length },
    },
    diagnostics: capDiagnostics(diagnostics),
    definitionsEnd,
    ...(imports.length ? { imports } : {}),
  };
}

/** The `#include` lines of the C part, for -d ast (lang/c/script-c.ts reads the headers). */
function includeLines(file: SourceFile, end: number): { path: string; span: Span }[] {
  const out: { path: string; span: Span }[] = [];
  for (const m of file.text.slice(0, end).matchAll(/^[ \t]*#[ \t]*include[ \t]*(?:<([^>\n]*)>|"([^"\n]*)")/gm))
    out.push({ path: m[1] ?? m[2] ?? '', span: { file, start: m.index, end: m.index + m[0].length } });
  return out;
}

/** The text with its first `end` characters blank (line breaks kept, so lines and offsets stay). */
function blankedOut(text: string, end: number): string {
  return end === 0 ? text : text.slice(0, end).replace(/[^\n]/g, ' ') + text.slice(end);
}

/**
 * A #directive or struct/union/enum definition after the probes is an error, as in bpftrace v0.26: the C part
 * is read before the probes, as C, so it must come first. Their tokens are dropped: the probes are still parsed.
 */
function withoutLateDefinitions(tokens: IToken[], file: SourceFile, diagnostics: Diagnostic[]): IToken[] {
  const out: IToken[] = [];
  const stack: Open[] = [];
  const late = (start: number, end: number) =>
    diagnostics.push({
      severity: 'error',
      message: 'C definitions must appear before probes and functions',
      span: { file, start, end },
      hints: ['move #include, #define and struct/union/enum definitions to the top of the script'],
    });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (stack.length === 0 && t.tokenType === T.Directive) {
      late(t.startOffset, tokenEnd(t));
      continue;
    }
    if (stack.length === 0 && t.tokenType === T.AttachPoint && /^(struct|union|enum)$/.test(t.image)) {
      const end = tokens[i - 1]?.tokenType === T.Comma ? undefined : cDefinitionAt(file, t.startOffset);
      if (end !== undefined) {
        late(t.startOffset, end);
        while (i + 1 < tokens.length && tokens[i + 1]!.startOffset < end) i++;
        continue;
      }
    }
    applyBracket(stack, t.tokenType);
    out.push(t);
  }
  return out;
}

/** Where segments start: at 0, and before each top-level attach point (not one after a comma), `config`, `macro` and `#` line. */
function segmentStarts(tokens: readonly IToken[]): number[] {
  const out = [0];
  const stack: Open[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.tokenType;
    if (
      i > 0 &&
      stack.length === 0 &&
      ((t === T.AttachPoint && tokens[i - 1]!.tokenType !== T.Comma) ||
        t === T.Config ||
        t === T.Directive ||
        t === T.Macro)
    )
      out.push(i);
    applyBracket(stack, t);
  }
  return out;
}

/** Where the brackets of a segment nest deepest: the first opening bracket at the greatest depth. */
function tooDeep(tokens: readonly IToken[], file: SourceFile): { diagnostic: Diagnostic; depth: number } {
  let depth = 0;
  let max = 0;
  let at = tokens[0];
  for (const t of tokens) {
    const tt = t.tokenType;
    if (tt === T.LParen || tt === T.LBracket || tt === T.LCurly || tt === T.AngleOpen) {
      if (++depth > max) [max, at] = [depth, t];
    } else if (tt === T.RParen || tt === T.RBracket || tt === T.RCurly || tt === T.AngleClose) depth--;
  }
  return {
    depth: max,
    diagnostic: {
      severity: 'error',
      message: `brackets nest ${max} deep here, more than scry can parse`,
      span: at ? { file, start: at.startOffset, end: tokenEnd(at) } : { file, start: 0, end: 0 },
      hints: ['split the expression or the nested blocks, e.g. keep parts in $variables'],
    },
  };
}

// ---- syntax errors ------------------------------------------------------------------------------------

const isEof = (t: IToken) => t.tokenType === EOF;
const lexical = new Set<TokenType>([T.Invalid, T.UnterminatedString, T.UnterminatedComment]);

/** The end of a segment is not the end of the file when another top-level item follows it. */
function offending(t: IToken): IToken {
  return isEof(t) && segment.follower ? segment.follower : t;
}

function describeToken(t: IToken): string {
  if (isEof(t)) return 'end of file';
  if (t.tokenType === T.Directive) return /^#\s*\w*/.exec(t.image)![0];
  return T.describeTokenType(t.tokenType);
}

function message(actual: IToken, expected: TokenType[], ruleName: string): string {
  const t = offending(actual);
  if (t.tokenType === T.Invalid) return `invalid character '${t.image}'`;
  if (t.tokenType === T.UnterminatedString) return 'unterminated string';
  if (t.tokenType === T.UnterminatedComment) return 'unterminated comment';
  const names = [...new Set(expected.filter((e) => e !== T.AngleOpen).map(T.describeTokenType))];
  // after `else` comes a block or another if (the else-if loop's gate hides the if from Chevrotain)
  const at = isEof(actual) ? segment.tokens.length : segment.tokens.indexOf(actual);
  if (segment.tokens[at - 1]?.tokenType === T.Else && names.length === 1 && names[0] === '{') names.push('if');
  if (names.length === 1 && names[0] === ';' && (ruleName === 'statements' || ruleName === 'configBlock')) {
    const at = isEof(actual) ? segment.tokens.length : segment.tokens.indexOf(actual);
    names.push(enclosingBlock(segment.tokens, at) === '<' ? '>' : '}');
  }
  const expecting = names.length > 0 && names.length <= 3 ? `, expecting ${names.join(' or ')}` : '';
  return `syntax error, unexpected ${describeToken(t)}${expecting}`;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, ruleName }) => message(actual, [expected], ruleName),
  buildNotAllInputParsedMessage: ({ firstRedundant, ruleName }) => message(firstRedundant, [], ruleName),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) =>
    message(
      actual[0]!,
      expectedPathsPerAlt.flatMap((alt) => alt.flatMap((path) => path.slice(0, 1))),
      ruleName,
    ),
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, ruleName }) =>
    message(
      actual[0]!,
      expectedIterationPaths.flatMap((path) => path.slice(0, 1)),
      ruleName,
    ),
};

const angleHint = 'inside < … > a comparison needs parentheses: (a > b)';

function syntaxError(e: IRecognitionException, file: SourceFile): Diagnostic {
  const seg = segment.tokens;
  const atEof = isEof(e.token);
  const t = offending(e.token);
  const index = atEof ? seg.length : seg.indexOf(t);
  const prev = seg[index - 1];
  const sameLine = (a: number, b: number) => lineCol(file, a).line === lineCol(file, b).line;
  const spanOf = (a: number, b: number): Span => ({ file, start: a, end: b });

  // As in bpftrace, a syntax error covers the run of tokens without blanks that ends with the offending
  // one (`1 +;` underlines `+;`); at the end of the file, the last run.
  let span: Span;
  if (t.tokenType === T.UnterminatedComment) span = spanOf(t.startOffset, t.startOffset + 2);
  else if (lexical.has(t.tokenType)) span = spanOf(t.startOffset, tokenEnd(t));
  else if (!isEof(t)) span = spanOf(runStart(seg, index, t), tokenEnd(t));
  else if (prev) span = spanOf(runStart(seg, index - 1, prev), tokenEnd(prev));
  else span = spanOf(0, 0);

  const hints: string[] = [];
  const related: { message: string; span: Span }[] = [];
  const block = enclosingBlock(seg, index);
  if (!isEof(t)) {
    if (
      (t.tokenType === T.Greater && block === undefined) ||
      (prev?.tokenType === T.AngleClose && sameLine(prev.startOffset, t.startOffset))
    )
      hints.push(angleHint);
    if (prev?.tokenType === T.AttachPoint) {
      // `uprobe:/bin/bash:readline/pid == 1/`: after a ':' a '/' belongs to the attach point
      const raw = prev.image;
      const slash = raw.indexOf('/', raw.lastIndexOf(':') + 2);
      if (slash > 0) hints.push(`put a space before the predicate: ${raw.slice(0, slash)} ${raw.slice(slash)}…`);
    }
    if (
      prev?.tokenType === T.Identifier &&
      [T.LCurly, T.Colon, T.Comma, T.Slash].includes(t.tokenType) &&
      block === '{' &&
      (index < 2 || !sameLine(seg[index - 2]!.startOffset, prev.startOffset))
    )
      // `BEGIN { … ⏎ END { … }`: a probe seems to start inside a block
      hints.push(`is a } missing before '${prev.image}'?`);
    const rules = e.context.ruleStack;
    const owner = rules[rules.length - 1] === 'block' ? rules[rules.length - 2] : undefined;
    if ((owner === 'ifStmt' || owner === 'loopStmt') && t.tokenType.CATEGORIES?.includes(T.BinaryOperator))
      hints.push('without parentheses the condition is a single operand: write (a > b) for more');
    if (index === 0 && block === undefined && statementStart.has(t.tokenType))
      hints.push('statements go inside a probe, e.g. BEGIN { … }');
  } else {
    const open = unclosed(seg);
    if (open && !sameLine(open.startOffset, span.start))
      related.push({ message: 'the block opened here is not closed', span: spanOf(open.startOffset, tokenEnd(open)) });
  }
  return {
    severity: 'error',
    message: e.message,
    span,
    ...(hints.length ? { hints } : {}),
    ...(related.length ? { related } : {}),
  };
}

const statementStart = new Set<TokenType>([
  T.MapName,
  T.Variable,
  T.Positional,
  T.IntLiteral,
  T.StringLiteral,
  T.If,
  T.Let,
]);

/** Start offset of the run of adjacent tokens (no blank or comment between) that ends with tokens[index]. */
function runStart(tokens: readonly IToken[], index: number, t: IToken): number {
  let start = t.startOffset;
  for (let i = index - 1; i >= 0; i--) {
    const p = tokens[i]!;
    if (tokenEnd(p) !== start) break;
    start = p.startOffset;
  }
  return start;
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

/**
 * True when more lines would complete the text: a block, bracket, predicate or comment is still open, or it
 * ends after a probe's attach points (`BEGIN`, `tracepoint:a:b,`, `kprobe:f /pid == 1/`) with no block yet.
 */
function endsEarly(tokens: readonly IToken[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!last) return false;
  if (last.tokenType === T.UnterminatedComment) return true;
  // a string does not go on to the next line, and a stray character is an error now
  if (tokens.some((t) => t.tokenType === T.UnterminatedString || t.tokenType === T.Invalid)) return false;
  const open: Open[] = [];
  for (const t of tokens) applyBracket(open, t.tokenType);
  if (open.length > 0) return true;
  if (last.tokenType === T.Comma || last.tokenType === T.PredClose) return true;
  return last.tokenType === T.AttachPoint && looksLikeProbe(last.image);
}

/**
 * `provider:…` (the colon makes it an attach point, whatever the provider: a typo is reported once the block
 * is there) or a bare BEGIN/END; not a bare word, which is a statement typed at the REPL's prompt.
 */
function looksLikeProbe(image: string): boolean {
  return image.includes(':') || image === 'BEGIN' || image === 'END';
}
