/** The part of an object a ranged GetObject/HeadObject answers: the first and the last byte, both included. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * What a `Range` header asks of an object of `size` bytes, as S3 answers it (GetObject: Range,
 * RFC 9110 byte ranges; S3 serves one range per request):
 *
 * - `bytes=a-b` (b past the end stops at the last byte), `bytes=a-`, `bytes=-n` (the last n bytes, the
 *   whole object when n is larger): that range;
 * - a range that starts at or past the object's end, or `bytes=-0` (a range of no byte), and any
 *   range of an empty object: `'unsatisfiable'` (416 InvalidRange);
 * - no header, a header that is not a byte range (another unit, `a-b` with b before a, no number)
 *   or several ranges: undefined, the whole object, as RFC 9110 lets a server ignore a Range it
 *   does not take and as S3 does for what it does not support.
 */
export function byteRangeOf(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const first = match[1] === '' ? undefined : Number(match[1]);
  const last = match[2] === '' ? undefined : Number(match[2]);
  if (first === undefined) {
    // A suffix: the last `last` bytes.
    if (last === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - last!), end: size - 1 };
  }
  if (last !== undefined && last < first) return undefined;
  if (first >= size) return 'unsatisfiable';
  return { start: first, end: Math.min(last ?? size - 1, size - 1) };
}
