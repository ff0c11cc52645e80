/** Where a run put a report: the bucket, key and the local file that holds it. */
export interface ReportLocation {
  readonly bucket: string;
  readonly key: string;
  readonly file: string;
  readonly size: number;
}

/** What one run did, as the CLI prints it and `runs/<run id>.json` keeps it. */
export interface RunSummary {
  readonly runId: string;
  readonly executionArn: string;
  /** ABORTED: the execution was stopped (by StopExecution, or because the local runtime was interrupted). */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** The upload that started the run. */
  readonly input: { readonly bucket: string; readonly key: string; readonly versionId?: string | null };
  readonly durationMs: number;
  /** States entered plus retries (what Step Functions bills). */
  readonly transitions: number;
  /** The objects the run created whose key names the run (the run contract's report prefix). */
  readonly reports: readonly ReportLocation[];
  readonly error?: string;
  readonly cause?: string;
  /** The notifications the run published, as their subscribers would receive them. */
  readonly notifications: readonly string[];
  /** Where the functions' and jobs' output of the run is. */
  readonly logsDirectory?: string;
  /** The state the run was in when it timed out or was interrupted. */
  readonly state?: string;
  /** When the local runtime was interrupted during the run (ISO 8601). */
  readonly interruptedAt?: string;
  /** The run's folders the interrupt removed from the local file systems. */
  readonly removedFolders?: readonly string[];
  /** When an interrupted run was started again (`--rerun-interrupted`). */
  readonly rerunAt?: string;
}
