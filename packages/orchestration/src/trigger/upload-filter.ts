/** How the trigger treats objects of zero bytes. */
export enum ZeroByteObjects {
  /** Start nothing for an empty object (the default): most jobs cannot process one. */
  SKIP = 'SKIP',
  /** Start a run for an empty object like for any other. */
  PROCESS = 'PROCESS',
}

// Which uploads start a run (skipReasonFor) is in @batch-pipeline/run-contract, shared with the CLI's backfill.
