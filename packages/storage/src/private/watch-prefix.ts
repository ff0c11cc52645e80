import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { KeyPrefix } from '../key-prefix';

export const WATCH_PREFIX_ALLOWED = `${KeyPrefix.ALLOWED}, at most 1024 characters, such as incoming/ or data/raw/`;

/** Throws the construct's error when a watch prefix breaks the key prefix rule (`KeyPrefix`). */
export function validateWatchPrefix(errors: ConstructErrors, prefix: string): void {
  if (!KeyPrefix.isValid(prefix)) {
    throw errors.invalid('watchPrefix', prefix, WATCH_PREFIX_ALLOWED);
  }
}
