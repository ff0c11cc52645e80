import { EgressMode, PipelineNetwork, PipelineNetworkProps } from '@batch-pipeline/network';
import { testStack } from '@batch-pipeline/test-support';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as efs from 'aws-cdk-lib/aws-efs';
import { BatchProcessor, BatchProcessorProps, JobImage } from '../src';

export const PUBLIC_IMAGE = 'public.ecr.aws/docker/library/busybox:latest';

export interface Fixture {
  readonly stack: Stack;
  readonly network: PipelineNetwork;
  readonly fileSystem: efs.FileSystem;
  readonly accessPoint: efs.AccessPoint;
}

/**
 * A stack with the pipeline network and an EFS file system with an access
 * point, built with aws-cdk-lib directly (the storage package owns the real one).
 */
export function fixture(egress: EgressMode = EgressMode.NAT_GATEWAY, networkProps: PipelineNetworkProps = {}): Fixture {
  const stack = testStack();
  const network = new PipelineNetwork(stack, 'Network', { egress, ...networkProps });
  const fileSystem = new efs.FileSystem(stack, 'FileSystem', {
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroup: network.fileSystemSecurityGroup,
    encrypted: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  Validations.of(fileSystem).acknowledge({
    id: 'NIST.800.53.R5-EFSInBackupPlan',
    reason: 'Test fixture standing in for the storage package, which owns the file system and its backups.',
  });
  const accessPoint = fileSystem.addAccessPoint('AccessPoint', {
    path: '/pipeline',
    posixUser: { uid: '1000', gid: '1000' },
    createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
  });
  return { stack, network, fileSystem, accessPoint };
}

export type PartialProps = Partial<BatchProcessorProps>;

/** A BatchProcessor with id 'Job' in a fresh fixture, with `props` over the required ones. */
export function synth(
  props: PartialProps = {},
  egress?: EgressMode,
  networkProps?: PipelineNetworkProps,
): Fixture & { processor: BatchProcessor; template: Template } {
  const f = fixture(egress, networkProps);
  const processor = new BatchProcessor(f.stack, 'Job', {
    network: f.network,
    fileSystem: f.fileSystem,
    accessPoint: f.accessPoint,
    image: JobImage.fromRegistry(PUBLIC_IMAGE),
    ...props,
  });
  return { ...f, processor, template: Template.fromStack(f.stack) };
}

/** Properties of the single resource of a type. */
export function onlyResource(template: Template, type: string): any {
  const resources = Object.values(template.findResources(type));
  if (resources.length !== 1) {
    throw new Error(`expected one ${type}, found ${resources.length}`);
  }
  return resources[0];
}
