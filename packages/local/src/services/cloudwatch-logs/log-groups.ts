import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { AssemblyStack } from '../../assembly/cloud-assembly';
import { resolveValue } from '../../assembly/intrinsics';
import { LocalIdentifiers } from '../../assembly/local-identifiers';
import { PipelineModel } from '../../model/pipeline-model';
import { StateDirectory } from '../../runtime/state-directory';

/** One log stream: a file the runtime wrote, under the stream name AWS would give it. */
export interface LogStreamFile {
  readonly name: string;
  readonly file: string;
}

/** One log group: its name as the template gives it, and where its streams come from. */
export interface LogGroupSource {
  readonly name: string;
  /** The streams written so far. */
  streams(): LogStreamFile[];
}

/** A job the Batch emulator ran: the stream names DescribeJobs reported for it, and its log file. */
export interface JobLog {
  readonly detail: Record<string, unknown>;
  readonly logFile: string;
  readonly definitionName: string;
}

/** One event of a stream: the line, and when it was written (a leading ISO 8601 time, else the file's time). */
export interface LogLine {
  readonly timestamp: number;
  readonly message: string;
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s/;

/** The lines of a stream file as events; a JSON log line (`LogFormat: JSON`) keeps its `timestamp`. */
export function readLogLines(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  const fallback = statSync(file).mtimeMs;
  return readFileSync(file, 'utf-8').split('\n').filter((line) => line !== '').map((message) => {
    const iso = ISO_TIME.exec(message)?.[1] ?? (message.startsWith('{') ? jsonTime(message) : undefined);
    const parsed = iso !== undefined ? Date.parse(iso) : NaN;
    return { timestamp: Number.isNaN(parsed) ? Math.floor(fallback) : parsed, message };
  });
}

function jsonTime(line: string): string | undefined {
  try {
    const value = (JSON.parse(line) as { timestamp?: unknown }).timestamp;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `<folder>/<name>.log` files, as `{ base, file }`. */
function logFiles(folder: string): Array<{ base: string; file: string }> {
  return existsSync(folder)
    ? readdirSync(folder)
      .filter((name) => name.endsWith('.log'))
      .sort()
      .map((name) => ({ base: name.slice(0, -'.log'.length), file: path.join(folder, name) }))
    : [];
}

/** The log folder name of a function, as the function runner writes it. */
function folderName(name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]/g, '_');
}

/**
 * The log groups of a pipeline's functions and jobs, named as the template names them: a
 * function's `LoggingConfig.LogGroup`, else `/aws/lambda/<function name>`; a job definition's
 * `awslogs-group`, else Batch's `/aws/batch/job`. A function's stream is named by its log file
 * (the invocation's request id or run); a job's stream is the `logStreamName` DescribeJobs reports
 * (a job of an earlier session, whose record is gone: `<definition>/default/<job name>`).
 */
export function pipelineLogGroups(
  model: PipelineModel,
  stack: AssemblyStack | undefined,
  state: StateDirectory,
  jobs: () => readonly JobLog[],
): LogGroupSource[] {
  const resources = stack?.template.Resources ?? {};
  const identifiers = new LocalIdentifiers(model.stackName, resources, model.region, model.account);
  const resolve = (value: unknown, where: string): string | undefined => {
    if (value === undefined) return undefined;
    try {
      return String(resolveValue(value,
        { region: model.region, account: model.account, references: identifiers, where: `${model.stackName}/${where}` }));
    } catch {
      return undefined;
    }
  };
  const byName = new Map<string, Array<() => LogStreamFile[]>>();
  const add = (group: string, streams: () => LogStreamFile[]) => byName.set(group, [...(byName.get(group) ?? []), streams]);
  for (const fn of model.functions.values()) {
    const group = resolve(resources[fn.logicalId]?.Properties?.LoggingConfig?.LogGroup, `${fn.logicalId}/LoggingConfig`) ?? `/aws/lambda/${fn.name}`;
    add(group, () => logFiles(path.join(state.logsDirectory, folderName(fn.name))).map(({ base, file }) => ({ name: base, file })));
  }
  for (const definition of model.jobDefinitions.values()) {
    const group = definition.logConfiguration?.options['awslogs-group'] ?? '/aws/batch/job';
    add(group, () => {
      const known = jobs().filter((job) => job.definitionName === definition.name);
      const streams: LogStreamFile[] = known.flatMap((job) => {
        const attempts = (job.detail.Attempts as Array<{ Container?: { LogStreamName?: string } }> | undefined) ?? [];
        // The ended attempts' streams, and the running attempt's, which DescribeJobs names while the job runs.
        const running = (job.detail.Container as { LogStreamName?: string } | undefined)?.LogStreamName;
        const names = new Set([...attempts.map((attempt) => attempt.Container?.LogStreamName), running]);
        return [...names].flatMap((name) => (name ? [{ name, file: job.logFile }] : []));
      });
      const folder = path.join(state.logsDirectory, 'batch', definition.name);
      const recorded = new Set(known.map((job) => job.logFile));
      for (const { base, file } of logFiles(folder)) {
        if (!recorded.has(file)) streams.push({ name: `${definition.name}/default/${base}`, file });
      }
      return streams;
    });
  }
  return [...byName.entries()].map(([name, sources]) => ({ name, streams: () => sources.flatMap((streams) => streams()) }));
}
