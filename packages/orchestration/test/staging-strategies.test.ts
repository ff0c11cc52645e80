import { readFileSync } from 'node:fs';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalS3Sandbox } from '@batch-pipeline/local';
import { Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runPipeline, RunOptions, RunOutcome } from './local-run/run-pipeline';
import { Scenario } from './local-run/simulated-aws';
import { synthesizedDefinition } from './local-run/synthesized-definition';
import { WATCH_PREFIX, pipelineParts, pipelineStateMachine } from './pipeline-fixture';
import { PipelineStateMachine, PipelineStep, StagingStrategy } from '../src';

// The workspace function runs as the real handler; its S3 calls reach a local S3 endpoint
// through the SDK's standard endpoint setting. Simulated DataSync uses the same buckets' folders.
const s3 = new LocalS3Sandbox();
beforeAll(() => s3.start());
afterAll(() => s3.stop());
const UPLOADS = 'uploads';
const REPORTS = 'reports';
const THRESHOLD = Size.kibibytes(1);
const localNames = (logicalId: string) => (logicalId.startsWith('StorageReportsBucket') ? REPORTS : undefined);

const happy: Scenario = {
  stageIn: { seconds: 60, outcome: 'SUCCESS' },
  job: { seconds: 120, outcome: 'SUCCEEDED' },
  stageOut: { seconds: 60, outcome: 'SUCCESS' },
};

function definitionFor(staging: StagingStrategy): Record<string, any> {
  return synthesizedDefinition(pipelineStateMachine({ staging, directStagingThreshold: THRESHOLD }).template, localNames);
}
const auto = definitionFor(StagingStrategy.AUTO);

const outcomes: RunOutcome[] = [];
beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  s3.endpoint.createBucket(UPLOADS, { versioned: true });
  s3.endpoint.createBucket(REPORTS, { versioned: false });
});
afterAll(() => {
  jest.restoreAllMocks();
  outcomes.forEach((outcome) => outcome.aws.dispose());
});

async function upload(key: string, body: string): Promise<string> {
  const client = new S3Client({});
  try {
    const put = await client.send(new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: body, ChecksumAlgorithm: 'SHA256' }));
    return put.VersionId!;
  } finally {
    client.destroy();
  }
}

async function deleteVersion(key: string, versionId: string): Promise<void> {
  const client = new S3Client({});
  try {
    await client.send(new DeleteObjectCommand({ Bucket: UPLOADS, Key: key, VersionId: versionId }));
  } finally {
    client.destroy();
  }
}

/** Given an upload (its current version unless `versionId` says otherwise), when its run executes. */
async function run(
  definition: Record<string, any>, key: string, body: string, options: Partial<RunOptions> = {}, scenario: Scenario = happy,
): Promise<RunOutcome> {
  const versionId = await upload(key, body);
  const outcome = await runPipeline(definition, scenario, {
    uploadPrefix: WATCH_PREFIX,
    reportPrefix: 'reports/',
    jobMountPath: '/mnt/pipeline',
    key,
    versionId,
    s3: { endpoint: s3.endpoint, reportsBucket: REPORTS, size: Buffer.byteLength(body) },
    ...options,
  });
  outcomes.push(outcome);
  return outcome;
}

function reportOf(outcome: RunOutcome): string {
  return readFileSync(s3.endpoint.objectPath(REPORTS, `reports/runs/${outcome.input.runId}/out/report.txt`), 'utf-8');
}

describe('AUTO staging, run locally against a local S3 endpoint', () => {
  test('a small upload is copied directly both ways: no DataSync, at most 12 transitions, nothing left on EFS', async () => {
    const outcome = await run(auto, `${WATCH_PREFIX}small.csv`, 'a,b\n1,2\n');
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.aws.startedTasks).toEqual([]);
    expect(reportOf(outcome)).toBe(`run ${outcome.input.runId} of s3://uploads/${WATCH_PREFIX}small.csv: 8 bytes\n`);
    expect(outcome.transitions).toBeLessThanOrEqual(12);
    expect(outcome.aws.filesOnFileSystem()).toEqual([]);
    const calls = s3.endpoint.operations.filter((operation) => operation.key?.includes(outcome.input.runId) || operation.key === `${WATCH_PREFIX}small.csv`);
    expect(calls.map((call) => call.operation)).toEqual(expect.arrayContaining(['GetObject', 'PutObject']));
  });

  test('an upload of exactly the threshold is copied directly, one byte more goes through DataSync', async () => {
    const atThreshold = await run(auto, `${WATCH_PREFIX}at.csv`, 'x'.repeat(THRESHOLD.toBytes()));
    expect(atThreshold.status).toBe('SUCCEEDED');
    expect(atThreshold.aws.startedTasks).toEqual([]);
    const above = await run(auto, `${WATCH_PREFIX}above.csv`, 'x'.repeat(THRESHOLD.toBytes() + 1));
    expect(above.status).toBe('SUCCEEDED');
    // Stage-in through DataSync; the job's small output is still uploaded directly.
    expect(above.aws.startedTasks).toHaveLength(1);
    expect(above.aws.startedTasks[0]).toMatch(/StageInTask/);
    expect(reportOf(above)).toContain(`${THRESHOLD.toBytes() + 1} bytes`);
  });

  test('an output over the threshold is left to DataSync stage-out, which lands it in the same place', async () => {
    const outcome = await run(auto, `${WATCH_PREFIX}big-output.csv`, 'x'.repeat(10), {}, { ...happy, job: { ...happy.job, outputBytes: THRESHOLD.toBytes() + 1 } });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.aws.startedTasks).toEqual([expect.stringMatching(/StageOutTask/)]);
    expect(reportOf(outcome).length).toBe(THRESHOLD.toBytes() + 1);
  });

  test('the run processes the version that triggered it, even when the key was overwritten before it staged', async () => {
    const key = `${WATCH_PREFIX}overwritten.csv`;
    const firstBody = 'the first version, 32 bytes long';
    const first = await upload(key, firstBody);
    await upload(key, 'second');
    const outcome = await runPipeline(auto, happy, {
      uploadPrefix: WATCH_PREFIX,
      reportPrefix: 'reports/',
      jobMountPath: '/mnt/pipeline',
      key,
      versionId: first,
      s3: { endpoint: s3.endpoint, reportsBucket: REPORTS, size: Buffer.byteLength(firstBody) },
    });
    outcomes.push(outcome);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(reportOf(outcome)).toContain(`: ${Buffer.byteLength(firstBody)} bytes`);
    expect(s3.endpoint.operations.filter((operation) => operation.operation === 'GetObject' && operation.key === key).at(-1)).toMatchObject({ versionId: first });
  });

  test('a version deleted before it was staged fails the run at stage in with one notification', async () => {
    const key = `${WATCH_PREFIX}gone.csv`;
    const versionId = await upload(key, 'abc');
    await deleteVersion(key, versionId);
    const outcome = await runPipeline(auto, happy, {
      uploadPrefix: WATCH_PREFIX,
      reportPrefix: 'reports/',
      jobMountPath: '/mnt/pipeline',
      key,
      versionId,
      s3: { endpoint: s3.endpoint, reportsBucket: REPORTS, size: 3 },
    });
    outcomes.push(outcome);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.aws.notifications).toEqual([expect.objectContaining({ failedStep: PipelineStep.STAGE_IN, error: 'SourceObjectMissing' })]);
    expect(outcome.aws.filesOnFileSystem()).toEqual([]);
  });
});

describe('DIRECT staging, run locally', () => {
  test('needs no DataSync task: the state machine is built from buckets and prefixes alone and runs end to end', async () => {
    const parts = pipelineParts();
    new PipelineStateMachine(parts.stack, 'Pipeline', {
      staging: StagingStrategy.DIRECT,
      uploadBucket: parts.storage.uploads.bucket,
      uploadPrefix: WATCH_PREFIX,
      reportsBucket: parts.storage.reports.bucket,
      processor: parts.processor,
      accessPoint: parts.storage.fileSystem.accessPoint,
      network: parts.network,
    });
    const template = Template.fromStack(parts.stack);
    const direct = synthesizedDefinition(template, localNames);
    expect(Object.keys(direct.States).filter((name) => name.includes('DataSync') || name.startsWith('Stage in:'))).toEqual([]);
    const outcome = await run(direct, `${WATCH_PREFIX}direct.csv`, 'x'.repeat(THRESHOLD.toBytes() * 3));
    expect(outcome.status).toBe('SUCCEEDED');
    expect(reportOf(outcome)).toContain(`${THRESHOLD.toBytes() * 3} bytes`);
  });
});
