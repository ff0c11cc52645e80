import { Token } from 'aws-cdk-lib';

/** The construct type every error of the umbrella names. */
export const NAME = 'BatchPipeline';

/** `BatchPipeline '<id>': '<prop>' <value> is not valid; allowed: <allowed>` */
export function invalid(id: string, prop: string, value: unknown, allowed: string): Error {
  return new Error(`${NAME} '${id}': '${prop}' ${describe(value)} is not valid; allowed: ${allowed}`);
}

/** The error for an existing resource given together with the options of the part it replaces. */
export function conflict(id: string, existing: string, props: string, why: string): Error {
  return new Error(`${NAME} '${id}': '${props}' is not valid together with '${existing}'; allowed: either '${existing}' or '${props}', not both (${why})`);
}

/** The error for a prop of a part that the umbrella wires itself. */
export function wired(id: string, prop: string, value: unknown, allowed: string): Error {
  return new Error(`${NAME} '${id}': '${prop}' ${describe(value)} is not valid: BatchPipeline wires it; allowed: ${allowed}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return Token.isUnresolved(value) ? '(a token)' : value === '' ? "''" : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '(given)';
}

/**
 * Runs `build` (which creates one part of the pipeline) and rewrites the part's
 * validation error, `<Type> '<inner id>': '<prop>' ...`, so that it names the
 * construct the user built and the prop they set: `BatchPipeline '<id>': '<propsName>.<prop>' ...`,
 * or the umbrella's own prop when `renames` maps the part's prop to one (`sourcePrefix` -> `watchPrefix`).
 */
export function asPipeline<T>(id: string, propsName: string, renames: Readonly<Record<string, string>>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const match = /^([A-Z][A-Za-z]+) '[^']*': (.*)$/s.exec(error.message);
    if (!match || match[1] === NAME) throw error;
    const rest = match[2].replace(/^'([A-Za-z0-9]+)'/, (_all, prop: string) => `'${renames[prop] ?? `${propsName}.${prop}`}'`);
    const relabelled = new Error(`${NAME} '${id}': ${rest}`);
    // Keep where the part failed, under the new message: Node prints the stack of an uncaught
    // error, and its first line is the message, so the part's own message would be what users read.
    relabelled.stack = error.stack?.replace(error.message, relabelled.message);
    throw relabelled;
  }
}
