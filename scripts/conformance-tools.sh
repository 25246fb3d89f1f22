#!/usr/bin/env bash
# Runs `scry --dry-run` on every tool in bpftrace's tools/ (default: v0.26.1) and prints one line per tool:
#   TOOL<TAB>ok|FAIL(rc)<TAB>first line of the diagnostic (with its line:col)
# then the count. The tools are read from bpftrace's bare git repository at run time into a temporary
# directory that is removed on exit; nothing of them is copied into this project.
# Usage: scripts/conformance-tools.sh [BPFTRACE_GIT_DIR] [REF] [SCRY_CLI]
#   BPFTRACE_GIT_DIR  default /work/.mirror/bpftrace+bpftrace/repo (get it with the search tool's fetch)
#   REF               default v0.26.1 (falls back to HEAD when the tag is absent)
#   SCRY_CLI          default bin/scry.cjs of this checkout
# RT_TOOLS_OLD=1 also runs tools/old/ (versions for older kernels). RT_TOOLS_VERBOSE=1 prints the whole diagnostic.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
git_dir=${1:-/work/.mirror/bpftrace+bpftrace/repo}
ref=${2:-v0.26.1}
cli=${3:-$here/bin/scry.cjs}
git -C "$git_dir" rev-parse -q --verify "$ref^{commit}" >/dev/null || ref=HEAD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dirs=(tools/)
[ "${RT_TOOLS_OLD:-}" = 1 ] && dirs+=(tools/old/)
echo "# bpftrace $(git -C "$git_dir" describe --tags "$ref" 2>/dev/null || echo "$ref") tools, scry $(git -C "$here" rev-parse --short HEAD 2>/dev/null)"
ok=0 fail=0
for d in "${dirs[@]}"; do
  for path in $(git -C "$git_dir" ls-tree --name-only "$ref" "$d" | grep '\.bt$'); do
    name=${path#tools/}
    file="$tmp/$(basename "$path")"
    git -C "$git_dir" show "$ref:$path" >"$file"
    out=$(cd "$tmp" && timeout 60 node "$cli" --dry-run "$file" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
      ok=$((ok + 1))
      printf '%s\tok\t\n' "$name"
    else
      fail=$((fail + 1))
      if [ "${RT_TOOLS_VERBOSE:-}" = 1 ]; then
        printf '%s\tFAIL(%d)\n%s\n\n' "$name" $rc "$out"
      else
        first=$(printf '%s\n' "$out" | grep -m1 'ERROR' || printf '%s\n' "$out" | grep -m1 -v '^\s*$')
        printf '%s\tFAIL(%d)\t%s\n' "$name" $rc "${first#"$tmp/"}"
      fi
    fi
  done
done
echo "# $ok ok, $fail failed of $((ok + fail))"
