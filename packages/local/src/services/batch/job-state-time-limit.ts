import { JobQueue } from '../../model/pipeline-model';

/** A job the queue's compute environments cannot place: the reason Batch detects and the status reason it shows while the job waits. */
export interface PlacementBlock {
  /** The reason a job-state time-limit action names, such as `MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE`. */
  readonly reason: string;
  /** `statusReason` while the job is stuck at the head of the queue: the reason and what it means. */
  readonly statusReason: string;
}

/**
 * Why the queue cannot place a job that asks for `vcpus`, or undefined when it can: every compute
 * environment of the queue has a `maxvCpus` smaller than the job needs (Batch User Guide, "Jobs stuck
 * in a RUNNABLE status": COMPUTE_ENVIRONMENT_MAX_RESOURCE). Capacity shortages are not emulated:
 * local jobs wait for the runtime's own job slots instead.
 */
export function placementBlockOf(queue: JobQueue, vcpus: number | undefined): PlacementBlock | undefined {
  if (queue.maxvCpus === undefined || vcpus === undefined || vcpus <= queue.maxvCpus) return undefined;
  const reason = 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE';
  return {
    reason,
    statusReason: `${reason} - the compute environments of job queue ${queue.name} have at most ${queue.maxvCpus} vCPUs (maxvCpus); `
      + `the job needs ${vcpus}`,
  };
}

/** The status reason of a job cancelled by a job-state time-limit action (Batch User Guide, "Jobs stuck in RUNNABLE due to capacity"). */
export function timeLimitCancelReason(reason: string): string {
  return `Canceled by JobStateTimeLimit action due to reason: ${reason}`;
}

/**
 * Waits as a blocked job waits at the head of its queue: when one of the queue's job-state
 * time-limit actions names the block's reason for the RUNNABLE state, it resolves with the
 * cancellation's status reason after that action's `maxTimeSeconds` (times the time scale); with
 * no such action the job stays RUNNABLE until `signal` aborts (then undefined), as on AWS, where
 * only the caller's own timeout ends the wait.
 */
export function waitForTimeLimitAction(queue: JobQueue, block: PlacementBlock, timeScale: number, signal: AbortSignal): Promise<string | undefined> {
  const action = (queue.jobStateTimeLimitActions ?? [])
    .find((candidate) => candidate.state === 'RUNNABLE' && candidate.reason === block.reason && candidate.action === 'CANCEL');
  return new Promise((resolve) => {
    const timer = action ? setTimeout(() => resolve(timeLimitCancelReason(block.reason)), action.maxTimeSeconds * 1000 * timeScale) : undefined;
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(undefined);
    }, { once: true });
  });
}
