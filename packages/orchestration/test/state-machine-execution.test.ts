import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineStateMachine, PipelineStep, StagingStrategy } from '../src';
import { runPipeline, RunOptions, RunOutcome } from './local-run/run-pipeline';
import { Scenario } from './local-run/simulated-aws';
import { synthesizedDefinition } from './local-run/synthesized-definition';
import { WATCH_PREFIX, pipelineParts, pipelineProps, pipelineStateMachine } from './pipeline-fixture';

// The definition under test is the one in the synthesized template.
// The DataSync path: both stages through DataSync, as the original system ran them.
const { template, pipeline } = pipelineStateMachine({
  staging: StagingStrategy.DATASYNC, stageInTimeout: Duration.minutes(5), stageOutTimeout: Duration.minutes(5),
});
const definition = synthesizedDefinition(template);
const happy: Scenario = {
  stageIn: { seconds: 60, outcome: 'SUCCESS' },
  job: { seconds: 120, outcome: 'SUCCEEDED' },
  stageOut: { seconds: 60, outcome: 'SUCCESS' },
};

async function run(scenario: Scenario, options: Partial<RunOptions> = {}): Promise<RunOutcome> {
  return runPipeline(definition, scenario, { uploadPrefix: WATCH_PREFIX, reportPrefix: 'reports/', jobMountPath: '/mnt/pipeline', ...options });
}

const outcomes: RunOutcome[] = [];
// The workspace handler logs one JSON line per call, as it does in Lambda.
beforeAll(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterAll(() => {
  jest.restoreAllMocks();
  outcomes.forEach((outcome) => outcome.aws.dispose());
});

async function given(scenario: Scenario, options: Partial<RunOptions> = {}): Promise<RunOutcome> {
  const outcome = await run(scenario, options);
  outcomes.push(outcome);
  return outcome;
}

function expectOneFailureNotification(outcome: RunOutcome, failedStep: PipelineStep, error: string | RegExp, cause: RegExp): void {
  expect(outcome.status).toBe('FAILED');
  expect(outcome.aws.notifications).toEqual([{
    runId: outcome.input.runId,
    bucket: outcome.input.bucket,
    key: outcome.input.key,
    versionId: outcome.input.versionId,
    failedStep,
    error: expect.stringMatching(error),
    cause: expect.stringMatching(cause),
    cleanUp: { removed: [`/runs/${outcome.input.runId}`, `/staging/${outcome.input.relativeKey}`] },
    execution: expect.any(String),
  }]);
  // The upload is never touched by a failed run, and the run leaves nothing on EFS.
  expect(outcome.aws.uploads.get(outcome.input.key)).toBeDefined();
  expect(outcome.aws.filesOnFileSystem()).toEqual([]);
}

describe('the synthesized state machine, run locally', () => {
  test('an upload becomes a report under the run prefix, and the run leaves nothing on EFS', async () => {
    const outcome = await given(happy);
    expect(outcome.status).toBe('SUCCEEDED');
    expect([...outcome.aws.reports.keys()]).toEqual([`reports/runs/${outcome.input.runId}/out/report.txt`]);
    expect(outcome.aws.reports.get(`reports/runs/${outcome.input.runId}/out/report.txt`))
      .toBe(`run ${outcome.input.runId} of s3://uploads/${outcome.input.key}: 8 bytes\n`);
    expect(outcome.aws.filesOnFileSystem()).toEqual([]);
    expect(outcome.aws.notifications).toEqual([]);
    expect(outcome.aws.uploads.has(outcome.input.key)).toBe(true);
  });

  test('stage-in ERROR ends the run with one notification', async () => {
    const outcome = await given({ ...happy, stageIn: { seconds: 30, outcome: 'ERROR' } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_IN, 'DataSync.TaskExecutionError', /simulated transfer error/);
    expect(outcome.error).toBe('DataSync.TaskExecutionError');
  });

  test('stage-out ERROR ends the run with one notification and removes the run\'s files from EFS', async () => {
    const outcome = await given({ ...happy, stageOut: { seconds: 30, outcome: 'ERROR' } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_OUT, 'DataSync.TaskExecutionError', /SyncTaskErrorLocationNotAdded/);
    expect(outcome.aws.cancelledExecutions).toEqual([]);
  });

  test('a FAILED Batch job ends the run with one notification', async () => {
    const outcome = await given({ ...happy, job: { seconds: 30, outcome: 'FAILED' } });
    expectOneFailureNotification(outcome, PipelineStep.PROCESS, 'States.TaskFailed', /Essential container in task exited/);
    expect(outcome.aws.reports.size).toBe(0);
  });

  test('a DataSync execution that never ends is cancelled at the stage timeout, and the run ends once it stopped', async () => {
    const outcome = await given({ ...happy, stageIn: { seconds: 0, outcome: 'NEVER', cancelSeconds: 20 } });
    // Checks after 5, 10, 20, 40, 80 and 160 s: the sixth passes the 300 s timeout.
    expectOneFailureNotification(outcome, PipelineStep.STAGE_IN, 'Pipeline.StepTimeout', /Stage in did not finish within 300 seconds \(6 polls\)/);
    expect(pipeline.stageInMaxPolls).toBe(6);
    expect(outcome.aws.statusChecks).toBe(6 + 2);
    // The task's one execution slot is freed: the execution was cancelled and seen to stop.
    expect(outcome.aws.cancelledExecutions).toHaveLength(1);
    expect(outcome.simulatedSeconds).toBeGreaterThanOrEqual(315 + 20);
    expect(outcome.simulatedSeconds).toBeLessThan(315 + 2 * 15 + 10);
  });

  test('a stage-out that never ends is cancelled too, and its output is removed with the run directory', async () => {
    const outcome = await given({ ...happy, stageOut: { seconds: 0, outcome: 'NEVER' } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_OUT, 'Pipeline.StepTimeout', /Stage out did not finish within 300 seconds/);
    expect(outcome.aws.cancelledExecutions).toEqual([expect.stringContaining('task-stageOut/execution/')]);
  });

  test('a cancelled execution that never stops still ends the run after a bounded number of checks, with one notification', async () => {
    const outcome = await given({ ...happy, stageIn: { seconds: 0, outcome: 'NEVER', cancelSeconds: 'NEVER' } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_IN, 'Pipeline.StepTimeout', /Stage in did not finish/);
    expect(outcome.simulatedSeconds).toBeLessThan(315 + 8 * 15 + 10);
  });

  test('a start throttled twice is retried and the run succeeds', async () => {
    const outcome = await given({ ...happy, stageIn: { ...happy.stageIn, throttledStarts: 2 } });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.aws.notifications).toEqual([]);
    expect(outcome.aws.reports.size).toBe(1);
  });

  test('a start that stays throttled fails the run after its retries, with one notification', async () => {
    const outcome = await given({ ...happy, stageOut: { ...happy.stageOut, throttledStarts: 100 } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_OUT, 'DataSync.InvalidRequestException', /Rate exceeded/);
  });

  test('a notification SNS refuses (the publisher may not use the topic key) is counted in a metric, and the run still fails with its own error', async () => {
    const outcome = await given({ ...happy, job: { seconds: 30, outcome: 'FAILED' }, notification: 'KMS_ACCESS_DENIED' });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('States.TaskFailed');
    expect(outcome.aws.notifications).toEqual([]);
    expect(outcome.aws.refusedNotifications).toHaveLength(1);
    expect(outcome.aws.metrics.get('BatchPipeline/UndeliveredNotifications')).toBe(1);
  });

  test.each(['_notes.csv', '(1).csv', 'über.csv', '.env', '報告書.csv', '-'])('an upload named %s gets a job name Batch accepts and produces its report', async (fileName) => {
    const outcome = await given(happy, { key: `${WATCH_PREFIX}${fileName}` });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.aws.submittedJobNames).toEqual([outcome.input.runId]);
    expect([...outcome.aws.reports.keys()]).toEqual([`reports/runs/${outcome.input.runId}/out/report.txt`]);
  });

  test('an upload deleted before stage-in fails the run at prepare, with one notification', async () => {
    const outcome = await runPipeline(definition, happy, {
      uploadPrefix: WATCH_PREFIX, reportPrefix: 'reports/', jobMountPath: '/mnt/pipeline', uploadDeletedBeforeStageIn: true,
    });
    outcomes.push(outcome);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.aws.notifications).toEqual([expect.objectContaining({
      runId: outcome.input.runId, failedStep: PipelineStep.PREPARE, error: 'StagedFileMissing', cause: expect.stringContaining('/staging/2026/scan 1.csv'),
    })]);
    expect(outcome.aws.filesOnFileSystem()).toEqual([]);
  });
});

describe('a DataSync pool, run locally', () => {
  // Given stage-in and stage-out pools of 3 tasks each.
  const parts = pipelineParts();
  const stageIn = new StageInTransfer(parts.stack, 'PooledStageIn', {
    network: parts.network,
    sourceBucket: parts.storage.uploads.bucket,
    sourcePrefix: WATCH_PREFIX,
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
  new PipelineStateMachine(parts.stack, 'Pipeline', {
    ...pipelineProps(parts), staging: StagingStrategy.DATASYNC, stageIn, stageOut,
  });
  const pooled = synthesizedDefinition(Template.fromStack(parts.stack));
  const poolOf = (state: string) => [...(pooled.States[state].Parameters['TaskArn.$'] as string).matchAll(/'(<[^']+>)'/g)].map((match) => match[1]);

  test('each run starts the task of its transfer slot, in both directions', async () => {
    const stageInPool = poolOf('Stage in: start');
    const stageOutPool = poolOf('Stage out: start');
    expect(new Set(stageInPool).size).toBe(3);
    const used = new Set<string>();
    for (const file of ['a.csv', 'b.csv', 'c.csv', 'd.csv', 'e.csv', 'f.csv']) {
      const outcome = await runPipeline(pooled, happy, { uploadPrefix: WATCH_PREFIX, reportPrefix: 'reports/', jobMountPath: '/mnt/pipeline', key: `${WATCH_PREFIX}${file}` });
      outcomes.push(outcome);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(outcome.aws.startedTasks).toEqual([stageInPool[outcome.input.transferSlot % 3], stageOutPool[outcome.input.transferSlot % 3]]);
      used.add(outcome.aws.startedTasks[0]);
    }
    expect(used.size).toBeGreaterThan(1);
  });
});
