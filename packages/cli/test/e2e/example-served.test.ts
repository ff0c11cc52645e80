import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCloudAssembly, selectPipeline, StateDirectory, synthesizeApp } from '@batch-pipeline/local';
import { LocalS3Store } from '@batch-pipeline/local/lib/services/s3/local-s3-store';
import { putLocalFile } from '@batch-pipeline/local/lib/services/s3/put-local-file';
import { batchPipeline, ServeProcess, startServe } from './cli-process';
import { BackfillSummary } from '../../src/commands/backfill';
import { RunRow } from '../../src/commands/runs';

/**
 * The README recipe through the real binary, against the example app served by `batch-pipeline serve`
 * (a process too) on a local port:
 * objects put while the trigger was off, then serve, run (upload, follow, fetch), runs, follow,
 * fetch, logs, rerun, backfill (1,000 objects -> 1,000 runs, a second back-fill starts 0).
 */
const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');
const BACKFILLED = 1_000;

let work: string;
let served: ServeProcess;
let target: string[];
let firstRun: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cli-e2e-'));
  const assemblyDirectory = synthesizeApp(EXAMPLE, path.join(work, 'cdk.out'));
  const pipeline = selectPipeline(readCloudAssembly(assemblyDirectory));
  const trigger = pipeline.uploadTriggers[0];
  // Objects put while nothing watched the bucket (no runtime, so no notification): back-fill's work.
  const state = StateDirectory.open(path.join(work, 'state'));
  const store = new LocalS3Store(state.bucketsRoot);
  store.createBucket(trigger.bucket.name, { versioned: trigger.bucket.versioned });
  for (let index = 0; index < BACKFILLED; index++) {
    await putLocalFile(store, trigger.bucket.name, `${trigger.prefix ?? ''}before/plate-${String(index).padStart(4, '0')}.csv`, SAMPLE);
  }
  served = await startServe(['--assembly', assemblyDirectory, '--app', EXAMPLE, '--state-dir', state.root, '--fast', '--no-docker'], work);
  target = ['--endpoint-url', served.endpoint];
}, 600_000);

afterAll(async () => {
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the example app served, through the batch-pipeline binary', () => {
  test('given a sample, when run against the endpoint, then it is uploaded with a checksum, followed, and its report fetched and verified', async () => {
    const result = await batchPipeline(['run', SAMPLE, '--to', path.join(work, 'reports'), ...target], work);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/uploaded .*plate-reader-2026-11-30\.csv to s3:\/\/.*\/incoming\/plate-reader-2026-11-30\.csv \(version /);
    firstRun = /run (\S+) started/.exec(result.stdout)![1];
    expect(result.stdout).toContain(`run ${firstRun}: SUCCEEDED`);
    expect(result.stdout).toMatch(/fetched .* verified\)/);
    expect(readdirSync(path.join(work, 'reports', firstRun)).length).toBeGreaterThan(0);
  });

  test('given the run, when runs lists them as JSON, then it is there with its input key and status', async () => {
    const result = await batchPipeline(['runs', '--json', ...target], work);

    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as RunRow[];
    expect(rows).toContainEqual(expect.objectContaining({ run: firstRun, inputKey: 'incoming/plate-reader-2026-11-30.csv', status: 'SUCCEEDED' }));
  });

  test('given the run ended, when followed, then its states and summary are printed and the exit code is 0', async () => {
    const result = await batchPipeline(['follow', firstRun, ...target], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('→ ');
    expect(result.stdout).toContain(`run ${firstRun}: SUCCEEDED`);
  });

  test('given the run, when its reports are fetched into a folder, then each is written and its checksum verified', async () => {
    const to = path.join(work, 'fetched');
    const result = await batchPipeline(['fetch', firstRun, '--to', to, '--json', ...target], work);

    expect(result.code).toBe(0);
    const fetched = JSON.parse(result.stdout) as { reports: Array<{ file: string; verified: string }> };
    expect(fetched.reports.length).toBeGreaterThan(0);
    for (const report of fetched.reports) {
      expect(report.verified).toMatch(/verified|size checked/);
      expect(existsSync(report.file)).toBe(true);
    }
  });

  test('given the run, when its logs are read, then the job\'s lines are there', async () => {
    const result = await batchPipeline(['logs', firstRun, '--json', ...target], work);

    expect(result.code).toBe(0);
    const lines = JSON.parse(result.stdout) as Array<{ source: string; message: string }>;
    expect(lines.some((line) => line.source.startsWith('job '))).toBe(true);
  });

  test('given a succeeded run, when re-run, then <run>-r1 processes the same version into its own report prefix and the first reports stay', async () => {
    const first = readdirSync(path.join(work, 'reports', firstRun));
    const result = await batchPipeline(['rerun', firstRun, '--json', ...target], work);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ run: `${firstRun}-r1`, of: firstRun });
    const followed = await batchPipeline(['follow', `${firstRun}-r1`, '--interval', '0.2', ...target], work);
    expect(followed.stdout).toContain(`run ${firstRun}-r1: SUCCEEDED`);
    const fetched = await batchPipeline(['fetch', `${firstRun}-r1`, '--to', path.join(work, 'rerun'), ...target], work);
    expect(fetched.code).toBe(0);
    expect(readdirSync(path.join(work, 'reports', firstRun))).toEqual(first);
  });

  test('given 1,000 objects put while the trigger was off, when back-filled, then 1,000 runs start and end in 1,000 reports; a second back-fill starts 0', async () => {
    // Paced: at --fast a Lambda Task's TimeoutSeconds (60 s) is 0.6 s, while the local functions run
    // at this machine's real speed, so too many runs at once on a busy machine time out in a Lambda
    // step. (The job queue's RUNNABLE time limit cancels only a job no compute environment can place.)
    const result = await batchPipeline(['backfill', '--rate', '25', '--json', ...target], work);

    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as BackfillSummary;
    // The sample `run` uploaded is under the prefix too, and ran already.
    expect(summary).toMatchObject({ listed: BACKFILLED + 1, started: BACKFILLED, alreadyRun: 1, refused: {} });
    // Until every back-filled run has ended.
    for (let running = 1; running > 0;) {
      running = (JSON.parse((await batchPipeline(['runs', '--status', 'RUNNING', '--limit', '5000', '--json', ...target], work)).stdout) as RunRow[]).length;
      if (running > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const runs = JSON.parse((await batchPipeline(['runs', '--limit', '5000', '--json', ...target], work)).stdout) as RunRow[];
    const backfilled = runs.filter((row) => row.inputKey?.includes('/before/'));
    expect(backfilled.filter((row) => row.status !== 'SUCCEEDED')).toEqual([]);
    expect(backfilled).toHaveLength(BACKFILLED);

    const again = JSON.parse((await batchPipeline(['backfill', '--json', ...target], work)).stdout) as BackfillSummary;
    expect(again).toMatchObject({ listed: BACKFILLED + 1, started: 0, alreadyRun: BACKFILLED + 1 });
  }, 900_000);

  test('given a run that ended, when cancelled, then it says nothing was running', async () => {
    const result = await batchPipeline(['cancel', firstRun, ...target], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('had already ended (SUCCEEDED): nothing to cancel');
  });

  test('given a run name that does not exist, when followed, then the message says how to find one and the exit code is 2', async () => {
    const result = await batchPipeline(['follow', 'no-such-run', ...target], work);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('batch-pipeline runs');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path.join(EXAMPLE, 'cdk.json'), 'utf-8')).toContain('app');
  });
});
