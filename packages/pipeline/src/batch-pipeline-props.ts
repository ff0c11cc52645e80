import { QualityControlDesktopOptions } from '@batch-pipeline/appstream';
import { BatchProcessorOptions, JobImage } from '@batch-pipeline/batch';
import { TransferOptions } from '@batch-pipeline/datasync';
import { PipelineNetworkProps } from '@batch-pipeline/network';
import { PipelineOrchestrationOptions } from '@batch-pipeline/orchestration';
import { IUploadBucket, PipelineStorageProps } from '@batch-pipeline/storage';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';

/** The storage of a pipeline, whether it created it or was given existing resources. */
export interface IBatchPipelineStorage {
  /** The upload bucket and the prefix it watches, with grants scoped to that prefix. */
  readonly uploads: IUploadBucket;
  /** The bucket reports land in. */
  readonly reportsBucket: s3.IBucket;
  /** The EFS file system runs are staged on. */
  readonly fileSystem: efs.IFileSystem;
  /** The access point every part mounts the file system through. */
  readonly accessPoint: efs.IAccessPoint;
  /** The bucket that receives the server access logs of the new buckets; undefined when both buckets were given. */
  readonly accessLogsBucket?: s3.IBucket;
}

/**
 * The optional AppStream 2.0 quality-control desktop: the `QualityControlDesktop` options (without
 * the network, buckets and access point, which the pipeline wires) and what it may reach.
 */
export interface BatchPipelineDesktopOptions extends QualityControlDesktopOptions {
  /**
   * Let the desktop list and read the upload bucket too.
   *
   * @default true
   */
  readonly readUploads?: boolean;

  /**
   * Let the desktop mount the pipeline's file system read-only through its access point.
   *
   * @default false
   */
  readonly mountFileSystem?: boolean;
}

/** The props of `BatchPipeline`. */
export interface BatchPipelineProps {
  /** The job's container image; its registry must be reachable in the egress mode (`networkProps.egress`). */
  readonly image: JobImage;

  /**
   * The key prefix of the upload bucket whose uploads start runs (ends with `/`; `''`
   * watches the whole bucket). The trigger's filter, the stage-in's source prefix, the
   * state machine's upload prefix and `grantUpload` are all derived from it.
   *
   * @default 'incoming/'
   */
  readonly watchPrefix?: string;

  /**
   * The key prefix of the reports bucket reports go under (ends with `/`); a run's
   * report lands under `<reportsPrefix>runs/<runId>/out/`. The stage-out's destination
   * prefix, the state machine's reports prefix and `grantReadReports` are derived from it.
   *
   * @default 'reports/'
   */
  readonly reportsPrefix?: string;

  /**
   * Options of the network (egress mode, CIDR, AZs, endpoints, flow logs). With
   * `existingVpc`, tell here how that VPC reaches the internet (`egress`) and which
   * subnets to use (`jobSubnets`, `privateSubnets`); `vpc` itself is not allowed here.
   *
   * @default - the `PipelineNetwork` defaults: a new VPC, `EgressMode.NAT_GATEWAY`
   */
  readonly networkProps?: PipelineNetworkProps;

  /**
   * An existing VPC to run the pipeline in, instead of a new one.
   *
   * @default - a new VPC
   */
  readonly existingVpc?: ec2.IVpc;

  /**
   * Options of the buckets and the file system (`PipelineStorageProps`). `network`,
   * `uploads.watchPrefix`, `fileSystem.network` and `fileSystem.vpc` are wired by the
   * pipeline and refused here.
   *
   * @default - the `PipelineStorage` defaults
   */
  readonly storageProps?: PipelineStorageProps;

  /**
   * An existing bucket to watch for uploads, instead of a new one. Not changed
   * except for the trigger's event notifications.
   *
   * @default - a new `UploadBucket`
   */
  readonly existingUploadBucket?: s3.IBucket;

  /**
   * An existing bucket to write reports to, instead of a new one.
   *
   * @default - a new `ReportsBucket`
   */
  readonly existingReportsBucket?: s3.IBucket;

  /**
   * An existing EFS file system, instead of a new one; give `existingAccessPoint` with it.
   * It must be in the pipeline's VPC with a mount target in each AZ of the private subnets;
   * NFS to it is opened from the jobs, the transfers and the workspace function.
   *
   * @default - a new `PipelineFileSystem`
   */
  readonly existingFileSystem?: efs.IFileSystem;

  /**
   * An access point of `existingFileSystem` that every part mounts.
   *
   * @default - the new file system's access point
   */
  readonly existingAccessPoint?: efs.IAccessPoint;

  /**
   * Options of the Batch job: every `BatchProcessorProps` option except the network, file
   * system, access point and image, which the pipeline wires.
   *
   * @default - the `BatchProcessor` defaults
   */
  readonly processorProps?: BatchProcessorOptions;

  /**
   * Options of the stage-in DataSync transfer (for example `poolSize`). Not allowed with `StagingStrategy.DIRECT`.
   *
   * @default - the `StageInTransfer` defaults
   */
  readonly stageInProps?: TransferOptions;

  /**
   * Options of the stage-out DataSync transfer (for example `poolSize`). Not allowed with `StagingStrategy.DIRECT`.
   *
   * @default - the `StageOutTransfer` defaults
   */
  readonly stageOutProps?: TransferOptions;

  /**
   * Options of the trigger and the state machine: staging, threshold, timeouts, suffixes,
   * reserved concurrency, topics (every `PipelineOrchestrationProps` option except the parts the pipeline wires).
   *
   * @default - the `PipelineOrchestration` defaults
   */
  readonly orchestrationProps?: PipelineOrchestrationOptions;

  /**
   * An existing topic for the failure notifications, instead of a new encrypted one.
   *
   * @default - a new topic with a new KMS key (rotation on), TLS enforced
   */
  readonly existingNotificationTopic?: sns.ITopic;

  /**
   * An AppStream 2.0 quality-control desktop in the pipeline's private subnets.
   *
   * @default - no desktop, nothing of AppStream 2.0 is created
   */
  readonly desktop?: BatchPipelineDesktopOptions;

  /**
   * A CloudWatch dashboard of the pipeline's runs, run duration, undelivered
   * notifications, trigger errors, dead letters and alarms.
   *
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * Stack outputs of what a user needs after `cdk deploy`, named after this construct's id:
   * `<id>UploadBucketName`, `<id>UploadLocation` (`s3://<bucket>/<watchPrefix>`),
   * `<id>ReportsBucketName`, `<id>ReportsLocation` (`s3://<bucket>/<reportsPrefix>runs/`),
   * `<id>StateMachineArn`, `<id>NotificationTopicArn`, `<id>JobLogGroupName`, and with them
   * `<id>DashboardName` and `<id>DesktopStackName`. `false` adds none.
   *
   * @default true
   */
  readonly outputs?: boolean;

  /**
   * The value of the `batch-pipeline:pipeline` cost allocation tag on the pipeline's billed
   * resources (job definition, and through it each job's Fargate task; state machine, functions,
   * DataSync tasks, file system, buckets, topic, queue, log groups, key, alarms, NAT gateway and
   * interface endpoints). Activate the tag key in the Billing console to split the bill per pipeline.
   *
   * @default - the construct's path, such as `MyStack/Pipeline`
   */
  readonly costAllocationTag?: string;
}
