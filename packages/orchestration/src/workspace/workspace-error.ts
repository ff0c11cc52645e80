/**
 * An error whose name the state machine routes on (`Catch` / `Retry` match a Lambda error by the
 * thrown error's name, reported as `errorType`), with a message that says what happened.
 */
export function workspaceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** S3 error names that mean the object version is gone: NoSuchKey, NoSuchVersion (GetObject), NotFound (HeadObject's 404, which has no body). */
const MISSING_SOURCE_ERRORS = new Set(['NotFound', 'NoSuchKey', 'NoSuchVersion']);

/** The error to throw for a failed read of the run's upload `source`: a version that is gone becomes `SourceObjectMissing`. */
export function sourceReadError(error: unknown, source: string): Error {
  const name = (error as Error).name;
  if (MISSING_SOURCE_ERRORS.has(name)) {
    return workspaceError('SourceObjectMissing', `${source} no longer exists (${name}); it was deleted after the upload, `
      + 'so this run has nothing to process');
  }
  return error as Error;
}
