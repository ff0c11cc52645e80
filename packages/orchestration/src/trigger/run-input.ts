/** The input of one state machine execution: what the trigger knows about the upload. */
export interface RunInput {
  /** Deterministic id of the run; also the execution name. */
  readonly runId: string;
  /** Bucket the file was uploaded to. */
  readonly bucket: string;
  /** Object key, decoded. */
  readonly key: string;
  /** Object version, when the bucket is versioned. */
  readonly versionId?: string;
  /** Object size in bytes. */
  readonly size: number;
}
