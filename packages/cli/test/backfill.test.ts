import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, ListExecutionsCommand, SFNClient, StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { runInputFor } from '@batch-pipeline/run-contract';
import { mockClient } from 'aws-sdk-client-mock';
import { capture, deployStack, TARGET, UPLOAD_BUCKET } from './fixtures/deployed-stack';
import { main } from '../src/cli';
import { EXIT } from '../src/cli-error';
import { BackfillSummary } from '../src/commands/backfill';
import { backoffMs, StartPacer } from '../src/runs/start-pacer';

const cloudFormation = mockClient(CloudFormationClient);
const stepFunctions = mockClient(SFNClient);
const s3 = mockClient(S3Client);

function version(key: string, size = 10, versionId = `v-${key}`) {
  return { Key: key, VersionId: versionId, IsLatest: true, Size: size, LastModified: new Date('2026-12-01T00:00:00Z') };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  cloudFormation.reset();
  stepFunctions.reset();
  s3.reset();
  deployStack(cloudFormation);
  stepFunctions.on(ListExecutionsCommand).resolves({ executions: [] });
});

describe('backfill', () => {
  test('given objects in the upload bucket, when back-filled, then each starts with the input and run id the trigger builds; empty objects and folders are refused', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [version('incoming/a.csv'), version('incoming/b.csv'), { ...version('incoming/old.csv'), IsLatest: false }, version('incoming/empty.csv', 0), version('incoming/folder/', 0)],
    });
    stepFunctions.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
    const output = capture();

    const code = await main(['backfill', '--json', ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    const summary = JSON.parse(output.lines.join('\n')) as BackfillSummary;
    expect(summary).toMatchObject({ listed: 4, started: 2, alreadyRun: 0, refused: { 'zero-byte-object': 1, 'folder-marker': 1 } });
    const expected = runInputFor({ bucket: UPLOAD_BUCKET, key: 'incoming/a.csv', versionId: 'v-incoming/a.csv', size: 10 }, 'incoming/');
    const started = stepFunctions.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(started).toContainEqual(expect.objectContaining({ name: expected.runId, input: JSON.stringify(expected) }));
  });

  test('given objects whose runs exist, when back-filled again, then they count as already run and nothing starts', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [version('incoming/a.csv'), version('incoming/b.csv')] });
    stepFunctions.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const output = capture();

    await main(['backfill', '--json', ...TARGET], output);

    expect(JSON.parse(output.lines.join('\n'))).toMatchObject({ listed: 2, started: 0, alreadyRun: 2 });
  });

  test('given runs of the objects still running, when back-filled again at once, then they count as already running and none is started', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [version('incoming/a.csv'), version('incoming/b.csv')] });
    const running = runInputFor({ bucket: UPLOAD_BUCKET, key: 'incoming/a.csv', versionId: 'v-incoming/a.csv', size: 10 }, 'incoming/');
    stepFunctions.on(ListExecutionsCommand, { statusFilter: 'RUNNING' }).resolves({
      executions: [{ executionArn: 'arn:a', stateMachineArn: 'sm', name: running.runId, status: 'RUNNING', startDate: new Date() }],
    });
    stepFunctions.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const output = capture();

    await main(['backfill', ...TARGET], output);

    expect(output.lines[0]).toContain('started 0, already run 1, already running 1, refused 0');
    expect(stepFunctions.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).not.toContain(running.runId);
  });

  test('given a run that started after the listing, when StartExecution answers idempotently (its original, older startDate), then it is not counted as started', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [version('incoming/a.csv'), version('incoming/b.csv')] });
    const earlier = runInputFor({ bucket: UPLOAD_BUCKET, key: 'incoming/a.csv', versionId: 'v-incoming/a.csv', size: 10 }, 'incoming/');
    // AWS answers 200 with the running execution's ARN and the date it started, for the same name and input.
    stepFunctions.on(StartExecutionCommand, { name: earlier.runId }).resolves({ executionArn: 'arn:a', startDate: new Date(Date.now() - 60_000) })
      .on(StartExecutionCommand, { name: runInputFor({ bucket: UPLOAD_BUCKET, key: 'incoming/b.csv', versionId: 'v-incoming/b.csv', size: 10 }, 'incoming/').runId })
      .resolves({ executionArn: 'arn:b', startDate: new Date() });
    const output = capture();

    await main(['backfill', '--json', ...TARGET], output);

    expect(JSON.parse(output.lines.join('\n'))).toMatchObject({ listed: 2, started: 1, alreadyRun: 0, alreadyRunning: 1 });
  });

  test('given --dry-run and a run still running, when back-filled, then it counts as already running, not as one to start', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [version('incoming/a.csv')] });
    stepFunctions.on(DescribeExecutionCommand).resolves({ executionArn: 'arn:a', status: 'RUNNING', startDate: new Date() } as any);
    const output = capture();

    await main(['backfill', '--dry-run', '--json', ...TARGET], output);

    expect(JSON.parse(output.lines.join('\n'))).toMatchObject({ started: 0, alreadyRun: 0, alreadyRunning: 1 });
  });

  test('given StartExecution throttles twice, when back-filled, then the start waits, is tried again and succeeds', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [version('incoming/a.csv')] });
    stepFunctions.on(StartExecutionCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ executionArn: 'arn', startDate: new Date() });
    const output = capture();

    const code = await main(['backfill', '--json', ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(output.lines.join('\n'))).toMatchObject({ started: 1, throttled: 2 });
    expect(stepFunctions.commandCalls(StartExecutionCommand)).toHaveLength(3);
  });

  test('given a listing of several pages, when back-filled, then every page is read (KeyMarker and VersionIdMarker)', async () => {
    s3.on(ListObjectVersionsCommand, { KeyMarker: undefined }).resolves({ Versions: [version('incoming/a.csv')], IsTruncated: true, NextKeyMarker: 'incoming/a.csv', NextVersionIdMarker: 'v1' })
      .on(ListObjectVersionsCommand, { KeyMarker: 'incoming/a.csv' }).resolves({ Versions: [version('incoming/b.csv')], IsTruncated: false });
    stepFunctions.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
    const output = capture();

    await main(['backfill', '--json', ...TARGET], output);

    expect(JSON.parse(output.lines.join('\n'))).toMatchObject({ listed: 2, started: 2 });
  });

  test('given --dry-run, when back-filled, then nothing starts and the summary says what would', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [version('incoming/a.csv')] });
    stepFunctions.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
    const output = capture();

    await main(['backfill', '--dry-run', ...TARGET], output);

    expect(stepFunctions.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(output.lines[0]).toContain('would start 1, already run 0, refused 0');
  });
});

describe('pacing starts', () => {
  test('given a rate of 10 a second and a clock, when 10 starts are taken in one second, then the eleventh waits', async () => {
    let now = 0;
    const pacer = new StartPacer(10, () => now);
    now = 1_000;
    for (let index = 0; index < 10; index++) await pacer.take();
    const eleventh = pacer.take();
    let taken = false;
    void eleventh.then(() => { taken = true; });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(taken).toBe(false);
    now = 1_200;
    await eleventh;
  });

  test('given a throttling answer, when the pacer is told, then the rate halves', () => {
    const pacer = new StartPacer(40, () => 0);
    pacer.throttled();
    expect(pacer.effectiveRate).toBe(20);
  });

  test('given retries, when the backoff grows, then it doubles from 0.2 s up to 20 s', () => {
    expect(backoffMs(0, () => 1)).toBe(200);
    expect(backoffMs(3, () => 1)).toBe(1_600);
    expect(backoffMs(20, () => 1)).toBe(20_000);
  });
});
