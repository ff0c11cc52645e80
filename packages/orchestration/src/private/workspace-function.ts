import { IPipelineNetwork, NagAcknowledgements } from '@batch-pipeline/network';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import type { RunPlan } from './staging-plan';
import { stagesDirectly, stagesThroughDataSync } from './staging-plan';
import { RunWorkspaceFunction } from '../workspace/run-workspace-function';
import { WORKSPACE_MOUNT_PATH } from '../workspace/workspace-mount';

/** The workspace function may run this long: the longest direct copy plus margin. Lambda allows at most 15 minutes. */
export const WORKSPACE_TIMEOUT = Duration.minutes(15);

/** A direct copy's state waits for the function's own timeout, plus a minute for the invocation. */
export const DIRECT_COPY_CALL_TIMEOUT = WORKSPACE_TIMEOUT.plus(Duration.minutes(1));

/** IAM's way to say "every resource" for actions that cannot be scoped to one. */
export const NO_RESOURCE_LEVEL_PERMISSIONS = '*';

/** Where the workspace function runs and what it mounts. */
export interface WorkspaceFunctionPlacement {
  readonly accessPoint: efs.IAccessPoint;
  readonly network?: IPipelineNetwork;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * The function that stages files directly, writes DataSync manifests, checks staged files and
 * prepares and removes run directories, with its own security group, log group and role, in
 * `scope` (the state machine: the ids are the state machine's children). It may read exactly the
 * upload versions under the watched prefix; with direct staging, write report objects under the
 * runs' report prefix; with DataSync staging, write the runs' manifests.
 */
export function createWorkspaceFunction(scope: Construct, placement: WorkspaceFunctionPlacement, plan: RunPlan): lambda.IFunction {
  const vpc = placement.network?.vpc ?? placement.vpc;
  if (!vpc) {
    throw new Error(`${plan.who}: give exactly one of 'network' and 'vpc' for the workspace function; got neither`);
  }
  const vpcSubnets = placement.network?.privateSubnets ?? placement.vpcSubnets;
  const securityGroup = new ec2.SecurityGroup(scope, 'WorkspaceSecurityGroup', {
    vpc,
    description: 'batch-pipeline workspace function: NFS to the file system, HTTPS to S3',
    allowAllOutbound: false,
  });
  // Direct staging, and the DataSync path's manifests and checks, reach S3 through the S3 gateway
  // endpoint of the private subnets, which every egress mode has. A gateway endpoint has no fixed
  // addresses to name here without a prefix-list lookup (which would need AWS access at synth
  // time); the role allows S3 calls only.
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');
  const logGroup = new logs.LogGroup(scope, 'WorkspaceLogs', { retention: plan.logRetention });
  const role = workspaceRole(scope, logGroup, plan);
  const fn = new RunWorkspaceFunction(scope, 'WorkspaceFunction', {
    role,
    architecture: lambda.Architecture.ARM_64,
    // Lambda gives a function network bandwidth and CPU in proportion to its memory.
    // Both paths stream whole files (a direct copy, or the checksum of a staged file).
    memorySize: 1024,
    timeout: WORKSPACE_TIMEOUT,
    vpc,
    vpcSubnets,
    securityGroups: [securityGroup],
    filesystem: lambda.FileSystem.fromEfsAccessPoint(placement.accessPoint, WORKSPACE_MOUNT_PATH),
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    environment: { WORKSPACE_MOUNT_PATH, NODE_OPTIONS: '--enable-source-maps' },
    description: 'batch-pipeline: stages small files directly, writes DataSync manifests, checks staged files, prepares and removes run directories',
  });
  acknowledgeFindings(role, logGroup, fn);
  return fn;
}

/**
 * An own role instead of the managed VPC access policy: network interface calls are limited to
 * this account and region, logs to this log group, S3 to the run's objects.
 */
function workspaceRole(scope: Construct, logGroup: logs.ILogGroup, plan: RunPlan): iam.Role {
  const role = new iam.Role(scope, 'WorkspaceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'batch-pipeline workspace function: mount the pipeline access point, manage its VPC network interfaces, write its logs',
  });
  logGroup.grantWrite(role);
  const inThisAccountAndRegion = Stack.of(scope).formatArn({ service: 'ec2', resource: '*' });
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
    resources: [inThisAccountAndRegion],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['ec2:DescribeNetworkInterfaces'],
    resources: [NO_RESOURCE_LEVEL_PERMISSIONS],
  }));
  // Exactly the object versions under the watched prefix (a direct copy reads one; a DataSync
  // stage-in checks the staged file against one); the key halves come from the L2 key grants.
  const { uploadBucket, uploadPrefix, reportsBucket, reportsPrefix } = plan.locations;
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    resources: [uploadBucket.arnForObjects(`${uploadPrefix}*`)],
  }));
  uploadBucket.encryptionKey?.grantDecrypt(role);
  NagAcknowledgements.acknowledgeWildcardResource(role, uploadBucket.arnForObjects(`${uploadPrefix}*`),
    'Stage-in reads (or checks against) the one object version that started the run; keys are known only at run time, '
    + 'and the wildcard covers only the watched prefix.');
  if (stagesDirectly(plan.staging)) {
    // New report objects under the runs' report prefix.
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [reportsBucket.arnForObjects(`${reportsPrefix}runs/*`)],
    }));
    reportsBucket.encryptionKey?.grantEncryptDecrypt(role);
    NagAcknowledgements.acknowledgeWildcardResource(role, reportsBucket.arnForObjects(`${reportsPrefix}runs/*`),
      'Direct stage-out writes the run\'s report objects under <reportsPrefix>runs/<runId>/out/; run ids are known only at run time.');
  }
  // The DataSync path: one manifest per run, naming the version DataSync copies.
  if (stagesThroughDataSync(plan.staging)) {
    plan.staging.transfers.stageIn.grantWriteManifest(role);
  }
  return role;
}

function acknowledgeFindings(role: iam.Role, logGroup: logs.ILogGroup, fn: lambda.IFunction): void {
  NagAcknowledgements.acknowledge(role, 'AwsSolutions-IAM5[Resource::*]',
    'ec2:DescribeNetworkInterfaces has no resource-level permissions; Lambda needs it to attach the function to the VPC.');
  NagAcknowledgements.acknowledgeWildcardResource(role, Stack.of(role).formatArn({ service: 'ec2', resource: '*' }),
    'Lambda creates and deletes the function\'s network interfaces in subnets and security groups it chooses; '
    + 'the actions are limited to this account and region.');
  const findings: Array<[IConstruct, string, string]> = [
    [role, 'NIST.800.53.R5-IAMNoInlinePolicy',
      'The inline policy is generated by CDK grants and names exactly this log group and file system (through the access point).'],
    [logGroup, 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'Workspace logs hold run ids and paths only and are encrypted with the CloudWatch Logs service key.'],
    [fn, 'NIST.800.53.R5-LambdaDLQ',
      'The state machine invokes the function synchronously and handles its errors; there is no asynchronous invocation to dead-letter.'],
    [fn, 'NIST.800.53.R5-LambdaConcurrency',
      'Concurrency follows the number of runs, which the trigger\'s reserved concurrency caps; '
      + 'a second cap here would fail runs instead of queueing them.'],
  ];
  for (const [construct, id, reason] of findings) {
    NagAcknowledgements.acknowledge(construct, id, reason);
  }
}
