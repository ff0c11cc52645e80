import { PreserveDeletedFiles } from '../task-options';

/** Stage-in and stage-out tasks never delete destination files that are not in their source. */
export function rejectRemove(who: string, why: string, preserveDeletedFiles: PreserveDeletedFiles | undefined): void {
  if (preserveDeletedFiles === PreserveDeletedFiles.REMOVE) {
    throw new Error(`${who}: 'preserveDeletedFiles' REMOVE is not allowed because ${why}; allowed: PRESERVE`);
  }
}
