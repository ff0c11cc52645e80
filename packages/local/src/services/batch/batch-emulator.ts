import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { localCommandProblem } from './local-command-check';
import { FileSystemMount, JobDefinition, JobQueue, PipelineModel } from '../../model/pipeline-model';
import { LocalRuntimeError } from '../../runtime/local-runtime-error';
import { batchJobNameError, serviceError } from '../service-rules';
import { scaledSeconds, timerOf } from '../stepfunctions/task-timeouts';
import { ServiceContext, TaskIntegration, TaskRequest } from '../task-integration';
import { placementBlockOf, waitForTimeLimitAction } from './job-state-time-limit';
import { checkJobTags } from './job-tags';

export interface BatchEmulatorOptions {
  /**
   * The CDK app's folder: the working directory of a job's local command, against which its
   * relative paths resolve (the `localCommand` of the job definition is written relative to it).
   */
  readonly appDirectory: string;
  /**
   * Whether jobs run in Docker. Unset: in Docker when an engine answers `docker info`, else as the
   * job definition's local command.
   * @default - detected
   */
  readonly docker?: boolean;
  /** The Docker CLI to call. @default 'docker' */
  readonly dockerCommand?: string;
  /**
   * Jobs that run at once; later ones wait RUNNABLE, first in first out, as jobs wait for capacity
   * in a compute environment.
   * @default - the machine's available parallelism
   */
  readonly maxConcurrentJobs?: number;
  /**
   * Seconds between SIGTERM and SIGKILL when an attempt times out or the runtime stops: Batch sends
   * SIGTERM and, if the container still runs 30 seconds later, SIGKILL (Batch User Guide, "Job
   * timeouts"). Multiplied by the time scale, as the attempt timeout is.
   * @default 30
   */
  readonly stopTimeoutSeconds?: number;
  /**
   * Make every attempt of every job end with this exit code instead of running the job (its
   * command is not started), for tests of the failure paths; the retry strategy applies as usual.
   * @default - jobs run
   */
  readonly failWithExitCode?: number;
}

/** How a job definition runs on this machine. */
export type JobRunner = 'docker' | 'local-command';

/** Batch job states (Batch User Guide, "Job states"). */
export type JobStatus = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

interface Attempt {
  Container: { ExitCode?: number; Reason?: string; LogStreamName: string };
  StartedAt: number;
  StoppedAt?: number;
  StatusReason?: string;
}

/** How one attempt ended: an exit code, or why the container never ran; whether it ran out of time. */
interface AttemptResult {
  readonly exitCode?: number;
  readonly reason?: string;
  readonly timedOut: boolean;
}

interface Job {
  readonly jobId: string;
  readonly jobArn: string;
  readonly jobName: string;
  readonly queue: JobQueue;
  readonly definition: JobDefinition;
  /** The definition's and the overrides' environment, as the container sees it. */
  readonly environment: Record<string, string>;
  readonly command?: readonly string[];
  readonly attemptDurationSeconds?: number;
  readonly attempts: number;
  readonly evaluateOnExit: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly createdAt: number;
  readonly logFile: string;
  status: JobStatus;
  statusReason?: string;
  startedAt?: number;
  stoppedAt?: number;
  readonly attemptDetails: Attempt[];
  /** The attempt running now, whose log stream DescribeJobs names while the job is RUNNING. */
  runningAttempt?: number;
  readonly done: Promise<void>;
  /** The execution whose Task submitted it (StopExecution terminates its jobs). */
  execution?: string;
  /** TerminateJob's reason, once the job was terminated: no attempt starts, the running one is stopped. */
  terminated?: string;
  /** Ends the job's wait while it is RUNNABLE (stuck at the head of its queue), when it is terminated. */
  readonly runnableWait: AbortController;
  /** SubmitJob's tags (DescribeJobs shows them) and whether they reach the job's task. */
  readonly tags: Readonly<Record<string, string>>;
  readonly propagateTags: boolean;
}

/** SubmitJob's limits (Batch API reference, SubmitJob, KeyValuePair, JobTimeout, RetryStrategy, EvaluateOnExit). */
const RESERVED_ENVIRONMENT_PREFIX = 'AWS_BATCH';
const MIN_ATTEMPT_DURATION_SECONDS = 60;
const MAX_ATTEMPTS = 10;
const MAX_EVALUATE_ON_EXIT = 5;
/** What Batch reports when the essential container of a Fargate job exits, and when an attempt runs out of time. */
const CONTAINER_EXITED = 'Essential container in task exited';
const TIMED_OUT = 'Job attempt duration exceeded timeout';
/** The status reason of a job the local runtime ended because it stopped (as TerminateJob's reason would read). */
const RUNTIME_STOPPED = 'Terminated: the local runtime stopped';

/** Environment variables a local command inherits: what finds programs and Node, never this process's AWS settings. */
const INHERITED_ENVIRONMENT = [
  'PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS',
];

let dockerAnswers: Map<string, boolean> | undefined;

/**
 * The process group of every job attempt running in this process: a job runs as a group of its
 * own (its container), so that whatever it started ends with it. Should this process exit
 * without stopping them (a second Ctrl-C, an uncaught error), the groups are killed on the way out.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const group of liveGroups) signalGroup(group, 'SIGKILL');
    });
  }
  liveGroups.add(pid);
}
const imageBuilds = new Map<string, Promise<string>>();

/**
 * AWS Batch as the state machine's optimized integrations call it
 * (`arn:aws:states:::batch:submitJob.sync` and `submitJob`): SubmitJob's input rules, then the job
 * runs on this machine with its definition's retry strategy and timeout:
 *
 * - in Docker when an engine answers: the image built from the definition's asset directory (once
 *   per asset), each EFS mount's local folder bound at its mount path;
 * - else as the definition's declared local command (`batch-pipeline:localRun`), a child process in the
 *   app's folder with a clean environment where every value under a mount path is rewritten to that
 *   mount's local folder, because a local process cannot see `/mnt/...`.
 *
 * `.sync` resolves with the job's DescribeJobs detail when it SUCCEEDED and rejects with
 * `States.TaskFailed` and that detail as the cause when it FAILED, as Step Functions reports it.
 */
export class BatchEmulator implements TaskIntegration {
  /**
   * How each job definition of the model would run, or a LocalRuntimeError that says what to do when
   * one has neither Docker nor a local command. The runtime calls it before any run.
   */
  public static checkRunnable(
    model: PipelineModel,
    options: Partial<Pick<BatchEmulatorOptions, 'docker' | 'dockerCommand' | 'appDirectory'>> = {},
  ): Map<string, JobRunner> {
    const runners = new Map<string, JobRunner>();
    for (const definition of model.jobDefinitions.values()) {
      const runner = runnerFor(definition, options);
      if (!runner) {
        throw new LocalRuntimeError(
          `the job definition '${definition.name}' cannot run on this machine: no Docker engine answers and it declares no local command`,
          'start Docker (the job then runs in its image), or give the BatchProcessor a `localCommand` that runs the job as a local process');
      }
      // A local command whose program or script is missing would fail every run: say so before any starts.
      const problem = runner === 'local-command'
        && options.appDirectory !== undefined ? localCommandProblem(definition, options.appDirectory) : undefined;
      if (problem) throw problem;
      runners.set(definition.arn, runner);
    }
    return runners;
  }

  private readonly jobs = new Map<string, Job>();
  /** Aborts the wait of jobs stuck RUNNABLE (a runtime shutting down). */
  private readonly stuckJobs = new AbortController();
  /** Jobs waiting for one of the runtime's job slots, in order, and how each starts. */
  private readonly waiting: Array<{ readonly job: Job; readonly start: () => void }> = [];
  private running = 0;
  /** The attempts running: how to stop each (SIGTERM, then SIGKILL after the stop timeout) and its end. */
  private readonly attemptsRunning = new Set<{ readonly stop: () => void; readonly ended: Promise<unknown>; readonly job: Job }>();
  private stopping = false;

  public constructor(private readonly context: ServiceContext, private readonly options: BatchEmulatorOptions) {}

  public handles(resource: string): boolean {
    return /^arn:[a-z-]+:states:::batch:submitJob(\.sync)?$/.test(resource);
  }

  public async call(request: TaskRequest): Promise<unknown> {
    const job = this.submitJob(request.parameters);
    job.execution = request.execution.name;
    if (!request.resource.endsWith('.sync')) {
      // SubmitJob's response, with the SDK's HTTP metadata, as the optimized integration returns it.
      const requestId = randomUUID();
      return {
        JobArn: job.jobArn,
        JobId: job.jobId,
        JobName: job.jobName,
        SdkHttpMetadata: { AllHttpHeaders: { 'x-amzn-RequestId': [requestId] }, HttpHeaders: { 'x-amzn-RequestId': requestId }, HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: requestId },
      };
    }
    request.onSubmitted?.({ JobArn: job.jobArn, JobId: job.jobId, JobName: job.jobName });
    await job.done;
    const detail = this.describe(job);
    if (job.status === 'FAILED') {
      throw serviceError('States.TaskFailed', JSON.stringify(detail));
    }
    return detail;
  }

  /** DescribeJobs for one job, with the PascalCase members Step Functions passes on. */
  public describeJob(jobId: string): Record<string, unknown> | undefined {
    const job = this.jobs.get(jobId);
    return job ? this.describe(job) : undefined;
  }

  /**
   * TerminateJob: a job that has not started is cancelled (it never starts), a running attempt is
   * stopped (SIGTERM to its process group, then SIGKILL after the stop timeout), and the job ends
   * FAILED with the reason as its status reason. A job that already ended is left as it is, as
   * Batch does. False when no job has that id.
   */
  public terminateJob(jobId: string, reason: string): boolean {
    const job = this.jobs.get(jobId);
    if (job) this.terminate(job, reason);
    return job !== undefined;
  }

  /** TerminateJob for every job an execution submitted that has not ended (StopExecution of that execution). */
  public terminateJobsOf(execution: string, reason: string): void {
    for (const job of this.jobs.values()) {
      if (job.execution === execution) this.terminate(job, reason);
    }
  }

  /**
   * Every job submitted since the runtime started, as DescribeJobs shows it, with the file its output goes to (CloudWatch Logs of the served
   * runtime).
   */
  public listJobs(): Array<{ readonly detail: Record<string, unknown>; readonly logFile: string; readonly definitionName: string }> {
    return [...this.jobs.values()].map((job) => ({ detail: this.describe(job), logFile: job.logFile, definitionName: job.definition.name }));
  }

  /**
   * Ends every job as Batch stops a container: each running attempt's whole process group gets
   * SIGTERM, then SIGKILL after the stop timeout; jobs waiting for capacity never start. Resolves
   * when every attempt has exited. The jobs end FAILED ("Terminated: the local runtime stopped").
   */
  public async stop(): Promise<void> {
    this.stopping = true;
    for (const waiting of this.waiting.splice(0)) waiting.start();
    const attempts = [...this.attemptsRunning];
    for (const attempt of attempts) attempt.stop();
    await Promise.all(attempts.map((attempt) => attempt.ended));
  }

  /** Kills every job still running at once (SIGKILL to each process group), without waiting. */
  public dispose(): void {
    this.stopping = true;
    this.stuckJobs.abort();
    for (const waiting of this.waiting.splice(0)) waiting.start();
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  }

  /** SubmitJob: validates as Batch does (`Batch.ClientException` for what it refuses), then queues the job. */
  private submitJob(parameters: Record<string, any>): Job {
    const jobName = parameters.JobName;
    if (typeof jobName !== 'string') throw clientError('jobName is required');
    const nameError = batchJobNameError(jobName);
    if (nameError) throw clientError(nameError);
    const queue = this.queue(parameters.JobQueue);
    const definition = this.definition(parameters.JobDefinition);
    const overrides = parameters.ContainerOverrides ?? {};
    const environment: Record<string, string> = { ...definition.localRun?.environment, ...definition.environment };
    for (const variable of overrides.Environment ?? []) {
      const name = variable?.Name;
      if (typeof name !== 'string' || name === '') throw clientError('containerOverrides.environment: each variable needs a name');
      // "Environment variables cannot start with AWS_BATCH. This naming convention is reserved for variables that AWS Batch sets."
      if (name.startsWith(RESERVED_ENVIRONMENT_PREFIX)) {
        throw clientError(`containerOverrides.environment: the variable name '${name}' starts with ${RESERVED_ENVIRONMENT_PREFIX}, `
          + 'which is reserved for variables that AWS Batch sets');
      }
      environment[name] = String(variable.Value ?? '');
    }
    const timeout = parameters.Timeout?.AttemptDurationSeconds;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < MIN_ATTEMPT_DURATION_SECONDS)) {
      throw clientError(`timeout.attemptDurationSeconds ${timeout} is not valid: `
        + `the minimum value for the timeout is ${MIN_ATTEMPT_DURATION_SECONDS} seconds`);
    }
    const retry = parameters.RetryStrategy;
    const attempts = retry?.Attempts ?? definition.attempts;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_ATTEMPTS) {
      throw clientError(`retryStrategy.attempts ${attempts} is not valid: between 1 and ${MAX_ATTEMPTS}`);
    }
    const evaluateOnExit = retry?.EvaluateOnExit ?? definition.evaluateOnExit;
    if (evaluateOnExit.length > MAX_EVALUATE_ON_EXIT) {
      throw clientError(`retryStrategy.evaluateOnExit has ${evaluateOnExit.length} conditions; at most ${MAX_EVALUATE_ON_EXIT}`);
    }
    for (const condition of evaluateOnExit) checkCondition(condition);
    const tagged = checkJobTags(parameters.Tags, parameters.PropagateTags);
    if (tagged.error !== undefined) throw clientError(tagged.error);

    const jobId = randomUUID();
    const arn = queue.arn.split(':');
    let finish!: () => void;
    const job: Job = {
      jobId,
      jobArn: `${arn.slice(0, 5).join(':')}:job/${jobId}`,
      jobName,
      queue,
      definition,
      environment,
      command: overrides.Command ?? definition.command,
      attemptDurationSeconds: timeout ?? definition.attemptDurationSeconds,
      attempts,
      evaluateOnExit,
      createdAt: Date.now(),
      logFile: this.context.state.logFile(`batch/${definition.name}`, jobName),
      status: 'SUBMITTED',
      runnableWait: new AbortController(),
      attemptDetails: [],
      tags: tagged.tags,
      propagateTags: tagged.propagateTags,
      done: new Promise<void>((resolve) => {
        finish = resolve;
      }),
    };
    this.jobs.set(jobId, job);
    void this.run(job).catch((error: Error) => {
      job.status = 'FAILED';
      job.statusReason = error.message;
      job.stoppedAt = Date.now();
    }).finally(finish);
    return job;
  }

  private queue(reference: unknown): JobQueue {
    const queue = typeof reference === 'string'
      ? this.context.model.jobQueues.get(reference) ?? [...this.context.model.jobQueues.values()].find((q) => q.name === reference)
      : undefined;
    if (!queue) throw clientError(`JobQueue ${String(reference)} not found`);
    // A DISABLED queue accepts no new jobs (Batch API reference, UpdateJobQueue: state).
    if (queue.state !== 'ENABLED') throw clientError(`JobQueue ${queue.name} is ${queue.state} and does not accept jobs`);
    return queue;
  }

  /** `name` (the latest ACTIVE revision), `name:revision`, or the ARN (SubmitJob: jobDefinition). */
  private definition(reference: unknown): JobDefinition {
    const definitions = [...this.context.model.jobDefinitions.values()];
    const revisionOf = (definition: JobDefinition) => Number(definition.arn.split(':').pop());
    let found: JobDefinition | undefined;
    if (typeof reference === 'string') {
      if (reference.startsWith('arn:')) {
        found = this.context.model.jobDefinitions.get(reference);
      } else if (/^[^:]+:\d+$/.test(reference)) {
        const [name, revision] = reference.split(':');
        found = definitions.find((d) => d.name === name && revisionOf(d) === Number(revision));
      } else {
        found = definitions.filter((d) => d.name === reference).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
      }
    }
    if (!found) throw clientError(`Job definition ${String(reference)} not found`);
    return found;
  }

  private async run(job: Job): Promise<void> {
    const runner = runnerFor(job.definition, this.options);
    if (!runner) {
      throw new LocalRuntimeError(`the job definition '${job.definition.name}' cannot run here: no Docker engine answers and it declares no `
        + 'local command',
      'start Docker, or give the BatchProcessor a `localCommand`');
    }
    // No dependencies: the job is RUNNABLE at once and waits only for capacity.
    job.status = 'RUNNABLE';
    // A job no compute environment can place stays RUNNABLE until the queue's time-limit action cancels it.
    const block = placementBlockOf(job.queue, job.definition.vcpus);
    if (block) {
      job.statusReason = block.statusReason;
      this.log(job, `RUNNABLE: ${block.statusReason}`);
      const ended = AbortSignal.any([this.stuckJobs.signal, job.runnableWait.signal]);
      const cancelled = await waitForTimeLimitAction(job.queue, block, this.context.timeScale, ended);
      job.status = 'FAILED';
      job.statusReason = cancelled ?? job.terminated ?? RUNTIME_STOPPED;
      job.stoppedAt = Date.now();
      this.log(job, job.statusReason);
      return;
    }
    await this.capacity(job);
    try {
      for (let attempt = 1; attempt <= job.attempts; attempt++) {
        if (this.stopping || job.terminated) {
          job.statusReason = job.terminated ?? RUNTIME_STOPPED;
          break;
        }
        job.status = 'STARTING';
        const image = runner === 'docker' && this.options.failWithExitCode === undefined ? await this.image(job) : undefined;
        job.status = 'RUNNING';
        job.runningAttempt = attempt;
        const startedAt = Date.now();
        job.startedAt ??= startedAt;
        const result = this.options.failWithExitCode !== undefined
          ? this.injectedFailure(job, attempt, this.options.failWithExitCode)
          : await this.attempt(job, attempt, runner, image);
        job.runningAttempt = undefined;
        const detail: Attempt = {
          Container: {
            ...(result.exitCode !== undefined ? { ExitCode: result.exitCode } : {}),
            ...(result.reason ? { Reason: result.reason } : {}),
            LogStreamName: this.logStream(job, attempt),
          },
          StartedAt: startedAt,
          StoppedAt: Date.now(),
          StatusReason: result.timedOut ? TIMED_OUT : CONTAINER_EXITED,
        };
        job.attemptDetails.push(detail);
        if (result.exitCode === 0 && !result.timedOut) {
          job.status = 'SUCCEEDED';
          job.statusReason = CONTAINER_EXITED;
          return;
        }
        job.statusReason = job.terminated ?? (this.stopping ? RUNTIME_STOPPED : detail.StatusReason);
        // A job terminated for exceeding its timeout is not retried (Batch User Guide, "Job timeouts").
        if (this.stopping || job.terminated || result.timedOut || attempt === job.attempts || this.action(job, detail) === 'EXIT') break;
        this.log(job, `attempt ${attempt} failed (${detail.StatusReason}, exit code ${result.exitCode ?? 'none'}): retrying`);
      }
      job.status = 'FAILED';
    } finally {
      job.stoppedAt = Date.now();
      this.release();
    }
  }

  /**
   * The first EvaluateOnExit condition that matches the attempt decides; every condition given in
   * one entry must match; a pattern matches exactly, or its start when it ends in `*`; when none
   * matches, the job is retried (Batch API reference, EvaluateOnExit; RetryStrategy).
   */
  private action(job: Job, attempt: Attempt): 'RETRY' | 'EXIT' {
    for (const condition of job.evaluateOnExit) {
      const value = (key: string) => condition[key] ?? condition[key.charAt(0).toLowerCase() + key.slice(1)];
      const checks: Array<[string | undefined, string | undefined]> = [
        [value('OnExitCode'), attempt.Container.ExitCode === undefined ? undefined : String(attempt.Container.ExitCode)],
        [value('OnReason'), attempt.Container.Reason],
        [value('OnStatusReason'), attempt.StatusReason],
      ];
      if (checks.every(([pattern, actual]) => pattern === undefined || (actual !== undefined && globMatches(pattern, actual)))) {
        return value('Action').toUpperCase() === 'EXIT' ? 'EXIT' : 'RETRY';
      }
    }
    return 'RETRY';
  }

  private attempt(job: Job, attempt: number, runner: JobRunner, image: string | undefined): Promise<AttemptResult> {
    const batchVariables = { AWS_BATCH_JOB_ID: job.jobId, AWS_BATCH_JOB_ATTEMPT: String(attempt), AWS_BATCH_JQ_NAME: job.queue.name };
    const mounts = [...job.definition.mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
    for (const mount of mounts) mkdirSync(this.localFolder(mount), { recursive: true });
    let command: string;
    let args: string[];
    let env: Record<string, string>;
    let cwd: string;
    const containerName = `batch-pipeline-${job.jobId}-${attempt}`;
    if (runner === 'docker') {
      command = this.options.dockerCommand ?? 'docker';
      // Writes through an EFS access point belong to its POSIX user; locally, the folder's owner is
      // the user running the runtime, so that the clean-up (a local process) can remove what the job wrote.
      const user = typeof process.getuid === 'function' ? ['--user', `${process.getuid()}:${process.getgid!()}`] : [];
      args = ['run', '--rm', '--name', containerName, ...platformArguments(job.definition), ...user,
        ...mounts.flatMap((mount) => ['--volume', `${this.localFolder(mount)}:${mount.mountPath}`]),
        ...Object.entries({ ...job.environment, ...batchVariables }).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
        image!, ...(job.command ?? [])];
      env = inheritedEnvironment();
      cwd = this.options.appDirectory;
    } else {
      const [program, ...rest] = job.definition.localRun!.localCommand!;
      // `node` is this runtime's own Node, so that the job runs on a supported version whatever PATH finds first.
      command = program === 'node' ? process.execPath : program;
      args = rest;
      cwd = this.options.appDirectory;
      const rewritten = rewriteMountPaths({ ...job.environment, ...batchVariables }, mounts, (mount) => this.localFolder(mount));
      env = { ...inheritedEnvironment(), ...rewritten };
    }
    this.log(job, `attempt ${attempt}: ${runner === 'docker' ? `${command} ${args.join(' ')}` : `${command} ${args.join(' ')} (in ${cwd})`}`);

    const scale = this.context.timeScale;
    let settle!: (result: AttemptResult) => void;
    const ended = new Promise<AttemptResult>((resolve) => {
      settle = resolve;
    });
    // A process group of its own (detached): the timeout and a stop end everything the job started,
    // as stopping a container does, and Ctrl-C in the terminal reaches the runtime, not the job.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    const group = child.pid;
    if (group !== undefined) trackGroup(group);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signal = (name: 'SIGTERM' | 'SIGKILL') => {
      if (runner === 'docker') {
        spawn(command, name === 'SIGTERM' ? ['kill', '--signal', 'TERM', containerName] : ['kill', containerName], { stdio: 'ignore' });
      }
      if (group === undefined || !signalGroup(group, name)) child.kill(name);
    };
    /** SIGTERM to the whole group, SIGKILL after the stop timeout (ECS StopTask). */
    const stop = () => {
      if (killTimer) return;
      signal('SIGTERM');
      killTimer = setTimeout(() => signal('SIGKILL'), (this.options.stopTimeoutSeconds ?? 30) * 1000 * scale);
    };
    const running = { stop, ended, job };
    this.attemptsRunning.add(running);
    // Terminated while it was starting (its image building): stopped as soon as it runs.
    if (job.terminated) stop();
    const limit = job.attemptDurationSeconds;
    // A timeout beyond what a timer waits (about 24.8 days) is not set: a longer one would fire at once.
    const timeout = limit !== undefined ? timerOf(limit * 1000 * scale, () => {
      timedOut = true;
      this.log(job, `attempt ${attempt}: ${TIMED_OUT} (${limit} `
        + `s${scale === 1 ? '' : `, ${scaledSeconds(limit, scale)} at time scale ${scale}`}): SIGTERM`);
      stop();
    }) : undefined;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        appendFileSync(job.logFile, `${line}\n`);
        // stderr is also kept apart: the summary of a failed run shows the last lines the job wrote there.
        if (stream === child.stderr) appendFileSync(stderrLogFile(job.logFile), `${line}\n`);
        this.context.events.emit({ type: 'job-output', jobName: job.jobName, line });
      });
    }
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      // The essential container exited: whatever else ran in it (a process the job left behind) ends with it.
      if (group !== undefined) {
        signalGroup(group, 'SIGKILL');
        liveGroups.delete(group);
      }
      this.attemptsRunning.delete(running);
      // The last lines the job wrote, once its pipes close; not longer than a second (a process that
      // left the group may still hold them).
      const drained = setTimeout(() => settle(result), 1000);
      child.once('close', () => {
        clearTimeout(drained);
        settle(result);
      });
    };
    child.on('error', (error) => {
      // The program could not start: the container never ran, so there is no exit code (Batch: CannotStartContainerError).
      this.log(job, `attempt ${attempt}: ${error.message}`);
      finish({ reason: `CannotStartContainerError: ${error.message}`, timedOut });
    });
    // 'exit', not 'close': a process the job started may hold its output pipes open after it exited.
    child.on('exit', (code, exitSignal) => {
      // Killed by a signal: the exit code a shell (and ECS) reports, 128 + the signal's number.
      finish(code !== null ? { exitCode: code, timedOut } : { exitCode: 128 + signalNumber(exitSignal), timedOut });
    });
    return ended;
  }

  private injectedFailure(job: Job, attempt: number, exitCode: number): AttemptResult {
    this.log(job, `attempt ${attempt}: exits with ${exitCode} (injected fault, the command was not started)`);
    return { exitCode, timedOut: false };
  }

  /** The job's image: built from its asset directory once per asset, else the definition's image reference. */
  private image(job: Job): Promise<string> {
    const directory = job.definition.imageAssetDirectory;
    if (!directory) return Promise.resolve(job.definition.image);
    let build = imageBuilds.get(directory);
    if (!build) {
      const tag = `batch-pipeline-local/${job.definition.name.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}:`
        + `${createHash('sha256').update(directory).digest('hex').slice(0, 12)}`;
      build = new Promise<string>((resolve, reject) => {
        const child = spawn(
          this.options.dockerCommand ?? 'docker',
          ['build', ...platformArguments(job.definition), '--tag', tag, directory],
          { env: inheritedEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] },
        );
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream }).on('line', (line) => appendFileSync(job.logFile, `[docker build] ${line}\n`));
        }
        child.on('error', reject);
        child.on('close', (code) => code === 0 ? resolve(tag) : reject(new Error(`docker build of ${directory} failed with exit code ${code}; `
          + `see ${job.logFile}`)));
      });
      imageBuilds.set(directory, build);
      build.catch(() => imageBuilds.delete(directory));
    }
    return build;
  }

  private localFolder(mount: FileSystemMount): string {
    // Resolved, so that a bind mount reads `<folder>:<mount path>` without a trailing slash.
    return path.resolve(this.context.state.onFileSystem(mount.fileSystemLogicalId, mount.rootDirectory));
  }

  private logStream(job: Job, attempt: number): string {
    return `${job.definition.name}/default/${job.jobId}-${attempt}`;
  }

  private describe(job: Job): Record<string, unknown> {
    const last = job.attemptDetails.at(-1);
    // A copy: what the state machine keeps of the answer must not change as the job goes on.
    return structuredClone({
      JobArn: job.jobArn,
      JobName: job.jobName,
      JobId: job.jobId,
      JobQueue: job.queue.arn,
      Status: job.status,
      ...(job.statusReason ? { StatusReason: job.statusReason } : {}),
      Attempts: job.attemptDetails,
      CreatedAt: job.createdAt,
      ...(job.startedAt ? { StartedAt: job.startedAt } : {}),
      ...(job.stoppedAt ? { StoppedAt: job.stoppedAt } : {}),
      DependsOn: [],
      JobDefinition: job.definition.arn,
      Parameters: {},
      Container: {
        Image: job.definition.image,
        ...(job.command ? { Command: job.command } : {}),
        Environment: Object.entries(job.environment).map(([Name, Value]) => ({ Name, Value })),
        MountPoints: job.definition.mounts.map((mount) => ({ ContainerPath: mount.mountPath, SourceVolume: mount.fileSystemLogicalId })),
        ...(last?.Container.ExitCode !== undefined ? { ExitCode: last.Container.ExitCode } : {}),
        ...(last?.Container.Reason ? { Reason: last.Container.Reason } : {}),
        // As Batch: the running attempt's stream while the job runs (its lines can be read as they are written), else the last attempt's.
        ...(job.runningAttempt !== undefined ? { LogStreamName: this.logStream(job, job.runningAttempt) }
          : last ? { LogStreamName: last.Container.LogStreamName } : {}),
        ...(job.definition.logConfiguration ? {
          LogConfiguration: { LogDriver: job.definition.logConfiguration.logDriver, Options: job.definition.logConfiguration.options },
        } : {}),
      },
      RetryStrategy: { Attempts: job.attempts, EvaluateOnExit: job.evaluateOnExit },
      ...(job.attemptDurationSeconds !== undefined ? { Timeout: { AttemptDurationSeconds: job.attemptDurationSeconds } } : {}),
      PlatformCapabilities: ['FARGATE'],
      Tags: job.tags,
      PropagateTags: job.propagateTags,
    });
  }

  private capacity(job: Job): Promise<void> {
    const limit = this.options.maxConcurrentJobs ?? availableParallelism();
    if (this.running < limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({
      job,
      start: () => {
        this.running++;
        resolve();
      },
    }));
  }

  /**
   * Terminates a job that has not ended: a job waiting for a slot or stuck RUNNABLE stops waiting
   * (and ends FAILED without starting), a running attempt is stopped.
   */
  private terminate(job: Job, reason: string): void {
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return;
    job.terminated ??= reason;
    job.runnableWait.abort();
    const waiting = this.waiting.findIndex((entry) => entry.job === job);
    // Its turn at once: it takes the slot only to give it back, as it starts no attempt.
    if (waiting >= 0) this.waiting.splice(waiting, 1)[0].start();
    for (const attempt of this.attemptsRunning) {
      if (attempt.job === job) attempt.stop();
    }
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.start();
  }

  private log(job: Job, message: string): void {
    mkdirSync(path.dirname(job.logFile), { recursive: true });
    appendFileSync(job.logFile, `[batch-pipeline] ${message}\n`);
    this.context.events.emit({ type: 'log', source: `batch/${job.definition.name}`, message: `${job.jobName}: ${message}` });
  }
}

function clientError(message: string): Error {
  return serviceError('Batch.ClientException', message);
}

/** Docker when asked, or when it answers and the definition has an image; else the local command, if declared. */
function runnerFor(definition: JobDefinition, options: Pick<BatchEmulatorOptions, 'docker' | 'dockerCommand'>): JobRunner | undefined {
  const hasImage = definition.imageAssetDirectory !== undefined || definition.image !== '';
  const docker = options.docker ?? dockerAnswers?.get(options.dockerCommand ?? 'docker') ?? detectDocker(options.dockerCommand ?? 'docker');
  if (docker && hasImage) return 'docker';
  if (definition.localRun?.localCommand?.length) return 'local-command';
  return undefined;
}

/** `docker info` succeeds only when an engine answers (the CLI alone is not enough); asked once per process. */
function detectDocker(command: string): boolean {
  const answers = dockerAnswers ??= new Map();
  const result = spawnSync(command, ['info'], { stdio: 'ignore', timeout: 15_000, env: inheritedEnvironment() });
  const answered = result.status === 0;
  answers.set(command, answered);
  return answered;
}

function inheritedEnvironment(): Record<string, string> {
  return Object.fromEntries(INHERITED_ENVIRONMENT.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]!]));
}

/** Every value that is a mount path or under one becomes the same path in that mount's local folder. */
function rewriteMountPaths(environment: Record<string, string>, mounts: readonly FileSystemMount[],
  localFolder: (mount: FileSystemMount) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => {
    const mount = mounts.find((m) => value === m.mountPath || value.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
    return [name, mount ? path.join(localFolder(mount), value.slice(mount.mountPath.length)) : value];
  }));
}

/**
 * OnExitCode: digits, optionally ending in `*`; OnReason / OnStatusReason: letters, digits, periods, colons, white space, optionally ending in
 * `*`; each up to 512 characters.
 */
function checkCondition(condition: Readonly<Record<string, string>>): void {
  const value = (key: string) => condition[key] ?? condition[key.charAt(0).toLowerCase() + key.slice(1)];
  const action = value('Action');
  if (typeof action !== 'string' || !['RETRY', 'EXIT'].includes(action.toUpperCase())) {
    throw clientError(`evaluateOnExit.action '${String(action)}' is not valid: RETRY or EXIT`);
  }
  const exitCode = value('OnExitCode');
  if (exitCode !== undefined && (exitCode.length > 512 || !/^\d*\*?$/.test(exitCode) || exitCode === '')) {
    throw clientError(`evaluateOnExit.onExitCode '${exitCode}' is not valid: numbers, optionally ending with *`);
  }
  for (const key of ['OnReason', 'OnStatusReason']) {
    const pattern = value(key);
    if (pattern !== undefined && (pattern.length > 512 || !/^[A-Za-z0-9.:\s]*\*?$/.test(pattern) || pattern === '')) {
      throw clientError(`evaluateOnExit.${key.charAt(0).toLowerCase() + key.slice(1)} '${pattern}' is not valid: letters, numbers, periods, `
        + 'colons and white space, optionally ending with *');
    }
  }
}

/** The definition's CPU architecture (RuntimePlatform), so that an ARM64 job builds and runs as ARM64 on any host. */
function platformArguments(definition: JobDefinition): string[] {
  const architecture = definition.localRun?.architecture;
  return architecture === 'ARM64' ? ['--platform', 'linux/arm64'] : architecture === 'X86_64' ? ['--platform', 'linux/amd64'] : [];
}

function globMatches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/** Signals a process group; false when there is none (it ended, or this platform has no groups). */
function signalGroup(group: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15,
  };
  return (signal && numbers[signal]) ?? 0;
}

/** Where a job's stderr lines are kept apart, beside its log (`<job name>.log`): `<job name>.stderr.log`. */
export function stderrLogFile(logFile: string): string {
  return logFile.replace(/\.log$/, '.stderr.log');
}
