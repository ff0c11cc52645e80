import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { answerJson, JsonProtocolService, readBody } from './aws-json-protocol';
import { isFormRequest, signedService, unsignedService } from './request-service';
import { readCloudAssembly } from '../assembly/cloud-assembly';
import { LocalRuntimeError } from '../runtime/local-runtime-error';
import { PipelineRuntime, PipelineRuntimeOptions } from '../runtime/pipeline-runtime';
import { RunSummary } from '../runtime/run-summary';
import { answerBatch } from '../services/batch/batch-api';
import { CloudFormationApi } from '../services/cloudformation/cloudformation-api';
import { pipelineLogGroups } from '../services/cloudwatch-logs/log-groups';
import { logsApi } from '../services/cloudwatch-logs/logs-api';
import { dataSyncApi } from '../services/datasync/datasync-api';
import { stepFunctionsApi } from '../services/stepfunctions/step-functions-api';

/**
 * The port `batch-pipeline serve` listens on unless told otherwise: outside the ports LocalStack
 * (4566, 4510-4559 and its former per-service ports 4567-4599), moto's server (5000) and the
 * usual local databases and object stores use, so that both can run side by side.
 */
export const DEFAULT_SERVE_PORT = 4747;

export interface ServeOptions extends PipelineRuntimeOptions {
  /** The interface to listen on. @default '127.0.0.1' (this machine only) */
  readonly host?: string;
  /** The port; 0 picks a free one. @default DEFAULT_SERVE_PORT */
  readonly port?: number;
}

/** A served runtime: the endpoint every service answers on, the runtime behind it, and how to stop both. */
export interface ServedRuntime {
  /** `http://<host>:<port>`: the value for `--endpoint-url` and `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  readonly runtime: PipelineRuntime;
  /** The stack names of the assembly (CloudFormation's DescribeStacks shows each). */
  readonly stacks: readonly string[];
  /** The services answered, by SigV4 service name. */
  readonly services: readonly string[];
  /** Closes the port, then stops the runtime (its jobs, transfers and functions). */
  stop(): Promise<void>;
  /**
   * What Ctrl-C does: closes the port (requests in flight are answered), then interrupts the
   * runtime (PipelineRuntime.interrupt: runs in progress end ABORTED with their summaries written).
   * Call stop() after.
   */
  interrupt(): Promise<RunSummary[]>;
  /**
   * Answers every request from now on with a ServiceUnavailable error that says `reason`, and
   * closes the port once the requests in flight were answered (at most a second later).
   */
  refuse(reason: string): Promise<void>;
}

/** How long the requests in flight get to finish once the port closes. */
const CLOSE_GRACE_MS = 1_000;

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * Starts the local runtime of an assembly and serves it on one port: each request goes to the
 * service its SigV4 credential scope names (`s3`, `states`, `cloudformation`, `logs`, `batch`,
 * `sns`), so that the AWS CLI, the SDKs and boto3 work with `--endpoint-url`/`AWS_ENDPOINT_URL`
 * and any credentials. No signature is checked and no IAM policy is enforced. A request for
 * another service is answered with an unknown-operation error in its protocol.
 */
export async function serveRuntime(options: ServeOptions): Promise<ServedRuntime> {
  const runtime = await PipelineRuntime.start(options);
  const assembly = readCloudAssembly(options.assemblyDirectory);
  const cloudFormation = new CloudFormationApi(assembly);
  const stack = assembly.stacks.find((candidate) => candidate.stackName === runtime.model.stackName);
  const groups = pipelineLogGroups(runtime.model, stack, runtime.state, () => runtime.batchEmulator.listJobs());
  const json = (service: JsonProtocolService): Handler => (request, response) => answerJson(service, request, response);
  const handlers: Record<string, Handler> = {
    s3: (request, response) => runtime.s3Endpoint.answer(request, response),
    states: json(stepFunctionsApi(runtime.stepFunctionsService)),
    cloudformation: (request, response) => cloudFormation.answer(request, response),
    logs: json(logsApi(() => groups, runtime.model.region, runtime.model.account)),
    batch: (request, response) => answerBatch(runtime.batchEmulator, request, response),
    sns: (request, response) => runtime.snsEndpoint.handle(request, response),
    lambda: (request, response) => runtime.answerLambda(request, response),
    datasync: json(dataSyncApi(() => runtime.dataSyncEmulator)),
  };
  let refusal: string | undefined;
  const server = createServer((request, response) => void (refusal === undefined
    ? route(handlers, request, response)
    : refuseRequest(refusal, signedService(request) ?? unsignedService(request), response)));
  // The SDKs keep connections alive between calls.
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_SERVE_PORT, host, () => resolve());
    });
  } catch (error) {
    await runtime.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new LocalRuntimeError(`port ${options.port ?? DEFAULT_SERVE_PORT} on ${host} is in use`, 'pass another --port, '
        + 'or stop what listens there');
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      throw new LocalRuntimeError(`cannot listen on ${host}:${options.port ?? DEFAULT_SERVE_PORT} (${code})`, 'pass a --host of this machine '
        + '(127.0.0.1 by default) and a --port above 1023');
    }
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${shownHost}:${address.port}`,
    runtime,
    stacks: assembly.stacks.map((candidate) => candidate.stackName),
    services: Object.keys(handlers),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.stop();
    },
    interrupt: async () => {
      await closeGracefully(server);
      return runtime.interrupt();
    },
    refuse: async (reason) => {
      refusal = reason;
      await closeGracefully(server);
    },
  };
}

/** Stops listening, lets the requests in flight finish (kept-alive idle connections close at once), then drops what is left. */
async function closeGracefully(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  await closed;
  clearTimeout(grace);
}

/** A request the served runtime no longer answers: ServiceUnavailable (503), in S3's XML for S3, in JSON otherwise. */
function refuseRequest(reason: string, service: string, response: ServerResponse): void {
  // A kept-alive connection is not reused after this answer.
  response.shouldKeepAlive = false;
  if (service === 's3') {
    response.writeHead(503, { 'content-type': 'application/xml' });
    response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code><Message>${escapeXml(reason)}</Message>`
      + '<RequestId>local</RequestId></Error>');
    return;
  }
  response.writeHead(503, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceUnavailable' });
  response.end(JSON.stringify({ __type: 'ServiceUnavailable', message: reason }));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One request to its service's handler; whatever goes wrong is an answer, never a crash of the server. */
async function route(handlers: Record<string, Handler>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    let service = signedService(request);
    let forwarded: IncomingMessage = request;
    if (service === undefined) {
      // An unsigned Query request names its service only in its form body: read it, then hand it on.
      const form = isFormRequest(request) ? await readBody(request) : undefined;
      service = unsignedService(request, form === undefined ? undefined : new URLSearchParams(form));
      if (form !== undefined) forwarded = replay(request, form);
    }
    const handler = Object.hasOwn(handlers, service) ? handlers[service] : undefined;
    if (handler) {
      await handler(forwarded, response);
    } else {
      await unknownService(service, forwarded, response, Object.keys(handlers));
    }
  } catch (error) {
    if (!response.headersSent) {
      response.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' });
      response.end(JSON.stringify({ __type: 'InternalFailure', message: `the local runtime failed to answer: ${String(error)}` }));
    } else {
      response.destroy();
    }
  }
}

/** A request whose body was read, as a stream again, with its method, URL and headers. */
function replay(request: IncomingMessage, body: string): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body, 'utf-8')]),
    { method: request.method, url: request.url, headers: request.headers }) as unknown as IncomingMessage;
}

/** A service the runtime does not serve: the unknown-operation error of the request's protocol. */
async function unknownService(service: string, request: IncomingMessage, response: ServerResponse, served: readonly string[]): Promise<void> {
  const message = `the local runtime does not serve the service '${service}'; it serves ${served.join(', ')}`;
  await readBody(request);
  if (request.headers['x-amz-target'] !== undefined) {
    const version = /application\/x-amz-json-(1\.[01])/.exec(String(request.headers['content-type'] ?? ''))?.[1] ?? '1.0';
    response.writeHead(400, { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-errortype': 'UnknownOperationException' });
    response.end(JSON.stringify({ __type: 'UnknownOperationException', message }));
  } else if (isFormRequest(request)) {
    response.writeHead(400, { 'content-type': 'text/xml' });
    response.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${message}</Message></Error>`
      + '<RequestId>local</RequestId></ErrorResponse>');
  } else {
    response.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' });
    response.end(JSON.stringify({ __type: 'UnknownOperationException', message }));
  }
}
