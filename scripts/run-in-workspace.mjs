// `npm start` and `npm test` run `node scripts/run-in-workspace.mjs projen <task>`, so that both
// work on a fresh clone with any Node.js on PATH:
// 1. when this Node.js is older than 22, Node 24 is installed from the npm registry (once, in the
//    user's cache; scripts/ensure-node.mjs decides) and this script runs again under it, with its
//    directory first on PATH so that everything below runs on it too;
// 2. the workspace is installed when node_modules is missing or older than package-lock.json;
// 3. the command runs, and its exit code is this script's.
// Plain Node.js that an old release still parses: nothing is installed yet.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentNodePlan, ensureNodeBinDirectory } from './ensure-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command with this process's terminal; returns its exit code (128 + n for a signal, as a shell does). */
function run(command, args, env = process.env, cwd = process.cwd()) {
  // Ctrl-C reaches the child from the terminal; this process only waits for it to end.
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit' });
  if (result.error) {
    console.error(`batch-pipeline: could not run ${command}: ${result.error.message}`);
    return 127;
  }
  if (result.signal) {
    return 128 + (SIGNAL_NUMBERS[result.signal] ?? 1);
  }
  return result.status;
}
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

let binDirectory;
try {
  binDirectory = ensureNodeBinDirectory(currentNodePlan());
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
if (binDirectory) {
  console.error(`batch-pipeline: running under Node.js ${binDirectory}/node`);
  const env = { ...process.env, PATH: `${binDirectory}${delimiter}${process.env.PATH ?? ''}` };
  process.exit(run(join(binDirectory, 'node'), [fileURLToPath(import.meta.url), ...process.argv.slice(2)], env));
}

const lockFile = join(root, 'package-lock.json');
const installedMarker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(installedMarker) || statSync(installedMarker).mtimeMs < statSync(lockFile).mtimeMs;
if (stale) {
  // `npm install`, not `npm ci`: the lock file pins every version, but it lacks the
  // optional platform binaries of other systems (Nx ships one per OS) whenever the
  // registry it was made from did not serve them, and `npm ci` refuses such a lock.
  console.log('batch-pipeline: installing dependencies (npm install, versions from package-lock.json)...');
  const code = run('npm', ['install', '--no-audit', '--no-fund'], process.env, root);
  if (code !== 0) {
    console.error(`batch-pipeline: npm install failed (exit code ${code}); see its messages above, fix the cause and run the command again.`);
    process.exit(code);
  }
}

const [command, ...args] = process.argv.slice(2);
if (command) {
  // The command runs from the workspace's node_modules/.bin (npm scripts have it on PATH;
  // a direct `node scripts/run-in-workspace.mjs ...` gets it here).
  const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };
  process.exit(run(command, args, env));
}
