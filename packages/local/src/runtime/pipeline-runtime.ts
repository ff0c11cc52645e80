import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { freeRerunName, INTERRUPTED, interruptedRuns, markRerun, removeRunFolders } from './interrupted-runs';
import { LocalRuntimeError } from './local-runtime-error';
import { ReportLocation, RunSummary } from './run-summary';
import { eventTypeMatches, keyFilterMatches, s3EventFor } from './s3-event';
import { StateDirectory } from './state-directory';
import { writeWholeFile } from './write-whole-file';
import { readCloudAssembly } from '../assembly/cloud-assembly';
import { defaultAppDirectory, selectPipeline } from '../assembly/discover-pipelines';
import { LocalFunction, PipelineModel, UploadTrigger } from '../model/pipeline-model';
import { BatchEmulator, BatchEmulatorOptions } from '../services/batch/batch-emulator';
import { CloudWatchEmulator } from '../services/cloudwatch/cloudwatch-emulator';
import { DataSyncEmulator, DataSyncEmulatorOptions } from '../services/datasync/datasync-emulator';
import { FunctionRunner } from '../services/lambda/function-runner';
import { answerLambda } from '../services/lambda/lambda-api';
import { LambdaIntegration } from '../services/lambda/lambda-integration';
import { LocalS3Endpoint } from '../services/s3/local-s3-endpoint';
import { ObjectCreated, VersionRecord } from '../services/s3/local-s3-store';
import { putLocalFile } from '../services/s3/put-local-file';
import { SnsEmulator, SnsEmulatorOptions, SnsTopics } from '../services/sns/sns-emulator';
import { SnsEndpoint } from '../services/sns/sns-endpoint';
import { ExecutionEngine } from '../services/stepfunctions/execution-engine';
import { StepFunctionsEndpoint } from '../services/stepfunctions/step-functions-endpoint';
import { StartedExecution, StepFunctionsService } from '../services/stepfunctions/step-functions-service';
import { RuntimeEvent, RuntimeEvents, ServiceContext } from '../services/task-integration';

export interface PipelineRuntimeOptions {
  /** The cloud assembly folder (`cdk.out`). */
  readonly assemblyDirectory: string;
  /** Which pipeline, when the assembly has several: a stack name, or `<stack>/<state machine logical id>`. */
  readonly pipeline?: string;
  /** The folder that holds buckets, file systems, notifications and logs. */
  readonly stateDirectory: string;
  /** Where a job's local command runs (relative paths in it): by default the assembly's parent folder, the app. */
  readonly appDirectory?: string;
  /**
   * Multiplies every wait: the definition's Wait states and retry intervals and the emulated
   * services' own durations. 1 by default; 0.01 makes a demo take seconds.
   */
  readonly timeScale?: number;
  /** Receives what happens, for progress output. */
  readonly onEvent?: (event: RuntimeEvent) => void;
  /** Use Docker for jobs: by default when an engine answers. */
  readonly docker?: boolean;
  /** Faults to inject into DataSync (for tests of the failure paths). */
  readonly dataSync?: Pick<DataSyncEmulatorOptions, 'faults' | 'taskFaults'>;
  /** Faults to inject into SNS (for tests of the failure paths). */
  readonly sns?: SnsEmulatorOptions;
  /** Extra Batch options: concurrency, and a fault for tests (every job exits with this code). */
  readonly batch?: Pick<BatchEmulatorOptions, 'maxConcurrentJobs' | 'failWithExitCode' | 'stopTimeoutSeconds'>;
  /** Execution environments per function and in all (defaults of FunctionRunner). */
  readonly lambda?: { readonly maxEnvironmentsPerFunction?: number; readonly maxEnvironments?: number };
}

/** An upload the runtime made: the object version and the runs it starts. */
export interface Upload {
  readonly bucket: string;
  readonly key: string;
  readonly version: VersionRecord;
}

/** An interrupted run started again (`rerunInterrupted`): its upload, the run it repeats and its own run id. */
export interface InterruptedRerun extends Upload {
  /** The interrupted run's id. */
  readonly of: string;
  /** The re-run's id (execution name), `<of>-r<n>`; absent when the trigger was invoked again to start it (no kept execution). */
  readonly runId?: string;
}

class EventHub implements RuntimeEvents {
  private readonly listeners: Array<(event: RuntimeEvent) => void> = [];
  public on(listener: (event: RuntimeEvent) => void): void {
    this.listeners.push(listener);
  }
  public emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * The pipeline of a cloud assembly, running on this machine: buckets and file systems are
 * folders of the state directory, the functions are the assembly's bundled code in processes
 * of their own, the state machine runs with aws-local-stepfunctions, and DataSync, Batch, SNS
 * and CloudWatch are emulated. An object committed to a bucket with a notification
 * configuration invokes the configured function with a genuine S3 event, asynchronously and
 * with Lambda's retries, as S3 does; the trigger function starts executions through the local
 * Step Functions endpoint.
 */
export class PipelineRuntime {
  /** Opens the assembly, checks that every function and job can run here, and starts the services. */
  public static async start(options: PipelineRuntimeOptions): Promise<PipelineRuntime> {
    const assembly = readCloudAssembly(options.assemblyDirectory);
    const model = selectPipeline(assembly, options.pipeline);
    for (const fn of model.functions.values()) {
      const reason = FunctionRunner.unsupportedReason(fn);
      if (reason && model.uploadTriggers.some((trigger) => trigger.functionArn === fn.arn)) {
        throw new LocalRuntimeError(`the trigger function ${fn.name} cannot run locally: ${reason}`, 'write the trigger as a Node.js function');
      }
    }
    const appDirectory = options.appDirectory ?? defaultAppDirectory(options.assemblyDirectory);
    BatchEmulator.checkRunnable(model, { docker: options.docker, appDirectory });
    const state = StateDirectory.open(options.stateDirectory);
    const runtime = new PipelineRuntime(model, state, options);
    await runtime.startServices();
    return runtime;
  }

  /** Every run started, by run id (the execution name). */
  public readonly runs = new Map<string, StartedExecution>();
  /** Every object committed while the runtime ran, by bucket and key, in order. */
  private readonly created: ObjectCreated[] = [];
  private readonly events = new EventHub();
  private readonly notificationsByExecution = new Map<string, string[]>();
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private readonly timeScale: number;
  private s3?: LocalS3Endpoint;
  private stepFunctions?: StepFunctionsEndpoint;
  private sns?: SnsEndpoint;
  private functions?: FunctionRunner;
  private lambda?: LambdaIntegration;
  private service?: StepFunctionsService;
  private dataSync?: DataSyncEmulator;
  private batch?: BatchEmulator;
  private engine?: ExecutionEngine;
  /** Set by interrupt(): no upload event starts a run any more. */
  private interrupting = false;

  private constructor(public readonly model: PipelineModel, public readonly state: StateDirectory, private readonly options: PipelineRuntimeOptions) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0 && this.timeScale <= 1)) {
      throw new LocalRuntimeError(`the time scale ${options.timeScale} is not valid`, 'use a number above 0 and at most 1, such as 0.01');
    }
    if (options.onEvent) this.events.on(options.onEvent);
    this.events.on((event) => {
      if (event.type === 'notification' && event.execution) {
        const execution = event.execution;
        this.notificationsByExecution.set(execution, [...(this.notificationsByExecution.get(execution) ?? []), event.message]);
      }
    });
  }

  /**
   * The local S3 endpoint over the bucket folders: its URL for an SDK client of a test (delete an
   * object as its owner would), its store, and the operations it answered.
   */
  public get s3Endpoint(): LocalS3Endpoint {
    return this.s3!;
  }

  /** The local Step Functions service (its executions), for callers that inspect them. */
  public get stepFunctionsService(): StepFunctionsService {
    return this.service!;
  }

  /**
   * Lambda's Invoke of the pipeline's functions, for a served runtime: the same runner and the same
   * function lookup as the state machine's Lambda tasks (`batch-pipeline cancel` invokes the
   * workspace function's clean-up this way).
   */
  public answerLambda(request: IncomingMessage, response: ServerResponse): Promise<void> {
    return answerLambda(this.lambda!, request, response);
  }

  /** The local SNS endpoint (Publish), for a server that routes SNS requests to it (`serveRuntime`). */
  public get snsEndpoint(): SnsEndpoint {
    return this.sns!;
  }

  /** The DataSync emulator (its task executions), for DescribeTaskExecution and CancelTaskExecution of a served runtime. */
  public get dataSyncEmulator(): DataSyncEmulator {
    return this.dataSync!;
  }

  /** The Batch emulator (its jobs), for DescribeJobs and the job logs of a served runtime. */
  public get batchEmulator(): BatchEmulator {
    return this.batch!;
  }

  /**
   * Uploads a file into a bucket of the pipeline (by default the first watched bucket, under
   * its watched prefix, with the file's name), as PutObject does: the file is copied, a new
   * version is committed, and the bucket's notifications fire.
   */
  public async upload(file: string, options: { readonly key?: string; readonly bucket?: string } = {}): Promise<Upload> {
    if (!existsSync(file)) {
      throw new LocalRuntimeError(`there is no file ${path.resolve(file)} to upload`, 'pass the path of an existing file');
    }
    const trigger = this.model.uploadTriggers[0];
    const bucket = options.bucket ?? trigger.bucket.name;
    const key = options.key ?? `${trigger.prefix ?? ''}${path.basename(file)}`;
    let version: VersionRecord;
    try {
      version = await putLocalFile(this.s3!.store, bucket, key, file);
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      // Only an error of the file itself is the file's: one in the state directory (the bucket's folder) is not.
      if ((failure.code === 'EACCES' || failure.code === 'EISDIR' || failure.code === 'ENOENT') && failure.path === file) {
        throw new LocalRuntimeError(`cannot read ${path.resolve(file)} (${failure.code})`, 'pass a readable file');
      }
      throw error;
    }
    return { bucket, key, version };
  }

  /**
   * Delivers the event of a committed object to the matching notification configurations
   * once more, as S3 may deliver an event twice ("at least once").
   */
  public redeliver(upload: Upload): void {
    const created = this.created.find((candidate) => candidate.bucket === upload.bucket && candidate.key === upload.key
      && candidate.record.versionId === upload.version.versionId);
    if (!created) {
      throw new Error(`no event was delivered for s3://${upload.bucket}/${upload.key}`);
    }
    this.notify(created);
  }

  /** Resolves when no event is being delivered and every run started has ended. */
  public async idle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.pendingDeliveries]);
      await Promise.all([...this.runs.values()].map((run) => run.outcome));
      if (this.pendingDeliveries.size === 0 && [...this.runs.values()].every((run) => run.status !== 'RUNNING')) {
        return;
      }
    }
  }

  /** The summary of a run that ended (also written to `runs/<run id>.json`). */
  public async summaryOf(runId: string): Promise<RunSummary> {
    const run = this.runs.get(runId);
    if (!run) {
      throw new Error(`no run ${runId}`);
    }
    const outcome = await run.outcome;
    const input = JSON.parse(run.input) as { bucket?: string; key?: string; versionId?: string | null };
    const reports: ReportLocation[] = this.created
      .filter((created) => created.key.split('/').includes(runId) && !(created.bucket === input.bucket && created.key === input.key))
      .map((created) => ({
        bucket: created.bucket, key: created.key, file: this.s3!.store.objectPath(created.bucket, created.key), size: created.record.size,
      }));
    const summary: RunSummary = {
      runId,
      executionArn: run.arn,
      status: outcome.status,
      input: { bucket: input.bucket ?? '', key: input.key ?? '', versionId: input.versionId },
      durationMs: outcome.stoppedAt - outcome.startedAt,
      transitions: outcome.transitions,
      reports,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.cause ? { cause: outcome.cause } : {}),
      notifications: this.notificationsByExecution.get(runId) ?? [],
      logsDirectory: this.state.logsDirectory,
      ...(outcome.state && outcome.status !== 'SUCCEEDED' ? { state: outcome.state } : {}),
    };
    writeWholeFile(this.state.runSummaryFile(runId), JSON.stringify(summary, undefined, 2));
    return summary;
  }

  /**
   * What Ctrl-C does: no upload starts a run any more, the function processes end, every run in
   * progress is aborted (ABORTED, error "Interrupted", with the state it was in), its jobs end as
   * Batch stops a container (SIGTERM to the job's process group, SIGKILL after the stop timeout),
   * its DataSync transfers are cancelled and its folders on the local file systems are removed; its
   * upload is kept, so that it can run again (`interruptedRuns`, `rerunInterrupted`). Writes the
   * summary of every run of this runtime, finished ones as they are, and resolves with them.
   * Call stop() after.
   */
  public async interrupt(): Promise<RunSummary[]> {
    this.interrupting = true;
    const interruptedAt = new Date().toISOString();
    this.engine?.abortAll();
    await this.functions?.stop();
    // A run the trigger started while its process was ending.
    await new Promise((resolve) => setImmediate(resolve));
    this.engine?.abortAll();
    this.dataSync?.dispose();
    await this.batch?.stop();
    const summaries: RunSummary[] = [];
    for (const runId of this.runs.keys()) {
      const summary = await this.summaryOf(runId);
      if (summary.status !== 'ABORTED' || summary.error !== INTERRUPTED) {
        summaries.push(summary);
        continue;
      }
      const recorded: RunSummary = { ...summary, interruptedAt, removedFolders: removeRunFolders(this.state, runId) };
      writeWholeFile(this.state.runSummaryFile(runId), JSON.stringify(recorded, undefined, 2));
      summaries.push(recorded);
    }
    return summaries;
  }

  /** The runs of this state directory an interrupt ended and that were not run again, oldest first. */
  public interruptedRuns(): RunSummary[] {
    return interruptedRuns(this.state);
  }

  /**
   * Runs every interrupted run of this state directory again, as `batch-pipeline rerun` runs one:
   * StartExecution with the interrupted execution's input under a new name, `<run id>-r<n>` (the
   * first free n), since a Standard execution's name stays taken (on AWS the same name would be
   * refused with ExecutionAlreadyExists). The ABORTED execution stays listed, and the re-run has its
   * own logs, summary and run folders. A run whose upload (that object version) no longer exists is
   * reported and skipped; one whose execution was not kept is delivered to the trigger again, as S3
   * would deliver its event. Returns what was started again.
   */
  public rerunInterrupted(): InterruptedRerun[] {
    const reruns: InterruptedRerun[] = [];
    for (const summary of this.interruptedRuns()) {
      const { bucket, key, versionId } = summary.input;
      const version = this.s3!.store.versions(bucket, key).find((record) => !record.deleteMarker && record.versionId === (versionId ?? 'null'));
      if (!version) {
        this.events.emit({
          type: 'log',
          source: 's3',
          message: `s3://${bucket}/${key} (version ${versionId ?? 'null'}) of the interrupted run ${summary.runId} no longer exists: not run again`,
        });
        continue;
      }
      const service = this.service!;
      const kept = service.executions.get(summary.runId);
      if (!kept) {
        // Nothing holds the name: the trigger starts the run as it did the first time.
        markRerun(this.state, summary);
        this.notify({
          bucket, key, record: version, eventName: 'ObjectCreated:Put', sequencer: Date.now().toString(16).toUpperCase().padStart(16, '0'),
        });
        reruns.push({ bucket, key, version, of: summary.runId });
        continue;
      }
      const runId = freeRerunName(summary.runId, (name) => service.executions.has(name));
      const input = JSON.parse(kept.input) as unknown;
      // The run id in the input names the run's folders and reports, as `rerun` sets it.
      const rerunInput = input !== null && typeof input === 'object' && !Array.isArray(input) && 'runId' in input ? { ...input, runId } : input;
      markRerun(this.state, summary, runId);
      service.startExecution({ stateMachineArn: this.model.stateMachine.arn, name: runId, input: JSON.stringify(rerunInput) });
      reruns.push({ bucket, key, version, of: summary.runId, runId });
    }
    return reruns;
  }

  /** Listens to what happens (state changes, notifications, job output). */
  public onEvent(listener: (event: RuntimeEvent) => void): void {
    this.events.on(listener);
  }

  /**
   * Ends every job, transfer, function process and endpoint; the state directory stays as it is.
   * Runs still going end there (their executions do not finish).
   */
  public async stop(): Promise<void> {
    this.batch?.dispose();
    this.dataSync?.dispose();
    await this.functions?.stop();
    await this.stepFunctions?.stop();
    await this.sns?.stop();
    await this.s3?.stop();
  }

  private async startServices(): Promise<void> {
    this.s3 = await LocalS3Endpoint.start(this.state.bucketsRoot);
    for (const bucket of this.model.buckets.values()) {
      // A bucket created by an earlier run keeps its objects and versions.
      if (!existsSync(path.join(this.state.bucketsRoot, bucket.name, '.s3', 'bucket.json'))) {
        this.s3.createBucket(bucket.name, { versioned: bucket.versioned });
      }
    }
    for (const fileSystem of this.model.fileSystems.values()) {
      mkdirSync(this.state.fileSystem(fileSystem.logicalId), { recursive: true });
    }
    // An access point creates its root directory on first use (EFS "CreationInfo").
    for (const fn of this.model.functions.values()) {
      for (const mount of fn.mounts) mkdirSync(this.state.onFileSystem(mount.fileSystemLogicalId, mount.rootDirectory), { recursive: true });
    }
    for (const definition of this.model.jobDefinitions.values()) {
      for (const mount of definition.mounts) mkdirSync(this.state.onFileSystem(mount.fileSystemLogicalId, mount.rootDirectory), { recursive: true });
    }

    const context: ServiceContext = { model: this.model, state: this.state, timeScale: this.timeScale, events: this.events };
    // The Step Functions endpoint must exist before the functions get its URL; the engine
    // needs the Lambda integration, which needs the runner: the service gets the engine last.
    const holder: { engine?: ExecutionEngine } = {};
    const lazyEngine = { run: (request: Parameters<ExecutionEngine['run']>[0]) => holder.engine!.run(request) } as ExecutionEngine;
    this.service = new StepFunctionsService(this.model.stateMachine, lazyEngine);
    this.service.keepIn(this.state.executionsDirectory);
    this.stepFunctions = await StepFunctionsEndpoint.start(this.service);
    // Functions publish (the trigger's notices) to the same topic files as the state machine.
    const topics = new SnsTopics(context, this.options.sns ?? {});
    this.sns = await SnsEndpoint.start(topics);
    this.functions = new FunctionRunner({
      state: this.state,
      region: this.model.region,
      endpoints: { s3: this.s3.url, stepFunctions: this.stepFunctions.url, sns: this.sns.url },
      events: this.events,
      timeScale: this.timeScale,
      ...this.options.lambda,
      onAsyncFailure: (record, fn) => this.deadLetter(record, fn),
    });
    this.dataSync = new DataSyncEmulator(context, { ...this.options.dataSync, store: this.s3.store });
    this.batch = new BatchEmulator(context, {
      appDirectory: this.options.appDirectory ?? defaultAppDirectory(this.options.assemblyDirectory),
      docker: this.options.docker,
      ...this.options.batch,
    });
    this.lambda = new LambdaIntegration(context, this.functions);
    this.engine = holder.engine = new ExecutionEngine(this.model.stateMachine, [
      this.lambda,
      this.dataSync,
      this.batch,
      new SnsEmulator(context, topics),
      new CloudWatchEmulator(context),
    ], { timeScale: this.timeScale, events: this.events });
    this.service.onStart((execution) => this.runs.set(execution.name, execution));
    // StopExecution ends what the run started: its Batch jobs and its DataSync transfers.
    this.service.onStop((execution) => {
      this.batch?.terminateJobsOf(execution.name, `Terminated: execution ${execution.name} was stopped`);
      this.dataSync?.cancelExecutionsOf(execution.name);
    });
    this.s3.store.onObjectCreated((created) => {
      this.created.push(created);
      this.notify(created);
    });
  }

  /** S3 → Lambda: every matching notification configuration invokes its function asynchronously. */
  private notify(created: ObjectCreated): void {
    if (this.interrupting) return;
    const bucket = [...this.model.buckets.values()].find((candidate) => candidate.name === created.bucket);
    for (const [index, trigger] of this.model.uploadTriggers.entries()) {
      if (!bucket || !this.matches(trigger, created)) continue;
      const fn = this.model.functions.get(trigger.functionArn);
      if (!fn) {
        this.events.emit({
          type: 'log',
          source: 's3',
          message: `the notification of ${created.bucket} names ${trigger.functionArn}, whose code is not in the assembly; nothing was invoked`,
        });
        continue;
      }
      const event = s3EventFor(created, { region: this.model.region, versioned: bucket.versioned, configurationId: `notification-${index + 1}` });
      // Its log file is named by the request id: keys can be longer than a file name, and two keys can look alike.
      const invocation = this.functions!.invokeAsync(fn, event);
      const pending: Promise<unknown> = invocation.completion.finally(() => this.pendingDeliveries.delete(pending));
      this.pendingDeliveries.add(pending);
    }
  }

  private matches(trigger: UploadTrigger, created: ObjectCreated): boolean {
    return trigger.bucket.name === created.bucket
      && trigger.events.some((event) => eventTypeMatches(event, created.eventName))
      && keyFilterMatches(created.key, trigger.prefix, trigger.suffix);
  }

  /** An asynchronous invocation Lambda gave up on goes where its on-failure destination says. */
  private deadLetter(record: unknown, fn: LocalFunction): void {
    const destination = (fn as { asyncOnFailureDestination?: string }).asyncOnFailureDestination ?? 'none';
    const file = path.join(this.state.root, 'failed-invocations', `${fn.name}.jsonl`);
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify({ destination, record })}\n`);
    this.events.emit({
      type: 'log',
      source: fn.name,
      message: `an asynchronous invocation failed after its retries; the event went to ${destination} (${file})`,
    });
  }
}
