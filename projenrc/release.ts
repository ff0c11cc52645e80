import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Component, DependencyType, ReleasableCommits, Task, github, javascript, release } from 'projen';

/**
 * Releases: the whole family of construct packages is released together, with one version.
 *
 * - The version is derived once, at the root, by projen's own `bump` task: the latest `v*` tag
 *   plus the conventional commits since (`feat:` minor, `fix:` patch, `!`/`BREAKING CHANGE` major;
 *   other commits do not release). The first release, with no tag yet, is 0.1.0.
 * - projen keeps a bumped `version` in a package.json only while `RELEASE` is set; the projenrc
 *   reads the root's bumped version then ({@link familyVersion}) and writes it to every workspace
 *   package, with the sibling ranges derived from it (`^X.Y.Z` peers, `X.Y.Z` dev pins, rosetta
 *   example dependencies). Outside a release everything is 0.0.0, as committed.
 * - `release` (run by `.github/workflows/release.yml`): bump, the root build (synthesis at the
 *   family version, then every package's build with its tests, as CI), `release:artifacts`
 *   (Python, Java and Go from the polyglot project's one jsii-pacmak run, .NET where a .NET SDK
 *   is, collected into the root `dist/<language>/`), unbump, and projen's check that the build
 *   changed no committed file. The workflow's jobs then publish `dist/` to npm, PyPI, Maven
 *   Central, NuGet and the Go module repository, and create the GitHub release `vX.Y.Z`.
 * - `release:dry-run`: the same bump and packaging on this machine without the tests and without
 *   publishing, then unbump; it lists the artifacts with their sizes.
 */

/** Every workspace package carries this version: 0.0.0, or during a release the family version. */
export function familyVersion(): string {
  if (!isTruthy(process.env.RELEASE)) {
    return '0.0.0';
  }
  const rootManifest = join(__dirname, '..', 'package.json');
  const version = existsSync(rootManifest) ? JSON.parse(readFileSync(rootManifest, 'utf-8')).version : undefined;
  return typeof version === 'string' && version !== '' ? version : '0.0.0';
}

/** projen's own reading of `RELEASE` (NodePackage keeps a bumped version only when it is truthy). */
function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase());
}

/** What the release needs of a construct package (structural, so this file imports no package class). */
interface ReleasedPackage {
  readonly outdir: string;
  readonly package: javascript.NodePackage;
}

/** The commit-and-tag-version that bumps, pinned; run with npx, so it is no dependency of the workspace. */
const BUMP_PACKAGE = 'commit-and-tag-version@13.2.1';
/** publib, which the publishing jobs run. */
const PUBLIB_VERSION = '0.2.1061';
const ARTIFACTS = 'dist';

/**
 * The family release of the repository, on the root project: projen's `Release` with its
 * GitHub workflow, the family version written to every workspace package, and the packaging
 * of all languages into one `dist/`. Created by the first construct package ({@link FamilyRelease.of}).
 */
export class FamilyRelease extends Component {
  /** The family release of `root`, created on first use; `repositoryUrl` links the changelog. */
  public static of(root: javascript.NodeProject, repositoryUrl: string): FamilyRelease {
    const existing = root.components.find((c): c is FamilyRelease => c instanceof FamilyRelease);
    return existing ?? new FamilyRelease(root, repositoryUrl);
  }

  private readonly root: javascript.NodeProject;
  private readonly released: ReleasedPackage[] = [];
  private readonly dryRun: Task;

  private constructor(root: javascript.NodeProject, repositoryUrl: string) {
    super(root);
    this.root = root;
    // The changelog links commits and compares versions on the repository.
    root.package.addField('repository', { type: 'git', url: repositoryUrl });

    // The release workflow is the only GitHub file: CI is `.ci/run`, no build workflow, no
    // pull-request lint or mergify.
    new github.GitHub(root, { mergify: false, pullRequestLint: false });

    const artifacts = root.addTask('release:artifacts', {
      description: 'Package Python, Java, Go (polyglot) and .NET (where a .NET SDK is) and collect every language into dist/, listed with sizes',
    });

    const rel = new release.Release(root, {
      versionFile: 'package.json',
      branch: 'main',
      artifactsDirectory: ARTIFACTS,
      tasks: [root.buildTask, artifacts],
      releasableCommits: ReleasableCommits.featuresAndFixes(),
      // No tag yet: the first release is 0.1.0 (projen would release 0.0.0); after that the
      // commits decide (printing nothing keeps the bump projen suggests).
      nextVersionCommand: `node -e "process.env.LATEST_TAG || process.stdout.write('0.1.0')"`,
      bumpPackage: BUMP_PACKAGE,
      jsiiReleaseVersion: PUBLIB_VERSION,
      workflowNodeVersion: '24.x',
      releaseWorkflowEnv: { BATCH_PIPELINE_REQUIRE_DOTNET: 'true' },
      releaseWorkflowSetupSteps: [
        { name: 'Set up Node.js', uses: 'actions/setup-node@v7.0.0', with: { 'node-version': '24.x' } },
        { name: 'Set up Python', uses: 'actions/setup-python@v7.0.0', with: { 'python-version': '3.11' } },
        { name: 'Set up Java', uses: 'actions/setup-java@v6.0.0', with: { 'distribution': 'temurin', 'java-version': '17' } },
        { name: 'Set up Go', uses: 'actions/setup-go@v7.0.0', with: { 'go-version': '1.26' } },
        // .NET cannot be built on the project's own machines; GitHub's runners build it here.
        { name: 'Set up .NET', uses: 'actions/setup-dotnet@v6.0.0', with: { 'dotnet-version': '8.x' } },
        { name: 'Install dependencies', run: 'npm ci --no-audit --no-fund' },
      ],
    });
    // The bump runs the pinned package with npx (projen always does when a bump package is named);
    // it is no dependency of the workspace, and npx may fetch it without asking.
    root.deps.removeDependency('commit-and-tag-version', DependencyType.BUILD);
    root.tasks.tryFind('bump')!.env('npm_config_yes', 'true');

    rel.publisher.publishToNpm();
    rel.publisher.publishToPyPi();
    rel.publisher.publishToMaven();
    rel.publisher.publishToNuget();
    rel.publisher.publishToGo();

    // After the unbump (root version back to 0.0.0), synthesize again, so every generated file is
    // back to 0.0.0 before projen's check that the release changed no committed file.
    root.tasks.tryFind('unbump')!.spawn(root.defaultTask!);

    root.gitignore.exclude(`/${ARTIFACTS}/`);

    this.dryRun = root.addTask('release:dry-run', {
      description: 'Bump from the commit history, package every language at the family version (no tests, nothing published), list the artifacts, unbump',
      env: { RELEASE: 'true' },
    });
  }

  /** Releases `pkg` with the family (called by every construct package). */
  public add(pkg: ReleasedPackage): void {
    this.released.push(pkg);
  }

  public preSynthesize(): void {
    const version = familyVersion();
    // Every workspace package (construct packages, tools, apps) carries the family version,
    // so the sibling pins written from it resolve inside the workspace too.
    for (const sub of this.root.subprojects) {
      if (sub instanceof javascript.NodeProject) {
        sub.package.addVersion(version);
      }
    }

    const dirs = this.released.map((pkg) => relativeToRoot(this.root, pkg.outdir));
    const artifacts = this.root.tasks.tryFind('release:artifacts')!;
    if (artifacts.steps.length === 0) {
      artifacts.exec(`node scripts/release-artifacts.mjs ${dirs.join(' ')}`);
    }

    if (this.dryRun.steps.length === 0) {
      this.dryRun.exec(`rm -fr ${ARTIFACTS}`);
      this.dryRun.spawn(this.root.tasks.tryFind('bump')!);
      // Synthesize at the bumped version: versions and sibling ranges of every package.
      this.dryRun.spawn(this.root.defaultTask!);
      // Each package's build without its tests (CI runs them), in dependency order.
      for (const dir of dirs) {
        this.dryRun.exec('npx projen pre-compile && npx projen compile && npx projen post-compile && npx projen package', {
          cwd: dir,
          name: `package ${dir}`,
        });
      }
      this.dryRun.spawn(artifacts);
      this.dryRun.spawn(this.root.tasks.tryFind('unbump')!);
      // Every package.json is back to what is committed.
      this.dryRun.exec('git diff --exit-code --stat -- package.json "**/package.json"', { name: 'versions restored' });
    }
  }
}

function relativeToRoot(root: javascript.NodeProject, outdir: string): string {
  return outdir.startsWith(root.outdir + '/') ? outdir.slice(root.outdir.length + 1) : outdir;
}
