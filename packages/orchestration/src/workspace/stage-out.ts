import { createReadStream } from 'node:fs';
// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { S3Client } from '@aws-sdk/client-s3';
// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { Upload } from '@aws-sdk/lib-storage';
import { listOutputFiles, OutputFile } from './output-files';
import { resolveUnderMount, runPathsFor } from './run-paths';
import { workspaceError } from './workspace-error';

/**
 * Stage out (direct path): upload the run's output directory to the reports bucket when it is
 * small; a larger output is left to DataSync (`staged: false`, nothing uploaded).
 */
export interface StageOutRequest {
  readonly action: 'stage-out';
  readonly runId: string;
  /** Not used by this action; part of every workspace request. */
  readonly stagedPath: string;
  readonly reportBucket: string;
  /** Prepended to each file's path below the output directory, such as `reports/runs/<runId>/out/`. */
  readonly reportPrefix: string;
  /** The most bytes this function uploads; a larger output is left to DataSync. */
  readonly maxBytes: number;
}

export interface StageOutResult {
  /** True when the output was uploaded; false when it is larger than maxBytes (nothing uploaded). */
  readonly staged: boolean;
  /** Total size of the output files. */
  readonly bytes: number;
  /** Number of output files. */
  readonly files: number;
  /** Keys written in the reports bucket, when staged. */
  readonly objects?: string[];
}

/** S3 object keys are at most 1024 bytes of UTF-8 (S3 User Guide, "Naming Amazon S3 objects"). */
export const MAX_KEY_BYTES = 1024;

/**
 * Files uploaded at once, each with one part in flight: at most this many part buffers
 * (5 MiB each, lib-storage's part size) are in memory, whatever the output looks like.
 */
const FILES_IN_PARALLEL = 4;

export async function stageOut(request: StageOutRequest, mountPath: string, client: S3Client): Promise<StageOutResult> {
  if (!Number.isSafeInteger(request.maxBytes) || request.maxBytes < 0) {
    throw new Error(`maxBytes ${request.maxBytes} is not valid; allowed: a whole number of bytes, 0 or more`);
  }
  const paths = runPathsFor(request.runId);
  const outputs = await listOutputFiles(resolveUnderMount(mountPath, paths.outputDirectory), resolveUnderMount(mountPath, paths.runDirectory));
  const bytes = outputs.reduce((total, file) => total + file.size, 0);
  if (bytes > request.maxBytes) {
    console.log(JSON.stringify({
      outcome: 'stage-out-left-to-datasync',
      runId: request.runId,
      bytes,
      files: outputs.length,
      maxBytes: request.maxBytes,
    }));
    return { staged: false, bytes, files: outputs.length };
  }
  // Check every key before the first upload, so a refused output uploads nothing.
  const objects = outputs.map((file) => `${request.reportPrefix}${file.relativePath}`);
  const tooLong = objects.find((key) => Buffer.byteLength(key, 'utf-8') > MAX_KEY_BYTES);
  if (tooLong !== undefined) {
    throw workspaceError('ReportKeyTooLong', `report key '${tooLong}' is ${Buffer.byteLength(tooLong, 'utf-8')} bytes of UTF-8; allowed: `
      + `at most ${MAX_KEY_BYTES} (shorten the output's paths or the report prefix)`);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < outputs.length) {
      const index = next++;
      await uploadFile(client, request.reportBucket, objects[index], outputs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_PARALLEL, outputs.length) }, worker));
  console.log(JSON.stringify({
    outcome: 'staged-out',
    runId: request.runId,
    bytes,
    files: outputs.length,
    reportBucket: request.reportBucket,
    reportPrefix: request.reportPrefix,
  }));
  return { staged: true, bytes, files: outputs.length, objects };
}

/**
 * One file, streamed from EFS: a single PutObject up to lib-storage's part size (5 MiB), a
 * multipart upload above it. CRC32 with ChecksumType FULL_OBJECT: S3 checks every request's
 * CRC32 and, for a multipart upload, stores a CRC32 of the whole object (full-object checksums
 * exist only for the CRC algorithms; SHA-256 of a multipart upload is a composite checksum of the
 * parts, which a reader cannot check without the part boundaries). So anyone who downloads the
 * report with checksum mode enabled validates it, however it was uploaded. CRC32 is also the
 * SDK's default and cheap to compute; the threat is corruption in transit or at rest, not
 * tampering, which TLS and IAM address.
 */
async function uploadFile(client: S3Client, bucket: string, key: string, file: OutputFile): Promise<void> {
  const upload = new Upload({
    client,
    queueSize: 1,
    params: {
      Bucket: bucket,
      Key: key,
      Body: createReadStream(file.absolutePath),
      ContentLength: file.size,
      ChecksumAlgorithm: 'CRC32',
      ChecksumType: 'FULL_OBJECT',
    },
  });
  await upload.done();
}
