/**
 * A mistake the user can fix: the message says what is wrong, `remedy` what to do.
 * The CLI prints both and exits with status 2; anything else is a bug and prints a stack.
 */
export class LocalRuntimeError extends Error {
  public constructor(message: string, public readonly remedy: string) {
    super(message);
    this.name = 'LocalRuntimeError';
  }
}
