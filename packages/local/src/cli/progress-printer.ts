import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { jobFailureOf, notificationFields } from './failure-details';
import { RunSummary } from '../runtime/run-summary';
import { RuntimeEvent } from '../services/task-integration';

/** Text reports up to this size are printed in the summary. */
const PRINTED_REPORT_BYTES = 4096;

/** Prints each run's progress (the state it entered, time since the run started) and its summary. */
export class ProgressPrinter {
  private readonly startedAt = new Map<string, number>();

  /**
   * @param verbose also print what functions and jobs write (always in the state directory's logs/)
   */
  public constructor(
    private readonly write: (line: string) => void,
    private readonly verbose = false,
    private readonly workingDirectory = process.cwd(),
  ) {}

  public onEvent(event: RuntimeEvent): void {
    switch (event.type) {
      case 'state-entered': {
        const start = this.startedAt.get(event.execution) ?? event.at;
        this.startedAt.set(event.execution, start);
        this.write(`  ${event.execution}  ${seconds(event.at - start).padStart(7)}  ${event.state}`);
        break;
      }
      case 'notification':
        this.write(`  notification published to ${event.topicArn.split(':').pop()} (${this.relative(event.file)})`);
        break;
      case 'log':
      case 'job-output':
        if (this.verbose) {
          this.write(`  ${event.type === 'log' ? event.source : event.jobName}: `
          + `${event.type === 'log' ? event.message : event.line}`);
        }
        break;
      default:
        break;
    }
  }

  public summary(run: RunSummary): void {
    this.write('');
    this.write(`run ${run.runId}: ${run.status} in ${seconds(run.durationMs)}, ${run.transitions} state transitions`);
    this.write(`  upload  s3://${run.input.bucket}/${run.input.key}`
      + `${run.input.versionId && run.input.versionId !== 'null' ? ` (version ${run.input.versionId})` : ''}`);
    for (const report of run.reports) {
      this.write(`  report  s3://${report.bucket}/${report.key} (${report.size} bytes)`);
      this.write(`          ${this.relative(report.file)}`);
      const text = readableText(report.file, report.size);
      if (text !== undefined) {
        for (const line of text.trimEnd().split('\n')) this.write(`          | ${line}`);
      }
    }
    if (run.status === 'FAILED') this.failure(run);
  }

  /** A failed run: the step, the error, the job's exit code, reason, last lines and log file, the notification. */
  private failure(run: RunSummary): void {
    const notified = run.notifications.map((message) => notificationFields(message));
    const step = notified.find((fields) => fields.failedStep !== undefined)?.failedStep;
    this.write(`  failed  ${step !== undefined ? `in step '${step}'` : 'in a step no notification named'}: ${run.error ?? 'unknown error'}`);
    const job = run.logsDirectory ? jobFailureOf(run.cause, run.logsDirectory) : undefined;
    if (job) {
      this.write(`  job     ${job.jobName}: `
        + `exit code ${job.exitCode ?? 'none (it did not exit by itself)'}${job.statusReason ? `, ${job.statusReason}` : ''}`);
      this.write(`  log     ${this.relative(job.logFile)}`);
      if (job.stderrLines.length > 0) {
        this.write('  stderr  the last lines the job wrote to stderr:');
        for (const line of job.stderrLines) this.write(`          | ${line}`);
      } else if (job.lastLines.length > 0) {
        this.write('  stderr  nothing; the last lines the job wrote:');
        for (const line of job.lastLines) this.write(`          | ${line}`);
      } else {
        this.write('  the job wrote nothing');
      }
    } else if (run.cause) {
      this.write(`  cause   ${run.cause.length > 600 ? `${run.cause.slice(0, 600)}...` : run.cause}`);
    }
    // A readable notification's first line says it all; the whole of it is in notifications/<topic>.jsonl.
    for (const message of run.notifications) {
      const shown = message.split('\n')[0];
      this.write(`  notification ${shown.length > 600 ? `${shown.slice(0, 600)}...` : shown}${shown !== message ? ' (...)' : ''}`);
    }
    if (run.notifications.length === 0) this.write('  no notification was published');
    if (run.logsDirectory) this.write(`  logs    ${this.relative(run.logsDirectory)}/ (what the functions and the job printed)`);
  }

  private relative(file: string): string {
    const relative = path.relative(this.workingDirectory, file);
    return relative.startsWith('..') ? file : relative;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The report's text when it is small and looks like text. */
function readableText(file: string, size: number): string | undefined {
  if (size > PRINTED_REPORT_BYTES) return undefined;
  try {
    const content = readFileSync(file);
    return content.includes(0) ? undefined : content.toString('utf-8');
  } catch {
    return undefined;
  }
}
