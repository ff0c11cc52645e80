import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { JsonPath } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EfsConnectionOptions, EfsLocation } from './efs-location';
import { LocationAccess } from './location';
import { subdirectorySegments } from './private/paths';
import { DATASYNC_SERVICE } from './private/service-role';
import { rejectRemove } from './private/stage-options';
import { validatePoolSize, validateTaskName } from './private/task-pool';
import { MANIFEST_PREFIX, TransferManifests } from './private/transfer-manifests';
import { S3Location } from './s3-location';
import { TransferOptions } from './task-options';
import { TransferFilter } from './transfer-filter';
import { ITransferTask, TransferTask } from './transfer-task';

/** The stage-in directory unless one is given: out of the access point's root, where `/runs` lives. */
const DEFAULT_DESTINATION_DIRECTORY = '/staging';
/** Where run directories live on the file system (the run contract); stage in never writes there. */
const RUNS_DIRECTORY = 'runs';

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
   * (an object `uploads/2026/a.csv` under `sourcePrefix` `uploads/` lands at
   * `<destinationDirectory>/2026/a.csv`). It must not be `/runs` or under it, where run
   * directories live. It must exist on the file system before the first execution:
   * DataSync mounts it as the location's mount path and does not document creating it
   * (the pipeline's workspace function creates it).
   *
   * @default '/staging'
   */
  readonly destinationDirectory?: string;

  /**
   * Let DataSync mount the file system as root (`elasticfilesystem:ClientRootAccess`).
   *
   * @default false
   */
  readonly fileSystemRootAccess?: boolean;

  /**
   * The bucket the per-run manifests go to (under `manifests/`): a start that names a manifest
   * (`manifestConfig`) copies exactly the object version it lists. It must not be the upload
   * bucket's watched prefix, where a manifest would start a run.
   *
   * @default - a new bucket: S3-managed encryption, TLS only, public access blocked, objects expire after `manifestRetention`
   */
  readonly manifestBucket?: s3.IBucket;

  /**
   * How long a manifest is kept in the bucket this construct creates; it must outlast the longest
   * stage-in (queueing included), since DataSync reads it when the execution leaves the queue.
   *
   * @default Duration.days(7)
   */
  readonly manifestRetention?: Duration;
}

/** Manifests outlive any stage-in the pipeline's history budget allows. */
const DEFAULT_MANIFEST_RETENTION = Duration.days(7);

/**
 * Stage in: the DataSync task that copies an uploaded object from S3 to EFS.
 * The S3 location is read-only; the EFS location is mounted through the access
 * point with IAM authorization and TLS. Start each execution with an `Includes`
 * filter from `includeObject(key)` so that it copies only that object: the task
 * itself would copy everything under the prefix. Uploads land under
 * `destinationDirectory` (`/staging` by default), never under `/runs`. Deleting
 * files that are not in the source (`PreserveDeletedFiles.REMOVE`) is refused.
 *
 * @example
 * declare const network: IPipelineNetwork;
 * declare const uploads: s3.IBucket;
 * declare const fileSystem: efs.IFileSystem;
 * declare const accessPoint: efs.IAccessPoint;
 * const stageIn = new StageInTransfer(this, 'StageIn', {
 *   network, sourceBucket: uploads, sourcePrefix: 'uploads/', fileSystem, accessPoint, destinationDirectory: '/staging',
 * });
 */
export class StageInTransfer extends Construct implements ITransferTask {
  /** The task, or the pool of tasks when `poolSize` is above 1. */
  public readonly task: TransferTask;
  /** The ARN of the task; in a pool, of its first task. */
  public readonly taskArn: string;
  /** The ARNs of every task of the pool, in order (one without a pool). */
  public readonly taskArns: string[];
  /** The read-only S3 location of the uploads. */
  public readonly sourceLocation: S3Location;
  /** The read-write EFS location. */
  public readonly destinationLocation: EfsLocation;
  /** The task's log group, unless logging is `OFF`. */
  public readonly logGroup?: logs.ILogGroup;
  /**
   * The normalized directory uploads land in, relative to the access point's root
   * (`/staging/` by default); it must exist before the first execution.
   */
  public readonly destinationDirectory: string;
  /** The bucket the per-run manifests go to, under `manifestPrefix`. */
  public readonly manifestBucket: s3.IBucket;
  /** The key prefix of the manifests: `manifests/`. */
  public readonly manifestPrefix: string = MANIFEST_PREFIX;
  /** The role DataSync reads the manifests with; starting an execution with a manifest passes it. */
  public readonly manifestReadRole: iam.IRole;
  /** How long a manifest is kept (for a bucket this construct created). */
  public readonly manifestRetention: Duration;
  private readonly manifests: TransferManifests;

  constructor(scope: Construct, id: string, props: StageInTransferProps) {
    super(scope, id);
    const errors = ConstructErrors.of(this, 'StageInTransfer');
    rejectRemove(errors, 'the upload bucket and the file system hold files of other runs', props.preserveDeletedFiles);
    validateTaskName(errors, props.taskName, validatePoolSize(errors, props.poolSize));
    const given = props.destinationDirectory ?? DEFAULT_DESTINATION_DIRECTORY;
    // A path that is not valid at all is reported by the EFS location, with the rules it breaks.
    const segments = Token.isUnresolved(given) ? undefined : subdirectorySegments(given);
    if (segments !== undefined && segments[0] === RUNS_DIRECTORY) {
      throw errors.error(`${errors.prop('destinationDirectory')} '${given}' is not valid; allowed: a directory outside '/runs', `
        + `where run directories live, such as '${DEFAULT_DESTINATION_DIRECTORY}'`);
    }
    // Errors of the parts name this construct and the prop the user set.
    errors.tellPart(this, 'Source', '', { bucket: 'sourceBucket', subdirectory: 'sourcePrefix' });
    errors.tellPart(this, 'Destination', '', { subdirectory: 'destinationDirectory', rootAccess: 'fileSystemRootAccess' });
    errors.tellPart(this, 'Task', '');
    this.sourceLocation = new S3Location(this, 'Source', {
      bucket: props.sourceBucket,
      subdirectory: props.sourcePrefix,
      access: LocationAccess.READ_ONLY,
    });
    this.destinationLocation = new EfsLocation(this, 'Destination', {
      fileSystem: props.fileSystem,
      accessPoint: props.accessPoint,
      subdirectory: given,
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
    this.taskArns = this.task.taskArns;
    this.logGroup = this.task.logGroup;
    this.destinationDirectory = this.destinationLocation.subdirectory;
    this.manifestRetention = props.manifestRetention ?? DEFAULT_MANIFEST_RETENTION;
    this.manifests = new TransferManifests(this, 'Manifests', { bucket: props.manifestBucket, retention: this.manifestRetention, errors });
    this.manifestBucket = this.manifests.bucket;
    this.manifestReadRole = this.manifests.readRole;
  }

  /**
   * The `ManifestConfig` of a StartTaskExecution that copies exactly what the CSV manifest at
   * `objectPath` in the manifest bucket lists: one line per object, its key relative to
   * `sourcePrefix`, then a comma and the version id to copy (DataSync User Guide, "Transferring
   * specific files or objects by using a manifest"). DataSync reads it with `manifestReadRole`.
   *
   * @param objectPath the manifest's key, under `manifestPrefix`; may be a JSONPath reference (`JsonPath.format(...)`)
   */
  public manifestConfig(objectPath: string): { [key: string]: any } {
    return {
      Action: 'TRANSFER',
      Format: 'CSV',
      Source: {
        S3: { ManifestObjectPath: objectPath, BucketAccessRoleArn: this.manifestReadRole.roleArn, S3BucketArn: this.manifestBucket.bucketArn },
      },
    };
  }

  /** Lets `grantee` write manifests under `manifestPrefix` (and use the bucket's key to encrypt them). */
  public grantWriteManifest(grantee: iam.IGrantable): iam.Grant {
    return this.manifests.grantWrite(grantee);
  }

  /**
   * The `Includes` rule (`{ FilterType, Value }`) that limits one execution to the
   * uploaded object `key`. A plain key is the full S3 key (decoded) and is made
   * relative to `sourcePrefix` (`uploads/2026/a.csv` gives `/2026/a.csv`). A JSONPath
   * reference (`JsonPath.stringAt('$.relativeKey')`) cannot be cut at synth time, so by
   * contract it must point at the key already relative to `sourcePrefix`
   * (`2026/a.csv`), and becomes `States.Format('/{}', $.relativeKey)`.
   *
   * @param key the full object key as S3 has it (decoded), or a JSONPath reference to the key relative to `sourcePrefix`
   */
  public includeObject(key: string): { [key: string]: string } {
    if (JsonPath.isEncodedJsonPath(key)) {
      return TransferFilter.includeObject(key);
    }
    const prefix = this.sourceLocation.subdirectory;
    if (prefix === '/') {
      return TransferFilter.includeObject(key);
    }
    if (Token.isUnresolved(prefix)) {
      return TransferFilter.includeObject(key, { locationSubdirectory: prefix });
    }
    const relativePrefix = prefix.slice(1);
    if (!Token.isUnresolved(key) && !key.startsWith(relativePrefix)) {
      throw new Error(`StageInTransfer '${this.node.id}': 'key' '${key}' is not under 'sourcePrefix' '${relativePrefix}'; allowed: `
        + `the full key of an upload, starting with '${relativePrefix}', or a JSONPath reference to the key relative to it`);
    }
    return TransferFilter.includeObject(key, { locationSubdirectory: prefix });
  }

  /**
   * Lets `grantee` start executions of the task (or pool), with or without a manifest: also
   * `iam:PassRole` of `manifestReadRole`, to DataSync only, which a start that names it passes.
   */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.task.grantStartExecution(grantee).combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.manifestReadRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': DATASYNC_SERVICE } },
    }));
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
