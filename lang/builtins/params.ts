// Named parameters: getopt("name", default[, "description"]) stands for `--name=value` given after the
// program (`scry -e '…' -- --name=value`), typed by its default as in bpftrace v0.26: a non-negative integer
// is a u64, a negative one an i64, a string a string, a bool (or no default: false) a bool, and a bare
// `--name` is true. The values are resolved before checking (resolveNamedParams); the check hook records
// the one a call stands for, like a positional parameter's.
import type { CallExpr, Expr, Program } from '../ast.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import { walk } from '../walk.ts';
import { boolType, i64, stringType, u64, type Type } from '../types.ts';
import type { BuiltinRow } from './row.ts';

import type { NamedParamValue } from '../check/context.ts';
import { textByteLength } from '../byte-text.ts';

export type { NamedParamValue };

/** One getopt() of the program: its name, default (which sets the type) and description. */
export interface NamedParamDecl {
  readonly name: string;
  readonly value: NamedParamValue;
  readonly signed: boolean;
  readonly description: string;
}

/** A default getopt() takes: an integer (maybe negative), a string or a bool literal; undefined otherwise. */
function literalDefault(e: Expr | undefined): { value: NamedParamValue; signed: boolean } | undefined {
  if (!e) return { value: false, signed: false };
  if (e.kind === 'bool' || e.kind === 'string') return { value: e.value, signed: false };
  if (e.kind === 'int') return { value: e.value, signed: false };
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int') return { value: -e.operand.value, signed: true };
  return undefined;
}

function isGetopt(n: unknown): n is CallExpr {
  return (n as CallExpr).kind === 'call' && (n as CallExpr).name === 'getopt';
}

/**
 * The named parameters a program declares, in first-use order (malformed calls are the checker's to report).
 * One name used twice must have the same default, and at most one description (as in bpftrace v0.26).
 */
export function namedParamDecls(program: Program, diagnostics: Diagnostic[] = []): NamedParamDecl[] {
  const decls = new Map<string, NamedParamDecl>();
  walk(program, (n) => {
    if (!isGetopt(n)) return;
    const [name, def, desc] = n.args;
    const d = literalDefault(def);
    if (name?.kind !== 'string' || !d) return;
    const description = desc?.kind === 'string' ? desc.value : '';
    const before = decls.get(name.value);
    if (before && (before.value !== d.value || before.signed !== d.signed)) {
      const shown = typeof before.value === 'string' ? before.value : String(before.value);
      diagnostics.push(
        error(
          `Command line option '${name.value}' needs to have the same default value in all places it is used. Previous default value: ${shown}`,
          (def ?? n).span,
        ),
      );
      return;
    }
    if (before && description && before.description && description !== before.description) {
      diagnostics.push(
        error(
          `Command line option '${name.value}' must have the same description in all places it's used`,
          desc!.span,
          ['give the description once, or wrap the getopt() in a macro'],
        ),
      );
      return;
    }
    decls.set(name.value, { name: name.value, ...d, description: description || before?.description || '' });
  });
  return [...decls.values()];
}

/** What went wrong with the named parameters given: bpftrace's words (no source position: it is the command line). */
export interface NamedParamProblem {
  readonly message?: string;
  readonly hints: string[];
  /** `--help` was given: the hint lists the program's options and the run stops */
  readonly help: boolean;
}

const TRUTHY = ['true', '1', 'yes', 'on'];
const FALSY = ['false', '0', 'no', 'off'];

/** An integer as bpftrace reads one (decimal, 0x hex, 0 octal), or the reason it is not one. */
function parseInteger(text: string, signed: boolean): bigint | string {
  const t = text.trim();
  if (!/^[-+]?(0x[0-9a-f]+|[0-9]+)$/i.test(t)) return 'invalid integer';
  const neg = t.startsWith('-');
  const body = t.replace(/^[-+]/, '');
  const magnitude = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  const v = neg ? -magnitude : magnitude;
  if (signed ? v < -(1n << 63n) || v >= 1n << 63n : v < 0n || v >= 1n << 64n) return 'value is out of range';
  return v;
}

/**
 * The value of each declared parameter: the one given (`--name=value`, or `true` for a bare `--name`) read
 * as its default's type, else the default. A problem instead when a name is unknown, a value does not read
 * as its type, or `--help` asks for the list.
 */
export function resolveNamedParams(
  decls: readonly NamedParamDecl[],
  given: ReadonlyMap<string, string | true>,
): { values: Map<string, NamedParamValue> } | { problem: NamedParamProblem } {
  const expected = (help: boolean): string =>
    decls.length === 0
      ? 'no custom program options defined.'
      : help
        ? `expected program options:\n${decls.map((d) => `--${d.name}${d.description ? `: ${d.description}` : ''}`).join('\n')}`
        : `expected program options: ${decls.map((d) => `--${d.name}`).join(': ')}`;
  const byName = new Map(decls.map((d) => [d.name, d]));
  const unknown = [...given.keys()].filter((n) => !byName.has(n) && n !== 'help');
  if (unknown.length)
    return {
      problem: {
        message: `unexpected program command line options: ${unknown.map((n) => `--${n}`).join(', ')}`,
        hints: [expected(given.has('help'))],
        help: false,
      },
    };
  if (given.has('help') && !byName.has('help')) return { problem: { hints: [expected(true)], help: true } };
  const values = new Map<string, NamedParamValue>();
  for (const d of decls) {
    const raw = given.get(d.name);
    const bad = (value: string, why: string) => ({
      problem: { message: `program command line option --${d.name} ${why} (value: ${value})`, hints: [], help: false },
    });
    if (raw === undefined) values.set(d.name, d.value);
    else if (typeof d.value === 'boolean') {
      const word = raw === true ? 'true' : raw.toLowerCase();
      if (TRUTHY.includes(word)) values.set(d.name, true);
      else if (FALSY.includes(word)) values.set(d.name, false);
      else return bad(raw as string, "expects a boolean (e.g. 'true')");
    } else if (raw === true)
      return bad('true', typeof d.value === 'string' ? 'expects a string' : 'expects an integer');
    else if (typeof d.value === 'string') values.set(d.name, raw);
    else {
      const v = parseInteger(raw, d.signed);
      if (typeof v === 'string') return bad(raw, v);
      values.set(d.name, v);
    }
  }
  return { values };
}

export const paramRows: readonly BuiltinRow[] = [
  {
    name: 'getopt',
    family: 'params',
    doc: 'a named parameter given after the program as --name=value',
    function: {
      minArgs: 1,
      maxArgs: 3,
      signature: 'getopt(string name[, default[, string description]])',
      aggregation: false,
      check: (ctx, c) => {
        const [name, def, desc] = c.args;
        for (const a of c.args) if (a.kind === 'string') ctx.typeOf.set(a, stringType(textByteLength(a.value) + 1));
        if (name?.kind !== 'string') {
          ctx.error("getopt() needs the parameter's name as a string literal", (name ?? c).span, [
            'e.g. getopt("verbose", false), given as -- --verbose',
          ]);
          return u64;
        }
        const d = literalDefault(def);
        if (!d) {
          ctx.error('the default of getopt() must be an integer, string or boolean literal', def!.span);
          return u64;
        }
        if (desc && desc.kind !== 'string')
          ctx.error("getopt()'s third argument is a description: a string literal", desc.span);
        const v = ctx.namedParams.get(name.value) ?? d.value;
        let t: Type;
        if (typeof v === 'boolean') t = boolType;
        else if (typeof v === 'string') t = stringType(textByteLength(v) + 1);
        else t = d.signed ? i64 : u64;
        ctx.positionals.set(c, typeof v === 'boolean' ? (v ? 1n : 0n) : v);
        return t;
      },
    },
  },
];
