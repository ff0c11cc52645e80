import { BatchProcessor, JobImage } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { PipelineNetwork, EgressMode } from '@batch-pipeline/network';
import { PipelineStorage } from '@batch-pipeline/storage';
import { CodeCall, checkIamCalls, testStack } from '@batch-pipeline/test-support';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { PipelineOrchestration } from '../src';

const CHECK_TIMEOUT_MS = 60_000;

/**
 * The S3 calls the workspace function's code makes on the direct path
 * (src/workspace/stage-in.ts and stage-out.ts), which the template cannot show.
 */
function directStagingCalls(stack: Stack, storage: PipelineStorage, stageIn: StageInTransfer): CodeCall[] {
  const upload = stack.resolve(storage.uploads.bucket.arnForObjects('incoming/2026/scan.csv'));
  const report = stack.resolve(storage.reports.bucket.arnForObjects('reports/runs/scan_csv-0123456789abcdef01234567/out/report.json'));
  const fn = 'OrchestrationWorkflowWorkspaceFunction';
  return [
    { functionLogicalIdPrefix: fn, action: 's3:GetObject', resource: upload, reason: 'stage-in reads the upload (HeadObject is authorized as GetObject)' },
    { functionLogicalIdPrefix: fn, action: 's3:GetObjectVersion', resource: upload, reason: 'stage-in reads exactly the version that triggered the run' },
    { functionLogicalIdPrefix: fn, action: 's3:PutObject', resource: report, reason: 'stage-out uploads a report (PutObject, or CreateMultipartUpload/UploadPart/CompleteMultipartUpload)' },
    { functionLogicalIdPrefix: fn, action: 's3:AbortMultipartUpload', resource: report, reason: 'stage-out aborts a multipart upload that failed' },
    // The DataSync path (src/workspace/staged-file.ts): the run's manifest, and the check of the staged file against the version.
    {
      functionLogicalIdPrefix: fn,
      action: 's3:PutObject',
      resource: stack.resolve(stageIn.manifestBucket.arnForObjects('manifests/scan_csv-0123456789abcdef01234567.csv')),
      reason: 'prepare-staging writes the run\'s DataSync manifest',
    },
    { functionLogicalIdPrefix: fn, action: 's3:GetObject', resource: upload, reason: 'prepare reads the size and checksum of the run\'s version (HeadObject)' },
    { functionLogicalIdPrefix: fn, action: 's3:GetObjectVersion', resource: upload, reason: 'prepare checks the staged file against exactly the version that triggered the run' },
  ];
}

describe('the direct staging path is allowed by its policies (IAM check)', () => {
  test.each([['S3-managed keys', false], ['a customer managed KMS key', true]])('with buckets encrypted with %s', async (_, withKey) => {
    // Given the whole pipeline with AUTO staging, its buckets encrypted as stated
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network', { egress: EgressMode.PUBLIC_SUBNETS });
    const storage = new PipelineStorage(stack, 'Storage', {
      network, uploads: { watchPrefix: 'incoming/' }, encryptionKey: withKey ? new kms.Key(stack, 'DataKey', { enableKeyRotation: true }) : undefined,
    });
    const { fileSystem, accessPoint } = storage.fileSystem;
    const stageIn = new StageInTransfer(stack, 'StageIn', { network, sourceBucket: storage.uploads.bucket, sourcePrefix: 'incoming/', fileSystem, accessPoint });
    new PipelineOrchestration(stack, 'Orchestration', {
      stageIn,
      stageOut: new StageOutTransfer(stack, 'StageOut', { network, fileSystem, accessPoint, destinationBucket: storage.reports.bucket, destinationPrefix: 'reports/' }),
      processor: new BatchProcessor(stack, 'Processor', { network, fileSystem, accessPoint, image: JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest') }),
      accessPoint,
      network,
    });
    // When the calls of the template and the workspace function's S3 calls are evaluated
    const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON(), { codeCalls: directStagingCalls(stack, storage, stageIn) });
    // Then every call is allowed, the KMS half included when the buckets have a key
    expect(denied).toEqual([]);
    // and the DataSync manifest calls were derived: the start passes the manifest role, which reads the manifest
    const manifestCalls = checked.filter((call) => call.reason.includes('manifest')).map((call) => call.action).sort();
    expect(manifestCalls).toEqual(expect.arrayContaining(['iam:PassRole', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject']));
    const kmsCalls = checked.filter((call) => call.reason.startsWith('OrchestrationWorkflowWorkspaceFunction') && call.action.startsWith('kms:'));
    expect(kmsCalls.map((call) => call.action).sort()).toEqual(withKey ? ['kms:Decrypt', 'kms:GenerateDataKey'] : []);
  }, CHECK_TIMEOUT_MS);
});
