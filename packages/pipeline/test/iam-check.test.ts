import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { CodeCall, checkIamCalls } from '@batch-pipeline/test-support';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BatchPipeline } from '../src';
import { pipelineStack } from './fixture';

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 90_000;

/** The S3 calls the workspace function's code makes on the direct path, which the template cannot show. */
function directStagingCalls(stack: Stack, pipeline: BatchPipeline): CodeCall[] {
  const upload = stack.resolve(pipeline.storage.uploads.bucket.arnForObjects('incoming/2026/scan.csv'));
  const report = stack.resolve(pipeline.storage.reportsBucket.arnForObjects('reports/runs/scan_csv-0123456789abcdef01234567/out/report.json'));
  const fn = 'PipelineOrchestrationWorkflowWorkspaceFunction';
  return [
    { functionLogicalIdPrefix: fn, action: 's3:GetObject', resource: upload, reason: 'direct stage-in reads the upload' },
    { functionLogicalIdPrefix: fn, action: 's3:GetObjectVersion', resource: upload, reason: 'direct stage-in reads exactly the version that triggered the run' },
    { functionLogicalIdPrefix: fn, action: 's3:PutObject', resource: report, reason: 'direct stage-out uploads a report' },
    { functionLogicalIdPrefix: fn, action: 's3:AbortMultipartUpload', resource: report, reason: 'direct stage-out aborts a failed multipart upload' },
  ];
}

describe('every call of the pipeline is allowed by its policies (IAM check)', () => {
  test('the default pipeline: trigger, state machine, workspace (direct staging included), job, transfers, notifications', async () => {
    const { stack, pipeline, template } = pipelineStack();
    const { checked, denied } = await checkIamCalls(template.toJSON(), { codeCalls: directStagingCalls(stack, pipeline) });
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(80);
  }, CHECK_TIMEOUT_MS);

  test('with buckets encrypted with a customer managed key, the desktop and VPC endpoints', async () => {
    const { stack, pipeline } = pipelineStack({
      networkProps: { egress: EgressMode.VPC_ENDPOINTS },
      desktop: { imageName: 'qc-image', mountFileSystem: true },
    }, (s) => ({ storageProps: { encryptionKey: new kms.Key(s, 'DataKey', { enableKeyRotation: true }) } }));
    const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON(), { codeCalls: directStagingCalls(stack, pipeline) });
    expect(denied).toEqual([]);
    const kmsCalls = checked.filter((call) => call.reason.startsWith('PipelineOrchestrationWorkflowWorkspaceFunction') && call.action.startsWith('kms:'));
    expect(kmsCalls.map((call) => call.action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  }, CHECK_TIMEOUT_MS);

  test('with staging DIRECT', async () => {
    const { stack, pipeline, template } = pipelineStack({ orchestrationProps: { staging: StagingStrategy.DIRECT } });
    const { denied } = await checkIamCalls(template.toJSON(), { codeCalls: directStagingCalls(stack, pipeline) });
    expect(denied).toEqual([]);
  }, CHECK_TIMEOUT_MS);
});
