// A program with thousands of mistakes (a generated or pasted one) gets the first ones and a count of the
// rest: each rendered diagnostic repeats its source line, and thousands of long lines once made one string
// longer than JavaScript allows.
import type { Diagnostic } from './diagnostics.ts';

export const MAX_DIAGNOSTICS = 50;

export function capDiagnostics(diags: Diagnostic[], max = MAX_DIAGNOSTICS): Diagnostic[] {
  if (diags.length <= max) return diags;
  const rest = diags.slice(max);
  const errors = rest.filter((d) => d.severity === 'error').length;
  const first = rest.find((d) => d.span) ?? rest[0]!;
  const what = errors === rest.length ? 'errors' : errors ? 'errors and warnings' : 'warnings';
  return [
    ...diags.slice(0, max),
    {
      severity: errors ? 'error' : 'warning',
      message: `${rest.length} more ${what} from here on are not shown`,
      ...(first.span ? { span: first.span } : {}),
      hints: ['fix the ones above first'],
    },
  ];
}
