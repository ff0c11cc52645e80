import { App } from 'aws-cdk-lib';
import { summarizeAssembly } from './assembly-summary';
import { ExamplePipelineStack } from './example-pipeline-stack';

// Synthesizes without AWS credentials: the account and region only name the
// target; `cdk deploy` with real credentials uses its own.
const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
new ExamplePipelineStack(app, 'BatchPipelineExample', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT ?? '123456789012',
    region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-2',
  },
});
const assembly = app.synth();
console.log(summarizeAssembly(assembly));
