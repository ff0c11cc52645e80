#!/usr/bin/env bash
# Go smoke build: compiles main.go, which imports every Go module jsii-pacmak generated
# (packages/*/dist/go, through the replace directives of go.mod), against aws-cdk-go and the jsii
# Go runtime from the Go module proxy. go.mod is generated from projenrc/versions.ts; go.sum is
# committed and checked (-mod=readonly): a module graph that changed fails here instead of
# resolving to something new.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
polyglot="$(cd "$here/../.." && pwd)"
repo="$(cd "$polyglot/.." && pwd)"

shopt -s nullglob
modules=("$repo"/packages/*/dist/go/*/go.mod)
if [ "${#modules[@]}" -eq 0 ]; then
  echo "go-build: no generated Go module in packages/*/dist/go; run 'npx projen package:polyglot' in polyglot/ first" >&2
  exit 1
fi
cd "$here"
# The module and build caches (~/go/pkg/mod, ~/.cache/go-build) are kept between runs.
go build -mod=readonly -o "$polyglot/dist/go-build/example-pipeline" .
# Also vet the generated code and the program (type errors, misuse of the runtime's API).
go vet -mod=readonly .
echo "go-build: built ${#modules[@]} generated modules into dist/go-build/example-pipeline ($(du -h "$polyglot/dist/go-build/example-pipeline" | cut -f1))"
