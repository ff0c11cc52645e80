import { awscdk, javascript, DependencyType } from 'projen';
import { FamilyRelease, familyVersion } from './release';
import { MIN_NODE_VERSION, VERSIONS } from './versions';

/**
 * The version of every workspace package and of the sibling ranges: 0.0.0, and the family
 * version during a release (projenrc/release.ts).
 */
export const WORKSPACE_VERSION = familyVersion();

/** Fixed metadata shared by every package of the repository. */
export const PROJECT = {
  author: 'batch-pipeline contributors',
  authorAddress: 'batch-pipeline@users.noreply.github.com',
  repositoryUrl: 'https://github.com/batch-pipeline/batch-pipeline.git',
  npmScope: '@batch-pipeline',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
} as const;

/**
 * Options every project of the repository shares: npm, the pinned Node.js,
 * projen and TypeScript, and no per-project GitHub automation (CI is `.ci/run`,
 * driven from the root with Nx).
 */
export const COMMON_OPTIONS = {
  defaultReleaseBranch: PROJECT.defaultReleaseBranch,
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: MIN_NODE_VERSION,
  projenVersion: VERSIONS.projen,
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  prettier: false,
} as const;

/**
 * Jest as every project runs it: the pinned version, snapshots never rewritten by a test run,
 * and no coverage in the build: V8 coverage of every script a test loads (all of aws-cdk-lib)
 * doubled the CPU time of a package's tests, and nothing reads the report.
 * `npx jest --coverage` in a package writes it to coverage/.
 */
export const JEST_OPTIONS = {
  jestVersion: VERSIONS.jest,
  updateSnapshot: javascript.UpdateSnapshot.NEVER,
  jestConfig: { collectCoverage: false },
};

export interface ConstructPackageOptions {
  /** Short kebab-case name; becomes `@batch-pipeline/<name>` and `packages/<name>`. */
  readonly name: string;
  readonly description: string;
  /** Sibling construct packages this one builds on (jsii peer dependencies). */
  readonly dependsOn?: ConstructPackage[];
  /** Extra runtime dependencies bundled into the package (pinned). */
  readonly bundledDeps?: string[];
  /** Extra development dependencies (pinned). */
  readonly devDeps?: string[];
  readonly keywords?: string[];
  /** Private workspace packages used by the tests only. */
  readonly testDeps?: javascript.NodeProject[];
}

/**
 * One jsii construct library under `packages/<name>`, with the naming
 * conventions of DESIGN.md for every jsii target language.
 */
export class ConstructPackage extends awscdk.AwsCdkConstructLibrary {
  public readonly shortName: string;

  constructor(root: javascript.NodeProject, options: ConstructPackageOptions) {
    const pascal = options.name.split('-').map((part) => part[0].toUpperCase() + part.slice(1)).join('');
    const packageName = `${PROJECT.npmScope}/${options.name}`;
    super({
      parent: root,
      outdir: `packages/${options.name}`,
      name: packageName,
      description: options.description,
      keywords: ['aws-cdk', 'batch-pipeline', ...(options.keywords ?? [])],
      author: PROJECT.author,
      authorAddress: PROJECT.authorAddress,
      repositoryUrl: PROJECT.repositoryUrl,
      repositoryDirectory: `packages/${options.name}`,
      license: PROJECT.license,
      ...COMMON_OPTIONS,
      cdkVersion: VERSIONS.awsCdkLib,
      constructsVersion: VERSIONS.constructs,
      jsiiVersion: VERSIONS.jsii,
      typescriptVersion: VERSIONS.typescript,
      jestOptions: JEST_OPTIONS,
      peerDeps: (options.dependsOn ?? []).map((dep) => `${dep.package.packageName}@^${WORKSPACE_VERSION}`),
      bundledDeps: options.bundledDeps,
      devDeps: [
        `cdk-nag@${VERSIONS.cdkNag}`,
        ...(options.testDeps ?? []).map((dep) => `${dep.package.packageName}@${WORKSPACE_VERSION}`),
        ...(options.devDeps ?? []),
      ],
      docgen: true,
      // Lambda handlers (`*.lambda.ts`) are bundled with esbuild when the package
      // is built and shipped inside it, so consumers need neither esbuild nor Docker.
      lambdaOptions: {
        runtime: awscdk.LambdaRuntime.NODEJS_24_X,
        // AWS SDK v3 reuses connections by itself.
        awsSdkConnectionReuse: false,
        // The SDK is bundled too, so the handler runs the version its tests ran.
        bundlingOptions: { externals: [], sourcemap: true },
      },
      publishToPypi: {
        distName: `batch-pipeline.${options.name}`,
        module: `batch_pipeline.${options.name.replace(/-/g, '_')}`,
      },
      publishToMaven: {
        javaPackage: `dev.batchpipeline.${options.name.replace(/-/g, '')}`,
        mavenGroupId: 'dev.batchpipeline',
        mavenArtifactId: options.name,
      },
      publishToNuget: {
        dotNetNamespace: `BatchPipeline.${pascal}`,
        packageId: `BatchPipeline.${pascal}`,
      },
      publishToGo: {
        moduleName: 'github.com/batch-pipeline/batch-pipeline-go',
        packageName: options.name.replace(/-/g, ''),
      },
    });
    this.shortName = options.name;
    pinToolchain(this);
    limitSourceLineLength(this);
    // Released with the family: one version, bumped at the root (projenrc/release.ts).
    FamilyRelease.of(root, PROJECT.repositoryUrl).add(this);

    // Packaging for Python, Java, .NET and Go needs their toolchains; until that
    // is set up, `package` produces the JavaScript package only (`package-all` does the rest).
    this.packageTask.reset();
    this.packageTask.spawn(this.tasks.tryFind('package:js')!);

    // ts-jest only transpiles (isolatedModules), so the tests are type-checked first.
    this.testTask.prependExec('tsc -p test/tsconfig.json', { name: 'type-check the tests' });

    // jsii-docgen cannot find hoisted dependency assemblies by itself.
    this.tasks.tryFind('docgen')!.reset('node ../../scripts/docgen.mjs API.md');

    // Examples may also use the sibling packages the tests compose (orchestration's README
    // shows storage); jsii-rosetta resolves them in the workspace, not on a registry.
    const exampleDeps = (options.testDeps ?? []).filter((dep): dep is ConstructPackage => dep instanceof ConstructPackage);
    addRosettaExtract(this, exampleDeps);

    skipOwnInstall(this);
  }
}

/**
 * Compiles every TypeScript example of the package (the `ts` blocks of README.md and the
 * `@example` blocks of the API docs, as jsii put them into `.jsii`) with jsii-rosetta in strict
 * mode, against the fixtures in `rosetta/` (`default.ts-fixture`, or the one a block names with
 * `fixture=<name>`). One example that does not compile fails the build. Runs after `compile`
 * (it reads the assembly) and after docgen; needs no network. The tablet it writes,
 * `.jsii.tabl.json` (the translations, shipped in the npm package as jsii libraries do), is also
 * its cache: an unchanged example is not compiled again. `test/readme-examples.test.ts`
 * synthesizes the README examples that build a stack.
 */
export function addRosettaExtract(project: awscdk.AwsCdkConstructLibrary, exampleDeps: javascript.NodeProject[] = []): void {
  const extract = project.addTask('rosetta:extract', {
    description: 'Compile every TypeScript example of README.md and of @example (jsii-rosetta --strict)',
    // --batch compiles all examples in one TypeScript program: aws-cdk-lib's types load once.
    // --directory . compiles them in the package, which resolves the workspace's packages and
    // @types/node (`path`, `__dirname`) like the package's own code; without it rosetta links a
    // closure of the dependencies into a temporary directory and runs `npm install` there.
    exec: 'jsii-rosetta extract --strict --batch --directory .',
  });
  project.postCompileTask.spawn(extract);
  if (exampleDeps.length > 0) {
    project.package.addField('jsiiRosetta', {
      exampleDependencies: Object.fromEntries(exampleDeps.map((dep) => [dep.package.packageName, WORKSPACE_VERSION])),
    });
  }
  project.gitignore.exclude('/.jsii.tabl.json', '/rosetta/*.tabl.json');
  project.addPackageIgnore('/rosetta/');
}

/**
 * A workspace package does not run its own `npm install` after synthesis:
 * the single install at the repository root covers every workspace.
 */
/**
 * Lines in `src/` stay within 150 characters, strings and comments included: projen's lint ignores
 * long strings, template literals and comments, which let 209 long lines in before anyone noticed.
 * Tests keep those allowances (long test names and fixtures read better on one line).
 */
export function limitSourceLineLength(project: javascript.NodeProject): void {
  javascript.Eslint.of(project)?.addOverride({
    files: ['src/**/*.ts'],
    rules: { '@stylistic/max-len': ['error', { code: 150, ignoreUrls: true, ignoreRegExpLiterals: true }] },
  });
}

export function skipOwnInstall(project: javascript.NodeProject): void {
  (project.package as unknown as { installDependencies: () => void }).installDependencies = () => undefined;
}

/**
 * Replaces the caret ranges projen chooses for test tooling with the exact
 * versions of versions.ts, so every package uses the same ones.
 */
export function pinToolchain(project: javascript.NodeProject): void {
  const exact: Record<string, string> = {
    'jest': VERSIONS.jest,
    'ts-jest': VERSIONS.tsJest,
    '@types/jest': VERSIONS.typesJest,
    '@types/node': VERSIONS.typesNode,
    'typescript': VERSIONS.typescript,
    'ts-node': VERSIONS.tsNode,
    'jsii-rosetta': VERSIONS.jsiiRosetta,
    'jsii-pacmak': VERSIONS.jsiiPacmak,
    'jsii-docgen': VERSIONS.jsiiDocgen,
    'constructs': VERSIONS.constructs,
    'eslint': VERSIONS.eslint,
    '@typescript-eslint/eslint-plugin': VERSIONS.typescriptEslint,
    '@typescript-eslint/parser': VERSIONS.typescriptEslint,
    '@stylistic/eslint-plugin': VERSIONS.stylisticEslintPlugin,
    'eslint-plugin-import': VERSIONS.eslintPluginImport,
    'eslint-import-resolver-typescript': VERSIONS.eslintImportResolverTypescript,
    'jest-junit': VERSIONS.jestJunit,
    'jsii-diff': VERSIONS.jsiiDiff,
  };
  for (const [name, version] of Object.entries(exact)) {
    const existing = project.deps.all.find((dep) => dep.name === name && dep.type === DependencyType.BUILD);
    if (existing) {
      project.deps.removeDependency(name, DependencyType.BUILD);
      project.deps.addDependency(`${name}@${version}`, DependencyType.BUILD);
    }
  }
}
