import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { BucketWatcher, watchedFolder } from '../../src/runtime/bucket-watcher';
import { SIDECAR } from '../../src/services/s3/local-s3-store';
import { LocalS3Sandbox } from '../../src/testing/local-s3-sandbox';
import { temporaryDirectory } from '../assembly/tiny-assembly';

/** The watcher scans every 500 ms and takes a file once it kept its size and time for one scan. */
const SETTLED_MS = 1800;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let folder: string;
let watcher: BucketWatcher | undefined;

beforeEach(() => {
  folder = temporaryDirectory('bucket-watcher-');
});

afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  rmSync(folder, { recursive: true, force: true });
});

function watch(onFile: (key: string, file: string) => Promise<void>): BucketWatcher {
  watcher = new BucketWatcher(folder, onFile);
  watcher.start();
  return watcher;
}

describe('watching a bucket folder', () => {
  test('a file copied in is reported once, with its key in S3 form', async () => {
    // given a watch on the folder
    const found: string[] = [];
    watch(async (key) => {
      found.push(key);
    });

    // when a file is copied into a sub-folder
    mkdirSync(path.join(folder, 'incoming', 'deep'), { recursive: true });
    writeFileSync(path.join(folder, 'incoming', 'deep', 'a b.csv'), 'x');
    await sleep(SETTLED_MS);
    await sleep(SETTLED_MS);

    // then it was reported once, its key with forward slashes
    expect(found).toEqual(['incoming/deep/a b.csv']);
  });

  test('files already there when the watch starts are not uploads', async () => {
    writeFileSync(path.join(folder, 'old.csv'), 'old');
    const found: string[] = [];
    watch(async (key) => {
      found.push(key);
    });
    await sleep(SETTLED_MS);
    expect(found).toEqual([]);
  });

  test('the store\'s own files (the .s3 folder) are never uploads', async () => {
    const found: string[] = [];
    watch(async (key) => {
      found.push(key);
    });
    mkdirSync(path.join(folder, SIDECAR, 'versions'), { recursive: true });
    writeFileSync(path.join(folder, SIDECAR, 'versions', 'v1'), 'x');
    await sleep(SETTLED_MS);
    expect(found).toEqual([]);
  });

  test('a file still being written is reported only once it stopped changing', async () => {
    // given a file that grows every 200 ms for a while
    const found: Array<{ key: string; at: number }> = [];
    watch(async (key) => {
      found.push({ key, at: Date.now() });
    });
    const file = path.join(folder, 'growing.bin');
    writeFileSync(file, 'a');
    let lastWrite = Date.now();
    for (let i = 0; i < 8; i++) {
      await sleep(200);
      appendFileSync(file, 'more');
      lastWrite = Date.now();
    }

    // when it has settled
    await sleep(SETTLED_MS);

    // then it was reported once, after the last write
    expect(found.map((entry) => entry.key)).toEqual(['growing.bin']);
    expect(found[0].at).toBeGreaterThanOrEqual(lastWrite);
  });

  test('a file the upload rewrites is not a new upload, however long the upload takes', async () => {
    // given an upload that rewrites the file and takes longer than two scans
    const found: string[] = [];
    const file = path.join(folder, 'slow.csv');
    watch(async (key) => {
      found.push(key);
      writeFileSync(file, 'rewritten by the commit');
      await sleep(1500);
    });

    // when a file is copied in
    writeFileSync(file, 'x');
    await sleep(SETTLED_MS + 1500);
    await sleep(SETTLED_MS);

    // then it is one upload
    expect(found).toEqual(['slow.csv']);
  });

  test('stopping waits for an upload in progress', async () => {
    // given an upload that takes a second
    let finished = false;
    const active = watch(async () => {
      await sleep(1000);
      finished = true;
    });
    writeFileSync(path.join(folder, 'a.csv'), 'x');
    await sleep(1300);

    // when the watch stops while it runs
    await active.stop();

    // then the upload had finished
    expect(finished).toBe(true);
  });

  test('a file changed again later is a new upload', async () => {
    const found: string[] = [];
    watch(async (key) => {
      found.push(key);
    });
    writeFileSync(path.join(folder, 'again.csv'), 'first');
    await sleep(SETTLED_MS);
    writeFileSync(path.join(folder, 'again.csv'), 'second, longer');
    await sleep(SETTLED_MS);
    expect(found).toEqual(['again.csv', 'again.csv']);
  });
});

describe('watching the folder of a bucket that the S3 endpoint also writes', () => {
  const s3 = new LocalS3Sandbox();
  let client: S3Client;
  beforeAll(async () => {
    await s3.start();
    client = new S3Client({});
  });
  afterAll(async () => {
    client.destroy();
    await s3.stop();
  });

  test('an object put through the endpoint is not uploaded a second time; a file the user copies in still is', async () => {
    // given a watch on a bucket's folder that follows the store's commits, as `watch` sets it up
    const bucket = 'watched-bucket';
    s3.endpoint.createBucket(bucket, { versioned: true });
    const found: string[] = [];
    watcher = new BucketWatcher(path.join(s3.endpoint.store.root, bucket), async (key) => {
      found.push(key);
    });
    watcher.followCommits(s3.endpoint.store, bucket);
    watcher.start();

    // when a client uploads through the S3 endpoint (its event already started a run), a multipart upload included
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/put.csv', Body: 'a,b\n' }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'incoming/multipart.csv' }));
    const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'incoming/multipart.csv', UploadId, PartNumber: 1, Body: 'c,d\n' }));
    await client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: 'incoming/multipart.csv', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }));
    // and the user copies a file into the folder
    writeFileSync(path.join(s3.endpoint.store.root, bucket, 'incoming', 'copied.csv'), 'e,f\n');
    await sleep(SETTLED_MS);
    await sleep(SETTLED_MS);

    // then only the copied file is an upload; the endpoint's objects keep their one version each
    expect(found).toEqual(['incoming/copied.csv']);
    expect(s3.endpoint.store.versions(bucket, 'incoming/put.csv')).toHaveLength(1);
    expect(s3.endpoint.store.versions(bucket, 'incoming/multipart.csv')).toHaveLength(1);
  });
});

describe('the folder watch names', () => {
  test('given a watched prefix ending in /, then the folder is the prefix; given a partial one, its folder part; given none, the bucket folder', () => {
    expect(watchedFolder('/state/buckets/uploads', 'incoming/')).toBe('/state/buckets/uploads/incoming');
    expect(watchedFolder('/state/buckets/uploads', 'incoming/2026/scan-')).toBe('/state/buckets/uploads/incoming/2026');
    expect(watchedFolder('/state/buckets/uploads', 'scan-')).toBe('/state/buckets/uploads');
    expect(watchedFolder('/state/buckets/uploads')).toBe('/state/buckets/uploads');
  });
});
