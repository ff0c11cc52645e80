import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serveRuntime, ServedRuntime, synthesizeApp } from '@batch-pipeline/local';
import { batchPipeline, BIN } from './cli-process';
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

/**
 * Starts `batch-pipeline <args>`; once stderr says `ready`, calls `onReady`; once stdout has
 * `lines` lines, Ctrl-C, and resolves with them and the exit code.
 */
function firstLines(args: readonly string[], lines: number, ready: string, onReady: () => void = () => undefined) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let started = false;
  let done = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<{ lines: string[]; stderr: string; code: number | null }>((resolve, reject) => {
    const check = async () => {
      if (!started && stderr.includes(ready)) {
        started = true;
        onReady();
      }
      const complete = stdout.split('\n').slice(0, -1);
      if (started && !done && complete.length >= lines) {
        done = true;
        child.stdout.removeAllListeners('data');
        child.kill('SIGINT');
        resolve({ lines: complete, stderr, code: await exited });
      }
    };
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); void check(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); void check(); });
    void exited.then((code) => done || reject(new Error(`batch-pipeline ${args[0]} ended (${code}):\n${stdout}\n${stderr}`)));
  });
}

describe('--json of the local runtime\'s commands, through the binary', () => {
  const state = () => ['--assembly', path.join(work, 'cdk.out'), '--app', EXAMPLE, '--state-dir', path.join(work, 'json-state'), '--fast', '--no-docker'];
  let uploadBucket: string;

  test('given a sample, when run with --json, then stdout is one document with the exit code and the run\'s summary', async () => {
    const result = await batchPipeline(['run', SAMPLE, '--json', ...state()], work);

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual(expect.objectContaining({ exitCode: 0, notStarted: [], stateDirectory: path.join(work, 'json-state') }));
    expect(report.runs).toEqual([expect.objectContaining({ status: 'SUCCEEDED', input: expect.objectContaining({ key: 'incoming/plate-reader-2026-11-30.csv' }) })]);
    expect(result.stderr).toContain('uploaded ');
    uploadBucket = report.runs[0].input.bucket;
  });

  test('given a key outside the watched prefix, when run with --json, then it exits 4 and the document says why nothing started', async () => {
    const result = await batchPipeline(['run', SAMPLE, '--key', 'elsewhere/plate.csv', '--json', ...state()], work);

    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual(expect.objectContaining({ exitCode: 4, runs: [] }));
    expect(report.notStarted).toEqual([expect.objectContaining({ key: 'elsewhere/plate.csv', reason: expect.stringContaining('would start no run') })]);
  });

  test('given watch with --json, when a file is copied into the watched folder, then one JSON line is its run\'s summary', async () => {
    const folder = path.join(work, 'json-state', 'buckets', uploadBucket, 'incoming');
    const result = await firstLines(['watch', '--json', ...state()], 1, 'watching ', () => {
      mkdirSync(folder, { recursive: true });
      copyFileSync(SAMPLE, path.join(folder, 'watched.csv'));
    });

    expect(JSON.parse(result.lines[0])).toEqual(expect.objectContaining({ status: 'SUCCEEDED', input: expect.objectContaining({ key: 'incoming/watched.csv' }) }));
    expect(result.code).toBe(0);
  });

  test('given serve with --json, when it listens, then its first stdout line says the endpoint, the stack and where to upload', async () => {
    const result = await firstLines(['serve', '--json', '--port', '0', ...state()], 1, 'Ctrl-C stops it');

    expect(JSON.parse(result.lines[0])).toEqual(expect.objectContaining({
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      stack: 'BatchPipelineExample',
      uploadTo: [`s3://${uploadBucket}/incoming/`],
      stateDirectory: path.join(work, 'json-state'),
    }));
    expect(result.stderr).toContain('no signature is checked');
    expect(result.code).toBe(0);
  });
});
