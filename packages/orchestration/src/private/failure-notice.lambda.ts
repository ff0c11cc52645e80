import { FailedRun, failureNotice, FailureNotice } from './failure-notice';

/**
 * Formats a run's failure notification for the failure path, which publishes it. It calls no AWS
 * API; when it fails, the failure path publishes the unformatted notification instead.
 */
export async function handler(event: FailedRun): Promise<FailureNotice> {
  return failureNotice(event);
}
