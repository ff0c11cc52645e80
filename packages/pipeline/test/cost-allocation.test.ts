import { JobImage } from '@batch-pipeline/batch';
import { testStack } from '@batch-pipeline/test-support';
import { Template } from 'aws-cdk-lib/assertions';
import { BatchPipeline, BatchPipelineProps } from '../src';

function synth(props: Partial<BatchPipelineProps> = {}): Template {
  const stack = testStack();
  new BatchPipeline(stack, 'Pipeline', { image: JobImage.fromRegistry('123456789012.dkr.ecr.eu-west-2.amazonaws.com/report:1'), ...props });
  return Template.fromStack(stack);
}

function tagOf(resource: { [key: string]: any }): string | undefined {
  const tags = resource.Properties.Tags;
  if (Array.isArray(tags)) return tags.find((tag: { Key: string }) => tag.Key === 'batch-pipeline:pipeline')?.Value;
  if (tags && typeof tags === 'object') return tags['batch-pipeline:pipeline'];
  return resource.Properties.FileSystemTags?.find((tag: { Key: string }) => tag.Key === 'batch-pipeline:pipeline')?.Value;
}

describe('BatchPipeline cost allocation tags', () => {
  const template = synth();

  test.each([
    'AWS::StepFunctions::StateMachine', 'AWS::Lambda::Function', 'AWS::Batch::JobDefinition', 'AWS::EFS::FileSystem',
    'AWS::S3::Bucket', 'AWS::SNS::Topic', 'AWS::KMS::Key', 'AWS::CloudWatch::Alarm', 'AWS::EC2::NatGateway', 'AWS::Logs::LogGroup',
  ])('given the defaults, then every %s of the pipeline carries batch-pipeline:pipeline = its path', (type) => {
    // Stack-level singletons (the bucket notification handler, the default security group custom resource) are not the pipeline's.
    const resources = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith('Pipeline')).map(([, resource]) => resource);
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(tagOf(resource)).toBe('Test/Pipeline');
  });

  test('given the defaults, then the job definition propagates its tags to each job\'s Fargate task', () => {
    const [definition] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    expect(definition.Properties.PropagateTags).toBe(true);
  });

  test('given the defaults, then the compute environment and job queue are not tagged (a tag change would replace them)', () => {
    for (const type of ['AWS::Batch::ComputeEnvironment', 'AWS::Batch::JobQueue']) {
      for (const resource of Object.values(template.findResources(type))) expect(tagOf(resource)).toBeUndefined();
    }
  });

  test('given costAllocationTag, then that value is the tag', () => {
    const [machine] = Object.values(synth({ costAllocationTag: 'plate-reader prod' }).findResources('AWS::StepFunctions::StateMachine'));
    expect(tagOf(machine)).toBe('plate-reader prod');
  });

  test('given a costAllocationTag AWS would refuse, then synth fails naming the construct, the prop, the value and what is allowed', () => {
    expect(() => synth({ costAllocationTag: 'a,b' })).toThrow(
      "BatchPipeline 'Pipeline': 'costAllocationTag' a,b is not valid; allowed: a tag value of 1 to 256 letters, digits, spaces and _ . : / = + - @");
  });
});
