import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serveRuntime, ServedRuntime, synthesizeApp } from '@batch-pipeline/local';
import { batchPipeline } from './cli-process';
import { RunRow } from '../../src/commands/runs';

/**
 * The local target without --stack or --endpoint-url, through the real binary: every command starts
 * the app folder's pipeline in its own process on the state directory `run` used, so a later
 * process sees the runs an earlier one ended (their history included). And AWS_ENDPOINT_URL, as
 * the README's recipe exports it, sends `run` to the served runtime.
 */
const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');

let work: string;
let local: string[];
let firstRun: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'cli-in-process-'));
  const assembly = synthesizeApp(EXAMPLE, path.join(work, 'cdk.out'));
  local = ['--assembly', assembly, '--app', EXAMPLE, '--state-dir', path.join(work, 'state')];
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('operations commands without a target, on the app folder\'s state directory', () => {
  test('given a run in one process, when runs lists them in another, then the run is there with its input key and status', async () => {
    const ran = await batchPipeline(['run', SAMPLE, '--fast', '--quiet', '--no-docker', ...local], work);
    expect(ran.code).toBe(0);
    firstRun = /run (\S+): SUCCEEDED/.exec(ran.stdout)![1];

    const listed = await batchPipeline(['runs', '--json', ...local], work);

    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain('runs in this process');
    const rows = JSON.parse(listed.stdout) as RunRow[];
    expect(rows).toEqual([expect.objectContaining({ run: firstRun, inputKey: 'incoming/plate-reader-2026-11-30.csv', status: 'SUCCEEDED' })]);
  });

  test('given that run, when followed from a later process, then its states come from the kept history', async () => {
    const result = await batchPipeline(['follow', firstRun, ...local], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('→ Process');
    expect(result.stdout).toContain(`run ${firstRun}: SUCCEEDED`);
  });

  test('given that run, when fetched and its logs read, then the reports are verified and the workspace function\'s lines shown', async () => {
    const fetched = await batchPipeline(['fetch', firstRun, '--to', path.join(work, 'fetched'), ...local], work);
    const logs = await batchPipeline(['logs', firstRun, ...local], work);

    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toMatch(/report\.json +\d+ bytes +\S+ verified/);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('"outcome":"staged-out"');
  });

  test('given that run, when re-run, then the hint names the same target and the re-run ends before the process does', async () => {
    const result = await batchPipeline(['rerun', firstRun, ...local], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`follow it: batch-pipeline follow ${firstRun}-r1 ${local.join(' ')}`);
    const rows = JSON.parse((await batchPipeline(['runs', '--json', ...local], work)).stdout) as RunRow[];
    expect(rows.map((row) => [row.run, row.status])).toEqual([[`${firstRun}-r1`, 'SUCCEEDED'], [firstRun, 'SUCCEEDED']]);
  });

  test('given runs that ended in earlier processes, when back-filled, then nothing already run is started again', async () => {
    const result = await batchPipeline(['backfill', '--json', ...local], work);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expect.objectContaining({ started: 0, alreadyRun: 1 }));
  });
});

describe('AWS_ENDPOINT_URL, as the README recipe exports it', () => {
  let served: ServedRuntime;
  afterAll(async () => served?.stop());

  test('given a served runtime in the environment, when run is given no target, then it uploads to the served one and says so', async () => {
    served = await serveRuntime({ assemblyDirectory: path.join(work, 'cdk.out'), appDirectory: EXAMPLE, stateDirectory: path.join(work, 'served'), timeScale: 0.01, docker: false, port: 0 });

    const result = await batchPipeline(['run', SAMPLE, '--to', path.join(work, 'served-reports')], work, { AWS_ENDPOINT_URL: served.endpoint });

    expect(result.stderr).toContain(`AWS_ENDPOINT_URL is set: running against ${served.endpoint}`);
    expect(result.code).toBe(0);
    expect(served.runtime.runs.size).toBe(1);
  });
});
