import { randomUUID } from 'node:crypto';
import { LocalFunction } from '../../model/pipeline-model';
import { serviceError } from '../service-rules';
import { ServiceContext, TaskIntegration, TaskRequest } from '../task-integration';
import { FunctionRunner } from './function-runner';
import { InvocationResult } from './invocation-log';
import { InvokeOptions } from './invoke-request';

/** The optimized integration's resource. */
export const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';

/**
 * `FunctionName` as Lambda accepts it: a name, a partial ARN (`123456789012:function:name`) or
 * an ARN, each optionally with `:qualifier` (Invoke API reference, `FunctionName` pattern).
 */
const FUNCTION_NAME = new RegExp(
  '^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:([a-z]{2}(?:(?:-gov)|(?:-iso(?:[a-z]?)))?-[a-z]+-\\d{1}):)?(?:(\\d{12}):)?(?:function:)?'
    + '([a-zA-Z0-9\\-_.]+)(?::(\\$LATEST(?:\\.PUBLISHED)?|[a-zA-Z0-9\\-_]+))?$',
);

/** What an Invoke did, by its invocation type: queued (202) or not run (204), or run with its result (200). */
export type Invocation =
  | { readonly statusCode: 202 | 204; readonly requestId: string }
  | { readonly statusCode: 200; readonly result: InvocationResult };

/** The output of the optimized integration, as Step Functions passes it on (Payload parsed from JSON). */
export interface LambdaInvokeOutput {
  readonly ExecutedVersion: string;
  readonly Payload: unknown;
  readonly SdkHttpMetadata: {
    readonly AllHttpHeaders: Record<string, string[]>;
    readonly HttpHeaders: Record<string, string>;
    readonly HttpStatusCode: number;
  };
  readonly SdkResponseMetadata: { readonly RequestId: string };
  readonly StatusCode: number;
  readonly LogResult?: string;
}

/**
 * Step Functions' Lambda integration: `arn:aws:states:::lambda:invoke` with `FunctionName`
 * and `Payload` (also `Qualifier`, `InvocationType` and `LogType` of the Invoke API), and the
 * legacy form whose `Resource` is the function's ARN itself. Invokes the real bundled code with
 * a `FunctionRunner` (one log file per run: the execution name is the log key).
 *
 * As on AWS: the result is Invoke's response with the payload parsed (`ExecutedVersion`,
 * `Payload`, `SdkHttpMetadata`, `SdkResponseMetadata`, `StatusCode`; the legacy form returns
 * the payload alone); a function error fails the task with the error's `errorType` as the error
 * name (a workspace function's `SizeMismatch`, `Sandbox.Timedout` for a timeout,
 * `Runtime.ImportModuleError`, ...; `Lambda.Unknown` when the payload names none) and the error
 * payload `{"errorType","errorMessage","trace"}` as the cause; an unknown function is
 * `Lambda.ResourceNotFoundException`; a payload over 6 MB is `Lambda.RequestTooLargeException`.
 */
export class LambdaIntegration implements TaskIntegration {
  public constructor(private readonly context: ServiceContext, private readonly runner: FunctionRunner) {}

  public handles(resource: string): boolean {
    return resource === LAMBDA_INVOKE_RESOURCE || this.isFunctionArnResource(resource);
  }

  public async call(request: TaskRequest): Promise<unknown> {
    if (request.resource !== LAMBDA_INVOKE_RESOURCE) {
      // Legacy: "Resource": "arn:aws:lambda:...:function:name", the state's input is the event, the payload is the result.
      const fn = this.functionNamed(request.resource, undefined);
      const options = { logKey: request.execution.name, invokedFunctionArn: request.resource };
      const result = await withServiceDetails(this.runner.invoke(fn, request.parameters, options));
      return this.payloadOf(result);
    }
    const parameters = request.parameters ?? {};
    const functionName = parameters.FunctionName;
    if (typeof functionName !== 'string' || functionName.length === 0) {
      throw serviceError('States.Runtime', `Task state '${request.stateName}': lambda:invoke needs the parameter 'FunctionName' (a function name `
        + `or ARN), received ${JSON.stringify(functionName)}`);
    }
    const fn = this.functionNamed(functionName, parameters.Qualifier);
    const event = parameters.Payload === undefined ? {} : parameters.Payload;
    const invokedFunctionArn = /^arn:/.test(functionName) ? functionName : fn.arn;
    const invocation = await this.invoke(fn, event, parameters.InvocationType ?? 'RequestResponse',
      { logKey: request.execution.name, invokedFunctionArn });
    if (invocation.statusCode !== 200) return this.output(invocation.requestId, invocation.statusCode, '', undefined);
    const { result } = invocation;
    return this.output(result.requestId, 200, this.payloadOf(result),
      parameters.LogType === 'Tail' ? Buffer.from(result.logTail).toString('base64') : undefined);
  }

  /**
   * Invoke by its invocation type, as Lambda's API runs it: `DryRun` runs nothing (204), `Event`
   * queues the invocation (202, with its retries), `RequestResponse` runs it and returns its result
   * (200); any other type is `InvalidParameterValueException`. The state machine's tasks and the
   * served Invoke both call this.
   */
  public async invoke(fn: LocalFunction, event: unknown, invocationType: unknown, options: InvokeOptions): Promise<Invocation> {
    if (invocationType === 'DryRun') return { statusCode: 204, requestId: randomUUID() };
    if (invocationType === 'Event') {
      const accepted = await withServiceDetails(Promise.resolve().then(() => this.runner.invokeAsync(fn, event, options)));
      void accepted.completion.catch(() => undefined);
      return { statusCode: 202, requestId: accepted.requestId };
    }
    if (invocationType !== 'RequestResponse') {
      throw lambdaError('InvalidParameterValueException', 400, `1 validation error detected: Value '${String(invocationType)}' at 'invocationType' `
        + 'failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]');
    }
    return { statusCode: 200, result: await withServiceDetails(this.runner.invoke(fn, event, options)) };
  }

  /** The function a `FunctionName` (and `Qualifier`) names in this pipeline, else `Lambda.ResourceNotFoundException`. */
  public functionNamed(functionName: string, qualifierParameter: unknown): LocalFunction {
    const { region, account, functions } = this.context.model;
    const match = FUNCTION_NAME.exec(functionName);
    if (!match) {
      throw lambdaError('InvalidParameterValueException', 400,
        `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint: `
          + `Member must satisfy regular expression pattern: ${FUNCTION_NAME.source}`);
    }
    const [, arnRegion, arnAccount, name, arnQualifier] = match;
    const qualifier = typeof qualifierParameter === 'string' ? qualifierParameter : arnQualifier;
    const notFound = () => lambdaError('ResourceNotFoundException', 404,
      `Function not found: arn:aws:lambda:${arnRegion ?? region}:${arnAccount ?? account}:function:${name}${qualifier ? `:${qualifier}` : ''}`);
    if (arnQualifier && typeof qualifierParameter === 'string' && arnQualifier !== qualifierParameter) {
      throw lambdaError('InvalidParameterValueException', 400, 'The derived qualifier from the function name does not match the '
        + 'specified qualifier.');
    }
    if ((arnRegion && arnRegion !== region) || (arnAccount && arnAccount !== account)) {
      throw notFound();
    }
    const fn = [...functions.values()].find((candidate) => candidate.name === name);
    if (!fn || (qualifier !== undefined && qualifier !== '$LATEST')) {
      throw notFound();
    }
    return fn;
  }

  private isFunctionArnResource(resource: string): boolean {
    return /^arn:aws[a-zA-Z-]*:lambda:[^:]+:\d{12}:function:[^:]+(?::[^:]+)?$/.test(resource);
  }

  /** The parsed payload of a successful invocation; a function error fails the task as Step Functions reports it. */
  private payloadOf(result: InvocationResult): unknown {
    if (result.functionError) {
      let errorType: unknown;
      try {
        errorType = JSON.parse(result.payload)?.errorType;
      } catch {
        errorType = undefined;
      }
      throw serviceError(typeof errorType === 'string' && errorType ? errorType : 'Lambda.Unknown', result.payload);
    }
    return JSON.parse(result.payload);
  }

  private output(requestId: string, statusCode: number, payload: unknown, logResult: string | undefined): LambdaInvokeOutput {
    const headers: Record<string, string> = {
      'Connection': 'keep-alive',
      'Content-Type': 'application/json',
      'Date': new Date().toUTCString(),
      'X-Amz-Executed-Version': '$LATEST',
      'x-amzn-Remapped-Content-Length': '0',
      'x-amzn-RequestId': requestId,
      ...(logResult ? { 'X-Amz-Log-Result': logResult } : {}),
    };
    return {
      ExecutedVersion: '$LATEST',
      Payload: payload,
      SdkHttpMetadata: {
        AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
        HttpHeaders: headers,
        HttpStatusCode: statusCode,
      },
      SdkResponseMetadata: { RequestId: requestId },
      StatusCode: statusCode,
      ...(logResult ? { LogResult: logResult } : {}),
    };
  }
}

/** A Lambda API error as Step Functions reports it: `Lambda.<Code>`, the cause with the SDK's service details. */
function lambdaError(code: string, status: number, message: string): Error {
  return serviceError(`Lambda.${code}`, `${message} (Service: Lambda, Status Code: ${status}, Request ID: ${randomUUID()})`);
}

const STATUS_OF: Record<string, number> = { 'Lambda.RequestTooLargeException': 413, 'Lambda.ServiceException': 500 };

/** Adds the SDK's service details to the cause of a Lambda API error the runner raised. */
async function withServiceDetails<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    const name = (error as Error).name;
    if (name in STATUS_OF) {
      throw lambdaError(name.slice('Lambda.'.length), STATUS_OF[name], (error as Error).message);
    }
    throw error;
  }
}
