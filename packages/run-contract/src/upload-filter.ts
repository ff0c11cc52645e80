/** Which uploads start a run. */
export interface UploadFilter {
  /** Only keys under this prefix ('' for all). */
  readonly prefix: string;
  /** Only keys ending in one of these (empty for all). */
  readonly suffixes: string[];
  /** `SKIP` (start nothing for an empty object) or `PROCESS`: the trigger's ZeroByteObjects. */
  readonly zeroByteObjects: string;
}

/** Why an S3 event record started nothing. */
export type SkipReason = 'not-object-created' | 'folder-marker' | 'outside-prefix' | 'suffix-not-watched' | 'zero-byte-object' | 'unsupported-key';

/** EFS (NFSv4.1) refuses a file or directory name longer than 255 bytes. */
export const MAX_PATH_SEGMENT_BYTES = 255;

/**
 * Keys the pipeline cannot stage exactly: DataSync filters read `*` as a
 * wildcard and `|` as a separator, and `.`/`..`/empty segments, segments
 * longer than EFS allows, or control characters do not map to one file on EFS.
 */
function isStageableKey(relativeKey: string): boolean {
  if (/[*|\u0000-\u001f\u007f]/.test(relativeKey)) {
    return false;
  }
  return relativeKey.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..'
    && Buffer.byteLength(segment, 'utf8') <= MAX_PATH_SEGMENT_BYTES);
}

/** The reason an object must not start a run, or undefined when it should. */
export function skipReasonFor(eventName: string, key: string, size: number, filter: UploadFilter): SkipReason | undefined {
  if (!eventName.startsWith('ObjectCreated:')) {
    return 'not-object-created';
  }
  if (key.endsWith('/')) {
    return 'folder-marker';
  }
  if (!key.startsWith(filter.prefix)) {
    return 'outside-prefix';
  }
  if (filter.suffixes.length > 0 && !filter.suffixes.some((suffix) => key.endsWith(suffix))) {
    return 'suffix-not-watched';
  }
  if (size === 0 && filter.zeroByteObjects === 'SKIP') {
    return 'zero-byte-object';
  }
  if (!isStageableKey(key.slice(filter.prefix.length))) {
    return 'unsupported-key';
  }
  return undefined;
}
