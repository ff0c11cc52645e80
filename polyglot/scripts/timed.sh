#!/usr/bin/env bash
# Runs a command and prints how long it took, as
# `[polyglot] <label>: <wall> s wall, <cpu> s CPU`, and appends the same line to
# dist/timings.txt (the README's figures come from there). The CPU time (user + system of every
# process the command started) tells what the step costs on a machine whose cores are shared.
# Usage: timed.sh <label> <command> [args...]
set -euo pipefail
label="$1"; shift
start=$(date +%s.%N)
status=0
"$@" || status=$?
end=$(date +%s.%N)
# `times` prints the shell's own user/system time, then its children's.
times_file="$(mktemp)"
times > "$times_file"
cpu=$(tail -n 1 "$times_file" | awk '{
  total = 0
  for (i = 1; i <= 2; i++) { split($i, t, "m"); sub("s", "", t[2]); total += t[1] * 60 + t[2] }
  printf "%.1f", total }')
rm -f "$times_file"
wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
line="[polyglot] ${label}: ${wall} s wall, ${cpu} s CPU$([ "$status" -eq 0 ] || echo " (failed, exit $status)")"
echo "$line"
mkdir -p "$(dirname "$0")/../dist"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $line" >> "$(dirname "$0")/../dist/timings.txt"
exit "$status"
