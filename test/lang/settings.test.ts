// Settings: config = { … } and the BPFTRACE_* environment variables (CheckOptions.settings, which the CLI
// fills from process.env). Pinned: bpftrace v0.26 (src/config.cpp: names with or without BPFTRACE_, any case;
// the environment wins; its words for an unknown, renamed, deprecated or environment-only name and for a bad
// license). bpftrace 0.17 read only some BPFTRACE_* variables and had no license or str_trunc_trailer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource, type CompileSourceOptions } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

function run(text: string, settings: Record<string, string> = {}, options: CompileSourceOptions = {}) {
  const r = compileSource(text, fixedKernel, { settings, ...options });
  return { program: r.program, out: renderDiagnostics(r.diagnostics) };
}

test('license: the programs load with the one the script names; GPL by default', () => {
  assert.is(run('BEGIN { exit(); }').program?.license, 'GPL');
  assert.is(run('config = { license = "Dual BSD/GPL" } BEGIN { exit(); }').program?.license, 'Dual BSD/GPL');
  assert.is(run('BEGIN { exit(); }', { BPFTRACE_LICENSE: 'GPL v2' }).program?.license, 'GPL v2');
});

test("a license the kernel would not take as GPL-compatible is refused in bpftrace's words", () => {
  const r = run('config = { license = "Potato" } BEGIN { exit(); }');
  assert.is(r.program, undefined);
  assert.match(
    r.out,
    'ERROR: Invalid value for license. Found: Potato. Valid values: Dual MIT/GPL, Dual BSD/GPL, Dual MPL/GPL, GPL and additional rights, GPL v2, GPL.\n',
  );
});

test('max_cat_bytes reaches the compiled program; the environment wins over the block', () => {
  assert.is(run('BEGIN { cat("/proc/loadavg"); exit(); }').program?.maxCatBytes, 10240);
  const block = 'config = { max_cat_bytes = 7 } BEGIN { cat("/proc/loadavg"); exit(); }';
  assert.is(run(block).program?.maxCatBytes, 7);
  assert.is(run(block, { BPFTRACE_MAX_CAT_BYTES: '1' }).program?.maxCatBytes, 1);
});

test('names: max_strlen, MAX_STRLEN and BPFTRACE_MAX_STRLEN are one setting (no warning)', () => {
  for (const name of ['stack_mode', 'STACK_MODE', 'BPFTRACE_STACK_MODE']) {
    const r = run(`config = { ${name} = raw } BEGIN { exit(); }`);
    assert.ok(r.program, r.out);
    assert.is(r.out, '');
  }
});

test('the environment wins: BPFTRACE_MAX_STRLEN over config max_strlen (what str() may hold in printf)', () => {
  // two str() of 8184 characters do not fit one printf record, of 8183 they do (test/lang/printf-args.test.ts)
  const prog = 'BEGIN { printf("%s %s\\n", str(0), str(8)); }';
  assert.ok(run(`config = { max_strlen = 8183 } ${prog}`).program);
  assert.not.ok(run(`config = { max_strlen = 8183 } ${prog}`, { BPFTRACE_MAX_STRLEN: '8184' }).program);
  assert.ok(run(`config = { max_strlen = 8184 } ${prog}`, { BPFTRACE_MAX_STRLEN: '8183' }).program);
});

test('a bad environment value is an error naming the variable (no source line to point at)', () => {
  const r = run('BEGIN { exit(); }', { BPFTRACE_MAX_STRLEN: 'lots' });
  assert.is(r.program, undefined);
  assert.is(r.out, 'ERROR: BPFTRACE_MAX_STRLEN: expecting a number, got lots\n');
  assert.match(run('BEGIN { exit(); }', { BPFTRACE_STACK_MODE: 'fancy' }).out, 'BPFTRACE_STACK_MODE: must be');
  // a variable for something scry does without is not scry's business
  assert.ok(run('BEGIN { exit(); }', { BPFTRACE_LOG_SIZE: 'junk', BPFTRACE_COLOR: 'never' }).program);
});

test("unknown, renamed, deprecated and environment-only names, in bpftrace v0.26's words", () => {
  assert.match(
    run('config = { bad_config = raw } BEGIN { }').out,
    'stdin:1:12-28: ERROR: bad_config: not a known configuration option\n',
  );
  const renamed = run('config = { strlen = 9 } BEGIN { exit(); }');
  assert.match(renamed.out, 'WARNING: strlen has been renamed, please use max_strlen');
  assert.ok(renamed.program);
  assert.match(
    run('config = { symbol_source = dwarf } BEGIN { }').out,
    'WARNING: symbol_source is deprecated and has no effect',
  );
  assert.match(run('config = { btf = 1 } BEGIN { }').out, 'ERROR: btf: can only be set as an environment variable');
});

test('stack_mode build_id: ustack takes it; kstack falls back to raw with a warning, kstack() is refused', () => {
  const u = run('config = { stack_mode = build_id } BEGIN { @[ustack] = count(); }');
  assert.is(u.out, '');
  const k = run('config = { stack_mode = build_id } BEGIN { @[kstack] = count(); }');
  assert.ok(k.program);
  assert.match(k.out, "WARNING: 'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode.");
  const call = run('BEGIN { @[kstack(3)] = count(); }', { BPFTRACE_STACK_MODE: 'build_id' });
  assert.is(call.program, undefined);
  assert.match(call.out, "ERROR: 'build_id' stack mode can only be used for ustack");
});

test.run();
