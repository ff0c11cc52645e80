/**
 * The messages between a `FunctionRunner` and the `function-host` process of one execution
 * environment, over the IPC channel of `child_process.fork`. The host reads what Lambda's own
 * runtime reads from its environment (`_HANDLER`, `LAMBDA_TASK_ROOT`, `AWS_EXECUTION_ENV`,
 * `AWS_LAMBDA_FUNCTION_*`), so the messages carry only what changes per invocation.
 */

/** A function error as Lambda's Node.js runtime serializes it (the response payload of a failed invocation). */
export interface FunctionErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** Runner to host: run the handler once. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  /** The event, as the JSON text Lambda would deliver. */
  readonly event: string;
  /** Epoch milliseconds at which the invocation times out (`context.getRemainingTimeInMillis`). */
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
}

export type RunnerMessage = InvokeMessage;

/** Host to runner: the handler is loaded (the Init phase is over). */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly initDurationMs: number;
}

/** Host to runner: loading the handler failed; the host exits after sending this. */
export interface InitErrorMessage {
  readonly type: 'init-error';
  readonly error: FunctionErrorPayload;
  readonly initDurationMs: number;
}

/** Host to runner: the invocation ended, with the response payload (JSON text) or a function error. */
export interface ResultMessage {
  readonly type: 'result';
  readonly requestId: string;
  /** The JSON text of the handler's result (`null` for `undefined`), when it succeeded. */
  readonly payload?: string;
  readonly error?: FunctionErrorPayload;
  /** How long the handler ran, measured in the host. */
  readonly durationMs: number;
  /** The host's peak resident set size, in MiB (`Max Memory Used`). */
  readonly maxMemoryUsedMiB: number;
  /** Whether the host exits after this message (an uncaught exception ends the environment, as on Lambda). */
  readonly exiting?: boolean;
}

export type HostMessage = ReadyMessage | InitErrorMessage | ResultMessage;

/**
 * Written by the host on stdout and stderr after an invocation settled and before its result
 * message: everything the stream carried before it belongs to that invocation.
 */
export function outputSentinel(requestId: string): string {
  return `\u0000END ${requestId}`;
}
