import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { STACK, TRIGGER_LOG_GROUP, ServedApp, serveApp } from './served-app';
import { ServedRuntime } from '../../src/serve/serve-runtime';

/**
 * The real AWS CLI v1 (hash-pinned in aws-cli/requirements.txt, installed once per lock by the
 * template scan's ensure_venv.py) against a served runtime, with dummy credentials and no config.
 */
const CLI_DIRECTORY = path.join(__dirname, 'aws-cli');
const AWS = path.join(CLI_DIRECTORY, '.venv', 'bin', 'aws');
const ENSURE_VENV = path.join(__dirname, '..', '..', '..', '..', 'tools', 'template-scan', 'ensure_venv.py');

let served: ServedRuntime;
let app: ServedApp;
let bucket: string;

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(AWS, ['--endpoint-url', served.endpoint, '--output', 'json', ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: app.appDirectory,
      AWS_ACCESS_KEY_ID: 'AKIDSERVED',
      AWS_SECRET_ACCESS_KEY: 'any-secret',
      AWS_DEFAULT_REGION: 'eu-west-2',
      AWS_CONFIG_FILE: path.join(app.appDirectory, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(app.appDirectory, 'no-credentials'),
      AWS_PAGER: '',
    },
  });
  return stdout;
}

beforeAll(async () => {
  // Quiet when it works; when pip fails, the thrown error carries its output (stderr), which jest prints.
  execFileSync('python3', [ENSURE_VENV, '--requirements', path.join(CLI_DIRECTORY, 'requirements.txt'), '--link', path.join(CLI_DIRECTORY, '.venv'), '--label', 'aws-cli'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf-8',
  });
  ({ app, served } = await serveApp());
  bucket = served.runtime.model.uploadTriggers[0].bucket.name;
  const file = path.join(app.appDirectory, 'scan.csv');
  writeFileSync(file, 'a,b\n1,2\n');
  await aws('s3', 'cp', file, `s3://${bucket}/incoming/scan.csv`);
  await aws('s3', 'cp', file, `s3://${bucket}/incoming/scan.csv`);
  await served.runtime.idle();
}, 600_000); // a first install of the pinned CLI downloads it from PyPI

afterAll(async () => {
  await served?.stop();
  rmSync(app.appDirectory, { recursive: true, force: true });
});

test('given two uploads with aws s3 cp, when aws s3 ls, then the watched folder is listed as a prefix, and its object within it', async () => {
  expect(await aws('s3', 'ls', `s3://${bucket}/`)).toMatch(/^\s+PRE incoming\/$/m);
  expect(await aws('s3', 'ls', `s3://${bucket}/incoming/`)).toMatch(/ 8 scan\.csv$/m);
});

test('given the same key uploaded twice, when aws s3api list-object-versions, then both versions, the newest latest', async () => {
  const { Versions } = JSON.parse(await aws('s3api', 'list-object-versions', '--bucket', bucket, '--prefix', 'incoming/')) as { Versions: Array<{ IsLatest: boolean; Key: string }> };
  expect(Versions.map((v) => [v.Key, v.IsLatest])).toEqual([['incoming/scan.csv', true], ['incoming/scan.csv', false]]);
});

test('given a file over the CLI\'s 8 MiB multipart threshold, when aws s3 cp up and down again, then the download (ranged GETs) is the same bytes', async () => {
  // 9 MiB that differ from one MiB to the next, so that a part served from the wrong offset would show.
  const original = Buffer.concat(Array.from({ length: 9 }, (_, index) => createHash('sha512').update(String(index)).digest())
    .map((seed) => Buffer.alloc(1024 * 1024, seed)));
  const upload = path.join(app.appDirectory, 'big.bin');
  const download = path.join(app.appDirectory, 'big-downloaded.bin');
  writeFileSync(upload, original);
  // Outside the watched incoming/ folder: no run starts.
  await aws('s3', 'cp', upload, `s3://${bucket}/big/big.bin`);
  await aws('s3', 'cp', `s3://${bucket}/big/big.bin`, download);
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  expect(sha256(readFileSync(download))).toBe(sha256(original));
}, 120_000);

test('given two runs, when aws stepfunctions list-executions and get-execution-history --reverse-order, then both runs and the last event first', async () => {
  const { executions } = JSON.parse(await aws('stepfunctions', 'list-executions', '--state-machine-arn', served.runtime.model.stateMachine.arn)) as
    { executions: Array<{ executionArn: string; status: string }> };
  expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  const { events } = JSON.parse(await aws('stepfunctions', 'get-execution-history', '--execution-arn', executions[0].executionArn, '--reverse-order')) as
    { events: Array<{ type: string; id: number }> };
  expect([events[0].type, events[events.length - 1].type]).toEqual(['ExecutionSucceeded', 'ExecutionStarted']);
});

test('given the assembly, when aws cloudformation describe-stacks, then the stack with its outputs', async () => {
  const { Stacks } = JSON.parse(await aws('cloudformation', 'describe-stacks', '--stack-name', STACK)) as
    { Stacks: Array<{ StackStatus: string; Outputs: Array<{ OutputKey: string; OutputValue: string }> }> };
  expect(Stacks[0].StackStatus).toBe('CREATE_COMPLETE');
  expect(Stacks[0].Outputs.find((o) => o.OutputKey === 'UploadBucketName')?.OutputValue).toBe(bucket);
});

test('given the trigger\'s log lines, when aws logs filter-log-events with a pattern, then one line per run', async () => {
  const { events } = JSON.parse(await aws('logs', 'filter-log-events', '--log-group-name', TRIGGER_LOG_GROUP, '--filter-pattern', '"trigger started"')) as
    { events: Array<{ message: string }> };
  expect(events.map((e) => e.message.replace(/incoming_scan_csv-\w+/, 'RUN'))).toEqual(expect.arrayContaining([expect.stringContaining('trigger started RUN for incoming/scan.csv: 200')]));
  expect(events).toHaveLength(2);
});
