import { BatchProcessor, JobImage } from '@batch-pipeline/batch';
import { StageInTransfer } from '@batch-pipeline/datasync';
import { EgressMode } from '@batch-pipeline/network';
import { nagFindings, testStack } from '@batch-pipeline/test-support';
import { Duration, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PipelineStateMachine, StagingStrategy } from '../src';
import { synthesizedDefinition } from './local-run/synthesized-definition';
import { pipelineParts, pipelineProps, pipelineStateMachine } from './pipeline-fixture';

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
    // Process: the job's 3 attempts of at most 1 hour, plus 30 minutes of queueing.
    expect(definition.TimeoutSeconds).toBe((1 + 3.5 + 1) * 3600 + 15 * 60);
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 365 });
  });

  test('stages in exactly the uploaded version (a per-run manifest) and stages out only the run\'s output directory', () => {
    // Given the DataSync stage-in, then its start names the run's manifest, which DataSync reads with the stage-in's manifest role
    expect(definition.States['Stage in: start'].Parameters.Includes).toBeUndefined();
    expect(definition.States['Stage in: start'].Parameters.ManifestConfig).toEqual({
      Action: 'TRANSFER',
      Format: 'CSV',
      Source: {
        S3: {
          'ManifestObjectPath.$': "States.Format('manifests/{}.csv', $.runId)",
          'BucketAccessRoleArn': expect.stringMatching(/^<StageInManifestsReadRole\w+\.Arn>$/),
          'S3BucketArn': expect.stringMatching(/^<StageInManifestsBucket\w+\.Arn>$/),
        },
      },
    });
    // and the manifest it reads is the one the workspace function writes before the start: the key relative to the prefix, and the version
    expect(definition.States['Prepare staging'].Parameters.Payload.manifest).toEqual({
      'bucket': expect.stringMatching(/^<StageInManifestsBucket\w+>$/),
      'key.$': "States.Format('manifests/{}.csv', $.runId)",
      'relativeKey.$': '$.relativeKey',
      'versionId.$': '$.versionId',
    });
    expect(definition.States['Stage out: start'].Parameters.Includes).toEqual([{ 'FilterType': 'SIMPLE_PATTERN', 'Value.$': "States.Format('/runs/{}/out/*', $.runId)" }]);
  });

  test('checks DataSync after 5 s, then after twice the last wait up to 5 minutes, as often as the stage timeout allows', () => {
    expect(definition.States['Stage in: wait'].SecondsPath).toBe('$.stageIn.wait');
    expect(definition.States['Stage in: start'].ResultSelector.wait).toBe(5);
    expect(definition.States['Stage in: count poll'].Parameters['wait.$']).toBe('States.MathAdd($.stageIn.wait, $.stageIn.wait)');
    expect(definition.States['Stage in: count poll (at cap)'].Parameters.wait).toBe(300);
    // 5 + 10 + 20 + 40 + 80 + 160 = 315 s after 6 checks, then every 300 s: 17 checks reach one hour.
    expect(pipeline.stageInMaxPolls).toBe(17);
    expect(pipeline.stageOutMaxPolls).toBe(17);
    expect(definition.States['Stage in: done?'].Choices[2]).toEqual({ Variable: '$.stageIn.polls', NumericGreaterThanEquals: 16, Next: 'Stage in: timed out' });
    expect(definition.States['Stage in: done?'].Choices[3]).toEqual({ Variable: '$.stageIn.wait', NumericGreaterThan: 150, Next: 'Stage in: count poll (at cap)' });
  });

  test('retries what DataSync returns (its model declares InternalException and InvalidRequestException), with backoff and jitter, a bounded number of times', () => {
    expect(definition.States['Stage in: start'].Retry).toEqual([{
      ErrorEquals: ['DataSync.InternalException', 'DataSync.InvalidRequestException', 'DataSync.DataSyncException'],
      IntervalSeconds: 5,
      MaxAttempts: 6,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    }]);
    for (const state of ['Stage in: check', 'Stage out: check', 'Stage in: check cancel']) {
      expect(definition.States[state].Retry).toEqual([expect.objectContaining({
        ErrorEquals: ['DataSync.InternalException', 'DataSync.InvalidRequestException', 'DataSync.DataSyncException', 'States.Timeout'],
        JitterStrategy: 'FULL',
      })]);
    }
    const everyRetriedError = Object.values(definition.States)
      .flatMap((state: any) => (state.Retry ?? []).flatMap((retry: any) => retry.ErrorEquals));
    expect(everyRetriedError).not.toContain('DataSync.ThrottlingException');
    expect(everyRetriedError).not.toContain('SNS.ThrottledException');
  });

  test('submits the job with the run contract as its environment and the process timeout', () => {
    const process = definition.States.Process;
    expect(process.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    expect(process.TimeoutSeconds).toBe(3 * 3600 + 30 * 60);
    expect(process.Parameters.ContainerOverrides.Environment).toEqual([
      { 'Name': 'PIPELINE_RUN_ID', 'Value.$': '$.runId' },
      { 'Name': 'PIPELINE_INPUT_PATH', 'Value.$': "States.Format('/mnt/pipeline{}', $.workspace.inputPath)" },
      { 'Name': 'PIPELINE_OUTPUT_DIR', 'Value.$': "States.Format('/mnt/pipeline{}', $.workspace.outputDirectory)" },
      { 'Name': 'PIPELINE_SOURCE_BUCKET', 'Value.$': '$.bucket' },
      { 'Name': 'PIPELINE_SOURCE_KEY', 'Value.$': '$.key' },
    ]);
  });

  test('tags the job with its run (batch-pipeline:run = the run id) and propagates its tags to the Fargate task, for cost allocation per run', () => {
    const process = definition.States.Process;
    expect(process.Parameters.Tags).toEqual({ 'batch-pipeline:run.$': '$.runId' });
    expect(process.Parameters.PropagateTags).toBe(true);
  });

  test('every Task state has a timeout and every step catches every error', () => {
    const tasks = Object.entries(definition.States).filter(([, state]: [string, any]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    for (const [name, state] of tasks as Array<[string, any]>) {
      expect({ name, timeout: state.TimeoutSeconds > 0 }).toEqual({ name, timeout: true });
      // The catch-all comes last, after the errors a step handles itself (Prepare stages again on a staged file that is not its version).
      expect({ name, catches: state.Catch?.[state.Catch.length - 1]?.ErrorEquals }).toEqual({ name, catches: ['States.ALL'] });
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

  test('the state machine role may do exactly what the workflow needs, the key half of publishing included', () => {
    const executionsOf = (task: RegExp) => ({ 'Fn::Join': ['', [getAtt(task, 'TaskArn'), '/execution/*']] });
    const expected = [
      { Action: 'datasync:StartTaskExecution', Effect: 'Allow', Resource: getAtt(/^StageInTask/, 'TaskArn') },
      { Action: 'datasync:DescribeTaskExecution', Effect: 'Allow', Resource: executionsOf(/^StageInTask/) },
      { Action: 'datasync:CancelTaskExecution', Effect: 'Allow', Resource: executionsOf(/^StageInTask/) },
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [getAtt(/^PipelineWorkspaceFunction/, 'Arn'), { 'Fn::Join': ['', [getAtt(/^PipelineWorkspaceFunction/, 'Arn'), ':*']] }] },
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [getAtt(/^PipelineFailureNoticeFunction/, 'Arn'), { 'Fn::Join': ['', [getAtt(/^PipelineFailureNoticeFunction/, 'Arn'), ':*']] }] },
      { Action: 'datasync:StartTaskExecution', Effect: 'Allow', Resource: getAtt(/^StageOutTask/, 'TaskArn') },
      { Action: 'datasync:DescribeTaskExecution', Effect: 'Allow', Resource: executionsOf(/^StageOutTask/) },
      { Action: 'datasync:CancelTaskExecution', Effect: 'Allow', Resource: executionsOf(/^StageOutTask/) },
      { Action: 'sns:Publish', Effect: 'Allow', Resource: ref(/^PipelineNotificationTopic/) },
      { Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow', Resource: getAtt(/^PipelineNotificationKey/, 'Arn') },
      {
        Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
        Effect: 'Allow',
        Resource: '*',
      },
      { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], Effect: 'Allow', Resource: '*' },
      { Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } }, Effect: 'Allow', Resource: getAtt(/^StageInDestinationFileSystemAccessRole/, 'Arn') },
      { Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } }, Effect: 'Allow', Resource: getAtt(/^StageOutSourceFileSystemAccessRole/, 'Arn') },
      { Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } }, Effect: 'Allow', Resource: getAtt(/^StageInManifestsReadRole/, 'Arn') },
      { Action: 'batch:SubmitJob', Effect: 'Allow', Resource: [getAtt(/^ProcessorJobQueue/, 'JobQueueArn'), ref(/^ProcessorJobDefinition/)] },
      { Action: 'batch:TagResource', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['batch-pipeline:run'] } }, Effect: 'Allow', Resource: accountArn('batch', 'job/*') },
      { Action: 'batch:DescribeJobs', Effect: 'Allow', Resource: '*' },
      { Action: 'batch:TerminateJob', Effect: 'Allow', Resource: accountArn('batch', 'job/*') },
      { Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], Effect: 'Allow', Resource: accountArn('events', 'rule/StepFunctionsGetEventsForBatchJobsRule') },
      { Action: 'cloudwatch:PutMetricData', Condition: { StringEquals: { 'cloudwatch:namespace': 'BatchPipeline' } }, Effect: 'Allow', Resource: '*' },
    ];
    const statements = policyStatementsOf(template, /^PipelineStateMachineRole/);
    expect(statements).toEqual(expect.arrayContaining(expected));
    expect(statements).toHaveLength(expected.length);
  });

  test('EventBridge, which reports run timeouts, may use the notification topic\'s key', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([{ Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Resource: '*' }]) },
    });
  });

  test('a failure notification SNS refuses is counted in a metric with an alarm on it', () => {
    expect(definition.States['Notify failure'].Catch).toEqual([
      { ErrorEquals: ['SNS.InvalidParameterException', 'SNS.InvalidParameterValueException'], ResultPath: '$.formatError', Next: 'Notify failure unformatted' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.notificationError', Next: 'Count undelivered notification' },
    ]);
    expect(definition.States['Notify failure unformatted'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.notificationError', Next: 'Count undelivered notification' }]);
    expect(definition.States['Count undelivered notification'].Parameters.MetricData[0]).toEqual({
      MetricName: 'UndeliveredNotifications', Dimensions: [{ 'Name': 'StateMachineArn', 'Value.$': '$$.StateMachine.Id' }], Value: 1, Unit: 'Count',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'BatchPipeline',
      MetricName: 'UndeliveredNotifications',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^PipelineStateMachine') } }],
      Threshold: 1,
    });
  });

  test('a stage that gives up cancels its DataSync execution and waits, a bounded number of checks, until it stopped', () => {
    expect(definition.States['Stage in: timed out'].Next).toBe('Stage in: cancel');
    expect(definition.States['Stage in: check'].Catch[0].Next).toBe('Stage in: cancel');
    expect(definition.States['Stage in: cancel'].Resource).toBe('arn:aws:states:::aws-sdk:datasync:cancelTaskExecution');
    expect(definition.States['Stage in: stopped?'].Choices[0].And[1]).toEqual({ Variable: '$.stageIn.cancel.checks', NumericLessThan: 7 });
  });

  test('a failed run removes its files from EFS before it notifies', () => {
    expect(definition.States['Failed: process'].Next).toBe('Clean up after failure');
    expect(definition.States['Clean up after failure'].Next).toBe('Format failure notification');
    expect(definition.States['Clean up after failure'].Catch[0]).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.failureCleanUp', Next: 'Format failure notification' });
  });

  test('given a failed run, the notification is formatted (subject, text, attributes) and published as formatted; a formatter that fails sends the unformatted one', () => {
    const format = definition.States['Format failure notification'];
    expect(format.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(format.Parameters.FunctionName).toMatch(/^<PipelineFailureNoticeFunction[0-9A-F]+\.Arn>$/);
    expect(format.Parameters.Payload).toEqual({
      'runId.$': '$.runId',
      'bucket.$': '$.bucket',
      'key.$': '$.key',
      'versionId.$': '$.versionId',
      'failedStep.$': '$.failedStep',
      'error.$': '$.error',
      'cleanUp.$': '$.failureCleanUp',
      'execution.$': '$$.Execution.Id',
    });
    expect(format.ResultPath).toBe('$.notice');
    expect(format.Next).toBe('Notify failure');
    expect(format.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.formatError', Next: 'Notify failure unformatted' }]);
    expect(definition.States['Notify failure'].Parameters).toEqual({
      'TopicArn': expect.stringMatching(/^<PipelineNotificationTopic[0-9A-F]+>$/), 'Subject.$': '$.notice.subject', 'Message.$': '$.notice.message', 'MessageAttributes.$': '$.notice.attributes',
    });
    expect(definition.States['Notify failure unformatted'].Parameters.Subject).toBe('batch-pipeline run failed');
    expect(definition.States['Notify failure'].Next).toBe('Run failed');
    expect(definition.States['Notify failure unformatted'].Next).toBe('Run failed');
  });

  test('the formatter runs outside the VPC on ARM64 and may only write its own logs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('formats the failure notification'),
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      VpcConfig: Match.absent(),
    });
    expect(policyStatementsOf(template, /^PipelineFailureNoticeRole/)).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: getAtt(/^PipelineFailureNoticeLogs/, 'Arn') },
    ]);
  });

  test('chooses per run: up to 4 GiB directly, larger uploads through DataSync', () => {
    expect(definition.StartAt).toBe('Stage in how?');
    expect(definition.States['Stage in how?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.size', NumericLessThanEquals: 4 * 1024 ** 3, Next: 'Stage in directly' }],
      Default: 'Stage in: first attempt',
    });
    expect(definition.States['Stage out directly'].Parameters.Payload.maxBytes).toBe(4 * 1024 ** 3);
    expect(definition.States['Staged out?'].Default).toBe('Stage out: start');
  });

  test('creates the stage-in directory before DataSync writes to it', () => {
    expect(definition.States['Prepare staging'].Parameters.Payload).toEqual(expect.objectContaining({ action: 'prepare-staging', stagingDirectory: '/staging/' }));
    expect(definition.States['Prepare staging'].Next).toBe('Stage in: start');
  });

  test('the workspace role may write its logs, manage its network interfaces, mount the access point, read the watched uploads, write reports and manifests, nothing else', () => {
    const expected = [
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
        Resource: expect.anything(),
      },
      { Action: 'elasticfilesystem:ClientWrite', Effect: 'Allow', Resource: expect.anything() },
      { Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow', Resource: { 'Fn::Join': ['', [getAtt(/^StorageUploadsBucket/, 'Arn'), '/incoming/*']] } },
      { Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Effect: 'Allow', Resource: { 'Fn::Join': ['', [getAtt(/^StorageReportsBucket/, 'Arn'), '/reports/runs/*']] } },
      { Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [getAtt(/^StageInManifestsBucket/, 'Arn'), '/manifests/*']] } },
    ];
    const statements = policyStatementsOf(template, /^PipelineWorkspaceRole/);
    expect(statements).toEqual(expect.arrayContaining(expected));
    expect(statements).toHaveLength(expected.length);
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

describe('direct staging in every egress mode', () => {
  test.each([EgressMode.PUBLIC_SUBNETS, EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS])(
    'with %s the workspace function runs in subnets whose route tables reach S3 through the gateway endpoint, and may send HTTPS', (egress) => {
      const parts = pipelineParts(testStack(), egress);
      new PipelineStateMachine(parts.stack, 'Pipeline', {
        ...pipelineProps(parts),
      });
      const template = Template.fromStack(parts.stack);
      const [workspace] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FileSystemConfigs: Match.anyValue() } }));
      const subnets: string[] = workspace.Properties.VpcConfig.SubnetIds.map((subnet: { Ref: string }) => subnet.Ref);
      expect(subnets.length).toBeGreaterThanOrEqual(2);
      const associations = Object.values(template.findResources('AWS::EC2::SubnetRouteTableAssociation'));
      const routeTables = subnets
        .map((subnet) => associations.find((association) => association.Properties.SubnetId.Ref === subnet)!.Properties.RouteTableId.Ref);
      const [endpoint] = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }));
      expect(JSON.stringify(endpoint.Properties.ServiceName)).toContain('.s3');
      const endpointTables = endpoint.Properties.RouteTableIds.map((table: { Ref: string }) => table.Ref);
      expect(endpointTables).toEqual(expect.arrayContaining(routeTables));
      const [securityGroupId] = workspace.Properties.VpcConfig.SecurityGroupIds.map((group: { 'Fn::GetAtt': [string, string] }) => group['Fn::GetAtt'][0]);
      expect(template.toJSON().Resources[securityGroupId].Properties.SecurityGroupEgress).toEqual(expect.arrayContaining([
        expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ]));
    });
});

describe('PipelineStateMachine process timeout and the job\'s retries', () => {
  test('fails when the process step would give up before the job\'s attempts could end', () => {
    expect(() => pipelineStateMachine({ processTimeout: Duration.hours(2) })).toThrow(
      "PipelineStateMachine 'Pipeline': 'processTimeout' 2 hours is shorter than the job may run (3 attempts x 1 hour = 3 hours on Test/Processor); "
      + "allowed: at least 3 hours (leave it out for that plus 30 minutes for queueing), or fewer 'retryAttempts' or a shorter 'timeout' on the processor",
    );
  });

  test('follows a processor with fewer, shorter attempts', () => {
    const parts = pipelineParts();
    const processor = new BatchProcessor(parts.stack, 'Short', {
      network: parts.network,
      fileSystem: parts.storage.fileSystem.fileSystem,
      accessPoint: parts.storage.fileSystem.accessPoint,
      image: JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
      retryAttempts: 2,
      timeout: Duration.minutes(20),
    });
    new PipelineStateMachine(parts.stack, 'Pipeline', {
      stageIn: parts.stageIn, stageOut: parts.stageOut, processor, accessPoint: parts.storage.fileSystem.accessPoint, network: parts.network,
    });
    expect(synthesizedDefinition(Template.fromStack(parts.stack)).States.Process.TimeoutSeconds).toBe(40 * 60 + 30 * 60);
  });
});

describe('PipelineStateMachine staging validation', () => {
  test('fails without DataSync transfers unless staging is DIRECT', () => {
    const parts = pipelineParts();
    expect(() => new PipelineStateMachine(parts.stack, 'Pipeline', {
      stageIn: parts.stageIn, processor: parts.processor, accessPoint: parts.storage.fileSystem.accessPoint, network: parts.network,
    })).toThrow("PipelineStateMachine 'Pipeline': 'stageOut' missing; allowed: give them, or 'staging' StagingStrategy.DIRECT, which needs no DataSync task (got AUTO)");
  });

  test('DIRECT without transfers needs an upload and a reports bucket', () => {
    const parts = pipelineParts();
    expect(() => new PipelineStateMachine(parts.stack, 'Pipeline', {
      staging: StagingStrategy.DIRECT, processor: parts.processor, accessPoint: parts.storage.fileSystem.accessPoint, network: parts.network,
    })).toThrow("PipelineStateMachine 'Pipeline': no upload bucket; allowed: give 'stageIn' or 'uploadBucket'");
  });

  // Storage's key prefix rule (KeyPrefix), as the umbrella and the trigger check it.
  test.each([
    ['uploadPrefix', 'incoming'], ['uploadPrefix', '/incoming/'], ['uploadPrefix', 'in coming/'], ['reportsPrefix', 'reports/../'],
  ])("given no transfers, when '%s' is %s, it fails naming the prop and storage's rule", (prop, prefix) => {
    const parts = pipelineParts();
    expect(() => new PipelineStateMachine(parts.stack, 'Pipeline', {
      staging: StagingStrategy.DIRECT,
      processor: parts.processor,
      accessPoint: parts.storage.fileSystem.accessPoint,
      network: parts.network,
      uploadBucket: parts.storage.uploads.bucket,
      reportsBucket: parts.storage.reports.bucket,
      uploadPrefix: 'incoming/',
      [prop]: prefix,
    })).toThrow(`PipelineStateMachine 'Pipeline': '${prop}' ${prefix} is not valid; allowed: '' or one or more folder names of letters, `
      + "digits and ! - _ . * ' ( ) (not . or ..), each followed by '/', without a leading '/', such as "
      + (prop === 'uploadPrefix' ? 'incoming/' : 'reports/'));
  });

  test('fails when a given prefix disagrees with what the stage-in reads, naming both', () => {
    expect(() => pipelineStateMachine({ uploadPrefix: 'uploads/' })).toThrow(
      "PipelineStateMachine 'Pipeline': 'uploadPrefix' 'uploads/' is not what the stage-in reads ('incoming/'); allowed: 'incoming/', or leave 'uploadPrefix' out",
    );
    expect(() => pipelineStateMachine({ reportsPrefix: 'out/' })).toThrow(
      "PipelineStateMachine 'Pipeline': 'reportsPrefix' 'out/' is not what the stage-out writes ('reports/'); allowed: 'reports/', or leave 'reportsPrefix' out",
    );
  });

  test.each([Size.gibibytes(9), Size.bytes(0)])('fails on a direct threshold the workspace function could not copy in time: %s', (directStagingThreshold) => {
    expect(() => pipelineStateMachine({ directStagingThreshold })).toThrow(
      `PipelineStateMachine 'Pipeline': 'directStagingThreshold' ${directStagingThreshold.toMebibytes({ rounding: SizeRoundingBehavior.NONE })} MiB is not valid; allowed: 1 byte to 9000 MiB, which the workspace function copies within half its 15-minute timeout at 20 MiB/s`,
    );
  });

  test('DATASYNC stages through DataSync both ways, no direct states; the workspace function only checks uploads and writes manifests in S3', () => {
    const { template } = pipelineStateMachine({ staging: StagingStrategy.DATASYNC });
    const definition = synthesizedDefinition(template);
    expect(definition.StartAt).toBe('Stage in: first attempt');
    expect(Object.keys(definition.States).filter((name) => name.includes('directly') || name === 'Stage in how?')).toEqual([]);
    const workspaceStatements = policyStatementsOf(template, /^PipelineWorkspaceRole/).filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('s3:')));
    expect(workspaceStatements).toEqual([
      { Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow', Resource: { 'Fn::Join': ['', [getAtt(/^StorageUploadsBucket/, 'Arn'), '/incoming/*']] } },
      { Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [getAtt(/^StageInManifestsBucket/, 'Arn'), '/manifests/*']] } },
    ]);
  });

  describe('a DataSync stage-in whose staged file is not the run\'s version', () => {
    const definition = synthesizedDefinition(pipelineStateMachine({ staging: StagingStrategy.DATASYNC }).template);
    test('Prepare checks the staged file against the upload event: bucket, key, version and size', () => {
      expect(definition.States.Prepare.Parameters.Payload).toEqual(expect.objectContaining({
        action: 'prepare',
        expected: { 'bucket.$': '$.bucket', 'key.$': '$.key', 'versionId.$': '$.versionId', 'size.$': '$.size' },
      }));
    });

    test('a mismatch or a missing file stages again, at most three times in all, then fails stage in with one notification', () => {
      // Given the claim's catchers: the restage errors first, everything else as a failed prepare
      expect(definition.States.Prepare.Catch).toEqual([
        { ErrorEquals: ['StagedFileMismatch', 'StagedFileMissing'], ResultPath: '$.error', Next: 'Stage in: stage again?' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed: prepare' },
      ]);
      // When the attempt count is below three it stages again from the manifest write, else the run fails at stage in
      expect(definition.States['Stage in: first attempt']).toEqual(expect.objectContaining({ Result: { count: 1 }, ResultPath: '$.stageInAttempt', Next: 'Prepare staging' }));
      expect(definition.States['Stage in: stage again?']).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: '$.stageInAttempt.count', NumericLessThan: 3, Next: 'Stage in: count attempt' }],
        Default: 'Failed: stage in',
      });
      expect(definition.States['Stage in: count attempt']).toEqual(expect.objectContaining({
        Parameters: { 'count.$': 'States.MathAdd($.stageInAttempt.count, 1)' }, ResultPath: '$.stageInAttempt', Next: 'Prepare staging',
      }));
    });

    test('the worst case of the history budget counts every stage attempt', () => {
      // Given the default stage-in (one hour) and one twice as long
      const { pipeline } = pipelineStateMachine({ staging: StagingStrategy.DATASYNC });
      const { pipeline: longer } = pipelineStateMachine({ staging: StagingStrategy.DATASYNC, stageInTimeout: Duration.hours(2) });
      // Then every poll of every attempt counts (a poll is at least Wait, Describe, Choice: 2 + 5 + 2 events)
      const morePolls = longer.stageInMaxPolls - pipeline.stageInMaxPolls;
      expect(longer.worstCaseHistoryEvents - pipeline.worstCaseHistoryEvents).toBeGreaterThanOrEqual(3 * morePolls * 9);
    });
  });

  test('an encrypted upload bucket and reports bucket give the workspace role the key halves through the L2 grants', () => {
    const parts = pipelineParts();
    const key = new kms.Key(parts.stack, 'BucketKey');
    const uploads = new s3.Bucket(parts.stack, 'EncryptedUploads', { encryptionKey: key, enforceSSL: true });
    const reports = new s3.Bucket(parts.stack, 'EncryptedReports', { encryptionKey: key, enforceSSL: true });
    new PipelineStateMachine(parts.stack, 'Pipeline', {
      staging: StagingStrategy.DIRECT,
      uploadBucket: uploads,
      uploadPrefix: 'in/',
      reportsBucket: reports,
      processor: parts.processor,
      accessPoint: parts.storage.fileSystem.accessPoint,
      network: parts.network,
    });
    const statements = policyStatementsOf(Template.fromStack(parts.stack), /^PipelineWorkspaceRole/);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: getAtt(/^BucketKey/, 'Arn') }),
      expect.objectContaining({ Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']), Resource: getAtt(/^BucketKey/, 'Arn') }),
    ]));
  });
});

describe('PipelineStateMachine options', () => {
  test('poll interval, step timeouts, run timeout and log retention are configurable', () => {
    const { template, pipeline } = pipelineStateMachine({
      pollInterval: Duration.seconds(10),
      maxPollInterval: Duration.seconds(60),
      stageInTimeout: Duration.minutes(10),
      processTimeout: Duration.hours(3),
      stageOutTimeout: Duration.minutes(20),
      runTimeout: Duration.hours(4),
      logRetention: logs.RetentionDays.ONE_MONTH,
    });
    const definition = synthesizedDefinition(template);
    expect(definition.States['Stage out: start'].ResultSelector.wait).toBe(10);
    expect(definition.States['Stage out: count poll (at cap)'].Parameters.wait).toBe(60);
    // 10 + 20 + 40 = 70 s, then every 60 s: 12 checks reach 10 minutes, 22 reach 20.
    expect(pipeline.stageInMaxPolls).toBe(12);
    expect(pipeline.stageOutMaxPolls).toBe(22);
    expect(definition.States.Process.TimeoutSeconds).toBe(3 * 3600);
    expect(definition.TimeoutSeconds).toBe(4 * 3600);
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
    new PipelineStateMachine(parts.stack, 'Pipeline', { ...pipelineProps(parts), alarmTopic });
    const template = Template.fromStack(parts.stack);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }] }, 3);
    // CloudWatch publishes as its service principal: the topic's policy must allow it.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        })]),
      },
    });
  });

  test('an encrypted alarm topic lets CloudWatch use its key', () => {
    const parts = pipelineParts();
    const alarmTopic = new sns.Topic(parts.stack, 'Alarms', { masterKey: new kms.Key(parts.stack, 'AlarmKey') });
    new PipelineStateMachine(parts.stack, 'Pipeline', { ...pipelineProps(parts), alarmTopic });
    Template.fromStack(parts.stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([{ Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Resource: '*' }]) },
    });
  });

  test('the state machine may publish to an encrypted success topic and use its key', () => {
    const parts = pipelineParts();
    const successTopic = new sns.Topic(parts.stack, 'Successes', { masterKey: new kms.Key(parts.stack, 'SuccessKey') });
    new PipelineStateMachine(parts.stack, 'Pipeline', { ...pipelineProps(parts), successTopic });
    const statements = policyStatementsOf(Template.fromStack(parts.stack), /^PipelineStateMachineRole/);
    expect(statements).toEqual(expect.arrayContaining([
      { Action: 'sns:Publish', Effect: 'Allow', Resource: ref(/^Successes/) },
      { Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow', Resource: getAtt(/^SuccessKey/, 'Arn') },
    ]));
  });

  test('fails when stage-in writes to the access point root, where uploads could land in run directories', () => {
    const parts = pipelineParts();
    const stageIn = new StageInTransfer(parts.stack, 'RootStageIn', {
      network: parts.network,
      sourceBucket: parts.storage.uploads.bucket,
      sourcePrefix: 'incoming/',
      fileSystem: parts.storage.fileSystem.fileSystem,
      accessPoint: parts.storage.fileSystem.accessPoint,
      destinationDirectory: '/',
    });
    expect(() => new PipelineStateMachine(parts.stack, 'Pipeline', {
      stageIn, stageOut: parts.stageOut, processor: parts.processor, accessPoint: parts.storage.fileSystem.accessPoint, network: parts.network,
    })).toThrow("PipelineStateMachine 'Pipeline': the stage-in Test/RootStageIn writes to '/', where an upload could land inside a run directory; allowed: a directory outside /runs, such as '/staging'");
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
  test('fails at synth when three stage-ins could outlast the manifests the stage-in keeps, naming both props', () => {
    // Given a stage-in whose manifests expire after 7 days and a stage-in timeout of 3 days
    // When the app is synthesized, then it is refused
    expect(() => pipelineStateMachine({ staging: StagingStrategy.DATASYNC, stageInTimeout: Duration.days(3), maxPollInterval: Duration.hours(1) })).toThrow(/'stageInTimeout' 3 days x 3 stages outlasts the manifests, which Test\/StageIn keeps for 7 days; allowed: a shorter 'stageInTimeout', or a longer 'manifestRetention' on the stage-in/);
  });

  test.each([Duration.millis(500), Duration.seconds(0), Duration.hours(2)])('fails on poll interval %s', (pollInterval) => {
    expect(() => pipelineStateMachine({ pollInterval })).toThrow(
      `PipelineStateMachine 'Pipeline': 'pollInterval' ${pollInterval.toHumanString()} is not valid; allowed: whole seconds from 1 to 3600, known at synth time`,
    );
  });

  test('fails when the longest poll interval is shorter than the first', () => {
    expect(() => pipelineStateMachine({ pollInterval: Duration.minutes(6) })).toThrow(
      "PipelineStateMachine 'Pipeline': 'maxPollInterval' 5 minutes is shorter than 'pollInterval' 6 minutes; allowed: at least 'pollInterval'",
    );
  });

  test('fails when a configuration could pass the 25,000 history events of a Standard execution, saying what to change', () => {
    const monthLong = { stageInTimeout: Duration.days(30), runTimeout: Duration.days(40), maxPollInterval: Duration.seconds(60) };
    expect(() => pipelineStateMachine(monthLong)).toThrow(
      /^PipelineStateMachine 'Pipeline': a run that stages through DataSync could write up to [\d,]+ execution history events, more than the 25,000 a Standard execution may have; stage in \(DataSync, 43,?\d+ status checks\) alone could write [\d,]+; allowed: at most 25,000: lower 'stageInTimeout' or raise 'maxPollInterval'$/,
    );
  });

  test('accepts a 24-hour stage timeout with the default intervals, well within the history limit', () => {
    const { pipeline } = pipelineStateMachine({ stageInTimeout: Duration.hours(24), stageOutTimeout: Duration.hours(24) });
    expect(pipeline.worstCaseHistoryEvents).toBeLessThan(25_000);
    expect(pipeline.stageInMaxPolls).toBe(6 + Math.ceil((24 * 3600 - 315) / 300));
  });

  test('fails when a step timeout is shorter than the poll interval', () => {
    expect(() => pipelineStateMachine({ pollInterval: Duration.seconds(60), stageOutTimeout: Duration.seconds(30) })).toThrow(
      "PipelineStateMachine 'Pipeline': 'stageOutTimeout' 30 seconds is not valid; allowed: at least 'pollInterval' (1 minute)",
    );
  });

  test('fails when the run timeout is shorter than the steps together', () => {
    expect(() => pipelineStateMachine({ runTimeout: Duration.hours(1) })).toThrow(
      "PipelineStateMachine 'Pipeline': 'runTimeout' 1 hour is shorter than the step timeouts together (5 hours 30 minutes); allowed: at least that",
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
