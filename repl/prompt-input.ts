// What a line typed at the REPL's prompt is: a program to run, the start of one still being typed, or map
// statements to run on the maps the REPL already holds (`clear(@x)`, `zero(@x)`, `delete(@x[1])`,
// `print(@x)`), else something that cannot run here, with the reason. Decided from the lexer's tokens and
// the parser's tree, never from the wording of an error message.
import { parse, sourceFile, type Program } from '../lang/index.ts';
import { lex } from '../lang/index.ts';

type Stmt = Program['probes'][number]['body']['statements'][number];
type Expr = Extract<Stmt, { kind: 'expr-stmt' }>['expr'];

/** A key written as a literal: what a map read gives back for it (integers as bigint, strings as text). */
export type KeyLiteral = bigint | string;

export type MapStatement =
  | { readonly op: 'print'; readonly map: string; readonly top: number; readonly div: number }
  | { readonly op: 'clear' | 'zero'; readonly map: string }
  | { readonly op: 'delete'; readonly map: string; readonly keys: readonly KeyLiteral[]; readonly text: string };

export type PromptInput =
  | { readonly kind: 'nothing' }
  | { readonly kind: 'program' }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'statements'; readonly statements: readonly MapStatement[] }
  | { readonly kind: 'refused'; readonly reason: string };

/** Classifies `text` (the lines typed so far). A program that does not parse comes back as 'program', for its errors. */
export function promptInput(text: string): PromptInput {
  if (!lex(text).length) return { kind: 'nothing' }; // blanks, comments, a #! line
  const parsed = parse(sourceFile('stdin', text));
  if (parsed.program) return { kind: 'program' };
  if (parsed.diagnostics.some((d) => d.incomplete)) return { kind: 'incomplete' };
  return statementsAtPrompt(text) ?? { kind: 'program' };
}

const PREFIX = 'BEGIN {\n';

/** `text` read as the statements of a block: the map statements that run at the prompt, or why it cannot run. */
function statementsAtPrompt(text: string): PromptInput | undefined {
  const parsed = parse(sourceFile('stdin', `${PREFIX}${text}\n}`));
  const probe = parsed.program?.probes[0];
  if (!parsed.program || parsed.program.probes.length !== 1 || parsed.program.config.length || !probe) return undefined;
  const statements: MapStatement[] = [];
  for (const s of probe.body.statements) {
    const source = text.slice(s.span.start - PREFIX.length, s.span.end - PREFIX.length).trim();
    const m = mapStatement(s, source.replace(/;$/, ''));
    if (typeof m === 'string') return { kind: 'refused', reason: `${source}: ${m}` };
    statements.push(m);
  }
  return statements.length ? { kind: 'statements', statements } : undefined;
}

const OUTSIDE = 'inside a probe, e.g. BEGIN { … }; at the prompt only print, clear, zero and delete of a map run';

/** A statement as a map statement, or why it cannot run at the prompt. */
function mapStatement(s: Stmt, source: string): MapStatement | string {
  if (s.kind !== 'expr-stmt') return `statements run ${OUTSIDE}`;
  const e = s.expr;
  if (e.kind === 'ident') return 'not a probe, a command or a map statement (.help lists what runs here)';
  if (e.kind === 'map') return `a map is read at the prompt with its name alone: ${e.name}`;
  if (e.kind !== 'call') return `expressions run ${OUTSIDE}`;
  const [first, ...rest] = e.args;
  const map = first?.kind === 'map' ? first : undefined;
  switch (e.name) {
    case 'print': {
      if (!map || map.keys.length) return 'print at the prompt shows a whole map: print(@x[, top[, div]])';
      const nums = rest.map(intLiteral);
      if (rest.length > 2 || nums.some((n) => n === undefined || n < 0n))
        return 'print(@x[, top[, div]]) takes whole numbers after the map';
      return { op: 'print', map: map.name, top: Number(nums[0] ?? 0n), div: Number(nums[1] ?? 0n) };
    }
    case 'clear':
    case 'zero':
      if (!map || map.keys.length || rest.length) return `${e.name}() takes a whole map: ${e.name}(@x)`;
      return { op: e.name, map: map.name };
    case 'delete': {
      // delete(@x[k1, k2]) or delete(@x, key), with literal keys
      const keyExprs =
        map && !rest.length
          ? map.keys
          : map && !map.keys.length && rest.length === 1
            ? unwrapTuple(rest[0]!)
            : undefined;
      if (!map || !keyExprs?.length) return 'delete() takes a map entry: delete(@x[key]) or delete(@x, key)';
      const keys = keyExprs.map(keyLiteral);
      if (keys.some((k) => k === undefined)) return 'at the prompt, delete() takes keys written as numbers or strings';
      return { op: 'delete', map: map.name, keys: keys as KeyLiteral[], text: source };
    }
    default:
      return `${e.name}() runs ${OUTSIDE}`;
  }
}

function unwrapTuple(e: Expr): readonly Expr[] {
  return e.kind === 'tuple' ? e.elements : [e];
}

function intLiteral(e: Expr): bigint | undefined {
  if (e.kind === 'int') return e.value;
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int') return -e.operand.value;
  return undefined;
}

function keyLiteral(e: Expr): KeyLiteral | undefined {
  return e.kind === 'string' ? e.value : intLiteral(e);
}
