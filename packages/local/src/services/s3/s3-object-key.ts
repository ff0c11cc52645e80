import { S3Error, s3Errors } from './s3-errors';

/** S3's longest key: 1,024 bytes of UTF-8, prefix and delimiters included (S3 User Guide, "Naming Amazon S3 objects"). */
export const MAX_KEY_BYTES = 1024;

/**
 * S3's answer to a request that writes or reads `key`, or undefined when S3 accepts the key.
 * S3 takes any sequence of UTF-8 characters of 1 to 1,024 bytes as a key: a leading `/`,
 * empty segments (`a//b`), a `.` segment, a trailing `/` (a folder marker) and segments of any
 * length are all keys. It refuses a longer key with `KeyTooLongError`, and a request whose path
 * holds a `..` segment (raw or percent-encoded) with a bare `400 Bad Request` and no error body
 * (observed on AWS; the SDKs keep dot segments in the path since 2024). An empty key never
 * reaches S3: the SDK refuses it ("Empty value provided for input HTTP label: Key").
 *
 * One rule for every way into the local buckets (the CLI's uploads, PutObject, multipart uploads,
 * CopyObject's source and destination): call it before anything is written.
 */
export function objectKeyError(key: string): S3Error | undefined {
  if (key === '') return s3Errors.invalidArgument('An object key must not be empty.', 'Key', key);
  if (/\p{Cs}/u.test(key)) return s3Errors.invalidArgument('An object key must be a sequence of UTF-8 characters.', 'Key', key);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return s3Errors.keyTooLong();
  if (key.split('/').includes('..')) return s3Errors.badRequest();
  return undefined;
}

/** Throws S3's error for a key S3 refuses (see {@link objectKeyError}). */
export function checkObjectKey(key: string): void {
  const error = objectKeyError(key);
  if (error) throw error;
}

/** What is wrong with a key S3 refuses, for a person: the rule and the numbers. */
export function describeKeyError(key: string, error: S3Error): string {
  switch (error.code) {
    case 'KeyTooLongError':
      return `S3 refuses it with KeyTooLongError: it is ${Buffer.byteLength(key, 'utf8')} bytes of UTF-8, and a key has at most ${MAX_KEY_BYTES}`;
    case 'BadRequest':
      return 'S3 refuses a key with a \'..\' segment (400 Bad Request): a path segment \'..\' is never part of a key';
    default:
      return `S3 refuses it with ${error.code}: ${error.message}`;
  }
}
