import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LocalFunction } from '../../model/pipeline-model';
import { LocalRuntimeError } from '../../runtime/local-runtime-error';
import { StateDirectory } from '../../runtime/state-directory';
import { LocalEndpoints } from '../sdk-environment';
import { serviceError } from '../service-rules';
import { RuntimeEvents, ServiceContext } from '../task-integration';
import { AsyncFailureRecord, AsyncInvocation, AsyncRetries } from './async-invocation';
import { ExecutionEnvironment } from './execution-environment';
import { functionEnvironment, localMountFolder } from './function-environment';
import { InvocationResult, recordInvocation, safeName } from './invocation-log';
import { acceptedEvent, InvokeOptions, unsupportedReason } from './invoke-request';
import { ASYNC_PAYLOAD_LIMIT_BYTES, SYNC_PAYLOAD_LIMIT_BYTES } from './lambda-limits';

// The runner keeps the execution environments and hands them invocations; what a request may be
// (invoke-request), the response and log of an invocation (invocation-log) and the retries of an
// asynchronous event (async-invocation) are each in their own module, as moto splits a service.

export interface FunctionRunnerOptions {
  /** Where logs (`logs/<function>/<key>.log`), mounts (`efs/...`) and each environment's `/tmp` (`work/lambda/...`) are. */
  readonly state: StateDirectory;
  /** The region of the pipeline (`AWS_REGION` of the functions). */
  readonly region: string;
  /** The local endpoints the functions' SDK calls go to (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SFN`). */
  readonly endpoints: LocalEndpoints;
  /** Receives a `log` event for every line a function prints (source: the function's name). */
  readonly events?: RuntimeEvents;
  /**
   * Multiplies the delays of asynchronous retries (one and two minutes on Lambda).
   * @default 1
   */
  readonly timeScale?: number;
  /**
   * Execution environments (processes) per function; invocations beyond wait in a queue.
   * @default 4
   */
  readonly maxEnvironmentsPerFunction?: number;
  /**
   * Execution environments of all functions together; when reached, an idle environment of
   * another function is ended to make room, else the invocation waits.
   * @default 8
   */
  readonly maxEnvironments?: number;
  /**
   * An environment idle this long is ended (Lambda also reclaims idle environments).
   * @default 300
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * The compiled host script.
   * @default - `function-host.js` beside this module, else the package's `lib/services/lambda/function-host.js`
   */
  readonly hostScript?: string;
  /**
   * Called when an asynchronous invocation is given up (retries exhausted or event too old), with the record Lambda sends to an on-failure
   * destination.
   */
  readonly onAsyncFailure?: (record: AsyncFailureRecord, fn: LocalFunction) => void;
}

interface Pending {
  readonly fn: LocalFunction;
  readonly event: string;
  readonly requestId: string;
  readonly options: InvokeOptions;
  readonly enqueuedAt: number;
  readonly resolve: (result: InvocationResult) => void;
  readonly reject: (error: Error) => void;
}

interface Pool {
  readonly fn: LocalFunction;
  readonly environments: Set<ExecutionEnvironment>;
  /** Warm environments, the most recently used last. */
  readonly idle: ExecutionEnvironment[];
  readonly queue: Pending[];
}

/**
 * Runs the real bundled code of Lambda functions locally, with Lambda's execution model: each
 * function has its own execution environments, each a child process (`function-host`) with its
 * own environment variables (never this process's `process.env`), working directory (the code
 * directory) and `/tmp`. An environment runs one invocation at a time and stays warm for the
 * next (module state and globals persist, as on Lambda); concurrent invocations start more
 * environments, up to a limit per function and in total, and wait in a queue beyond it.
 *
 * The environment variables are described at `functionEnvironment`: EFS mount paths in the
 * function's variables point to the mount's local folder, the SDK reaches the local endpoints.
 * A timeout ends the environment (`Sandbox.Timedout`); a thrown error is a function error with
 * the runtime's payload `{errorType, errorMessage, trace}`; a crash is `Runtime.ExitError`.
 * Each invocation's output is appended to `logs/<function name>/<log key>.log` between Lambda's
 * `START`/`END`/`REPORT` lines and sent as `log` events.
 */
export class FunctionRunner {
  /** Why the runner cannot run a function, or undefined when it can. */
  public static unsupportedReason(fn: LocalFunction): string | undefined {
    return unsupportedReason(fn);
  }

  /**
   * A runner for the functions of an emulated pipeline: the context's state directory, region,
   * events and time scale, and the local endpoints the functions call.
   */
  public static forContext(context: ServiceContext, endpoints: LocalEndpoints,
    options: Omit<FunctionRunnerOptions, 'state' | 'region' | 'endpoints' | 'events' | 'timeScale'> = {}): FunctionRunner {
    const { state, events, timeScale } = context;
    return new FunctionRunner({ ...options, state, region: context.model.region, endpoints, events, timeScale });
  }

  private readonly pools = new Map<string, Pool>();
  private readonly perFunction: number;
  private readonly total: number;
  private readonly idleTimeoutMs: number;
  private readonly timeScale: number;
  private readonly hostScript: string;
  private readonly retries: AsyncRetries;
  private readonly idleTimers = new Map<ExecutionEnvironment, NodeJS.Timeout>();
  private readonly stopping: Promise<void>[] = [];
  private environmentCount = 0;
  private stopped = false;

  public constructor(private readonly options: FunctionRunnerOptions) {
    this.perFunction = Math.max(1, options.maxEnvironmentsPerFunction ?? 4);
    this.total = Math.max(1, options.maxEnvironments ?? 8);
    this.idleTimeoutMs = (options.idleTimeoutSeconds ?? 300) * 1000;
    this.timeScale = options.timeScale ?? 1;
    this.hostScript = options.hostScript ?? resolveHostScript();
    this.retries = new AsyncRetries({ timeScale: this.timeScale, events: options.events, onAsyncFailure: options.onAsyncFailure });
  }

  /** Environments alive now, per function name (for tests and diagnostics). */
  public environments(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const pool of this.pools.values()) {
      counts[pool.fn.name] = pool.environments.size;
    }
    return counts;
  }

  /**
   * Invokes a function synchronously (`RequestResponse`) and resolves with Lambda's response: a
   * function error (a thrown error, a timeout, a crash) is a response with `functionError`, not
   * a rejection. Rejects with a service error when Lambda would refuse the request
   * (`Lambda.RequestTooLargeException` above 6 MB), or a `LocalRuntimeError` when the function
   * cannot run locally (a runtime other than Node.js).
   */
  public invoke(fn: LocalFunction, event: unknown, options: InvokeOptions = {}): Promise<InvocationResult> {
    try {
      const text = this.accept(fn, event, SYNC_PAYLOAD_LIMIT_BYTES);
      return this.enqueue(fn, text, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Invokes a function asynchronously (`Event`, as S3 notifications do): answers at once (202)
   * and runs the event in the background. On a function error (including a timeout) Lambda
   * retries: by default twice, one minute and then two minutes later (scaled by `timeScale`),
   * or as the function's EventInvokeConfig says (`asyncMaximumRetryAttempts`,
   * `asyncMaximumEventAgeSeconds`). Retries keep the request id. Throws at once when Lambda
   * would refuse the event (`Lambda.RequestTooLargeException` above 1 MB) or the function cannot
   * run locally (`LocalRuntimeError`); `completion` never rejects.
   */
  public invokeAsync(fn: LocalFunction, event: unknown, options: InvokeOptions = {}): AsyncInvocation {
    const text = this.accept(fn, event, ASYNC_PAYLOAD_LIMIT_BYTES);
    const requestId = options.requestId ?? randomUUID();
    const completion = this.retries.run(fn, text, { ...options, requestId }, (...attempt) => this.enqueue(...attempt));
    return { requestId, statusCode: 202, completion };
  }

  /** Ends every environment and gives up queued invocations and pending retries. */
  public async stop(): Promise<void> {
    this.stopped = true;
    this.retries.stop();
    for (const timer of this.idleTimers.values()) {
      clearTimeout(timer);
    }
    this.idleTimers.clear();
    const ending: Promise<void>[] = [...this.stopping];
    for (const pool of this.pools.values()) {
      for (const pending of pool.queue.splice(0)) {
        pending.reject(serviceError('Lambda.ServiceException', `the local runtime stopped before function '${pending.fn.name}' could run`));
      }
      for (const environment of pool.environments) {
        ending.push(environment.stop());
      }
    }
    await Promise.all(ending);
  }

  private accept(fn: LocalFunction, event: unknown, limit: number): string {
    if (this.stopped) {
      throw serviceError('Lambda.ServiceException', `the local runtime stopped; function '${fn.name}' was not invoked`);
    }
    return acceptedEvent(fn, event, limit);
  }

  private enqueue(fn: LocalFunction, event: string, options: InvokeOptions): Promise<InvocationResult> {
    return new Promise((resolve, reject) => {
      const pool = this.poolOf(fn);
      pool.queue.push({ fn, event, requestId: options.requestId ?? randomUUID(), options, enqueuedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  private poolOf(fn: LocalFunction): Pool {
    let pool = this.pools.get(fn.arn);
    if (!pool) {
      pool = { fn, environments: new Set(), idle: [], queue: [] };
      this.pools.set(fn.arn, pool);
    }
    return pool;
  }

  /** Hands queued invocations to warm environments, or to new ones while the limits allow; the oldest waiting first. */
  private schedule(): void {
    if (this.stopped) {
      return;
    }
    const waiting = [...this.pools.values()].filter((pool) => pool.queue.length > 0)
      .sort((a, b) => a.queue[0].enqueuedAt - b.queue[0].enqueuedAt);
    for (const pool of waiting) {
      while (pool.queue.length > 0) {
        let environment = pool.idle.pop();
        if (!environment) {
          if (pool.environments.size >= this.perFunction) {
            break;
          }
          if (this.environmentCount >= this.total && !this.evictIdle(pool)) {
            break;
          }
          environment = this.startEnvironment(pool);
        }
        this.dispatch(pool, environment, pool.queue.shift()!);
      }
    }
  }

  /** Ends the least recently used idle environment of another function, to make room under the total limit. */
  private evictIdle(except: Pool): boolean {
    for (const pool of this.pools.values()) {
      if (pool !== except && pool.idle.length > 0) {
        this.retire(pool, pool.idle.shift()!);
        return true;
      }
    }
    return false;
  }

  private startEnvironment(pool: Pool): ExecutionEnvironment {
    const fn = pool.fn;
    const id = randomBytes(16).toString('hex');
    const state = this.options.state;
    const temporaryDirectory = path.join(state.workDirectory, 'lambda', safeName(fn.name), id, 'tmp');
    for (const mount of fn.mounts) {
      mkdirSync(localMountFolder(state, mount), { recursive: true });
    }
    const date = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    const environment = new ExecutionEnvironment(id, {
      hostScript: this.hostScript,
      cwd: fn.codeDirectory,
      temporaryDirectory,
      memoryMiB: fn.memoryMiB,
      env: functionEnvironment(fn, {
        state, endpoints: this.options.endpoints, region: this.options.region, temporaryDirectory, logStreamName: `${date}/[$LATEST]${id}`,
      }),
      onLine: (line) => this.options.events?.emit({ type: 'log', source: fn.name, message: line }),
      // An environment that ended while idle (an uncaught exception from a timer) is replaced, not handed the next event.
      onExit: () => {
        if (pool.idle.includes(environment)) {
          this.retire(pool, environment);
        }
      },
    });
    pool.environments.add(environment);
    this.environmentCount++;
    return environment;
  }

  private retire(pool: Pool, environment: ExecutionEnvironment): void {
    if (!pool.environments.delete(environment)) {
      return;
    }
    this.environmentCount--;
    const index = pool.idle.indexOf(environment);
    if (index >= 0) {
      pool.idle.splice(index, 1);
    }
    clearTimeout(this.idleTimers.get(environment));
    this.idleTimers.delete(environment);
    const stopping = environment.stop();
    this.stopping.push(stopping);
    void stopping.then(() => this.stopping.splice(this.stopping.indexOf(stopping), 1));
  }

  private dispatch(pool: Pool, environment: ExecutionEnvironment, pending: Pending): void {
    clearTimeout(this.idleTimers.get(environment));
    this.idleTimers.delete(environment);
    const fn = pending.fn;
    const cold = environment.invocations === 0;
    const timeoutMs = Math.max(1, fn.timeoutSeconds) * 1000;
    environment.invoke({
      type: 'invoke',
      requestId: pending.requestId,
      event: pending.event,
      deadlineMs: 0,
      invokedFunctionArn: pending.options.invokedFunctionArn ?? fn.arn,
    }, timeoutMs).then(async (outcome) => {
      if (outcome.ended || environment.ended) {
        this.retire(pool, environment);
      } else if (!this.stopped) {
        pool.idle.push(environment);
        const timer = setTimeout(() => this.retire(pool, environment), this.idleTimeoutMs);
        timer.unref();
        this.idleTimers.set(environment, timer);
      }
      this.schedule();
      const invocation = { fn, requestId: pending.requestId, logKey: pending.options.logKey, environmentId: environment.id, cold };
      pending.resolve(await recordInvocation(this.options.state, this.options.events, invocation, outcome));
    }, (error: unknown) => {
      this.retire(pool, environment);
      this.schedule();
      pending.reject(serviceError('Lambda.ServiceException', `function '${fn.name}' could not be run: ${String(error)}`));
    });
  }
}

/** The compiled host: beside this module in lib/, or, when this module runs from src/ (ts-jest), in the package's lib/. */
export function resolveHostScript(): string {
  const candidates = [
    path.join(__dirname, 'function-host.js'),
    path.resolve(__dirname, '..', '..', '..', 'lib', 'services', 'lambda', 'function-host.js'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new LocalRuntimeError(`the function host is not compiled (looked for ${candidates.join(', ')})`, 'run `npx projen compile` in '
      + 'packages/local');
  }
  return found;
}
