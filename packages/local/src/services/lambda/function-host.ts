/**
 * The process of one local Lambda execution environment, started by `FunctionRunner` with
 * `child_process.fork` (so it must exist as compiled JavaScript: `lib/services/lambda/function-host.js`).
 *
 * It does what Lambda's Node.js runtime does, on a laptop: the Init phase loads the handler named
 * by `_HANDLER` from `LAMBDA_TASK_ROOT` (CommonJS or ES module, as the runtime resolves it) and
 * reports a failure with the runtime's error types (`Runtime.ImportModuleError`,
 * `Runtime.HandlerNotFound`, `Runtime.UserCodeSyntaxError`, ...); then each invocation calls the
 * handler with the event and a Lambda-like context, one at a time, and serializes the result or
 * the error as the runtime does (`{errorType, errorMessage, trace}`). `console` writes the
 * runtime's log lines (`<time>\t<request id>\t<LEVEL>\t<message>`). Globals survive between
 * invocations, as in a warm Lambda environment.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { FunctionErrorPayload, HostMessage, InvokeMessage, outputSentinel, RunnerMessage } from './host-protocol';

type Handler = (event: unknown, context: unknown, callback?: (error?: unknown, result?: unknown) => void) => unknown;

/** The message Lambda's runtime gives a callback-style handler on Node.js 24 and later. */
const CALLBACK_HANDLER_REMOVED = 'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. '
  + 'You need to modify this function to use a supported handler signature to use Node.js 24 or later. '
  + 'For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

let currentRequestId: string | undefined;

/** CommonJS loading, as the runtime's `require` (handlers load outside this module's own resolution). */
const loadCommonJs = createRequire(__filename);

function namedError(name: string, message: string, stack?: string): Error {
  const error = new Error(message);
  error.name = name;
  if (stack) {
    error.stack = stack;
  }
  return error;
}

/** `toRapidResponse` of the Node.js runtime: how a thrown value becomes the error payload. */
function errorPayload(error: unknown): FunctionErrorPayload {
  try {
    if (error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error && 'message' in error && 'stack' in error)) {
      const e = error as Error;
      return { errorType: String(e.name), errorMessage: String(e.message), trace: String(e.stack ?? '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of '
      + 'its message, name, and stack',
    };
  }
}

function send(message: HostMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

/** `console` as the runtime patches it: one line per call, with time, request id and level. */
function patchConsole(): void {
  const levels: Record<string, string> = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const message = method === 'trace'
        ? `Trace: ${format(...args)}\n${(new Error().stack ?? '').split('\n').slice(2).join('\n')}`
        : format(...args);
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
    };
  }
}

function fileExists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether the nearest package.json above `file` says `"type": "module"`, as the runtime checks for `.js` handlers. */
function inModulePackage(file: string): boolean {
  let directory = path.dirname(file);
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf-8')).type === 'module';
      } catch {
        return false;
      }
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      return false;
    }
    directory = parent;
  }
}

async function importFile(file: string): Promise<unknown> {
  return import(pathToFileURL(file).href);
}

/** The runtime's module resolution: extensionless, `.js` (CommonJS unless the package is a module), `.mjs`, `.cjs`, then node_modules. */
async function loadModule(appRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName);
  if (fileExists(lambdaStylePath)) {
    return loadCommonJs(lambdaStylePath);
  }
  const isModule = inModulePackage(lambdaStylePath);
  if (fileExists(`${lambdaStylePath}.js`)) {
    return isModule ? importFile(`${lambdaStylePath}.js`) : loadCommonJs(`${lambdaStylePath}.js`);
  }
  if (fileExists(`${lambdaStylePath}.mjs`)) {
    return importFile(`${lambdaStylePath}.mjs`);
  }
  if (fileExists(`${lambdaStylePath}.cjs`)) {
    return loadCommonJs(`${lambdaStylePath}.cjs`);
  }
  return loadCommonJs(loadCommonJs.resolve(moduleName, { paths: [appRoot, path.resolve(appRoot, moduleRoot)] }));
}

/** `UserFunction.load` of the runtime: parses `_HANDLER`, loads the module and finds the function. */
async function loadHandler(appRoot: string, fullHandlerString: string, nodeMajor: number): Promise<Handler> {
  if (fullHandlerString.includes('..')) {
    throw namedError('Runtime.MalformedHandlerName', `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying `
      + 'root directories in handler names.');
  }
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  const match = /^([^.]*)\.(.*)$/.exec(handlerString);
  if (!match) {
    throw namedError('Runtime.MalformedHandlerName', 'Bad handler');
  }
  const [, moduleName, handlerPath] = match;
  let userApp: unknown;
  try {
    userApp = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw namedError('Runtime.UserCodeSyntaxError', String(error), error.stack);
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw namedError('Runtime.ImportModuleError', String(error));
    }
    throw error;
  }
  let handler = handlerPath.split('.').reduce<unknown>((nested, key) => (nested as Record<string, unknown> | undefined)?.[key], userApp);
  if (!handler) {
    throw namedError('Runtime.HandlerNotFound', `${fullHandlerString} is undefined or not exported`);
  }
  if (handlerPath === 'default' && typeof handler === 'object' && typeof (handler as { default?: unknown }).default === 'function') {
    handler = (handler as { default: unknown }).default;
  }
  if (typeof handler !== 'function') {
    throw namedError('Runtime.HandlerNotFound', `${fullHandlerString} is not a function`);
  }
  if (nodeMajor >= 24 && handler.length >= 3) {
    throw namedError('Runtime.CallbackHandlerDeprecated', CALLBACK_HANDLER_REMOVED);
  }
  return handler as Handler;
}

function contextFor(message: InvokeMessage): Record<string, unknown> {
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
  };
}

/** Calls the handler: an async (or value-returning) handler, or, before Node.js 24, one that calls back. */
function callHandler(handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  if (handler.length < 3) {
    return Promise.resolve().then(() => handler(event, context));
  }
  return new Promise((resolve, reject) => {
    const callback = (error?: unknown, result?: unknown) => (error !== undefined && error !== null ? reject(error) : resolve(result));
    context.done = callback;
    context.succeed = (result: unknown) => resolve(result);
    context.fail = (error: unknown) => reject(error ?? 'handled');
    const returned = handler(event, context, callback) as { then?: unknown } | undefined;
    if (returned && typeof returned.then === 'function') {
      (returned as Promise<unknown>).then(resolve, reject);
    }
  });
}

function maxMemoryUsedMiB(): number {
  return Math.ceil(process.resourceUsage().maxRSS / 1024);
}

/** Ends an invocation: marks the end of its output on both streams, then reports the result. */
interface Ending {
  readonly payload?: string;
  readonly error?: FunctionErrorPayload;
  readonly durationMs: number;
  readonly exiting?: boolean;
}

async function finish(requestId: string, result: Ending): Promise<void> {
  currentRequestId = undefined;
  const sentinel = `${outputSentinel(requestId)}\n`;
  process.stdout.write(sentinel);
  process.stderr.write(sentinel);
  await send({ type: 'result', requestId, maxMemoryUsedMiB: maxMemoryUsedMiB(), ...result });
}

async function main(): Promise<void> {
  const started = performance.now();
  patchConsole();
  const nodeMajor = Number(/nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV ?? '')?.[1] ?? 0);
  // The runner ends this process; Ctrl-C in the runner's terminal does not (Lambda functions get no SIGINT), and
  // when the runner goes away, the IPC channel closes and this process ends with it.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => process.exit(0));

  let handler: Handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), process.env._HANDLER ?? '', nodeMajor);
  } catch (error) {
    const payload = errorPayload(error);
    process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(payload)}\n`);
    await send({ type: 'init-error', error: payload, initDurationMs: performance.now() - started });
    process.exit(1);
  }

  let running: { requestId: string; started: number } | undefined;
  const onUncaught = (error: FunctionErrorPayload, label: string) => {
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\tERROR\t${label} \t${JSON.stringify(error)}\n`);
    const current = running;
    running = undefined;
    const done = current ? finish(current.requestId, { error, durationMs: performance.now() - current.started, exiting: true }) : Promise.resolve();
    void done.then(() => process.exit(129));
  };
  process.on('uncaughtException', (error) => onUncaught(errorPayload(error), 'Uncaught Exception'));
  process.on('unhandledRejection', (reason) => {
    const error = namedError('Runtime.UnhandledPromiseRejection', reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
    onUncaught(errorPayload(error), 'Unhandled Promise Rejection');
  });

  process.on('message', (message: RunnerMessage) => {
    if (message.type !== 'invoke') {
      return;
    }
    const invocation = { requestId: message.requestId, started: performance.now() };
    running = invocation;
    currentRequestId = message.requestId;
    void (async () => {
      let payload: string | undefined;
      let error: FunctionErrorPayload | undefined;
      try {
        const result = await callHandler(handler, JSON.parse(message.event), contextFor(message));
        try {
          payload = JSON.stringify(result) ?? 'null';
        } catch {
          error = errorPayload(namedError('Runtime.JSONStringifyError', 'Unable to stringify response body'));
        }
      } catch (thrown) {
        error = errorPayload(thrown);
      }
      if (running !== invocation) {
        return; // an uncaught exception already ended this invocation
      }
      running = undefined;
      if (error) {
        process.stdout.write(`${new Date().toISOString()}\t${message.requestId}\tERROR\tInvoke Error \t${JSON.stringify(error)}\n`);
      }
      await finish(message.requestId, { payload, error, durationMs: performance.now() - invocation.started });
    })();
  });

  await send({ type: 'ready', initDurationMs: performance.now() - started });
}

void main();
