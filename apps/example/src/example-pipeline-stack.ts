import * as path from 'node:path';
import { CfnOutput, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BatchProcessor, JobImage } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { EgressMode, PipelineNetwork } from '@batch-pipeline/network';
import { PipelineOrchestration } from '@batch-pipeline/orchestration';
import { PipelineStorage } from '@batch-pipeline/storage';

/** Where the sample job lives: its Dockerfile and `report.mjs`. */
export const JOB_DIRECTORY = path.join(__dirname, '..', 'job');

/** How the local runtime runs the sample job as a process, relative to `apps/example`. */
export const LOCAL_JOB_COMMAND = ['node', 'job/report.mjs'];

export interface ExamplePipelineStackProps extends StackProps {
  /**
   * How jobs reach registries and AWS APIs.
   *
   * @default EgressMode.PUBLIC_SUBNETS - no NAT gateway, the cheapest mode when idle
   */
  readonly egress?: EgressMode;

  /**
   * Only uploads under this prefix of the upload bucket start a run.
   *
   * @default 'incoming/'
   */
  readonly watchPrefix?: string;

  /**
   * Only keys ending in one of these start a run, for example `['.csv']`.
   *
   * @default - every suffix
   */
  readonly suffixes?: string[];

  /**
   * Reserved concurrency of the trigger function: caps how many upload events
   * start runs at once (throttled events are retried by Lambda, not lost).
   * Reserving concurrency needs an account Lambda concurrency quota above the
   * 100 it keeps unreserved (the default quota is 1000; some new accounts start at 10).
   *
   * @default - no reservation
   */
  readonly triggerReservedConcurrency?: number;

  /**
   * An email address subscribed to the failure notifications (it must confirm the subscription).
   *
   * @default - no subscription; subscribe to the topic named in the stack outputs yourself
   */
  readonly notificationEmail?: string;
}

/** The batch pipeline, composed from the construct packages with their safe defaults. */
export class ExamplePipelineStack extends Stack {
  public readonly network: PipelineNetwork;
  public readonly storage: PipelineStorage;
  public readonly stageIn: StageInTransfer;
  public readonly stageOut: StageOutTransfer;
  public readonly processor: BatchProcessor;
  public readonly orchestration: PipelineOrchestration;

  constructor(scope: Construct, id: string, props: ExamplePipelineStackProps = {}) {
    super(scope, id, props);
    const watchPrefix = props.watchPrefix ?? 'incoming/';
    // PipelineStorage validates the prefix and names what is allowed.
    if (props.notificationEmail !== undefined && !Token.isUnresolved(props.notificationEmail) && !/^[^@\s]+@[^@\s]+$/.test(props.notificationEmail)) {
      throw new Error(`ExamplePipelineStack '${id}': 'notificationEmail' '${props.notificationEmail}' is not valid; allowed: an email address, or leave it out`);
    }

    this.network = new PipelineNetwork(this, 'Network', {
      egress: props.egress ?? EgressMode.PUBLIC_SUBNETS,
      cidr: '10.0.0.0/25',
    });
    this.storage = new PipelineStorage(this, 'Storage', {
      network: this.network,
      uploads: { watchPrefix },
    });
    const fileSystem = this.storage.fileSystem.fileSystem;
    const accessPoint = this.storage.fileSystem.accessPoint;

    this.stageIn = new StageInTransfer(this, 'StageIn', {
      network: this.network,
      sourceBucket: this.storage.uploads.bucket,
      sourcePrefix: this.storage.uploads.watchPrefix,
      fileSystem,
      accessPoint,
      destinationDirectory: '/staging',
    });
    this.stageOut = new StageOutTransfer(this, 'StageOut', {
      network: this.network,
      fileSystem,
      accessPoint,
      destinationBucket: this.storage.reports.bucket,
      destinationPrefix: 'reports/',
    });
    this.processor = new BatchProcessor(this, 'Processor', {
      network: this.network,
      fileSystem,
      accessPoint,
      image: JobImage.fromAsset(JOB_DIRECTORY),
      localCommand: LOCAL_JOB_COMMAND,
      // The sample job only reads one file and writes two small ones.
      vcpu: 0.25,
      memoryMiB: 512,
      // Each running job takes one address in the job subnets. 10.0.0.0/25 (the original
      // system's block) gives two /27 job subnets, 2 x (32 - 5 reserved by AWS) = 54 addresses,
      // and in NAT_GATEWAY mode the EFS mount targets, DataSync and the workspace function
      // take 8 of them. 11 vCPUs = 44 concurrent 0.25-vCPU jobs fit every egress mode;
      // the default of 16 would allow 64. For more, give the network a larger 'cidr'.
      maxvCpus: 11,
    });
    this.orchestration = new PipelineOrchestration(this, 'Orchestration', {
      stageIn: this.stageIn,
      stageOut: this.stageOut,
      processor: this.processor,
      accessPoint,
      network: this.network,
      suffixes: props.suffixes,
      // A cap keeps a burst of uploads from taking the account's whole Lambda concurrency.
      reservedConcurrency: props.triggerReservedConcurrency,
    });

    if (props.notificationEmail) {
      this.orchestration.stateMachine.notificationTopic.addSubscription(
        new subscriptions.EmailSubscription(props.notificationEmail));
    }

    // What a user needs after `cdk deploy`: where to upload, where reports land, what to watch.
    new CfnOutput(this, 'UploadBucketName', {
      value: this.storage.uploads.bucket.bucketName,
      description: `Upload a file under s3://<this bucket>/${watchPrefix} to start a run`,
    });
    new CfnOutput(this, 'WatchPrefix', { value: watchPrefix, description: 'Key prefix of the upload bucket that starts runs' });
    new CfnOutput(this, 'ReportsBucketName', {
      value: this.storage.reports.bucket.bucketName,
      description: 'Reports land under reports/runs/<runId>/out/ in this bucket',
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.orchestration.stateMachine.stateMachine.stateMachineArn,
      description: 'One execution per upload, named after the run id',
    });
    new CfnOutput(this, 'NotificationTopicArn', {
      value: this.orchestration.stateMachine.notificationTopic.topicArn,
      description: 'Failure notifications (one per failed run); subscribe to it',
    });
  }
}
