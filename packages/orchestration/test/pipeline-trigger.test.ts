import { nagFindings, testStack } from '@batch-pipeline/test-support';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { PipelineStateMachine, PipelineTrigger, PipelineTriggerProps, ZeroByteObjects } from '../src';
import { WATCH_PREFIX, pipelineParts, pipelineProps } from './pipeline-fixture';

function givenTrigger(props: Partial<PipelineTriggerProps> = {}): { stack: Stack; trigger: PipelineTrigger } {
  const stack = testStack();
  const uploadBucket = new s3.Bucket(stack, 'Uploads');
  const stateMachine = new sfn.StateMachine(stack, 'Pipeline', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Run')) });
  const trigger = new PipelineTrigger(stack, 'Trigger', { uploadBucket, stateMachine, ...props });
  return { stack, trigger };
}

function given(props: Partial<PipelineTriggerProps> = {}): { stack: Stack; trigger: PipelineTrigger; template: Template } {
  const { stack, trigger } = givenTrigger(props);
  return { stack, trigger, template: Template.fromStack(stack) };
}

function notificationFilters(template: Template): unknown[] {
  const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'))[0].Properties.NotificationConfiguration;
  return notifications.LambdaFunctionConfigurations
    .map((config: { Filter?: unknown; Events: string[] }) => ({ events: config.Events, filter: config.Filter }));
}

describe('PipelineTrigger defaults', () => {
  const { template } = given();

  test('runs the bundled handler on ARM64 with the Node.js 24 runtime and JSON logs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: {
        Variables: {
          STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('^Pipeline') },
          WATCH_PREFIX: '',
          WATCH_SUFFIXES: '[]',
          ZERO_BYTE_OBJECTS: 'SKIP',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  test('keeps the function logs for a year', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('is notified of every object creation in the upload bucket', () => {
    expect(notificationFilters(template)).toEqual([{ events: ['s3:ObjectCreated:*'], filter: undefined }]);
  });

  test('retries twice, then sends the event to a dead-letter queue encrypted with the AWS managed SQS key', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: 'alias/aws/sqs', MessageRetentionPeriod: 1209600 });
  });

  test('may write its own logs, start executions of exactly this state machine and send to exactly its dead-letter queue', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^TriggerRole') }] },
    }));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TriggerLogGroup/), 'Arn'] } },
      {
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] },
      },
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^Pipeline/) } },
    ]);
  });

  test('has no managed policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('alarms on failed invocations and on dead letters, without actions unless asked', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 1 });
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: Match.anyValue() }, 0);
  });

  test('reserves no concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
  });
});

describe('PipelineTrigger options', () => {
  test('filters notifications by prefix and each suffix in S3', () => {
    const { template } = given({ prefix: 'incoming/', suffixes: ['.csv', '.txt'] });
    const rules = (prefix: string, suffix: string) => ({ Key: { FilterRules: [{ Name: 'suffix', Value: suffix }, { Name: 'prefix', Value: prefix }] } });
    expect(notificationFilters(template)).toEqual([
      { events: ['s3:ObjectCreated:*'], filter: rules('incoming/', '.csv') },
      { events: ['s3:ObjectCreated:*'], filter: rules('incoming/', '.txt') },
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: 'incoming/', WATCH_SUFFIXES: '[".csv",".txt"]' }) },
    });
  });

  test('passes the zero-byte setting, reserved concurrency and log retention on', () => {
    const { template } = given({ zeroByteObjects: ZeroByteObjects.PROCESS, reservedConcurrency: 5, logRetention: logs.RetentionDays.ONE_MONTH });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 5,
      Environment: { Variables: Match.objectLike({ ZERO_BYTE_OBJECTS: 'PROCESS' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('routes its alarms to an alarm topic', () => {
    const { stack } = givenTrigger();
    const alarmTopic = new sns.Topic(stack, 'Alarms');
    const uploadBucket = new s3.Bucket(stack, 'More');
    const stateMachine = new sfn.StateMachine(stack, 'Other', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noop')) });
    new PipelineTrigger(stack, 'Alarmed', { uploadBucket, stateMachine, alarmTopic });
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }] }, 2);
  });

  test('given its own notification topic for another state machine, then refused uploads are published there', () => {
    const { stack } = givenTrigger();
    const topic = new sns.Topic(stack, 'Refused');
    const uploadBucket = new s3.Bucket(stack, 'More');
    const stateMachine = new sfn.StateMachine(stack, 'Other', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Noop')) });
    new PipelineTrigger(stack, 'Notifying', { uploadBucket, stateMachine, notificationTopic: topic });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NOTIFICATION_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^Refused') } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^NotifyingRole') }],
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^Refused') } }]) },
    });
  });

  test('grantConsumeDeadLetters lets a principal read the failed events', () => {
    const { stack, trigger } = givenTrigger();
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    trigger.grantConsumeDeadLetters(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Operator') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] })] },
    });
  });
});

describe('PipelineTrigger validation', () => {
  // Storage's key prefix rule (KeyPrefix): the last three passed the trigger's own, looser check before.
  test.each(['incoming', '/incoming/', 'in coming/', 'incoming/../', 'incoming//'])('fails on the prefix %s', (prefix) => {
    expect(() => given({ prefix })).toThrow(
      `PipelineTrigger 'Trigger': 'prefix' ${prefix} is not valid; allowed: '' or one or more folder names of letters, digits and `
      + "! - _ . * ' ( ) (not . or ..), each followed by '/', without a leading '/', such as incoming/",
    );
  });

  test.each(['', 'dir/'])("fails on the suffix '%s'", (suffix) => {
    expect(() => given({ suffixes: [suffix] })).toThrow(
      `PipelineTrigger 'Trigger': 'suffixes' entry '${suffix}' is not valid; allowed: a non-empty key ending without '/', such as .csv`,
    );
  });

  test('fails when notifyRefusedUploads is true and there is no topic to publish to', () => {
    expect(() => given({ notifyRefusedUploads: true })).toThrow(
      "PipelineTrigger 'Trigger': 'notifyRefusedUploads' true needs a topic, and there is none; allowed: give 'notificationTopic', or set 'notifyRefusedUploads' to false",
    );
  });

  test.each([0, 2.5])('fails on reserved concurrency %s', (reservedConcurrency) => {
    expect(() => given({ reservedConcurrency })).toThrow(
      `PipelineTrigger 'Trigger': 'reservedConcurrency' ${reservedConcurrency} is not valid; allowed: a whole number of at least 1`,
    );
  });
});

describe('PipelineTrigger over a PipelineStateMachine', () => {
  function pipelineAndBucket() {
    const parts = pipelineParts();
    const pipeline = new PipelineStateMachine(parts.stack, 'Pipeline', {
      ...pipelineProps(parts),
    });
    return { stack: parts.stack, uploads: parts.storage.uploads.bucket, pipeline };
  }

  test('watches the stage-in prefix when no prefix is given', () => {
    const { stack, uploads, pipeline } = pipelineAndBucket();
    new PipelineTrigger(stack, 'Trigger', { uploadBucket: uploads, stateMachine: pipeline.stateMachine });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: WATCH_PREFIX }) },
    });
  });

  test('fails when its prefix is not the one the stage-in reads, naming both', () => {
    const { stack, uploads, pipeline } = pipelineAndBucket();
    expect(() => new PipelineTrigger(stack, 'Trigger', { uploadBucket: uploads, stateMachine: pipeline.stateMachine, prefix: 'uploads/' })).toThrow(
      "PipelineTrigger 'Trigger': 'prefix' 'uploads/' is not the prefix the state machine's stage-in reads ('incoming/'); allowed: 'incoming/', or leave 'prefix' out to use it",
    );
  });

  test('fails when its bucket is not the one the stage-in reads, naming both', () => {
    const { stack, pipeline } = pipelineAndBucket();
    const other = new s3.Bucket(stack, 'Other');
    expect(() => new PipelineTrigger(stack, 'Trigger', { uploadBucket: other, stateMachine: pipeline.stateMachine })).toThrow(
      "PipelineTrigger 'Trigger': 'uploadBucket' Test/Other is not the bucket the state machine's stage-in reads (Test/Storage/Uploads/Bucket); allowed: that bucket",
    );
  });

  test('given the pipeline\'s notification topic, when an upload is refused, then the trigger may publish to that topic and use its key', () => {
    const { stack, uploads, pipeline } = pipelineAndBucket();
    new PipelineTrigger(stack, 'Trigger', { uploadBucket: uploads, stateMachine: pipeline.stateMachine });
    const template = Template.fromStack(stack);
    const topicRef = stack.resolve(pipeline.notificationTopic.topicArn);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NOTIFICATION_TOPIC_ARN: topicRef }) },
    });
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^TriggerRole') }] } }));
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      { Action: 'sns:Publish', Effect: 'Allow', Resource: topicRef },
      { Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/NotificationKey/), 'Arn'] } },
    ]));
  });

  test('given notifyRefusedUploads false, then the trigger has no topic and may not publish', () => {
    const { stack, uploads, pipeline } = pipelineAndBucket();
    new PipelineTrigger(stack, 'Trigger', { uploadBucket: uploads, stateMachine: pipeline.stateMachine, notifyRefusedUploads: false });
    const template = Template.fromStack(stack);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: 'src/trigger/start-run.lambda.ts' } }));
    expect(fn.Properties.Environment.Variables.NOTIFICATION_TOPIC_ARN).toBeUndefined();
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^TriggerRole') }] } }));
    expect(JSON.stringify(policy.Properties.PolicyDocument)).not.toMatch(/sns:Publish|kms:/);
  });

  test('accepts the same bucket imported by name', () => {
    const { stack, uploads, pipeline } = pipelineAndBucket();
    const imported = s3.Bucket.fromBucketName(stack, 'Imported', uploads.bucketName);
    expect(() => new PipelineTrigger(stack, 'Trigger', { uploadBucket: imported, stateMachine: pipeline.stateMachine })).not.toThrow();
  });
});

describe('PipelineTrigger passes cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  test.each([
    [false, undefined],
    [true, 5],
  ])('with nothing unacknowledged, the bucket-notifications handler included (log key: %s, reserved concurrency: %s)', (withKey, reservedConcurrency) => {
    const stack = testStack();
    const uploadBucket = new s3.Bucket(stack, 'Uploads');
    const stateMachine = new sfn.StateMachine(stack, 'Pipeline', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Run')) });
    const logEncryptionKey = withKey ? new kms.Key(stack, 'Key', { enableKeyRotation: true }) : undefined;
    // An encrypted topic: the trigger's grant includes the key half.
    const notificationTopic = new sns.Topic(stack, 'NotificationTopic', { masterKey: new kms.Key(stack, 'KeyOfTopic', { enableKeyRotation: true }), enforceSSL: true });
    new PipelineTrigger(stack, 'Trigger', { uploadBucket, stateMachine, reservedConcurrency, logEncryptionKey, notificationTopic });
    // The fixtures' own bucket and state machine are not the trigger's to fix.
    const findings = nagFindings(stack).filter((finding) => !/ at Test\/(Uploads|Pipeline|Key)\//.test(finding));
    expect(findings).toEqual([]);
  });
});
