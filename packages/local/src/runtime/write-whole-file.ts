import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `data` to `file` so that a reader sees the old file or the new one, never half of one:
 * another process reading the state directory (`runs`, a served runtime starting), or the next
 * start after a Ctrl-C or a crash in the middle of the write. It writes a temporary file beside
 * `file` (same folder, so same file system) and renames it over `file`, which POSIX makes atomic.
 * The temporary name does not end in `.json`, so the readers of these folders pass over it.
 */
export function writeWholeFile(file: string, data: string): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
