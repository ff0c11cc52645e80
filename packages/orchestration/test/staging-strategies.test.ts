import { Size } from 'aws-cdk-lib';
import { LocalRun, SynthesizedPipeline, Upload } from './local-run/local-pipeline';
import { pipelineProps } from './pipeline-fixture';
import { PipelineOrchestration, PipelineStep, StagingStrategy } from '../src';

// The pipeline runs on the local runtime (@batch-pipeline/local): the workspace function is the
// real bundled handler in a process of its own, its S3 calls reach the runtime's S3 endpoint through
// the SDK's standard endpoint setting, and emulated DataSync reads and writes the same buckets' folders.
jest.setTimeout(60_000);

const THRESHOLD = Size.kibibytes(1);
const pipelines: SynthesizedPipeline[] = [];
const runs: LocalRun[] = [];
afterAll(async () => {
  await Promise.all(runs.map((run) => run.stop()));
  pipelines.forEach((pipeline) => pipeline.dispose());
});

async function runtimeOf(pipeline: SynthesizedPipeline): Promise<LocalRun> {
  const run = await pipeline.start();
  runs.push(run);
  return run;
}

describe('AUTO staging, run locally against a local S3 endpoint', () => {
  let auto: SynthesizedPipeline;
  let run: LocalRun;
  let stageInTask: string;
  let stageOutTask: string;
  beforeAll(async () => {
    auto = await SynthesizedPipeline.synthesize((parts) => {
      new PipelineOrchestration(parts.stack, 'Orchestration', { ...pipelineProps(parts), staging: StagingStrategy.AUTO, directStagingThreshold: THRESHOLD });
    });
    pipelines.push(auto);
    run = await runtimeOf(auto);
    stageInTask = auto.taskArn('StageInTask');
    stageOutTask = auto.taskArn('StageOutTask');
  });

  /** The DataSync tasks started while `work` ran. */
  async function tasksStartedBy<T>(work: () => Promise<T>): Promise<[T, string[]]> {
    const before = run.startedTasks().length;
    const result = await work();
    return [result, run.startedTasks().slice(before)];
  }

  test('a small upload is copied directly both ways: no DataSync, at most 12 transitions, nothing left on EFS', async () => {
    const key = 'incoming/small.csv';
    const [result, tasks] = await tasksStartedBy(() => run.process(key, 'a,b\n1,2\n'));
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(tasks).toEqual([]);
    expect(result.states).toEqual(expect.arrayContaining(['Stage in directly', 'Stage out directly']));
    expect(run.report(result)).toBe(`run ${result.runId} of s3://${result.input.bucket}/${key}: 8 bytes\n`);
    expect(result.summary.transitions).toBeLessThanOrEqual(12);
    expect(run.filesOnFileSystems()).toEqual([]);
  });

  test('an upload of exactly the threshold is copied directly, one byte more goes through DataSync', async () => {
    const [atThreshold, direct] = await tasksStartedBy(() => run.process('incoming/at.csv', 'x'.repeat(THRESHOLD.toBytes())));
    expect(atThreshold.summary.status).toBe('SUCCEEDED');
    expect(direct).toEqual([]);
    const [above, viaDataSync] = await tasksStartedBy(() => run.process('incoming/above.csv', 'x'.repeat(THRESHOLD.toBytes() + 1)));
    expect(above.summary.status).toBe('SUCCEEDED');
    // Stage-in through DataSync; the job's small output is still uploaded directly.
    expect(viaDataSync).toEqual([stageInTask]);
    expect(above.states).toContain('Stage out directly');
    expect(run.report(above)).toContain(`${THRESHOLD.toBytes() + 1} bytes`);
  });

  test('an output over the threshold is left to DataSync stage-out, which lands it in the same place', async () => {
    // The job script writes a report of the size its input asks for.
    const [result, tasks] = await tasksStartedBy(() => run.process('incoming/big-output.csv', `OUTPUT_BYTES=${THRESHOLD.toBytes() + 1}`));
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(tasks).toEqual([stageOutTask]);
    expect(result.summary.reports.map((report) => report.key)).toEqual([`reports/runs/${result.runId}/out/report.txt`]);
    expect(run.report(result).length).toBe(THRESHOLD.toBytes() + 1);
  });

  describe('an upload its owner changes before the run stages it', () => {
    const key = 'incoming/overwritten.csv';
    const firstBody = 'the first version, 32 bytes long';
    let fresh: LocalRun;
    let first: Upload;
    let second: Upload;
    let gone: Upload;
    let changedAt: number;
    beforeAll(async () => {
      // A runtime of its own: its trigger function starts cold, so the changes land before the runs stage in.
      fresh = await runtimeOf(auto);
      first = await fresh.upload(key, firstBody);
      second = await fresh.upload(key, 'second');
      gone = await fresh.upload('incoming/gone.csv', 'abc');
      await fresh.deleteObject(gone, { version: true });
      changedAt = Date.now();
    });

    test('the run processes the version that triggered it, even when the key was overwritten before it staged', async () => {
      const firstRun = await fresh.runOf(first);
      expect(firstRun.enteredAt.get('Stage in directly')).toBeGreaterThanOrEqual(changedAt);
      expect(firstRun.summary.status).toBe('SUCCEEDED');
      expect(fresh.report(firstRun)).toContain(`: ${Buffer.byteLength(firstBody)} bytes`);
      // Each version is a run of its own, with its own report.
      const secondRun = await fresh.runOf(second);
      expect(secondRun.runId).not.toBe(firstRun.runId);
      expect(fresh.report(secondRun)).toContain(': 6 bytes');
    });

    test('a version deleted before it was staged fails the run at stage in with one notification', async () => {
      const result = await fresh.runOf(gone);
      expect(result.enteredAt.get('Stage in directly')).toBeGreaterThanOrEqual(changedAt);
      expect(result.summary.status).toBe('FAILED');
      expect(result.notifications).toEqual([expect.objectContaining({ runId: result.runId, failedStep: PipelineStep.STAGE_IN, error: 'SourceObjectMissing' })]);
      expect(fresh.filesOnFileSystems()).toEqual([]);
    });
  });
});

describe('DIRECT staging, run locally', () => {
  test('needs no DataSync task: the state machine is built from buckets and prefixes alone and runs end to end', async () => {
    const direct = await SynthesizedPipeline.synthesize((parts) => {
      new PipelineOrchestration(parts.stack, 'Orchestration', {
        staging: StagingStrategy.DIRECT,
        uploadBucket: parts.storage.uploads.bucket,
        uploadPrefix: 'incoming/',
        reportsBucket: parts.storage.reports.bucket,
        processor: parts.processor,
        accessPoint: parts.storage.fileSystem.accessPoint,
        network: parts.network,
      });
    });
    pipelines.push(direct);
    const run = await runtimeOf(direct);
    expect(Object.keys(direct.definition.States).filter((name) => name.includes('DataSync') || name.startsWith('Stage in:'))).toEqual([]);
    const result = await run.process('incoming/direct.csv', 'x'.repeat(THRESHOLD.toBytes() * 3));
    expect(result.summary.status).toBe('SUCCEEDED');
    expect(run.startedTasks()).toEqual([]);
    expect(run.report(result)).toContain(`${THRESHOLD.toBytes() * 3} bytes`);
    expect(run.filesOnFileSystems()).toEqual([]);
  });
});
