#!/usr/bin/env bash
# Runs bpftrace's kprobe tools (default: v0.26.1 tools/) with scry inside the test VM (test/vm/run-in-vm.sh
# boots Debian's 6.1 kernel, which has kprobes), side by side with the bpftrace 0.17 installed on this host,
# plus the tools that do not compile here for this kernel's sake (e.g. loads: no data symbols in kallsyms).
# Each tool is read from bpftrace's bare git repository at run time; nothing of them is copied into this project.
# Prints one line per tool (compiles / runs / output shape matches / why not) as scripts/conformance-tools-run.py
# does on the host, and writes the table to REPORT.md when given. Takes 5-10 minutes under TCG.
# Usage: scripts/conformance-tools-vm.sh [BPFTRACE_GIT_DIR] [REF] [REPORT.md]
#   RT_TOOLS_ONLY=REGEX runs only the tools it matches; RT_TOOLS_VERBOSE=1 prints scry's and bpftrace's outputs.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
git_dir=${1:-/work/.mirror/bpftrace+bpftrace/repo}
ref=${2:-v0.26.1}
report=${3:-}
cd "$here"
node scripts/build.mjs >/dev/null
# the tools that do not compile on this host: the VM's kernel may have what they need
also=$(scripts/conformance-tools.sh "$git_dir" "$ref" | awk -F'\t' 'NF > 1 && $2 != "ok" { printf "%s%s", sep, $1; sep = "|" }')
args=(--vm --git "$git_dir" --ref "$ref" --bpftrace "$(command -v bpftrace || true)")
[ -n "$also" ] && args+=(--also "^tools/($also)\$")
[ -n "${RT_TOOLS_ONLY:-}" ] && args+=(--only "$RT_TOOLS_ONLY")
[ "${RT_TOOLS_VERBOSE:-}" = 1 ] && args+=(-v)
# the guest's writes outside this checkout vanish with it: the table goes through a file in the checkout
tmp_report=$(mktemp "$here/.tools-vm-report.XXXXXX")
trap 'rm -f "$tmp_report"' EXIT
args+=(--report "$tmp_report")
# The guest keeps only the modules its initramfs loads: md (mdflush) and xfs (xfsdist) have no functions there.
export VMTEST_TIMEOUT=${VMTEST_TIMEOUT:-1800}
rc=0
bash test/vm/run-in-vm.sh sh -c 'exec /usr/bin/python3 scripts/conformance-tools-run.py "$@"' \
  sh "${args[@]}" || rc=$?
[ -n "$report" ] && [ -s "$tmp_report" ] && cp "$tmp_report" "$report"
exit $rc
