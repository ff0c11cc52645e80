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

/** TerminateJob's reason is at most 1,024 characters (Batch API reference, TerminateJob). */
const MAX_REASON = 1024;

/** A job ARN names the job by its id after `job/`; DescribeJobs and TerminateJob take either. */
function jobIdOf(reference: string): string {
  return reference.replace(/^arn:[^:]+:batch:[^:]*:\d*:job\//, '');
}

/** What one served operation answers: a status and a body. */
type Answer = readonly [number, unknown];

function clientError(message: string): Answer {
  return [400, { __type: 'ClientException', message }];
}

/** DescribeJobs: the jobs found, in the order asked; an unknown id is left out, as Batch does. */
/** The jobs the served Batch API answers for: the Batch emulator's. */
export interface ServedJobs {
  /** DescribeJobs of one job (PascalCase, as Step Functions passes it on), undefined for an unknown id. */
  describeJob(jobId: string): Record<string, unknown> | undefined;
  /** TerminateJob with a reason; false for an unknown id. */
  terminateJob(jobId: string, reason: string): boolean;
}

function describeJobs(jobs: ServedJobs, body: Record<string, unknown>): Answer {
  const ids = body.jobs;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) return clientError('jobs is required: a list of job ids');
  if (ids.length > MAX_JOBS) return clientError(`jobs has ${ids.length} ids; DescribeJobs takes at most ${MAX_JOBS}`);
  const described = (ids as string[]).map((id) => jobs.describeJob(jobIdOf(id))).filter((detail) => detail !== undefined);
  return [200, { jobs: described.map(camelCased) }];
}

/**
 * TerminateJob: jobId and reason are both required; a job not yet started is cancelled, a running
 * one stopped, and either ends FAILED with the reason as its status reason; a job that already ended
 * is left as it is. Batch answers 200 with an empty object, and ClientException for a job id it does not know.
 */
function terminateJob(jobs: ServedJobs, body: Record<string, unknown>): Answer {
  const { jobId, reason } = body;
  if (typeof jobId !== 'string' || jobId === '') return clientError('jobId is required: the id of the job to terminate');
  if (typeof reason !== 'string') return clientError('reason is required: a message that says why the job is terminated (DescribeJobs shows it)');
  if (reason.length > MAX_REASON) return clientError(`reason has ${reason.length} characters; TerminateJob takes at most ${MAX_REASON}`);
  if (!jobs.terminateJob(jobIdOf(jobId), reason)) {
    return clientError(`Job ${jobId} not found: the local runtime ran no job with that id since it started (DescribeJobs lists the jobs it knows)`);
  }
  return [200, {}];
}

/** The operations served, by their REST path. */
const OPERATIONS: Record<string, (jobs: ServedJobs, body: Record<string, unknown>) => Answer> = {
  '/v1/describejobs': describeJobs,
  '/v1/terminatejob': terminateJob,
};

/**
 * AWS Batch over its REST-JSON protocol for the served runtime, for the jobs the Batch emulator ran:
 * DescribeJobs (`POST /v1/describejobs`: status, statusReason, attempts, container.exitCode,
 * container.logStreamName and container.logConfiguration) and TerminateJob (`POST /v1/terminatejob`).
 * Any other operation is answered with Batch's `ClientException`, naming what the local runtime serves.
 */
export async function answerBatch(
  jobs: ServedJobs,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const text = await readBody(request);
  const path = (request.url ?? '/').split('?')[0].toLowerCase();
  const reply = ([status, body]: Answer) => {
    if (status >= 400) response.setHeader('x-amzn-errortype', (body as { __type: string }).__type);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const operation = request.method === 'POST' && Object.hasOwn(OPERATIONS, path) ? OPERATIONS[path] : undefined;
  if (!operation) {
    reply(clientError('the local runtime\'s Batch serves DescribeJobs (POST /v1/describejobs) and TerminateJob (POST /v1/terminatejob) only, '
      + `not ${request.method} ${path}`));
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text === '' ? '{}' : text);
  } catch {
    reply(clientError('the request body is not JSON'));
    return;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    reply(clientError('the request body is not a JSON object'));
    return;
  }
  reply(operation(jobs, body as Record<string, unknown>));
}
