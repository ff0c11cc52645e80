import * as path from 'node:path';
import { Stack, StackProps, Token } from 'aws-cdk-lib';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { JobImage } from '@batch-pipeline/batch';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { BatchPipeline } from '@batch-pipeline/pipeline';

/** Where the sample job lives: its Dockerfile and `report.mjs`. */
export const JOB_DIRECTORY = path.join(__dirname, '..', 'job');

/** How the local runtime runs the sample job as a process, relative to `apps/example`. */
export const LOCAL_JOB_COMMAND = ['node', 'job/report.mjs'];

/** The VPC of the example: the original system's /25. */
export const EXAMPLE_CIDR = '10.0.0.0/25';

/**
 * The most vCPUs the sample jobs use at once. Each running job takes one address in the job
 * subnets. 10.0.0.0/25 (the original system's block) gives two /27 job subnets,
 * 2 x (32 - 5 reserved by AWS) = 54 addresses, and in NAT_GATEWAY mode the EFS mount targets,
 * DataSync and the workspace function take 8 of them (a desktop instance one more).
 * 11 vCPUs = 44 concurrent 0.25-vCPU jobs fit every egress mode (two /26 job subnets with
 * VPC_ENDPOINTS); the default of 16 would allow 64. For more, give the network a larger 'cidr'.
 */
export const EXAMPLE_MAX_VCPUS = 11;

export interface ExamplePipelineStackProps extends StackProps {
  /**
   * How jobs reach registries and AWS APIs.
   *
   * @default EgressMode.PUBLIC_SUBNETS - no NAT gateway, the cheapest mode when idle
   */
  readonly egress?: EgressMode;

  /**
   * With `VPC_ENDPOINTS`: in how many AZs the interface endpoints are (fewer costs less idle;
   * see the network README for the trade-off).
   *
   * @default - every AZ of the VPC
   */
  readonly interfaceEndpointAzs?: number;

  /**
   * How runs copy uploads onto EFS and reports back to S3: `AUTO` (the workspace function
   * for small files, DataSync for large ones), `DIRECT` (always the function, no DataSync
   * task) or `DATASYNC` (always DataSync, as the original system).
   *
   * @default StagingStrategy.AUTO
   */
  readonly staging?: StagingStrategy;

  /**
   * Name of an AppStream 2.0 image: adds the quality-control desktop that streams it
   * (build the image first, see the appstream README).
   *
   * @default - no desktop, nothing of AppStream 2.0 is created
   */
  readonly desktopImage?: string;

  /**
   * Id of the AWS-managed S3 prefix list of the stack's region, for the desktop's security group.
   *
   * @default - looked up by the CDK CLI with your credentials and cached in cdk.context.json
   */
  readonly desktopS3PrefixListId?: string;

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
   * @default - no subscription; subscribe to the topic of the stack output `PipelineNotificationTopicArn` yourself
   */
  readonly notificationEmail?: string;
}

/** The batch pipeline as one `BatchPipeline`, with the sample job and the example's choices. */
export class ExamplePipelineStack extends Stack {
  public readonly pipeline: BatchPipeline;

  constructor(scope: Construct, id: string, props: ExamplePipelineStackProps = {}) {
    super(scope, id, props);
    // BatchPipeline validates the prefix, the staging and the desktop image and names what is allowed.
    if (props.notificationEmail !== undefined && !Token.isUnresolved(props.notificationEmail) && !/^[^@\s]+@[^@\s]+$/.test(props.notificationEmail)) {
      throw new Error(`ExamplePipelineStack '${id}': 'notificationEmail' '${props.notificationEmail}' is not valid; allowed: an email address, or leave it out`);
    }

    this.pipeline = new BatchPipeline(this, 'Pipeline', {
      image: JobImage.fromAsset(JOB_DIRECTORY),
      watchPrefix: props.watchPrefix ?? 'incoming/',
      networkProps: {
        egress: props.egress ?? EgressMode.PUBLIC_SUBNETS,
        cidr: EXAMPLE_CIDR,
        interfaceEndpointAzs: props.interfaceEndpointAzs,
      },
      processorProps: {
        localCommand: LOCAL_JOB_COMMAND,
        // The sample job only reads one file and writes two small ones.
        vcpu: 0.25,
        memoryMiB: 512,
        maxvCpus: EXAMPLE_MAX_VCPUS,
      },
      orchestrationProps: {
        staging: props.staging ?? StagingStrategy.AUTO,
        suffixes: props.suffixes,
        // A cap keeps a burst of uploads from taking the account's whole Lambda concurrency.
        reservedConcurrency: props.triggerReservedConcurrency,
      },
      desktop: props.desktopImage === undefined ? undefined : {
        imageName: props.desktopImage,
        mountFileSystem: true,
        s3PrefixListId: props.desktopS3PrefixListId,
      },
    });

    if (props.notificationEmail) {
      this.pipeline.notificationTopic.addSubscription(new subscriptions.EmailSubscription(props.notificationEmail));
    }
    // The stack outputs a user needs after `cdk deploy` (where to upload, where reports land, the
    // state machine, topic, job log group, dashboard and desktop) come from BatchPipeline itself.
  }
}
