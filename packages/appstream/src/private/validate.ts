import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, Token } from 'aws-cdk-lib';

/** AppStream 2.0 names of fleets, stacks and images (CreateFleet `Name`, `ImageName`; CreateStack `Name`). */
export const APPSTREAM_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$/;
export const APPSTREAM_NAME_ALLOWED = "1-101 letters, digits, '_', '.' and '-', starting with a letter or digit";

/** `stream.<family>.<size>`, where the family may have a generation (`stream.graphics.g4dn.xlarge`). */
export const INSTANCE_TYPE = /^stream\.[a-z0-9-]+(\.[a-z0-9-]+)?\.[a-z0-9]+$/;

/** An EC2 prefix list id. */
export const PREFIX_LIST_ID = /^pl-[0-9a-f]{8,17}$/;

/** Throws when a resolved string does not match the pattern. */
export function checkPattern(errors: ConstructErrors, prop: string, value: string | undefined, pattern: RegExp, allowed: string): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!pattern.test(value)) {
    throw errors.error(`${errors.prop(prop)} ${JSON.stringify(value)} is not valid; allowed: ${allowed}`);
  }
}

/** Throws when a resolved string is longer than `max` characters. */
export function checkMaxLength(errors: ConstructErrors, prop: string, value: string | undefined, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (value.length > max) {
    throw errors.error(`${errors.prop(prop)} is ${value.length} characters long; allowed: at most ${max} characters`);
  }
}

/** A range of whole seconds, optionally with one extra value that is also allowed (0 for "off"). */
export interface SecondsRange {
  readonly min: number;
  readonly max: number;
  readonly alsoAllowed?: number;
  readonly allowed: string;
}

/** The duration in whole seconds; throws when it is not whole or out of range. Tokens pass unchecked. */
export function secondsWithin(errors: ConstructErrors, prop: string, duration: Duration | undefined, fallback: number, range: SecondsRange): number {
  if (duration === undefined) {
    return fallback;
  }
  const seconds = duration.toSeconds({ integral: false });
  if (Token.isUnresolved(seconds)) {
    return seconds;
  }
  const inRange = seconds === range.alsoAllowed || (seconds >= range.min && seconds <= range.max);
  if (!Number.isInteger(seconds) || !inRange) {
    throw errors.error(`${errors.prop(prop)} ${seconds} seconds is not valid; allowed: ${range.allowed}`);
  }
  return seconds;
}
