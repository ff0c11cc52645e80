import { javascript, typescript } from 'projen';
import { COMMON_OPTIONS, ConstructPackage, PROJECT, WORKSPACE_VERSION, pinToolchain } from './projenrc/construct-package';
import { ExampleApp } from './projenrc/example-app';
import { IntegTests } from './projenrc/integ-tests';
import { LocalRuntime } from './projenrc/local-runtime';
import { NxWorkspace } from './projenrc/nx-workspace';
import { OperationsCli, RunContract } from './projenrc/operations-cli';
import { Polyglot } from './projenrc/polyglot';
import { TemplateScan } from './projenrc/template-scan';
import { TestSupport } from './projenrc/test-support';
import { VERSIONS } from './projenrc/versions';

const root = new javascript.NodeProject({
  name: 'batch-pipeline',
  description: 'AWS CDK construct libraries for a serverless batch-processing pipeline, and a local runtime for it',
  ...COMMON_OPTIONS,
  projenrcJs: false,
  devDeps: [
    `constructs@${VERSIONS.constructs}`,
    `ts-node@${VERSIONS.tsNode}`,
    `typescript@${VERSIONS.typescript}`,
    `@types/node@${VERSIONS.typesNode}`,
  ],
  jest: false,
  package: false,
  licensed: true,
  license: PROJECT.license,
  copyrightOwner: PROJECT.author,
});
root.package.addField('private', true);
// .projenrc.ts and projenrc/ run with ts-node on the pinned TypeScript.
const projenrc = new typescript.ProjenrcTs(root);
projenrc.tsconfig.file.addOverride('compilerOptions', {
  target: 'ES2022',
  lib: ['es2022'],
  module: 'commonjs',
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
});
projenrc.tsconfig.file.addOverride('include', ['.projenrc.ts', 'projenrc/**/*.ts']);
pinToolchain(root);

const testSupport = new TestSupport(root);
// The run id and execution input, shared by the trigger's bundle, the CLI and the local runtime.
const runContract = new RunContract(root);
// The local runtime reads cloud assemblies and imports no construct package, so the
// packages' tests and the example app can run their synthesized pipelines on it.
const local = new LocalRuntime(root, { runContract });
// The `batch-pipeline` command (local runs, and operations on deployed or served pipelines).
const cli = new OperationsCli(root, { local, runContract });

const network = new ConstructPackage(root, {
  name: 'network',
  description: 'The VPC of the batch pipeline: subnets, egress mode, VPC endpoints, flow logs and security groups',
  keywords: ['vpc', 'network'],
  testDeps: [testSupport],
});

const storage = new ConstructPackage(root, {
  name: 'storage',
  description: 'Upload and reports buckets, access logs, and the EFS file system of the batch pipeline',
  keywords: ['s3', 'efs', 'storage'],
  testDeps: [testSupport],
  dependsOn: [network],
});

const datasync = new ConstructPackage(root, {
  name: 'datasync',
  description: 'DataSync locations and the stage-in (S3 to EFS) and stage-out (EFS to S3) tasks of the batch pipeline',
  keywords: ['datasync', 'efs', 's3'],
  dependsOn: [network],
  testDeps: [testSupport],
});

const batch = new ConstructPackage(root, {
  name: 'batch',
  description: 'AWS Batch on Fargate for the batch pipeline: compute environment, job queue and a job definition with the pipeline EFS mounted',
  keywords: ['batch', 'fargate', 'efs'],
  dependsOn: [network],
  testDeps: [testSupport],
});

const appstream = new ConstructPackage(root, {
  name: 'appstream',
  description: 'An optional AppStream 2.0 quality-control desktop inside the batch pipeline VPC',
  keywords: ['appstream', 'desktop'],
  dependsOn: [network],
  testDeps: [testSupport],
});

const orchestration = new ConstructPackage(root, {
  name: 'orchestration',
  description: 'The trigger function, state machine, failure notification and alarms that turn one upload into one report',
  keywords: ['stepfunctions', 'lambda', 'orchestration'],
  // Storage owns the key prefix rule (KeyPrefix) the state machine and the trigger check.
  dependsOn: [network, storage, datasync, batch],
  testDeps: [testSupport, local],
  devDeps: [
    `esbuild@${VERSIONS.esbuild}`,
    // Bundled into the trigger function: the run id and input (the CLI's back-fill builds the same).
    `${runContract.package.packageName}@${WORKSPACE_VERSION}`,
    `@aws-sdk/client-sfn@${VERSIONS.awsSdk}`,
    // Bundled into the trigger function, which notifies about the uploads it refuses.
    `@aws-sdk/client-sns@${VERSIONS.awsSdk}`,
    // Bundled into the workspace function, which stages small objects directly.
    `@aws-sdk/client-s3@${VERSIONS.awsSdk}`,
    `@aws-sdk/lib-storage@${VERSIONS.awsSdk}`,
    `aws-sdk-client-mock@${VERSIONS.awsSdkClientMock}`,
    `@types/aws-lambda@${VERSIONS.typesAwsLambda}`,
    `aws-local-stepfunctions@${VERSIONS.awsLocalStepfunctions}`,
  ],
});

// Runs the synthesized state machine on a simulated clock and prints the orchestration overhead.
orchestration.addTask('benchmark', {
  description: 'Print end-to-end time, orchestration overhead and state transitions per scenario (simulated clock)',
  steps: [{ spawn: 'bundle' }, { exec: 'ts-node --project test/tsconfig.json benchmark/orchestration-benchmark.ts' }],
});
orchestration.addPackageIgnore('/benchmark/');

const pipeline = new ConstructPackage(root, {
  name: 'pipeline',
  description: 'BatchPipeline: the whole batch pipeline (network, storage, staging, Batch job, orchestration, optional QC desktop) in one construct with safe defaults',
  keywords: ['pipeline', 'batch', 'stepfunctions'],
  dependsOn: [network, storage, datasync, batch, orchestration, appstream],
  testDeps: [testSupport],
});

const example = new ExampleApp(root, { uses: [network, storage, datasync, batch, orchestration, appstream, pipeline] });
example.addDevDeps(`${testSupport.package.packageName}@${WORKSPACE_VERSION}`, `${local.package.packageName}@${WORKSPACE_VERSION}`, `${cli.package.packageName}@${WORKSPACE_VERSION}`);
new IntegTests(root, { uses: [network, storage, datasync, batch, orchestration, pipeline] });
new TemplateScan(root, { app: example });

new Polyglot(root, { packages: [network, storage, datasync, batch, appstream, orchestration, pipeline], umbrella: pipeline, example });
new NxWorkspace(root, ['packages/*', 'apps/*', 'tools/*', 'integ', 'polyglot']);

// `npm test`: build, test and package every package in dependency order (Nx-cached).
root.testTask.reset('nx run-many --target=build --output-style=static');
// `npm start`: the main job; runs the example pipeline locally on a sample and prints the report.
root.addTask('start', {
  description: 'Run the example pipeline locally on a bundled sample file and print where the report is and what it says',
  exec: `nx run ${example.package.packageName}:local-run --output-style=static`,
});
// The root scripts' own tests (the Node.js bootstrap decision), before the packages' builds.
root.testTask.prependExec('node --test "scripts/*.test.mjs"');
// Both run through scripts/run-in-workspace.mjs, so that they work on a fresh clone with any
// Node.js on PATH: it runs them under Node 24 from the npm registry when the machine's is older
// than 22, and installs the workspace when node_modules is missing or stale.
root.package.setScript('test', 'node scripts/run-in-workspace.mjs projen test');
root.package.setScript('start', 'node scripts/run-in-workspace.mjs projen start');

root.synth();
