// The workspace's commands exist on a fresh clone: npm links a workspace package's bins when it
// installs, before anything is compiled, so each bin must be a committed file (node --test, part of `npm test`).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = new Set(execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n'));
const packageFiles = [...committed].filter((file) => /^(packages|apps|tools)\/[^/]+\/package\.json$/.test(file));

/** Every `bin` of the workspace packages: { packageDirectory, name, target }. */
function workspaceBins() {
  return packageFiles.flatMap((file) => {
    const manifest = JSON.parse(readFileSync(join(root, file), 'utf8'));
    const bins = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : manifest.bin ?? {};
    return Object.entries(bins).map(([name, target]) => ({ packageDirectory: dirname(file), name, target: target.replace(/^\.\//, '') }));
  });
}

test('given the workspace packages, when their bins are read, then batch-pipeline is one of them and each bin is a committed file, not compiled output', () => {
  const bins = workspaceBins();
  assert.ok(bins.some((bin) => bin.name === 'batch-pipeline'), `no workspace package has the batch-pipeline bin: ${JSON.stringify(bins)}`);
  for (const bin of bins) {
    const path = `${bin.packageDirectory}/${bin.target}`;
    assert.ok(committed.has(path), `${bin.name} -> ${path} is not a committed file: npm cannot link it on a fresh clone before compiling`);
    assert.ok(!bin.target.startsWith('lib/'), `${bin.name} -> ${path} is compiled output`);
  }
});

/** A copy of the batch-pipeline shim in a package folder of its own (package.json, bin/), without lib/. */
function packageWithShim() {
  const bin = workspaceBins().find((candidate) => candidate.name === 'batch-pipeline');
  const directory = mkdtempSync(join(tmpdir(), 'bin-shim-'));
  mkdirSync(join(directory, 'bin'));
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: '@example/tool' }));
  const shim = join(directory, 'bin', 'batch-pipeline');
  copyFileSync(join(root, bin.packageDirectory, bin.target), shim);
  chmodSync(shim, 0o755);
  return { directory, shim };
}

test('given a package whose lib/cli.js is not compiled, when its command runs, then it exits 2 saying how to compile it', () => {
  const { directory, shim } = packageWithShim();
  try {
    const result = spawnSync(process.execPath, [shim, 'runs'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /@example\/tool is not compiled yet \(.*lib\/cli\.js is missing\)/);
    assert.match(result.stderr, /run `npm start` once at its root, or `npx nx run @example\/tool:compile`/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('given a compiled lib/cli.js, when the command runs, then it runs as the main module with the arguments and its exit code', () => {
  const { directory, shim } = packageWithShim();
  try {
    mkdirSync(join(directory, 'lib'));
    writeFileSync(join(directory, 'lib', 'cli.js'), 'if (require.main === module) { console.log(JSON.stringify(process.argv.slice(2))); process.exit(5); }\n');
    const result = spawnSync(process.execPath, [shim, 'fetch', 'run-1', '--to', 'out dir'], { encoding: 'utf8' });
    assert.equal(result.status, 5, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['fetch', 'run-1', '--to', 'out dir']);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
