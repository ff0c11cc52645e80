import { mkdirSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import * as path from 'node:path';
import { LocalFunction } from '../../model/pipeline-model';
import { StateDirectory } from '../../runtime/state-directory';
import { RuntimeEvents } from '../task-integration';
import { EnvironmentOutcome } from './execution-environment';
import { FunctionErrorPayload } from './host-protocol';
import { RESPONSE_LIMIT_REPORTED_BYTES, SYNC_PAYLOAD_LIMIT_BYTES } from './lambda-limits';

/** The response of a synchronous invocation, as Lambda's Invoke returns it. */
export interface InvocationResult {
  readonly requestId: string;
  /** 200: Lambda answered; a function error is in `functionError` and `payload`. */
  readonly statusCode: 200;
  readonly executedVersion: '$LATEST';
  /** The response payload, JSON text: the handler's result, or the error object (`{errorType, errorMessage, trace}`). */
  readonly payload: string;
  /** `Unhandled` when the function failed (the `X-Amz-Function-Error` header). */
  readonly functionError?: 'Unhandled';
  /** The last 4 KB of the invocation's log (Invoke's `LogResult`, before base64). */
  readonly logTail: string;
  /** The log file the invocation's output was appended to. */
  readonly logFile: string;
  /** The handler's duration in ms. */
  readonly durationMs: number;
  /** The Init phase in ms, when the invocation started a new environment. */
  readonly initDurationMs?: number;
  readonly coldStart: boolean;
  /** Which environment ran it (for tests and diagnostics). */
  readonly environmentId: string;
}

/** One invocation an environment ran: the function, its request id and log key, and where it ran. */
export interface RanInvocation {
  readonly fn: LocalFunction;
  readonly requestId: string;
  /** The log file key (the run id); default: the request id. */
  readonly logKey?: string;
  readonly environmentId: string;
  /** Whether the invocation started its environment. */
  readonly cold: boolean;
}

/**
 * Turns an environment's outcome into Lambda's response and appends the invocation's log to
 * `logs/<function name>/<log key>.log`, between Lambda's `START`/`END`/`REPORT` lines. A log that
 * cannot be written is said as a `log` event; the response is returned all the same.
 */
export async function recordInvocation(
  state: StateDirectory, events: RuntimeEvents | undefined, invocation: RanInvocation, outcome: EnvironmentOutcome,
): Promise<InvocationResult> {
  const { fn, requestId } = invocation;
  let error: FunctionErrorPayload | undefined = outcome.error;
  let payload = outcome.payload ?? 'null';
  if (!error && Buffer.byteLength(payload) > SYNC_PAYLOAD_LIMIT_BYTES) {
    error = {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT_REPORTED_BYTES} bytes).`,
    };
  }
  if (error) {
    payload = JSON.stringify(error);
  }
  const report = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${outcome.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(outcome.durationMs + (outcome.initDurationMs ?? 0))} ms`,
    `Memory Size: ${fn.memoryMiB} MB`,
    `Max Memory Used: ${outcome.maxMemoryUsedMiB ?? '-'} MB`,
    ...(outcome.initDurationMs !== undefined ? [`Init Duration: ${outcome.initDurationMs.toFixed(2)} ms`] : []),
    ...(outcome.timedOut ? ['Status: timeout'] : outcome.ended && error ? ['Status: error', `Error Type: ${error.errorType}`] : []),
  ].join('\t');
  const text = [
    `START RequestId: ${requestId} Version: $LATEST`,
    ...outcome.lines,
    ...(error && /^Runtime\.(ExitError|OutOfMemory)$/.test(error.errorType) ? [error.errorMessage, error.errorType] : []),
    `END RequestId: ${requestId}`,
    report,
    '',
  ].join('\n');
  const logFile = state.logFile(safeName(fn.name), safeName(invocation.logKey ?? requestId));
  try {
    await mkdirAndAppend(logFile, text);
  } catch (writeError) {
    events?.emit({ type: 'log', source: fn.name, message: `could not write ${logFile}: ${String(writeError)}` });
  }
  return {
    requestId,
    statusCode: 200,
    executedVersion: '$LATEST',
    payload,
    functionError: error ? 'Unhandled' : undefined,
    logTail: Buffer.from(text).subarray(-4096).toString('utf8'),
    logFile,
    durationMs: outcome.durationMs,
    initDurationMs: outcome.initDurationMs,
    coldStart: invocation.cold,
    environmentId: invocation.environmentId,
  };
}

/** The `errorType` of a failed invocation's payload. */
export function errorTypeOf(result: InvocationResult): string {
  try {
    return String(JSON.parse(result.payload).errorType);
  } catch {
    return 'unknown error';
  }
}

/** A function name or log key as one path segment. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]/g, '_');
}

/** Appends in order per file: the log of an invocation never lands before the one of the invocation before it. */
const appending = new Map<string, Promise<void>>();

function mkdirAndAppend(file: string, text: string): Promise<void> {
  const previous = appending.get(file) ?? Promise.resolve();
  const next = previous.then(async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    await appendFile(file, text);
  });
  const settled = next.catch(() => undefined);
  appending.set(file, settled);
  void settled.then(() => {
    if (appending.get(file) === settled) {
      appending.delete(file);
    }
  });
  return next;
}
