import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { TEST_ENV, checkIamCalls } from '../src';

const ACCOUNT_ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
const statesRole = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } };
const jobRole = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } };

function policy(role: string, statements: unknown[]) {
  return { Type: 'AWS::IAM::Policy', Properties: { PolicyName: `${role}Policy`, Roles: [{ Ref: role }], PolicyDocument: { Version: '2012-10-17', Statement: statements } } };
}

/** A state machine whose definition is a Fn::Join, as CDK writes it. */
function stateMachine(states: Record<string, unknown>) {
  const text = JSON.stringify({ StartAt: Object.keys(states)[0], States: states });
  // Split the definition around '@@Name@@' markers and put a Ref/GetAtt in place of each.
  const parts = text.split(/@@([\w.]+)@@/).map((part, i) => {
    if (i % 2 === 0) return part;
    const [id, attribute] = part.split('.');
    return attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id };
  });
  return { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: { 'Fn::GetAtt': ['MachineRole', 'Arn'] }, DefinitionString: { 'Fn::Join': ['', parts] } } };
}

const publishState = { Notify: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: '@@Topic@@', 'Message.$': '$' }, End: true } };

function encryptedTopicTemplate(keyPolicyStatements: unknown[], roleStatements: unknown[]) {
  return {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: keyPolicyStatements } } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
      MachineRole: statesRole,
      MachinePolicy: policy('MachineRole', roleStatements),
      Machine: stateMachine(publishState),
    },
  };
}

const publishGrants = [
  { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'Topic' } },
  { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } },
];

describe('checkIamCalls', () => {
  test('a state machine that starts a DataSync task and polls its execution is allowed by a grant on the task and its executions', async () => {
    // Given a definition that starts a task and describes the execution by JSONPath
    const template = {
      Resources: {
        Task: { Type: 'AWS::DataSync::Task', Properties: {} },
        MachineRole: statesRole,
        MachinePolicy: policy('MachineRole', [
          { Effect: 'Allow', Action: 'datasync:StartTaskExecution', Resource: { 'Fn::GetAtt': ['Task', 'TaskArn'] } },
          { Effect: 'Allow', Action: 'datasync:DescribeTaskExecution', Resource: { 'Fn::Join': ['', [{ Ref: 'Task' }, '/execution/*']] } },
        ]),
        Machine: stateMachine({
          Start: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:datasync:startTaskExecution', Parameters: { TaskArn: '@@Task.TaskArn@@' }, ResultPath: '$.stageIn', ResultSelector: { 'executionArn.$': '$.TaskExecutionArn' }, Next: 'Check' },
          Check: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:datasync:describeTaskExecution', Parameters: { 'TaskExecutionArn.$': '$.stageIn.executionArn' }, End: true },
        }),
      },
    };
    // When the calls are checked
    const { checked, denied } = await checkIamCalls(template);
    // Then both calls are derived, the second on a representative execution of the task, and both are allowed
    expect(checked.map((c) => [c.action, c.resource])).toEqual([
      ['datasync:StartTaskExecution', expect.stringMatching(/^arn:aws:datasync:eu-west-2:123456789012:task\/task-[0-9a-f]{17}$/)],
      ['datasync:DescribeTaskExecution', expect.stringMatching(/:task\/task-[0-9a-f]{17}\/execution\/exec-0123456789abcdef0$/)],
    ]);
    expect(checked[0].principal).toBe('arn:aws:iam::123456789012:role/MachineRole');
    expect(checked[1].reason).toBe("Machine state 'Check'");
    expect(denied).toEqual([]);
  });

  describe('a DataSync start with a manifest', () => {
    const dataSyncRole = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'datasync.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } };
    function manifestTemplate(machineStatements: unknown[], readerStatements: unknown[]) {
      return {
        Resources: {
          Task: { Type: 'AWS::DataSync::Task', Properties: {} },
          Manifests: { Type: 'AWS::S3::Bucket', Properties: {} },
          ReaderRole: dataSyncRole,
          ReaderPolicy: policy('ReaderRole', readerStatements),
          MachineRole: statesRole,
          MachinePolicy: policy('MachineRole', [{ Effect: 'Allow', Action: 'datasync:StartTaskExecution', Resource: { 'Fn::GetAtt': ['Task', 'TaskArn'] } }, ...machineStatements]),
          Machine: stateMachine({
            Start: {
              Type: 'Task',
              Resource: 'arn:aws:states:::aws-sdk:datasync:startTaskExecution',
              Parameters: {
                TaskArn: '@@Task.TaskArn@@',
                ManifestConfig: { Action: 'TRANSFER', Format: 'CSV', Source: { S3: { 'ManifestObjectPath.$': "States.Format('manifests/{}.csv', $.runId)", 'BucketAccessRoleArn': '@@ReaderRole.Arn@@', 'S3BucketArn': '@@Manifests.Arn@@' } } },
              },
              End: true,
            },
          }),
        },
      };
    }

    test('passes the manifest role, which reads the run\'s manifest: both are derived, and denied without grants', async () => {
      // Given no PassRole for the caller and no read for the manifest role
      const { denied } = await checkIamCalls(manifestTemplate([], [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': ['Manifests', 'Arn'] } }]));
      // Then the pass and the reads are denied, on the run's manifest path
      expect(denied.map((call) => [call.action, call.resource])).toEqual([
        ['iam:PassRole', 'arn:aws:iam::123456789012:role/ReaderRole'],
        ['s3:GetObject', expect.stringMatching(/:::.+\/manifests\/example-run\.csv$/)],
        ['s3:GetObjectVersion', expect.stringMatching(/:::.+\/manifests\/example-run\.csv$/)],
      ]);
    });

    test('is allowed by a PassRole to DataSync and the role\'s read of the manifests', async () => {
      const { denied } = await checkIamCalls(manifestTemplate(
        [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': ['ReaderRole', 'Arn'] }, Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } } }],
        [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Manifests', 'Arn'] }, '/manifests/*']] } }],
      ));
      expect(denied).toEqual([]);
    });
  });

  describe('a Batch SubmitJob with tags', () => {
    const submitGrant = { Effect: 'Allow', Action: 'batch:SubmitJob', Resource: ['arn:aws:batch:eu-west-2:123456789012:job-queue/queue', 'arn:aws:batch:eu-west-2:123456789012:job-definition/job:1'] };
    const tagGrant = (keys: string[]) => ({
      Effect: 'Allow', Action: 'batch:TagResource', Resource: 'arn:aws:batch:eu-west-2:123456789012:job/*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': keys } },
    });
    const template = (statements: unknown[]) => ({
      Resources: {
        MachineRole: statesRole,
        MachinePolicy: policy('MachineRole', statements),
        Machine: stateMachine({
          Process: {
            Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob',
            Parameters: { 'JobName.$': '$.runId', 'JobQueue': 'queue', 'JobDefinition': 'job:1', 'Tags': { 'team': 'lab', 'batch-pipeline:run.$': '$.runId' } },
            End: true,
          },
        }),
      },
    });

    test('is also a batch:TagResource on the job it creates, with the tag keys in the request', async () => {
      // Given a grant of TagResource on jobs limited to the state's two tag keys
      const { checked, denied } = await checkIamCalls(template([submitGrant, tagGrant(['team', 'batch-pipeline:run'])]));
      // Then the tagging call is derived, with both keys (the .$ of a path key dropped), and allowed
      expect(checked.find((call) => call.action === 'batch:TagResource')).toMatchObject({
        resource: 'arn:aws:batch:eu-west-2:123456789012:job/01234567-89ab-cdef-0123-456789abcdef',
        context: expect.objectContaining({ 'aws:TagKeys': ['team', 'batch-pipeline:run'] }),
      });
      expect(denied).toEqual([]);
    });

    test('is denied when the grant leaves out one of its tag keys, or there is no tagging grant', async () => {
      for (const statements of [[submitGrant, tagGrant(['batch-pipeline:run'])], [submitGrant]]) {
        const { denied } = await checkIamCalls(template(statements));
        expect(denied.map((call) => call.action)).toEqual(['batch:TagResource']);
      }
    });
  });

  test('a call without an identity grant is denied and names the principal, the call and the state', async () => {
    // Given a role with no statement for the describe call
    const template = {
      Resources: {
        MachineRole: statesRole,
        MachinePolicy: policy('MachineRole', [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:eu-west-2:123456789012:function:other' }]),
        Machine: stateMachine({ Invoke: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'worker' }, End: true } }),
      },
    };
    const { denied } = await checkIamCalls(template);
    expect(denied).toEqual([expect.objectContaining({
      principal: 'arn:aws:iam::123456789012:role/MachineRole',
      action: 'lambda:InvokeFunction',
      resource: 'arn:aws:lambda:eu-west-2:123456789012:function:worker',
      reason: "Machine state 'Invoke'",
      result: 'ImplicitlyDenied',
      explanation: expect.stringContaining('no identity policy of arn:aws:iam::123456789012:role/MachineRole allows it'),
    })]);
  });

  test('publishing to an encrypted topic is allowed when the role has sns:Publish and the key, and the key policy lets IAM policies count', async () => {
    const template = encryptedTopicTemplate([{ Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: 'kms:*', Resource: '*' }], publishGrants);
    const { checked, denied } = await checkIamCalls(template);
    expect(checked.map((c) => c.action)).toEqual(['sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt']);
    expect(checked[1].context).toMatchObject({ 'kms:ViaService': 'sns.eu-west-2.amazonaws.com', 'kms:CallerAccount': '123456789012' });
    expect(denied).toEqual([]);
  });

  test('publishing to an encrypted topic is denied without the KMS half of the grant', async () => {
    const template = encryptedTopicTemplate([{ Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: 'kms:*', Resource: '*' }], publishGrants.slice(0, 1));
    const { denied } = await checkIamCalls(template);
    expect(denied.map((d) => d.action)).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
  });

  test('the KMS calls are denied by a key policy that does not allow the account, even with an identity grant', async () => {
    // Given a key policy that names only an administrator role: IAM policies do not count for this key
    const template = encryptedTopicTemplate([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/Admin' }, Action: 'kms:*', Resource: '*' }], publishGrants);
    const { denied } = await checkIamCalls(template);
    expect(denied.map((d) => d.action)).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(denied[0].explanation).toContain('the key policy neither names arn:aws:iam::123456789012:role/MachineRole nor allows the account (:root)');
  });

  test('an EventBridge rule publishing to an encrypted topic needs the topic policy and the key policy', async () => {
    const template = {
      Resources: {
        Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: 'kms:*', Resource: '*' }] } } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'Key' } } },
        TopicPolicy: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [{ Ref: 'Topic' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: 'Topic' } }] } } },
        Rule: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['aws.states'] }, Targets: [{ Id: 'Target0', Arn: { Ref: 'Topic' } }] } },
      },
    };
    const { checked, denied } = await checkIamCalls(template);
    expect(checked.map((c) => [c.principal, c.action])).toEqual([
      ['events.amazonaws.com', 'sns:Publish'], ['events.amazonaws.com', 'kms:GenerateDataKey'], ['events.amazonaws.com', 'kms:Decrypt'],
    ]);
    expect(checked[0].context['aws:SourceArn']).toBe('arn:aws:events:eu-west-2:123456789012:rule/Rule');
    // The account statement does not let a service principal in: the key policy must name events.amazonaws.com.
    expect(denied.map((d) => d.action)).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
  });

  test('a Batch job mounting EFS through an access point is denied by a file system policy that denies writes, in a template whose account is unresolved', async () => {
    const apArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticfilesystem:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':access-point/', { Ref: 'AccessPoint' }]] };
    const template = (fileSystemPolicy: unknown) => ({
      Resources: {
        FileSystem: { Type: 'AWS::EFS::FileSystem', Properties: { FileSystemPolicy: fileSystemPolicy } },
        AccessPoint: { Type: 'AWS::EFS::AccessPoint', Properties: { FileSystemId: { Ref: 'FileSystem' } } },
        JobRole: jobRole,
        JobPolicy: policy('JobRole', [{
          Effect: 'Allow',
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Resource: { 'Fn::GetAtt': ['FileSystem', 'Arn'] },
          Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': apArn } },
        }]),
        Job: {
          Type: 'AWS::Batch::JobDefinition',
          Properties: {
            ContainerProperties: {
              JobRoleArn: { 'Fn::GetAtt': ['JobRole', 'Arn'] },
              MountPoints: [{ SourceVolume: 'data', ContainerPath: '/mnt/data' }],
              Volumes: [{ Name: 'data', EfsVolumeConfiguration: { FileSystemId: { Ref: 'FileSystem' }, TransitEncryption: 'ENABLED', AuthorizationConfig: { Iam: 'ENABLED', AccessPointId: { Ref: 'AccessPoint' } } } }],
            },
          },
        },
      },
    });
    const tlsOnly = { Statement: [{ Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: { AWS: '*' }, Action: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] };
    const readOnly = { Statement: [{ Sid: 'ReadOnly', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'elasticfilesystem:ClientWrite', Resource: '*' }] };

    const allowed = await checkIamCalls(template(tlsOnly));
    expect(allowed.checked.map((c) => c.action)).toEqual(['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']);
    expect(allowed.checked[0].context['elasticfilesystem:AccessPointArn']).toMatch(/^arn:aws:elasticfilesystem:eu-west-2:123456789012:access-point\/fsap-[0-9a-f]{17}$/);
    expect(allowed.denied).toEqual([]);

    const { denied } = await checkIamCalls(template(readOnly));
    expect(denied).toEqual([expect.objectContaining({
      action: 'elasticfilesystem:ClientWrite', result: 'ExplicitlyDenied', explanation: expect.stringContaining("statement 'ReadOnly' of resource policy of"),
    })]);
  });

  test('a Task state of an integration the check does not model is reported, not passed', async () => {
    const template = {
      Resources: {
        MachineRole: statesRole,
        Machine: stateMachine({ Run: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Parameters: {}, End: true } }),
      },
    };
    const { denied } = await checkIamCalls(template);
    expect(denied).toEqual([expect.objectContaining({ result: 'NotEvaluated', explanation: expect.stringContaining('not one this check models') })]);
  });
});

describe('checkIamCalls on a synthesized stack', () => {
  function synthesized() {
    const stack = new Stack(new App(), 'Test', { env: TEST_ENV });
    const fn = new lambda.Function(stack, 'Worker', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
    const topic = new sns.Topic(stack, 'Topic');
    new sfn.StateMachine(stack, 'Machine', {
      definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(stack, 'Work', { lambdaFunction: fn }).next(new tasks.SnsPublish(stack, 'Tell', { topic, message: sfn.TaskInput.fromText('done') }))),
    });
    return Template.fromStack(stack).toJSON();
  }

  test('passes as CDK grants it', async () => {
    const { checked, denied } = await checkIamCalls(synthesized());
    expect(checked.map((c) => c.action)).toEqual(expect.arrayContaining(['lambda:InvokeFunction', 'sns:Publish', 'logs:CreateLogStream', 'logs:PutLogEvents']));
    expect(denied).toEqual([]);
  });

  test('fails when one grant is removed from the state machine role', async () => {
    // Given the synthesized template with the lambda:InvokeFunction statement taken out of the role's policy
    const template = synthesized();
    const [machinePolicy] = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes('MachineRole'));
    const statements: any[] = machinePolicy.Properties.PolicyDocument.Statement;
    machinePolicy.Properties.PolicyDocument.Statement = statements.filter((s) => s.Action !== 'lambda:InvokeFunction');
    expect(machinePolicy.Properties.PolicyDocument.Statement).toHaveLength(statements.length - 1);
    // Then exactly the invoke call of the 'Work' state is denied
    const { denied } = await checkIamCalls(template);
    expect(denied).toEqual([expect.objectContaining({ action: 'lambda:InvokeFunction', reason: expect.stringContaining("state 'Work'"), result: 'ImplicitlyDenied' })]);
  });
});
