/** The input of one state machine execution: what the trigger knows about the upload. */
export interface RunInput {
  /** Deterministic id of the run; also the execution name. */
  readonly runId: string;
  /** Bucket the file was uploaded to. */
  readonly bucket: string;
  /** Object key, decoded. */
  readonly key: string;
  /** Object version, or null when the bucket is not versioned. */
  readonly versionId: string | null;
  /** Object size in bytes. */
  readonly size: number;
  /** The key relative to the watched prefix: where stage-in puts the file under its staging directory. */
  readonly relativeKey: string;
  /** The last segment of the key: the name the input file has in the run's directory. */
  readonly fileName: string;
  /** 0-59, from the run id: which task of a DataSync pool the run uses (`transferSlot mod poolSize`). */
  readonly transferSlot: number;
}
