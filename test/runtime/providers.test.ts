// The probe tables: every provider has its row in each layer (lang, compiler, runtime), the context
// builtins are valid exactly where a provider's row says they read something, and -l lists in a fixed order.
// Root-free: only the tables are read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builtinVars, providers, providersReading } from '../../lang/index.ts';
import { compilerRow } from '../../compiler/codegen/providers/index.ts';
import { listers, runtimeRow } from '../../runtime/providers/index.ts';
import type { ResolvedAttach } from '../../lang/index.ts';

const probeOf = (name: string) => ({ provider: name }) as unknown as ResolvedAttach;

test('every provider has a compiler row and a runtime row', () => {
  for (const p of providers) {
    assert.ok(compilerRow(probeOf(p.name)), `compiler row for ${p.name}`);
    assert.ok(runtimeRow(probeOf(p.name)), `runtime row for ${p.name}`);
  }
});

test('func, retval and argN are valid where the provider rows say they read something', () => {
  const sorted = (xs: readonly string[]) => [...xs].sort();
  // func in uprobes is the function's name (bpftrace v0.26 builtin.func_uprobe)
  assert.equal(sorted(providersReading('func')), ['fentry', 'fexit', 'kprobe', 'kretprobe', 'uprobe', 'uretprobe']);
  assert.equal(sorted(providersReading('retval')), ['fexit', 'kretprobe', 'uretprobe']);
  assert.equal(sorted(providersReading('argN')), ['fentry', 'fexit', 'kprobe', 'rawtracepoint', 'uprobe', 'usdt']);
  assert.equal(sorted(providersReading('ptRegs')), ['kprobe', 'kretprobe', 'profile', 'uprobe', 'uretprobe', 'usdt']);
  // the builtin table names the same providers
  for (const [name, reads] of [
    ['func', 'func'],
    ['retval', 'retval'],
    ['arg0', 'argN'],
  ] as const) {
    const only = (builtinVars.find((v) => v.name === name) as { only?: readonly string[] } | undefined)?.only;
    assert.equal(sorted(only ?? []), sorted(providersReading(reads)), name);
  }
});

// the order -l prints them in is the providers' names' (listing.ts; test/runtime/listing.test.ts)
test('the providers -l lists names of: every kernel and timer provider, iterators and self', () => {
  assert.equal(
    listers.map((l) => l.provider),
    [
      'tracepoint',
      'rawtracepoint',
      // fentry/fexit: the kernel's functions, then the loaded BPF programs' (fentry:bpf)
      'fentry',
      'fentry',
      'fexit',
      'fexit',
      'kprobe',
      'kretprobe',
      'software',
      'hardware',
      'profile',
      'interval',
      'iter',
      'self',
    ],
  );
});

test.run();
