import { readFileSync } from 'node:fs';
import * as path from 'node:path';
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
        if (this.verbose) this.write(`  ${event.type === 'log' ? event.source : event.jobName}: ${event.type === 'log' ? event.message : event.line}`);
        break;
      default:
        break;
    }
  }

  public summary(run: RunSummary): void {
    this.write('');
    this.write(`run ${run.runId}: ${run.status} in ${seconds(run.durationMs)}, ${run.transitions} state transitions`);
    this.write(`  upload  s3://${run.input.bucket}/${run.input.key}${run.input.versionId && run.input.versionId !== 'null' ? ` (version ${run.input.versionId})` : ''}`);
    for (const report of run.reports) {
      this.write(`  report  s3://${report.bucket}/${report.key} (${report.size} bytes)`);
      this.write(`          ${this.relative(report.file)}`);
      const text = readableText(report.file, report.size);
      if (text !== undefined) {
        for (const line of text.trimEnd().split('\n')) this.write(`          | ${line}`);
      }
    }
    if (run.status === 'FAILED') {
      this.write(`  error   ${run.error ?? 'unknown'}`);
      if (run.cause) this.write(`  cause   ${run.cause.length > 600 ? `${run.cause.slice(0, 600)}...` : run.cause}`);
      for (const message of run.notifications) this.write(`  notification ${message.length > 600 ? `${message.slice(0, 600)}...` : message}`);
      if (run.notifications.length === 0) this.write('  no notification was published');
      if (run.logsDirectory) this.write(`  logs    ${this.relative(run.logsDirectory)}/ (what the functions and the job printed)`);
    }
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
