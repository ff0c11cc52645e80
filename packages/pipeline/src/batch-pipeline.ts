import { FleetType, IQualityControlDesktop, QualityControlDesktop, StreamView, UserSettings } from '@batch-pipeline/appstream';
import { BatchProcessor, IBatchProcessor, JobArchitecture, JobImage } from '@batch-pipeline/batch';
import { ITransferTask, StageInTransfer, StageOutTransfer, TransferOptions } from '@batch-pipeline/datasync';
import { IPipelineNetwork, PipelineNetwork, PipelineNetworkProps } from '@batch-pipeline/network';
import { PipelineOrchestration, StagingStrategy, ZeroByteObjects } from '@batch-pipeline/orchestration';
import { IUploadBucket, PipelineStorageProps } from '@batch-pipeline/storage';
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { tagForCostAllocation } from './private/cost-allocation';
import { createDashboard } from './private/dashboard';
import { asPipeline, conflict, invalid } from './private/errors';
import { addPipelineOutputs } from './private/outputs';
import { createStorage } from './private/storage-parts';

const NFS_PORT = 2049;
const DEFAULT_WATCH_PREFIX = 'incoming/';
const DEFAULT_REPORTS_PREFIX = 'reports/';
const PREFIX_FOLDER = /^[A-Za-z0-9!_.*'()-]+$/;
const PREFIX_ALLOWED = "'' or one or more folder names of letters, digits and ! - _ . * ' ( ) (not . or ..), each followed by '/', without a leading '/', such as reports/";

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
 * Options of the Batch job (`BatchProcessorProps` without what the pipeline
 * wires: network, file system, access point and image).
 */
export interface BatchPipelineProcessorOptions {
  /**
   * The command the container runs.
   *
   * @default - the image's `CMD`
   */
  readonly command?: string[];

  /**
   * How the same job runs as a local process, as an argument list, for example
   * `['node', 'job/report.mjs']` (recorded in the job definition's metadata for the local runtime).
   *
   * @default - the local runtime can run the job only in a container
   */
  readonly localCommand?: string[];

  /**
   * Environment variables that are the same for every run; the run contract's
   * `PIPELINE_*` variables cannot be given here.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Environment variables read from Secrets Manager or SSM Parameter Store when the job starts.
   * With `EgressMode.VPC_ENDPOINTS`, add the matching interface endpoint with `networkProps.additionalInterfaceEndpoints`.
   *
   * @default - none
   */
  readonly secrets?: { [name: string]: batch.Secret };

  /**
   * vCPUs of the job: 0.25, 0.5, 1, 2, 4, 8 or 16.
   *
   * @default 1
   */
  readonly vcpu?: number;

  /**
   * Memory of the job in MiB; the valid values depend on `vcpu`.
   *
   * @default 2048
   */
  readonly memoryMiB?: number;

  /**
   * Ephemeral storage of the job in GiB, from 21 to 200.
   *
   * @default - 20 GiB, the Fargate default
   */
  readonly ephemeralStorageGiB?: number;

  /**
   * CPU architecture of the job (and of an image built with `JobImage.fromAsset`).
   *
   * @default JobArchitecture.X86_64
   */
  readonly architecture?: JobArchitecture;

  /**
   * Run jobs on Fargate Spot. Not available with `JobArchitecture.ARM64`.
   *
   * @default false
   */
  readonly spot?: boolean;

  /**
   * The most vCPUs that run at once (bounds parallel jobs); must fit the job subnets.
   *
   * @default - 16, or less when the job subnets hold fewer concurrent jobs
   */
  readonly maxvCpus?: number;

  /**
   * Fargate platform version; EFS volumes need 1.4.0 or later.
   *
   * @default ecs.FargatePlatformVersion.LATEST
   */
  readonly platformVersion?: ecs.FargatePlatformVersion;

  /**
   * How many times a job is attempted, from 1 to 10.
   *
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * Exit codes (1-255, at most 4) that mean a transient failure and are retried.
   *
   * @default - no exit code is retried
   */
  readonly retryExitCodes?: number[];

  /**
   * How long one attempt may run; at least 60 seconds.
   *
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;

  /**
   * How long a job that cannot be placed (no capacity, a resource request the compute environment
   * cannot meet) may wait `RUNNABLE` at the head of the queue before the queue cancels it, with its
   * reason in the failure notification; whole seconds from 10 minutes to 24 hours.
   *
   * @default Duration.minutes(30)
   */
  readonly runnableTimeout?: Duration;

  /**
   * Where the access point root is mounted in the container. The run contract's
   * `PIPELINE_INPUT_PATH` and `PIPELINE_OUTPUT_DIR` are derived from it.
   *
   * @default RunContract.DEFAULT_MOUNT_PATH ('/mnt/pipeline')
   */
  readonly mountPath?: string;

  /**
   * Mount the container's root file system read-only.
   *
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;

  /**
   * How long job logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * KMS key that encrypts the job log group.
   *
   * @default - the CloudWatch Logs service key
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * What happens to the job log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Addresses in the job subnets that other network interfaces take, for the subnet capacity check.
   *
   * @default - estimated from the network (EFS mount targets, Lambda, endpoints, DataSync)
   */
  readonly reservedAddresses?: number;
}

/**
 * Options of the trigger and the state machine (`PipelineOrchestrationProps`
 * without what the pipeline wires: transfers, processor, buckets, prefixes,
 * access point, network and notification topic).
 */
export interface BatchPipelineOrchestrationOptions {
  /**
   * How runs copy uploads onto EFS and outputs to the reports bucket. With
   * `DIRECT` no DataSync task is created.
   *
   * @default StagingStrategy.AUTO
   */
  readonly staging?: StagingStrategy;

  /**
   * `AUTO` stages an upload (and an output) of at most this size directly, larger ones with DataSync; at most 9000 MiB.
   *
   * @default Size.gibibytes(4)
   */
  readonly directStagingThreshold?: Size;

  /**
   * Only keys ending in one of these start a run, for example `['.csv']`.
   *
   * @default - every suffix
   */
  readonly suffixes?: string[];

  /**
   * Whether an empty object starts a run.
   *
   * @default ZeroByteObjects.SKIP
   */
  readonly zeroByteObjects?: ZeroByteObjects;

  /**
   * Whether an upload under the watched prefix that starts no run (empty, suffix not watched, a key
   * EFS cannot hold) is published to the notification topic, naming the key and the reason.
   *
   * @default true
   */
  readonly notifyRefusedUploads?: boolean;

  /**
   * Reserved concurrency of the trigger function.
   *
   * @default - no reservation
   */
  readonly reservedConcurrency?: number;

  /**
   * The first wait before a status check of a DataSync execution; later waits double.
   *
   * @default Duration.seconds(5)
   */
  readonly pollInterval?: Duration;

  /**
   * The longest wait between two status checks of a DataSync execution.
   *
   * @default Duration.minutes(5)
   */
  readonly maxPollInterval?: Duration;

  /**
   * How long stage-in may take, queueing included.
   *
   * @default Duration.hours(1)
   */
  readonly stageInTimeout?: Duration;

  /**
   * How long the Batch job may take, waiting for capacity included; at least the job's attempts x attempt timeout.
   *
   * @default - the job's attempts x attempt timeout plus 30 minutes
   */
  readonly processTimeout?: Duration;

  /**
   * How long stage-out may take, queueing included.
   *
   * @default Duration.hours(1)
   */
  readonly stageOutTimeout?: Duration;

  /**
   * How long a whole run may take; not shorter than the steps together.
   *
   * @default - the steps' timeouts together plus 15 minutes
   */
  readonly runTimeout?: Duration;

  /**
   * Publish a success message for every run that completes, to this topic.
   *
   * @default - no success notification
   */
  readonly successTopic?: sns.ITopic;

  /**
   * Where the alarms (failed and timed-out runs, undelivered notifications, trigger errors, dead letters) send their state changes.
   *
   * @default - no alarm actions; the alarms are on the dashboard
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * How long execution, trigger and workspace function logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The optional AppStream 2.0 quality-control desktop (`QualityControlDesktopProps` without the wired network, buckets and access point). */
export interface BatchPipelineDesktopOptions {
  /** Name of the AppStream 2.0 image with the quality-control tools (build it first, see the appstream README). */
  readonly imageName: string;

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

  /**
   * Private subnets of the streaming instances.
   *
   * @default - the network's private subnets
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * When the streaming instances run.
   *
   * @default FleetType.ON_DEMAND
   */
  readonly fleetType?: FleetType;

  /**
   * Instance type, `stream.<family>.<size>`.
   *
   * @default 'stream.standard.medium'
   */
  readonly instanceType?: string;

  /**
   * Number of streaming instances (users streaming at the same time).
   *
   * @default 1
   */
  readonly desiredCapacity?: number;

  /**
   * How long users may be idle before they are disconnected; 0, or 60 seconds to 10 hours.
   *
   * @default Duration.minutes(30)
   */
  readonly idleDisconnectTimeout?: Duration;

  /**
   * How long a session stays alive after its user disconnected; 60 seconds to 100 hours.
   *
   * @default Duration.seconds(60)
   */
  readonly disconnectTimeout?: Duration;

  /**
   * The longest a streaming session may last; 10 minutes to 5 days.
   *
   * @default Duration.hours(2)
   */
  readonly maxSessionDuration?: Duration;

  /**
   * What users see when they connect.
   *
   * @default StreamView.DESKTOP
   */
  readonly streamView?: StreamView;

  /**
   * Persistent home folders, stored by AppStream 2.0 in a bucket it creates.
   *
   * @default true
   */
  readonly homeFolders?: boolean;

  /**
   * Clipboard, file transfer, printing and sign-in permissions.
   *
   * @default - paste and upload in; no copy, download or printing out
   */
  readonly userSettings?: UserSettings;

  /**
   * Name of the fleet.
   *
   * @default - generated from the construct path
   */
  readonly fleetName?: string;

  /**
   * Fleet name shown in the console.
   *
   * @default 'Batch pipeline quality control'
   */
  readonly fleetDisplayName?: string;

  /**
   * Fleet description.
   *
   * @default 'Streaming instances of the batch pipeline quality-control desktop'
   */
  readonly fleetDescription?: string;

  /**
   * Name of the AppStream 2.0 stack.
   *
   * @default - generated from the construct path
   */
  readonly stackName?: string;

  /**
   * Stack name shown on the streaming portal.
   *
   * @default 'Batch pipeline quality control'
   */
  readonly stackDisplayName?: string;

  /**
   * Stack description.
   *
   * @default 'Quality control of the batch pipeline inputs and reports'
   */
  readonly stackDescription?: string;

  /**
   * Id of the AWS-managed S3 prefix list of the stack's region.
   *
   * @default - looked up at synth (needs a stack with a concrete account and region)
   */
  readonly s3PrefixListId?: string;
}

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
   * Options of the Batch job.
   *
   * @default - the `BatchProcessor` defaults
   */
  readonly processorProps?: BatchPipelineProcessorOptions;

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
   * Options of the trigger and the state machine: staging, threshold, timeouts, suffixes, reserved concurrency, topics.
   *
   * @default - the `PipelineOrchestration` defaults
   */
  readonly orchestrationProps?: BatchPipelineOrchestrationOptions;

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

/**
 * The whole batch pipeline in one construct: network, storage, the DataSync
 * stage-in and stage-out transfers, the Batch job, the trigger and the state
 * machine, optionally a quality-control desktop, and a dashboard, all with the
 * safe defaults of their packages. Uploads under `watchPrefix` of the upload
 * bucket start one run each; reports land under `<reportsPrefix>runs/<runId>/out/`
 * of the reports bucket; every failed run sends one notification.
 *
 * Every part can be configured (`networkProps`, `storageProps`, ...) or replaced
 * by an existing resource (`existingVpc`, `existingUploadBucket`, ...).
 *
 * @example
 * declare const jobDirectory: string;
 * const pipeline = new BatchPipeline(this, 'Pipeline', {
 *   image: JobImage.fromAsset(jobDirectory),
 * });
 */
export class BatchPipeline extends Construct {
  /** The network: VPC, subnets, egress mode, security groups. */
  public readonly network: IPipelineNetwork;
  /** The upload and reports buckets and the file system with its access point. */
  public readonly storage: IBatchPipelineStorage;
  /** The stage-in DataSync transfer; undefined with `StagingStrategy.DIRECT`. */
  public readonly stageIn?: ITransferTask;
  /** The stage-out DataSync transfer; undefined with `StagingStrategy.DIRECT`. */
  public readonly stageOut?: ITransferTask;
  /** The Batch compute environment, job queue and job definition. */
  public readonly processor: IBatchProcessor;
  /** The trigger and the state machine, with their alarms. */
  public readonly orchestration: PipelineOrchestration;
  /** The state machine: one execution per upload, named after the run id. */
  public readonly stateMachine: sfn.IStateMachine;
  /** The topic every failed run notifies. */
  public readonly notificationTopic: sns.ITopic;
  /** The key prefix whose uploads start runs. */
  public readonly watchPrefix: string;
  /** The key prefix reports go under. */
  public readonly reportsPrefix: string;
  /** How runs stage their files. */
  public readonly staging: StagingStrategy;
  /** The quality-control desktop, when `desktop` was given. */
  public readonly desktop?: IQualityControlDesktop;
  /** The dashboard, unless `dashboard` is false. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BatchPipelineProps) {
    super(scope, id);
    this.watchPrefix = props.watchPrefix ?? DEFAULT_WATCH_PREFIX;
    this.reportsPrefix = props.reportsPrefix ?? DEFAULT_REPORTS_PREFIX;
    const orchestrationProps = props.orchestrationProps ?? {};
    this.staging = orchestrationProps.staging ?? StagingStrategy.AUTO;
    validateProps(id, props, this.watchPrefix, this.reportsPrefix, this.staging);
    tagForCostAllocation(this, id, props.costAllocationTag);

    // Network.
    const network = asPipeline(id, 'networkProps', { vpc: 'existingVpc' }, () => new PipelineNetwork(this, 'Network', {
      ...props.networkProps,
      vpc: props.existingVpc,
    }));
    this.network = network;

    // Storage.
    const storage = createStorage(this, id, {
      network,
      watchPrefix: this.watchPrefix,
      storageProps: props.storageProps,
      existingUploadBucket: props.existingUploadBucket,
      existingReportsBucket: props.existingReportsBucket,
      existingFileSystem: props.existingFileSystem,
      existingAccessPoint: props.existingAccessPoint,
    });
    this.storage = storage;
    const { fileSystem, accessPoint } = storage;

    // DataSync transfers (none with DIRECT). A file system of the pipeline carries the
    // network's file-system security group; an existing one is reached through its own groups.
    const transferConnection = storage.newFileSystem
      ? { network }
      : { vpc: network.vpc, subnet: network.vpc.selectSubnets(network.privateSubnets).subnets[0] };
    let stageIn: StageInTransfer | undefined;
    let stageOut: StageOutTransfer | undefined;
    if (this.staging !== StagingStrategy.DIRECT) {
      stageIn = asPipeline(id, 'stageInProps', { sourcePrefix: 'watchPrefix' }, () => new StageInTransfer(this, 'StageIn', {
        ...props.stageInProps,
        ...transferConnection,
        sourceBucket: storage.uploads.bucket,
        sourcePrefix: storage.uploads.watchPrefix === '' ? undefined : storage.uploads.watchPrefix,
        fileSystem,
        accessPoint,
      }));
      stageOut = asPipeline(id, 'stageOutProps', { destinationPrefix: 'reportsPrefix' }, () => new StageOutTransfer(this, 'StageOut', {
        ...props.stageOutProps,
        ...transferConnection,
        fileSystem,
        accessPoint,
        destinationBucket: storage.reportsBucket,
        destinationPrefix: this.reportsPrefix === '' ? undefined : this.reportsPrefix,
      }));
    }
    this.stageIn = stageIn;
    this.stageOut = stageOut;

    // Batch job.
    const processor = asPipeline(id, 'processorProps', { image: 'image' }, () => new BatchProcessor(this, 'Processor', {
      ...props.processorProps,
      network,
      fileSystem,
      accessPoint,
      image: props.image,
    }));
    this.processor = processor;

    // Trigger and state machine.
    const orchestration = asPipeline(id, 'orchestrationProps', { uploadPrefix: 'watchPrefix', reportsPrefix: 'reportsPrefix' },
      () => new PipelineOrchestration(this, 'Orchestration', {
        ...orchestrationProps,
        staging: this.staging,
        stageIn,
        stageOut,
        processor: this.processor,
        accessPoint,
        network,
        uploadBucket: stageIn ? undefined : storage.uploads.bucket,
        uploadPrefix: stageIn ? undefined : storage.uploads.watchPrefix,
        reportsBucket: stageOut ? undefined : storage.reportsBucket,
        reportsPrefix: stageOut ? undefined : this.reportsPrefix,
        notificationTopic: props.existingNotificationTopic,
        watchWholeBucket: this.watchPrefix === '',
      }));
    this.orchestration = orchestration;
    this.stateMachine = orchestration.stateMachine.stateMachine;
    this.notificationTopic = orchestration.stateMachine.notificationTopic;

    // Optional desktop.
    if (props.desktop) {
      const { readUploads, mountFileSystem, ...desktopProps } = props.desktop;
      const desktop = asPipeline(id, 'desktop', {}, () => new QualityControlDesktop(this, 'Desktop', {
        ...desktopProps,
        network,
        reportsBucket: storage.reportsBucket,
        uploadBucket: (readUploads ?? true) ? storage.uploads.bucket : undefined,
        fileSystemAccessPoint: mountFileSystem ? accessPoint : undefined,
      }));
      if (mountFileSystem && !storage.newFileSystem) {
        desktop.securityGroup.connections.allowTo(fileSystem, ec2.Port.tcp(NFS_PORT), 'NFS from the quality-control desktop');
      }
      this.desktop = desktop;
    }

    if (props.dashboard ?? true) {
      this.dashboard = createDashboard(this, orchestration, {
        runsStarted: this.metricRunsStarted(),
        runsSucceeded: this.metricRunsSucceeded(),
        runsFailed: this.metricRunsFailed(),
        runsTimedOut: this.metricRunsTimedOut(),
        runDuration: this.metricRunDuration(),
      });
    }

    if (props.outputs ?? true) {
      addPipelineOutputs(this, {
        uploadBucket: storage.uploads.bucket,
        watchPrefix: this.watchPrefix,
        reportsBucket: storage.reportsBucket,
        reportsPrefix: this.reportsPrefix,
        stateMachine: this.stateMachine,
        notificationTopic: this.notificationTopic,
        jobLogGroup: processor.logGroup,
        dashboard: this.dashboard,
        desktopStackName: this.desktop?.stackName,
      });
    }
  }

  /**
   * Lets `grantee` upload files that start runs: put objects (also in multipart
   * uploads) under `watchPrefix` of the upload bucket, and encrypt them with the bucket's key when it has one.
   */
  public grantUpload(grantee: iam.IGrantable): iam.Grant {
    return this.storage.uploads.grantWriteUploads(grantee);
  }

  /** Lets `grantee` list the reports bucket and read the reports under `reportsPrefix`, and decrypt them with the bucket's key when it has one. */
  public grantReadReports(grantee: iam.IGrantable): iam.Grant {
    return this.storage.reportsBucket.grantRead(grantee, `${this.reportsPrefix}*`);
  }

  /** Lets `grantee` start a run by hand (`states:StartExecution` on the state machine), for example to re-run an upload. */
  public grantStartRun(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Runs started (`AWS/States` `ExecutionsStarted`), summed over 5 minutes. */
  public metricRunsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricStarted({ label: 'Runs started', ...props });
  }

  /** Runs that succeeded (`ExecutionsSucceeded`), summed over 5 minutes. */
  public metricRunsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded({ label: 'Runs succeeded', ...props });
  }

  /** Runs that failed (`ExecutionsFailed`), summed over 5 minutes; each also sent one notification. */
  public metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed({ label: 'Runs failed', ...props });
  }

  /** Runs that hit the run timeout (`ExecutionsTimedOut`), summed over 5 minutes. */
  public metricRunsTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut({ label: 'Runs timed out', ...props });
  }

  /** How long runs take from start to end (`ExecutionTime`, milliseconds), averaged over 5 minutes. */
  public metricRunDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime({ label: 'Run duration', ...props });
  }
}

function validateProps(id: string, props: BatchPipelineProps, watchPrefix: string, reportsPrefix: string, staging: StagingStrategy): void {
  if (props.existingVpc && props.networkProps?.vpc) {
    throw conflict(id, 'existingVpc', 'networkProps.vpc', "give the VPC once, as 'existingVpc'; 'networkProps' then says how it reaches the internet and which subnets to use");
  }
  validatePrefix(id, 'watchPrefix', watchPrefix);
  validatePrefix(id, 'reportsPrefix', reportsPrefix);
  if (staging === StagingStrategy.DIRECT) {
    for (const prop of ['stageInProps', 'stageOutProps'] as const) {
      if (props[prop] !== undefined) {
        throw invalid(id, prop, props[prop], 'leave it out with staging DIRECT, which creates no DataSync transfer (or choose staging AUTO or DATASYNC)');
      }
    }
  }
}

/** The shared rule of both prefixes: '' or S3 folder names each followed by '/'. Unresolved tokens pass. */
function validatePrefix(id: string, prop: string, prefix: string): void {
  if (prefix === '' || prefix.includes('${Token')) return;
  const folders = prefix.split('/').slice(0, -1);
  const valid = prefix.length <= 1024 && prefix.endsWith('/') && folders.length > 0
    && folders.every((folder) => PREFIX_FOLDER.test(folder) && folder !== '.' && folder !== '..');
  if (!valid) {
    throw invalid(id, prop, prefix, PREFIX_ALLOWED);
  }
}
