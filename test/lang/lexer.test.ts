// The lexer: context-dependent tokens (attach points, < … >, predicates) and what it does with junk.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lex, tokenEnd } from '../../lang/lexer.ts';

/** `Type:image` per token; punctuation and keywords as their image alone. */
function toks(text: string): string[] {
  return lex(text).map((t) => {
    const name = t.tokenType.name;
    return /^(?:AttachPoint|IntLiteral|StringLiteral|UnterminatedString|Identifier|Variable|Positional|MapName|Directive|Invalid|UnterminatedComment|AngleOpen|AngleClose|PredOpen|PredClose)$/.test(
      name,
    )
      ? `${name}:${t.image}`
      : t.image;
  });
}

test('the compact one-liner lexes as attach point, < … > and a bare map', () => {
  assert.equal(toks('kprobe:vfs_mkdir < count[pid]++ >'), [
    'AttachPoint:kprobe:vfs_mkdir',
    'AngleOpen:<',
    'Identifier:count',
    '[',
    'Identifier:pid',
    ']',
    '++',
    'AngleClose:>',
  ]);
});

test('inside < … > only a > at the block level closes it', () => {
  assert.equal(
    toks('k:f < @x = (a > b); @y[c > d] = e >= f >> 1 >').filter((t) => t.includes('>')),
    ['>', '>', '>=', '>>', 'AngleClose:>'],
  );
  assert.equal(toks('k:f < if (x) { @a = b > c } >').slice(-4), ['>', 'Identifier:c', '}', 'AngleClose:>']);
});

test('< and > inside brace blocks are plain comparisons', () => {
  assert.equal(
    toks('BEGIN { @x = 1 < 2 > 3 }').filter((t) => /[<>]/.test(t)),
    ['<', '>'],
  );
});

test('attach points are raw text up to whitespace, {, ",", or <', () => {
  assert.equal(toks('uprobe:/usr/lib/libc.so.6:malloc,kretprobe:tcp_*{'), [
    'AttachPoint:uprobe:/usr/lib/libc.so.6:malloc',
    ',',
    'AttachPoint:kretprobe:tcp_*',
    '{',
  ]);
  assert.equal(toks('k:f?o*<>'), ['AttachPoint:k:f?o*', 'AngleOpen:<', 'AngleClose:>']);
  assert.equal(toks('uprobe:"/a b/c":fn {}')[0], 'AttachPoint:uprobe:"/a b/c":fn');
  assert.equal(toks('uprobe:/usr/lib/*.so:f {}')[0], 'AttachPoint:uprobe:/usr/lib/*.so:f');
});

test('a / before the first colon starts a predicate; after it, it is part of a path', () => {
  assert.equal(toks('BEGIN/1/{}'), ['AttachPoint:BEGIN', 'PredOpen:/', 'IntLiteral:1', 'PredClose:/', '{', '}']);
  assert.equal(toks('kprobe:f/pid/{}')[0], 'AttachPoint:kprobe:f/pid/');
  assert.equal(toks('kprobe:f // comment\n{}'), ['AttachPoint:kprobe:f', '{', '}']);
});

test('a predicate closes at a / followed by { or <; other slashes divide', () => {
  assert.equal(toks('BEGIN /4/2/ {}'), [
    'AttachPoint:BEGIN',
    'PredOpen:/',
    'IntLiteral:4',
    '/',
    'IntLiteral:2',
    'PredClose:/',
    '{',
    '}',
  ]);
  assert.equal(toks('BEGIN /x/ /* c */\n< >').slice(-3), ['PredClose:/', 'AngleOpen:<', 'AngleClose:>']);
});

test('identifiers are not attach points inside blocks', () => {
  assert.equal(toks('BEGIN { kprobe:f }'), ['AttachPoint:BEGIN', '{', 'Identifier:kprobe', ':', 'Identifier:f', '}']);
});

test('config is a keyword at the top level, not an attach point', () => {
  assert.equal(toks('config = { a = 1 }'), ['config', '=', '{', 'Identifier:a', '=', 'IntLiteral:1', '}']);
});

test('shebang and comments are skipped; # lines are directives', () => {
  assert.equal(toks('#!/usr/bin/env bpftrace\n#include <a.h>\n  #include "b.h"\n/* x */ // y\nBEGIN{}'), [
    'Directive:#include <a.h>',
    'Directive:#include "b.h"',
    'AttachPoint:BEGIN',
    '{',
    '}',
  ]);
});

test('variables, positionals, maps and keywords', () => {
  assert.equal(toks('BEGIN { $x $1 $# @ @m if iffy sizeof true }').slice(2, -1), [
    'Variable:$x',
    'Positional:$1',
    'Positional:$#',
    'MapName:@',
    'MapName:@m',
    'if',
    'Identifier:iffy',
    'sizeof',
    'true',
  ]);
});

test('operators take the longest match', () => {
  assert.equal(toks('BEGIN { <<= >>= -> ++ -- += << >> <= >= == != && || .. . }').slice(2, -1), [
    '<<=',
    '>>=',
    '->',
    '++',
    '--',
    '+=',
    '<<',
    '>>',
    '<=',
    '>=',
    '==',
    '!=',
    '&&',
    '||',
    '..',
    '.',
  ]);
});

test('integer literals are lexed leniently (the AST builder validates them), and ranges split', () => {
  assert.equal(toks('BEGIN { 0x1f 1_000 1e6 10ms 08 0..10 $t.0.1 }').slice(2, -1), [
    'IntLiteral:0x1f',
    'IntLiteral:1_000',
    'IntLiteral:1e6',
    'IntLiteral:10ms',
    'IntLiteral:08',
    'IntLiteral:0',
    '..',
    'IntLiteral:10',
    'Variable:$t',
    '.',
    'IntLiteral:0',
    '.',
    'IntLiteral:1',
  ]);
});

test('strings keep escaped quotes; an unterminated one runs to the end of its line', () => {
  assert.equal(toks('BEGIN { "a\\"b" "c\n}'), [
    'AttachPoint:BEGIN',
    '{',
    'StringLiteral:"a\\"b"',
    'UnterminatedString:"c',
    '}',
  ]);
});

test('unknown characters become Invalid tokens, in order, with their offsets', () => {
  const ts = lex('BEGIN { ` é \u0001 }');
  assert.equal(
    ts.map((t) => `${t.tokenType.name}:${t.image}@${t.startOffset}-${tokenEnd(t)}`),
    [
      'AttachPoint:BEGIN@0-5',
      'LCurly:{@6-7',
      'Invalid:`@8-9',
      'Invalid:é@10-11',
      'Invalid:\u0001@12-13',
      'RCurly:}@14-15',
    ],
  );
});

test('an unterminated block comment is a token the parser can report', () => {
  assert.equal(toks('BEGIN { /* never closed'), ['AttachPoint:BEGIN', '{', 'UnterminatedComment:/* never closed']);
});

test('lexing twice gives the same tokens (the bracket tracker resets)', () => {
  const a = toks('BEGIN { @x = 1');
  assert.equal(toks('kprobe:f < @y >'), ['AttachPoint:kprobe:f', 'AngleOpen:<', 'MapName:@y', 'AngleClose:>']);
  assert.equal(toks('BEGIN { @x = 1'), a);
});

test.run();
