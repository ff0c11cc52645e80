import {
  DescribeExecutionCommand, ExecutionAlreadyExists, InvalidArn, InvalidExecutionInput, InvalidName,
  SFNClient, StartExecutionCommand, StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { LocalStateMachine } from '../../../src/model/pipeline-model';
import { ExecutionEngine, ExecutionOutcome, ExecutionRequest } from '../../../src/services/stepfunctions/execution-engine';
import { StepFunctionsEndpoint } from '../../../src/services/stepfunctions/step-functions-endpoint';
import { StepFunctionsService } from '../../../src/services/stepfunctions/step-functions-service';

const MACHINE: LocalStateMachine = {
  logicalId: 'StateMachine',
  name: 'Pipeline',
  arn: 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline',
  definition: { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
};

/** An engine whose executions end when the test says so. */
class ControlledEngine {
  public readonly requests: ExecutionRequest[] = [];
  private readonly finishers = new Map<string, (outcome: ExecutionOutcome) => void>();

  public run(request: ExecutionRequest): Promise<ExecutionOutcome> {
    this.requests.push(request);
    return new Promise((resolve) => this.finishers.set(request.name, resolve));
  }

  public finish(name: string, outcome: Partial<ExecutionOutcome> = {}): void {
    this.finishers.get(name)!({ status: 'SUCCEEDED', output: { done: true }, transitions: 1, startedAt: Date.now(), stoppedAt: Date.now(), ...outcome });
  }
}

let engine: ControlledEngine;
let service: StepFunctionsService;
let endpoint: StepFunctionsEndpoint;
let client: SFNClient;

beforeEach(async () => {
  engine = new ControlledEngine();
  service = new StepFunctionsService(MACHINE, engine as unknown as ExecutionEngine);
  endpoint = await StepFunctionsEndpoint.start(service);
  client = new SFNClient({ endpoint: endpoint.url, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await endpoint.stop();
});

function start(input: { name?: string; input?: string; stateMachineArn?: string }) {
  return client.send(new StartExecutionCommand({ stateMachineArn: MACHINE.arn, ...input }));
}

async function refusal(promise: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { name: string };
  }
  throw new Error('expected the call to be refused');
}

describe('StartExecution through @aws-sdk/client-sfn', () => {
  test('starts an execution and answers its ARN and start date', async () => {
    // when the SDK starts an execution
    const response = await start({ name: 'run-1', input: '{"bucket":"b","key":"k"}' });

    // then the ARN is the state machine's execution ARN, the engine got the parsed input
    expect(response.executionArn).toBe('arn:aws:states:eu-west-2:123456789012:execution:Pipeline:run-1');
    expect(response.startDate).toBeInstanceOf(Date);
    expect(Math.abs(response.startDate!.getTime() - Date.now())).toBeLessThan(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    // The engine also gets the execution's event listener and stop signal (history, StopExecution).
    expect(engine.requests).toEqual([expect.objectContaining({ name: 'run-1', arn: response.executionArn, input: { bucket: 'b', key: 'k' } })]);
  });

  test('an execution without a name gets one, and without input gets {}', async () => {
    const response = await start({});
    const execution = [...service.executions.values()][0];
    expect(response.executionArn).toBe(execution.arn);
    expect(execution.input).toBe('{}');
  });

  test.each(['has space', 'slash/name', 'colon:name', 'x'.repeat(81), 'brace{', 'star*', 'tab\tname', 'dollar$'])('a name such as %j is refused with InvalidName', async (name) => {
    const error = await refusal(start({ name }));
    expect(error).toBeInstanceOf(InvalidName);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  test('a name of 80 allowed characters is accepted', async () => {
    await expect(start({ name: `${'a'.repeat(40)}_-.${'b'.repeat(37)}` })).resolves.toBeDefined();
  });

  test('an unknown state machine is StateMachineDoesNotExist, a malformed ARN InvalidArn', async () => {
    const missing = await refusal(start({ stateMachineArn: 'arn:aws:states:eu-west-2:123456789012:stateMachine:Other', name: 'a' }));
    expect(missing).toBeInstanceOf(StateMachineDoesNotExist);
    const qualified = await refusal(start({ stateMachineArn: `${MACHINE.arn}:7`, name: 'a' }));
    expect(qualified).toBeInstanceOf(StateMachineDoesNotExist);
    const malformed = await refusal(start({ stateMachineArn: 'not-an-arn', name: 'a' }));
    expect(malformed).toBeInstanceOf(InvalidArn);
  });

  test('the same name with the same input while it runs returns the same execution (idempotent)', async () => {
    const first = await start({ name: 'run-1', input: '{"a":1}' });
    const again = await start({ name: 'run-1', input: '{"a":1}' });
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(service.executions.size).toBe(1);
  });

  test('the same name with a different input is ExecutionAlreadyExists', async () => {
    await start({ name: 'run-1', input: '{"a":1}' });
    const error = await refusal(start({ name: 'run-1', input: '{"a":2}' }));
    expect(error).toBeInstanceOf(ExecutionAlreadyExists);
    expect(error.message).toBe("Execution Already Exists: 'arn:aws:states:eu-west-2:123456789012:execution:Pipeline:run-1'");
  });

  test('the same name and input after the execution closed is ExecutionAlreadyExists', async () => {
    await start({ name: 'run-1', input: '{"a":1}' });
    await new Promise((resolve) => setImmediate(resolve));
    engine.finish('run-1');
    await service.executions.get('run-1')!.outcome;
    expect(await refusal(start({ name: 'run-1', input: '{"a":1}' }))).toBeInstanceOf(ExecutionAlreadyExists);
  });

  test('an input that is not JSON is InvalidExecutionInput', async () => {
    expect(await refusal(start({ name: 'run-1', input: '{not json' }))).toBeInstanceOf(InvalidExecutionInput);
  });

  test('an input over 256 KiB of UTF-8 is InvalidExecutionInput; exactly 256 KiB is accepted', async () => {
    const json = (bytes: number) => JSON.stringify({ data: 'x'.repeat(bytes - '{"data":""}'.length) });
    expect(Buffer.byteLength(json(256 * 1024))).toBe(256 * 1024);
    await expect(start({ name: 'at-limit', input: json(256 * 1024) })).resolves.toBeDefined();
    expect(await refusal(start({ name: 'over-limit', input: json(256 * 1024 + 1) }))).toBeInstanceOf(InvalidExecutionInput);
    // multi-byte characters count as the bytes they take
    const wide = JSON.stringify({ data: 'é'.repeat(128 * 1024) });
    expect(await refusal(start({ name: 'wide', input: wide }))).toBeInstanceOf(InvalidExecutionInput);
  });
});

describe('DescribeExecution through @aws-sdk/client-sfn', () => {
  test('describes a running execution, then its output and stop date once it succeeded', async () => {
    const { executionArn } = await start({ name: 'run-1', input: '{"a":1}' });
    const running = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(running).toMatchObject({ executionArn, stateMachineArn: MACHINE.arn, name: 'run-1', status: 'RUNNING', input: '{"a":1}' });
    expect(running.stopDate).toBeUndefined();

    await new Promise((resolve) => setImmediate(resolve));
    engine.finish('run-1', { output: { report: 's3://r/k' } });
    await service.executions.get('run-1')!.outcome;
    const done = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toBe('{"report":"s3://r/k"}');
    expect(done.stopDate).toBeInstanceOf(Date);
  });

  test('a failed execution reports its error and cause', async () => {
    const { executionArn } = await start({ name: 'run-1' });
    await new Promise((resolve) => setImmediate(resolve));
    engine.finish('run-1', { status: 'FAILED', output: undefined, error: 'States.TaskFailed', cause: 'boom' });
    await service.executions.get('run-1')!.outcome;
    const done = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed', cause: 'boom' });
    expect(done.output).toBeUndefined();
  });

  test('a name and an input that look like timestamps come back as they were sent', async () => {
    // given an execution named like a date, with a JSON string input that is a timestamp
    const { executionArn } = await start({ name: '2026-12-01T10-00-00Z', input: '"2026-12-01T10:00:00Z"' });
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.name).toBe('2026-12-01T10-00-00Z');
    expect(described.input).toBe('"2026-12-01T10:00:00Z"');
  });

  test('an unknown execution is ExecutionDoesNotExist', async () => {
    const error = await refusal(client.send(new DescribeExecutionCommand({ executionArn: `${MACHINE.arn.replace(':stateMachine:', ':execution:')}:nope` })));
    expect(error.name).toBe('ExecutionDoesNotExist');
  });
});

describe('the endpoint', () => {
  test('an operation it does not implement is refused with UnknownOperationException', async () => {
    const response = await fetch(endpoint.url, { method: 'POST', headers: { 'x-amz-target': 'AWSStepFunctions.StopExecution', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  test('a body that is not JSON is a SerializationException', async () => {
    const response = await fetch(endpoint.url, { method: 'POST', headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution' }, body: '{' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('SerializationException');
  });
});
