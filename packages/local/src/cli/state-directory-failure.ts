import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LocalRuntimeError } from '../runtime/local-runtime-error';

/** The file-system errors of a state directory that stopped taking writes. */
const STATE_FAILURES: Record<string, { readonly what: string; readonly remedy: string }> = {
  EACCES: {
    what: 'is no longer writable',
    remedy: 'give yourself write access to it again (chmod -R u+w), '
    + 'or choose another folder with --state-dir; then run again',
  },
  EPERM: {
    what: 'is no longer writable',
    remedy: 'give yourself write access to it again (chmod -R u+w), '
    + 'or choose another folder with --state-dir; then run again',
  },
  EROFS: {
    what: 'is on a read-only file system',
    remedy: 'choose a folder on a writable disk with --state-dir, or remount the disk writable; '
    + 'then run again',
  },
  ENOSPC: { what: 'is out of disk space', remedy: 'free disk space, or choose a folder on another disk with --state-dir; then run again' },
  EDQUOT: { what: 'is over its disk quota', remedy: 'free disk space, or choose a folder on another disk with --state-dir; then run again' },
  ENOENT: {
    what: 'was removed while the runtime used it',
    remedy: 'leave the state directory in place while a run goes on (remove it only after '
    + 'the command ended); then run again',
  },
  ENOTDIR: {
    what: 'had a folder replaced by a file while the runtime used it',
    remedy: 'leave the state directory as the runtime made it while '
    + 'a run goes on; then run again',
  },
};

/**
 * A LocalRuntimeError (exit 2, with what to do) for a file-system error in the state directory
 * (one that became read-only, full, or was removed during a run), or undefined for any other error.
 * The user's uploads are never in the state directory, so nothing of theirs is lost.
 */
export function stateDirectoryError(error: unknown, root: string): LocalRuntimeError | undefined {
  const failure = error as NodeJS.ErrnoException | undefined;
  const known = failure?.code !== undefined ? STATE_FAILURES[failure.code] : undefined;
  const where = failure?.path ?? (failure as { dest?: string } | undefined)?.dest;
  if (!known || where === undefined || !isInside(path.resolve(where), path.resolve(root))) return undefined;
  const kept = failure!.code === 'ENOENT' || failure!.code === 'ENOTDIR' ? '' : '; what the runs wrote before is still there';
  return new LocalRuntimeError(`the state directory ${root} ${known.what} (${failure!.code} at ${where})${kept}`, known.remedy);
}

/**
 * Writes and removes a probe file in the state directory and its folders of runs, logs and
 * buckets: the error of the first that fails, as {@link stateDirectoryError} words it. A run whose
 * service could not write (a notification, a log) fails; this says why, instead of a failed run.
 */
export function probeStateDirectory(root: string): LocalRuntimeError | undefined {
  for (const folder of [root, ...['runs', 'logs', 'buckets'].map((name) => path.join(root, name))]) {
    const probe = path.join(folder, `.probe-${process.pid}`);
    try {
      writeFileSync(probe, '');
      rmSync(probe, { force: true });
    } catch (error) {
      // Named by the folder that refused the probe, not by the probe's own name.
      const failure = stateDirectoryError({ code: (error as NodeJS.ErrnoException).code, path: folder }, root);
      if (failure) return failure;
      throw error;
    }
  }
  return undefined;
}

/**
 * Turns an uncaught file-system error in the state directory (a service writing a log from an
 * event handler) into a rejected promise the command can end on, instead of a crash with a stack.
 * Any other uncaught error is left to Node.js (a bug: the stack is printed).
 */
export function catchStateDirectoryFailures(root: string): { readonly failed: Promise<never>; dispose(): void } {
  let reject: (error: LocalRuntimeError) => void = () => undefined;
  const failed = new Promise<never>((_resolve, rejectWith) => (reject = rejectWith));
  failed.catch(() => undefined);
  const onError = (error: unknown): void => {
    const failure = stateDirectoryError(error, root);
    if (!failure) {
      dispose();
      // Not ours to handle: the crash and its stack Node.js gives an uncaught error.
      setImmediate(() => {
        throw error;
      });
      return;
    }
    reject(failure);
  };
  const dispose = (): void => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return { failed, dispose };
}

function isInside(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
