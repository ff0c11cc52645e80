// What the end-to-end tests of the local runtime share: synthesizing a stack into a temporary
// cloud assembly, running PipelineRuntime on it with a temporary state directory, and reading
// what a run left behind (reports, EFS, logs, notifications).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PipelineRuntime, PipelineRuntimeOptions, RunSummary, RunTracker, RuntimeEvent, StartedExecution, Upload } from '@batch-pipeline/local';
import { App, Stack } from 'aws-cdk-lib';
import { ExamplePipelineStack, ExamplePipelineStackProps } from '../../src/example-pipeline-stack';

/** apps/example: the example's job command (`node job/report.mjs`) runs there. */
export const EXAMPLE_APP_DIRECTORY = path.join(__dirname, '..', '..');

/** The account and region src/main.ts synthesizes for without credentials. */
export const EXAMPLE_ENV = { account: '123456789012', region: 'eu-west-2' };

/** Compressed waits, as `--fast`. */
export const FAST = 0.01;

/** Set KEEP_LOCAL_RUN=1 to keep the temporary assemblies and state directories for a look. */
const KEEP = process.env.KEEP_LOCAL_RUN === '1';

const temporaryDirectories: string[] = [];

/** A new temporary directory, removed by `removeTemporaryDirectories` (unless KEEP_LOCAL_RUN=1). */
export function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), `batch-pipeline-${prefix}-`));
  temporaryDirectories.push(directory);
  return directory;
}

export function removeTemporaryDirectories(): void {
  while (temporaryDirectories.length > 0) {
    const directory = temporaryDirectories.pop()!;
    if (!KEEP) rmSync(directory, { recursive: true, force: true });
  }
}

/** Synthesizes the stacks `build` adds to a new App into a temporary cloud assembly; returns its folder. */
export function synthesize(name: string, build: (app: App) => Stack): string {
  const outdir = path.join(temporaryDirectory(`assembly-${name}`), 'cdk.out');
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

/** ExamplePipelineStack as src/main.ts makes it (same id, env and props), with the given context switches. */
export function synthesizeExample(props: Pick<ExamplePipelineStackProps, 'staging'> = {}): string {
  return synthesize(`example-${(props.staging ?? 'default').toLowerCase()}`,
    (app) => new ExamplePipelineStack(app, 'BatchPipelineExample', { env: EXAMPLE_ENV, ...props }));
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Writes a small CSV input whose content is unique to `label`; returns its path. */
export function writeInput(directory: string, fileName: string, label: string, rows = 8): string {
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, fileName);
  const lines = ['well,absorbance,sample,label'];
  for (let row = 1; row <= rows; row++) lines.push(`A${row},${(0.1 * row).toFixed(3)},${label}-${row},${label}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Every file (not folder) under `root`, relative to it; none when it does not exist. */
export function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The example job's report.json, as far as the tests read it. */
export interface ExampleReport {
  readonly runId: string;
  readonly input: { readonly bucket: string; readonly key: string; readonly fileName: string };
  readonly stats: { readonly bytes: number; readonly lines: number; readonly sha256: string };
}

/**
 * One PipelineRuntime on an assembly with a temporary state directory, recording every event
 * and every execution the Step Functions service started (RunTracker: a count the runs map,
 * keyed by name, cannot give).
 */
export class LocalRun {
  public static async start(assemblyDirectory: string, options: Partial<PipelineRuntimeOptions> = {}): Promise<LocalRun> {
    const stateDirectory = path.join(temporaryDirectory('state'), '.batch-pipeline');
    const events: RuntimeEvent[] = [];
    const runtime = await PipelineRuntime.start({
      assemblyDirectory,
      stateDirectory,
      appDirectory: EXAMPLE_APP_DIRECTORY,
      timeScale: FAST,
      // The job runs as its declared local command, whether or not a Docker engine answers here.
      docker: false,
      onEvent: (event) => events.push(event),
      ...options,
    });
    return new LocalRun(runtime, stateDirectory, events);
  }

  /** Records every execution the Step Functions service starts. */
  private readonly tracker: RunTracker;

  private constructor(public readonly runtime: PipelineRuntime, public readonly stateDirectory: string, public readonly events: RuntimeEvent[]) {
    this.tracker = new RunTracker(runtime.stepFunctionsService);
  }

  /** Every execution started, in order (a second start of a name would appear twice). */
  public get started(): readonly StartedExecution[] {
    return this.tracker.started;
  }

  /** The executions whose input is this upload (bucket, key and version). */
  public runsOf(upload: Upload): StartedExecution[] {
    return this.tracker.runsOf(upload);
  }

  /** The summary of the one run an upload started (fails when it started none or several). */
  public async summaryOf(upload: Upload): Promise<RunSummary> {
    return this.runtime.summaryOf(this.tracker.onlyRunOf(upload).name);
  }

  /** The parsed report.json of a run. */
  public reportOf(summary: RunSummary): ExampleReport {
    const report = summary.reports.find((candidate) => candidate.key.endsWith('/report.json'));
    if (!report) throw new Error(`run ${summary.runId} has no report.json among ${summary.reports.map((r) => r.key).join(', ') || 'no reports'}`);
    return JSON.parse(readFileSync(report.file, 'utf-8')) as ExampleReport;
  }

  /** The local file of an object in a bucket of the state directory. */
  public objectFile(bucket: string, key: string): string {
    return path.join(this.stateDirectory, 'buckets', bucket, key);
  }

  /** Every file on the local EFS folders. */
  public efsFiles(): string[] {
    return filesUnder(path.join(this.stateDirectory, 'efs'));
  }

  /** The lines the functions printed (log events) whose source is the function with this logical id prefix. */
  public logLinesOf(functionName: string): string[] {
    return this.events.flatMap((event) => event.type === 'log' && event.source === functionName ? [event.message] : []);
  }

  /** The structured lines the trigger function logged (`{"outcome": "started" | "duplicate" | "skipped", ...}`). */
  public triggerOutcomes(): Array<{ readonly outcome: string; readonly key?: string; readonly runId?: string; readonly reason?: string }> {
    return this.logLinesOf(this.triggerFunctionName).flatMap((line) => {
      const json = line.indexOf('{"outcome"');
      if (json < 0) return [];
      try {
        return [JSON.parse(line.slice(json))];
      } catch {
        return [];
      }
    });
  }

  /** The trigger function's name (the function the watched bucket notifies). */
  public get triggerFunctionName(): string {
    const trigger = this.runtime.model.uploadTriggers[0];
    return this.runtime.model.functions.get(trigger.functionArn)!.name;
  }

  /** The states a run entered, in order. */
  public statesOf(runId: string): string[] {
    return this.events.flatMap((event) => event.type === 'state-entered' && event.execution === runId ? [event.state] : []);
  }

  /** What DataSync logged (execution starts and ends). */
  public dataSyncLines(): string[] {
    return this.events.flatMap((event) => event.type === 'log' && event.source === 'datasync' ? [event.message] : []);
  }

  public async stop(): Promise<void> {
    await this.runtime.stop();
  }
}
