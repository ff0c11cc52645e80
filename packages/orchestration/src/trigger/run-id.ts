import { createHash } from 'node:crypto';

/** Step Functions execution names are at most 80 characters. */
export const MAX_RUN_ID_LENGTH = 80;
const HASH_LENGTH = 24;
const READABLE_PART_LENGTH = MAX_RUN_ID_LENGTH - HASH_LENGTH - 1;

/** What identifies one upload: the same object version always gets the same run id. */
export interface UploadIdentity {
  readonly bucket: string;
  readonly key: string;
  /** The object version, when the bucket is versioned. */
  readonly versionId?: string;
  /** The S3 event sequencer, which orders events of one key; used when there is no version. */
  readonly sequencer?: string;
}

/**
 * The run id of an upload: the file name made safe (`[A-Za-z0-9_-]`), a dash,
 * and 24 hex characters of a SHA-256 over bucket, key and version (or sequencer).
 * Deterministic, so a duplicate S3 event yields the same Step Functions
 * execution name and cannot start a second run; at most 80 characters.
 */
export function runIdFor(upload: UploadIdentity): string {
  const revision = upload.versionId ?? upload.sequencer ?? '';
  const hash = createHash('sha256')
    .update([upload.bucket, upload.key, revision].join('\n'))
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const fileName = upload.key.split('/').filter((part) => part.length > 0).pop() ?? 'upload';
  const readable = fileName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, READABLE_PART_LENGTH);
  return `${readable}-${hash}`;
}
