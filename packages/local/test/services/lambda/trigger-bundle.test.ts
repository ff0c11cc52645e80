import { existsSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ACCOUNT, REGION, Scratch } from './fixtures';
import { LocalFunction } from '../../../src/model/pipeline-model';
import { FunctionRunner } from '../../../src/services/lambda/function-runner';

/** The real bundled trigger function of the orchestration package. */
const TRIGGER_BUNDLE = path.resolve(__dirname, '..', '..', '..', '..', 'orchestration', 'assets', 'trigger', 'start-run.lambda');
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Pipeline`;

interface StartExecutionCall {
  readonly target: string;
  readonly authorization: string;
  readonly body: { stateMachineArn: string; name: string; input: string };
}

/** A stand-in Step Functions endpoint: answers StartExecution from a list of canned replies, records every call. */
class FakeStepFunctions {
  public readonly calls: StartExecutionCall[] = [];
  private server?: Server;

  public constructor(private readonly replies: Array<{ status: number; body: unknown }>) {}

  public get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  public async start(): Promise<void> {
    this.server = createServer((request: IncomingMessage, response) => {
      let text = '';
      request.on('data', (chunk) => text += chunk);
      request.on('end', () => {
        const body = JSON.parse(text);
        this.calls.push({ target: String(request.headers['x-amz-target']), authorization: String(request.headers.authorization), body });
        const reply = this.replies[Math.min(this.calls.length - 1, this.replies.length - 1)];
        response.writeHead(reply.status, { 'Content-Type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let scratch: Scratch;
let runner: FunctionRunner | undefined;
let sfn: FakeStepFunctions | undefined;

beforeEach(() => {
  scratch = new Scratch();
});

afterEach(async () => {
  await runner?.stop();
  await sfn?.stop();
  scratch.dispose();
});

function triggerFunction(): LocalFunction {
  return {
    logicalId: 'StartRunFunction',
    name: 'Test-StartRunFunction-XYZ',
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Test-StartRunFunction-XYZ`,
    codeDirectory: TRIGGER_BUNDLE,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    environment: { STATE_MACHINE_ARN, WATCH_PREFIX: 'uploads/', WATCH_SUFFIXES: '[]', ZERO_BYTE_OBJECTS: 'SKIP' },
    timeoutSeconds: 30,
    memoryMiB: 256,
    mounts: [],
  };
}

function s3Event(key: string, size: number): unknown {
  return {
    Records: [{
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: REGION,
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'upload-bucket' }, object: { key, size, sequencer: '0065A1B2C3D4E5F600' } },
    }],
  };
}

// The real bundle is the orchestration package's asset: Nx bundles it before this package's build
// (packages/local's package.json), so in CI it is always there; a missing one fails, never skips.
beforeAll(() => {
  if (!existsSync(path.join(TRIGGER_BUNDLE, 'index.js'))) {
    throw new Error(`the orchestration bundle ${TRIGGER_BUNDLE} is missing: run \`npx projen bundle\` in packages/orchestration`);
  }
});
const describeWithBundle = describe;

describeWithBundle('the real bundled trigger function, invoked asynchronously as S3 invokes it', () => {
  test('its SDK call reaches the Step Functions endpoint of AWS_ENDPOINT_URL_SFN; a failed start is retried by Lambda and then succeeds', async () => {
    // Given a Step Functions endpoint that refuses the first StartExecution and accepts the second
    sfn = new FakeStepFunctions([
      { status: 400, body: { __type: 'com.amazonaws.swf.service.v2.model#InvalidExecutionInput', message: 'not now' } },
      { status: 200, body: { executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:run`, startDate: 1_780_000_000 } },
    ]);
    await sfn.start();
    runner = new FunctionRunner({
      state: scratch.state, region: REGION, endpoints: { stepFunctions: sfn.url }, events: scratch.sink, timeScale: 0.001,
    });
    // When an upload's event is delivered asynchronously
    const accepted = runner.invokeAsync(triggerFunction(), s3Event('uploads/my+report%C3%A9.csv', 8), { logKey: 'upload-1' });
    const outcome = await accepted.completion;
    // Then the first attempt failed, Lambda retried, and the second started the run
    expect(outcome).toMatchObject({ condition: 'Success', attempts: 2 });
    expect(JSON.parse(outcome.lastResult!.payload)).toEqual({ started: 1, duplicates: 0, skipped: 0, malformed: 0, notified: 0 });
    expect(sfn.calls).toHaveLength(2);
    expect(sfn.calls[1].target).toBe('AWSStepFunctions.StartExecution');
    expect(sfn.calls[1].authorization).toContain('Credential=AKIDLOCALRUNTIME/');
    expect(sfn.calls[1].body.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(JSON.parse(sfn.calls[1].body.input)).toMatchObject({ bucket: 'upload-bucket', key: 'uploads/my reporté.csv', relativeKey: 'my reporté.csv', size: 8 });
    // And both attempts are in the upload's log file
    const log = readFileSync(scratch.state.logFile(triggerFunction().name, 'upload-1'), 'utf-8');
    expect(log.match(/^START RequestId: /gm)).toHaveLength(2);
    expect(log).toContain('"outcome":"start-failed"');
    expect(log).toContain('"outcome":"started"');
  });
});
