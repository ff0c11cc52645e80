/**
 * The input rules of the AWS APIs a run calls, as their API references state
 * them, so that simulated services refuse what the real ones would.
 */

/**
 * StartExecution `name`: 1-80 characters without white space, brackets
 * `< > { } [ ]`, wildcards `? *`, the special characters `" # % \ ^ | ~ \` $ & , ; : /`,
 * control characters (U+0000-001F, U+007F-009F), surrogates or U+FFFE-FFFF
 * (Step Functions API reference, StartExecution).
 */
export function stepFunctionsExecutionNameError(name: string): string | undefined {
  if (name.length < 1 || name.length > 80) {
    return `name '${name}' must be 1-80 characters long`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufffe\uffff]/.test(name)) {
    return `name '${name}' contains a character StartExecution does not accept`;
  }
  return undefined;
}

/**
 * SubmitJob `jobName`: up to 128 characters; the first character must be
 * alphanumeric; letters, numbers, hyphens and underscores (Batch API reference, SubmitJob).
 */
export function batchJobNameError(jobName: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(jobName) ? undefined
    : `jobName '${jobName}' is not valid: up to 128 letters, numbers, hyphens and underscores, the first character alphanumeric`;
}

/** An error as the AWS SDK (and through it Step Functions) names it. */
export function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
