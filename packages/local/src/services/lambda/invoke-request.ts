import { LocalFunction } from '../../model/pipeline-model';
import { LocalRuntimeError } from '../../runtime/local-runtime-error';
import { serviceError } from '../service-rules';
import { isNodeRuntime } from './lambda-limits';

/** What an Invoke request says besides the function and the event. */
export interface InvokeOptions {
  /** The log file key: `logs/<function name>/<logKey>.log` (the run id); default: the request id. */
  readonly logKey?: string;
  /** The ARN the caller named (`context.invokedFunctionArn`), such as one with a qualifier; default: the function's ARN. */
  readonly invokedFunctionArn?: string;
  /** @internal the request id to use (asynchronous retries keep theirs) */
  readonly requestId?: string;
}

/** Why the local runtime cannot run a function, or undefined when it can. */
export function unsupportedReason(fn: LocalFunction): string | undefined {
  if (!isNodeRuntime(fn.runtime)) {
    return `function '${fn.name}' (${fn.logicalId}) has runtime '${fn.runtime}'; the local runtime runs only Node.js functions (nodejs*)`;
  }
  return undefined;
}

/**
 * The event of an Invoke request as the JSON text the function receives, once Lambda would take
 * it: a `LocalRuntimeError` when the function cannot run locally, `Lambda.RequestTooLargeException`
 * when the event is over the invocation type's payload limit (`limit` bytes).
 */
export function acceptedEvent(fn: LocalFunction, event: unknown, limit: number): string {
  const unsupported = unsupportedReason(fn);
  if (unsupported) {
    throw new LocalRuntimeError(unsupported, 'run the pipeline on AWS, or give the function a Node.js runtime');
  }
  const text = event === undefined ? '{}' : JSON.stringify(event);
  const bytes = Buffer.byteLength(text);
  if (bytes > limit) {
    throw serviceError('Lambda.RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`);
  }
  return text;
}
