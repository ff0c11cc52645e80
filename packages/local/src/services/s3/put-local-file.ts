import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalS3Store, VersionRecord } from './local-s3-store';
import { newChecksummer } from './s3-checksums';
import { checkObjectKey } from './s3-object-key';

/**
 * Uploads a local file as a new object version, as PutObject would (S3's key rules, then): the file is copied
 * (never moved: the user's file stays where it is), gets an MD5 ETag and the CRC64NVME
 * checksum S3 adds to an object uploaded without one, and the bucket's event listeners
 * fire once the version is committed.
 */
export async function putLocalFile(store: LocalS3Store, bucket: string, key: string, file: string): Promise<VersionRecord> {
  // S3's key rules and the bucket, before anything is copied.
  checkObjectKey(key);
  store.bucket(bucket);
  const temporary = store.temporaryPath(bucket);
  const md5 = createHash('md5');
  const checksum = newChecksummer('CRC64NVME');
  await pipeline(createReadStream(file), new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      checksum.update(chunk);
      callback(null, chunk);
    },
  }), createWriteStream(temporary));
  return store.commit(bucket, key, temporary, {
    size: statSync(temporary).size,
    etag: `"${md5.digest('hex')}"`,
    lastModified: new Date().toUTCString(),
    checksum: { algorithm: 'CRC64NVME', type: 'FULL_OBJECT', value: checksum.digest().toString('base64') },
  });
}
