#!/usr/bin/env bash
# Java smoke app: compiles and runs src/main/java/.../ExampleApp.java through Maven against the
# jars that jsii-pacmak built (packages/*/dist/java, merged into one file repository), with
# aws-cdk-lib from Maven Central, and synthesizes the example pipeline into dist/java-cdk.out under
# a PATH without esbuild or Docker. test/templates.test.ts compares it with the TypeScript example's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
polyglot="$(cd "$here/../.." && pwd)"
repo="$(cd "$polyglot/.." && pwd)"
out="$polyglot/dist/java-cdk.out"
repository="$polyglot/dist/java-repository"

shopt -s nullglob
layouts=("$repo"/packages/*/dist/java/dev)
if [ "${#layouts[@]}" -eq 0 ]; then
  echo "java-app: no Maven artifact in packages/*/dist/java; run 'npx projen package:polyglot' in polyglot/ first" >&2
  exit 1
fi
# Each package's dist/java is a Maven repository layout of its own; one merged copy is one
# <repository> for the pom.
rm -rf "$repository"
mkdir -p "$repository"
for layout in "${layouts[@]}"; do cp -R "$layout" "$repository/"; done
# Maven never downloads a release version again once it is in ~/.m2, and these are all 0.0.0:
# drop this project's own artifacts from the local repository so that the jars just built are
# the ones used (aws-cdk-lib and the plugins stay cached).
rm -rf "${HOME}/.m2/repository/dev/batchpipeline"

source "$polyglot/scripts/clean-path.sh"
rm -rf "$out"
# ExampleApp finds the sample job relative to this directory.
cd "$here"
env -i HOME="$HOME" PATH="$CLEAN_PATH" LANG=C.UTF-8 CDK_DOCKER="$CDK_DOCKER" CDK_OUTDIR="$out" \
  ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} \
  mvn --batch-mode --quiet -Dstyle.color=never --file "$here/pom.xml" \
    -Dbatchpipeline.repository="file://$repository" \
    compile exec:java 2>&1 \
  | sed -u 's/\x1b\[[0-9;]*m//g' # Maven 3.8 colours exec:java's output even in batch mode
