// examples/deploy/: the fleet recipe's files checked by the tools that read them, where this machine has them
// (promtool for the rules and the scrape config, systemd-analyze for the unit; each missing one prints a SKIP line),
// and the Kubernetes manifests parsed (python3's yaml: no schema tool installs here) and checked for what the
// recipe relies on: the ConfigMap holds fleet.bt word for word, the DaemonSet mounts it and runs scry on it with
// --metrics on the annotated port, privileged with the host's pids and /sys, the PodMonitor selects its pods.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs, type CliOptions } from '../../repl/cli-args.ts';
import { skipCheck } from '../helpers/kernel.ts';

const deploy = fileURLToPath(new URL('../../examples/deploy/', import.meta.url));
const read = (f: string) => readFileSync(join(deploy, f), 'utf8');

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** The YAML documents of a file as JSON values (python3 with PyYAML), or why they cannot be read here. */
function yamlDocs(file: string): unknown[] | string {
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))',
      join(deploy, file),
    ],
    { encoding: 'utf8' },
  );
  if (r.error) return 'python3 is not installed';
  if (r.status !== 0 && /No module named .yaml/.test(r.stderr)) return 'python3 has no yaml module (python3-yaml)';
  if (r.status !== 0) throw new Error(`${file} does not parse: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

function cli(args: readonly string[]): CliOptions {
  const p = parseArgs(args);
  if (!p.ok) throw new Error(`scry ${args.join(' ')}: ${p.message}`);
  return p.opts;
}

/** Parsed YAML, read loosely (the assertions are the schema). */
type Obj = Record<string, any>;

test('promtool: the recording rules and the scrape config are valid', () => {
  if (!has('promtool')) return skipCheck('deploy examples: promtool', 'not installed (Debian: prometheus)');
  for (const [what, file] of [
    ['rules', 'prometheus-rules.yml'],
    ['config', 'prometheus.yml'],
  ] as const) {
    const r = spawnSync('promtool', ['check', what, file], { cwd: deploy, encoding: 'utf8' });
    assert.is(r.status, 0, `promtool check ${what} ${file}:\n${r.stdout}${r.stderr}`);
    assert.not.match(r.stdout + r.stderr, 'WARNING');
  }
  assert.match(read('prometheus-rules.yml'), 'sum by (comm) (rate(scry_opens_total[1m]))');
});

test('the systemd unit: systemd-analyze verify passes; ExecStart is a scry command line serving fleet.bt', () => {
  const unit = read('scry.service');
  const exec = /^ExecStart=(\S+) (.*)$/m.exec(unit);
  assert.ok(exec, 'no ExecStart');
  const opts = cli(exec![2]!.split(' '));
  assert.equal(opts.metrics, { host: '0.0.0.0', port: 9469 });
  assert.is(opts.file, '/etc/scry/fleet.bt');
  assert.ok(opts.quiet && opts.noView);
  if (!has('systemd-analyze')) return skipCheck('deploy examples: systemd-analyze', 'not installed');
  // verify wants ExecStart's program to exist: the repository's launcher stands in for /usr/local/bin/scry
  const dir = mkdtempSync(join(tmpdir(), 'scry-unit-'));
  try {
    const launcher = fileURLToPath(new URL('../../bin/scry.cjs', import.meta.url));
    writeFileSync(join(dir, 'scry.service'), unit.replace(exec![1]!, launcher));
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'scry.service')], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the DaemonSet: ConfigMap = fleet.bt, mounted where the args read it; privileged, hostPID, /sys; annotated port = --metrics port', () => {
  const docs = yamlDocs('daemonset.yaml');
  if (typeof docs === 'string') return skipCheck('deploy examples: daemonset.yaml', docs);
  const [ns, cm, ds] = docs as Obj[];
  assert.equal([ns!.kind, cm!.kind, ds!.kind], ['Namespace', 'ConfigMap', 'DaemonSet']);
  assert.is(ds!.apiVersion, 'apps/v1');
  assert.is(cm!.metadata.namespace, ns!.metadata.name);
  assert.is(ds!.metadata.namespace, ns!.metadata.name);
  assert.is(cm!.data['fleet.bt'], read('fleet.bt'));

  const tpl = ds!.spec.template as Obj;
  for (const [k, v] of Object.entries(ds!.spec.selector.matchLabels as Obj)) assert.is(tpl.metadata.labels[k], v);
  assert.is(tpl.spec.hostPID, true);
  const [c] = tpl.spec.containers as Obj[];
  assert.is(c!.securityContext.privileged, true);
  const opts = cli(c!.args as string[]);
  assert.is(opts.metrics?.host, '0.0.0.0');
  assert.is(String(opts.metrics?.port), tpl.metadata.annotations['prometheus.io/port']);
  assert.is(tpl.metadata.annotations['prometheus.io/scrape'], 'true');
  assert.is(c!.ports[0].containerPort, opts.metrics?.port);

  // every mount names a volume; the script's directory is the ConfigMap; /sys is the host's
  const volumes = new Map((tpl.spec.volumes as Obj[]).map((v) => [v.name as string, v]));
  for (const m of c!.volumeMounts as Obj[]) assert.ok(volumes.has(m.name), `mount ${m.name} has no volume`);
  const scriptMount = (c!.volumeMounts as Obj[]).find((m) => opts.file!.startsWith(`${m.mountPath}/`));
  assert.is(volumes.get(scriptMount!.name)?.configMap?.name, cm!.metadata.name);
  const hostPaths = [...volumes.values()].flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
  assert.ok(hostPaths.includes('/sys') && hostPaths.includes('/sys/kernel/tracing'));
});

test('the PodMonitor selects the DaemonSet pods and scrapes their named port', () => {
  const ds = yamlDocs('daemonset.yaml');
  const pm = yamlDocs('podmonitor.yaml');
  if (typeof ds === 'string' || typeof pm === 'string')
    return skipCheck('deploy examples: podmonitor.yaml', String(typeof ds === 'string' ? ds : pm));
  const tpl = (ds[2] as Obj).spec.template as Obj;
  const mon = pm[0] as Obj;
  assert.is(mon.kind, 'PodMonitor');
  for (const [k, v] of Object.entries(mon.spec.selector.matchLabels as Obj)) assert.is(tpl.metadata.labels[k], v);
  const port = mon.spec.podMetricsEndpoints[0].port as string;
  assert.ok((tpl.spec.containers[0].ports as Obj[]).some((p) => p.name === port));
});

test('fleet.bt compiles (scry --dry-run)', () => {
  if (process.getuid?.() !== 0) return skipCheck('deploy examples: fleet.bt', 'reading tracepoint formats needs root');
  const scry = fileURLToPath(new URL('../../bin/scry.cjs', import.meta.url));
  const r = spawnSync(process.execPath, [scry, '--dry-run', join(deploy, 'fleet.bt')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test.run();
