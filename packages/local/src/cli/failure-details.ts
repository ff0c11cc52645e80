import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { stderrLogFile } from '../services/batch/batch-emulator';

/** How many of the job's last output lines a failed run's summary shows. */
export const JOB_OUTPUT_LINES = 12;

/** The fields of a failure notification that the summary shows. */
export interface NotificationFields {
  readonly failedStep?: string;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * The fields of one failure notification as the pipeline publishes it: message attributes when
 * the publish carried them, else the message's JSON (the whole message, or a JSON part after the
 * readable text), else `Step: ...` lines of the text. The one place that reads the notification's
 * shape, so that a change of that shape is one edit here.
 */
export function notificationFields(message: string, attributes: Record<string, { readonly StringValue?: string }> = {}): NotificationFields {
  const attribute = (name: string): string | undefined => attributes[name]?.StringValue;
  const json = jsonPart(message);
  const text = (name: string): string | undefined => new RegExp(`^\\s*${name}\\s*:\\s*(.+)$`, 'im').exec(message)?.[1].trim();
  const pick = (name: string, label: string): string | undefined => {
    const value = attribute(name) ?? json?.[name] ?? text(label);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    failedStep: pick('failedStep', '(?:failed )?step'),
    error: pick('error', 'error'),
    cause: pick('cause', 'cause'),
  };
}

function jsonPart(message: string): Record<string, unknown> | undefined {
  for (const candidate of [message, message.slice(message.indexOf('\n{') + 1)]) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON: the next candidate
    }
  }
  return undefined;
}

/** What a failed Batch job left: its exit code, status reason, and the local log file of its output. */
export interface JobFailure {
  readonly jobName: string;
  readonly exitCode?: number;
  readonly statusReason?: string;
  /** The job's output in the state directory (`logs/batch/<job definition>/<job name>.log`, stdout and stderr in order). */
  readonly logFile: string;
  /** The last lines the job wrote to stderr (kept apart in `<job name>.stderr.log`). */
  readonly stderrLines: readonly string[];
  /** The last lines the job wrote at all, for a job that wrote nothing to stderr. */
  readonly lastLines: readonly string[];
}

/**
 * The failed job of a run, read from the run's cause: for `submitJob.sync`, Step Functions puts the
 * job's description (DescribeJobs) in the cause. Undefined when the cause is not a job's.
 */
export function jobFailureOf(cause: string | undefined, logsDirectory: string): JobFailure | undefined {
  const job = parseObject(cause);
  const jobName = job?.JobName;
  const definition = job?.JobDefinition;
  if (typeof jobName !== 'string' || typeof definition !== 'string') return undefined;
  // arn:aws:batch:<region>:<account>:job-definition/<name>:<revision>
  const definitionName = /job-definition\/([^:]+)/.exec(definition)?.[1] ?? definition;
  const container = (job?.Container ?? {}) as { ExitCode?: unknown; Reason?: unknown };
  const logFile = path.join(logsDirectory, 'batch', definitionName, `${jobName}.log`);
  return {
    jobName,
    ...(typeof container.ExitCode === 'number' ? { exitCode: container.ExitCode } : {}),
    ...(typeof job?.StatusReason === 'string'
      ? { statusReason: job.StatusReason }
      : typeof container.Reason === 'string' ? { statusReason: container.Reason } : {}),
    logFile,
    stderrLines: lastJobLines(stderrLogFile(logFile)),
    lastLines: lastJobLines(logFile),
  };
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? parsed as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** The job's last lines, without the runtime's own `[batch-pipeline]` lines about the attempts. */
function lastJobLines(logFile: string): string[] {
  if (!existsSync(logFile)) return [];
  const lines = readFileSync(logFile, 'utf-8').split('\n').filter((line) => line !== '' && !line.startsWith('[batch-pipeline] '));
  return lines.slice(-JOB_OUTPUT_LINES);
}
