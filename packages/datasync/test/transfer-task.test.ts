import { testStack } from '@batch-pipeline/test-support';
import { Duration, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  EfsLocation, LocationAccess, OverwriteMode, PreserveDeletedFiles, S3Location, TaskLogLevel, TaskReportLevel,
  TaskReportOutputType, TransferMode, TransferTask, TransferTaskProps, VerifyMode,
} from '../src';
import { Fixtures, fixtures } from './fixtures';
import { DATASYNC_TRUST, cfn, logPolicyDocument, managedPolicyStatements, resourceStartingWith } from './helpers';

function s3ToEfs(f: Fixtures = fixtures()): { f: Fixtures; source: S3Location; destination: EfsLocation } {
  const source = new S3Location(f.stack, 'Source', { bucket: f.uploads });
  const destination = new EfsLocation(f.stack, 'Destination', { network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, access: LocationAccess.READ_WRITE });
  return { f, source, destination };
}

function synth(props: Partial<TransferTaskProps> = {}): { f: Fixtures; task: TransferTask; template: Template } {
  const { f, source, destination } = s3ToEfs();
  const task = new TransferTask(f.stack, 'Task', { source, destination, ...props });
  return { f, task, template: Template.fromStack(f.stack) };
}

describe('TransferTask defaults', () => {
  const { f, task, template } = synth();

  test('copies only changed files, verifies only what it transferred, overwrites, and never deletes', () => {
    template.hasResourceProperties('AWS::DataSync::Task', {
      Options: {
        TransferMode: 'CHANGED',
        VerifyMode: 'ONLY_FILES_TRANSFERRED',
        OverwriteMode: 'ALWAYS',
        PreserveDeletedFiles: 'PRESERVE',
        BytesPerSecond: -1,
        LogLevel: 'BASIC',
        Uid: 'NONE',
        Gid: 'NONE',
        PosixPermissions: 'NONE',
      },
      Name: Match.absent(),
      TaskReportConfig: Match.absent(),
      Includes: Match.absent(),
    });
  });

  test('connects the two locations', () => {
    template.hasResourceProperties('AWS::DataSync::Task', {
      SourceLocationArn: cfn(f.stack, task.source.locationArn),
      DestinationLocationArn: cfn(f.stack, task.destination.locationArn),
    });
  });

  test('logs to a new log group kept for a year and retained on delete', () => {
    const logGroup = resourceStartingWith(template, 'AWS::Logs::LogGroup', 'TaskLogGroup');
    expect(logGroup.Properties).toEqual({ RetentionInDays: 365 });
    expect(logGroup.DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::DataSync::Task', { CloudWatchLogGroupArn: cfn(f.stack, task.logGroup!.logGroupArn) });
  });

  test('lets only DataSync tasks of this account and region write to that log group, and the task waits for it', () => {
    const document = logPolicyDocument(template);
    expect(document.Statement).toEqual([{
      Sid: 'DataSyncLogsToCloudWatchLogs',
      Effect: 'Allow',
      Principal: { Service: 'datasync.amazonaws.com' },
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: expect.stringContaining('TaskLogGroup'),
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': "arn:{'Ref':'AWS::Partition'}:datasync:eu-west-2:123456789012:task/*" },
      },
    }]);
    expect(resourceStartingWith(template, 'AWS::DataSync::Task', 'Task').DependsOn).toEqual([expect.stringMatching(/^DataSyncLogPolicy/)]);
  });

  test('has no task report role', () => {
    expect(task.taskReportRole).toBeUndefined();
  });
});

describe('TransferTask options', () => {
  test('every option can be set', () => {
    const { template } = synth({
      taskName: 'stage-in',
      transferMode: TransferMode.ALL,
      verifyMode: VerifyMode.POINT_IN_TIME_CONSISTENT,
      overwriteMode: OverwriteMode.NEVER,
      preserveDeletedFiles: PreserveDeletedFiles.REMOVE,
      bytesPerSecond: 1048576,
      copyPosixMetadata: true,
      logLevel: TaskLogLevel.TRANSFER,
      logRetention: logs.RetentionDays.ONE_MONTH,
      logRemovalPolicy: RemovalPolicy.DESTROY,
    });
    template.hasResourceProperties('AWS::DataSync::Task', {
      Name: 'stage-in',
      Options: {
        TransferMode: 'ALL',
        VerifyMode: 'POINT_IN_TIME_CONSISTENT',
        OverwriteMode: 'NEVER',
        PreserveDeletedFiles: 'REMOVE',
        BytesPerSecond: 1048576,
        LogLevel: 'TRANSFER',
        Uid: 'INT_VALUE',
        Gid: 'INT_VALUE',
        PosixPermissions: 'PRESERVE',
      },
    });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
  });

  test('a log encryption key encrypts the new log group', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'LogKey');
    const { source, destination } = s3ToEfs(fixtures(stack));
    new TransferTask(stack, 'Task', { source, destination, logEncryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: cfn(stack, key.keyArn) });
  });

  test('an existing log group is used, with the DataSync resource policy on it', () => {
    const stack = testStack();
    const logGroup = logs.LogGroup.fromLogGroupName(stack, 'Existing', 'pipeline-transfers');
    const { source, destination } = s3ToEfs(fixtures(stack));
    const task = new TransferTask(stack, 'Task', { source, destination, logGroup });
    const template = Template.fromStack(stack);
    expect(task.logGroup).toBe(logGroup);
    template.resourceCountIs('AWS::Logs::LogGroup', 1); // the network's flow logs
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
    expect(logPolicyDocument(template).Statement[0].Resource).toBe("arn:{'Ref':'AWS::Partition'}:logs:eu-west-2:123456789012:log-group:pipeline-transfers:*");
    template.hasResourceProperties('AWS::DataSync::Task', { CloudWatchLogGroupArn: cfn(stack, logGroup.logGroupArn) });
  });

  test('logging OFF creates no log group and no resource policy', () => {
    const { task, template } = synth({ logLevel: TaskLogLevel.OFF });
    expect(task.logGroup).toBeUndefined();
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 0);
    template.hasResourceProperties('AWS::DataSync::Task', { CloudWatchLogGroupArn: Match.absent(), Options: Match.objectLike({ LogLevel: 'OFF' }) });
  });

  test('task reports go under a prefix of a bucket, through a role that may only put objects there', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Audit');
    const { source, destination } = s3ToEfs(fixtures(stack));
    const task = new TransferTask(stack, 'Task', { source, destination, taskReport: { bucket } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DataSync::Task', {
      TaskReportConfig: {
        Destination: { S3: { BucketAccessRoleArn: cfn(stack, task.taskReportRole!.roleArn), S3BucketArn: cfn(stack, bucket.bucketArn), Subdirectory: '/datasync-reports/' } },
        OutputType: 'SUMMARY_ONLY',
      },
    });
    expect(resourceStartingWith(template, 'AWS::IAM::Role', 'TaskTaskReportRole').Properties.AssumeRolePolicyDocument.Statement).toEqual(DATASYNC_TRUST);
    expect(managedPolicyStatements(template, 'TaskTaskReportRolePolicy')).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [cfn(stack, bucket.bucketArn), '/datasync-reports/*']] } },
    ]);
  });

  test('standard task reports list errors only unless asked, and may use an encrypted bucket', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Audit', { encryptionKey: key });
    const { source, destination } = s3ToEfs(fixtures(stack));
    new TransferTask(stack, 'Task1', { source, destination, taskReport: { bucket, prefix: 'audit', outputType: TaskReportOutputType.STANDARD } });
    new TransferTask(stack, 'Task2', { source, destination, taskReport: { bucket, outputType: TaskReportOutputType.STANDARD, reportLevel: TaskReportLevel.SUCCESSES_AND_ERRORS } });
    const template = Template.fromStack(stack);
    expect(resourceStartingWith(template, 'AWS::DataSync::Task', 'Task1').Properties.TaskReportConfig).toEqual(expect.objectContaining({ OutputType: 'STANDARD', ReportLevel: 'ERRORS_ONLY' }));
    expect(resourceStartingWith(template, 'AWS::DataSync::Task', 'Task2').Properties.TaskReportConfig).toEqual(expect.objectContaining({ ReportLevel: 'SUCCESSES_AND_ERRORS' }));
    expect(managedPolicyStatements(template, 'Task1TaskReportRolePolicy')).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [cfn(stack, bucket.bucketArn), '/audit/*']] } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: cfn(stack, key.keyArn) },
    ]);
  });

  test('metrics are in AWS/DataSync with the task id as TaskId', () => {
    const { f, task } = synth();
    const metric = task.metricFilesTransferred();
    expect(metric.namespace).toBe('AWS/DataSync');
    expect(metric.metricName).toBe('FilesTransferred');
    expect(metric.statistic).toBe('Sum');
    expect(cfn(f.stack, metric.dimensions!.TaskId)).toEqual({ 'Fn::Select': [1, { 'Fn::Split': ['/', cfn(f.stack, task.taskArn)] }] });
    expect(task.metricBytesTransferred().metricName).toBe('BytesTransferred');
    expect(task.metricFilesVerified().metricName).toBe('FilesVerified');
  });
});

describe('TransferTask.grantStartExecution', () => {
  test('allows starting this task, describing its executions and passing the EFS role to DataSync only', () => {
    const { f, source, destination } = s3ToEfs();
    const task = new TransferTask(f.stack, 'Task', { source, destination });
    const role = new iam.Role(f.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    task.grantStartExecution(role);
    const template = Template.fromStack(f.stack);
    expect(resourceStartingWith(template, 'AWS::IAM::Policy', 'CallerDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'datasync:StartTaskExecution', Resource: cfn(f.stack, task.taskArn) },
      { Effect: 'Allow', Action: 'datasync:DescribeTaskExecution', Resource: { 'Fn::Join': ['', [cfn(f.stack, task.taskArn), '/execution/*']] } },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: cfn(f.stack, (task.destination as EfsLocation).fileSystemAccessRole.roleArn),
        Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } },
      },
    ]);
  });

  test('between two S3 locations no role is passed', () => {
    const stack = testStack();
    const source = new S3Location(stack, 'Source', { bucket: new s3.Bucket(stack, 'A') });
    const destination = new S3Location(stack, 'Destination', { bucket: new s3.Bucket(stack, 'B'), access: LocationAccess.READ_WRITE });
    const task = new TransferTask(stack, 'Task', { source, destination });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    task.grantStartExecution(role);
    const statements = resourceStartingWith(Template.fromStack(stack), 'AWS::IAM::Policy', 'CallerDefaultPolicy').Properties.PolicyDocument.Statement;
    expect(statements.map((statement: any) => statement.Action)).toEqual(['datasync:StartTaskExecution', 'datasync:DescribeTaskExecution']);
  });
});

describe('TransferTask.grantCancelExecution', () => {
  test('allows cancelling the executions of this task only', () => {
    const { f, source, destination } = s3ToEfs();
    const task = new TransferTask(f.stack, 'Task', { source, destination });
    const role = new iam.Role(f.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    task.grantCancelExecution(role);
    const template = Template.fromStack(f.stack);
    expect(resourceStartingWith(template, 'AWS::IAM::Policy', 'CallerDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'datasync:CancelTaskExecution', Resource: { 'Fn::Join': ['', [cfn(f.stack, task.taskArn), '/execution/*']] } },
    ]);
  });
});

describe('TransferTask validation', () => {
  test('fails when the destination is read-only', () => {
    const stack = testStack();
    const source = new S3Location(stack, 'Source', { bucket: new s3.Bucket(stack, 'A') });
    const destination = new S3Location(stack, 'Destination', { bucket: new s3.Bucket(stack, 'B') });
    expect(() => new TransferTask(stack, 'Task', { source, destination })).toThrow(
      "TransferTask 'Task': 'destination' Test/Destination has access READ_ONLY; allowed: a location with access READ_WRITE",
    );
  });

  test.each([0, -2, 0.5, 2097152.5])('fails when bytesPerSecond is %p', (bytesPerSecond) => {
    expect(() => synth({ bytesPerSecond })).toThrow(
      `TransferTask 'Task': 'bytesPerSecond' ${bytesPerSecond} is not valid; allowed: -1 (no limit) or a whole number of bytes per second of at least 1`,
    );
  });

  test('accepts 1000 bytes per second, the limit of the StartTaskExecution API example', () => {
    const { template } = synth({ bytesPerSecond: 1000 });
    template.hasResourceProperties('AWS::DataSync::Task', { Options: Match.objectLike({ BytesPerSecond: 1000 }) });
  });

  test('accepts -1 and an unresolved bytesPerSecond', () => {
    expect(() => synth({ bytesPerSecond: -1 })).not.toThrow();
    expect(() => synth({ bytesPerSecond: Lazy.number({ produce: () => 5 }) })).not.toThrow();
  });

  test('fails when the task name has characters DataSync refuses', () => {
    expect(() => synth({ taskName: 'stage*in' })).toThrow(
      "TransferTask 'Task': 'taskName' 'stage*in' is not valid; allowed: 1-256 letters, digits, spaces and + = . _ : @ / -",
    );
  });

  test('fails when log options are given with logging OFF', () => {
    expect(() => synth({ logLevel: TaskLogLevel.OFF, logRetention: logs.RetentionDays.ONE_DAY })).toThrow(
      "TransferTask 'Task': 'logRetention' only apply when the task logs, but 'logLevel' is OFF; remove them or choose BASIC or TRANSFER",
    );
  });

  test('fails when new-log-group options are given with an existing log group', () => {
    const stack = testStack();
    const { source, destination } = s3ToEfs(fixtures(stack));
    const logGroup = logs.LogGroup.fromLogGroupName(stack, 'Existing', 'pipeline-transfers');
    expect(() => new TransferTask(stack, 'Task', { source, destination, logGroup, logRetention: logs.RetentionDays.ONE_DAY })).toThrow(
      "TransferTask 'Task': 'logRetention', 'logEncryptionKey' and 'logRemovalPolicy' only apply to a new log group, but 'logGroup' was given; set them on that log group",
    );
  });

  test('fails when a report level is given for summary-only reports', () => {
    const stack = testStack();
    const { source, destination } = s3ToEfs(fixtures(stack));
    const bucket = new s3.Bucket(stack, 'Audit');
    expect(() => new TransferTask(stack, 'Task', { source, destination, taskReport: { bucket, reportLevel: TaskReportLevel.ERRORS_ONLY } })).toThrow(
      "TransferTask 'Task': 'taskReport.reportLevel' ERRORS_ONLY only applies to 'outputType' STANDARD, got SUMMARY_ONLY; remove it or choose STANDARD",
    );
  });

  test('fails when the report prefix is not valid', () => {
    const stack = testStack();
    const { source, destination } = s3ToEfs(fixtures(stack));
    const bucket = new s3.Bucket(stack, 'Audit');
    expect(() => new TransferTask(stack, 'Task', { source, destination, taskReport: { bucket, prefix: 'a//b' } })).toThrow(
      "TransferTask 'Task': 'taskReport.prefix' 'a//b' is not valid; allowed: a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs'",
    );
  });
});

describe('TransferTask pool', () => {
  // given a pool of three tasks from S3 to EFS, named, and a caller that starts and cancels them
  const { f, task, template } = (() => {
    const { f: fx, source, destination } = s3ToEfs();
    const pool = new TransferTask(fx.stack, 'Task', { source, destination, poolSize: 3, taskName: 'stage-in', bytesPerSecond: 1048576 });
    const role = new iam.Role(fx.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    pool.grantStartExecution(role);
    pool.grantCancelExecution(role);
    return { f: fx, task: pool, template: Template.fromStack(fx.stack) };
  })();
  const tasks = Object.entries(template.findResources('AWS::DataSync::Task'));

  test('is three tasks between the same two locations, with the same options', () => {
    expect(tasks).toHaveLength(3);
    const [first, ...others] = tasks.map(([, resource]) => resource.Properties);
    expect(first.SourceLocationArn).toEqual(cfn(f.stack, task.source.locationArn));
    expect(first.DestinationLocationArn).toEqual(cfn(f.stack, task.destination.locationArn));
    expect(first.Options).toEqual(expect.objectContaining({ BytesPerSecond: 1048576, TransferMode: 'CHANGED' }));
    for (const other of others) {
      expect({ ...other, Name: undefined }).toEqual({ ...first, Name: undefined });
    }
    template.resourceCountIs('AWS::DataSync::LocationS3', 1);
    template.resourceCountIs('AWS::DataSync::LocationEFS', 1);
  });

  test('shares one log group, listed once in the stack\'s one log policy, and every task waits for that policy', () => {
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((logicalId) => logicalId.startsWith('Task'))).toHaveLength(1);
    expect(logPolicyDocument(template).Statement[0].Resource).toEqual(expect.stringContaining('TaskLogGroup'));
    for (const [, resource] of tasks) {
      expect(resource.Properties.CloudWatchLogGroupArn).toEqual(cfn(f.stack, task.logGroup!.logGroupArn));
      expect(resource.DependsOn).toEqual([expect.stringMatching(/^DataSyncLogPolicy/)]);
    }
  });

  test('names its tasks <taskName>-1 to <taskName>-3', () => {
    expect(tasks.map(([, resource]) => resource.Properties.Name)).toEqual(['stage-in-1', 'stage-in-2', 'stage-in-3']);
  });

  test('exposes the task ARNs in order, the first as taskArn', () => {
    expect(task.poolSize).toBe(3);
    expect(task.taskArns).toHaveLength(3);
    expect(task.taskArn).toBe(task.taskArns[0]);
    expect(task.taskId).toBe(task.taskIds[0]);
    expect(task.taskArns.map((taskArn) => cfn(f.stack, taskArn)['Fn::GetAtt'][0])).toEqual(tasks.map(([logicalId]) => logicalId));
  });

  test('the caller may start every task of the pool and describe and cancel the executions of each', () => {
    const executions = task.taskArns.map((taskArn) => ({ 'Fn::Join': ['', [cfn(f.stack, taskArn), '/execution/*']] }));
    expect(resourceStartingWith(template, 'AWS::IAM::Policy', 'CallerDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'datasync:StartTaskExecution', Resource: task.taskArns.map((taskArn) => cfn(f.stack, taskArn)) },
      { Effect: 'Allow', Action: 'datasync:DescribeTaskExecution', Resource: executions },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: cfn(f.stack, (task.destination as EfsLocation).fileSystemAccessRole.roleArn),
        Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: 'datasync:CancelTaskExecution', Resource: executions },
    ]);
  });

  test('acknowledges the execution wildcard of each task on the caller, naming the pool', () => {
    const caller = f.stack.node.findChild('Caller');
    const acknowledged = caller.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    const ids = [...new Set(acknowledged.map(([id]) => id))];
    expect(ids).toEqual([0, 1, 2].map(() => expect.stringMatching(/AwsSolutions-IAM5\[Resource::<Task\w+\.TaskArn>\/execution\/\*\]$/)));
    expect(new Set(acknowledged.map(([, reason]) => reason))).toEqual(new Set([expect.stringContaining('one of the 3 tasks of the pool Test/Task')]));
  });

  test('metric stays the first task\'s, metricPerTask gives each task\'s, and metricPool sums the pool', () => {
    expect(cfn(f.stack, task.metric('BytesTransferred').dimensions!.TaskId)).toEqual(cfn(f.stack, task.taskIds[0]));
    const perTask = task.metricPerTask('FilesTransferred');
    expect(perTask.map((metric) => cfn(f.stack, metric.dimensions!.TaskId))).toEqual(task.taskIds.map((taskId) => cfn(f.stack, taskId)));
    const pool = task.metricPoolBytesTransferred() as cloudwatch.MathExpression;
    expect(pool).toBeInstanceOf(cloudwatch.MathExpression);
    expect(pool.expression).toBe('SUM(FILL([task1, task2, task3], 0))');
    expect(pool.period.toMinutes()).toBe(5);
    expect(pool.label).toBe('BytesTransferred (sum over 3 tasks)');
    expect(Object.values(pool.usingMetrics).map((metric) => cfn(f.stack, (metric as cloudwatch.Metric).dimensions!.TaskId)))
      .toEqual(task.taskIds.map((taskId) => cfn(f.stack, taskId)));
    expect((task.metricPoolFilesTransferred({ label: 'files', period: Duration.minutes(1) }) as cloudwatch.MathExpression).label).toBe('files');
  });

  test('an alarm can watch the sum over the pool', () => {
    const { f: fx, source, destination } = s3ToEfs();
    const pool = new TransferTask(fx.stack, 'Task', { source, destination, poolSize: 3 });
    new cloudwatch.Alarm(fx.stack, 'Quiet', { metric: pool.metricPoolBytesTransferred(), threshold: 1, evaluationPeriods: 1 });
    const alarms = Template.fromStack(fx.stack).findResources('AWS::CloudWatch::Alarm');
    const queries = Object.values(alarms)[0].Properties.Metrics;
    expect(queries[0]).toEqual(expect.objectContaining({ Expression: 'SUM(FILL([task1, task2, task3], 0))' }));
    expect(queries.slice(1).map((query: any) => [query.Id, query.MetricStat.Period, query.ReturnData])).toEqual([['task1', 300, false], ['task2', 300, false], ['task3', 300, false]]);
  });
});

describe('TransferTask without a pool', () => {
  test('poolSize 1 synthesizes exactly the template of no poolSize', () => {
    expect(synth({ poolSize: 1, taskName: 'stage-in' }).template.toJSON()).toEqual(synth({ taskName: 'stage-in' }).template.toJSON());
  });

  test('the first task keeps its logical id and its name whatever the pool size', () => {
    const single = Object.keys(synth().template.findResources('AWS::DataSync::Task'));
    const pool = Object.keys(synth({ poolSize: 2 }).template.findResources('AWS::DataSync::Task'));
    expect(single).toEqual([expect.stringMatching(/^Task[0-9A-F]{8}$/)]);
    expect(pool[0]).toBe(single[0]);
    expect(pool[1]).toMatch(/^TaskPool2[0-9A-F]{8}$/);
    expect(synth({ taskName: 'stage-in' }).template.findResources('AWS::DataSync::Task')[single[0]].Properties.Name).toBe('stage-in');
  });

  test('metricPool of a single task is its metric', () => {
    const { f, task } = synth();
    const metric = task.metricPool('BytesTransferred') as cloudwatch.Metric;
    expect(metric).toBeInstanceOf(cloudwatch.Metric);
    expect(cfn(f.stack, metric.dimensions!.TaskId)).toEqual(cfn(f.stack, task.taskId));
    expect(task.taskArns).toEqual([task.taskArn]);
  });
});

describe('TransferTask pool validation', () => {
  test.each([0, -1, 2.5, 101])('fails when poolSize is %p', (poolSize) => {
    expect(() => synth({ poolSize })).toThrow(
      `TransferTask 'Task': 'poolSize' ${poolSize} is not valid; allowed: a whole number from 1 to 100, known at synth time (100 is DataSync's default quota of tasks per account per AWS Region, which every task there shares)`,
    );
  });

  test('fails when poolSize is not known at synth time', () => {
    expect(() => synth({ poolSize: Lazy.number({ produce: () => 2 }) })).toThrow(/'poolSize' .* is not valid; allowed: a whole number from 1 to 100, known at synth time/);
  });

  test('accepts a pool of 100 tasks, the default quota', () => {
    expect(synth({ poolSize: 100 }).template.findResources('AWS::DataSync::Task')).toEqual(expect.any(Object));
  });

  test('fails when a pool task name would be longer than DataSync allows', () => {
    expect(() => synth({ poolSize: 3, taskName: 'a'.repeat(254) })).not.toThrow();
    expect(() => synth({ poolSize: 3, taskName: 'a'.repeat(255) })).toThrow(
      `TransferTask 'Task': 'taskName' '${'a'.repeat(255)}' is not valid with 'poolSize' 3; allowed: 1-254 letters, digits, spaces and + = . _ : @ / -, since the pool names its tasks '${'a'.repeat(255)}-1' to '${'a'.repeat(255)}-3'`,
    );
  });

  test('fails when the task name of a pool has characters DataSync refuses', () => {
    expect(() => synth({ poolSize: 12, taskName: 'stage*in' })).toThrow(
      "TransferTask 'Task': 'taskName' 'stage*in' is not valid with 'poolSize' 12; allowed: 1-253 letters, digits, spaces and + = . _ : @ / -, since the pool names its tasks 'stage*in-1' to 'stage*in-12'",
    );
  });
});
