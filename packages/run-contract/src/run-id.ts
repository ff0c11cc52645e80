import { createHash } from 'node:crypto';

/** Step Functions execution names are at most 80 characters. */
export const MAX_RUN_ID_LENGTH = 80;

/**
 * What every name derived from a run id must satisfy: a Step Functions
 * execution name (1-80 characters; letters, digits, `-` and `_` are always
 * accepted) and a Batch job name (up to 128 characters, letters, digits, `-`
 * and `_`, and the first character must be a letter or a digit).
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

const HASH_LENGTH = 24;
const READABLE_PART_LENGTH = MAX_RUN_ID_LENGTH - HASH_LENGTH - 1;
/** The readable part when nothing of the file name survives (a name of only symbols or non-Latin script). */
const FALLBACK_READABLE_PART = 'upload';

/**
 * How many transfer slots a run id maps to. A run uses DataSync task
 * `transferSlot mod poolSize` of a pool; 60 has many divisors, so pools of
 * 1-6, 10, 12, 15, 20 or 30 tasks get exactly even shares.
 */
export const TRANSFER_SLOTS = 60;

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
 * The file name as letters, digits, `-` and `_`, starting and ending with a
 * letter or digit: accents are dropped (`über` -> `uber`), every other run of
 * characters becomes one `_`, and leading or trailing symbols go.
 */
function readablePart(fileName: string): string {
  const safe = fileName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9-]+/g, '_')
    .slice(0, READABLE_PART_LENGTH)
    .replace(/^[_-]+|[_-]+$/g, '');
  return safe === '' ? FALLBACK_READABLE_PART : safe;
}

/**
 * The run id of an upload: the file name made safe (see `readablePart`), a dash,
 * and 24 hex characters of a SHA-256 over bucket, key and version (or sequencer).
 * Deterministic, so a duplicate S3 event yields the same Step Functions
 * execution name and cannot start a second run; at most 80 characters and
 * always matching `RUN_ID_PATTERN`, so it is also a valid Batch job name.
 */
export function runIdFor(upload: UploadIdentity): string {
  const revision = upload.versionId ?? upload.sequencer ?? '';
  const hash = createHash('sha256')
    .update([upload.bucket, upload.key, revision].join('\n'))
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const fileName = upload.key.split('/').filter((part) => part.length > 0).pop() ?? '';
  return `${readablePart(fileName)}-${hash}`;
}

/** The transfer slot of a run (0 to TRANSFER_SLOTS - 1), from the hash at the end of its run id. */
export function transferSlotFor(runId: string): number {
  return parseInt(runId.slice(-8), 16) % TRANSFER_SLOTS;
}
