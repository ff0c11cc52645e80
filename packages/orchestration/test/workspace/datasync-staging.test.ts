import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { checksumOf, LocalS3Sandbox } from '@batch-pipeline/local';
import { handleWorkspaceRequest, PrepareRequest } from '../../src/workspace/run-workspace.lambda';
import { expectedCheck, manifestLine } from '../../src/workspace/staged-file';

/** Runs once just before the next rename the workspace function makes: another writer racing the claim. */
let mockBeforeRename: ((from: string) => void) | undefined;
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual('node:fs/promises');
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      const hook = mockBeforeRename;
      mockBeforeRename = undefined;
      hook?.(from);
      return actual.rename(from, to);
    },
  };
});

// The DataSync path: the workspace function writes the run's manifest before the transfer, then
// claims the staged file only when it is the upload event's version.
const s3 = new LocalS3Sandbox();
let client: S3Client;
let mount: string;
let bucketCount = 0;
const RUN = 'scan_csv-0123';

beforeAll(async () => {
  await s3.start();
  client = new S3Client({});
});
afterAll(async () => {
  client?.destroy();
  await s3.stop();
});
beforeEach(() => {
  mount = mkdtempSync(path.join(tmpdir(), 'workspace-datasync-'));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  rmSync(mount, { recursive: true, force: true });
  jest.restoreAllMocks();
});

function newBucket(versioned = true): string {
  const bucket = `datasync-uploads-${++bucketCount}`;
  s3.endpoint.createBucket(bucket, { versioned });
  return bucket;
}

async function put(bucket: string, key: string, body: string): Promise<string | undefined> {
  return (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
}

/** What DataSync left in the staging directory. */
function stage(relativeKey: string, body: string): void {
  const file = path.join(mount, 'staging', relativeKey);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, body);
}

function prepare(bucket: string, key: string, versionId: string | null, size: number): PrepareRequest {
  return { action: 'prepare', runId: RUN, stagedPath: `/staging/${key.replace(/^incoming\//, '')}`, fileName: path.posix.basename(key), expected: { bucket, key, versionId, size } };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to fail');
}

describe('the run\'s DataSync manifest', () => {
  test('names the key relative to the stage-in prefix and the version, in DataSync\'s CSV format', () => {
    expect(manifestLine('2026/scan.csv', 'v1')).toBe('2026/scan.csv,v1\n');
    expect(manifestLine('a,b "c".csv', 'v1')).toBe('"a,b ""c"".csv",v1\n');
    expect(manifestLine('line\nbreak.csv', null)).toBe('"line\nbreak.csv"\n');
  });

  test('prepare-staging creates the staging directory and writes the manifest to the manifest bucket', async () => {
    // Given a manifest bucket
    const manifests = newBucket(false);
    // When prepare-staging runs for a run of version v1 of incoming/2026/scan.csv
    const result = await handleWorkspaceRequest({
      action: 'prepare-staging',
      runId: RUN,
      stagedPath: '/staging/2026/scan.csv',
      stagingDirectory: '/staging/',
      manifest: { bucket: manifests, key: `manifests/${RUN}.csv`, relativeKey: '2026/scan.csv', versionId: 'v1' },
    }, mount);
    // Then the staging directory exists and the manifest names that version
    expect(result).toEqual({ stagingDirectory: '/staging/', manifestKey: `manifests/${RUN}.csv` });
    expect(existsSync(path.join(mount, 'staging'))).toBe(true);
    const body = await (await client.send(new GetObjectCommand({ Bucket: manifests, Key: `manifests/${RUN}.csv` }))).Body!.transformToString();
    expect(body).toBe('2026/scan.csv,v1\n');
  });
});

describe('prepare claims the staged file only when it is the upload event\'s version', () => {
  test('the staged file of the run\'s version moves into the run directory, checked by the CRC32 S3 holds', async () => {
    // Given version 1 uploaded and staged
    const bucket = newBucket();
    const versionId = await put(bucket, 'incoming/scan.csv', 'version 1');
    stage('scan.csv', 'version 1');
    // When the run of version 1 prepares
    const result = await handleWorkspaceRequest(prepare(bucket, 'incoming/scan.csv', versionId!, 9), mount);
    // Then the file is the run's input, checked against the checksum of that version
    expect(result).toEqual({
      inputPath: `/runs/${RUN}/in/scan.csv`,
      outputDirectory: `/runs/${RUN}/out`,
      bytes: 9,
      check: { algorithm: 'CRC32', value: checksumOf('CRC32', Buffer.from('version 1')) },
    });
    expect(readFileSync(path.join(mount, 'runs', RUN, 'in', 'scan.csv'), 'utf-8')).toBe('version 1');
    expect(existsSync(path.join(mount, 'staging', 'scan.csv'))).toBe(false);
  });

  test('a staged file of another version of the same size fails StagedFileMismatch naming expected and found, and is handed back', async () => {
    // Given version 1 and version 2 of one key, both 9 bytes, and version 2 staged (DataSync copied the current object)
    const bucket = newBucket();
    const first = await put(bucket, 'incoming/scan.csv', 'version 1');
    await put(bucket, 'incoming/scan.csv', 'version 2');
    stage('scan.csv', 'version 2');
    // When the run of version 1 prepares
    const error = await rejection(handleWorkspaceRequest(prepare(bucket, 'incoming/scan.csv', first!, 9), mount));
    // Then it fails with what it expected and what it found
    expect(error.name).toBe('StagedFileMismatch');
    expect(error.message).toBe(`expected s3://${bucket}/incoming/scan.csv version ${first} (9 bytes, CRC32 ${checksumOf('CRC32', Buffer.from('version 1'))}) `
      + `but found /staging/scan.csv of 9 bytes, CRC32 ${checksumOf('CRC32', Buffer.from('version 2'))}: another version of the key was staged there`);
    // and the file stays where the run of version 2 will look for it (never moved); this run has no input
    expect(readFileSync(path.join(mount, 'staging', 'scan.csv'), 'utf-8')).toBe('version 2');
    expect(existsSync(path.join(mount, 'runs', RUN, 'in', 'scan.csv'))).toBe(false);
  });

  test('a staged file written again between its check and the claim is handed back and fails StagedFileMismatch', async () => {
    // Given version 1 staged, and another execution that writes version 2 over it just before the rename
    const bucket = newBucket();
    const first = await put(bucket, 'incoming/scan.csv', 'version 1');
    stage('scan.csv', 'version 1');
    mockBeforeRename = (from) => {
      writeFileSync(from, 'version 2');
      utimesSync(from, new Date(), new Date(Date.now() + 60_000));
    };
    // When the run of version 1 prepares
    const error = await rejection(handleWorkspaceRequest(prepare(bucket, 'incoming/scan.csv', first!, 9), mount));
    // Then it does not keep the file: it is back at the staging path, and the run stages again
    expect(error.name).toBe('StagedFileMismatch');
    expect(error.message).toContain('was written again while this run checked it');
    expect(readFileSync(path.join(mount, 'staging', 'scan.csv'), 'utf-8')).toBe('version 2');
    expect(readdirSync(path.join(mount, 'runs', RUN, 'in'))).toEqual([]);
  });

  test('a staged file of another size is left where it is', async () => {
    const bucket = newBucket();
    const first = await put(bucket, 'incoming/scan.csv', 'short');
    await put(bucket, 'incoming/scan.csv', 'a longer version 2');
    stage('scan.csv', 'a longer version 2');
    const error = await rejection(handleWorkspaceRequest(prepare(bucket, 'incoming/scan.csv', first!, 5), mount));
    expect(error.name).toBe('StagedFileMismatch');
    expect(error.message).toContain('but found /staging/scan.csv of 18 bytes');
    expect(readFileSync(path.join(mount, 'staging', 'scan.csv'), 'utf-8')).toBe('a longer version 2');
  });

  test('a staged file another run took fails StagedFileMissing', async () => {
    const bucket = newBucket();
    const versionId = await put(bucket, 'incoming/scan.csv', 'version 1');
    const error = await rejection(handleWorkspaceRequest(prepare(bucket, 'incoming/scan.csv', versionId!, 9), mount));
    expect(error.name).toBe('StagedFileMissing');
    expect(error.message).toContain(`expected s3://${bucket}/incoming/scan.csv version ${versionId} (9 bytes, CRC32 `);
  });

  test('a version deleted since the upload fails SourceObjectMissing, which is not staged again', async () => {
    const bucket = newBucket();
    const versionId = await put(bucket, 'incoming/scan.csv', 'version 1');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'incoming/scan.csv', VersionId: versionId }));
    stage('scan.csv', 'version 1');
    const error = await rejection(handleWorkspaceRequest(prepare(bucket, 'incoming/scan.csv', versionId!, 9), mount));
    expect(error.name).toBe('SourceObjectMissing');
  });

  test('in an unversioned bucket, an object overwritten with another size fails SourceObjectChanged', async () => {
    const bucket = newBucket(false);
    await put(bucket, 'incoming/scan.csv', 'a much longer second upload');
    stage('scan.csv', 'a much longer second upload');
    const error = await rejection(handleWorkspaceRequest(prepare(bucket, 'incoming/scan.csv', null, 9), mount));
    expect(error.name).toBe('SourceObjectChanged');
  });
});

describe('what the staged file is compared with', () => {
  test('a full-object checksum Node computes, else a plain MD5 ETag, else the size alone', () => {
    expect(expectedCheck({ ChecksumSHA256: 'c2hh', ChecksumCRC32: 'Y3Jj', ETag: '"0123456789abcdef0123456789abcdef"', $metadata: {} })).toEqual({ algorithm: 'SHA256', value: 'c2hh' });
    expect(expectedCheck({ ChecksumCRC64NVME: 'bnZtZQ==', ETag: '"0123456789abcdef0123456789abcdef"', $metadata: {} })).toEqual({ algorithm: 'MD5', value: '0123456789abcdef0123456789abcdef' });
    // A multipart ETag, or an ETag of an object encrypted with a KMS key, is not the MD5 of the bytes
    expect(expectedCheck({ ChecksumCRC32: 'Y3Jj-3', ChecksumType: 'COMPOSITE', ETag: '"0123456789abcdef0123456789abcdef-3"', $metadata: {} })).toEqual({ algorithm: 'none' });
    expect(expectedCheck({ ETag: '"0123456789abcdef0123456789abcdef"', ServerSideEncryption: 'aws:kms', $metadata: {} })).toEqual({ algorithm: 'none' });
  });
});
