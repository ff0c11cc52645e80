import { javascript, typescript } from 'projen';
import { PROJECT, WORKSPACE_VERSION } from './construct-package';
import { finishPlainPackage, plainPackageOptions } from './plain-package';
import { VERSIONS } from './versions';

export interface OperationsCliOptions {
  /** The local runtime (packages/local): `run` and `watch` without a stack, and the runtime `serve` starts. */
  readonly local: javascript.NodeProject;
  /** The shared run contract (run id, execution input) the trigger also bundles. */
  readonly runContract: javascript.NodeProject;
}

/**
 * `packages/cli`: `@batch-pipeline/cli`, the `batch-pipeline` command, plain TypeScript (not jsii).
 * One code path, the AWS SDK v3 clients, pointed at a deployed stack (`--stack`) or at a local
 * runtime's endpoint: list, follow, fetch, re-run, back-fill, cancel runs and read their logs.
 * `run` and `watch` without a stack are the local runtime's commands (packages/local).
 *
 * It imports no construct package: a deployed pipeline is discovered from its template with the
 * local runtime's discovery, so the command needs no aws-cdk-lib.
 */
export class OperationsCli extends typescript.TypeScriptProject {
  constructor(root: javascript.NodeProject, options: OperationsCliOptions) {
    super({
      ...plainPackageOptions(root, {
        name: 'cli',
        description: 'The batch-pipeline command: submit, list, follow, fetch, re-run, back-fill and cancel runs of a batch pipeline, deployed or local',
        keywords: ['aws-cdk', 'batch-pipeline', 'cli', 'stepfunctions', 'operations'],
        // End-to-end tests start the CLI as a process against a local runtime.
        testTimeout: 180_000,
        skipLibCheck: true,
      }),
      deps: [
        `${options.local.package.packageName}@${WORKSPACE_VERSION}`,
        `${options.runContract.package.packageName}@${WORKSPACE_VERSION}`,
        `@aws-sdk/client-batch@${VERSIONS.awsSdkBatch}`,
        `@aws-sdk/client-cloudformation@${VERSIONS.awsSdk}`,
        `@aws-sdk/client-cloudwatch-logs@${VERSIONS.awsSdk}`,
        `@aws-sdk/client-datasync@${VERSIONS.awsSdkDataSync}`,
        // cancel: the workspace function's clean-up of the run's files on EFS (Invoke).
        `@aws-sdk/client-lambda@${VERSIONS.awsSdk}`,
        `@aws-sdk/client-s3@${VERSIONS.awsSdk}`,
        `@aws-sdk/client-sfn@${VERSIONS.awsSdk}`,
        `cli-progress@${VERSIONS.cliProgress}`,
      ],
      devDeps: [
        `aws-sdk-client-mock@${VERSIONS.awsSdkClientMock}`,
        `@types/cli-progress@${VERSIONS.typesCliProgress}`,
        `aws-cdk-lib@${VERSIONS.awsCdkLib}`,
        `constructs@${VERSIONS.constructs}`,
        `ts-node@${VERSIONS.tsNode}`,
        // The console's page: dagre bundled by esbuild into lib/console-assets at compile time.
        `@dagrejs/dagre@${VERSIONS.dagre}`,
        `esbuild@${VERSIONS.esbuild}`,
        `playwright-core@${VERSIONS.playwrightCore}`,
        `axe-core@${VERSIONS.axeCore}`,
      ],
    });
    // The bin is bin/batch-pipeline (projen picks up bin/): a committed shim that runs lib/cli.js,
    // so that npm links it on a fresh clone before anything is compiled.
    finishPlainPackage(this, {
      description: 'Print back-fill starts per second and peak memory for 10,000 objects, and the time to the first row of `runs` over 10,000 executions (served example app)',
      script: 'benchmark/cli-benchmark.ts',
    });
    // The console's page (console-assets/src, browser TypeScript) is bundled with its libraries
    // into lib/console-assets/console.js: every asset ships in the package, nothing from a CDN.
    this.postCompileTask.exec('node console-assets/bundle.mjs', { name: 'bundle the console page' });
    this.addPackageIgnore('/console-assets/src/');
    this.addPackageIgnore('/console-assets/tsconfig.json');
    // The console's browser tests drive Debian's chromium: installed here when missing (as root).
    this.testTask.prependExec('bash test/console/ensure-chromium.sh', { name: 'chromium for the console browser tests' });
    this.testTask.prependExec('tsc --noEmit -p console-assets/tsconfig.json', { name: 'type-check the console page' });
    this.addTask('benchmark:console', {
      description: 'Print the time until the console\'s runs page shows its first rows with 1,000 runs (served example app, chromium)',
      steps: [{ exec: 'bash test/console/ensure-chromium.sh' }, { exec: 'ts-node --project benchmark/tsconfig.json benchmark/console-benchmark.ts' }],
    });
    // The end-to-end tests synthesize and serve the example app, and the cost tests load its
    // compiled stack (apps/example/lib): Nx first synthesizes and compiles it (which compiles every
    // construct package and bundles orchestration's functions), for `test` and for `build` (which
    // runs the tests inside it: the root `npm test` runs `build`). Task dependencies only: the
    // package graph stays example <- cli.
    const example = [
      { projects: [`${PROJECT.npmScope}/example`], target: 'synth' },
      { projects: [`${PROJECT.npmScope}/example`], target: 'compile' },
    ];
    this.package.addField('nx', {
      targets: {
        build: { dependsOn: ['^build', ...example] },
        test: { dependsOn: ['^compile', 'pre-compile', ...example] },
      },
    });
    this.gitignore.exclude('/.batch-pipeline/');
  }
}

/**
 * `packages/run-contract`: `@batch-pipeline/run-contract`, what an upload's run is: its id
 * (the execution name) and its execution input. Plain TypeScript with no dependencies, so the
 * trigger function's bundle and the CLI's back-fill build byte-identical runs from one code.
 */
export class RunContract extends typescript.TypeScriptProject {
  constructor(root: javascript.NodeProject) {
    super(plainPackageOptions(root, {
      name: 'run-contract',
      description: 'The run id and execution input the batch pipeline builds for an upload, shared by its trigger function and its CLI',
      keywords: ['batch-pipeline'],
    }));
    finishPlainPackage(this);
  }
}
