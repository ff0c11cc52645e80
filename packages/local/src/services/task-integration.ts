import { PipelineModel } from '../model/pipeline-model';
import { StateDirectory } from '../runtime/state-directory';

/**
 * What a Task state of the definition asks a service: its `Resource` and the effective
 * parameters (after the state's `Parameters` were applied to its input).
 */
export interface TaskRequest {
  /** `arn:aws:states:::aws-sdk:datasync:startTaskExecution`, `arn:aws:states:::batch:submitJob.sync`, ... */
  readonly resource: string;
  /** The name of the Task state, for messages. */
  readonly stateName: string;
  /** The effective parameters, in the shape of the service API (PascalCase members). */
  readonly parameters: Record<string, any>;
  /** The execution this call belongs to. */
  readonly execution: { readonly name: string; readonly arn: string };
  /**
   * For a `.sync` integration: called once the work was submitted, with what the submit call
   * answered (Batch SubmitJob's JobArn, JobId, JobName), which the history's `TaskSubmitted` shows.
   */
  readonly onSubmitted?: (output: unknown) => void;
}

/**
 * One emulated service: answers the Task resources it knows with the service's own
 * semantics and input rules. A call AWS would refuse throws `serviceError(<name>, ...)`
 * with the error name Step Functions reports (`DataSync.InvalidRequestException`,
 * `Batch.ClientException`, `SNS.NotFoundException`, `States.TaskFailed` ...), so that
 * the definition's Retry and Catch see what they would see on AWS.
 */
export interface TaskIntegration {
  /** Whether this service answers the resource. */
  handles(resource: string): boolean;
  /** Answers the call: resolves with the result Step Functions would pass on, or rejects with a service error. */
  call(request: TaskRequest): Promise<unknown>;
}

/** What every emulated service gets: the pipeline it belongs to, the folders, the time scale. */
export interface ServiceContext {
  readonly model: PipelineModel;
  readonly state: StateDirectory;
  /**
   * Multiplies every duration the emulation takes on its own (DataSync's phases, waits);
   * 1 is the emulation's own pace, 0.01 a demo. Never changes what happens, only how long it takes.
   */
  readonly timeScale: number;
  /** Where events for the user go (progress, notifications, job output). */
  readonly events: RuntimeEvents;
}

/** Things the runtime reports while it runs, for progress output and tests. */
export interface RuntimeEvents {
  emit(event: RuntimeEvent): void;
}

export type RuntimeEvent =
  | { readonly type: 'state-entered'; readonly execution: string; readonly state: string; readonly at: number }
  | {
    readonly type: 'notification';
    readonly topicArn: string;
    readonly message: string;
    readonly subject?: string;
    readonly file: string;
    readonly execution?: string;
  }
  | { readonly type: 'metric'; readonly namespace: string; readonly metricName: string; readonly value: number }
  | { readonly type: 'job-output'; readonly jobName: string; readonly line: string }
  | { readonly type: 'log'; readonly source: string; readonly message: string };
