import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { LambdaIntegration } from './lambda-integration';
import { readBody } from '../../serve/aws-json-protocol';

/** `POST /2015-03-31/functions/{FunctionName}/invocations` (Lambda API reference, Invoke). */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const LOG_TYPES = ['None', 'Tail'];
/** The status of the runner's errors whose message does not carry one (Lambda API reference, Invoke errors). */
const STATUS_OF: Record<string, number> = { RequestTooLargeException: 413, ResourceNotFoundException: 404, ServiceException: 500 };

/**
 * AWS Lambda's Invoke over its REST-JSON protocol for the served runtime: the pipeline's functions,
 * run by the same runner (and found by the same `FunctionName` rules: name, partial ARN or ARN,
 * `:qualifier` or `?Qualifier=`, only `$LATEST`) as the state machine's Lambda tasks. The answer is
 * Invoke's: 200 with the payload (`X-Amz-Function-Error: Unhandled` and the error object when the
 * function failed; `X-Amz-Log-Result`, base64, with `X-Amz-Log-Type: Tail`), 202 for `Event`, 204
 * for `DryRun`; errors as Lambda answers them (`x-amzn-errortype` and `{ Type, message }`):
 * ResourceNotFoundException (404), InvalidParameterValueException and InvalidRequestContentException
 * (400). Any other operation is answered with Lambda's `ResourceNotFoundException` for its path,
 * naming what the local runtime serves.
 */
export async function answerLambda(integration: LambdaIntegration, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const url = new URL(request.url ?? '/', 'http://local');
  const reply = (status: number, headers: Record<string, string>, payload: string) => {
    response.writeHead(status, { 'x-amzn-requestid': headers['x-amzn-requestid'] ?? randomUUID(), ...headers });
    response.end(payload);
  };
  const refuse = (status: number, type: string, message: string) => reply(status,
    { 'content-type': 'application/json', 'x-amzn-errortype': type }, JSON.stringify({ Type: 'User', message }));

  const path = INVOKE_PATH.exec(url.pathname);
  if (request.method !== 'POST' || !path) {
    refuse(404, 'ResourceNotFoundException', 'the local runtime\'s Lambda serves Invoke (POST /2015-03-31/functions/{FunctionName}/invocations) '
      + `only, not ${request.method} ${url.pathname}`);
    return;
  }
  const invocationType = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
  const logType = header(request, 'x-amz-log-type') ?? 'None';
  if (!LOG_TYPES.includes(logType)) {
    refuse(400, 'InvalidParameterValueException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: `
      + `Member must satisfy enum value set: [${LOG_TYPES.join(', ')}]`);
    return;
  }
  let event: unknown = {};
  if (body.trim() !== '') {
    try {
      event = JSON.parse(body);
    } catch {
      refuse(400, 'InvalidRequestContentException', 'Could not parse request body into json: the payload is not valid JSON');
      return;
    }
  }
  try {
    const functionName = decodeURIComponent(path[1]);
    const fn = integration.functionNamed(functionName, url.searchParams.get('Qualifier') ?? undefined);
    const invokedFunctionArn = functionName.startsWith('arn:') ? functionName : fn.arn;
    const invocation = await integration.invoke(fn, event, invocationType, { invokedFunctionArn });
    if (invocation.statusCode !== 200) {
      reply(invocation.statusCode, { 'x-amzn-requestid': invocation.requestId }, '');
    } else {
      const { result } = invocation;
      reply(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': result.requestId,
        'x-amz-executed-version': result.executedVersion,
        ...(result.functionError ? { 'x-amz-function-error': result.functionError } : {}),
        ...(logType === 'Tail' ? { 'x-amz-log-result': Buffer.from(result.logTail).toString('base64') } : {}),
      }, result.payload);
    }
  } catch (error) {
    const { status, type, message } = lambdaErrorOf(error as Error);
    refuse(status, type, message);
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A `Lambda.<Type>` error of the runner or the function lookup as Lambda's API answers it: the
 * type, the status its message carries (`Status Code: 404`, the Step Functions form), the message
 * without that service detail. Anything else is a ServiceException (500).
 */
function lambdaErrorOf(error: Error): { status: number; type: string; message: string } {
  if (!error.name.startsWith('Lambda.')) return { status: 500, type: 'ServiceException', message: error.message };
  const type = error.name.slice('Lambda.'.length);
  const status = Number(/Status Code: (\d{3})/.exec(error.message)?.[1] ?? STATUS_OF[type] ?? 400);
  return { status, type, message: error.message.replace(/ \(Service: Lambda, Status Code: .*\)$/, '') };
}
