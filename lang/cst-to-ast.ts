// The only module that knows the CST's shape: it turns parser.ts's CST into the AST of ast.ts, with a span
// on every node, and reports the mistakes a grammar cannot see (bad literals, assigning to a non-lvalue…).
import type { CstNode, IToken } from 'chevrotain';
import type {
  AssignOp,
  AttachPoint,
  BinaryOp,
  Block,
  ConfigItem,
  Expr,
  IfStmt,
  MacroDef,
  MapDecl,
  MapExpr,
  Probe,
  Stmt,
  TypeName,
  TypeofType,
  VarExpr,
} from './ast.ts';
import { bytesText, textBytes } from './byte-text.ts';
import { error, warning, type Diagnostic } from './diagnostics.ts';
import { tokenEnd } from './lexer.ts';
import { join, type SourceFile, type Span } from './source.ts';
import * as T from './tokens.ts';

export interface Built {
  readonly config: ConfigItem[];
  readonly includes: { readonly path: string; readonly span: Span }[];
  readonly probes: Probe[];
  macros?: MacroDef[];
  mapDecls?: MapDecl[];
}

const precedence: Record<BinaryOp, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '<=': 7,
  '>': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

const maxU64 = (1n << 64n) - 1n;

const durations: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

/** Parses an integer literal as bpftrace 0.17 and current bpftrace write them. */
export function parseIntLiteral(raw: string): { value: bigint } | { error: string; hint?: string } {
  // `_` separates digits, never ends them (bpftrace v0.26: `1_1_`, `1e1_1_`, `0x1_` are refused)
  const parts = /^0[xX]/.test(raw)
    ? [/^0[xX]([0-9a-fA-F_]*)/.exec(raw)![1]!]
    : /^([0-9_]*)(?:[eE]([0-9_]*))?/.exec(raw)!.slice(1);
  if (parts.some((p) => p?.endsWith('_'))) return { error: `trailing underscore in integer literal '${raw}'` };
  const n = raw.replace(/_/g, '');
  let digits: string;
  let radix: 16 | 8 | 2 | 10;
  let suffix: string;
  let exponent = 0;
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]*)([A-Za-z]*)$/.exec(n))) {
    [digits, suffix, radix] = [m[1]!, m[2]!, 16];
    if (!digits) return { error: `invalid integer literal '${raw}'` };
  } else if ((m = /^0[bB]([0-9]*)([A-Za-z]*)$/.exec(n))) {
    [digits, suffix, radix] = [m[1]!, m[2]!, 2];
    if (!digits || /[2-9]/.test(digits)) return { error: `invalid binary literal '${raw}'` };
  } else if ((m = /^([0-9]+)(?:[eE]([1-9][0-9]*))?([A-Za-z][A-Za-z0-9]*)?$/.exec(n))) {
    [digits, suffix] = [m[1]!, m[3] ?? ''];
    radix = digits.length > 1 && digits.startsWith('0') ? 8 : 10;
    if (m[2] !== undefined) {
      if (!/^[1-9]$/.test(digits)) return { error: `the coefficient of a scientific literal must be 1-9: '${raw}'` };
      exponent = Number(m[2]);
      radix = 10;
    }
    const bad = radix === 8 ? /[89]/.exec(digits) : null;
    if (bad) return { error: `invalid digit '${bad[0]}' in octal literal '${raw}'` };
  } else {
    return { error: `invalid integer literal '${raw}'` };
  }
  let multiplier = 1n;
  let max = maxU64;
  if (suffix) {
    // C's types: `u` is unsigned int, `l` and `ll` long (bpftrace v0.26 int_parser.cpp)
    if (/^(?:u|l|ul|lu|ll|ull|llu)$/i.test(suffix))
      max = /^u$/i.test(suffix) ? 0xffff_ffffn : /u/i.test(suffix) ? maxU64 : (1n << 63n) - 1n;
    else if (radix === 10 && durations[suffix] !== undefined) multiplier = durations[suffix]!;
    else
      return {
        error: `invalid suffix '${suffix}' on integer literal '${raw}'`,
        ...(/^e0/i.test(suffix)
          ? { hint: 'an exponent starts with 1-9, as bpftrace v0.26 reads one: write 5 for 5e0' }
          : {}),
      };
  }
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  let value = BigInt(prefix + (radix === 8 ? digits.slice(1) || '0' : digits));
  if (exponent > 25) return { error: `integer literal '${raw}' is too large (the maximum is ${maxU64})` };
  value *= 10n ** BigInt(exponent);
  value *= multiplier;
  if (value > max) return { error: `integer literal '${raw}' is too large (the maximum is ${max})` };
  return { value };
}

/**
 * Decodes a string literal's escapes into its bytes, as a byte string (byte-text.ts): an escape is one byte
 * ("\\xff" is 0xff, not U+00FF's two UTF-8 bytes), a character typed in the script its UTF-8 bytes, as bpftrace
 * reads them. `offset` is where the text (after the opening quote) starts.
 */
export function decodeString(
  text: string,
  offset: number,
  fail: (message: string, start: number, end: number) => void,
): string {
  const bytes: number[] = [];
  let from = 0; // the start of the current run of typed text
  const flush = (to: number) => {
    if (to > from) for (const b of Buffer.from(text.slice(from, to), 'utf8')) bytes.push(b);
  };
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, '"': 34 };
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    flush(i);
    const e = text[i + 1] ?? '';
    if (simple[e] !== undefined) {
      bytes.push(simple[e]);
      i++;
    } else if (e === 'x' || e === 'X') {
      const hex = /^[0-9a-fA-F]{0,2}/.exec(text.slice(i + 2))![0];
      if (hex) bytes.push(parseInt(hex, 16));
      else fail('invalid hex escape sequence', offset + i, offset + i + 2);
      i += 1 + hex.length;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      const v = parseInt(oct, 8);
      if (v > 255) fail(`octal escape sequence out of range '\\${oct}'`, offset + i, offset + i + 1 + oct.length);
      bytes.push(v & 255);
      i += oct.length;
    } else {
      const shown = e === '' ? '' : String.fromCodePoint(text.codePointAt(i + 1)!);
      fail(`invalid escape character '\\${shown}'`, offset + i, offset + i + 1 + shown.length);
      i += shown.length;
    }
    from = i + 1;
  }
  flush(text.length);
  return bytesText(Uint8Array.from(bytes));
}

/**
 * Splits an attach point on ':' outside quotes; quoted parts lose their quotes. `ats`: each '@' outside quotes,
 * by its part (0: the provider's) and its index in that part's unquoted text.
 */
export function splitAttachPoint(raw: string): {
  parts: string[];
  ats: { part: number; index: number }[];
  unterminatedAt?: number;
} {
  const parts: string[] = [];
  const ats: { part: number; index: number }[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '@') {
      ats.push({ part: parts.length, index: cur.length });
      cur += c;
    } else if (c === ':') {
      parts.push(cur);
      cur = '';
    } else if (c === '"') {
      let j = i + 1;
      for (; j < raw.length && raw[j] !== '"'; j++) {
        if (raw[j] === '\\' && j + 1 < raw.length) j++;
        cur += raw[j];
      }
      if (j >= raw.length) return { parts: [...parts, cur], ats, unterminatedAt: i };
      i = j;
    } else cur += c;
  }
  parts.push(cur);
  return { parts, ats };
}

/** An attach point's node from its split text (the span is the caller's). */
export function attachPointOf(
  raw: string,
  parts: readonly string[],
  ats: readonly { part: number; index: number }[],
): Omit<AttachPoint, 'span'> {
  // an '@' in the provider's part is part of no name a provider reads
  const inParts = ats.filter((a) => a.part > 0).map((a) => ({ part: a.part - 1, index: a.index }));
  return {
    kind: 'attach-point',
    raw,
    provider: parts[0] ?? '',
    parts: parts.slice(1),
    ...(inParts.length ? { ats: inParts } : {}),
  };
}

type Children = Record<string, (IToken | CstNode)[] | undefined>;
const kids = (n: CstNode) => n.children as Children;
const isToken = (e: IToken | CstNode): e is IToken => (e as IToken).tokenType !== undefined;
function tok(n: CstNode, key: string, i = 0): IToken | undefined {
  return kids(n)[key]?.[i] as IToken | undefined;
}
function toks(n: CstNode, key: string): IToken[] {
  return (kids(n)[key] ?? []) as IToken[];
}
function sub(n: CstNode, key: string, i = 0): CstNode | undefined {
  return kids(n)[key]?.[i] as CstNode | undefined;
}
function subs(n: CstNode, key: string): CstNode[] {
  return (kids(n)[key] ?? []) as CstNode[];
}
function need<X>(x: X | undefined): X {
  if (x === undefined) throw new Error('internal error: CST does not have the expected shape');
  return x;
}

const isLvalue = (e: Expr): e is MapExpr | VarExpr => e.kind === 'map' || e.kind === 'var';

/**
 * Builds the AST for one parsed `program` CST (the file is parsed in top-level segments, so this may be
 * called several times) and appends it to `built`.
 */
export function buildProgram(cst: CstNode, file: SourceFile, diags: Diagnostic[], built: Built): void {
  const sp = (t: IToken): Span => ({ file, start: t.startOffset, end: tokenEnd(t) });
  const between = (a: IToken, b: IToken): Span => ({ file, start: a.startOffset, end: tokenEnd(b) });
  const fail = (message: string, s: Span, hints?: string[]) => diags.push(error(message, s, hints));

  for (const el of Object.values(kids(cst))
    .flatMap((x) => x ?? [])
    .sort((a, b) => start(a) - start(b))) {
    if (isToken(el)) directive(el);
    else if (el.name === 'configBlock') {
      if (built.probes.length)
        fail('the config block must come before the probes', sp(need(tok(el, 'Config'))), [
          'move `config = { … }` to the top of the program',
        ]);
      built.config.push(...configBlock(el));
    } else if (el.name === 'mapDecl') {
      const d = mapDecl(el);
      if (d) (built.mapDecls ??= []).push(d);
    } else if (el.name === 'macroDef') (built.macros ??= []).push(macroDef(el));
    else built.probes.push(probe(el));
  }

  function mapDecl(n: CstNode): MapDecl | undefined {
    const name = need(tok(n, 'MapName'));
    const kind = need(tok(n, 'mapKind'));
    const size = tok(n, 'size');
    const span = between(need(tok(n, 'Let')), need(tok(n, 'RParen')));
    const kinds = ['hash', 'lruhash', 'percpuhash', 'percpulruhash'];
    if (!kinds.includes(kind.image)) {
      fail(`unknown map type ${kind.image}`, sp(kind), [
        `a map is declared as one of ${kinds.join(', ')}: let @m = hash(1000)`,
      ]);
      return undefined;
    }
    const maxEntries = size ? intValue(size) : 0n;
    if (maxEntries < 1n || maxEntries > 0xffffffffn) {
      fail(`${kind.image}() needs its number of entries, from 1 to 4294967295`, size ? sp(size) : span, [
        `for example let ${name.image} = ${kind.image}(1000)`,
      ]);
      return undefined;
    }
    return {
      kind: 'map-decl',
      name: name.image,
      mapKind: kind.image as MapDecl['mapKind'],
      maxEntries: Number(maxEntries),
      span,
    };
  }

  function macroDef(n: CstNode): MacroDef {
    const name = need(tok(n, 'name'));
    const params = toks(n, 'param').map((t): MacroDef['params'][number] => {
      const span = sp(t);
      if (t.tokenType === T.Variable) return { kind: 'var', name: t.image, span };
      if (t.tokenType === T.MapName) return { kind: 'map', name: t.image, keys: [], bare: false, span };
      return { kind: 'ident', name: t.image, span };
    });
    const body = block(need(sub(n, 'block')));
    return {
      kind: 'macro',
      name: name.image,
      nameSpan: sp(name),
      params,
      body,
      span: join(sp(need(tok(n, 'Macro'))), body.span),
    };
  }

  function start(e: IToken | CstNode): number {
    if (isToken(e)) return e.startOffset;
    let best = Infinity;
    for (const list of Object.values(kids(e))) for (const c of list ?? []) best = Math.min(best, start(c));
    return best;
  }

  function directive(t: IToken): void {
    const m = /^#\s*include\s*(?:<([^>\n]*)>|"([^"\n]*)")\s*(?:\/\/.*|\/\*.*)?$/.exec(t.image.trimEnd());
    if (m) {
      built.includes.push({ path: m[1] ?? m[2] ?? '', span: sp(t) });
      return;
    }
    const word = /^#\s*(\w*)/.exec(t.image)![1]!;
    if (word === 'include') fail('malformed #include', sp(t), ['write #include <file.h> or #include "file.h"']);
    else
      fail(`unsupported preprocessor directive '#${word}'`, sp(t), [
        'only #include lines are understood (kernel types come from BTF)',
      ]);
  }

  function configBlock(n: CstNode): ConfigItem[] {
    const names = toks(n, 'name');
    const values = toks(n, 'value');
    return names.map((name, i) => {
      const v = need(values[i]);
      let value: bigint | string = v.image;
      if (v.tokenType === T.IntLiteral) value = intValue(v);
      else if (v.tokenType === T.StringLiteral) value = stringValue(v);
      return { kind: 'config-item', name: name.image, value, span: between(name, v) };
    });
  }

  function probe(n: CstNode): Probe {
    const aps = toks(n, 'AttachPoint').map(attachPoint);
    const pred = sub(n, 'predicate');
    const angle = sub(n, 'angleBlock');
    const body = block(need(angle ?? sub(n, 'block')));
    const first = need(aps[0]);
    return {
      kind: 'probe',
      attachPoints: aps,
      ...(pred ? { predicate: expr(pred) } : {}),
      body,
      angle: angle !== undefined,
      span: join(first.span, body.span),
    };
  }

  function attachPoint(t: IToken): AttachPoint {
    const { parts, ats, unterminatedAt } = splitAttachPoint(t.image);
    if (unterminatedAt !== undefined)
      fail('unterminated string', { file, start: t.startOffset + unterminatedAt, end: tokenEnd(t) });
    return { ...attachPointOf(t.image, parts, ats), span: sp(t) };
  }

  function block(n: CstNode): Block {
    const statements = subs(need(sub(n, 'statements')), 'stmt').map(statement);
    return { kind: 'block', statements, span: between(need(tok(n, 'open')), need(tok(n, 'close'))) };
  }

  function statement(n: CstNode): Stmt {
    switch (n.name) {
      case 'ifStmt':
        return ifStmt(n);
      case 'loopStmt': {
        const kw = need(tok(n, 'keyword'));
        const body = block(need(sub(n, 'block')));
        const e = unary(need(sub(n, 'unary')));
        const span = join(sp(kw), body.span);
        return kw.tokenType === T.While
          ? { kind: 'while', cond: e, body, span }
          : { kind: 'unroll', count: e, body, span };
      }
      case 'forStmt':
        return forStmt(n);
      case 'block':
        return block(n);
      default:
        return simpleStmt(n);
    }
  }

  /** `if … else if … else …` as nested ifs, built from the last branch back (a loop, however long the chain) */
  function ifStmt(n: CstNode): IfStmt {
    const ifs = toks(n, 'If');
    const conds = subs(n, 'unary');
    const thens = subs(n, 'block');
    const e = sub(n, 'else');
    let elseBranch: IfStmt | Block | undefined = e ? block(e) : undefined;
    for (let i = ifs.length - 1; i >= 0; i--) {
      const then = block(need(thens[i]));
      elseBranch = {
        kind: 'if',
        cond: unary(need(conds[i])),
        then,
        ...(elseBranch ? { else: elseBranch } : {}),
        span: join(sp(need(ifs[i])), (elseBranch ?? then).span),
      };
    }
    return elseBranch as IfStmt;
  }

  function forStmt(n: CstNode): Stmt {
    const variable = need(tok(n, 'Variable')).image;
    const body = block(need(sub(n, 'block')));
    const span = join(sp(need(tok(n, 'For'))), body.span);
    const [a, b] = subs(n, 'expr').map(expr);
    const from = need(a);
    if (b) return { kind: 'for-range', variable, from, to: b, body, span };
    if (from.kind !== 'map' || from.keys.length || from.bare) {
      fail('for loops iterate over a map or a range', from.span, [
        'write for ($kv : @map) { … } or for ($i : 0..10) { … }',
      ]);
      return {
        kind: 'for-map',
        variable,
        map: { kind: 'map', name: '@', keys: [], bare: false, span: from.span },
        body,
        span,
      };
    }
    return { kind: 'for-map', variable, map: from, body, span };
  }

  function simpleStmt(n: CstNode): Stmt {
    const jump = tok(n, 'jump');
    if (jump) {
      const kind = jump.image as 'break' | 'continue' | 'return';
      const value = sub(n, 'jumpValue');
      if (!value) return { kind: 'jump', jump: kind, span: sp(jump) };
      const v = expr(value);
      return { kind: 'jump', jump: kind, value: v, span: { ...sp(jump), end: v.span.end } };
    }
    const let_ = tok(n, 'Let');
    if (let_) {
      const v = need(tok(n, 'Variable'));
      const t = sub(n, 'typeName');
      const of = sub(n, 'typeofType');
      const ofArg = of ? typeofType(of).arg : undefined;
      const e = sub(n, 'expr');
      const type = t ? typeName(t) : ofArg?.kind === 'type-name' ? ofArg : undefined;
      const typeOf = ofArg && ofArg.kind !== 'type-name' ? ofArg : undefined;
      const value = e ? expr(e) : undefined;
      return {
        kind: 'let',
        name: v.image,
        ...(type ? { type } : {}),
        ...(typeOf ? { typeOf } : {}),
        ...(value ? { value } : {}),
        span: join(sp(let_), (value ?? type ?? typeOf ?? { span: sp(v) }).span),
      };
    }
    const [target, value] = subs(n, 'expr').map(expr);
    const lhs = need(target);
    const op = tok(n, 'AssignOperator');
    if (!op || !value) return { kind: 'expr-stmt', expr: lhs, span: lhs.span };
    // `_ = e`: e for its effects, its value dropped (bpftrace v0.26)
    if (lhs.kind === 'ident' && lhs.name === '_' && op.image === '=')
      return { kind: 'expr-stmt', expr: value, dropped: true, span: join(lhs.span, value.span) };
    if (!isLvalue(lhs)) {
      fail(`cannot assign to this expression`, lhs.span, lvalueHints(lhs));
      return { kind: 'expr-stmt', expr: value, span: join(lhs.span, value.span) };
    }
    return { kind: 'assign', target: lhs, op: op.image as AssignOp, value, span: join(lhs.span, value.span) };
  }

  function lvalueHints(e: Expr): string[] {
    const hints = ['only a $variable or a @map can be assigned to'];
    if (e.kind === 'ident') hints.push(`did you mean $${e.name} or @${e.name}?`);
    return hints;
  }

  /** `c1 ? t1 : c2 ? t2 : e` nests to the right: c1 ? t1 : (c2 ? t2 : e), built from the end (a loop) */
  function expr(n: CstNode): Expr {
    const operands = subs(n, 'binary').map(binary);
    // each `?` … `:` in order; a `?:` without a value (its `:` right after the `?`) takes the condition's value
    const thens = subs(n, 'then');
    const questions = toks(n, 'Question');
    const colons = toks(n, 'colon');
    const thenOf: (Expr | undefined)[] = [];
    let t = 0;
    questions.forEach((q, i) => {
      const next = thens[t];
      const given = next !== undefined && start(next) < need(colons[i]).startOffset;
      thenOf.push(given ? expr(next) : undefined);
      if (given) t++;
    });
    let result = need(operands[operands.length - 1]);
    for (let i = questions.length - 1; i >= 0; i--) {
      const cond = need(operands[i]);
      // (the condition is evaluated again for the value: scry's conditions here are reads without effects)
      const then = thenOf[i] ?? cond;
      result = { kind: 'ternary', cond, then, else: result, span: join(cond.span, result.span) };
    }
    return result;
  }

  function binary(n: CstNode): Expr {
    const operands = subs(n, 'unary').map(unary);
    const ops = toks(n, 'BinaryOperator');
    // precedence climbing over the flat operand/operator lists; all operators are left-associative
    let pos = 0;
    const climb = (minPrec: number): Expr => {
      let left = need(operands[pos]);
      for (;;) {
        const op = ops[pos];
        if (!op) return left;
        const prec = precedence[op.image as BinaryOp];
        if (prec < minPrec) return left;
        pos++;
        const right = climb(prec + 1);
        const span = join(left.span, right.span);
        left = (op.image === '+' && foldedString(left, right, span)) || {
          kind: 'binary',
          op: op.image as BinaryOp,
          left,
          right,
          opSpan: sp(op),
          span,
        };
      }
    };
    return climb(1);
  }

  /**
   * `"ab" + "cd"` is "abcd" and `"hello" + 2` (or `2 + "hello"`) is "llo", empty past the end: bpftrace v0.26 folds
   * these literals (fold_literals.cpp) before anything types them.
   */
  function foldedString(a: Expr, b: Expr, span: Span): Expr | undefined {
    if (a.kind === 'string' && b.kind === 'string') return { kind: 'string', value: a.value + b.value, span };
    const [str, n] = a.kind === 'string' ? [a, b] : [b, a];
    if (str.kind !== 'string' || n.kind !== 'int' || n.enumId !== undefined) return undefined;
    const bytes = textBytes(str.value);
    if (n.value >= BigInt(bytes.length)) diags.push(warning('literal string will always be empty', span));
    return {
      kind: 'string',
      value: bytesText(bytes.subarray(Number(n.value < BigInt(bytes.length) ? n.value : BigInt(bytes.length)))),
      span,
    };
  }

  /** prefix operators apply from the innermost (rightmost) out */
  function unary(n: CstNode): Expr {
    let operand = postfix(n);
    const ops = toks(n, 'op');
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      const span = join(sp(op), operand.span);
      if (op.tokenType === T.PlusPlus || op.tokenType === T.MinusMinus) {
        const o = op.image as '++' | '--';
        if (!isLvalue(operand)) fail(`${o} needs a $variable or a @map`, operand.span);
        else operand = { kind: 'incdec', op: o, prefix: true, target: operand, span };
        continue;
      }
      operand = { kind: 'unary', op: op.image as '-' | '!' | '~' | '*' | '&', operand, span };
    }
    return operand;
  }

  function postfix(n: CstNode): Expr {
    const prim = need(sub(n, 'primary'));
    let e = primary(prim);
    // a bare `name[…]` is the map @name, `@m[…]` gives the map its keys; later brackets index
    const keyable =
      tok(prim, 'Operand')?.tokenType === T.MapName || (!!tok(prim, 'Identifier') && !tok(prim, 'LParen'));
    const ops = kids(n)['ops'] ?? [];
    for (let i = 0; i < ops.length;) {
      const t = ops[i] as IToken;
      if (t.tokenType === T.Dot || t.tokenType === T.Arrow) {
        const name = ops[i + 1] as IToken;
        if (
          t.tokenType === T.Dot &&
          e.kind === 'int' &&
          name.tokenType === T.IntLiteral &&
          e.span.end === t.startOffset &&
          name.startOffset === tokenEnd(t)
        )
          fail('floating-point numbers are not supported', { file, start: e.span.start, end: tokenEnd(name) }, [
            'use an integer, scaled if needed: 15 tenths instead of 1.5',
          ]);
        e = {
          kind: 'field',
          base: e,
          name: name.image,
          arrow: t.tokenType === T.Arrow,
          nameSpan: sp(name),
          span: join(e.span, sp(name)),
        };
        i += 2;
      } else if (t.tokenType === T.LBracket) {
        const keys: Expr[] = [];
        let j = i + 1;
        for (; (ops[j] as IToken).tokenType !== T.RBracket; j++) {
          const k = ops[j]!;
          if (!isToken(k)) keys.push(expr(k));
        }
        const close = ops[j] as IToken;
        const span = join(e.span, sp(close));
        if (i === 0 && keyable && e.kind === 'map') e = { ...e, keys, span };
        else if (i === 0 && keyable && e.kind === 'ident')
          e = { kind: 'map', name: '@' + e.name, keys, bare: true, span };
        else {
          if (keys.length > 1)
            fail('only maps take several keys', { file, start: t.startOffset, end: tokenEnd(close) }, [
              'index one dimension at a time: a[i][j]',
            ]);
          e = { kind: 'index', base: e, index: need(keys[0]), span };
        }
        i = j + 1;
      } else {
        const o = t.image as '++' | '--';
        if (!isLvalue(e)) fail(`${o} needs a $variable or a @map`, e.span);
        else e = { kind: 'incdec', op: o, prefix: false, target: e, span: join(e.span, sp(t)) };
        i++;
      }
    }
    return e;
  }

  function primary(n: CstNode): Expr {
    const blockNode = sub(n, 'block');
    if (blockNode) return blockExpr(block(blockNode));
    const ifNode = sub(n, 'ifExpr');
    if (ifNode) return ifExpr(ifNode);
    const inner = sub(n, 'paren') ?? sub(n, 'sizeofExpr') ?? sub(n, 'offsetofExpr');
    if (inner)
      return inner.name === 'paren'
        ? paren(inner)
        : inner.name === 'sizeofExpr'
          ? sizeofExpr(inner)
          : offsetofExpr(inner);
    const t = need(tok(n, 'Identifier') ?? tok(n, 'Operand'));
    const s = sp(t);
    switch (t.tokenType) {
      case T.IntLiteral:
        return { kind: 'int', value: intValue(t), raw: t.image, span: s };
      case T.StringLiteral:
        return { kind: 'string', value: stringValue(t), span: s };
      case T.True:
      case T.False:
        return { kind: 'bool', value: t.tokenType === T.True, span: s };
      case T.Variable:
        return { kind: 'var', name: t.image, span: s };
      case T.Positional:
        return t.image === '$#'
          ? { kind: 'positional', index: 0, count: true, span: s }
          : { kind: 'positional', index: Number(t.image.slice(1)), count: false, span: s };
      case T.MapName:
        return { kind: 'map', name: t.image, keys: [], bare: false, span: s };
      default: {
        // an identifier, maybe called
        const close = tok(n, 'RParen');
        if (!close) return { kind: 'ident', name: t.image, span: s };
        return { kind: 'call', name: t.image, nameSpan: s, args: subs(n, 'args').map(expr), span: join(s, sp(close)) };
      }
    }
  }

  /** `if c { a } else { b }` as a value: c ? a : b with block-expression branches */
  function ifExpr(n: CstNode): Expr {
    const cond = unary(need(sub(n, 'unary')));
    const then = blockExpr(block(need(sub(n, 'then'))));
    const elseIf = sub(n, 'elseIf');
    const otherwise = elseIf ? ifExpr(elseIf) : blockExpr(block(need(sub(n, 'else'))));
    return { kind: 'ternary', cond, then, else: otherwise, span: join(sp(need(tok(n, 'If'))), otherwise.span) };
  }

  /** A block used as a value: its last statement is the value (as in bpftrace v0.26) */
  function blockExpr(b: Block): Expr {
    const last = b.statements[b.statements.length - 1];
    const value = last && valueOf(last);
    if (!value) {
      fail('a block used as a value must end with an expression', b.span, [
        'end it with the value: { let $b = 1; $b + 1 }',
      ]);
      return { kind: 'int', value: 0n, raw: '0', span: b.span };
    }
    return { kind: 'block-expr', statements: b.statements.slice(0, -1), value, span: b.span };
  }

  /** The value a block's last statement gives: an expression, or an if/else whose every branch ends in one */
  function valueOf(s: Stmt): Expr | undefined {
    if (s.kind === 'expr-stmt') return s.expr;
    if (s.kind !== 'if' || !s.else) return undefined;
    const thenValue = valueOfBlock(s.then);
    const elseValue = s.else.kind === 'if' ? valueOf(s.else) : valueOfBlock(s.else);
    if (!thenValue || !elseValue) return undefined;
    return { kind: 'ternary', cond: s.cond, then: thenValue, else: elseValue, span: s.span };
  }

  function valueOfBlock(b: Block): Expr | undefined {
    const last = b.statements[b.statements.length - 1];
    const value = last && valueOf(last);
    if (!value) return undefined;
    return b.statements.length === 1
      ? value
      : { kind: 'block-expr', statements: b.statements.slice(0, -1), value, span: b.span };
  }

  function paren(n: CstNode): Expr {
    const open = need(tok(n, 'LParen'));
    const type = sub(n, 'typeName');
    const of = sub(n, 'typeofType');
    if (type || of) {
      const operand = unary(need(sub(n, 'unary')));
      const to = of ? typeofType(of) : typeName(type!);
      return { kind: 'cast', type: to, expr: operand, span: join(sp(open), operand.span) };
    }
    const close = need(tok(n, 'RParen'));
    const items = kids(n)['items'] ?? [];
    const elements: Expr[] = [];
    const names: string[] = [];
    let expectExpr = true;
    for (const it of items) {
      if (isToken(it) && it.tokenType === T.Identifier) names.push(it.image);
      else if (isToken(it)) {
        if (expectExpr) fail('syntax error, unexpected ,', sp(it));
        expectExpr = true;
      } else {
        elements.push(expr(it));
        expectExpr = false;
      }
    }
    const commas = items.filter((it) => isToken(it) && it.tokenType === T.Comma).length;
    const span = between(open, close);
    if (names.length > 0) {
      // a record: every element named, each name once
      if (names.length !== elements.length)
        fail('every element of a record needs a name, or none (a tuple)', span, ['write (a = 1, b = 2) or (1, 2)']);
      const twice = names.find((x, i) => names.indexOf(x) !== i);
      if (twice) fail(`the record names ${twice} twice`, span, ['each field of a record has its own name']);
      return { kind: 'tuple', elements, names, span };
    }
    if (elements.length === 1 && commas === 0) return elements[0]!;
    return { kind: 'tuple', elements, span };
  }

  function sizeofExpr(n: CstNode): Expr {
    const t = sub(n, 'typeName');
    const of = sub(n, 'typeofType');
    const arg = t ? typeName(t) : of ? typeofType(of) : expr(need(sub(n, 'expr')));
    return { kind: 'sizeof', arg, span: between(need(tok(n, 'Sizeof')), need(tok(n, 'RParen'))) };
  }

  function offsetofExpr(n: CstNode): Expr {
    const t = sub(n, 'typeName');
    const of = sub(n, 'typeofType');
    const type = t ? typeName(t) : of ? typeofType(of) : expr(need(sub(n, 'expr')));
    const field = toks(n, 'ops')
      .filter((x) => x.tokenType !== T.Dot)
      .map((x) => x.image);
    return { kind: 'offsetof', type, field, span: between(need(tok(n, 'Offsetof')), need(tok(n, 'RParen'))) };
  }

  /** `typeof(T)`, `typeof(expr)`; `typeof(typeof(x))` is `typeof(x)` */
  function typeofType(n: CstNode): TypeofType {
    const inner = sub(n, 'typeofType');
    if (inner) return { ...typeofType(inner), span: between(need(tok(n, 'Identifier')), need(tok(n, 'RParen'))) };
    const t = sub(n, 'typeName');
    const arg = t ? typeName(t) : expr(need(sub(n, 'expr')));
    return { kind: 'typeof', arg, span: between(need(tok(n, 'Identifier')), need(tok(n, 'RParen'))) };
  }

  function typeName(n: CstNode): TypeName {
    const tag = tok(n, 'tag');
    const id = need(tok(n, 'Identifier'));
    const suffix = toks(n, 'suffix');
    let pointer = 0;
    let arrayLength: number | undefined;
    for (let i = 0; i < suffix.length; i++) {
      const s = suffix[i]!;
      if (s.tokenType === T.Star) pointer++;
      else if (s.tokenType === T.LBracket) {
        const len = suffix[i + 1]!;
        const close = len.tokenType === T.IntLiteral ? suffix[i + 2]! : len;
        if (arrayLength !== undefined)
          fail('arrays of arrays are not supported', { file, start: s.startOffset, end: tokenEnd(close) });
        arrayLength = len.tokenType === T.IntLiteral ? Number(intValue(len)) : 0;
        i += len.tokenType === T.IntLiteral ? 2 : 1;
      }
    }
    const last = suffix[suffix.length - 1] ?? id;
    return {
      kind: 'type-name',
      name: tag ? `${tag.image} ${id.image}` : id.image,
      pointer,
      ...(arrayLength !== undefined ? { arrayLength } : {}),
      span: between(tag ?? id, last),
    };
  }

  function intValue(t: IToken): bigint {
    const r = parseIntLiteral(t.image);
    if ('error' in r) {
      fail(r.error, sp(t), r.hint ? [r.hint] : undefined);
      return 0n;
    }
    return r.value;
  }

  function stringValue(t: IToken): string {
    return decodeString(t.image.slice(1, -1), t.startOffset + 1, (message, start, end) =>
      fail(message, { file, start, end }),
    );
  }
}
