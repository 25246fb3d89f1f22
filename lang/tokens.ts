// Chevrotain token types for the scry (bpftrace) language, and their names in error messages.
//
// A few tokens depend on where they occur, which plain regexps cannot see. The lexer (lexer.ts) keeps a
// small stack of open brackets and supplies the custom matchers used here:
//   - AttachPoint: only at the top level (outside any block), raw text up to whitespace, `{`, `,` or `<`;
//   - AngleOpen `<` at the top level opens a compact `probe < … >` block; AngleClose is a lone `>` whose
//     innermost open bracket is that `<` (so `(a > b)` stays a comparison);
//   - PredOpen `/` at the top level opens a predicate; PredClose is a `/` inside it followed by `{` or `<`
//     (as in bpftrace, so `/a / b/ {` divides);
//   - Directive `#…` only as the first thing on a line; the shebang only at offset 0.
import { createToken, Lexer, type CustomPatternMatcherFunc, type TokenType } from 'chevrotain';

/** Filled in by lexer.ts before the lexer is built (the matchers need its bracket tracker). */
export interface ContextMatchers {
  attachPoint: CustomPatternMatcherFunc;
  angleOpen: CustomPatternMatcherFunc;
  angleClose: CustomPatternMatcherFunc;
  predOpen: CustomPatternMatcherFunc;
  predClose: CustomPatternMatcherFunc;
  directive: CustomPatternMatcherFunc;
  shebang: CustomPatternMatcherFunc;
  invalid: CustomPatternMatcherFunc;
}

const matchers: Partial<ContextMatchers> = {};
export function setContextMatchers(m: ContextMatchers): void {
  Object.assign(matchers, m);
}
function deferred(name: keyof ContextMatchers): { exec: CustomPatternMatcherFunc } {
  return { exec: (text, offset, tokens, groups) => matchers[name]!(text, offset, tokens, groups) };
}

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';

// ---- categories -------------------------------------------------------------------------------------
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA });
export const AssignOperator = createToken({ name: 'AssignOperator', pattern: Lexer.NA });
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA });

/**
 * A token matched by a sticky regexp, written as a custom pattern with its possible first characters:
 * Chevrotain then need not parse the regexp at start-up to find them (that analysis costs milliseconds).
 */
function regexToken(
  name: string,
  re: RegExp,
  firstChars: string,
  extra: { group?: string; line_breaks?: boolean } = {},
): TokenType {
  const sticky = new RegExp(re.source, 'y');
  const exec: CustomPatternMatcherFunc = (text, offset) => {
    sticky.lastIndex = offset;
    return sticky.exec(text);
  };
  return createToken({ name, pattern: { exec }, start_chars_hint: [...firstChars], line_breaks: false, ...extra });
}
const digits = '0123456789';

// ---- trivia -------------------------------------------------------------------------------------------
export const WhiteSpace = regexToken('WhiteSpace', /[ \t\r\n\f\v]+/, ' \t\r\n\f\v', { group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = regexToken('LineComment', /\/\/[^\n]*/, '/', { group: Lexer.SKIPPED });
export const BlockComment = regexToken('BlockComment', /\/\*[\s\S]*?\*\//, '/', { group: Lexer.SKIPPED, line_breaks: true });
export const UnterminatedComment = regexToken('UnterminatedComment', /\/\*[\s\S]*/, '/', { line_breaks: true });
export const Shebang = createToken({
  name: 'Shebang',
  pattern: deferred('shebang'),
  start_chars_hint: ['#'],
  group: Lexer.SKIPPED,
  line_breaks: false,
});
/** `#include <…>` (or any other `#` line, which the AST builder rejects) */
export const Directive = createToken({ name: 'Directive', pattern: deferred('directive'), start_chars_hint: ['#'], line_breaks: false });

// ---- top level ----------------------------------------------------------------------------------------
export const AttachPoint = createToken({
  name: 'AttachPoint',
  pattern: deferred('attachPoint'),
  start_chars_hint: [...letters, '*', '?'],
  line_breaks: false,
});
export const AngleOpen = createToken({ name: 'AngleOpen', pattern: deferred('angleOpen'), start_chars_hint: ['<'], line_breaks: false });
export const AngleClose = createToken({ name: 'AngleClose', pattern: deferred('angleClose'), start_chars_hint: ['>'], line_breaks: false });
export const PredOpen = createToken({ name: 'PredOpen', pattern: deferred('predOpen'), start_chars_hint: ['/'], line_breaks: false });
export const PredClose = createToken({ name: 'PredClose', pattern: deferred('predClose'), start_chars_hint: ['/'], line_breaks: false });

// ---- literals and names ---------------------------------------------------------------------------------
export const StringLiteral = regexToken('StringLiteral', /"(?:[^"\\\n]|\\[^\n])*"/, '"');
export const UnterminatedString = regexToken('UnterminatedString', /"(?:[^"\\\n]|\\[^\n])*\\?/, '"');
/** Lenient on purpose (`08`, `1_0x1`, `10ms`, `1e6`): the AST builder validates it and says what is wrong. */
export const IntLiteral = regexToken('IntLiteral', /[0-9][0-9A-Za-z_]*/, digits);
export const Positional = regexToken('Positional', /\$(?:[0-9]+|#)/, '$');
export const Variable = regexToken('Variable', /\$[A-Za-z_][A-Za-z0-9_]*/, '$');
export const MapName = regexToken('MapName', /@(?:[A-Za-z_][A-Za-z0-9_]*)?/, '@');
export const Identifier = regexToken('Identifier', /[A-Za-z_][A-Za-z0-9_]*/, letters);

function keyword(word: string, name: string): TokenType {
  return createToken({ name, pattern: word, longer_alt: Identifier, categories: [Keyword], line_breaks: false });
}
export const If = keyword('if', 'If');
export const Else = keyword('else', 'Else');
export const While = keyword('while', 'While');
export const For = keyword('for', 'For');
export const Unroll = keyword('unroll', 'Unroll');
export const Return = keyword('return', 'Return');
export const Break = keyword('break', 'Break');
export const Continue = keyword('continue', 'Continue');
export const Let = keyword('let', 'Let');
export const Config = keyword('config', 'Config');
export const Sizeof = keyword('sizeof', 'Sizeof');
export const Offsetof = keyword('offsetof', 'Offsetof');
export const True = keyword('true', 'True');
export const False = keyword('false', 'False');
export const Struct = keyword('struct', 'Struct');
export const Union = keyword('union', 'Union');
export const Enum = keyword('enum', 'Enum');

// ---- punctuation (longest first: the lexer takes the first pattern that matches) ----------------------
function punct(text: string, name: string, categories?: TokenType[]): TokenType {
  return createToken(categories ? { name, pattern: text, categories, line_breaks: false } : { name, pattern: text, line_breaks: false });
}
export const ShlAssign = punct('<<=', 'ShlAssign', [AssignOperator]);
export const ShrAssign = punct('>>=', 'ShrAssign', [AssignOperator]);
export const Arrow = punct('->', 'Arrow');
export const PlusPlus = punct('++', 'PlusPlus');
export const MinusMinus = punct('--', 'MinusMinus');
export const PlusAssign = punct('+=', 'PlusAssign', [AssignOperator]);
export const MinusAssign = punct('-=', 'MinusAssign', [AssignOperator]);
export const StarAssign = punct('*=', 'StarAssign', [AssignOperator]);
export const SlashAssign = punct('/=', 'SlashAssign', [AssignOperator]);
export const PercentAssign = punct('%=', 'PercentAssign', [AssignOperator]);
export const AmpAssign = punct('&=', 'AmpAssign', [AssignOperator]);
export const PipeAssign = punct('|=', 'PipeAssign', [AssignOperator]);
export const CaretAssign = punct('^=', 'CaretAssign', [AssignOperator]);
export const Shl = punct('<<', 'Shl', [BinaryOperator]);
export const Shr = punct('>>', 'Shr', [BinaryOperator]);
export const LessEq = punct('<=', 'LessEq', [BinaryOperator]);
export const GreaterEq = punct('>=', 'GreaterEq', [BinaryOperator]);
export const EqEq = punct('==', 'EqEq', [BinaryOperator]);
export const NotEq = punct('!=', 'NotEq', [BinaryOperator]);
export const AndAnd = punct('&&', 'AndAnd', [BinaryOperator]);
export const OrOr = punct('||', 'OrOr', [BinaryOperator]);
export const DotDot = punct('..', 'DotDot');
export const Plus = punct('+', 'Plus', [BinaryOperator]);
export const Minus = punct('-', 'Minus', [BinaryOperator]);
export const Star = punct('*', 'Star', [BinaryOperator]);
export const Slash = punct('/', 'Slash', [BinaryOperator]);
export const Percent = punct('%', 'Percent', [BinaryOperator]);
export const Amp = punct('&', 'Amp', [BinaryOperator]);
export const Pipe = punct('|', 'Pipe', [BinaryOperator]);
export const Caret = punct('^', 'Caret', [BinaryOperator]);
export const Less = punct('<', 'Less', [BinaryOperator]);
export const Greater = punct('>', 'Greater', [BinaryOperator]);
export const Tilde = punct('~', 'Tilde');
export const Bang = punct('!', 'Bang');
export const Assign = punct('=', 'Assign', [AssignOperator]);
export const Question = punct('?', 'Question');
export const Colon = punct(':', 'Colon');
export const Semi = punct(';', 'Semi');
export const Comma = punct(',', 'Comma');
export const Dot = punct('.', 'Dot');
export const LParen = punct('(', 'LParen');
export const RParen = punct(')', 'RParen');
export const LBracket = punct('[', 'LBracket');
export const RBracket = punct(']', 'RBracket');
export const LCurly = punct('{', 'LCurly');
export const RCurly = punct('}', 'RCurly');

/** Any other character, so the parser can say `invalid character 'x'` where it meets it. */
export const Invalid = createToken({
  name: 'Invalid',
  pattern: deferred('invalid'),
  start_chars_hint: ['$', '#', '`', "'", '\\'],
  line_breaks: false,
});

/** In lexing order. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  Shebang,
  Directive,
  AttachPoint,
  StringLiteral,
  UnterminatedString,
  IntLiteral,
  Positional,
  Variable,
  MapName,
  If,
  Else,
  While,
  For,
  Unroll,
  Return,
  Break,
  Continue,
  Let,
  Config,
  Sizeof,
  Offsetof,
  True,
  False,
  Struct,
  Union,
  Enum,
  Identifier,
  AngleOpen,
  PredClose,
  PredOpen,
  ShlAssign,
  ShrAssign,
  Arrow,
  PlusPlus,
  MinusMinus,
  PlusAssign,
  MinusAssign,
  StarAssign,
  SlashAssign,
  PercentAssign,
  AmpAssign,
  PipeAssign,
  CaretAssign,
  Shl,
  Shr,
  LessEq,
  GreaterEq,
  EqEq,
  NotEq,
  AndAnd,
  OrOr,
  DotDot,
  AngleClose,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Amp,
  Pipe,
  Caret,
  Less,
  Greater,
  Tilde,
  Bang,
  Assign,
  Question,
  Colon,
  Semi,
  Comma,
  Dot,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Invalid,
  // categories last (never matched themselves)
  BinaryOperator,
  AssignOperator,
  Keyword,
];

const described = new Map<TokenType, string>([
  [AttachPoint, 'attach point'],
  [StringLiteral, 'string'],
  [UnterminatedString, 'string'],
  [IntLiteral, 'integer'],
  [Positional, 'positional parameter'],
  [Variable, 'variable'],
  [MapName, 'map'],
  [Identifier, 'identifier'],
  [Directive, 'preprocessor directive'],
  [UnterminatedComment, 'comment'],
  [AngleOpen, '<'],
  [AngleClose, '>'],
  [PredOpen, '/'],
  [PredClose, '/'],
  [BinaryOperator, 'operator'],
  [AssignOperator, '='],
  [Keyword, 'keyword'],
]);

/** How a token type is named in `unexpected …` / `expecting …`: its text for punctuation and keywords. */
export function describeTokenType(t: TokenType): string {
  const d = described.get(t);
  if (d) return d;
  if (t.name === 'EOF') return 'end of file';
  const p = t.PATTERN;
  return typeof p === 'string' ? p : t.name;
}
