import { testStack } from '@batch-pipeline/test-support';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BatchPipeline } from '../src';
import { jobImage, pipelineStack } from './fixture';

interface Output { readonly Value: unknown; readonly Description: string }

function outputs(template: Template): Record<string, Output> {
  return template.findOutputs('*') as Record<string, Output>;
}

/** The CloudFormation form of a value of the stack, as an output holds it. */
function cfn(stack: Stack, value: string): unknown {
  return stack.resolve(value);
}

describe('BatchPipeline stack outputs', () => {
  test('given the defaults, when synthesized, then it outputs the buckets, their locations, state machine, topic, job log group and dashboard, named after its id', () => {
    const { stack, pipeline, template } = pipelineStack();
    const found = outputs(template);

    expect(Object.keys(found).sort()).toEqual([
      'PipelineDashboardName', 'PipelineJobLogGroupName', 'PipelineNotificationTopicArn', 'PipelineReportsBucketName',
      'PipelineReportsLocation', 'PipelineStateMachineArn', 'PipelineUploadBucketName', 'PipelineUploadLocation',
    ]);
    const uploadBucket = cfn(stack, pipeline.storage.uploads.bucket.bucketName);
    const reportsBucket = cfn(stack, pipeline.storage.reportsBucket.bucketName);
    expect(found.PipelineUploadBucketName.Value).toEqual(uploadBucket);
    expect(found.PipelineUploadLocation.Value).toEqual({ 'Fn::Join': ['', ['s3://', uploadBucket, '/incoming/']] });
    expect(found.PipelineReportsBucketName.Value).toEqual(reportsBucket);
    expect(found.PipelineReportsLocation.Value).toEqual({ 'Fn::Join': ['', ['s3://', reportsBucket, '/reports/runs/']] });
    expect(found.PipelineStateMachineArn.Value).toEqual(cfn(stack, pipeline.stateMachine.stateMachineArn));
    expect(found.PipelineNotificationTopicArn.Value).toEqual(cfn(stack, pipeline.notificationTopic.topicArn));
    expect(found.PipelineDashboardName.Value).toEqual(cfn(stack, pipeline.dashboard!.dashboardName));
    // The job log group is the one the job definition's awslogs driver writes to.
    const [jobDefinition] = Object.values(template.findResources('AWS::Batch::JobDefinition')) as Array<{ Properties: any }>;
    expect(found.PipelineJobLogGroupName.Value).toEqual(jobDefinition.Properties.ContainerProperties.LogConfiguration.Options['awslogs-group']);
  });

  test('given the defaults, when synthesized, then every description is literal text that says what the output is for', () => {
    const found = outputs(pipelineStack().template);
    for (const [name, output] of Object.entries(found)) {
      expect({ name, type: typeof output.Description }).toEqual({ name, type: 'string' });
      expect(output.Description.length).toBeLessThanOrEqual(1024); // CloudFormation's limit
    }
    expect(found.PipelineUploadBucketName.Description).toBe('Upload bucket: a file put under incoming/ of it starts one run');
    expect(found.PipelineReportsBucketName.Description).toBe("Reports bucket: each run's reports land under reports/runs/<run id>/out/");
    expect(found.PipelineUploadLocation.Description).toContain('aws s3 cp <file> <this URI>');
  });

  test('given other prefixes, when synthesized, then the locations and descriptions follow them', () => {
    const { stack, pipeline, template } = pipelineStack({ watchPrefix: 'drop/plates/', reportsPrefix: '' });
    const found = outputs(template);
    expect(found.PipelineUploadLocation.Value).toEqual({ 'Fn::Join': ['', ['s3://', cfn(stack, pipeline.storage.uploads.bucket.bucketName), '/drop/plates/']] });
    expect(found.PipelineReportsLocation.Value).toEqual({ 'Fn::Join': ['', ['s3://', cfn(stack, pipeline.storage.reportsBucket.bucketName), '/runs/']] });
    expect(found.PipelineUploadBucketName.Description).toBe('Upload bucket: a file put under drop/plates/ of it starts one run');
    expect(found.PipelineReportsBucketName.Description).toBe("Reports bucket: each run's reports land under runs/<run id>/out/");
  });

  test('given the whole bucket watched, when synthesized, then the upload location is the bucket root and the description says any key', () => {
    const { stack, pipeline, template } = pipelineStack({ watchPrefix: '' });
    const found = outputs(template);
    expect(found.PipelineUploadLocation.Value).toEqual({ 'Fn::Join': ['', ['s3://', cfn(stack, pipeline.storage.uploads.bucket.bucketName), '/']] });
    expect(found.PipelineUploadBucketName.Description).toBe('Upload bucket: a file put under any key of it starts one run');
  });

  test('given no dashboard and a desktop, when synthesized, then there is no dashboard output and the desktop stack is output', () => {
    const { stack, pipeline, template } = pipelineStack({ dashboard: false, desktop: { imageName: 'qc-desktop', s3PrefixListId: 'pl-7ca54015' } });
    const found = outputs(template);
    expect(found.PipelineDashboardName).toBeUndefined();
    expect(found.PipelineDesktopStackName.Value).toEqual(cfn(stack, pipeline.desktop!.stackName));
  });

  test('given existing buckets, when synthesized, then the outputs name those buckets', () => {
    const { template } = pipelineStack({}, (stack) => ({
      existingUploadBucket: s3.Bucket.fromBucketName(stack, 'Uploads', 'plate-uploads'),
      existingReportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'plate-reports'),
    }));
    const found = outputs(template);
    expect(found.PipelineUploadBucketName.Value).toBe('plate-uploads');
    expect(found.PipelineUploadLocation.Value).toBe('s3://plate-uploads/incoming/');
    expect(found.PipelineReportsLocation.Value).toBe('s3://plate-reports/reports/runs/');
  });

  test('given outputs false, when synthesized, then the pipeline adds no output', () => {
    const { template } = pipelineStack({ outputs: false });
    expect(outputs(template)).toEqual({});
  });

  test('given two pipelines with different ids in one stack, when synthesized, then each has its own outputs', () => {
    const stack = testStack();
    new BatchPipeline(stack, 'Plates', { image: jobImage(), dashboard: false });
    new BatchPipeline(stack, 'Gels', { image: jobImage(), dashboard: false });
    const names = Object.keys(outputs(Template.fromStack(stack)));
    expect(names.filter((name) => name.startsWith('Plates'))).toHaveLength(7);
    expect(names.filter((name) => name.startsWith('Gels'))).toHaveLength(7);
  });

  test('given a pipeline with the id of another in a different scope of the stack, when it is built, then it is refused naming the prop and what to do', () => {
    const stack = testStack();
    new BatchPipeline(new Construct(stack, 'A'), 'Pipeline', { image: jobImage(), dashboard: false });
    expect(() => new BatchPipeline(new Construct(stack, 'B'), 'Pipeline', { image: jobImage(), dashboard: false })).toThrow(
      "BatchPipeline 'Pipeline': 'outputs' true is not valid; allowed: false, or a construct id that no other BatchPipeline of stack 'Test' has (its outputs are named after the id, such as PipelineUploadBucketName)");
  });

  test('given a pipeline with the id of another and outputs false, when synthesized, then both synthesize', () => {
    const stack = testStack();
    new BatchPipeline(new Construct(stack, 'A'), 'Pipeline', { image: jobImage(), dashboard: false });
    new BatchPipeline(new Construct(stack, 'B'), 'Pipeline', { image: jobImage(), dashboard: false, outputs: false });
    expect(Object.keys(outputs(Template.fromStack(stack)))).toHaveLength(7);
  });
});
