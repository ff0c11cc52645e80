#!/usr/bin/env bash
# Python smoke app: installs the wheels that jsii-pacmak built (packages/*/dist/python) into a
# fresh virtualenv, with every PyPI package pinned by constraints.txt, then synthesizes the example
# pipeline from app.py into dist/python-cdk.out under a PATH without esbuild or Docker.
# test/templates.test.ts compares that cloud assembly with the TypeScript example's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
polyglot="$(cd "$here/../.." && pwd)"
repo="$(cd "$polyglot/.." && pwd)"
out="$polyglot/dist/python-cdk.out"

shopt -s nullglob
wheels=("$repo"/packages/*/dist/python/*.whl)
if [ "${#wheels[@]}" -eq 0 ]; then
  echo "python-app: no wheel in packages/*/dist/python; run 'npx projen package:polyglot' in polyglot/ first" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
python3 -m venv "$work/venv"
# The pip download cache (~/.cache/pip) is kept between runs; the environment is new every time.
# --no-compile: byte-compiling all of aws-cdk-lib at install takes longer than compiling, at
# import, the modules the app loads.
"$work/venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check --no-compile \
  --constraint "$here/constraints.txt" "${wheels[@]}"
# Every package in the environment is either a wheel built here or pinned by constraints.txt
# (names compared the way pip does: case-insensitive, '_' the same as '-').
normalize() { tr '[:upper:]_' '[:lower:]-' | sort; }
unpinned="$(comm -23 \
  <("$work/venv/bin/python" -m pip freeze | grep -v '^batch-pipeline\.' | normalize) \
  <(grep -v '^#' "$here/constraints.txt" | normalize))"
if [ -n "$unpinned" ]; then
  echo "python-app: installed without a pin in constraints.txt (add them to POLYGLOT_VERSIONS.python):" >&2
  echo "$unpinned" >&2
  exit 1
fi
echo "python-app: venv with ${#wheels[@]} wheels in $(( $(date +%s) - start )) s"

source "$polyglot/scripts/clean-path.sh"
rm -rf "$out"
start=$(date +%s)
# Only what the app needs: no node_modules/.bin (esbuild), no /usr/local/bin (a docker CLI).
env -i HOME="$HOME" PATH="$work/venv/bin:$CLEAN_PATH" LANG=C.UTF-8 CDK_DOCKER="$CDK_DOCKER" CDK_OUTDIR="$out" \
  "$work/venv/bin/python" "$here/app.py"
echo "python-app: synth in $(( $(date +%s) - start )) s"
# The mistakes a user makes fail naming the props as a Python user wrote them.
env -i HOME="$HOME" PATH="$work/venv/bin:$CLEAN_PATH" LANG=C.UTF-8 CDK_DOCKER="$CDK_DOCKER" \
  "$work/venv/bin/python" "$here/errors_check.py"
