import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { serveRuntime, ServedRuntime } from '@batch-pipeline/local/lib/serve/serve-runtime';
import { batchPipeline } from './cli-process';
import { RunRow } from '../../src/commands/runs';

/**
 * A second assembly through the binary: the example app synthesized with `-c staging=DATASYNC`
 * (stage-in and stage-out by DataSync tasks, so the report location comes from the stage-out
 * task's S3 location, not from a direct stage-out), served; a run, and a run cancelled while it
 * is in progress.
 */
const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');

let work: string;
let served: ServedRuntime;
let target: string[];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cli-e2e-datasync-'));
  const assemblyDirectory = path.join(work, 'cdk.out');
  const synth = spawnSync('npx', ['ts-node', '--prefer-ts-exts', 'src/main.ts', '-c', 'staging=DATASYNC'], {
    cwd: EXAMPLE, env: { ...process.env, CDK_OUTDIR: assemblyDirectory }, encoding: 'utf-8',
  });
  if (synth.status !== 0) throw new Error(`the example did not synthesize with staging=DATASYNC:\n${synth.stderr}`);
  // A tenth of the real waits: DataSync's polls leave time to cancel a run in progress.
  served = await serveRuntime({ assemblyDirectory, appDirectory: EXAMPLE, stateDirectory: path.join(work, 'state'), timeScale: 0.1, docker: false, port: 0 });
  target = ['--endpoint-url', served.endpoint];
}, 600_000);

afterAll(async () => {
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the example staged by DataSync, served, through the batch-pipeline binary', () => {
  test('given a sample, when run, then its reports are fetched from the stage-out task\'s location', async () => {
    const result = await batchPipeline(['run', SAMPLE, '--to', path.join(work, 'reports'), ...target], work);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const run = /run (\S+) started/.exec(result.stdout)![1];
    expect(result.stdout).toMatch(/reports s3:\/\/\S+\/reports\/runs\/\S+\/out\//);
    expect(readdirSync(path.join(work, 'reports', run)).length).toBeGreaterThan(0);
  });

  test('given a run in progress, when cancelled, then its execution is stopped, it names what it stopped and the upload is kept', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: served.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } });
    const bucket = served.runtime.model.uploadTriggers[0].bucket.name;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/to-cancel.csv', Body: 'well,value\nA1,1\n' }));
    let running: RunRow | undefined;
    for (let attempt = 0; attempt < 100 && !running; attempt++) {
      const rows = JSON.parse((await batchPipeline(['runs', '--status', 'RUNNING', '--json', ...target], work)).stdout) as RunRow[];
      running = rows.find((row) => row.inputKey === 'incoming/to-cancel.csv');
    }
    expect(running).toBeDefined();

    const result = await batchPipeline(['cancel', running!.run, ...target], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`cancelled run ${running!.run}:`);
    expect(result.stdout).toContain(`stopped execution ${running!.run}`);
    expect(result.stdout).toContain('kept the upload s3://');
    const after = JSON.parse((await batchPipeline(['runs', '--status', 'ABORTED', '--json', ...target], work)).stdout) as RunRow[];
    expect(after.map((row) => row.run)).toContain(running!.run);
  });
});
