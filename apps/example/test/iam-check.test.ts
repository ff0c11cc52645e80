import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { CodeCall, TEST_ENV, checkIamCalls } from '@batch-pipeline/test-support';
import { ExamplePipelineStack, ExamplePipelineStackProps } from '../src/example-pipeline-stack';

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 90_000;

/** The S3 calls the workspace function's code makes on the direct path (AUTO and DIRECT), which the template cannot show. */
function directStagingCalls(stack: ExamplePipelineStack): CodeCall[] {
  const { storage } = stack.pipeline;
  const upload = stack.resolve(storage.uploads.bucket.arnForObjects('incoming/people.csv'));
  const report = stack.resolve(storage.reportsBucket.arnForObjects('reports/runs/people_csv-0123456789abcdef01234567/out/report.json'));
  const fn = 'PipelineOrchestrationWorkflowWorkspaceFunction';
  return [
    { functionLogicalIdPrefix: fn, action: 's3:GetObject', resource: upload, reason: 'direct stage-in reads the upload' },
    { functionLogicalIdPrefix: fn, action: 's3:GetObjectVersion', resource: upload, reason: 'direct stage-in reads exactly the version that triggered the run' },
    { functionLogicalIdPrefix: fn, action: 's3:PutObject', resource: report, reason: 'direct stage-out uploads a report' },
    { functionLogicalIdPrefix: fn, action: 's3:AbortMultipartUpload', resource: report, reason: 'direct stage-out aborts a failed multipart upload' },
  ];
}

async function check(props: ExamplePipelineStackProps) {
  const stack = new ExamplePipelineStack(new App(), 'Example', { env: TEST_ENV, ...props });
  const direct = (props.staging ?? StagingStrategy.AUTO) !== StagingStrategy.DATASYNC;
  return checkIamCalls(Template.fromStack(stack).toJSON(), { codeCalls: direct ? directStagingCalls(stack) : [] });
}

describe('every call of the example pipeline is allowed by its policies (IAM check)', () => {
  test('the defaults with a notification email: trigger, state machine, workspace (direct staging included), job, transfers, notifications', async () => {
    const { checked, denied } = await check({ notificationEmail: 'ops@example.com' });
    expect(denied).toEqual([]);
    // 92 calls today; fewer means a part stopped being checked
    expect(checked.length).toBeGreaterThanOrEqual(92);
  }, CHECK_TIMEOUT_MS);

  test('with VPC endpoints, the desktop and staging DATASYNC', async () => {
    const { checked, denied } = await check({ egress: EgressMode.VPC_ENDPOINTS, desktopImage: 'qc-desktop-2026-11', staging: StagingStrategy.DATASYNC });
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(88); // 88 today
  }, CHECK_TIMEOUT_MS);

  test('with staging DIRECT', async () => {
    const { checked, denied } = await check({ staging: StagingStrategy.DIRECT });
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(60); // 60 today: no DataSync roles
  }, CHECK_TIMEOUT_MS);
});
