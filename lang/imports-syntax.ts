// `import "path";` at the top level (bpftrace v0.26): taken out of the token stream before the probes are
// parsed, so the grammar never sees it. The lexer reads `import` as an attach point (no provider has that
// name); here it is one when a string follows. Imports come after the C part and may mix with the `config`
// block, but not follow a probe, a macro or a map declaration, as in bpftrace. lang/imports.ts resolves them.
import type { IToken } from 'chevrotain';
import { decodeString } from './cst-to-ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import { applyBracket, tokenEnd, type Open } from './lexer.ts';
import type { SourceFile, Span } from './source.ts';
import * as T from './tokens.ts';

/** One `import "path";`: the path as written (escapes decoded) and the whole statement's span. */
export interface ImportStatement {
  readonly path: string;
  readonly span: Span;
}

/** The tokens without the imports, and the imports (in order); misplaced or malformed ones become errors. */
export function takeImports(
  tokens: readonly IToken[],
  file: SourceFile,
  diagnostics: Diagnostic[],
): { tokens: IToken[]; imports: ImportStatement[] } {
  const out: IToken[] = [];
  const imports: ImportStatement[] = [];
  const stack: Open[] = [];
  let body = false; // a probe, macro or map declaration has begun
  const at = (start: number, end: number): Span => ({ file, start, end });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const top = stack.length === 0;
    if (top && t.tokenType === T.AttachPoint && t.image === 'import' && tokens[i - 1]?.tokenType !== T.Comma) {
      const str = tokens[i + 1];
      if (str?.tokenType !== T.StringLiteral) {
        diagnostics.push({
          severity: 'error',
          message: "expected a string after 'import'",
          span: at(t.startOffset, tokenEnd(t)),
          hints: ['name the file in quotes: import "helpers.bt";'],
        });
        continue;
      }
      const semi = tokens[i + 2];
      const end = semi?.tokenType === T.Semi ? tokenEnd(semi) : tokenEnd(str);
      i += semi?.tokenType === T.Semi ? 2 : 1;
      const span = at(t.startOffset, end);
      if (semi?.tokenType !== T.Semi)
        diagnostics.push({
          severity: 'error',
          message: "expected ';' after the import",
          span,
          hints: [`end it with a semicolon: import ${str.image};`],
        });
      else if (body)
        diagnostics.push({
          severity: 'error',
          message: 'imports must come before probes, macros and map declarations',
          span,
          hints: ['move the import up, after any #include and struct definitions'],
        });
      else {
        const path = decodeString(str.image.slice(1, -1), str.startOffset + 1, (message, s, e) =>
          diagnostics.push({ severity: 'error', message, span: at(s, e) }),
        );
        imports.push({ path, span });
      }
      continue;
    }
    if (top && (t.tokenType === T.AttachPoint || t.tokenType === T.Macro || t.tokenType === T.Let)) body = true;
    applyBracket(stack, t.tokenType);
    out.push(t);
  }
  return { tokens: out, imports };
}
