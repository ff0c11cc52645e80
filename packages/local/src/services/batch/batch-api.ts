import { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../serve/aws-json-protocol';

/** DescribeJobs takes 100 job ids at most (Batch API reference, DescribeJobs). */
const MAX_JOBS = 100;

/** Members whose keys are the user's (tag keys, log driver options), kept as written. */
const USER_KEYED = new Set(['Tags', 'Options']);

/** `JobId` → `jobId`, recursively: the REST-JSON API's member names are the optimized integration's, camel-cased. */
function camelCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCased);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>)
    .map(([key, item]) => [key.charAt(0).toLowerCase() + key.slice(1), USER_KEYED.has(key) ? item : camelCased(item)]));
}

/**
 * AWS Batch over its REST-JSON protocol for the served runtime: DescribeJobs (`POST /v1/describejobs`)
 * of the jobs the Batch emulator ran (status, statusReason, attempts, container.exitCode,
 * container.logStreamName and container.logConfiguration); an unknown job id is left out of the answer, as Batch does. Any other
 * operation is answered with Batch's `ClientException`, naming what the local runtime serves.
 */
export async function answerBatch(
  describeJob: (jobId: string) => Record<string, unknown> | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const text = await readBody(request);
  const path = (request.url ?? '/').split('?')[0].toLowerCase();
  const reply = (status: number, body: unknown) => {
    if (status >= 400) response.setHeader('x-amzn-errortype', (body as { __type: string }).__type);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const clientError = (message: string) => reply(400, { __type: 'ClientException', message });
  if (request.method !== 'POST' || path !== '/v1/describejobs') {
    clientError(`the local runtime's Batch serves DescribeJobs (POST /v1/describejobs) only, not ${request.method} ${path}`);
    return;
  }
  let body: { jobs?: unknown };
  try {
    body = JSON.parse(text === '' ? '{}' : text) as { jobs?: unknown };
  } catch {
    clientError('the request body is not JSON');
    return;
  }
  const ids = body?.jobs;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    clientError('jobs is required: a list of job ids');
    return;
  }
  if (ids.length > MAX_JOBS) {
    clientError(`jobs has ${ids.length} ids; DescribeJobs takes at most ${MAX_JOBS}`);
    return;
  }
  // A job ARN names the job by its id after `job/`.
  const jobs = (ids as string[])
    .map((id) => describeJob(id.replace(/^arn:[^:]+:batch:[^:]*:\d*:job\//, '')))
    .filter((detail) => detail !== undefined);
  reply(200, { jobs: jobs.map(camelCased) });
}
