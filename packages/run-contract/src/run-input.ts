import { runIdFor, transferSlotFor } from './run-id';

/** The input of one state machine execution: what the trigger knows about the upload. */
export interface RunInput {
  /** Deterministic id of the run; also the execution name. */
  readonly runId: string;
  /** Bucket the file was uploaded to. */
  readonly bucket: string;
  /** Object key, decoded. */
  readonly key: string;
  /** Object version, or null when the bucket is not versioned. */
  readonly versionId: string | null;
  /** Object size in bytes. */
  readonly size: number;
  /** The key relative to the watched prefix: where stage-in puts the file under its staging directory. */
  readonly relativeKey: string;
  /** The last segment of the key: the name the input file has in the run's directory. */
  readonly fileName: string;
  /** 0-59, from the run id: which task of a DataSync pool the run uses (`transferSlot mod poolSize`). */
  readonly transferSlot: number;
}

/** One object version of the watched prefix, as an S3 event (trigger) or a listing (back-fill) gives it. */
export interface UploadedObject {
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
  /** The object version, or null when the bucket is not versioned. */
  readonly versionId: string | null;
  /** The S3 event sequencer; the run id uses it only when there is no version. */
  readonly sequencer?: string;
  /** Object size in bytes. */
  readonly size: number;
}

/**
 * The execution input of the run of one uploaded object under the watched `prefix`. The trigger
 * function and the CLI's back-fill both build it here, so a back-filled object gets the run id
 * (execution name) an upload event would have given it, byte for byte.
 */
export function runInputFor(object: UploadedObject, prefix: string): RunInput {
  const { bucket, key, versionId, size } = object;
  const runId = runIdFor({ bucket, key, versionId: versionId ?? undefined, sequencer: object.sequencer });
  const relativeKey = key.slice(prefix.length);
  const fileName = relativeKey.split('/').pop()!;
  return { runId, bucket, key, versionId, size, relativeKey, fileName, transferSlot: transferSlotFor(runId) };
}
