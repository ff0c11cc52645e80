import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { SnsTopics } from './sns-emulator';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * The Query error code and HTTP status of each error the topics throw, from SNS's API model
 * (`awsQueryError`): the SDK maps the code back to its exception class.
 */
const QUERY_ERRORS: Record<string, { readonly code: string; readonly status: number }> = {
  'SNS.InvalidParameterException': { code: 'InvalidParameter', status: 400 },
  'SNS.NotFoundException': { code: 'NotFound', status: 404 },
  'SNS.KMSAccessDeniedException': { code: 'KMSAccessDenied', status: 400 },
};

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * Publish's members from a Query request body: `MessageAttributes.entry.N.Name` and
 * `MessageAttributes.entry.N.Value.{DataType,StringValue,BinaryValue}` become the map Publish
 * takes (a binary value arrives base64-encoded, as the integration passes it).
 */
export function publishParameters(form: URLSearchParams): Record<string, any> {
  const parameters: Record<string, any> = {};
  const entries = new Map<string, Record<string, string>>();
  for (const [name, value] of form) {
    const entry = /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/.exec(name);
    if (entry) {
      const fields = entries.get(entry[1]) ?? {};
      fields[entry[2]] = value;
      entries.set(entry[1], fields);
    } else if (!name.startsWith('MessageAttributes.')) {
      parameters[name] = value;
    }
  }
  if (entries.size > 0) {
    const attributes: Record<string, Record<string, string>> = {};
    for (const fields of entries.values()) {
      attributes[fields.Name ?? ''] = {
        DataType: fields['Value.DataType'],
        ...(fields['Value.StringValue'] !== undefined ? { StringValue: fields['Value.StringValue'] } : {}),
        ...(fields['Value.BinaryValue'] !== undefined ? { BinaryValue: fields['Value.BinaryValue'] } : {}),
      };
    }
    parameters.MessageAttributes = attributes;
  }
  return parameters;
}

/**
 * A local Amazon SNS endpoint that speaks the AWS Query protocol (form-encoded requests, XML
 * responses and errors as SNS returns them), so that a function's `SNSClient` reaches it through
 * `AWS_ENDPOINT_URL_SNS` unchanged. It implements `Publish` to the pipeline's topics, with the
 * rules of `checkPublish`, into the same `notifications/<topic>.jsonl` the state machine's
 * publishes go to. `handle` serves one request, for a server that routes several services.
 * Listens on 127.0.0.1 only.
 */
export class SnsEndpoint {
  public static async start(topics: SnsTopics): Promise<SnsEndpoint> {
    const endpoint = new SnsEndpoint(topics);
    const server = createServer((request, response) => void endpoint.handle(request, response));
    // Functions keep connections alive between invocations.
    server.keepAliveTimeout = 60_000;
    endpoint.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  private server?: Server;

  public constructor(private readonly topics: SnsTopics) {}

  public get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers one SNS Query request. */
  public async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const requestId = randomUUID();
    const reply = (status: number, xml: string) => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      response.end(xml);
    };
    const fail = (status: number, code: string, message: string) => reply(status,
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code>`
      + `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf-8'));
    const action = form.get('Action');
    if (request.method !== 'POST' || action !== 'Publish') {
      fail(400, 'InvalidAction', `the local SNS endpoint does not implement ${action ?? 'this request'}; it answers Publish`);
      return;
    }
    try {
      const messageId = this.topics.publish(publishParameters(form), { execution: 'function', state: 'Publish' });
      reply(200, `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>`
        + `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`);
    } catch (error) {
      const failure = error as Error;
      const known = QUERY_ERRORS[failure.name];
      fail(known?.status ?? 500, known?.code ?? 'InternalError', failure.message);
    }
  }
}
