import * as path from 'path';
import { EgressMode } from '@batch-pipeline/network';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BatchProcessor, JobImage } from '../src';
import { fixture, synth } from './helpers';

const ECS_TASKS_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } }],
};

const LOG_WRITE = {
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Effect: 'Allow',
  Resource: { 'Fn::GetAtt': [expect.stringMatching(/^JobLogGroup/), 'Arn'] },
};

const ECR_AUTH = { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' };
const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

/** Every role of the construct 'Job', by logical id prefix. */
function rolesOf(template: Template): { [id: string]: any } {
  return Object.fromEntries(Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) => id.startsWith('Job')));
}

/** The statements of every inline and managed policy attached to a role, by policy type. */
function policiesOf(template: Template, roleIdPrefix: string): { inline: any[]; managed: any[] } {
  const attachedTo = (policy: any) => (policy.Properties.Roles ?? []).some((role: any) => role.Ref?.startsWith(roleIdPrefix));
  const statements = (type: string) => Object.values(template.findResources(type))
    .filter(attachedTo)
    .map((policy) => policy.Properties.PolicyDocument.Statement);
  return { inline: statements('AWS::IAM::Policy'), managed: statements('AWS::IAM::ManagedPolicy') };
}

const EFS_CLIENT = {
  Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
  Effect: 'Allow',
  Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FileSystem/), 'Arn'] },
  Condition: {
    StringEquals: {
      'elasticfilesystem:AccessPointArn': {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticfilesystem:eu-west-2:123456789012:access-point/', { Ref: expect.stringMatching(/^FileSystemAccessPoint/) }]],
      },
    },
  },
};

describe('BatchProcessor roles', () => {
  test('there are exactly two roles, both assumable only by ECS tasks, with no managed AWS policies', () => {
    const { template } = synth();
    const roles = Object.values(rolesOf(template));
    expect(roles).toHaveLength(2);
    for (const role of roles) {
      expect(role.Properties.AssumeRolePolicyDocument).toEqual(ECS_TASKS_TRUST);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
  });

  test('the job role may only mount and write the file system through the access point', () => {
    const { template } = synth();
    expect(policiesOf(template, 'JobJobRole')).toEqual({ inline: [], managed: [[EFS_CLIENT]] });
  });

  test('with a public registry image the execution role may only write to the job log group', () => {
    const { template } = synth();
    expect(policiesOf(template, 'JobExecutionRole')).toEqual({ inline: [[LOG_WRITE]], managed: [] });
  });

  test('with an ECR repository image the execution role may also pull from that repository only', () => {
    const f = fixture(EgressMode.VPC_ENDPOINTS);
    const repository = new ecr.Repository(f.stack, 'Repo');
    new BatchProcessor(f.stack, 'Job', { network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, image: JobImage.fromEcrRepository(repository, 'v1') });
    expect(policiesOf(Template.fromStack(f.stack), 'JobExecutionRole')).toEqual({
      inline: [[
        LOG_WRITE,
        { Action: ECR_PULL_ACTIONS, Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] } },
        ECR_AUTH,
      ]],
      managed: [],
    });
  });

  test('with a private ECR image given by name the execution role may pull from that repository only', () => {
    const { template } = synth({ image: JobImage.fromRegistry('210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/report:7') });
    expect(policiesOf(template, 'JobExecutionRole')).toEqual({
      inline: [[
        LOG_WRITE,
        {
          Action: ECR_PULL_ACTIONS,
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:210987654321:repository/team/report']] },
        },
        ECR_AUTH,
      ]],
      managed: [],
    });
  });

  test('with an image asset the execution role may pull from the bootstrap container asset repository only', () => {
    const { template } = synth({ image: JobImage.fromAsset(path.join(__dirname, 'fixtures', 'job')) });
    expect(policiesOf(template, 'JobExecutionRole')).toEqual({
      inline: [[
        LOG_WRITE,
        {
          Action: ECR_PULL_ACTIONS,
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-2:123456789012:repository/cdk-hnb659fds-container-assets-123456789012-eu-west-2']],
          },
        },
        ECR_AUTH,
      ]],
      managed: [],
    });
  });

  test('the execution role may read exactly the given secrets', () => {
    const f = fixture();
    const secret = new secretsmanager.Secret(f.stack, 'ApiToken');
    const parameter = new ssm.StringParameter(f.stack, 'Setting', { stringValue: 'x' });
    new BatchProcessor(f.stack, 'Job', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
      secrets: {
        API_TOKEN: batch.Secret.fromSecretsManager(secret),
        SETTING: batch.Secret.fromSsmParameter(parameter),
      },
    });
    expect(policiesOf(Template.fromStack(f.stack), 'JobExecutionRole')).toEqual({
      inline: [[
        LOG_WRITE,
        { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^ApiToken/) } },
        {
          Action: ['ssm:DescribeParameters', 'ssm:GetParameters', 'ssm:GetParameter', 'ssm:GetParameterHistory'],
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-2:123456789012:parameter/', { Ref: expect.stringMatching(/^Setting/) }]],
          },
        },
      ]],
      managed: [],
    });
  });

  test('grantSubmitJob allows batch:SubmitJob on the queue and the job definition only', () => {
    const f = fixture();
    const stack = f.stack;
    const processor = new BatchProcessor(stack, 'Job', { network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, image: JobImage.fromRegistry('busybox') });
    const submitter = new iam.Role(stack, 'Submitter', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    processor.grantSubmitJob(submitter);
    expect(policiesOf(Template.fromStack(stack), 'Submitter')).toEqual({
      inline: [[{
        Action: 'batch:SubmitJob',
        Effect: 'Allow',
        Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^JobJobQueue/), 'JobQueueArn'] }, { Ref: expect.stringMatching(/^JobJobDefinition/) }],
      }]],
      managed: [],
    });
  });
});
