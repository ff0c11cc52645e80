import { IPipelineNetwork } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import {
  AccessLogsBucket, IUploadBucket, PipelineFileSystem, PipelineStorage, PipelineStorageProps, ReportsBucket, UploadBucket,
} from '@batch-pipeline/storage';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { conflict, wired } from './errors';

/** What the storage of a pipeline is made of, new or existing (the public shape is IBatchPipelineStorage). */
export interface StorageParts {
  readonly uploads: IUploadBucket;
  readonly reportsBucket: s3.IBucket;
  readonly fileSystem: efs.IFileSystem;
  readonly accessPoint: efs.IAccessPoint;
  readonly accessLogsBucket?: s3.IBucket;
  /** Whether the file system is the one the pipeline created (its mount targets carry the network's file-system group). */
  readonly newFileSystem: boolean;
}

export interface StorageInputs {
  readonly network: IPipelineNetwork;
  readonly watchPrefix: string;
  readonly storageProps?: PipelineStorageProps;
  readonly existingUploadBucket?: s3.IBucket;
  readonly existingReportsBucket?: s3.IBucket;
  readonly existingFileSystem?: efs.IFileSystem;
  readonly existingAccessPoint?: efs.IAccessPoint;
}

/**
 * The pipeline's storage: a `PipelineStorage` when nothing existing is given,
 * else the missing parts one by one under the same construct ids (so a part
 * keeps its logical id whether or not its siblings are replaced).
 */
export function createStorage(scope: Construct, errors: ConstructErrors, inputs: StorageInputs): StorageParts {
  const props = inputs.storageProps ?? {};
  validate(errors, inputs, props);
  const uploadsProps = { ...props.uploads, watchPrefix: inputs.watchPrefix === '' ? undefined : inputs.watchPrefix };
  const fileSystemProps = { ...props.fileSystem, network: inputs.network };

  if (!inputs.existingUploadBucket && !inputs.existingReportsBucket && !inputs.existingFileSystem) {
    errors.tellPart(scope, 'Storage', 'storageProps');
    const storage = new PipelineStorage(scope, 'Storage', {
      ...props, network: inputs.network, uploads: uploadsProps, fileSystem: fileSystemProps,
    });
    return {
      uploads: storage.uploads,
      reportsBucket: storage.reports.bucket,
      fileSystem: storage.fileSystem.fileSystem,
      accessPoint: storage.fileSystem.accessPoint,
      accessLogsBucket: storage.accessLogsBucket,
      newFileSystem: true,
    };
  }

  {
    const storage = new Construct(scope, 'Storage');
    // The parts are named as PipelineStorage names them, under 'storageProps'.
    const sharedProps = prefixed({
      encryptionKey: 'encryptionKey',
      serverAccessLogsBucket: 'serverAccessLogsBucket',
      removalPolicy: 'removalPolicy',
    });
    errors.tellPart(storage, 'AccessLogs', 'storageProps.accessLogs', sharedProps);
    errors.tellPart(storage, 'Uploads', 'storageProps.uploads', { ...sharedProps, watchPrefix: 'watchPrefix' });
    errors.tellPart(storage, 'Reports', 'storageProps.reports', sharedProps);
    errors.tellPart(storage, 'FileSystem', 'storageProps.fileSystem', sharedProps);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const needsLogBucket = !inputs.existingUploadBucket || !inputs.existingReportsBucket;
    const accessLogsBucket = needsLogBucket
      ? props.serverAccessLogsBucket ?? new AccessLogsBucket(storage, 'AccessLogs', { removalPolicy, ...props.accessLogs }).bucket
      : undefined;
    const shared = { encryptionKey: props.encryptionKey, serverAccessLogsBucket: accessLogsBucket, removalPolicy };
    const uploads = inputs.existingUploadBucket
      ? UploadBucket.fromBucket(storage, 'Uploads', inputs.existingUploadBucket, inputs.watchPrefix === '' ? undefined : inputs.watchPrefix)
      : new UploadBucket(storage, 'Uploads', { ...shared, ...withoutUndefined(uploadsProps) });
    const reportsBucket = inputs.existingReportsBucket
      ?? new ReportsBucket(storage, 'Reports', { ...shared, ...withoutUndefined(props.reports) }).bucket;
    let fileSystem = inputs.existingFileSystem;
    let accessPoint = inputs.existingAccessPoint;
    if (!fileSystem || !accessPoint) {
      const created = new PipelineFileSystem(storage, 'FileSystem', {
        encryptionKey: props.encryptionKey, removalPolicy, ...withoutUndefined(fileSystemProps),
      });
      fileSystem = created.fileSystem;
      accessPoint = created.accessPoint;
    }
    return { uploads, reportsBucket, fileSystem, accessPoint, accessLogsBucket, newFileSystem: !inputs.existingFileSystem };
  }
}

/** `{ encryptionKey: 'storageProps.encryptionKey', ... }` */
function prefixed(renames: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(renames).map(([prop, to]) => [prop, `storageProps.${to}`]));
}

function validate(errors: ConstructErrors, inputs: StorageInputs, props: PipelineStorageProps): void {
  if (props.network) {
    throw wired(errors, 'storageProps.network', props.network, "leave it out: the file system goes into the pipeline's network");
  }
  if (props.uploads?.watchPrefix !== undefined) {
    throw wired(errors, 'storageProps.uploads.watchPrefix', props.uploads.watchPrefix, "leave it out and set 'watchPrefix', which the trigger, "
      + 'stage-in and upload grants share');
  }
  if (props.fileSystem?.network || props.fileSystem?.vpc) {
    throw wired(errors, props.fileSystem.network ? 'storageProps.fileSystem.network' : 'storageProps.fileSystem.vpc', props.fileSystem.network
      ?? props.fileSystem.vpc,
    "leave it out: the file system goes into the pipeline's network (give 'existingVpc' for a VPC of yours)");
  }
  if (inputs.existingUploadBucket && props.uploads) {
    throw conflict(errors, ['existingUploadBucket'], 'storageProps.uploads', 'an existing bucket is used as it is');
  }
  if (inputs.existingReportsBucket && props.reports) {
    throw conflict(errors, ['existingReportsBucket'], 'storageProps.reports', 'an existing bucket is used as it is');
  }
  if (inputs.existingFileSystem && props.fileSystem) {
    throw conflict(errors, ['existingFileSystem'], 'storageProps.fileSystem', 'an existing file system is used as it is');
  }
  if (!!inputs.existingFileSystem !== !!inputs.existingAccessPoint) {
    const given = inputs.existingFileSystem ? 'existingFileSystem' : 'existingAccessPoint';
    const missing = inputs.existingFileSystem ? 'existingAccessPoint' : 'existingFileSystem';
    throw errors.error(`${errors.prop(given)} was given without ${errors.prop(missing)}; allowed: both (an access point of that file system, `
      + 'which every part mounts), or neither');
  }
  const allExisting = inputs.existingUploadBucket && inputs.existingReportsBucket && inputs.existingFileSystem;
  if (allExisting && Object.values(props).some((value) => value !== undefined)) {
    throw conflict(errors, ['existingUploadBucket', 'existingReportsBucket', 'existingFileSystem'], 'storageProps', 'every part of the storage '
      + 'is given, so nothing would use the options');
  }
}

/** A copy without the keys whose value is undefined, so that spreading it keeps the shared defaults. */
function withoutUndefined<T extends object>(props: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(props ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}
