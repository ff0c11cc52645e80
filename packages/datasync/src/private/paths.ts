import { Token } from 'aws-cdk-lib';

/**
 * Characters DataSync accepts in an S3 or EFS location subdirectory: the API pattern
 * `^[a-zA-Z0-9_\-\+\./\(\)\p{Zs}]*$` (CreateLocationEfs, CreateLocationS3), where
 * `\p{Zs}` is a space separator, not a tab or a line break.
 */
const SUBDIRECTORY_CHARACTERS = /^[A-Za-z0-9_\-+./()\p{Zs}]*$/u;
/** The longest subdirectory DataSync accepts (CreateLocationEfs, CreateLocationS3: 4096). */
const MAX_SUBDIRECTORY_LENGTH = 4096;

/**
 * Normalizes a location subdirectory to its segments: `'/runs/'`, `'runs'` and
 * `'runs/'` all give `['runs']`; `'/'`, `''` and undefined give `[]`.
 * Returns undefined when the value is not a valid subdirectory.
 */
export function subdirectorySegments(value: string | undefined): string[] | undefined {
  if (value === undefined) {
    return [];
  }
  if (!SUBDIRECTORY_CHARACTERS.test(value) || value.includes('//') || value.length > MAX_SUBDIRECTORY_LENGTH - 2) {
    return undefined;
  }
  const segments = value.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..' || segment.trim() === '')) {
    return undefined;
  }
  return segments;
}

/** What a subdirectory prop allows, for error messages. */
export const SUBDIRECTORY_ALLOWED = "a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', "
  + "without '.' or '..' segments, such as 'uploads/' or '/runs'";

/**
 * The normalized form of a location subdirectory, `/a/b/`, or `/` for the root.
 * Unresolved tokens are returned unchanged.
 */
export function normalizeSubdirectory(value: string | undefined, error: () => Error): string {
  if (value !== undefined && Token.isUnresolved(value)) {
    return value;
  }
  const segments = subdirectorySegments(value);
  if (segments === undefined) {
    throw error();
  }
  return segments.length === 0 ? '/' : `/${segments.join('/')}/`;
}
