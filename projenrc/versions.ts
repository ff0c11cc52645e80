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
  /** Newest @aws-sdk/client-batch the registry serves (it has no 3.1164.0); the CLI's DescribeJobs and TerminateJob. */
  awsSdkBatch: '3.1138.0',
  /** Newest @aws-sdk/client-datasync the registry serves (it has no 3.1164.0); the CLI's CancelTaskExecution. */
  awsSdkDataSync: '3.1048.0',
  /** The CLI's progress bar (back-fill). */
  cliProgress: '3.12.0',
  typesCliProgress: '3.11.6',
  /** The console's state graph layout (MIT; bundled into the console's page at build time). */
  dagre: '3.1.4',
  /** Drives Debian's chromium in the console's browser tests (Apache-2.0; test only). */
  playwrightCore: '1.65.2',
  /** The console's accessibility check in its browser tests (MPL-2.0; test only, never shipped). */
  axeCore: '4.14.1',
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

/**
 * What the Python, Java and Go smoke apps of `polyglot/` install from PyPI, Maven Central and
 * the Go module proxy (projenrc/polyglot.ts writes them into constraints.txt, pom.xml and go.mod).
 * The jsii runtime of each language matches jsii-pacmak (VERSIONS.jsiiPacmak), which generates
 * code for it.
 */
export const POLYGLOT_VERSIONS = {
  /** Every package of the smoke app's virtualenv besides the wheels built here (pip freeze of it). */
  python: {
    'aws-cdk-lib': VERSIONS.awsCdkLib,
    'constructs': VERSIONS.constructs,
    'jsii': VERSIONS.jsiiPacmak,
    // aws-cdk-lib 2.257.0 asks for exactly these three.
    'aws-cdk.asset-awscli-v1': '2.2.273',
    'aws-cdk.asset-node-proxy-agent-v6': '2.1.3',
    'aws-cdk.cloud-assembly-schema': '53.28.0',
    // What jsii and the generated wheels ask for (typeguard: the wheels need >=2.13.3,<4.3.0).
    'attrs': '26.1.0',
    'cattrs': '26.2.1',
    'publication': '0.0.3',
    'python-dateutil': '4.0.0',
    'typeguard': '2.13.3',
    'typing-extensions': '4.16.0',
    'tzdata': '2026.6',
  },
  java: {
    awsCdkLib: VERSIONS.awsCdkLib,
    constructs: VERSIONS.constructs,
    jsiiRuntime: VERSIONS.jsiiPacmak,
    compilerPlugin: '3.13.0',
    resourcesPlugin: '3.3.1',
    execPlugin: '3.5.0',
  },
  /** `dev.batchpipeline`: the Maven group of every construct package (publishToMaven in construct-package.ts). */
  mavenGroupId: 'dev.batchpipeline',
  /** The Go module prefix of every construct package (publishToGo in construct-package.ts). */
  goModulePrefix: 'github.com/batch-pipeline/batch-pipeline-go',
  /** The `go` line of the smoke program: the generated modules' 1.25, as Go writes it (1.25.0). */
  goLanguage: '1.25.0',
  /** What the Go smoke program imports besides the generated modules. */
  go: {
    'github.com/aws/aws-cdk-go/awscdk/v2': `v${VERSIONS.awsCdkLib}`,
    'github.com/aws/constructs-go/constructs/v10': `v${VERSIONS.constructs}`,
    'github.com/aws/jsii-runtime-go': `v${VERSIONS.jsiiPacmak}`,
  },
  /** The rest of the module graph, as `go mod tidy` resolved it (Go needs each in go.mod). */
  goIndirect: {
    'github.com/Masterminds/semver/v3': 'v3.5.0',
    'github.com/cdklabs/awscdk-asset-awscli-go/awscliv1/v2': 'v2.2.273',
    'github.com/cdklabs/awscdk-asset-node-proxy-agent-go/nodeproxyagentv6/v2': 'v2.1.3',
    'github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53': 'v53.28.0',
    'github.com/fatih/color': 'v1.19.0',
    'github.com/mattn/go-colorable': 'v0.1.14',
    'github.com/mattn/go-isatty': 'v0.0.24',
    'github.com/yuin/goldmark': 'v1.7.16',
    'golang.org/x/lint': 'v0.0.0-20241112194109-818c5a804067',
    'golang.org/x/mod': 'v0.39.0',
    'golang.org/x/sync': 'v0.22.0',
    'golang.org/x/sys': 'v0.47.0',
    'golang.org/x/telemetry': 'v0.0.0-20260811182544-a038080d80e5',
    'golang.org/x/tools': 'v0.49.0',
    'golang.org/x/tools/cmd/godoc': 'v0.1.0-deprecated',
    'golang.org/x/tools/godoc': 'v0.1.0-deprecated',
  },
  /**
   * aws-cdk-go v2.257.0 requires the cloud assembly schema module at v53.28.0, which the Go
   * module proxy reachable here refuses ("not available"); it serves v53.25.0.
   */
  goReplace: {
    'github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 v53.28.0':
      'github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 v53.25.0',
  },
} as const;
