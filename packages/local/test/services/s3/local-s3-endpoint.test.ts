import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { checksumOf, compositeChecksum } from '../../../src/services/s3/s3-checksums';
import { LocalS3Sandbox } from '../../../src/testing/local-s3-sandbox';

const s3 = new LocalS3Sandbox();
beforeAll(() => s3.start());
afterAll(() => s3.stop());
const MiB = 1024 * 1024;
let client: S3Client;
let bucketCount = 0;

/** A fresh bucket per test, so that tests do not see each other's objects. */
function newBucket(versioned: boolean): string {
  const bucket = `bucket-${++bucketCount}`;
  s3.endpoint.createBucket(bucket, { versioned });
  return bucket;
}

function md5(data: Buffer | string): string {
  return `"${createHash('md5').update(data).digest('hex')}"`;
}

/** A PUT with its path sent exactly as written (fetch would resolve dot segments first), signed in form only. */
function rawPut(target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${s3.endpoint.url}${target}`, { method: 'PUT', path: target, headers: { 'authorization': 'AWS4-HMAC-SHA256 local', 'content-length': '1' } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end('x');
  });
}

async function text(body: unknown): Promise<string> {
  return (body as { transformToString(): Promise<string> }).transformToString();
}

beforeAll(() => {
  client = new S3Client({});
});

afterAll(() => client?.destroy());

describe('local S3 endpoint, with the real S3 client', () => {
  test('the SDK takes the endpoint from AWS_ENDPOINT_URL_S3 and addresses the IP endpoint path-style', async () => {
    // Given a bucket, when the client (built with no settings) puts an object
    const bucket = newBucket(false);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b.txt', Body: 'x' }));
    // Then the request reached this endpoint with the bucket in the path, not in the host name
    expect(s3.endpoint.operations.at(-1)).toMatchObject({ operation: 'PutObject', bucket, key: 'a/b.txt', path: `/${bucket}/a/b.txt`, status: 200 });
    expect(await client.config.region()).toBe('eu-west-1');
  });

  test('PutObject stores the body as a plain file, returns its MD5 ETag and, when versioned, a version id', async () => {
    const bucket = newBucket(true);
    const result = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/report.csv', Body: 'a,b\n1,2\n' }));
    expect(result.ETag).toBe(md5('a,b\n1,2\n'));
    expect(result.VersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);
    expect(readFileSync(s3.endpoint.objectPath(bucket, 'in/report.csv'), 'utf-8')).toBe('a,b\n1,2\n');
  });

  test('PutObject in an unversioned bucket returns no version id and an overwrite replaces the object', async () => {
    const bucket = newBucket(false);
    const first = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two' }));
    expect(first.VersionId).toBeUndefined();
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(got.VersionId).toBeUndefined();
    expect(await text(got.Body)).toBe('two');
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: 'null' }))).resolves.toBeDefined();
  });

  test('PutObject keeps the CRC32 the SDK sent, and GetObject returns it with its type only in checksum mode', async () => {
    const bucket = newBucket(true);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'checked' }));
    const withMode = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ChecksumMode: 'ENABLED' }));
    expect(withMode).toMatchObject({ ChecksumCRC32: checksumOf('CRC32', Buffer.from('checked')), ChecksumType: 'FULL_OBJECT' });
    await text(withMode.Body);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(head.ChecksumCRC32).toBeUndefined();
  });

  test('PutObject of a stream decodes aws-chunked and checks the trailing checksum', async () => {
    // Given a streaming body: the SDK sends it aws-chunked with the CRC32 in a trailer
    const bucket = newBucket(false);
    const data = Buffer.alloc(300 * 1024, 7);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'stream.bin', Body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]), ContentLength: data.length }));
    // Then the stored body and checksum are those of the decoded bytes
    expect(readFileSync(s3.endpoint.objectPath(bucket, 'stream.bin')).equals(data)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'stream.bin', ChecksumMode: 'ENABLED' }));
    expect(head).toMatchObject({ ContentLength: data.length, ETag: md5(data), ChecksumCRC32: checksumOf('CRC32', data) });
  });

  test('PutObject fails with BadDigest when the checksum sent does not match the body', async () => {
    const bucket = newBucket(false);
    await expect(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'abc', ChecksumCRC32: checksumOf('CRC32', Buffer.from('abd')) })))
      .rejects.toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
    expect(existsSync(s3.endpoint.objectPath(bucket, 'k'))).toBe(false);
  });

  test('PutObject without a checksum gets the CRC64NVME S3 adds by default', async () => {
    const bucket = newBucket(false);
    const plain = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await plain.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '123456789' }));
    plain.destroy();
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ChecksumMode: 'ENABLED' }));
    expect(got).toMatchObject({ ChecksumCRC64NVME: 'rosUhgp5mIg=', ChecksumType: 'FULL_OBJECT' });
    expect(await text(got.Body)).toBe('123456789');
  });

  test('GetObject by version id returns that version after the key was overwritten', async () => {
    const bucket = newBucket(true);
    const first = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first' }));
    const second = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'second' }));
    const old = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: first.VersionId }));
    expect({ body: await text(old.Body), versionId: old.VersionId, length: old.ContentLength, etag: old.ETag })
      .toEqual({ body: 'first', versionId: first.VersionId, length: 5, etag: md5('first') });
    const current = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect({ body: await text(current.Body), versionId: current.VersionId }).toEqual({ body: 'second', versionId: second.VersionId });
    expect(readFileSync(s3.endpoint.objectPath(bucket, 'k'), 'utf-8')).toBe('second');
  });

  test('GetObject fails with NoSuchVersion for a deleted version and InvalidArgument for a malformed one', async () => {
    const bucket = newBucket(true);
    const first = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'second' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k', VersionId: first.VersionId }));
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: first.VersionId })))
      .rejects.toMatchObject({ name: 'NoSuchVersion', $metadata: { httpStatusCode: 404 } });
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: 'not-a-version' })))
      .rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  });

  test('DeleteObject without a version adds a delete marker: the key is gone, its versions stay readable', async () => {
    const bucket = newBucket(true);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/k', Body: 'kept' }));
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'dir/k' }));
    expect(deleted.DeleteMarker).toBe(true);
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/k' }))).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    expect(existsSync(path.join(s3.root, 'buckets', bucket, 'dir'))).toBe(false);
    const old = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/k', VersionId: put.VersionId }));
    expect(await text(old.Body)).toBe('kept');
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/k', VersionId: deleted.VersionId })))
      .rejects.toMatchObject({ $metadata: { httpStatusCode: 405 } });
  });

  test('GetObject fails with NoSuchKey and NoSuchBucket, with S3 XML error bodies', async () => {
    const bucket = newBucket(false);
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey', Key: 'missing' });
    await expect(client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' }))).rejects.toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
  });

  test('HeadObject returns the size, ETag and version, and 404 without a body for a missing key', async () => {
    const bucket = newBucket(true);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'head' }));
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })))
      .resolves.toMatchObject({ ContentLength: 4, ETag: md5('head'), VersionId: put.VersionId });
    // HEAD responses carry no error body, so the SDK names the error after the status (NotFound).
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'missing' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  test('an unsigned request is refused with AccessDenied, as S3 refuses an anonymous one', async () => {
    const bucket = newBucket(false);
    const response = await fetch(`${s3.endpoint.url}/${bucket}/k`);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  test('a key over 1024 bytes of UTF-8 fails with KeyTooLongError', async () => {
    const bucket = newBucket(false);
    await expect(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'é'.repeat(513), Body: 'x' })))
      .rejects.toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
  });

  describe('S3\'s key rules, and every key S3 accepts is stored', () => {
    test('a key of exactly 1024 bytes is an object; 1025 bytes fail with KeyTooLongError for PutObject and CreateMultipartUpload', async () => {
      const bucket = newBucket(false);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `in/${'k'.repeat(1021)}`, Body: 'x' }));
      await expect(client.send(new PutObjectCommand({ Bucket: bucket, Key: `in/${'k'.repeat(1022)}`, Body: 'x' })))
        .rejects.toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
      await expect(client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `in/${'k'.repeat(1022)}` })))
        .rejects.toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
      expect(s3.endpoint.uploadsInProgress(bucket)).toEqual([]);
    });

    test('a \'..\' segment, raw or percent-encoded, is a bare 400 Bad Request with no error document, and nothing is stored', async () => {
      // Given a bucket, when a client puts drop/../x.txt (the SDK keeps the dot segments in the path)
      const bucket = newBucket(false);
      await expect(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'drop/../x.txt', Body: 'x' })))
        .rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
      expect(s3.endpoint.operations.at(-1)).toMatchObject({ key: 'drop/../x.txt', path: `/${bucket}/drop/../x.txt`, status: 400 });
      // and a request that percent-encodes the dots
      const response = await rawPut(`/${bucket}/drop/%2E%2E/x.txt`);
      // Then both are refused as S3 refuses them: status 400, no body
      expect(response).toEqual({ status: 400, body: '' });
      expect(existsSync(path.join(s3.endpoint.store.root, bucket, 'x.txt'))).toBe(false);
      expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    });

    test('a path whose escapes are not UTF-8 fails with InvalidURI', async () => {
      const bucket = newBucket(false);
      const response = await rawPut(`/${bucket}/bad%FF.txt`);
      expect(response.status).toBe(400);
      expect(response.body).toContain('<Code>InvalidURI</Code>');
    });

    test.each([
      ['a leading slash', '/drop/x.txt'],
      ['an empty segment', 'drop//x.txt'],
      ['a . segment', 'drop/./x.txt'],
      ['a folder marker', 'drop/'],
      ['a 256-byte segment', `drop/${'s'.repeat(256)}`],
      ['the store\'s own folder name first', '.s3/x.txt'],
    ])('a key with %s, which no file can be named after, is stored, read back, listed and versioned', async (_what, key) => {
      // Given a versioned bucket, when the key is written twice
      const bucket = newBucket(true);
      const first = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'second' }));
      // Then both versions read back under exactly that key, and the listing names it
      expect(await text((await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body)).toBe('second');
      expect(await text((await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: first.VersionId }))).Body)).toBe('first');
      expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key)).toEqual([key]);
      // and its body is in the bucket's sidecar, not a file of the folder view under another name
      expect(s3.endpoint.store.inFolderView(bucket, key)).toBe(false);
      expect(readFileSync(s3.endpoint.objectPath(bucket, key), 'utf-8')).toBe('second');
      expect(path.relative(path.join(s3.endpoint.store.root, bucket), s3.endpoint.objectPath(bucket, key))).toMatch(/^\.s3\/objects\/[0-9a-f]{64}$/);
      // and a delete leaves a marker as for any key
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    });

    test('a key and a key under it as a folder (a and a/b) are both objects', async () => {
      const bucket = newBucket(false);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'file a' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b', Body: 'file a/b' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'c/d', Body: 'file c/d' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: 'file c' }));
      for (const key of ['a', 'a/b', 'c', 'c/d']) {
        expect(await text((await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body)).toBe(`file ${key}`);
      }
      // the first of each pair is the file of the folder view
      expect(readFileSync(path.join(s3.endpoint.store.root, bucket, 'a'), 'utf-8')).toBe('file a');
      expect(readFileSync(path.join(s3.endpoint.store.root, bucket, 'c', 'd'), 'utf-8')).toBe('file c/d');
    });
  });

  test('a multipart upload with CRC32 gets a composite checksum and a multipart ETag', async () => {
    // Given two parts, the first exactly the 5 MiB minimum
    const bucket = newBucket(true);
    const parts = [Buffer.alloc(5 * MiB, 1), Buffer.from('tail')];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big', ChecksumAlgorithm: 'CRC32' }));
    const uploaded = [];
    for (const [i, body] of parts.entries()) {
      const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'big', UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'CRC32' }));
      expect(part).toMatchObject({ ETag: md5(body), ChecksumCRC32: checksumOf('CRC32', body) });
      uploaded.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
    }
    // When it is completed
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'big', UploadId, MultipartUpload: { Parts: uploaded } }));
    // Then the checksum is the CRC32 of the part CRC32s with -2, the ETag the MD5 of the part MD5s with -2
    const expectedEtag = `"${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-2"`;
    const composite = compositeChecksum('CRC32', parts.map((p) => checksumOf('CRC32', p)));
    expect(done).toMatchObject({ ETag: expectedEtag, ChecksumCRC32: composite, ChecksumType: 'COMPOSITE', VersionId: expect.any(String) });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big', ChecksumMode: 'ENABLED' }));
    expect(head).toMatchObject({ ContentLength: 5 * MiB + 4, ChecksumCRC32: composite, ChecksumType: 'COMPOSITE' });
    expect(s3.endpoint.uploadsInProgress(bucket)).toEqual([]);
  });

  test('a multipart upload with ChecksumType FULL_OBJECT gets the CRC32 of the whole object', async () => {
    const bucket = newBucket(false);
    const parts = [Buffer.alloc(5 * MiB, 2), Buffer.alloc(10, 3)];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big', ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
    const uploaded = [];
    for (const [i, body] of parts.entries()) {
      const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'big', UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'CRC32' }));
      uploaded.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
    }
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'big', UploadId, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: uploaded } }));
    expect(done).toMatchObject({ ChecksumCRC32: checksumOf('CRC32', Buffer.concat(parts)), ChecksumType: 'FULL_OBJECT' });
  });

  test('CreateMultipartUpload refuses a full-object checksum with SHA256, which S3 only combines as composite', async () => {
    const bucket = newBucket(false);
    await expect(client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })))
      .rejects.toMatchObject({ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } });
  });

  describe('CompleteMultipartUpload refuses a parts list S3 would refuse', () => {
    interface Uploaded {
      readonly UploadId: string;
      readonly parts: Array<{ PartNumber: number; ETag: string; ChecksumCRC32?: string }>;
    }

    async function twoParts(bucket: string, first: Buffer): Promise<Uploaded> {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k', ChecksumAlgorithm: 'CRC32' }));
      const parts = [];
      for (const [i, body] of [first, Buffer.from('last')].entries()) {
        const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'CRC32' }));
        parts.push({ PartNumber: i + 1, ETag: part.ETag!, ChecksumCRC32: part.ChecksumCRC32 });
      }
      return { UploadId: UploadId!, parts };
    }

    test('EntityTooSmall when a part other than the last is under 5 MiB', async () => {
      const bucket = newBucket(false);
      const { UploadId, parts } = await twoParts(bucket, Buffer.alloc(5 * MiB - 1));
      await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: parts } })))
        .rejects.toMatchObject({ name: 'EntityTooSmall', $metadata: { httpStatusCode: 400 } });
    });

    test('InvalidPart when an ETag or a part checksum does not match the uploaded part', async () => {
      const bucket = newBucket(false);
      const { UploadId, parts } = await twoParts(bucket, Buffer.alloc(5 * MiB));
      await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: [parts[0], { ...parts[1], ETag: md5('other') }] } })))
        .rejects.toMatchObject({ name: 'InvalidPart' });
      await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: [parts[0], { ...parts[1], ChecksumCRC32: 'AAAAAA==' }] } })))
        .rejects.toMatchObject({ name: 'InvalidPart' });
    });

    test('InvalidPartOrder when the parts are not in ascending order', async () => {
      const bucket = newBucket(false);
      const { UploadId, parts } = await twoParts(bucket, Buffer.alloc(5 * MiB));
      await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: [parts[1], parts[0]] } })))
        .rejects.toMatchObject({ name: 'InvalidPartOrder' });
    });

    test('NoSuchUpload after AbortMultipartUpload, which removes its parts', async () => {
      const bucket = newBucket(false);
      const { UploadId, parts } = await twoParts(bucket, Buffer.alloc(5 * MiB));
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId }));
      expect(s3.endpoint.uploadsInProgress(bucket)).toEqual([]);
      await expect(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: parts } })))
        .rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
      await expect(client.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: 3, Body: 'x' })))
        .rejects.toMatchObject({ name: 'NoSuchUpload' });
    });
  });

  test('UploadPart refuses a part number outside 1-10000 with InvalidArgument', async () => {
    const bucket = newBucket(false);
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    await expect(client.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: 10001, Body: 'x' })))
      .rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  });

  test('ListObjectsV2 lists the current objects under a prefix in UTF-8 binary order', async () => {
    const bucket = newBucket(true);
    for (const key of ['out/b.txt', 'out/a/z.txt', 'out/B.txt', 'other/x.txt', 'out/é.txt']) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'out/b.txt' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'out/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['out/B.txt', 9], ['out/a/z.txt', 11], ['out/é.txt', 10]]);
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'out/', MaxKeys: 2 }));
    expect(page).toMatchObject({ KeyCount: 2, IsTruncated: true });
    const rest = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'out/', ContinuationToken: page.NextContinuationToken }));
    expect(rest.Contents?.map((o) => o.Key)).toEqual(['out/é.txt']);
  });

  test('refuses what it does not implement with NotImplemented instead of a wrong answer', async () => {
    const bucket = newBucket(false);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '0123456789' }));
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', IfNoneMatch: '"0"' })))
      .rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
  });
});

describe('local S3 endpoint: GetObject and HeadObject with a Range', () => {
  test('given a 10-byte object, when GetObject with a single range, then 206 with that part, its Content-Range and length, and the object\'s ETag', async () => {
    const bucket = newBucket(false);
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '0123456789', ContentType: 'text/csv' }));
    const part = async (range: string) => {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: range }));
      const body = await text(answer.Body);
      return [answer.$metadata.httpStatusCode, body, answer.ContentRange, answer.ContentLength, answer.ETag, answer.ContentType];
    };
    expect(await part('bytes=2-5')).toEqual([206, '2345', 'bytes 2-5/10', 4, ETag, 'text/csv']);
    expect(await part('bytes=7-')).toEqual([206, '789', 'bytes 7-9/10', 3, ETag, 'text/csv']);
    expect(await part('bytes=-3')).toEqual([206, '789', 'bytes 7-9/10', 3, ETag, 'text/csv']);
    // A last byte past the end stops at the end; a suffix longer than the object is all of it.
    expect(await part('bytes=5-100')).toEqual([206, '56789', 'bytes 5-9/10', 5, ETag, 'text/csv']);
    expect(await part('bytes=-20')).toEqual([206, '0123456789', 'bytes 0-9/10', 10, ETag, 'text/csv']);
    expect(await part('bytes=9-9')).toEqual([206, '9', 'bytes 9-9/10', 1, ETag, 'text/csv']);
  });

  test('given a range that starts at or past the end, when GetObject or HeadObject, then 416 InvalidRange with the range asked and the object\'s size', async () => {
    const bucket = newBucket(false);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '0123456789' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'empty', Body: new Uint8Array(0) }));
    for (const range of ['bytes=10-', 'bytes=10-20', 'bytes=-0']) {
      const refused = { name: 'InvalidRange', message: 'The requested range cannot be satisfied.', RangeRequested: range, ActualObjectSize: '10' };
      await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: range })))
        .rejects.toMatchObject({ ...refused, $metadata: { httpStatusCode: 416 } });
    }
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'empty', Range: 'bytes=0-' })))
      .rejects.toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', Range: 'bytes=12-' })))
      .rejects.toMatchObject({ $metadata: { httpStatusCode: 416 } });
  });

  test('given a Range that is not one byte range (several, reversed, another unit), when GetObject, then it is ignored: 200 and the whole object', async () => {
    const bucket = newBucket(false);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '0123456789' }));
    for (const range of ['bytes=0-1,4-5', 'bytes=5-2', 'items=0-1', 'bytes=-', 'bytes=a-b']) {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', Range: range }));
      expect([range, answer.$metadata.httpStatusCode, await text(answer.Body), answer.ContentRange, answer.ContentLength]).toEqual([range, 200, '0123456789', undefined, 10]);
    }
  });

  test('given If-Match (as the AWS CLI sends with each ranged GET), when GetObject, then the part when the ETag matches, else 412 PreconditionFailed', async () => {
    const bucket = newBucket(false);
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '0123456789' }));
    const part = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', IfMatch: ETag, Range: 'bytes=0-1' }));
    expect(await text(part.Body)).toBe('01');
    expect(await text((await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', IfMatch: '*' }))).Body)).toBe('0123456789');
    // The object changed since the download began: its parts would not fit together.
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', IfMatch: '"0123"', Range: 'bytes=2-3' })))
      .rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 }, Condition: 'If-Match' });
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', IfMatch: '"0123"' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
  });

  test('given two versions, when GetObject and HeadObject by version with a range, then the part of that version', async () => {
    const bucket = newBucket(true);
    const first = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'first version' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'second version, longer' }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: first.VersionId, Range: 'bytes=0-4' }));
    expect([await text(got.Body), got.ContentRange, got.VersionId, got.ETag]).toEqual(['first', 'bytes 0-4/13', first.VersionId, first.ETag]);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k', VersionId: first.VersionId, Range: 'bytes=6-' }));
    expect([head.$metadata.httpStatusCode, head.ContentLength, head.ContentRange, head.VersionId]).toEqual([206, 7, 'bytes 6-12/13', first.VersionId]);
  });

  test('given an object stored with a checksum, when GetObject of a range with checksum mode on, then the part arrives without the whole object\'s checksum', async () => {
    const bucket = newBucket(false);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: '0123456789', ChecksumAlgorithm: 'SHA256' }));
    const whole = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ChecksumMode: 'ENABLED' }));
    expect(whole.ChecksumSHA256).toBeDefined();
    await text(whole.Body);
    // The SDK checks a checksum it is given against the bytes it got: the part's bytes would fail it.
    const part = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', ChecksumMode: 'ENABLED', Range: 'bytes=3-4' }));
    expect([await text(part.Body), part.ChecksumSHA256]).toEqual(['34', undefined]);
  });
});
