import { Dirent, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { LocalS3Store, SIDECAR } from '../services/s3/local-s3-store';

/** How often the folder is scanned; a file is uploaded once it kept its size and time for one scan. */
const SCAN_INTERVAL_MS = 500;

interface Seen { readonly size: number; readonly mtimeMs: number }

/**
 * Watches a bucket's folder for files the user copies in and reports each once it is
 * complete (unchanged between two scans), with its key. Polling, not `fs.watch`: it behaves
 * the same on every file system, network and container mounts included, and a copy in
 * progress is never taken for an upload. Files there when the watch starts are not uploads.
 */
export class BucketWatcher {
  private readonly known = new Map<string, Seen>();
  private readonly candidates = new Map<string, Seen>();
  private timer?: NodeJS.Timeout;
  private scanning = false;
  private current?: Promise<void>;

  public constructor(private readonly bucketFolder: string, private readonly onFile: (key: string, file: string) => Promise<void>) {
    for (const [file, seen] of this.scan()) this.known.set(file, seen);
  }

  public start(): void {
    this.timer = setInterval(() => void this.tick(), SCAN_INTERVAL_MS);
  }

  /** Stops scanning; resolves once the upload of a scan in progress is done (so that nothing is left half-uploaded). */
  public async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.current;
  }

  /** After the runtime rewrote a file (committing it), its new size and time are not a new upload. */
  public remember(file: string): void {
    const stat = statSync(file, { throwIfNoEntry: false });
    this.candidates.delete(file);
    if (stat) this.known.set(file, { size: stat.size, mtimeMs: stat.mtimeMs });
  }

  /**
   * Objects the store commits into this folder by any other way (PutObject or a multipart upload
   * through the S3 endpoint, a copy, DataSync, a report the pipeline writes) are objects already,
   * whose event was delivered: their files are remembered as they are committed, not uploaded again.
   */
  public followCommits(store: LocalS3Store, bucket: string): void {
    store.onObjectCreated((created) => {
      if (created.bucket !== bucket) return;
      const file = store.objectPath(bucket, created.key);
      if (!path.relative(this.bucketFolder, file).startsWith('..')) this.remember(file);
    });
  }

  private async tick(): Promise<void> {
    // One scan at a time: while an upload commits (and rewrites) a file, a scan must not take the
    // rewritten file for a new upload.
    if (this.scanning) return;
    this.scanning = true;
    this.current = this.scanOnce();
    try {
      await this.current;
    } finally {
      this.scanning = false;
    }
  }

  private async scanOnce(): Promise<void> {
    for (const [file, seen] of this.scan()) {
      const known = this.known.get(file);
      if (known && known.size === seen.size && known.mtimeMs === seen.mtimeMs) continue;
      const candidate = this.candidates.get(file);
      if (!candidate || candidate.size !== seen.size || candidate.mtimeMs !== seen.mtimeMs) {
        this.candidates.set(file, seen);
        continue;
      }
      this.candidates.delete(file);
      this.known.set(file, seen);
      await this.onFile(path.relative(this.bucketFolder, file).split(path.sep).join('/'), file);
      this.remember(file);
    }
  }

  private scan(): Map<string, Seen> {
    const found = new Map<string, Seen>();
    const walk = (directory: string) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(directory, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = path.join(directory, entry.name);
        if (directory === this.bucketFolder && entry.name === SIDECAR) continue;
        if (entry.isDirectory()) {walk(full);} else if (entry.isFile()) {
          const stat = statSync(full, { throwIfNoEntry: false });
          if (stat) found.set(full, { size: stat.size, mtimeMs: stat.mtimeMs });
        }
      }
    };
    walk(this.bucketFolder);
    return found;
  }
}

/**
 * The folder of a bucket's local folder that holds the keys under `prefix`: the prefix itself when
 * it ends in `/`, else its folder part (`incoming/scan-` holds its keys in `incoming`).
 */
export function watchedFolder(bucketFolder: string, prefix = ''): string {
  const folderPart = prefix === '' || prefix.endsWith('/') ? prefix.replace(/\/+$/, '') : path.posix.dirname(prefix);
  return path.join(bucketFolder, folderPart === '.' ? '' : folderPart);
}
