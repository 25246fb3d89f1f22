// Macros: what #define records and how a use expands (C11 6.10.3): arguments are expanded before they are
// substituted (unless next to # or ##), # makes a string, ## pastes two tokens into one, and the result is
// rescanned with the macro's name hidden so a macro never expands inside itself (each token carries the
// set of names hidden for it).
import { error, type Diagnostic } from '../diagnostics.ts';
import { lineCol, type SourceFile, type Span } from '../source.ts';
import { lexOne, type PpToken } from './preprocess-lexer.ts';

export interface Macro {
  readonly name: string;
  /** parameter names of a function-like macro (the variadic one last, `__VA_ARGS__` unless GNU-named); undefined: object-like */
  readonly params?: readonly string[];
  readonly variadic: boolean;
  /** replacement list, as written (the first token's `space` is false) */
  readonly body: readonly PpToken[];
  /** where it was defined: the name in its #define, or undefined for predefined and dynamic macros */
  readonly span?: Span;
  /** __FILE__, __LINE__ and the like: expand to something that depends on where they are used */
  readonly dynamic?: (use: PpToken, expander: Expander) => PpToken;
}

/** The replacement list as text, one space where the definition had whitespace. */
export function macroBodyText(m: Macro): string {
  return joinTokens(m.body);
}

/** The definition as a #define line would spell it (`F(a, b) a + b`). */
export function macroDefinitionText(m: Macro): string {
  const params = m.params
    ? `(${m.params.map((p, i) => (m.variadic && i === m.params!.length - 1 ? (p === '__VA_ARGS__' ? '...' : `${p}...`) : p)).join(', ')})`
    : '';
  const body = macroBodyText(m);
  return `${m.name}${params}${body ? ' ' + body : ''}`;
}

export function joinTokens(ts: readonly PpToken[]): string {
  let s = '';
  ts.forEach((t, i) => {
    s += (i > 0 && t.space ? ' ' : '') + t.text;
  });
  return s;
}

const isPunct = (t: PpToken | undefined, text: string): boolean =>
  t !== undefined && t.kind === 'punct' && t.text === text;
const spanOf = (t: PpToken): Span => ({ file: t.file, start: t.start, end: t.end });
/** Where a token came from in the source: the macro use for an expanded token. */
export const siteOf = (t: PpToken): PpToken => t.site ?? t;
export const siteSpan = (t: PpToken): Span => spanOf(siteOf(t));

/**
 * Parses the tokens of a #define after the directive name: a Macro, or a diagnostic that says what is
 * wrong with the definition. `at` is the directive (for an empty #define).
 */
export function parseDefine(tokens: readonly PpToken[], at: Span): Macro | Diagnostic {
  const name = tokens[0];
  if (!name) return error('#define needs a macro name', at, ['write #define NAME value']);
  if (name.kind !== 'ident')
    return error(`macro names must be identifiers, not '${name.text}'`, spanOf(name), ['write #define NAME value']);
  if (name.text === 'defined') return error('"defined" cannot be used as a macro name', spanOf(name));
  let i = 1;
  let params: string[] | undefined;
  let variadic = false;
  if (isPunct(tokens[1], '(') && !tokens[1]!.space) {
    params = [];
    i = 2;
    for (;;) {
      const t = tokens[i];
      if (!t)
        return error(`missing ')' in the parameter list of macro "${name.text}"`, spanOf(tokens[i - 1]!), [
          'close the parameter list: #define F(a, b) ...',
        ]);
      if (isPunct(t, ')') && params.length === 0) {
        i++;
        break;
      }
      if (isPunct(t, '...')) {
        params.push('__VA_ARGS__');
        variadic = true;
        i++;
      } else if (t.kind === 'ident') {
        if (t.text === '__VA_ARGS__')
          return error('__VA_ARGS__ can only appear in the expansion of a variadic macro', spanOf(t), [
            'write ... as the last parameter and use __VA_ARGS__ in the body',
          ]);
        if (params.includes(t.text)) return error(`duplicate macro parameter "${t.text}"`, spanOf(t));
        params.push(t.text);
        i++;
        if (isPunct(tokens[i], '...')) {
          variadic = true; // GNU: a named variadic parameter
          i++;
        }
      } else {
        return error(`expected a parameter name in macro "${name.text}", found '${t.text}'`, spanOf(t));
      }
      const sep = tokens[i];
      if (isPunct(sep, ')')) {
        i++;
        break;
      }
      if (variadic) return error(`expected ')' after "..." in macro "${name.text}"`, sep ? spanOf(sep) : spanOf(t));
      if (!isPunct(sep, ',')) {
        return sep
          ? error(`expected ',' or ')' in the parameter list of macro "${name.text}", found '${sep.text}'`, spanOf(sep))
          : error(`missing ')' in the parameter list of macro "${name.text}"`, spanOf(t), [
              'close the parameter list: #define F(a, b) ...',
            ]);
      }
      i++;
    }
  }
  const body = tokens.slice(i).map((t, k) => (k === 0 && t.space ? { ...t, space: false } : t));
  if (body.length > 0 && (isPunct(body[0], '##') || isPunct(body[body.length - 1], '##')))
    return error(
      "'##' cannot appear at either end of a macro expansion",
      spanOf(isPunct(body[0], '##') ? body[0]! : body[body.length - 1]!),
      ['put a token on both sides of ##'],
    );
  for (let k = 0; k < body.length; k++) {
    const t = body[k]!;
    if (t.kind === 'ident' && t.text === '__VA_ARGS__' && !(variadic && params?.[params.length - 1] === '__VA_ARGS__'))
      return error('__VA_ARGS__ can only appear in the expansion of a variadic macro', spanOf(t), [
        'write ... as the last parameter of the macro',
      ]);
    if (params && isPunct(t, '#')) {
      const next = body[k + 1];
      if (!next || next.kind !== 'ident' || !params.includes(next.text))
        return error("'#' is not followed by a macro parameter", spanOf(t), [
          `# makes a string of an argument: #${params[0] ?? 'x'}`,
        ]);
    }
  }
  return { name: name.text, params, variadic, body, span: spanOf(name) };
}

/** Same definition (C11 6.10.3p2): same parameters, same replacement tokens with whitespace in the same places. */
export function sameDefinition(a: Macro, b: Macro): boolean {
  if ((a.params === undefined) !== (b.params === undefined)) return false;
  if (a.params && b.params && (a.params.join(',') !== b.params.join(',') || a.variadic !== b.variadic)) return false;
  if (a.body.length !== b.body.length) return false;
  return a.body.every((t, i) => t.text === b.body[i]!.text && (i === 0 || t.space === b.body[i]!.space));
}

/** More tokens than any header makes (<stdio.h>, <sys/socket.h>, <linux/bpf.h> and 90 more make 7.5k), few enough to fail fast. */
export const MAX_EXPANDED_TOKENS = 500_000;

/** Marks an empty argument next to ## (C11 6.10.3.3p2); removed after pasting. */
const PLACEMARKER = 'placemarker';

export interface ExpanderContext {
  report(d: Diagnostic): void;
}

/** Expands token lists against a macro table. */
export class Expander {
  counter = 0;
  /** tokens made by expansions so far: a few macros that each use the last twice make 2^n tokens */
  private produced = 0;
  private overBudget = false;
  constructor(
    readonly macros: Map<string, Macro>,
    private readonly context: ExpanderContext,
  ) {}

  /** `tokens` with every macro use expanded (a function-like macro's arguments must be within `tokens`). */
  expand(tokens: readonly PpToken[]): PpToken[] {
    const stack = tokens.slice().reverse(); // next token on top
    const out: PpToken[] = [];
    while (stack.length > 0) {
      const t = stack.pop()!;
      const m = t.kind === 'ident' ? this.macros.get(t.text) : undefined;
      if (!m || t.hide?.has(t.text)) {
        out.push(t);
        continue;
      }
      if (m.dynamic) {
        out.push(m.dynamic(t, this));
        continue;
      }
      if (this.spent(t)) {
        out.push(t);
        continue;
      }
      if (!m.params) {
        pushAll(stack, this.finish(this.substitute(m, t, []), t, addName(t.hide, m.name)));
        continue;
      }
      if (!isPunct(stack[stack.length - 1], '(')) {
        out.push(t); // a function-like macro's name without arguments is just a name
        continue;
      }
      const call = this.collectArguments(m, t, stack);
      if (!call) {
        out.push(t);
        continue;
      }
      const hide = addName(intersect(t.hide, call.close.hide), m.name);
      pushAll(stack, this.finish(this.substitute(m, t, call.args), t, hide));
    }
    return out;
  }

  /** Whether the expansion budget is used up (reported once, at the use where it ran out). */
  private spent(use: PpToken): boolean {
    if (this.overBudget) return true;
    if (this.produced <= MAX_EXPANDED_TOKENS) return false;
    this.overBudget = true;
    this.context.report(
      error(`macro expansion makes more than ${MAX_EXPANDED_TOKENS} tokens`, siteSpan(use), [
        'a macro probably uses another several times, recursively; simplify the definitions',
      ]),
    );
    return true;
  }

  /** Pops `( … )` off the stack and splits it into arguments; reports and returns undefined when malformed. */
  private collectArguments(
    m: Macro,
    use: PpToken,
    stack: PpToken[],
  ): { args: PpToken[][]; close: PpToken } | undefined {
    const params = m.params!;
    const taken: PpToken[] = [stack.pop()!];
    const args: PpToken[][] = [[]];
    let depth = 0;
    for (;;) {
      const t = stack.pop();
      if (!t) {
        this.context.report(
          error(`unterminated argument list invoking macro "${m.name}"`, siteSpan(use), [
            "close the macro's argument list with ')'",
          ]),
        );
        pushAll(stack, taken);
        return undefined;
      }
      taken.push(t);
      if (t.kind === 'punct') {
        if (t.text === '(') depth++;
        else if (t.text === ')') {
          if (depth === 0) {
            // F() for a macro of no parameters has no arguments, not one empty one
            const n = params.length === 0 && args.length === 1 && args[0]!.length === 0 ? 0 : args.length;
            const given = n === 0 ? [] : args;
            if (n === params.length || (m.variadic && n === params.length - 1)) {
              while (given.length < params.length) given.push([]);
              return { args: given, close: t };
            }
            const message =
              n < params.length
                ? `macro "${m.name}" requires ${params.length - (m.variadic ? 1 : 0)}${m.variadic ? ' or more' : ''} argument${params.length === 1 ? '' : 's'}, but only ${n} given`
                : `macro "${m.name}" passed ${n} arguments, but takes just ${params.length}`;
            this.context.report(error(message, siteSpan(use), [`${m.name} is defined as ${macroDefinitionText(m)}`]));
            return undefined;
          }
          depth--;
        } else if (t.text === ',' && depth === 0 && !(m.variadic && args.length === params.length)) {
          args.push([]);
          continue;
        }
      }
      args[args.length - 1]!.push(t);
    }
  }

  /** The replacement list with parameters replaced, # and ## applied (C11 6.10.3.1-3). */
  private substitute(m: Macro, use: PpToken, args: readonly PpToken[][]): readonly PpToken[] {
    if (!m.params && !hasPaste(m.body)) return m.body; // the common case, kept cheap
    const params = m.params ?? [];
    const index = (t: PpToken | undefined) => (t && t.kind === 'ident' ? params.indexOf(t.text) : -1);
    const expanded = new Map<number, PpToken[]>();
    const expandedArg = (k: number) => {
      let e = expanded.get(k);
      if (!e) expanded.set(k, (e = this.expand(args[k]!)));
      return e;
    };
    const vaIndex = m.variadic ? params.length - 1 : -1;
    const body = m.body;
    const out: PpToken[] = [];
    const placemarker = (like: PpToken): PpToken =>
      ({ ...like, kind: 'other', text: '', hide: undefined, site: undefined, [PLACEMARKER]: true }) as PpToken;
    const withSpace = (ts: readonly PpToken[], space: boolean) => ts.map((t, i) => (i === 0 ? { ...t, space } : t));
    for (let i = 0; i < body.length; i++) {
      const b = body[i]!;
      if (m.params && isPunct(b, '#')) {
        const k = index(body[i + 1]);
        out.push(stringize(args[k]!, b));
        i++;
        continue;
      }
      if (isPunct(b, '##')) {
        const next = body[i + 1]!;
        i++;
        const k = index(next);
        // GNU: `, ## __VA_ARGS__` drops the comma when there are no variadic arguments
        if (k >= 0 && k === vaIndex && isPunct(out[out.length - 1], ',')) {
          if (args[k]!.length === 0) out.pop();
          else out.push(...withSpace(args[k]!, next.space));
          continue;
        }
        let rhs: PpToken[];
        if (k >= 0) rhs = args[k]!.length > 0 ? args[k]!.slice() : [];
        else if (m.params && isPunct(next, '#')) {
          rhs = [stringize(args[index(body[i + 1])]!, next)];
          i++;
        } else rhs = [next];
        const lhs = out.pop();
        if (!lhs || isPlacemarker(lhs)) out.push(...(rhs.length > 0 ? rhs : lhs ? [lhs] : []));
        else if (rhs.length === 0) out.push(lhs);
        else out.push(...this.paste(lhs, rhs[0]!, use), ...rhs.slice(1));
        continue;
      }
      const k = index(b);
      if (k >= 0) {
        if (isPunct(body[i + 1], '##'))
          out.push(...(args[k]!.length > 0 ? withSpace(args[k]!, b.space) : [placemarker(b)]));
        else out.push(...withSpace(expandedArg(k), b.space));
        continue;
      }
      out.push(b);
    }
    return out.filter((t) => !isPlacemarker(t));
  }

  private paste(lhs: PpToken, rhs: PpToken, use: PpToken): PpToken[] {
    const joined = lexOne(lhs.text + rhs.text, lhs);
    if (joined) return [{ ...joined, hide: undefined }];
    this.context.report(
      error(`pasting "${lhs.text}" and "${rhs.text}" does not give a valid preprocessing token`, siteSpan(use), [
        '## must make one token, such as a name or a number',
      ]),
    );
    return [lhs, { ...rhs, space: false }];
  }

  /** Expansion tokens: hidden names added, the macro use recorded as their site, the use's spacing on the first. */
  private finish(ts: readonly PpToken[], use: PpToken, hide: ReadonlySet<string>): PpToken[] {
    const site = siteOf(use);
    this.produced += ts.length;
    const out: PpToken[] = new Array(ts.length);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      // one object shape for all tokens keeps this loop fast (spreads of mixed shapes were 10x slower)
      out[i] = {
        kind: t.kind,
        text: t.text,
        file: t.file,
        start: t.start,
        end: t.end,
        space: i === 0 ? use.space : t.space,
        bol: false,
        hide: union(t.hide, hide),
        site,
      };
    }
    return out;
  }
}

function hasPaste(body: readonly PpToken[]): boolean {
  for (const t of body) if (t.kind === 'punct' && t.text === '##') return true;
  return false;
}

function isPlacemarker(t: PpToken): boolean {
  return (t as unknown as Record<string, unknown>)[PLACEMARKER] === true;
}

/** `#x`: the argument's spelling as a string literal (C11 6.10.3.2). */
function stringize(arg: readonly PpToken[], at: PpToken): PpToken {
  let s = '';
  arg.forEach((t, i) => {
    const text = t.kind === 'string' || t.kind === 'char' ? t.text.replace(/[\\"]/g, (c) => '\\' + c) : t.text;
    s += (i > 0 && t.space ? ' ' : '') + text;
  });
  return { ...at, kind: 'string', text: `"${s}"` };
}

function pushAll(stack: PpToken[], ts: readonly PpToken[]): void {
  for (let i = ts.length - 1; i >= 0; i--) stack.push(ts[i]!);
}

// Hide sets are shared: one per (set, added name), so the many tokens of a big expansion share a few sets.
const EMPTY: ReadonlySet<string> = new Set();
const withName = new WeakMap<ReadonlySet<string>, Map<string, ReadonlySet<string>>>();
function addName(set: ReadonlySet<string> | undefined, name: string): ReadonlySet<string> {
  const base = set ?? EMPTY;
  if (base.has(name)) return base;
  let next = withName.get(base);
  if (!next) withName.set(base, (next = new Map()));
  let s = next.get(name);
  if (!s) next.set(name, (s = new Set([...base, name])));
  return s;
}

function union(a: ReadonlySet<string> | undefined, b: ReadonlySet<string>): ReadonlySet<string> {
  if (!a || a.size === 0) return b;
  const s = new Set(a);
  for (const x of b) s.add(x);
  return s;
}

function intersect(
  a: ReadonlySet<string> | undefined,
  b: ReadonlySet<string> | undefined,
): ReadonlySet<string> | undefined {
  if (!a || !b) return undefined;
  return new Set([...a].filter((x) => b.has(x)));
}

/** A string literal token for __FILE__ and friends. */
export function stringToken(like: PpToken, value: string): PpToken {
  return { ...like, kind: 'string', text: JSON.stringify(value), site: siteOf(like), hide: undefined };
}

export function numberToken(like: PpToken, value: number | bigint): PpToken {
  return { ...like, kind: 'number', text: String(value), site: siteOf(like), hide: undefined };
}

/** __LINE__ and __FILE__ of a use: where the outermost macro use is. */
export function useLine(use: PpToken): { file: SourceFile; line: number } {
  const s = siteOf(use);
  return { file: s.file, line: lineCol(s.file, s.start).line };
}
