// C integer constant expressions as #if evaluates them (C11 6.10.1): every value is intmax_t or uintmax_t
// (64 bits here), the usual arithmetic conversions make a mixed operation unsigned, && || ?: evaluate only
// what they need (1 || 1/0 is fine), and comparisons and logic give signed 0 or 1.
// Input tokens are already macro-expanded, with `defined` resolved; identifiers left over are 0.
import type { PpToken } from './preprocess-lexer.ts';

export interface CValue {
  readonly value: bigint; // normalised to the 64-bit range of its signedness
  readonly unsigned: boolean;
}

/** A mistake in the expression: what, and the token it is about (undefined: at the end of the line). */
export interface CExprError {
  readonly message: string;
  readonly token?: PpToken;
  readonly hint?: string;
}

const U64 = (1n << 64n) - 1n;
const norm = (value: bigint, unsigned: boolean): CValue => ({
  value: unsigned ? BigInt.asUintN(64, value) : BigInt.asIntN(64, value),
  unsigned,
});
const int = (v: bigint | boolean): CValue => ({ value: typeof v === 'boolean' ? (v ? 1n : 0n) : v, unsigned: false });

/** The value of a number token (an integer constant with any u/l/ll suffix), or an error. */
export function parseIntegerConstant(text: string): CValue | string {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text.replace(/'/g, ''));
  if (!m) {
    if (
      /^(0[xX][0-9a-fA-F.]*[pP]|[0-9.]+([eE]|\.))/.test(text) ||
      /^[0-9]*\.[0-9]/.test(text) ||
      /^[0-9]+[eE][+-]?[0-9]/.test(text)
    )
      return 'floating constant in preprocessor expression';
    const digits = /^(0[xX][0-9a-fA-F]*|0[bB][01]*|[0-9]*)(.*)$/.exec(text)!;
    return `invalid suffix "${digits[2]}" on integer constant ${text}`;
  }
  const [, digits, suffix] = m as unknown as [string, string, string];
  if (!/^(|u|l|ll|ul|lu|ull|llu)$/i.test(suffix) || /lL|Ll/.test(suffix))
    return `invalid suffix "${suffix}" on integer constant ${text}`;
  let v: bigint;
  if (/^0[bB]/.test(digits)) v = BigInt(digits);
  else if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) v = BigInt('0o' + digits.slice(1));
  else v = BigInt(digits);
  if (v > U64) return `integer constant ${text} is too large for its type`;
  // Too big for intmax_t: C makes it unsigned (gcc warns "so large that it is unsigned").
  const unsigned = /u/i.test(suffix) || v > (1n << 63n) - 1n;
  return norm(v, unsigned);
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  e: 27,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

/** The value of a character constant: plain `'x'` is a (signed) char widened to int, as on x86_64 and gcc. */
export function parseCharConstant(text: string): CValue | string {
  const m = /^(L|u|U|u8)?'(.*)'$/s.exec(text);
  if (!m) return `malformed character constant ${text}`;
  const wide = m[1] !== undefined && m[1] !== 'u8';
  const body = m[2]!;
  const chars: number[] = [];
  for (let i = 0; i < body.length;) {
    if (body[i] !== '\\') {
      const cp = body.codePointAt(i)!;
      // a multibyte character in a narrow constant is its UTF-8 bytes
      if (!wide && cp > 0x7f) for (const b of Buffer.from(String.fromCodePoint(cp))) chars.push(b);
      else chars.push(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1] ?? '';
    if (e in SIMPLE_ESCAPES) {
      chars.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (e === 'x') {
      const hex = /^[0-9a-fA-F]+/.exec(body.slice(i + 2))?.[0];
      if (!hex) return `\\x used with no following hex digits in ${text}`;
      chars.push(Number.parseInt(hex.slice(-8), 16));
      i += 2 + hex.length;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      chars.push(Number.parseInt(oct, 8));
      i += 1 + oct.length;
    } else {
      return `unknown escape sequence '\\${e}' in ${text}`;
    }
  }
  if (chars.length === 0) return 'empty character constant';
  if (wide) return int(BigInt(chars[chars.length - 1]!));
  if (chars.length === 1) return int(BigInt.asIntN(8, BigInt(chars[0]! & 0xff)));
  // multi-character constant: gcc packs the bytes into an int, the last one lowest
  let v = 0n;
  for (const c of chars.slice(-4)) v = (v << 8n) | BigInt(c & 0xff);
  return int(BigInt.asIntN(32, v));
}

type Binary = (a: CValue, b: CValue) => CValue;
const arith =
  (f: (x: bigint, y: bigint) => bigint): Binary =>
  (a, b) => {
    const unsigned = a.unsigned || b.unsigned;
    const x = unsigned ? BigInt.asUintN(64, a.value) : a.value;
    const y = unsigned ? BigInt.asUintN(64, b.value) : b.value;
    return norm(f(x, y), unsigned);
  };
const compare =
  (f: (x: bigint, y: bigint) => boolean): Binary =>
  (a, b) => {
    const unsigned = a.unsigned || b.unsigned;
    const x = unsigned ? BigInt.asUintN(64, a.value) : a.value;
    const y = unsigned ? BigInt.asUintN(64, b.value) : b.value;
    return int(f(x, y));
  };
// Shifts keep the left operand's type; a shift by a negative count shifts the other way (as gcc folds it).
const shift =
  (left: boolean): Binary =>
  (a, b) => {
    let n = b.unsigned ? BigInt.asUintN(64, b.value) : b.value;
    let l = left;
    if (n < 0n) {
      n = -n;
      l = !l;
    }
    if (n >= 64n) return norm(l ? 0n : !a.unsigned && a.value < 0n ? -1n : 0n, a.unsigned);
    return norm(l ? a.value << n : a.value >> n, a.unsigned);
  };

const BINARY: Record<string, { prec: number; op: Binary }> = {
  '*': { prec: 10, op: arith((x, y) => x * y) },
  '/': { prec: 10, op: arith((x, y) => x / y) },
  '%': { prec: 10, op: arith((x, y) => x % y) },
  '+': { prec: 9, op: arith((x, y) => x + y) },
  '-': { prec: 9, op: arith((x, y) => x - y) },
  '<<': { prec: 8, op: shift(true) },
  '>>': { prec: 8, op: shift(false) },
  '<': { prec: 7, op: compare((x, y) => x < y) },
  '>': { prec: 7, op: compare((x, y) => x > y) },
  '<=': { prec: 7, op: compare((x, y) => x <= y) },
  '>=': { prec: 7, op: compare((x, y) => x >= y) },
  '==': { prec: 6, op: compare((x, y) => x === y) },
  '!=': { prec: 6, op: compare((x, y) => x !== y) },
  '&': { prec: 5, op: arith((x, y) => x & y) },
  '^': { prec: 4, op: arith((x, y) => x ^ y) },
  '|': { prec: 3, op: arith((x, y) => x | y) },
};

/**
 * Evaluates a whole #if expression. `tokens` are macro-expanded with `defined` already replaced by 0/1;
 * an identifier still there (a name no macro defines) is 0, as C says.
 */
export function evaluateCondition(tokens: readonly PpToken[]): CValue | CExprError {
  let pos = 0;
  class Fail {
    constructor(readonly error: CExprError) {}
  }
  const fail = (message: string, token = tokens[pos], hint?: string): never => {
    throw new Fail({ message, token, hint });
  };
  const peek = (): PpToken | undefined => tokens[pos];
  const isPunct = (t: PpToken | undefined, text: string) => t !== undefined && t.kind === 'punct' && t.text === text;
  const expect = (text: string, what: string) => {
    if (!isPunct(peek(), text))
      fail(
        peek()
          ? `expected '${text}' ${what}, found '${peek()!.text}'`
          : `expected '${text}' ${what} at the end of the line`,
      );
    pos++;
  };

  // `live` is false in the arm && || ?: skip: no division-by-zero error there, as in C.
  function primary(live: boolean): CValue {
    const t = peek();
    if (!t) return fail('#if expression ends too early', undefined, 'complete the expression after the last operator');
    pos++;
    switch (t.kind) {
      case 'number': {
        const v = parseIntegerConstant(t.text);
        return typeof v === 'string' ? fail(v, t) : v;
      }
      case 'char': {
        const v = parseCharConstant(t.text);
        return typeof v === 'string' ? fail(v, t) : v;
      }
      case 'ident':
        // `true`/`false` too: C before C23 has no such keywords in #if
        return int(0n);
      case 'punct':
        if (t.text === '(') {
          const v = comma(live);
          expect(')', 'to close the parenthesis');
          return v;
        }
        if (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!') {
          const v = unary(live, t);
          return v;
        }
        break;
      default:
        break;
    }
    if (t.kind === 'string')
      return fail(
        `a string (${t.text}) is not valid in a #if expression`,
        t,
        'compare integers; strings cannot be compared by the preprocessor',
      );
    return fail(`'${t.text}' is not valid in a #if expression`, t);
  }

  function unary(live: boolean, op: PpToken): CValue {
    const v = primary(live);
    switch (op.text) {
      case '-':
        return norm(-v.value, v.unsigned);
      case '+':
        return v;
      case '~':
        return norm(~v.value, v.unsigned);
      default:
        return int(v.value === 0n);
    }
  }

  function binary(minPrec: number, live: boolean): CValue {
    let left = primary(live);
    for (;;) {
      const t = peek();
      const entry = t && t.kind === 'punct' ? BINARY[t.text] : undefined;
      if (!t || !entry || entry.prec < minPrec) return left;
      pos++;
      const right = binary(entry.prec + 1, live);
      if ((t.text === '/' || t.text === '%') && right.value === 0n) {
        if (live) fail('division by zero in #if', t);
        left = int(0n);
        continue;
      }
      left = entry.op(left, right);
    }
  }

  function logicalAnd(live: boolean): CValue {
    let left = binary(3, live);
    while (isPunct(peek(), '&&')) {
      pos++;
      const right = binary(3, live && left.value !== 0n);
      left = int(left.value !== 0n && right.value !== 0n);
    }
    return left;
  }

  function logicalOr(live: boolean): CValue {
    let left = logicalAnd(live);
    while (isPunct(peek(), '||')) {
      pos++;
      const right = logicalAnd(live && left.value === 0n);
      left = int(left.value !== 0n || right.value !== 0n);
    }
    return left;
  }

  function conditional(live: boolean): CValue {
    const cond = logicalOr(live);
    if (!isPunct(peek(), '?')) return cond;
    pos++;
    const yes = comma(live && cond.value !== 0n);
    expect(':', "in the '?:' expression");
    const no = conditional(live && cond.value === 0n);
    // the result has the common type of both arms
    const unsigned = yes.unsigned || no.unsigned;
    return norm(cond.value !== 0n ? yes.value : no.value, unsigned);
  }

  function comma(live: boolean): CValue {
    let v = conditional(live);
    while (isPunct(peek(), ',')) {
      pos++;
      v = conditional(live);
    }
    return v;
  }

  try {
    if (tokens.length === 0) return { message: '#if with no expression', hint: 'write a condition, e.g. #if N > 2' };
    const v = comma(true);
    if (pos < tokens.length)
      return { message: `missing binary operator before '${tokens[pos]!.text}'`, token: tokens[pos] };
    return v;
  } catch (e) {
    if (e instanceof Fail) return e.error;
    throw e;
  }
}

export function isCExprError(v: CValue | CExprError): v is CExprError {
  return 'message' in v;
}
