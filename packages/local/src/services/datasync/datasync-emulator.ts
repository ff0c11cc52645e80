import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalS3Store } from '../s3/local-s3-store';
import { serviceError } from '../service-rules';
import { ServiceContext, TaskIntegration, TaskRequest } from '../task-integration';
import {
  DataSyncFaults, describeExecution, endExecution, Execution, isEndingOrEnded, markFailedPhase, newExecution, PACE, TaskState, TransferFailure,
} from './datasync-execution';
import { DataSyncFilter } from './datasync-filter';
import { LocationFiles, md5, SourceEntry } from './datasync-locations';
import { checkArn, checkFilterList, checkManifestConfig, checkOptions, EXECUTION_ARN, invalidRequest, TASK_ARN } from './datasync-requests';

// The service as moto lays one out: the requests and their validation (datasync-requests), the
// execution record and its lifecycle (datasync-execution), the locations' files (datasync-locations);
// here, the API's operations, each task's queue and the phases an execution runs through.

export interface DataSyncEmulatorOptions {
  /** Faults for every task. @default - none */
  readonly faults?: DataSyncFaults;
  /** Faults by task ARN; an entry replaces `faults` for that task. @default - none */
  readonly taskFaults?: Readonly<Record<string, DataSyncFaults>>;
  /**
   * How many executions may wait QUEUED behind a task's running one; a start beyond it is refused
   * with InvalidRequestException. The DataSync quotas page does not state a per-task queue limit,
   * so by default the queue is unbounded, as the service documents queueing (FIFO, no limit given).
   * @default - unbounded
   */
  readonly queueLimit?: number;
  /**
   * The S3 store DataSync reads and writes, shared with the local S3 endpoint so that its writes
   * are serialised with the endpoint's and raise the same ObjectCreated notifications (DataSync
   * writes objects with PutObject, so S3 notifies as for any other write).
   * @default - a store of its own over the state directory's buckets
   */
  readonly store?: LocalS3Store;
}

/**
 * AWS DataSync as the state machine's SDK integrations call it
 * (`arn:aws:states:::aws-sdk:datasync:startTaskExecution`, `describeTaskExecution`,
 * `cancelTaskExecution`), on the local folders:
 *
 * - each task runs one execution at a time; later starts wait QUEUED, first in first out
 *   (DataSync User Guide, "Starting your task": "A task can have only one running task execution at a time";
 *   queueing runs executions in series);
 * - an execution goes LAUNCHING, PREPARING (lists source and destination, decides what to copy),
 *   TRANSFERRING, VERIFYING, then SUCCESS or ERROR; a cancel makes it CANCELLING, then ERROR;
 * - the start's `Includes` replaces the task's, `Excludes` likewise; S3 objects are read and written
 *   through the local S3 store (each write a new version), EFS paths are folders of the state directory.
 *
 * Phases run on the real clock at the emulation's own pace times `timeScale`.
 */
export class DataSyncEmulator implements TaskIntegration {
  /**
   * A task ARN in DataSync's format (`task-` and 17 hex digits), derived from a stable seed such as
   * the task's logical id, for a model that has no deployed ARN.
   */
  public static taskArn(region: string, account: string, seed: string, partition = 'aws'): string {
    return `arn:${partition}:datasync:${region}:${account}:task/task-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;
  }

  /** A location ARN in DataSync's format (`loc-` and 17 hex digits), derived from a stable seed. */
  public static locationArn(region: string, account: string, seed: string, partition = 'aws'): string {
    return `arn:${partition}:datasync:${region}:${account}:location/loc-${createHash('sha256').update(seed).digest('hex').slice(0, 17)}`;
  }

  private readonly executions = new Map<string, Execution>();
  private readonly tasks = new Map<string, TaskState>();
  private readonly files: LocationFiles;

  public constructor(private readonly context: ServiceContext, private readonly options: DataSyncEmulatorOptions = {}) {
    const store = options.store ?? new LocalS3Store(context.state.bucketsRoot);
    this.files = new LocationFiles(context.model, context.state, store);
  }

  public handles(resource: string): boolean {
    return /^arn:[a-z-]+:states:::aws-sdk:datasync:(startTaskExecution|describeTaskExecution|cancelTaskExecution)$/.test(resource);
  }

  public async call(request: TaskRequest): Promise<unknown> {
    const action = request.resource.split(':').pop();
    switch (action) {
      case 'startTaskExecution': {
        const started = this.startTaskExecution(request.parameters);
        this.executions.get(started.TaskExecutionArn)!.startedBy = request.execution.name;
        return started;
      }
      case 'describeTaskExecution': return this.describeTaskExecution(request.parameters);
      case 'cancelTaskExecution': return this.cancelTaskExecution(request.parameters);
      default: throw serviceError('States.Runtime', `the DataSync emulator does not answer ${request.resource}`);
    }
  }

  /** Stops every execution's timers (a runtime shutting down); executions left running stay as they are. */
  public dispose(): void {
    for (const execution of this.executions.values()) execution.abort.abort();
  }

  /**
   * CancelTaskExecution of every execution a run's Tasks started that has not ended (StopExecution
   * of that run: on AWS the transfer would go on, so the CLI's `cancel` cancels it; locally the
   * stop does it too). Returns the ARNs cancelled.
   */
  public cancelExecutionsOf(executionName: string): string[] {
    const cancelled: string[] = [];
    for (const execution of this.executions.values()) {
      if (execution.startedBy !== executionName || isEndingOrEnded(execution)) continue;
      this.cancelTaskExecution({ TaskExecutionArn: execution.arn });
      cancelled.push(execution.arn);
    }
    return cancelled;
  }

  /** StartTaskExecution: validates, then runs the execution now or queues it behind the task's running one. */
  public startTaskExecution(parameters: Record<string, any>): { TaskExecutionArn: string } {
    const taskArn = parameters.TaskArn;
    const faults = this.faultsOf(typeof taskArn === 'string' ? taskArn : '');
    const state = this.taskState(typeof taskArn === 'string' ? taskArn : '');
    state.startCalls++;
    if (state.startCalls <= (faults.throttledStarts ?? 0)) {
      throw invalidRequest('Rate exceeded');
    }
    checkArn('TaskArn', taskArn, TASK_ARN);
    const task = this.context.model.dataSyncTasks.get(taskArn);
    if (!task) throw invalidRequest(`Request references a resource which does not exist: task ${taskArn}`);
    const includes = checkFilterList('Includes', parameters.Includes);
    const excludes = checkFilterList('Excludes', parameters.Excludes);
    const overrides = checkOptions(parameters.OverrideOptions);
    const manifest = checkManifestConfig(parameters.ManifestConfig, taskArn);
    if (this.options.queueLimit !== undefined && state.running && state.queue.length >= this.options.queueLimit) {
      throw invalidRequest(`task ${taskArn} already has ${state.queue.length} queued executions`);
    }
    // A start's filters replace the task's (StartTaskExecution: Includes, Excludes).
    const execution = newExecution(`${taskArn}/execution/exec-${randomBytes(9).toString('hex').slice(0, 17)}`, task, faults, {
      includes: includes ?? task.includes, excludes: excludes ?? task.excludes, manifest, options: { ...task.options, ...overrides },
    });
    this.executions.set(execution.arn, execution);
    state.queue.push(execution);
    this.log(`${execution.arn} ${state.running ? 'QUEUED behind ' + state.running.arn : 'started'}`);
    this.startNext(state);
    return { TaskExecutionArn: execution.arn };
  }

  /** DescribeTaskExecution: the execution's status, counters and result so far. */
  public describeTaskExecution(parameters: Record<string, any>): Record<string, unknown> {
    return describeExecution(this.execution(parameters.TaskExecutionArn));
  }

  /**
   * CancelTaskExecution: a queued execution leaves the queue at once (ERROR); a running one goes
   * CANCELLING and frees the task when it stops. One that already ended, or is already being
   * cancelled, is refused with InvalidRequestException.
   */
  public cancelTaskExecution(parameters: Record<string, any>): Record<string, never> {
    const execution = this.execution(parameters.TaskExecutionArn);
    if (isEndingOrEnded(execution)) {
      throw invalidRequest(`Cannot cancel a task execution that is ${execution.status}: ${execution.arn}`);
    }
    const state = this.taskState(execution.task.arn);
    if (execution.status === 'QUEUED') {
      state.queue.splice(state.queue.indexOf(execution), 1);
      this.end(execution, 'OpCancelled', 'Cancelled');
      return {};
    }
    execution.status = 'CANCELLING';
    execution.abort.abort();
    this.log(`${execution.arn} CANCELLING`);
    return {};
  }

  private faultsOf(taskArn: string): DataSyncFaults {
    return this.options.taskFaults?.[taskArn] ?? this.options.faults ?? {};
  }

  private taskState(taskArn: string): TaskState {
    let state = this.tasks.get(taskArn);
    if (!state) {
      state = { queue: [], startCalls: 0 };
      this.tasks.set(taskArn, state);
    }
    return state;
  }

  private execution(arn: unknown): Execution {
    checkArn('TaskExecutionArn', arn, EXECUTION_ARN);
    const execution = this.executions.get(arn as string);
    if (!execution) throw invalidRequest(`Request references a resource which does not exist: task execution ${String(arn)}`);
    return execution;
  }

  private startNext(state: TaskState): void {
    if (state.running || state.queue.length === 0) return;
    const execution = state.queue.shift()!;
    state.running = execution;
    void this.run(execution).finally(() => {
      state.running = undefined;
      this.startNext(state);
    });
  }

  /** One execution's phases; a cancel aborts the current pause and ends it after the cancel delay. */
  private async run(execution: Execution): Promise<void> {
    const signal = execution.abort.signal;
    try {
      execution.launchTime = new Date();
      execution.status = 'LAUNCHING';
      await this.pause(PACE.launch, signal);

      execution.status = 'PREPARING';
      let started = Date.now();
      const plan = await this.prepare(execution);
      await this.pause(PACE.prepare, signal);
      execution.phases.prepare = ['SUCCESS', Date.now() - started];

      execution.status = 'TRANSFERRING';
      started = Date.now();
      const outcome = execution.faults.outcome ?? 'SUCCESS';
      if (outcome === 'NEVER') {
        await new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      }
      if (outcome === 'ERROR') {
        await this.pause(PACE.transfer, signal);
        throw new TransferFailure('SyncTaskErrorLocationNotAdded', 'DataSync can\'t access your location (injected fault)');
      }
      await this.transfer(execution, plan, signal);
      // The copy itself took real time: pause only for the rest of the emulated transfer time.
      const copied = this.context.timeScale > 0 ? (Date.now() - started) / 1000 / this.context.timeScale : 0;
      const paced = PACE.transfer + execution.bytesTransferred / PACE.bytesPerSecond;
      const transferSeconds = Math.max(execution.faults.transferSeconds ?? 0, paced);
      await this.pause(transferSeconds - copied, signal);
      execution.phases.transfer = ['SUCCESS', Date.now() - started];

      execution.status = 'VERIFYING';
      started = Date.now();
      await this.verify(execution, plan);
      await this.pause(PACE.verify, signal);
      execution.phases.verify = ['SUCCESS', Date.now() - started];
      this.end(execution);
    } catch (error) {
      if (execution.status === 'CANCELLING') {
        const seconds = execution.faults.cancelSeconds ?? PACE.cancel;
        if (seconds === 'NEVER') {
          // The task stays busy: what a stuck cancel does to every later start.
          await new Promise<never>(() => undefined);
        }
        await sleep(Math.max(0, seconds as number) * this.context.timeScale * 1000, undefined, { ref: false });
        markFailedPhase(execution);
        this.end(execution, 'OpCancelled', 'Cancelled');
      } else if (error instanceof TransferFailure) {
        markFailedPhase(execution);
        this.end(execution, error.code, error.message);
      } else if (!signal.aborted) {
        markFailedPhase(execution);
        this.end(execution, 'InternalException', (error as Error).message);
      }
    }
  }

  private end(execution: Execution, errorCode?: string, errorDetail?: string): void {
    this.log(endExecution(execution, errorCode, errorDetail));
  }

  private async pause(seconds: number, signal: AbortSignal): Promise<void> {
    await sleep(Math.max(0, seconds) * this.context.timeScale * 1000, undefined, { signal, ref: false });
  }

  /** PREPARING: lists the source, applies the filters, compares with the destination. */
  private async prepare(execution: Execution): Promise<SourceEntry[]> {
    const source = this.files.location(execution.task.sourceLocationArn);
    const destination = this.files.location(execution.task.destinationLocationArn);
    const includes = execution.includes?.map((rule) => new DataSyncFilter(rule.Value)) ?? [];
    const sourceEntries = execution.manifest
      ? await this.files.manifestEntries(source, execution.manifest, this.faultsOf(execution.manifest.taskArn).ignoreManifestVersions)
      : await this.files.list(source, includes);
    this.files.checkReachable(destination);
    const excludes = execution.excludes?.map((rule) => new DataSyncFilter(rule.Value)) ?? [];
    const selected = sourceEntries.filter((entry) =>
      (includes.length === 0 || includes.some((filter) => filter.matches(entry.relativePath)))
      && !excludes.some((filter) => filter.matches(entry.relativePath)));
    const plan: SourceEntry[] = [];
    for (const entry of selected) {
      const existing = this.files.destinationFile(destination, entry.relativePath);
      if (existing !== undefined) {
        // OverwriteMode NEVER keeps what the destination has; TransferMode CHANGED copies only what differs.
        const unchanged = execution.options.TransferMode !== 'ALL'
          && existing.size === entry.size && await md5(existing.file) === await md5(entry.file);
        if (execution.options.OverwriteMode === 'NEVER' || unchanged) {
          execution.filesSkipped++;
          continue;
        }
      }
      plan.push(entry);
    }
    execution.estimatedFiles = plan.length;
    execution.estimatedBytes = plan.reduce((sum, entry) => sum + entry.size, 0);
    return plan;
  }

  /** TRANSFERRING: writes each planned entry at the destination, unless the execution is cancelled. */
  private async transfer(execution: Execution, plan: readonly SourceEntry[], signal: AbortSignal): Promise<void> {
    const destination = this.files.location(execution.task.destinationLocationArn);
    for (const entry of plan) {
      signal.throwIfAborted();
      // Mtime PRESERVE (the default) keeps the source's modification time.
      await this.files.write(destination, entry, execution.options.Mtime !== 'NONE');
      execution.filesTransferred++;
      execution.bytesTransferred += entry.size;
    }
  }

  /** VERIFYING: with VerifyMode other than NONE, what was transferred must be at the destination, byte for byte. */
  private async verify(execution: Execution, plan: readonly SourceEntry[]): Promise<void> {
    if (execution.options.VerifyMode === 'NONE') return;
    const destination = this.files.location(execution.task.destinationLocationArn);
    for (const entry of plan) {
      const written = this.files.destinationFile(destination, entry.relativePath);
      if (!written || written.size !== entry.size || await md5(written.file) !== await md5(entry.file)) {
        execution.phases.verify = ['ERROR', 0];
        throw new TransferFailure('VerificationFailed', `${entry.relativePath} differs at the destination`);
      }
      execution.filesVerified++;
    }
  }

  private log(message: string): void {
    this.context.events.emit({ type: 'log', source: 'datasync', message });
  }
}
