import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration } from 'aws-cdk-lib';

/** The error every validation in this package throws: construct, prop, value received and what is allowed. */
export function invalid(errors: ConstructErrors, prop: string, value: unknown, allowed: string): Error {
  return errors.invalid(prop, describe(value), allowed);
}

function describe(value: unknown): string {
  if (value instanceof Duration) {
    return value.toHumanString();
  }
  return String(value);
}

/**
 * The whole number of days of a duration, or throws the package's error when it
 * is not a whole number of days within [min, max]. Returns undefined for an
 * unresolved duration.
 */
export function wholeDays(
  errors: ConstructErrors, prop: string, value: Duration, min: number, max?: number, allowed?: string,
): number | undefined {
  if (value.isUnresolved()) {
    return undefined;
  }
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < min || (max !== undefined && days > max)) {
    const range = max === undefined ? `a whole number of days of at least ${min}` : `a whole number of days from ${min} to ${max}`;
    throw invalid(errors, prop, value, allowed ?? range);
  }
  return days;
}
