/**
 * The numbers the benchmark's services run on. They are assumptions, printed
 * with every table, so a reader can judge the results by them; change them
 * here and nowhere else.
 */

const MIB = 1024 * 1024;

export const SERVICE_MODEL = {
  /** Latency of one AWS API call (StartTaskExecution, DescribeTaskExecution, SubmitJob, Publish ...). */
  apiCallSeconds: 0.2,
  /** One synchronous Lambda invocation of the workspace function, before any copy it makes. */
  lambdaCallSeconds: 0.5,
  /**
   * One DataSync execution of a small object, once it holds the task:
   * LAUNCHING, PREPARING, TRANSFERRING, VERIFYING (90 s together).
   * A large object adds size / `dataSyncMiBPerSecond` to TRANSFERRING.
   */
  dataSyncPhases: { LAUNCHING: 30, PREPARING: 20, TRANSFERRING: 20, VERIFYING: 20 } as Record<string, number>,
  dataSyncMiBPerSecond: 200,
  /** A cancelled DataSync execution stays CANCELLING this long, then ends in ERROR and frees the task. */
  dataSyncCancelSeconds: 10,
  /** A direct copy between S3 and EFS by the workspace function (one stream), on top of the Lambda call. */
  directCopyMiBPerSecond: 50,
  /** A Fargate job from the moment it gets capacity to RUNNING (provisioning, image pull, EFS mount); it holds its vCPUs meanwhile. */
  fargateStartSeconds: 45,
  /** The job's own run time in every scenario. */
  jobRunSeconds: 120,
  /** Size of the report the job writes (unless a scenario says otherwise). */
  reportBytes: 1024,
  /** The trigger: the S3 notification's Lambda invocation plus StartExecution, before the execution starts. */
  triggerSeconds: 0.5 + 0.2,
} as const;

/** Seconds one DataSync execution of `bytes` takes once it holds the task. */
export function dataSyncExecutionSeconds(bytes: number): number {
  const phases = Object.values(SERVICE_MODEL.dataSyncPhases).reduce((sum, seconds) => sum + seconds, 0);
  return phases + bytes / MIB / SERVICE_MODEL.dataSyncMiBPerSecond;
}

/** The object size whose DataSync execution takes `seconds` in this model. */
export function bytesForDataSyncSeconds(seconds: number): number {
  return Math.round((seconds - dataSyncExecutionSeconds(0)) * SERVICE_MODEL.dataSyncMiBPerSecond * MIB);
}

/** Seconds the workspace function takes to copy `bytes` directly, its invocation included. */
export function directCopySeconds(bytes: number): number {
  return SERVICE_MODEL.lambdaCallSeconds + bytes / MIB / SERVICE_MODEL.directCopyMiBPerSecond;
}

/** One line that states the model, for the benchmark's output. */
export function describeServiceModel(batchSlots: { maxvCpus: number; vcpu: number }): string {
  const m = SERVICE_MODEL;
  const phases = Object.entries(m.dataSyncPhases).map(([status, seconds]) => `${status} ${seconds} s`).join(', ');
  return `Model: DataSync one execution per task at a time, further ones QUEUED FIFO; an execution takes ${phases} `
    + `(${dataSyncExecutionSeconds(0)} s) + size / ${m.dataSyncMiBPerSecond} MiB/s, a cancel ${m.dataSyncCancelSeconds} s CANCELLING; `
    + `Batch Fargate start ${m.fargateStartSeconds} s + job ${m.jobRunSeconds} s, at most ${batchSlots.maxvCpus / batchSlots.vcpu} jobs at once `
    + `(maxvCpus ${batchSlots.maxvCpus} / vcpu ${batchSlots.vcpu}, the BatchProcessor defaults), FIFO; `
    + `direct copy ${m.directCopyMiBPerSecond} MiB/s + Lambda call; API call ${m.apiCallSeconds} s; Lambda call ${m.lambdaCallSeconds} s (no cold starts, no concurrency limit); `
    + `trigger ${m.triggerSeconds.toFixed(1)} s; no throttling, no service errors.`;
}
