#!/usr/bin/env bash
# Runs each argument as a shell command at the same time, prefixes its output lines with its
# number, waits for all, and fails when any failed (after all have finished, so that every
# failure is reported).
set -uo pipefail
pids=()
i=0
for command in "$@"; do
  i=$((i + 1))
  ( set -o pipefail; bash -c "$command" 2>&1 | sed -u "s/^/[$i] /" ) &
  pids+=("$!")
done
failed=0
for index in "${!pids[@]}"; do
  if ! wait "${pids[$index]}"; then
    echo "parallel.sh: '${*:$((index + 1)):1}' failed" >&2
    failed=1
  fi
done
exit "$failed"
