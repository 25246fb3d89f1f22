// scry's C preprocessor (C11 6.10 with the GNU extensions system headers use): directives, conditionals,
// macros and #include, producing text plus a map from every output offset back to the file and offset it
// came from. Pure: headers are read through `resolveInclude`, which the runtime implements.
//
// Layout of the output: each line of a file stays one line (directive lines and skipped lines become
// empty ones, a multi-line macro call is followed by the newlines it spanned), so code in the main file
// keeps its line numbers as long as no #include is expanded before it; copied lines keep their indentation.
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { lineCol, sourceFile, type SourceFile, type Span } from '../source.ts';
import { evaluateCondition, isCExprError } from './cexpr.ts';
import { lexFile, type PpToken } from './preprocess-lexer.ts';
import { SourceMap, type Origin } from './preprocess-map.ts';
import {
  Expander,
  joinTokens,
  numberToken,
  parseDefine,
  sameDefinition,
  siteOf,
  siteSpan,
  stringToken,
  useLine,
  type Macro,
} from './preprocess-macros.ts';

export type { Macro } from './preprocess-macros.ts';
export { macroBodyText, macroDefinitionText } from './preprocess-macros.ts';
export type { Origin } from './preprocess-map.ts';
export { SourceMap } from './preprocess-map.ts';

export interface IncludeFound {
  readonly path: string;
  readonly text: string;
}
/** Not found: every path looked at, and why a candidate that exists could not be used (not a regular file…). */
export interface IncludeMissing {
  readonly tried: readonly string[];
  readonly problems?: readonly string[];
}
/**
 * Finds a header. `angled`: `<name>` (search paths only) rather than `"name"` (the including file's directory
 * first). `next`: #include_next, continue the search after the directory `fromFile` was found in.
 */
export type IncludeResolver = (
  name: string,
  angled: boolean,
  fromFile: string,
  next?: boolean,
) => IncludeFound | IncludeMissing;

export interface PreprocessOptions {
  /** `-D`: macro (`N` or `F(x)`) → replacement text */
  readonly defines?: Readonly<Record<string, string>>;
  /** `--include FILE`: each included, as by `#include "FILE"`, before the main file */
  readonly includeFiles?: readonly string[];
  readonly resolveInclude?: IncludeResolver;
  /** nested #include levels allowed (default 200) */
  readonly maxIncludeDepth?: number;
  /** preprocess only this part of the main file (a script's C definitions); offsets stay the file's */
  readonly range?: { readonly start: number; readonly end: number };
}

export interface PreprocessResult {
  readonly text: string;
  readonly map: SourceMap;
  /** the file and offset an output offset came from (a macro's expansion: the macro's name where used) */
  originOf(outputOffset: number): Origin | undefined;
  /** macros defined at the end (predefined and -D ones included) */
  readonly macros: ReadonlyMap<string, Macro>;
  readonly diagnostics: readonly Diagnostic[];
  /** every file read, the main file first */
  readonly files: readonly SourceFile[];
}

export const DEFAULT_MAX_INCLUDE_DEPTH = 200;
/** a diagnostic in a header names at most this many of the #include lines that led there, innermost first */
const MAX_INCLUDE_NOTES = 8;

/** Names the `defined` operator and #ifdef see as defined although no #define made them. */
const HAS_INCLUDE = new Set(['__has_include', '__has_include_next']);
/** Feature tests system headers guard with #ifdef; scry's answer is "no", so headers take their plain branch. */
const HAS_FEATURE = new Set([
  '__has_attribute',
  '__has_builtin',
  '__has_feature',
  '__has_extension',
  '__has_c_attribute',
  '__has_cpp_attribute',
  '__has_warning',
  '__has_declspec_attribute',
]);

const isPunct = (t: PpToken | undefined, text: string): boolean =>
  t !== undefined && t.kind === 'punct' && t.text === text;
const spanOf = (t: PpToken): Span => ({ file: t.file, start: t.start, end: t.end });
const spanFromTo = (a: PpToken, b: PpToken): Span => ({ file: a.file, start: a.start, end: Math.max(a.end, b.end) });

interface Conditional {
  readonly at: PpToken; // the `#` of the #if/#ifdef/#ifndef
  readonly nameTok: PpToken; // its `if`/`ifdef`/`ifndef`
  readonly directive: string;
  /** this group's lines are kept */
  active: boolean;
  /** the enclosing groups are all kept */
  readonly parentActive: boolean;
  /** some branch of this #if was taken */
  taken: boolean;
  elseAt?: PpToken;
}

export function preprocess(file: SourceFile, options: PreprocessOptions = {}): PreprocessResult {
  return new Preprocessor(file, options).run();
}

class Preprocessor {
  private readonly macros = new Map<string, Macro>();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly expander: Expander;
  private readonly map = new SourceMap();
  private readonly out: string[] = [];
  private outLength = 0;
  private atLineStart = true;
  private lastToken: PpToken | undefined;
  private readonly once = new Set<string>();
  private readonly files = new Map<string, { file: SourceFile; tokens: PpToken[] }>();
  /** the #include directives that led to the file being read, outermost first */
  private readonly includeStack: Span[] = [];
  private readonly maxDepth: number;
  private readonly openComments = new Map<SourceFile, number>();

  constructor(
    private readonly main: SourceFile,
    private readonly options: PreprocessOptions,
  ) {
    this.maxDepth = options.maxIncludeDepth ?? DEFAULT_MAX_INCLUDE_DEPTH;
    this.expander = new Expander(this.macros, { report: (d) => this.report(d) });
    this.defineDynamic();
  }

  run(): PreprocessResult {
    const commandLine = Object.entries(this.options.defines ?? {})
      .map(([k, v]) => `#define ${k} ${v.replace(/\r?\n/g, ' ')}\n`) // a value is one line, as -D gives it
      .join('');
    if (commandLine) this.processFile(sourceFile('<command line>', commandLine), 0, false);
    for (const name of this.options.includeFiles ?? []) {
      const at = sourceFile('<command line>', `#include "${name}"\n`);
      this.processFile(at, 0, false);
    }
    const { start, end } = this.options.range ?? { start: 0, end: this.main.text.length };
    this.files.set(this.main.name, { file: this.main, tokens: this.lex(this.main, start, end) });
    this.processTokens(this.main, this.files.get(this.main.name)!.tokens, 0, true);
    this.newLine();
    const text = this.out.join('');
    const map = this.map;
    return {
      text,
      map,
      originOf: (o) => map.originOf(o),
      macros: this.macros,
      diagnostics: this.diagnostics,
      files: [this.main, ...[...this.files.values()].map((f) => f.file).filter((f) => f !== this.main)],
    };
  }

  /** The file's tokens; an unterminated comment (which runs to the end) is reported after the last of them. */
  private lex(file: SourceFile, start = 0, end = file.text.length): PpToken[] {
    const { tokens, openComment } = lexFile(file, start, end);
    if (openComment !== undefined) this.openComments.set(file, openComment);
    return tokens;
  }

  private report(d: Diagnostic): void {
    // A mistake inside a header also says which #include lines led there, innermost first.
    if (this.includeStack.length > 0 && d.span && d.span.file !== this.main) {
      const related = [...this.includeStack]
        .reverse()
        .slice(0, MAX_INCLUDE_NOTES)
        .map((span) => ({ message: 'in the file included from here', span }));
      this.diagnostics.push({ ...d, related: [...(d.related ?? []), ...related] });
    } else this.diagnostics.push(d);
  }

  private processFile(file: SourceFile, depth: number, isMain: boolean): void {
    this.processTokens(file, this.lex(file), depth, isMain);
  }

  private processTokens(file: SourceFile, tokens: readonly PpToken[], depth: number, isMain: boolean): void {
    const conds: Conditional[] = [];
    const line = { file, line: 1 };
    let run: PpToken[] = [];
    const flush = () => {
      if (run.length > 0) this.emit(this.expander.expand(run), line);
      run = [];
    };
    let i = 0;
    // a shebang line (`#!/usr/bin/env bpftrace`) is no directive
    if (
      isMain &&
      isPunct(tokens[0], '#') &&
      isPunct(tokens[1], '!') &&
      tokens[1]!.start === tokens[0]!.end &&
      tokens[0]!.start === 0
    ) {
      i = 2;
      while (i < tokens.length && !tokens[i]!.bol) i++;
    }
    for (; i < tokens.length;) {
      const t = tokens[i]!;
      if (t.bol && isPunct(t, '#')) {
        flush();
        let j = i + 1;
        while (j < tokens.length && !tokens[j]!.bol) j++;
        this.directive(t, tokens.slice(i + 1, j), conds, depth);
        i = j;
        continue;
      }
      if (conds.every((c) => c.active)) run.push(t);
      i++;
    }
    flush();
    const comment = this.openComments.get(file);
    if (comment !== undefined)
      this.report(error('unterminated comment', { file, start: comment, end: comment + 2 }, ['close it with */']));
    for (const c of conds)
      this.report(
        error(`unterminated #${c.directive}`, spanFromTo(c.at, c.nameTok), [
          `add #endif before the end of ${file.name}`,
        ]),
      );
  }

  private directive(hash: PpToken, rest: PpToken[], conds: Conditional[], depth: number): void {
    const nameTok = rest[0];
    const active = conds.every((c) => c.active);
    if (!nameTok) return; // the null directive
    const name = nameTok.kind === 'ident' ? nameTok.text : '';
    const args = rest.slice(1);
    const at = spanFromTo(hash, rest[rest.length - 1]!);
    switch (name) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const parentActive = active;
        const value = parentActive ? this.condition(name, hash, nameTok, args) : false;
        conds.push({ at: hash, nameTok, directive: name, active: parentActive && value, parentActive, taken: value });
        return;
      }
      case 'elif':
      case 'elifdef':
      case 'elifndef': {
        const c = conds[conds.length - 1];
        if (!c)
          return this.report(
            error(`#${name} without #if`, at, ['start the conditional with #if, or remove this line']),
          );
        if (c.elseAt) return this.report(error(`#${name} after #else`, at, ['move it before the #else of this #if']));
        if (c.taken || !c.parentActive) {
          c.active = false;
          return;
        }
        const value = this.condition(
          name === 'elif' ? 'if' : name === 'elifdef' ? 'ifdef' : 'ifndef',
          hash,
          nameTok,
          args,
        );
        c.active = value;
        c.taken = value;
        return;
      }
      case 'else': {
        const c = conds[conds.length - 1];
        if (!c)
          return this.report(error('#else without #if', at, ['start the conditional with #if, or remove this line']));
        if (c.elseAt)
          return this.report(
            error('#else after #else', at, ['a conditional has at most one #else; did you miss an #endif?']),
          );
        c.elseAt = hash;
        c.active = c.parentActive && !c.taken;
        c.taken = true;
        return;
      }
      case 'endif':
        if (!conds.pop()) this.report(error('#endif without #if', at, ['remove this line, or add the #if it closes']));
        return;
    }
    if (!active) return;
    switch (name) {
      case 'define': {
        const m = parseDefine(args, at);
        if ('severity' in m) return this.report(m);
        const old = this.macros.get(m.name);
        if (old && !sameDefinition(old, m)) {
          const related = old.span ? [{ message: 'the previous definition', span: old.span }] : undefined;
          this.report({ ...warning(`"${m.name}" redefined`, m.span), related });
        }
        this.macros.set(m.name, m);
        return;
      }
      case 'undef': {
        const t = args[0];
        if (!t || t.kind !== 'ident')
          return this.report(error('#undef needs a macro name', t ? spanOf(t) : at, ['write #undef NAME']));
        if (args.length > 1) this.report(warning('extra tokens at end of #undef directive', spanOf(args[1]!)));
        this.macros.delete(t.text);
        return;
      }
      case 'include':
      case 'include_next':
        return this.include(hash, args, at, depth, name === 'include_next');
      case 'error':
      case 'warning': {
        const text = args.length > 0 ? hash.file.text.slice(args[0]!.start, args[args.length - 1]!.end) : '';
        const make = name === 'error' ? error : warning;
        return this.report(make(`#${name}${text ? ' ' + text : ''}`, at));
      }
      case 'pragma':
        if (args[0]?.text === 'once' && args[0].kind === 'ident') this.once.add(hash.file.name);
        return; // other pragmas do not change what the text means
      case 'line':
      case 'ident':
      case 'sccs':
        return;
    }
    if (/^[0-9]/.test(nameTok.text) && nameTok.kind === 'number') return; // `# 12 "file"`: a line marker
    this.report(
      error(`invalid preprocessing directive #${nameTok.text}`, at, [
        'directives are #define, #undef, #include, #if, #ifdef, #ifndef, #elif, #else, #endif, #error, #warning, #pragma, #line',
      ]),
    );
  }

  /** Whether a #if / #ifdef / #ifndef group is kept; a malformed condition is reported and counts as false. */
  private condition(kind: 'if' | 'ifdef' | 'ifndef', hash: PpToken, nameTok: PpToken, args: PpToken[]): boolean {
    if (kind !== 'if') {
      const t = args[0];
      if (!t) {
        this.report(error(`#${kind} needs a macro name`, spanOf(nameTok), [`write #${kind} NAME`]));
        return false;
      }
      if (t.kind !== 'ident') {
        this.report(error(`macro names must be identifiers, not '${t.text}'`, spanOf(t)));
        return false;
      }
      if (args.length > 1) this.report(warning(`extra tokens at end of #${kind} directive`, spanOf(args[1]!)));
      return this.isDefined(t.text) === (kind === 'ifdef');
    }
    if (args.length === 0) {
      this.report(error('#if with no expression', spanFromTo(hash, nameTok), ['write a condition, e.g. #if N > 2']));
      return false;
    }
    const resolved = this.resolveDefinedAndHasInclude(args, hash);
    if (!resolved) return false;
    const expanded = this.resolveFeatureTests(this.expander.expand(resolved), hash);
    if (!expanded) return false;
    const v = evaluateCondition(expanded);
    if (isCExprError(v)) {
      const where = v.token ? siteSpan(v.token) : spanFromTo(hash, args[args.length - 1]!);
      this.report(error(v.message, where, v.hint ? [v.hint] : undefined));
      return false;
    }
    return v.value !== 0n;
  }

  private isDefined(name: string): boolean {
    return this.macros.has(name) || HAS_INCLUDE.has(name) || HAS_FEATURE.has(name);
  }

  /** `defined X`, `defined(X)` and `__has_include(<…>)` become 0 or 1 before macros expand (their operands must not). */
  private resolveDefinedAndHasInclude(args: readonly PpToken[], hash: PpToken): PpToken[] | undefined {
    const out: PpToken[] = [];
    for (let k = 0; k < args.length; k++) {
      const t = args[k]!;
      if (t.kind === 'ident' && t.text === 'defined') {
        const paren = isPunct(args[k + 1], '(');
        const nameTok = args[k + (paren ? 2 : 1)];
        if (!nameTok || nameTok.kind !== 'ident' || (paren && !isPunct(args[k + 3], ')'))) {
          this.report(
            error('operator "defined" requires an identifier', spanOf(nameTok ?? t), [
              'write defined(NAME) or defined NAME',
            ]),
          );
          return undefined;
        }
        out.push({ ...t, kind: 'number', text: this.isDefined(nameTok.text) ? '1' : '0' });
        k += paren ? 3 : 1;
        continue;
      }
      if (t.kind === 'ident' && HAS_INCLUDE.has(t.text) && isPunct(args[k + 1], '(')) {
        const close = args.findIndex(
          (a, n) =>
            n > k + 1 &&
            isPunct(a, ')') &&
            !(n > k + 2 && isPunct(args[k + 2], '<') && !args.slice(k + 2, n).some((x) => isPunct(x, '>'))),
        );
        const header = close < 0 ? undefined : this.headerName(args.slice(k + 2, close));
        if (!header) {
          this.report(error(`${t.text} needs a header name: ${t.text}(<file.h>) or ${t.text}("file.h")`, spanOf(t)));
          return undefined;
        }
        const found = this.options.resolveInclude?.(
          header.name,
          header.angled,
          hash.file.name,
          t.text === '__has_include_next',
        );
        out.push({ ...t, kind: 'number', text: found && 'path' in found ? '1' : '0' });
        k = close;
        continue;
      }
      out.push(t);
    }
    return out;
  }

  /** After expansion: `__has_attribute(x)` and the like are 0 (scry knows no compiler features). */
  private resolveFeatureTests(ts: readonly PpToken[], hash: PpToken): PpToken[] | undefined {
    const out: PpToken[] = [];
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k]!;
      if (t.kind === 'ident' && (HAS_FEATURE.has(t.text) || HAS_INCLUDE.has(t.text)) && isPunct(ts[k + 1], '(')) {
        let depth = 0;
        let n = k + 1;
        for (; n < ts.length; n++) {
          if (isPunct(ts[n], '(')) depth++;
          else if (isPunct(ts[n], ')') && --depth === 0) break;
        }
        if (n >= ts.length) {
          this.report(error(`missing ')' after ${t.text}(`, siteSpan(t)));
          return undefined;
        }
        let value = '0';
        if (HAS_INCLUDE.has(t.text)) {
          const header = this.headerName(ts.slice(k + 2, n));
          const found =
            header &&
            this.options.resolveInclude?.(header.name, header.angled, hash.file.name, t.text === '__has_include_next');
          value = found && 'path' in found ? '1' : '0';
        }
        out.push({ ...t, kind: 'number', text: value });
        k = n;
        continue;
      }
      out.push(t);
    }
    return out;
  }

  /** `"name"` or `< tokens >` → the header's name as written. */
  private headerName(ts: readonly PpToken[]): { name: string; angled: boolean } | undefined {
    const first = ts[0];
    if (!first) return undefined;
    if (first.kind === 'string' && ts.length >= 1 && first.text.startsWith('"'))
      return { name: first.text.slice(1, -1), angled: false };
    if (isPunct(first, '<')) {
      const gt = ts.findIndex((t, n) => n > 0 && isPunct(t, '>'));
      if (gt < 0) return undefined;
      const inner = ts.slice(1, gt);
      // Straight from the file when the tokens are (spelling matters: `linux` must not have become 1).
      const last = inner[inner.length - 1];
      if (inner.length > 0 && !inner.some((t) => t.site) && inner.every((t) => t.file === first.file) && last)
        return { name: first.file.text.slice(inner[0]!.start, last.end), angled: true };
      return { name: joinTokens(inner), angled: true };
    }
    return undefined;
  }

  private include(hash: PpToken, args: PpToken[], at: Span, depth: number, next: boolean): void {
    const directive = next ? '#include_next' : '#include';
    // `#include MACRO` names the header after expansion; `<linux/x.h>` is taken as written
    const header = this.headerName(args) ?? this.headerName(this.expander.expand(args));
    if (!header) {
      this.report(
        error(`${directive} expects "FILE" or <FILE>`, at, ['write #include <linux/types.h> or #include "file.h"']),
      );
      return;
    }
    const shown = header.angled ? `<${header.name}>` : `"${header.name}"`;
    if (depth + 1 > this.maxDepth) {
      this.report(
        error(`#include nested more than ${this.maxDepth} levels deep (at ${shown})`, at, [
          'a header probably includes itself: guard it with #pragma once or #ifndef/#define/#endif',
        ]),
      );
      return;
    }
    const resolver = this.options.resolveInclude;
    const found = resolver ? resolver(header.name, header.angled, hash.file.name, next) : { tried: [] as string[] };
    if (!('path' in found)) {
      const hints = [
        found.tried.length > 0 ? `looked for it in: ${found.tried.join(', ')}` : 'no include directories were given',
        ...(found.problems ?? []),
      ];
      if (!header.angled) hints.push('add the directory that holds it with -I DIR');
      else hints.push('install the header, or add its directory with -I DIR');
      this.report(error(`cannot find header ${shown}`, at, hints));
      return;
    }
    if (this.once.has(found.path)) return;
    let cached = this.files.get(found.path);
    if (!cached || cached.file.text !== found.text) {
      const file = sourceFile(found.path, found.text);
      cached = { file, tokens: this.lex(file) };
      this.files.set(found.path, cached);
    }
    this.includeStack.push(at);
    try {
      this.newLine();
      this.processTokens(cached.file, cached.tokens, depth + 1, false);
      this.newLine();
    } finally {
      this.includeStack.pop();
    }
  }

  private defineDynamic(): void {
    const dynamic = (name: string, f: (use: PpToken) => PpToken) =>
      this.macros.set(name, { name, variadic: false, body: [], dynamic: f });
    dynamic('__FILE__', (use) => stringToken(use, useLine(use).file.name));
    dynamic('__LINE__', (use) => numberToken(use, useLine(use).line));
    dynamic('__COUNTER__', (use) => numberToken(use, this.expander.counter++));
    dynamic('__INCLUDE_LEVEL__', (use) => numberToken(use, this.includeStack.length));
  }

  // ---- output ----

  private write(s: string): void {
    this.out.push(s);
    this.outLength += s.length;
  }

  private newLine(): void {
    if (!this.atLineStart) this.write('\n');
    this.atLineStart = true;
    this.lastToken = undefined;
  }

  private emit(tokens: readonly PpToken[], line: { file: SourceFile; line: number }): void {
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!;
      // _Pragma("…") is a #pragma written as an operator; pragmas change nothing here
      if (
        t.kind === 'ident' &&
        t.text === '_Pragma' &&
        isPunct(tokens[k + 1], '(') &&
        tokens[k + 2]?.kind === 'string' &&
        isPunct(tokens[k + 3], ')')
      ) {
        k += 3;
        continue;
      }
      const site = siteOf(t);
      if (site.file === line.file) {
        const l = lineCol(site.file, site.start).line;
        if (l > line.line) {
          // as many line breaks as the file has between the two tokens, so lines stay aligned
          this.write('\n'.repeat(l - line.line));
          line.line = l;
          this.atLineStart = true;
          this.lastToken = undefined;
        }
      }
      if (this.atLineStart) {
        const lineStart = site.file.lineStarts[lineCol(site.file, site.start).line - 1] ?? 0;
        const indent = site.file.text.slice(lineStart, site.start);
        if (/^[ \t]*$/.test(indent)) this.write(indent);
      } else if (t.space || (this.lastToken && this.wouldPaste(this.lastToken, t))) this.write(' ');
      const verbatim = t.site === undefined;
      this.map.add(this.outLength, verbatim ? t.end - t.start : site.end - site.start, site.file, site.start, verbatim);
      this.write(t.text);
      this.atLineStart = false;
      this.lastToken = t;
    }
  }

  /** Two tokens that were not adjacent in a file would lex as one when written side by side. */
  private wouldPaste(a: PpToken, b: PpToken): boolean {
    if (!a.site && !b.site && a.file === b.file && a.end === b.start) return false;
    const probe = sourceFile('', a.text + b.text);
    const first = lexFile(probe).tokens[0];
    return first !== undefined && first.text.length > a.text.length;
  }
}
