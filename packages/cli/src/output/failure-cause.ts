/**
 * A failure's cause as a person reads it. Step Functions puts the Batch job's description
 * (DescribeJobs, in PascalCase) in the cause of a failed `submitJob.sync` task: that becomes
 * `job <name>: exit code N, <status reason>` (and the container's reason), the line the in-process
 * run prints, instead of raw JSON cut off before the exit code. Any other cause is kept as it is,
 * shortened to `max` characters.
 */
export function readableCause(cause: string, max = 500): string {
  const job = jobDescriptionOf(cause);
  if (!job) return cause.length > max ? `${cause.slice(0, max - 3)}...` : cause;
  const container = member(job, 'Container');
  const attempts = member(job, 'Attempts');
  const lastAttempt = Array.isArray(attempts) && attempts.length > 0 ? member(attempts[attempts.length - 1], 'Container') : undefined;
  const exitCode = member(container, 'ExitCode') ?? member(lastAttempt, 'ExitCode');
  const statusReason = text(member(job, 'StatusReason'));
  const containerReason = text(member(container, 'Reason')) ?? text(member(lastAttempt, 'Reason'));
  const name = text(member(job, 'JobName')) ?? text(member(job, 'JobId'));
  return `job ${name}: exit code ${typeof exitCode === 'number' ? exitCode : 'none (it did not exit by itself)'}`
    + `${statusReason ? `, ${statusReason}` : ''}${containerReason ? ` (container: ${containerReason})` : ''}`;
}

/** The job description a cause holds: a JSON object with a JobId or JobName; undefined for any other cause. */
function jobDescriptionOf(cause: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const job = parsed as Record<string, unknown>;
  return member(job, 'JobId') !== undefined || member(job, 'JobName') !== undefined ? job : undefined;
}

/** A member in Step Functions' PascalCase or the Batch API's camelCase. */
function member(object: unknown, name: string): any {
  if (object === null || typeof object !== 'object') return undefined;
  const record = object as Record<string, unknown>;
  return record[name] ?? record[name.charAt(0).toLowerCase() + name.slice(1)];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
