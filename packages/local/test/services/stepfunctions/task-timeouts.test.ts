import { DEFAULT_TASK_TIMEOUT_SECONDS, LIBRARY_TASK_TIMEOUT_SECONDS, taskLimit, timedByEngine } from '../../../src/services/stepfunctions/task-timeouts';

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
