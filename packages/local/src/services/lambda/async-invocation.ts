import { LocalFunction } from '../../model/pipeline-model';
import { RuntimeEvents } from '../task-integration';
import { errorTypeOf, InvocationResult } from './invocation-log';
import { InvokeOptions } from './invoke-request';
import { ASYNC_RETRY_DELAYS_SECONDS, DEFAULT_ASYNC_MAXIMUM_EVENT_AGE_SECONDS, DEFAULT_ASYNC_RETRY_ATTEMPTS } from './lambda-limits';

/** An accepted asynchronous invocation (Invoke answered 202); `completion` settles when Lambda is done with the event. */
export interface AsyncInvocation {
  readonly requestId: string;
  readonly statusCode: 202;
  readonly completion: Promise<AsyncInvocationOutcome>;
}

export interface AsyncInvocationOutcome {
  /**
   * `Success`; `RetriesExhausted` or `EventAgeExceeded` (the on-failure conditions); `Stopped` when the runner stopped
   * first; `ServiceError` when the local runtime itself failed to run the function (`error` says why).
   */
  readonly condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'Stopped' | 'ServiceError';
  /** What went wrong, for `ServiceError`. */
  readonly error?: Error;
  /** How many times the function ran. */
  readonly attempts: number;
  /** The last attempt's response. */
  readonly lastResult?: InvocationResult;
  /** The record Lambda would send to an on-failure destination, when it gave up. */
  readonly failureRecord?: AsyncFailureRecord;
}

/** An invocation record as Lambda sends it to an asynchronous on-failure destination. */
export interface AsyncFailureRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted' | 'EventAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: { readonly statusCode: number; readonly executedVersion: string; readonly functionError?: string };
  readonly responsePayload?: unknown;
  /** The destination the function's EventInvokeConfig names, if any. */
  readonly destination?: string;
}

export interface AsyncRetriesOptions {
  /** Multiplies the delays between retries (one and two minutes on Lambda). */
  readonly timeScale: number;
  /** Receives a `log` event for each retry and for an event given up. */
  readonly events?: RuntimeEvents;
  /** Called when an event is given up, with the record Lambda sends to an on-failure destination. */
  readonly onAsyncFailure?: (record: AsyncFailureRecord, fn: LocalFunction) => void;
}

/** How one attempt of an asynchronous invocation runs: the runner's synchronous path. */
export type Attempt = (fn: LocalFunction, event: string, options: InvokeOptions) => Promise<InvocationResult>;

/**
 * Lambda's handling of an asynchronous event: on a function error (a timeout included) it runs
 * the event again, by default twice, one minute and then two minutes later (scaled), or as the
 * function's EventInvokeConfig says (`asyncMaximumRetryAttempts`, `asyncMaximumEventAgeSeconds`),
 * then gives it up with the record an on-failure destination receives.
 */
export class AsyncRetries {
  private readonly timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private stopped = false;

  public constructor(private readonly options: AsyncRetriesOptions) {}

  /** Runs an accepted event (`attempt` once per try) until it succeeds, is given up, or `stop` is called. */
  public async run(fn: LocalFunction, event: string, options: InvokeOptions, attempt: Attempt): Promise<AsyncInvocationOutcome> {
    const acceptedAt = Date.now();
    const timeScale = this.options.timeScale;
    const retries = fn.asyncMaximumRetryAttempts ?? DEFAULT_ASYNC_RETRY_ATTEMPTS;
    const maximumAgeSeconds = fn.asyncMaximumEventAgeSeconds ?? DEFAULT_ASYNC_MAXIMUM_EVENT_AGE_SECONDS;
    let attempts = 0;
    let lastResult: InvocationResult | undefined;
    for (;;) {
      if (this.stopped) {
        return { condition: 'Stopped', attempts, lastResult };
      }
      attempts++;
      try {
        lastResult = await attempt(fn, event, options);
      } catch (error) {
        if (this.stopped) {
          return { condition: 'Stopped', attempts, lastResult };
        }
        this.log(fn, `asynchronous invocation ${options.requestId} could not be run: ${String(error)}`);
        return { condition: 'ServiceError', attempts, lastResult, error: error as Error };
      }
      if (!lastResult.functionError) {
        return { condition: 'Success', attempts, lastResult };
      }
      if (this.stopped) {
        return { condition: 'Stopped', attempts, lastResult };
      }
      if (attempts > retries) {
        return this.giveUp(fn, event, 'RetriesExhausted', attempts, lastResult);
      }
      const delayMs = ASYNC_RETRY_DELAYS_SECONDS[Math.min(attempts - 1, ASYNC_RETRY_DELAYS_SECONDS.length - 1)] * 1000 * timeScale;
      const ageAtRetrySeconds = (Date.now() - acceptedAt + delayMs) / 1000 / (timeScale || 1);
      if (ageAtRetrySeconds > maximumAgeSeconds) {
        return this.giveUp(fn, event, 'EventAgeExceeded', attempts, lastResult);
      }
      this.log(fn, `asynchronous invocation ${options.requestId} failed (${errorTypeOf(lastResult)}); `
        + `retry ${attempts} of ${retries} in ${Math.round(delayMs)} ms`);
      await this.sleep(delayMs);
    }
  }

  /** Ends the waits between retries: the events waiting for their next try end `Stopped`. */
  public stop(): void {
    this.stopped = true;
    for (const retry of this.timers) {
      clearTimeout(retry.timer);
      retry.wake();
    }
    this.timers.clear();
  }

  private giveUp(
    fn: LocalFunction, event: string, condition: 'RetriesExhausted' | 'EventAgeExceeded', attempts: number, lastResult: InvocationResult,
  ): AsyncInvocationOutcome {
    const failureRecord: AsyncFailureRecord = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId: lastResult.requestId, functionArn: `${fn.arn}:$LATEST`, condition, approximateInvokeCount: attempts },
      requestPayload: JSON.parse(event),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: lastResult.functionError },
      responsePayload: JSON.parse(lastResult.payload),
      ...(fn.asyncOnFailureDestination ? { destination: fn.asyncOnFailureDestination } : {}),
    };
    this.log(fn, `asynchronous invocation ${lastResult.requestId} given up (${condition} after ${attempts} attempts): ${errorTypeOf(lastResult)}`);
    this.options.onAsyncFailure?.(failureRecord, fn);
    return { condition, attempts, lastResult, failureRecord };
  }

  private log(fn: LocalFunction, message: string): void {
    this.options.events?.emit({ type: 'log', source: fn.name, message });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) {
        resolve();
        return;
      }
      const entry = { timer: undefined as unknown as NodeJS.Timeout, wake: resolve };
      entry.timer = setTimeout(() => {
        this.timers.delete(entry);
        resolve();
      }, ms);
      this.timers.add(entry);
    });
  }
}
