/**
 * Task and execution timeouts at the time scale. aws-local-stepfunctions times a Task with its
 * `TimeoutSeconds` unscaled (and 60 s when it has none), ignores `HeartbeatSeconds`, and times the
 * execution's `TimeoutSeconds` unscaled: the engine times them itself instead, so that `--fast`
 * compresses them as it compresses waits.
 */

/** A Task's TimeoutSeconds when the definition gives none: Step Functions' default, 99999999 s. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;

/**
 * What the library is given for every Task the engine times, so that its timer never fires first:
 * the longest a Node.js timer waits (2^31 - 1 ms, about 24.8 days; a longer one fires at once).
 */
export const LIBRARY_TASK_TIMEOUT_SECONDS = 2_147_483;

/** The longest delay a Node.js timer takes; beyond it the timer is not set (it would not fire for weeks). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fire` after `ms`, unless `ms` is beyond what a timer can wait (then never). */
export function timerOf(ms: number, fire: () => void): NodeJS.Timeout | undefined {
  return ms <= MAX_TIMER_MS ? setTimeout(fire, ms) : undefined;
}

/** How long a Task may run before it fails with States.Timeout, and the field that says so. */
export interface TaskLimit {
  readonly seconds: number;
  readonly field: 'TimeoutSeconds' | 'HeartbeatSeconds';
}

/**
 * The definition as the library runs it: the execution's TimeoutSeconds goes, and each Task whose
 * timeout is a number gets the longest a timer waits. A `TimeoutSecondsPath` (read from the input) stays the
 * library's, unscaled.
 */
export function timedByEngine(definition: Record<string, any>, top = true): Record<string, any> {
  const { TimeoutSeconds: _timeout, ...rest } = definition;
  const states = Object.fromEntries(Object.entries<Record<string, any>>(definition.States ?? {}).map(([name, state]) => {
    let next = state;
    if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined) next = { ...next, TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS };
    if (next.Iterator) next = { ...next, Iterator: timedByEngine(next.Iterator, false) };
    if (next.ItemProcessor) next = { ...next, ItemProcessor: timedByEngine(next.ItemProcessor, false) };
    if (next.Branches) next = { ...next, Branches: next.Branches.map((branch: Record<string, any>) => timedByEngine(branch, false)) };
    return [name, next];
  }));
  return { ...(top ? rest : definition), States: states };
}

/**
 * A Task's limit: its TimeoutSeconds (Step Functions' default when none), or its HeartbeatSeconds
 * when shorter, since nothing sends heartbeats locally (on AWS SendTaskHeartbeat resets the
 * heartbeat clock of a job-run or callback Task; without one the Task times out). Undefined for a
 * Task timed by a path.
 */
export function taskLimit(state: Record<string, any>): TaskLimit | undefined {
  if (state.TimeoutSecondsPath !== undefined) return undefined;
  const timeout = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : DEFAULT_TASK_TIMEOUT_SECONDS;
  if (typeof state.HeartbeatSeconds === 'number'
    && state.HeartbeatSeconds < timeout) return { seconds: state.HeartbeatSeconds, field: 'HeartbeatSeconds' };
  return { seconds: timeout, field: 'TimeoutSeconds' };
}

/** The call's answer, or a States.Timeout error after `ms` (the call itself goes on, as a service's work does). */
export async function timed<T>(call: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = timerOf(ms, () => {
      const error = new Error(message);
      error.name = 'States.Timeout';
      reject(error);
    });
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The shortest real time a compressed Task limit gets when the Task's work is not emulated at the
 * time scale: functions and service API calls run at the machine's real speed, so a 60 s Lambda
 * step compressed to 0.6 s would fail whenever the machine is busy (a hundred uploads at once).
 */
export const MIN_REAL_SPEED_TASK_LIMIT_MS = 30_000;

/** Batch jobs run the emulation's time: their Task limits compress fully. */
const EMULATED_DURATION_RESOURCE = /^arn:[^:]+:states:::batch:submitJob(\.sync)?$/;

/**
 * A Task's limit in real milliseconds at the time scale: fully compressed for a Batch job, whose
 * attempts and queue follow the time scale too; for work that runs at real speed (a function, an
 * SDK call, a publish) never shorter than `MIN_REAL_SPEED_TASK_LIMIT_MS`, or the limit itself when
 * that is shorter.
 */
export function taskLimitMs(resource: string, seconds: number, scale: number): number {
  const compressed = seconds * 1000 * scale;
  if (scale >= 1 || EMULATED_DURATION_RESOURCE.test(resource)) return compressed;
  return Math.max(compressed, Math.min(seconds * 1000, MIN_REAL_SPEED_TASK_LIMIT_MS));
}

/** `seconds` at the time scale, for messages. */
export function scaledSeconds(seconds: number, scale: number): string {
  return `${Number((seconds * scale).toFixed(3))} s`;
}
