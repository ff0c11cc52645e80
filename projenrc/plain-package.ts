import { javascript, typescript } from 'projen';
import { COMMON_OPTIONS, JEST_OPTIONS, limitSourceLineLength, PROJECT, pinToolchain, skipOwnInstall } from './construct-package';
import { VERSIONS } from './versions';

export interface PlainPackageOptions {
  /** The folder under packages/ and the name under the npm scope. */
  readonly name: string;
  readonly description: string;
  readonly keywords: string[];
  /** A jest timeout for packages whose tests start processes and endpoints. */
  readonly testTimeout?: number;
  /** For declarations of dependencies that import what their packages' exports hide. */
  readonly skipLibCheck?: boolean;
}

/**
 * The options every plain TypeScript (not jsii) workspace package shares: Node16 modules, eslint,
 * ts-jest that only transpiles (the tests are type-checked by their own step, see `finishPlainPackage`).
 */
export function plainPackageOptions(root: javascript.NodeProject, options: PlainPackageOptions) {
  return {
    parent: root,
    outdir: `packages/${options.name}`,
    name: `${PROJECT.npmScope}/${options.name}`,
    description: options.description,
    keywords: options.keywords,
    authorName: PROJECT.author,
    authorEmail: PROJECT.authorAddress,
    repository: PROJECT.repositoryUrl,
    repositoryDirectory: `packages/${options.name}`,
    license: PROJECT.license,
    ...COMMON_OPTIONS,
    typescriptVersion: VERSIONS.typescript,
    jestOptions: options.testTimeout === undefined ? JEST_OPTIONS : {
      ...JEST_OPTIONS,
      jestConfig: { ...JEST_OPTIONS.jestConfig, testTimeout: options.testTimeout },
    },
    sampleCode: false,
    eslint: true,
    tsconfig: {
      compilerOptions: {
        target: 'ES2022',
        lib: ['es2022'],
        module: 'node16',
        moduleResolution: javascript.TypeScriptModuleResolution.NODE16,
        ...(options.skipLibCheck ? { skipLibCheck: true } : {}),
      },
    },
    tsconfigDev: { compilerOptions: { isolatedModules: true } },
  };
}

/**
 * The pinned toolchain, the root's install, and a test task that first type-checks the tests (and
 * the benchmark, with its own `benchmark` task, when `benchmark` describes it).
 */
export function finishPlainPackage(project: typescript.TypeScriptProject, benchmark?: { description: string; script: string }): void {
  pinToolchain(project);
  limitSourceLineLength(project);
  skipOwnInstall(project);
  if (!benchmark) {
    project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json', { name: 'type-check the tests' });
    return;
  }
  project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json && tsc --noEmit -p benchmark/tsconfig.json', { name: 'type-check the tests and the benchmark' });
  project.addTask('benchmark', {
    description: benchmark.description,
    steps: [{ exec: `ts-node --project benchmark/tsconfig.json ${benchmark.script}` }],
  });
  project.addPackageIgnore('/benchmark/');
}
