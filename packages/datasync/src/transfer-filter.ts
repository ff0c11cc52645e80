import { Token } from 'aws-cdk-lib';
import { JsonPath } from 'aws-cdk-lib/aws-stepfunctions';
import { SUBDIRECTORY_ALLOWED, subdirectorySegments } from './private/paths';

/** Where an object key sits in an S3 location. */
export interface ObjectFilterOptions {
  /**
   * The subdirectory of the S3 location the task reads from (`S3Location.subdirectory`);
   * the filter is the key relative to it, as DataSync filters are relative to the location.
   *
   * @default - the location is the whole bucket
   */
  readonly locationSubdirectory?: string;
}

/** Where runs keep their output on the file system. */
export interface RunOutputFilterOptions {
  /**
   * The directory holding one directory per run, relative to the EFS location.
   *
   * @default '/runs'
   */
  readonly runsDirectory?: string;

  /**
   * The output directory inside a run's directory; `''` for the run's whole directory.
   *
   * @default 'out'
   */
  readonly outputDirectory?: string;
}

/** Run ids of the run contract: only `[A-Za-z0-9_-]`, at most 80 characters. */
const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Builds the per-execution `Includes` filter of a DataSync task execution, so that
 * staging in copies only the uploaded object and staging out only one run's output
 * directory, and checks it against DataSync's filter rules: one `SIMPLE_PATTERN`
 * rule whose value is patterns separated by `|`, at most 102,400 characters in all,
 * each pattern a path from the location's root with `*` only as its last character,
 * and no NUL character.
 *
 * Values that are Step Functions JSONPath references (`JsonPath.stringAt('$.key')`)
 * are turned into `States.Format(...)` and checked at run time by DataSync instead.
 *
 * @example
 * // In a Step Functions CallAwsService task for datasync:StartTaskExecution:
 * const includes = [TransferFilter.includeObject(JsonPath.stringAt('$.key'))];
 */
export class TransferFilter {
  /** The only filter type DataSync has. */
  public static readonly FILTER_TYPE = 'SIMPLE_PATTERN';
  /** The longest filter value DataSync accepts, in characters. */
  public static readonly MAX_VALUE_LENGTH = 102400;
  /** The character that separates patterns in a filter value. */
  public static readonly SEPARATOR = '|';

  /**
   * The pattern matching exactly one S3 object: `/` and the key relative to the location.
   *
   * @param key the object key as S3 has it (decoded, not URL-encoded), or a JSONPath reference to it
   */
  public static objectPattern(key: string, options: ObjectFilterOptions = {}): string {
    const where = 'TransferFilter.objectPattern';
    const subdirectory = options.locationSubdirectory;
    let prefix = '';
    if (subdirectory !== undefined && !Token.isUnresolved(subdirectory)) {
      const segments = subdirectorySegments(subdirectory);
      if (segments === undefined) {
        throw new Error(`${where}: 'locationSubdirectory' '${subdirectory}' is not valid; allowed: ${SUBDIRECTORY_ALLOWED}`);
      }
      prefix = segments.map((segment) => `${segment}/`).join('');
    } else if (subdirectory !== undefined) {
      throw new Error(`${where}: 'locationSubdirectory' is an unresolved token; allowed: the subdirectory as a plain string, such as 'uploads/'`);
    }
    if (JsonPath.isEncodedJsonPath(key)) {
      if (prefix !== '') {
        throw new Error(`${where}: 'key' is a JSONPath reference and 'locationSubdirectory' '${subdirectory}' was given, `
          + `but a reference cannot be made relative to '${prefix}' at synth time; allowed: a reference to the key already relative to `
          + `'${prefix}', with no 'locationSubdirectory'`);
      }
      return JsonPath.format('/{}', key);
    }
    if (Token.isUnresolved(key)) {
      return `/${key}`;
    }
    if (key === '') {
      throw new Error(`${where}: 'key' is empty; allowed: the key of one object`);
    }
    if (key.endsWith('/')) {
      throw new Error(`${where}: 'key' '${key}' ends with '/', a folder marker; allowed: the key of one object`);
    }
    if (key.startsWith('/')) {
      throw new Error(`${where}: 'key' '${key}' starts with '/'; allowed: an S3 key as S3 has it, such as 'uploads/data.csv'`);
    }
    if (key.includes('*')) {
      throw new Error(`${where}: 'key' '${key}' contains '*', which DataSync reads as a wildcard matching other objects too; allowed: `
        + "a key without '*'");
    }
    if (!key.startsWith(prefix)) {
      throw new Error(`${where}: 'key' '${key}' is not under the location subdirectory '${prefix}'; allowed: a key starting with '${prefix}'`);
    }
    const pattern = `/${key.slice(prefix.length)}`;
    TransferFilter.checkPattern(where, 'key', key, pattern);
    return pattern;
  }

  /**
   * The pattern matching everything in one directory: `/a/b/*`.
   *
   * @param directory the directory relative to the location, such as `/runs/abc/out`
   */
  public static directoryPattern(directory: string): string {
    const where = 'TransferFilter.directoryPattern';
    if (Token.isUnresolved(directory)) {
      return JsonPath.isEncodedJsonPath(directory) ? JsonPath.format('{}/*', directory) : `${directory}/*`;
    }
    const segments = subdirectorySegments(directory);
    if (segments === undefined || segments.length === 0) {
      throw new Error(`${where}: 'directory' '${directory}' is not valid; allowed: ${SUBDIRECTORY_ALLOWED}, other than the root`);
    }
    return `/${segments.join('/')}/*`;
  }

  /**
   * The pattern matching one run's output directory: `/runs/<runId>/out/*`.
   *
   * @param runId the run id (only `[A-Za-z0-9_-]`, at most 80 characters), or a JSONPath reference to it
   */
  public static runOutputPattern(runId: string, options: RunOutputFilterOptions = {}): string {
    const where = 'TransferFilter.runOutputPattern';
    const runsDirectory = options.runsDirectory ?? '/runs';
    const outputDirectory = options.outputDirectory ?? 'out';
    const runs = subdirectorySegments(runsDirectory);
    if (runs === undefined || runs.length === 0 || Token.isUnresolved(runsDirectory)) {
      throw new Error(`${where}: 'runsDirectory' '${runsDirectory}' is not valid; allowed: ${SUBDIRECTORY_ALLOWED}, other than the root`);
    }
    const output = subdirectorySegments(outputDirectory);
    if (output === undefined || Token.isUnresolved(outputDirectory)) {
      throw new Error(`${where}: 'outputDirectory' '${outputDirectory}' is not valid; allowed: '' or ${SUBDIRECTORY_ALLOWED}`);
    }
    const before = `/${runs.join('/')}/`;
    const after = `/${output.map((segment) => `${segment}/`).join('')}*`;
    if (JsonPath.isEncodedJsonPath(runId)) {
      return JsonPath.format(`${before}{}${after}`, runId);
    }
    if (!Token.isUnresolved(runId) && !RUN_ID.test(runId)) {
      throw new Error(`${where}: 'runId' '${runId}' is not valid; allowed: 1-80 characters of A-Z a-z 0-9 _ -`);
    }
    return `${before}${runId}${after}`;
  }

  /**
   * Joins patterns into one filter value (`/a|/b/*`), checking each pattern and the total length.
   */
  public static join(patterns: string[]): string {
    if (patterns.length === 0) {
      throw new Error("TransferFilter.join: 'patterns' is empty; allowed: at least one pattern");
    }
    const value = patterns.join(TransferFilter.SEPARATOR);
    TransferFilter.validate(value);
    return value;
  }

  /**
   * Checks a filter value against DataSync's filter rules, throwing an error that
   * names the pattern and the rule it breaks. Unresolved values are not checked.
   */
  public static validate(value: string): void {
    const where = 'TransferFilter.validate';
    if (Token.isUnresolved(value)) {
      return;
    }
    if (value.length > TransferFilter.MAX_VALUE_LENGTH) {
      throw new Error(`${where}: the filter value is ${value.length} characters long; allowed: at most ${TransferFilter.MAX_VALUE_LENGTH} `
        + 'characters in all patterns together');
    }
    for (const pattern of value.split(TransferFilter.SEPARATOR)) {
      TransferFilter.checkPattern(where, 'pattern', pattern, pattern);
    }
  }

  /**
   * The filter rule for a DataSync API call, in the shape `StartTaskExecution`
   * takes it (`{ FilterType: 'SIMPLE_PATTERN', Value: value }`), ready for the
   * `Includes` or `Excludes` list of a Step Functions `CallAwsService` task.
   */
  public static rule(value: string): { [key: string]: string } {
    TransferFilter.validate(value);
    return { FilterType: TransferFilter.FILTER_TYPE, Value: value };
  }

  /** The `Includes` rule for exactly one S3 object (see `objectPattern`). */
  public static includeObject(key: string, options: ObjectFilterOptions = {}): { [key: string]: string } {
    return TransferFilter.rule(TransferFilter.objectPattern(key, options));
  }

  /** The `Includes` rule for one run's output directory (see `runOutputPattern`). */
  public static includeRunOutput(runId: string, options: RunOutputFilterOptions = {}): { [key: string]: string } {
    return TransferFilter.rule(TransferFilter.runOutputPattern(runId, options));
  }

  /** The `Includes` rule for everything in one directory (see `directoryPattern`). */
  public static includeDirectory(directory: string): { [key: string]: string } {
    return TransferFilter.rule(TransferFilter.directoryPattern(directory));
  }

  private static checkPattern(where: string, name: string, given: string, pattern: string): void {
    const shown = JSON.stringify(given);
    if (pattern === '') {
      throw new Error(`${where}: a ${name} is empty; allowed: a path starting with '/', with patterns separated by a single '|'`);
    }
    if (pattern.includes('\u0000')) {
      throw new Error(`${where}: ${name} ${shown} contains a NUL character; allowed: a path without NUL characters`);
    }
    if (pattern.includes(TransferFilter.SEPARATOR)) {
      throw new Error(`${where}: ${name} ${shown} contains '|', which separates patterns in a DataSync filter; allowed: a path without '|'`);
    }
    if (!pattern.startsWith('/')) {
      throw new Error(`${where}: ${name} ${shown} does not start with '/'; allowed: a path from the location's root, such as '/runs/abc/out/*'`);
    }
    const star = pattern.indexOf('*');
    if (star !== -1 && star !== pattern.length - 1) {
      throw new Error(`${where}: ${name} ${shown} has '*' before its end; allowed: '*' only as the last character of a pattern`);
    }
    if (pattern.length > TransferFilter.MAX_VALUE_LENGTH) {
      throw new Error(`${where}: ${name} ${shown.slice(0, 40)}... is ${pattern.length} characters long; allowed: `
        + `at most ${TransferFilter.MAX_VALUE_LENGTH} characters`);
    }
  }

  private constructor() {}
}
