// End to end: the example app's synthesized pipeline (AUTO staging), run by the local runtime
// with the real trigger and workspace functions and the example job (`node job/report.mjs`).
import * as path from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Upload } from '@batch-pipeline/local';
import { LocalRun, removeTemporaryDirectories, sha256Of, synthesizeExample, temporaryDirectory, writeInput } from './local-run-support';

jest.setTimeout(180_000);

let assembly: string;
let local: LocalRun;
let inputs: string;

beforeAll(() => {
  assembly = synthesizeExample();
  inputs = temporaryDirectory('inputs');
});

beforeEach(async () => {
  local = await LocalRun.start(assembly);
});

afterEach(async () => {
  await local?.stop();
});

afterAll(() => removeTemporaryDirectories());

test('an upload produces its report with the SHA-256 of the uploaded file', async () => {
  // GIVEN
  const file = writeInput(inputs, 'plate-one.csv', 'one');

  // WHEN
  const upload = await local.runtime.upload(file);
  await local.runtime.idle();

  // THEN
  const summary = await local.summaryOf(upload);
  expect(summary.status).toBe('SUCCEEDED');
  expect(summary.reports.map((report) => path.basename(report.key)).sort()).toEqual(['report.json', 'report.txt']);
  for (const report of summary.reports) {
    expect(report.key).toBe(`reports/runs/${summary.runId}/out/${path.basename(report.key)}`);
    expect(existsSync(report.file)).toBe(true);
  }
  const report = local.reportOf(summary);
  expect(report.stats.sha256).toBe(sha256Of(file));
  expect(report).toMatchObject({ runId: summary.runId, input: { bucket: upload.bucket, key: 'incoming/plate-one.csv', fileName: 'plate-one.csv' } });
  const text = readFileSync(summary.reports.find((r) => r.key.endsWith('report.txt'))!.file, 'utf-8');
  expect(text).toContain(`sha256 ${sha256Of(file)}`);
});

test('20 uploads at once give 20 separate runs, each with its own correct report', async () => {
  // GIVEN
  const files = Array.from({ length: 20 }, (_, i) => writeInput(path.join(inputs, 'burst'), `plate-${String(i).padStart(2, '0')}.csv`, `burst-${i}`, 4 + i));

  // WHEN
  const uploads = await Promise.all(files.map((file) => local.runtime.upload(file)));
  await local.runtime.idle();

  // THEN
  expect(local.started).toHaveLength(20);
  const summaries = await Promise.all(uploads.map((upload) => local.summaryOf(upload)));
  expect(new Set(summaries.map((summary) => summary.runId)).size).toBe(20);
  summaries.forEach((summary, i) => {
    expect(summary.status).toBe('SUCCEEDED');
    // Only this run's files, under the prefix that names the run.
    expect(summary.reports).toHaveLength(2);
    for (const report of summary.reports) expect(report.key.startsWith(`reports/runs/${summary.runId}/out/`)).toBe(true);
    const report = local.reportOf(summary);
    expect(report.runId).toBe(summary.runId);
    expect(report.input.key).toBe(uploads[i].key);
    expect(report.stats.sha256).toBe(sha256Of(files[i]));
  });
  expect(new Set(summaries.map((summary) => local.reportOf(summary).stats.sha256)).size).toBe(20);
});

test('a duplicate event after the run ended starts no second run, and the trigger logs the duplicate', async () => {
  // GIVEN
  const file = writeInput(inputs, 'twice.csv', 'twice');
  const upload = await local.runtime.upload(file);
  await local.runtime.idle();

  // WHEN S3 delivers the same event once more
  local.runtime.redeliver(upload);
  await local.runtime.idle();

  // THEN
  expect(local.runsOf(upload)).toHaveLength(1);
  expect(local.started).toHaveLength(1);
  const outcomes = local.triggerOutcomes().filter((line) => line.key === upload.key);
  expect(outcomes.map((line) => line.outcome)).toEqual(['started', 'duplicate']);
  expect(outcomes[1].runId).toBe(outcomes[0].runId);
  expect((await local.summaryOf(upload)).status).toBe('SUCCEEDED');
});

test('a duplicate event while the run is going starts no second run', async () => {
  // GIVEN
  const file = writeInput(inputs, 'twice-early.csv', 'twice-early');

  // WHEN the event arrives twice at once
  const upload = await local.runtime.upload(file);
  local.runtime.redeliver(upload);
  await local.runtime.idle();

  // THEN
  expect(local.runsOf(upload)).toHaveLength(1);
  const summary = await local.summaryOf(upload);
  expect(summary.status).toBe('SUCCEEDED');
  expect(summary.reports).toHaveLength(2);
});

test.each([
  ['a space', 'incoming/plate reader 7.csv'],
  ['a plus sign', 'incoming/plate+reader+8.csv'],
  ['non-ASCII characters', 'incoming/über-messung-Ø-報告書.csv'],
  ['a leading underscore', 'incoming/_plate_9.csv'],
  ['a percent sign and reserved URL characters', 'incoming/100% done&ok=1;#2.csv'],
  // 313 characters: longer than a file name may be, in folders that each fit.
  ['313 characters in nested folders', `incoming/${'a'.repeat(200)}/${'b'.repeat(100)}.csv`],
  ['all of them in nested folders', 'incoming/2026 Q4/_raw+ünits/a b+c.csv'],
])('a key with %s starts a run whose report names the decoded key', async (_what, key) => {
  // GIVEN
  const file = writeInput(inputs, `key-${Buffer.from(key).toString('hex').slice(-16)}.csv`, key);

  // WHEN
  const upload = await local.runtime.upload(file, { key });
  await local.runtime.idle();

  // THEN
  const summary = await local.summaryOf(upload);
  expect(summary.status).toBe('SUCCEEDED');
  expect(summary.runId).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/);
  expect(summary.input.key).toBe(key);
  const report = local.reportOf(summary);
  expect(report.input.key).toBe(key);
  expect(report.input.fileName).toBe(key.split('/').pop());
  expect(report.stats.sha256).toBe(sha256Of(file));
});

test('nothing is left on EFS after runs, and every upload stays in its bucket', async () => {
  // GIVEN
  const files = [writeInput(inputs, 'keep-a.csv', 'keep-a'), writeInput(inputs, 'keep-b.csv', 'keep-b')];

  // WHEN
  const uploads: Upload[] = [];
  for (const file of files) uploads.push(await local.runtime.upload(file));
  await local.runtime.idle();

  // THEN
  for (const upload of uploads) expect((await local.summaryOf(upload)).status).toBe('SUCCEEDED');
  expect(local.efsFiles()).toEqual([]);
  uploads.forEach((upload, i) => {
    const kept = local.objectFile(upload.bucket, upload.key);
    expect(existsSync(kept)).toBe(true);
    expect(sha256Of(kept)).toBe(sha256Of(files[i]));
  });
});

test('an upload outside the watched prefix starts nothing and stays', async () => {
  // GIVEN
  const file = writeInput(inputs, 'elsewhere.csv', 'elsewhere');

  // WHEN
  const upload = await local.runtime.upload(file, { key: 'archive/elsewhere.csv' });
  await local.runtime.idle();

  // THEN
  expect(local.started).toHaveLength(0);
  expect(existsSync(local.objectFile(upload.bucket, upload.key))).toBe(true);
});

test('two versions of one key, uploaded at once, each start their own run on exactly their own version', async () => {
  // GIVEN
  const first = writeInput(path.join(inputs, 'v1'), 'same-key.csv', 'version-1');
  const second = writeInput(path.join(inputs, 'v2'), 'same-key.csv', 'version-2', 12);

  // WHEN
  const uploads = await Promise.all([local.runtime.upload(first), local.runtime.upload(second)]);
  await local.runtime.idle();

  // THEN
  expect(uploads[0].key).toBe(uploads[1].key);
  expect(uploads[0].version.versionId).not.toBe(uploads[1].version.versionId);
  const summaries = await Promise.all(uploads.map((upload) => local.summaryOf(upload)));
  expect(summaries[0].runId).not.toBe(summaries[1].runId);
  expect(summaries.map((summary) => summary.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  expect(local.reportOf(summaries[0]).stats.sha256).toBe(sha256Of(first));
  expect(local.reportOf(summaries[1]).stats.sha256).toBe(sha256Of(second));
});

test('an empty upload starts nothing, and the trigger logs why and that it notified the refusal', async () => {
  // GIVEN
  const file = path.join(inputs, 'empty.csv');
  writeFileSync(file, '');

  // WHEN
  const upload = await local.runtime.upload(file);
  await local.runtime.idle();

  // THEN
  expect(local.started).toHaveLength(0);
  // The refused upload is also published to the notification topic (notifyRefusedUploads, on by default).
  expect(local.triggerOutcomes()).toEqual([
    expect.objectContaining({ outcome: 'skipped', key: upload.key }),
    expect.objectContaining({ outcome: 'notified', key: upload.key, reason: 'zero-byte-object', messageId: expect.any(String) }),
  ]);
  expect(existsSync(local.objectFile(upload.bucket, upload.key))).toBe(true);
});
