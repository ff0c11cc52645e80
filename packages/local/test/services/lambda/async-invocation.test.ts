import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REGION, Scratch } from './fixtures';
import { LocalFunction } from '../../../src/model/pipeline-model';
import { AsyncFailureRecord } from '../../../src/services/lambda/async-invocation';
import { FunctionRunner } from '../../../src/services/lambda/function-runner';

let scratch: Scratch;
let runner: FunctionRunner;
let failures: AsyncFailureRecord[];

/** A time scale under which Lambda's one and two minute retry delays take 300 and 600 ms. */
const TIME_SCALE = 0.005;

beforeEach(() => {
  scratch = new Scratch();
  failures = [];
  runner = new FunctionRunner({
    state: scratch.state,
    region: REGION,
    endpoints: {},
    events: scratch.sink,
    timeScale: TIME_SCALE,
    onAsyncFailure: (record) => failures.push(record),
  });
});

afterEach(async () => {
  await runner.stop();
  scratch.dispose();
});

/** A function that appends `<time> <request id>` to attempts.log on each attempt and fails until attempt `succeedOn` (0: never). */
interface Flaky {
  readonly fn: LocalFunction;
  readonly attempts: () => Array<{ at: number; requestId: string }>;
}

function flaky(succeedOn: number, overrides: Partial<LocalFunction> = {}): Flaky {
  const file = path.join(scratch.root, `attempts-${Math.random().toString(16).slice(2)}.log`);
  const fn = scratch.fn('flaky', `const fs = require('node:fs');
    exports.handler = async (event, context) => {
      fs.appendFileSync(${JSON.stringify(file)}, Date.now() + ' ' + context.awsRequestId + '\\n');
      const attempt = fs.readFileSync(${JSON.stringify(file)}, 'utf-8').trim().split('\\n').length;
      if (${succeedOn} === 0 || attempt < ${succeedOn}) { const e = new Error('attempt ' + attempt + ' failed'); e.name = 'StartFailed'; throw e; }
      return { attempt, event };
    };`, overrides);
  const attempts = () => readFileSync(file, 'utf-8').trim().split('\n').map((line) => {
    const [at, requestId] = line.split(' ');
    return { at: Number(at), requestId };
  });
  return { fn, attempts };
}

describe('FunctionRunner.invokeAsync: Lambda\'s asynchronous invocation', () => {
  test('answers 202 at once, then retries a failing event twice, one and then two (scaled) minutes later, with the same request id', async () => {
    // Given a function that fails twice, then succeeds
    const { fn, attempts } = flaky(3);
    // When an event is invoked asynchronously
    const accepted = runner.invokeAsync(fn, { Records: [] });
    expect(accepted.statusCode).toBe(202);
    const outcome = await accepted.completion;
    // Then the third attempt succeeded
    expect(outcome).toMatchObject({ condition: 'Success', attempts: 3 });
    expect(JSON.parse(outcome.lastResult!.payload)).toEqual({ attempt: 3, event: { Records: [] } });
    // And the attempts waited 60 s and 120 s, scaled, and kept the request id
    const seen = attempts();
    expect(seen.map((attempt) => attempt.requestId)).toEqual([accepted.requestId, accepted.requestId, accepted.requestId]);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(60_000 * TIME_SCALE);
    expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(120_000 * TIME_SCALE);
    expect(failures).toEqual([]);
    // And each retry was reported
    expect(scratch.events.filter((event) => event.type === 'log' && event.message.includes('retry'))).toHaveLength(2);
  });

  test('after the last retry, the event is given up with the record an on-failure destination would receive', async () => {
    const { fn, attempts } = flaky(0, { asyncOnFailureDestination: 'arn:aws:sqs:eu-west-1:123456789012:failed-uploads' });
    const accepted = runner.invokeAsync(fn, { n: 1 });
    const outcome = await accepted.completion;
    expect(outcome.condition).toBe('RetriesExhausted');
    expect(attempts()).toHaveLength(3);
    expect(outcome.failureRecord).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      requestContext: { requestId: accepted.requestId, functionArn: `${fn.arn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { n: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'StartFailed', errorMessage: 'attempt 3 failed', trace: expect.any(Array) },
      destination: 'arn:aws:sqs:eu-west-1:123456789012:failed-uploads',
    });
    expect(failures).toEqual([outcome.failureRecord]);
  });

  test('the EventInvokeConfig\'s MaximumRetryAttempts is honoured: 0 means one attempt', async () => {
    const { fn, attempts } = flaky(0, { asyncMaximumRetryAttempts: 0 });
    const outcome = await runner.invokeAsync(fn, {}).completion;
    expect(outcome).toMatchObject({ condition: 'RetriesExhausted', attempts: 1 });
    expect(attempts()).toHaveLength(1);
  });

  test('an event older than MaximumEventAgeInSeconds by the next retry is given up as EventAgeExceeded', async () => {
    // Given a maximum age of 60 s: the first retry, 60 s after the attempt, would be too late
    const { fn, attempts } = flaky(0, { asyncMaximumEventAgeSeconds: 60 });
    const outcome = await runner.invokeAsync(fn, {}).completion;
    expect(outcome).toMatchObject({ condition: 'EventAgeExceeded', attempts: 1, failureRecord: { requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 1 } } });
    expect(attempts()).toHaveLength(1);
  });

  test('a timeout is a function error and is retried too', async () => {
    const fn = scratch.fn('hangs', 'exports.handler = () => new Promise(() => {});', { timeoutSeconds: 1, asyncMaximumRetryAttempts: 1 });
    const outcome = await runner.invokeAsync(fn, {}).completion;
    expect(outcome).toMatchObject({ condition: 'RetriesExhausted', attempts: 2 });
    expect(JSON.parse(outcome.lastResult!.payload).errorType).toBe('Sandbox.Timedout');
  });

  test('an event over 1 MB is refused at once, as asynchronous Invoke refuses it', () => {
    const fn = scratch.fn('tiny', 'exports.handler = async () => 1;');
    expect(() => runner.invokeAsync(fn, { data: 'x'.repeat(1024 * 1024) })).toThrow(expect.objectContaining({
      name: 'Lambda.RequestTooLargeException', message: 'Request must be smaller than 1048576 bytes for the InvokeFunction operation',
    }));
  });

  test('stop ends pending retries: the event is reported as Stopped', async () => {
    const { fn } = flaky(0);
    const accepted = runner.invokeAsync(fn, {});
    // Wait for the first attempt, then stop while the retry waits
    for (let i = 0; i < 2000 && !scratch.events.some((event) => event.type === 'log' && event.message.includes('retry 1')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await runner.stop();
    expect(await accepted.completion).toMatchObject({ condition: 'Stopped', attempts: 1 });
  });
});
