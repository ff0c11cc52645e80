// End to end: each staging strategy of the example (context `staging`) runs locally, on the path
// it promises: AUTO stages a small file directly, DATASYNC uses DataSync both ways, DIRECT has no
// DataSync at all.
import * as path from 'node:path';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { LocalRun, removeTemporaryDirectories, sha256Of, synthesizeExample, temporaryDirectory, writeInput } from './local-run-support';

jest.setTimeout(180_000);

const assemblies = new Map<StagingStrategy, string>();
let inputs: string;

beforeAll(() => {
  for (const staging of [StagingStrategy.AUTO, StagingStrategy.DATASYNC, StagingStrategy.DIRECT]) {
    assemblies.set(staging, synthesizeExample({ staging }));
  }
  inputs = temporaryDirectory('inputs');
});

afterAll(() => removeTemporaryDirectories());

/** Uploads one small file on the assembly of `staging` and returns what the run did. */
async function runOne(staging: StagingStrategy) {
  const local = await LocalRun.start(assemblies.get(staging)!);
  try {
    const file = writeInput(inputs, `staging-${staging.toLowerCase()}.csv`, staging);
    const upload = await local.runtime.upload(file);
    await local.runtime.idle();
    const summary = await local.summaryOf(upload);
    return {
      summary,
      file,
      report: summary.status === 'SUCCEEDED' ? local.reportOf(summary) : undefined,
      states: local.statesOf(summary.runId),
      dataSync: local.dataSyncLines(),
      dataSyncTasks: [...local.runtime.model.dataSyncTasks.keys()],
      efsFiles: local.efsFiles(),
    };
  } finally {
    await local.stop();
  }
}

test('AUTO stages a small upload directly, both ways, and starts no DataSync execution', async () => {
  // WHEN
  const run = await runOne(StagingStrategy.AUTO);

  // THEN
  expect(run.summary.status).toBe('SUCCEEDED');
  expect(run.report!.stats.sha256).toBe(sha256Of(run.file));
  expect(run.states).toEqual(expect.arrayContaining(['Stage in directly', 'Process', 'Stage out directly', 'Clean up', 'Run succeeded']));
  expect(run.states.filter((state) => state.startsWith('Stage in:') || state.startsWith('Stage out:'))).toEqual([]);
  // The DataSync tasks exist (for large uploads), but this run used none.
  expect(run.dataSyncTasks).toHaveLength(2);
  expect(run.dataSync).toEqual([]);
  expect(run.efsFiles).toEqual([]);
});

test('DATASYNC stages in and out with one DataSync execution each way', async () => {
  // WHEN
  const run = await runOne(StagingStrategy.DATASYNC);

  // THEN
  expect(run.summary.status).toBe('SUCCEEDED');
  expect(run.report!.stats.sha256).toBe(sha256Of(run.file));
  expect(run.states).toEqual(expect.arrayContaining(['Prepare staging', 'Stage in: start', 'Prepare', 'Process', 'Stage out: start', 'Clean up', 'Run succeeded']));
  expect(run.states).not.toContain('Stage in directly');
  expect(run.states).not.toContain('Stage out directly');
  // One execution started and one succeeded on each of the two tasks.
  const started = run.dataSync.filter((line) => / started$/.test(line)).map((line) => line.split('/execution/')[0]);
  const succeeded = run.dataSync.filter((line) => / SUCCESS \(/.test(line)).map((line) => line.split('/execution/')[0]);
  expect(started).toHaveLength(2);
  expect(new Set(started)).toEqual(new Set(run.dataSyncTasks));
  expect(new Set(succeeded)).toEqual(new Set(run.dataSyncTasks));
  expect(run.summary.reports.map((report) => path.basename(report.key)).sort()).toEqual(['report.json', 'report.txt']);
  expect(run.efsFiles).toEqual([]);
});

test('DIRECT has no DataSync task and stages directly both ways', async () => {
  // WHEN
  const run = await runOne(StagingStrategy.DIRECT);

  // THEN
  expect(run.summary.status).toBe('SUCCEEDED');
  expect(run.report!.stats.sha256).toBe(sha256Of(run.file));
  expect(run.dataSyncTasks).toEqual([]);
  expect(run.dataSync).toEqual([]);
  expect(run.states).toEqual(expect.arrayContaining(['Stage in directly', 'Process', 'Stage out directly', 'Clean up', 'Run succeeded']));
  expect(run.efsFiles).toEqual([]);
});

// With compressed waits, a Wait whose seconds come from the input (the stage polls' doubling
// interval, 5 s .. 300 s) is scaled from the value it reads, so the polls still cover the stage's
// hour locally and a long transfer finishes as it would on AWS.
test('DATASYNC finishes a 10-minute transfer, within the 1-hour stage-in timeout, with compressed waits', async () => {
  // GIVEN a transfer that takes 10 minutes (6 s at the time scale of 0.01)
  const local = await LocalRun.start(assemblies.get(StagingStrategy.DATASYNC)!, { dataSync: { faults: { transferSeconds: 600 } } });
  try {
    const file = writeInput(inputs, 'slow-transfer.csv', 'slow');

    // WHEN
    const upload = await local.runtime.upload(file);
    await local.runtime.idle();

    // THEN
    const summary = await local.summaryOf(upload);
    expect({ status: summary.status, error: summary.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  } finally {
    await local.stop();
  }
});
