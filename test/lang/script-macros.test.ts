// Script macros (bpftrace v0.26 `macro name(…) { … }`; bpftrace 0.17 has no macros, so the behaviour pinned is
// v0.26's): parsed, expanded on the AST (lang/script-macros.ts) and checked without the kernel. The programs are
// those of bpftrace v0.26's runtime macro suite; test/e2e/macros.test.ts runs a few on the kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr, Stmt } from '../../lang/ast.ts';
import { expandScriptMacros, parse, sourceFile } from '../../lang/index.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';

/** The first probe's body after expansion, written back as text (a compact, readable form to compare). */
function expanded(text: string): string {
  const parsed = parse(sourceFile('stdin', text));
  assert.ok(parsed.program, parsed.diagnostics.map((d) => d.message).join('\n'));
  const r = expandScriptMacros(parsed.program);
  assert.equal(
    r.diagnostics.map((d) => d.message),
    [],
  );
  return r.program.probes[0]!.body.statements.map(stmt).join(' ');
}

function stmt(s: Stmt): string {
  switch (s.kind) {
    case 'expr-stmt':
      return `${expr(s.expr)};`;
    case 'assign':
      return `${expr(s.target)} ${s.op} ${expr(s.value)};`;
    case 'let':
      return `let ${s.name}${s.typeOf ? `: typeof(${expr(s.typeOf)})` : ''}${s.value ? ` = ${expr(s.value)}` : ''};`;
    case 'block':
      return `{ ${s.statements.map(stmt).join(' ')} }`;
    case 'if':
      return `if (${expr(s.cond)}) ${stmt(s.then)}`;
    case 'for-map':
      return `for (${s.variable} : ${expr(s.map)}) ${stmt(s.body)}`;
    default:
      return s.kind;
  }
}

function expr(e: Expr): string {
  switch (e.kind) {
    case 'int':
      return e.raw;
    case 'string':
      return JSON.stringify(e.value);
    case 'var':
    case 'ident':
      return e.name;
    case 'map':
      return e.keys.length ? `${e.name}[${e.keys.map(expr).join(', ')}]` : e.name;
    case 'binary':
      return `(${expr(e.left)} ${e.op} ${expr(e.right)})`;
    case 'unary':
      return `${e.op}${expr(e.operand)}`;
    case 'call':
      return `${e.name}(${e.args.map(expr).join(', ')})`;
    case 'field':
      return `${expr(e.base)}.${e.name}`;
    case 'tuple':
      return `(${e.elements.map(expr).join(', ')})`;
    case 'block-expr':
      return `{ ${e.statements.map(stmt).join(' ')} ${expr(e.value)} }`;
    default:
      return e.kind;
  }
}

test('a $variable parameter is the caller variable: the macro assigns to it; the last expression is the value', () => {
  assert.is(
    expanded('macro inc($x) { $x += 1; $x } begin { $a = 1; $b = inc($a); inc($a); }'),
    '$a = 1; $b = { $a += 1; $a }; { $a += 1; $a; }',
  );
});

test('an @map parameter is the caller map', () => {
  assert.is(expanded('macro set(@x) { @x[1] = 2; } begin { set(@a); }'), '{ @a[1] = 2; }');
  assert.is(expanded('macro get(@x) { 1 + @x[1] } begin { print(get(@a)); }'), 'print((1 + @a[1]));');
});

test("the body's own variables get a name per use, so they never meet the caller's", () => {
  assert.is(
    expanded('macro inc(x) { let $y = x + 1; $y } begin { $y = 2; $z = inc(5); $w = inc($y); }'),
    '$y = 2; $z = { let $y__inc_1 = (5 + 1); $y__inc_1 }; $w = { let $y__inc_2 = ({  $y } + 1); $y__inc_2 };',
  );
});

test('an expression parameter is the argument as written, at every use (evaluated each time)', () => {
  assert.is(expanded('macro twice(x) { x; x; } begin { twice(printf("hi")); }'), '{ printf("hi"); printf("hi"); }');
  // `let $y: typeof(x)` and sizeof(x) take the argument's type
  assert.is(
    expanded('macro add(x) { let $y: typeof(x); $y = 1; x + $y } begin { print(add(1)); }'),
    'print({ let $y__add_1: typeof(1); $y__add_1 = 1; (1 + $y__add_1) });',
  );
});

test('macros use macros, as values and as statements, whatever order they are defined in', () => {
  assert.is(
    expanded('macro add2(y) { y + add1(y) } macro add1(x) { x + 1 } begin { print(add2(1)); }'),
    'print((1 + (1 + 1)));',
  );
  assert.is(
    expanded('macro second(a, b) { print((a, b)); } macro first(@b, $x) { second(@b, $x); } begin { first(@d, $y); }'),
    '{ { print(({  @d }, {  $y })); } }',
  );
});

test('an identifier naming a macro without parameters uses it, unless a parameter has that name', () => {
  assert.is(expanded('macro one() { 1 } begin { $a = one; }'), '$a = 1;');
  assert.is(expanded('macro add() { 2 } macro ident(add) { add } begin { print(ident(1)); }'), 'print(1);');
});

test('__builtin_x and x() are the builtin variable x (bpftrace v0.26 standard library wrappers)', () => {
  assert.is(expanded('begin { $a = __builtin_cpu; $b = cpu(); $c = comm(); }'), '$a = cpu; $b = cpu; $c = comm;');
  // and a function of no arguments may be named without the call (v0.26 stdlib.md), not an aggregation
  assert.is(expanded('begin { $a = default_str_length; }'), '$a = default_str_length();');
  assert.match(diagnose('begin { @a = count; }'), "unknown identifier 'count'");
});

test("a script's macros override the standard library's and builtins by name and arity, but not inside it", () => {
  assert.is(expanded('macro cpu() { "hi" } begin { $a = cpu(); }'), '$a = "hi";');
  assert.is(expanded('macro cpu(x) { x } begin { $a = cpu(); }'), '$a = cpu;');
  // the library's ppid() uses the library's ppid(task), not this one
  assert.is(expanded('macro ppid(a, b) { 0 } begin { $p = ppid(); }'), '$p = curtask.real_parent.pid;');
});

test('standard library: assert, ppid, pcomm, leader_comm, leader_tid, is_err', () => {
  assert.is(
    expanded('begin { assert($x > 1, "small"); }'),
    '{ if (!($x > 1)) { errorf("assert failed: %s", "small"); exit(1); } }',
  );
  assert.is(
    expanded('begin { $a = (ppid, pcomm, leader_comm(curtask), leader_tid()); }'),
    '$a = (curtask.real_parent.pid, curtask.real_parent.comm, curtask.group_leader.comm, curtask.group_leader.pid);',
  );
  compileText('BEGIN { if (is_err((uint64)-2)) { print(1); } }');
});

test('a message from inside a macro also points at its use ("expanded from", as bpftrace v0.26 says)', () => {
  assert.is(
    diagnose('macro bad() { $x = nosuch; } begin { bad(); }'),
    [
      "stdin:1:20-26: ERROR: unknown identifier 'nosuch'",
      'macro bad() { $x = nosuch; } begin { bad(); }',
      '                   ~~~~~~',
      'stdin:1:38-43: ERROR: expanded from',
      'macro bad() { $x = nosuch; } begin { bad(); }',
      '                                     ~~~~~',
      '',
    ].join('\n'),
  );
});

test('mistakes in using a macro: arity, a non-variable for $x, a map with keys for @m, recursion, no value', () => {
  const first = (t: string) => diagnose(t).split('\n')[0];
  assert.is(
    first('macro f(a, b) { a } begin { print(f(1)); }'),
    "stdin:1:35-39: ERROR: macro 'f' takes 2 arguments, not 1",
  );
  assert.match(diagnose('macro f(a, b) { a } begin { print(f(1)); }'), "stdin:1:7-8: NOTE: 'f' is defined here");
  assert.is(
    first('macro f($x) { $x } begin { print(f(1)); }'),
    "stdin:1:36-37: ERROR: macro 'f' takes a variable for $x",
  );
  assert.is(
    first('macro f(@m) { @m } begin { print(f(@a[1])); }'),
    "stdin:1:36-41: ERROR: macro 'f' takes a map for @m",
  );
  assert.is(first('macro f(x) { f(x) } begin { print(f(1)); }'), "stdin:1:14-18: ERROR: macro 'f' uses itself");
  assert.is(
    first('macro f() { $x = 1; } begin { $a = f(); }'),
    "stdin:1:36-39: ERROR: macro 'f' has no value: its body does not end with an expression",
  );
  assert.is(
    first('macro f(x) { x } macro f(y) { y } begin { }'),
    "stdin:1:24-25: ERROR: macro 'f' is defined twice with the same parameters",
  );
  // return, and break/continue outside the macro's own loop, would leave it: refused (v0.26
  // control_flow_analyser.cpp); a loop inside it breaks as any loop does
  assert.is(
    first('macro f() { return; } begin { f(); }'),
    "stdin:1:13-19: ERROR: 'return' statement is not allowed in a macro",
  );
  assert.is(
    first('macro f() { continue; } begin { f(); }'),
    "stdin:1:13-21: ERROR: 'continue' statement is not allowed in a macro",
  );
  assert.is(
    first('macro f() { for ($i : 0..3) { if ($i == 1) { return; } } } begin { f(); }'),
    "stdin:1:46-52: ERROR: 'return' statement is not allowed in a macro",
  );
  assert.not.match(
    diagnose('macro f() { for ($i : 0..3) { if ($i == 1) { break; } } 1 } begin { print(f()); }'),
    'ERROR',
  );
});

test('a whole map or a variable given for an expression parameter is its value, `{ @y }` (bpftrace v0.26)', () => {
  assert.is(expanded('macro f(x) { x } begin { @y = 5; print(f(@y)); }'), '@y = 5; print({  @y });');
  assert.is(expanded('macro f(x) { x + 1 } begin { $v = 5; print(f($v)); }'), '$v = 5; print(({  $v } + 1));');
  // a keyed map read whole is refused, as `{ @y }` is
  assert.match(
    diagnose('macro f(x) { x } begin { @y[1] = 5; print(f(@y)); }'),
    '@y used with 0 keys here but 1 elsewhere',
  );
});

test('hygiene as bpftrace v0.26 has it: maps only through parameters, parameters named once, no let over one', () => {
  const first = (t: string) => diagnose(t).split('\n')[0];
  assert.is(
    first('macro f() { @m = 1; } begin { f(); }'),
    'stdin:1:13-15: ERROR: Unhygienic access to map: @m. Maps must be passed into the macro as arguments.',
  );
  assert.match(
    diagnose('macro f() { @m = 1; } begin { f(); }'),
    'HINT: add a map parameter (macro f(@m, …)) and pass @m to it',
  );
  assert.is(diagnose('macro f(@m) { @m = 1; } begin { f(@a); print(@a); }'), '');
  assert.is(
    first('macro f($a, $a) { $a } begin { $x = 1; print(f($x, $x)); }'),
    'stdin:1:13-15: ERROR: Variable for macro argument has already been used: $a',
  );
  assert.is(
    first('macro f(@m, @m) { 1 } begin { @a = 1; print(f(@a, @a)); }'),
    'stdin:1:13-15: ERROR: Map for macro argument has already been used: @m',
  );
  assert.is(
    first('macro f(x, x) { x } begin { print(f(1, 2)); }'),
    'stdin:1:12-13: ERROR: Ident for macro argument has already been used: x',
  );
  assert.is(
    first('macro f($a) { let $a = 2; $a } begin { $x = 1; print(f($x)); }'),
    'stdin:1:15-25: ERROR: Variable declaration shadows macro arg $a',
  );
});

test.run();
