import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { PreserveDeletedFiles } from '../task-options';

/** Stage-in and stage-out tasks never delete destination files that are not in their source. */
export function rejectRemove(errors: ConstructErrors, why: string, preserveDeletedFiles: PreserveDeletedFiles | undefined): void {
  if (preserveDeletedFiles === PreserveDeletedFiles.REMOVE) {
    throw errors.error(`${errors.prop('preserveDeletedFiles')} REMOVE is not allowed because ${why}; allowed: PRESERVE`);
  }
}
