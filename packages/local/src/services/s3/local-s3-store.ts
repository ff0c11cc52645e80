import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { StoredChecksum } from './s3-checksums';
import { s3Errors } from './s3-errors';

/** One version of a key, or a delete marker. */
export interface VersionRecord {
  /** `null` (the string, as S3 names it) in a bucket that was never versioned. */
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly size: number;
  /** Quoted, as S3 returns it. */
  readonly etag: string;
  readonly lastModified: string;
  readonly contentType?: string;
  readonly checksum?: StoredChecksum;
}

/** Every version of one key. */
export interface KeyIndex {
  readonly key: string;
  /** Newest first: the first is the current version. */
  readonly versions: VersionRecord[];
  /**
   * Where the current version's body is: the key's own file in the bucket's folder, or (for a key
   * no file can be named after) `.s3/objects/<sha256(key)>`. Absent in indexes written before
   * keys could live in the sidecar: those are all in the folder.
   */
  readonly placement?: 'folder' | 'sidecar';
}

/** How an object was created, as S3 names the event (`s3:` left out). */
export type ObjectCreatedEventName = 'ObjectCreated:Put' | 'ObjectCreated:CompleteMultipartUpload' | 'ObjectCreated:Copy';

/** A committed object version, for event notifications. */
export interface ObjectCreated {
  readonly bucket: string;
  readonly key: string;
  readonly record: VersionRecord;
  readonly eventName: ObjectCreatedEventName;
  /** Hexadecimal, growing with every write: S3 event `sequencer` values compare this way. */
  readonly sequencer: string;
}

export interface BucketOptions {
  /** Whether the bucket keeps every version (S3 versioning `Enabled`). */
  readonly versioned: boolean;
}

/** The folder of a bucket that holds what is not an object: versions, uploads, the bucket's settings. */
export const SIDECAR = '.s3';

/**
 * Buckets as folders a user can open: the current version of `<key>` is the file
 * `<root>/<bucket>/<key>`; the sidecar `<root>/<bucket>/.s3/` holds `bucket.json`,
 * `versions/<sha256(key)>.json` (every version's metadata, newest first),
 * `versions/<sha256(key)>/<versionId>` (bodies of noncurrent versions) and
 * `uploads/<uploadId>/` (multipart uploads in progress). Bodies move by rename, never by copy.
 *
 * Every key S3 accepts is stored. A key that no file can be named after (a leading `/`, `a//b`, a
 * folder marker `a/`, a `.` segment, a segment over 255 bytes, a first segment `.s3`, or a key that
 * is also the folder of another key, `a` and `a/b`) keeps its current version in the sidecar,
 * `.s3/objects/<sha256(key)>`, beside its versions; its index names the key. Such an object is not
 * in the folder view (nor in what the bucket watcher or DataSync's folder walk see).
 */
export class LocalS3Store {
  /** The last write of each key, which the next write of that key waits for. */
  private readonly writes = new Map<string, Promise<unknown>>();
  private readonly createdListeners: Array<(created: ObjectCreated) => void> = [];
  /** Orders the writes to the store, as S3's `sequencer` orders the events of a key. */
  private sequence = 0;

  constructor(public readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  public createBucket(bucket: string, options: BucketOptions): void {
    mkdirSync(path.join(this.root, bucket, SIDECAR, 'tmp'), { recursive: true });
    writeFileSync(path.join(this.root, bucket, SIDECAR, 'bucket.json'), JSON.stringify({ versioned: options.versioned }));
  }

  /** The bucket's settings; NoSuchBucket when it was not created. */
  public bucket(bucket: string): BucketOptions {
    const file = path.join(this.root, bucket, SIDECAR, 'bucket.json');
    if (bucket === '' || bucket.includes('/') || bucket.startsWith('.') || !existsSync(file)) throw s3Errors.noSuchBucket(bucket);
    return JSON.parse(readFileSync(file, 'utf-8')) as BucketOptions;
  }

  /**
   * Where the current version of a key lives (or would live, written now): its file in the
   * bucket's folder, or its file in the sidecar for a key the folder cannot hold.
   */
  public objectPath(bucket: string, key: string): string {
    return this.placed(bucket, key, this.index(bucket, key)).file;
  }

  /** Whether the current version of a key is a file of the folder view (not in the sidecar). */
  public inFolderView(bucket: string, key: string): boolean {
    return this.placed(bucket, key, this.index(bucket, key)).placement === 'folder';
  }

  /** The body of one version, current or not. */
  public bodyPath(bucket: string, key: string, record: VersionRecord): string {
    const index = this.index(bucket, key);
    return index?.versions[0]?.versionId === record.versionId ? this.objectPath(bucket, key) : this.noncurrentPath(bucket, key, record.versionId);
  }

  /** Every version of a key, newest first (an empty list when the key never existed). */
  public versions(bucket: string, key: string): readonly VersionRecord[] {
    return this.index(bucket, key)?.versions ?? [];
  }

  /** A fresh file name for a body being received, in the bucket's sidecar (same file system, so it can be renamed). */
  public temporaryPath(bucket: string): string {
    return path.join(this.root, bucket, SIDECAR, 'tmp', randomBytes(12).toString('hex'));
  }

  public uploadDirectory(bucket: string, uploadId: string): string {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(uploadId)) throw s3Errors.noSuchUpload(uploadId);
    return path.join(this.root, bucket, SIDECAR, 'uploads', uploadId);
  }

  /**
   * Called after every object version is committed, as S3 sends an `s3:ObjectCreated:*`
   * event notification after the write succeeded.
   */
  public onObjectCreated(listener: (created: ObjectCreated) => void): void {
    this.createdListeners.push(listener);
  }

  /**
   * Makes a received body (or a delete marker, `body` undefined) the key's current version.
   * Commits are serialised so that concurrent writers of one key cannot interleave renames.
   */
  public async commit(bucket: string, key: string, body: string | undefined, record: Omit<VersionRecord, 'versionId' | 'deleteMarker'>,
    eventName: ObjectCreatedEventName = 'ObjectCreated:Put'): Promise<VersionRecord> {
    const committed = await this.serialised(bucket, key, async () => {
      const { versioned } = this.bucket(bucket);
      const existing = this.index(bucket, key);
      const { file, placement } = this.placed(bucket, key, existing);
      const index = existing ?? { key, versions: [] };
      const current = index.versions[0];
      const next: VersionRecord = { ...record, versionId: versioned ? newVersionId() : 'null', deleteMarker: body === undefined };
      if (versioned && current && !current.deleteMarker) {
        mkdirSync(path.dirname(this.noncurrentPath(bucket, key, current.versionId)), { recursive: true });
        await rename(file, this.noncurrentPath(bucket, key, current.versionId));
      }
      if (body === undefined) {
        await rm(file, { force: true });
        await this.removeEmptyParents(bucket, file);
      } else {
        await renameIntoFolder(body, file);
      }
      // Without versioning a write replaces the one version, `null` (S3 User Guide, "Working with objects in a versioning-suspended bucket").
      const versions = versioned ? [next, ...index.versions] : [next];
      await this.writeIndex(bucket, { key, versions: body === undefined && !versioned ? [] : versions, placement });
      return next;
    });
    if (body !== undefined) {
      this.sequence++;
      for (const listener of this.createdListeners) {
        listener({ bucket, key, record: committed, eventName, sequencer: this.sequence.toString(16).toUpperCase().padStart(16, '0') });
      }
    }
    return committed;
  }

  /** Removes one version for good; when it was the current one, the next newest becomes current. */
  public async deleteVersion(bucket: string, key: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.serialised(bucket, key, async () => {
      const index = this.index(bucket, key);
      const position = index?.versions.findIndex((v) => v.versionId === versionId) ?? -1;
      if (!index || position < 0) return undefined;
      const removed = index.versions[position];
      const { file, placement } = this.placed(bucket, key, index);
      if (position === 0) {
        await rm(file, { force: true });
        const promoted = index.versions[1];
        if (promoted && !promoted.deleteMarker) {
          mkdirSync(path.dirname(file), { recursive: true });
          await rename(this.noncurrentPath(bucket, key, promoted.versionId), file);
        } else {
          await this.removeEmptyParents(bucket, file);
        }
      } else {
        await rm(this.noncurrentPath(bucket, key, versionId), { force: true });
      }
      await this.writeIndex(bucket, { key, versions: index.versions.filter((_, i) => i !== position), placement });
      return removed;
    });
  }

  /** Keys whose current version is an object (not a delete marker), in UTF-8 binary order, as ListObjectsV2 returns them. */
  public async list(bucket: string, prefix: string): Promise<Array<{ key: string; record: VersionRecord }>> {
    return (await this.keyIndexes(bucket, prefix)).flatMap((index) => {
      const current = index.versions[0];
      return current && !current.deleteMarker ? [{ key: index.key, record: current }] : [];
    });
  }

  /** Every key under a prefix with all its versions and delete markers, keys in UTF-8 binary order (ListObjectVersions). */
  public async keyIndexes(bucket: string, prefix: string): Promise<KeyIndex[]> {
    const directory = path.join(this.root, bucket, SIDECAR, 'versions');
    const names = existsSync(directory) ? (await readdir(directory)).filter((n) => n.endsWith('.json')) : [];
    const found: KeyIndex[] = [];
    for (const name of names) {
      const index = JSON.parse(await readFile(path.join(directory, name), 'utf-8')) as KeyIndex;
      if (index.versions.length > 0 && index.key.startsWith(prefix)) found.push(index);
    }
    return found.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  /**
   * Where a key's current body is: where its index says while it has one; else in the folder when
   * a file can be named after the key there, and in the sidecar otherwise.
   */
  private placed(bucket: string, key: string, index: KeyIndex | undefined): { file: string; placement: 'folder' | 'sidecar' } {
    const inFolder = path.join(this.root, bucket, ...key.split('/'));
    const inSidecar = path.join(this.root, bucket, SIDECAR, 'objects', this.keyHash(key));
    const current = index?.versions[0];
    const placement = current && !current.deleteMarker ? index?.placement ?? 'folder' : this.folderCanHold(bucket, key) ? 'folder' : 'sidecar';
    return { file: placement === 'folder' ? inFolder : inSidecar, placement };
  }

  /**
   * Whether the key can be a file of the bucket's folder: every segment a file name (not empty, `.`
   * or `..`, at most 255 bytes), not in the sidecar, no parent folder that is another key's file,
   * and not itself the folder of other keys.
   */
  private folderCanHold(bucket: string, key: string): boolean {
    const segments = key.split('/');
    if (segments[0] === SIDECAR || segments.some((s) => s === '' || s === '.' || s === '..' || Buffer.byteLength(s) > MAX_FILE_NAME_BYTES)) {
      return false;
    }
    const top = path.join(this.root, bucket);
    const file = path.join(top, ...segments);
    for (let parent = path.dirname(file); parent !== top; parent = path.dirname(parent)) {
      if (existsSync(parent) && !statSync(parent).isDirectory()) return false;
    }
    return !(existsSync(file) && lstatSync(file).isDirectory());
  }

  private index(bucket: string, key: string): KeyIndex | undefined {
    const file = this.indexPath(bucket, key);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf-8')) as KeyIndex : undefined;
  }

  private async writeIndex(bucket: string, index: KeyIndex): Promise<void> {
    const file = this.indexPath(bucket, index.key);
    if (index.versions.length === 0) {
      await rm(file, { force: true });
      return;
    }
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = this.temporaryPath(bucket);
    await writeFile(temporary, JSON.stringify(index, undefined, 2));
    await rename(temporary, file);
  }

  private keyHash(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  private indexPath(bucket: string, key: string): string {
    return path.join(this.root, bucket, SIDECAR, 'versions', `${this.keyHash(key)}.json`);
  }

  private noncurrentPath(bucket: string, key: string, versionId: string): string {
    return path.join(this.root, bucket, SIDECAR, 'versions', this.keyHash(key), versionId);
  }

  /** Folders exist only to hold keys, as in S3's console view: remove the ones a delete left empty. */
  private async removeEmptyParents(bucket: string, file: string): Promise<void> {
    const top = path.join(this.root, bucket);
    for (let parent = path.dirname(file); parent !== top; parent = path.dirname(parent)) {
      try {
        await rmdir(parent);
      } catch {
        return;
      }
    }
  }

  /**
   * Runs the writes of one key one after the other, so that concurrent writers of a key cannot
   * interleave renames; writes of different keys go on at once (one lock for the whole store
   * made 1,000 concurrent uploads wait for each other).
   */
  private serialised<T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> {
    const id = `${bucket}/${key}`;
    const result = (this.writes.get(id) ?? Promise.resolve()).then(work);
    const settled = result.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return result;
  }
}

/**
 * Moves a body to its key's file, creating the folder; once more when the folder vanished in
 * between (the delete of another key in it removes empty folders, and keys are written in parallel).
 */
async function renameIntoFolder(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    mkdirSync(path.dirname(to), { recursive: true });
    try {
      await rename(from, to);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3 || !existsSync(from)) throw error;
    }
  }
}

/** The longest file name most file systems take (ext4, APFS, NTFS: 255 bytes or characters). */
const MAX_FILE_NAME_BYTES = 255;

/** Version ids look like S3's: 32 URL-safe characters. */
export const VERSION_ID_PATTERN = /^[A-Za-z0-9._-]{32}$/;

function newVersionId(): string {
  return randomBytes(24).toString('base64url');
}
