import { LocalStateMachine } from '../../../src/model/pipeline-model';
import { ExecutionEngine } from '../../../src/services/stepfunctions/execution-engine';
import { RuntimeEvent, TaskIntegration, TaskRequest } from '../../../src/services/task-integration';

const ARN = 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline';
const INVOKE = 'arn:aws:states:::lambda:invoke';

function machine(definition: Record<string, any>): LocalStateMachine {
  return { logicalId: 'StateMachine', name: 'Pipeline', arn: ARN, definition };
}

function execution(name: string, input: unknown = {}) {
  return { name, arn: `arn:aws:states:eu-west-2:123456789012:execution:Pipeline:${name}`, input };
}

/** A Lambda integration that answers with what `answer` returns (or throws). */
function lambda(answer: (request: TaskRequest) => unknown): TaskIntegration & { calls: TaskRequest[] } {
  const calls: TaskRequest[] = [];
  return {
    calls,
    handles: (resource) => resource === INVOKE,
    call: async (request) => {
      calls.push(request);
      return answer(request);
    },
  };
}

let events: RuntimeEvent[];
const sink = { emit: (event: RuntimeEvent) => events.push(event) };

beforeEach(() => {
  events = [];
});

describe('Task states', () => {
  test('a Task whose Resource no integration handles fails the execution with States.TaskFailed', async () => {
    // given a definition whose only Task calls a service nothing emulates
    const engine = new ExecutionEngine(machine({
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::glue:startJobRun.sync', Parameters: { JobName: 'x' }, End: true } },
    }), [lambda(() => ({}))], { timeScale: 1, events: sink });

    // when it runs
    const outcome = await engine.run(execution('run-1'));

    // then it failed with States.TaskFailed and a cause that names the resource and the state
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('States.TaskFailed');
    expect(outcome.cause).toContain('arn:aws:states:::glue:startJobRun.sync');
    expect(outcome.cause).toContain("'Call'");
  });

  test('the unemulated Task\'s States.TaskFailed can be caught like any task failure', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Call',
      States: {
        Call: { Type: 'Task', Resource: 'arn:aws:states:::glue:startJobRun.sync', Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Handled' }], End: true },
        Handled: { Type: 'Pass', End: true },
      },
    }), [], { timeScale: 1, events: sink });
    const outcome = await engine.run(execution('run-1', { keep: 1 }));
    expect(outcome.status).toBe('SUCCEEDED');
    expect((outcome.output as any).keep).toBe(1);
    expect((outcome.output as any).error.Error).toBe('States.TaskFailed');
  });

  test('a handled Task gets its effective parameters and its execution; the result travels as JSON', async () => {
    const integration = lambda((request) => ({ Payload: { echoed: request.parameters.Payload.key }, when: new Date(0) }));
    const engine = new ExecutionEngine(machine({
      StartAt: 'Invoke',
      States: { Invoke: { Type: 'Task', Resource: INVOKE, Parameters: { 'FunctionName': 'fn', 'Payload.$': '$' }, ResultSelector: { 'r.$': '$.Payload.echoed', 'when.$': '$.when' }, End: true } },
    }), [integration], { timeScale: 1, events: sink });
    const outcome = await engine.run(execution('run-1', { key: 'in/a.csv' }));
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { r: 'in/a.csv', when: '1970-01-01T00:00:00.000Z' } });
    expect(integration.calls[0]).toEqual({ resource: INVOKE, stateName: 'Invoke', parameters: { FunctionName: 'fn', Payload: { key: 'in/a.csv' } }, execution: { name: 'run-1', arn: execution('run-1').arn }, onSubmitted: expect.any(Function) });
  });

  test('a service error keeps its name, for Retry and Catch', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Invoke',
      States: { Invoke: { Type: 'Task', Resource: INVOKE, End: true } },
    }), [lambda(() => {
      const error = new Error('Rate exceeded');
      error.name = 'Lambda.TooManyRequestsException';
      throw error;
    })], { timeScale: 1, events: sink });
    const outcome = await engine.run(execution('run-1'));
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'Lambda.TooManyRequestsException', cause: 'Rate exceeded' });
  });

  test('concurrent executions keep their own inputs', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Invoke',
      States: { Invoke: { Type: 'Task', Resource: INVOKE, Parameters: { 'n.$': '$.n' }, End: true } },
    }), [lambda(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 20 - request.parameters.n * 5));
      return { n: request.parameters.n };
    })], { timeScale: 1, events: sink });
    const outcomes = await Promise.all([0, 1, 2, 3].map((n) => engine.run(execution(`run-${n}`, { n }))));
    expect(outcomes.map((outcome) => (outcome.output as any).n)).toEqual([0, 1, 2, 3]);
  });
});

describe('waits, retries and transitions', () => {
  test('a time scale compresses Wait states, nested ones in Parallel and Map too', async () => {
    // given waits of 20 s at the top, in a Parallel branch and in a Map iterator
    const engine = new ExecutionEngine(machine({
      StartAt: 'Wait',
      States: {
        Wait: { Type: 'Wait', Seconds: 20, Next: 'Both' },
        Both: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'InnerWait', States: { InnerWait: { Type: 'Wait', Seconds: 20, End: true } } }],
          ResultPath: null,
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'ItemWait', States: { ItemWait: { Type: 'Wait', SecondsPath: '$.s', End: true } } },
          End: true,
        },
      },
    }), [], { timeScale: 0.001, events: sink });

    // when it runs with a time scale of 0.001
    const started = Date.now();
    const outcome = await engine.run(execution('run-1', { items: [{ s: 30 }, { s: 30 }] }));

    // then it took well under a second instead of more than a minute
    expect(outcome.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('every state entered counts as a transition, and so does every retry', async () => {
    // given a Task that fails twice before it succeeds, with a retrier
    let attempts = 0;
    const engine = new ExecutionEngine(machine({
      StartAt: 'First',
      States: {
        First: { Type: 'Pass', Next: 'Invoke' },
        Invoke: { Type: 'Task', Resource: INVOKE, Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2 }], Next: 'Last' },
        Last: { Type: 'Succeed' },
      },
    }), [lambda(() => {
      attempts++;
      if (attempts <= 2) {
        const error = new Error('try again');
        error.name = 'Lambda.ServiceException';
        throw error;
      }
      return {};
    })], { timeScale: 0.001, events: sink });

    // when it runs with compressed retry intervals
    const started = Date.now();
    const outcome = await engine.run(execution('run-1'));

    // then 3 states entered + 2 retries, quickly, with a state-entered event for each state
    expect(outcome.status).toBe('SUCCEEDED');
    expect(attempts).toBe(3);
    expect(outcome.transitions).toBe(5);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(outcome.stoppedAt).toBeGreaterThanOrEqual(outcome.startedAt);
    const entered = events.filter((event) => event.type === 'state-entered');
    expect(entered.map((event) => event.type === 'state-entered' && event.state)).toEqual(['First', 'Invoke', 'Last']);
    expect(entered.every((event) => event.type === 'state-entered' && event.execution === 'run-1')).toBe(true);
  });

  test('states inside Parallel branches and Map iterations count as transitions too', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Both',
      States: {
        Both: { Type: 'Parallel', Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Pass', End: true } } }], ResultPath: null, Next: 'Each' },
        Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } }, End: true },
      },
    }), [], { timeScale: 1, events: sink });
    const outcome = await engine.run(execution('run-1', { items: [1, 2] }));
    expect(outcome.transitions).toBe(5);
    expect(events.map((event) => event.type === 'state-entered' && event.state)).toEqual(['Both', 'Inner', 'Each', 'Item', 'Item']);
  });

  test('without a time scale a Wait waits as the definition says', async () => {
    const engine = new ExecutionEngine(machine({ StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 1, End: true } } }), [], { timeScale: 1, events: sink });
    const started = Date.now();
    const outcome = await engine.run(execution('run-1'));
    expect(outcome.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(outcome.transitions).toBe(1);
  });
});

describe('timeouts at the time scale (--fast)', () => {
  /** A Lambda integration that never answers, as a hung job never ends. */
  const hung = () => lambda(() => new Promise(() => undefined));
  /** A Batch job that never ends: its Task limit compresses fully (see task-timeouts.test.ts for a function's). */
  const BATCH_JOB = 'arn:aws:states:::batch:submitJob.sync';
  const hungJob = (): TaskIntegration => ({ handles: (resource) => resource === BATCH_JOB, call: () => new Promise(() => undefined) });

  test('given a Task with TimeoutSeconds 100 whose service never answers, at time scale 0.01 the execution fails States.Timeout after about 1 s', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Process',
      States: { Process: { Type: 'Task', Resource: BATCH_JOB, TimeoutSeconds: 100, End: true } },
    }), [hungJob()], { timeScale: 0.01, events: sink });
    const started = Date.now();
    const outcome = await engine.run(execution('run-1'));
    const elapsed = Date.now() - started;
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(outcome.cause).toBe("the Task state 'Process' ran longer than its TimeoutSeconds (100 s, 1 s at time scale 0.01)");
    expect(elapsed).toBeGreaterThanOrEqual(950);
    // Well under the 100 s unscaled (the bound leaves room for a busy machine)
    expect(elapsed).toBeLessThan(30_000);
  });

  test('given a Task whose HeartbeatSeconds is shorter than its TimeoutSeconds, the heartbeat (scaled) ends it, since nothing sends heartbeats', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Process',
      States: { Process: { Type: 'Task', Resource: BATCH_JOB, TimeoutSeconds: 1000, HeartbeatSeconds: 50, End: true } },
    }), [hungJob()], { timeScale: 0.01, events: sink });
    const outcome = await engine.run(execution('run-1'));
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(outcome.cause).toContain('HeartbeatSeconds (50 s, 0.5 s at time scale 0.01)');
  });

  test('a Task\'s States.Timeout is caught by a Catch on States.Timeout, as on AWS', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Process',
      States: {
        Process: { Type: 'Task', Resource: BATCH_JOB, TimeoutSeconds: 10, Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Notify' }], End: true },
        Notify: { Type: 'Pass', End: true },
      },
    }), [hungJob()], { timeScale: 0.01, events: sink });
    const outcome = await engine.run(execution('run-1'));
    expect(outcome.status).toBe('SUCCEEDED');
    expect((outcome.output as any).error.Error).toBe('States.Timeout');
  });

  test('given the execution\'s TimeoutSeconds 100 at time scale 0.01, the execution ends TIMED_OUT after about 1 s, naming the state it was in', async () => {
    const engine = new ExecutionEngine(machine({
      TimeoutSeconds: 100,
      StartAt: 'Process',
      States: { Process: { Type: 'Task', Resource: INVOKE, End: true } },
    }), [hung()], { timeScale: 0.01, events: sink });
    const started = Date.now();
    const outcome = await engine.run(execution('run-1'));
    expect(outcome).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout', state: 'Process' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('given an execution that times out while its Task\'s call never answers, no timer of the Task outlives the execution (so the process can exit)', async () => {
    // The Task's own limit (the default TimeoutSeconds, scaled) and the library's task timer: long timers.
    const long = new Set<unknown>();
    const set = jest.spyOn(global, 'setTimeout');
    const clear = jest.spyOn(global, 'clearTimeout');
    const engine = new ExecutionEngine(machine({
      TimeoutSeconds: 100,
      StartAt: 'Process',
      States: { Process: { Type: 'Task', Resource: INVOKE, End: true } },
    }), [hung()], { timeScale: 0.01, events: sink });
    try {
      const outcome = await engine.run(execution('run-1'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(outcome.status).toBe('TIMED_OUT');
      set.mock.calls.forEach(([, ms], index) => {
        if ((ms ?? 0) > 60_000) long.add(set.mock.results[index].value);
      });
      const cleared = new Set(clear.mock.calls.map(([timer]) => timer));
      expect(long.size).toBeGreaterThan(0);
      expect([...long].filter((timer) => !cleared.has(timer as NodeJS.Timeout))).toEqual([]);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  test('given executions running, abortAll ends each ABORTED in the state it was in', async () => {
    const engine = new ExecutionEngine(machine({
      StartAt: 'Prepare',
      States: { Prepare: { Type: 'Pass', Next: 'Process' }, Process: { Type: 'Task', Resource: INVOKE, End: true } },
    }), [hung()], { timeScale: 1, events: sink });
    const outcome = engine.run(execution('run-1'));
    for (let i = 0; i < 1000 && engine.executionsRunning[0]?.state !== 'Process'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(engine.executionsRunning).toEqual([{ name: 'run-1', state: 'Process' }]);
    engine.abortAll();
    expect(await outcome).toMatchObject({ status: 'ABORTED', error: 'Interrupted', state: 'Process' });
    expect(engine.executionsRunning).toEqual([]);
  });
});
