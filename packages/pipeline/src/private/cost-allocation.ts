import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Tags, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { invalid } from './errors';

/** The cost allocation tag every billed resource of a pipeline carries; activate it in the Billing console. */
export const PIPELINE_TAG = 'batch-pipeline:pipeline';

/**
 * The resource types that bill (or whose bill a tag splits) and take a tag without being replaced:
 * the Batch job definition (its tags reach each job's Fargate task: the definition propagates tags),
 * the state machine, the functions, the transfers, the file system, the buckets, topic, queue,
 * log groups, key, alarms, NAT gateway, address and interface endpoints. Left out: the Batch compute
 * environment and job queue and EFS access points (a tag change replaces them; they bill nothing
 * themselves) and AppStream resources (whose tag update behaviour was not confirmed).
 */
const TAGGED_TYPES = [
  'AWS::Batch::JobDefinition', 'AWS::StepFunctions::StateMachine', 'AWS::Lambda::Function', 'AWS::DataSync::Task',
  'AWS::EFS::FileSystem', 'AWS::S3::Bucket', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup', 'AWS::KMS::Key',
  'AWS::CloudWatch::Alarm', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::VPCEndpoint',
];

/** Tag values AWS accepts: letters, digits, spaces and `_ . : / = + - @`, at most 256 characters. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/** Tags the pipeline's billed resources with `batch-pipeline:pipeline` = `value` (default: the construct's path). */
export function tagForCostAllocation(pipeline: Construct, errors: ConstructErrors, value: string | undefined): string {
  const tagValue = value ?? pipeline.node.path;
  if (!Token.isUnresolved(tagValue) && !TAG_VALUE.test(tagValue)) {
    throw invalid(errors, 'costAllocationTag', tagValue, 'a tag value of 1 to 256 letters, digits, spaces and _ . : / = + - @');
  }
  Tags.of(pipeline).add(PIPELINE_TAG, tagValue, { includeResourceTypes: TAGGED_TYPES });
  return tagValue;
}
