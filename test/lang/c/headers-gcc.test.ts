// Real headers, preprocessed by gcc -E (the preprocessor under test elsewhere is scry's own): scry's
// declaration layer reads them in header mode without a diagnostic, skipping prototypes, inline bodies
// and asm labels, and the types scripts use from them have gcc's sizes, alignments and member offsets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderDiagnostics } from '../../../lang/diagnostics.ts';
import { sourceFile } from '../../../lang/source.ts';
import { parseCDeclarations } from '../../../lang/c/declarations.ts';
import { withScriptTypes } from '../../../lang/c/script-btf.ts';

const HEADERS = [
  'stdio.h',
  'stdlib.h',
  'string.h',
  'stdint.h',
  'stdbool.h',
  'sys/types.h',
  'sys/stat.h',
  'sys/socket.h',
  'netinet/in.h',
  'netinet/tcp.h',
  'signal.h',
  'time.h',
  'pthread.h',
  'linux/types.h',
  'linux/bpf.h',
  'linux/perf_event.h',
  'linux/if_ether.h',
];

/** Types and members compared with gcc; members are `.path` expressions for offsetof. */
const TYPES: readonly [string, readonly string[]][] = [
  ['struct timespec', ['tv_sec', 'tv_nsec']],
  ['struct sockaddr_in', ['sin_family', 'sin_port', 'sin_addr', 'sin_zero']],
  ['struct sockaddr_in6', ['sin6_port', 'sin6_addr', 'sin6_scope_id']],
  ['union bpf_attr', ['map_type', 'key_size', 'prog_type', 'insns', 'log_buf', 'kern_version']],
  ['struct bpf_insn', ['code', 'imm']],
  [
    'struct perf_event_attr',
    [
      'type',
      'size',
      'config',
      'sample_period',
      'sample_type',
      'wakeup_events',
      'bp_type',
      'config1',
      'sample_regs_user',
      'aux_watermark',
    ],
  ],
  ['struct perf_event_mmap_page', ['version', 'data_head', 'data_tail', 'aux_size']],
  ['pthread_mutex_t', []],
  ['pthread_attr_t', []],
  ['FILE', ['_flags', '_IO_read_ptr', '_fileno', '_mode']],
  ['struct sigaction', ['sa_mask', 'sa_flags']],
  ['struct stat', ['st_dev', 'st_ino', 'st_mode', 'st_size', 'st_mtim']],
  ['struct tcphdr', ['source', 'dest', 'seq', 'window']],
  ['struct ethhdr', ['h_dest', 'h_source', 'h_proto']],
  ['sigset_t', []],
  ['struct timeval', ['tv_usec']],
];

const headers = suite('system headers through the declaration layer');

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

let gccOk = true;
try {
  run('gcc', ['--version']);
} catch {
  gccOk = false;
}

if (process.arch !== 'x64') process.stderr.write('SKIP system headers through the declaration layer: not x86-64\n');
else if (!gccOk) process.stderr.write('SKIP system headers through the declaration layer: gcc not installed\n');
else {
  const includes = HEADERS.map((h) => `#include <${h}>\n`).join('');
  let pre: string;
  let gccOut: string;
  const dir = mkdtempSync(join(tmpdir(), 'scry-headers-'));
  try {
    pre = run('gcc', ['-E', '-P', '-x', 'c', '-'], includes);
    const lines = ['int main(void) {'];
    for (const [t, members] of TYPES) {
      lines.push(`  printf("%s %zu %zu\\n", "${t}", sizeof(${t}), _Alignof(${t}));`);
      for (const m of members) lines.push(`  printf("%s.${m} %zu\\n", "${t}", offsetof(${t}, ${m}));`);
    }
    lines.push('  return 0;', '}');
    writeFileSync(join(dir, 'h.c'), `${includes}#include <stddef.h>\n${lines.join('\n')}\n`);
    run('gcc', ['-w', '-o', join(dir, 'h'), join(dir, 'h.c')]);
    gccOut = run(join(dir, 'h'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const file = sourceFile('<system headers>', pre);
  const parsed = parseCDeclarations(file, { mode: 'header' });
  const { types, diagnostics } = withScriptTypes(undefined, parsed.declarations);

  headers('the headers parse without a diagnostic', () => {
    assert.is(renderDiagnostics([...parsed.diagnostics, ...diagnostics]), '');
    assert.ok(parsed.declarations.length > 500, `${parsed.declarations.length} declarations`);
  });

  headers("sizes, alignments and member offsets are gcc's", () => {
    const ours: string[] = [];
    for (const [t, members] of TYPES) {
      const id = types.lookup(t);
      assert.ok(id !== undefined, `${t} not found`);
      ours.push(`${t} ${types.sizeOf(id)} ${types.alignOf(id)}`);
      for (const m of members) ours.push(`${t}.${m} ${types.findMember(id, m)?.offset}`);
    }
    assert.fixture(ours.join('\n'), gccOut.trim());
  });
}

headers.run();
