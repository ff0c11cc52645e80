import { Token } from 'aws-cdk-lib';
import { invalid } from './validation';

const FOLDER_NAME = /^[A-Za-z0-9!_.*'()-]+$/;
const MAX_KEY_LENGTH = 1024;

export const WATCH_PREFIX_ALLOWED = "one or more folder names of letters, digits and ! - _ . * ' ( ) (not . or ..), each followed by '/', without a leading '/', at most 1024 characters, such as incoming/ or data/raw/";

/** Throws the package's error when a watch prefix is not a safe S3 folder path ending with '/'. Unresolved tokens pass. */
export function validateWatchPrefix(construct: string, id: string, prefix: string): void {
  if (Token.isUnresolved(prefix)) {
    return;
  }
  const folders = prefix.split('/').slice(0, -1);
  const valid = prefix.length <= MAX_KEY_LENGTH
    && prefix.endsWith('/')
    && folders.length > 0
    && folders.every((folder) => FOLDER_NAME.test(folder) && folder !== '.' && folder !== '..');
  if (!valid) {
    throw invalid(construct, id, 'watchPrefix', prefix, WATCH_PREFIX_ALLOWED);
  }
}
