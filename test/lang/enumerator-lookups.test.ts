// Which names the checker asks the kernel's enumerators about (lang/check/macros.ts): bare identifiers and the
// one-word type names `sizeof(…)` takes, which may stand for an enumerator's value; never a cast's type, which is
// never a value. On the host the first question reads the whole vmlinux BTF and builds its enumerator index (~35 ms
// of CPU), which `(uint32)pid` in a one-liner used to pay for nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, renderDiagnostics, sourceFile } from '../../lang/index.ts';
import { parseCDeclarations } from '../../lang/c/declarations.ts';
import { withScriptTypes } from '../../lang/c/script-btf.ts';
import { parse } from '../../lang/parse.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const KERNEL_C = 'struct task_struct { int pid; }; typedef unsigned int pid_t; enum e { KNOWN = 3 };';

/** The names `text`'s check asked the kernel's enumerators about, and the checked program as JSON. */
function asked(text: string): { names: string[]; json: string } {
  const names: string[] = [];
  const { types } = withScriptTypes(undefined, parseCDeclarations(sourceFile('k.h', KERNEL_C), {}).declarations);
  const btf = new Proxy(types, {
    get: (t, k) => {
      const v = Reflect.get(t, k) as unknown;
      if (typeof v !== 'function') return v;
      const f = v as (...a: unknown[]) => unknown;
      return k === 'enumerator' ? (n: string) => (names.push(n), f.call(t, n)) : f.bind(t);
    },
  });
  const parsed = parse(sourceFile('t.bt', text));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const out = check(parsed.program!, { ...fixedKernel, btf: () => btf }, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return { names, json: JSON.stringify(out.program, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) };
}

test('casts ask nothing: scry types, struct pointers, kernel typedefs', () => {
  const { names } = asked(
    'BEGIN { @a = (uint32)pid; @b = (int64)1; $t = (struct task_struct *)curtask; @c = $t->pid; @d = (pid_t)tid; }',
  );
  assert.equal(names, []);
});

test('a bare identifier and sizeof(NAME) are asked, and become the enumerator value', () => {
  const ident = asked('BEGIN { @a = KNOWN; }');
  assert.equal([...new Set(ident.names)], ['KNOWN']);
  assert.match(ident.json, /"kind":"int","value":"3n","raw":"KNOWN"/);
  const size = asked('BEGIN { @a = sizeof(KNOWN); @b = sizeof(struct task_struct); @c = sizeof(uint32); }');
  assert.equal([...new Set(size.names)], ['KNOWN']);
  assert.match(size.json, /"kind":"int","value":"3n","raw":"KNOWN"/);
});

test.run();
