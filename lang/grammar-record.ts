// Entry point scripts/build.mjs runs at build time: the parser's grammar model, recorded by Chevrotain, as JSON
// for the bundle (lang/grammar-saved.ts).
import { defaultParserErrorProvider } from 'chevrotain';
import { saveGrammar } from './grammar-saved.ts';
import { ScryParser } from './parser.ts';

export function recordGrammar(): string {
  return JSON.stringify(saveGrammar(new ScryParser(defaultParserErrorProvider, false, undefined).getGAstProductions()));
}
