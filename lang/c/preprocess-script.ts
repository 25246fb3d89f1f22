// How a bpftrace script uses the preprocessor (bpftrace v0.26):
// - The C definitions come first: #directives and struct/union/enum definitions, before any config,
//   import or probe. Only that part is C: it is preprocessed (includes, conditionals, macros expanded
//   inside struct bodies) and its macros, including those of the headers it includes, are kept.
// - In the probes, macros are not expanded as text: an identifier standing alone as an expression whose
//   name is a macro is replaced by the macro's value parsed as an expression, again and again while the
//   result is such an identifier (`#define X 1 + 2` makes `X * 2` equal 6, not 5 as text would).
//   A function-like macro is not expanded where it is called (`F(3)` stays a call to an unknown F).
import type { SourceFile, Span } from '../source.ts';
import { lexFile, type PpToken } from './preprocess-lexer.ts';
import { Expander, joinTokens, type Macro } from './preprocess-macros.ts';
import type { Diagnostic } from '../diagnostics.ts';

/**
 * The offset where a script's C definitions end: after the shebang, #directive lines and
 * `struct|union|enum … { … } [__attribute__((…))] [;]` definitions, at the first token that is none of those;
 * 0 when there are none (a shebang, comments and blank lines are not a C part).
 */
export function scriptDefinitionsEnd(file: SourceFile): number {
  if (startsWithoutC(file.text)) return 0;
  const { tokens: ts, openComment } = lexFile(file);
  let i = 0;
  if (isPunct(ts[0], '#') && isPunct(ts[1], '!') && ts[0]!.start === 0) i = nextLine(ts, i);
  const first = i;
  while (i < ts.length) {
    const t = ts[i]!;
    if (t.bol && isPunct(t, '#')) {
      i = nextLine(ts, i);
      continue;
    }
    const after = definitionEnd(ts, i);
    // nothing but a shebang, comments and blank lines before the first probe: no C part (the script's lexer skips
    // those itself), so nothing needs the kernel's types for it
    if (after === undefined) return i === first ? 0 : t.start;
    if (after < 0) return file.text.length; // unclosed: all of it is C (the C parser says what is wrong)
    i = after;
  }
  // only C; an unterminated comment at the end stays the parser's, which says so (or waits for more at the REPL)
  return openComment ?? file.text.length;
}

/**
 * The end offset of a struct/union/enum definition starting at `offset` (after its attributes and `;`),
 * or undefined when none starts there. bpftrace v0.26 refuses one after the probes: the parser says so.
 */
export function cDefinitionAt(file: SourceFile, offset: number): number | undefined {
  const ts = lexFile(file, offset).tokens;
  const after = definitionEnd(ts, 0);
  if (after === undefined) return undefined;
  return after < 0 ? file.text.length : ts[after - 1]!.end;
}

/**
 * The keyword and name of a struct/union/enum definition in the script's C part whose body is never closed
 * (`struct Foo {` typed so far), with its span; undefined when every definition is closed.
 */
export function unclosedDefinition(file: SourceFile): { readonly what: string; readonly span: Span } | undefined {
  if (startsWithoutC(file.text)) return undefined;
  const { tokens: ts } = lexFile(file);
  let i = 0;
  if (isPunct(ts[0], '#') && isPunct(ts[1], '!') && ts[0]!.start === 0) i = nextLine(ts, i);
  while (i < ts.length) {
    if (ts[i]!.bol && isPunct(ts[i], '#')) {
      i = nextLine(ts, i);
      continue;
    }
    const after = definitionEnd(ts, i);
    if (after === undefined) return undefined;
    if (after < 0) {
      const name = ts[i + 1]?.kind === 'ident' ? ` ${ts[i + 1]!.text}` : '';
      return { what: `${ts[i]!.text}${name}`, span: { file, start: ts[i]!.start, end: ts[i]!.end } };
    }
    i = after;
  }
  return undefined;
}

const isPunct = (t: PpToken | undefined, s: string) => t !== undefined && t.kind === 'punct' && t.text === s;

/**
 * Whether the script's first token, after a shebang line, blanks and comments, is an identifier other than
 * struct, union and enum (a probe, a config, an import): then it has no C part, and the two questions above are
 * answered without lexing all of it with the C lexer (each did, at every start: ~0.7 ms for a 40-line tool,
 * run cold). Anything else (a directive, a definition, nothing but comments) goes the long way.
 */
export function startsWithoutC(text: string): boolean {
  let i = 0;
  if (text.startsWith('#!')) {
    i = text.indexOf('\n') + 1;
    if (i === 0) return false;
  }
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) i++;
    else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      i = text.indexOf('\n', i) + 1;
      if (i === 0) return false;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return false;
      i = end + 2;
    } else break;
  }
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64))?.[0];
  return word !== undefined && word !== 'struct' && word !== 'union' && word !== 'enum';
}

/** The index of the first token on a later line. */
function nextLine(ts: readonly PpToken[], i: number): number {
  i++;
  while (i < ts.length && !ts[i]!.bol) i++;
  return i;
}

/** index after a balanced group opening at `k`, or -1 */
function balanced(ts: readonly PpToken[], k: number, open: string, close: string): number {
  let depth = 0;
  for (let n = k; n < ts.length; n++) {
    if (isPunct(ts[n], open)) depth++;
    else if (isPunct(ts[n], close) && --depth === 0) return n + 1;
  }
  return -1;
}

/**
 * `struct|union|enum … { … } [__attribute__((…))] [;]` at token `i`: the index after it, -1 when its
 * body is not closed, undefined when no definition starts there.
 */
function definitionEnd(ts: readonly PpToken[], i: number): number | undefined {
  const t = ts[i];
  if (t?.kind !== 'ident' || (t.text !== 'struct' && t.text !== 'union' && t.text !== 'enum')) return undefined;
  // a definition has only names and ( ) [ ] groups between the keyword and its `{` (not `struct:probe`)
  let k = i + 1;
  while (k < ts.length && !isPunct(ts[k], '{')) {
    const u = ts[k]!;
    if (u.kind === 'ident') k++;
    else if (isPunct(u, '(') || isPunct(u, '[')) {
      const after = balanced(ts, k, u.text, u.text === '(' ? ')' : ']');
      if (after < 0) break;
      k = after;
    } else break;
  }
  if (!isPunct(ts[k], '{')) return undefined;
  let after = balanced(ts, k, '{', '}');
  if (after < 0) return -1;
  while (ts[after]?.kind === 'ident' && ts[after]!.text === '__attribute__' && isPunct(ts[after + 1], '(')) {
    const end = balanced(ts, after + 1, '(', ')');
    if (end < 0) break;
    after = end;
  }
  if (isPunct(ts[after], ';')) after++;
  return after;
}

/**
 * The text an identifier used as an expression in a probe stands for, or undefined when it names no
 * object-like macro. Macros in the value expand as C expands them (nested object-like and function-like
 * uses; a macro never expands inside itself). The caller parses the text as an expression and reports
 * problems in it at `use` (the identifier), as bpftrace does.
 */
export function expandScriptIdentifier(
  macros: ReadonlyMap<string, Macro>,
  name: string,
  use: Span,
  report?: (d: Diagnostic) => void,
): string | undefined {
  const m = macros.get(name);
  // an empty macro (`#define DEBUG`) is no value: bpftrace keeps only macros with a replacement
  if (!m || m.params || m.dynamic || m.body.length === 0) return undefined;
  const token: PpToken = {
    kind: 'ident',
    text: name,
    file: use.file,
    start: use.start,
    end: use.end,
    space: false,
    bol: false,
  };
  const expander = new Expander(macros as Map<string, Macro>, { report: report ?? (() => {}) });
  return joinTokens(expander.expand([token]));
}
