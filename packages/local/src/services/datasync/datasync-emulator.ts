import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, utimes } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSyncLocation, DataSyncTask } from '../../model/pipeline-model';
import { LocalS3Store, SIDECAR } from '../s3/local-s3-store';
import { serviceError } from '../service-rules';
import { ServiceContext, TaskIntegration, TaskRequest } from '../task-integration';
import { DataSyncFilter } from './datasync-filter';

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

/** TaskExecutionStatus (DataSync API reference, DescribeTaskExecution). */
export type TaskExecutionStatus = 'QUEUED' | 'LAUNCHING' | 'PREPARING' | 'TRANSFERRING' | 'VERIFYING' | 'SUCCESS' | 'ERROR' | 'CANCELLING';
type PhaseStatus = 'PENDING' | 'SUCCESS' | 'ERROR';

/**
 * The emulation's own pace, in seconds before `timeScale`: about 1 s for a small file, plus size at
 * 200 MiB/s. Real executions take minutes (launch and prepare alone); only the order of the
 * phases and what each does is kept.
 */
const PACE = { launch: 0.3, prepare: 0.3, transfer: 0.2, verify: 0.2, cancel: 1, bytesPerSecond: 200 * 1024 * 1024 };

/** Patterns and limits of the DataSync API reference (StartTaskExecution, DescribeTaskExecution, CancelTaskExecution, FilterRule). */
const PARTITIONS = '(aws|aws-cn|aws-us-gov|aws-eusc|aws-iso|aws-iso-b)';
const TASK_ARN = new RegExp(`^arn:${PARTITIONS}:datasync:[a-z\\-0-9]*:[0-9]{12}:task/task-[0-9a-f]{17}$`);
const EXECUTION_ARN = new RegExp(`^arn:${PARTITIONS}:datasync:[a-z\\-0-9]+:[0-9]{12}:task/task-[0-9a-f]{17}/execution/exec-[0-9a-f]{17}$`);
const ARN_MAX_LENGTH = 128;
const FILTER_LIST_MAX = 1;
const FILTER_TYPE_PATTERN = /^[A-Z0-9_]+$/;
const FILTER_TYPE_MAX_LENGTH = 128;
const FILTER_VALUE_MAX_LENGTH = 102400;
/** Options values StartTaskExecution accepts in OverrideOptions (DataSync API reference, Options). */
const OPTION_VALUES: Record<string, readonly string[]> = {
  VerifyMode: ['POINT_IN_TIME_CONSISTENT', 'ONLY_FILES_TRANSFERRED', 'NONE'],
  OverwriteMode: ['ALWAYS', 'NEVER'],
  Atime: ['NONE', 'BEST_EFFORT'],
  Mtime: ['NONE', 'PRESERVE'],
  Uid: ['NONE', 'INT_VALUE', 'NAME', 'BOTH'],
  Gid: ['NONE', 'INT_VALUE', 'NAME', 'BOTH'],
  PreserveDeletedFiles: ['PRESERVE', 'REMOVE'],
  PreserveDevices: ['NONE', 'PRESERVE'],
  PosixPermissions: ['NONE', 'PRESERVE'],
  TaskQueueing: ['ENABLED', 'DISABLED'],
  LogLevel: ['OFF', 'BASIC', 'TRANSFER'],
  TransferMode: ['CHANGED', 'ALL'],
  SecurityDescriptorCopyFlags: ['NONE', 'OWNER_DACL', 'OWNER_DACL_SACL'],
  ObjectTags: ['PRESERVE', 'NONE'],
};

type FilterRule = { readonly FilterType: string; readonly Value: string };

/** Where an execution's manifest is (ManifestConfig.Source.S3). */
interface ManifestSource {
  /** The task whose execution reads it. */
  readonly taskArn: string;
  readonly bucketName: string;
  readonly key: string;
  readonly versionId?: string;
  readonly roleArn: string;
}

/** Patterns and limits of ManifestConfig (DataSync API reference, ManifestConfig, SourceManifestConfig, S3ManifestConfig). */
const MANIFEST_ACTIONS = ['TRANSFER'];
const MANIFEST_FORMATS = ['CSV'];
const MANIFEST_BUCKET_ARN = new RegExp(`^arn:${PARTITIONS}:s3:::([a-zA-Z0-9.\\-_]{1,255})$`);
const MANIFEST_BUCKET_ARN_MAX_LENGTH = 268;
const MANIFEST_ROLE_ARN = new RegExp(`^arn:${PARTITIONS}:iam::[0-9]{12}:role/.*$`);
const MANIFEST_ROLE_ARN_MAX_LENGTH = 2048;
const MANIFEST_OBJECT_PATH_MAX_LENGTH = 1024;
const MANIFEST_VERSION_ID_MAX_LENGTH = 100;

/** A file or object of a location, relative to the location's path (`/a/b.txt`). */
interface SourceEntry {
  readonly relativePath: string;
  readonly size: number;
  readonly modified: Date;
  /** Where its bytes are on this machine. */
  readonly file: string;
}

interface Execution {
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

interface TaskState {
  running?: Execution;
  readonly queue: Execution[];
  startCalls: number;
}

/** Why an execution ended in ERROR: the ErrorCode and ErrorDetail DescribeTaskExecution reports. */
class TransferFailure extends Error {
  public constructor(public readonly code: string, detail: string) {
    super(detail);
  }
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
  private readonly store: LocalS3Store;

  public constructor(private readonly context: ServiceContext, private readonly options: DataSyncEmulatorOptions = {}) {
    this.store = options.store ?? new LocalS3Store(context.state.bucketsRoot);
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
      if (execution.startedBy !== executionName || ['SUCCESS', 'ERROR', 'CANCELLING'].includes(execution.status)) continue;
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
    const execution: Execution = {
      arn: `${taskArn}/execution/exec-${randomBytes(9).toString('hex').slice(0, 17)}`,
      task,
      faults,
      // A start's filters replace the task's (StartTaskExecution: Includes, Excludes).
      includes: includes ?? task.includes,
      excludes: excludes ?? task.excludes,
      manifest,
      options: { ...task.options, ...overrides },
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
    this.executions.set(execution.arn, execution);
    state.queue.push(execution);
    this.log(`${execution.arn} ${state.running ? 'QUEUED behind ' + state.running.arn : 'started'}`);
    this.startNext(state);
    return { TaskExecutionArn: execution.arn };
  }

  /** DescribeTaskExecution: the execution's status, counters and result so far. */
  public describeTaskExecution(parameters: Record<string, any>): Record<string, unknown> {
    const execution = this.execution(parameters.TaskExecutionArn);
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

  /**
   * CancelTaskExecution: a queued execution leaves the queue at once (ERROR); a running one goes
   * CANCELLING and frees the task when it stops. One that already ended, or is already being
   * cancelled, is refused with InvalidRequestException.
   */
  public cancelTaskExecution(parameters: Record<string, any>): Record<string, never> {
    const execution = this.execution(parameters.TaskExecutionArn);
    if (execution.status === 'SUCCESS' || execution.status === 'ERROR' || execution.status === 'CANCELLING') {
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
      const transferSeconds = Math.max(execution.faults.transferSeconds ?? 0, PACE.transfer + execution.bytesTransferred / PACE.bytesPerSecond);
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
        this.markFailedPhase(execution);
        this.end(execution, 'OpCancelled', 'Cancelled');
      } else if (error instanceof TransferFailure) {
        this.markFailedPhase(execution);
        this.end(execution, error.code, error.message);
      } else if (!signal.aborted) {
        this.markFailedPhase(execution);
        this.end(execution, 'InternalException', (error as Error).message);
      }
    }
  }

  private markFailedPhase(execution: Execution): void {
    const now = Date.now();
    const since = execution.launchTime?.getTime() ?? now;
    if (!execution.phases.prepare) execution.phases.prepare = ['ERROR', now - since];
    else if (!execution.phases.transfer) execution.phases.transfer = ['ERROR', 0];
    else if (!execution.phases.verify) execution.phases.verify = ['ERROR', 0];
  }

  private end(execution: Execution, errorCode?: string, errorDetail?: string): void {
    execution.status = errorCode ? 'ERROR' : 'SUCCESS';
    execution.errorCode = errorCode;
    execution.errorDetail = errorDetail;
    execution.endTime = new Date();
    this.log(`${execution.arn} ${execution.status}${errorCode ? ` ${errorCode}: ${errorDetail}` : ` (${execution.filesTransferred} files, ${execution.bytesTransferred} bytes)`}`);
  }

  private async pause(seconds: number, signal: AbortSignal): Promise<void> {
    await sleep(Math.max(0, seconds) * this.context.timeScale * 1000, undefined, { signal, ref: false });
  }

  /** PREPARING: lists the source, applies the filters, compares with the destination. */
  private async prepare(execution: Execution): Promise<SourceEntry[]> {
    const source = this.location(execution.task.sourceLocationArn);
    const destination = this.location(execution.task.destinationLocationArn);
    const includes = execution.includes?.map((rule) => new DataSyncFilter(rule.Value)) ?? [];
    const sourceEntries = execution.manifest ? await this.manifestEntries(source, execution.manifest) : await this.list(source, includes);
    this.checkReachable(destination);
    const excludes = execution.excludes?.map((rule) => new DataSyncFilter(rule.Value)) ?? [];
    const selected = sourceEntries.filter((entry) =>
      (includes.length === 0 || includes.some((filter) => filter.matches(entry.relativePath)))
      && !excludes.some((filter) => filter.matches(entry.relativePath)));
    const plan: SourceEntry[] = [];
    for (const entry of selected) {
      const existing = this.destinationFile(destination, entry.relativePath);
      if (existing !== undefined) {
        // OverwriteMode NEVER keeps what the destination has; TransferMode CHANGED copies only what differs.
        const unchanged = execution.options.TransferMode !== 'ALL' && existing.size === entry.size && await md5(existing.file) === await md5(entry.file);
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

  /**
   * The entries a manifest names (DataSync User Guide, "Transferring specific files or objects by
   * using a manifest"): CSV, one path per line relative to the source location, for an S3 source
   * optionally followed by a comma and the object version to copy (without one, the current object).
   * DataSync reads the manifest at the start of PREPARING with the role the start names; a manifest
   * it cannot read or an entry it cannot find fails the execution. The error codes AWS reports for
   * those are not documented: the emulation uses `ManifestNotReadable` and `ManifestEntryNotFound`.
   */
  private async manifestEntries(source: DataSyncLocation, manifest: ManifestSource): Promise<SourceEntry[]> {
    this.checkReachable(source);
    const versions = this.store.versions(manifest.bucketName, manifest.key);
    const record = manifest.versionId === undefined ? versions[0] : versions.find((version) => version.versionId === manifest.versionId);
    let text: string;
    try {
      if (!record || record.deleteMarker) throw new Error('no such object');
      text = await readFile(this.store.bodyPath(manifest.bucketName, manifest.key, record), 'utf-8');
    } catch (error) {
      throw new TransferFailure('ManifestNotReadable', `cannot read the manifest s3://${manifest.bucketName}/${manifest.key}${manifest.versionId ? ` version ${manifest.versionId}` : ''}: ${(error as Error).message}`);
    }
    const entries: SourceEntry[] = [];
    for (const [relative, versionId] of parseManifest(text)) {
      const relativePath = `/${relative.replace(/^\/+/, '')}`;
      if (source.kind === 'S3') {
        const key = `${s3Prefix(source.subdirectory)}${relativePath.slice(1)}`;
        const all = this.store.versions(source.bucketName, key);
        const current = versionId === undefined || this.faultsOf(manifest.taskArn).ignoreManifestVersions;
        const version = current ? all[0] : all.find((candidate) => candidate.versionId === versionId);
        if (!version || version.deleteMarker) {
          throw new TransferFailure('ManifestEntryNotFound', `the manifest names s3://${source.bucketName}/${key}${versionId ? ` version ${versionId}` : ''}, which does not exist`);
        }
        const file = this.store.bodyPath(source.bucketName, key, version);
        entries.push({ relativePath, size: version.size, modified: new Date(version.lastModified), file });
      } else {
        if (versionId !== undefined) throw new TransferFailure('ManifestEntryNotFound', `the manifest names a version (${versionId}) of ${relativePath}, but versions exist only for S3 sources`);
        const file = path.join(this.efsRoot(source), relativePath);
        if (!existsSync(file) || !statSync(file).isFile()) throw new TransferFailure('ManifestEntryNotFound', `the manifest names ${relativePath}, which does not exist`);
        entries.push(await fileEntry(relativePath, file));
      }
    }
    return entries;
  }

  private async transfer(execution: Execution, plan: readonly SourceEntry[], signal: AbortSignal): Promise<void> {
    const destination = this.location(execution.task.destinationLocationArn);
    for (const entry of plan) {
      signal.throwIfAborted();
      if (destination.kind === 'S3') {
        const bucket = destination.bucketName;
        const key = `${s3Prefix(destination.subdirectory)}${entry.relativePath.slice(1)}`;
        const temporary = this.store.temporaryPath(bucket);
        await copyFile(entry.file, temporary);
        try {
          this.store.objectPath(bucket, key);
        } catch (error) {
          throw new TransferFailure('FsS3PutObjectFailed', `cannot write s3://${bucket}/${key}: ${(error as Error).message}`);
        }
        await this.store.commit(bucket, key, temporary, { size: entry.size, etag: `"${await md5(temporary)}"`, lastModified: new Date().toUTCString() });
      } else {
        const target = path.join(this.efsRoot(destination), entry.relativePath);
        await mkdir(path.dirname(target), { recursive: true });
        await copyFile(entry.file, target);
        // Mtime PRESERVE (the default) keeps the source's modification time.
        if (execution.options.Mtime !== 'NONE') await utimes(target, new Date(), entry.modified);
      }
      execution.filesTransferred++;
      execution.bytesTransferred += entry.size;
    }
  }

  /** VERIFYING: with VerifyMode other than NONE, what was transferred must be at the destination, byte for byte. */
  private async verify(execution: Execution, plan: readonly SourceEntry[]): Promise<void> {
    if (execution.options.VerifyMode === 'NONE') return;
    const destination = this.location(execution.task.destinationLocationArn);
    for (const entry of plan) {
      const written = this.destinationFile(destination, entry.relativePath);
      if (!written || written.size !== entry.size || await md5(written.file) !== await md5(entry.file)) {
        execution.phases.verify = ['ERROR', 0];
        throw new TransferFailure('VerificationFailed', `${entry.relativePath} differs at the destination`);
      }
      execution.filesVerified++;
    }
  }

  private location(arn: string): DataSyncLocation {
    const location = this.context.model.dataSyncLocations.get(arn);
    if (!location) throw new TransferFailure('SyncTaskErrorLocationNotAdded', `location ${arn} is not in the pipeline`);
    return location;
  }

  private efsRoot(location: Extract<DataSyncLocation, { kind: 'EFS' }>): string {
    return this.context.state.onFileSystem(location.fileSystemLogicalId, location.accessPointRootDirectory, location.subdirectory);
  }

  /**
   * DataSync mounts an EFS location's subdirectory under the access point's root before each
   * execution and does not create it: a missing one fails the execution as a location it cannot
   * access (`SyncTaskErrorLocationNotAdded`, DataSync User Guide, "Troubleshooting issues with DataSync locations").
   * An S3 location needs its bucket (`FsS3HeadBucketFailed`).
   */
  private checkReachable(location: DataSyncLocation): void {
    if (location.kind === 'EFS') {
      const root = this.efsRoot(location);
      if (!existsSync(root) || !statSync(root).isDirectory()) {
        throw new TransferFailure('SyncTaskErrorLocationNotAdded',
          `Task failed to access location ${location.arn}: mount.nfs: mounting ${location.subdirectory} under the access point root ${location.accessPointRootDirectory} failed: No such file or directory`);
      }
    } else {
      try {
        this.store.bucket(location.bucketName);
      } catch {
        throw new TransferFailure('FsS3HeadBucketFailed', `DataSync can't access the S3 bucket ${location.bucketName}`);
      }
    }
  }

  /**
   * The files of a location, relative to its path. The current version of every object of a bucket
   * is a file of the bucket's folder (LocalS3Store), so S3 and EFS are listed alike, by walking the
   * folder; only the folders the Includes can match are walked.
   */
  private async list(location: DataSyncLocation, includes: readonly DataSyncFilter[]): Promise<SourceEntry[]> {
    this.checkReachable(location);
    const root = location.kind === 'S3'
      ? path.join(this.store.root, location.bucketName, ...s3Prefix(location.subdirectory).split('/').filter((s) => s !== ''))
      : this.efsRoot(location);
    const folders = includes.length === 0 ? ['/'] : includes.map((filter) => filter.folders()).reduce<string[] | undefined>(
      (all, some) => all && some ? [...all, ...some] : undefined, []) ?? ['/'];
    const top = [...new Set(folders)].sort().filter((folder, i, sorted) => !sorted.slice(0, i).some((above) => folder.startsWith(above)));
    const entries: SourceEntry[] = [];
    const walk = async (directory: string): Promise<void> => {
      let items;
      try {
        items = await readdir(directory, { withFileTypes: true });
      } catch {
        return;
      }
      for (const item of items) {
        const file = path.join(directory, item.name);
        // The bucket's sidecar (versions, uploads in progress) holds no object.
        if (location.kind === 'S3' && directory === path.join(this.store.root, location.bucketName) && item.name === SIDECAR) continue;
        if (item.isDirectory()) {
          await walk(file);
        } else if (item.isFile()) {
          const relativePath = `/${path.relative(root, file).split(path.sep).join('/')}`;
          const entry = location.kind === 'S3' ? this.objectEntry(location, relativePath, file) : await fileEntry(relativePath, file);
          if (entry) entries.push(entry);
        }
      }
    };
    for (const folder of top) await walk(path.join(root, folder));
    return entries.sort((a, b) => Buffer.compare(Buffer.from(a.relativePath), Buffer.from(b.relativePath)));
  }

  /** An object of an S3 location, from its version record; a file the store has not committed yet is not an object. */
  private objectEntry(location: Extract<DataSyncLocation, { kind: 'S3' }>, relativePath: string, file: string): SourceEntry | undefined {
    const key = `${s3Prefix(location.subdirectory)}${relativePath.slice(1)}`;
    const current = this.store.versions(location.bucketName, key)[0];
    return current && !current.deleteMarker ? { relativePath, size: current.size, modified: new Date(current.lastModified), file } : undefined;
  }

  private destinationFile(location: DataSyncLocation, relativePath: string): { size: number; file: string } | undefined {
    if (location.kind === 'S3') {
      const key = `${s3Prefix(location.subdirectory)}${relativePath.slice(1)}`;
      const current = this.store.versions(location.bucketName, key)[0];
      return current && !current.deleteMarker ? { size: current.size, file: this.store.objectPath(location.bucketName, key) } : undefined;
    }
    const file = path.join(this.efsRoot(location), relativePath);
    return existsSync(file) && statSync(file).isFile() ? { size: statSync(file).size, file } : undefined;
  }

  private log(message: string): void {
    this.context.events.emit({ type: 'log', source: 'datasync', message });
  }
}

function invalidRequest(message: string): Error {
  return serviceError('DataSync.InvalidRequestException', message);
}

function checkArn(member: string, value: unknown, pattern: RegExp): void {
  if (typeof value !== 'string' || value.length > ARN_MAX_LENGTH || !pattern.test(value)) {
    throw invalidRequest(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`);
  }
}

/** Includes / Excludes: a list of at most one FilterRule (FilterRule: FilterType SIMPLE_PATTERN, Value up to 102,400 characters, no NUL). */
function checkFilterList(member: string, value: unknown): FilterRule[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidRequest(`${member} must be a list of FilterRule`);
  if (value.length > FILTER_LIST_MAX) {
    throw invalidRequest(`1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${FILTER_LIST_MAX}`);
  }
  return value.map((rule: any) => {
    const type = rule?.FilterType ?? 'SIMPLE_PATTERN';
    if (typeof type !== 'string' || type.length > FILTER_TYPE_MAX_LENGTH || !FILTER_TYPE_PATTERN.test(type) || type !== 'SIMPLE_PATTERN') {
      throw invalidRequest(`Value '${String(type)}' at '${member}.1.member.FilterType' failed to satisfy constraint: Member must satisfy enum value set: [SIMPLE_PATTERN]`);
    }
    const filter = rule?.Value;
    if (typeof filter !== 'string' || filter.length === 0 || filter.length > FILTER_VALUE_MAX_LENGTH || filter.includes('\u0000')) {
      throw invalidRequest(`Value at '${member}.1.member.Value' failed to satisfy constraint: Member must have length less than or equal to ${FILTER_VALUE_MAX_LENGTH} and satisfy regular expression pattern: ^[^\\x00]+$`);
    }
    return { FilterType: type, Value: filter };
  });
}

/**
 * ManifestConfig of a start, checked as the API model does: Action TRANSFER, Format CSV, and a Source
 * with S3 { ManifestObjectPath, BucketAccessRoleArn, S3BucketArn (required), ManifestObjectVersionId }.
 * Since 2024-02-07 a manifest without Source is refused (a missing role, in the API's words).
 */
function checkManifestConfig(value: unknown, taskArn: string): ManifestSource | undefined {
  if (value === undefined) return undefined;
  const violation = (member: string, constraint: string, given?: unknown) =>
    invalidRequest(`1 validation error detected: Value ${given === undefined ? 'null' : `'${String(given)}'`} at 'manifestConfig.${member}' failed to satisfy constraint: ${constraint}`);
  if (typeof value !== 'object' || value === null) throw invalidRequest('ManifestConfig must be a ManifestConfig structure');
  const config = value as Record<string, any>;
  if (config.Action !== undefined && !MANIFEST_ACTIONS.includes(config.Action)) throw violation('action', `Member must satisfy enum value set: [${MANIFEST_ACTIONS.join(', ')}]`, config.Action);
  if (config.Format !== undefined && !MANIFEST_FORMATS.includes(config.Format)) throw violation('format', `Member must satisfy enum value set: [${MANIFEST_FORMATS.join(', ')}]`, config.Format);
  const s3 = config.Source?.S3;
  if (s3 === undefined || s3 === null || typeof s3 !== 'object') {
    throw invalidRequest('ManifestConfig.Source.S3 is missing: DataSync needs the manifest\'s bucket and an IAM role to read it (BucketAccessRoleArn)');
  }
  const objectPath = s3.ManifestObjectPath;
  if (typeof objectPath !== 'string' || objectPath.length === 0 || objectPath.length > MANIFEST_OBJECT_PATH_MAX_LENGTH || /[\u0000]/.test(objectPath)) {
    throw violation('source.s3.manifestObjectPath', `Member must have length less than or equal to ${MANIFEST_OBJECT_PATH_MAX_LENGTH} and must not be null`, objectPath);
  }
  const bucketArn = s3.S3BucketArn;
  const bucket = typeof bucketArn === 'string' && bucketArn.length <= MANIFEST_BUCKET_ARN_MAX_LENGTH ? MANIFEST_BUCKET_ARN.exec(bucketArn) : null;
  if (!bucket) throw violation('source.s3.s3BucketArn', `Member must satisfy regular expression pattern: ${MANIFEST_BUCKET_ARN.source}`, bucketArn);
  const roleArn = s3.BucketAccessRoleArn;
  if (typeof roleArn !== 'string' || roleArn.length > MANIFEST_ROLE_ARN_MAX_LENGTH || !MANIFEST_ROLE_ARN.test(roleArn)) {
    throw violation('source.s3.bucketAccessRoleArn', `Member must satisfy regular expression pattern: ${MANIFEST_ROLE_ARN.source}`, roleArn);
  }
  const versionId = s3.ManifestObjectVersionId;
  if (versionId !== undefined && (typeof versionId !== 'string' || versionId.length === 0 || versionId.length > MANIFEST_VERSION_ID_MAX_LENGTH)) {
    throw violation('source.s3.manifestObjectVersionId', `Member must have length less than or equal to ${MANIFEST_VERSION_ID_MAX_LENGTH} and satisfy regular expression pattern: ^.+$`, versionId);
  }
  return { taskArn, bucketName: bucket[bucket.length - 1], key: objectPath, versionId, roleArn };
}

/**
 * The rows of a CSV manifest: a path and, optionally, a version id. A field in double quotes may hold
 * commas, line breaks and doubled quotes (RFC 4180, as the DataSync guide's quoting rules describe);
 * blank lines are skipped.
 */
export function parseManifest(text: string): Array<[string, string | undefined]> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (char === '"') { quoted = false; i++; continue; }
      field += char;
      i++;
      continue;
    }
    if (char === '"') {quoted = true;} else if (char === ',') { row.push(field); field = ''; } else if (char === '\r' && text[i + 1] === '\n') { endRow(); i++; } else if (char === '\n' || char === '\r') {endRow();} else {field += char;}
    i++;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows.map((fields) => [fields[0], fields[1] === undefined || fields[1] === '' ? undefined : fields[1]]);
}

function checkOptions(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw invalidRequest('OverrideOptions must be an Options structure');
  for (const [name, option] of Object.entries(value)) {
    const allowed = OPTION_VALUES[name];
    if (allowed && !allowed.includes(option as string)) {
      throw invalidRequest(`Value '${String(option)}' at 'overrideOptions.${name}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    if (name === 'BytesPerSecond' && (!Number.isInteger(option) || (option as number) < -1)) {
      throw invalidRequest(`Value '${String(option)}' at 'overrideOptions.bytesPerSecond' failed to satisfy constraint: Member must have value greater than or equal to -1`);
    }
  }
  return value as Record<string, unknown>;
}

/** An S3 location's Subdirectory as a key prefix: `/incoming/` -> `incoming/`, `/` -> ``. */
function s3Prefix(subdirectory: string): string {
  const trimmed = subdirectory.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

async function fileEntry(relativePath: string, file: string): Promise<SourceEntry> {
  const info = await stat(file);
  return { relativePath, size: info.size, modified: info.mtime, file };
}

async function md5(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
