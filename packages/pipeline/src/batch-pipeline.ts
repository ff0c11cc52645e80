import { QualityControlDesktop, IQualityControlDesktop } from '@batch-pipeline/appstream';
import { BatchProcessor, IBatchProcessor } from '@batch-pipeline/batch';
import { ITransferTask, StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { IPipelineNetwork, PipelineNetwork } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { PipelineOrchestration, StagingStrategy } from '@batch-pipeline/orchestration';
import { KeyPrefix } from '@batch-pipeline/storage';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BatchPipelineProps, IBatchPipelineStorage } from './batch-pipeline-props';
import { tagForCostAllocation } from './private/cost-allocation';
import { createDashboard } from './private/dashboard';
import { conflict, invalid } from './private/errors';
import { addPipelineOutputs } from './private/outputs';
import { createStorage } from './private/storage-parts';

const NFS_PORT = 2049;
const DEFAULT_WATCH_PREFIX = 'incoming/';
const DEFAULT_REPORTS_PREFIX = 'reports/';
const PREFIX_ALLOWED = `'' or ${KeyPrefix.ALLOWED}, such as reports/`;

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
    // Errors name this construct and the prop the user set: each part is told, before it validates,
    // which of these props its own props come from.
    const errors = ConstructErrors.of(this, 'BatchPipeline');
    validateProps(errors, props, this.watchPrefix, this.reportsPrefix, this.staging);
    tagForCostAllocation(this, errors, props.costAllocationTag);

    // Network.
    errors.tellPart(this, 'Network', 'networkProps', { vpc: 'existingVpc' });
    const network = new PipelineNetwork(this, 'Network', { ...props.networkProps, vpc: props.existingVpc });
    this.network = network;

    // Storage.
    const storage = createStorage(this, errors, {
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
      errors.tellPart(this, 'StageIn', 'stageInProps', { sourcePrefix: 'watchPrefix' });
      errors.tellPart(this, 'StageOut', 'stageOutProps', { destinationPrefix: 'reportsPrefix' });
      stageIn = new StageInTransfer(this, 'StageIn', {
        ...props.stageInProps,
        ...transferConnection,
        sourceBucket: storage.uploads.bucket,
        sourcePrefix: storage.uploads.watchPrefix === '' ? undefined : storage.uploads.watchPrefix,
        fileSystem,
        accessPoint,
      });
      stageOut = new StageOutTransfer(this, 'StageOut', {
        ...props.stageOutProps,
        ...transferConnection,
        fileSystem,
        accessPoint,
        destinationBucket: storage.reportsBucket,
        destinationPrefix: this.reportsPrefix === '' ? undefined : this.reportsPrefix,
      });
    }
    this.stageIn = stageIn;
    this.stageOut = stageOut;

    // Batch job.
    errors.tellPart(this, 'Processor', 'processorProps', { image: 'image' });
    const processor = new BatchProcessor(this, 'Processor', {
      ...props.processorProps,
      network,
      fileSystem,
      accessPoint,
      image: props.image,
    });
    this.processor = processor;

    // Trigger and state machine.
    errors.tellPart(this, 'Orchestration', 'orchestrationProps', { uploadPrefix: 'watchPrefix', reportsPrefix: 'reportsPrefix' });
    const orchestration = new PipelineOrchestration(this, 'Orchestration', {
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
    });
    this.orchestration = orchestration;
    this.stateMachine = orchestration.stateMachine.stateMachine;
    this.notificationTopic = orchestration.stateMachine.notificationTopic;

    // Optional desktop.
    if (props.desktop) {
      const { readUploads, mountFileSystem, ...desktopProps } = props.desktop;
      errors.tellPart(this, 'Desktop', 'desktop');
      const desktop = new QualityControlDesktop(this, 'Desktop', {
        ...desktopProps,
        network,
        reportsBucket: storage.reportsBucket,
        uploadBucket: (readUploads ?? true) ? storage.uploads.bucket : undefined,
        fileSystemAccessPoint: mountFileSystem ? accessPoint : undefined,
      });
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

function validateProps(
  errors: ConstructErrors, props: BatchPipelineProps, watchPrefix: string, reportsPrefix: string, staging: StagingStrategy,
): void {
  if (props.existingVpc && props.networkProps?.vpc) {
    throw conflict(errors, ['existingVpc'], 'networkProps.vpc',
      "give the VPC once, as 'existingVpc'; 'networkProps' then says how it reaches the internet and which subnets to use");
  }
  // Both prefixes follow storage's key prefix rule; '' (the whole bucket) is allowed here too.
  for (const [prop, prefix] of [['watchPrefix', watchPrefix], ['reportsPrefix', reportsPrefix]]) {
    if (prefix !== '' && !KeyPrefix.isValid(prefix)) {
      throw invalid(errors, prop, prefix, PREFIX_ALLOWED);
    }
  }
  if (staging === StagingStrategy.DIRECT) {
    for (const prop of ['stageInProps', 'stageOutProps'] as const) {
      if (props[prop] !== undefined) {
        throw invalid(errors, prop, props[prop], 'leave it out with staging DIRECT, which creates no DataSync transfer (or choose staging AUTO '
          + 'or DATASYNC)');
      }
    }
  }
}
