import { nagFindings } from '@batch-pipeline/test-support';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PipelineStateMachine } from '../src';
import { synthesizedDefinition } from './local-run/synthesized-definition';
import { pipelineParts, pipelineStateMachine } from './pipeline-fixture';

function policyStatementsOf(template: Template, rolePattern: RegExp): unknown[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => rolePattern.test(role.Ref)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const ref = (pattern: RegExp) => ({ Ref: expect.stringMatching(pattern) });
const getAtt = (pattern: RegExp, attribute: string) => ({ 'Fn::GetAtt': [expect.stringMatching(pattern), attribute] });
const accountArn = (service: string, resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:eu-west-2:123456789012:${resource}`]] });

describe('PipelineStateMachine defaults', () => {
  const { stack, template, pipeline } = pipelineStateMachine();
  const definition = synthesizedDefinition(template);

  test('is a Standard workflow with X-Ray tracing, full execution logs kept a year, and a run timeout of the steps plus 15 minutes', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.anyValue()] },
    });
    expect(definition.TimeoutSeconds).toBe((1 + 2 + 1) * 3600 + 15 * 60);
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 365 });
  });

  test('stages in only the uploaded object and stages out only the run\'s output directory', () => {
    expect(definition.States['Stage in: start'].Parameters.Includes).toEqual([{ 'FilterType': 'SIMPLE_PATTERN', 'Value.$': "States.Format('/{}', $.relativeKey)" }]);
    expect(definition.States['Stage out: start'].Parameters.Includes).toEqual([{ 'FilterType': 'SIMPLE_PATTERN', 'Value.$': "States.Format('/runs/{}/out/*', $.runId)" }]);
  });

  test('polls DataSync every 15 seconds, at most the stage timeout long', () => {
    expect(definition.States['Stage in: wait'].Seconds).toBe(15);
    expect(pipeline.stageInMaxPolls).toBe(240);
    expect(pipeline.stageOutMaxPolls).toBe(240);
    expect(definition.States['Stage in: done?'].Choices[2]).toEqual({ Variable: '$.stageIn.polls', NumericGreaterThanEquals: 239, Next: 'Stage in: timed out' });
  });

  test('retries throttled, failing and queue-full starts with backoff, a bounded number of times', () => {
    expect(definition.States['Stage in: start'].Retry).toEqual([{
      ErrorEquals: ['DataSync.ThrottlingException', 'DataSync.InternalException', 'DataSync.InvalidRequestException'],
      IntervalSeconds: 5,
      MaxAttempts: 6,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    }]);
  });

  test('submits the job with the run contract as its environment and the process timeout', () => {
    const process = definition.States.Process;
    expect(process.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    expect(process.TimeoutSeconds).toBe(7200);
    expect(process.Parameters.ContainerOverrides.Environment).toEqual([
      { 'Name': 'PIPELINE_RUN_ID', 'Value.$': '$.runId' },
      { 'Name': 'PIPELINE_INPUT_PATH', 'Value.$': "States.Format('/mnt/pipeline{}', $.workspace.inputPath)" },
      { 'Name': 'PIPELINE_OUTPUT_DIR', 'Value.$': "States.Format('/mnt/pipeline{}', $.workspace.outputDirectory)" },
      { 'Name': 'PIPELINE_SOURCE_BUCKET', 'Value.$': '$.bucket' },
      { 'Name': 'PIPELINE_SOURCE_KEY', 'Value.$': '$.key' },
    ]);
  });

  test('every Task state has a timeout and every step catches every error', () => {
    const tasks = Object.entries(definition.States).filter(([, state]: [string, any]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    for (const [name, state] of tasks as Array<[string, any]>) {
      expect({ name, timeout: state.TimeoutSeconds > 0 }).toEqual({ name, timeout: true });
      expect({ name, catches: state.Catch?.[0]?.ErrorEquals }).toEqual({ name, catches: ['States.ALL'] });
    }
  });

  test('sends failure notifications to an encrypted topic that enforces TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineNotificationKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('reports runs that hit the run timeout or are aborted through EventBridge, not runs that failed', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': { status: ['TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: Match.stringLikeRegexp('^PipelineStateMachine') }] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^PipelineNotificationTopic') } })],
    });
  });

  test('alarms on failed and on timed-out or aborted runs', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Threshold: 1, TreatMissingData: 'notBreaching' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: Match.arrayWith([Match.objectLike({ Expression: 'timedOut + aborted' })]) });
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: Match.anyValue() }, 0);
  });

  test('runs the workspace function in the private subnets on ARM64, with the access point mounted', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      FileSystemConfigs: [{ Arn: Match.anyValue(), LocalMountPath: '/mnt/pipeline' }],
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Environment: { Variables: { WORKSPACE_MOUNT_PATH: '/mnt/pipeline', NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  test('the state machine role may do exactly what the workflow needs', () => {
    expect(policyStatementsOf(template, /^PipelineStateMachineRole/)).toEqual([
      { Action: 'datasync:StartTaskExecution', Effect: 'Allow', Resource: getAtt(/^StageInTask/, 'TaskArn') },
      { Action: 'datasync:DescribeTaskExecution', Effect: 'Allow', Resource: { 'Fn::Join': ['', [getAtt(/^StageInTask/, 'TaskArn'), '/execution/*']] } },
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [getAtt(/^PipelineWorkspaceFunction/, 'Arn'), { 'Fn::Join': ['', [getAtt(/^PipelineWorkspaceFunction/, 'Arn'), ':*']] }] },
      { Action: 'datasync:StartTaskExecution', Effect: 'Allow', Resource: getAtt(/^StageOutTask/, 'TaskArn') },
      { Action: 'datasync:DescribeTaskExecution', Effect: 'Allow', Resource: { 'Fn::Join': ['', [getAtt(/^StageOutTask/, 'TaskArn'), '/execution/*']] } },
      { Action: 'sns:Publish', Effect: 'Allow', Resource: ref(/^PipelineNotificationTopic/) },
      {
        Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
        Effect: 'Allow',
        Resource: '*',
      },
      { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], Effect: 'Allow', Resource: '*' },
      { Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } }, Effect: 'Allow', Resource: getAtt(/^StageInDestinationFileSystemAccessRole/, 'Arn') },
      { Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } }, Effect: 'Allow', Resource: getAtt(/^StageOutSourceFileSystemAccessRole/, 'Arn') },
      { Action: 'batch:SubmitJob', Effect: 'Allow', Resource: [getAtt(/^ProcessorJobQueue/, 'JobQueueArn'), ref(/^ProcessorJobDefinition/)] },
      { Action: 'batch:DescribeJobs', Effect: 'Allow', Resource: '*' },
      { Action: 'batch:TerminateJob', Effect: 'Allow', Resource: accountArn('batch', 'job/*') },
      { Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], Effect: 'Allow', Resource: accountArn('events', 'rule/StepFunctionsGetEventsForBatchJobsRule') },
    ]);
  });

  test('the workspace role may write its logs, manage its network interfaces and mount the access point, nothing else', () => {
    expect(policyStatementsOf(template, /^PipelineWorkspaceRole/)).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: getAtt(/^PipelineWorkspaceLogs/, 'Arn') },
      {
        Action: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        Effect: 'Allow',
        Resource: accountArn('ec2', '*'),
      },
      { Action: 'ec2:DescribeNetworkInterfaces', Effect: 'Allow', Resource: '*' },
      {
        Action: 'elasticfilesystem:ClientMount',
        Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': expect.anything() } },
        Effect: 'Allow',
        Resource: '*',
      },
      { Action: 'elasticfilesystem:ClientWrite', Effect: 'Allow', Resource: expect.anything() },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }),
      Description: Match.stringLikeRegexp('^batch-pipeline workspace function'),
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('passes cdk-nag with nothing unacknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('PipelineStateMachine options', () => {
  test('poll interval, step timeouts, run timeout and log retention are configurable', () => {
    const { template, pipeline } = pipelineStateMachine({
      pollInterval: Duration.seconds(10),
      stageInTimeout: Duration.minutes(10),
      processTimeout: Duration.minutes(30),
      stageOutTimeout: Duration.minutes(20),
      runTimeout: Duration.hours(2),
      logRetention: logs.RetentionDays.ONE_MONTH,
    });
    const definition = synthesizedDefinition(template);
    expect(definition.States['Stage out: wait'].Seconds).toBe(10);
    expect(pipeline.stageInMaxPolls).toBe(60);
    expect(pipeline.stageOutMaxPolls).toBe(120);
    expect(definition.States.Process.TimeoutSeconds).toBe(1800);
    expect(definition.TimeoutSeconds).toBe(7200);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('uses a given notification topic and publishes success messages to a success topic', () => {
    const parts = pipelineParts();
    const notificationTopic = new sns.Topic(parts.stack, 'Failures');
    const successTopic = new sns.Topic(parts.stack, 'Successes');
    new PipelineStateMachine(parts.stack, 'Pipeline', {
      stageIn: parts.stageIn,
      stageOut: parts.stageOut,
      processor: parts.processor,
      accessPoint: parts.storage.fileSystem.accessPoint,
      network: parts.network,
      notificationTopic,
      successTopic,
    });
    const template = Template.fromStack(parts.stack);
    const definition = synthesizedDefinition(template);
    expect(definition.States['Notify failure'].Parameters.TopicArn).toMatch(/^<Failures/);
    expect(definition.States['Clean up'].Next).toBe('Notify success');
    expect(definition.States['Notify success'].Parameters.Message).toEqual(expect.objectContaining({
      'reportPrefix.$': "States.Format('reports/runs/{}/out/', $.runId)",
    }));
    template.resourceCountIs('AWS::SNS::Topic', 2);
  });

  test('routes its alarms to an alarm topic', () => {
    const parts = pipelineParts();
    const alarmTopic = new sns.Topic(parts.stack, 'Alarms');
    new PipelineStateMachine(parts.stack, 'Pipeline', {
      stageIn: parts.stageIn,
      stageOut: parts.stageOut,
      processor: parts.processor,
      accessPoint: parts.storage.fileSystem.accessPoint,
      network: parts.network,
      alarmTopic,
    });
    Template.fromStack(parts.stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }] }, 2);
  });

  test('places the workspace function in a given VPC without a network construct', () => {
    const parts = pipelineParts();
    new PipelineStateMachine(parts.stack, 'Pipeline', {
      stageIn: parts.stageIn,
      stageOut: parts.stageOut,
      processor: parts.processor,
      accessPoint: parts.storage.fileSystem.accessPoint,
      vpc: parts.network.vpc,
      vpcSubnets: parts.network.privateSubnets,
    });
    Template.fromStack(parts.stack).hasResourceProperties('AWS::Lambda::Function', { FileSystemConfigs: Match.anyValue(), VpcConfig: Match.anyValue() });
  });
});

describe('PipelineStateMachine validation', () => {
  test.each([Duration.millis(500), Duration.seconds(0), Duration.minutes(6)])('fails on poll interval %s', (pollInterval) => {
    expect(() => pipelineStateMachine({ pollInterval })).toThrow(
      `PipelineStateMachine 'Pipeline': 'pollInterval' ${pollInterval.toHumanString()} is not valid; allowed: whole seconds from 1 to 300`,
    );
  });

  test('fails when a step timeout is shorter than the poll interval', () => {
    expect(() => pipelineStateMachine({ pollInterval: Duration.seconds(60), stageOutTimeout: Duration.seconds(30) })).toThrow(
      "PipelineStateMachine 'Pipeline': 'stageOutTimeout' 30 seconds is not valid; allowed: at least 'pollInterval' (1 minute)",
    );
  });

  test('fails when the run timeout is shorter than the steps together', () => {
    expect(() => pipelineStateMachine({ runTimeout: Duration.hours(1) })).toThrow(
      "PipelineStateMachine 'Pipeline': 'runTimeout' 1 hour is shorter than the step timeouts together (4 hours); allowed: at least that",
    );
  });

  test('fails without a place for the workspace function, or with two', () => {
    const parts = pipelineParts();
    const accessPoint = parts.storage.fileSystem.accessPoint;
    const common = { stageIn: parts.stageIn, stageOut: parts.stageOut, processor: parts.processor, accessPoint };
    expect(() => new PipelineStateMachine(parts.stack, 'Neither', common)).toThrow(
      "PipelineStateMachine 'Neither': give exactly one of 'network' and 'vpc' for the workspace function; got neither",
    );
    expect(() => new PipelineStateMachine(parts.stack, 'Both', { ...common, network: parts.network, vpc: parts.network.vpc })).toThrow(
      "PipelineStateMachine 'Both': give exactly one of 'network' and 'vpc' for the workspace function; got both",
    );
  });
});
