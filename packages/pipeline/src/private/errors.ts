import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Token } from 'aws-cdk-lib';

/** `BatchPipeline '<id>': '<prop>' <value> is not valid; allowed: <allowed>` */
export function invalid(errors: ConstructErrors, prop: string, value: unknown, allowed: string): Error {
  return errors.invalid(prop, describe(value), allowed);
}

/** The error for an existing resource given together with the options of the part it replaces. */
export function conflict(errors: ConstructErrors, existing: string[], props: string, why: string): Error {
  const given = existing.map((prop) => errors.prop(prop));
  const existingText = given.length === 1 ? given[0] : `${given.slice(0, -1).join(', ')} and ${given[given.length - 1]}`;
  const propsText = errors.prop(props);
  return errors.error(`${propsText} is not valid together with ${existingText}; allowed: either ${existingText} or ${propsText}, not both (${why})`);
}

/** The error for a prop of a part that the umbrella wires itself. */
export function wired(errors: ConstructErrors, prop: string, value: unknown, allowed: string): Error {
  return errors.error(`${errors.prop(prop)} ${describe(value)} is not valid: BatchPipeline wires it; allowed: ${allowed}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return Token.isUnresolved(value) ? '(a token)' : value === '' ? "''" : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '(given)';
}
