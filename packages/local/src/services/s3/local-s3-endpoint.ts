import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './aws-chunked-decoder';
import { BucketOptions, LocalS3Store, SIDECAR, VERSION_ID_PATTERN, VersionRecord } from './local-s3-store';
import { byteRangeOf } from './s3-byte-range';
import {
  ChecksumAlgorithm, ChecksumType, checksumHeader, CHECKSUM_ALGORITHMS, COMPOSITE_ALGORITHMS, compositeChecksum,
  FULL_OBJECT_ALGORITHMS, isChecksumAlgorithm, newChecksummer, StoredChecksum,
} from './s3-checksums';
import { copyObject } from './s3-copy-object';
import { errorXml, S3Error, s3Errors, xmlDocument, xmlElements } from './s3-errors';
import { listBuckets, listObjectsV2, listObjectVersions } from './s3-listings';
import { checkObjectKey } from './s3-object-key';

/** What a test can assert on: one line per request the endpoint answered. */
export interface RecordedOperation {
  readonly operation: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly versionId?: string;
  readonly partNumber?: number;
  /** The HTTP status of the answer, set when it is sent. */
  status: number;
  /** The request path as received, to check the addressing style the SDK chose. */
  readonly path: string;
}

const MiB = 1024 * 1024;
/** S3's limits (S3 User Guide, "Amazon S3 multipart upload limits"; "Uploading objects"). */
const MIN_PART_SIZE = 5 * MiB;
const MAX_PART_SIZE = 5 * 1024 * MiB;
const MAX_PUT_SIZE = 5 * 1024 * MiB;

/** Query parameters the implemented operations read; any other one names a feature not implemented here. */
const KNOWN_QUERY = new Set(['x-id', 'versionId', 'uploads', 'uploadId', 'partNumber', 'list-type', 'prefix', 'max-keys',
  'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'delimiter', 'versions', 'key-marker', 'version-id-marker']);
/** Request headers that change what an implemented operation does, which it does not do here. */
const UNSUPPORTED_HEADERS = ['if-none-match', 'if-modified-since', 'if-unmodified-since',
  'x-amz-server-side-encryption-customer-algorithm', 'x-amz-object-lock-mode', 'x-amz-tagging', 'x-amz-write-offset-bytes'];

interface UploadState {
  readonly key: string;
  readonly contentType?: string;
  readonly algorithm?: ChecksumAlgorithm;
  readonly type?: ChecksumType;
}

interface PartState {
  readonly size: number;
  readonly etag: string;
  readonly md5: string;
  readonly checksum?: string;
}

interface ReceivedBody {
  readonly size: number;
  readonly md5: Buffer;
  readonly checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/**
 * A local S3 endpoint for tests and the local runtime: a `node:http` server on 127.0.0.1 with an
 * ephemeral port, with buckets as folders (see {@link LocalS3Store}). It implements PutObject,
 * GetObject, HeadObject, DeleteObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload and ListObjectsV2 over path-style URLs (the SDK addresses an IP endpoint
 * path-style), with S3's status codes and XML error bodies; GetObject and HeadObject take one byte
 * range (`Range`). Anything else (other operations, conditions, copies, encryption with customer
 * keys) is refused with NotImplemented, so a caller never gets a silently wrong answer.
 *
 * It does NOT check SigV4 signatures: it has no credentials to check them against, and the SDK's
 * signing is not what the tests are about. It does refuse a request without an Authorization
 * header (or presigned query) with AccessDenied, as S3 answers an anonymous request to a private
 * bucket, so that an unsigned client fails here as it would on AWS. Bodies are streamed to files;
 * nothing holds more than a network chunk in memory.
 */
export class LocalS3Endpoint {
  public static async start(root: string): Promise<LocalS3Endpoint> {
    const endpoint = new LocalS3Endpoint(new LocalS3Store(root));
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  public readonly operations: RecordedOperation[] = [];
  private readonly server: Server;
  private requestCount = 0;

  private constructor(public readonly store: LocalS3Store) {
    this.server = createServer((request, response) => void this.answer(request, response));
  }

  /** `http://127.0.0.1:<port>`, the value for `AWS_ENDPOINT_URL_S3`. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public createBucket(bucket: string, options: BucketOptions): void {
    this.store.createBucket(bucket, options);
  }

  /** The file that holds the current version of a key, for tests that look at (or corrupt) what is stored. */
  public objectPath(bucket: string, key: string): string {
    return this.store.objectPath(bucket, key);
  }

  /** Multipart uploads neither completed nor aborted, for tests that check that nothing was left behind. */
  public uploadsInProgress(bucket: string): string[] {
    const directory = path.join(this.store.root, bucket, SIDECAR, 'uploads');
    return existsSync(directory) ? readdirSync(directory) : [];
  }

  public async stop(): Promise<void> {
    // The SDK keeps connections alive; close them, or close() waits for their idle timeout.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Answers one S3 request (also for a server that routes S3's requests here among other services'). */
  public async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = `local-${++this.requestCount}`;
    const url = requestUrl(request.url ?? '/');
    const [bucketSegment, ...keySegments] = url.pathname.slice(1).split('/');
    const bucket = bucketSegment ? decodePathPart(bucketSegment) : undefined;
    const key = keySegments.length > 0 ? decodePathPart(keySegments.join('/')) : undefined;
    const partNumber = url.searchParams.has('partNumber') ? Number(url.searchParams.get('partNumber')) : undefined;
    const copy = request.method === 'PUT' && request.headers['x-amz-copy-source'] !== undefined;
    const operation = copy && !url.searchParams.has('uploadId') ? 'CopyObject' : copy ? 'UploadPartCopy' : operationOf(request.method
      ?? 'GET', url.searchParams, key ?? undefined);
    // Recorded before the answer is sent, so that a test sees the operation as soon as its call returns.
    const recorded: RecordedOperation = {
      operation,
      bucket: bucket ?? undefined,
      key: key ?? undefined,
      partNumber,
      status: 0,
      versionId: url.searchParams.get('versionId')
        ?? undefined,
      path: url.pathname,
    };
    this.operations.push(recorded);
    response.on('finish', () => (recorded.status = response.statusCode));
    response.setHeader('x-amz-request-id', requestId);
    response.setHeader('x-amz-id-2', requestId);
    try {
      if (!request.headers.authorization && !url.searchParams.has('X-Amz-Algorithm')) throw s3Errors.accessDenied();
      const unknownQuery = [...url.searchParams.keys()].find((name) => !KNOWN_QUERY.has(name) && !name.startsWith('X-Amz-'));
      if (unknownQuery !== undefined) throw s3Errors.notImplemented(`query parameter '${unknownQuery}'`);
      const unsupportedHeader = UNSUPPORTED_HEADERS.find((name) => request.headers[name] !== undefined);
      if (unsupportedHeader !== undefined) throw s3Errors.notImplemented(`header '${unsupportedHeader}'`);
      // If-Match is read by GetObject and HeadObject (the AWS CLI's ranged downloads send it); a conditional write is not implemented.
      if (request.headers['if-match'] !== undefined && operation !== 'GetObject' && operation !== 'HeadObject') {
        throw s3Errors.notImplemented(`header 'if-match' on ${operation}`);
      }
      if (bucket === null || key === null) throw s3Errors.invalidUri();
      if (bucket === undefined && request.method === 'GET') return listBuckets(this.store, response);
      if (bucket === undefined) throw s3Errors.notImplemented(`${request.method} /`);
      this.store.bucket(bucket);
      // S3's key rules, before anything is read or written (the same rules as the CLI's uploads).
      if (key !== undefined && key !== '') checkObjectKey(key);
      await this.perform(operation, request, response, url.searchParams, bucket, key ?? '');
    } catch (error) {
      const s3Error = error instanceof S3Error ? error : new S3Error('InternalError', 500, 'We encountered an internal error. Please try again. '
        + `(${String(error)})`);
      if (!response.headersSent) {
        // Drain what the client still sends, so that it reads the error instead of a reset connection.
        request.resume();
        response.statusCode = s3Error.status;
        for (const [name, value] of Object.entries(s3Error.headers)) response.setHeader(name, value);
        if (request.method === 'HEAD' || s3Error.withoutBody) {
          response.end();
        } else {
          response.setHeader('content-type', 'application/xml');
          response.end(errorXml(s3Error, requestId));
        }
      } else {
        response.destroy(s3Error);
      }
    }
  }

  private async perform(
    operation: string,
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    bucket: string,
    key: string,
  ): Promise<void> {
    switch (operation) {
      case 'PutObject': return this.putObject(request, response, bucket, key);
      case 'CopyObject': return copyObject(this.store, request, response, bucket, key);
      case 'GetObject': return this.getObject(request, response, query, bucket, key, true);
      case 'HeadObject': return this.getObject(request, response, query, bucket, key, false);
      case 'DeleteObject': return this.deleteObject(response, query, bucket, key);
      case 'CreateMultipartUpload': return this.createMultipartUpload(request, response, bucket, key);
      case 'UploadPart': return this.uploadPart(request, response, query, bucket, key);
      case 'CompleteMultipartUpload': return this.completeMultipartUpload(request, response, query, bucket, key);
      case 'AbortMultipartUpload': return this.abortMultipartUpload(response, query, bucket, key);
      case 'ListObjectsV2': return listObjectsV2(this.store, response, query, bucket);
      case 'ListObjectVersions': return listObjectVersions(this.store, response, query, bucket);
      default: throw s3Errors.notImplemented(operation);
    }
  }

  private async putObject(request: IncomingMessage, response: ServerResponse, bucket: string, key: string): Promise<void> {
    const temporary = this.store.temporaryPath(bucket);
    try {
      // An object uploaded without a checksum gets CRC64NVME (S3 User Guide, "Checking object integrity").
      const body = await receiveBody(request, temporary, requestedAlgorithm(request) ?? 'CRC64NVME', MAX_PUT_SIZE);
      const record = await this.store.commit(bucket, key, temporary, {
        size: body.size,
        etag: `"${body.md5.toString('hex')}"`,
        lastModified: new Date().toUTCString(),
        contentType: request.headers['content-type'],
        checksum: body.checksum && { algorithm: body.checksum.algorithm, type: 'FULL_OBJECT', value: body.checksum.value },
      });
      response.setHeader('etag', record.etag);
      if (this.store.bucket(bucket).versioned) response.setHeader('x-amz-version-id', record.versionId);
      if (record.checksum && requestedAlgorithm(request)) {
        response.setHeader(checksumHeader(record.checksum.algorithm), record.checksum.value);
        response.setHeader('x-amz-checksum-type', record.checksum.type);
      }
      response.end();
    } finally {
      await rm(temporary, { force: true });
    }
  }

  private async getObject(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    bucket: string,
    key: string,
    withBody: boolean,
  ): Promise<void> {
    if (query.has('partNumber')) throw s3Errors.notImplemented('partNumber on GetObject/HeadObject');
    const { versioned } = this.store.bucket(bucket);
    const record = this.version(bucket, key, query.get('versionId'));
    // S3 checks the condition before the range (RFC 9110: a failed precondition wins over a Range).
    const ifMatch = header(request, 'if-match');
    if (ifMatch !== undefined && !etagMatches(ifMatch, record.etag)) throw s3Errors.preconditionFailed('If-Match');
    const range = byteRangeOf(header(request, 'range'), record.size);
    if (range === 'unsatisfiable') throw s3Errors.invalidRange(header(request, 'range')!, record.size);
    response.setHeader('content-length', String(range ? range.end - range.start + 1 : record.size));
    response.setHeader('content-type', record.contentType ?? 'binary/octet-stream');
    response.setHeader('etag', record.etag);
    response.setHeader('last-modified', record.lastModified);
    response.setHeader('accept-ranges', 'bytes');
    if (versioned) response.setHeader('x-amz-version-id', record.versionId);
    if (range) {
      response.statusCode = 206;
      response.setHeader('content-range', `bytes ${range.start}-${range.end}/${record.size}`);
    }
    // Checksums come back only when asked for (GetObject: x-amz-checksum-mode ENABLED), and only for
    // the whole object: a part's bytes do not have the object's checksum, and the SDKs would refuse them.
    if (!range && record.checksum && String(request.headers['x-amz-checksum-mode']).toUpperCase() === 'ENABLED') {
      response.setHeader(checksumHeader(record.checksum.algorithm), record.checksum.value);
      response.setHeader('x-amz-checksum-type', record.checksum.type);
    }
    if (!withBody) {
      response.end();
      return;
    }
    // Only the part is read from the file (createReadStream's `end` is included, as the range's is).
    await pipeline(createReadStream(this.store.bodyPath(bucket, key, record), range ? { start: range.start, end: range.end } : {}), response);
  }

  /** The version a GetObject/HeadObject names, with S3's answers for missing keys, versions and delete markers. */
  private version(bucket: string, key: string, versionId: string | null): VersionRecord {
    const { versioned } = this.store.bucket(bucket);
    const versions = this.store.versions(bucket, key);
    if (versionId === null) {
      const current = versions[0];
      if (!current) throw s3Errors.noSuchKey(key);
      if (current.deleteMarker) throw s3Errors.noSuchKey(key, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': current.versionId });
      return current;
    }
    if (versionId !== 'null' && (!versioned || !VERSION_ID_PATTERN.test(versionId))) {
      throw s3Errors.invalidArgument('Invalid version id specified', 'versionId', versionId);
    }
    const record = versions.find((v) => v.versionId === versionId);
    if (!record) throw s3Errors.noSuchVersion(key, versionId);
    if (record.deleteMarker) throw s3Errors.methodNotAllowed({ 'x-amz-delete-marker': 'true', 'x-amz-version-id': versionId, 'allow': 'DELETE' });
    return record;
  }

  private async deleteObject(response: ServerResponse, query: URLSearchParams, bucket: string, key: string): Promise<void> {
    const { versioned } = this.store.bucket(bucket);
    const versionId = query.get('versionId');
    if (versionId !== null) {
      if (versionId !== 'null' && (!versioned || !VERSION_ID_PATTERN.test(versionId))) {
        throw s3Errors.invalidArgument('Invalid version id specified', 'versionId', versionId);
      }
      const removed = await this.store.deleteVersion(bucket, key, versionId);
      response.setHeader('x-amz-version-id', versionId);
      if (removed?.deleteMarker) response.setHeader('x-amz-delete-marker', 'true');
    } else if (versioned) {
      // Without a version id, a versioned bucket keeps every version and adds a delete marker.
      const marker = await this.store.commit(bucket, key, undefined, { size: 0, etag: '""', lastModified: new Date().toUTCString() });
      response.setHeader('x-amz-version-id', marker.versionId);
      response.setHeader('x-amz-delete-marker', 'true');
    } else if (this.store.versions(bucket, key).length > 0) {
      await this.store.deleteVersion(bucket, key, 'null');
    }
    // Deleting a key that does not exist succeeds, as in S3.
    response.statusCode = 204;
    response.end();
  }

  private async createMultipartUpload(request: IncomingMessage, response: ServerResponse, bucket: string, key: string): Promise<void> {
    const algorithmHeader = header(request, 'x-amz-checksum-algorithm')?.toUpperCase();
    if (algorithmHeader !== undefined && !isChecksumAlgorithm(algorithmHeader)) {
      throw s3Errors.invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: '
        + `[${CHECKSUM_ALGORITHMS.join(', ')}]`);
    }
    const typeHeader = header(request, 'x-amz-checksum-type')?.toUpperCase();
    if (typeHeader !== undefined && typeHeader !== 'FULL_OBJECT' && typeHeader !== 'COMPOSITE') {
      throw s3Errors.invalidRequest(`Value for x-amz-checksum-type header is invalid: ${typeHeader}`);
    }
    // Without an algorithm S3 keeps a full-object CRC64NVME; CRC64NVME is full-object only, the others default to composite.
    const algorithm = algorithmHeader ?? (typeHeader ? undefined : 'CRC64NVME');
    if (algorithm === undefined) {
      throw s3Errors.invalidRequest('The x-amz-checksum-type header can only be used with the '
      + 'x-amz-checksum-algorithm header.');
    }
    const type: ChecksumType = (typeHeader as ChecksumType | undefined) ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
    if (!(type === 'FULL_OBJECT' ? FULL_OBJECT_ALGORITHMS : COMPOSITE_ALGORITHMS).includes(algorithm)) {
      throw s3Errors.invalidRequest(`The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
    }
    const uploadId = randomBytes(24).toString('base64url');
    const directory = this.store.uploadDirectory(bucket, uploadId);
    mkdirSync(directory, { recursive: true });
    const state: UploadState = { key, contentType: request.headers['content-type'], algorithm, type };
    writeFileSync(path.join(directory, 'upload.json'), JSON.stringify({ ...state, explicitAlgorithm: algorithmHeader !== undefined }));
    await drain(request);
    if (algorithmHeader !== undefined) {
      response.setHeader('x-amz-checksum-algorithm', algorithm);
      response.setHeader('x-amz-checksum-type', type);
    }
    sendXml(response, 'InitiateMultipartUploadResult', xmlElements({ Bucket: bucket, Key: key, UploadId: uploadId }));
  }

  private upload(bucket: string, key: string, query: URLSearchParams): { directory: string; state: UploadState & { explicitAlgorithm: boolean } } {
    const uploadId = query.get('uploadId') ?? '';
    const directory = this.store.uploadDirectory(bucket, uploadId);
    const file = path.join(directory, 'upload.json');
    if (!existsSync(file)) throw s3Errors.noSuchUpload(uploadId);
    const state = JSON.parse(readFileSync(file, 'utf-8')) as UploadState & { explicitAlgorithm: boolean };
    if (state.key !== key) throw s3Errors.noSuchUpload(uploadId);
    return { directory, state };
  }

  private async uploadPart(request: IncomingMessage, response: ServerResponse, query: URLSearchParams, bucket: string, key: string): Promise<void> {
    const { directory, state } = this.upload(bucket, key, query);
    const partNumber = Number(query.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
      throw s3Errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', query.get('partNumber') ?? '');
    }
    const sent = requestedAlgorithm(request);
    if (sent !== undefined && state.explicitAlgorithm && sent !== state.algorithm) {
      throw s3Errors.invalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${state.algorithm?.toLowerCase()}, `
        + `actual checksum Type: ${sent.toLowerCase()}`);
    }
    const temporary = path.join(directory, `part-${partNumber}.receiving-${randomBytes(6).toString('hex')}`);
    try {
      const body = await receiveBody(request, temporary, state.algorithm, MAX_PART_SIZE);
      const part: PartState = {
        size: body.size, md5: body.md5.toString('hex'), etag: `"${body.md5.toString('hex')}"`, checksum: body.checksum?.value,
      };
      // Uploading a part number again replaces the part (UploadPart).
      await writeFile(`${temporary}.json`, JSON.stringify(part));
      await rename(temporary, path.join(directory, `part-${partNumber}`));
      await rename(`${temporary}.json`, path.join(directory, `part-${partNumber}.json`));
      response.setHeader('etag', part.etag);
      if (state.explicitAlgorithm && part.checksum && state.algorithm) response.setHeader(checksumHeader(state.algorithm), part.checksum);
      response.end();
    } finally {
      await rm(temporary, { force: true });
      await rm(`${temporary}.json`, { force: true });
    }
  }

  private async completeMultipartUpload(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    bucket: string,
    key: string,
  ): Promise<void> {
    const { directory, state } = this.upload(bucket, key, query);
    const listed = parseCompleteParts(await readText(request, 1 * MiB));
    if (listed.length === 0) throw s3Errors.malformedXml();
    for (let i = 1; i < listed.length; i++) {
      if (listed[i].partNumber <= listed[i - 1].partNumber) throw s3Errors.invalidPartOrder();
    }
    const requestType = header(request, 'x-amz-checksum-type')?.toUpperCase();
    if (requestType !== undefined && state.explicitAlgorithm && requestType !== state.type) {
      throw s3Errors.invalidRequest(`The upload was created using the ${state.type} checksum mode. The complete request must use the same `
        + 'checksum mode.');
    }
    const parts: PartState[] = [];
    for (const [i, entry] of listed.entries()) {
      const file = path.join(directory, `part-${entry.partNumber}.json`);
      if (!existsSync(file)) throw s3Errors.invalidPart();
      const part = JSON.parse(await readFile(file, 'utf-8')) as PartState;
      if (entry.etag.replace(/"/g, '') !== part.md5) throw s3Errors.invalidPart();
      // A composite checksum is made of the part checksums, so each listed part must name its own.
      const listedChecksum = state.algorithm ? entry.checksums[state.algorithm] : undefined;
      if (state.explicitAlgorithm && state.type === 'COMPOSITE' && listedChecksum === undefined) throw s3Errors.invalidPart();
      if (listedChecksum !== undefined && listedChecksum !== part.checksum) throw s3Errors.invalidPart();
      if (i < listed.length - 1 && part.size < MIN_PART_SIZE) throw s3Errors.entityTooSmall();
      parts.push(part);
    }
    const size = parts.reduce((total, part) => total + part.size, 0);
    const expectedSize = header(request, 'x-amz-mp-object-size');
    if (expectedSize !== undefined && Number(expectedSize) !== size) {
      throw s3Errors.invalidRequest(`The provided 'x-amz-mp-object-size' header value ${expectedSize} does not match the object size ${size}.`);
    }
    // Concatenate the parts by streaming them into one file; a full-object checksum is computed over it.
    const temporary = this.store.temporaryPath(bucket);
    const fullObject = state.algorithm && state.type === 'FULL_OBJECT' ? newChecksummer(state.algorithm) : undefined;
    try {
      const output = createWriteStream(temporary);
      for (const entry of listed) {
        await pipeline(createReadStream(path.join(directory, `part-${entry.partNumber}`)), new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            fullObject?.update(chunk);
            callback(undefined, chunk);
          },
        }), output, { end: false });
      }
      await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
      let checksum: StoredChecksum | undefined;
      if (state.algorithm && state.type) {
        const value = fullObject ? fullObject.digest().toString('base64') : compositeChecksum(state.algorithm, parts.map((p) => p.checksum ?? ''));
        checksum = { algorithm: state.algorithm, type: state.type, value };
        const expected = header(request, checksumHeader(state.algorithm));
        if (expected !== undefined && state.type === 'FULL_OBJECT' && expected !== value) throw s3Errors.badDigest(state.algorithm);
      }
      // The ETag of a multipart object: MD5 of the concatenated binary part MD5s, then `-<parts>`.
      const etag = `"${createHash('md5').update(Buffer.concat(parts.map((p) => Buffer.from(p.md5, 'hex')))).digest('hex')}-${parts.length}"`;
      const record = await this.store.commit(bucket, key, temporary, {
        size, etag, lastModified: new Date().toUTCString(), contentType: state.contentType, checksum,
      }, 'ObjectCreated:CompleteMultipartUpload');
      await rm(directory, { recursive: true, force: true });
      if (this.store.bucket(bucket).versioned) response.setHeader('x-amz-version-id', record.versionId);
      const checksumElements = checksum && state.explicitAlgorithm
        ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {};
      sendXml(response, 'CompleteMultipartUploadResult', xmlElements({
        Location: `http://127.0.0.1/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etag, ...checksumElements,
      }));
    } finally {
      await rm(temporary, { force: true });
    }
  }

  private async abortMultipartUpload(response: ServerResponse, query: URLSearchParams, bucket: string, key: string): Promise<void> {
    const { directory } = this.upload(bucket, key, query);
    await rm(directory, { recursive: true, force: true });
    response.statusCode = 204;
    response.end();
  }
}

/**
 * The path and query of a request as sent. Not `new URL(...)`: a WHATWG URL resolves `.` and `..`
 * segments and would address another key than the one the client named.
 */
function requestUrl(target: string): { pathname: string; searchParams: URLSearchParams } {
  const query = target.indexOf('?');
  return query < 0
    ? { pathname: target, searchParams: new URLSearchParams() }
    : { pathname: target.slice(0, query), searchParams: new URLSearchParams(target.slice(query + 1)) };
}

/** A percent-decoded bucket name or key; null when its escapes are not valid UTF-8 (S3 answers InvalidURI). */
function decodePathPart(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** The operation a request names, from its method, subresources and path (S3 API reference, REST). */
function operationOf(method: string, query: URLSearchParams, key: string | undefined): string {
  if (key === undefined || key === '') {
    if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
    if (method === 'GET' && query.has('versions')) return 'ListObjectVersions';
    return `${method} bucket`;
  }
  if (method === 'PUT') return query.has('uploadId') || query.has('partNumber') ? 'UploadPart' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE') return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  return `${method} object`;
}

/**
 * Whether an If-Match header names the object's entity tag: `*`, or one of a comma-separated list of
 * tags, quoted or not (GetObject: IfMatch; RFC 9110 If-Match, strong comparison).
 */
function etagMatches(ifMatch: string, etag: string): boolean {
  const unquoted = (tag: string) => tag.trim().replace(/^"(.*)"$/, '$1');
  return ifMatch.split(',').some((tag) => tag.trim() === '*' || unquoted(tag) === unquoted(etag));
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The checksum algorithm a write names: a checksum header, a trailer announcement, or x-amz-sdk-checksum-algorithm. */
function requestedAlgorithm(request: IncomingMessage): ChecksumAlgorithm | undefined {
  const named = CHECKSUM_ALGORITHMS.filter((algorithm) => request.headers[checksumHeader(algorithm)] !== undefined);
  const trailer = header(request, 'x-amz-trailer')?.toLowerCase();
  const trailed = CHECKSUM_ALGORITHMS.find((algorithm) => checksumHeader(algorithm) === trailer);
  const sdk = header(request, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
  const all = new Set<ChecksumAlgorithm>([...named, ...(trailed ? [trailed] : [])]);
  if (all.size > 1) throw s3Errors.invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  if (sdk !== undefined && !isChecksumAlgorithm(sdk)) {
    throw s3Errors.invalidRequest('Value for x-amz-sdk-checksum-algorithm header is '
    + `invalid: ${sdk}`);
  }
  const [only] = all;
  if (only && sdk && only !== sdk) throw s3Errors.invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
  return only ?? (sdk as ChecksumAlgorithm | undefined);
}

/**
 * Streams a request body to `file`, decoding aws-chunked, computing the ETag's MD5 and the checksum,
 * and checking every integrity value the client sent: Content-Length, x-amz-content-sha256 (a hex digest),
 * Content-MD5 and x-amz-checksum-<algorithm> (a header or a trailer).
 */
async function receiveBody(request: IncomingMessage, file: string, algorithm: ChecksumAlgorithm | undefined, maxSize: number): Promise<ReceivedBody> {
  const contentSha256 = header(request, 'x-amz-content-sha256') ?? '';
  const chunked = (header(request, 'content-encoding') ?? '').split(',').map((s) => s.trim()).includes('aws-chunked')
    || contentSha256.startsWith('STREAMING-');
  const declared = header(request, chunked ? 'x-amz-decoded-content-length' : 'content-length');
  if (declared === undefined) throw new S3Error('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.');
  if (Number(declared) > maxSize) throw s3Errors.entityTooLarge();
  const md5 = createHash('md5');
  const sha256 = /^[0-9a-f]{64}$/.test(contentSha256) ? createHash('sha256') : undefined;
  const checksummer = algorithm ? newChecksummer(algorithm) : undefined;
  let size = 0;
  const measure = new PassThrough();
  measure.on('data', (chunk: Buffer) => {
    size += chunk.length;
    md5.update(chunk);
    sha256?.update(chunk);
    checksummer?.update(chunk);
  });
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  const stages: Array<Readable | Writable | Transform> = [request, ...(decoder ? [decoder] : []), measure, createWriteStream(file)];
  try {
    await (pipeline as (...streams: unknown[]) => Promise<void>)(...stages);
  } catch (error) {
    if (error instanceof S3Error) throw error;
    throw s3Errors.incompleteBody();
  }
  if (size !== Number(declared)) throw s3Errors.incompleteBody();
  if (sha256 && sha256.digest('hex') !== contentSha256) throw s3Errors.contentSha256Mismatch();
  const contentMd5 = header(request, 'content-md5');
  const md5Digest = md5.digest();
  if (contentMd5 !== undefined && contentMd5 !== md5Digest.toString('base64')) {
    throw new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
  }
  if (!algorithm || !checksummer) return { size, md5: md5Digest };
  const value = checksummer.digest().toString('base64');
  const sent = header(request, checksumHeader(algorithm)) ?? decoder?.trailers[checksumHeader(algorithm)];
  if (sent !== undefined && sent !== value) throw s3Errors.badDigest(algorithm);
  return { size, md5: md5Digest, checksum: { algorithm, value } };
}

interface CompletePart {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** The `<Part>` list of a CompleteMultipartUpload body; its schema is small and fixed, so a pattern reads it. */
function parseCompleteParts(xml: string): CompletePart[] {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) throw s3Errors.malformedXml();
  const unescape = (value: string): string => value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
  return [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, body]) => {
    const element = (name: string): string | undefined => {
      const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body);
      return match ? unescape(match[1].trim()) : undefined;
    };
    const partNumber = Number(element('PartNumber'));
    const etag = element('ETag');
    if (!Number.isInteger(partNumber) || etag === undefined) throw s3Errors.malformedXml();
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = element(`Checksum${algorithm}`);
      if (value !== undefined) checksums[algorithm] = value;
    }
    return { partNumber, etag, checksums };
  });
}

async function readText(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw s3Errors.malformedXml();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf-8');
}

async function drain(request: IncomingMessage): Promise<void> {
  for await (const _chunk of request) {
    // CreateMultipartUpload has no body; read whatever was sent.
  }
}

function sendXml(response: ServerResponse, root: string, body: string): void {
  response.setHeader('content-type', 'application/xml');
  response.end(xmlDocument(root, body));
}
