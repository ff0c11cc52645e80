import { TEST_ENV, nagFindings, testStack } from '@batch-pipeline/test-support';
import { App, Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
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
    ['Fn::Sub placeholders become <...>', Fn.sub('arn:${AWS::Partition}:s3:::bucket/*'), 'arn:<AWS::Partition>:s3:::bucket/*'],
    ['Ref becomes <...> and Fn::Join is joined', Fn.join('/', [Fn.ref('Bucket'), '*']), '<Bucket>/*'],
    ['Fn::ImportValue is written as its export name', Fn.join('', [Fn.importValue('Storage:ReportsArn'), '/*']), 'Storage:ReportsArn/*'],
    ['other intrinsics are written as JSON', Fn.select(0, Fn.split(',', Fn.ref('List'))), '{"Fn::Select":[0,{"Fn::Split":[",",{"Ref":"List"}]}]}'],
    ['an empty value stays empty', Lazy.string({ produce: () => undefined }), ''],
  ])('resource text: %s', (_, value, text) => {
    expect(NagAcknowledgements.resourceText(testStack(), value)).toBe(text);
  });

  test('the wildcard finding id names the flattened resource', () => {
    const stack = testStack();
    expect(NagAcknowledgements.wildcardResourceFinding(stack, Fn.sub('arn:${AWS::Partition}:s3:::bucket/*')))
      .toBe('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::bucket/*]');
  });

  test.each([
    ['a bucket imported by name', (stack: ReturnType<typeof testStack>) => s3.Bucket.fromBucketName(stack, 'Imported', 'uploads').arnForObjects('*')],
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

  test('acknowledges the wildcard finding for a bucket created in another stack, once the reference is resolved at synthesis', () => {
    // given a role in one stack that reads the objects of a bucket of another stack
    const app = new App();
    const storage = new Stack(app, 'Storage', { env: TEST_ENV });
    const bucket = new s3.Bucket(storage, 'Reports');
    const stack = new Stack(app, 'Consumer', { env: TEST_ENV });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const resource = bucket.arnForObjects('*');
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [resource] }));

    // when the finding is acknowledged at construction and again at synthesis,
    // where the reference has become an Fn::ImportValue
    const reason = 'test: keys are not known at deploy time';
    NagAcknowledgements.acknowledgeWildcardResource(role, resource, reason);
    role.node.addValidation({ validate: () => { NagAcknowledgements.acknowledgeWildcardResource(role, resource, reason); return []; } });
    app.synth();

    // then no wildcard finding is left
    expect(NagAcknowledgements.resourceText(role, resource)).toMatch(/^Storage:ExportsOutputFnGetAttReports[0-9A-F]+Arn[0-9A-F]+\/\*$/);
    expect(nagFindings(stack).filter((finding) => finding.startsWith('AwsSolutions-IAM5'))).toEqual([]);
  });

  test('an id without a resource is recorded through Validations', () => {
    const stack = testStack();
    NagAcknowledgements.acknowledge(stack, 'AwsSolutions-S1', 'test reason');
    expect(stack.node.metadata.some((entry) => JSON.stringify(entry.data).includes('AwsSolutions-S1'))).toBe(true);
  });
});
