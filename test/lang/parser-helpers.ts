// Shared by the parser tests: a compact S-expression printer for the AST, and span helpers.
import type { Node, Program } from '../../lang/ast.ts';
import { renderDiagnostics } from '../../lang/diagnostics.ts';
import { parse, parseWithReferenceParser, type ParseResult } from '../../lang/parse.ts';
import { lineCol, sourceFile, type Span } from '../../lang/source.ts';

/** `(= @x (+ 1 2))`-style rendering; maps print as `@m[k]` (`bare` marks `name[k]`), types as `<…>`. */
export function sx(n: Node | undefined): string {
  if (n === undefined) return '_';
  switch (n.kind) {
    case 'program':
      return [...n.includes.map((i) => `(include ${i.path})`), ...n.config.map(sx), ...n.probes.map(sx)].join('\n');
    case 'config-item':
      return `(config ${n.name} ${typeof n.value === 'bigint' ? `${n.value}` : JSON.stringify(n.value)})`;
    case 'probe':
      return `(probe ${n.attachPoints.map(sx).join(' ')}${n.predicate ? ` /${sx(n.predicate)}/` : ''}${n.angle ? ' <>' : ''} ${sx(n.body)})`;
    case 'attach-point':
      return n.raw;
    case 'block':
      return `{${n.statements.map(sx).join(' ')}}`;
    case 'expr-stmt':
      return sx(n.expr);
    case 'assign':
      return `(${n.op} ${sx(n.target)} ${sx(n.value)})`;
    case 'let':
      return `(let ${n.name}${n.type ? ` ${sx(n.type)}` : ''}${n.typeOf ? ` (typeof ${sx(n.typeOf)})` : ''}${n.value ? ` ${sx(n.value)}` : ''})`;
    case 'if':
      return `(if ${sx(n.cond)} ${sx(n.then)}${n.else ? ` ${sx(n.else)}` : ''})`;
    case 'while':
      return `(while ${sx(n.cond)} ${sx(n.body)})`;
    case 'unroll':
      return `(unroll ${sx(n.count)} ${sx(n.body)})`;
    case 'for-map':
      return `(for ${n.variable} ${sx(n.map)} ${sx(n.body)})`;
    case 'for-range':
      return `(for ${n.variable} ${sx(n.from)}..${sx(n.to)} ${sx(n.body)})`;
    case 'jump':
      return n.jump;
    case 'int':
      return `${n.value}`;
    case 'string':
      return JSON.stringify(n.value);
    case 'bool':
      return `${n.value}`;
    case 'var':
      return n.name;
    case 'positional':
      return n.count ? '$#' : `$${n.index}`;
    case 'map':
      return n.keys.length || n.bare ? `${n.bare ? 'bare:' : ''}${n.name}[${n.keys.map(sx).join(', ')}]` : n.name;
    case 'ident':
      return n.name;
    case 'call':
      return `(${n.name}()${n.args.map((a) => ' ' + sx(a)).join('')})`;
    case 'binary':
      return `(${n.op} ${sx(n.left)} ${sx(n.right)})`;
    case 'unary':
      return `(${n.op} ${sx(n.operand)})`;
    case 'incdec':
      return n.prefix ? `(${n.op}x ${sx(n.target)})` : `(x${n.op} ${sx(n.target)})`;
    case 'ternary':
      return `(? ${sx(n.cond)} ${sx(n.then)} ${sx(n.else)})`;
    case 'field':
      return `(${n.arrow ? '->' : '.'} ${sx(n.base)} ${n.name})`;
    case 'index':
      return `(index ${sx(n.base)} ${sx(n.index)})`;
    case 'cast':
      return `(cast ${sx(n.type)} ${sx(n.expr)})`;
    case 'tuple':
      return n.names
        ? `(record${n.elements.map((e, i) => ` ${n.names![i]}=${sx(e)}`).join('')})`
        : `(tuple${n.elements.map((e) => ' ' + sx(e)).join('')})`;
    case 'sizeof':
      return `(sizeof ${sx(n.arg)})`;
    case 'offsetof':
      return `(offsetof ${sx(n.type)} ${n.field.join('.')})`;
    case 'block-expr':
      return `({${[...n.statements.map(sx), sx(n.value)].join(' ')}})`;
    case 'typeof':
      return `(typeof ${sx(n.arg)})`;
    case 'type-name':
      return `<${n.name}${'*'.repeat(n.pointer)}${n.arrayLength !== undefined ? `[${n.arrayLength}]` : ''}>`;
  }
}

/** Parses and checks that the start-up parser and Chevrotain's reference LL(k) parser agree. */
export function parseBoth(text: string, name = 'stdin'): ParseResult {
  const file = sourceFile(name, text);
  const fast = parse(file);
  const ref = parseWithReferenceParser(file);
  const show = (r: ParseResult) => `${renderDiagnostics(r.diagnostics)}${r.program ? sx(r.program) : ''}`;
  if (show(fast) !== show(ref))
    throw new Error(`parsers disagree on ${JSON.stringify(text)}:\n${show(fast)}\n---\n${show(ref)}`);
  return fast;
}

/** Parses a program that must be valid. */
export function program(text: string): Program {
  const r = parseBoth(text);
  if (!r.program)
    throw new Error(`expected ${JSON.stringify(text)} to parse, got:\n${renderDiagnostics(r.diagnostics)}`);
  if (r.diagnostics.length) throw new Error(`unexpected diagnostics:\n${renderDiagnostics(r.diagnostics)}`);
  return r.program;
}

/** The statements of a one-probe program, each as an S-expression. */
export function stmts(text: string): string[] {
  const p = program(text);
  return p.probes[0]!.body.statements.map(sx);
}

/** The one expression of `BEGIN { <expr> }`. */
export function expr(source: string): string {
  const [s, ...rest] = stmts(`BEGIN { ${source} }`);
  if (rest.length) throw new Error('more than one statement');
  return s!;
}

/** The rendered diagnostics for a program that must fail. */
export function errors(text: string, name = 'stdin'): string {
  const r = parseBoth(text, name);
  if (r.program) throw new Error(`expected ${JSON.stringify(text)} to fail`);
  return renderDiagnostics(r.diagnostics);
}

/** `line:col-line:col` of a span (end exclusive, as columns). */
export function at(s: Span): string {
  const a = lineCol(s.file, s.start);
  const b = lineCol(s.file, s.end);
  return `${a.line}:${a.col}-${b.line}:${b.col}`;
}

/** The text a span covers. */
export function text(s: Span): string {
  return s.file.text.slice(s.start, s.end);
}
