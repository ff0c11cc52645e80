import { asciiText, MAX_SUBJECT_LENGTH, stringAttributes, StringAttribute, subjectLine } from './notification-text';

/** What the failure path hands the formatter: the run's facts as the state machine holds them. */
export interface FailedRun {
  readonly runId?: unknown;
  readonly bucket?: unknown;
  readonly key?: unknown;
  readonly versionId?: unknown;
  readonly failedStep?: unknown;
  /** The caught error: `{ Error, Cause }`. */
  readonly error?: { readonly Error?: unknown; readonly Cause?: unknown };
  /** What the clean-up removed (`{ removed }`) or how it failed (`{ Error, Cause }`). */
  readonly cleanUp?: unknown;
  readonly execution?: unknown;
}

/** What Batch said about a failed job (DescribeJobs, as Step Functions puts it in the cause of `submitJob.sync`). */
export interface JobOutcome {
  readonly jobName?: string;
  readonly jobId?: string;
  readonly status?: string;
  readonly statusReason?: string;
  readonly exitCode?: number;
  /** Why the container did not run or was stopped (`container.reason`). */
  readonly containerReason?: string;
  readonly logGroup?: string;
  readonly logStream?: string;
  readonly attempts?: number;
  /** Set when the job queue's job-state time-limit action cancelled a job that could never start. */
  readonly cancelledWhileRunnable?: string;
}

/** The Subject, Message and MessageAttributes of one failure notification. */
export interface FailureNotice {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Record<string, StringAttribute | { readonly DataType: 'Number'; readonly StringValue: string }>;
}

/** The line after which the message holds the notification as one JSON object. */
export const JSON_PART_HEADING = '-- notification (JSON) --';

/** What SNS takes at most for message and attributes together (256 KiB), less a margin for the attributes. */
const MAX_MESSAGE_BYTES = 240 * 1024;
/** Awslogs' default group when a job definition names none. */
const DEFAULT_BATCH_LOG_GROUP = '/aws/batch/job';
/** The status reason of a job cancelled by a job-state time-limit action (Batch User Guide, "Jobs stuck in RUNNABLE"). */
const TIME_LIMIT_CANCEL = /^Canceled by JobStateTimeLimit action due to reason: (.+)$/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseObject(value: unknown): Record<string, any> | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, any> : undefined;
  } catch {
    return undefined;
  }
}

/** A member in Step Functions' PascalCase or the API's camelCase. */
function member(object: Record<string, any> | undefined, name: string): any {
  if (!object) return undefined;
  return object[name] ?? object[name.charAt(0).toLowerCase() + name.slice(1)];
}

/** The job of a `submitJob.sync` failure, read from its cause; undefined when the cause is not a job description. */
export function jobOutcomeOf(cause: unknown): JobOutcome | undefined {
  const job = parseObject(cause);
  if (!job || (member(job, 'JobId') === undefined && member(job, 'JobName') === undefined)) return undefined;
  const container = member(job, 'Container') as Record<string, any> | undefined;
  const attempts = member(job, 'Attempts') as Array<Record<string, any>> | undefined;
  const lastAttemptContainer = Array.isArray(attempts) && attempts.length > 0 ? member(attempts[attempts.length - 1], 'Container') : undefined;
  const logOptions = member(member(container, 'LogConfiguration'), 'Options') as Record<string, unknown> | undefined;
  const exitCode = member(container, 'ExitCode') ?? member(lastAttemptContainer, 'ExitCode');
  const statusReason = text(member(job, 'StatusReason'));
  const logStream = text(member(container, 'LogStreamName')) ?? text(member(lastAttemptContainer, 'LogStreamName'));
  return {
    jobName: text(member(job, 'JobName')),
    jobId: text(member(job, 'JobId')),
    status: text(member(job, 'Status')),
    statusReason,
    ...(typeof exitCode === 'number' ? { exitCode } : {}),
    containerReason: text(member(container, 'Reason')) ?? text(member(lastAttemptContainer, 'Reason')),
    ...(logStream ? { logStream, logGroup: text(logOptions?.['awslogs-group']) ?? DEFAULT_BATCH_LOG_GROUP } : {}),
    ...(Array.isArray(attempts) ? { attempts: attempts.length } : {}),
    cancelledWhileRunnable: statusReason ? TIME_LIMIT_CANCEL.exec(statusReason)?.[1] : undefined,
  };
}

/** The reason in one line, and a shorter one for the subject. */
function reasonOf(error: string, cause: string | undefined, job: JobOutcome | undefined): { line: string; short: string } {
  if (job?.cancelledWhileRunnable) {
    return {
      line: `the job never started: Batch cancelled it after it waited RUNNABLE at the head of the queue (${job.cancelledWhileRunnable})`,
      short: 'job never started',
    };
  }
  if (job?.exitCode !== undefined) {
    return {
      line: `the job exited with code ${job.exitCode}${job.statusReason ? ` (${job.statusReason})` : ''}`,
      short: `exit code ${job.exitCode}`,
    };
  }
  if (job?.containerReason) {
    return { line: `the job's container did not run to the end: ${job.containerReason}`, short: 'container did not run' };
  }
  if (job?.statusReason) {
    return { line: `the job failed: ${job.statusReason}`, short: 'job failed' };
  }
  if (error === 'States.Timeout') {
    return { line: 'the step did not finish within its timeout', short: 'timed out' };
  }
  const firstLine = cause?.split('\n').find((line) => line.trim() !== '')?.trim();
  const shortCause = firstLine && firstLine.length > 300 ? `${firstLine.slice(0, 297)}...` : firstLine;
  return { line: shortCause ? `${error}: ${shortCause}` : error, short: error };
}

function cleanUpLine(cleanUp: unknown): string {
  const removed = member(cleanUp as Record<string, any> | undefined, 'Removed');
  if (Array.isArray(removed)) {
    return removed.length > 0 ? `the run's files were removed from EFS (${removed.join(', ')})` : 'nothing of the run was left on EFS';
  }
  const failure = cleanUp as { Error?: unknown; Cause?: unknown } | undefined;
  if (failure && (failure.Error !== undefined || failure.Cause !== undefined)) {
    return `the clean-up of the run's files on EFS failed (${String(failure.Error ?? '')}): they may still be there`;
  }
  return 'not known';
}

/** Characters SNS refuses in a message (outside XML's character range) become `?`. */
function deliverable(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?');
}

/**
 * The failure notification of a run, readable as an email: the subject and the first line name the
 * run, the file, the step and the reason; for a failed job its exit code, status reason and log
 * stream follow; then what to do; the raw details come last as one JSON object (after
 * `JSON_PART_HEADING`), and the key facts are message attributes too. Every part respects SNS's
 * limits (an ASCII subject under 100 characters, at most 10 attributes, 256 KiB in all).
 */
export function failureNotice(run: FailedRun): FailureNotice {
  const runId = text(run.runId) ?? 'unknown-run';
  const bucket = text(run.bucket) ?? '?';
  const key = text(run.key) ?? '?';
  const versionId = text(run.versionId);
  const step = text(run.failedStep) ?? 'unknown step';
  const error = text(run.error?.Error) ?? 'Unknown error';
  const cause = typeof run.error?.Cause === 'string' ? run.error.Cause : run.error?.Cause === undefined ? undefined : JSON.stringify(run.error.Cause);
  const job = jobOutcomeOf(cause);
  const reason = reasonOf(error, cause, job);
  const file = `s3://${bucket}/${key}${versionId ? ` (version ${versionId})` : ''}`;
  const fileName = key.split('/').filter((part) => part !== '').pop() ?? key;

  const lines = [
    `Run ${runId} failed at step "${step}" for ${file}: ${reason.line}`,
    '',
    `Run:     ${runId}`,
    `File:    ${file}`,
    `Step:    ${step}`,
    `Error:   ${error}`,
    `Reason:  ${reason.line}`,
  ];
  if (job) {
    lines.push('');
    lines.push(`Job:           ${job.jobName ?? '?'}${job.jobId ? ` (id ${job.jobId})` : ''}, `
      + `${job.status ?? 'status unknown'}${job.attempts !== undefined ? ` after ${job.attempts} attempt(s)` : ''}`);
    lines.push(`Exit code:     ${job.exitCode ?? 'none (the container did not exit on its own)'}`);
    lines.push(`Status reason: ${job.statusReason ?? '-'}`);
    if (job.containerReason) lines.push(`Container:     ${job.containerReason}`);
    lines.push(`Log stream:    ${job.logStream ? `${job.logStream} in CloudWatch log group ${job.logGroup}` : 'none (the job never ran)'}`);
  }
  lines.push('');
  lines.push(`Clean-up:  ${cleanUpLine(run.cleanUp)}`);
  lines.push(`Execution: ${text(run.execution) ?? '?'}`);
  lines.push('');
  lines.push(job?.cancelledWhileRunnable
    ? 'What to do: the job asks for more than the compute environment can place, or no capacity was available; '
    + 'check the job\'s vCPU and memory against maxvCpus, then upload the file again (the upload was kept).'
    : 'What to do: read the reason and the job\'s log, fix the cause, then upload the file again to start a new run (the upload was kept).');
  lines.push('');
  lines.push(JSON_PART_HEADING);
  const details = {
    event: 'run-failed',
    runId,
    bucket,
    key,
    versionId: versionId ?? null,
    failedStep: step,
    error,
    reason: reason.line,
    ...(job ? { job } : {}),
    cleanUp: run.cleanUp ?? null,
    execution: text(run.execution) ?? null,
    cause: cause ?? null,
  };
  let message = deliverable(`${lines.join('\n')}\n${JSON.stringify(details, undefined, 2)}`);
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
    // Only the raw cause can be this long: keep its start.
    const room = Math.max(0, (cause?.length ?? 0) - (Buffer.byteLength(message) - MAX_MESSAGE_BYTES) - 1024);
    const shortened = { ...details, cause: `${(cause ?? '').slice(0, room)}... (cut to fit SNS's 256 KiB)` };
    message = deliverable(`${lines.join('\n')}\n${JSON.stringify(shortened, undefined, 2)}`);
  }
  const attributes: FailureNotice['attributes'] = {
    ...stringAttributes({
      event: 'run-failed',
      runId,
      failedStep: step,
      error,
      bucket,
      key,
      versionId,
      jobStatusReason: job?.statusReason,
      logStream: job?.logStream,
    }),
    ...(job?.exitCode !== undefined ? { exitCode: { DataType: 'Number', StringValue: String(job.exitCode) } } : {}),
  };
  // The file name gives way first, so that the step and the reason stay in the subject.
  const prefix = `Run failed at ${step}: `;
  const suffix = ` (${reason.short})`;
  const room = MAX_SUBJECT_LENGTH - asciiText(prefix).length - asciiText(suffix).length;
  const name = asciiText(fileName);
  const shownName = name.length > room ? `${name.slice(0, Math.max(0, room - 3))}...` : name;
  return {
    subject: subjectLine(prefix, shownName, suffix),
    message,
    attributes,
  };
}
