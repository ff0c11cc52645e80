import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { checksumOf } from '@batch-pipeline/local';
import { runInputFor } from '@batch-pipeline/run-contract';
import { mockClient } from 'aws-sdk-client-mock';
import { capture, deployStack, REPORTS_BUCKET, STATE_MACHINE_ARN, TARGET, UPLOAD_BUCKET } from './fixtures/deployed-stack';
import { main } from '../src/cli';
import { EXIT } from '../src/cli-error';
import { executionArnOf } from '../src/runs/executions';

const cloudFormation = mockClient(CloudFormationClient);
const stepFunctions = mockClient(SFNClient);
const s3 = mockClient(S3Client);

const REPORT = Buffer.from('{"wells":96}\n');

/** A GetObject body as the SDK gives it (what fetch reads of it). */
const body = (bytes: Buffer) => ({ transformToByteArray: async () => new Uint8Array(bytes) }) as any;

let work: string;

beforeEach(() => {
  for (const client of [cloudFormation, stepFunctions, s3]) client.reset();
  deployStack(cloudFormation);
  work = mkdtempSync(path.join(tmpdir(), 'cli-run-'));
});

describe('run against a deployed stack', () => {
  test('given a file, when run, then it is uploaded under the watched prefix with a SHA-256 checksum, its run followed and its report fetched and verified', async () => {
    const file = path.join(work, 'plate.csv');
    writeFileSync(file, 'well,value\nA1,1\n');
    s3.on(PutObjectCommand).resolves({ VersionId: 'v7', ChecksumSHA256: 'abc=' });
    const runId = runInputFor({ bucket: UPLOAD_BUCKET, key: 'incoming/plate.csv', versionId: 'v7', size: 16 }, 'incoming/').runId;
    stepFunctions.on(DescribeExecutionCommand).resolves({
      executionArn: executionArnOf(STATE_MACHINE_ARN, runId),
      name: runId,
      status: 'SUCCEEDED',
      startDate: new Date(1_000),
      stopDate: new Date(4_000),
      input: JSON.stringify({ runId, bucket: UPLOAD_BUCKET, key: 'incoming/plate.csv', versionId: 'v7' }),
    });
    stepFunctions.on(GetExecutionHistoryCommand).resolves({ events: [] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `reports/runs/${runId}/out/report.json` }] });
    s3.on(GetObjectCommand).callsFake(() => ({
      Body: body(REPORT), ContentLength: REPORT.length, ChecksumSHA256: checksumOf('SHA256', REPORT),
    }));
    const output = capture();

    const code = await main(['run', file, '--to', path.join(work, 'reports'), ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Bucket: UPLOAD_BUCKET, Key: 'incoming/plate.csv', ChecksumAlgorithm: 'SHA256' });
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({ Bucket: REPORTS_BUCKET, Prefix: `reports/runs/${runId}/out/` });
    expect(readFileSync(path.join(work, 'reports', runId, 'report.json'))).toEqual(REPORT);
    expect(output.lines.join('\n')).toContain('SHA256 verified');
    expect(output.lines.join('\n')).toContain(`run ${runId}: SUCCEEDED in 3.0 s`);
  });

  test('given a report whose bytes do not match the checksum S3 stored, when fetched, then it is an error that says to fetch again', async () => {
    const runId = 'plate_csv-0123456789abcdef01234567';
    stepFunctions.on(DescribeExecutionCommand).resolves({ executionArn: 'arn', name: runId, status: 'SUCCEEDED', input: JSON.stringify({ runId }) });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `reports/runs/${runId}/out/report.json` }] });
    s3.on(GetObjectCommand).callsFake(() => ({
      Body: body(REPORT), ContentLength: REPORT.length, ChecksumSHA256: checksumOf('SHA256', Buffer.from('other')),
    }));
    const output = capture();

    const code = await main(['fetch', runId, '--to', path.join(work, 'fetched'), ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain('is not the one S3 stored');
    expect(output.notes.join('\n')).toContain('run fetch again');
  });

  test('given an empty file, when run, then nothing is uploaded and it says the pipeline would start no run', async () => {
    const file = path.join(work, 'empty.csv');
    writeFileSync(file, '');
    const output = capture();

    const code = await main(['run', file, ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(output.notes.join('\n')).toContain('would start no run');
    expect(output.notes.join('\n')).toContain('(zero-byte-object)');
  });
});
