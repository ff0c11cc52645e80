import { DescribeExecutionCommand, ExecutionStatus, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { runInputFor, skipReasonFor, UploadFilter } from '@batch-pipeline/run-contract';
import { SingleBar } from 'cli-progress';
import { CliError, EXIT } from '../cli-error';
import { Command, CliOutput } from '../command';
import { parseCommandLine, parseTime, positiveNumber, TARGET_USAGE } from '../command-line';
import { formatDuration } from '../output/format';
import { executionArnOf, listExecutions } from '../runs/executions';
import { backoffMs, sleep, StartPacer } from '../runs/start-pacer';
import { ListedObject, listUploads } from '../runs/upload-objects';
import { explainAwsError } from '../target/aws-errors';
import { PipelineTarget, resolveTarget } from '../target/pipeline-target';

/** Default starts per second: well under the smallest regional StartExecution refill (150 a second). */
export const DEFAULT_RATE = 50;
/** Starts in flight at once. */
const CONCURRENCY = 16;
/** Throttled attempts of one start before it is counted as refused. */
const MAX_ATTEMPTS = 8;

const USAGE = `Usage: batch-pipeline backfill [--prefix P] [--since T] [--dry-run] [--rate N] <target>

Starts a run for each object already in the upload bucket under the watched prefix, with the
input and run id the trigger builds (the same code, @batch-pipeline/run-contract). Idempotent:
an object whose run exists counts as already run (ExecutionAlreadyExists) or already running
(a run of that name still running is not started again), so a second back-fill starts nothing.
Objects the trigger would refuse (folder markers, a suffix not watched, empty objects, keys EFS
cannot hold) are refused with the reason. Starts are paced; a
throttled start waits and is tried again (up to ${MAX_ATTEMPTS} times).
  --prefix <P>    only keys under P (a key prefix within the watched prefix; a P without it is
                  read relative to it)
  --since <T>     only objects modified since T: an ISO time or 30m, 12h, 7d
  --dry-run       start nothing: count what would start and what already ran
  --rate <N>      at most N starts a second (default ${DEFAULT_RATE})
${TARGET_USAGE}`;

/** What a back-fill did. */
export interface BackfillSummary {
  listed: number;
  started: number;
  /** Objects whose run had ended (ExecutionAlreadyExists). */
  alreadyRun: number;
  /** Objects whose run was still running: not started again. */
  alreadyRunning: number;
  /** Objects that started nothing, by reason. */
  refused: Record<string, number>;
  /** Throttled answers that were retried. */
  throttled: number;
  durationMs: number;
  startsPerSecond: number;
  dryRun: boolean;
}

/** The trigger's filter, from its function's environment (the orchestration trigger's settings), else the notification's. */
export function uploadFilterOf(target: PipelineTarget): UploadFilter {
  const trigger = target.model.uploadTriggers[0];
  const environment = target.model.functions.get(trigger.functionArn)?.environment ?? {};
  let suffixes: string[] = trigger.suffix ? [trigger.suffix] : [];
  try {
    if (environment.WATCH_SUFFIXES) suffixes = JSON.parse(environment.WATCH_SUFFIXES) as string[];
  } catch {
    // A trigger of another shape: the notification's suffix.
  }
  return { prefix: environment.WATCH_PREFIX ?? target.upload.prefix, suffixes, zeroByteObjects: environment.ZERO_BYTE_OBJECTS ?? 'SKIP' };
}

export interface BackfillOptions {
  readonly prefix?: string;
  readonly since?: Date;
  readonly dryRun: boolean;
  readonly rate: number;
  /** Told each object's outcome, for a progress bar. */
  readonly onProgress?: (done: number, listed: number) => void;
}

type Outcome = 'started' | 'already-run' | 'already-running' | { refused: string };

/** How far a start's answered startDate may lie before the call and still be this call's start: clock skew to AWS. */
const CLOCK_SKEW_MS = 5_000;

async function startOne(
  target: PipelineTarget, object: ListedObject, filter: UploadFilter, pacer: StartPacer, summary: BackfillSummary, dryRun: boolean,
  running: ReadonlySet<string>,
): Promise<Outcome> {
  const reason = skipReasonFor('ObjectCreated:Put', object.key, object.size, filter);
  if (reason) return { refused: reason };
  const input = runInputFor(object, filter.prefix);
  // StartExecution of a running execution's name and input answers 200 with that execution (idempotent): not a start.
  if (running.has(input.runId)) return 'already-running';
  for (let attempt = 0; ; attempt++) {
    await pacer.take();
    const calledAt = Date.now();
    try {
      if (dryRun) {
        const existing = await target.clients.stepFunctions.send(
          new DescribeExecutionCommand({ executionArn: executionArnOf(target.stateMachineArn, input.runId) }));
        return existing.status === 'RUNNING' ? 'already-running' : 'already-run';
      }
      const started = await target.clients.stepFunctions.send(new StartExecutionCommand({
        stateMachineArn: target.stateMachineArn, name: input.runId, input: JSON.stringify(input),
      }));
      // One that started running after the listing: the answer is the running execution, with its original startDate.
      return started.startDate && started.startDate.getTime() < calledAt - CLOCK_SKEW_MS ? 'already-running' : 'started';
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ExecutionAlreadyExists') return 'already-run';
      if (dryRun && name === 'ExecutionDoesNotExist') return 'started';
      if (name === 'ThrottlingException' || name === 'TooManyRequestsException') {
        summary.throttled++;
        pacer.throttled();
        if (attempt + 1 >= MAX_ATTEMPTS) return { refused: 'throttled' };
        await sleep(backoffMs(attempt));
        continue;
      }
      const explained = explainAwsError(error, 'StartExecution');
      if (explained) throw explained;
      return { refused: `${name}: ${(error as Error).message}` };
    }
  }
}

/** The names of the pipeline's running executions: a back-fill starts none of them again. */
async function runningRunIds(target: PipelineTarget): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of listExecutions(target, { status: 'RUNNING' as ExecutionStatus })) {
    for (const execution of page) if (execution.name) names.add(execution.name);
  }
  return names;
}

/** Starts the runs of the objects in the upload bucket; see USAGE. */
export async function backfill(target: PipelineTarget, options: BackfillOptions): Promise<BackfillSummary> {
  const filter = uploadFilterOf(target);
  const prefix = options.prefix === undefined
    ? filter.prefix
    : options.prefix.startsWith(filter.prefix) ? options.prefix : `${filter.prefix}${options.prefix}`;
  const summary: BackfillSummary = {
    listed: 0, started: 0, alreadyRun: 0, alreadyRunning: 0, refused: {}, throttled: 0, durationMs: 0, startsPerSecond: 0, dryRun: options.dryRun,
  };
  const begin = Date.now();
  const running = await runningRunIds(target);
  const pacer = new StartPacer(options.rate);
  let done = 0;
  const queue: ListedObject[] = [];
  let listing = true;
  const worker = async () => {
    for (;;) {
      const object = queue.shift();
      if (!object) {
        if (!listing) return;
        await sleep(5);
        continue;
      }
      const outcome = await startOne(target, object, filter, pacer, summary, options.dryRun, running);
      if (outcome === 'started') summary.started++;
      else if (outcome === 'already-run') summary.alreadyRun++;
      else if (outcome === 'already-running') summary.alreadyRunning++;
      else summary.refused[outcome.refused] = (summary.refused[outcome.refused] ?? 0) + 1;
      options.onProgress?.(++done, summary.listed);
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  try {
    for await (const page of listUploads(target, prefix)) {
      const recent = options.since ? page.filter((object) => (object.lastModified?.getTime() ?? 0) >= options.since!.getTime()) : page;
      summary.listed += recent.length;
      queue.push(...recent);
      options.onProgress?.(done, summary.listed);
      // Listing runs ahead of the starts by at most a few pages (memory stays flat for any bucket).
      while (queue.length > 5_000) await sleep(20);
    }
  } finally {
    listing = false;
    await Promise.all(workers);
  }
  summary.durationMs = Date.now() - begin;
  summary.startsPerSecond = summary.started / Math.max(0.001, summary.durationMs / 1_000);
  return summary;
}

function printSummary(summary: BackfillSummary, target: PipelineTarget, output: CliOutput): void {
  const verb = summary.dryRun ? 'would start' : 'started';
  output.print(`${summary.listed} objects in s3://${target.upload.bucket}/: ${verb} ${summary.started}, already run ${summary.alreadyRun}, `
    + `${summary.alreadyRunning > 0 ? `already running ${summary.alreadyRunning}, ` : ''}`
    + `refused ${Object.values(summary.refused).reduce((a, b) => a + b, 0)}`);
  for (const [reason, count] of Object.entries(summary.refused)) output.print(`  refused ${count}: ${reason}`);
  if (summary.throttled > 0) output.print(`  ${summary.throttled} throttled starts were retried after a pause`);
  const rate = summary.started > 0 && !summary.dryRun ? ` (${summary.startsPerSecond.toFixed(1)} starts/s)` : '';
  output.print(`  in ${formatDuration(summary.durationMs)}${rate}`);
}

export const backfillCommand: Command = {
  name: 'backfill',
  summary: 'start runs for objects already in the upload bucket (idempotent, paced, --dry-run)',
  async run(args, output) {
    const command = parseCommandLine('backfill', args, {
      'prefix': { type: 'string' },
      'since': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'rate': { type: 'string' },
      'allow-unversioned': { type: 'boolean' },
    }, false);
    if (command.help) {
      output.print(USAGE);
      return EXIT.ok;
    }
    const since = parseTime('since', command.values.since);
    const rate = positiveNumber('rate', command.values.rate, DEFAULT_RATE, 1_000);
    const target = await resolveTarget(command);
    if (!target.upload.versioned && !command.values['allow-unversioned']) {
      throw new CliError(`the upload bucket ${target.upload.bucket} is not versioned: a back-fill cannot give an object the run id its upload `
        + "event gave it (that id uses the event's sequencer), so objects the trigger already ran would run again",
      'turn on versioning for the upload bucket, or pass --allow-unversioned to run them anyway (ids from bucket and key)');
    }
    const bar = !command.json && process.stderr.isTTY ? new SingleBar({
      format: 'backfill [{bar}] {value}/{total} objects | '
      + '{eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
    }) : undefined;
    bar?.start(0, 0);
    let summary: BackfillSummary;
    try {
      summary = await backfill(target, {
        prefix: command.values.prefix,
        since,
        dryRun: command.values['dry-run'] === true,
        rate,
        onProgress: (done, listed) => {
          bar?.setTotal(listed);
          bar?.update(done);
        },
      });
    } finally {
      bar?.stop();
    }
    if (command.json) output.print(JSON.stringify(summary, undefined, 2));
    else printSummary(summary, target, output);
    return summary.refused.throttled ? EXIT.runFailed : EXIT.ok;
  },
};
