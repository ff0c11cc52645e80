import { Duration } from 'aws-cdk-lib';
import { PipelineStep } from '../src';
import { runPipeline, RunOutcome } from './local-run/run-pipeline';
import { Scenario } from './local-run/simulated-aws';
import { synthesizedDefinition } from './local-run/synthesized-definition';
import { WATCH_PREFIX, pipelineStateMachine } from './pipeline-fixture';

// The definition under test is the one in the synthesized template.
const { template, pipeline } = pipelineStateMachine({ stageInTimeout: Duration.minutes(5), stageOutTimeout: Duration.minutes(5) });
const definition = synthesizedDefinition(template);
const happy: Scenario = {
  stageIn: { seconds: 60, outcome: 'SUCCESS' },
  job: { seconds: 120, outcome: 'SUCCEEDED' },
  stageOut: { seconds: 60, outcome: 'SUCCESS' },
};

async function run(scenario: Scenario): Promise<RunOutcome> {
  return runPipeline(definition, scenario, { uploadPrefix: WATCH_PREFIX, reportPrefix: 'reports/', jobMountPath: '/mnt/pipeline' });
}

const outcomes: RunOutcome[] = [];
// The workspace handler logs one JSON line per call, as it does in Lambda.
beforeAll(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterAll(() => {
  jest.restoreAllMocks();
  outcomes.forEach((outcome) => outcome.aws.dispose());
});

async function given(scenario: Scenario): Promise<RunOutcome> {
  const outcome = await run(scenario);
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
    execution: expect.any(String),
  }]);
  // The upload is never touched by a failed run.
  expect(outcome.aws.uploads.get(outcome.input.key)).toBeDefined();
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

  test('stage-out ERROR ends the run with one notification and keeps the run files for inspection', async () => {
    const outcome = await given({ ...happy, stageOut: { seconds: 30, outcome: 'ERROR' } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_OUT, 'DataSync.TaskExecutionError', /SyncTaskErrorLocationNotAdded/);
    expect(outcome.aws.filesOnFileSystem()).toEqual([
      `/runs/${outcome.input.runId}/in/scan 1.csv`,
      `/runs/${outcome.input.runId}/out/report.txt`,
    ]);
  });

  test('a FAILED Batch job ends the run with one notification', async () => {
    const outcome = await given({ ...happy, job: { seconds: 30, outcome: 'FAILED' } });
    expectOneFailureNotification(outcome, PipelineStep.PROCESS, 'States.TaskFailed', /Essential container in task exited/);
    expect(outcome.aws.reports.size).toBe(0);
  });

  test('a DataSync execution that never ends stops the run at the stage timeout', async () => {
    const outcome = await given({ ...happy, stageIn: { seconds: 0, outcome: 'NEVER' } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_IN, 'Pipeline.StepTimeout', /Stage in did not finish within 300 seconds \(20 polls\)/);
    expect(pipeline.stageInMaxPolls).toBe(20);
    expect(outcome.simulatedSeconds).toBeGreaterThanOrEqual(300);
    expect(outcome.simulatedSeconds).toBeLessThan(310);
  });

  test('a start throttled twice is retried and the run succeeds', async () => {
    const outcome = await given({ ...happy, stageIn: { ...happy.stageIn, throttledStarts: 2 } });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.aws.notifications).toEqual([]);
    expect(outcome.aws.reports.size).toBe(1);
  });

  test('a start that stays throttled fails the run after its retries, with one notification', async () => {
    const outcome = await given({ ...happy, stageOut: { ...happy.stageOut, throttledStarts: 100 } });
    expectOneFailureNotification(outcome, PipelineStep.STAGE_OUT, 'DataSync.ThrottlingException', /Rate exceeded/);
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
  });
});
