/**
 * Exit codes of `batch-pipeline` (documented in the README):
 * 0 done; 1 a run failed, or some objects were refused; 2 bad input or something the user can fix
 * (credentials, stack, run name); 3 an unexpected error (a bug: the stack trace is printed);
 * 4 `run` in this process uploaded a file that started no run (packages/local's code, passed on).
 */
export const EXIT = { ok: 0, runFailed: 1, userError: 2, internal: 3, nothingStarted: 4 } as const;

/** An error the user can cause and fix: printed as the message and what to do, never as a stack trace. */
export class CliError extends Error {
  constructor(message: string, public readonly remedy: string, public readonly exitCode: number = EXIT.userError) {
    super(message);
    this.name = 'CliError';
  }
}
