import { App } from 'aws-cdk-lib';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { TEST_ENV, nagFindings } from '@batch-pipeline/test-support';
import { ExamplePipelineStack, ExamplePipelineStackProps } from '../src/example-pipeline-stack';

/** Synthesizing and checking the whole stack under two rule packs takes seconds, more on a loaded machine. */
const NAG_TIMEOUT_MS = 60_000;

function findings(props: ExamplePipelineStackProps): string[] {
  const stack = new ExamplePipelineStack(new App(), 'Example', { env: TEST_ENV, ...props });
  return nagFindings(stack);
}

// The app acknowledges nothing itself: every acknowledgement lives with the package that
// creates the resource (see the package READMEs), so a finding here is a finding of a package.
describe('cdk-nag (AwsSolutions and NIST 800-53 R5) finds nothing unacknowledged in the whole example stack', () => {
  const egressModes = [EgressMode.PUBLIC_SUBNETS, EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS];
  test.each(egressModes.flatMap((egress) => [[egress, 'without'], [egress, 'with']] as const))(
    'egress %s, %s the desktop', (egress, desktop) => {
      expect(findings({ egress, desktopImage: desktop === 'with' ? 'qc-desktop-2026-11' : undefined })).toEqual([]);
    }, NAG_TIMEOUT_MS);

  test.each([StagingStrategy.DIRECT, StagingStrategy.DATASYNC])('staging %s', (staging) => {
    expect(findings({ staging })).toEqual([]);
  }, NAG_TIMEOUT_MS);
});
