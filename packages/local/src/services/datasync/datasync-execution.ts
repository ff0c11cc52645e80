import { FilterRule, ManifestSource } from './datasync-requests';
import { DataSyncTask } from '../../model/pipeline-model';

// An execution of a task as DataSync records it, and how that record goes through its life:
// QUEUED, LAUNCHING, PREPARING, TRANSFERRING, VERIFYING, then SUCCESS or ERROR (CANCELLING
// before ERROR when cancelled), with the counters and phase results DescribeTaskExecution reports.

/** Faults a test can inject into the emulated DataSync, for one task or all of them. */
export interface DataSyncFaults {
  /**
   * Refuse the first N StartTaskExecution calls of the task with `DataSync.InvalidRequestException`
   * 'Rate exceeded': DataSync's API model has no throttling error, it answers throttled calls so.
   * @default 0
   */
  readonly throttledStarts?: number;
  /**
   * How each execution ends: `SUCCESS` copies; `ERROR` fails in TRANSFERRING and copies nothing;
   * `NEVER` stays TRANSFERRING until it is cancelled.
   * @default 'SUCCESS'
   */
  readonly outcome?: 'SUCCESS' | 'ERROR' | 'NEVER';
  /**
   * Seconds a cancelled execution stays CANCELLING before it ends in ERROR (times `timeScale`);
   * `NEVER` keeps it CANCELLING, and the task busy, for good.
   * @default 1
   */
  readonly cancelSeconds?: number | 'NEVER';
  /**
   * Seconds TRANSFERRING lasts at least (times `timeScale`), for a transfer that takes long, such
   * as one that outlasts the state machine's stage timeout.
   * @default - the emulation's pace: 0.2 s plus size at 200 MiB/s
   */
  readonly transferSeconds?: number;
  /**
   * Copy the key's current object even when the start's manifest names a version: a DataSync that
   * stages another version than the one asked for, so that a test can see what the pipeline does
   * with a staged file that is not its run's.
   * @default false
   */
  readonly ignoreManifestVersions?: boolean;
}

/** TaskExecutionStatus (DataSync API reference, DescribeTaskExecution). */
export type TaskExecutionStatus = 'QUEUED' | 'LAUNCHING' | 'PREPARING' | 'TRANSFERRING' | 'VERIFYING' | 'SUCCESS' | 'ERROR' | 'CANCELLING';
type PhaseStatus = 'PENDING' | 'SUCCESS' | 'ERROR';

/**
 * The emulation's own pace, in seconds before `timeScale`: about 1 s for a small file, plus size at
 * 200 MiB/s. Real executions take minutes (launch and prepare alone); only the order of the
 * phases and what each does is kept.
 */
export const PACE = { launch: 0.3, prepare: 0.3, transfer: 0.2, verify: 0.2, cancel: 1, bytesPerSecond: 200 * 1024 * 1024 };

export interface Execution {
  readonly arn: string;
  readonly task: DataSyncTask;
  readonly faults: DataSyncFaults;
  readonly includes?: readonly FilterRule[];
  readonly excludes?: readonly FilterRule[];
  /** The start's ManifestConfig: the execution copies exactly the files and object versions it lists. */
  readonly manifest?: ManifestSource;
  readonly options: Record<string, unknown>;
  readonly startTime: Date;
  readonly abort: AbortController;
  /** The Step Functions execution whose Task started it (StopExecution of that run cancels it). */
  startedBy?: string;
  status: TaskExecutionStatus;
  launchTime?: Date;
  endTime?: Date;
  estimatedFiles: number;
  estimatedBytes: number;
  filesTransferred: number;
  bytesTransferred: number;
  filesSkipped: number;
  filesVerified: number;
  phases: { prepare?: [PhaseStatus, number]; transfer?: [PhaseStatus, number]; verify?: [PhaseStatus, number] };
  errorCode?: string;
  errorDetail?: string;
}

/** A task's executions: the one running, those queued behind it (first in, first out), and its start calls. */
export interface TaskState {
  running?: Execution;
  readonly queue: Execution[];
  startCalls: number;
}

/** Why an execution ended in ERROR: the ErrorCode and ErrorDetail DescribeTaskExecution reports. */
export class TransferFailure extends Error {
  public constructor(public readonly code: string, detail: string) {
    super(detail);
  }
}

/** A new execution of a task, QUEUED, with the start's filters, manifest and options. */
export function newExecution(arn: string, task: DataSyncTask, faults: DataSyncFaults,
  start: Pick<Execution, 'includes' | 'excludes' | 'manifest' | 'options'>): Execution {
  return {
    arn,
    task,
    faults,
    ...start,
    startTime: new Date(),
    abort: new AbortController(),
    status: 'QUEUED',
    estimatedFiles: 0,
    estimatedBytes: 0,
    filesTransferred: 0,
    bytesTransferred: 0,
    filesSkipped: 0,
    filesVerified: 0,
    phases: {},
  };
}

/** Whether an execution has ended, or is being cancelled: it can be cancelled no more. */
export function isEndingOrEnded(execution: Execution): boolean {
  return execution.status === 'SUCCESS' || execution.status === 'ERROR' || execution.status === 'CANCELLING';
}

/** The execution as DescribeTaskExecution answers: its status, counters and result so far. */
export function describeExecution(execution: Execution): Record<string, unknown> {
  const phase = (value: [PhaseStatus, number] | undefined) => value ?? ['PENDING', 0];
  const [prepareStatus, prepareMs] = phase(execution.phases.prepare);
  const [transferStatus, transferMs] = phase(execution.phases.transfer);
  const [verifyStatus, verifyMs] = phase(execution.phases.verify);
  const end = execution.endTime ?? new Date();
  // A copy: what the state machine keeps of the answer must not change as the execution goes on.
  return structuredClone({
    TaskExecutionArn: execution.arn,
    Status: execution.status,
    Options: execution.options,
    ...(execution.includes ? { Includes: execution.includes } : {}),
    ...(execution.excludes ? { Excludes: execution.excludes } : {}),
    StartTime: execution.startTime.toISOString(),
    ...(execution.launchTime ? { LaunchTime: execution.launchTime.toISOString() } : {}),
    ...(execution.endTime ? { EndTime: execution.endTime.toISOString() } : {}),
    EstimatedFilesToTransfer: execution.estimatedFiles,
    EstimatedBytesToTransfer: execution.estimatedBytes,
    EstimatedFilesToDelete: 0,
    FilesTransferred: execution.filesTransferred,
    BytesWritten: execution.bytesTransferred,
    BytesTransferred: execution.bytesTransferred,
    BytesCompressed: execution.bytesTransferred,
    FilesDeleted: 0,
    FilesSkipped: execution.filesSkipped,
    FilesVerified: execution.filesVerified,
    TaskMode: 'BASIC',
    Result: {
      PrepareDuration: prepareMs,
      PrepareStatus: prepareStatus,
      TotalDuration: execution.launchTime ? end.getTime() - execution.launchTime.getTime() : 0,
      TransferDuration: transferMs,
      TransferStatus: transferStatus,
      VerifyDuration: verifyMs,
      VerifyStatus: verifyStatus,
      ...(execution.errorCode ? { ErrorCode: execution.errorCode, ErrorDetail: execution.errorDetail } : {}),
    },
  });
}

/** Marks the phase the execution was in when it failed (the first without a result) as ERROR. */
export function markFailedPhase(execution: Execution): void {
  const now = Date.now();
  const since = execution.launchTime?.getTime() ?? now;
  if (!execution.phases.prepare) execution.phases.prepare = ['ERROR', now - since];
  else if (!execution.phases.transfer) execution.phases.transfer = ['ERROR', 0];
  else if (!execution.phases.verify) execution.phases.verify = ['ERROR', 0];
}

/** Ends an execution: SUCCESS, or ERROR with the code and detail given; returns the line the emulator logs. */
export function endExecution(execution: Execution, errorCode?: string, errorDetail?: string): string {
  execution.status = errorCode ? 'ERROR' : 'SUCCESS';
  execution.errorCode = errorCode;
  execution.errorDetail = errorDetail;
  execution.endTime = new Date();
  const outcome = errorCode ? ` ${errorCode}: ${errorDetail}` : ` (${execution.filesTransferred} files, ${execution.bytesTransferred} bytes)`;
  return `${execution.arn} ${execution.status}${outcome}`;
}
