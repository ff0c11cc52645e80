// End to end on a second app composed differently from the example (see second-app/): another
// watch prefix and suffix, another reports prefix, DataSync staging, another job that can fail.
// Nothing in the local runtime knows either app.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { main } from '@batch-pipeline/local/lib/cli';
import { EXAMPLE_ENV, filesUnder, LocalRun, removeTemporaryDirectories, sha256Of, synthesize, temporaryDirectory } from './local-run-support';
import { SECOND_APP_DIRECTORY, SECOND_REPORTS_PREFIX, SECOND_WATCH_PREFIX, SecondPipelineStack } from './second-app/second-app-stack';

jest.setTimeout(180_000);

let assembly: string;
let inputs: string;
let local: LocalRun;

interface Counts {
  readonly runId: string;
  readonly source: { readonly bucket: string; readonly key: string };
  readonly lines: number;
  readonly sha256: string;
}

beforeAll(() => {
  assembly = synthesize('second-app', (app) => new SecondPipelineStack(app, 'SecondPipeline', { env: EXAMPLE_ENV }));
  inputs = temporaryDirectory('second-inputs');
});

beforeEach(async () => {
  local = await LocalRun.start(assembly, { appDirectory: SECOND_APP_DIRECTORY });
});

afterEach(async () => {
  await local?.stop();
});

afterAll(() => removeTemporaryDirectories());

function writeText(fileName: string, lines: string[]): string {
  const file = path.join(inputs, fileName);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('an upload under the other prefix produces its own report under the other reports prefix', async () => {
  // GIVEN
  const file = writeText('scan-0001.txt', ['first', 'second', '', 'fourth']);

  // WHEN
  const upload = await local.runtime.upload(file);
  await local.runtime.idle();

  // THEN
  expect(upload.key).toBe(`${SECOND_WATCH_PREFIX}scan-0001.txt`);
  const summary = await local.summaryOf(upload);
  expect(summary.status).toBe('SUCCEEDED');
  expect(summary.reports.map((report) => report.key)).toEqual([`${SECOND_REPORTS_PREFIX}runs/${summary.runId}/out/counts.json`]);
  const counts = JSON.parse(readFileSync(summary.reports[0].file, 'utf-8')) as Counts;
  expect(counts).toEqual(expect.objectContaining({ runId: summary.runId, source: { bucket: upload.bucket, key: upload.key }, lines: 4, sha256: sha256Of(file) }));
  // DataSync staging, both ways.
  expect(local.statesOf(summary.runId)).toEqual(expect.arrayContaining(['Stage in: start', 'Process', 'Stage out: start', 'Clean up', 'Run succeeded']));
  expect(local.efsFiles()).toEqual([]);
  expect(existsSync(local.objectFile(upload.bucket, upload.key))).toBe(true);
});

test.each([
  ['outside the watched prefix', 'incoming/scan-0002.txt'],
  ['in a folder beside the watched prefix', 'inbox/scan-0002.txt'],
  ['under the prefix without the watched suffix', `${SECOND_WATCH_PREFIX}scan-0002.csv`],
])('an upload %s starts nothing and stays in its bucket', async (_where, key) => {
  // GIVEN
  const file = writeText('scan-0002.txt', ['one line']);

  // WHEN
  const upload = await local.runtime.upload(file, { key });
  await local.runtime.idle();

  // THEN
  expect(local.started).toEqual([]);
  expect(existsSync(local.objectFile(upload.bucket, upload.key))).toBe(true);
  expect(filesUnder(path.join(local.stateDirectory, 'buckets')).filter((file) => file.includes('/runs/'))).toEqual([]);
});

test('a failing job ends the run FAILED with exactly one notification, and the upload stays', async () => {
  // GIVEN
  const file = writeText('scan-bad.txt', ['FAIL', 'the job refuses this scan']);

  // WHEN
  const upload = await local.runtime.upload(file);
  await local.runtime.idle();

  // THEN
  const summary = await local.summaryOf(upload);
  expect(summary.status).toBe('FAILED');
  expect(summary.reports).toEqual([]);
  const notificationFiles = readdirSync(path.join(local.stateDirectory, 'notifications'));
  expect(notificationFiles).toHaveLength(1);
  const lines = readFileSync(path.join(local.stateDirectory, 'notifications', notificationFiles[0]), 'utf-8').trim().split('\n');
  expect(lines).toHaveLength(1);
  const published = JSON.parse(lines[0]) as { subject?: string; message: string; execution: string };
  // Readable as an email (subject and first line: step, file, reason), with the details as a JSON part.
  expect(published.subject).toBe('Run failed at process: scan-bad.txt (exit code 3)');
  expect(published.message.split('\n')[0]).toMatch(/^Run \S+ failed at step "process" for s3:\/\/\S+\/scan-bad\.txt \(version \S+\): the job exited with code 3/);
  const message = JSON.parse(published.message.slice(published.message.indexOf('\n{') + 1)) as Record<string, unknown>;
  expect(message).toEqual(expect.objectContaining({ runId: summary.runId, bucket: upload.bucket, key: upload.key, failedStep: 'process' }));
  expect(String(message.cause)).toMatch(/ExitCode"?:\s*3|exit code 3/i);
  expect(summary.notifications).toEqual([published.message]);
  expect(existsSync(local.objectFile(upload.bucket, upload.key))).toBe(true);
  expect(sha256Of(local.objectFile(upload.bucket, upload.key))).toBe(sha256Of(file));
  expect(local.efsFiles()).toEqual([]);
});

describe('through the CLI', () => {
  let printed: string[];
  const cli = (file: string, stateDirectory: string) => main(['run', file, '--assembly', assembly, '--app', SECOND_APP_DIRECTORY,
    '--fast', '--no-docker', '--quiet', '--state-dir', stateDirectory], (line) => printed.push(line));

  beforeEach(() => {
    printed = [];
  });

  test('a failing run exits with code 1 and prints its notification; the upload stays', async () => {
    // GIVEN
    const file = writeText('scan-cli-bad.txt', ['FAIL']);
    const stateDirectory = path.join(temporaryDirectory('second-cli'), '.batch-pipeline');

    // WHEN
    const code = await cli(file, stateDirectory);

    // THEN
    expect(code).toBe(1);
    const output = printed.join('\n');
    expect(output).toMatch(/: FAILED in /);
    expect(output).toContain(`upload  s3://`);
    // The notification's first line: run, step, file and reason.
    expect(output).toMatch(/notification Run \S+ failed at step "process" for s3:\/\/\S+ \(version \S+\): the job exited with code 3/);
    const uploaded = filesUnder(path.join(stateDirectory, 'buckets')).filter((candidate) => candidate.endsWith(`${SECOND_WATCH_PREFIX}scan-cli-bad.txt`));
    expect(uploaded).toHaveLength(1);
    const notifications = filesUnder(path.join(stateDirectory, 'notifications'));
    expect(notifications).toHaveLength(1);
    expect(readFileSync(path.join(stateDirectory, 'notifications', notifications[0]), 'utf-8').trim().split('\n')).toHaveLength(1);
  });

  test('a succeeding run exits with code 0 and prints where its report is', async () => {
    // GIVEN
    const file = writeText('scan-cli-good.txt', ['a', 'b']);
    const stateDirectory = path.join(temporaryDirectory('second-cli'), '.batch-pipeline');

    // WHEN
    const code = await cli(file, stateDirectory);

    // THEN
    expect(code).toBe(0);
    expect(printed.join('\n')).toMatch(new RegExp(`report  s3://[^ ]+/${SECOND_REPORTS_PREFIX}runs/[A-Za-z0-9_-]+/out/counts\\.json`));
  });
});
