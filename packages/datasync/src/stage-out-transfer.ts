import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EfsConnectionOptions, EfsLocation } from './efs-location';
import { LocationAccess } from './location';
import { rejectRemove } from './private/stage-options';
import { validatePoolSize, validateTaskName } from './private/task-pool';
import { S3Location, S3StorageClass } from './s3-location';
import { TransferOptions } from './task-options';
import { RunOutputFilterOptions, TransferFilter } from './transfer-filter';
import { ITransferTask, TransferTask } from './transfer-task';

export interface StageOutTransferProps extends TransferOptions, EfsConnectionOptions {
  /** The file system runs work on. DataSync may only read it. */
  readonly fileSystem: efs.IFileSystem;

  /** The access point DataSync mounts the file system through. */
  readonly accessPoint: efs.IAccessPoint;

  /**
   * The directory, relative to the access point's root, that the task copies from;
   * run output filters are relative to it.
   *
   * @default '/'
   */
  readonly sourceDirectory?: string;

  /** The bucket reports land in. */
  readonly destinationBucket: s3.IBucket;

  /**
   * The prefix reports land under; DataSync may write only under it. A run's output
   * `/runs/<runId>/out/report.csv` lands at `<prefix>runs/<runId>/out/report.csv`.
   *
   * @default - the whole bucket
   */
  readonly destinationPrefix?: string;

  /**
   * The storage class of the report objects.
   *
   * @default S3StorageClass.STANDARD
   */
  readonly destinationStorageClass?: S3StorageClass;

  /**
   * Let DataSync mount the file system as root (`elasticfilesystem:ClientRootAccess`).
   *
   * @default false
   */
  readonly fileSystemRootAccess?: boolean;
}

/**
 * Stage out: the DataSync task that copies a run's output directory from EFS to
 * the reports bucket. The EFS location is read-only (mounted through the access
 * point with IAM authorization and TLS); the S3 location may write only under
 * the reports prefix. Start each execution with an `Includes` filter from
 * `includeRunOutput(runId)` so that it copies only that run's output.
 * Deleting files that are not in the source (`PreserveDeletedFiles.REMOVE`) is refused.
 *
 * @example
 * declare const network: IPipelineNetwork;
 * declare const reports: s3.IBucket;
 * declare const fileSystem: efs.IFileSystem;
 * declare const accessPoint: efs.IAccessPoint;
 * new StageOutTransfer(this, 'StageOut', { network, fileSystem, accessPoint, destinationBucket: reports, destinationPrefix: 'reports/' });
 */
export class StageOutTransfer extends Construct implements ITransferTask {
  /** The task, or the pool of tasks when `poolSize` is above 1. */
  public readonly task: TransferTask;
  /** The ARN of the task; in a pool, of its first task. */
  public readonly taskArn: string;
  /** The ARNs of every task of the pool, in order (one without a pool). */
  public readonly taskArns: string[];
  /** The read-only EFS location. */
  public readonly sourceLocation: EfsLocation;
  /** The read-write S3 location of the reports. */
  public readonly destinationLocation: S3Location;
  /** The task's log group, unless logging is `OFF`. */
  public readonly logGroup?: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: StageOutTransferProps) {
    super(scope, id);
    const errors = ConstructErrors.of(this, 'StageOutTransfer');
    rejectRemove(errors, 'the reports bucket holds the reports of other runs', props.preserveDeletedFiles);
    validateTaskName(errors, props.taskName, validatePoolSize(errors, props.poolSize));
    // Errors of the parts name this construct and the prop the user set.
    errors.tellPart(this, 'Source', '', { subdirectory: 'sourceDirectory', rootAccess: 'fileSystemRootAccess' });
    errors.tellPart(this, 'Destination', '', {
      bucket: 'destinationBucket',
      subdirectory: 'destinationPrefix',
      storageClass: 'destinationStorageClass',
    });
    errors.tellPart(this, 'Task', '');
    this.sourceLocation = new EfsLocation(this, 'Source', {
      fileSystem: props.fileSystem,
      accessPoint: props.accessPoint,
      subdirectory: props.sourceDirectory,
      access: LocationAccess.READ_ONLY,
      rootAccess: props.fileSystemRootAccess,
      network: props.network,
      vpc: props.vpc,
      subnet: props.subnet,
      securityGroup: props.securityGroup,
    });
    this.destinationLocation = new S3Location(this, 'Destination', {
      bucket: props.destinationBucket,
      subdirectory: props.destinationPrefix,
      access: LocationAccess.READ_WRITE,
      storageClass: props.destinationStorageClass,
    });
    this.task = new TransferTask(this, 'Task', {
      ...props,
      source: this.sourceLocation,
      destination: this.destinationLocation,
    });
    this.taskArn = this.task.taskArn;
    this.taskArns = this.task.taskArns;
    this.logGroup = this.task.logGroup;
  }

  /**
   * The `Includes` rule (`{ FilterType, Value }`) that limits one execution to one
   * run's output directory (`/runs/<runId>/out/*` by default).
   *
   * @param runId the run id, or a JSONPath reference to it
   */
  public includeRunOutput(runId: string, options: RunOutputFilterOptions = {}): { [key: string]: string } {
    return TransferFilter.includeRunOutput(runId, options);
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

  /** Files transferred, summed over 5 minutes; in a pool, by its first task only (see `metricPoolFilesTransferred`). */
  public metricFilesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.task.metricFilesTransferred(props);
  }

  /** Bytes written to the destination, summed over 5 minutes; in a pool, by its first task only (see `metricPoolBytesTransferred`). */
  public metricBytesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.task.metricBytesTransferred(props);
  }

  public metricPool(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.task.metricPool(metricName, props);
  }

  /** The metric of each task of the pool, in the order of `taskArns`. */
  public metricPerTask(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric[] {
    return this.task.metricPerTask(metricName, props);
  }

  /** Files transferred by every task of the pool, summed over 5 minutes. */
  public metricPoolFilesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.task.metricPoolFilesTransferred(props);
  }

  /** Bytes written to the destination by every task of the pool, summed over 5 minutes. */
  public metricPoolBytesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.task.metricPoolBytesTransferred(props);
  }
}
