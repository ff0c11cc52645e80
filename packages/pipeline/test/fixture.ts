import { JobImage } from '@batch-pipeline/batch';
import { EgressMode } from '@batch-pipeline/network';
import { testStack } from '@batch-pipeline/test-support';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BatchPipeline, BatchPipelineProps } from '../src';

/** A public image for modes with internet access, private ECR of the test stack's region (eu-west-2) otherwise. */
export function jobImage(egress?: EgressMode): JobImage {
  return JobImage.fromRegistry(egress === EgressMode.VPC_ENDPOINTS
    ? '123456789012.dkr.ecr.eu-west-2.amazonaws.com/job:1'
    : 'public.ecr.aws/docker/library/busybox:latest');
}

export interface PipelineUnderTest {
  readonly stack: Stack;
  readonly pipeline: BatchPipeline;
  readonly template: Template;
}

/** A test stack with one BatchPipeline 'Pipeline'; `build` may add what the props refer to. */
export function pipelineStack(props: Partial<BatchPipelineProps> = {}, build?: (stack: Stack) => Partial<BatchPipelineProps>): PipelineUnderTest {
  const stack = testStack();
  const more = build ? build(stack) : {};
  const pipeline = new BatchPipeline(stack, 'Pipeline', { image: jobImage(props.networkProps?.egress), ...props, ...more });
  return { stack, pipeline, template: Template.fromStack(stack) };
}

/** How many resources of each type the template has. */
export function resourceCounts(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values(template.toJSON().Resources as Record<string, { Type: string }>)) {
    counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  }
  return counts;
}
