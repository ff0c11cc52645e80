import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { Duration } from 'aws-cdk-lib';
import { PipelineOrchestration, PipelineStateMachine, PipelineStep, StagingStrategy } from '../src';
import { LocalRun, RunResult, SynthesizedPipeline, Upload } from './local-run/local-pipeline';
import { pipelineProps } from './pipeline-fixture';
import { MAX_CANCEL_CHECKS } from '../src/private/transfer-stage';

// The pipeline under test is the synthesized one, run by the local runtime (@batch-pipeline/local):
// the real trigger and workspace functions, the definition on aws-local-stepfunctions, emulated
// DataSync, Batch (the job a local process), SNS and CloudWatch, buckets and EFS as folders.
// The DataSync path: both stages through DataSync, as the original system ran them.
jest.setTimeout(60_000);

const KEY = 'incoming/2026/scan 1.csv';
const BODY = 'a,b\n1,2\n';

let pipeline: SynthesizedPipeline;
let stateMachine: PipelineStateMachine;
/** The runtime without faults, shared by the tests that need none. */
let plain: LocalRun;
/** An upload its owner deleted before its run staged it in. */
let deleted: Promise<{ readonly upload: Upload; readonly deletedAt: number }>;
let stageInTask: string;
let stageOutTask: string;
const started: LocalRun[] = [];

beforeAll(async () => {
  pipeline = await SynthesizedPipeline.synthesize((parts) => {
    stateMachine = new PipelineOrchestration(parts.stack, 'Orchestration', {
      ...pipelineProps(parts), staging: StagingStrategy.DATASYNC, stageInTimeout: Duration.minutes(5), stageOutTimeout: Duration.minutes(5),
    }).stateMachine;
  });
  plain = await runtimeWith();
  // The first upload of a fresh runtime: its trigger function starts cold, so the delete lands before the run stages in.
  deleted = plain.upload('incoming/2026/deleted.csv', BODY).then(async (upload) => {
    await plain.deleteObject(upload);
    return { upload, deletedAt: Date.now() };
  });
  await deleted;
  stageInTask = pipeline.taskArn('StageInTask');
  stageOutTask = pipeline.taskArn('StageOutTask');
});
afterAll(async () => {
  await Promise.all(started.map((run) => run.stop()));
  pipeline?.dispose();
});

/** A runtime of the pipeline with the faults given, stopped after the suite. */
async function runtimeWith(faults: Parameters<SynthesizedPipeline['start']>[0] = {}): Promise<LocalRun> {
  const run = await pipeline.start(faults);
  started.push(run);
  return run;
}

function expectOneFailureNotification(run: LocalRun, result: RunResult, failedStep: PipelineStep, error: string | RegExp, cause: RegExp): void {
  expect(result.summary.status).toBe('FAILED');
  expect(result.notifications).toEqual([expect.objectContaining({
    event: 'run-failed',
    runId: result.runId,
    bucket: result.input.bucket,
    key: result.input.key,
    versionId: result.input.versionId,
    failedStep,
    error: typeof error === 'string' ? error : expect.stringMatching(error),
    cause: expect.stringMatching(cause),
    // The staged file too, unless the run had claimed it (then the staging path may hold another run's copy).
    cleanUp: { removed: expect.arrayContaining([`/runs/${result.runId}`]) },
    execution: result.summary.executionArn,
  })]);
  // Readable as an email: the subject and the first line say run, file, step and reason.
  const [{ subject, message }] = result.published;
  expect(subject).toMatch(new RegExp(`^Run failed at ${failedStep}: .+ \\(.+\\)$`));
  expect(message.split('\n')[0]).toMatch(new RegExp(`^Run ${result.runId} failed at step "${failedStep}" for s3://${result.input.bucket}/.+: .+`));
  // The upload is never touched by a failed run, and the run leaves nothing on EFS.
  expect(run.objectBody(result.input.bucket, result.input.key)).toBeDefined();
  expect(run.filesOnFileSystems()).toEqual([]);
}

const count = (result: RunResult, state: string) => result.states.filter((entered) => entered === state).length;

describe('the synthesized state machine, run locally', () => {
  test('an upload becomes a report under the run prefix, and the run leaves nothing on EFS', async () => {
    const run = plain;
    const result = await run.process(KEY, BODY);
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(result.summary.reports.map((report) => report.key)).toEqual([`reports/runs/${result.runId}/out/report.txt`]);
    expect(run.report(result)).toBe(`run ${result.runId} of s3://${result.input.bucket}/${KEY}: 8 bytes\n`);
    expect(run.filesOnFileSystems()).toEqual([]);
    expect(result.notifications).toEqual([]);
    expect(run.objectBody(result.input.bucket, KEY)).toBe(BODY);
  });

  test('the run\'s Batch job carries the cost allocation tag batch-pipeline:run = the run id and propagates its tags to its task', async () => {
    const result = await plain.process('incoming/2026/tagged.csv', BODY);
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(plain.processJobOf(result)).toMatchObject({ Status: 'SUCCEEDED', Tags: { 'batch-pipeline:run': result.runId }, PropagateTags: true });
  });

  test('stage-in ERROR ends the run with one notification', async () => {
    const run = await runtimeWith({ dataSync: { taskFaults: { [stageInTask]: { outcome: 'ERROR' } } } });
    const result = await run.process(KEY, BODY);
    expectOneFailureNotification(run, result, PipelineStep.STAGE_IN, 'DataSync.TaskExecutionError', /SyncTaskErrorLocationNotAdded/);
    expect(result.summary.error).toBe('DataSync.TaskExecutionError');
    expect(run.startedTasks()).toEqual([stageInTask]);
  });

  test('stage-out ERROR ends the run with one notification and removes the run\'s files from EFS', async () => {
    const run = await runtimeWith({ dataSync: { taskFaults: { [stageOutTask]: { outcome: 'ERROR' } } } });
    const result = await run.process(KEY, BODY);
    expectOneFailureNotification(run, result, PipelineStep.STAGE_OUT, 'DataSync.TaskExecutionError', /SyncTaskErrorLocationNotAdded/);
    // An execution that ended in ERROR is not cancelled.
    expect(run.cancelledExecutions()).toEqual([]);
    expect(result.summary.reports).toEqual([]);
  });

  test('a FAILED Batch job ends the run with one notification', async () => {
    const run = plain;
    // The job script exits with code 2 on this input.
    const result = await run.process('incoming/2026/fails.csv', 'FAIL\n');
    expectOneFailureNotification(run, result, PipelineStep.PROCESS, 'States.TaskFailed', /Essential container in task exited/);
    expect(result.summary.reports).toEqual([]);
    // Readable as an email: the job's exit code, status reason and log stream, then the raw details.
    const [{ subject, message, messageAttributes }] = result.published;
    expect(subject).toBe('Run failed at process: fails.csv (exit code 2)');
    expect(message.split('\n')[0]).toBe(`Run ${result.runId} failed at step "process" for s3://${result.input.bucket}/incoming/2026/fails.csv (version ${result.input.versionId}): the job exited with code 2 (Essential container in task exited)`);
    expect(message).toMatch(/^Exit code: {5}2$/m);
    expect(message).toMatch(/^Status reason: Essential container in task exited$/m);
    expect(message).toMatch(/^Log stream: {4}\S+ in CloudWatch log group \S+$/m);
    // The processor's own log group, which DescribeJobs reports from the job definition, not Batch's default
    expect(message).not.toMatch(/log group \/aws\/batch\/job$/m);
    expect(message.indexOf('Exit code:')).toBeLessThan(message.indexOf('-- notification (JSON) --'));
    expect(result.notifications[0].job).toEqual(expect.objectContaining({ exitCode: 2, statusReason: 'Essential container in task exited', status: 'FAILED' }));
    expect(messageAttributes).toEqual(expect.objectContaining({
      event: { DataType: 'String', StringValue: 'run-failed' },
      runId: { DataType: 'String', StringValue: result.runId },
      failedStep: { DataType: 'String', StringValue: 'process' },
      exitCode: { DataType: 'Number', StringValue: '2' },
    }));
  });

  test('given SNS refuses the formatted notification, the unformatted one still goes out: exactly one notification', async () => {
    const run = await runtimeWith({ sns: { refuseMessageAttributes: true } });
    const result = await run.process('incoming/2026/fails.csv', 'FAIL\n');
    expect(result.summary.status).toBe('FAILED');
    expect(result.summary.error).toBe('States.TaskFailed');
    expect(result.states).toEqual(expect.arrayContaining(['Format failure notification', 'Notify failure', 'Notify failure unformatted', 'Run failed']));
    expect(result.published).toEqual([{ subject: 'batch-pipeline run failed', message: expect.stringMatching(/^\{/), messageAttributes: undefined }]);
    expect(result.notifications).toEqual([expect.objectContaining({ runId: result.runId, failedStep: 'process', error: 'States.TaskFailed' })]);
    expect(run.metrics()).toEqual([]);
    expect(run.filesOnFileSystems()).toEqual([]);
  });

  test('a DataSync execution that never ends is cancelled at the stage timeout, and the run ends once it stopped', async () => {
    // A cancelled execution stays CANCELLING for 40 s (40 ms here); the state machine checks every 15 s.
    const run = await runtimeWith({ dataSync: { taskFaults: { [stageInTask]: { outcome: 'NEVER', cancelSeconds: 40 } } } });
    const result = await run.process(KEY, BODY);
    // Checks after 5, 10, 20, 40, 80 and 160 s: the sixth passes the 300 s timeout.
    expectOneFailureNotification(run, result, PipelineStep.STAGE_IN, 'Pipeline.StepTimeout', /Stage in did not finish within 300 seconds \(6 polls\)/);
    expect(stateMachine.stageInMaxPolls).toBe(6);
    expect(count(result, 'Stage in: check')).toBe(6);
    // The task's one execution slot is freed: the execution was cancelled and seen to stop before the run reported.
    const cancelled = run.cancelledExecutions();
    expect(cancelled).toEqual([expect.stringMatching(new RegExp(`^${stageInTask}/execution/`))]);
    expect(count(result, 'Stage in: check cancel')).toBeGreaterThanOrEqual(1);
    expect(count(result, 'Stage in: check cancel')).toBeLessThan(MAX_CANCEL_CHECKS);
    expect(run.stoppedAt(cancelled[0])).toBeLessThanOrEqual(result.enteredAt.get('Notify failure')!);
  });

  test('a stage-out that never ends is cancelled too, and its output is removed with the run directory', async () => {
    const run = await runtimeWith({ dataSync: { taskFaults: { [stageOutTask]: { outcome: 'NEVER' } } } });
    const result = await run.process(KEY, BODY);
    expectOneFailureNotification(run, result, PipelineStep.STAGE_OUT, 'Pipeline.StepTimeout', /Stage out did not finish within 300 seconds/);
    expect(run.cancelledExecutions()).toEqual([expect.stringMatching(new RegExp(`^${stageOutTask}/execution/`))]);
    expect(result.summary.reports).toEqual([]);
  });

  test('a cancelled execution that never stops still ends the run after a bounded number of checks, with one notification', async () => {
    const run = await runtimeWith({ dataSync: { taskFaults: { [stageInTask]: { outcome: 'NEVER', cancelSeconds: 'NEVER' } } } });
    const result = await run.process(KEY, BODY);
    expectOneFailureNotification(run, result, PipelineStep.STAGE_IN, 'Pipeline.StepTimeout', /Stage in did not finish/);
    expect(count(result, 'Stage in: check')).toBe(6);
    expect(count(result, 'Stage in: check cancel')).toBe(MAX_CANCEL_CHECKS);
    // The run reported while DataSync still had the execution CANCELLING.
    expect(run.stoppedAt(run.cancelledExecutions()[0])).toBeUndefined();
  });

  test('a start throttled twice is retried and the run succeeds', async () => {
    const run = await runtimeWith({ dataSync: { taskFaults: { [stageInTask]: { throttledStarts: 2 } } } });
    const result = await run.process(KEY, BODY);
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(result.notifications).toEqual([]);
    expect(result.summary.reports).toHaveLength(1);
    // One state entered, two retries of it: each retry is a transition.
    expect(count(result, 'Stage in: start')).toBe(1);
    expect(result.summary.transitions).toBe(result.states.length + 2);
  });

  test('a start that stays throttled fails the run after its retries, with one notification', async () => {
    const run = await runtimeWith({ dataSync: { taskFaults: { [stageOutTask]: { throttledStarts: 100 } } } });
    const result = await run.process(KEY, BODY);
    expectOneFailureNotification(run, result, PipelineStep.STAGE_OUT, 'DataSync.InvalidRequestException', /Rate exceeded/);
    expect(run.startedTasks()).toEqual([stageInTask]);
  });

  test('a notification SNS refuses (the publisher may not use the topic key) is counted in a metric, and the run still fails with its own error', async () => {
    const run = await runtimeWith({ sns: { refuseWithKmsAccessDenied: true } });
    const result = await run.process('incoming/2026/fails.csv', 'FAIL\n');
    expect(result.summary.status).toBe('FAILED');
    expect(result.summary.error).toBe('States.TaskFailed');
    expect(result.notifications).toEqual([]);
    expect(run.metrics()).toEqual([expect.objectContaining({
      namespace: 'BatchPipeline', metricName: 'UndeliveredNotifications', value: 1, execution: result.summary.executionArn,
    })]);
    expect(run.filesOnFileSystems()).toEqual([]);
  });

  test.each(['_notes.csv', '(1).csv', 'über.csv', '.env', '報告書.csv', '-'])('an upload named %s gets a job name Batch accepts and produces its report', async (fileName) => {
    const run = plain;
    const result = await run.process(`incoming/${fileName}`, BODY);
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(run.submittedJobNames()).toContain(result.runId);
    expect(result.summary.reports.map((report) => report.key)).toEqual([`reports/runs/${result.runId}/out/report.txt`]);
    expect(run.report(result)).toBe(`run ${result.runId} of s3://${result.input.bucket}/incoming/${fileName}: 8 bytes\n`);
  });

  test('an upload whose key was deleted before stage-in is still processed: the manifest names the version that triggered the run', async () => {
    // Given an upload whose key got a delete marker before its run staged it in
    const { upload, deletedAt } = await deleted;
    // When its run ends
    const result = await plain.runOf(upload);
    // Then DataSync copied the triggering version, which the delete marker hides but keeps, as the direct path reads it
    expect(result.enteredAt.get('Stage in: start')).toBeGreaterThanOrEqual(deletedAt);
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(plain.report(result)).toBe(`run ${result.runId} of s3://${result.input.bucket}/incoming/2026/deleted.csv: 8 bytes\n`);
    expect(plain.filesOnFileSystems()).toEqual([]);
  });
});

describe('a DataSync pool, run locally', () => {
  test('each run starts the task of its transfer slot, in both directions', async () => {
    // Given stage-in and stage-out pools of 3 tasks each.
    const pooled = await SynthesizedPipeline.synthesize((parts) => {
      const stageIn = new StageInTransfer(parts.stack, 'PooledStageIn', {
        network: parts.network,
        sourceBucket: parts.storage.uploads.bucket,
        sourcePrefix: 'incoming/',
        fileSystem: parts.storage.fileSystem.fileSystem,
        accessPoint: parts.storage.fileSystem.accessPoint,
        poolSize: 3,
      });
      const stageOut = new StageOutTransfer(parts.stack, 'PooledStageOut', {
        network: parts.network,
        fileSystem: parts.storage.fileSystem.fileSystem,
        accessPoint: parts.storage.fileSystem.accessPoint,
        destinationBucket: parts.storage.reports.bucket,
        destinationPrefix: 'reports/',
        poolSize: 3,
      });
      new PipelineOrchestration(parts.stack, 'Orchestration', { ...pipelineProps(parts), staging: StagingStrategy.DATASYNC, stageIn, stageOut });
    });
    let run: LocalRun | undefined;
    try {
      run = await pooled.start();
      const poolOf = (state: string) => [...(pooled.definition.States[state].Parameters['TaskArn.$'] as string).matchAll(/'(arn:[^']+)'/g)].map((match) => match[1]);
      const stageInPool = poolOf('Stage in: start');
      const stageOutPool = poolOf('Stage out: start');
      expect(new Set(stageInPool).size).toBe(3);
      expect(new Set(stageOutPool).size).toBe(3);
      const used = new Set<string>();
      for (const file of ['a.csv', 'b.csv', 'c.csv', 'd.csv', 'e.csv', 'f.csv']) {
        const before = run.startedTasks().length;
        const result = await run.process(`incoming/${file}`, BODY);
        expect(result.summary.status).toBe('SUCCEEDED');
        expect(run.startedTasks().slice(before)).toEqual([stageInPool[result.input.transferSlot % 3], stageOutPool[result.input.transferSlot % 3]]);
        used.add(stageInPool[result.input.transferSlot % 3]);
      }
      expect(used.size).toBeGreaterThan(1);
    } finally {
      await run?.stop();
      pooled.dispose();
    }
  });
});
