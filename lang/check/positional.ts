// Positional parameters: `$1` stands for the text given after the program, read as a literal.

/** The literal a positional parameter stands for; a missing one is 0, as in bpftrace. */
export function positionalValue(params: readonly string[], index: number): bigint | string {
  const raw = params[index - 1];
  if (raw === undefined) return 0n;
  if (/^-?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(raw.trim())) {
    const t = raw.trim();
    const neg = t.startsWith('-');
    const body = neg ? t.slice(1) : t;
    const v = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
    return neg ? -v : v;
  }
  return raw;
}
