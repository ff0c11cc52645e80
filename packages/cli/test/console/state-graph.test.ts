import { HistoryEvent } from '@aws-sdk/client-sfn';
import { graphOf, notificationsOf, runPathOf } from '../../src/console/state-graph';

const DEFINITION = {
  StartAt: 'Check',
  States: {
    'Check': { Type: 'Choice', Choices: [{ Variable: '$.size', NumericLessThanEquals: 10, Next: 'Process' }, { Variable: '$.size', NumericLessThan: 5, Next: 'Process' }], Default: 'Too big' },
    'Process': { Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob.sync', Next: 'Done', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Notify' }] },
    'Notify': { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Parameters: { 'TopicArn': 'arn:aws:sns:eu-west-2:1:topic', 'Subject.$': '$.notice.subject', 'Message.$': '$.notice.message' }, Next: 'Failed' },
    'Too big': { Type: 'Fail' },
    'Failed': { Type: 'Fail' },
    'Done': { Type: 'Succeed' },
  },
};

let clock = 0;
let id = 0;
/** A history event, a second after the one before. */
function event(type: string, details: Partial<HistoryEvent> = {}): HistoryEvent {
  clock += 1_000;
  id += 1;
  return { id, type: type as HistoryEvent['type'], timestamp: new Date(clock), ...details };
}
const entered = (type: string, name: string, input: unknown = {}) => event(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
const exited = (type: string, name: string) => event(`${type}StateExited`, { stateExitedEventDetails: { name } });

beforeEach(() => {
  clock = 0;
  id = 0;
});

describe('graphOf', () => {
  test('given a definition, then each state is a node and each Next, choice, Default and Catch one edge (two choices to one state: one edge)', () => {
    const graph = graphOf(DEFINITION);

    expect(graph.startAt).toBe('Check');
    expect(graph.nodes.map((node) => node.id)).toEqual(['Check', 'Process', 'Notify', 'Too big', 'Failed', 'Done']);
    expect(graph.nodes.find((node) => node.id === 'Process')?.resource).toBe('batch:submitJob.sync');
    expect(graph.edges).toEqual([
      { from: 'Check', to: 'Process', kind: 'choice' },
      { from: 'Check', to: 'Too big', kind: 'default' },
      { from: 'Process', to: 'Done', kind: 'next' },
      { from: 'Process', to: 'Notify', kind: 'catch' },
      { from: 'Notify', to: 'Failed', kind: 'next' },
    ]);
  });
});

describe('runPathOf', () => {
  test('given a run whose task failed and was caught (AWS: TaskFailed, then the state exits), then that state is caught, the Fail state failed, and the path is in order', () => {
    const events = [
      event('ExecutionStarted'), entered('Choice', 'Check'), exited('Choice', 'Check'),
      entered('Task', 'Process'), event('TaskScheduled'), event('TaskStarted'), event('TaskFailed'), exited('Task', 'Process'),
      entered('Task', 'Notify'), event('TaskScheduled'), event('TaskSucceeded'), exited('Task', 'Notify'),
      entered('Fail', 'Failed'), event('ExecutionFailed'),
    ];

    const path = runPathOf(events);

    expect(path.states.Check).toEqual({ outcome: 'succeeded', entered: 1, durationMs: 1_000 });
    expect(path.states.Process).toEqual({ outcome: 'caught', entered: 1, durationMs: 4_000 });
    expect(path.states.Notify.outcome).toBe('succeeded');
    expect(path.states.Failed.outcome).toBe('failed');
    expect(path.states.Done).toBeUndefined();
    expect(path.transitions).toEqual([{ from: 'Check', to: 'Process' }, { from: 'Process', to: 'Notify' }, { from: 'Notify', to: 'Failed' }]);
  });

  test('given a caught task whose history has a stray TaskSucceeded after its TaskFailed (no new attempt), then the state is still caught', () => {
    const events = [entered('Task', 'Process'), event('TaskScheduled'), event('TaskFailed'), event('TaskSucceeded'), exited('Task', 'Process'), entered('Task', 'Notify')];

    expect(runPathOf(events).states.Process.outcome).toBe('caught');
  });

  test('given a task that failed, was retried and then succeeded, then it succeeded', () => {
    const events = [entered('Task', 'Process'), event('TaskScheduled'), event('TaskFailed'), event('TaskScheduled'), event('TaskSucceeded'), exited('Task', 'Process'), entered('Succeed', 'Done'), event('ExecutionSucceeded')];

    const path = runPathOf(events);

    expect(path.states.Process.outcome).toBe('succeeded');
    expect(path.states.Done.outcome).toBe('succeeded');
  });

  test('given a running run, then its open state is running, with the time since it was entered', () => {
    const events = [entered('Choice', 'Check'), exited('Choice', 'Check'), entered('Task', 'Process'), event('TaskScheduled')];

    const path = runPathOf(events, 10_000);

    expect(path.states.Process).toEqual({ outcome: 'running', entered: 1, durationMs: 7_000 });
  });

  test('given a run stopped in a task (ExecutionAborted), then that state failed', () => {
    const events = [entered('Task', 'Process'), event('TaskScheduled'), event('ExecutionAborted')];

    expect(runPathOf(events).states.Process.outcome).toBe('failed');
  });

  test('given a state entered again by a loop, then its entries and durations add up and the transition is listed once', () => {
    const events = [entered('Pass', 'A'), exited('Pass', 'A'), entered('Pass', 'B'), exited('Pass', 'B'), entered('Pass', 'A'), exited('Pass', 'A'), entered('Pass', 'B')];

    const path = runPathOf(events, 20_000);

    expect(path.states.A).toEqual({ outcome: 'succeeded', entered: 2, durationMs: 2_000 });
    expect(path.transitions).toEqual([{ from: 'A', to: 'B' }, { from: 'B', to: 'A' }]);
  });
});

describe('notificationsOf', () => {
  test('given AWS\'s history (the Publish task\'s parameters resolved), then the message and subject are those', () => {
    const events = [
      entered('Task', 'Notify'),
      event('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'sns', resource: 'publish', region: 'eu-west-2', parameters: JSON.stringify({ TopicArn: 'arn:topic', Subject: 'run failed', Message: '{"runId":"r1"}' }) } }),
      event('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sns', resource: 'publish' } }),
    ];

    expect(notificationsOf(events, DEFINITION)).toEqual([{ state: 'Notify', topicArn: 'arn:topic', subject: 'run failed', message: '{"runId":"r1"}', published: true }]);
  });

  test('given the local runtime\'s history (the state\'s input as parameters), then the definition\'s Parameters are applied to the input', () => {
    const input = { runId: 'r1', notice: { subject: 'run r1 failed', message: 'run r1 failed in Process' } };
    const events = [
      entered('Task', 'Notify', input),
      event('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'sns', resource: 'publish', region: 'eu-west-2', parameters: JSON.stringify(input) } }),
    ];

    expect(notificationsOf(events, DEFINITION)).toEqual([{ state: 'Notify', topicArn: 'arn:aws:sns:eu-west-2:1:topic', subject: 'run r1 failed', message: 'run r1 failed in Process', published: false }]);
  });

  test('given a run that published nothing, then there is no notification', () => {
    expect(notificationsOf([entered('Task', 'Process'), event('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', region: 'eu-west-2', parameters: '{}' } })], DEFINITION)).toEqual([]);
  });
});
