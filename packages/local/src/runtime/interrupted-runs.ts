import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { rerunIdFor } from '@batch-pipeline/run-contract';
import { RunSummary } from './run-summary';
import { StateDirectory } from './state-directory';
import { writeWholeFile } from './write-whole-file';

/** The error of a run the local runtime ended because it was interrupted (Ctrl-C, SIGTERM). */
export const INTERRUPTED = 'Interrupted';

/** How deep under a file system's folder a run's folder is looked for (`<access point root>/runs/<run id>`). */
const RUN_FOLDER_DEPTH = 4;

/**
 * The runs of a state directory that an interrupt ended (their summary says ABORTED, Interrupted)
 * and that were not run again since, oldest first.
 */
export function interruptedRuns(state: StateDirectory): RunSummary[] {
  let files: string[];
  try {
    files = readdirSync(state.runsDirectory).filter((file) => file.endsWith('.json'));
  } catch {
    return [];
  }
  const summaries = files.flatMap((file) => {
    try {
      return [JSON.parse(readFileSync(path.join(state.runsDirectory, file), 'utf-8')) as RunSummary];
    } catch {
      return []; // a summary being written, or not one
    }
  });
  return summaries.filter((summary) => summary.status === 'ABORTED' && summary.error === INTERRUPTED && !summary.rerunAt)
    .sort((a, b) => (a.interruptedAt ?? '').localeCompare(b.interruptedAt ?? ''));
}

/** Records that an interrupted run was started again (as `rerunAs`), so that the next start no longer reports it. */
export function markRerun(state: StateDirectory, summary: RunSummary, rerunAs?: string): void {
  writeWholeFile(state.runSummaryFile(summary.runId),
    JSON.stringify({ ...summary, rerunAt: new Date().toISOString(), ...(rerunAs ? { rerunAs } : {}) }, undefined, 2));
}

/** The first re-run name of a run that `taken` says is free (`-r1`, `-r2`, ...: the run contract's rule, as `batch-pipeline rerun` picks it). */
export function freeRerunName(runId: string, taken: (name: string) => boolean): string {
  for (let n = 1; ; n++) {
    const name = rerunIdFor(runId, n);
    if (!taken(name)) return name;
  }
}

/**
 * Removes the run's folders from every local file system (a folder named by the run id, such as
 * `<access point root>/runs/<run id>`), as the state machine's clean-up would have: returns them.
 */
export function removeRunFolders(state: StateDirectory, runId: string): string[] {
  const removed: string[] = [];
  const visit = (folder: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.filter((candidate) => candidate.isDirectory())) {
      const child = path.join(folder, entry.name);
      if (entry.name === runId) {
        rmSync(child, { recursive: true, force: true });
        removed.push(child);
      } else if (depth < RUN_FOLDER_DEPTH) {
        visit(child, depth + 1);
      }
    }
  };
  visit(state.fileSystemsRoot, 0);
  return removed;
}
