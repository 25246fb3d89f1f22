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
import { Lexer, type CustomPatternMatcherFunc, type ITokenConfig, type TokenType } from 'chevrotain';

/**
 * A token type as Chevrotain's createToken() makes it, without the category analysis createToken runs for each
 * token (lodash code, cold: 5-8 ms of every start for ~100 tokens, measured with timed module inits). The Lexer's
 * and the parser's constructors run that analysis (augmentTokenTypes) once over all of them, before anything
 * reads the fields it adds (tokenTypeIdx, categoryMatches).
 */
function createToken(config: ITokenConfig): TokenType {
  const t: Record<string, unknown> = { name: config.name };
  if (config.pattern !== undefined) t['PATTERN'] = config.pattern;
  if (config.categories !== undefined) t['CATEGORIES'] = config.categories;
  if (config.label !== undefined) t['LABEL'] = config.label;
  if (config.group !== undefined) t['GROUP'] = config.group;
  if (config.push_mode !== undefined) t['PUSH_MODE'] = config.push_mode;
  if (config.pop_mode !== undefined) t['POP_MODE'] = config.pop_mode;
  if (config.longer_alt !== undefined) t['LONGER_ALT'] = config.longer_alt;
  if (config.line_breaks !== undefined) t['LINE_BREAKS'] = config.line_breaks;
  if (config.start_chars_hint !== undefined) t['START_CHARS_HINT'] = config.start_chars_hint;
  return t as unknown as TokenType;
}

/** Filled in by lexer.ts before the lexer is built (the matchers need its bracket tracker). */
export interface ContextMatchers {
  attachPoint: CustomPatternMatcherFunc;
  angleOpen: CustomPatternMatcherFunc;
  angleClose: CustomPatternMatcherFunc;
  predOpen: CustomPatternMatcherFunc;
  predClose: CustomPatternMatcherFunc;
  directive: CustomPatternMatcherFunc;
  macro: CustomPatternMatcherFunc;
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
// Where several tokens play the same part, the grammar consumes their category: fewer alternatives make
// a smaller grammar, which Chevrotain analyses faster at start-up.
const category = (name: string) => createToken({ name, pattern: Lexer.NA });
export const BinaryOperator = category('BinaryOperator');
export const AssignOperator = category('AssignOperator');
/** `- ! ~ * & ++ --` before an operand */
export const PrefixOperator = category('PrefixOperator');
/** an operand that is one token: literals, `$x`, `$1`, `@m` */
export const Operand = category('Operand');
/** the value of a config item */
export const ConfigValue = category('ConfigValue');
/** after `.` or `->`: names (keywords too) and tuple indexes */
export const FieldName = category('FieldName');
/** `.` and `->` */
export const Member = category('Member');
export const Keyword = category('Keyword');
/** `struct`, `union`, `enum` */
export const TypeTag = category('TypeTag');
/** `while`, `unroll` */
export const LoopKeyword = category('LoopKeyword');
/** `break`, `continue`, `return` */
export const Jump = category('Jump');

/**
 * A token matched by a sticky regexp, written as a custom pattern with its possible first characters:
 * Chevrotain then need not parse the regexp at start-up to find them (that analysis costs milliseconds).
 */
function regexToken(
  name: string,
  re: RegExp,
  firstChars: string,
  extra: { group?: string; line_breaks?: boolean; categories?: TokenType[] } = {},
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
export const WhiteSpace = regexToken('WhiteSpace', /[ \t\r\n\f\v]+/, ' \t\r\n\f\v', {
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const LineComment = regexToken('LineComment', /\/\/[^\n]*/, '/', { group: Lexer.SKIPPED });
export const BlockComment = regexToken('BlockComment', /\/\*[\s\S]*?\*\//, '/', {
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const UnterminatedComment = regexToken('UnterminatedComment', /\/\*[\s\S]*/, '/', { line_breaks: true });
export const Shebang = createToken({
  name: 'Shebang',
  pattern: deferred('shebang'),
  start_chars_hint: ['#'],
  group: Lexer.SKIPPED,
  line_breaks: false,
});
/** `#include <…>` (or any other `#` line, which the AST builder rejects) */
export const Directive = createToken({
  name: 'Directive',
  pattern: deferred('directive'),
  start_chars_hint: ['#'],
  line_breaks: false,
});

// ---- top level ----------------------------------------------------------------------------------------
/** `macro` starting a macro definition (only at the top level, before a name: elsewhere it is a plain word) */
export const Macro = createToken({
  name: 'Macro',
  pattern: deferred('macro'),
  start_chars_hint: ['m'],
  line_breaks: false,
});
export const AttachPoint = createToken({
  name: 'AttachPoint',
  pattern: deferred('attachPoint'),
  start_chars_hint: [...letters, '*', '?', '$'], // `$1 { }`: a positional parameter as the whole attach point
  line_breaks: false,
});
export const AngleOpen = createToken({
  name: 'AngleOpen',
  pattern: deferred('angleOpen'),
  start_chars_hint: ['<'],
  line_breaks: false,
});
export const AngleClose = createToken({
  name: 'AngleClose',
  pattern: deferred('angleClose'),
  start_chars_hint: ['>'],
  line_breaks: false,
});
export const PredOpen = createToken({
  name: 'PredOpen',
  pattern: deferred('predOpen'),
  start_chars_hint: ['/'],
  line_breaks: false,
});
export const PredClose = createToken({
  name: 'PredClose',
  pattern: deferred('predClose'),
  start_chars_hint: ['/'],
  line_breaks: false,
});

// ---- literals and names ---------------------------------------------------------------------------------
export const StringLiteral = regexToken('StringLiteral', /"(?:[^"\\\n]|\\[^\n])*"/, '"', {
  categories: [Operand, ConfigValue],
});
export const UnterminatedString = regexToken('UnterminatedString', /"(?:[^"\\\n]|\\[^\n])*\\?/, '"');
/** Lenient on purpose (`08`, `1_0x1`, `10ms`, `1e6`): the AST builder validates it and says what is wrong. */
export const IntLiteral = regexToken('IntLiteral', /[0-9][0-9A-Za-z_]*/, digits, {
  categories: [Operand, ConfigValue, FieldName],
});
export const Positional = regexToken('Positional', /\$(?:[0-9]+|#)/, '$', { categories: [Operand] });
export const Variable = regexToken('Variable', /\$[A-Za-z_][A-Za-z0-9_]*/, '$', { categories: [Operand] });
export const MapName = regexToken('MapName', /@(?:[A-Za-z_][A-Za-z0-9_]*)?/, '@', { categories: [Operand] });
export const Identifier = regexToken('Identifier', /[A-Za-z_][A-Za-z0-9_]*/, letters, {
  categories: [ConfigValue, FieldName],
});

function keyword(word: string, name: string, categories: TokenType[] = []): TokenType {
  return createToken({
    name,
    pattern: word,
    longer_alt: Identifier,
    categories: [Keyword, FieldName, ...categories],
    line_breaks: false,
  });
}
export const If = keyword('if', 'If');
export const Else = keyword('else', 'Else');
export const While = keyword('while', 'While', [LoopKeyword]);
export const For = keyword('for', 'For');
export const Unroll = keyword('unroll', 'Unroll', [LoopKeyword]);
export const Return = keyword('return', 'Return', [Jump]);
export const Break = keyword('break', 'Break', [Jump]);
export const Continue = keyword('continue', 'Continue', [Jump]);
export const Let = keyword('let', 'Let');
export const Config = keyword('config', 'Config');
export const Sizeof = keyword('sizeof', 'Sizeof');
export const Offsetof = keyword('offsetof', 'Offsetof');
export const True = keyword('true', 'True', [Operand, ConfigValue]);
export const False = keyword('false', 'False', [Operand, ConfigValue]);
export const Struct = keyword('struct', 'Struct', [TypeTag]);
export const Union = keyword('union', 'Union', [TypeTag]);
export const Enum = keyword('enum', 'Enum', [TypeTag]);

// ---- punctuation (longest first: the lexer takes the first pattern that matches) ----------------------
function punct(text: string, name: string, categories?: TokenType[]): TokenType {
  return createToken(
    categories ? { name, pattern: text, categories, line_breaks: false } : { name, pattern: text, line_breaks: false },
  );
}
export const ShlAssign = punct('<<=', 'ShlAssign', [AssignOperator]);
export const ShrAssign = punct('>>=', 'ShrAssign', [AssignOperator]);
export const Arrow = punct('->', 'Arrow', [Member]);
export const PlusPlus = punct('++', 'PlusPlus', [PrefixOperator]);
export const MinusMinus = punct('--', 'MinusMinus', [PrefixOperator]);
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
export const Minus = punct('-', 'Minus', [BinaryOperator, PrefixOperator]);
export const Star = punct('*', 'Star', [BinaryOperator, PrefixOperator]);
export const Slash = punct('/', 'Slash', [BinaryOperator]);
export const Percent = punct('%', 'Percent', [BinaryOperator]);
export const Amp = punct('&', 'Amp', [BinaryOperator, PrefixOperator]);
export const Pipe = punct('|', 'Pipe', [BinaryOperator]);
export const Caret = punct('^', 'Caret', [BinaryOperator]);
export const Less = punct('<', 'Less', [BinaryOperator]);
export const Greater = punct('>', 'Greater', [BinaryOperator]);
export const Tilde = punct('~', 'Tilde', [PrefixOperator]);
export const Bang = punct('!', 'Bang', [PrefixOperator]);
export const Assign = punct('=', 'Assign', [AssignOperator]);
export const Question = punct('?', 'Question');
export const Colon = punct(':', 'Colon');
export const Semi = punct(';', 'Semi');
export const Comma = punct(',', 'Comma');
export const Dot = punct('.', 'Dot', [Member]);
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
  Macro,
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
  PrefixOperator,
  Operand,
  ConfigValue,
  FieldName,
  Member,
  Keyword,
  TypeTag,
  LoopKeyword,
  Jump,
];

const described = new Map<TokenType, string>([
  [AttachPoint, 'attach point'],
  [Macro, 'macro'],
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
  [PrefixOperator, 'operator'],
  [Operand, 'operand'],
  [ConfigValue, 'value'],
  [FieldName, 'field name'],
  [Member, '. or ->'],
  [Keyword, 'keyword'],
  [TypeTag, 'struct, union or enum'],
  [LoopKeyword, 'while or unroll'],
  [Jump, 'break, continue or return'],
]);

/** How a token type is named in `unexpected …` / `expecting …`: its text for punctuation and keywords. */
export function describeTokenType(t: TokenType): string {
  const d = described.get(t);
  if (d) return d;
  if (t.name === 'EOF') return 'end of file';
  const p = t.PATTERN;
  return typeof p === 'string' ? p : t.name;
}
