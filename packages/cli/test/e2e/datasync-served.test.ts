import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { serveRuntime, ServedRuntime } from '@batch-pipeline/local/lib/serve/serve-runtime';
import { batchPipeline } from './cli-process';
import { RunRow } from '../../src/commands/runs';

/**
 * A second assembly through the binary: the example app synthesized with `-c staging=DATASYNC`
 * (stage-in and stage-out by DataSync tasks, so the report location comes from the stage-out
 * task's S3 location, not from a direct stage-out), served; a run, and a run cancelled while its
 * job is running.
 */
const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');
/** The upload whose job is held running until the run is cancelled. */
const HELD_KEY = 'incoming/to-cancel.csv';

/**
 * The app folder the served runtime runs jobs in: the example's job, except that the job of
 * HELD_KEY writes its process id and then waits until it is stopped. So the run to cancel is in
 * progress (at its Batch job) when cancel reaches it, however fast or slow the machine is.
 */
function appWithHeldJob(folder: string): string {
  mkdirSync(path.join(folder, 'job'), { recursive: true });
  writeFileSync(path.join(folder, 'job', 'report.mjs'), [
    "import { writeFileSync } from 'node:fs';",
    `if (process.env.PIPELINE_SOURCE_KEY === ${JSON.stringify(HELD_KEY)}) {`,
    "  writeFileSync('held-job.pid', String(process.pid));",
    '  setInterval(() => undefined, 60_000);',
    '} else {',
    `  await import(${JSON.stringify(pathToFileURL(path.join(EXAMPLE, 'job', 'report.mjs')).href)});`,
    '}',
    '',
  ].join('\n'));
  return folder;
}

/** Whether a process runs (signal 0 checks without signalling). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
  // A tenth of the real waits.
  served = await serveRuntime({ assemblyDirectory, appDirectory: appWithHeldJob(path.join(work, 'app')), stateDirectory: path.join(work, 'state'), timeScale: 0.1, docker: false, port: 0 });
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

  test('given a run whose job is running, when cancelled, then its execution and its job are stopped, it names what it stopped and the upload is kept', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: served.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'any', secretAccessKey: 'any' } });
    const bucket = served.runtime.model.uploadTriggers[0].bucket.name;
    const pidFile = path.join(work, 'app', 'held-job.pid');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: HELD_KEY, Body: 'well,value\nA1,1\n' }));
    // Until the run's job runs (held: it ends only when stopped).
    const held = () => existsSync(pidFile) && readFileSync(pidFile, 'utf-8') !== '';
    for (let waited = 0; !held() && waited < 90_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(held()).toBe(true);
    const job = Number(readFileSync(pidFile, 'utf-8'));
    const rows = JSON.parse((await batchPipeline(['runs', '--status', 'RUNNING', '--json', ...target], work)).stdout) as RunRow[];
    const running = rows.find((row) => row.inputKey === HELD_KEY);
    expect(running).toBeDefined();
    expect(isAlive(job)).toBe(true);

    const result = await batchPipeline(['cancel', running!.run, ...target], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`cancelled run ${running!.run}:`);
    expect(result.stdout).toContain(`stopped execution ${running!.run}`);
    // The served StopExecution ends the run's job at once (as Step Functions stops a .sync job): cancel says so
    expect(result.stdout).toMatch(/(stopped|already ended: )Batch job /);
    expect(result.stdout).toContain(`kept the upload s3://${bucket}/${HELD_KEY}`);
    // Once the job ended, the run's files on EFS are removed by the workspace function's clean-up (Lambda Invoke through serve).
    expect(result.stdout).toMatch(new RegExp(`cleared on EFS: \\S*runs/${running!.run}\\b`));
    expect(foldersNamed(path.join(served.runtime.state.root, 'efs'), running!.run)).toEqual([]);
    const after = JSON.parse((await batchPipeline(['runs', '--status', 'ABORTED', '--json', ...target], work)).stdout) as RunRow[];
    expect(after.map((row) => row.run)).toContain(running!.run);
    // The job's process ends (SIGTERM; SIGKILL after the stop timeout) and the upload is still there.
    for (let waited = 0; isAlive(job) && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isAlive(job)).toBe(false);
    const upload = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: HELD_KEY }));
    expect(await upload.Body!.transformToString()).toBe('well,value\nA1,1\n');
  });
});

/** The folders under `root` named `name` (a run's folders on the local file systems). */
function foldersNamed(root: string, name: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isDirectory() && entry.name === name)
    .map((entry) => path.join(entry.parentPath, entry.name));
}
