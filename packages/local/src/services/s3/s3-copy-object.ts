import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalS3Store, VERSION_ID_PATTERN, VersionRecord } from './local-s3-store';
import { checksumHeader } from './s3-checksums';
import { s3Errors, xmlDocument, xmlElements } from './s3-errors';
import { checkObjectKey } from './s3-object-key';

/** A copy source may be 5 GiB at most (S3 API reference, CopyObject). */
const MAX_COPY_SOURCE_BYTES = 5 * 1024 * 1024 * 1024;

/**
 * CopyObject (`PUT /bucket/key` with `x-amz-copy-source: bucket/key[?versionId=...]`): the source
 * version's body becomes a new version of the destination (an `ObjectCreated:Copy` event, as S3
 * sends), with the source's content type unless `x-amz-metadata-directive: REPLACE` gives one.
 * The copy is a single-part object: its ETag is the MD5 of the body. A full-object checksum is
 * kept; a composite one (of parts) does not apply to the copy and is dropped.
 */
export async function copyObject(
  store: LocalS3Store, request: IncomingMessage, response: ServerResponse, bucket: string, key: string,
): Promise<void> {
  const source = copySource(String(request.headers['x-amz-copy-source']));
  const record = sourceVersion(store, source);
  if (record.size > MAX_COPY_SOURCE_BYTES) {
    throw s3Errors.invalidRequest(`The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SOURCE_BYTES}`);
  }
  const directive = String(request.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY'
    && directive !== 'REPLACE') throw s3Errors.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  if (source.bucket === bucket && source.key === key && source.versionId === undefined && directive === 'COPY') {
    throw s3Errors.invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's "
      + 'metadata, storage class, website redirect location or encryption attributes.');
  }
  // Refuse a destination key a folder cannot hold before copying anything.
  store.objectPath(bucket, key);
  const temporary = store.temporaryPath(bucket);
  try {
    const md5 = createHash('md5');
    await pipeline(createReadStream(store.bodyPath(source.bucket, source.key, record)), new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        callback(undefined, chunk);
      },
    }), createWriteStream(temporary));
    const checksum = record.checksum?.type === 'FULL_OBJECT' ? record.checksum : undefined;
    const committed = await store.commit(bucket, key, temporary, {
      size: record.size,
      etag: `"${md5.digest('hex')}"`,
      lastModified: new Date().toUTCString(),
      contentType: directive === 'REPLACE' ? request.headers['content-type'] : record.contentType,
      checksum,
    }, 'ObjectCreated:Copy');
    if (store.bucket(bucket).versioned) response.setHeader('x-amz-version-id', committed.versionId);
    if (store.bucket(source.bucket).versioned) response.setHeader('x-amz-copy-source-version-id', record.versionId);
    if (checksum) response.setHeader(checksumHeader(checksum.algorithm), checksum.value);
    response.setHeader('content-type', 'application/xml');
    response.end(xmlDocument('CopyObjectResult', xmlElements({
      ETag: committed.etag,
      LastModified: new Date(committed.lastModified).toISOString(),
      ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {}),
    })));
  } finally {
    await rm(temporary, { force: true });
  }
}

interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/** `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, with an optional `?versionId=`. */
function copySource(header: string): CopySource {
  const [location, query] = header.split('?', 2);
  let decoded: string;
  try {
    decoded = decodeURIComponent(location.replace(/^\//, ''));
  } catch {
    throw s3Errors.invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', header);
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw s3Errors.invalidArgument('Invalid copy source object key', 'x-amz-copy-source', header);
  }
  const versionId = query !== undefined ? new URLSearchParams(query).get('versionId') ?? undefined : undefined;
  // The source key follows the key rules of every other way in (a '..' segment never names an object).
  checkObjectKey(decoded.slice(slash + 1));
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

/** The source version, with S3's answers for a missing key or version and a delete marker. */
function sourceVersion(store: LocalS3Store, source: CopySource): VersionRecord {
  const { versioned } = store.bucket(source.bucket);
  const versions = store.versions(source.bucket, source.key);
  if (source.versionId === undefined) {
    const current = versions[0];
    if (!current || current.deleteMarker) throw s3Errors.noSuchKey(source.key);
    return current;
  }
  if (source.versionId !== 'null' && (!versioned || !VERSION_ID_PATTERN.test(source.versionId))) {
    throw s3Errors.invalidArgument('Invalid version id specified', 'x-amz-copy-source', source.versionId);
  }
  const record = versions.find((version) => version.versionId === source.versionId);
  if (!record) throw s3Errors.noSuchVersion(source.key, source.versionId);
  // "The source of a copy request may not specifically refer to a delete marker by version id."
  if (record.deleteMarker) throw s3Errors.invalidRequest('The source of a copy request may not specifically refer to a delete marker by version id.');
  return record;
}
