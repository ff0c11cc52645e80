import { MAX_RUN_ID_LENGTH } from './run-id';

/** The suffix of a re-run: `-r<n>`; the hash of a run id (hex) never ends in one. */
const RERUN_SUFFIX = /-r(\d+)$/;

/** The run id a re-run started from: the id without its `-r<n>`. */
export function originalRunIdOf(runId: string): string {
  return runId.replace(RERUN_SUFFIX, '');
}

/**
 * The id (and execution name) of the n-th re-run of a run: `<run id>-r<n>`. When that is longer
 * than 80 characters, the readable part before the hash is shortened, so the id keeps its hash
 * (and transfer slot) and stays a valid execution name and Batch job name.
 */
export function rerunIdFor(runId: string, n: number): string {
  const original = originalRunIdOf(runId);
  const suffix = `-r${n}`;
  if (original.length + suffix.length <= MAX_RUN_ID_LENGTH) return `${original}${suffix}`;
  const dash = original.lastIndexOf('-');
  const readable = original.slice(0, dash).slice(0, MAX_RUN_ID_LENGTH - suffix.length - (original.length - dash)).replace(/[_-]+$/, '');
  return `${readable}${original.slice(dash)}${suffix}`;
}

/** Whether `name` is the run `runId` or one of its re-runs (the same object version). */
export function isRunOf(name: string, runId: string): boolean {
  const original = originalRunIdOf(runId);
  const hash = original.slice(original.lastIndexOf('-'));
  return name === original || (RERUN_SUFFIX.test(name) && originalRunIdOf(name).endsWith(hash) && originalRunIdOf(name).length <= original.length);
}
