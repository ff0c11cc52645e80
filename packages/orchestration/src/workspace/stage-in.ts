import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetObjectCommand, GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { ObjectChecksum, responseChecksum } from './response-checksum';
import { assertFileName, resolveUnderMount, runPathsFor } from './run-paths';
import { sourceReadError, workspaceError } from './workspace-error';

/**
 * Stage in (direct path): copy exactly the object version that triggered the run from S3 into
 * `/runs/<runId>/in/<fileName>`, and create `/runs/<runId>/out`. For small objects, instead of
 * DataSync, whose task runs one execution at a time and takes minutes per execution.
 */
export interface StageInRequest {
  readonly action: 'stage-in';
  readonly runId: string;
  /** Not used by this action; part of every workspace request. */
  readonly stagedPath: string;
  readonly bucket: string;
  readonly key: string;
  /** The version from the S3 event; null for an unversioned bucket (then the key's current object is read). */
  readonly versionId: string | null;
  /** Object size from the S3 event, in bytes. */
  readonly size: number;
  readonly fileName: string;
}

export interface StageInResult {
  /** The run's input file, relative to the access point root. */
  readonly inputPath: string;
  /** The run's output directory, relative to the access point root. */
  readonly outputDirectory: string;
  /** Bytes written, equal to the object's size. */
  readonly bytes: number;
  /** The checksum S3 holds for the object, or null when it holds none. */
  readonly checksum: ObjectChecksum | null;
}


export async function stageIn(request: StageInRequest, mountPath: string, client: S3Client): Promise<StageInResult> {
  assertFileName(request.fileName);
  if (!Number.isSafeInteger(request.size) || request.size < 0) {
    throw new Error(`size ${request.size} is not valid; allowed: a whole number of bytes, 0 or more`);
  }
  const paths = runPathsFor(request.runId);
  const inputDirectory = resolveUnderMount(mountPath, paths.inputDirectory);
  await mkdir(inputDirectory, { recursive: true });
  await mkdir(resolveUnderMount(mountPath, paths.outputDirectory), { recursive: true });
  const source = `s3://${request.bucket}/${request.key}${request.versionId === null ? '' : ` version ${request.versionId}`}`;

  let response: GetObjectCommandOutput;
  try {
    response = await client.send(new GetObjectCommand({
      Bucket: request.bucket,
      Key: request.key,
      // The version from the event, so an overwrite after the upload does not change what this run processes.
      VersionId: request.versionId ?? undefined,
      // Asks S3 for the object's checksum, which the SDK then checks while the body streams.
      ChecksumMode: 'ENABLED',
    }));
  } catch (error) {
    throw sourceReadError(error, source);
  }

  const body = response.Body as Readable | undefined;
  if (response.ContentLength !== request.size) {
    body?.destroy();
    throw workspaceError('SizeMismatch', `${source} is ${response.ContentLength} bytes but the upload event said ${request.size}; `
      + 'it is not the object that started this run');
  }
  const checksum = responseChecksum(response);
  // A temporary name that the job never looks for, renamed only once every byte is in and checked,
  // so that a failed copy never leaves a file that looks complete.
  const temporary = path.join(inputDirectory, `.stage-in-${randomBytes(8).toString('hex')}.partial`);
  let bytes = 0;
  try {
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(undefined, chunk);
      },
    });
    await pipeline(body ?? Readable.from([]), count, createWriteStream(temporary, { flags: 'wx' }));
    if (bytes !== response.ContentLength) {
      throw workspaceError('SizeMismatch', `${source}: received ${bytes} bytes but S3 announced ${response.ContentLength}`);
    }
    await rename(temporary, path.join(inputDirectory, request.fileName));
  } catch (error) {
    await rm(temporary, { force: true });
    // The SDK's checksum stream fails with a plain Error whose message starts so (@smithy/core serde ChecksumStream).
    if ((error as Error).message?.startsWith('Checksum mismatch')) {
      throw workspaceError('ChecksumMismatch', `${source}: the bytes received do not match the ${checksum?.algorithm} checksum S3 holds: `
        + `${(error as Error).message}`);
    }
    throw error;
  }
  const inputPath = `${paths.inputDirectory}/${request.fileName}`;
  console.log(JSON.stringify({ outcome: 'staged-in', runId: request.runId, source, inputPath, bytes, checksum }));
  return { inputPath, outputDirectory: paths.outputDirectory, bytes, checksum };
}
