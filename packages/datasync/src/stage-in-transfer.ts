import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EfsConnectionOptions, EfsLocation } from './efs-location';
import { LocationAccess } from './location';
import { rejectRemove } from './private/stage-options';
import { S3Location } from './s3-location';
import { TransferOptions } from './task-options';
import { TransferFilter } from './transfer-filter';
import { ITransferTask, TransferTask } from './transfer-task';

export interface StageInTransferProps extends TransferOptions, EfsConnectionOptions {
  /** The bucket uploads arrive in. DataSync may only read it. */
  readonly sourceBucket: s3.IBucket;

  /**
   * The prefix uploads arrive under; DataSync may read only objects under it.
   *
   * @default - the whole bucket
   */
  readonly sourcePrefix?: string;

  /** The file system runs work on. */
  readonly fileSystem: efs.IFileSystem;

  /** The access point DataSync mounts the file system through. */
  readonly accessPoint: efs.IAccessPoint;

  /**
   * The directory, relative to the access point's root, that uploads are copied into
   * (an object `uploads/a.csv` under `sourcePrefix` `uploads/` lands at `<destinationDirectory>/a.csv`).
   *
   * @default '/'
   */
  readonly destinationDirectory?: string;

  /**
   * Let DataSync mount the file system as root (`elasticfilesystem:ClientRootAccess`).
   *
   * @default false
   */
  readonly fileSystemRootAccess?: boolean;
}

/**
 * Stage in: the DataSync task that copies an uploaded object from S3 to EFS.
 * The S3 location is read-only; the EFS location is mounted through the access
 * point with IAM authorization and TLS. Start each execution with an `Includes`
 * filter from `includeObject(key)` so that it copies only that object: the task
 * itself would copy everything under the prefix. Deleting files that are not in
 * the source (`PreserveDeletedFiles.REMOVE`) is refused.
 *
 * @example
 * declare const network: IPipelineNetwork;
 * declare const uploads: s3.IBucket;
 * declare const fileSystem: efs.IFileSystem;
 * declare const accessPoint: efs.IAccessPoint;
 * const stageIn = new StageInTransfer(this, 'StageIn', {
 *   network, sourceBucket: uploads, sourcePrefix: 'uploads/', fileSystem, accessPoint, destinationDirectory: '/inputs',
 * });
 */
export class StageInTransfer extends Construct implements ITransferTask {
  /** The task. */
  public readonly task: TransferTask;
  /** The ARN of the task. */
  public readonly taskArn: string;
  /** The read-only S3 location of the uploads. */
  public readonly sourceLocation: S3Location;
  /** The read-write EFS location. */
  public readonly destinationLocation: EfsLocation;
  /** The task's log group, unless logging is `OFF`. */
  public readonly logGroup?: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: StageInTransferProps) {
    super(scope, id);
    rejectRemove(`StageInTransfer '${id}'`, 'the upload bucket and the file system hold files of other runs', props.preserveDeletedFiles);
    this.sourceLocation = new S3Location(this, 'Source', {
      bucket: props.sourceBucket,
      subdirectory: props.sourcePrefix,
      access: LocationAccess.READ_ONLY,
    });
    this.destinationLocation = new EfsLocation(this, 'Destination', {
      fileSystem: props.fileSystem,
      accessPoint: props.accessPoint,
      subdirectory: props.destinationDirectory,
      access: LocationAccess.READ_WRITE,
      rootAccess: props.fileSystemRootAccess,
      network: props.network,
      vpc: props.vpc,
      subnet: props.subnet,
      securityGroup: props.securityGroup,
    });
    this.task = new TransferTask(this, 'Task', {
      ...props,
      source: this.sourceLocation,
      destination: this.destinationLocation,
    });
    this.taskArn = this.task.taskArn;
    this.logGroup = this.task.logGroup;
  }

  /**
   * The `Includes` rule (`{ FilterType, Value }`) that limits one execution to the
   * uploaded object `key`, made relative to `sourcePrefix`.
   *
   * @param key the object key as S3 has it (decoded), or a JSONPath reference to the key relative to `sourcePrefix`
   */
  public includeObject(key: string): { [key: string]: string } {
    const subdirectory = this.sourceLocation.subdirectory;
    return TransferFilter.includeObject(key, { locationSubdirectory: subdirectory === '/' ? undefined : subdirectory });
  }

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.task.grantStartExecution(grantee);
  }

  public grantCancelExecution(grantee: iam.IGrantable): iam.Grant {
    return this.task.grantCancelExecution(grantee);
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.task.metric(metricName, props);
  }

  /** Files transferred, summed over 5 minutes. */
  public metricFilesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.task.metricFilesTransferred(props);
  }

  /** Bytes written to the destination, summed over 5 minutes. */
  public metricBytesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.task.metricBytesTransferred(props);
  }
}
