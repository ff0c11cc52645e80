import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { StepFunctionsService } from './step-functions-service';

/** The operations a pipeline's functions call, by the `X-Amz-Target` of the AWS JSON 1.0 protocol. */
const OPERATIONS: Record<string, (service: StepFunctionsService, body: any) => unknown> = {
  'AWSStepFunctions.StartExecution': (service, body) => service.startExecution(body),
  'AWSStepFunctions.DescribeExecution': (service, body) => service.describeExecution(body),
};

/** The errors the service returns as client errors (400); anything else is a 500. */
const CLIENT_ERRORS = new Set([
  'InvalidArn', 'StateMachineDoesNotExist', 'InvalidName', 'InvalidExecutionInput', 'ExecutionAlreadyExists', 'ExecutionDoesNotExist',
  'UnknownOperationException', 'SerializationException',
]);

/**
 * Dates travel as epoch seconds in the AWS JSON protocol. Only Date values are converted: a name
 * or an input that merely looks like a timestamp stays the string it is.
 */
function toWire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, function (this: Record<string, unknown>, key, item) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : item;
  }));
}

/**
 * A local Step Functions endpoint that speaks the AWS JSON 1.0 protocol, so that a function's
 * `SFNClient` reaches it through `AWS_ENDPOINT_URL_SFN` unchanged. Listens on 127.0.0.1 only.
 */
export class StepFunctionsEndpoint {
  public static async start(service: StepFunctionsService): Promise<StepFunctionsEndpoint> {
    const endpoint = new StepFunctionsEndpoint(service);
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  private readonly server: Server;

  private constructor(private readonly service: StepFunctionsService) {
    this.server = createServer((request, response) => void this.handle(request, response));
    // Functions keep connections alive between invocations.
    this.server.keepAliveTimeout = 60_000;
  }

  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    const operation = OPERATIONS[target];
    if (!operation) {
      reply(400, {
        __type: 'UnknownOperationException',
        message: 'the local Step Functions endpoint does not implement '
        + `${target || 'this request'}`,
      });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf-8') || '{}');
    } catch {
      reply(400, { __type: 'SerializationException', message: 'the request body is not JSON' });
      return;
    }
    try {
      reply(200, toWire(operation(this.service, body)));
    } catch (error) {
      const failure = error as Error;
      reply(CLIENT_ERRORS.has(failure.name) ? 400 : 500, { __type: failure.name, message: failure.message });
    }
  }
}
