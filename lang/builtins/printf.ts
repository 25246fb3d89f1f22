// printf-like functions: a format string literal and the values its conversions print. printf prints, cat
// prints a file's contents, system runs a command, errorf and warnf print to stderr.
import type { CallExpr, Expr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { FORMAT_WIDTH_MAX, formatRecordError } from '../check/formats.ts';
import { parseFormat, type FormatPiece } from '../format-string.ts';
import { warning } from '../diagnostics.ts';
import { probeContext } from '../providers.ts';
import type { Span } from '../source.ts';
import { typeName, voidType, type Type } from '../types.ts';
import type { BuiltinRow } from './row.ts';

/**
 * printf-like functions (printf, system, cat, errorf, warnf): the format and up to 127 values, bpftrace's limit
 * (v0.17 and v0.26 alike count the format). Their event record has a size limit too (check/formats.ts).
 */
const FORMAT_MAX_ARGS = 128;

const formatted = (
  name: string,
  doc: string,
  signature: string,
  check = checkFormatted,
  onlyInScry = true,
): BuiltinRow => ({
  name,
  family: 'printf',
  doc,
  function: {
    minArgs: 1,
    maxArgs: FORMAT_MAX_ARGS,
    signature,
    aggregation: false,
    check,
    ...(onlyInScry ? { actsInScry: true as const } : {}),
  },
});

/** bpf_trace_printk takes three values after its format (bpf-helpers(7)). */
const PRINTK_MAX_ARGS = 3;

export const printfRows: readonly BuiltinRow[] = [
  // in a pinned iterator the kernel writes printf's text (checkFormat)
  formatted('printf', 'prints formatted text', 'printf(string fmt, ...)', checkFormatted, false),
  formatted('system', 'runs a shell command (needs --unsafe)', 'system(string command_format, ...)', (ctx, c) => {
    if (!ctx.unsafe)
      ctx.error('system() runs commands as root, so it needs --unsafe', c.nameSpan, [
        'run scry with --unsafe if you mean it',
      ]);
    return checkFormatted(ctx, c);
  }),
  formatted('cat', "prints a file's contents", 'cat(string path_format, ...)'),
  formatted('errorf', 'prints an error message', 'errorf(string fmt, ...)'),
  formatted('warnf', 'prints a warning', 'warnf(string fmt, ...)'),
  {
    name: 'debugf',
    family: 'printf',
    doc: "prints to the kernel's trace buffer with bpf_trace_printk (for debugging)",
    function: {
      minArgs: 1,
      maxArgs: 1 + PRINTK_MAX_ARGS,
      signature: 'debugf(string fmt, [up to 3 values])',
      aggregation: false,
      check: checkDebugf,
    },
  },
];

/** The conversions bpf_trace_printk prints, and what each needs. */
const PRINTK_CONVERSIONS: Readonly<Record<string, 'int' | 'string'>> = {
  d: 'int',
  i: 'int',
  u: 'int',
  x: 'int',
  p: 'int',
  s: 'string',
};

/**
 * debugf(fmt, …): the format goes to the kernel as it is, so only the conversions bpf_trace_printk knows; the
 * text lands in the kernel's trace buffer (tracefs trace_pipe), not in scry's output.
 */
function checkDebugf(ctx: CheckContext, c: CallExpr): typeof voidType {
  const [fmtArg, ...rest] = c.args;
  const args = rest.map(ctx.expr);
  ctx.report(
    warning('debugf() is not meant for production use: it writes to the kernel trace buffer', c.nameSpan, [
      'read it in /sys/kernel/tracing/trace_pipe; see bpf_trace_printk in bpf-helpers(7)',
    ]),
  );
  if (!fmtArg) return voidType;
  if (fmtArg.kind !== 'string') {
    ctx.error('debugf() needs a string literal as its format', fmtArg.span);
    return voidType;
  }
  const parsed = parseFormat(fmtArg.value);
  if ('error' in parsed) {
    ctx.error(parsed.error, fmtArg.span);
    return voidType;
  }
  const specs = parsed.pieces.filter((p): p is Extract<FormatPiece, { spec: unknown }> => 'spec' in p);
  if (specs.length !== args.length) {
    ctx.error(`debugf() format has ${specs.length} conversions but ${args.length} values follow`, c.span);
    return voidType;
  }
  specs.forEach((p, i) => {
    const want = PRINTK_CONVERSIONS[p.spec.conv];
    const t = args[i]!;
    if (!want)
      ctx.error(`debugf() cannot print %${p.spec.conv}: bpf_trace_printk knows %d %i %u %x %p and %s`, fmtArg.span);
    else if (want === 'string' ? t.kind !== 'string' : t.kind !== 'int' && t.kind !== 'bool')
      ctx.error(
        `%${p.spec.conv} needs ${want === 'string' ? 'a string' : 'an integer'}, got ${typeName(t)}`,
        rest[i]!.span,
      );
  });
  return voidType;
}

function checkFormatted(ctx: CheckContext, c: CallExpr): typeof voidType {
  checkFormat(ctx, c);
  return voidType;
}

/** The format is a literal whose conversions match the values that follow; records the call in ctx.printfs. */
function checkFormat(ctx: CheckContext, c: CallExpr): void {
  const [fmtArg, ...rest] = c.args;
  const args = rest.map(ctx.expr);
  if (!fmtArg) return;
  if (fmtArg.kind !== 'string') {
    ctx.error(`${c.name}() needs a string literal as its format`, fmtArg.span);
    return;
  }
  const parsed = parseFormat(fmtArg.value);
  if ('error' in parsed) {
    ctx.error(parsed.error, fmtArg.span);
    return;
  }
  const specs = parsed.pieces.filter((p): p is Extract<FormatPiece, { spec: unknown }> => 'spec' in p);
  if (specs.length !== args.length) {
    ctx.error(
      `${c.name}() format has ${specs.length} conversion${specs.length === 1 ? '' : 's'} but ${args.length} argument${args.length === 1 ? ' follows' : 's follow'}`,
      c.span,
    );
    return;
  }
  specs.forEach((p, i) => {
    const t = args[i]!;
    const conv = p.spec.conv;
    // a precision pads numbers with zeros, but only cuts strings, buffers and %gr's flag names
    const cuts = conv === 's' || conv === 'gr' || conv.startsWith('r');
    const wide = Math.max(p.spec.width ?? 0, cuts ? 0 : (p.spec.precision ?? 0));
    if (wide > FORMAT_WIDTH_MAX) {
      // bpftrace pads to any int width (a gigabyte of blanks per event); one line of output is bounded here
      ctx.error(
        `%${conv} asks for a field of ${wide} characters, more than scry prints (${FORMAT_WIDTH_MAX})`,
        fmtArg.span,
        [`use a width and precision of at most ${FORMAT_WIDTH_MAX}`],
      );
      return;
    }
    if (conv === 'r' || conv === 'rx' || conv === 'rh') {
      // buffers only, as bpftrace v0.26 checks (format_string.cpp): a string prints with %s
      if (t.kind !== 'buffer')
        ctx.error(`%${conv} needs a buffer, got ${typeName(t)}`, rest[i]!.span, [
          t.kind === 'string' ? `print a string with %s, or its bytes with buf(s, n)` : 'make one with buf(p, n)',
        ]);
      return;
    }
    // %s takes any value (bpftrace v0.26): a string, an integer in decimal, strerror(n), kstack, ksym(), ntop()
    // … as their text, a bool as true/false, a buf() as %r prints it, a tuple or struct as print() writes it
    const isInt = t.kind === 'int' || t.kind === 'bool';
    if (conv === 's' ? t.kind === 'void' : !isInt) {
      ctx.error(`%${conv} needs ${conv === 's' ? 'a value' : 'an integer'}, got ${typeName(t)}`, rest[i]!.span);
      return;
    }
    // user space formats the record: `probe` goes in as its attach point's index, printed as the name (as
    // bpftrace does), so the programs of a probe's attach points are one code (compiler/codegen/maps.ts)
    if (conv === 's') args[i] = ctx.printedAs(rest[i]!, t);
  });
  const pinned = c.name === 'printf' && ctx.attach().some((a) => probeContext(a).pinnedTo !== undefined);
  if (pinned) {
    const seqFormat = kernelFormat(ctx, parsed.pieces, args, rest, fmtArg.span);
    if (seqFormat !== undefined)
      ctx.printfs.set(c, { call: c, format: fmtArg.value, pieces: parsed.pieces, args, seqFormat });
    return;
  }
  const tooBig = formatRecordError(c, rest, args);
  if (tooBig) ctx.error(tooBig.message, c.span, tooBig.hints);
  ctx.printfs.set(c, { call: c, format: fmtArg.value, pieces: parsed.pieces, args });
}

/** bpf_seq_printf takes at most 12 values (the kernel's MAX_BPRINTF_VARARGS). */
const SEQ_PRINTF_MAX_ARGS = 12;

const SEQ_CONVERSIONS = '%d %i %u %x %X %c %s and %p, with the flags 0 + - and space and a width';

/**
 * A pinned iterator's printf format as the kernel's bpf_seq_printf takes it, or undefined after reporting why
 * it cannot be: the kernel formats, so only what it knows, and only values the program holds (not the names
 * and texts scry prints for symbols, stacks and enums).
 */
function kernelFormat(
  ctx: CheckContext,
  pieces: readonly FormatPiece[],
  args: readonly Type[],
  exprs: readonly Expr[],
  span: Span,
): string | undefined {
  if (args.length > SEQ_PRINTF_MAX_ARGS) {
    ctx.error(`a pinned iterator's printf() takes at most ${SEQ_PRINTF_MAX_ARGS} values, got ${args.length}`, span, [
      'the kernel prints it (bpf_seq_printf): split it into several printf() calls',
    ]);
    return undefined;
  }
  let out = '';
  let ok = true;
  let i = 0;
  for (const p of pieces) {
    if ('text' in p) {
      out += p.text.replaceAll('%', '%%');
      continue;
    }
    const { flags, width, precision, length, conv } = p.spec;
    const t = args[i]!;
    const e = exprs[i++]!;
    const field = `${flags}${width ?? ''}`;
    const refuse = (why: string) => {
      ctx.error(`a pinned iterator's printf() cannot print ${why}`, span, [
        `the kernel prints it (bpf_seq_printf), which knows ${SEQ_CONVERSIONS}`,
      ]);
      ok = false;
    };
    if (!'diuxXcsp'.includes(conv)) refuse(`%${conv}`);
    else if (flags.includes('#')) refuse(`the # flag (%${field}${conv})`);
    else if (precision !== undefined) refuse(`a precision (%${field}.${precision}${conv})`);
    else if (length === 'h' || length === 'hh') refuse(`%${length}${conv}`);
    else if (conv === 'p' && field) refuse(`%p with a width or flags`);
    else if (conv === 's' && t.kind !== 'string') {
      ctx.error(
        `a pinned iterator's printf() prints only strings the program holds with %s, not ${typeName(t)}`,
        e.span,
        ['scry prints symbols, stacks, enum names and the like itself, and has exited when the iterator runs'],
      );
      ok = false;
    } else if (conv === 'p')
      out += '0x%llx'; // as user space prints it
    else if (conv === 's' || conv === 'c') out += `%${field}${conv}`;
    // C's sizes, as user space prints them: %d reads an int of the u64, %ld and %lld all of it (z, j, t: 64-bit)
    else out += `%${field}${length === 'l' || length === '' ? length : 'll'}${conv}`;
  }
  return ok ? out : undefined;
}
