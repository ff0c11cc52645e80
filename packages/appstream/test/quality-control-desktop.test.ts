import { EgressMode, PipelineNetwork } from '@batch-pipeline/network';
import { testStack } from '@batch-pipeline/test-support';
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FleetType, QualityControlDesktop, QualityControlDesktopProps, StreamView } from '../src';

interface Fixture {
  readonly stack: Stack;
  readonly network: PipelineNetwork;
  readonly reportsBucket: s3.Bucket;
  readonly uploadBucket: s3.Bucket;
}

function fixture(egress?: EgressMode): Fixture {
  const stack = testStack();
  const network = new PipelineNetwork(stack, 'Network', { egress });
  const reportsBucket = new s3.Bucket(stack, 'Reports');
  const uploadBucket = new s3.Bucket(stack, 'Uploads');
  return { stack, network, reportsBucket, uploadBucket };
}

function synth(props: Partial<QualityControlDesktopProps> = {}, egress?: EgressMode) {
  const given = fixture(egress);
  const desktop = new QualityControlDesktop(given.stack, 'Desktop', {
    imageName: 'qc-image',
    network: given.network,
    reportsBucket: given.reportsBucket,
    ...props,
  });
  return { ...given, desktop, template: Template.fromStack(given.stack) };
}

/** Builds the desktop with the given props and returns what it throws. */
function build(props: Partial<QualityControlDesktopProps>): () => QualityControlDesktop {
  const { stack, network, reportsBucket } = fixture();
  return () => new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket, ...props });
}

function policyStatements(template: Template): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

const getAtt = (logicalIdPattern: RegExp, attribute: string) => ({ 'Fn::GetAtt': [expect.stringMatching(logicalIdPattern), attribute] });
const objectsOf = (logicalIdPattern: RegExp) => ({ 'Fn::Join': ['', [getAtt(logicalIdPattern, 'Arn'), '/*']] });
/** The same as `getAtt`, for `Template.hasResourceProperties`. */
const attOf = (logicalIdPrefix: string, attribute: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${logicalIdPrefix}`), attribute] });
const refTo = (logicalIdPrefix: string) => ({ Ref: Match.stringLikeRegexp(`^${logicalIdPrefix}`) });

describe('QualityControlDesktop defaults', () => {
  const { desktop, template } = synth();
  const fleet = () => Object.values(template.findResources('AWS::AppStream::Fleet'))[0];

  test('creates one fleet, one stack and their association', () => {
    template.resourceCountIs('AWS::AppStream::Fleet', 1);
    template.resourceCountIs('AWS::AppStream::Stack', 1);
    template.resourceCountIs('AWS::AppStream::StackFleetAssociation', 1);
  });

  test('the fleet is ON_DEMAND with one stream.standard.medium instance streaming the given image as a desktop', () => {
    template.hasResourceProperties('AWS::AppStream::Fleet', {
      FleetType: 'ON_DEMAND',
      InstanceType: 'stream.standard.medium',
      ComputeCapacity: { DesiredInstances: 1 },
      ImageName: 'qc-image',
      StreamView: 'DESKTOP',
    });
    expect(desktop.fleetType).toBe(FleetType.ON_DEMAND);
  });

  test('uses the session timeouts of the original system: 1800 s idle, 60 s disconnect, 7200 s maximum', () => {
    template.hasResourceProperties('AWS::AppStream::Fleet', {
      IdleDisconnectTimeoutInSeconds: 1800,
      DisconnectTimeoutInSeconds: 60,
      MaxUserDurationInSeconds: 7200,
    });
  });

  test('runs in the private subnets of the network without default internet access and without IMDSv1', () => {
    template.hasResourceProperties('AWS::AppStream::Fleet', {
      EnableDefaultInternetAccess: false,
      DisableIMDSV1: true,
      VpcConfig: {
        SubnetIds: [refTo('NetworkVpcPrivateSubnet1'), refTo('NetworkVpcPrivateSubnet2')],
        SecurityGroupIds: [attOf('DesktopSecurityGroup', 'GroupId')],
      },
    });
  });

  test('the fleet runs with the desktop role and waits for its policy', () => {
    expect(fleet().Properties.IamRoleArn).toEqual(getAtt(/^DesktopRole/, 'Arn'));
    expect(fleet().DependsOn).toEqual([expect.stringMatching(/^DesktopReadOnlyPolicy/), expect.stringMatching(/^DesktopRole/)]);
  });

  test('names the fleet and stack after the construct path, with display names and descriptions', () => {
    expect(desktop.fleetName).toMatch(/^Test-Desktop-[0-9A-F]{8}-fleet$/);
    expect(desktop.stackName).toMatch(/^Test-Desktop-[0-9A-F]{8}-stack$/);
    template.hasResourceProperties('AWS::AppStream::Fleet', {
      Name: desktop.fleetName,
      DisplayName: 'Batch pipeline quality control',
      Description: 'Streaming instances of the batch pipeline quality-control desktop',
    });
    template.hasResourceProperties('AWS::AppStream::Stack', {
      Name: desktop.stackName,
      DisplayName: 'Batch pipeline quality control',
      Description: 'Quality control of the batch pipeline inputs and reports',
    });
  });

  test('the stack has home folders and the user settings of the original system', () => {
    template.hasResourceProperties('AWS::AppStream::Stack', {
      StorageConnectors: [{ ConnectorType: 'HOMEFOLDERS' }],
      UserSettings: [
        { Action: 'CLIPBOARD_COPY_FROM_LOCAL_DEVICE', Permission: 'ENABLED' },
        { Action: 'CLIPBOARD_COPY_TO_LOCAL_DEVICE', Permission: 'DISABLED' },
        { Action: 'FILE_UPLOAD', Permission: 'ENABLED' },
        { Action: 'FILE_DOWNLOAD', Permission: 'DISABLED' },
        { Action: 'PRINTING_TO_LOCAL_DEVICE', Permission: 'DISABLED' },
        { Action: 'DOMAIN_PASSWORD_SIGNIN', Permission: 'ENABLED' },
        { Action: 'DOMAIN_SMART_CARD_SIGNIN', Permission: 'DISABLED' },
      ],
    });
  });

  test('associates the fleet with the stack by name, after both exist', () => {
    const association = Object.values(template.findResources('AWS::AppStream::StackFleetAssociation'))[0];
    expect(association.Properties).toEqual({ FleetName: desktop.fleetName, StackName: desktop.stackName });
    expect(association.DependsOn).toEqual([expect.stringMatching(/^DesktopFleet/), expect.stringMatching(/^DesktopStack/)]);
  });

  test('the role can be assumed by AppStream 2.0 only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'appstream.amazonaws.com' } }],
      },
      Policies: Match.absent(),
      ManagedPolicyArns: Match.absent(),
    });
    expect(desktop.grantPrincipal).toBe(desktop.role);
  });

  test('the role may only list and read the reports bucket', () => {
    expect(policyStatements(template)).toEqual([
      { Sid: 'ReadPipelineObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: objectsOf(/^Reports/) },
      { Sid: 'ListPipelineBuckets', Effect: 'Allow', Action: 's3:ListBucket', Resource: getAtt(/^Reports/, 'Arn') },
    ]);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [refTo('DesktopRole')] });
  });

  test('the security group allows HTTPS to the S3 prefix list only, and no ingress', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'AppStream 2.0 quality-control desktop: HTTPS to Amazon S3 only, no ingress',
      SecurityGroupEgress: Match.absent(),
      SecurityGroupIngress: Match.absent(),
    });
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .map((rule) => rule.Properties)
      .filter((rule) => JSON.stringify(rule.GroupId).includes('DesktopSecurityGroup'));
    // The prefix list id is looked up by name; tests get CDK's dummy value.
    expect(egress).toEqual([{
      GroupId: getAtt(/^DesktopSecurityGroup/, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      DestinationPrefixListId: 'pl-xxxxxxxx',
      Description: 'HTTPS to Amazon S3 (home folders and pipeline buckets)',
    }]);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    expect(JSON.stringify(ingress)).not.toContain('DesktopSecurityGroup');
    expect(desktop.connections.securityGroups).toEqual([desktop.securityGroup]);
  });

  test('looks up the prefix list named com.amazonaws.<region>.s3', () => {
    const assembly = (Stack.of(desktop).node.root as App).synth();
    const missing = (assembly.manifest.missing ?? []).filter((context) => context.provider === 'cc-api-provider');
    expect(missing).toEqual([expect.objectContaining({
      provider: 'cc-api-provider',
      props: expect.objectContaining({ typeName: 'AWS::EC2::PrefixList', propertyMatch: { PrefixListName: 'com.amazonaws.eu-west-2.s3' }, region: 'eu-west-2' }),
    })]);
  });

  test('no file system access and no NFS rule', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('elasticfilesystem');
    const nfs = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .filter((rule) => JSON.stringify(rule.Properties.GroupId).includes('DesktopSecurityGroup') && rule.Properties.FromPort === 2049);
    expect(nfs).toEqual([]);
  });
});

describe('QualityControlDesktop settings', () => {
  test('ALWAYS_ON fleet with 3 stream.compute.large instances', () => {
    const { desktop, template } = synth({ fleetType: FleetType.ALWAYS_ON, instanceType: 'stream.compute.large', desiredCapacity: 3 });
    template.hasResourceProperties('AWS::AppStream::Fleet', { FleetType: 'ALWAYS_ON', InstanceType: 'stream.compute.large', ComputeCapacity: { DesiredInstances: 3 } });
    expect(desktop.fleetType).toBe(FleetType.ALWAYS_ON);
  });

  test.each(['stream.standard.small', 'stream.graphics.g4dn.xlarge', 'stream.graphics-pro.4xlarge', 'stream.memory.z1d.large'])('accepts instance type %s', (instanceType) => {
    synth({ instanceType }).template.hasResourceProperties('AWS::AppStream::Fleet', { InstanceType: instanceType });
  });

  test('session timeouts', () => {
    const { template } = synth({
      idleDisconnectTimeout: Duration.minutes(10),
      disconnectTimeout: Duration.minutes(5),
      maxSessionDuration: Duration.hours(8),
    });
    template.hasResourceProperties('AWS::AppStream::Fleet', { IdleDisconnectTimeoutInSeconds: 600, DisconnectTimeoutInSeconds: 300, MaxUserDurationInSeconds: 28800 });
  });

  test('an idle timeout of 0 never disconnects idle users', () => {
    synth({ idleDisconnectTimeout: Duration.seconds(0) }).template.hasResourceProperties('AWS::AppStream::Fleet', { IdleDisconnectTimeoutInSeconds: 0 });
  });

  test.each([
    ['idleDisconnectTimeout', Duration.seconds(60), 60],
    ['idleDisconnectTimeout', Duration.seconds(36000), 36000],
    ['disconnectTimeout', Duration.seconds(60), 60],
    ['disconnectTimeout', Duration.seconds(360000), 360000],
    ['maxSessionDuration', Duration.seconds(600), 600],
    ['maxSessionDuration', Duration.seconds(432000), 432000],
  ])('accepts %s at the limit %p', (prop, duration, seconds) => {
    const key = { idleDisconnectTimeout: 'IdleDisconnectTimeoutInSeconds', disconnectTimeout: 'DisconnectTimeoutInSeconds', maxSessionDuration: 'MaxUserDurationInSeconds' }[prop as string]!;
    synth({ [prop as string]: duration }).template.hasResourceProperties('AWS::AppStream::Fleet', { [key]: seconds });
  });

  test('APP stream view', () => {
    synth({ streamView: StreamView.APP }).template.hasResourceProperties('AWS::AppStream::Fleet', { StreamView: 'APP' });
  });

  test('names, display names and descriptions', () => {
    const { desktop, template } = synth({
      fleetName: 'ARC-batch-fleet',
      fleetDisplayName: 'ARC batch process fleet',
      fleetDescription: 'ARC batch process fleet',
      stackName: 'ARC-batch-stack',
      stackDisplayName: 'ARC batch process stack',
      stackDescription: 'ARC batch process stack',
    });
    template.hasResourceProperties('AWS::AppStream::Fleet', { Name: 'ARC-batch-fleet', DisplayName: 'ARC batch process fleet', Description: 'ARC batch process fleet' });
    template.hasResourceProperties('AWS::AppStream::Stack', { Name: 'ARC-batch-stack', DisplayName: 'ARC batch process stack', Description: 'ARC batch process stack' });
    template.hasResourceProperties('AWS::AppStream::StackFleetAssociation', { FleetName: 'ARC-batch-fleet', StackName: 'ARC-batch-stack' });
    expect([desktop.fleetName, desktop.stackName]).toEqual(['ARC-batch-fleet', 'ARC-batch-stack']);
  });

  test('home folders can be turned off', () => {
    synth({ homeFolders: false }).template.hasResourceProperties('AWS::AppStream::Stack', { StorageConnectors: Match.absent() });
  });

  test('every user setting can be changed; omitted ones keep their default', () => {
    const { template } = synth({
      userSettings: {
        clipboardCopyFromLocalDevice: false,
        clipboardCopyToLocalDevice: true,
        fileUpload: false,
        fileDownload: true,
        printingToLocalDevice: true,
        domainPasswordSignIn: false,
        domainSmartCardSignIn: true,
      },
    });
    template.hasResourceProperties('AWS::AppStream::Stack', {
      UserSettings: [
        { Action: 'CLIPBOARD_COPY_FROM_LOCAL_DEVICE', Permission: 'DISABLED' },
        { Action: 'CLIPBOARD_COPY_TO_LOCAL_DEVICE', Permission: 'ENABLED' },
        { Action: 'FILE_UPLOAD', Permission: 'DISABLED' },
        { Action: 'FILE_DOWNLOAD', Permission: 'ENABLED' },
        { Action: 'PRINTING_TO_LOCAL_DEVICE', Permission: 'ENABLED' },
        { Action: 'DOMAIN_PASSWORD_SIGNIN', Permission: 'DISABLED' },
        { Action: 'DOMAIN_SMART_CARD_SIGNIN', Permission: 'ENABLED' },
      ],
    });
    const partial = synth({ userSettings: { fileDownload: true } }).template;
    const settings = Object.values(partial.findResources('AWS::AppStream::Stack'))[0].Properties.UserSettings;
    expect(settings.filter((setting: { Permission: string }) => setting.Permission === 'ENABLED').map((setting: { Action: string }) => setting.Action))
      .toEqual(['CLIPBOARD_COPY_FROM_LOCAL_DEVICE', 'FILE_UPLOAD', 'FILE_DOWNLOAD', 'DOMAIN_PASSWORD_SIGNIN']);
  });

  test('the upload bucket can be read too', () => {
    const { uploadBucket, stack } = fixture();
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', vpc: new ec2.Vpc(stack, 'Vpc'), reportsBucket: s3.Bucket.fromBucketName(stack, 'ImportedReports', 'reports'), uploadBucket });
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::reports${suffix}`]] });
    expect(policyStatements(Template.fromStack(stack))).toEqual([
      { Sid: 'ReadPipelineObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [arn('/*'), objectsOf(/^Uploads/)] },
      { Sid: 'ListPipelineBuckets', Effect: 'Allow', Action: 's3:ListBucket', Resource: [arn(''), getAtt(/^Uploads/, 'Arn')] },
    ]);
  });

  test('KMS-encrypted buckets: kms:Decrypt on their keys through S3 only, each key once', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    const key = new kms.Key(stack, 'BucketKey');
    const reportsBucket = new s3.Bucket(stack, 'Reports', { encryptionKey: key });
    const uploadBucket = new s3.Bucket(stack, 'Uploads', { encryptionKey: key });
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket, uploadBucket });
    expect(policyStatements(Template.fromStack(stack))).toEqual([
      { Sid: 'ReadPipelineObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [objectsOf(/^Reports/), objectsOf(/^Uploads/)] },
      { Sid: 'ListPipelineBuckets', Effect: 'Allow', Action: 's3:ListBucket', Resource: [getAtt(/^Reports/, 'Arn'), getAtt(/^Uploads/, 'Arn')] },
      {
        Sid: 'DecryptPipelineObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: getAtt(/^BucketKey/, 'Arn'),
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-2.amazonaws.com' } },
      },
    ]);
  });

  test('file system access: ClientMount only, through the access point, and NFS through the network', () => {
    const { stack, network, reportsBucket } = fixture();
    const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc: network.vpc, securityGroup: network.fileSystemSecurityGroup });
    const accessPoint = fileSystem.addAccessPoint('AccessPoint');
    const desktop = new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket, fileSystemAccessPoint: accessPoint });
    const template = Template.fromStack(stack);
    expect(policyStatements(template)[2]).toEqual({
      Sid: 'MountFileSystemReadOnly',
      Effect: 'Allow',
      Action: 'elasticfilesystem:ClientMount',
      Resource: getAtt(/^FileSystem/, 'Arn'),
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': Stack.of(desktop).resolve(accessPoint.accessPointArn) } },
    });
    expect(policyStatements(template)).toHaveLength(3);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: attOf('DesktopSecurityGroup', 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      DestinationSecurityGroupId: attOf('NetworkFileSystemSecurityGroup', 'GroupId'),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: attOf('NetworkFileSystemSecurityGroup', 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      SourceSecurityGroupId: attOf('DesktopSecurityGroup', 'GroupId'),
    });
  });

  test('file system access without a network: NFS to the file system security group', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const fileSystem = efs.FileSystem.fromFileSystemAttributes(stack, 'FileSystem', {
      fileSystemId: 'fs-12345678', securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'FileSystemSecurityGroup', 'sg-12345678'),
    });
    const accessPoint = efs.AccessPoint.fromAccessPointAttributes(stack, 'AccessPoint', { accessPointId: 'fsap-1234567890abcdef0', fileSystem });
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'), fileSystemAccessPoint: accessPoint });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: attOf('DesktopSecurityGroup', 'GroupId'), FromPort: 2049, ToPort: 2049, DestinationSecurityGroupId: 'sg-12345678' });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-12345678', FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: attOf('DesktopSecurityGroup', 'GroupId') });
    const partition = { Ref: 'AWS::Partition' };
    expect(policyStatements(template)[2]).toEqual({
      Sid: 'MountFileSystemReadOnly',
      Effect: 'Allow',
      Action: 'elasticfilesystem:ClientMount',
      Resource: { 'Fn::Join': ['', ['arn:', partition, ':elasticfilesystem:eu-west-2:123456789012:file-system/fs-12345678']] },
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': { 'Fn::Join': ['', ['arn:', partition, ':elasticfilesystem:eu-west-2:123456789012:access-point/fsap-1234567890abcdef0']] } } },
    });
  });

  test('a VPC without a network: its private subnets with egress', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports') });
    Template.fromStack(stack).hasResourceProperties('AWS::AppStream::Fleet', {
      VpcConfig: { SubnetIds: [refTo('VpcPrivateSubnet1'), refTo('VpcPrivateSubnet2')], SecurityGroupIds: Match.anyValue() },
    });
  });

  test('a VPC with isolated subnets only: its isolated subnets', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports') });
    Template.fromStack(stack).hasResourceProperties('AWS::AppStream::Fleet', {
      VpcConfig: { SubnetIds: [refTo('VpcIsolatedSubnet1'), refTo('VpcIsolatedSubnet2')], SecurityGroupIds: Match.anyValue() },
    });
  });

  test('given subnets', () => {
    const { stack, network, reportsBucket } = fixture();
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket, subnets: { subnets: [network.vpc.privateSubnets[0]] } });
    Template.fromStack(stack).hasResourceProperties('AWS::AppStream::Fleet', { VpcConfig: { SubnetIds: [refTo('NetworkVpcPrivateSubnet1')], SecurityGroupIds: Match.anyValue() } });
  });

  test('a given S3 prefix list id needs no lookup and no concrete environment', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports'), s3PrefixListId: 'pl-7ca54015' });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', { DestinationPrefixListId: 'pl-7ca54015', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' });
  });

  test('the desktop can be granted more, like any grantable', () => {
    const { stack, network, reportsBucket } = fixture();
    const desktop = new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket });
    new s3.Bucket(stack, 'Extra').grantRead(desktop);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: Stack.of(desktop).resolve((desktop.role.node.defaultChild as iam.CfnRole).ref).Ref }] });
  });

  test('warns that egress PUBLIC_SUBNETS in an existing VPC may leave the private subnets without a route to S3', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', {
      natGateways: 0,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const network = new PipelineNetwork(stack, 'Network', { vpc, egress: EgressMode.PUBLIC_SUBNETS });
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports') });
    Annotations.fromStack(stack).hasWarning('/Test/Desktop', Match.stringLikeRegexp('^In egress mode PUBLIC_SUBNETS the private subnets have no NAT gateway, and the pipeline network created no S3 gateway endpoint'));
  });

  test.each([EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS, EgressMode.PUBLIC_SUBNETS])('does not warn with egress %s in a new VPC, whose private subnets have an S3 gateway endpoint', (egress) => {
    const { stack } = synth({}, egress);
    Annotations.fromStack(stack).hasNoWarning('/Test/Desktop', Match.anyValue());
  });

  test('unresolved values are passed through unchecked', () => {
    const token = Lazy.string({ produce: () => 'from-a-token' });
    const { template } = synth({ imageName: token, instanceType: Lazy.string({ produce: () => 'stream.standard.large' }), fleetName: Lazy.string({ produce: () => 'fleet' }), desiredCapacity: Lazy.number({ produce: () => 2 }) });
    template.hasResourceProperties('AWS::AppStream::Fleet', { ImageName: 'from-a-token', InstanceType: 'stream.standard.large', Name: 'fleet', ComputeCapacity: { DesiredInstances: 2 } });
  });
});

describe('QualityControlDesktop validation', () => {
  const imageHelp = "QualityControlDesktop 'Desktop': 'imageName' is required: AppStream 2.0 streams a desktop from an image you create first. "
    + 'In the AppStream 2.0 console open Images > Image builder, launch an image builder from a base image, connect to it, '
    + 'install the quality-control tools, create the image with Image Assistant and wait until it is Available under Images > Image registry, '
    + "then pass its name as 'imageName'";

  test.each([undefined, '', '   '])('fails without an image name (%p) and explains how to create an image', (imageName) => {
    expect(build({ imageName: imageName as unknown as string })).toThrow(imageHelp);
  });

  test.each(['my image', '-image', 'a'.repeat(102), 'image/1'])('fails with the image name %p', (imageName) => {
    expect(build({ imageName })).toThrow(`QualityControlDesktop 'Desktop': 'imageName' ${JSON.stringify(imageName)} is not valid; allowed: 1-101 letters, digits, '_', '.' and '-', starting with a letter or digit, the name of an image under Images > Image registry in the AppStream 2.0 console`);
  });

  test.each(['t3.medium', 'stream.standard', 'stream.Standard.medium', 'stream..medium', 'stream.standard.medium '])('fails with the instance type %p', (instanceType) => {
    expect(build({ instanceType })).toThrow(`QualityControlDesktop 'Desktop': 'instanceType' ${JSON.stringify(instanceType)} is not valid; allowed: stream.<family>.<size>, such as stream.standard.medium or stream.graphics.g4dn.xlarge`);
  });

  test.each([0, -1, 1.5])('fails with a desired capacity of %p', (desiredCapacity) => {
    expect(build({ desiredCapacity })).toThrow(`QualityControlDesktop 'Desktop': 'desiredCapacity' ${desiredCapacity} is not valid; allowed: a whole number of at least 1`);
  });

  test.each([1, 59, 36001, 60.5])('fails with an idle disconnect timeout of %p seconds', (seconds) => {
    expect(build({ idleDisconnectTimeout: Duration.seconds(seconds) })).toThrow(`QualityControlDesktop 'Desktop': 'idleDisconnectTimeout' ${seconds} seconds is not valid; allowed: 0 (never disconnect idle users) or 60-36000 whole seconds`);
  });

  test.each([0, 59, 360001])('fails with a disconnect timeout of %p seconds', (seconds) => {
    expect(build({ disconnectTimeout: Duration.seconds(seconds) })).toThrow(`QualityControlDesktop 'Desktop': 'disconnectTimeout' ${seconds} seconds is not valid; allowed: 60-360000 whole seconds`);
  });

  test.each([0, 599, 432001])('fails with a maximum session duration of %p seconds', (seconds) => {
    expect(build({ maxSessionDuration: Duration.seconds(seconds) })).toThrow(`QualityControlDesktop 'Desktop': 'maxSessionDuration' ${seconds} seconds is not valid; allowed: 600-432000 whole seconds (10 minutes to 5 days)`);
  });

  test('fails with a maximum session of 6 days, counted in seconds', () => {
    expect(build({ maxSessionDuration: Duration.days(6) })).toThrow("QualityControlDesktop 'Desktop': 'maxSessionDuration' 518400 seconds is not valid");
  });

  test.each([['fleetName', 'my fleet'], ['fleetName', '_fleet'], ['stackName', 'stack!'], ['stackName', 'x'.repeat(102)]])('fails with %s %p', (prop, name) => {
    expect(build({ [prop]: name })).toThrow(`QualityControlDesktop 'Desktop': '${prop}' ${JSON.stringify(name)} is not valid; allowed: 1-101 letters, digits, '_', '.' and '-', starting with a letter or digit`);
  });

  test.each([['fleetDisplayName', 100], ['stackDisplayName', 100], ['fleetDescription', 256], ['stackDescription', 256]])('fails when %s is longer than %p characters', (prop, max) => {
    expect(build({ [prop as string]: 'x'.repeat(max as number) })).not.toThrow();
    expect(build({ [prop as string]: 'x'.repeat((max as number) + 1) })).toThrow(`QualityControlDesktop 'Desktop': '${prop}' is ${(max as number) + 1} characters long; allowed: at most ${max} characters`);
  });

  test('fails with both a network and a VPC', () => {
    const { stack, network, reportsBucket } = fixture();
    expect(() => new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, vpc: network.vpc, reportsBucket }))
      .toThrow("QualityControlDesktop 'Desktop': both 'network' and 'vpc' were given; allowed: one of them ('vpc' only when not using a pipeline network)");
  });

  test('fails with neither a network nor a VPC', () => {
    const { stack, reportsBucket } = fixture();
    expect(() => new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', reportsBucket }))
      .toThrow("QualityControlDesktop 'Desktop': neither 'network' nor 'vpc' was given; allowed: a pipeline network or a VPC with private subnets");
  });

  test('fails with public subnets', () => {
    expect(build({ subnets: { subnetType: ec2.SubnetType.PUBLIC } }))
      .toThrow("QualityControlDesktop 'Desktop': 'subnets' selects 2 public subnet(s); allowed: private subnets only, the fleet has no internet access");
  });

  test('fails when the subnets select nothing', () => {
    expect(build({ subnets: { subnets: [] } }))
      .toThrow("QualityControlDesktop 'Desktop': 'subnets' selects no subnet of the VPC; allowed: a selection of one or more private subnets");
  });

  test.each(['pl-', 'prefix', 'pl-XYZ12345', 'sg-12345678'])('fails with the S3 prefix list id %p', (s3PrefixListId) => {
    expect(build({ s3PrefixListId })).toThrow(`QualityControlDesktop 'Desktop': 's3PrefixListId' ${JSON.stringify(s3PrefixListId)} is not valid; allowed: a prefix list id such as pl-7ca54015`);
  });

  test('fails to look up the S3 prefix list in an environment-agnostic stack', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    expect(() => new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', vpc, reportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'reports') })).toThrow(
      "QualityControlDesktop 'Desktop': cannot look up the S3 prefix list in a stack without a concrete account and region; "
      + "allowed: give the stack an 'env', or pass 's3PrefixListId' (aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3)");
  });
});

describe('QualityControlDesktop is opt-in', () => {
  test('importing the package creates nothing: a pipeline network alone has no AppStream resource, role or desktop security group', () => {
    const stack = testStack();
    new PipelineNetwork(stack, 'Network');
    const types = Object.values(Template.fromStack(stack).toJSON().Resources).map((resource) => (resource as { Type: string }).Type);
    expect(types.filter((type) => type.startsWith('AWS::AppStream::'))).toEqual([]);
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('appstream');
  });
});
