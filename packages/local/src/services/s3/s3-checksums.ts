/* eslint-disable no-bitwise -- CRC arithmetic is bit arithmetic */
import { createHash, Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The checksum algorithms S3 stores with an object (S3 User Guide, "Checking object integrity"),
 * computed here without the SDK so that the local endpoint checks what the SDK sends
 * instead of trusting its own code.
 */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = typeof CHECKSUM_ALGORITHMS[number];

/** FULL_OBJECT: a checksum of all the bytes; COMPOSITE: a checksum of the part checksums, with a `-<parts>` suffix. */
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

/** Which algorithms S3 accepts for each checksum type of a multipart upload. */
export const FULL_OBJECT_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME'];
export const COMPOSITE_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'];

export interface StoredChecksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly type: ChecksumType;
  /** Base64, with `-<parts>` for a composite checksum. */
  readonly value: string;
}

export function isChecksumAlgorithm(value: string): value is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(value);
}

/** The header that carries a checksum: `x-amz-checksum-crc32`, ... */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** An incremental checksum with a raw digest, like `crypto.Hash`. */
export interface Checksummer {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

export function newChecksummer(algorithm: ChecksumAlgorithm): Checksummer {
  switch (algorithm) {
    case 'CRC32': return new Crc32Checksummer();
    case 'CRC32C': return new Crc32cChecksummer();
    case 'CRC64NVME': return new Crc64NvmeChecksummer();
    case 'SHA1': return hashChecksummer(createHash('sha1'));
    case 'SHA256': return hashChecksummer(createHash('sha256'));
  }
}

export function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  const checksummer = newChecksummer(algorithm);
  checksummer.update(data);
  return checksummer.digest().toString('base64');
}

/**
 * A composite checksum: the checksum of the concatenated raw part checksums, then `-<parts>`
 * (S3 User Guide, "Using part-level checksums for multipart uploads").
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const raw = Buffer.concat(partChecksums.map((value) => Buffer.from(value, 'base64')));
  return `${checksumOf(algorithm, raw)}-${partChecksums.length}`;
}

function hashChecksummer(hash: Hash): Checksummer {
  return { update: (data) => hash.update(data), digest: () => hash.digest() };
}

function bigEndian32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}

class Crc32Checksummer implements Checksummer {
  private value = 0;
  public update(data: Uint8Array): void {
    this.value = crc32(data, this.value);
  }
  public digest(): Buffer {
    return bigEndian32(this.value);
  }
}

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78; node:zlib has only CRC-32. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

class Crc32cChecksummer implements Checksummer {
  private crc = 0xffffffff;
  public update(data: Uint8Array): void {
    let crc = this.crc;
    for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
    this.crc = crc >>> 0;
  }
  public digest(): Buffer {
    return bigEndian32(~this.crc);
  }
}

/**
 * CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, initial value and final xor all ones.
 * The 64-bit register is kept as two 32-bit halves, because BigInt arithmetic per byte is
 * too slow for objects of megabytes.
 */
const CRC64_TABLE = (() => {
  const low = new Uint32Array(256);
  const high = new Uint32Array(256);
  const polyLow = 0xac4bc9b5;
  const polyHigh = 0x9a6c9329;
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ polyLow) >>> 0;
        hi = (hi ^ polyHigh) >>> 0;
      }
    }
    low[n] = lo;
    high[n] = hi;
  }
  return { low, high };
})();

class Crc64NvmeChecksummer implements Checksummer {
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  public update(data: Uint8Array): void {
    let { lo, hi } = this;
    const { low, high } = CRC64_TABLE;
    for (const byte of data) {
      const index = (lo ^ byte) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ low[index]) >>> 0;
      hi = ((hi >>> 8) ^ high[index]) >>> 0;
    }
    this.lo = lo;
    this.hi = hi;
  }
  public digest(): Buffer {
    const buffer = Buffer.alloc(8);
    buffer.writeUInt32BE(~this.hi >>> 0, 0);
    buffer.writeUInt32BE(~this.lo >>> 0, 4);
    return buffer;
  }
}
