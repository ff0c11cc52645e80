import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Token } from 'aws-cdk-lib';

/**
 * The most tasks a pool may have: DataSync's default quota of tasks per account per
 * AWS Region ("Maximum number of tasks you can create", 100, adjustable). A larger
 * pool cannot deploy in an account with the default quota.
 */
export const MAX_POOL_SIZE = 100;

/** DataSync task names: up to 256 of these characters. */
const TASK_NAME = /^[a-zA-Z0-9\s+=._:@/-]{1,256}$/;
const TASK_NAME_ALLOWED = 'letters, digits, spaces and + = . _ : @ / -';

/** The pool size, checked: a whole number from 1 to `MAX_POOL_SIZE`, known at synth time. */
export function validatePoolSize(errors: ConstructErrors, poolSize: number | undefined): number {
  const size = poolSize ?? 1;
  if (Token.isUnresolved(size) || !Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw errors.error(`${errors.prop('poolSize')} ${size} is not valid; allowed: a whole number from 1 to ${MAX_POOL_SIZE}, known at synth time `
      + `(${MAX_POOL_SIZE} is DataSync's default quota of tasks per account per AWS Region, which every task there shares)`);
  }
  return size;
}

/**
 * The name of each task of a pool, in order: the name itself for a single task,
 * `<name>-1` to `<name>-<size>` for a pool; no names when none is given.
 */
export function poolTaskNames(name: string | undefined, size: number): (string | undefined)[] {
  return Array.from({ length: size }, (_, index) => name === undefined || size === 1 ? name : `${name}-${index + 1}`);
}

/** Checks `taskName` so that every name of the pool follows DataSync's rule. */
export function validateTaskName(errors: ConstructErrors, name: string | undefined, size: number): void {
  if (name === undefined || Token.isUnresolved(name)) {
    return;
  }
  if (size === 1) {
    if (!TASK_NAME.test(name)) {
      throw errors.error(`${errors.prop('taskName')} '${name}' is not valid; allowed: 1-256 ${TASK_NAME_ALLOWED}`);
    }
    return;
  }
  const longest = 256 - `-${size}`.length;
  if (!poolTaskNames(name, size).every((poolName) => TASK_NAME.test(poolName!))) {
    throw errors.error(`${errors.prop('taskName')} '${name}' is not valid with 'poolSize' ${size}; allowed: 1-${longest} ${TASK_NAME_ALLOWED}, `
      + `since the pool names its tasks '${name}-1' to '${name}-${size}'`);
  }
}
