# Sourced by the smoke apps: a PATH that has Node.js (the jsii kernel runs on it) and the system
# tools in /usr/bin (java, mvn), and nothing from node_modules/.bin: no esbuild. The smoke apps
# run under it and fail if esbuild or docker can still be found, which proves that a Python or Java
# consumer synthesizes with neither (the Lambda assets come pre-bundled in the packages).
node_dir="$(dirname "$(command -v node)")"
case "$node_dir" in
  */node_modules/.bin) echo "clean-path.sh: node resolves to $node_dir, not to a Node.js installation" >&2; exit 1 ;;
esac
# Not /usr/local/bin: these machines have a docker CLI there.
CLEAN_PATH="$node_dir:/usr/bin:/bin"
for tool in esbuild docker; do
  if PATH="$CLEAN_PATH" command -v "$tool" >/dev/null 2>&1; then
    echo "clean-path.sh: $tool is on the smoke PATH ($(PATH="$CLEAN_PATH" command -v "$tool")); the smoke test must run without it" >&2
    exit 1
  fi
done
export CLEAN_PATH
# If anything still tried to run Docker (a bundling fallback), it fails loudly instead.
export CDK_DOCKER=/nonexistent/docker-is-not-available-here
