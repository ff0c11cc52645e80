import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  LocalS3Endpoint, onlyRunOf, PipelineRuntime, PipelineRuntimeOptions, RecordedDataPoint, RunSummary, RuntimeEvent, Upload,
} from '@batch-pipeline/local';
// What the runtime reports while it runs (state changes, notifications, service logs), and an upload it made.
export type { RuntimeEvent, Upload } from '@batch-pipeline/local';
import { RunInput } from '@batch-pipeline/run-contract';
import { TEST_ENV } from '@batch-pipeline/test-support';
import { App, Stack } from 'aws-cdk-lib';
import { PipelineParts, pipelineParts } from '../pipeline-fixture';

/**
 * The job of a local run: a Node.js script that honours the run contract. It reads the input
 * at PIPELINE_INPUT_PATH and writes `report.txt` into PIPELINE_OUTPUT_DIR: one line naming the
 * run, the upload and its size, or, when the input starts with `OUTPUT_BYTES=<n>`, n bytes, or,
 * when it starts with `HASH`, `sha256 <hex>` of the input (which version of a key the job saw).
 * An input that starts with `FAIL` makes it exit with code 2 (a job's own failure, not retried).
 */
const JOB_SCRIPT = `import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const input = readFileSync(process.env.PIPELINE_INPUT_PATH);
const text = input.toString('utf-8');
if (text.startsWith('FAIL')) {
  console.error('job: the input asks the job to fail');
  process.exit(2);
}
const size = /^OUTPUT_BYTES=(\\d+)/.exec(text);
const report = size ? 'r'.repeat(Number(size[1]))
  : text.startsWith('HASH') ? \`sha256 \${createHash('sha256').update(input).digest('hex')}\\n\`
  : \`run \${process.env.PIPELINE_RUN_ID} of s3://\${process.env.PIPELINE_SOURCE_BUCKET}/\${process.env.PIPELINE_SOURCE_KEY}: \${input.length} bytes\\n\`;
writeFileSync(join(process.env.PIPELINE_OUTPUT_DIR, 'report.txt'), report);
`;

/**
 * Waits compressed fiftyfold: a 15 s cancel check takes 300 ms. The runtime takes a Wait whose
 * length comes from the state (the DataSync polls' `SecondsPath`) as 5 s times the scale, so a
 * stage with a 5 minute timeout (6 polls) gives a DataSync execution 600 ms of real time to end,
 * ample for the emulation's own pace (1 s times the scale) and its file copies on a busy machine.
 */
export const TIME_SCALE = 0.02;

type PipelineModel = PipelineRuntime['model'];

/** A pipeline composed from the orchestration constructs, synthesized into a cloud assembly on disk. */
export class SynthesizedPipeline {
  /**
   * Given the fixture's parts (whose processor runs the job script as its local command),
   * `compose` adds the orchestration; the app is synthesized into a temporary folder that also
   * holds the job script (the app directory of the local runtime).
   */
  public static async synthesize(compose: (parts: PipelineParts) => void): Promise<SynthesizedPipeline> {
    const directory = mkdtempSync(path.join(tmpdir(), 'orchestration-local-'));
    writeFileSync(path.join(directory, 'job.mjs'), JOB_SCRIPT);
    const assemblyDirectory = path.join(directory, 'cdk.out');
    const app = new App({ outdir: assemblyDirectory });
    const stack = new Stack(app, 'LocalRun', { env: TEST_ENV });
    const parts = pipelineParts(stack, undefined, { localCommand: ['node', 'job.mjs'] });
    compose(parts);
    app.synth();
    return new SynthesizedPipeline(directory, assemblyDirectory);
  }

  private runtimes = 0;
  private readModel?: PipelineModel;

  private constructor(public readonly directory: string, public readonly assemblyDirectory: string) {}

  /**
   * The pipeline as the local runtime read it from the assembly, with its local identifiers
   * (task ARNs ...); known once a runtime was started.
   */
  public get model(): PipelineModel {
    if (!this.readModel) throw new Error('start a runtime of the pipeline first: the local identifiers are the runtime\'s');
    return this.readModel;
  }

  /** The ARN the local runtime gives the one DataSync task whose logical id starts with `prefix`. */
  public taskArn(prefix: string): string {
    const tasks = [...this.model.dataSyncTasks.values()].filter((task) => task.logicalId.startsWith(prefix));
    if (tasks.length !== 1) {
      throw new Error(`expected one DataSync task whose logical id starts with ${prefix}, found ${tasks.map((task) => task.logicalId).join(', ') || 'none'}`);
    }
    return tasks[0].arn;
  }

  /** The definition of the state machine, as the local runtime resolved it. */
  public get definition(): Record<string, any> {
    return this.model.stateMachine.definition;
  }

  /** Starts the local runtime on a state directory of its own, with the faults given. */
  public async start(faults: Pick<PipelineRuntimeOptions, 'dataSync' | 'sns'> = {}): Promise<LocalRun> {
    this.runtimes++;
    const events: Array<RuntimeEvent & { readonly receivedAt: number }> = [];
    const runtime = await PipelineRuntime.start({
      // Docker is not used even where an engine answers: the job is the local script.
      assemblyDirectory: this.assemblyDirectory,
      stateDirectory: path.join(this.directory, `state-${this.runtimes}`),
      appDirectory: this.directory,
      timeScale: TIME_SCALE,
      docker: false,
      ...faults,
      onEvent: (event) => events.push({ ...event, receivedAt: Date.now() }),
    });
    this.readModel ??= runtime.model;
    return new LocalRun(runtime, events, this.directory);
  }

  public dispose(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** What one run did, as the runtime reports it. */
export interface RunResult {
  readonly upload: Upload;
  readonly runId: string;
  readonly input: RunInput;
  readonly summary: RunSummary;
  /** The notifications the run published, as JSON (the whole message, or its JSON part after the readable text). */
  readonly notifications: Array<Record<string, unknown>>;
  /** The notifications the run published as SNS received them: subject, message and message attributes. */
  readonly published: Array<{
    readonly subject?: string;
    readonly message: string;
    readonly messageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
  }>;
  /** The states the run entered, in order. */
  readonly states: string[];
  /** When each state was entered, by its name (the last time). */
  readonly enteredAt: Map<string, number>;
}

/** A local runtime of a synthesized pipeline, with what it did. */
export class LocalRun {
  private scratch = 0;

  public constructor(
    public readonly runtime: PipelineRuntime,
    public readonly events: ReadonlyArray<RuntimeEvent & { readonly receivedAt: number }>,
    private readonly directory: string,
  ) {}

  /** The watched prefix of the upload bucket. */
  public get prefix(): string {
    return this.runtime.model.uploadTriggers[0].prefix ?? '';
  }

  /** Uploads `body` under `key` of the first watched bucket, as PutObject does. */
  public async upload(key: string, body: string | Buffer): Promise<Upload> {
    const file = path.join(this.directory, `upload-${process.pid}-${++this.scratch}`);
    writeFileSync(file, body);
    try {
      return await this.runtime.upload(file, { key });
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Given an upload, when its run has ended: what it did. */
  public async runOf(upload: Upload): Promise<RunResult> {
    await this.runtime.idle();
    const run = onlyRunOf(upload, this.runtime.runs.values());
    const summary = await this.runtime.summaryOf(run.name);
    const entered = this.events.filter((event): event is Extract<RuntimeEvent, { type: 'state-entered' }> & { receivedAt: number } =>
      event.type === 'state-entered' && event.execution === run.name);
    return {
      upload,
      runId: run.name,
      input: JSON.parse(run.input) as RunInput,
      summary,
      notifications: summary.notifications.map(notificationJson),
      published: this.publishedBy(run.arn),
      states: entered.map((event) => event.state),
      enteredAt: new Map(entered.map((event) => [event.state, event.at])),
    };
  }

  /** Every publish to the pipeline's topics, as the topic files of the state directory hold them (`PublishedNotification`). */
  public publishedRecords(): any[] {
    const directory = this.runtime.state.notificationsDirectory;
    if (!existsSync(directory)) return [];
    return readdirSync(directory).flatMap((file) => readFileSync(path.join(directory, file), 'utf-8').split('\n').filter((line) => line !== ''))
      .map((line) => JSON.parse(line));
  }

  /** Every publish of an execution. */
  public publishedBy(executionArn: string): RunResult['published'] {
    return this.publishedRecords().filter((record) => record.execution === executionArn)
      .map((record) => ({ subject: record.subject, message: record.message, messageAttributes: record.messageAttributes }));
  }

  /** Uploads `body` under `key` and returns what its run did. */
  public async process(key: string, body: string | Buffer): Promise<RunResult> {
    return this.runOf(await this.upload(key, body));
  }

  /** Files on every local EFS file system, as `/<file system>/<path>`; directories are not listed. */
  public filesOnFileSystems(): string[] {
    const root = this.runtime.state.fileSystemsRoot;
    const list = (directory: string): string[] => readdirSync(directory, { withFileTypes: true })
      .flatMap((entry) => entry.isDirectory() ? list(path.join(directory, entry.name)) : [path.join(directory, entry.name)]);
    return list(root).map((file) => `/${path.relative(root, file)}`).sort();
  }

  /** The bytes of a report of a run (by its key in the summary). */
  public report(result: RunResult, fileName = 'report.txt'): string {
    const report = result.summary.reports.find((candidate) => candidate.key.endsWith(`/${fileName}`));
    if (!report) throw new Error(`run ${result.runId} has no report ${fileName}: ${JSON.stringify(result.summary.reports)}`);
    return readFileSync(report.file, 'utf-8');
  }

  /** The current version of an object, as its bucket's folder holds it; undefined when there is none. */
  public objectBody(bucket: string, key: string): string | undefined {
    const file = path.join(this.runtime.state.bucketsRoot, bucket, ...key.split('/'));
    return existsSync(file) ? readFileSync(file, 'utf-8') : undefined;
  }

  /** The data points written to `metrics.jsonl`. */
  public metrics(): RecordedDataPoint[] {
    const file = this.runtime.state.metricsFile;
    return existsSync(file) ? readFileSync(file, 'utf-8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as RecordedDataPoint) : [];
  }

  /** The task ARN of every StartTaskExecution DataSync accepted, in order. */
  public startedTasks(): string[] {
    return this.dataSyncLog(/^(arn:\S+:task\/task-[0-9a-f]+)\/execution\/exec-[0-9a-f]+ (started|QUEUED)/).map((match) => match[1]);
  }

  /** The execution ARN of every CancelTaskExecution DataSync accepted for a running execution, in order. */
  public cancelledExecutions(): string[] {
    return this.dataSyncLog(/^(arn:\S+\/execution\/exec-[0-9a-f]+) CANCELLING$/).map((match) => match[1]);
  }

  /** When DataSync reported a cancelled execution stopped. */
  public stoppedAt(executionArn: string): number | undefined {
    return this.events.find((event) => event.type === 'log' && event.source === 'datasync' && event.message.startsWith(`${executionArn} ERROR OpCancelled`))?.receivedAt;
  }

  /** The DescribeJobs detail of the Batch job a run's Process state submitted (the job id from the state's output). */
  public processJobOf(result: RunResult): Record<string, unknown> | undefined {
    const execution = [...this.runtime.runs.values()].find((run) => run.name === result.runId);
    const exited = execution?.events.find((event) => event.type === 'StateExited' && (event as { state?: { name?: string } }).state?.name === 'Process');
    const jobId = (exited as { state?: { output?: { process?: { jobId?: unknown } } } } | undefined)?.state?.output?.process?.jobId;
    return typeof jobId === 'string' ? this.runtime.batchEmulator.describeJob(jobId) : undefined;
  }

  /** The names of the Batch jobs submitted, from the emulator's log of each job. */
  public submittedJobNames(): string[] {
    const names = this.events.filter((event): event is Extract<RuntimeEvent, { type: 'log' }> & { receivedAt: number } =>
      event.type === 'log' && event.source.startsWith('batch/') && / attempt 1: /.test(event.message))
      .map((event) => event.message.split(': attempt 1: ')[0]);
    return [...new Set(names)];
  }

  /**
   * Deletes an object of the upload bucket through the S3 API, as its owner would: the current
   * version (a delete marker in a versioned bucket), or the version given, for good.
   * The runtime does not expose its endpoint, so a second endpoint over the same folders answers.
   */
  public async deleteObject(upload: Upload, options: { readonly version?: boolean } = {}): Promise<void> {
    const endpoint = await LocalS3Endpoint.start(this.runtime.state.bucketsRoot);
    const client = new S3Client({
      endpoint: endpoint.url, region: this.runtime.model.region, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const version = options.version ? { VersionId: upload.version.versionId } : {};
      await client.send(new DeleteObjectCommand({ Bucket: upload.bucket, Key: upload.key, ...version }));
    } finally {
      client.destroy();
      await endpoint.stop();
    }
  }

  /**
   * Stops the runtime once its runs have ended (at most 10 s), so that nothing writes into the
   * state directory after a test that failed half-way removed it.
   */
  public async stop(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.runtime.idle(), new Promise((resolve) => {
      timer = setTimeout(resolve, 10_000);
    })]);
    clearTimeout(timer);
    await this.runtime.stop();
  }

  private dataSyncLog(pattern: RegExp): RegExpExecArray[] {
    return this.events.flatMap((event) => {
      const match = event.type === 'log' && event.source === 'datasync' ? pattern.exec(event.message) : null;
      return match ? [match] : [];
    });
  }
}

/**
 * A notification's JSON: the whole message (the unformatted notification), or the JSON part that
 * follows the readable text (the first line that starts with `{`, to the end).
 */
export function notificationJson(message: string): Record<string, unknown> {
  const start = message.startsWith('{') ? 0 : message.indexOf('\n{') + 1;
  if (start === 0 && !message.startsWith('{')) {
    throw new Error(`the notification has no JSON part:\n${message}`);
  }
  return JSON.parse(message.slice(start)) as Record<string, unknown>;
}
