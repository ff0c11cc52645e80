/**
 * Every version the repository depends on, pinned in one place so that all
 * packages use exactly one of each (see DESIGN.md, "Version constraints").
 */
export const VERSIONS = {
  /** Newest aws-cdk-lib that writes cloud assembly schema 53, which integ-runner 2.197.x reads; cdk-nag 3 needs at least this. */
  awsCdkLib: '2.257.0',
  constructs: '10.5.1',
  cdkNag: '3.0.2',
  /** jsii 6.0 compiles with TypeScript 6.0; the same TypeScript runs .projenrc.ts and the tests. */
  jsii: '6.0.16',
  typescript: '6.0.3',
  jsiiRosetta: '6.0.17',
  jsiiPacmak: '1.140.0',
  jsiiDocgen: '10.12.6',
  jest: '30.5.2',
  tsJest: '29.4.15',
  tsNode: '10.9.2',
  typesJest: '30.0.0',
  typesNode: '24.10.1',
  nx: '24.0.6',
  eslint: '9.39.5',
  typescriptEslint: '8.73.0',
  stylisticEslintPlugin: '2.13.0',
  eslintPluginImport: '2.32.0',
  eslintImportResolverTypescript: '4.4.5',
  jestJunit: '17.0.0',
  jsiiDiff: '1.134.0',
  esbuild: '0.28.2',
  awsSdk: '3.1164.0',
  awsSdkClientMock: '4.1.0',
  typesAwsLambda: '8.10.164',
  /** The only version served; needs Node 22 or newer. Runs the synthesized state machine in tests and locally. */
  awsLocalStepfunctions: '3.0.0',
  projen: '0.103.25',
  /** Newest served; peer aws-cdk-lib ^2.245.0. The assertions (AwsApiCall, waiters) of the integ tests. */
  integTestsAlpha: '2.245.0-alpha.0',
  /** Newest served; reads cloud assembly schema up to 53 (what aws-cdk-lib 2.257.0 writes). */
  integRunner: '2.197.10',
  /** IAM policy evaluator of the private test-support package (AGPL-3.0-or-later: a test-only tool, never shipped). */
  iamSimulate: '0.1.173',
} as const;

/** The Node.js release line the project runs on (aws-local-stepfunctions needs 22 or newer). */
export const MIN_NODE_VERSION = '22.0.0';
