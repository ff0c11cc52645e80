import { DEFAULT_TASK_TIMEOUT_SECONDS, LIBRARY_TASK_TIMEOUT_SECONDS, MIN_REAL_SPEED_TASK_LIMIT_MS, taskLimit, taskLimitMs, timedByEngine } from '../../../src/services/stepfunctions/task-timeouts';

describe('the definition the library runs', () => {
  test('a Task without TimeoutSeconds gets Step Functions\' default (99999999 s), not the library\'s 60 s, nested states included', () => {
    const definition = timedByEngine({
      TimeoutSeconds: 3600,
      StartAt: 'Each',
      States: {
        Each: { Type: 'Map', ItemProcessor: { StartAt: 'Inner', States: { Inner: { Type: 'Task', Resource: 'x', End: true } } }, Next: 'Process' },
        Process: { Type: 'Task', Resource: 'x', TimeoutSeconds: 3600, End: true },
      },
    });
    expect(definition.TimeoutSeconds).toBeUndefined();
    expect(definition.States.Process.TimeoutSeconds).toBe(LIBRARY_TASK_TIMEOUT_SECONDS);
    expect(definition.States.Each.ItemProcessor.States.Inner.TimeoutSeconds).toBe(LIBRARY_TASK_TIMEOUT_SECONDS);
  });

  test('a Task timed by TimeoutSecondsPath stays the library\'s', () => {
    const state = { Type: 'Task', Resource: 'x', TimeoutSecondsPath: '$.t', End: true };
    expect(timedByEngine({ StartAt: 'T', States: { T: state } }).States.T).toEqual(state);
    expect(taskLimit(state)).toBeUndefined();
  });

  test('a Task\'s limit is its TimeoutSeconds, or its HeartbeatSeconds when shorter, or the default', () => {
    expect(taskLimit({ TimeoutSeconds: 3600 })).toEqual({ seconds: 3600, field: 'TimeoutSeconds' });
    expect(taskLimit({ TimeoutSeconds: 3600, HeartbeatSeconds: 60 })).toEqual({ seconds: 60, field: 'HeartbeatSeconds' });
    expect(taskLimit({})).toEqual({ seconds: DEFAULT_TASK_TIMEOUT_SECONDS, field: 'TimeoutSeconds' });
  });
});

describe('a Task\'s limit at the time scale (--fast)', () => {
  test('a Batch job\'s limit compresses fully: its attempts and queue follow the time scale too', () => {
    expect(taskLimitMs('arn:aws:states:::batch:submitJob.sync', 3600, 0.01)).toBe(36_000);
    expect(taskLimitMs('arn:aws:states:::batch:submitJob.sync', 60, 0.01)).toBe(600);
  });

  test('a function or SDK call runs at real speed: its 60 s limit is not compressed below 30 s, so a busy machine does not time it out', () => {
    expect(MIN_REAL_SPEED_TASK_LIMIT_MS).toBe(30_000);
    expect(taskLimitMs('arn:aws:states:::lambda:invoke', 60, 0.01)).toBe(30_000);
    expect(taskLimitMs('arn:aws:states:::aws-sdk:datasync:startTaskExecution', 60, 0.01)).toBe(30_000);
    expect(taskLimitMs('arn:aws:states:::sns:publish', 60, 0.01)).toBe(30_000);
  });

  test('a limit shorter than 30 s stays as the definition gives it, and a long one still compresses', () => {
    expect(taskLimitMs('arn:aws:states:::lambda:invoke', 10, 0.01)).toBe(10_000);
    expect(taskLimitMs('arn:aws:states:::lambda:invoke', 36_000, 0.01)).toBe(360_000);
  });

  test('at time scale 1 every limit is the definition\'s', () => {
    expect(taskLimitMs('arn:aws:states:::lambda:invoke', 60, 1)).toBe(60_000);
    expect(taskLimitMs('arn:aws:states:::batch:submitJob.sync', 60, 1)).toBe(60_000);
  });
});
