#!/usr/bin/env python3
"""Runs bpftrace's tools (default: v0.26.1 tools/) with scry and, side by side, with an installed bpftrace.

For every tool it reports three things:
  compiles  `scry --dry-run TOOL` exits 0
  runs      scry attaches, a small workload runs (ls, cat, stat, dd with O_DIRECT, fsync, sync, sleep, kill,
            fork/exec, a name lookup, threads, setuid; TLS over loopback for the ssl tools, an interactive bash
            for bashreadline), scry is stopped with SIGINT and exits 0 with nothing on stderr but
            "Attached N probes"
  matches   the shape of scry's output is the shape of bpftrace's: the same leading lines (the tool's BEGIN
            header and column titles, compared exactly), the same map names printed at exit, the same kinds
            of lines (event lines, `@map[key]: value`, histogram buckets), no warning bpftrace does not print
Tools that attach kprobes or kretprobes cannot run on a kernel without CONFIG_KPROBES: they are reported as
"vm" and run in the test VM by scripts/conformance-tools-vm.sh.

bpftrace 0.17 cannot read `config = { ... }` blocks; the copy it runs has the block removed (the tools use it
only for missing_probes). Where 0.17 still cannot run a tool, the line says why and the shape is compared
with what bpftrace v0.26 prints by construction (the header lines of the tool's BEGIN).

The tools are read from bpftrace's bare git repository at run time into a temporary directory that is removed
at exit; nothing of them is copied into this project.

Usage: scripts/conformance-tools-run.py [--git DIR] [--ref REF] [--scry CLI] [--bpftrace BIN] [--only REGEX]
                                         [--report FILE.md] [-v]
  --bpftrace ''  runs scry alone.  -v prints both outputs for every tool.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED'
KPROBE_ATTACH = re.compile(r'^\s*(kprobe|kretprobe|kr|k|kfunc|kretfunc|fentry|fexit|f|fr):', re.M)

# The workload: every tool on this kernel sees some of its events. $W is a scratch directory.
WORKLOAD = r'''
cd "$W"
ls / >/dev/null; cat /etc/hostname >/dev/null; stat /etc/passwd >/dev/null
dd if=/dev/zero of="$W/f" bs=4k count=64 oflag=direct conv=fsync status=none
dd if="$W/f" of=/dev/null bs=4k iflag=direct status=none
sync; sync -f "$W/f" 2>/dev/null
sleep 0.2
kill -0 $$; /bin/kill -0 $$
for i in 1 2 3; do /bin/true; done
getent hosts localhost >/dev/null; getent ahosts localhost >/dev/null
node -e 'new (require("worker_threads").Worker)("0", { eval: true })'
/usr/bin/python3 -c 'import os; os.setresuid(65534, 65534, 65534)' 2>/dev/null || setpriv --reuid=65534 /bin/true
timeout 0.5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>/dev/null
sleep 0.3
'''

# TLS over loopback: a self-signed key (RSA in libcrypto), openssl s_server, curl as the client (libssl).
TLS = r'''
cd "$W"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -keyout k.pem -out c.pem -days 1 2>/dev/null
port=$((20000 + RANDOM % 20000))
openssl s_server -accept 127.0.0.1:$port -key k.pem -cert c.pem -www -quiet >/dev/null 2>&1 &
srv=$!
sleep 0.5
curl -sk https://127.0.0.1:$port/ >/dev/null
curl -sk https://127.0.0.1:$port/ >/dev/null
kill $srv; wait $srv 2>/dev/null
'''

# An interactive bash on a pty reads its commands with readline.
READLINE = r'''
cd "$W"
printf 'echo hello-from-readline\nexit\n' | script -qfc 'bash --norc --noprofile -i' /dev/null >/dev/null 2>&1
'''

# In the test VM (--vm): the kprobe tools' events. The guest has only a loopback device, down at boot.
WORKLOAD_VM = r'''
ip link set lo up 2>/dev/null
cd "$W"
ls / >/dev/null; cat /etc/hostname >/dev/null; stat /etc/passwd >/dev/null; mkdir d; rmdir d
dd if=/dev/zero of="$W/f" bs=4k count=16 conv=fsync status=none
sync
/usr/bin/python3 - <<'PY'
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); port = s.getsockname()[1]
for i in range(3):
    c = socket.create_connection(('127.0.0.1', port)); a, _ = s.accept()
    a.sendall(b'x' * 100); c.recv(100); c.close(); a.close()
u1, u2 = socket.socketpair(); u1.sendall(b'hello'); u2.recv(5)
d1, d2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); d1.send(b'hi'); d2.recv(2)
PY
sleep 0.3
'''

EXTRA = {'sslsnoop.bt': TLS, 'ssllatency.bt': TLS, 'bashreadline.bt': READLINE}


# Where bpftrace 0.17's output differs from v0.26's by design, and scry does what v0.26 does.
KNOWN_017 = {
    'pidpersec.bt': ('maps differ', "bpftrace 0.17 prints the scalar count() that END clears as `@: 0`; v0.26 "
                     "prints nothing for it (its test basic.clear count-map), and neither does scry"),
}


def tracer_run(argv, tool, secs, vm=False, env_extra=None):
    """Starts argv, waits for NOTIFY, runs the workload, stops it with SIGINT: (rc, stdout, stderr, attached)."""
    env = dict(os.environ)
    env[NOTIFY] = '1'
    env.update(env_extra or {})
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    p = subprocess.Popen(argv, stdout=out, stderr=err, env=env, start_new_session=True)
    attached = False
    deadline = time.time() + (180 if vm else 30)  # code runs 13-30x slower in the TCG guest
    while time.time() < deadline and p.poll() is None:
        out.seek(0)
        err.seek(0)
        if NOTIFY.encode() in out.read() + err.read():  # bpftrace 0.17 says it on stderr
            attached = True
            break
        time.sleep(0.1)
    if attached:
        w = tempfile.mkdtemp(dir='/var/tmp', prefix='scry-tools-')
        wl = WORKLOAD_VM if vm else WORKLOAD + EXTRA.get(tool, '')
        subprocess.run(['bash', '-c', wl], env=dict(os.environ, W=w), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=300)
        shutil.rmtree(w, ignore_errors=True)
        time.sleep(secs)
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(120 if vm else 20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    out.seek(0)
    err.seek(0)
    return p.returncode, out.read().decode(errors='replace'), err.read().decode(errors='replace'), attached


NOISE_STDOUT = re.compile(r'^(Attaching \d+ probes?\.\.\.|' + NOTIFY + r')$')
NOISE_STDERR = re.compile(r"^(Attached \d+ probes?|" + NOTIFY + r"|.*couldn't set RLIMIT_MEMLOCK.*)$")
MAP_LINE = re.compile(r'^(@[A-Za-z0-9_]*)(\[.*\])?: ')
MAP_HEAD = re.compile(r'^(@[A-Za-z0-9_]*)(\[.*\])?:\s*$')
HIST_LINE = re.compile(r'^[\[(].*[\])]\s+\d+\s+\|[@ ]*\|$')


def clean(text, noise):
    return [l for l in text.split('\n') if l != '' and not noise.match(l)]


def shape(stdout):
    """The leading header lines, the map names and the kinds of the other lines."""
    lines = clean(stdout, NOISE_STDOUT)
    head = []
    for l in lines:
        if re.search(r'\d', l) or l.startswith('@'):
            break
        head.append(l)
    maps, kinds = set(), set()
    for l in lines[len(head):]:
        m = MAP_LINE.match(l) or MAP_HEAD.match(l)
        if m:
            maps.add(m.group(1))
            kinds.add('map[key]' if m.group(2) else 'map')
        elif HIST_LINE.match(l):
            kinds.add('hist')
        elif l.strip():
            kinds.add('event')
    return head, maps, kinds


def strip_config(src):
    """bpftrace 0.17 has no `config = { ... }` block (v0.26 tools use it for missing_probes)."""
    return re.sub(r'^config\s*=\s*\{[^}]*\}\s*$', '', src, flags=re.M)


def begin_texts(src):
    """The string literals of a tool's BEGIN block: its header lines and column titles."""
    m = re.search(r'^(BEGIN|begin)\s*\{(.*?)^\}', src, re.M | re.S)
    return re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)) if m else []


def first_error(text):
    for l in text.split('\n'):
        if 'ERROR' in l:
            return l
    for l in text.split('\n'):
        if l.strip():
            return l
    return ''


def compare(s, b):
    """Why scry's shape differs from bpftrace's, or '' when it does not."""
    why = []
    if s[0] != b[0]:
        why.append('header lines differ: scry %r, bpftrace %r' % (s[0][:3], b[0][:3]))
    if s[1] != b[1]:
        why.append('maps differ: scry %s, bpftrace %s' % (sorted(s[1]), sorted(b[1])))
    if s[2] != b[2] and s[2] and b[2]:  # one side seeing no event at all is the workload's timing
        why.append('line kinds differ: scry %s, bpftrace %s' % (sorted(s[2]), sorted(b[2])))
    return '; '.join(why)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--git', default='/work/.mirror/bpftrace+bpftrace/repo')
    ap.add_argument('--ref', default='v0.26.1')
    ap.add_argument('--scry', default=os.path.join(HERE, 'bin', 'scry.cjs'))
    ap.add_argument('--bpftrace', default=shutil.which('bpftrace') or '')
    ap.add_argument('--old-ref', default='v0.17.0', help="the tools bpftrace 0.17 runs where it cannot read REF's")
    ap.add_argument('--only', default='')
    ap.add_argument('--secs', type=float, default=1.0, help='how long to trace after the workload')
    ap.add_argument('--report', default='')
    ap.add_argument('--vm', action='store_true', help='in the test VM: run the kprobe tools (and --also)')
    ap.add_argument('--also', default='', help='with --vm: a regex of more tools to run')
    ap.add_argument('-v', action='store_true')
    a = ap.parse_args()

    git = ['git', '-C', a.git]
    if subprocess.run(git + ['rev-parse', '-q', '--verify', a.ref + '^{commit}'],
                      stdout=subprocess.DEVNULL).returncode != 0:
        a.ref = 'HEAD'
    names = [p for p in subprocess.check_output(git + ['ls-tree', '--name-only', a.ref, 'tools/'], text=True).split()
             if p.endswith('.bt') and re.search(a.only, p)]
    if a.vm:
        # the kprobe tools, and those --also names (the ones that need this kernel's symbols, e.g. loads)
        names = [p for p in names if KPROBE_ATTACH.search(
            subprocess.check_output(git + ['show', '%s:%s' % (a.ref, p)], text=True))
            or (a.also and re.search(a.also, p))]
    tmp = tempfile.mkdtemp(prefix='scry-tools-')
    bt_version = subprocess.run([a.bpftrace, '--version'], capture_output=True, text=True).stdout.strip() \
        if a.bpftrace else 'none'
    scry_rev = subprocess.run(['git', '-C', HERE, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                              text=True).stdout.strip()
    rows = []
    try:
        for path in names:
            tool = os.path.basename(path)
            src = subprocess.check_output(git + ['show', '%s:%s' % (a.ref, path)], text=True)
            f = os.path.join(tmp, tool)
            with open(f, 'w') as fh:
                fh.write(src)
            dry = subprocess.run(['node', a.scry, '--dry-run', f], capture_output=True, text=True, cwd=tmp,
                                 timeout=600)
            row = {'tool': tool, 'compiles': 'yes' if dry.returncode == 0 else 'no',
                   'runs': '', 'matches': '', 'why': ''}
            rows.append(row)
            if dry.returncode != 0:
                row['why'] = first_error(dry.stdout + dry.stderr).replace(tmp + '/', '')
            if KPROBE_ATTACH.search(src) and not a.vm:
                row['runs'] = 'vm'
                row['why'] = row['why'] or 'kprobes: run in the test VM (scripts/conformance-tools-vm.sh)'
                print_row(row)
                continue
            if dry.returncode != 0:
                print_row(row)
                continue
            rc, out, err, attached = tracer_run(['node', a.scry, f], tool, a.secs, a.vm)
            errs = clean(err, NOISE_STDERR)
            row['runs'] = 'yes' if rc == 0 and attached and not errs else 'no'
            if row['runs'] == 'no':
                row['why'] = 'exit %s%s: %s' % (rc, '' if attached else ', never attached',
                                                 (errs[0] if errs else '').replace(tmp + '/', ''))
            s = shape(out)
            if a.v:
                print('--- scry %s (exit %s)\n%s--- stderr\n%s' % (tool, rc, out, err))
            if not a.bpftrace:
                print_row(row)
                continue
            f17 = os.path.join(tmp, 'v017-' + tool)
            with open(f17, 'w') as fh:
                fh.write(strip_config(src))
            brc, bout, berr, battached = tracer_run([a.bpftrace, f17], tool, a.secs, a.vm)
            berrs = clean(berr, NOISE_STDERR)
            against = ''
            if not battached and a.old_ref:
                # 0.17 cannot read this version (macros, getopt, has_key, ...): run the tool as it was then
                old = subprocess.run(git + ['show', '%s:%s' % (a.old_ref, path)], capture_output=True, text=True)
                if old.returncode == 0:
                    with open(f17, 'w') as fh:
                        fh.write(old.stdout)
                    why17 = first_error('\n'.join(berrs)).replace(tmp + '/', '').replace('v017-', '')
                    brc, bout, berr, battached = tracer_run([a.bpftrace, f17], tool, a.secs, a.vm)
                    berrs = clean(berr, NOISE_STDERR)
                    against = ' (against %s\'s %s: 0.17 refuses this one: %s)' % (a.old_ref, tool, why17)
            if a.v:
                print('--- bpftrace %s (exit %s)\n%s--- stderr\n%s' % (tool, brc, bout, berr))
            if not battached:
                row['matches'] = '(bpftrace 0.17 cannot run it)'
                row['why'] = (row['why'] + '; ' if row['why'] else '') + 'bpftrace 0.17: ' + \
                    first_error('\n'.join(berrs)).replace(tmp + '/', '').replace('v017-', '')
                print_row(row)
                continue
            if any('ERROR' in l for l in berrs):
                row['matches'] = '(bpftrace 0.17 cannot run it)'
                row['why'] = (row['why'] + '; ' if row['why'] else '') + 'bpftrace 0.17%s: %s' % (
                    against and ' on ' + a.old_ref + "'s", first_error('\n'.join(berrs)))
                print_row(row)
                continue
            b = shape(bout)
            if against and s[0] != b[0] and begin_texts(src) != begin_texts(old.stdout):
                against += ", whose header differs from this one's"
                b = (s[0], b[1], b[2])
            why = compare(s, b)
            extra = [l for l in errs if l not in berrs]
            if extra:
                why = (why + '; ' if why else '') + 'scry also prints: ' + extra[0].replace(tmp + '/', '')
            known = KNOWN_017.get(tool)
            if why and known and why.startswith(known[0]):
                why, against = known[1], against + ' (a 0.17/0.26 difference)'
                row['matches'] = 'yes' + against
            else:
                row['matches'] = ('no' if why else 'yes') + against
            if why:
                row['why'] = (row['why'] + '; ' if row['why'] else '') + why
            print_row(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    count = lambda k, v: sum(1 for r in rows if r[k] == v)
    summary = '# %d tools: %d compile, %d run here (%d need the VM), %d match bpftrace 0.17\'s output shape' % (
        len(rows), count('compiles', 'yes'), count('runs', 'yes'), count('runs', 'vm'), sum(1 for r in rows if r['matches'].startswith('yes')))
    print(summary)
    if a.report:
        with open(a.report, 'w') as fh:
            fh.write('bpftrace %s tools, scry %s, side by side with %s, %s, kernel %s\n\n' % (
                a.ref, scry_rev, bt_version, time.strftime('%Y-%m-%d %H:%M'), os.uname().release))
            fh.write('| tool | compiles | runs | output matches | why not |\n| --- | --- | --- | --- | --- |\n')
            for r in rows:
                fh.write('| %s | %s | %s | %s | %s |\n' % (r['tool'], r['compiles'], r['runs'], r['matches'],
                                                          r['why'].replace('|', '\\|')))
            fh.write('\n' + summary.lstrip('# ') + '\n')


def print_row(r):
    print('%s\t%s\t%s\t%s\t%s' % (r['tool'], r['compiles'], r['runs'] or '-', r['matches'] or '-', r['why']))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
