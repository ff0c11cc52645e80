#!/bin/sh
# The integ-test job, the same script as INLINE_JOB_SCRIPT in src/pipeline-under-test.ts:
# fails with exit code 3 when the input contains FAIL, else writes the SHA-256 hex digest
# of the input to sha256.txt in the run's output directory.
set -eu
if grep -q FAIL "$PIPELINE_INPUT_PATH"; then
  echo "input asks the job to fail" >&2
  exit 3
fi
sha256sum "$PIPELINE_INPUT_PATH" | cut -d' ' -f1 > "$PIPELINE_OUTPUT_DIR/sha256.txt"
