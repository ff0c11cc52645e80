import { HistoryEvent } from '@aws-sdk/client-sfn';

/** A state of the state machine, as the console draws it. */
export interface GraphNode {
  readonly id: string;
  /** Task, Choice, Pass, Wait, Fail, Succeed, Parallel, Map. */
  readonly type: string;
  /** For a Task: the service and action it calls (`lambda:invoke`, `batch:submitJob.sync` ...). */
  readonly resource?: string;
}

/** A transition the definition allows. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'choice' | 'default' | 'catch';
}

/** The top-level states of a definition and the transitions between them. */
export interface StateGraph {
  readonly startAt: string;
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

interface StateDefinition {
  readonly Type?: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Resource?: unknown;
  readonly Choices?: Array<{ Next?: string }>;
  readonly Catch?: Array<{ Next?: string }>;
}

/**
 * The graph of a state machine definition (Amazon States Language): one node per top-level
 * state, an edge for each `Next`, choice, `Default` and `Catch`. The states inside a Parallel
 * or Map are not drawn (the pipeline has none); the Parallel or Map is one node.
 */
export function graphOf(definition: unknown): StateGraph {
  const { StartAt, States } = (definition ?? {}) as { StartAt?: string; States?: Record<string, StateDefinition> };
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const add = (from: string, to: string | undefined, kind: GraphEdge['kind']) => {
    // Two choices to the same state are one arrow.
    if (to === undefined || seen.has(`${from}\n${to}`)) return;
    seen.add(`${from}\n${to}`);
    edges.push({ from, to, kind });
  };
  for (const [id, state] of Object.entries(States ?? {})) {
    const resource = typeof state.Resource === 'string' ? /:states:::(.+)$/.exec(state.Resource)?.[1]
      ?? state.Resource.split(':').slice(-2).join(':') : undefined;
    nodes.push({ id, type: state.Type ?? 'Task', ...(resource ? { resource } : {}) });
    add(id, state.Next, 'next');
    for (const choice of state.Choices ?? []) add(id, choice.Next, 'choice');
    add(id, state.Default, 'default');
    for (const handler of state.Catch ?? []) add(id, handler.Next, 'catch');
  }
  return { startAt: StartAt ?? nodes[0]?.id ?? '', nodes, edges };
}

/** How a state fared in one run. */
export type StateOutcome = 'succeeded' | 'failed' | 'running' | 'caught';

/** A state a run entered: how it ended, how often it was entered, and for how long in all. */
export interface StateVisit {
  readonly outcome: StateOutcome;
  readonly entered: number;
  readonly durationMs: number;
}

/** What a run's history says about the graph: each state entered, and the transitions taken in order. */
export interface RunPath {
  readonly states: Record<string, StateVisit>;
  /** Each transition taken (`from` -> `to`), once, in the order first taken. */
  readonly transitions: Array<{ readonly from: string; readonly to: string }>;
}

const STATE_FAILURE = /(Failed|TimedOut)$/;
/** A task tried again (a Retry): what failed before is behind it. */
const TASK_ATTEMPT = /^(TaskScheduled|TaskStarted|LambdaFunctionScheduled|LambdaFunctionStarted)$/;

/**
 * Each state's outcome in a run from its execution history: `running` while it is the open state
 * of a running run; `caught` when a failure inside it was handled by a Catch (it was left after a
 * failure with no new attempt since: a failure retried, then succeeded, is `succeeded`; only a
 * new attempt clears a failure, so a stray TaskSucceeded after a caught TaskFailed changes nothing); `failed`
 * when the run ended in it (a Fail state, or a failure no Catch handled, a timeout or a stop);
 * else `succeeded`. Durations add up every entry (a state entered again by a loop).
 */
export function runPathOf(events: readonly HistoryEvent[], now = Date.now()): RunPath {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const states: Record<string, { outcome: StateOutcome; entered: number; durationMs: number }> = {};
  const transitions: Array<{ from: string; to: string }> = [];
  const taken = new Set<string>();
  let open: { name: string; since: number; failedLast: boolean } | undefined;
  let previous: string | undefined;
  const close = (at: number, outcome: StateOutcome) => {
    if (!open) return;
    const state = states[open.name];
    state.durationMs += Math.max(0, at - open.since);
    state.outcome = outcome;
    open = undefined;
  };
  for (const event of sorted) {
    const type = event.type ?? '';
    const at = event.timestamp?.getTime() ?? now;
    if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
      const name = event.stateEnteredEventDetails.name;
      // Entering a state while another is open: that one was left through a Catch.
      if (open) close(at, open.failedLast ? 'caught' : 'succeeded');
      states[name] ??= { outcome: 'running', entered: 0, durationMs: 0 };
      states[name].entered += 1;
      states[name].outcome = 'running';
      if (previous !== undefined && !taken.has(`${previous}\n${name}`)) {
        taken.add(`${previous}\n${name}`);
        transitions.push({ from: previous, to: name });
      }
      previous = name;
      open = { name, since: at, failedLast: type === 'FailStateEntered' };
    } else if (type.endsWith('StateExited') && open) {
      close(at, open.failedLast ? 'caught' : 'succeeded');
    } else if (type.startsWith('Execution') && /(Failed|TimedOut|Aborted)$/.test(type)) {
      close(at, 'failed');
    } else if (type.startsWith('Execution') && type.endsWith('Succeeded')) {
      close(at, 'succeeded');
    } else if (open && STATE_FAILURE.test(type)) {
      open.failedLast = true;
    } else if (open && TASK_ATTEMPT.test(type)) {
      open.failedLast = false;
    }
  }
  if (open) {
    const state = states[open.name];
    state.durationMs += Math.max(0, now - open.since);
  }
  return { states, transitions };
}

/** A notification the run published (an SNS Publish task of its definition): where to, the subject and the message. */
export interface PublishedNotification {
  readonly state?: string;
  readonly topicArn?: string;
  readonly subject?: string;
  readonly message: string;
  readonly published: boolean;
}

/** The value at a reference path (`$`, `$.a.b`) of a state's input; undefined for anything else (an intrinsic function). */
export function valueAt(input: unknown, reference: string): unknown {
  if (!/^\$(\.[A-Za-z_][\w-]*)*$/.test(reference)) return undefined;
  return reference.split('.').slice(1).reduce<unknown>((value, key) => (value !== null
    && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), input);
}

/** A task's Parameters template applied to its input: `key.$` fields take the value at their path. */
export function resolveParameters(template: unknown, input: unknown): unknown {
  if (Array.isArray(template)) return template.map((item) => resolveParameters(item, input));
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(Object.entries(template).map(([key, value]) => (key.endsWith('.$') && typeof value === 'string'
    ? [key.slice(0, -2), valueAt(input, value)] : [key, resolveParameters(value, input)])));
}

function parseJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The notifications a run published, read from its history (a topic cannot be read back): each
 * SNS Publish task it scheduled, with the parameters the history gives (AWS: resolved) or, when
 * they hold no Message (the local runtime records the state's input), the definition's
 * Parameters applied to the state's input.
 */
export function notificationsOf(events: readonly HistoryEvent[], definition?: unknown): PublishedNotification[] {
  const states = ((definition ?? {}) as { States?: Record<string, { Parameters?: unknown }> }).States ?? {};
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const found: PublishedNotification[] = [];
  let state: string | undefined;
  let stateInput: unknown;
  for (const [index, event] of sorted.entries()) {
    if (event.stateEnteredEventDetails?.name) {
      state = event.stateEnteredEventDetails.name;
      stateInput = parseJson(event.stateEnteredEventDetails.input);
    }
    const details = event.taskScheduledEventDetails;
    if (event.type !== 'TaskScheduled' || details?.resourceType !== 'sns' || details.resource !== 'publish') continue;
    let parameters = (parseJson(details.parameters) ?? {}) as { TopicArn?: string; Subject?: string; Message?: unknown };
    if (parameters.Message === undefined && state !== undefined && states[state]?.Parameters) {
      parameters = resolveParameters(states[state].Parameters, stateInput) as typeof parameters;
    }
    const message = typeof parameters.Message === 'string' ? parameters.Message : JSON.stringify(parameters.Message ?? '', undefined, 2);
    const published = sorted.slice(index + 1).some((later) => later.type === 'TaskSucceeded'
      && later.taskSucceededEventDetails?.resourceType === 'sns');
    found.push({ state, topicArn: parameters.TopicArn, subject: parameters.Subject, message, published });
  }
  return found;
}
