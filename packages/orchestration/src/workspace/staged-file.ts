import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { HeadObjectCommand, HeadObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assertFileName, resolveUnderMount, runPathsFor } from './run-paths';
import { sourceReadError, workspaceError } from './workspace-error';

/** The object version a DataSync stage-in must bring: the one in the run's upload event. */
export interface StagedObject {
  readonly bucket: string;
  readonly key: string;
  /** The version from the S3 event; null for an unversioned bucket (then the key's current object). */
  readonly versionId: string | null;
  /** Object size from the S3 event, in bytes. */
  readonly size: number;
}

/** Where a run's DataSync manifest goes, and what it names. */
export interface ManifestTarget {
  readonly bucket: string;
  readonly key: string;
  /** The object's key relative to the stage-in's source prefix: the path DataSync copies to below the staging directory. */
  readonly relativeKey: string;
  readonly versionId: string | null;
}

/** What a claim checked the staged file against. */
export interface StagedFileCheck {
  /** The checksum compared: an S3 checksum algorithm, `MD5` for a plain ETag, or `none` (size only). */
  readonly algorithm: string;
  /** The value S3 holds (base64 for S3 checksums, hex for MD5); absent when only the size was compared. */
  readonly value?: string;
}

/**
 * The most bytes a claim reads to compare a checksum: half the workspace function's 15-minute
 * timeout at 20 MiB/s, the same conservative rate the direct path's threshold assumes. A larger
 * staged file is compared by size only (DataSync verified its copy against the version the manifest names).
 */
export const MAX_CHECKSUM_BYTES = 20 * 1024 * 1024 * 450;

/** S3 checksums this function recomputes with Node's own code, in the order it prefers them. */
const COMPUTABLE = ['SHA256', 'SHA1', 'CRC32'] as const;
type Computable = typeof COMPUTABLE[number] | 'MD5';


/**
 * One manifest line in DataSync's CSV format: the path relative to the source location, then a
 * comma and the version id. A path with a comma, a quote or a line break is quoted, its quotes
 * doubled (DataSync User Guide, "Transferring specific files or objects by using a manifest").
 */
export function manifestLine(relativeKey: string, versionId: string | null): string {
  const needsQuotes = /[",\r\n]/.test(relativeKey);
  const field = needsQuotes ? `"${relativeKey.replace(/"/g, '""')}"` : relativeKey;
  return `${field}${versionId === null ? '' : `,${versionId}`}\n`;
}

/** Writes the run's manifest, so that DataSync copies exactly the version that started the run. */
export async function writeManifest(target: ManifestTarget, client: S3Client): Promise<string> {
  await client.send(new PutObjectCommand({
    Bucket: target.bucket,
    Key: target.key,
    Body: manifestLine(target.relativeKey, target.versionId),
    ContentType: 'text/csv',
    ChecksumAlgorithm: 'CRC32',
  }));
  return target.key;
}

/**
 * Claims the file a DataSync stage-in left at `stagedPath` for run `runId` and checks it against
 * the upload event before the job sees it. DataSync writes to the staging directory plus the
 * object's key, which every run of that key shares, so the file there may be another version's:
 *
 * 1. the version's size and checksum come from S3 (HeadObject of the event's version);
 * 2. the staged file's size and checksum are compared where it lies; another version's file is
 *    left there (it is another run's) -> `StagedFileMismatch`;
 * 3. the file is renamed into `/runs/<runId>/in/` (atomic: two runs cannot both take it); if it
 *    changed between the check and the rename, it is put back, only if nothing took its place
 *    (a hard link cannot overwrite) -> `StagedFileMismatch`.
 *
 * The state machine retries the stage on `StagedFileMismatch` and `StagedFileMissing` a bounded
 * number of times; a mismatch never reaches the job.
 */
export async function claimStagedFile(
  request: { readonly runId: string; readonly stagedPath: string; readonly fileName: string; readonly expected: StagedObject },
  mountPath: string,
  client: S3Client,
): Promise<{ inputPath: string; outputDirectory: string; bytes: number; check: StagedFileCheck }> {
  assertFileName(request.fileName);
  const paths = runPathsFor(request.runId);
  const staged = resolveUnderMount(mountPath, request.stagedPath);
  const { expected } = request;
  const source = `s3://${expected.bucket}/${expected.key}${expected.versionId === null ? '' : ` version ${expected.versionId}`}`;
  const head = await headVersion(expected, source, client);
  const wanted = expectedCheck(head);
  const describeExpected = `${source} (${expected.size} bytes${wanted.value ? `, ${wanted.algorithm} ${wanted.value}` : ''})`;

  const missing = () => workspaceError('StagedFileMissing',
    `the staged file ${request.stagedPath} is not on the file system; expected ${describeExpected}. Another run of the same key took or removed it`);
  const before = await stat(staged).catch(() => { throw missing(); });
  // Checked where it lies: a file of another version is never moved, so another run's DataSync
  // execution that is still writing or verifying it is not disturbed.
  const actual = before.size === expected.size && wanted.value !== undefined && before.size <= MAX_CHECKSUM_BYTES
    ? await digestOf(staged, wanted.algorithm as Computable).catch(() => { throw missing(); })
    : undefined;
  if (before.size !== expected.size || (actual !== undefined && actual !== wanted.value)) {
    throw workspaceError('StagedFileMismatch', `expected ${describeExpected} but found ${request.stagedPath} of ${before.size} bytes`
      + `${actual !== undefined ? `, ${wanted.algorithm} ${actual}` : ''}: another version of the key was staged there`);
  }
  const inputDirectory = resolveUnderMount(mountPath, paths.inputDirectory);
  await mkdir(inputDirectory, { recursive: true });
  await mkdir(resolveUnderMount(mountPath, paths.outputDirectory), { recursive: true });
  const claimed = path.join(inputDirectory, request.fileName);
  // The rename is the claim: atomic, so two runs cannot both take the file.
  await rename(staged, claimed).catch(() => {
    throw workspaceError('StagedFileMissing', `the staged file ${request.stagedPath} was taken by another run of the same key before this run `
      + `could claim it; expected ${describeExpected}`);
  });
  // The file checked must be the file taken: a copy written over it since (a write sets the
  // modification time to now, not to the object's time DataSync preserves) or in its place is not.
  const after = await stat(claimed);
  if (after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    // Hand it back for the run whose copy it is, unless a newer copy is already there (a link never overwrites).
    await link(claimed, staged).catch(() => undefined);
    await rm(claimed, { force: true });
    throw workspaceError('StagedFileMismatch', `expected ${describeExpected} but ${request.stagedPath} was written again while this run checked `
      + `it (now ${after.size} bytes): another version of the key was staged there`);
  }
  const bytes = after.size;
  const check: StagedFileCheck = actual !== undefined ? wanted : { algorithm: 'none' };
  const inputPath = `${paths.inputDirectory}/${request.fileName}`;
  console.log(JSON.stringify({ outcome: 'prepared', runId: request.runId, source, inputPath, bytes, check }));
  return { inputPath, outputDirectory: paths.outputDirectory, bytes, check };
}

async function headVersion(expected: StagedObject, source: string, client: S3Client): Promise<HeadObjectCommandOutput> {
  let head: HeadObjectCommandOutput;
  try {
    head = await client.send(new HeadObjectCommand({
      Bucket: expected.bucket,
      Key: expected.key,
      VersionId: expected.versionId ?? undefined,
      ChecksumMode: 'ENABLED',
    }));
  } catch (error) {
    throw sourceReadError(error, source);
  }
  if (head.ContentLength !== expected.size) {
    // Only an unversioned bucket gets here: the key's current object is no longer the upload.
    throw workspaceError('SourceObjectChanged', `${source} is ${head.ContentLength} bytes but the upload event said ${expected.size}; `
      + 'it was overwritten after the upload and the bucket keeps no versions');
  }
  return head;
}

/**
 * The checksum to compare: a full-object SHA-256, SHA-1 or CRC32 that S3 holds, else the ETag
 * when it is the MD5 of the bytes (a single-part upload not encrypted with KMS or a customer key),
 * else none (size only: CRC32C and CRC64NVME would need code this function does not bundle).
 */
export function expectedCheck(head: HeadObjectCommandOutput): StagedFileCheck {
  const fields = head as unknown as Record<string, string | undefined>;
  if (head.ChecksumType !== 'COMPOSITE') {
    for (const algorithm of COMPUTABLE) {
      const value = fields[`Checksum${algorithm}`];
      if (value && !value.includes('-')) return { algorithm, value };
    }
  }
  const etag = head.ETag?.replace(/"/g, '');
  const encryptedWithKey = head.ServerSideEncryption === 'aws:kms' || head.ServerSideEncryption === 'aws:kms:dsse'
    || head.SSECustomerAlgorithm !== undefined;
  if (etag && /^[0-9a-f]{32}$/.test(etag) && !encryptedWithKey) return { algorithm: 'MD5', value: etag };
  return { algorithm: 'none' };
}

async function digestOf(file: string, algorithm: Computable): Promise<string> {
  if (algorithm === 'CRC32') {
    let crc = 0;
    for await (const chunk of createReadStream(file)) crc = crc32(chunk as Buffer, crc);
    const bytes = Buffer.alloc(4);
    // zlib.crc32 returns an unsigned 32-bit number: S3 sends its four bytes, big-endian, in base64.
    bytes.writeUInt32BE(crc);
    return bytes.toString('base64');
  }
  const hash = createHash(algorithm.toLowerCase());
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest(algorithm === 'MD5' ? 'hex' : 'base64');
}
