import { existsSync, readdirSync, statSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import * as path from 'node:path';
import { LocalS3Store, SIDECAR, VersionRecord } from './local-s3-store';
import { s3Errors, xmlDocument, xmlElements } from './s3-errors';

/** The owner every listing names: the local runtime has one account and no IAM. */
const OWNER = { ID: '0'.repeat(64), DisplayName: 'local' };

/** One row of a listing before paging: a key's version (or current object), or a common prefix. */
type Row = { readonly key: string; readonly commonPrefix?: undefined; readonly record: VersionRecord; readonly isLatest: boolean }
  | { readonly key: string; readonly commonPrefix: string };

/**
 * ListBuckets (`GET /`): every bucket folder of the store with its creation time (when its
 * `bucket.json` was written), in name order, as S3 lists them.
 */
export function listBuckets(store: LocalS3Store, response: ServerResponse): void {
  const names = existsSync(store.root)
    ? readdirSync(store.root).filter((name) => existsSync(path.join(store.root, name, SIDECAR, 'bucket.json')))
    : [];
  const buckets = names.sort().map((name) => `<Bucket>${xmlElements({
    Name: name,
    CreationDate: statSync(path.join(store.root, name, SIDECAR, 'bucket.json')).mtime.toISOString(),
  })}</Bucket>`).join('');
  sendXml(response, 'ListAllMyBucketsResult', `<Owner>${xmlElements(OWNER)}</Owner><Buckets>${buckets}</Buckets>`);
}

/**
 * ListObjectsV2 with `prefix`, `delimiter` (keys that share the part up to the delimiter are
 * rolled up into one `CommonPrefixes` entry, which counts as one of `max-keys`), `start-after`,
 * `continuation-token` (opaque) and `encoding-type=url` (S3 API reference, ListObjectsV2).
 */
export async function listObjectsV2(store: LocalS3Store, response: ServerResponse, query: URLSearchParams, bucket: string): Promise<void> {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = maxKeysOf(query);
  const token = query.get('continuation-token');
  const marker = token !== null ? decodeToken(token) : (query.get('start-after') ?? '');
  const current = (await store.keyIndexes(bucket, prefix)).flatMap((index) =>
    index.versions[0] && !index.versions[0].deleteMarker ? [{ key: index.key, record: index.versions[0], isLatest: true }] : []);
  const { page, truncated } = pageOf(rollUp(current, prefix, delimiter), marker, maxKeys);
  const encode = encoder(query);
  const contents = page.map((row) => row.commonPrefix !== undefined
    ? `<CommonPrefixes>${xmlElements({ Prefix: encode(row.commonPrefix) })}</CommonPrefixes>`
    : `<Contents>${xmlElements({
      Key: encode(row.key),
      LastModified: new Date(row.record.lastModified).toISOString(),
      ETag: row.record.etag,
      Size: row.record.size,
      StorageClass: 'STANDARD',
      ChecksumAlgorithm: row.record.checksum?.algorithm,
      ChecksumType: row.record.checksum?.type,
    })}</Contents>`).join('');
  sendXml(response, 'ListBucketResult', xmlElements({
    Name: bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    KeyCount: page.length,
    MaxKeys: maxKeys,
    IsTruncated: truncated,
    EncodingType: query.get('encoding-type') === 'url' ? 'url' : undefined,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: truncated ? encodeToken(page[page.length - 1]) : undefined,
    StartAfter: query.get('start-after') ?? undefined,
  }) + contents);
}

/**
 * ListObjectVersions (`GET /bucket?versions`): every version and delete marker, keys in UTF-8
 * binary order and each key's versions newest first, with `prefix`, `delimiter`, `key-marker`,
 * `version-id-marker` and `max-keys` (S3 API reference, ListObjectVersions).
 */
export async function listObjectVersions(store: LocalS3Store, response: ServerResponse, query: URLSearchParams, bucket: string): Promise<void> {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = maxKeysOf(query);
  const keyMarker = query.get('key-marker') ?? '';
  const versionIdMarker = query.get('version-id-marker');
  if (versionIdMarker !== null && keyMarker === '') {
    throw s3Errors.invalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', versionIdMarker);
  }
  const versions: Row[] = (await store.keyIndexes(bucket, prefix)).flatMap((index) =>
    index.versions.map((record, position) => ({ key: index.key, record, isLatest: position === 0 })));
  const rows = rollUp(versions, prefix, delimiter);
  // Resume after the marker: past every version of key-marker, or past version-id-marker within it.
  let start = rows.findIndex((row) => Buffer.compare(Buffer.from(row.key), Buffer.from(keyMarker)) > 0);
  if (versionIdMarker !== null) {
    const at = rows.findIndex((row) => row.commonPrefix === undefined && row.key === keyMarker && row.record.versionId === versionIdMarker);
    if (at >= 0) start = at + 1;
  }
  const remaining = start < 0 ? [] : rows.slice(start);
  const page = remaining.slice(0, maxKeys);
  const truncated = remaining.length > page.length;
  const last = page[page.length - 1];
  const encode = encoder(query);
  const body = page.map((row) => {
    if (row.commonPrefix !== undefined) return `<CommonPrefixes>${xmlElements({ Prefix: encode(row.commonPrefix) })}</CommonPrefixes>`;
    const common = {
      Key: encode(row.key), VersionId: row.record.versionId, IsLatest: row.isLatest, LastModified: new Date(row.record.lastModified).toISOString(),
    };
    return row.record.deleteMarker
      ? `<DeleteMarker>${xmlElements(common)}<Owner>${xmlElements(OWNER)}</Owner></DeleteMarker>`
      : `<Version>${xmlElements({
        ...common, ETag: row.record.etag, Size: row.record.size, StorageClass: 'STANDARD', ChecksumAlgorithm: row.record.checksum?.algorithm,
      })}<Owner>${xmlElements(OWNER)}</Owner></Version>`;
  }).join('');
  sendXml(response, 'ListVersionsResult', xmlElements({
    Name: bucket,
    Prefix: encode(prefix),
    KeyMarker: encode(keyMarker),
    VersionIdMarker: versionIdMarker ?? '',
    NextKeyMarker: truncated ? encode(last.commonPrefix ?? last.key) : undefined,
    NextVersionIdMarker: truncated && last.commonPrefix === undefined ? last.record.versionId : undefined,
    MaxKeys: maxKeys,
    Delimiter: delimiter === undefined ? undefined : encode(delimiter),
    IsTruncated: truncated,
    EncodingType: query.get('encoding-type') === 'url' ? 'url' : undefined,
  }) + body);
}

/** `max-keys`: 1,000 at most and by default; S3 refuses a value that is not a non-negative integer. */
function maxKeysOf(query: URLSearchParams): number {
  const given = query.get('max-keys');
  if (given === null) return 1000;
  if (!/^\d+$/.test(given)) throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', given);
  return Math.min(1000, Number(given));
}

/**
 * With a delimiter, the rows whose key holds the delimiter after the prefix become one common
 * prefix (the key up to and including the first delimiter), in the place of its first key.
 */
function rollUp(rows: readonly Row[], prefix: string, delimiter: string | undefined): Row[] {
  if (delimiter === undefined) return [...rows];
  const result: Row[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const at = row.key.indexOf(delimiter, prefix.length);
    if (at < 0) {
      result.push(row);
      continue;
    }
    const commonPrefix = row.key.slice(0, at + delimiter.length);
    if (!seen.has(commonPrefix)) {
      seen.add(commonPrefix);
      result.push({ key: commonPrefix, commonPrefix });
    }
  }
  return result;
}

/** The rows after a marker (a key or a common prefix: every key under a listed prefix is past it), `maxKeys` of them. */
function pageOf(rows: readonly Row[], marker: string, maxKeys: number): { page: Row[]; truncated: boolean } {
  const after = rows.filter((row) => Buffer.compare(Buffer.from(row.key), Buffer.from(marker)) > 0
    && !(marker.length > 0 && row.commonPrefix === undefined && markerIsPrefix(marker) && row.key.startsWith(marker.slice(0, -1))));
  const page = after.slice(0, maxKeys);
  return { page, truncated: after.length > page.length };
}

/** A continuation token names the last row of a page; a common prefix is marked with a trailing NUL. */
function encodeToken(row: Row): string {
  return Buffer.from(row.commonPrefix !== undefined ? `${row.key}\0` : row.key, 'utf-8').toString('base64');
}

function markerIsPrefix(marker: string): boolean {
  return marker.endsWith('\0');
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf-8');
  if (token === '' || Buffer.from(decoded, 'utf-8').toString('base64') !== token) {
    throw s3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return decoded;
}

function encoder(query: URLSearchParams): (value: string) => string {
  return query.get('encoding-type') === 'url' ? (value) => encodeURIComponent(value).replace(/%2F/g, '/') : (value) => value;
}

function sendXml(response: ServerResponse, root: string, body: string): void {
  response.setHeader('content-type', 'application/xml');
  response.end(xmlDocument(root, body));
}
