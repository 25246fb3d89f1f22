// The grammar model Chevrotain records when the parser is built, as plain data: scripts/build.mjs records it once
// and puts it in the bundle, so the CLI's parser is built from it instead of running every rule in Chevrotain's
// recording mode (and undoing the ~90 recording methods that mode puts on the parser) at each start.
// Same model either way: test/lang/grammar-saved.test.ts compares them, and what the parsers make of programs.
import {
  Alternation,
  Alternative,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  type IProduction,
  type TokenType,
} from 'chevrotain';
import { allTokens } from './tokens.ts';

/** One production: its class, its own fields (tokens by name), its children. */
export interface SavedProduction {
  type: string;
  definition?: SavedProduction[];
  [field: string]: unknown;
}

/** Rule name → its recorded model. */
export type SavedGrammar = Record<string, SavedProduction>;

const classes = {
  Rule,
  NonTerminal,
  Terminal,
  Alternative,
  Alternation,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
} as const;
type ClassName = keyof typeof classes;

/** fields that hold a token type, saved as its name */
const TOKEN_FIELDS = new Set(['terminalType', 'separator']);

/** The model of each rule (the parser's getGAstProductions()), as data. */
export function saveGrammar(rules: Record<string, Rule>): SavedGrammar {
  const out: SavedGrammar = {};
  for (const [name, rule] of Object.entries(rules)) out[name] = saveProduction(rule);
  return out;
}

function saveProduction(p: IProduction): SavedProduction {
  const type = p.constructor.name;
  if (!(type in classes)) throw new Error(`internal error: grammar production of unknown kind ${type}`);
  const out: SavedProduction = { type };
  for (const [k, v] of Object.entries(p)) {
    if (k === 'referencedRule') continue; // a link Chevrotain's resolver makes again, by nonTerminalName
    if (k === '_definition') {
      if (!(p instanceof NonTerminal)) out.definition = (v as IProduction[]).map(saveProduction);
    } else if (TOKEN_FIELDS.has(k)) out[k] = (v as TokenType).name;
    else if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
    else throw new Error(`internal error: grammar field ${type}.${k} cannot be saved`);
  }
  return out;
}

let tokensByName: Map<string, TokenType> | undefined;

/** One rule's model, built from its saved form (NonTerminals unresolved, as recording leaves them). */
export function loadRule(saved: SavedProduction): Rule {
  tokensByName ??= new Map(allTokens.map((t) => [t.name, t]));
  return loadProduction(saved, tokensByName) as Rule;
}

/**
 * Made as the class's constructor would leave it (the fields it sets, all saved), without running it: the
 * constructors copy their options through lodash's pickBy and assign, ~0.5 ms of every start for ~600 productions.
 */
function loadProduction(saved: SavedProduction, tokens: Map<string, TokenType>): IProduction {
  const Class = classes[saved.type as ClassName];
  if (!Class) throw new Error(`internal error: the saved grammar has a production of unknown kind ${saved.type}`);
  const p = Object.create(Class.prototype) as Record<string, unknown>;
  // a NonTerminal's own definition is the empty one its constructor gives it (the rule it names has the real one);
  // a Terminal has none
  const children = saved.definition;
  if (saved.type !== 'Terminal') p['_definition'] = children ? children.map((c) => loadProduction(c, tokens)) : [];
  for (const k in saved) {
    if (k === 'type' || k === 'definition') continue;
    const v = saved[k];
    if (TOKEN_FIELDS.has(k)) {
      const t = tokens.get(v as string);
      if (!t) throw new Error(`internal error: the saved grammar names token ${String(v)}, which no longer exists`);
      p[k] = t;
    } else p[k] = v;
  }
  return p as unknown as IProduction;
}
