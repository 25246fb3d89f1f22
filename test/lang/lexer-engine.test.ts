// The lexer's own scanner against Chevrotain's Lexer over the same token types: the same tokens (type, text,
// offset) for every program of the corpora and for seeded mutants of them (junk characters, cut strings and
// comments, brackets moved), and one Invalid token for each run of characters Chevrotain reports as an error.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IToken } from 'chevrotain';
import { getLexer, lex } from '../../lang/lexer.ts';
import * as T from '../../lang/tokens.ts';
import { rng } from '../helpers/rng.ts';

/** What lex() made of a program before it had its own scanner: Chevrotain's tokens, an Invalid token per error. */
function chevrotainLex(text: string): IToken[] {
  const result = getLexer().tokenize(text);
  const junk: IToken[] = result.errors.map((e) => ({
    image: String.fromCodePoint(text.codePointAt(e.offset) ?? 0),
    startOffset: e.offset,
    tokenType: T.Invalid,
    tokenTypeIdx: T.Invalid.tokenTypeIdx!,
  }));
  return [...result.tokens, ...junk].sort((a, b) => a.startOffset - b.startOffset);
}

const shown = (tokens: readonly IToken[]): string[] =>
  tokens.map((t) => `${t.startOffset} ${t.tokenType.name} ${JSON.stringify(t.image)} ${t.tokenTypeIdx}`);

function same(text: string): void {
  assert.equal(shown(lex(text)), shown(chevrotainLex(text)), `lexing ${JSON.stringify(text)}`);
}

const root = fileURLToPath(new URL('../../', import.meta.url));
function btFiles(dir: string): string[] {
  return readdirSync(root + dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? btFiles(`${dir}/${e.name}`) : e.name.endsWith('.bt') ? [`${dir}/${e.name}`] : [],
  );
}
const corpus = [...btFiles('examples'), ...btFiles('test')].sort().map((f) => readFileSync(root + f, 'utf8'));

test('the corpora lex as Chevrotain lexes them', () => {
  assert.ok(corpus.length > 100, `only ${corpus.length} programs found`);
  for (const text of corpus) same(text);
});

test('junk, cut strings and comments, and context tokens lex as Chevrotain lexes them', () => {
  for (const text of [
    '',
    'BEGIN { printf("é\\n"); } ë ë',
    'BEGIN { @x = 1 ` 2; }',
    'BEGIN { @x = "unterminated }',
    'BEGIN { /* open comment',
    '#!/usr/bin/env bpftrace\n#include <linux/sched.h>\nBEGIN { }',
    'macro add(a, b) { a + b } BEGIN { print(add(1, 2)); }',
    'k:f < @x = (a > b); @y[c > d] = e >= f >> 1 >',
    'BEGIN/1/{} kprobe:f/pid/{} uprobe:"/a b/c":fn {}',
    'let @m = lruhash(10); config = { max_map_keys = 5 } BEGIN { $a = $1 + $#; @[comm] = count(); }',
    'BEGIN { if (x) { } else { } while (1) { break; } for ($i : 0..5) { continue; } return; }',
    '\u0000\u0001 BEGIN {\u00a0}',
    '😀 BEGIN { "😀" }',
    'iffy if_ ifx if BEGIN { iffy if_ ifx if; for_each; letter = truex + true; struct_ x; }',
  ])
    same(text);
});

test('seeded mutants of the corpora lex as Chevrotain lexes them', () => {
  const random = rng(7);
  const inserts = [
    'é',
    '`',
    '\\',
    "'",
    '"',
    '/*',
    '*/',
    '//',
    '/',
    '<',
    '>',
    '{',
    '}',
    '(',
    ')',
    '#',
    '$',
    '@',
    '\n',
    ' ',
  ];
  for (let n = 0; n < 1500; n++) {
    let text = corpus[Math.floor(random() * corpus.length)]!;
    for (let k = 0, edits = 1 + Math.floor(random() * 4); k < edits; k++) {
      const at = Math.floor(random() * (text.length + 1));
      const r = random();
      if (r < 0.5) text = text.slice(0, at) + inserts[Math.floor(random() * inserts.length)] + text.slice(at);
      else if (r < 0.8) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 5));
      else text = text.slice(0, at);
    }
    same(text);
  }
});

test.run();
