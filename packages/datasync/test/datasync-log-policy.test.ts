import { testStack } from '@batch-pipeline/test-support';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DataSyncLogPolicy, LocationAccess, S3Location, StageInTransfer, StageOutTransfer, TaskLogLevel, TransferTask } from '../src';
import { fixtures } from './fixtures';
import { cfn, logPolicyDocument, resourceStartingWith } from './helpers';

describe('DataSyncLogPolicy: one CloudWatch Logs resource policy per stack', () => {
  // given the pipeline's two transfers and a third task that logs to a log group the user gives
  const f = fixtures();
  const stageIn = new StageInTransfer(f.stack, 'StageIn', {
    network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint,
  });
  const stageOut = new StageOutTransfer(f.stack, 'StageOut', {
    network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationBucket: f.reports, destinationPrefix: 'reports/',
  });
  const given = logs.LogGroup.fromLogGroupName(f.stack, 'Given', 'pipeline-audit');
  const audit = new TransferTask(f.stack, 'Audit', {
    source: new S3Location(f.stack, 'AuditSource', { bucket: f.reports }),
    destination: new S3Location(f.stack, 'AuditDestination', { bucket: new s3.Bucket(f.stack, 'Archive'), access: LocationAccess.READ_WRITE }),
    logGroup: given,
  });
  // when the stack is synthesized
  const template = Template.fromStack(f.stack);
  const stack = f.stack;

  test('the stack has exactly one AWS::Logs::ResourcePolicy, named after the stack', () => {
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
    expect(resourceStartingWith(template, 'AWS::Logs::ResourcePolicy', 'DataSyncLogPolicy').Properties.PolicyName).toEqual(
      { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-DataSyncTaskLogs']] },
    );
  });

  test('its one statement lists every log group of the stack, the given one too, for DataSync tasks of this account and region only', () => {
    const statement = logPolicyDocument(template).Statement;
    const arn = (logGroup: logs.ILogGroup) => {
      const resolved = cfn(stack, logGroup.logGroupArn);
      return typeof resolved === 'string' ? resolved.replace(/"/g, "'") : JSON.stringify(resolved).replace(/"/g, "'");
    };
    expect(statement).toEqual([{
      Sid: 'DataSyncLogsToCloudWatchLogs',
      Effect: 'Allow',
      Principal: { Service: 'datasync.amazonaws.com' },
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [arn(stageIn.logGroup!), arn(stageOut.logGroup!), "arn:{'Ref':'AWS::Partition'}:logs:eu-west-2:123456789012:log-group:pipeline-audit:*"],
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': "arn:{'Ref':'AWS::Partition'}:datasync:eu-west-2:123456789012:task/*" },
      },
    }]);
    expect(audit.logGroup).toBe(given);
  });

  test('every task waits for the policy, so DataSync may log from its first execution', () => {
    const policyId = Object.keys(template.findResources('AWS::Logs::ResourcePolicy'))[0];
    const tasks = template.findResources('AWS::DataSync::Task');
    expect(Object.keys(tasks)).toHaveLength(3);
    for (const task of Object.values(tasks)) {
      expect(task.DependsOn).toContain(policyId);
    }
    expect(stageIn.task.logPolicy).toBe(DataSyncLogPolicy.of(stack));
    expect(audit.logPolicy).toBe(stageOut.task.logPolicy);
  });

  test('the document is a JSON string within the 5,120 characters CloudFormation allows, even with the longest values of its tokens', () => {
    const document = resourceStartingWith(template, 'AWS::Logs::ResourcePolicy', 'DataSyncLogPolicy').Properties.PolicyDocument;
    expect(Object.keys(document)).toEqual(['Fn::Join']);
    expect(document['Fn::Join'][1].every((part: unknown) => typeof part === 'string' || typeof part === 'object')).toBe(true);
    const length = DataSyncLogPolicy.of(stack).worstCaseDocumentLength();
    expect(length).toBeGreaterThan(JSON.stringify(logPolicyDocument(template)).length - 200);
    expect(length).toBeLessThanOrEqual(DataSyncLogPolicy.MAX_DOCUMENT_LENGTH);
  });
});

describe('DataSyncLogPolicy limits', () => {
  test('a log group given to two tasks is listed once', () => {
    // given two tasks that share one log group
    const stack = testStack();
    const logGroup = logs.LogGroup.fromLogGroupName(stack, 'Shared', 'pipeline-transfers');
    const source = new S3Location(stack, 'Source', { bucket: new s3.Bucket(stack, 'A') });
    const destination = new S3Location(stack, 'Destination', { bucket: new s3.Bucket(stack, 'B'), access: LocationAccess.READ_WRITE });
    new TransferTask(stack, 'One', { source, destination, logGroup });
    new TransferTask(stack, 'Two', { source, destination, logGroup });
    // then the policy names it once
    expect(logPolicyDocument(Template.fromStack(stack)).Statement[0].Resource).toBe("arn:{'Ref':'AWS::Partition'}:logs:eu-west-2:123456789012:log-group:pipeline-transfers:*");
  });

  test('tasks that do not log add no policy', () => {
    const stack = testStack();
    const source = new S3Location(stack, 'Source', { bucket: new s3.Bucket(stack, 'A') });
    const destination = new S3Location(stack, 'Destination', { bucket: new s3.Bucket(stack, 'B'), access: LocationAccess.READ_WRITE });
    new TransferTask(stack, 'Quiet', { source, destination, logLevel: TaskLogLevel.OFF });
    Template.fromStack(stack).resourceCountIs('AWS::Logs::ResourcePolicy', 0);
  });

  test('fails at synth when the document could be longer than 5,120 characters', () => {
    // given ten log groups with names of 450 characters
    const stack = testStack();
    const logGroups = Array.from({ length: 10 }, (_, i) => logs.LogGroup.fromLogGroupName(stack, `Group${i}`, `${i}`.padEnd(450, 'x')));
    new DataSyncLogPolicy(stack, 'Policy', { logGroups });
    // then synthesis names the limit
    expect(() => Template.fromStack(stack)).toThrow(
      /DataSyncLogPolicy 'Policy': the policy document for 10 log groups can be up to \d+ characters long; allowed: at most 5120 characters \(AWS::Logs::ResourcePolicy PolicyDocument\)/,
    );
  });

  test('fails at synth when no log group was added', () => {
    const stack = testStack();
    new DataSyncLogPolicy(stack, 'Policy');
    expect(() => Template.fromStack(stack)).toThrow("DataSyncLogPolicy 'Policy': 'logGroups' is empty; allowed: at least one log group, added with allowLogGroup");
  });

  test('of() fails when the stack already has another construct with its id', () => {
    const stack = testStack();
    new s3.Bucket(stack, 'DataSyncLogPolicy');
    expect(() => DataSyncLogPolicy.of(stack)).toThrow(
      "DataSyncLogPolicy.of: Test already has a child 'DataSyncLogPolicy' that is not a DataSyncLogPolicy; allowed: no other construct with that id at the stack's root",
    );
  });
});
