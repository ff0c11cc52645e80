import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ObjectChecksum } from './response-checksum';
import { assertFileName, RUNS_DIRECTORY, resolveUnderMount, runPathsFor } from './run-paths';
import { s3Client } from './s3-client';
import { stageIn, StageInRequest } from './stage-in';
import { stageOut, StageOutRequest } from './stage-out';
import { claimStagedFile, ManifestTarget, StagedFileCheck, StagedObject, writeManifest } from './staged-file';
import { WORKSPACE_MOUNT_PATH } from './workspace-mount';

export type { StageInRequest, StageInResult } from './stage-in';
export type { StageOutRequest, StageOutResult } from './stage-out';
export type { ObjectChecksum } from './response-checksum';
export type { ManifestTarget, StagedFileCheck, StagedObject } from './staged-file';

export { WORKSPACE_MOUNT_PATH } from './workspace-mount';

/** Prepare: move the staged input into the run's own directory and create its output directory. */
export interface PrepareRequest {
  readonly action: 'prepare';
  readonly runId: string;
  /** Where stage-in put the file, relative to the access point root. */
  readonly stagedPath: string;
  /** File name the input gets inside the run's input directory. */
  readonly fileName: string;
  /**
   * The object version the staged file must be (DataSync path): checked by size and checksum
   * before the job sees it (`StagedFileMismatch` when it is another version's).
   * Without it, the staged file is moved unchecked.
   */
  readonly expected?: StagedObject;
}

/**
 * Clean up: remove the run's directory, and the staged file unless the run already claimed its
 * input from a shared staging path (then the file there, if any, is another run's).
 */
export interface CleanupRequest {
  readonly action: 'cleanup';
  readonly runId: string;
  readonly stagedPath: string;
}

/**
 * Prepare staging: create the directory stage-in writes to. DataSync does not
 * document that it creates a destination location's subdirectory, so it must
 * exist before the first transfer; creating it before every DataSync stage-in
 * also brings it back if someone removed it.
 */
export interface PrepareStagingRequest {
  readonly action: 'prepare-staging';
  readonly runId: string;
  readonly stagedPath: string;
  /** The stage-in destination directory, relative to the access point root, such as `/staging/`. */
  readonly stagingDirectory: string;
  /** The run's DataSync manifest to write, naming exactly the version that started the run. */
  readonly manifest?: ManifestTarget;
}

export type WorkspaceRequest = PrepareRequest | CleanupRequest | PrepareStagingRequest | StageInRequest | StageOutRequest;

export interface WorkspaceResult {
  /** The run's input file, relative to the access point root. */
  readonly inputPath?: string;
  /** The run's output directory, relative to the access point root. */
  readonly outputDirectory?: string;
  /** What was removed, relative to the access point root. */
  readonly removed?: string[];
  /** The staging directory that now exists, relative to the access point root. */
  readonly stagingDirectory?: string;
  /** prepare-staging: the key of the manifest written. */
  readonly manifestKey?: string;
  /** prepare (DataSync path): what the staged file was checked against. */
  readonly check?: StagedFileCheck;
  /** stage-in: bytes written; stage-out: total size of the output. */
  readonly bytes?: number;
  /** stage-in: the checksum S3 holds for the object (null: none), and whether the SDK validated it. */
  readonly checksum?: ObjectChecksum | null;
  /** stage-out: whether this function uploaded the output (false: larger than maxBytes, left to DataSync). */
  readonly staged?: boolean;
  /** stage-out: number of output files. */
  readonly files?: number;
  /** stage-out: keys written in the reports bucket. */
  readonly objects?: string[];
}

/**
 * Lambda entry point. Keeps each run's files apart on the shared file system: before the job,
 * the staged upload moves into `/runs/<runId>/in/` (a rename, so it costs no
 * copy); after stage-out, `/runs/<runId>` is removed. A missing staged file
 * is an error (`StagedFileMissing`) that fails the run with a clear cause.
 * On the direct staging path it also copies a small upload in from S3 (`stage-in`) and a small
 * output out to the reports bucket (`stage-out`), so those runs do not wait for DataSync.
 */
export async function handler(request: WorkspaceRequest): Promise<WorkspaceResult> {
  return handleWorkspaceRequest(request, process.env.WORKSPACE_MOUNT_PATH ?? WORKSPACE_MOUNT_PATH);
}

/** The handler's work on a file system mounted at `mountPath` (a local directory in tests and local runs). */
export async function handleWorkspaceRequest(request: WorkspaceRequest, mountPath: string): Promise<WorkspaceResult> {
  const paths = runPathsFor(request.runId);
  const staged = resolveUnderMount(mountPath, request.stagedPath);
  switch (request.action) {
    case 'prepare': {
      if (request.expected) {
        return claimStagedFile({ ...request, expected: request.expected }, mountPath, s3Client());
      }
      assertFileName(request.fileName);
      const inputDirectory = resolveUnderMount(mountPath, paths.inputDirectory);
      await mkdir(inputDirectory, { recursive: true });
      await mkdir(resolveUnderMount(mountPath, paths.outputDirectory), { recursive: true });
      const inputPath = `${paths.inputDirectory}/${request.fileName}`;
      try {
        await stat(staged);
      } catch {
        const error = new Error(`the staged file ${request.stagedPath} is not on the file system; stage-in reported success, `
          + 'so it was moved or removed by something else');
        error.name = 'StagedFileMissing';
        throw error;
      }
      await rename(staged, path.join(inputDirectory, request.fileName));
      console.log(JSON.stringify({ outcome: 'prepared', runId: request.runId, inputPath, outputDirectory: paths.outputDirectory }));
      return { inputPath, outputDirectory: paths.outputDirectory };
    }
    case 'cleanup': {
      // A staged file outside the run directory (DataSync path) is shared by every run of its key:
      // once this run has claimed its input, whatever is there now is another run's copy.
      const outside = !resolveUnderMount(mountPath, request.stagedPath).startsWith(`${resolveUnderMount(mountPath, paths.runDirectory)}/`);
      const claimed = outside && (await readdir(resolveUnderMount(mountPath, paths.inputDirectory)).catch(() => [])).length > 0;
      await rm(resolveUnderMount(mountPath, paths.runDirectory), { recursive: true, force: true });
      if (!claimed) await rm(staged, { force: true });
      const removed = claimed ? [paths.runDirectory] : [paths.runDirectory, request.stagedPath];
      console.log(JSON.stringify({ outcome: 'cleaned-up', runId: request.runId, removed }));
      return { removed };
    }
    case 'prepare-staging': {
      const directory = resolveUnderMount(mountPath, request.stagingDirectory);
      const runs = resolveUnderMount(mountPath, RUNS_DIRECTORY);
      if (directory === mountPath || directory === runs || directory.startsWith(`${runs}/`)) {
        throw new Error(`staging directory '${request.stagingDirectory}' is not valid; allowed: a directory below the access point root, `
          + `outside ${RUNS_DIRECTORY}`);
      }
      await mkdir(directory, { recursive: true });
      const manifestKey = request.manifest ? await writeManifest(request.manifest, s3Client()) : undefined;
      return { stagingDirectory: request.stagingDirectory, ...(manifestKey ? { manifestKey } : {}) };
    }
    case 'stage-in':
      return stageIn(request, mountPath, s3Client());
    case 'stage-out':
      return stageOut(request, mountPath, s3Client());
    default:
      throw new Error(`action '${(request as { action?: unknown }).action}' is not valid; allowed: prepare, cleanup, prepare-staging, `
        + 'stage-in, stage-out');
  }
}
