// C declarations as scripts and (preprocessed) headers write them: struct/union/enum definitions and
// forward declarations, typedefs, and the declarators around them. Syntax only: names are resolved and
// laid out by script-btf.ts. What a header holds besides types (function prototypes and bodies, extern
// variables, asm labels, _Static_assert) is parsed just enough to be skipped. Mistakes are diagnostics
// with spans; parsing goes on after the next `;` at the top level.
import { error, type Diagnostic } from '../diagnostics.ts';
import { span, type SourceFile, type Span } from '../source.ts';
import { lexC, type CToken } from './c-lexer.ts';

// ---- syntax tree ---------------------------------------------------------------------------------

export type CBinaryOp =
  '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '<' | '>' | '<=' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||';

/** An integer constant expression (array sizes, bitfield widths, enumerator values, aligned(N)). */
export type CExpr =
  | {
      readonly kind: 'int';
      readonly value: bigint;
      readonly unsigned: boolean;
      readonly longs: number;
      readonly span: Span;
    }
  | { readonly kind: 'ident'; readonly name: string; readonly span: Span }
  | { readonly kind: 'unary'; readonly op: '-' | '+' | '~' | '!'; readonly operand: CExpr; readonly span: Span }
  | {
      readonly kind: 'binary';
      readonly op: CBinaryOp;
      readonly left: CExpr;
      readonly right: CExpr;
      readonly span: Span;
    }
  | { readonly kind: 'cond'; readonly test: CExpr; readonly then: CExpr; readonly else: CExpr; readonly span: Span }
  | { readonly kind: 'sizeof' | 'alignof'; readonly type: CTypeName; readonly span: Span }
  | { readonly kind: 'cast'; readonly type: CTypeName; readonly operand: CExpr; readonly span: Span }
  /** Something a constant expression cannot hold here (a float, a string, a call): reported when evaluated. */
  | { readonly kind: 'unsupported'; readonly what: string; readonly span: Span };

/** The attributes scry acts on; the others are accepted and ignored. */
export interface CAttributes {
  readonly packed: boolean;
  /** `aligned(N)`; `aligned` alone is the target's biggest alignment (16 on x86-64). */
  readonly aligned?: CExpr | 'max';
  /** `mode(QI|HI|SI|DI)` on an integer typedef: its width. */
  readonly mode?: { readonly bytes: number; readonly span: Span };
}

export type CStorage = 'typedef' | 'extern' | 'static' | 'auto' | 'register';

export interface CQualifiers {
  readonly const: boolean;
  readonly volatile: boolean;
  readonly restrict: boolean;
}

export interface CField {
  readonly type: CSpecifiers;
  /** undefined: an anonymous struct/union member, or an unnamed bitfield (with a width). */
  readonly declarator?: CDeclarator;
  readonly bitWidth?: CExpr;
  readonly attributes: CAttributes;
  readonly span: Span;
}

export interface CEnumerator {
  readonly name: string;
  readonly value?: CExpr;
  readonly span: Span;
}

export type CTypeSpec =
  /** Builtin words, normalised and in a fixed order: 'unsigned int', 'long long', 'char', '_Bool', 'double'. */
  | { readonly kind: 'builtin'; readonly name: string; readonly span: Span }
  /** A typedef name (declared earlier here, in the base BTF, or one of the usual fallbacks). */
  | { readonly kind: 'named'; readonly name: string; readonly span: Span }
  | {
      readonly kind: 'struct' | 'union';
      readonly name?: string;
      /** undefined: a reference or forward declaration; []: an empty definition. */
      readonly fields?: readonly CField[];
      readonly attributes: CAttributes;
      readonly span: Span;
    }
  | {
      readonly kind: 'enum';
      readonly name?: string;
      readonly values?: readonly CEnumerator[];
      readonly attributes: CAttributes;
      readonly span: Span;
    };

/** Declaration specifiers without the storage class: the type, its qualifiers, its attributes. */
export interface CSpecifiers {
  readonly spec: CTypeSpec;
  readonly qualifiers: CQualifiers;
  readonly attributes: CAttributes;
  readonly span: Span;
}

export interface CParam {
  readonly type: CSpecifiers;
  readonly declarator: CDeclarator;
}

/** Applied to the declared name from the inside out: `*a[3]` is [array 3, pointer], `(*a)[3]` [pointer, array 3]. */
export type CDerived =
  | { readonly kind: 'pointer'; readonly qualifiers: CQualifiers; readonly span: Span }
  /** size undefined: `[]` (a flexible array member, or an incomplete array). */
  | { readonly kind: 'array'; readonly size?: CExpr; readonly span: Span }
  | { readonly kind: 'function'; readonly params: readonly CParam[]; readonly variadic: boolean; readonly span: Span };

export interface CDeclarator {
  /** undefined in an abstract declarator (`sizeof(int *)`, an unnamed parameter). */
  readonly name?: string;
  readonly nameSpan?: Span;
  readonly derived: readonly CDerived[];
  readonly attributes: CAttributes;
  readonly span: Span;
}

/** A type as `sizeof(...)` and casts write it. */
export interface CTypeName {
  readonly type: CSpecifiers;
  readonly declarator: CDeclarator;
  readonly span: Span;
}

/** One top-level declaration: `struct a {...};`, `typedef int t[4];`, `extern int x;`, a prototype. */
export interface CDeclaration {
  readonly storage?: CStorage;
  readonly type: CSpecifiers;
  readonly declarators: readonly CDeclarator[];
  /** From a header (not the script): what cannot be used there is dropped quietly, not reported. */
  readonly fromHeader: boolean;
  readonly span: Span;
}

// ---- entry point ---------------------------------------------------------------------------------

export interface CParseOptions {
  /**
   * 'script': declarations written in a bpftrace script, where a definition may end at its `}` without
   * a `;` (bpftrace adds it). 'header': text from an included header.
   */
  readonly mode?: 'script' | 'header';
  /**
   * Mixed text (a preprocessor's output holding headers and the script's own definitions): the mode
   * for the declaration starting at this offset, e.g. by the file its origin is in. Overrides `mode`.
   */
  readonly modeAt?: (offset: number) => 'script' | 'header';
  /** Where offsets come from, for spans (a preprocessor maps its output back to the files it read). */
  readonly spanOf?: (start: number, end: number) => Span;
  /** The range of `file.text` to parse; the whole text by default. */
  readonly start?: number;
  readonly end?: number;
  /** Typedef names known before this text (the base BTF's, earlier headers'): they start declarations. */
  readonly isTypedefName?: (name: string) => boolean;
}

export interface CParseResult {
  readonly declarations: CDeclaration[];
  readonly diagnostics: Diagnostic[];
  /** Typedef names this text declares (for the next text's isTypedefName). */
  readonly typedefNames: ReadonlySet<string>;
  /**
   * Header mode only: what was not understood and skipped (a declaration up to its `;`), for a verbose
   * mode or a later error that needs a type from there. Never shown by default: headers hold much
   * that scry does not need (GNU extensions in inline functions, typeof, vector types…).
   */
  readonly skipped: Diagnostic[];
}

export function parseCDeclarations(file: SourceFile, options: CParseOptions = {}): CParseResult {
  const { tokens, problems } = lexC(file.text, options.start ?? 0, options.end ?? file.text.length);
  const spanOf = options.spanOf ?? ((s: number, e: number) => span(file, s, e));
  const mode = options.mode ?? 'script';
  const p = new Parser(tokens, spanOf, options.modeAt ?? (() => mode), options.isTypedefName ?? (() => false));
  for (const q of problems) p.reportAt(q.start, error(q.message, spanOf(q.start, q.end)));
  p.translationUnit();
  return { declarations: p.declarations, diagnostics: p.diagnostics, typedefNames: p.typedefs, skipped: p.skipped };
}

// ---- parser --------------------------------------------------------------------------------------

/** Thrown inside the parser only, caught at the top level to resume after the next `;`. */
class Stop {}

/** A lookup table without Object.prototype behind it: `toString` is nobody's keyword. */
function words<T>(table: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, table);
}

const NO_ATTRIBUTES: CAttributes = { packed: false };
const NO_QUALIFIERS: CQualifiers = { const: false, volatile: false, restrict: false };

const QUALIFIER_WORDS: Record<string, keyof CQualifiers | 'ignore'> = words({
  const: 'const',
  __const: 'const',
  __const__: 'const',
  volatile: 'volatile',
  __volatile: 'volatile',
  __volatile__: 'volatile',
  restrict: 'restrict',
  __restrict: 'restrict',
  __restrict__: 'restrict',
  _Atomic: 'ignore',
  _Nonnull: 'ignore',
  _Nullable: 'ignore',
  __user: 'ignore',
  __kernel: 'ignore',
  __iomem: 'ignore',
  __rcu: 'ignore',
  __percpu: 'ignore',
  __force: 'ignore',
  __must_check: 'ignore',
});

const STORAGE_WORDS: Record<string, CStorage | 'ignore'> = words({
  typedef: 'typedef',
  extern: 'extern',
  static: 'static',
  auto: 'auto',
  register: 'register',
  inline: 'ignore',
  __inline: 'ignore',
  __inline__: 'ignore',
  _Noreturn: 'ignore',
  __thread: 'ignore',
  _Thread_local: 'ignore',
  thread_local: 'ignore',
  __extension__: 'ignore',
  constexpr: 'ignore',
});

/** Words that build a builtin type, in the order a normalised name lists them. */
const BUILTIN_WORDS = [
  'signed',
  'unsigned',
  'short',
  'long',
  'char',
  'int',
  '__int128',
  '_Bool',
  'float',
  'double',
  'void',
  '_Complex',
] as const;
type BuiltinWord = (typeof BUILTIN_WORDS)[number];
const BUILTIN_ALIASES: Record<string, BuiltinWord> = words({
  __signed: 'signed',
  __signed__: 'signed',
  __complex__: '_Complex',
});

const ATTRIBUTE_WORDS = new Set(['__attribute__', '__attribute', '__declspec']);
const ASM_WORDS = new Set(['asm', '__asm', '__asm__']);

class Parser {
  readonly declarations: CDeclaration[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly skipped: Diagnostic[] = [];
  /** The current declaration's mode (see CParseOptions.modeAt). */
  private mode: 'script' | 'header' = 'script';
  readonly typedefs = new Set<string>();
  private i = 0;
  /** Names that a declaration in scope made ordinary identifiers again (`typedef int t; int t;` is not valid C, but parameters shadow). */
  constructor(
    private readonly toks: readonly CToken[],
    private readonly spanOf: (start: number, end: number) => Span,
    private readonly modeAt: (offset: number) => 'script' | 'header',
    private readonly knownTypedef: (name: string) => boolean,
  ) {}

  reportAt(offset: number, d: Diagnostic): void {
    (this.modeAt(offset) === 'header' ? this.skipped : this.diagnostics).push(d);
  }

  /** A script's mistakes are errors; a header's are set aside (see CParseResult.skipped). */
  report(d: Diagnostic): void {
    (this.mode === 'header' ? this.skipped : this.diagnostics).push(d);
  }

  // -- tokens

  private get tok(): CToken {
    return this.toks[this.i]!;
  }
  private peek(n = 1): CToken {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private is(text: string): boolean {
    const t = this.tok;
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  private next(): CToken {
    const t = this.tok;
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.i++;
    return true;
  }
  private prevEnd(): number {
    return this.i > 0 ? this.toks[this.i - 1]!.end : this.tok.start;
  }
  private spanFrom(start: number): Span {
    return this.spanOf(start, Math.max(start, this.prevEnd()));
  }
  private fail(message: string, t: CToken = this.tok, hints?: string[]): never {
    const where = t.kind === 'eof' ? this.spanOf(this.prevEnd(), this.prevEnd()) : this.spanOf(t.start, t.end);
    this.report(error(message, where, hints));
    throw new Stop();
  }
  private expect(text: string, what: string, hints?: string[]): CToken {
    if (!this.is(text)) this.fail(`expected '${text}' ${what}${this.found()}`, this.tok, hints);
    return this.next();
  }
  private found(): string {
    const t = this.tok;
    return t.kind === 'eof' ? ', found the end of the declarations' : `, found '${t.text}'`;
  }
  private isTypedefName(name: string): boolean {
    return this.typedefs.has(name) || this.knownTypedef(name) || FALLBACK_TYPEDEF_NAMES.has(name);
  }

  // -- top level

  translationUnit(): void {
    while (this.tok.kind !== 'eof') {
      const before = this.i;
      this.mode = this.modeAt(this.tok.start);
      try {
        this.externalDeclaration();
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        this.recover(before);
      }
    }
  }

  /** After an error: skip to just past the next `;` outside brackets (or past a top-level `}` block). */
  private recover(before: number): void {
    if (this.i === before) this.next();
    let depth = 0;
    this.i = Math.max(this.i, before);
    while (this.tok.kind !== 'eof') {
      const t = this.next();
      if (t.kind !== 'punct') continue;
      if (t.text === '{' || t.text === '(' || t.text === '[') depth++;
      else if (t.text === '}' || t.text === ')' || t.text === ']') {
        depth = Math.max(0, depth - 1);
        if (depth === 0 && t.text === '}' && !this.is(';') && this.mode === 'script') return;
      } else if (t.text === ';' && depth === 0) return;
    }
  }

  private externalDeclaration(): void {
    const start = this.tok.start;
    if (this.accept(';')) return; // stray `;` is harmless
    if (this.is('_Static_assert') || this.is('static_assert')) {
      this.next();
      this.skipBalanced('(');
      this.expect(';', 'after _Static_assert');
      return;
    }
    if (ASM_WORDS.has(this.tok.text) && this.tok.kind === 'ident') {
      this.next(); // top-level asm("...");
      while (QUALIFIER_WORDS[this.tok.text] !== undefined) this.next();
      this.skipBalanced('(');
      this.expect(';', 'after asm');
      return;
    }
    const specs = this.specifiers(true);
    if (specs === undefined) {
      const t = this.tok;
      this.fail(
        t.kind === 'ident' ? `unknown type name '${t.text}'` : `expected a declaration${this.found()}`,
        t,
        t.kind === 'ident'
          ? ['declare it first (typedef, struct, union or enum), or include the header that does']
          : undefined,
      );
    }
    const { storage, type } = specs;
    const declarators: CDeclarator[] = [];
    const defines =
      (type.spec.kind === 'struct' || type.spec.kind === 'union' || type.spec.kind === 'enum') &&
      bodyOf(type.spec) !== undefined;
    if (!this.is(';') && !(this.mode === 'script' && defines && this.scriptDefinitionEnds())) {
      for (;;) {
        const d = this.declarator(false);
        this.asmLabelAndAttributes(d);
        // a function definition: its body is not ours
        if (this.is('{') && d.derived[0]?.kind === 'function') {
          this.skipBalanced('{');
          this.declarations.push({
            storage,
            type,
            declarators: [d],
            fromHeader: this.mode === 'header',
            span: this.spanFrom(start),
          });
          return;
        }
        if (this.accept('=')) this.skipInitializer();
        declarators.push(d);
        if (storage === 'typedef' && d.name !== undefined) this.typedefs.add(d.name);
        if (!this.accept(',')) break;
      }
      if (!this.is(';') && !(this.mode === 'script' && defines && this.tok.kind === 'eof')) {
        const what =
          storage === 'typedef'
            ? 'after the typedef'
            : defines
              ? `after the ${type.spec.kind} definition`
              : 'after the declaration';
        this.expect(';', what);
      }
    }
    this.accept(';');
    this.declarations.push({
      storage,
      type,
      declarators,
      fromHeader: this.mode === 'header',
      span: this.spanFrom(start),
    });
  }

  /** In a script a definition may stop at its `}`: what follows is the next declaration, or nothing. */
  private scriptDefinitionEnds(): boolean {
    const t = this.tok;
    return (
      t.kind === 'eof' ||
      (t.kind === 'ident' && (t.text === 'struct' || t.text === 'union' || t.text === 'enum' || t.text === 'typedef'))
    );
  }

  private asmLabelAndAttributes(d: CDeclarator): void {
    for (;;) {
      if (this.tok.kind === 'ident' && ASM_WORDS.has(this.tok.text)) {
        this.next();
        this.skipBalanced('(');
      } else if (this.tok.kind === 'ident' && ATTRIBUTE_WORDS.has(this.tok.text)) {
        Object.assign(d, { attributes: this.attributes(d.attributes) });
      } else return;
    }
  }

  /** Skips a bracketed group starting at the current `open` token, matching all bracket kinds. */
  private skipBalanced(open: '(' | '{' | '['): void {
    const start = this.tok;
    this.expect(open, open === '{' ? 'to start the body' : 'here');
    const stack: string[] = [CLOSE[open]];
    while (stack.length > 0) {
      const t = this.next();
      if (t.kind === 'eof') this.fail(`unbalanced '${open}': no matching '${CLOSE[open]}'`, start);
      if (t.kind !== 'punct') continue;
      const close = CLOSE[t.text as '(' | '{' | '['];
      if (close !== undefined) stack.push(close);
      else if (t.text === stack[stack.length - 1]) stack.pop();
      else if (t.text === ')' || t.text === '}' || t.text === ']') this.fail(`unbalanced '${t.text}'`, t);
    }
  }

  private skipInitializer(): void {
    while (!this.is(',') && !this.is(';') && this.tok.kind !== 'eof') {
      if (this.is('(') || this.is('{') || this.is('[')) this.skipBalanced(this.tok.text as '(' | '{' | '[');
      else this.next();
    }
  }

  // -- specifiers

  /**
   * Declaration specifiers, or undefined when the next token cannot start them. An identifier is a
   * type name when no other type word came before it and it is a known typedef, or (at the top level
   * and in members) when an identifier or `*` follows it: then it is reported as unknown when resolved.
   */
  private specifiers(storageAllowed: boolean): { storage?: CStorage; type: CSpecifiers } | undefined {
    const start = this.tok.start;
    let storage: CStorage | undefined;
    const quals = { const: false, volatile: false, restrict: false };
    let attributes: CAttributes = NO_ATTRIBUTES;
    const words: BuiltinWord[] = [];
    let spec: CTypeSpec | undefined;
    let wordsStart = -1;
    let any = false;
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'ident') break;
      const q = QUALIFIER_WORDS[t.text];
      const s = STORAGE_WORDS[t.text];
      const w = (BUILTIN_WORDS as readonly string[]).includes(t.text)
        ? (t.text as BuiltinWord)
        : BUILTIN_ALIASES[t.text];
      if (q !== undefined) {
        this.next();
        if (q !== 'ignore') quals[q] = true;
        if (t.text === '_Atomic' && this.is('(')) this.skipBalanced('('); // _Atomic(T): not laid out differently here
      } else if (s !== undefined) {
        this.next();
        if (s === 'ignore') {
          any ||= t.text !== '__extension__';
          continue;
        }
        if (!storageAllowed) this.fail(`'${t.text}' is not allowed here`, t);
        if (storage !== undefined) this.fail(`more than one storage class ('${storage}' and '${t.text}')`, t);
        storage = s;
      } else if (ATTRIBUTE_WORDS.has(t.text)) {
        attributes = this.attributes(attributes);
      } else if (t.text === '_Alignas' || t.text === 'alignas') {
        this.next();
        this.expect('(', `after '${t.text}'`);
        const n = this.constantExpression();
        this.expect(')', `to close '${t.text}('`);
        attributes = { ...attributes, aligned: n };
      } else if (w !== undefined) {
        if (spec !== undefined) this.fail(`'${t.text}' cannot follow '${specText(spec)}'`, t);
        if (wordsStart < 0) wordsStart = t.start;
        words.push(w);
        this.next();
      } else if (t.text === 'struct' || t.text === 'union' || t.text === 'enum') {
        if (spec !== undefined || words.length > 0)
          this.fail(`two types in one declaration ('${t.text}' after '${spec ? specText(spec) : words.join(' ')}')`, t);
        spec = t.text === 'enum' ? this.enumSpec() : this.recordSpec();
        // a script's definition may end at its `}`: `struct a {...} struct b {...}`
        if (this.mode === 'script' && bodyOf(spec) !== undefined && storageAllowed && this.scriptDefinitionEnds()) {
          any = true;
          break;
        }
      } else if (t.text === 'typeof' || t.text === '__typeof__' || t.text === '__typeof' || t.text === '__auto_type') {
        this.fail(`'${t.text}' is not supported in declarations`, t, ['write the type out']);
      } else if (spec === undefined && words.length === 0 && this.startsNamedType(t)) {
        this.next();
        spec = { kind: 'named', name: t.text, span: this.spanOf(t.start, t.end) };
      } else break;
      any = true;
    }
    if (words.length > 0)
      spec = { kind: 'builtin', name: this.builtinName(words, wordsStart), span: this.spanFrom(wordsStart) };
    if (spec === undefined) {
      if (!any && storage === undefined) return undefined;
      // `const x;`, `static x;`: implicit int is gone from C; name what is missing.
      this.fail(`expected a type${this.found()}`);
    }
    return { storage, type: { spec, qualifiers: quals, attributes, span: this.spanFrom(start) } };
  }

  private startsNamedType(t: CToken): boolean {
    if (this.isTypedefName(t.text)) return true;
    // an unknown name followed by a declarator: take it as a type, so the error says "unknown type name"
    const n = this.peek();
    return (
      (n.kind === 'ident' && !ATTRIBUTE_WORDS.has(n.text) && !ASM_WORDS.has(n.text)) ||
      (n.kind === 'punct' && n.text === '*')
    );
  }

  private builtinName(words: BuiltinWord[], start: number): string {
    const count = (w: BuiltinWord) => words.filter((x) => x === w).length;
    const where = this.spanFrom(start);
    const bad = (why: string): never => {
      this.report(error(`invalid type '${words.join(' ')}': ${why}`, where));
      throw new Stop();
    };
    for (const w of BUILTIN_WORDS) if (w !== 'long' && count(w) > 1) bad(`'${w}' twice`);
    if (count('long') > 2) bad("'long long long' is too long");
    if (count('signed') && count('unsigned')) bad("both 'signed' and 'unsigned'");
    if (count('_Complex')) bad('complex types are not supported');
    const sign = count('unsigned') ? 'unsigned ' : count('signed') ? 'signed ' : '';
    const base = words.filter((w) => w !== 'signed' && w !== 'unsigned' && w !== 'int');
    const key = base.join(' ');
    const longs = count('long');
    if (key === '' || (count('int') && /^(short|long|long long)$/.test(key))) {
      const width = longs === 2 ? 'long long' : longs === 1 ? 'long' : count('short') ? 'short' : 'int';
      return sign === 'unsigned ' ? `unsigned ${width}` : width;
    }
    if (key === 'short' || key === 'long' || key === 'long long') return sign === 'unsigned ' ? `unsigned ${key}` : key;
    if (key === 'char') return count('int') ? bad("'char' with 'int'") : `${sign}char`;
    if (key === '__int128')
      return count('int') ? bad("'__int128' with 'int'") : sign === 'unsigned ' ? 'unsigned __int128' : '__int128';
    if (key === '_Bool' || key === 'float' || key === 'double' || key === 'void' || key === 'long double') {
      if (sign !== '' || count('int')) bad(`'${key}' cannot be signed, unsigned or int`);
      return key;
    }
    return bad('these words do not make a type');
  }

  private recordSpec(): CTypeSpec {
    const kw = this.next();
    const kind = kw.text as 'struct' | 'union';
    let attributes = this.attributesIfAny(NO_ATTRIBUTES);
    let name: string | undefined;
    if (this.tok.kind === 'ident' && !ATTRIBUTE_WORDS.has(this.tok.text)) name = this.next().text;
    attributes = this.attributesIfAny(attributes);
    if (!this.is('{')) {
      if (name === undefined) this.fail(`expected a name or '{' after '${kind}'${this.found()}`);
      return { kind, name, attributes, span: this.spanFrom(kw.start) };
    }
    this.next();
    const fields: CField[] = [];
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') this.fail(`expected '}' to end ${kind} ${name ?? '(anonymous)'}${this.found()}`);
      const before = this.i;
      try {
        this.memberDeclaration(fields);
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        this.recoverInBody(before);
      }
    }
    this.next();
    // attributes after the closing brace apply to the type
    attributes = this.attributesIfAny(attributes);
    return { kind, name, fields, attributes, span: this.spanFrom(kw.start) };
  }

  /** Inside a body after an error: skip past the member's `;`, stopping before the body's `}`. */
  private recoverInBody(before: number): void {
    if (this.i === before && !this.is('}')) this.next();
    let depth = 0;
    while (this.tok.kind !== 'eof') {
      if (depth === 0 && this.is('}')) return;
      const t = this.next();
      if (t.text === '{' || t.text === '(' || t.text === '[') depth++;
      else if (t.text === '}' || t.text === ')' || t.text === ']') depth--;
      else if (t.text === ';' && depth === 0) return;
    }
  }

  private memberDeclaration(fields: CField[]): void {
    const start = this.tok.start;
    if (this.accept(';')) return;
    if (this.is('_Static_assert') || this.is('static_assert')) {
      this.next();
      this.skipBalanced('(');
      this.expect(';', 'after _Static_assert');
      return;
    }
    const specs = this.specifiers(false);
    if (specs === undefined) {
      const t = this.tok;
      if (t.kind === 'ident')
        this.fail(`unknown type name '${t.text}'`, t, [
          'declare it first (typedef, struct, union or enum), or include the header that does',
        ]);
      this.fail(`expected a member declaration${this.found()}`);
    }
    const type = specs.type;
    // `struct { int a; };` inside a struct: an anonymous member
    if (this.is(';')) {
      const s = type.spec;
      if ((s.kind === 'struct' || s.kind === 'union') && s.name === undefined && s.fields !== undefined) {
        fields.push({ type, attributes: NO_ATTRIBUTES, span: this.spanFrom(start) });
      } else if (s.kind !== 'enum' || s.values === undefined) {
        this.report(error('declaration does not declare anything', this.spanFrom(start), ['give the member a name']));
      }
      this.next();
      return;
    }
    for (;;) {
      const fieldStart = this.tok.start;
      let declarator: CDeclarator | undefined;
      if (!this.is(':')) declarator = this.declarator(false);
      let bitWidth: CExpr | undefined;
      if (this.accept(':')) bitWidth = this.constantExpression();
      const attributes = mergeAttributes(
        type.attributes,
        this.attributesIfAny(declarator?.attributes ?? NO_ATTRIBUTES),
      );
      fields.push({ type, declarator, bitWidth, attributes, span: this.spanFrom(fieldStart) });
      if (!this.accept(',')) break;
    }
    // gcc and clang accept a last member without `;` (a pedantic warning), and bpftrace's tests rely on it
    if (this.is('}')) return;
    this.expect(
      ';',
      'at the end of the member declaration',
      this.tok.kind === 'ident' ? ["each member ends with ';'"] : undefined,
    );
  }

  private enumSpec(): CTypeSpec {
    const kw = this.next();
    let attributes = this.attributesIfAny(NO_ATTRIBUTES);
    let name: string | undefined;
    if (this.tok.kind === 'ident' && !ATTRIBUTE_WORDS.has(this.tok.text)) name = this.next().text;
    attributes = this.attributesIfAny(attributes);
    if (this.accept(':')) this.fail('enums with a fixed underlying type are not supported', this.toks[this.i - 1]);
    if (!this.is('{')) {
      if (name === undefined) this.fail(`expected a name or '{' after 'enum'${this.found()}`);
      return { kind: 'enum', name, attributes, span: this.spanFrom(kw.start) };
    }
    this.next();
    const values: CEnumerator[] = [];
    while (!this.is('}')) {
      const t = this.tok;
      if (t.kind !== 'ident') this.fail(`expected an enumerator name${this.found()}`);
      this.next();
      this.attributesIfAny(NO_ATTRIBUTES); // deprecated(...) and friends
      const value = this.accept('=') ? this.constantExpression() : undefined;
      values.push({ name: t.text, value, span: this.spanFrom(t.start) });
      if (!this.accept(',')) break;
    }
    this.expect(
      '}',
      `to end enum ${name ?? '(anonymous)'}`,
      this.tok.kind === 'ident' ? ["enumerators are separated by ','"] : undefined,
    );
    attributes = this.attributesIfAny(attributes);
    return { kind: 'enum', name, values, attributes, span: this.spanFrom(kw.start) };
  }

  // -- attributes

  private attributesIfAny(a: CAttributes): CAttributes {
    while (this.tok.kind === 'ident' && ATTRIBUTE_WORDS.has(this.tok.text)) a = this.attributes(a);
    return a;
  }

  /** `__attribute__((a, b(args), ...))`: packed, aligned and mode are kept; others are skipped. */
  private attributes(a: CAttributes): CAttributes {
    const kw = this.next();
    this.expect('(', `after '${kw.text}'`);
    const double = this.accept('(');
    while (!this.is(')')) {
      const t = this.tok;
      if (t.kind !== 'ident') this.fail(`expected an attribute name${this.found()}`);
      this.next();
      const name = t.text.replace(/^__(.*)__$/, '$1');
      if (name === 'packed') a = { ...a, packed: true };
      else if (name === 'aligned') {
        if (this.accept('(')) {
          const n = this.constantExpression();
          this.expect(')', "to close 'aligned('");
          a = { ...a, aligned: n };
        } else a = { ...a, aligned: 'max' };
      } else if (name === 'mode' && this.is('(')) {
        this.next();
        const m = this.next();
        const bytes = MODES[m.text.replace(/^__(.*)__$/, '$1')];
        if (bytes === undefined) this.fail(`unsupported mode '${m.text}'`, m);
        this.expect(')', "to close 'mode('");
        a = { ...a, mode: { bytes, span: this.spanOf(t.start, this.prevEnd()) } };
      } else if (name === 'vector_size' || name === 'ext_vector_type') {
        this.fail(`vector types ('${t.text}') are not supported`, t); // would change the size: never guess it
      } else if (this.is('(')) this.skipBalanced('(');
      if (!this.accept(',')) break;
    }
    this.expect(')', `to close '${kw.text}('`);
    if (double) this.expect(')', `to close '${kw.text}(('`);
    return a;
  }

  // -- declarators

  /** `abstract`: the name may be missing (type names, parameters); otherwise it is required. */
  private declarator(abstract: boolean | 'maybe'): CDeclarator {
    const start = this.tok.start;
    const pointers: CDerived[] = [];
    let attributes: CAttributes = NO_ATTRIBUTES;
    while (this.is('*') || this.is('^')) {
      const star = this.next();
      const quals = { const: false, volatile: false, restrict: false };
      for (;;) {
        const q = QUALIFIER_WORDS[this.tok.text];
        if (this.tok.kind === 'ident' && q !== undefined) {
          this.next();
          if (q !== 'ignore') quals[q] = true;
        } else if (this.tok.kind === 'ident' && ATTRIBUTE_WORDS.has(this.tok.text))
          attributes = this.attributes(attributes);
        else break;
      }
      pointers.push({ kind: 'pointer', qualifiers: quals, span: this.spanFrom(star.start) });
    }
    let inner: CDerived[] = [];
    let name: string | undefined;
    let nameSpan: Span | undefined;
    attributes = this.attributesIfAny(attributes);
    // `(` starts a nested declarator unless it starts a parameter list (abstract: `int (int)`, `int ()`)
    if (this.is('(') && !(abstract !== false && this.startsParameters())) {
      this.next();
      const d = this.declarator(abstract);
      this.expect(')', 'to close the declarator');
      inner = [...d.derived];
      name = d.name;
      nameSpan = d.nameSpan;
      attributes = mergeAttributes(attributes, d.attributes);
    } else if (this.tok.kind === 'ident' && !ATTRIBUTE_WORDS.has(this.tok.text) && !ASM_WORDS.has(this.tok.text)) {
      const t = this.next();
      name = t.text;
      nameSpan = this.spanOf(t.start, t.end);
    } else if (abstract === false) {
      this.fail(`expected a name${this.found()}`);
    }
    const suffixes: CDerived[] = [];
    for (;;) {
      const s = this.tok.start;
      if (this.accept('[')) {
        while (
          this.tok.kind === 'ident' &&
          (QUALIFIER_WORDS[this.tok.text] !== undefined || this.tok.text === 'static')
        )
          this.next();
        const size = this.is(']') ? undefined : this.constantExpression();
        this.expect(']', 'to close the array size');
        suffixes.push({ kind: 'array', size, span: this.spanFrom(s) });
      } else if (this.is('(')) {
        this.next();
        const { params, variadic } = this.parameters();
        suffixes.push({ kind: 'function', params, variadic, span: this.spanFrom(s) });
      } else break;
    }
    attributes = this.attributesIfAny(attributes);
    return {
      name,
      nameSpan,
      derived: [...inner, ...suffixes, ...pointers.reverse()],
      attributes,
      span: this.spanFrom(start),
    };
  }

  /** At `(` in an abstract declarator: does a parameter list start here (a type, `)` or `...`)? */
  private startsParameters(): boolean {
    const n = this.peek();
    if (n.kind === 'punct') return n.text === ')' || n.text === '...';
    if (n.kind !== 'ident') return false;
    return (
      QUALIFIER_WORDS[n.text] !== undefined ||
      STORAGE_WORDS[n.text] !== undefined ||
      (BUILTIN_WORDS as readonly string[]).includes(n.text) ||
      BUILTIN_ALIASES[n.text] !== undefined ||
      n.text === 'struct' ||
      n.text === 'union' ||
      n.text === 'enum' ||
      this.isTypedefName(n.text)
    );
  }

  /** After `(`: parameters up to and including `)`. */
  private parameters(): { params: CParam[]; variadic: boolean } {
    const params: CParam[] = [];
    let variadic = false;
    if (this.accept(')')) return { params, variadic };
    for (;;) {
      if (this.accept('...')) {
        variadic = true;
        break;
      }
      const specs = this.specifiers(true);
      if (specs === undefined) {
        // K&R identifier lists, or an unknown type: a prototype is skipped anyway, so just find the `)`
        if (this.tok.kind === 'ident') this.fail(`unknown type name '${this.tok.text}'`);
        this.fail(`expected a parameter type${this.found()}`);
      }
      const declarator = this.declarator('maybe');
      params.push({ type: specs.type, declarator });
      if (!this.accept(',')) break;
    }
    this.expect(')', 'to close the parameter list');
    // `(void)` is no parameters
    if (params.length === 1 && !variadic) {
      const p = params[0]!;
      if (
        p.type.spec.kind === 'builtin' &&
        p.type.spec.name === 'void' &&
        p.declarator.derived.length === 0 &&
        p.declarator.name === undefined
      ) {
        return { params: [], variadic };
      }
    }
    return { params, variadic };
  }

  /** `int *`, `struct foo[4]`: for sizeof, _Alignof and casts. */
  private typeName(): CTypeName {
    const start = this.tok.start;
    const specs = this.specifiers(false);
    if (specs === undefined) this.fail(`expected a type${this.found()}`);
    const declarator = this.declarator(true);
    if (declarator.name !== undefined)
      this.fail(`unexpected name '${declarator.name}' in a type`, this.toks[this.i - 1]);
    return { type: specs.type, declarator, span: this.spanFrom(start) };
  }

  /** Can the token after `(` start a type name (a cast or sizeof(type))? */
  private startsTypeName(t: CToken): boolean {
    if (t.kind !== 'ident') return false;
    return (
      QUALIFIER_WORDS[t.text] !== undefined ||
      (BUILTIN_WORDS as readonly string[]).includes(t.text) ||
      BUILTIN_ALIASES[t.text] !== undefined ||
      t.text === 'struct' ||
      t.text === 'union' ||
      t.text === 'enum' ||
      this.isTypedefName(t.text)
    );
  }

  // -- constant expressions (C's precedence, no assignment or comma)

  constantExpression(): CExpr {
    const start = this.tok.start;
    const test = this.binary(0);
    if (!this.accept('?')) return test;
    const then = this.constantExpression();
    this.expect(':', "in '?:'");
    const otherwise = this.constantExpression();
    return { kind: 'cond', test, then, else: otherwise, span: this.spanFrom(start) };
  }

  private binary(minLevel: number): CExpr {
    const start = this.tok.start;
    let left = this.unary();
    for (;;) {
      const t = this.tok;
      const level = t.kind === 'punct' ? BINARY_LEVEL[t.text] : undefined;
      if (level === undefined || level < minLevel) return left;
      this.next();
      const right = this.binary(level + 1);
      left = { kind: 'binary', op: t.text as CBinaryOp, left, right, span: this.spanFrom(start) };
    }
  }

  private unary(): CExpr {
    const t = this.tok;
    const start = t.start;
    if (t.kind === 'punct' && (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!')) {
      this.next();
      const operand = this.unary();
      return { kind: 'unary', op: t.text, operand, span: this.spanFrom(start) };
    }
    if (
      t.kind === 'ident' &&
      (t.text === 'sizeof' ||
        t.text === '_Alignof' ||
        t.text === 'alignof' ||
        t.text === '__alignof__' ||
        t.text === '__alignof')
    ) {
      this.next();
      const kind = t.text === 'sizeof' ? 'sizeof' : 'alignof';
      if (this.is('(') && this.startsTypeName(this.peek())) {
        this.next();
        const type = this.typeName();
        this.expect(')', `to close '${t.text}('`);
        return { kind, type, span: this.spanFrom(start) };
      }
      this.unary();
      return { kind: 'unsupported', what: `${t.text} of an expression`, span: this.spanFrom(start) };
    }
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      if (this.startsTypeName(this.tok)) {
        const type = this.typeName();
        this.expect(')', 'to close the cast');
        const operand = this.unary();
        return { kind: 'cast', type, operand, span: this.spanFrom(start) };
      }
      const e = this.constantExpression();
      this.expect(')', "to close '('");
      return e;
    }
    return this.primary();
  }

  private primary(): CExpr {
    const t = this.tok;
    const where = this.spanOf(t.start, t.end);
    if (t.kind === 'int') {
      this.next();
      return { kind: 'int', value: t.value ?? 0n, unsigned: t.unsigned ?? false, longs: t.longs ?? 0, span: where };
    }
    if (t.kind === 'char') {
      this.next();
      return { kind: 'int', value: t.value ?? 0n, unsigned: false, longs: 0, span: where };
    }
    if (t.kind === 'ident') {
      this.next();
      if (this.is('(')) {
        this.skipBalanced('(');
        return { kind: 'unsupported', what: `a call to '${t.text}'`, span: this.spanFrom(t.start) };
      }
      return { kind: 'ident', name: t.text, span: where };
    }
    if (t.kind === 'float' || t.kind === 'string') {
      this.next();
      return { kind: 'unsupported', what: t.kind === 'float' ? 'a floating-point number' : 'a string', span: where };
    }
    this.fail(`expected a constant expression${this.found()}`);
  }
}

const MODES: Record<string, number> = words({ QI: 1, HI: 2, SI: 4, DI: 8, TI: 16, byte: 1, word: 8, pointer: 8 });

const CLOSE = { '(': ')', '{': '}', '[': ']' } as const;

const BINARY_LEVEL: Record<string, number> = words({
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
});

/**
 * Type names the usual headers would declare (stdint, the kernel's u32 family, size_t, pid_t): the
 * resolver uses the base BTF's typedef of that name when there is one, else the C meaning.
 */
export const FALLBACK_TYPEDEFS: ReadonlyMap<string, string> = new Map([
  ...(['8', '16', '32', '64'] as const).flatMap((n): [string, string][] => {
    const u = { '8': 'unsigned char', '16': 'unsigned short', '32': 'unsigned int', '64': 'unsigned long long' }[n];
    const s = { '8': 'signed char', '16': 'short', '32': 'int', '64': 'long long' }[n];
    return (
      [
        [`u${n}`, u],
        [`__u${n}`, u],
        [`s${n}`, s],
        [`__s${n}`, s],
        // glibc's stdint: 64-bit types are long on LP64
        [`uint${n}_t`, n === '64' ? 'unsigned long' : u],
        [`int${n}_t`, n === '64' ? 'long' : s],
        [`__uint${n}_t`, n === '64' ? 'unsigned long' : u],
        [`__int${n}_t`, n === '64' ? 'long' : s],
        [`__le${n}`, u],
        [`__be${n}`, u],
      ] satisfies [string, string][]
    ).filter(([name]) => !(n === '8' && /^__[lb]e/.test(name)));
  }),
  ['size_t', 'unsigned long'],
  ['ssize_t', 'long'],
  ['ptrdiff_t', 'long'],
  ['intptr_t', 'long'],
  ['uintptr_t', 'unsigned long'],
  ['pid_t', 'int'],
  ['uid_t', 'unsigned int'],
  ['gid_t', 'unsigned int'],
  ['off_t', 'long'],
  ['loff_t', 'long long'],
  ['time_t', 'long'],
  ['dev_t', 'unsigned int'],
  ['ino_t', 'unsigned long'],
  ['mode_t', 'unsigned int'],
  ['__int128_t', '__int128'],
  ['__uint128_t', 'unsigned __int128'],
  ['wchar_t', 'int'],
  // C23's keyword, the kernel's typedef: the base's `bool` when it has one, so types print as the kernel's
  ['bool', '_Bool'],
]);
const FALLBACK_TYPEDEF_NAMES = new Set(FALLBACK_TYPEDEFS.keys());

function bodyOf(s: CTypeSpec): unknown {
  return s.kind === 'enum' ? s.values : s.kind === 'struct' || s.kind === 'union' ? s.fields : undefined;
}

function specText(s: CTypeSpec): string {
  return s.kind === 'builtin' || s.kind === 'named' ? s.name : `${s.kind} ${s.name ?? '(anonymous)'}`;
}

function mergeAttributes(a: CAttributes, b: CAttributes): CAttributes {
  return { packed: a.packed || b.packed, aligned: b.aligned ?? a.aligned, mode: b.mode ?? a.mode };
}

export { NO_QUALIFIERS };
