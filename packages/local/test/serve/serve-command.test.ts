import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ServedApp, serveApp, writeServedApp } from './served-app';
import { RunSummary } from '../../src/runtime/run-summary';
import { serveCommand, ServedDocument } from '../../src/serve/serve-command';

/** Any credentials: the served runtime checks no signature. */
const CLIENT = { region: 'eu-west-2', credentials: { accessKeyId: 'AKIDSERVED', secretAccessKey: 'any-secret' } };

/** `batch-pipeline serve --json` in this process: its stdout and stderr lines, its exit code, and what --json printed. */
interface Serving {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly code: Promise<number>;
  readonly document: ServedDocument;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** Stops serve as a test does (not a signal). */
  stop(): Promise<number>;
}

const apps: ServedApp[] = [];

afterAll(() => apps.forEach((app) => rmSync(app.appDirectory, { recursive: true, force: true })));

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function serve(app: ServedApp, state: string, exit: (code: number) => never = () => {
  throw new Error('serve exited the process');
}): Promise<Serving> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const code = serveCommand(['--assembly', app.assemblyDirectory, '--state-dir', state, '--port', '0', '--time-scale', '0.01', '--no-docker', '--json'],
    (line) => stdout.push(line), stopped, (line) => stderr.push(line), exit);
  let ended = false;
  void code.finally(() => (ended = true));
  await until(() => stdout.length > 0 || ended, 'serve to listen');
  if (stdout.length === 0) throw new Error(`serve did not start: ${stderr.join('\n')}`);
  const document = JSON.parse(stdout[0]) as ServedDocument;
  return {
    stdout,
    stderr,
    code,
    document,
    s3: new S3Client({ ...CLIENT, endpoint: document.endpoint, forcePathStyle: true }),
    sfn: new SFNClient({ ...CLIENT, endpoint: document.endpoint }),
    stop: () => {
      stop();
      return code;
    },
  };
}

/** Uploads a key whose job runs a minute, and waits until its job printed its first line. */
async function startHangingRun(serving: Serving, state: string): Promise<{ name: string; bucket: string; key: string }> {
  const bucket = serving.document.uploadTo[0].replace(/^s3:\/\//, '').split('/')[0];
  const key = 'incoming/slow.csv';
  await serving.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'a,b\n1,2\n' }));
  let name = '';
  await until(async () => {
    const running = (await serving.sfn.send(new ListExecutionsCommand({ stateMachineArn: serving.document.stateMachineArn, statusFilter: 'RUNNING' })))
      .executions ?? [];
    name = running[0]?.name ?? '';
    return name !== '';
  }, 'the run to start');
  await until(() => jobLogs(state).some((file) => file.endsWith(`${name}.log`) && readFileSync(file, 'utf-8').includes('job begins')), 'the job to start');
  return { name, bucket, key };
}

function jobLogs(state: string): string[] {
  const logs = path.join(state, 'logs');
  return existsSync(logs) ? readdirSync(logs, { recursive: true, encoding: 'utf-8' }).map((file) => path.join(logs, file)) : [];
}

function sigint(): void {
  process.emit('SIGINT', 'SIGINT');
}

describe('serve and Ctrl-C', () => {
  test('given a run in progress, when serve gets SIGINT, then the run is recorded ABORTED (summary and kept execution), its run folders are '
    + 'removed, its upload is kept, serve says so; the next serve reports the run with how to run it again and ListExecutions shows it', async () => {
    const app = writeServedApp();
    apps.push(app);
    const state = path.join(app.appDirectory, 'state');
    const serving = await serve(app, state);
    const { name, bucket, key } = await startHangingRun(serving, state);
    // A folder of the run on a local file system, as a job writes its work there.
    const runFolder = path.join(state, 'efs', 'Data', 'runs', name);
    mkdirSync(runFolder, { recursive: true });

    sigint();

    expect(await serving.code).toBe(0);
    const said = serving.stderr.join('\n');
    expect(said).toContain('SIGINT: stopping. Ending 1 run in progress');
    expect(said).toContain('interrupted: 1 run summary written to');
    expect(said).toContain('1 run ended ABORTED, 1 run folder removed from the local file systems');
    // (this app's run input names no bucket, so the notice shows none)
    expect(said).toContain(`  ${name}  s3://`);
    const summary = JSON.parse(readFileSync(path.join(state, 'runs', `${name}.json`), 'utf-8')) as RunSummary;
    expect(summary).toMatchObject({ runId: name, status: 'ABORTED', error: 'Interrupted', state: 'Process', interruptedAt: expect.any(String) });
    const kept = JSON.parse(readFileSync(path.join(state, 'executions', `${name}.json`), 'utf-8')) as { result: { status: string } };
    expect(kept.result.status).toBe('ABORTED');
    expect(existsSync(runFolder)).toBe(false);
    expect(existsSync(path.join(state, 'buckets', bucket, key))).toBe(true);

    // the next serve in the same state directory
    const again = await serve(app, state);
    try {
      const notice = again.stderr.join('\n');
      expect(notice).toContain('1 run was interrupted in');
      expect(notice).toContain(`  ${name}  s3://`);
      expect(notice).toMatch(/run it again: batch-pipeline run --rerun-interrupted --state-dir \S+/);
      const listed = await again.sfn.send(new ListExecutionsCommand({ stateMachineArn: again.document.stateMachineArn, statusFilter: 'ABORTED' }));
      expect(listed.executions?.map((execution) => execution.name)).toEqual([name]);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  }, 90_000);

  test('given serve ending its runs after a SIGINT, when a second SIGINT comes, then it exits at once with 130', async () => {
    const app = writeServedApp();
    apps.push(app);
    const state = path.join(app.appDirectory, 'state');
    const exited: number[] = [];
    const serving = await serve(app, state, (code) => {
      exited.push(code);
      throw new Error(`exit ${code}`);
    });
    await startHangingRun(serving, state);

    sigint();
    expect(() => sigint()).toThrow('exit 130');

    expect(exited).toEqual([130]);
    expect(serving.stderr.join('\n')).toContain('SIGINT again: exiting now');
    // (in a real process nothing follows; here the first interrupt goes on to its end)
    expect(await serving.code).toBe(0);
  }, 90_000);
});

describe('serve and its state directory', () => {
  test('given serve with a run in progress, when its state directory is removed, then within seconds it stops with what happened and what to do, '
    + 'exit code 2, and the port is closed', async () => {
    const app = writeServedApp();
    apps.push(app);
    const state = path.join(app.appDirectory, 'state');
    const serving = await serve(app, state);
    await startHangingRun(serving, state);

    const removedAt = Date.now();
    rmSync(state, { recursive: true, force: true });
    // A request while it notices gets an answer or an error, and serve does not crash.
    await serving.s3.send(new ListObjectsV2Command({ Bucket: serving.document.uploadTo[0].replace(/^s3:\/\//, '').split('/')[0] })).catch(() => undefined);

    expect(await serving.code).toBe(2);
    expect(Date.now() - removedAt).toBeLessThan(5_000);
    const said = serving.stderr.join('\n');
    expect(said).toContain(`batch-pipeline: the state directory ${state} was removed while serve used it`);
    expect(said).toContain('what to do: start serve again to begin with an empty one');
    await expect(fetch(serving.document.endpoint)).rejects.toThrow();
  }, 90_000);

  test('given a request in flight, when the served runtime refuses requests (its state directory is gone), then the request is answered '
    + 'and the port closes', async () => {
    const { app, served } = await serveApp();
    apps.push(app);
    const bucket = served.runtime.model.uploadTriggers[0].bucket.name;
    try {
      const url = new URL(`${served.endpoint}/${bucket}/notes/in-flight.txt`);
      const body = 'written while serve stops';
      // A PutObject whose body is still being sent when serve starts refusing.
      const answered = new Promise<number>((resolve, reject) => {
        const put = request(url, {
          method: 'PUT',
          headers: {
            'content-length': Buffer.byteLength(body),
            'authorization': 'AWS4-HMAC-SHA256 Credential=AKIDSERVED/20260101/eu-west-2/s3/aws4_request, SignedHeaders=host, Signature=00',
          },
        }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        put.on('error', reject);
        put.write(body.slice(0, 5));
        setTimeout(() => put.end(body.slice(5)), 200);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));

      await served.refuse('the state directory was removed');

      expect(await answered).toBe(200);
      await expect(fetch(served.endpoint)).rejects.toThrow();
    } finally {
      await served.stop();
    }
  }, 60_000);
});
