import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { nagFindings, testStack } from '@batch-pipeline/test-support';
import { NagAcknowledgements } from '../src';

describe('NagAcknowledgements', () => {
  test('names a resource the way cdk-nag does', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    expect(NagAcknowledgements.resourceText(stack, bucket.arnForObjects('in/*'))).toMatch(/^<Bucket[0-9A-F]+\.Arn>\/in\/\*$/);
    expect(NagAcknowledgements.resourceText(stack, stack.formatArn({ service: 'ec2', resource: '*' })))
      .toBe('arn:<AWS::Partition>:ec2:eu-west-2:123456789012:*');
  });

  test.each([
    ['a bucket of this stack', (stack: ReturnType<typeof testStack>) => new s3.Bucket(stack, 'Bucket').arnForObjects('*')],
    ['an ARN with the partition pseudo parameter', (stack: ReturnType<typeof testStack>) => stack.formatArn({ service: 'ec2', resource: '*' })],
  ])('acknowledges the wildcard finding for %s, and nothing else', (_, resourceOf) => {
    const stack = testStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const resource = resourceOf(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [resource] }));
    const before = nagFindings(stack).filter((finding) => finding.startsWith('AwsSolutions-IAM5'));
    expect(before).toHaveLength(1);

    NagAcknowledgements.acknowledgeWildcardResource(role, resource, 'test: keys are not known at deploy time');
    expect(nagFindings(stack).filter((finding) => finding.startsWith('AwsSolutions-IAM5'))).toEqual([]);
  });

  test('an id without a resource is recorded through Validations', () => {
    const stack = testStack();
    NagAcknowledgements.acknowledge(stack, 'AwsSolutions-S1', 'test reason');
    expect(stack.node.metadata.some((entry) => JSON.stringify(entry.data).includes('AwsSolutions-S1'))).toBe(true);
  });
});
