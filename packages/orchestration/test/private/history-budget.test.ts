import {
  assertWithinHistoryLimit, flowEvents, HistoryPart, MAX_HISTORY_EVENTS, taskEvents, totalEvents,
} from '../../src/private/history-budget';

describe('history budget', () => {
  test('a Task that succeeds at once writes its two state events and one attempt (scheduled, started, succeeded)', () => {
    expect(taskEvents(0)).toBe(2 + 3);
  });

  test('each retry of a Task adds one attempt of three events, and a .sync Task one more event (TaskSubmitted)', () => {
    expect(taskEvents(6)).toBe(2 + 7 * 3);
    expect(taskEvents(0, { sync: true })).toBe(taskEvents(0) + 1);
  });

  test('a Pass, Choice, Wait, Succeed or Fail state writes entered and exited, per state', () => {
    expect(flowEvents()).toBe(2);
    expect(flowEvents(3)).toBe(6);
  });

  test('a run\'s total is its parts plus the execution\'s own started and closing events', () => {
    const parts: HistoryPart[] = [
      { step: 'a', events: 10, remedy: 'x' },
      { step: 'b', events: 32, remedy: 'y' },
    ];
    expect(totalEvents(parts)).toBe(44);
    expect(totalEvents([])).toBe(2);
  });

  test('given parts that reach exactly the limit, the configuration is accepted', () => {
    const parts = [{ step: 'stage in', events: MAX_HISTORY_EVENTS - 2, remedy: 'lower it' }];
    expect(() => assertWithinHistoryLimit("PipelineStateMachine 'Workflow'", '', parts)).not.toThrow();
  });

  test('given parts one event over the limit, the error names the construct, the total, the costliest part and its remedy', () => {
    const parts: HistoryPart[] = [
      { step: 'process', events: 100, remedy: 'it is fixed' },
      { step: 'stage in (DataSync, 8000 status checks)', events: MAX_HISTORY_EVENTS - 101, remedy: "lower 'stageInTimeout' or raise 'maxPollInterval'" },
    ];
    expect(() => assertWithinHistoryLimit("PipelineStateMachine 'Workflow'", 'that stages through DataSync', parts)).toThrow(
      "PipelineStateMachine 'Workflow': a run that stages through DataSync could write up to 25,001 execution history events, "
      + 'more than the 25,000 a Standard execution may have; stage in (DataSync, 8000 status checks) alone could write 24,899; '
      + "allowed: at most 25,000: lower 'stageInTimeout' or raise 'maxPollInterval'",
    );
  });

  test('when it names the costliest part, it does not reorder the parts it was given', () => {
    const parts: HistoryPart[] = [
      { step: 'small', events: 1, remedy: 'a' },
      { step: 'large', events: MAX_HISTORY_EVENTS, remedy: 'b' },
    ];
    expect(() => assertWithinHistoryLimit('X', '', parts)).toThrow(/large alone could write 25,000/);
    expect(parts.map((part) => part.step)).toEqual(['small', 'large']);
  });
});
