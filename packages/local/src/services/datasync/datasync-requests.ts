import { serviceError } from '../service-rules';

// The requests of DataSync's API the emulator answers, checked as the API model checks them:
// patterns and limits of the DataSync API reference (StartTaskExecution, DescribeTaskExecution,
// CancelTaskExecution, FilterRule, Options, ManifestConfig).

const PARTITIONS = '(aws|aws-cn|aws-us-gov|aws-eusc|aws-iso|aws-iso-b)';
export const TASK_ARN = new RegExp(`^arn:${PARTITIONS}:datasync:[a-z\\-0-9]*:[0-9]{12}:task/task-[0-9a-f]{17}$`);
export const EXECUTION_ARN = new RegExp(`^arn:${PARTITIONS}:datasync:[a-z\\-0-9]+:[0-9]{12}:task/task-[0-9a-f]{17}/execution/exec-[0-9a-f]{17}$`);
const ARN_MAX_LENGTH = 128;
const FILTER_LIST_MAX = 1;
const FILTER_TYPE_PATTERN = /^[A-Z0-9_]+$/;
const FILTER_TYPE_MAX_LENGTH = 128;
const FILTER_VALUE_MAX_LENGTH = 102400;
/** Options values StartTaskExecution accepts in OverrideOptions (DataSync API reference, Options). */
const OPTION_VALUES: Record<string, readonly string[]> = {
  VerifyMode: ['POINT_IN_TIME_CONSISTENT', 'ONLY_FILES_TRANSFERRED', 'NONE'],
  OverwriteMode: ['ALWAYS', 'NEVER'],
  Atime: ['NONE', 'BEST_EFFORT'],
  Mtime: ['NONE', 'PRESERVE'],
  Uid: ['NONE', 'INT_VALUE', 'NAME', 'BOTH'],
  Gid: ['NONE', 'INT_VALUE', 'NAME', 'BOTH'],
  PreserveDeletedFiles: ['PRESERVE', 'REMOVE'],
  PreserveDevices: ['NONE', 'PRESERVE'],
  PosixPermissions: ['NONE', 'PRESERVE'],
  TaskQueueing: ['ENABLED', 'DISABLED'],
  LogLevel: ['OFF', 'BASIC', 'TRANSFER'],
  TransferMode: ['CHANGED', 'ALL'],
  SecurityDescriptorCopyFlags: ['NONE', 'OWNER_DACL', 'OWNER_DACL_SACL'],
  ObjectTags: ['PRESERVE', 'NONE'],
};

/** Patterns and limits of ManifestConfig (DataSync API reference, ManifestConfig, SourceManifestConfig, S3ManifestConfig). */
const MANIFEST_ACTIONS = ['TRANSFER'];
const MANIFEST_FORMATS = ['CSV'];
const MANIFEST_BUCKET_ARN = new RegExp(`^arn:${PARTITIONS}:s3:::([a-zA-Z0-9.\\-_]{1,255})$`);
const MANIFEST_BUCKET_ARN_MAX_LENGTH = 268;
const MANIFEST_ROLE_ARN = new RegExp(`^arn:${PARTITIONS}:iam::[0-9]{12}:role/.*$`);
const MANIFEST_ROLE_ARN_MAX_LENGTH = 2048;
const MANIFEST_OBJECT_PATH_MAX_LENGTH = 1024;
const MANIFEST_VERSION_ID_MAX_LENGTH = 100;

export type FilterRule = { readonly FilterType: string; readonly Value: string };

/** Where an execution's manifest is (ManifestConfig.Source.S3). */
export interface ManifestSource {
  /** The task whose execution reads it. */
  readonly taskArn: string;
  readonly bucketName: string;
  readonly key: string;
  readonly versionId?: string;
  readonly roleArn: string;
}

export function invalidRequest(message: string): Error {
  return serviceError('DataSync.InvalidRequestException', message);
}

export function checkArn(member: string, value: unknown, pattern: RegExp): void {
  if (typeof value !== 'string' || value.length > ARN_MAX_LENGTH || !pattern.test(value)) {
    throw invalidRequest(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: `
      + `Member must satisfy regular expression pattern: ${pattern.source}`);
  }
}

/** Includes / Excludes: a list of at most one FilterRule (FilterRule: FilterType SIMPLE_PATTERN, Value up to 102,400 characters, no NUL). */
export function checkFilterList(member: string, value: unknown): FilterRule[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidRequest(`${member} must be a list of FilterRule`);
  if (value.length > FILTER_LIST_MAX) {
    throw invalidRequest(`1 validation error detected: Value at '${member}' failed to satisfy constraint: `
      + `Member must have length less than or equal to ${FILTER_LIST_MAX}`);
  }
  return value.map((rule: any) => {
    const type = rule?.FilterType ?? 'SIMPLE_PATTERN';
    if (typeof type !== 'string' || type.length > FILTER_TYPE_MAX_LENGTH || !FILTER_TYPE_PATTERN.test(type) || type !== 'SIMPLE_PATTERN') {
      throw invalidRequest(`Value '${String(type)}' at '${member}.1.member.FilterType' failed to satisfy constraint: `
        + 'Member must satisfy enum value set: [SIMPLE_PATTERN]');
    }
    const filter = rule?.Value;
    if (typeof filter !== 'string' || filter.length === 0 || filter.length > FILTER_VALUE_MAX_LENGTH || filter.includes('\u0000')) {
      throw invalidRequest(`Value at '${member}.1.member.Value' failed to satisfy constraint: `
        + `Member must have length less than or equal to ${FILTER_VALUE_MAX_LENGTH} and satisfy regular expression pattern: ^[^\\x00]+$`);
    }
    return { FilterType: type, Value: filter };
  });
}

/**
 * ManifestConfig of a start, checked as the API model does: Action TRANSFER, Format CSV, and a Source
 * with S3 { ManifestObjectPath, BucketAccessRoleArn, S3BucketArn (required), ManifestObjectVersionId }.
 * Since 2024-02-07 a manifest without Source is refused (a missing role, in the API's words).
 */
export function checkManifestConfig(value: unknown, taskArn: string): ManifestSource | undefined {
  if (value === undefined) return undefined;
  const violation = (member: string, constraint: string, given?: unknown) => invalidRequest('1 validation error detected: '
    + `Value ${given === undefined ? 'null' : `'${String(given)}'`} at 'manifestConfig.${member}' failed to satisfy constraint: ${constraint}`);
  if (typeof value !== 'object' || value === null) throw invalidRequest('ManifestConfig must be a ManifestConfig structure');
  const config = value as Record<string, any>;
  if (config.Action !== undefined && !MANIFEST_ACTIONS.includes(config.Action)) {
    throw violation('action', `Member must satisfy enum value set: [${MANIFEST_ACTIONS.join(', ')}]`, config.Action);
  }
  if (config.Format !== undefined && !MANIFEST_FORMATS.includes(config.Format)) {
    throw violation('format', `Member must satisfy enum value set: [${MANIFEST_FORMATS.join(', ')}]`, config.Format);
  }
  const s3 = config.Source?.S3;
  if (s3 === undefined || s3 === null || typeof s3 !== 'object') {
    throw invalidRequest('ManifestConfig.Source.S3 is missing: DataSync needs the manifest\'s bucket and an IAM role to read it '
      + '(BucketAccessRoleArn)');
  }
  const objectPath = s3.ManifestObjectPath;
  if (typeof objectPath !== 'string' || objectPath.length === 0 || objectPath.length > MANIFEST_OBJECT_PATH_MAX_LENGTH
    || /[\u0000]/.test(objectPath)) {
    throw violation('source.s3.manifestObjectPath',
      `Member must have length less than or equal to ${MANIFEST_OBJECT_PATH_MAX_LENGTH} and must not be null`, objectPath);
  }
  const bucketArn = s3.S3BucketArn;
  const bucket = typeof bucketArn === 'string' && bucketArn.length <= MANIFEST_BUCKET_ARN_MAX_LENGTH ? MANIFEST_BUCKET_ARN.exec(bucketArn) : null;
  if (!bucket) throw violation('source.s3.s3BucketArn', `Member must satisfy regular expression pattern: ${MANIFEST_BUCKET_ARN.source}`, bucketArn);
  const roleArn = s3.BucketAccessRoleArn;
  if (typeof roleArn !== 'string' || roleArn.length > MANIFEST_ROLE_ARN_MAX_LENGTH || !MANIFEST_ROLE_ARN.test(roleArn)) {
    throw violation('source.s3.bucketAccessRoleArn', `Member must satisfy regular expression pattern: ${MANIFEST_ROLE_ARN.source}`, roleArn);
  }
  const versionId = s3.ManifestObjectVersionId;
  if (versionId !== undefined && (typeof versionId !== 'string' || versionId.length === 0 || versionId.length > MANIFEST_VERSION_ID_MAX_LENGTH)) {
    throw violation('source.s3.manifestObjectVersionId',
      `Member must have length less than or equal to ${MANIFEST_VERSION_ID_MAX_LENGTH} and satisfy regular expression pattern: ^.+$`, versionId);
  }
  return { taskArn, bucketName: bucket[bucket.length - 1], key: objectPath, versionId, roleArn };
}

/** OverrideOptions of a start: each option's value among those the API allows. */
export function checkOptions(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw invalidRequest('OverrideOptions must be an Options structure');
  for (const [name, option] of Object.entries(value)) {
    const allowed = OPTION_VALUES[name];
    if (allowed && !allowed.includes(option as string)) {
      throw invalidRequest(`Value '${String(option)}' at 'overrideOptions.${name}' failed to satisfy constraint: `
        + `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    if (name === 'BytesPerSecond' && (!Number.isInteger(option) || (option as number) < -1)) {
      throw invalidRequest(`Value '${String(option)}' at 'overrideOptions.bytesPerSecond' failed to satisfy constraint: `
        + 'Member must have value greater than or equal to -1');
    }
  }
  return value as Record<string, unknown>;
}
