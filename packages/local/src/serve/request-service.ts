import { IncomingMessage } from 'node:http';

/**
 * The service a request is for, as its SigV4 signature names it: the credential scope
 * `<key>/<date>/<region>/<service>/aws4_request` of the `Authorization` header, or of the
 * `X-Amz-Credential` query parameter of a presigned URL. The signature itself is not checked.
 * Undefined for an unsigned request (see `unsignedService`).
 */
export function signedService(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  const header = typeof authorization === 'string' ? /Credential=([^,\s]+)/.exec(authorization)?.[1] : undefined;
  const query = request.url?.includes('?') ? new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1)).get('X-Amz-Credential') : null;
  const scope = (header ?? query ?? '').split('/');
  return scope.length === 5 && scope[4] === 'aws4_request' && scope[3] !== '' ? scope[3] : undefined;
}

/** The JSON protocols' `X-Amz-Target` prefixes of the services served. */
const TARGET_PREFIXES: Record<string, string> = { AWSStepFunctions: 'states', Logs_20140328: 'logs' };
/** The Query protocol's `Version` of the services served. */
const QUERY_VERSIONS: Record<string, string> = { '2010-05-15': 'cloudformation', '2010-03-31': 'sns' };

/**
 * The service of an unsigned request (`--no-sign-request`, curl), from what its protocol shows:
 * the `X-Amz-Target` prefix (JSON protocols), the `Version` of a Query request (read from its
 * form body, passed in), a `/v1/` path (Batch's REST-JSON); anything else is S3's REST API.
 */
export function unsignedService(request: IncomingMessage, form?: URLSearchParams): string {
  const target = String(request.headers['x-amz-target'] ?? '');
  if (target !== '') return TARGET_PREFIXES[target.split('.')[0]] ?? target.split('.')[0];
  const version = form?.get('Version');
  if (version) return QUERY_VERSIONS[version] ?? `query ${version}`;
  if ((request.url ?? '').startsWith('/v1/')) return 'batch';
  return 's3';
}

/** Whether a request carries a form (Query protocol) body, which must be read to know its service. */
export function isFormRequest(request: IncomingMessage): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}
