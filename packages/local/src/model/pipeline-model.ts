/**
 * A pipeline as the local runtime sees it: the resources of one synthesized stack that
 * the run touches, every reference already resolved to a local identifier (a name or an
 * ARN in the stack's account and region). Built by `discoverPipelines` from a cloud
 * assembly; nothing here knows which construct created a resource.
 */
export interface PipelineModel {
  /** The stack's name (its artifact id in the cloud assembly). */
  readonly stackName: string;
  /** The stack's region, or the local default when the stack is environment-agnostic. */
  readonly region: string;
  /** The stack's account, or the local default. */
  readonly account: string;
  readonly stateMachine: LocalStateMachine;
  /** The bucket notifications that invoke a function, in template order. */
  readonly uploadTriggers: readonly UploadTrigger[];
  /** Every bucket of the stack, by logical id. */
  readonly buckets: ReadonlyMap<string, LocalBucket>;
  /** Every Lambda function whose code the cloud assembly holds, by ARN. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** Every EFS file system, by logical id. */
  readonly fileSystems: ReadonlyMap<string, LocalFileSystem>;
  /** DataSync locations, by location ARN. */
  readonly dataSyncLocations: ReadonlyMap<string, DataSyncLocation>;
  /** DataSync tasks, by task ARN. */
  readonly dataSyncTasks: ReadonlyMap<string, DataSyncTask>;
  /** Batch job queues, by ARN (SubmitJob also accepts the name: `jobQueueByNameOrArn`). */
  readonly jobQueues: ReadonlyMap<string, JobQueue>;
  /** Batch job definitions, by ARN (`arn:...:job-definition/<name>:1`). */
  readonly jobDefinitions: ReadonlyMap<string, JobDefinition>;
  /** SNS topics, by ARN. */
  readonly topics: ReadonlyMap<string, LocalTopic>;
}

export interface LocalStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The Amazon States Language definition with every reference and substitution resolved. */
  readonly definition: Record<string, any>;
}

export interface LocalBucket {
  readonly logicalId: string;
  /** The bucket name: the template's `BucketName`, else one made from stack and logical id as CloudFormation does. */
  readonly name: string;
  readonly arn: string;
  readonly versioned: boolean;
}

/** One `LambdaFunctionConfiguration` of a bucket's notification configuration. */
export interface UploadTrigger {
  readonly bucket: LocalBucket;
  /** ARN of the function the notification invokes. */
  readonly functionArn: string;
  /** Event types, such as `s3:ObjectCreated:*`. */
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
}

export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The directory of the function's bundled code in the cloud assembly. */
  readonly codeDirectory: string;
  /** `file.export`, as the Lambda `Handler` property. */
  readonly handler: string;
  readonly runtime: string;
  /** Environment variables, resolved. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMiB: number;
  /** EFS access points the function mounts. */
  readonly mounts: readonly FileSystemMount[];
  /**
   * `MaximumRetryAttempts` of the function's `AWS::Lambda::EventInvokeConfig` (qualifier `$LATEST`):
   * how often Lambda retries a failed asynchronous invocation, 0-2.
   * @default 2
   */
  readonly asyncMaximumRetryAttempts?: number;
  /**
   * `MaximumEventAgeInSeconds` of the function's EventInvokeConfig: how long an asynchronous event
   * may wait for a retry, 60-21600.
   * @default 21600
   */
  readonly asyncMaximumEventAgeSeconds?: number;
  /** `DestinationConfig.OnFailure.Destination` of the function's EventInvokeConfig (an ARN), if any. */
  readonly asyncOnFailureDestination?: string;
}

/** An EFS access point mounted at a path (Lambda `FileSystemConfigs`, Batch `MountPoints`). */
export interface FileSystemMount {
  /** The mount path inside the function or container, such as `/mnt/pipeline`. */
  readonly mountPath: string;
  readonly fileSystemLogicalId: string;
  /** The access point's root directory on the file system (`/` without an access point). */
  readonly rootDirectory: string;
}

export interface LocalFileSystem {
  readonly logicalId: string;
  /** `fs-...` */
  readonly id: string;
  readonly arn: string;
}

export type DataSyncLocation =
  | { readonly kind: 'S3'; readonly arn: string; readonly bucketName: string; readonly subdirectory: string }
  | {
    readonly kind: 'EFS';
    readonly arn: string;
    readonly fileSystemLogicalId: string;
    readonly accessPointRootDirectory: string;
    readonly subdirectory: string;
  };

export interface DataSyncTask {
  readonly logicalId: string;
  readonly arn: string;
  readonly sourceLocationArn: string;
  readonly destinationLocationArn: string;
  /** The task's own `Includes` and `Excludes` filters (a start call may override `Includes`). */
  readonly includes?: ReadonlyArray<{ readonly FilterType: string; readonly Value: string }>;
  readonly excludes?: ReadonlyArray<{ readonly FilterType: string; readonly Value: string }>;
  /** The task's `Options`, as the template has them. */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface JobQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly state: 'ENABLED' | 'DISABLED';
  /** The most vCPUs any of its compute environments offers (`ComputeResources.MaxvCpus`), when known. */
  readonly maxvCpus?: number;
  /** `JobStateTimeLimitActions`: what the queue does with a job stuck at its head. */
  readonly jobStateTimeLimitActions?: readonly JobStateTimeLimitAction[];
}

/** One job-state time-limit action of a job queue (Batch API reference, JobStateTimeLimitAction). */
export interface JobStateTimeLimitAction {
  readonly reason: string;
  readonly state: string;
  readonly maxTimeSeconds: number;
  readonly action: string;
}

export interface JobDefinition {
  readonly logicalId: string;
  readonly name: string;
  /** `arn:aws:batch:<region>:<account>:job-definition/<name>:1` */
  readonly arn: string;
  /** Container environment variables of the definition. */
  readonly environment: Readonly<Record<string, string>>;
  readonly command?: readonly string[];
  readonly mounts: readonly FileSystemMount[];
  /** `Timeout.AttemptDurationSeconds`. */
  readonly attemptDurationSeconds?: number;
  /** The container's `VCPU` resource requirement, when it gives one. */
  readonly vcpus?: number;
  /** `RetryStrategy.Attempts` (1 without a strategy). */
  readonly attempts: number;
  /** `RetryStrategy.EvaluateOnExit`, as the template has it. */
  readonly evaluateOnExit: ReadonlyArray<Readonly<Record<string, string>>>;
  /** How the job runs locally (the `batch-pipeline:localRun` metadata), if the definition records it. */
  readonly localRun?: LocalRunMetadata;
  /** The directory of the job's Docker image asset in the cloud assembly, if it is one. */
  readonly imageAssetDirectory?: string;
  /** The image reference, resolved. */
  readonly image: string;
  /** The container's `LogConfiguration`, resolved (DescribeJobs reports it; its `awslogs-group` names the job's log group). */
  readonly logConfiguration?: JobLogConfiguration;
}

/** A job definition's container log configuration, as DescribeJobs reports it. */
export interface JobLogConfiguration {
  /** `awslogs` for the jobs of a Fargate compute environment. */
  readonly logDriver: string;
  /** The driver's options, such as `awslogs-group` and `awslogs-stream-prefix`. */
  readonly options: Readonly<Record<string, string>>;
}

/** The `batch-pipeline:localRun` metadata a job definition carries. */
export interface LocalRunMetadata {
  /** An argument list that runs the job as a local process, relative paths against the app directory. */
  readonly localCommand?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  /** Secret names the job gets on AWS; a local run does not have them. */
  readonly secrets?: readonly string[];
  readonly mountPath?: string;
  readonly architecture?: string;
}

export interface LocalTopic {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Whether the topic is encrypted with a KMS key (`KmsMasterKeyId`). */
  readonly encrypted: boolean;
}
