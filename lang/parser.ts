// The grammar (rules only). cst-to-ast.ts turns its CST into the AST; parse.ts drives both.
//
// Kept lean on purpose, since the whole grammar is analysed when the CLI starts: binary operators are one
// flat rule (precedence is applied when the AST is built), and the few places where LL(1) is not enough
// (casts, sizeof/offsetof of a type) are decided by small look-ahead gates instead of backtracking.
// Children whose order matters carry a shared LABEL so they land in one array, in source order.
import {
  Alternation,
  CstParser,
  EMPTY_ALT,
  EOF,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Terminal,
  type Alternative,
  type ILookaheadStrategy,
  type IOrAlt,
  type IParserErrorMessageProvider,
  type IProduction,
  type IToken,
  type OptionalProductionType,
  type Rule,
  type TokenType,
} from 'chevrotain';
import * as T from './tokens.ts';
import { loadRule, type SavedGrammar } from './grammar-saved.ts';

/** Identifiers that are builtins (never type names, so `(pid)` is a parenthesised expression). */
const builtinNames = new Set([
  'pid',
  'tid',
  'uid',
  'gid',
  'nsecs',
  'elapsed',
  'cpu',
  'numaid',
  'comm',
  'kstack',
  'ustack',
  'curtask',
  'rand',
  'cgroup',
  'ctx',
  'probe',
  'func',
  'retval',
  'args',
  'username',
  'cpid',
  'jiffies',
  'ncpus',
]);
function isBuiltinName(name: string): boolean {
  return builtinNames.has(name) || /^s?arg[0-9]+$/.test(name);
}
/** Names that are always types, whatever follows `(name)`. */
function isTypeWord(name: string): boolean {
  return /^(?:u?int(?:8|16|32|64)|bool|void|char|string|buffer|inet)$/.test(name);
}

/** Tokens that can begin an operand (so `(name)` before one of them is a cast). */
const operandStart = new Set<TokenType>([
  T.Identifier,
  T.IntLiteral,
  T.StringLiteral,
  T.Variable,
  T.Positional,
  T.MapName,
  T.LParen,
  T.Bang,
  T.Tilde,
  T.Minus,
  T.Star,
  T.Amp,
  T.PlusPlus,
  T.MinusMinus,
  T.True,
  T.False,
  T.Sizeof,
  T.Offsetof,
]);
const blockEnd = new Set<TokenType>([T.RCurly, T.AngleClose, EOF]);

/**
 * LL(1) decisions from plain first sets. The grammar is LL(1) apart from its gated alternatives, and this
 * builds the decision functions in a fraction of the time Chevrotain's general LL(k) machinery takes at
 * start-up. With `validate`, the parser uses Chevrotain's own strategy and checks (tests compare both).
 */
class FirstSetLookahead implements ILookaheadStrategy {
  private readonly firstOfRule = new Map<Rule, First>();

  validate() {
    return [];
  }

  buildLookaheadForAlternation(o: { prodOccurrence: number; rule: Rule; hasPredicates: boolean }) {
    const alt = findProduction(o.rule.definition, Alternation, o.prodOccurrence);
    const firsts = alt.definition.map((a) => this.first((a as Alternative).definition));
    const nullable = firsts.findIndex((f) => f.nullable);
    if (o.hasPredicates)
      return function (this: CstParser, orAlts?: IOrAlt<unknown>[]): number | undefined {
        const t = this.LA(1).tokenTypeIdx;
        for (let i = 0; i < firsts.length; i++) {
          const gate = orAlts?.[i]?.GATE;
          if (gate && !gate.call(this)) continue;
          if (firsts[i]!.nullable || firsts[i]!.set.has(t)) return i;
        }
        return undefined;
      };
    const choice = new Map<number, number>();
    firsts.forEach((f, i) => f.set.forEach((t) => choice.has(t) || choice.set(t, i)));
    return function (this: CstParser): number | undefined {
      return choice.get(this.LA(1).tokenTypeIdx) ?? (nullable === -1 ? undefined : nullable);
    };
  }

  buildLookaheadForOptional(o: { prodOccurrence: number; prodType: OptionalProductionType; rule: Rule }) {
    const kind = { Option, Repetition, RepetitionMandatory, RepetitionMandatoryWithSeparator, RepetitionWithSeparator }[
      o.prodType
    ];
    const set = this.first(findProduction(o.rule.definition, kind, o.prodOccurrence).definition).set;
    return function (this: CstParser): boolean {
      return set.has(this.LA(1).tokenTypeIdx);
    };
  }

  private first(prods: readonly IProduction[]): First {
    const set = new Set<number>();
    for (const p of prods) {
      const f = this.firstOf(p);
      f.set.forEach((t) => set.add(t));
      if (!f.nullable) return { set, nullable: false };
    }
    return { set, nullable: true };
  }

  private firstOf(p: IProduction): First {
    if (p instanceof Terminal) {
      const t = p.terminalType;
      return { set: new Set([t.tokenTypeIdx!, ...(t.categoryMatches ?? [])]), nullable: false };
    }
    if (p instanceof NonTerminal) {
      let f = this.firstOfRule.get(p.referencedRule);
      if (!f) {
        f = { set: new Set(), nullable: false }; // the grammar has no left recursion
        this.firstOfRule.set(p.referencedRule, f);
        const r = this.first(p.referencedRule.definition);
        r.set.forEach((t) => f!.set.add(t));
        f.nullable = r.nullable;
      }
      return f;
    }
    if (p instanceof Alternation) {
      const set = new Set<number>();
      let nullable = false;
      for (const a of p.definition) {
        const f = this.first((a as Alternative).definition);
        f.set.forEach((t) => set.add(t));
        nullable ||= f.nullable;
      }
      return { set, nullable };
    }
    const f = this.first((p as unknown as { definition: IProduction[] }).definition);
    const optional = p instanceof Option || p instanceof Repetition || p instanceof RepetitionWithSeparator;
    return { set: f.set, nullable: f.nullable || optional };
  }
}

interface First {
  set: Set<number>;
  nullable: boolean;
}

/** The production of a kind with a given occurrence index inside a rule (not looking into other rules). */
function findProduction<P extends { idx: number; definition: IProduction[] }>(
  prods: readonly IProduction[],
  kind: new (...args: never[]) => P,
  idx: number,
): P {
  const found = search(prods);
  if (!found) throw new Error(`internal error: no ${kind.name} #${idx} in the grammar`);
  return found;
  function search(list: readonly IProduction[]): P | undefined {
    for (const p of list) {
      if (p instanceof kind && p.idx === idx) return p;
      if (p instanceof NonTerminal || p instanceof Terminal) continue;
      const inner = (p as unknown as { definition?: IProduction[] }).definition;
      const hit = inner && search(inner);
      if (hit) return hit;
    }
    return undefined;
  }
}

/**
 * The token types for the parser's constructor, which analyses their categories (tokens.ts makes them without):
 * it picks its token matcher before that, by whether some type has category members already, so a category that
 * has none yet is given a placeholder (the analysis replaces it), else the parser would match no category.
 */
function tokensAnalysed(): TokenType[] {
  if (T.Operand.categoryMatches === undefined) T.Operand.categoryMatches = [-1];
  return T.allTokens;
}

/** The grammar model scripts/build.mjs recorded (lang/grammar-saved.ts); absent when running from source. */
declare const __SCRY_GRAMMAR__: string | undefined;

let built: SavedGrammar | undefined;
function builtGrammar(): SavedGrammar | undefined {
  if (typeof __SCRY_GRAMMAR__ === 'string') built ??= JSON.parse(__SCRY_GRAMMAR__) as SavedGrammar;
  return built;
}

/** Chevrotain's recording steps, which the parser replaces when it has a saved model. */
interface Recorder {
  enableRecording(): void;
  disableRecording(): void;
  topLevelRuleRecord(name: string, def: () => void): Rule;
}
const recorder = CstParser.prototype as unknown as Recorder;

export class ScryParser extends CstParser {
  /** while the parser is built: the rules' models, taken instead of recorded */
  private saved: SavedGrammar | undefined;

  /**
   * `saved`: the rules' models, as saveGrammar() made them from a parser of this grammar; by default the one in
   * the bundle (none from source). A parser that validates always records.
   */
  constructor(errorMessageProvider: IParserErrorMessageProvider, validate: boolean, saved = builtGrammar()) {
    super(tokensAnalysed(), {
      maxLookahead: 1,
      recoveryEnabled: false,
      skipValidations: !validate,
      errorMessageProvider,
      ...(validate ? {} : { lookaheadStrategy: new FirstSetLookahead() }),
    });
    this.saved = validate ? undefined : saved;
    this.performSelfAnalysis();
    this.saved = undefined;
  }

  // Chevrotain's performSelfAnalysis records each rule between these two: with a saved model, nothing to switch
  enableRecording(): void {
    if (this.saved) (this as unknown as { RECORDING_PHASE: boolean }).RECORDING_PHASE = true;
    else recorder.enableRecording.call(this);
  }

  disableRecording(): void {
    if (this.saved) (this as unknown as { RECORDING_PHASE: boolean }).RECORDING_PHASE = false;
    else recorder.disableRecording.call(this);
  }

  topLevelRuleRecord(name: string, def: () => void): Rule {
    const saved = this.saved?.[name];
    if (this.saved && !saved) throw new Error(`internal error: the saved grammar has no rule ${name} (rebuild)`);
    return saved ? loadRule(saved) : recorder.topLevelRuleRecord.call(this, name, def);
  }

  /** A type name written at LA(1..): `struct x`, or a name with `*` / `[N]` suffixes, then `closer`. */
  private typeAhead(closer: TokenType): { at: number; name: string; pointer: boolean; array: boolean } | undefined {
    const first = this.LA(1).tokenType;
    if (first === T.Struct || first === T.Union || first === T.Enum)
      return { at: 0, name: '', pointer: false, array: false };
    if (first !== T.Identifier) return undefined;
    let i = 2;
    let pointer = false;
    let array = false;
    for (;;) {
      const t = this.LA(i).tokenType;
      if (t === T.Star) {
        pointer = true;
        i++;
      } else if (t === T.LBracket) {
        const n = this.LA(i + 1).tokenType;
        if (n === T.RBracket) i += 2;
        else if (n === T.IntLiteral && this.LA(i + 2).tokenType === T.RBracket) i += 3;
        else return undefined;
        array = true;
      } else break;
    }
    if (this.LA(i).tokenType !== closer) return undefined;
    return { at: i, name: this.LA(1).image, pointer, array };
  }

  /** After `(`: is this a cast `(type)operand`? */
  private castAhead(): boolean {
    const t = this.typeAhead(T.RParen);
    if (!t) return false;
    if (!t.name || isTypeWord(t.name) || t.pointer) return true;
    if (isBuiltinName(t.name)) return false;
    return operandStart.has(this.LA(t.at + 1).tokenType);
  }

  /** After `sizeof(` / `offsetof(`: is the argument a type? Bare non-builtin names are types, as in bpftrace. */
  private typeArgAhead(closer: TokenType): boolean {
    const t = this.typeAhead(closer);
    return !!t && (!t.name || t.pointer || t.array || isTypeWord(t.name) || !isBuiltinName(t.name));
  }

  /**
   * `typeof(…)` at LA(1..) and then `closer`: where a type is written, `typeof(uint8)` and `typeof($x)` are types
   * (bpftrace v0.26). Its parentheses are matched; a bare `typeof(x)` elsewhere stays a call.
   */
  private typeofAhead(closer: TokenType): boolean {
    if (this.LA(1).tokenType !== T.Identifier || this.LA(1).image !== 'typeof' || this.LA(2).tokenType !== T.LParen)
      return false;
    let depth = 0;
    for (let i = 2; ; i++) {
      const t = this.LA(i).tokenType;
      if (t === T.LParen) depth++;
      else if (t === T.RParen && --depth === 0) return this.LA(i + 1).tokenType === closer;
      else if (t === EOF) return false;
    }
  }

  /** `;` ends a simple statement; it may be left out before the end of the block. */
  private endStatement(): void {
    this.OR9([
      { ALT: () => this.CONSUME9(T.Semi) },
      { GATE: () => blockEnd.has(this.LA(1).tokenType), ALT: EMPTY_ALT() },
    ]);
  }

  program = this.RULE('program', () => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Directive) },
        { ALT: () => this.SUBRULE(this.configBlock) },
        { ALT: () => this.SUBRULE(this.mapDecl) },
        { ALT: () => this.SUBRULE(this.macroDef) },
        { ALT: () => this.SUBRULE(this.probe) },
      ]),
    );
  });

  /** `macro name($var, @map, expr) { … }` (bpftrace v0.26): expanded where it is used, by lang/script-macros.ts */
  macroDef = this.RULE('macroDef', () => {
    this.CONSUME(T.Macro);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.LParen);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () =>
        this.OR([
          { ALT: () => this.CONSUME(T.Variable, { LABEL: 'param' }) },
          { ALT: () => this.CONSUME(T.MapName, { LABEL: 'param' }) },
          { ALT: () => this.CONSUME2(T.Identifier, { LABEL: 'param' }) },
        ]),
    });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  /** `let @name = lruhash(100);` before the probes (bpftrace v0.26 map declarations) */
  mapDecl = this.RULE('mapDecl', () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.MapName);
    this.CONSUME(T.Assign);
    this.CONSUME(T.Identifier, { LABEL: 'mapKind' });
    this.CONSUME(T.LParen);
    this.OPTION(() => this.CONSUME(T.IntLiteral, { LABEL: 'size' }));
    this.CONSUME(T.RParen);
    this.OPTION2(() => this.CONSUME(T.Semi));
  });

  configBlock = this.RULE('configBlock', () => {
    this.CONSUME(T.Config);
    this.CONSUME(T.Assign);
    this.CONSUME(T.LCurly);
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Semi) },
        {
          ALT: () => {
            this.CONSUME(T.Identifier, { LABEL: 'name' });
            this.CONSUME2(T.Assign);
            this.CONSUME(T.ConfigValue, { LABEL: 'value' });
            this.endStatement();
          },
        },
      ]),
    );
    this.CONSUME(T.RCurly);
  });

  probe = this.RULE('probe', () => {
    this.CONSUME(T.AttachPoint);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.OPTION(() => this.CONSUME2(T.AttachPoint)); // a trailing comma is fine, as in bpftrace
    });
    this.OPTION2(() => {
      this.CONSUME(T.PredOpen);
      this.SUBRULE(this.expr, { LABEL: 'predicate' });
      this.CONSUME(T.PredClose);
    });
    this.OR([{ ALT: () => this.SUBRULE(this.block) }, { ALT: () => this.SUBRULE(this.angleBlock) }]);
  });

  /** `{ … }`: no choice to make (a `< … >` block is only a probe's), so each nesting level costs little stack */
  block = this.RULE('block', () => {
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.SUBRULE(this.statements);
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  /** a probe's compact `< … >` body (the lexer makes AngleOpen only at the top level) */
  angleBlock = this.RULE('angleBlock', () => {
    this.CONSUME(T.AngleOpen, { LABEL: 'open' });
    this.SUBRULE(this.statements);
    this.CONSUME(T.AngleClose, { LABEL: 'close' });
  });

  statements = this.RULE('statements', () => {
    this.MANY(() =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { ALT: () => this.CONSUME(T.Semi) },
          { ALT: () => this.SUBRULE(this.ifStmt, { LABEL: 'stmt' }) },
          { ALT: () => this.SUBRULE(this.loopStmt, { LABEL: 'stmt' }) },
          { ALT: () => this.SUBRULE(this.forStmt, { LABEL: 'stmt' }) },
          { ALT: () => this.SUBRULE(this.block, { LABEL: 'stmt' }) },
          {
            ALT: () => {
              this.SUBRULE(this.simpleStmt, { LABEL: 'stmt' });
              this.endStatement();
            },
          },
        ],
      }),
    );
  });

  /**
   * `if (c) { } else if (d) { } … else { }`; as in current bpftrace a condition may also be an unparenthesised
   * operand. The `else if` chain is a loop, not a recursion, so a long chain costs no parser stack.
   */
  ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.unary);
    this.SUBRULE(this.block);
    this.MANY({
      GATE: () => this.LA(2).tokenType === T.If,
      DEF: () => {
        this.CONSUME(T.Else);
        this.CONSUME2(T.If);
        this.SUBRULE2(this.unary);
        this.SUBRULE2(this.block);
      },
    });
    this.OPTION(() => {
      this.CONSUME2(T.Else);
      this.SUBRULE3(this.block, { LABEL: 'else' });
    });
  });

  /** `while (c) { }` and `unroll (n) { }` (parentheses optional, as for `if`) */
  loopStmt = this.RULE('loopStmt', () => {
    this.CONSUME(T.LoopKeyword, { LABEL: 'keyword' });
    this.SUBRULE(this.unary);
    this.SUBRULE(this.block);
  });

  /** `for ($kv : @map) { }` and `for ($i : a..b) { }`, with or without the parentheses */
  forStmt = this.RULE('forStmt', () => {
    this.CONSUME(T.For);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.forHead(1);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.forHead(2) },
    ]);
    this.SUBRULE(this.block);
  });

  /** `$v : e` or `$v : a..b`; `idx` keeps the two uses apart for Chevrotain */
  private forHead(idx: 1 | 2): void {
    this.consume(idx, T.Variable);
    this.consume(idx, T.Colon);
    this.subrule(idx, this.expr);
    this.option(idx, () => {
      this.consume(idx, T.DotDot);
      this.subrule(idx + 2, this.expr);
    });
  }

  simpleStmt = this.RULE('simpleStmt', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Let);
          this.CONSUME(T.Variable);
          this.OPTION(() => {
            this.CONSUME(T.Colon);
            this.OR2({
              IGNORE_AMBIGUITIES: true,
              DEF: [
                {
                  GATE: () => this.LA(1).image === 'typeof' && this.LA(2).tokenType === T.LParen,
                  ALT: () => this.SUBRULE(this.typeofType),
                },
                { ALT: () => this.SUBRULE(this.typeName) },
              ],
            });
          });
          this.OPTION2(() => {
            this.CONSUME(T.Assign);
            this.SUBRULE(this.expr);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Jump, { LABEL: 'jump' });
          this.OPTION4(() => this.SUBRULE4(this.expr, { LABEL: 'jumpValue' }));
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.expr);
          this.OPTION3(() => {
            this.CONSUME(T.AssignOperator);
            this.SUBRULE3(this.expr);
          });
        },
      },
    ]);
  });

  /**
   * `c ? a : b` (right-associative) over a flat chain of binary operators. A chain `a ? b : c ? d : e` is a
   * loop here (the AST nests it to the right), so its length costs no parser stack.
   */
  expr = this.RULE('expr', () => {
    this.SUBRULE(this.binary);
    this.MANY(() => {
      this.CONSUME(T.Question);
      // `c ?: e` leaves the value out: c's own value when it is true (bpftrace v0.26)
      this.OPTION(() => this.SUBRULE(this.expr, { LABEL: 'then' }));
      this.CONSUME(T.Colon, { LABEL: 'colon' });
      this.SUBRULE2(this.binary);
    });
  });

  binary = this.RULE('binary', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(T.BinaryOperator);
      this.SUBRULE2(this.unary);
    });
  });

  /**
   * Prefix operators (under `op`), the primary, then `.f`, `->f`, `[k, …]`, `++`, `--` in order (under `ops`).
   * One rule, and loops rather than recursion, so that each level of parentheses costs little parser stack.
   */
  unary = this.RULE('unary', () => {
    this.MANY(() => this.CONSUME(T.PrefixOperator, { LABEL: 'op' }));
    this.SUBRULE(this.primary);
    this.MANY2(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Member, { LABEL: 'ops' });
            this.CONSUME(T.FieldName, { LABEL: 'ops' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket, { LABEL: 'ops' });
            this.SUBRULE(this.expr, { LABEL: 'ops' });
            this.MANY3(() => {
              this.CONSUME(T.Comma, { LABEL: 'ops' });
              this.SUBRULE2(this.expr, { LABEL: 'ops' });
            });
            this.CONSUME(T.RBracket, { LABEL: 'ops' });
          },
        },
        { ALT: () => this.CONSUME(T.PlusPlus, { LABEL: 'ops' }) },
        { ALT: () => this.CONSUME(T.MinusMinus, { LABEL: 'ops' }) },
      ]),
    );
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Operand) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => {
            this.CONSUME(T.LParen);
            this.OPTION2(() => {
              this.SUBRULE(this.expr, { LABEL: 'args' });
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE2(this.expr, { LABEL: 'args' });
              });
            });
            this.CONSUME(T.RParen);
          });
        },
      },
      { ALT: () => this.SUBRULE(this.paren) },
      { ALT: () => this.SUBRULE(this.sizeofExpr) },
      { ALT: () => this.SUBRULE(this.offsetofExpr) },
      // a block expression `{ …; value }` (where a statement may start, `{` is a block statement)
      { ALT: () => this.SUBRULE(this.block) },
      { ALT: () => this.SUBRULE(this.ifExpr) },
    ]);
  });

  /** `if c { …; a } else { …; b }` as a value (bpftrace v0.26); `else if` chains as in the statement */
  ifExpr = this.RULE('ifExpr', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.unary);
    this.SUBRULE(this.block, { LABEL: 'then' });
    this.CONSUME(T.Else);
    this.OR([
      { ALT: () => this.SUBRULE(this.ifExpr, { LABEL: 'elseIf' }) },
      { ALT: () => this.SUBRULE2(this.block, { LABEL: 'else' }) },
    ]);
  });

  /** `(type)operand`, `(e)`, `()`, `(e,)`, `(e1, e2, …)`; tuple items and commas under the label `items` */
  paren = this.RULE('paren', () => {
    this.CONSUME(T.LParen);
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.typeofAhead(T.RParen),
          ALT: () => {
            this.SUBRULE(this.typeofType);
            this.CONSUME4(T.RParen, { LABEL: 'castClose' });
            this.SUBRULE2(this.unary);
          },
        },
        {
          GATE: () => this.castAhead(),
          ALT: () => {
            this.SUBRULE(this.typeName);
            this.CONSUME(T.RParen, { LABEL: 'castClose' });
            this.SUBRULE(this.unary);
          },
        },
        { ALT: () => this.CONSUME2(T.RParen) },
        {
          // not under an OPTION: each level of parentheses then costs a few stack frames less
          ALT: () => {
            this.recordFieldName(1);
            this.SUBRULE(this.expr, { LABEL: 'items' });
            this.MANY(() => {
              this.CONSUME(T.Comma, { LABEL: 'items' });
              this.OPTION2(() => {
                this.recordFieldName(2);
                this.SUBRULE2(this.expr, { LABEL: 'items' });
              });
            });
            this.CONSUME3(T.RParen);
          },
        },
      ],
    });
  });

  /** `name =` before a record element `(a = 1, b = 2)`; the name goes under `items` too, before its value */
  private recordFieldName(idx: 1 | 2): void {
    this.option(idx + 4, {
      GATE: () => this.LA(1).tokenType === T.Identifier && this.LA(2).tokenType === T.Assign,
      DEF: () => {
        this.consume(idx + 4, T.Identifier, { LABEL: 'items' });
        this.consume(idx + 4, T.Assign);
      },
    });
  }

  /** a type when one is written up to `end` (`sizeof(struct x)`, `sizeof(typeof($v))`), else an expression */
  private typeOrExpr(end: TokenType): void {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => this.typeofAhead(end), ALT: () => this.SUBRULE(this.typeofType) },
        { GATE: () => this.typeArgAhead(end), ALT: () => this.SUBRULE(this.typeName) },
        { ALT: () => this.SUBRULE(this.expr) },
      ],
    });
  }

  sizeofExpr = this.RULE('sizeofExpr', () => {
    this.CONSUME(T.Sizeof);
    this.CONSUME(T.LParen);
    this.typeOrExpr(T.RParen);
    this.CONSUME(T.RParen);
  });

  /** `offsetof(struct x, a.b)`; the field path is under the label `ops` */
  offsetofExpr = this.RULE('offsetofExpr', () => {
    this.CONSUME(T.Offsetof);
    this.CONSUME(T.LParen);
    this.typeOrExpr(T.Comma);
    this.CONSUME(T.Comma);
    this.CONSUME(T.FieldName, { LABEL: 'ops' });
    this.MANY(() => {
      this.CONSUME(T.Dot, { LABEL: 'ops' });
      this.CONSUME2(T.FieldName, { LABEL: 'ops' });
    });
    this.CONSUME(T.RParen);
  });

  /** `typeof(uint32)`, `typeof(size_t *)`, `typeof($x)`: the type of a type or of an expression */
  typeofType = this.RULE('typeofType', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.typeOrExpr(T.RParen);
    this.CONSUME(T.RParen);
  });

  /** `uint32`, `struct task_struct *`, `char[16]`; suffixes in order under the label `suffix` */
  typeName = this.RULE('typeName', () => {
    this.OPTION(() => this.CONSUME(T.TypeTag, { LABEL: 'tag' }));
    this.CONSUME(T.Identifier);
    this.MANY(() =>
      this.OR2([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'suffix' }) },
        {
          ALT: () => {
            this.CONSUME(T.LBracket, { LABEL: 'suffix' });
            this.OPTION2(() => this.CONSUME(T.IntLiteral, { LABEL: 'suffix' }));
            this.CONSUME(T.RBracket, { LABEL: 'suffix' });
          },
        },
      ]),
    );
  });
}

export type { IToken };
