/**
 * An error whose name the state machine routes on (`Catch` / `Retry` match a Lambda error by the
 * thrown error's name, reported as `errorType`), with a message that says what happened.
 */
export function workspaceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
