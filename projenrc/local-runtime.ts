import { javascript, typescript } from 'projen';
import { PROJECT, WORKSPACE_VERSION } from './construct-package';
import { finishPlainPackage, plainPackageOptions } from './plain-package';
import { VERSIONS } from './versions';

/**
 * `packages/local`: the local runtime and its CLI (`batch-pipeline`), plain TypeScript
 * (not jsii). Runs the pipeline of any cloud assembly built from the construct packages
 * on a laptop, with the services it calls emulated.
 *
 * It sits below the construct packages: it imports none of them (it reads what they
 * synthesized), so the orchestration tests and the example app can run their pipelines on it.
 */
export interface LocalRuntimeOptions {
  /** The run contract: a re-run of an interrupted run is named by its rule, as the CLI's `rerun` names one. */
  readonly runContract: typescript.TypeScriptProject;
}

export class LocalRuntime extends typescript.TypeScriptProject {
  constructor(root: javascript.NodeProject, options: LocalRuntimeOptions) {
    super({
      ...plainPackageOptions(root, {
        name: 'local',
        description: 'Runs a batch pipeline synthesized with the batch-pipeline constructs on a laptop: buckets and EFS as folders, the real functions, the state machine, emulated DataSync, Batch, SNS and CloudWatch',
        keywords: ['aws-cdk', 'batch-pipeline', 'local', 'stepfunctions', 'emulator'],
        // End-to-end runs start worker processes and local endpoints.
        testTimeout: 120_000,
        // aws-local-stepfunctions' declarations import SDK internals that package exports hide.
        skipLibCheck: true,
      }),
      deps: [
        `aws-local-stepfunctions@${VERSIONS.awsLocalStepfunctions}`,
        `${options.runContract.package.packageName}@${WORKSPACE_VERSION}`,
      ],
      devDeps: [
        `aws-cdk-lib@${VERSIONS.awsCdkLib}`,
        `constructs@${VERSIONS.constructs}`,
        `@aws-sdk/client-s3@${VERSIONS.awsSdk}`,
        `@aws-sdk/client-sfn@${VERSIONS.awsSdk}`,
        // The served endpoint's tests call it with the SDK clients of every service it answers.
        `@aws-sdk/client-cloudformation@${VERSIONS.awsSdk}`,
        `@aws-sdk/client-cloudwatch-logs@${VERSIONS.awsSdk}`,
        `@aws-sdk/client-batch@${VERSIONS.awsSdkBatch}`,
        // The SNS endpoint's tests publish with the SDK client the trigger function uses.
        `@aws-sdk/client-sns@${VERSIONS.awsSdk}`,
        `ts-node@${VERSIONS.tsNode}`,
      ],
    });
    finishPlainPackage(this, {
      description: 'Print upload-to-report times for 1, 100 and 1,000 uploads and the runtime memory (real clock)',
      script: 'benchmark/local-benchmark.ts',
    });
    // Two tests run the orchestration package's real bundled functions: Nx bundles them first.
    // A task dependency only (orchestration's esbuild step needs nothing of this package), so the
    // package graph stays local <- orchestration.
    this.package.addField('nx', {
      targets: {
        build: { dependsOn: ['^build', { projects: [`${PROJECT.npmScope}/orchestration`], target: 'pre-compile' }] },
        test: { dependsOn: ['^compile', 'pre-compile', { projects: [`${PROJECT.npmScope}/orchestration`], target: 'pre-compile' }] },
      },
    });
    this.gitignore.exclude('/.batch-pipeline/');
    // The AWS CLI the served runtime's tests drive: a link to its pinned virtualenv (tools/template-scan/ensure_venv.py).
    this.gitignore.exclude('/test/serve/aws-cli/.venv');
    this.addPackageIgnore('/test/serve/aws-cli/');
  }
}
