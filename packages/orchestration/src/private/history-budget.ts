/**
 * The worst-case number of execution history events of a run, counted the
 * way Step Functions writes them, so that a configuration that could reach
 * the hard limit of a Standard execution is refused at synth time instead of
 * failing a run after hours.
 *
 * Events per state (Step Functions execution history event types):
 * - every state: `<Type>StateEntered` and `<Type>StateExited`;
 * - a Task: `TaskScheduled`, `TaskStarted`, `TaskSucceeded` or `TaskFailed` per attempt
 *   (`LambdaFunction...` for Lambda; the same three);
 * - a `.sync` Task: one more, `TaskSubmitted`;
 * - the execution: `ExecutionStarted` and one closing event.
 */
export const MAX_HISTORY_EVENTS = 25_000;

const STATE_EVENTS = 2;
const ATTEMPT_EVENTS = 3;
const EXECUTION_EVENTS = 2;

/** Events of one pass through a Task state that retries `retries` times before it succeeds or fails for good. */
export function taskEvents(retries: number, options: { readonly sync?: boolean } = {}): number {
  return STATE_EVENTS + (retries + 1) * ATTEMPT_EVENTS + (options.sync ? 1 : 0);
}

/** Events of one pass through a Pass, Choice, Wait, Succeed or Fail state. */
export function flowEvents(states = 1): number {
  return states * STATE_EVENTS;
}

/** One part of a run's worst case, named after what configures it. */
export interface HistoryPart {
  /** What the part is, such as 'stage in (DataSync)'. */
  readonly step: string;
  /** Worst-case history events of the part. */
  readonly events: number;
  /** What to change to lower it, such as "lower 'stageInTimeout' or raise 'maxPollInterval'". */
  readonly remedy: string;
}

/** The worst case of a path through the state machine: its parts and the execution's own events. */
export function totalEvents(parts: HistoryPart[]): number {
  return EXECUTION_EVENTS + parts.reduce((sum, part) => sum + part.events, 0);
}

/**
 * Throws when the worst case passes the limit, naming the part that costs most
 * and what to change.
 */
export function assertWithinHistoryLimit(who: string, path: string, parts: HistoryPart[]): void {
  const total = totalEvents(parts);
  if (total <= MAX_HISTORY_EVENTS) {
    return;
  }
  const largest = [...parts].sort((a, b) => b.events - a.events)[0];
  throw new Error(`${who}: a run ${path} could write up to ${total.toLocaleString('en-US')} execution history events, `
    + `more than the ${MAX_HISTORY_EVENTS.toLocaleString('en-US')} a Standard execution may have; `
    + `${largest.step} alone could write ${largest.events.toLocaleString('en-US')}; `
    + `allowed: at most ${MAX_HISTORY_EVENTS.toLocaleString('en-US')}: ${largest.remedy}`);
}
