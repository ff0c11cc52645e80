import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The example app (apps/example), whose compiled stack the cost tests synthesize. */
export const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'example');

/** A variant of the example: its context switches as a README names them, and the stack's props. */
export interface ExampleVariant {
  readonly variant: string;
  readonly props: Record<string, unknown>;
}

const DESKTOP = { desktopImage: 'qc-desktop', desktopS3PrefixListId: 'pl-7ca54015' };

/** Every egress mode with and without the desktop, and the private pipeline with its endpoints in one AZ. */
export const EXAMPLE_VARIANTS: readonly ExampleVariant[] = [
  { variant: '`egress=PUBLIC_SUBNETS` (default)', props: {} },
  { variant: '`egress=PUBLIC_SUBNETS`, desktop', props: { ...DESKTOP } },
  { variant: '`egress=NAT_GATEWAY`', props: { egress: 'NAT_GATEWAY' } },
  { variant: '`egress=NAT_GATEWAY`, desktop', props: { egress: 'NAT_GATEWAY', ...DESKTOP } },
  { variant: '`egress=VPC_ENDPOINTS`', props: { egress: 'VPC_ENDPOINTS' } },
  { variant: '`egress=VPC_ENDPOINTS`, desktop', props: { egress: 'VPC_ENDPOINTS', ...DESKTOP } },
  { variant: '`egress=VPC_ENDPOINTS` `endpointAzs=1`', props: { egress: 'VPC_ENDPOINTS', interfaceEndpointAzs: 1 } },
  { variant: '`egress=VPC_ENDPOINTS` `endpointAzs=1`, desktop', props: { egress: 'VPC_ENDPOINTS', interfaceEndpointAzs: 1, ...DESKTOP } },
];

/**
 * Synthesizes a variant of the example into a new cloud assembly folder, as `cdk synth -c ...`
 * in apps/example writes it (its compiled stack, in its region eu-west-2); returns the folder.
 */
export function synthesizeExample(variant: ExampleVariant): string {
  // The example's compiled stack (the cli cannot depend on the example, which depends on it) and the
  // example's own aws-cdk-lib, so that its constructs and this App are of one library.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdk = require(require.resolve('aws-cdk-lib', { paths: [EXAMPLE] }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ExamplePipelineStack } = require(path.join(EXAMPLE, 'lib', 'example-pipeline-stack'));
  const outdir = mkdtempSync(path.join(tmpdir(), 'cost-example-'));
  const app = new cdk.App({ outdir });
  new ExamplePipelineStack(app, 'BatchPipelineExample', { env: { account: '123456789012', region: 'eu-west-2' }, ...variant.props });
  app.synth();
  return outdir;
}
