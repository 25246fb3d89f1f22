// kprobe attach points against the kernel's function list (lang/providers/kprobe.ts): where the kernel can find
// functions by a plain part of their name (KernelInfo.kernelFunctionsWith, a search of the list's bytes), the
// checker asks that instead of making the whole list, and resolves every point as the whole list would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KernelFunction, KernelInfo } from '../../lang/index.ts';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const FUNCTIONS: KernelFunction[] = [
  { name: 'vfs_read' },
  { name: 'vfs_readv' },
  { name: 'vfs_write' },
  { name: 'do_mkdirat' },
  { name: 'vfs_mkdir' },
  { name: 'cleanup' },
  { name: 'cleanup', module: 'xfs' },
  { name: 'xfs_vfs_read_helper', module: 'xfs' },
  { name: 'dummy_xmit', module: 'dummy' },
];

/** The fixed kernel with this list, counting how often the whole list is asked for. */
function kernelWith(search: boolean): { kernel: KernelInfo; wholeLists: () => number } {
  let wholeLists = 0;
  const kernel: KernelInfo = {
    ...fixedKernel,
    kernelFunctions: () => (wholeLists++, FUNCTIONS),
    ...(search
      ? {
          kernelFunctionsWith: (literal: string) =>
            FUNCTIONS.filter((f) => f.name.includes(literal) || f.module?.includes(literal)),
        }
      : {}),
  };
  return { kernel, wholeLists: () => wholeLists };
}

/** The attach points a script compiles to, or its diagnostics. */
function resolve(text: string, kernel: KernelInfo): string {
  const out = compileSource(text, kernel);
  if (!out.program) return renderDiagnostics(out.diagnostics);
  return out.program.programs.map((p) => p.attach.text).join('\n');
}

const POINTS = [
  'kprobe:vfs_read',
  'kretprobe:vfs_read',
  'kprobe:vfs_read+16',
  'kprobe:vfs_*',
  'kprobe:*mkdir*',
  'kprobe:v?s_read',
  'kprobe:cleanup',
  'kprobe:xfs:cleanup',
  'kprobe:xfs:*read*',
  'kprobe:x*:*',
  'kprobe:*',
  'kprobe:vfs_reed',
  'kprobe:nothing_*',
  'kprobe:vmlinux:vfs_read',
  'kprobe:vmlinu*:*read*',
];

test('every point resolves as with the whole list', () => {
  for (const point of POINTS) {
    const text = `${point} { @[probe] = count(); }`;
    assert.is(resolve(text, kernelWith(true).kernel), resolve(text, kernelWith(false).kernel), point);
  }
  assert.match(resolve('kprobe:vfs_* { }', kernelWith(true).kernel), /kprobe:vfs_read\nkprobe:vfs_readv\n/);
});

test('a function or a wildcard with a plain part does not make the whole list; a miss and `*` do', () => {
  for (const point of ['kprobe:vfs_read', 'kprobe:vfs_*', 'kprobe:*mkdir*', 'kprobe:xfs:cleanup']) {
    const k = kernelWith(true);
    resolve(`${point} { }`, k.kernel);
    assert.is(k.wholeLists(), 0, point);
  }
  for (const point of ['kprobe:*', 'kprobe:vfs_reed']) {
    const k = kernelWith(true);
    resolve(`${point} { }`, k.kernel);
    assert.ok(k.wholeLists() > 0, point);
  }
});

test("the kernel's own functions are the module vmlinux's, as bpftrace v0.26 names them", () => {
  const { kernel } = kernelWith(true);
  assert.is(resolve('kprobe:vmlinux:vfs_read { }', kernel), 'kprobe:vfs_read');
  assert.is(resolve('kprobe:vmlinux:vfs_rea* { }', kernel), 'kprobe:vfs_read\nkprobe:vfs_readv');
  assert.is(resolve('kretprobe:vmlinu*:vfs_read { }', kernel), 'kretprobe:vfs_read');
  // vmlinux's cleanup, not xfs's; and not a module's function
  assert.is(resolve('kprobe:vmlinux:cleanup { }', kernel), 'kprobe:cleanup');
  assert.match(
    resolve('kprobe:vmlinux:xfs_vfs_read_helper { }', kernel),
    /unknown kernel function vmlinux:xfs_vfs_read_helper/,
  );
});

test("kprobe:MODULE:func on a module the list does not name: v0.26's error, whatever missing_probes says", () => {
  const { kernel } = kernelWith(true);
  const out = resolve('kprobe:nonsense:vfs_read { }', kernel);
  assert.match(out, 'stdin:1:1-25: ERROR: specified module nonsense in probe kprobe:nonsense:vfs_read is not loaded.');
  assert.match(out, 'HINT: load it first (modprobe nonsense), or leave the module out: kprobe:vfs_read');
  assert.match(
    resolve('config = { missing_probes = "warn" } kprobe:nonsense:vfs_read { }', kernel),
    'ERROR: specified',
  );
  assert.is(resolve('kprobe:dummy:dummy_xmit { }', kernel), 'kprobe:dummy:dummy_xmit');
});

test('a function the list does not have: warned (v0.26) where kprobes attach; --unsafe keeps the probe', () => {
  const { kernel } = kernelWith(true);
  const warning =
    'WARNING: vfs_reed is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail';
  const refused = resolve('kprobe:vfs_reed { }', kernel);
  assert.match(refused, 'ERROR: No matches for kprobe vfs_reed.');
  assert.match(refused, warning);
  const out = compileSource('kprobe:vfs_reed { }', kernel, { unsafe: true });
  assert.is(
    out.program?.programs.map((p) => p.attach.text).join(),
    'kprobe:vfs_reed',
    renderDiagnostics(out.diagnostics),
  );
  assert.match(renderDiagnostics(out.diagnostics), warning);
  // a kernel without kprobes: no warning (nothing would attach), the error says why
  const without = resolve('kprobe:vfs_reed { }', { ...kernel, kprobesAttach: () => false });
  assert.not.match(without, 'WARNING');
  assert.match(without, 'no kprobe attaches on this kernel');
});

test('kprobe:ADDRESS needs --unsafe (v0.26) and is named by the address in decimal', () => {
  const { kernel } = kernelWith(true);
  assert.match(resolve('kprobe:0x12345678 { }', kernel), 'stdin:1:1-18: ERROR: Probing by address requires --unsafe');
  for (const [text, name] of [
    ['kprobe:0x12345678', 'kprobe:305419896'],
    ['kretprobe:305419896', 'kretprobe:305419896'],
  ]) {
    const out = compileSource(`${text} { @[probe] = count(); }`, kernel, { unsafe: true });
    const a = out.program?.programs[0]?.attach;
    assert.is(a?.text, name, renderDiagnostics(out.diagnostics));
    assert.is(a?.provider === 'kprobe' || a?.provider === 'kretprobe' ? a.address : undefined, 305419896n);
  }
});

test('a kernel that lists no functions: no check, the attach says', () => {
  const kernel: KernelInfo = { ...fixedKernel, kernelFunctions: () => [], kernelFunctionsWith: () => undefined };
  assert.is(resolve('kprobe:anything { }', kernel), 'kprobe:anything');
  assert.match(resolve('kprobe:any* { }', kernel), /no kernel function matches kprobe:any\*/);
});

test.run();
