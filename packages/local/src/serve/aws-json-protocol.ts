import { IncomingMessage, ServerResponse } from 'node:http';
import { serviceError } from '../services/service-rules';

/** The operations of one service: what each answers for a parsed request body (a promise or a value). */
export type JsonOperations = Record<string, (body: Record<string, any>) => unknown>;

/** How one service speaks the AWS JSON protocol (1.0 or 1.1). */
export interface JsonProtocolService {
  /** `1.0` (Step Functions) or `1.1` (CloudWatch Logs): the content type's version. */
  readonly version: '1.0' | '1.1';
  /** The `X-Amz-Target` prefix, such as `AWSStepFunctions` or `Logs_20140328`. */
  readonly targetPrefix: string;
  /** The service's name in messages, such as `Step Functions`. */
  readonly title: string;
  readonly operations: JsonOperations;
  /** Error names that are the caller's fault (400); any other error is a 500 `InternalFailure`-like answer with its name. */
  readonly clientErrors: ReadonlySet<string>;
}

/** Dates travel as epoch seconds in the AWS JSON protocols; nothing else changes. */
function toWire(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, item) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : item;
  });
}

/** The body of a request, read whole (the JSON and Query protocols' bodies are small). */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf-8');
}

/**
 * Answers one request of a service of the AWS JSON protocol: the operation named by `X-Amz-Target`,
 * the body a JSON object; an unknown operation is `UnknownOperationException`, a body that is not a
 * JSON object `SerializationException`, both 400 with `__type` as the SDKs read it.
 */
export async function answerJson(service: JsonProtocolService, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request);
  const reply = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': `application/x-amz-json-${service.version}` });
    response.end(toWire(body));
  };
  const failure = (status: number, name: string, message: string) => {
    response.setHeader('x-amzn-errortype', name);
    reply(status, { __type: name, message });
  };
  const target = String(request.headers['x-amz-target'] ?? '');
  const [prefix, operationName] = target.split('.', 2);
  const known = prefix === service.targetPrefix && Object.hasOwn(service.operations, operationName);
  const operation = known ? service.operations[operationName] : undefined;
  if (!operation) {
    failure(400, 'UnknownOperationException', `the local ${service.title} endpoint does not implement ${target || 'a request without X-Amz-Target'}`);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text === '' ? '{}' : text);
  } catch {
    failure(400, 'SerializationException', `the body of ${operationName} is not JSON`);
    return;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    failure(400, 'SerializationException', `the body of ${operationName} is not a JSON object`);
    return;
  }
  try {
    reply(200, await operation(body as Record<string, any>) ?? {});
  } catch (error) {
    const thrown = error as Error;
    failure(service.clientErrors.has(thrown.name) ? 400 : 500, thrown.name, thrown.message);
  }
}

/**
 * Opaque pagination tokens: an offset into a list, bound to the request it continues (a token of
 * another list, or one made up, is refused with the service's `InvalidToken`-like error).
 */
export const pageTokens = {
  encode: (scope: string, offset: number): string => Buffer.from(JSON.stringify({ scope, offset })).toString('base64'),
  decode: (token: unknown, scope: string, errorName: string): number => {
    if (token === undefined || token === null) return 0;
    try {
      const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf-8')) as { scope?: unknown; offset?: unknown };
      if (parsed.scope === scope && Number.isInteger(parsed.offset) && (parsed.offset as number) >= 0) return parsed.offset as number;
    } catch {
      // Not a token of this endpoint: refused below.
    }
    throw serviceError(errorName, `Invalid Token: '${String(token)}'`);
  },
};

/**
 * One page of a list: `maxResults` items from the token's offset (`defaultMax` when 0 or absent;
 * more than `limit` is refused with the service's validation error) and the next token.
 */
export function page<T>(items: readonly T[], request: { maxResults?: unknown; nextToken?: unknown }, options: {
  readonly scope: string;
  readonly defaultMax: number;
  readonly limit: number;
  readonly tokenError: string;
  readonly validationError: string;
  readonly maxName?: string;
  readonly tokenName?: string;
}): { items: T[]; nextToken?: string } {
  const max = request.maxResults === undefined || request.maxResults === 0 ? options.defaultMax : request.maxResults;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > options.limit) {
    throw serviceError(options.validationError, `1 validation error detected: Value '${String(max)}' at '${options.maxName ?? 'maxResults'}' `
      + `failed to satisfy constraint: Member must have value less than or equal to ${options.limit}`);
  }
  const offset = pageTokens.decode(request[(options.tokenName ?? 'nextToken') as 'nextToken'], options.scope, options.tokenError);
  const slice = items.slice(offset, offset + max);
  return { items: slice, ...(offset + max < items.length ? { nextToken: pageTokens.encode(options.scope, offset + max) } : {}) };
}
