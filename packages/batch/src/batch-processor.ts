import { IPipelineNetwork, PipelineNetwork, RegistryKind } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, IResolvable, IResolveContext, RemovalPolicy, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { JobArchitecture, JobImage } from './job-image';
import { FARGATE_VCPUS, fargateMemoryFor } from './private/fargate-sizes';
import { SubnetCapacity, reservedAddressesFor, subnetCapacityOf } from './private/subnet-capacity';
import { RunContract } from './run-contract';

const MIN_TIMEOUT_SECONDS = 60;
/** `maxTimeSeconds` of a job-state time-limit action: 600 to 86,400 (Batch API reference, JobStateTimeLimitAction). */
const MIN_RUNNABLE_TIMEOUT_SECONDS = 600;
const MAX_RUNNABLE_TIMEOUT_SECONDS = 86_400;
/** The status reasons a job-state time-limit action can act on that a Fargate compute environment reports. */
const RUNNABLE_TIMEOUT_REASONS = [
  batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
  batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
  batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
];
const MIN_EPHEMERAL_GIB = 21;
const MAX_EPHEMERAL_GIB = 200;
/** AWS Batch allows 5 `evaluateOnExit` conditions; one is the final "exit on any exit code". */
const MAX_RETRY_EXIT_CODES = 4;
const EFS_VOLUME_NAME = 'pipeline';
const EFS_PLATFORM_VERSIONS = [ecs.FargatePlatformVersion.LATEST, ecs.FargatePlatformVersion.VERSION1_4];
const DEFAULT_MAX_VCPUS = 16;

/** What orchestration needs to run a pipeline job. */
export interface IBatchProcessor {
  /** The queue jobs are submitted to. */
  readonly jobQueue: batch.IJobQueue;
  /** The job definition to submit. */
  readonly jobDefinition: batch.IJobDefinition;
  /** Where the access point root of the pipeline file system is mounted in the container. */
  readonly mountPath: string;
  /**
   * How many times Batch attempts a job (the job definition's retry attempts, 1-10).
   * A number token when `retryAttempts` was given as one.
   */
  readonly attempts: number;
  /**
   * How long one attempt may run before Batch stops it (the job definition's
   * attempt timeout). Batch measures it from the attempt's start (RUNNING);
   * time in the queue waiting for capacity does not count.
   */
  readonly attemptTimeout: Duration;
  /**
   * The longest a job can run in total: `attempts` x `attemptTimeout`. A caller
   * that waits for the job (the orchestration's process step) should wait at
   * least this long, plus the time jobs spend queued and starting between
   * attempts. Unresolved when `attempts` or `attemptTimeout` is a token.
   */
  readonly maxJobDuration: Duration;

  /** Lets `grantee` submit jobs of this job definition to this queue (`batch:SubmitJob` on both, nothing else). */
  grantSubmitJob(grantee: iam.IGrantable): iam.Grant;
}

/**
 * The options of the job that a composite (such as `BatchPipeline`) passes through as they are:
 * everything but where the job runs (`network` or `vpc`), the file system and the image, which it
 * wires itself.
 */
export interface BatchProcessorOptions {
  /**
   * Addresses in the job subnets (in total) that other network interfaces take,
   * for the subnet capacity check: EFS mount targets, DataSync and Lambda
   * interfaces, interface endpoints.
   *
   * @default - 0 when the job subnets are not the network's private subnets (`PUBLIC_SUBNETS`, or `vpc`);
   * otherwise, per job subnet that is also a private subnet, 1 EFS mount target, 1 Lambda interface and one per
   * interface endpoint of the network, plus 4 for the two DataSync tasks (2 interfaces each)
   */
  readonly reservedAddresses?: number;

  /**
   * The command the container runs.
   *
   * @default - the image's `CMD`
   */
  readonly command?: string[];

  /**
   * How the same job runs as a local process, as an argument list, for example
   * `['node', 'job/report.mjs']`. Recorded with the image and environment in
   * the job definition's CloudFormation metadata under
   * `RunContract.LOCAL_RUN_METADATA_KEY`, for the local runtime.
   *
   * @default - the local runtime can run the job only in a container
   */
  readonly localCommand?: string[];

  /**
   * Environment variables that are the same for every run. The run contract's
   * `PIPELINE_*` variables are set per run and cannot be given here, nor can names starting with `AWS_BATCH`.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Environment variables read from Secrets Manager or SSM Parameter Store when
   * the job starts. The execution role may read these and no other secrets. With
   * `EgressMode.VPC_ENDPOINTS`, add the Secrets Manager or SSM interface endpoint to the network.
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
   * Memory of the job in MiB; the valid values depend on `vcpu` (see the README table).
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
   * Run jobs on Fargate Spot (up to 70% cheaper, may be interrupted with a
   * two-minute SIGTERM notice). Not available with `JobArchitecture.ARM64`.
   * A job interrupted this way that exits with a code in `retryExitCodes` is retried.
   *
   * @default false
   */
  readonly spot?: boolean;

  /**
   * The most vCPUs the compute environment runs at once; it bounds how many jobs run in parallel
   * (`maxvCpus` / `vcpu`). At least `vcpu`. Each running job takes one address in the job
   * subnets, so when their CIDR blocks are known it must fit them too (checked at synth).
   *
   * @default - 16, or less when the job subnets hold fewer concurrent jobs: the free addresses of the job subnets x `vcpu`, rounded down
   */
  readonly maxvCpus?: number;

  /**
   * Fargate platform version. EFS volumes need 1.4.0 or later.
   *
   * @default ecs.FargatePlatformVersion.LATEST
   */
  readonly platformVersion?: ecs.FargatePlatformVersion;

  /**
   * How many times a job is attempted, from 1 to 10. A failure before the
   * container ran (image pull, EFS mount, capacity) is retried; a job that
   * exits with a non-zero code is not, unless the code is in `retryExitCodes`.
   *
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * Exit codes (1-255) that mean a transient failure, retried while attempts
   * remain; at most 4. For example 143 (ended by SIGTERM) with `spot`.
   *
   * @default - no exit code is retried
   */
  readonly retryExitCodes?: number[];

  /**
   * How long one attempt may run before Batch stops it; at least 60 seconds.
   * A job stopped by the timeout is not retried.
   *
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;

  /**
   * How long a job may stay `RUNNABLE` at the head of the job queue for a reason Batch can act on
   * (`CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY`, `MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE`,
   * `MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT`) before the queue's job-state time-limit action
   * cancels it. The cancelled job fails with the status reason
   * `Canceled by JobStateTimeLimit action due to reason: <reason>`, which reaches the run's failure
   * notification, instead of holding its run until the process timeout. A job that waits behind
   * other jobs is not at the head of the queue and is not cancelled. Batch acts approximately at
   * this time; whole seconds from 10 minutes to 24 hours (Batch API reference, JobStateTimeLimitAction).
   *
   * @default Duration.minutes(30)
   */
  readonly runnableTimeout?: Duration;

  /**
   * Where the access point root is mounted in the container.
   *
   * @default RunContract.DEFAULT_MOUNT_PATH ('/mnt/pipeline')
   */
  readonly mountPath?: string;

  /**
   * Mount the container's root file system read-only. Jobs write to their output directory on EFS.
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
   * KMS key that encrypts the job log group. Its key policy must let the CloudWatch Logs service use it.
   *
   * @default - encrypted with the CloudWatch Logs service key
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * What happens to the job log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export interface BatchProcessorProps extends BatchProcessorOptions {
  /**
   * The network the jobs run in: its job subnets, job security group and public
   * IP setting are used, and the image must be reachable in its egress mode.
   * Give either `network` or `vpc`.
   *
   * @default - none; `vpc` must be given
   */
  readonly network?: IPipelineNetwork;

  /**
   * An existing VPC to run the jobs in, instead of a `network`. Without a
   * network the egress mode is not known, so the image is not checked for
   * reachability: make sure `vpcSubnets` can reach its registry.
   *
   * @default - none; `network` must be given
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` the jobs run in. Only with `vpc`.
   *
   * @default - the VPC's private subnets with egress, else its isolated, else its public subnets (the aws-cdk-lib default)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the jobs in `vpc`. NFS from each to the file system is allowed. Only with `vpc`.
   *
   * @default - a new security group without ingress that allows HTTPS (443) out to anywhere and NFS to the file system
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Give jobs in `vpc` a public IP, which they need in public subnets to reach the internet. Only with `vpc`.
   *
   * @default false
   */
  readonly assignPublicIp?: boolean;

  /** The pipeline's EFS file system. NFS from the job security group is allowed on its security groups. */
  readonly fileSystem: efs.IFileSystem;

  /** The access point jobs mount the file system through; its root is mounted at `mountPath`. */
  readonly accessPoint: efs.IAccessPoint;

  /** The job's container image; its registry must be reachable in the network's egress mode. */
  readonly image: JobImage;
}

/**
 * Runs the pipeline's job on AWS Batch with Fargate: a Fargate (or Fargate
 * Spot) compute environment in the network's job subnets, a job queue, and a
 * job definition whose container mounts the pipeline's EFS file system through
 * the access point with transit encryption and IAM authorization.
 *
 * The job gets the run contract (`RunContract`) as environment variables for
 * each run; the job definition records how to run the same job locally.
 *
 * @example
 * const processor = new BatchProcessor(this, 'Job', {
 *   network,
 *   fileSystem,
 *   accessPoint,
 *   image: JobImage.fromAsset(path.join(__dirname, 'job')),
 *   localCommand: ['node', 'job/report.mjs'],
 *   vcpu: 0.5,
 *   memoryMiB: 1024,
 * });
 */
export class BatchProcessor extends Construct implements IBatchProcessor {
  public readonly jobQueue: batch.IJobQueue;
  public readonly jobDefinition: batch.IJobDefinition;
  public readonly mountPath: string;
  /** The Fargate or Fargate Spot compute environment. */
  public readonly computeEnvironment: batch.IFargateComputeEnvironment;
  /** The container definition of the job. */
  public readonly container: batch.IEcsContainerDefinition;
  /** The role the job's code runs with: mounts and writes the file system through the access point only. Add your own grants to it. */
  public readonly jobRole: iam.IRole;
  /** The role ECS uses to start the job: pulls the image, writes the logs, reads the secrets. */
  public readonly executionRole: iam.IRole;
  /** The log group of the job's output. */
  public readonly logGroup: logs.ILogGroup;
  /** The job's image. */
  public readonly image: JobImage;
  /** The CPU architecture of the job. */
  public readonly architecture: JobArchitecture;
  /** Whether jobs run on Fargate Spot. */
  public readonly spot: boolean;
  public readonly attempts: number;
  public readonly attemptTimeout: Duration;
  public readonly maxJobDuration: Duration;
  /** The most vCPUs the compute environment runs at once (given, or the default that fits the job subnets). */
  public readonly maxvCpus: number;
  /** How long a job that cannot be placed stays `RUNNABLE` at the head of the queue before the queue cancels it. */
  public readonly runnableTimeout: Duration;

  private readonly errors: ConstructErrors;

  constructor(scope: Construct, id: string, props: BatchProcessorProps) {
    super(scope, id);
    this.errors = ConstructErrors.of(this, 'BatchProcessor');
    const vcpu = props.vcpu ?? 1;
    const memoryMiB = props.memoryMiB ?? 2048;
    const retryAttempts = props.retryAttempts ?? 3;
    const retryExitCodes = props.retryExitCodes ?? [];
    const timeout = props.timeout ?? Duration.hours(1);
    const runnableTimeout = props.runnableTimeout ?? Duration.minutes(30);
    const platformVersion = props.platformVersion ?? ecs.FargatePlatformVersion.LATEST;
    this.mountPath = props.mountPath ?? RunContract.DEFAULT_MOUNT_PATH;
    this.architecture = props.architecture ?? JobArchitecture.X86_64;
    this.spot = props.spot ?? false;
    this.image = props.image;

    this.validateSize(vcpu, memoryMiB, props.ephemeralStorageGiB);
    const placement = this.placementOf(props);
    const capacity = this.jobSubnetCapacity(props, placement);
    const maxvCpus = props.maxvCpus ?? this.defaultMaxvCpus(vcpu, capacity);
    this.maxvCpus = maxvCpus;
    this.validateMaxvCpus(maxvCpus, vcpu);
    this.validateSubnetCapacity(maxvCpus, vcpu, capacity, props.maxvCpus === undefined);
    this.validateRetry(retryAttempts, retryExitCodes);
    this.validateTimeout(timeout);
    this.validateRunnableTimeout(runnableTimeout);
    this.runnableTimeout = runnableTimeout;
    this.validateMountPath(this.mountPath);
    this.validateEnvironment(props.environment ?? {}, props.secrets ?? {});
    this.validateLocalCommand(props.localCommand);
    if (this.spot && this.architecture === JobArchitecture.ARM64) {
      throw this.errors.error(`${this.errors.prop('spot')} true is not valid with 'architecture' ARM64: Fargate Spot runs X86_64 jobs only; `
        + "allowed: 'spot' false for ARM64, or 'architecture' X86_64 for Fargate Spot");
    }
    if (!EFS_PLATFORM_VERSIONS.includes(platformVersion)) {
      throw this.errors.error(`${this.errors.prop('platformVersion')} ${platformVersion} is not valid: EFS volumes need Fargate platform version `
        + '1.4.0 or later; allowed: LATEST, 1.4.0');
    }
    if (props.network) {
      this.validateImageIsReachable(props.network);
    }
    this.attempts = retryAttempts;
    this.attemptTimeout = timeout;
    this.maxJobDuration = maxJobDurationOf(retryAttempts, timeout);

    // Compute environment and queue, in the job subnets.
    const securityGroups = placement.securityGroups ?? [this.createJobSecurityGroup(placement.vpc)];
    const computeEnvironment = new batch.FargateComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: placement.vpc,
      vpcSubnets: placement.subnets,
      securityGroups,
      maxvCpus,
      spot: this.spot,
    });
    this.computeEnvironment = computeEnvironment;
    // A job that can never be placed would otherwise wait RUNNABLE until the process step times out.
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment, order: 1 }],
      jobStateTimeLimitActions: RUNNABLE_TIMEOUT_REASONS.map((reason) => ({
        action: batch.JobStateTimeLimitActionsAction.CANCEL,
        state: batch.JobStateTimeLimitActionsState.RUNNABLE,
        maxTime: runnableTimeout,
        reason,
      })),
    });
    // Idempotent when the file system uses the network's file-system security group.
    // Both rules go into one stack: a job group of this construct's stack gets them in
    // this stack (which references the file system anyway); from the file system's
    // side they would land in the file system's stack and name this stack's group, a
    // dependency cycle when that is another stack. A group of another stack (the
    // network's job group) gets them in the file system's stack, as always.
    for (const securityGroup of securityGroups) {
      if (Stack.of(securityGroup) === Stack.of(this)) {
        securityGroup.connections.allowToDefaultPort(props.fileSystem, 'NFS from the pipeline jobs');
      } else {
        props.fileSystem.connections.allowDefaultPortFrom(securityGroup, 'NFS from the pipeline jobs');
      }
    }

    // Logs.
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.logGroup = logGroup;
    if (!props.logEncryptionKey) {
      Validations.of(logGroup).acknowledge({
        id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
        reason: 'Job logs are encrypted at rest with the CloudWatch Logs service key by default; '
          + 'set logEncryptionKey to use a customer managed KMS key.',
      });
    }

    // Roles.
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Starts the pipeline job: pulls its image, writes its logs, reads its secrets',
    });
    this.executionRole = executionRole;
    const jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'The pipeline job: mounts and writes the pipeline file system through its access point',
    });
    this.jobRole = jobRole;
    new iam.ManagedPolicy(this, 'FileSystemAccessPolicy', {
      description: 'Mount and write the pipeline file system through its access point only',
      roles: [jobRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          resources: [props.fileSystem.fileSystemArn],
          conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': props.accessPoint.accessPointArn } },
        }),
      ],
    });

    // Job definition.
    const imageConfig = props.image.bind(this, { architecture: this.architecture });
    const container = new batch.EcsFargateContainerDefinition(this, 'Container', {
      image: imageConfig.containerImage,
      cpu: vcpu,
      memory: Size.mebibytes(memoryMiB),
      command: props.command,
      environment: props.environment,
      secrets: props.secrets,
      executionRole,
      jobRole,
      logging: ecs.LogDriver.awsLogs({ logGroup, streamPrefix: 'job' }),
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
      fargatePlatformVersion: platformVersion,
      fargateCpuArchitecture: this.architecture === JobArchitecture.ARM64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      ephemeralStorageSize: props.ephemeralStorageGiB === undefined ? undefined : Size.gibibytes(props.ephemeralStorageGiB),
      assignPublicIp: placement.assignPublicIp,
      volumes: [
        batch.EcsVolume.efs({
          name: EFS_VOLUME_NAME,
          containerPath: this.mountPath,
          fileSystem: props.fileSystem,
          accessPointId: props.accessPoint.accessPointId,
          enableTransitEncryption: true,
          useJobRole: true,
        }),
      ],
    });
    this.container = container;
    const jobDefinition = new batch.EcsJobDefinition(this, 'JobDefinition', {
      container,
      timeout,
      retryAttempts,
      retryStrategies: [
        ...retryExitCodes.map((code) => batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode: `${code}` }))),
        // Any other exit code is the job's own failure: do not retry it. Failures
        // without an exit code (image pull, EFS mount, capacity) match nothing and are retried.
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
      ],
      propagateTags: true,
    });
    this.jobDefinition = jobDefinition;

    (jobDefinition.node.defaultChild as batch.CfnJobDefinition).cfnOptions.metadata = {
      [RunContract.LOCAL_RUN_METADATA_KEY]: {
        ...(props.localCommand ? { localCommand: props.localCommand } : {}),
        image: imageConfig.metadata,
        ...(props.command ? { command: props.command } : {}),
        environment: props.environment ?? {},
        secrets: Object.keys(props.secrets ?? {}).sort(),
        mountPath: this.mountPath,
        architecture: this.architecture,
      },
    };

    this.acknowledgeFindings(executionRole);
  }

  public grantSubmitJob(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['batch:SubmitJob'],
      resourceArns: [this.jobQueue.jobQueueArn, this.jobDefinition.jobDefinitionArn],
    });
  }

  private acknowledgeFindings(executionRole: iam.Role): void {
    Validations.of(executionRole).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The execution role gets its grants (image pull, log writing, secret reading) from the Batch and ECS constructs as one inline '
        + 'policy scoped to this job\'s repository, log group and secrets; a managed policy would grant the same.',
    });
    if (this.image.registryKind === RegistryKind.ECR_PRIVATE) {
      Validations.of(executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken does not support resource-level permissions and must be granted on *; '
          + 'the image pull actions are scoped to the one repository.',
      });
    }
  }

  /** Where the jobs run: from the network, or from `vpc` and its options; exactly one of them. */
  private placementOf(props: BatchProcessorProps): JobPlacement {
    const vpcOnly = (['vpcSubnets', 'securityGroups', 'assignPublicIp'] as const).filter((name) => props[name] !== undefined);
    if (props.network && props.vpc) {
      throw this.errors.error("both 'network' and 'vpc' are given; allowed: exactly one of them (a PipelineNetwork as 'network', "
        + "or an existing 'vpc' with optional 'vpcSubnets', 'securityGroups' and 'assignPublicIp')");
    }
    if (props.network) {
      if (vpcOnly.length > 0) {
        throw this.errors.error(`${vpcOnly.map((name) => `'${name}'`).join(', ')} only apply with 'vpc', but 'network' was given; allowed: `
          + "remove them (the network's job subnets, job security group and public IP setting are used), or give 'vpc' instead of 'network'");
      }
      return {
        vpc: props.network.vpc,
        subnets: props.network.jobSubnets,
        securityGroups: [props.network.jobSecurityGroup],
        assignPublicIp: props.network.assignPublicIp,
      };
    }
    if (props.vpc) {
      return {
        vpc: props.vpc,
        subnets: props.vpcSubnets ?? {},
        securityGroups: props.securityGroups?.length ? props.securityGroups : undefined,
        assignPublicIp: props.assignPublicIp ?? false,
      };
    }
    throw this.errors.error("neither 'network' nor 'vpc' is given; allowed: exactly one of them (a PipelineNetwork as 'network', "
      + "or an existing 'vpc' with optional 'vpcSubnets', 'securityGroups' and 'assignPublicIp')");
  }

  private createJobSecurityGroup(vpc: ec2.IVpc): ec2.ISecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc,
      description: 'Batch jobs of the batch pipeline: HTTPS and NFS out, no ingress',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to registries and AWS APIs');
    return securityGroup;
  }

  /** The known addresses of the job subnets, and what other interfaces take of them. */
  private jobSubnetCapacity(props: BatchProcessorProps, placement: JobPlacement): SubnetCapacity | undefined {
    const capacity = subnetCapacityOf(placement.vpc, placement.subnets);
    if (!capacity) {
      return undefined;
    }
    if (props.reservedAddresses !== undefined) {
      if (!Token.isUnresolved(props.reservedAddresses) && (!Number.isInteger(props.reservedAddresses) || props.reservedAddresses < 0)) {
        throw this.errors.error(`${this.errors.prop('reservedAddresses')} ${props.reservedAddresses} is not valid; allowed: `
          + 'a whole number of at least 0');
      }
      return Token.isUnresolved(props.reservedAddresses) ? undefined : { ...capacity, reserved: props.reservedAddresses };
    }
    if (!props.network) {
      return capacity;
    }
    const interfaceEndpoints = props.network instanceof PipelineNetwork ? props.network.interfaceEndpoints.length : 0;
    return { ...capacity, reserved: reservedAddressesFor(placement.vpc, placement.subnets, props.network.privateSubnets, interfaceEndpoints) };
  }

  private defaultMaxvCpus(vcpu: number, capacity: SubnetCapacity | undefined): number {
    if (!capacity || Token.isUnresolved(vcpu)) {
      return DEFAULT_MAX_VCPUS;
    }
    const fitting = Math.floor((capacity.addresses - capacity.reserved) * vcpu);
    // Below one job's vCPUs the capacity check names the problem.
    return Math.max(Math.min(DEFAULT_MAX_VCPUS, fitting), Math.ceil(vcpu));
  }

  private validateSubnetCapacity(maxvCpus: number, vcpu: number, capacity: SubnetCapacity | undefined, defaulted: boolean): void {
    if (!capacity || Token.isUnresolved(maxvCpus) || Token.isUnresolved(vcpu) || fargateMemoryFor(vcpu) === undefined) {
      return;
    }
    const tasks = Math.floor(maxvCpus / vcpu);
    const free = capacity.addresses - capacity.reserved;
    if (tasks <= free) {
      return;
    }
    const fitting = Math.floor(Math.max(free, 0) * vcpu);
    const held = capacity.reserved > 0
      ? `${capacity.addresses} addresses, ${capacity.reserved} of them taken by other network interfaces ('reservedAddresses': `
      + `EFS mount targets, DataSync, Lambda, interface endpoints), so ${Math.max(free, 0)} are free`
      : `${capacity.addresses} addresses`;
    const allowed = fitting >= vcpu ? `at most ${fitting} maxvCpus here, or larger job subnets` : 'larger job subnets';
    throw this.errors.error(`${this.errors.prop('maxvCpus')} ${maxvCpus}${defaulted ? ' (the default)' : ''} allows ${tasks} concurrent tasks of `
      + `${vcpu} vCPU, but the job subnets (${capacity.description}) hold ${held}; allowed: ${allowed}`);
  }

  private validateSize(vcpu: number, memoryMiB: number, ephemeralStorageGiB: number | undefined): void {
    if (!Token.isUnresolved(vcpu)) {
      const allowed = fargateMemoryFor(vcpu);
      if (!allowed) {
        throw this.errors.error(`${this.errors.prop('vcpu')} ${vcpu} is not valid on Fargate; allowed: ${FARGATE_VCPUS.join(', ')}`);
      }
      if (!Token.isUnresolved(memoryMiB) && !allowed.memoryMiB.includes(memoryMiB)) {
        throw this.errors.error(`${this.errors.prop('memoryMiB')} ${memoryMiB} is not valid with 'vcpu' ${vcpu}; allowed: ${allowed.description}`);
      }
    }
    if (ephemeralStorageGiB !== undefined && !Token.isUnresolved(ephemeralStorageGiB)
      && (!Number.isInteger(ephemeralStorageGiB) || ephemeralStorageGiB < MIN_EPHEMERAL_GIB || ephemeralStorageGiB > MAX_EPHEMERAL_GIB)) {
      throw this.errors.error(`${this.errors.prop('ephemeralStorageGiB')} ${ephemeralStorageGiB} is not valid; allowed: `
        + `a whole number from ${MIN_EPHEMERAL_GIB} to ${MAX_EPHEMERAL_GIB}`);
    }
  }

  private validateMaxvCpus(maxvCpus: number, vcpu: number): void {
    if (Token.isUnresolved(maxvCpus)) {
      return;
    }
    if (!Number.isInteger(maxvCpus) || maxvCpus < 1) {
      throw this.errors.error(`${this.errors.prop('maxvCpus')} ${maxvCpus} is not valid; allowed: a whole number of at least 1`);
    }
    if (!Token.isUnresolved(vcpu) && maxvCpus < vcpu) {
      throw this.errors.error(`${this.errors.prop('maxvCpus')} ${maxvCpus} is less than 'vcpu' ${vcpu}, so no job could start; allowed: `
        + `${Math.ceil(vcpu)} or more`);
    }
  }

  private validateRetry(retryAttempts: number, retryExitCodes: number[]): void {
    if (!Token.isUnresolved(retryAttempts) && (!Number.isInteger(retryAttempts) || retryAttempts < 1 || retryAttempts > 10)) {
      throw this.errors.error(`${this.errors.prop('retryAttempts')} ${retryAttempts} is not valid; allowed: a whole number from 1 to 10`);
    }
    if (retryExitCodes.length > MAX_RETRY_EXIT_CODES) {
      throw this.errors.error(`${this.errors.prop('retryExitCodes')} has ${retryExitCodes.length} codes; allowed: `
        + `at most ${MAX_RETRY_EXIT_CODES} (Batch evaluates 5 exit conditions, one is taken by "exit on any other code")`);
    }
    for (const code of retryExitCodes) {
      if (!Token.isUnresolved(code) && (!Number.isInteger(code) || code < 1 || code > 255)) {
        throw this.errors.error(`${this.errors.prop('retryExitCodes')} ${code} is not valid; allowed: whole numbers from 1 to 255`);
      }
    }
  }

  private validateTimeout(timeout: Duration): void {
    if (!timeout.isUnresolved() && timeout.toSeconds({ integral: false }) < MIN_TIMEOUT_SECONDS) {
      throw this.errors.error(`${this.errors.prop('timeout')} ${timeout.toHumanString()} is not valid; allowed: `
        + `${MIN_TIMEOUT_SECONDS} seconds or more`);
    }
  }

  private validateRunnableTimeout(runnableTimeout: Duration): void {
    if (runnableTimeout.isUnresolved()) {
      return;
    }
    const seconds = runnableTimeout.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < MIN_RUNNABLE_TIMEOUT_SECONDS || seconds > MAX_RUNNABLE_TIMEOUT_SECONDS) {
      throw this.errors.error(`${this.errors.prop('runnableTimeout')} ${runnableTimeout.toHumanString()} is not valid; allowed: `
        + 'whole seconds from 10 minutes to 24 hours (Batch job-state time limits)');
    }
  }

  private validateMountPath(mountPath: string): void {
    if (!Token.isUnresolved(mountPath) && !/^(\/[A-Za-z0-9._-]+)+$/.test(mountPath)) {
      throw this.errors.error(`${this.errors.prop('mountPath')} ${mountPath} is not valid; allowed: an absolute path other than / of letters, `
        + `digits, '.', '_' and '-', without a trailing slash, such as ${RunContract.DEFAULT_MOUNT_PATH}`);
    }
  }

  private validateEnvironment(environment: { [name: string]: string }, secrets: { [name: string]: batch.Secret }): void {
    for (const [prop, names] of [['environment', Object.keys(environment)], ['secrets', Object.keys(secrets)]] as const) {
      for (const name of names) {
        if (RunContract.ENVIRONMENT_VARIABLES.includes(name)) {
          throw this.errors.error(`${this.errors.prop(prop)} ${name} is not allowed: the orchestration sets it for each run (run contract); `
            + 'allowed: any other name');
        }
        if (name.startsWith('AWS_BATCH')) {
          throw this.errors.error(`${this.errors.prop(prop)} ${name} is not allowed: AWS Batch reserves names starting with AWS_BATCH; allowed: `
            + 'any other name');
        }
      }
    }
    const both = Object.keys(environment).filter((name) => name in secrets);
    if (both.length > 0) {
      throw this.errors.error(`${both.join(', ')} is in both 'environment' and 'secrets'; allowed: each name in one of them`);
    }
  }

  private validateImageIsReachable(network: IPipelineNetwork): void {
    const region = this.image.registryRegion;
    if (network.canPullFrom(this.image.registryKind, region)) {
      return;
    }
    if (this.image.registryKind === RegistryKind.ECR_PRIVATE && network.canPullFrom(this.image.registryKind)) {
      const ownRegion = Stack.of(this).region;
      throw this.errors.error(`${this.errors.prop('image')} ${this.image.description} is in private ECR of ${region}, `
        + `which jobs cannot reach with egress ${network.egress}:`
        + ` its ECR and S3 endpoints serve only this stack's region ${ownRegion}; allowed: an image in a private ECR repository of ${ownRegion}`
        + ' (ECR cross-region replication, an ECR pull-through cache, JobImage.fromAsset), or an egress mode with internet access (NAT_GATEWAY, '
        + 'PUBLIC_SUBNETS)');
    }
    throw this.errors.error(`${this.errors.prop('image')} ${this.image.description} comes from ${this.image.registryKind}, `
      + `which jobs cannot reach with egress ${network.egress}`
      + ` (reachable: ${network.reachableRegistries.join(', ')}); allowed: an image in a private ECR repository of this region`
      + ' (JobImage.fromEcrRepository, JobImage.fromAsset, or an ECR pull-through cache), or an egress mode with internet access (NAT_GATEWAY, '
      + 'PUBLIC_SUBNETS)');
  }

  /**
   * From JavaScript or Python a string passes where the type says an argument list: the local
   * runtime would then run each character as an argument (or nothing), so it is refused here.
   */
  private validateLocalCommand(localCommand: unknown): void {
    if (localCommand === undefined) return;
    const allowed = "allowed: an argument list such as ['node', 'job/report.mjs'] (the program, then each argument as its own string), "
      + 'or leave it out';
    if (!Array.isArray(localCommand)) {
      const shown = typeof localCommand === 'string' ? `'${localCommand}' (a string)` : `${JSON.stringify(localCommand) ?? String(localCommand)} `
        + `(${localCommand === null ? 'null' : typeof localCommand})`;
      throw this.errors.error(`${this.errors.prop('localCommand')} ${shown} is not an argument list; ${allowed}`);
    }
    if (localCommand.length === 0) {
      throw this.errors.error(`${this.errors.prop('localCommand')} is empty; ${allowed}`);
    }
    const bad = localCommand.findIndex((argument) => typeof argument !== 'string' || argument === '');
    if (bad >= 0) {
      throw this.errors.error(`${this.errors.prop('localCommand')} element ${bad} `
        + `(${JSON.stringify(localCommand[bad]) ?? String(localCommand[bad])}) is not valid: each element must be a non-empty string; ${allowed}`);
    }
  }

}

/** Where the jobs run. */
interface JobPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** Undefined: create one. */
  readonly securityGroups?: ec2.ISecurityGroup[];
  readonly assignPublicIp: boolean;
}

/** `attempts` x `timeout`, or a duration that resolves to it when either is a token. */
function maxJobDurationOf(attempts: number, timeout: Duration): Duration {
  if (!Token.isUnresolved(attempts) && !timeout.isUnresolved()) {
    return Duration.seconds(attempts * timeout.toSeconds({ integral: false }));
  }
  const product: IResolvable = {
    creationStack: [],
    resolve: (context: IResolveContext) => {
      const count = context.resolve(attempts);
      const seconds = context.resolve(timeout.toSeconds());
      if (typeof count !== 'number' || typeof seconds !== 'number') {
        throw new Error("BatchProcessor: 'maxJobDuration' is not known until deploy time ('retryAttempts' or 'timeout' is a CloudFormation "
          + 'value); compare it only when both are known at synth time');
      }
      return count * seconds;
    },
    toString: () => 'BatchProcessor.maxJobDuration',
  };
  return Duration.seconds(Token.asNumber(product));
}
