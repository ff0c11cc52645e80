// The packaging half of a release, after every construct package is built at the family version
// (see projenrc/release.ts): usage `node scripts/release-artifacts.mjs <package dir>...`.
//
// 1. Python, Java and Go: the polyglot project's `package:polyglot` task (one jsii-pacmak over all
//    construct packages, into each `packages/<name>/dist/`); without that project, the same
//    jsii-pacmak run here.
// 2. .NET: jsii-pacmak --target dotnet where a .NET SDK is (GitHub's runners in the release
//    workflow); skipped elsewhere, an error when BATCH_PIPELINE_REQUIRE_DOTNET=true.
// 3. Collects `packages/<name>/dist/<language>/` into the root `dist/<language>/`, the layout the
//    publishing jobs (publib) read, checks every artifact carries the family version and every
//    sibling range accepts it, and lists the artifacts with their sizes.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  throw new Error('usage: release-artifacts.mjs <package dir>...');
}
const dist = join(root, 'dist');
const semver = createRequire(join(root, 'package.json'))('semver');

const manifests = dirs.map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf-8')) }));
const version = readVersion();
console.log(`family version ${version}: ${manifests.map((m) => m.manifest.name).join(', ')}`);
checkVersions();

function run(command, args, cwd = root) {
  console.log(`$ ${[command, ...args].join(' ')}${cwd === root ? '' : `   (in ${relative(root, cwd)})`}`);
  const started = Date.now();
  execFileSync(command, args, { cwd, stdio: 'inherit' });
  console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

// 1. Python, Java, Go (the release build's polyglot build has made them already; a dry run has not)
const POLYGLOT = ['python', 'java', 'go'];
const polyglotTasks = join(root, 'polyglot', '.projen', 'tasks.json');
if (manifests.every(({ dir }) => POLYGLOT.every((language) => artifactsAtVersion(join(root, dir, 'dist', language), language).length > 0))) {
  console.log(`every package has its Python, Java and Go artifacts at ${version} already (the polyglot build)`);
} else if (existsSync(polyglotTasks) && JSON.parse(readFileSync(polyglotTasks, 'utf-8')).tasks?.['package:polyglot']) {
  run('npx', ['projen', 'package:polyglot'], join(root, 'polyglot'));
} else {
  // What polyglot's package:polyglot runs (Go as code: pacmak's own `go mod tidy` fails on these machines).
  console.log('no polyglot/ project with a package:polyglot task: running its jsii-pacmak here');
  run('npx', ['jsii-pacmak', ...dirs, '--no-npmignore', '--target', 'python', '--target', 'java']);
  run('npx', ['jsii-pacmak', ...dirs, '--no-npmignore', '--code-only', '--target', 'go']);
}

// 2. .NET
const dotnet = spawnSync('dotnet', ['--version'], { encoding: 'utf-8' });
if (dotnet.status === 0) {
  run('npx', ['jsii-pacmak', ...dirs, '--no-npmignore', '--target', 'dotnet']);
} else if (process.env.BATCH_PIPELINE_REQUIRE_DOTNET === 'true') {
  throw new Error('BATCH_PIPELINE_REQUIRE_DOTNET=true but there is no .NET SDK (dotnet) on this machine');
} else {
  console.log('no .NET SDK here: the NuGet packages are built by the release workflow on GitHub\'s runners');
}

// 3. Collect, check, list
const LANGUAGES = ['js', 'python', 'java', 'dotnet', 'go'];
const REQUIRED = new Set(['js', 'python', 'java', 'go', ...(dotnet.status === 0 ? ['dotnet'] : [])]);
for (const language of LANGUAGES) {
  rmSync(join(dist, language), { recursive: true, force: true });
}
const missing = [];
for (const { dir, manifest } of manifests) {
  for (const language of LANGUAGES) {
    const from = join(root, dir, 'dist', language);
    if (existsSync(from) && readdirSync(from).length > 0) {
      cpSync(from, join(dist, language), { recursive: true });
    } else if (REQUIRED.has(language)) {
      missing.push(`${manifest.name}: dist/${language}`);
    }
  }
}
if (missing.length > 0) {
  throw new Error(`missing artifacts:\n  ${missing.join('\n  ')}`);
}
checkArtifactVersions();
list();

function readVersion() {
  const bumped = join(dist, 'version.txt');
  const fromRoot = JSON.parse(readFileSync(join(root, 'package.json'), 'utf-8')).version;
  return existsSync(bumped) ? readFileSync(bumped, 'utf-8').trim() : fromRoot;
}

/** Every package carries the family version, and every sibling range (peer, dev, rosetta) accepts it. */
function checkVersions() {
  const siblings = new Set(manifests.map((m) => m.manifest.name));
  const problems = [];
  for (const { manifest } of manifests) {
    if (manifest.version !== version) {
      problems.push(`${manifest.name} is ${manifest.version}`);
    }
    const ranges = {
      ...manifest.devDependencies,
      ...manifest.peerDependencies,
      ...manifest.dependencies,
      ...manifest.jsiiRosetta?.exampleDependencies,
    };
    for (const [name, range] of Object.entries(ranges)) {
      if (siblings.has(name) && !semver.satisfies(version, range)) {
        problems.push(`${manifest.name} wants ${name}@${range}, which ${version} does not satisfy`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(`the packages are not at the family version ${version}:\n  ${problems.join('\n  ')}`);
  }
}

/** The files of `language` below `dir` that define a package (tarball, wheel, jar, nupkg, Go version file). */
function artifactFiles(dir, language) {
  const files = walk(dir);
  switch (language) {
    case 'js': return files.filter((f) => f.endsWith('.tgz'));
    case 'python': return files.filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz'));
    case 'java': return files.filter((f) => f.endsWith('.jar') || f.endsWith('.pom'));
    case 'dotnet': return files.filter((f) => f.endsWith('.nupkg'));
    case 'go': return files.filter((f) => f.endsWith('/version'));
    default: return files;
  }
}

function hasVersion(file, language) {
  return language === 'go' ? readFileSync(file, 'utf-8').trim() === version : file.includes(`${version}.`) || file.includes(`-${version}`);
}

/** The artifact files of `language` below `dir`, if all of them carry the family version. */
function artifactsAtVersion(dir, language) {
  const files = artifactFiles(dir, language);
  return files.every((f) => hasVersion(f, language)) ? files : [];
}

/** Each language's artifacts name the family version. */
function checkArtifactVersions() {
  const wrong = LANGUAGES.flatMap((language) => artifactFiles(join(dist, language), language).filter((f) => !hasVersion(f, language)));
  if (wrong.length > 0) {
    throw new Error(`artifacts without the family version ${version}:\n  ${wrong.map((f) => relative(root, f)).join('\n  ')}`);
  }
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

function size(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function list() {
  console.log(`\nrelease artifacts in ${relative(process.cwd(), dist) || '.'}/ (family version ${version})`);
  let total = 0;
  for (const language of LANGUAGES) {
    const files = walk(join(dist, language));
    if (files.length === 0) {
      console.log(`\n${language}/: none${language === 'dotnet' ? ' (built by the release workflow on GitHub\'s runners)' : ''}`);
      continue;
    }
    const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
    total += bytes;
    console.log(`\n${language}/  ${files.length} files, ${size(bytes)}`);
    if (language === 'go') {
      // One module per package: its directory, with the size of its sources and embedded tarball.
      for (const module of readdirSync(join(dist, 'go'))) {
        const moduleFiles = walk(join(dist, 'go', module));
        const moduleBytes = moduleFiles.reduce((sum, f) => sum + statSync(f).size, 0);
        console.log(`  ${size(moduleBytes).padStart(10)}  go/${module}/ (${moduleFiles.length} files)`);
      }
    } else {
      const shown = language === 'java' ? files.filter((f) => /\.(jar|pom)$/.test(f)) : files;
      for (const file of shown.sort()) {
        console.log(`  ${size(statSync(file).size).padStart(10)}  ${relative(dist, file)}`);
      }
      if (shown.length < files.length) {
        console.log(`  (and ${files.length - shown.length} checksum and metadata files)`);
      }
    }
  }
  console.log(`\ntotal ${size(total)}`);
  for (const file of ['version.txt', 'releasetag.txt', 'changelog.md']) {
    if (existsSync(join(dist, file))) {
      console.log(`${file}: ${readFileSync(join(dist, file), 'utf-8').trim().split('\n')[0]}`);
    }
  }
}
