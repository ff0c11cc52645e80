import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, utimes } from 'node:fs/promises';
import * as path from 'node:path';
import { TransferFailure } from './datasync-execution';
import { DataSyncFilter } from './datasync-filter';
import { ManifestSource } from './datasync-requests';
import { DataSyncLocation, PipelineModel } from '../../model/pipeline-model';
import { StateDirectory } from '../../runtime/state-directory';
import { LocalS3Store, SIDECAR } from '../s3/local-s3-store';

/** A file or object of a location, relative to the location's path (`/a/b.txt`). */
export interface SourceEntry {
  readonly relativePath: string;
  readonly size: number;
  readonly modified: Date;
  /** Where its bytes are on this machine. */
  readonly file: string;
}

type EfsLocation = Extract<DataSyncLocation, { kind: 'EFS' }>;
type S3Location = Extract<DataSyncLocation, { kind: 'S3' }>;

/**
 * The files of DataSync's locations on this machine: an S3 location's objects through the local
 * S3 store (each write a new version), an EFS location's files in the state directory's folder
 * of the file system. What a location cannot give fails the execution with the error DataSync
 * reports (a `TransferFailure`).
 */
export class LocationFiles {
  public constructor(private readonly model: PipelineModel, private readonly state: StateDirectory, private readonly store: LocalS3Store) {}

  /** The location of an ARN the pipeline's task names. */
  public location(arn: string): DataSyncLocation {
    const location = this.model.dataSyncLocations.get(arn);
    if (!location) throw new TransferFailure('SyncTaskErrorLocationNotAdded', `location ${arn} is not in the pipeline`);
    return location;
  }

  /**
   * DataSync mounts an EFS location's subdirectory under the access point's root before each
   * execution and does not create it: a missing one fails the execution as a location it cannot
   * access (`SyncTaskErrorLocationNotAdded`, DataSync User Guide, "Troubleshooting issues with DataSync locations").
   * An S3 location needs its bucket (`FsS3HeadBucketFailed`).
   */
  public checkReachable(location: DataSyncLocation): void {
    if (location.kind === 'EFS') {
      const root = this.efsRoot(location);
      if (!existsSync(root) || !statSync(root).isDirectory()) {
        throw new TransferFailure('SyncTaskErrorLocationNotAdded', `Task failed to access location ${location.arn}: mount.nfs: mounting `
          + `${location.subdirectory} under the access point root ${location.accessPointRootDirectory} failed: No such file or directory`);
      }
    } else {
      try {
        this.store.bucket(location.bucketName);
      } catch {
        throw new TransferFailure('FsS3HeadBucketFailed', `DataSync can't access the S3 bucket ${location.bucketName}`);
      }
    }
  }

  /**
   * The files of a location, relative to its path. The current version of every object of a bucket
   * is a file of the bucket's folder (LocalS3Store), so S3 and EFS are listed alike, by walking the
   * folder; only the folders the Includes can match are walked.
   */
  public async list(location: DataSyncLocation, includes: readonly DataSyncFilter[]): Promise<SourceEntry[]> {
    this.checkReachable(location);
    const root = location.kind === 'S3'
      ? path.join(this.store.root, location.bucketName, ...s3Prefix(location.subdirectory).split('/').filter((s) => s !== ''))
      : this.efsRoot(location);
    const folders = includes.length === 0 ? ['/'] : includes.map((filter) => filter.folders()).reduce<string[] | undefined>(
      (all, some) => all && some ? [...all, ...some] : undefined, []) ?? ['/'];
    const top = [...new Set(folders)].sort().filter((folder, i, sorted) => !sorted.slice(0, i).some((above) => folder.startsWith(above)));
    const entries: SourceEntry[] = [];
    const walk = async (directory: string): Promise<void> => {
      let items;
      try {
        items = await readdir(directory, { withFileTypes: true });
      } catch {
        return;
      }
      for (const item of items) {
        const file = path.join(directory, item.name);
        // The bucket's sidecar (versions, uploads in progress) holds no object.
        if (location.kind === 'S3' && directory === path.join(this.store.root, location.bucketName) && item.name === SIDECAR) continue;
        if (item.isDirectory()) {
          await walk(file);
        } else if (item.isFile()) {
          const relativePath = `/${path.relative(root, file).split(path.sep).join('/')}`;
          const entry = location.kind === 'S3' ? this.objectEntry(location, relativePath, file) : await fileEntry(relativePath, file);
          if (entry) entries.push(entry);
        }
      }
    };
    for (const folder of top) await walk(path.join(root, folder));
    return entries.sort((a, b) => Buffer.compare(Buffer.from(a.relativePath), Buffer.from(b.relativePath)));
  }

  /**
   * The entries a manifest names (DataSync User Guide, "Transferring specific files or objects by
   * using a manifest"): CSV, one path per line relative to the source location, for an S3 source
   * optionally followed by a comma and the object version to copy (without one, the current object).
   * DataSync reads the manifest at the start of PREPARING with the role the start names; a manifest
   * it cannot read or an entry it cannot find fails the execution. The error codes AWS reports for
   * those are not documented: the emulation uses `ManifestNotReadable` and `ManifestEntryNotFound`.
   * With `ignoreVersions` (a fault), the current object is copied whatever version is named.
   */
  public async manifestEntries(source: DataSyncLocation, manifest: ManifestSource, ignoreVersions = false): Promise<SourceEntry[]> {
    this.checkReachable(source);
    const versions = this.store.versions(manifest.bucketName, manifest.key);
    const record = manifest.versionId === undefined ? versions[0] : versions.find((version) => version.versionId === manifest.versionId);
    let text: string;
    try {
      if (!record || record.deleteMarker) throw new Error('no such object');
      text = await readFile(this.store.bodyPath(manifest.bucketName, manifest.key, record), 'utf-8');
    } catch (error) {
      const version = manifest.versionId ? ` version ${manifest.versionId}` : '';
      throw new TransferFailure('ManifestNotReadable',
        `cannot read the manifest s3://${manifest.bucketName}/${manifest.key}${version}: ${(error as Error).message}`);
    }
    const entries: SourceEntry[] = [];
    for (const [relative, versionId] of parseManifest(text)) {
      const relativePath = `/${relative.replace(/^\/+/, '')}`;
      if (source.kind === 'S3') {
        const key = `${s3Prefix(source.subdirectory)}${relativePath.slice(1)}`;
        const all = this.store.versions(source.bucketName, key);
        const current = versionId === undefined || ignoreVersions;
        const version = current ? all[0] : all.find((candidate) => candidate.versionId === versionId);
        if (!version || version.deleteMarker) {
          throw new TransferFailure('ManifestEntryNotFound',
            `the manifest names s3://${source.bucketName}/${key}${versionId ? ` version ${versionId}` : ''}, which does not exist`);
        }
        const file = this.store.bodyPath(source.bucketName, key, version);
        entries.push({ relativePath, size: version.size, modified: new Date(version.lastModified), file });
      } else {
        if (versionId !== undefined) {
          throw new TransferFailure('ManifestEntryNotFound',
            `the manifest names a version (${versionId}) of ${relativePath}, but versions exist only for S3 sources`);
        }
        const file = path.join(this.efsRoot(source), relativePath);
        if (!existsSync(file) || !statSync(file).isFile()) {
          throw new TransferFailure('ManifestEntryNotFound', `the manifest names ${relativePath}, which does not exist`);
        }
        entries.push(await fileEntry(relativePath, file));
      }
    }
    return entries;
  }

  /** What the destination holds at an entry's path: its size and the file of its bytes; undefined when nothing. */
  public destinationFile(location: DataSyncLocation, relativePath: string): { size: number; file: string } | undefined {
    if (location.kind === 'S3') {
      const key = `${s3Prefix(location.subdirectory)}${relativePath.slice(1)}`;
      const current = this.store.versions(location.bucketName, key)[0];
      return current && !current.deleteMarker ? { size: current.size, file: this.store.objectPath(location.bucketName, key) } : undefined;
    }
    const file = path.join(this.efsRoot(location), relativePath);
    return existsSync(file) && statSync(file).isFile() ? { size: statSync(file).size, file } : undefined;
  }

  /**
   * Writes an entry at the destination: a new version of the object (PutObject), or the file on
   * EFS, keeping the source's modification time unless `preserveMtime` is false (Mtime NONE).
   */
  public async write(destination: DataSyncLocation, entry: SourceEntry, preserveMtime: boolean): Promise<void> {
    if (destination.kind === 'S3') {
      const bucket = destination.bucketName;
      const key = `${s3Prefix(destination.subdirectory)}${entry.relativePath.slice(1)}`;
      const temporary = this.store.temporaryPath(bucket);
      await copyFile(entry.file, temporary);
      try {
        this.store.objectPath(bucket, key);
      } catch (error) {
        throw new TransferFailure('FsS3PutObjectFailed', `cannot write s3://${bucket}/${key}: ${(error as Error).message}`);
      }
      await this.store.commit(bucket, key, temporary,
        { size: entry.size, etag: `"${await md5(temporary)}"`, lastModified: new Date().toUTCString() });
    } else {
      const target = path.join(this.efsRoot(destination), entry.relativePath);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(entry.file, target);
      if (preserveMtime) await utimes(target, new Date(), entry.modified);
    }
  }

  private efsRoot(location: EfsLocation): string {
    return this.state.onFileSystem(location.fileSystemLogicalId, location.accessPointRootDirectory, location.subdirectory);
  }

  /** An object of an S3 location, from its version record; a file the store has not committed yet is not an object. */
  private objectEntry(location: S3Location, relativePath: string, file: string): SourceEntry | undefined {
    const key = `${s3Prefix(location.subdirectory)}${relativePath.slice(1)}`;
    const current = this.store.versions(location.bucketName, key)[0];
    return current && !current.deleteMarker ? { relativePath, size: current.size, modified: new Date(current.lastModified), file } : undefined;
  }
}

/**
 * The rows of a CSV manifest: a path and, optionally, a version id. A field in double quotes may hold
 * commas, line breaks and doubled quotes (RFC 4180, as the DataSync guide's quoting rules describe);
 * blank lines are skipped.
 */
export function parseManifest(text: string): Array<[string, string | undefined]> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (char === '"') { quoted = false; i++; continue; }
      field += char;
      i++;
      continue;
    }
    if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      endRow();
      i++;
    } else if (char === '\n' || char === '\r') {
      endRow();
    } else {
      field += char;
    }
    i++;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows.map((fields) => [fields[0], fields[1] === undefined || fields[1] === '' ? undefined : fields[1]]);
}

/** An S3 location's Subdirectory as a key prefix: `/incoming/` -> `incoming/`, `/` -> ``. */
function s3Prefix(subdirectory: string): string {
  const trimmed = subdirectory.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

async function fileEntry(relativePath: string, file: string): Promise<SourceEntry> {
  const info = await stat(file);
  return { relativePath, size: info.size, modified: info.mtime, file };
}

/** The MD5 of a file's bytes, hex (an S3 ETag's, and how DataSync compares what it copied). */
export async function md5(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
