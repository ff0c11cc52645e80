import { App } from 'aws-cdk-lib';
import { summarizeAssembly } from './assembly-summary';
import { contextFromArgs, readExampleContext } from './context';
import { ExamplePipelineStack } from './example-pipeline-stack';

// Synthesizes without AWS credentials: the account and region only name the
// target; `cdk deploy` with real credentials uses its own.
// Context values switch the egress mode, the staging strategy and the desktop:
// `npx cdk synth -c egress=VPC_ENDPOINTS -c staging=DIRECT -c desktopImage=qc-desktop-2026-11`,
// or without the CDK CLI `npx ts-node --prefer-ts-exts src/main.ts -c egress=VPC_ENDPOINTS`.
const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out', context: contextFromArgs(process.argv.slice(2)) });
new ExamplePipelineStack(app, 'BatchPipelineExample', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT ?? '123456789012',
    region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-2',
  },
  ...readExampleContext(app.node),
});
const assembly = app.synth();
console.log(summarizeAssembly(assembly));
