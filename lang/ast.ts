// The AST: readonly discriminated unions, built by the parser's CST visitor, walked by plain functions.
// Types are not stored here: the checker keeps them in a side table keyed by node.
import type { Span } from './source.ts';

export interface Program {
  readonly kind: 'program';
  readonly config: readonly ConfigItem[];
  /** `#include <…>` lines, kept so later passes can say what they would have needed. */
  readonly includes: readonly { readonly path: string; readonly span: Span }[];
  readonly probes: readonly Probe[];
  /** `let @a = lruhash(100);` before the probes: the kind and size of a map (bpftrace v0.26) */
  readonly mapDecls?: readonly MapDecl[];
  /** `macro name(…) { … }` definitions; lang/script-macros.ts expands their uses and drops them */
  readonly macros?: readonly MacroDef[];
  readonly span: Span;
}

/**
 * `macro name($v, @m, e) { … }` (bpftrace v0.26). A `$v` parameter takes a variable and an `@m` one a map,
 * by name (the macro can assign to them); a bare-name parameter takes any expression, substituted as written.
 * The body's last statement, when it is an expression, is the macro's value.
 */
export interface MacroDef {
  readonly kind: 'macro';
  readonly name: string;
  readonly nameSpan: Span;
  readonly params: readonly (VarExpr | MapExpr | IdentExpr)[];
  readonly body: Block;
  readonly span: Span;
}

/** `config = { max_strlen = 1024; … }` */
export interface ConfigItem {
  readonly kind: 'config-item';
  readonly name: string;
  readonly value: bigint | string;
  readonly span: Span;
}

export interface Probe {
  readonly kind: 'probe';
  readonly attachPoints: readonly AttachPoint[];
  readonly predicate?: Expr;
  readonly body: Block;
  /** true for the compact `< … >` form */
  readonly angle: boolean;
  readonly span: Span;
}

/**
 * One attach point as written, split on ':' outside quotes.
 * `tracepoint:syscalls:sys_enter_openat` → provider 'tracepoint', parts ['syscalls', 'sys_enter_openat'];
 * `BEGIN` → provider 'BEGIN', parts []; `uprobe:/bin/bash:readline` → ['/bin/bash', 'readline'];
 * `kprobe:vfs_read+16` → ['vfs_read+16']. Aliases are not expanded here (the checker does that).
 */
export interface AttachPoint {
  readonly kind: 'attach-point';
  readonly raw: string;
  readonly provider: string;
  readonly parts: readonly string[];
  /**
   * Each '@' outside quotes (`uprobe:/bin/x@a.c:12`, a source line): which of `parts` holds it and where in that
   * part's unquoted text. bpftrace v0.26 splits there as at ':'; the providers that take it split, the others
   * see '@' as a character of the name (as they did).
   */
  readonly ats?: readonly AtSign[];
  readonly span: Span;
}

export interface AtSign {
  readonly part: number;
  readonly index: number;
}

export interface Block {
  readonly kind: 'block';
  readonly statements: readonly Stmt[];
  readonly span: Span;
}

export type Stmt =
  ExprStmt | AssignStmt | LetStmt | IfStmt | UnrollStmt | WhileStmt | ForMapStmt | ForRangeStmt | JumpStmt | Block;

export interface ExprStmt {
  readonly kind: 'expr-stmt';
  readonly expr: Expr;
  /** `_ = e`: the value is dropped on purpose (no "Return value discarded." warning) */
  readonly dropped?: true;
  readonly span: Span;
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';

export interface AssignStmt {
  readonly kind: 'assign';
  readonly target: MapExpr | VarExpr;
  readonly op: AssignOp;
  readonly value: Expr;
  readonly span: Span;
}

/** `let $x [: type] [= value]` */
export interface LetStmt {
  readonly kind: 'let';
  readonly name: string; // with the '$'
  readonly type?: TypeName;
  /** `let $y: typeof(expr)`: the declared type is this expression's (never evaluated) */
  readonly typeOf?: Expr;
  readonly value?: Expr;
  readonly span: Span;
}

export interface IfStmt {
  readonly kind: 'if';
  readonly cond: Expr;
  readonly then: Block;
  readonly else?: Block | IfStmt;
  readonly span: Span;
}

export interface UnrollStmt {
  readonly kind: 'unroll';
  readonly count: Expr;
  readonly body: Block;
  readonly span: Span;
}

export interface WhileStmt {
  readonly kind: 'while';
  readonly cond: Expr;
  readonly body: Block;
  readonly span: Span;
}

/** `for ($kv : @map) { … }` */
export interface ForMapStmt {
  readonly kind: 'for-map';
  readonly variable: string;
  readonly map: MapExpr;
  readonly body: Block;
  readonly span: Span;
}

/** `for ($i : a..b) { … }` (b exclusive, as in bpftrace) */
export interface ForRangeStmt {
  readonly kind: 'for-range';
  readonly variable: string;
  readonly from: Expr;
  readonly to: Expr;
  readonly body: Block;
  readonly span: Span;
}

export interface JumpStmt {
  readonly kind: 'jump';
  readonly jump: 'break' | 'continue' | 'return';
  /** `return 1;`: the probe program's return value (bpftrace v0.26); the checker refuses it elsewhere */
  readonly value?: Expr;
  readonly span: Span;
}

export interface MapDecl {
  readonly kind: 'map-decl';
  readonly name: string;
  readonly mapKind: 'hash' | 'lruhash' | 'percpuhash' | 'percpulruhash';
  readonly maxEntries: number;
  readonly span: Span;
}

export type Expr =
  | IntLit
  | StringLit
  | BoolLit
  | VarExpr
  | PositionalExpr
  | MapExpr
  | IdentExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | IncDecExpr
  | TernaryExpr
  | FieldExpr
  | IndexExpr
  | CastExpr
  | TupleExpr
  | SizeofExpr
  | OffsetofExpr
  | BlockExpr;

/** `{ let $b = 1; $b + 1 }`: statements, then the value of the last expression (bpftrace v0.26) */
export interface BlockExpr {
  readonly kind: 'block-expr';
  readonly statements: readonly Stmt[];
  readonly value: Expr;
  readonly span: Span;
}

export interface IntLit {
  readonly kind: 'int';
  readonly value: bigint;
  readonly raw: string;
  /** an enumerator (raw is its name): the BTF id of its enum, whose values print as names */
  readonly enumId?: number;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: 'string';
  readonly value: string; // escapes already decoded
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly span: Span;
}

/** `$x` */
export interface VarExpr {
  readonly kind: 'var';
  readonly name: string; // with the '$'
  readonly span: Span;
}

/** `$1` … `$N`; `$#` has index 0 and count true */
export interface PositionalExpr {
  readonly kind: 'positional';
  readonly index: number;
  readonly count: boolean;
  readonly span: Span;
}

/** `@`, `@name`, `@name[k]`, `@name[k1, k2]`, and the bare `name[k]` form (bare: true, name '@name'). */
export interface MapExpr {
  readonly kind: 'map';
  readonly name: string; // '@' for the anonymous map, else '@name'
  readonly keys: readonly Expr[];
  readonly bare: boolean;
  readonly span: Span;
}

/** A bare identifier: a builtin (pid, comm, args, arg0, …) or an enum constant; resolved by the checker. */
export interface IdentExpr {
  readonly kind: 'ident';
  readonly name: string;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: 'call';
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export type BinaryOp =
  '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>' | '&&' | '||' | '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

/** `-x`, `!x`, `~x`, `*p` (deref), `&x` (address of) */
export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: '-' | '!' | '~' | '*' | '&';
  readonly operand: Expr;
  readonly span: Span;
}

/** `x++`, `++x`, `x--`, `--x` on `$` variables and maps */
export interface IncDecExpr {
  readonly kind: 'incdec';
  readonly op: '++' | '--';
  readonly prefix: boolean;
  readonly target: MapExpr | VarExpr;
  readonly span: Span;
}

export interface TernaryExpr {
  readonly kind: 'ternary';
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
  readonly span: Span;
}

/** `a.b`, `a->b`, and tuple access `t.0` (name '0') */
export interface FieldExpr {
  readonly kind: 'field';
  readonly base: Expr;
  readonly name: string;
  readonly arrow: boolean;
  readonly nameSpan: Span;
  readonly span: Span;
}

/** `a[i]` where a is not a bare identifier (those are maps) */
export interface IndexExpr {
  readonly kind: 'index';
  readonly base: Expr;
  readonly index: Expr;
  readonly span: Span;
}

export interface CastExpr {
  readonly kind: 'cast';
  readonly type: TypeName | TypeofType;
  readonly expr: Expr;
  readonly span: Span;
}

export interface TupleExpr {
  readonly kind: 'tuple';
  readonly elements: readonly Expr[];
  /** a record `(a = 1, b = 2)` (bpftrace v0.26): every element's name, in order */
  readonly names?: readonly string[];
  readonly span: Span;
}

export interface SizeofExpr {
  readonly kind: 'sizeof';
  readonly arg: TypeName | TypeofType | Expr;
  readonly span: Span;
}

export interface OffsetofExpr {
  readonly kind: 'offsetof';
  readonly type: TypeName | TypeofType | Expr;
  readonly field: readonly string[]; // `offsetof(struct x, a.b)` → ['a', 'b']
  readonly span: Span;
}

/** A type as written: `uint32`, `int8`, `struct task_struct *`, `char[16]`, `bool`. */
export interface TypeName {
  readonly kind: 'type-name';
  /** base name with its keyword: 'uint32', 'struct task_struct', 'union u', 'enum e' */
  readonly name: string;
  readonly pointer: number; // number of '*'
  readonly arrayLength?: number;
  readonly span: Span;
}

/**
 * `typeof(T)` / `typeof(expr)` where a type is written (casts, sizeof, offsetof; bpftrace v0.26): the type named,
 * or the expression's, which is typed and never evaluated. `typeof(@m)` of a map with keys is its key type.
 */
export interface TypeofType {
  readonly kind: 'typeof';
  readonly arg: TypeName | Expr;
  readonly span: Span;
}

export type Node = Program | ConfigItem | Probe | AttachPoint | Stmt | Expr | TypeName | TypeofType;

export function assertNever(x: never): never {
  throw new Error(`unexpected node: ${JSON.stringify((x as { kind?: string }).kind)}`);
}
