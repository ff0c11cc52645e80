import { BatchProcessor, BatchProcessorProps, JobImage } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { EgressMode, PipelineNetwork } from '@batch-pipeline/network';
import { PipelineStorage } from '@batch-pipeline/storage';
import { testStack } from '@batch-pipeline/test-support';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineStateMachine, PipelineStateMachineProps } from '../src';

export const WATCH_PREFIX = 'incoming/';

/** The parts of the pipeline the state machine orchestrates, composed from the sibling packages. */
export interface PipelineParts {
  readonly stack: Stack;
  readonly network: PipelineNetwork;
  readonly storage: PipelineStorage;
  readonly stageIn: StageInTransfer;
  readonly stageOut: StageOutTransfer;
  readonly processor: BatchProcessor;
}

/**
 * @param processorProps props of the processor beyond the parts' own, such as a `localCommand` for a local run
 */
export function pipelineParts(
  stack: Stack = testStack(), egress: EgressMode = EgressMode.PUBLIC_SUBNETS, processorProps: Partial<BatchProcessorProps> = {},
): PipelineParts {
  const network = new PipelineNetwork(stack, 'Network', { egress });
  const storage = new PipelineStorage(stack, 'Storage', { network, uploads: { watchPrefix: WATCH_PREFIX } });
  const fileSystem = storage.fileSystem.fileSystem;
  const accessPoint = storage.fileSystem.accessPoint;
  const stageIn = new StageInTransfer(stack, 'StageIn', {
    network, sourceBucket: storage.uploads.bucket, sourcePrefix: WATCH_PREFIX, fileSystem, accessPoint, destinationDirectory: '/staging',
  });
  const stageOut = new StageOutTransfer(stack, 'StageOut', {
    network, fileSystem, accessPoint, destinationBucket: storage.reports.bucket, destinationPrefix: 'reports/',
  });
  const processor = new BatchProcessor(stack, 'Processor', {
    network,
    fileSystem,
    accessPoint,
    // Without internet access jobs reach only private ECR of the stack's region.
    image: JobImage.fromRegistry(egress === EgressMode.VPC_ENDPOINTS ? '123456789012.dkr.ecr.eu-west-2.amazonaws.com/job:1' : 'public.ecr.aws/docker/library/busybox:latest'),
    ...processorProps,
  });
  return { stack, network, storage, stageIn, stageOut, processor };
}

/** The props every state machine of these parts takes: the transfers, the processor, the access point and the network. */
export function pipelineProps(parts: PipelineParts): PipelineStateMachineProps {
  return {
    stageIn: parts.stageIn,
    stageOut: parts.stageOut,
    processor: parts.processor,
    accessPoint: parts.storage.fileSystem.accessPoint,
    network: parts.network,
  };
}

/** A stack with the whole pipeline and its state machine. */
export interface PipelineUnderTest extends PipelineParts {
  readonly pipeline: PipelineStateMachine;
  readonly template: Template;
}

export function pipelineStateMachine(props: Partial<PipelineStateMachineProps> = {}): PipelineUnderTest {
  const parts = pipelineParts();
  const pipeline = new PipelineStateMachine(parts.stack, 'Pipeline', {
    stageIn: parts.stageIn,
    stageOut: parts.stageOut,
    processor: parts.processor,
    accessPoint: parts.storage.fileSystem.accessPoint,
    network: parts.network,
    ...props,
  });
  return { ...parts, pipeline, template: Template.fromStack(parts.stack) };
}
