/**
 * Decodes an object key as S3 event notifications carry it: URL-encoded,
 * with `+` for a space. Returns undefined for an invalid escape sequence.
 */
export function decodeS3EventKey(encodedKey: string): string | undefined {
  try {
    return decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
