import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { KeyPrefix } from '@batch-pipeline/storage';

/**
 * Storage's key prefix rule (`KeyPrefix`), where '' (the whole bucket) is allowed as well:
 * returns the prefix, or throws the construct's error naming the prop as the user wrote it.
 */
export function checkKeyPrefix(errors: ConstructErrors, prop: string, prefix: string, example: string): string {
  if (prefix !== '' && !KeyPrefix.isValid(prefix)) {
    throw errors.invalid(prop, prefix, `'' or ${KeyPrefix.ALLOWED}, such as ${example}`);
  }
  return prefix;
}
