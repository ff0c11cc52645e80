// Writes API.md for the jsii package in the current directory.
//
// jsii-docgen looks for the assemblies of a package's dependencies only below
// the package's own directory, but npm workspaces hoist them to the repository
// root. So this copies the assemblies of the package and of its jsii dependency
// closure into a temporary directory and documents the package from there.
// (Copies, not links: jsii-reflect refuses a compressed-assembly redirect that
// resolves outside the assembly's own directory.)
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ASSEMBLY_FILES = ['.jsii', '.jsii.gz'];
const packageDir = process.cwd();
const output = process.argv[2] ?? 'API.md';
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf-8'));
const require = createRequire(join(packageDir, 'package.json'));
const { Documentation, Language } = require('jsii-docgen');

const assembliesDir = mkdtempSync(join(tmpdir(), 'batch-pipeline-docgen-'));
const linked = new Set();

function linkAssembly(name, directory) {
  if (linked.has(name) || !existsSync(join(directory, '.jsii'))) {
    return;
  }
  linked.add(name);
  const target = join(assembliesDir, ...name.split('/'));
  mkdirSync(target, { recursive: true });
  for (const file of ASSEMBLY_FILES) {
    if (existsSync(join(directory, file))) {
      copyFileSync(join(directory, file), join(target, file));
    }
  }
  const dependencyManifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf-8'));
  for (const dependency of Object.keys({ ...dependencyManifest.dependencies, ...dependencyManifest.peerDependencies })) {
    const dependencyDir = findInstalled(dependency, directory);
    if (dependencyDir) {
      linkAssembly(dependency, dependencyDir);
    }
  }
}

/** Node's lookup of `node_modules/<name>`, without `require.resolve` (many packages do not export package.json). */
function findInstalled(name, fromDir) {
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      return undefined;
    }
  }
}

try {
  linkAssembly(manifest.name, packageDir);
  const docs = await Documentation.forAssembly(manifest.name, assembliesDir);
  const markdown = await docs.toMarkdown({ language: Language.TYPESCRIPT, readme: false });
  writeFileSync(join(packageDir, output), markdown.render());
} finally {
  rmSync(assembliesDir, { recursive: true, force: true });
}
