import { Token } from 'aws-cdk-lib';

const FOLDER_NAME = /^[A-Za-z0-9!_.*'()-]+$/;
const MAX_KEY_LENGTH = 1024;

/**
 * The one rule of the pipeline's key prefixes (the watched prefix of the upload bucket, the
 * reports prefix): folder names each followed by '/', which S3 event filters, IAM resource
 * patterns, DataSync locations and EFS paths all take as they are.
 */
export class KeyPrefix {
  /** What a non-empty prefix may be, as validation errors say it. */
  public static readonly ALLOWED = "one or more folder names of letters, digits and ! - _ . * ' ( ) (not . or ..), each followed by '/', "
    + "without a leading '/'";

  /**
   * Whether `prefix` is one or more folder names of letters, digits and `! - _ . * ' ( )` (not `.`
   * or `..`), each followed by '/', at most 1024 characters; an unresolved token passes (it is
   * checked at deploy time).
   */
  public static isValid(prefix: string): boolean {
    if (Token.isUnresolved(prefix)) {
      return true;
    }
    const folders = prefix.split('/').slice(0, -1);
    return prefix.length <= MAX_KEY_LENGTH
      && prefix.endsWith('/')
      && folders.length > 0
      && folders.every((folder) => FOLDER_NAME.test(folder) && folder !== '.' && folder !== '..');
  }

  private constructor() {}
}
