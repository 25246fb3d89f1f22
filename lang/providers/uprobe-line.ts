// uprobe:BIN@FILE:LINE[:COL] (bpftrace v0.26): a uprobe on the code of a source line, as a debugger's breakpoint.
// This reads the written form; the runtime finds the address in the binary's line table (KernelInfo).
import type { AttachPoint } from '../ast.ts';
import { isGlob } from '../glob.ts';

export interface SourceLocation {
  readonly target: string;
  readonly file: string;
  readonly line: number;
  /** 0: any column */
  readonly column: number;
}

/** v0.26's words for a malformed point; the form is its usage line too */
const SOURCE_LINE_FORM = 'uprobe:TARGET@FILE:LINE[:COL]';
const FORM_ERROR = `Invalid uprobe arguments, expected format: ${SOURCE_LINE_FORM}`;

/**
 * The source location an attach point names, undefined when it names none (no '@' outside quotes right after
 * its target), or why it is malformed, in bpftrace v0.26's words.
 */
export function sourceLocation(
  ap: AttachPoint,
  provider: 'uprobe' | 'uretprobe',
): SourceLocation | { readonly error: string; readonly hints?: readonly string[] } | undefined {
  const at = ap.ats?.[0];
  // v0.26 splits at every '@': only BIN@FILE (the point's first part) is a source location
  if (!at || at.part !== 0) return undefined;
  if (provider === 'uretprobe')
    return {
      error: 'Source code location not allowed',
      hints: [`a uretprobe fires when a function returns: use uprobe for a source line, or uretprobe:BIN:FUNCTION`],
    };
  const first = ap.parts[0]!;
  const target = first.slice(0, at.index);
  if (isGlob(target)) return { error: 'Cannot use wildcards with source code location' };
  const file = first.slice(at.index + 1);
  const [, line, column, ...more] = ap.parts;
  if ((ap.ats?.length ?? 0) > 1 || !file || !line || more.length)
    return { error: FORM_ERROR, hints: ['e.g. uprobe:/bin/app@main.c:42'] };
  const lineNumber = unsignedInteger(line);
  if (typeof lineNumber === 'string') return { error: `Invalid line number: ${lineNumber}` };
  const columnNumber = column === undefined ? 0 : unsignedInteger(column);
  if (typeof columnNumber === 'string') return { error: `Invalid column number: ${columnNumber}` };
  return { target, file, line: lineNumber, column: columnNumber };
}

/**
 * A line or column number as bpftrace v0.26 reads one (util::to_uint): '_' dropped, 0x hex, 0b binary, a leading
 * 0 octal, else decimal; the whole text must be the number. Else why not, in its words.
 */
function unsignedInteger(text: string): number | string {
  const n = text.replace(/_/g, '');
  const m = /^(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0([0-7]+)|([0-9]+))$/.exec(n);
  if (!m) return `invalid integer: ${text}`;
  const value =
    m[1] !== undefined
      ? BigInt(`0x${m[1]}`)
      : m[2] !== undefined
        ? BigInt(`0b${m[2]}`)
        : m[3] !== undefined
          ? BigInt(`0o${m[3]}`)
          : BigInt(m[4]!);
  if (value > 0xffff_ffff_ffff_ffffn) return `overflow error, maximum value is 18446744073709551615: ${text}`;
  // no line table counts past 2^32: a larger number matches no line, as it would not there
  return value > 0xffff_ffffn ? 0xffff_ffff + 1 : Number(value);
}
