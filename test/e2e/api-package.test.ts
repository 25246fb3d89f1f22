// The package as a user gets it: `npm pack`, the tarball installed into an empty project (its dependencies from
// npm's cache, the native addon built by its install script), then a plain Node ES module importing 'scry' (no
// tsx), and a TypeScript file type-checked against the shipped declarations. Needs dist/ built (npm test builds
// it first: scripts/build.mjs, scripts/build-api.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireRoot } from '../helpers/kernel.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const npm = (args: string[], cwd: string) =>
  spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_yes: 'true' } });

let work = '';
let project = '';
let installedFrom = '';

// Plain ESM, run by node itself: compile() root-free; trace() when this process may trace.
const CONSUMER = `import { compile, trace, ScryCompileError } from 'scry';
const out = {};
const ok = compile('tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }', {
  kernel: { tracepoints: { 'syscalls:sys_enter_openat': { fields: [{ name: 'flags', type: 'int', offset: 32, size: 8, signed: false }] } } },
});
out.compiled = { probes: ok.program.probes.map((p) => [p.attach, p.programType, p.bytecode.length > 0]), maps: ok.program.maps.filter((m) => m.scriptName).map((m) => [m.scriptName, m.value]) };
out.diagnostic = compile('BEGIN { nosuch(); }', { kernel: {} }).diagnostics.map((d) => [d.severity, d.location.line, d.location.column]);
try { await import('scry/dist/api.mjs'); out.deep = 'imported'; } catch (e) { out.deep = e.code; }
if (process.argv[2] === 'trace') {
  const run = await trace('BEGIN { printf("from the package %d\\\\n", 7); @x = 5; exit(); }');
  const events = [];
  for await (const e of run.events()) events.push(e.kind === 'printf' ? e.text : e.kind);
  out.events = events;
  out.maps = String((await run.maps.read('@x')).entries[0].value);
  try { await trace('BEGIN { nosuch(); }'); } catch (e) { out.error = [e instanceof ScryCompileError, e.name]; }
}
console.log(JSON.stringify(out));
`;

// Type-checked against dist/api.d.ts as installed; each @ts-expect-error must meet an error, so
// declarations that were missing (any) or wrong fail the check.
const TYPED = `import { compile, trace, ScryKernelError, type CompileResult, type ScryEvent, type MapData } from 'scry';
const r: CompileResult = compile('BEGIN { exit(); }', { kernel: { arch: 'x86_64', functions: ['vfs_read'] } });
const n: number = r.diagnostics.length + (r.program?.probes[0]?.instructions.length ?? 0);
// @ts-expect-error: the source is a string
compile(42);
// @ts-expect-error: no such option
compile('BEGIN {}', { kernal: {} });
export async function main(signal: AbortSignal): Promise<bigint> {
  const run = await trace('BEGIN { @x = count(); }', { signal, params: ['1'], bufferEvents: 10 });
  for await (const e of run.events()) {
    const ev: ScryEvent = e;
    if (ev.kind === 'printf') ev.text.toUpperCase();
    // @ts-expect-error: only printf events have text
    if (ev.kind === 'lost') ev.text.toUpperCase();
  }
  const m: MapData = await run.maps.read('@x');
  const final = await run.stop();
  try { await run.stop(); } catch (e) { if (e instanceof ScryKernelError) return BigInt(e.errno); }
  return (m.entries[0]?.value as bigint) + BigInt(Object.keys(final).length + n);
}
`;

function pack(): string {
  const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo);
  assert.is(r.status, 0, r.stderr);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const f of ['dist/api.mjs', 'dist/api.d.ts', 'bin/scry.cjs', 'dist/scry.cjs', 'binding.gyp', 'package.json'])
    assert.ok(files.includes(f), `${f} in the tarball`);
  assert.ok(files.includes('runtime/native/scry_native.cc'), "the addon's source, for its install script");
  // sources, tests and the V8 code cache stay out
  assert.not.ok(
    files.some((f) => /^(test|lang|compiler|repl|scripts)\//.test(f) || f.includes('.cache')),
    files.join(' '),
  );
  return join(work, info!.filename);
}

const gate = existsSync(join(repo, 'dist/api.mjs')) && existsSync(join(repo, 'dist/api.d.ts'));
if (!gate) {
  test('the package entry is built', () => {
    assert.unreachable('dist/api.mjs or dist/api.d.ts missing: run `npm run build` (npm test builds before testing)');
  });
} else {
  test.before(() => {
    work = mkdtempSync(join(tmpdir(), 'scry-pack-'));
    project = join(work, 'consumer');
    mkdirSync(project);
  });
  test.after(() => rmSync(work, { recursive: true, force: true }));

  test('npm pack, then the tarball installs into an empty project (addon built by its install script)', () => {
    const tarball = pack();
    // npm 11 runs a dependency's install script only when the project allows it (allowScripts)
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        version: '1.0.0',
        type: 'module',
        private: true,
        allowScripts: { scry: true },
      }),
    );
    let r = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
    installedFrom = 'tarball';
    if (r.status !== 0 && /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(r.stderr)) {
      // no registry and the dependencies not in npm's cache: the repository itself (a link), said so
      process.stderr.write(
        `NOTE api-package: the tarball's dependencies cannot be fetched (${r.stderr.split('\n')[0]}); installing the repository path instead\n`,
      );
      r = npm(['install', '--offline', '--no-audit', '--no-fund', repo], project);
      installedFrom = 'repository';
    }
    assert.is(r.status, 0, r.stderr);
    const installed = join(project, 'node_modules/scry');
    assert.ok(existsSync(join(installed, 'dist/api.mjs')));
    assert.ok(existsSync(join(installed, 'build/Release/scry_native.node')), `the addon built (${r.stderr})`);
  });

  test("a plain Node ES module imports { compile, trace } from 'scry' (no tsx); only the exports map's entry is reachable", () => {
    writeFileSync(join(project, 'consumer.mjs'), CONSUMER);
    const out = execFileSync(process.execPath, ['consumer.mjs'], { cwd: project, encoding: 'utf8' });
    const got = JSON.parse(out) as Record<string, unknown>;
    assert.equal(got['compiled'], {
      probes: [['tracepoint:syscalls:sys_enter_openat', 'tracepoint', true]],
      maps: [['@', 'count()']],
    });
    assert.equal(got['diagnostic'], [['error', 1, 9]]);
    assert.is(got['deep'], 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  if (requireRoot('trace() from the installed package'))
    test('trace() from the installed package runs on the kernel, with the addon it built', () => {
      const out = execFileSync(process.execPath, ['consumer.mjs', 'trace'], { cwd: project, encoding: 'utf8' });
      const got = JSON.parse(out) as Record<string, unknown>;
      assert.equal(got['events'], ['attached', 'from the package 7\n', 'map', 'exit']);
      assert.is(got['maps'], '5');
      assert.equal(got['error'], [true, 'ScryCompileError']);
      // the CLI from the same install
      const cli = execFileSync(join(project, 'node_modules/.bin/scry'), ['-e', 'BEGIN { printf("cli\\n"); exit(); }'], {
        cwd: project,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.match(cli, /cli\n/);
    });

  test('a TypeScript consumer type-checks against the shipped declarations (and its expected errors are errors)', () => {
    writeFileSync(join(project, 'typed.ts'), TYPED);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // the declarations need no @types/node (AbortSignal is in lib.dom too); the default libs go unchecked
          // (skipDefaultLibCheck: seconds saved), dist/api.d.ts is checked (no skipLibCheck)
          types: [],
          lib: ['ES2022', 'DOM'],
          skipDefaultLibCheck: true,
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' });
    assert.is(r.status, 0, `${r.stdout}${r.stderr} (installed from the ${installedFrom})`);
    // and the check can fail: a wrong type of the API is reported
    writeFileSync(join(project, 'typed.ts'), `${TYPED}\nconst wrong: string = compile('BEGIN {}').diagnostics;\n`);
    const bad = spawnSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' });
    assert.is(bad.status, 2);
    assert.match(bad.stdout, /typed\.ts\(\d+,\d+\): error TS2322/);
  });
}

test.run();
