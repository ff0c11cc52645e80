/**
 * How a run copies its upload onto EFS and its output to the reports bucket.
 *
 * DataSync runs one execution per task at a time and each takes minutes
 * (launching, preparing, transferring, verifying), so a burst of small uploads
 * queues for hours on it; the workspace function copies a small object in
 * about a second, next to every other run.
 */
export enum StagingStrategy {
  /**
   * Per run, from the size the S3 event reports: up to `directStagingThreshold`
   * the workspace function copies the object version directly; larger objects
   * go through DataSync. The output is uploaded directly when its total size is
   * under the threshold, else by DataSync.
   */
  AUTO = 'AUTO',
  /**
   * Always the workspace function, in both directions: no DataSync task is
   * needed. A copy must fit the function's 15-minute timeout.
   */
  DIRECT = 'DIRECT',
  /** Always DataSync, in both directions: the original system's architecture. */
  DATASYNC = 'DATASYNC',
}
