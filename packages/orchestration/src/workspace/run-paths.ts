import * as path from 'node:path';
// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { RUN_ID_PATTERN } from '@batch-pipeline/run-contract';

/** Directory, relative to the access point root, that holds one directory per run. */
export const RUNS_DIRECTORY = '/runs';

/** Paths of one run on the file system, relative to the access point root. */
export interface RunPaths {
  readonly runDirectory: string;
  readonly inputDirectory: string;
  readonly outputDirectory: string;
}

export function runPathsFor(runId: string): RunPaths {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new Error(`run id '${runId}' is not valid; allowed: 1-80 characters of A-Z a-z 0-9 _ -, the first a letter or digit`);
  }
  const runDirectory = `${RUNS_DIRECTORY}/${runId}`;
  return { runDirectory, inputDirectory: `${runDirectory}/in`, outputDirectory: `${runDirectory}/out` };
}

/**
 * Joins a path relative to the access point root onto the local mount point,
 * refusing anything that would leave the mount (`..`, absolute escapes).
 */
export function resolveUnderMount(mountPath: string, relativePath: string): string {
  const resolved = path.resolve(mountPath, `.${path.posix.normalize(`/${relativePath}`)}`);
  if (resolved !== mountPath && !resolved.startsWith(`${mountPath}/`)) {
    throw new Error(`path '${relativePath}' leaves the file system mount; allowed: a path inside it`);
  }
  return resolved;
}

/** A file name inside a run directory: exactly one path segment. */
export function assertFileName(fileName: string): void {
  if (fileName.includes('/') || fileName === '.' || fileName === '..' || fileName === '') {
    throw new Error(`file name '${fileName}' is not valid; allowed: one path segment`);
  }
}
