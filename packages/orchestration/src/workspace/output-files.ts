import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { workspaceError } from './workspace-error';

/** One file of a run's output, found by walking its output directory. */
export interface OutputFile {
  /** Path below the output directory, with `/` separators: the part of the report key after the prefix. */
  readonly relativePath: string;
  /** Where to read it. */
  readonly absolutePath: string;
  readonly size: number;
}

/**
 * Every regular file below `outputDirectory`, in a stable order. A symbolic link is followed only
 * while its target stays inside `runDirectory`: a job could otherwise publish any file the
 * function can read (another run's input, the whole access point) as its report. Each directory
 * is visited once, so a link loop ends. Other kinds of files (FIFOs, sockets, devices) are refused:
 * reading a FIFO would wait for a writer that never comes.
 */
export async function listOutputFiles(outputDirectory: string, runDirectory: string): Promise<OutputFile[]> {
  const runRoot = await realpath(runDirectory);
  const files: OutputFile[] = [];
  const visited = new Set<string>();

  async function walk(directory: string, relative: string): Promise<void> {
    const real = await realpath(directory);
    if (visited.has(real)) return;
    visited.add(real);
    const entries = (await readdir(directory)).sort();
    for (const name of entries) {
      const absolutePath = path.join(directory, name);
      const relativePath = relative === '' ? name : `${relative}/${name}`;
      let info = await lstat(absolutePath);
      if (info.isSymbolicLink()) {
        const target = await realpath(absolutePath).catch(() => undefined);
        if (target === undefined || (target !== runRoot && !target.startsWith(`${runRoot}/`))) {
          throw workspaceError('OutputOutsideRunDirectory',
            `output '${relativePath}' is a symbolic link to ${target ?? 'a path that does not exist'}, outside this run's directory; allowed: `
              + 'links to files of the run');
        }
        info = await stat(absolutePath);
      }
      if (info.isDirectory()) {
        await walk(absolutePath, relativePath);
      } else if (info.isFile()) {
        files.push({ relativePath, absolutePath, size: info.size });
      } else {
        throw workspaceError('UnsupportedOutputFile', `output '${relativePath}' is not a regular file or directory; allowed: files and directories`);
      }
    }
  }

  await walk(outputDirectory, '');
  return files;
}
