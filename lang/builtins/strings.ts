// Strings: reading one from memory, measuring, comparing and searching them, and errno's text.
import type { CallExpr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { boolType, i64, int, sizeOf, stringType, typeName, u64, viewed, voidType, type Type } from '../types.ts';
import { positionalValue } from '../check/positional.ts';
import { warning } from '../diagnostics.ts';
import { intLiteral } from './args.ts';
import type { BuiltinRow, CallSpec } from './row.ts';
import { bytesText, textByteLength, textBytes } from '../byte-text.ts';

const stringFunction = (name: string, doc: string, spec: Omit<CallSpec, 'aggregation'>): BuiltinRow => ({
  name,
  family: 'strings',
  doc,
  function: { ...spec, aggregation: false },
});

export const stringRows: readonly BuiltinRow[] = [
  stringFunction('str', 'a NUL-terminated string read from a pointer, or a string cut short', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'str(char *s [, int length])',
    check: str,
  }),
  stringFunction('strerror', 'the text of an errno value', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'strerror(int errno)',
    check: (ctx, c) => {
      if (c.args[0]) ctx.intOperand(c.args[0], 'strerror()');
      return viewed({ kind: 'errno' }, true);
    },
  }),
  ...(['signal_name', 'syscall_name'] as const).map((name) =>
    stringFunction(name, name === 'signal_name' ? "a signal's description" : "an x86-64 system call's name", {
      minArgs: 1,
      maxArgs: 1,
      signature: `${name}(int ${name === 'signal_name' ? 'sig' : 'nr'})`,
      check: (ctx, c) => {
        if (c.args[0]) ctx.intOperand(c.args[0], `${name}()`);
        // the number travels; user space prints the name (bpftrace v0.26's stdlib)
        return viewed({ kind: name }, true);
      },
    }),
  ),
  stringFunction('strcontains', 'whether a string contains another', {
    minArgs: 2,
    maxArgs: 2,
    signature: 'strcontains(string haystack, string needle)',
    check: (ctx, c) => searchArgs(ctx, c, 'strcontains', boolType), // prints true/false, as bpftrace v0.26
  }),
  stringFunction('strstr', 'where a string first occurs in another, or -1', {
    minArgs: 2,
    maxArgs: 2,
    signature: 'strstr(string haystack, string needle)',
    // bpftrace v0.26: an index from 0, -1 when absent, 0 for an empty needle
    check: (ctx, c) => searchArgs(ctx, c, 'strstr', i64),
  }),
  stringFunction('strcap', "a string's capacity: the bytes its type holds", {
    minArgs: 1,
    maxArgs: 1,
    signature: 'strcap(string s)',
    check: (ctx, c) => {
      const a = c.args[0];
      if (!a) return i64;
      const t = stringArg(ctx, c, a);
      // bpftrace v0.26: sizeof a string (its NUL included), an array's length; a pointer has none to give
      if (t.kind === 'string') ctx.constants.set(c, BigInt(t.size));
      else if (t.kind === 'array' && t.elem.kind === 'int' && t.elem.bits === 8) ctx.constants.set(c, BigInt(t.count));
      else
        ctx.error(`strcap() needs a string or an array of chars, got ${typeName(t)}`, a.span, [
          'a pointer has no capacity: read it first, strcap(str(p))',
        ]);
      return i64;
    },
  }),
  stringFunction('default_str_length', 'how many bytes str() reads when not told (the max_strlen setting)', {
    minArgs: 0,
    maxArgs: 0,
    signature: 'default_str_length()',
    check: (ctx, c) => {
      ctx.constants.set(c, BigInt(ctx.config.maxStrlen));
      return i64;
    },
  }),
  stringFunction('strlen', 'the length of a string', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'strlen(string s)',
    check: (ctx, c) => {
      const a = c.args[0];
      if (!a) return u64;
      const t = stringArg(ctx, c, a);
      if (t.kind !== 'string') ctx.error(`strlen() needs a string, got ${typeName(t)}`, a.span);
      return u64;
    },
  }),
  stringFunction('strncmp', 'compares the first n bytes of two strings', {
    minArgs: 3,
    maxArgs: 3,
    signature: 'strncmp(string a, string b, int n)',
    check: (ctx, c) => {
      const [a, b, n] = c.args;
      for (const x of [a, b]) {
        if (!x) continue;
        const t = stringArg(ctx, c, x);
        if (t.kind !== 'string') ctx.error(`strncmp() compares strings, got ${typeName(t)}`, x.span);
      }
      // a literal, or a positional parameter that reads as a number: strncmp(a, b, $1) (bpftrace v0.26)
      const len = n && intLiteral(ctx, n);
      if (n && (len === undefined || len < 0n || len > 1024n))
        ctx.error('strncmp() needs a length from 0 to 1024 as an integer literal', n.span);
      else if (n) ctx.typeOf.set(n, i64);
      return u64;
    },
  }),
  stringFunction('memcmp', 'compares the first n bytes of two values: 0 when they agree', {
    minArgs: 3,
    maxArgs: 3,
    signature: 'memcmp(left, right, int count)',
    check: (ctx, c) => {
      const [a, b, n] = c.args;
      const sizes: number[] = [];
      for (const x of [a, b]) {
        if (!x) continue;
        const t = stringArg(ctx, c, x);
        // values whose bytes are laid out as in memory (a tuple's are not: its elements sit in 8-byte slots)
        if (t.kind === 'string' || t.kind === 'int' || t.kind === 'record' || t.kind === 'array') sizes.push(sizeOf(t));
        else ctx.error(`memcmp() compares strings, integers, structs and arrays, not ${typeName(t)}`, x.span);
      }
      const count = n && intLiteral(ctx, n);
      const room = Math.min(...sizes);
      if (n && (count === undefined || count < 0n))
        ctx.error('memcmp() needs its byte count as an integer literal', n.span);
      else if (n && sizes.length === 2 && count! > BigInt(room))
        ctx.error(
          `memcmp() compares ${count} bytes, but ${sizes[0] === room ? 'the left' : 'the right'} value has ${room}`,
          n.span,
        );
      else if (n) ctx.typeOf.set(n, i64);
      // bpftrace v0.26: the first bytes that differ, as signed chars, subtracted (left - right)
      return int(32, true);
    },
  }),
  stringFunction('join', 'prints an array of strings (like argv) joined by a separator', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'join(char *argv[] [, string separator])',
    actsInScry: true,
    check: (ctx, c) => {
      const [arr, sep] = c.args;
      if (arr) {
        const t = ctx.expr(arr);
        if (t.kind !== 'int')
          ctx.error(`join() needs a pointer to an array of strings (like args->argv), got ${typeName(t)}`, arr.span);
      }
      if (sep && sep.kind !== 'string') ctx.error('join() needs its separator as a string literal', sep.span);
      else if (sep) ctx.typeOf.set(sep, stringType(textByteLength(sep.value) + 1));
      return voidType;
    },
  }),
];

/**
 * The most a haystack's size times a needle's: the search's loops are walked by the verifier start by start and
 * byte by byte (~6 us a pair on the 2026 test host: 1024 x 39 bytes load in 250 ms, 1024 x 64 pass its
 * million-instruction limit).
 */
const SEARCH_LIMIT = 40_000;

/** strcontains(h, n) and strstr(h, n): two strings, not too long together. */
function searchArgs(ctx: CheckContext, c: CallExpr, name: string, result: Type): Type {
  for (const a of c.args) {
    const t = stringArg(ctx, c, a);
    if (t.kind !== 'string') ctx.error(`${name}() needs strings, got ${typeName(t)}`, a.span);
  }
  const [h, n] = c.args.map((a) => ctx.typeOf.get(a));
  if (h?.kind === 'string' && n?.kind === 'string' && h.size * n.size > SEARCH_LIMIT)
    ctx.error(
      `${name}() of a ${h.size}-byte string and a ${n.size}-byte one is more than the BPF verifier can follow`,
      c.span,
      [`cut them first, e.g. str(s, 64), so that the two sizes multiplied stay under ${SEARCH_LIMIT}`],
    );
  return result;
}

/** An argument that should be a string: `$N` there is its text, as in str($N). */
function stringArg(ctx: CheckContext, c: CallExpr, a: CallExpr['args'][number]): Type {
  if (a.kind !== 'positional') return ctx.expr(a);
  const t = str(ctx, { ...c, args: [a] });
  ctx.typeOf.set(a, t);
  return t;
}

/**
 * str($N + k) of a string parameter: the text after its first k bytes, as bpftrace v0.26 reads the literal
 * at that address. Records the text for $N and k for the call (codegen writes the tail); undefined otherwise.
 */
function positionalTail(ctx: CheckContext, c: CallExpr): string | undefined {
  const a = c.args[0];
  if (a?.kind !== 'binary' || a.op !== '+' || a.left.kind !== 'positional' || a.left.count) return undefined;
  if (a.right.kind !== 'int') return undefined;
  const text = positionalValue(ctx.params, a.left.index);
  if (typeof text !== 'string') return undefined; // a number: ordinary arithmetic
  const bytes = textBytes(text);
  const k = Math.min(Number(a.right.value), bytes.length);
  ctx.positionals.set(a.left, text);
  ctx.typeOf.set(a.left, stringType(bytes.length + 1));
  ctx.typeOf.set(a.right, i64);
  ctx.constants.set(c, BigInt(k));
  const tail = bytesText(bytes.subarray(k));
  ctx.typeOf.set(a, stringType(bytes.length - k + 1));
  return tail;
}

/** str(s[, n]): for now, of values that already are strings (literals, $N, comm, …), cut to n bytes. */
function str(ctx: CheckContext, c: CallExpr): Type {
  const [arg, len] = c.args;
  if (!arg) return stringType(1);
  const skipped = positionalTail(ctx, c);
  const t =
    skipped !== undefined
      ? stringType(textByteLength(skipped) + 1)
      : arg.kind === 'positional' && !arg.count
        ? stringType(textByteLength(ctx.params[arg.index - 1] ?? '') + 1)
        : ctx.expr(arg);
  if (arg.kind === 'positional') ctx.typeOf.set(arg, t);
  // read as a string here, $N is its text whatever it looks like (a missing one is empty)
  if (arg.kind === 'positional' && !arg.count) ctx.positionals.set(arg, ctx.params[arg.index - 1] ?? '');
  // a literal length (or $N that reads as a number) fixes the size; a computed one cuts when the probe runs
  const n = len && intLiteral(ctx, len);
  if (len && n === undefined) ctx.intOperand(len, 'str()');
  else if (len && n! < 0n) ctx.error(`str() cannot use a negative length (${n})`, len.span);
  else if (len) {
    ctx.typeOf.set(len, i64);
    if (t.kind === 'string') return stringType(Math.min(t.size, Number(n) + 1));
  }
  if (t.kind === 'int') {
    // a pointer (or an address held in an integer): read a NUL-terminated string from memory
    // str(p, n) reads n bytes, the NUL included: n - 1 characters (bpftrace v0.26; 0.17 kept n)
    // (str(p, 0) is empty, as str(p, 1) is)
    if (n !== undefined && n < BigInt(ctx.config.maxStrlen)) return stringType(Math.max(1, Number(n)));
    if (len && n === undefined) return stringType(ctx.config.maxStrlen);
    // a literal length past max_strlen is str(p) (bpftrace v0.26 warns and keeps max_strlen, its trailer too)
    if (n !== undefined)
      ctx.report(
        warning(
          `str() length ${n} is too long and will be shortened to max_strlen (${ctx.config.maxStrlen})`,
          len!.span,
          ['raise it with: config = { max_strlen = N }'],
        ),
      );
    // str(p) keeps max_strlen characters and marks a string that fills them as cut (bpftrace v0.26)
    const trailer = ctx.config.strTruncTrailer;
    return { kind: 'string', size: ctx.config.maxStrlen + 1, ...(trailer ? { trailer } : {}) };
  }
  if (t.kind !== 'string') {
    ctx.error(`str() needs a pointer or a string, got ${typeName(t)}`, arg.span);
    return stringType(1);
  }
  return t;
}
