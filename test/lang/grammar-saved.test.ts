// The bundle's parser is built from a grammar model recorded at build time (lang/grammar-saved.ts) instead of
// recording it at start-up: the model built from the saved one is the recorded one, field by field, and the two
// parsers make the same trees and errors of every program in the corpus and examples.
import { readdirSync, readFileSync } from 'node:fs';
import { defaultParserErrorProvider, type CstNode, type IProduction, type IToken } from 'chevrotain';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordGrammar } from '../../lang/grammar-record.ts';
import { loadRule, saveGrammar, type SavedGrammar } from '../../lang/grammar-saved.ts';
import { lex } from '../../lang/lexer.ts';
import { ScryParser } from '../../lang/parser.ts';

const saved = JSON.parse(recordGrammar()) as SavedGrammar;
const recorded = new ScryParser(defaultParserErrorProvider, false, undefined);
const fromSaved = new ScryParser(defaultParserErrorProvider, false, saved);

/** a production's class and own fields, children and token types included (the resolver's rule links by name) */
function shape(p: IProduction): unknown {
  const out: Record<string, unknown> = { class: p.constructor };
  for (const [k, v] of Object.entries(p))
    if (k === 'referencedRule') out[k] = (v as { name: string }).name;
    else if (k === '_definition') out[k] = (v as IProduction[]).map(shape);
    else out[k] = v;
  return out;
}

test('the model built from the saved grammar is the recorded one', () => {
  const a = recorded.getGAstProductions();
  const b = fromSaved.getGAstProductions();
  assert.equal(Object.keys(b), Object.keys(a));
  assert.ok(Object.keys(a).length > 20);
  for (const name of Object.keys(a)) assert.equal(shape(b[name]!), shape(a[name]!), name);
  assert.equal(saveGrammar(b), saved);
});

test('a saved grammar that names a token that no longer exists, or lacks a rule, is refused', () => {
  const json = JSON.stringify(saved);
  const renamed = JSON.parse(
    json.replace('"terminalType":"Identifier"', '"terminalType":"NoSuchToken"'),
  ) as SavedGrammar;
  assert.throws(() => new ScryParser(defaultParserErrorProvider, false, renamed), /token NoSuchToken/);
  const { program: _, ...partial } = saved;
  assert.throws(() => new ScryParser(defaultParserErrorProvider, false, partial), /no rule program/);
  assert.throws(() => loadRule({ type: 'Bogus' }), TypeError);
});

/** a CST as text: rule names, token images and offsets */
function cstText(n: CstNode): string {
  const parts: string[] = [];
  for (const [key, children] of Object.entries(n.children))
    for (const c of children)
      parts.push('image' in c ? `${key}=${(c as IToken).image}@${(c as IToken).startOffset}` : cstText(c as CstNode));
  return `(${n.name} ${parts.join(' ')})`;
}

function run(p: ScryParser, tokens: IToken[]): string {
  p.input = tokens;
  const cst = p.program();
  return `${p.errors.map((e) => `${e.name}: ${e.message} @${e.token.startOffset}`).join('\n')}\n${cst ? cstText(cst) : ''}`;
}

test('both parsers make the same trees and errors of the corpus and the examples', () => {
  const files: string[] = [];
  for (const dir of ['test/corpus/run', 'test/corpus/errors', 'examples'])
    for (const f of readdirSync(dir)) if (f.endsWith('.bt')) files.push(`${dir}/${f}`);
  assert.ok(files.length > 300, `${files.length} files`);
  let errors = 0;
  for (const f of files) {
    const tokens = lex(readFileSync(f, 'utf8'));
    // whole, and cut short (which the parsers' error paths meet)
    for (const input of [tokens, tokens.slice(0, tokens.length >> 1)]) {
      const want = run(recorded, input);
      assert.fixture(run(fromSaved, input), want, f);
      if (!want.startsWith('\n')) errors++;
    }
  }
  assert.ok(errors > 300, `inputs with syntax errors among them: ${errors}`);
});

test.run();
