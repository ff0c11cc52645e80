import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalS3Endpoint } from '@batch-pipeline/local';
import { batchJobNameError, serviceError } from '@batch-pipeline/local';
import { handleWorkspaceRequest, WorkspaceRequest } from '../../src/workspace/run-workspace.lambda';

/** How one DataSync stage behaves in a scenario. */
export interface TransferBehaviour {
  /** Seconds from start to the terminal status. */
  readonly seconds: number;
  /** SUCCESS, ERROR, or NEVER (the execution stays in TRANSFERRING). */
  readonly outcome: 'SUCCESS' | 'ERROR' | 'NEVER';
  /** How many start calls are throttled before one is accepted. */
  readonly throttledStarts?: number;
  /** Seconds a cancelled execution stays CANCELLING before it ends in ERROR; NEVER keeps it cancelling. */
  readonly cancelSeconds?: number | 'NEVER';
}

export interface JobBehaviour {
  readonly seconds: number;
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  /** Write a report of this many bytes instead of the one-line summary. */
  readonly outputBytes?: number;
}

export interface Scenario {
  readonly stageIn: TransferBehaviour;
  readonly job: JobBehaviour;
  readonly stageOut: TransferBehaviour;
  /** Whether SNS accepts the publish, or refuses it as it does when the publisher may not use the topic's key. */
  readonly notification?: 'DELIVERED' | 'KMS_ACCESS_DENIED';
}

/** Simulated latency of one AWS API call and of one Lambda invocation, in seconds. */
export const API_CALL_SECONDS = 0.2;
export const LAMBDA_CALL_SECONDS = 0.5;

interface TransferExecution {
  readonly stage: 'stageIn' | 'stageOut';
  readonly startedAt: number;
  readonly filter: string;
  copied: boolean;
  cancelledAt?: number;
  /** The wait before the next status check, as the state machine doubles it. */
  nextWait: number;
  /** The last status DescribeTaskExecution reported. */
  status: string;
}

/** How long a cancelled execution stays CANCELLING when the scenario does not say. */
const DEFAULT_CANCEL_SECONDS = 10;

/**
 * The AWS services a run touches, simulated on one clock: DataSync copies
 * between an in-memory bucket and a real directory that stands for EFS, the
 * Batch job is a local process-like function that honours the run contract,
 * and the workspace function is the real handler on that directory.
 */
export class SimulatedAws {
  /** Simulated seconds since the run started. */
  public clock = 0;
  public readonly uploads = new Map<string, string>();
  public readonly reports = new Map<string, string>();
  public readonly notifications: Array<Record<string, unknown>> = [];
  /** Publishes SNS refused, with the error it returned. */
  public readonly refusedNotifications: string[] = [];
  /** CloudWatch data points written with PutMetricData: `<namespace>/<metric>` -> sum. */
  public readonly metrics = new Map<string, number>();
  /** Execution ARNs CancelTaskExecution was called for. */
  public readonly cancelledExecutions: string[] = [];
  /** Job names SubmitJob accepted. */
  public readonly submittedJobNames: string[] = [];
  /** The TaskArn of every accepted StartTaskExecution. */
  public readonly startedTasks: string[] = [];
  /** DescribeTaskExecution calls answered. */
  public statusChecks = 0;
  /** The bucket uploads are read from when a local S3 endpoint holds them. */
  public uploadBucket = 'uploads';
  public readonly fileSystem: string;
  private readonly executions = new Map<string, TransferExecution>();
  private readonly startAttempts = { stageIn: 0, stageOut: 0 };

  constructor(
    private readonly scenario: Scenario,
    private readonly layout: {
      readonly uploadPrefix: string;
      readonly stagingDirectory: string;
      readonly reportPrefix: string;
      readonly jobMountPath: string;
      /** The first wait before a status check; each later one doubles up to `maxPollSeconds`. */
      readonly firstPollSeconds: number;
      readonly maxPollSeconds: number;
      /** The wait before each check of a cancelled execution. */
      readonly cancelCheckSeconds: number;
      readonly startRetry: { readonly interval: number; readonly backoff: number; readonly maxDelay: number };
    },
    /** A local S3 endpoint whose folders simulated DataSync reads uploads from and writes reports to. */
    private readonly s3?: { readonly endpoint: LocalS3Endpoint; readonly reportsBucket: string },
  ) {
    this.fileSystem = mkdtempSync(path.join(tmpdir(), 'simulated-efs-'));
  }

  public dispose(): void {
    rmSync(this.fileSystem, { recursive: true, force: true });
  }

  /** Files on the simulated file system, relative to the access point root. */
  public filesOnFileSystem(): string[] {
    const list = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
      .flatMap((entry) => entry.isDirectory() ? list(path.join(dir, entry.name)) : [path.join(dir, entry.name)]);
    return list(this.fileSystem).map((file) => `/${path.relative(this.fileSystem, file)}`).sort();
  }

  public startTransfer(stage: 'stageIn' | 'stageOut', request: { Includes: Array<{ Value: string }> }): { TaskExecutionArn: string } {
    const behaviour = this.scenario[stage];
    this.startAttempts[stage]++;
    const attempt = this.startAttempts[stage];
    if (attempt > 1) {
      // The retrier waited before this attempt; full jitter waits up to this long.
      this.clock += Math.min(this.layout.startRetry.maxDelay, this.layout.startRetry.interval * this.layout.startRetry.backoff ** (attempt - 2));
    }
    this.clock += API_CALL_SECONDS;
    if (attempt <= (behaviour.throttledStarts ?? 0)) {
      // DataSync's API model has no throttling error: it answers InvalidRequestException.
      throw serviceError('DataSync.InvalidRequestException', 'Rate exceeded');
    }
    const arn = `arn:aws:datasync:eu-west-2:123456789012:task/task-${stage}/execution/exec-${this.executions.size}`;
    this.executions.set(arn, { stage, startedAt: this.clock, filter: request.Includes[0].Value, copied: false, status: 'LAUNCHING', nextWait: this.layout.firstPollSeconds });
    this.startedTasks.push((request as { TaskArn?: string }).TaskArn ?? '');
    return { TaskExecutionArn: arn };
  }

  /** CancelTaskExecution: an execution that already ended is refused with InvalidRequestException. */
  public cancelTransfer(request: { TaskExecutionArn: string }): Record<string, never> {
    this.clock += API_CALL_SECONDS;
    const execution = this.executions.get(request.TaskExecutionArn);
    if (!execution || execution.status === 'SUCCESS' || execution.status === 'ERROR') {
      throw serviceError('DataSync.InvalidRequestException', `execution ${request.TaskExecutionArn} is not running`);
    }
    this.cancelledExecutions.push(request.TaskExecutionArn);
    execution.cancelledAt = this.clock;
    return {};
  }

  /** DescribeTaskExecution, after the Wait state that always precedes it. */
  public describeTransfer(request: { TaskExecutionArn: string }): Record<string, unknown> {
    const execution = this.executions.get(request.TaskExecutionArn);
    if (!execution) {
      throw serviceError('DataSync.InvalidRequestException', `no execution ${request.TaskExecutionArn}`);
    }
    if (execution.cancelledAt !== undefined) {
      this.clock += this.layout.cancelCheckSeconds;
    } else {
      this.clock += execution.nextWait;
      execution.nextWait = execution.nextWait * 2 > this.layout.maxPollSeconds ? this.layout.maxPollSeconds : execution.nextWait * 2;
    }
    this.clock += API_CALL_SECONDS;
    this.statusChecks++;
    const behaviour = this.scenario[execution.stage];
    if (execution.cancelledAt !== undefined) {
      const cancelSeconds = behaviour.cancelSeconds ?? DEFAULT_CANCEL_SECONDS;
      const stopped = cancelSeconds !== 'NEVER' && this.clock - execution.cancelledAt >= cancelSeconds;
      execution.status = stopped ? 'ERROR' : 'CANCELLING';
      return { TaskExecutionArn: request.TaskExecutionArn, Status: execution.status, ...(stopped ? { Result: { ErrorCode: 'OpCancelled', ErrorDetail: 'Cancelled' } } : {}) };
    }
    const finished = behaviour.outcome !== 'NEVER' && this.clock - execution.startedAt >= behaviour.seconds;
    if (!finished) {
      execution.status = 'TRANSFERRING';
      return { TaskExecutionArn: request.TaskExecutionArn, Status: 'TRANSFERRING' };
    }
    if (behaviour.outcome === 'ERROR') {
      execution.status = 'ERROR';
      return { TaskExecutionArn: request.TaskExecutionArn, Status: 'ERROR', Result: { ErrorCode: 'SyncTaskErrorLocationNotAdded', ErrorDetail: 'simulated transfer error' } };
    }
    execution.status = 'SUCCESS';
    if (!execution.copied) {
      this.copy(execution);
      execution.copied = true;
    }
    if (execution.status === 'ERROR') {
      return { TaskExecutionArn: request.TaskExecutionArn, Status: 'ERROR', Result: { ErrorCode: 'SyncTaskErrorLocationNotFound', ErrorDetail: `the mount path ${this.layout.stagingDirectory} does not exist` } };
    }
    return { TaskExecutionArn: request.TaskExecutionArn, Status: 'SUCCESS', Result: { ErrorCode: '' } };
  }

  public async invokeWorkspace(request: { Payload: WorkspaceRequest }): Promise<{ Payload: unknown }> {
    this.clock += LAMBDA_CALL_SECONDS;
    return { Payload: await handleWorkspaceRequest(request.Payload, this.fileSystem) };
  }

  /** Batch SubmitJob `.sync`: runs a job that reads only the run contract's environment. */
  public runJob(request: { JobName: string; ContainerOverrides: { Environment: Array<{ Name: string; Value: string }> } }): Record<string, unknown> {
    const nameError = batchJobNameError(request.JobName);
    if (nameError) {
      // SubmitJob refuses the name before any job exists: a client error, as Batch returns it.
      throw serviceError('Batch.ClientException', nameError);
    }
    this.submittedJobNames.push(request.JobName);
    this.clock += API_CALL_SECONDS + this.scenario.job.seconds;
    const env = Object.fromEntries(request.ContainerOverrides.Environment.map((entry) => [entry.Name, entry.Value]));
    if (this.scenario.job.outcome === 'FAILED') {
      throw serviceError('States.TaskFailed', JSON.stringify({ Status: 'FAILED', StatusReason: 'Essential container in task exited', Container: { ExitCode: 2 } }));
    }
    const onFileSystem = (containerPath: string) => path.join(this.fileSystem, path.relative(this.layout.jobMountPath, containerPath));
    const input = readFileSync(onFileSystem(env.PIPELINE_INPUT_PATH), 'utf-8');
    const report = this.scenario.job.outputBytes !== undefined ? 'r'.repeat(this.scenario.job.outputBytes)
      : `run ${env.PIPELINE_RUN_ID} of s3://${env.PIPELINE_SOURCE_BUCKET}/${env.PIPELINE_SOURCE_KEY}: ${input.length} bytes\n`;
    writeFileSync(path.join(onFileSystem(env.PIPELINE_OUTPUT_DIR), 'report.txt'), report);
    return { JobId: 'job-1', JobName: env.PIPELINE_RUN_ID, Status: 'SUCCEEDED' };
  }

  public publish(request: { Message: Record<string, unknown> }): { MessageId: string } {
    this.clock += API_CALL_SECONDS;
    if (this.scenario.notification === 'KMS_ACCESS_DENIED') {
      this.refusedNotifications.push(JSON.stringify(request.Message));
      throw serviceError('SNS.KMSAccessDeniedException', 'User is not authorized to perform kms:GenerateDataKey on the topic\'s key');
    }
    this.notifications.push(request.Message);
    return { MessageId: `message-${this.notifications.length}` };
  }

  /** CloudWatch PutMetricData: sums each data point under `<namespace>/<metric name>`. */
  public putMetricData(request: { Namespace: string; MetricData: Array<{ MetricName: string; Value: number }> }): Record<string, never> {
    this.clock += API_CALL_SECONDS;
    for (const datum of request.MetricData) {
      const name = `${request.Namespace}/${datum.MetricName}`;
      this.metrics.set(name, (this.metrics.get(name) ?? 0) + datum.Value);
    }
    return {};
  }

  private copy(execution: TransferExecution): void {
    if (execution.stage === 'stageIn') {
      // Includes '/<key relative to the upload prefix>': exactly one object.
      const relativeKey = execution.filter.slice(1);
      const uploadKey = `${this.layout.uploadPrefix}${relativeKey}`;
      const stored = this.s3 ? this.s3.endpoint.objectPath(this.uploadBucket, uploadKey) : undefined;
      const body = stored ? (existsSync(stored) ? readFileSync(stored, 'utf-8') : undefined) : this.uploads.get(uploadKey);
      if (body !== undefined) {
        const target = path.join(this.fileSystem, this.layout.stagingDirectory, relativeKey);
        if (!existsSync(path.join(this.fileSystem, this.layout.stagingDirectory))) {
          // The location's subdirectory is a mount path; nothing says DataSync creates it.
          execution.status = 'ERROR';
          return;
        }
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, body);
      }
      return;
    }
    // Includes '/runs/<runId>/out/*': one run's output directory.
    const directory = execution.filter.replace(/\*$/, '');
    const source = path.join(this.fileSystem, directory);
    if (!existsSync(source)) {
      return;
    }
    for (const file of readdirSync(source)) {
      const reportKey = `${this.layout.reportPrefix}${directory.slice(1)}${file}`;
      this.reports.set(reportKey, readFileSync(path.join(source, file), 'utf-8'));
      if (this.s3) {
        const target = this.s3.endpoint.objectPath(this.s3.reportsBucket, reportKey);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, readFileSync(path.join(source, file)));
      }
    }
  }
}

