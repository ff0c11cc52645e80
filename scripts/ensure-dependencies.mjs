// Runs before `npm test` and `npm start`: checks the Node.js version and installs
// the workspace when node_modules is missing or older than package-lock.json,
// so both commands work on a fresh clone. Plain Node.js: nothing is installed yet.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const MIN_NODE_MAJOR = 22;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  console.error(`batch-pipeline: Node.js ${process.versions.node} is too old; Node.js ${MIN_NODE_MAJOR} or newer is required (the CI script .ci/run installs Node 24 from the npm registry).`);
  process.exit(1);
}

const lockFile = join(root, 'package-lock.json');
const installedMarker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(installedMarker) || statSync(installedMarker).mtimeMs < statSync(lockFile).mtimeMs;
if (stale) {
  // `npm install`, not `npm ci`: the lock file pins every version, but it lacks the
  // optional platform binaries of other systems (Nx ships one per OS) whenever the
  // registry it was made from did not serve them, and `npm ci` refuses such a lock.
  console.log('batch-pipeline: installing dependencies (npm install, versions from package-lock.json)...');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
