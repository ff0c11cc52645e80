/**
 * The Lambda quotas and names the local runtime applies, as the Lambda developer guide and
 * API reference state them.
 */

/** Invoke, synchronous: request and response payloads up to 6 MB (6,291,456 bytes). */
export const SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** Invoke, asynchronous (`InvocationType: Event`, S3 notifications): up to 1 MB. */
export const ASYNC_PAYLOAD_LIMIT_BYTES = 1024 * 1024;

/** The size in the `Function.ResponseSizeTooLarge` message of a too large response. */
export const RESPONSE_LIMIT_REPORTED_BYTES = 6291556;

/** The Init phase of an on-demand environment is limited to 10 seconds. */
export const INIT_TIMEOUT_MS = 10_000;

/** Asynchronous invocation: by default two retries, one minute before the first, two minutes before the second. */
export const DEFAULT_ASYNC_RETRY_ATTEMPTS = 2;
export const ASYNC_RETRY_DELAYS_SECONDS = [60, 120] as const;
/** Asynchronous invocation: events stay in the queue up to six hours by default. */
export const DEFAULT_ASYNC_MAXIMUM_EVENT_AGE_SECONDS = 6 * 60 * 60;

/** The runtimes this runner executes: Lambda's managed Node.js runtimes. */
export function isNodeRuntime(runtime: string): boolean {
  return /^nodejs\d*(\.x)?$/.test(runtime);
}
