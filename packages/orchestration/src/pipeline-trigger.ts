import { NagAcknowledgements } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PipelineStateMachine } from './pipeline-state-machine';
import { ALARM_PERIOD, atLeastOnceAlarm, routeAlarms } from './private/alarms';
import { checkKeyPrefix } from './private/key-prefix-check';
import { StartRunFunction } from './trigger/start-run-function';
import { TRIGGER_ENV } from './trigger/trigger-config';
import { ZeroByteObjects } from './trigger/upload-filter';

export { ZeroByteObjects } from './trigger/upload-filter';

/** The id aws-cdk-lib gives its stack-wide S3 bucket-notifications handler. */
const BUCKET_NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

export interface PipelineTriggerProps {
  /** The bucket users upload to. */
  readonly uploadBucket: s3.IBucket;

  /**
   * The state machine that processes one upload per execution. When it is the
   * `stateMachine` of a `PipelineStateMachine`, `uploadBucket` and `prefix` must
   * be the ones its stage-in reads.
   */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * Only keys under this prefix start a run. Must end with `/`.
   *
   * @default - the stage-in prefix of a `PipelineStateMachine`; for any other state machine, every key
   */
  readonly prefix?: string;

  /**
   * Only keys ending in one of these start a run, for example `['.csv', '.txt']`.
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
   * Reserved concurrency of the trigger function, to cap how many runs a burst of uploads starts at once.
   *
   * @default - no reservation (the account's unreserved concurrency)
   */
  readonly reservedConcurrency?: number;

  /**
   * How long the trigger function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * KMS key that encrypts the trigger function's log group.
   *
   * @default - encrypted with the CloudWatch Logs service key
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Whether an upload under the watched prefix that starts no run (an empty file skipped by
   * `ZeroByteObjects.SKIP`, a suffix that is not watched, a key EFS cannot hold) is published to
   * `notificationTopic`: one notification naming the key and the reason. Turned off, such uploads
   * are only logged. Folder markers, `s3:TestEvent` and keys outside the prefix are never notified:
   * they are not uploads under the watched prefix.
   *
   * @default true when there is a topic (`notificationTopic`, or the notification topic of a `PipelineStateMachine`), else false
   */
  readonly notifyRefusedUploads?: boolean;

  /**
   * The topic told about refused uploads (see `notifyRefusedUploads`).
   *
   * @default - the notification topic of a `PipelineStateMachine`; for any other state machine, none
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Where the alarms on trigger errors and dead letters send their state changes.
   *
   * @default - no alarm actions; the alarms are exposed for you to route
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Starts one state machine execution per uploaded object.
 *
 * The upload bucket notifies the trigger function directly (S3 event
 * notifications, filtered by prefix and suffix in S3, so other keys never
 * invoke it). The function runs on ARM64 with the current Node.js runtime and
 * names each execution after the run id, so a duplicate event starts nothing.
 * Events that still fail after Lambda's two retries land in an encrypted
 * dead-letter queue.
 *
 * @example
 * new PipelineTrigger(this, 'Trigger', {
 *   uploadBucket,
 *   stateMachine,
 *   prefix: 'incoming/',
 *   suffixes: ['.csv'],
 * });
 */
export class PipelineTrigger extends Construct {
  /** The trigger function. */
  public readonly function: lambda.IFunction;
  /** Events the function failed to process after its retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** Alarm on trigger invocations that failed, in 5-minute periods. */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /** Alarm on events waiting in the dead-letter queue. */
  public readonly deadLettersAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PipelineTriggerProps) {
    super(scope, id);
    const pipeline = props.stateMachine.node.scope instanceof PipelineStateMachine ? props.stateMachine.node.scope : undefined;
    const prefix = props.prefix ?? pipeline?.uploadPrefix ?? '';
    const suffixes = props.suffixes ?? [];
    this.validate(prefix, suffixes, props.reservedConcurrency);
    const notificationTopic = this.refusedUploadsTopic(props, pipeline);
    if (pipeline) {
      this.validateAgreement(pipeline, props.uploadBucket, prefix);
    }

    // The AWS managed key of SQS (alias/aws/sqs): KMS encryption with key use logged in CloudTrail,
    // at no key cost; its key policy lets the function's role (which may send) encrypt through SQS.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the trigger function; failed events stop here for inspection.',
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
    });
    if (!props.logEncryptionKey) {
      Validations.of(this.logGroup).acknowledge({
        id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
        reason: 'Trigger logs are encrypted at rest with the CloudWatch Logs service key by default; '
          + 'set logEncryptionKey to use a customer managed KMS key.',
      });
    }

    // An own role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Trigger function of the batch pipeline: start executions, notify refused uploads, write logs, '
        + 'send failed events to the dead-letter queue',
    });
    this.logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The inline policy is generated by CDK grants and names exactly this log group, this state machine and this dead-letter queue.',
    });

    const fn = new StartRunFunction(this, 'Function', {
      role,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrency,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      environment: {
        [TRIGGER_ENV.STATE_MACHINE_ARN]: props.stateMachine.stateMachineArn,
        [TRIGGER_ENV.WATCH_PREFIX]: prefix,
        [TRIGGER_ENV.WATCH_SUFFIXES]: Stack.of(this).toJsonString(suffixes),
        [TRIGGER_ENV.ZERO_BYTE_OBJECTS]: props.zeroByteObjects ?? ZeroByteObjects.SKIP,
        ...(notificationTopic ? { [TRIGGER_ENV.NOTIFICATION_TOPIC_ARN]: notificationTopic.topicArn } : {}),
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.function = fn;
    if (props.reservedConcurrency === undefined) {
      Validations.of(fn).acknowledge({
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason: 'No reservation by default: reserving concurrency fails deployment in accounts with a low concurrency quota, '
          + 'and a burst of uploads is absorbed by the asynchronous invocation queue; set reservedConcurrency to cap it.',
      });
    }
    Validations.of(fn).acknowledge({
      id: 'NIST.800.53.R5-LambdaDLQ',
      reason: 'Failed invocations go to an SQS on-failure destination (EventInvokeConfig), which keeps the error and request context with the event; '
        + 'a dead-letter config would duplicate it.',
    });
    Validations.of(fn).acknowledge({
      id: 'NIST.800.53.R5-LambdaInsideVPC',
      reason: 'The trigger only calls the Step Functions API and touches no VPC resource; '
        + 'inside the VPC it would need a NAT gateway or an endpoint for that call.',
    });
    props.stateMachine.grantStartExecution(fn);
    if (notificationTopic) {
      // sns:Publish on the topic and, for an encrypted topic, kms:GenerateDataKey* and kms:Decrypt on its key.
      notificationTopic.grantPublish(role);
      if (notificationTopic.masterKey) {
        NagAcknowledgements.acknowledge(role, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          'The key half of topic.grantPublish, on the notification topic\'s own key only: '
          + 'SNS needs a data key to encrypt the refused-upload notification.');
      }
    }

    const destination = new s3n.LambdaDestination(fn);
    const filters: s3.NotificationKeyFilter[] = suffixes.length > 0
      ? suffixes.map((suffix) => ({ prefix: prefix || undefined, suffix }))
      : [{ prefix: prefix || undefined }];
    this.errorsAlarm = atLeastOnceAlarm(this, 'ErrorsAlarm',
      fn.metricErrors({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      'the trigger failed at least once in the last 5 minutes (Lambda retries it twice)');
    this.deadLettersAlarm = atLeastOnceAlarm(this, 'DeadLettersAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      'uploads whose run could not be started wait in the dead-letter queue');
    routeAlarms([this.errorsAlarm, this.deadLettersAlarm], props.alarmTopic,
      'The alarm is exposed for the operator to route; set alarmTopic to send it to a topic.');

    // A bucket of another stack would get its notification in that stack, naming this stack's
    // function while this stack names the bucket: a dependency cycle. Imported here, the bucket's
    // notification is configured from this stack (CDK's handler then leaves other notifications alone).
    const notifiedBucket = Stack.of(props.uploadBucket) === Stack.of(this)
      ? props.uploadBucket
      : s3.Bucket.fromBucketArn(this, 'UploadBucket', props.uploadBucket.bucketArn);
    for (const filter of filters) {
      const keyFilters = filter.prefix || filter.suffix ? [filter] : [];
      notifiedBucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, ...keyFilters);
    }
    this.acknowledgeNotificationsHandler(notifiedBucket);
  }

  /** Grants permission to read the dead-letter queue, for example to replay failed events. */
  public grantConsumeDeadLetters(grantee: iam.IGrantable): iam.Grant {
    return this.deadLetterQueue.grantConsumeMessages(grantee);
  }

  /**
   * S3 notifications are configured by CDK's bucket-notifications custom
   * resource: one handler per stack and one policy per bucket, both made by
   * aws-cdk-lib, with nothing to configure.
   */
  private acknowledgeNotificationsHandler(bucket: s3.IBucket): void {
    const handler = Stack.of(this).node.tryFindChild(BUCKET_NOTIFICATIONS_HANDLER_ID);
    if (handler) {
      NagAcknowledgements.acknowledge(handler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The CDK bucket-notifications handler runs only while the stack deploys, to set the upload bucket\'s notifications; '
        + 'the managed policy lets it write its own logs.');
    }
    const handlerPolicy = bucket.node.tryFindChild('Notifications')?.node.tryFindChild('HandlerPolicy');
    if (handlerPolicy) {
      Validations.of(handlerPolicy).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: 'Generated by CDK for the bucket-notifications handler: s3:PutBucketNotification on the upload bucket only.',
      });
    }
  }

  /** The topic refused uploads are published to, if any; an explicit `notifyRefusedUploads: true` needs one. */
  private refusedUploadsTopic(props: PipelineTriggerProps, pipeline?: PipelineStateMachine): sns.ITopic | undefined {
    const topic = props.notificationTopic ?? pipeline?.notificationTopic;
    if (props.notifyRefusedUploads === false) {
      return undefined;
    }
    if (props.notifyRefusedUploads === true && !topic) {
      const errors = ConstructErrors.of(this, 'PipelineTrigger');
      throw errors.error(`${errors.prop('notifyRefusedUploads')} true needs a topic, and there is none; `
        + 'allowed: give \'notificationTopic\', or set \'notifyRefusedUploads\' to false');
    }
    return topic;
  }

  /**
   * The trigger must watch exactly what the state machine's stage-in reads:
   * another prefix would start runs whose stage-in copies nothing, another bucket
   * runs on objects stage-in cannot see.
   */
  private validateAgreement(pipeline: PipelineStateMachine, uploadBucket: s3.IBucket, prefix: string): void {
    const errors = ConstructErrors.of(this, 'PipelineTrigger');
    const name = errors.label;
    const stack = Stack.of(this);
    const sameBucket = uploadBucket === pipeline.uploadBucket
      || JSON.stringify(stack.resolve(uploadBucket.bucketName)) === JSON.stringify(stack.resolve(pipeline.uploadBucket.bucketName));
    if (!sameBucket) {
      throw new Error(`${name}: ${errors.prop('uploadBucket')} ${uploadBucket.node.path} is not the bucket the state machine's stage-in reads `
        + `(${pipeline.uploadBucket.node.path}); allowed: that bucket`);
    }
    if (!Token.isUnresolved(prefix) && prefix !== pipeline.uploadPrefix) {
      throw new Error(`${name}: ${errors.prop('prefix')} '${prefix}' is not the prefix the state machine's stage-in reads `
        + `('${pipeline.uploadPrefix}'); `
        + `allowed: '${pipeline.uploadPrefix}', or leave 'prefix' out to use it`);
    }
  }

  private validate(prefix: string, suffixes: string[], reservedConcurrency?: number): void {
    const errors = ConstructErrors.of(this, 'PipelineTrigger');
    const name = errors.label;
    checkKeyPrefix(errors, 'prefix', prefix, 'incoming/');
    for (const suffix of suffixes) {
      if (!Token.isUnresolved(suffix) && (suffix === '' || suffix.includes('/'))) {
        throw new Error(`${name}: ${errors.prop('suffixes')} entry '${suffix}' is not valid; `
          + 'allowed: a non-empty key ending without \'/\', such as .csv');
      }
    }
    if (reservedConcurrency !== undefined && !Token.isUnresolved(reservedConcurrency)
      && (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1)) {
      throw new Error(`${name}: ${errors.prop('reservedConcurrency')} ${reservedConcurrency} is not valid; allowed: a whole number of at least 1`);
    }
  }
}
