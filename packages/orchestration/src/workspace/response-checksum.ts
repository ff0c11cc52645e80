// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { GetObjectCommandOutput } from '@aws-sdk/client-s3';

/** The checksum S3 holds for an object, and whether the SDK checked the bytes against it. */
export interface ObjectChecksum {
  /** `CRC64NVME`, `CRC32`, `CRC32C`, `SHA1`, `SHA256` (or another algorithm S3 reports). */
  readonly algorithm: string;
  /** Base64, as S3 returns it; a composite checksum ends in `-<parts>`. */
  readonly value: string;
  /** True when the SDK validated the streamed bytes against this checksum. */
  readonly validated: boolean;
}

/**
 * The order in which @aws-sdk/client-s3 3.1164's flexible-checksums response middleware looks for
 * a checksum header (PRIORITY_ORDER_ALGORITHMS in @aws-sdk/checksums/flexible-checksums): it
 * validates the first one present and only that one. These five are the ones it implements
 * without extra configuration.
 */
const SDK_VALIDATION_ORDER = ['SHA256', 'SHA1', 'CRC32', 'CRC32C', 'CRC64NVME'] as const;

/** Other checksums GetObject can report; the SDK does not validate them without an implementation passed to the client. */
const OTHER_ALGORITHMS = ['SHA512', 'MD5', 'XXHASH64', 'XXHASH3', 'XXHASH128'] as const;

/**
 * What the SDK does with the checksum of a GetObject response when `ChecksumMode` is `ENABLED`:
 * a full-object checksum is recomputed over the body as it streams and a mismatch fails the
 * stream at its end ("Checksum mismatch: ..."). A composite checksum of a multipart upload
 * (`<base64>-<parts>`, ChecksumType COMPOSITE) is a checksum of part checksums, which cannot be
 * recomputed from the body alone, so the SDK skips validation (`validated: false`).
 */
export function responseChecksum(response: GetObjectCommandOutput): ObjectChecksum | null {
  const fields = response as unknown as Record<string, string | undefined>;
  for (const algorithm of SDK_VALIDATION_ORDER) {
    const value = fields[`Checksum${algorithm}`];
    if (value) {
      return { algorithm, value, validated: !isCompositeChecksum(value) && response.ChecksumType !== 'COMPOSITE' };
    }
  }
  for (const algorithm of OTHER_ALGORITHMS) {
    const value = fields[`Checksum${algorithm}`];
    if (value) return { algorithm, value, validated: false };
  }
  return null;
}

/** Same rule as the SDK's isChecksumWithPartNumber: a `-<1..10000>` suffix (base64 never holds `-`). */
function isCompositeChecksum(value: string): boolean {
  const suffix = value.slice(value.lastIndexOf('-') + 1);
  return value.includes('-') && /^[1-9][0-9]*$/.test(suffix) && Number(suffix) <= 10000;
}
