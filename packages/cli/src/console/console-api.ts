import { paginateListStackResources, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand } from '@aws-sdk/client-s3';
import { ExecutionListItem, ExecutionStatus } from '@aws-sdk/client-sfn';
import { runInputFor, skipReasonFor } from '@batch-pipeline/run-contract';
import { stagingOf } from './staging-mode';
import { graphOf, notificationsOf, runPathOf } from './state-graph';
import { CliError } from '../cli-error';
import { uploadFilterOf } from '../commands/backfill';
import { cancelRun } from '../commands/cancel';
import { pricesFor } from '../commands/cost';
import { Cursor, functionLines, JobLookup, jobLines, RunLogLine } from '../commands/logs';
import { rerun } from '../commands/rerun';
import { mapConcurrently } from '../commands/runs';
import { idleCostOf } from '../cost/idle-cost';
import { measureRun, triggerMemoryOf } from '../cost/measure-run';
import { runCostOf } from '../cost/run-cost';
import { describeRun, historyOf, latestEventsOf, LIST_PAGE_SIZE, listExecutions, STATUSES } from '../runs/executions';
import { describeJobs, WAITING_STATES } from '../runs/job-status';
import { failedStepOf, startedResourcesOf, submittedJobNamesOf } from '../runs/run-history';
import { explainAwsError } from '../target/aws-errors';
import { call, PipelineTarget } from '../target/pipeline-target';
import { reportPrefixOf } from '../target/run-locations';

/** A row of the runs table: what ListExecutions gives at once, and what describing the run adds. */
export interface ConsoleRunRow {
  readonly run: string;
  readonly status: string;
  readonly started?: string;
  readonly durationMs?: number;
  readonly inputKey?: string;
  readonly failedStep?: string;
  /** Whether inputKey and failedStep are known (the page asks for the details of rows without). */
  readonly described: boolean;
}

/** What describing a run adds to its row. */
interface RunDetails {
  readonly inputKey?: string;
  readonly failedStep?: string;
}

/** The most runs the runs page lists (newest first). */
export const MAX_LISTED_RUNS = 5_000;
/** The largest report the page previews; a bigger one is offered for download only. */
export const PREVIEW_LIMIT_BYTES = 2 * 1024 * 1024;
/** The largest file the page uploads (held in memory once on its way to S3). */
export const UPLOAD_LIMIT_BYTES = 512 * 1024 * 1024;

const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * The console's operations on one pipeline: each calls the CLI's own functions (listExecutions,
 * describeRun, historyOf, jobLines, rerun, cancelRun ...) with the same PipelineTarget, so the
 * page shows what the commands print, for a deployed stack and a local runtime alike.
 */
export class ConsoleApi {
  /** Input keys never change and a run that ended keeps its failed step: described once. */
  private readonly details = new Map<string, RunDetails>();

  public constructor(public readonly target: PipelineTarget) {}

  /** The pipeline the console shows: names, the upload location, the graph. */
  public overview() {
    const filter = uploadFilterOf(this.target);
    return {
      stackName: this.target.stackName,
      pipeline: this.target.model.stateMachine.logicalId,
      stateMachineArn: this.target.stateMachineArn,
      where: this.target.clients.describe(),
      upload: { bucket: this.target.upload.bucket, prefix: filter.prefix, suffixes: filter.suffixes, limitBytes: UPLOAD_LIMIT_BYTES },
      reports: this.target.reports ? `s3://${this.target.reports.bucket}/${this.target.reports.before}<run>${this.target.reports.after}` : undefined,
      staging: stagingOf(this.target.model),
      graph: graphOf(this.target.model.stateMachine.definition),
      statuses: STATUSES,
    };
  }

  /** The newest runs (ListExecutions pages), with the details already known; at most `limit`. */
  public async runs(status: string | undefined, limit: number): Promise<ConsoleRunRow[]> {
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
      throw new CliError(`status ${status} is not a status`, `use one of ${STATUSES.join(', ')}`);
    }
    const now = Date.now();
    const rows: ConsoleRunRow[] = [];
    // A first screen asks for a small page: it shows before a page of 1,000 would be listed.
    const pageSize = Math.min(limit, LIST_PAGE_SIZE);
    for await (const page of listExecutions(this.target, { status: status as ExecutionStatus | undefined, pageSize })) {
      for (const execution of page.slice(0, limit - rows.length)) rows.push(this.rowOf(execution, now));
      if (rows.length >= limit) break;
    }
    return rows;
  }

  private rowOf(execution: ExecutionListItem, now: number): ConsoleRunRow {
    const start = execution.startDate?.getTime();
    const known = this.details.get(execution.name ?? '');
    return {
      run: execution.name ?? '',
      status: execution.status ?? '',
      started: execution.startDate?.toISOString(),
      durationMs: start === undefined ? undefined : (execution.stopDate?.getTime() ?? now) - start,
      ...known,
      described: known !== undefined,
    };
  }

  /** The input key and failed step of some runs (DescribeExecution, the latest history events), 8 at a time. */
  public async describeRuns(runs: readonly string[]): Promise<Array<RunDetails & { run: string }>> {
    return mapConcurrently(runs.slice(0, 200), 8, async (run) => {
      const known = this.details.get(run);
      if (known) return { run, ...known };
      const described = await describeRun(this.target, run);
      const inputKey = parseJson<{ key?: string }>(described.input)?.key;
      const failed = described.status === 'FAILED' || described.status === 'TIMED_OUT' || described.status === 'ABORTED';
      const failedStep = failed ? failedStepOf(await latestEventsOf(this.target, described.executionArn!)) : undefined;
      const details = { inputKey, ...(failedStep ? { failedStep } : {}) };
      // Only a run that ended is final: a running one is described again once it ends.
      if (ENDED.has(described.status ?? '')) this.details.set(run, details);
      return { run, ...details };
    });
  }

  /** One run: its description, each state's outcome and duration, the path taken, its jobs (and why they wait), its notifications, its reports. */
  public async run(runId: string) {
    const described = await describeRun(this.target, runId);
    const events = await historyOf(this.target, described.executionArn!);
    const { jobIds } = startedResourcesOf(events);
    const jobs = (await describeJobs(this.target, jobIds)).map((job) => ({
      jobId: job.jobId,
      jobName: job.jobName,
      status: job.status,
      statusReason: job.statusReason,
      waiting: WAITING_STATES.has(job.status ?? ''),
    }));
    const input = parseJson<{ runId?: string; bucket?: string; key?: string; versionId?: string | null; size?: number }>(described.input) ?? {};
    const start = described.startDate?.getTime();
    return {
      run: described.name!,
      status: described.status!,
      input,
      started: described.startDate?.toISOString(),
      stopped: described.stopDate?.toISOString(),
      durationMs: start === undefined ? undefined : (described.stopDate?.getTime() ?? Date.now()) - start,
      error: described.error,
      cause: described.cause,
      failedStep: described.status === 'SUCCEEDED' ? undefined : failedStepOf(events),
      path: runPathOf(events),
      jobs,
      notifications: notificationsOf(events, this.target.model.stateMachine.definition),
      reports: this.target.reports
        ? `s3://${this.target.reports.bucket}/${reportPrefixOf(this.target.reports, input.runId ?? described.name!)}`
        : undefined,
    };
  }

  /** The run's job and function log lines, in time order (the `logs` command's reading). */
  public async logs(runId: string) {
    const described = await describeRun(this.target, runId);
    const inputRunId = parseJson<{ runId?: string }>(described.input)?.runId ?? described.name!;
    // The function's lines of the run start with the run (a minute of clock skew allowed), as `logs` reads them.
    const functionFrom = (described.startDate?.getTime() ?? Date.now()) - 60_000;
    const cursor: Cursor = { streams: new Map(), functionFrom, seenFunctionEvents: new Set() };
    const events = await historyOf(this.target, described.executionArn!);
    const { jobIds } = startedResourcesOf(events);
    // What `logs` says on stderr (a job's lines not available, where to look) is a line of the page.
    const notices: RunLogLine[] = [];
    const lookup: JobLookup = {
      window: { runId: inputRunId, from: functionFrom, to: described.stopDate ? described.stopDate.getTime() + 60_000 : undefined },
      jobNames: submittedJobNamesOf(events),
      notice: (message) => notices.push({ source: 'batch-pipeline', timestamp: Date.now(), message }),
      noticed: new Set(),
    };
    const lines = [...await jobLines(this.target, jobIds, cursor, lookup), ...await functionLines(this.target, inputRunId, cursor)];
    return [...lines.sort((a, b) => a.timestamp - b.timestamp), ...notices];
  }

  /** The objects under the run's report prefix (key relative to it, size). */
  public async reports(runId: string) {
    const prefix = await this.reportPrefix(runId);
    const reports: Array<{ name: string; key: string; size: number }> = [];
    try {
      for await (const page of paginateListObjectsV2({ client: this.target.clients.s3 }, { Bucket: this.target.reports!.bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
          if (!object.Key!.endsWith('/')) reports.push({ name: object.Key!.slice(prefix.length), key: object.Key!, size: object.Size ?? 0 });
        }
      }
    } catch (error) {
      throw explainAwsError(error, 'ListObjectsV2') ?? error;
    }
    return reports;
  }

  /** One report's bytes (GetObject), only under the run's own report prefix. */
  public async report(runId: string, name: string): Promise<{ bytes: Uint8Array; size: number }> {
    const prefix = await this.reportPrefix(runId);
    if (name.split('/').some((part) => part === '..' || part === '')) {
      throw new CliError(`the report name ${name} is not a name under the run's reports`, 'pick a report from the run\'s list');
    }
    const object = await call('GetObject',
      () => this.target.clients.s3.send(new GetObjectCommand({ Bucket: this.target.reports!.bucket, Key: `${prefix}${name}` })));
    return { bytes: await object.Body!.transformToByteArray(), size: object.ContentLength ?? 0 };
  }

  private async reportPrefix(runId: string): Promise<string> {
    if (!this.target.reports) {
      throw new CliError(`the pipeline of ${this.target.stackName} has no report location the console recognises`, 'read the reports with the S3 '
        + 'console or `aws s3 ls` on the reports bucket');
    }
    const described = await describeRun(this.target, runId);
    return reportPrefixOf(this.target.reports, parseJson<{ runId?: string }>(described.input)?.runId ?? described.name!);
  }

  /** The run's cost estimate (the `cost` command's: its usage from the history and Batch, at list prices). */
  public async runCost(runId: string) {
    const { prices, origin } = pricesFor(this.target.model.region, undefined);
    const cost = runCostOf(await measureRun(this.target, runId), prices, { memoryMiB: triggerMemoryOf(this.target) });
    return { ...cost, origin, region: prices.region, estimateOf: this.estimateOf() };
  }

  /** The pipeline's idle cost per month (the `cost` command's), or why there is none (a region the shipped table lacks). */
  public idleCost() {
    try {
      const { prices, origin } = pricesFor(this.target.model.region, undefined);
      return { ...idleCostOf(this.target.resources, prices), origin, estimateOf: this.estimateOf() };
    } catch (error) {
      if (error instanceof CliError) return { unavailable: `${error.message}; ${error.remedy}` };
      throw error;
    }
  }

  private estimateOf(): string {
    return this.target.clients.connection.endpointUrl !== undefined ? 'what AWS would bill at list prices (a local runtime: '
      + 'nothing is billed)' : 'AWS list prices';
  }

  /** `rerun`: the same object version again, as <run>-r<n>. */
  public rerun(runId: string) {
    return rerun(this.target, runId);
  }

  /** `cancel`: stops the run and what it started; the upload is kept. */
  public cancel(runId: string) {
    return cancelRun(this.target, runId);
  }

  /**
   * Uploads a file into the watched prefix (PutObject with a SHA-256 checksum S3 verifies), as
   * `batch-pipeline run` does; refused when the trigger would start no run for it.
   */
  public async upload(fileName: string, bytes: Uint8Array) {
    const filter = uploadFilterOf(this.target);
    const base = fileName.split(/[\\/]/).pop() ?? '';
    const key = `${filter.prefix}${base}`;
    const refused = base === '' ? 'no file name' : skipReasonFor('ObjectCreated:Put', key, bytes.length, filter);
    if (refused) {
      throw new CliError(`the pipeline would start no run for s3://${this.target.upload.bucket}/${key} (${refused})`,
        `upload a file that is not empty${filter.suffixes.length ? `, with a name ending in ${filter.suffixes.join(' or ')}` : ''}`);
    }
    const put = await call('PutObject', () => this.target.clients.s3.send(new PutObjectCommand({
      Bucket: this.target.upload.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ChecksumAlgorithm: 'SHA256',
    })));
    // A versioned bucket's upload names its run before it starts: the run id the trigger builds.
    const uploaded = { bucket: this.target.upload.bucket, key, versionId: put.VersionId ?? null, size: bytes.length };
    const run = put.VersionId ? runInputFor(uploaded, filter.prefix).runId : undefined;
    return { bucket: this.target.upload.bucket, key, versionId: put.VersionId, sha256: put.ChecksumSHA256, run };
  }

  /**
   * The pipeline page: the stack's resources (ListStackResources), and the metrics its dashboard
   * charts, over the newest runs: started, succeeded and failed per period, and each run's duration.
   */
  public async pipeline(recent: number) {
    const resources: StackResourceSummary[] = [];
    try {
      for await (const page of paginateListStackResources({ client: this.target.clients.cloudFormation }, { StackName: this.target.stackName })) {
        resources.push(...page.StackResourceSummaries ?? []);
      }
    } catch (error) {
      throw explainAwsError(error, 'ListStackResources') ?? error;
    }
    const runs = await this.runs(undefined, recent);
    return {
      ...this.overview(),
      idleCost: this.idleCost(),
      resources: resources.map((resource) => ({
        logicalId: resource.LogicalResourceId,
        type: resource.ResourceType,
        physicalId: resource.PhysicalResourceId,
        status: resource.ResourceStatus,
      })),
      recentRuns: runs.map((row) => ({ run: row.run, status: row.status, started: row.started, durationMs: row.durationMs })),
    };
  }
}

function parseJson<T>(text: string | undefined): T | undefined {
  try {
    return text ? JSON.parse(text) as T : undefined;
  } catch {
    return undefined;
  }
}
