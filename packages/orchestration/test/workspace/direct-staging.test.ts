import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { checksumOf, LocalS3Sandbox } from '@batch-pipeline/local';
import { handleWorkspaceRequest, StageInRequest, StageOutRequest } from '../../src/workspace/run-workspace.lambda';

const s3 = new LocalS3Sandbox();
beforeAll(() => s3.start());
afterAll(() => s3.stop());
const MiB = 1024 * 1024;
let client: S3Client;
let mount: string;
let bucketCount = 0;

function newBucket(versioned: boolean): string {
  const bucket = `uploads-${++bucketCount}`;
  s3.endpoint.createBucket(bucket, { versioned });
  return bucket;
}

async function put(bucket: string, key: string, body: string | Buffer): Promise<string | undefined> {
  return (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
}

function stageInRequest(bucket: string, key: string, versionId: string | null, size: number): StageInRequest {
  return { action: 'stage-in', runId: 'scan_csv-0123', stagedPath: `/staging/${key}`, bucket, key, versionId, size, fileName: path.posix.basename(key) };
}

function inputDirectory(): string[] {
  return readdirSync(path.join(mount, 'runs/scan_csv-0123/in'));
}

function operationsSince(start: number): string[] {
  return s3.endpoint.operations.slice(start).map((o) => o.operation);
}

beforeAll(() => {
  client = new S3Client({});
});

afterAll(() => client?.destroy());

beforeEach(() => {
  mount = mkdtempSync(path.join(tmpdir(), 'workspace-'));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => {
  rmSync(mount, { recursive: true, force: true });
  jest.restoreAllMocks();
});

describe('stage-in copies the triggering object version from S3 into the run directory', () => {
  test('a small object lands at /runs/<runId>/in/<fileName>, checked against the CRC32 S3 holds', async () => {
    // Given an uploaded object
    const bucket = newBucket(true);
    const versionId = await put(bucket, 'incoming/scan.csv', 'a,b\n1,2\n');
    // When stage-in runs for the upload event
    const result = await handleWorkspaceRequest(stageInRequest(bucket, 'incoming/scan.csv', versionId!, 8), mount);
    // Then the run's input is the object, with nothing else beside it, and an output directory exists
    expect(result).toEqual({
      inputPath: '/runs/scan_csv-0123/in/scan.csv',
      outputDirectory: '/runs/scan_csv-0123/out',
      bytes: 8,
      checksum: { algorithm: 'CRC32', value: checksumOf('CRC32', Buffer.from('a,b\n1,2\n')), validated: true },
    });
    expect(readFileSync(path.join(mount, 'runs/scan_csv-0123/in/scan.csv'), 'utf-8')).toBe('a,b\n1,2\n');
    expect(inputDirectory()).toEqual(['scan.csv']);
    expect(existsSync(path.join(mount, 'runs/scan_csv-0123/out'))).toBe(true);
    expect(s3.endpoint.operations.at(-1)).toMatchObject({ operation: 'GetObject', bucket, key: 'incoming/scan.csv', versionId, status: 200 });
  });

  test('copies exactly the version that triggered the run when the key was overwritten afterwards', async () => {
    const bucket = newBucket(true);
    const first = await put(bucket, 'scan.csv', 'first upload');
    await put(bucket, 'scan.csv', 'second upload, longer');
    await handleWorkspaceRequest(stageInRequest(bucket, 'scan.csv', first!, 12), mount);
    expect(readFileSync(path.join(mount, 'runs/scan_csv-0123/in/scan.csv'), 'utf-8')).toBe('first upload');
  });

  test('reads the current object of an unversioned bucket when the event has no version (versionId null)', async () => {
    const bucket = newBucket(false);
    await put(bucket, 'scan.csv', 'unversioned');
    const result = await handleWorkspaceRequest(stageInRequest(bucket, 'scan.csv', null, 11), mount);
    expect(result).toMatchObject({ bytes: 11, checksum: { algorithm: 'CRC32', validated: true } });
    expect(s3.endpoint.operations.at(-1)).toMatchObject({ operation: 'GetObject', versionId: undefined });
  });

  test('fails with SourceObjectMissing when the version was deleted, or the unversioned key removed', async () => {
    const bucket = newBucket(true);
    const versionId = await put(bucket, 'scan.csv', 'gone');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'scan.csv', VersionId: versionId }));
    await expect(handleWorkspaceRequest(stageInRequest(bucket, 'scan.csv', versionId!, 4), mount))
      .rejects.toMatchObject({ name: 'SourceObjectMissing', message: expect.stringContaining(`s3://${bucket}/scan.csv version ${versionId}`) });
    const unversioned = newBucket(false);
    await expect(handleWorkspaceRequest(stageInRequest(unversioned, 'scan.csv', null, 4), mount)).rejects.toMatchObject({ name: 'SourceObjectMissing' });
    expect(inputDirectory()).toEqual([]);
  });

  test('fails with SizeMismatch, leaving no file, when the object is not the size the event announced', async () => {
    const bucket = newBucket(false);
    await put(bucket, 'scan.csv', 'overwritten since the event');
    await expect(handleWorkspaceRequest(stageInRequest(bucket, 'scan.csv', null, 5), mount))
      .rejects.toMatchObject({ name: 'SizeMismatch', message: expect.stringContaining('the upload event said 5') });
    expect(inputDirectory()).toEqual([]);
  });

  test('fails with ChecksumMismatch, leaving no file, when the stored bytes no longer match their checksum', async () => {
    // Given an object whose body was damaged at rest (same size, other bytes)
    const bucket = newBucket(true);
    const body = Buffer.alloc(256 * 1024, 'x');
    const versionId = await put(bucket, 'scan.csv', body);
    const stored = s3.endpoint.objectPath(bucket, 'scan.csv');
    const damaged = readFileSync(stored);
    damaged[100_000] = damaged[100_000] === 0x78 ? 0x79 : 0x78;
    writeFileSync(stored, damaged);
    // When stage-in copies it, then the SDK's validation fails the copy and nothing is left
    await expect(handleWorkspaceRequest(stageInRequest(bucket, 'scan.csv', versionId!, body.length), mount))
      .rejects.toMatchObject({ name: 'ChecksumMismatch', message: expect.stringContaining('CRC32') });
    expect(inputDirectory()).toEqual([]);
  });

  test('reports a composite checksum of a multipart object as not validated: the SDK cannot check it', async () => {
    // Given an object uploaded in two parts with CRC32 (S3's default type for CRC32 is COMPOSITE)
    const bucket = newBucket(true);
    const parts = [Buffer.alloc(5 * MiB, 1), Buffer.from('end')];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big.bin', ChecksumAlgorithm: 'CRC32' }));
    const uploaded = [];
    for (const [i, data] of parts.entries()) {
      const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'big.bin', UploadId, PartNumber: i + 1, Body: data, ChecksumAlgorithm: 'CRC32' }));
      uploaded.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
    }
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'big.bin', UploadId, MultipartUpload: { Parts: uploaded } }));
    // When it is staged in, then it is copied and its checksum reported, validated false
    const result = await handleWorkspaceRequest(stageInRequest(bucket, 'big.bin', done.VersionId!, 5 * MiB + 3), mount);
    expect(result).toMatchObject({ bytes: 5 * MiB + 3, checksum: { algorithm: 'CRC32', value: expect.stringMatching(/-2$/), validated: false } });
  });

  test('validates an object S3 gave its default CRC64NVME, uploaded without a checksum', async () => {
    const bucket = newBucket(false);
    const plain = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await plain.send(new PutObjectCommand({ Bucket: bucket, Key: 'scan.csv', Body: '123456789' }));
    plain.destroy();
    await expect(handleWorkspaceRequest(stageInRequest(bucket, 'scan.csv', null, 9), mount))
      .resolves.toMatchObject({ checksum: { algorithm: 'CRC64NVME', value: 'rosUhgp5mIg=', validated: true } });
  });

  test('streams a 20 MiB object: the file grows while the object is read, instead of being written at once', async () => {
    // Given a 20 MiB object, uploaded as a stream
    const bucket = newBucket(true);
    const size = 20 * MiB;
    const chunk = Buffer.alloc(64 * 1024, 'p');
    const versionId = (await client.send(new PutObjectCommand({
      Bucket: bucket,
      Key: 'large.tif',
      ContentLength: size,
      Body: Readable.from((function* () { for (let i = 0; i < size / chunk.length; i++) yield chunk; })()),
    }))).VersionId;
    // When stage-in copies it, looking at the partial file meanwhile
    // (resident memory is not asserted: in one process with the endpoint and the GC's timing it varies by tens of MiB between runs)
    const partialSizes: number[] = [];
    const sampler = setInterval(() => {
      const directory = path.join(mount, 'runs/scan_csv-0123/in');
      for (const name of existsSync(directory) ? readdirSync(directory) : []) {
        if (name.endsWith('.partial')) partialSizes.push(statSync(path.join(directory, name)).size);
      }
    }, 2);
    const result = await handleWorkspaceRequest(stageInRequest(bucket, 'large.tif', versionId!, size), mount);
    clearInterval(sampler);
    // Then every byte arrived, and the partial file was seen part-written
    expect(result).toMatchObject({ bytes: size, checksum: { validated: true } });
    expect(statSync(path.join(mount, 'runs/scan_csv-0123/in/large.tif')).size).toBe(size);
    expect(partialSizes.some((written) => written > 0 && written < size)).toBe(true);
    expect(inputDirectory()).toEqual(['large.tif']);
  });
});

describe('stage-out uploads a small output directory to the reports bucket', () => {
  const runOut = (): string => path.join(mount, 'runs/scan_csv-0123/out');

  function stageOutRequest(reportBucket: string, maxBytes: number): StageOutRequest {
    return { action: 'stage-out', runId: 'scan_csv-0123', stagedPath: '/staging/scan.csv', reportBucket, reportPrefix: 'reports/runs/scan_csv-0123/out/', maxBytes };
  }

  function writeOutput(relativePath: string, content: string | Buffer): void {
    mkdirSync(path.dirname(path.join(runOut(), relativePath)), { recursive: true });
    writeFileSync(path.join(runOut(), relativePath), content);
  }

  async function reportKeys(bucket: string): Promise<string[]> {
    return ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'reports/' }))).Contents ?? []).map((o) => o.Key!);
  }

  test('uploads several files in nested folders under the report prefix, each with a full-object CRC32', async () => {
    // Given an output with nested folders, an empty file and a non-ASCII name
    const bucket = newBucket(false);
    writeOutput('report.json', '{"ok":true}');
    writeOutput('tables/2026/summary.csv', 'n\n1\n');
    writeOutput('tables/empty.txt', '');
    writeOutput('plots/größe.svg', '<svg/>');
    // When stage-out runs
    const result = await handleWorkspaceRequest(stageOutRequest(bucket, 1024), mount);
    // Then every file is in the reports bucket at <prefix><relative path>
    const prefix = 'reports/runs/scan_csv-0123/out/';
    expect(result).toEqual({
      staged: true,
      bytes: 11 + 4 + 0 + 6,
      files: 4,
      objects: [`${prefix}plots/größe.svg`, `${prefix}report.json`, `${prefix}tables/2026/summary.csv`, `${prefix}tables/empty.txt`],
    });
    expect((await reportKeys(bucket)).sort()).toEqual([...result.objects!].sort());
    const summary = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}tables/2026/summary.csv`, ChecksumMode: 'ENABLED' }));
    expect(summary).toMatchObject({ ChecksumCRC32: checksumOf('CRC32', Buffer.from('n\n1\n')), ChecksumType: 'FULL_OBJECT' });
    expect(await summary.Body!.transformToString()).toBe('n\n1\n');
  });

  test('uploads nothing and says so when the output is larger than maxBytes, leaving it to DataSync', async () => {
    const bucket = newBucket(false);
    writeOutput('a.bin', Buffer.alloc(600));
    writeOutput('b/c.bin', Buffer.alloc(500));
    const start = s3.endpoint.operations.length;
    await expect(handleWorkspaceRequest(stageOutRequest(bucket, 1000), mount)).resolves.toEqual({ staged: false, bytes: 1100, files: 2 });
    expect(operationsSince(start)).toEqual([]);
  });

  test('uploads a file over the 5 MiB part size as a multipart upload with a full-object CRC32', async () => {
    // Given an output file of 6 MiB (lib-storage's part size is 5 MiB)
    const bucket = newBucket(true);
    const data = Buffer.alloc(6 * MiB, 'r');
    data.write('distinct start');
    writeOutput('scan.tif', data);
    const start = s3.endpoint.operations.length;
    // When stage-out runs
    await handleWorkspaceRequest(stageOutRequest(bucket, 10 * MiB), mount);
    // Then the endpoint saw a multipart upload of two parts, and the object checks against the CRC32 of all its bytes
    expect(operationsSince(start)).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    expect(s3.endpoint.operations.slice(start).every((o) => o.status === 200)).toBe(true);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'reports/runs/scan_csv-0123/out/scan.tif', ChecksumMode: 'ENABLED' }));
    expect(got).toMatchObject({ ContentLength: data.length, ChecksumCRC32: checksumOf('CRC32', data), ChecksumType: 'FULL_OBJECT', ETag: expect.stringMatching(/-2"$/) });
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  test('an empty output directory is staged with no objects', async () => {
    const bucket = newBucket(false);
    mkdirSync(runOut(), { recursive: true });
    await expect(handleWorkspaceRequest(stageOutRequest(bucket, 0), mount)).resolves.toEqual({ staged: true, bytes: 0, files: 0, objects: [] });
  });

  test('follows a link to a file of the run, and refuses one that leaves the run directory, uploading nothing', async () => {
    const bucket = newBucket(false);
    writeOutput('report.txt', 'ok');
    mkdirSync(path.join(mount, 'runs/scan_csv-0123/in'), { recursive: true });
    writeFileSync(path.join(mount, 'runs/scan_csv-0123/in/scan.csv'), 'input');
    symlinkSync('../in/scan.csv', path.join(runOut(), 'input-copy.csv'));
    await expect(handleWorkspaceRequest(stageOutRequest(bucket, 100), mount))
      .resolves.toMatchObject({ staged: true, bytes: 7, files: 2 });

    const other = newBucket(false);
    mkdirSync(path.join(mount, 'runs/other-run/in'), { recursive: true });
    writeFileSync(path.join(mount, 'runs/other-run/in/secret.csv'), 'not yours');
    symlinkSync('../../other-run/in/secret.csv', path.join(runOut(), 'leak.csv'));
    await expect(handleWorkspaceRequest(stageOutRequest(other, 100), mount))
      .rejects.toMatchObject({ name: 'OutputOutsideRunDirectory', message: expect.stringContaining("output 'leak.csv'") });
    expect(await reportKeys(other)).toEqual([]);
  });

  test('fails with ReportKeyTooLong, uploading nothing, when a key would exceed 1024 bytes', async () => {
    const bucket = newBucket(false);
    writeOutput('short.txt', 'x');
    writeOutput(`${'d'.repeat(200)}/${'e'.repeat(200)}/${'f'.repeat(200)}/${'g'.repeat(200)}/${'h'.repeat(200)}.txt`, 'x');
    await expect(handleWorkspaceRequest(stageOutRequest(bucket, 100), mount))
      .rejects.toMatchObject({ name: 'ReportKeyTooLong', message: expect.stringContaining('at most 1024') });
    expect(await reportKeys(bucket)).toEqual([]);
  });
});
