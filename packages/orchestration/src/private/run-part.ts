import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { HistoryPart } from './history-budget';

/**
 * One step of a run (stage in, process, stage out), built where it can be read alone: it begins
 * at `startState`, sends its own failures to the failure path, and once it succeeded continues
 * into whatever `continueWith` names, so that the run is chained forwards.
 */
export interface RunPart {
  readonly startState: sfn.State;
  /** The part's worst case in execution history events. */
  readonly history: HistoryPart;
  /** Continues the part, once it succeeded, into `next`. */
  continueWith(next: sfn.State): void;
}

/** Chains `parts` in order and the last into `end`; returns the run's first state. */
export function chainParts(parts: RunPart[], end: sfn.State): sfn.State {
  parts.forEach((part, index) => part.continueWith(index + 1 < parts.length ? parts[index + 1].startState : end));
  return parts.length > 0 ? parts[0].startState : end;
}
