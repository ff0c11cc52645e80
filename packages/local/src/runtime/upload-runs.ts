import { Upload } from './pipeline-runtime';
import { StartedExecution } from '../services/stepfunctions/step-functions-service';

/** An execution as far as telling its upload goes: its name and its input. */
export type RunOfUpload = Pick<StartedExecution, 'name' | 'input'>;

/**
 * Whether an execution is a run of this upload: its input (the run contract's) names the
 * upload's bucket, key and version. An unversioned bucket's object has the version `null`,
 * which the trigger passes as null or leaves out.
 */
export function isRunOf(upload: Upload, execution: Pick<StartedExecution, 'input'>): boolean {
  let input: { bucket?: unknown; key?: unknown; versionId?: unknown };
  try {
    input = JSON.parse(execution.input);
  } catch {
    // An execution started by hand with another input is no upload's run.
    return false;
  }
  return input !== null && typeof input === 'object'
    && input.bucket === upload.bucket && input.key === upload.key && (input.versionId ?? 'null') === upload.version.versionId;
}

/** The runs of an upload among `executions`, in their order. */
export function runsOf<T extends RunOfUpload>(upload: Upload, executions: Iterable<T>): T[] {
  return [...executions].filter((execution) => isRunOf(upload, execution));
}

/** Where an upload is named in messages: `s3://bucket/key`. */
export function uploadUri(upload: Pick<Upload, 'bucket' | 'key'>): string {
  return `s3://${upload.bucket}/${upload.key}`;
}

/**
 * The one run an upload started; an error saying how many it started (none, or which ones)
 * otherwise, for tests that expect exactly one.
 */
export function onlyRunOf<T extends RunOfUpload>(upload: Upload, executions: Iterable<T>): T {
  const all = [...executions];
  const runs = runsOf(upload, all);
  if (runs.length === 1) return runs[0];
  const which = runs.length === 0
    ? `runs started: ${all.map((execution) => execution.name).join(', ') || 'none'}`
    : runs.map((run) => run.name).join(', ');
  throw new Error(`${uploadUri(upload)} started ${runs.length} runs, not 1 (${which})`);
}

/**
 * Every execution a Step Functions service starts, in order, including a second start of a
 * name (which the runtime's `runs`, keyed by name, keeps once): a record to ask for the runs
 * of an upload.
 */
export class RunTracker {
  /** Every execution started since the tracker was made, in order. */
  public readonly started: StartedExecution[] = [];

  public constructor(service: { onStart(listener: (execution: StartedExecution) => void): void }) {
    service.onStart((execution) => this.started.push(execution));
  }

  /** The executions started for this upload (bucket, key and version), in order. */
  public runsOf(upload: Upload): StartedExecution[] {
    return runsOf(upload, this.started);
  }

  /** The one execution started for this upload; an error naming what started otherwise. */
  public onlyRunOf(upload: Upload): StartedExecution {
    return onlyRunOf(upload, this.started);
  }
}
