import { testStack } from '@batch-pipeline/test-support';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import { EfsLocation, LocationAccess, LocationKind } from '../src';
import { fixtures } from './fixtures';
import { DATASYNC_TRUST, cfn, managedPolicyStatements, resourceStartingWith } from './helpers';

describe('EfsLocation with the pipeline network', () => {
  const f = fixtures();
  const location = new EfsLocation(f.stack, 'Location', { network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint });
  const template = Template.fromStack(f.stack);
  const stack = f.stack;

  test('mounts through the access point with IAM authorization and TLS 1.2, at the access point root', () => {
    template.hasResourceProperties('AWS::DataSync::LocationEFS', {
      EfsFilesystemArn: cfn(stack, f.fileSystem.fileSystemArn),
      AccessPointArn: cfn(stack, f.accessPoint.accessPointArn),
      FileSystemAccessRoleArn: cfn(stack, location.fileSystemAccessRole.roleArn),
      InTransitEncryption: 'TLS1_2',
      Subdirectory: '/',
    });
    expect(location.kind).toBe(LocationKind.EFS);
    expect(location.access).toBe(LocationAccess.READ_ONLY);
    expect(location.roleToPassOnStart).toBe(location.fileSystemAccessRole);
  });

  test('puts the network interfaces in the first private subnet of the network, with a new security group', () => {
    const firstPrivate = f.network.vpc.selectSubnets(f.network.privateSubnets).subnetIds[0];
    template.hasResourceProperties('AWS::DataSync::LocationEFS', {
      Ec2Config: {
        SubnetArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-2:123456789012:subnet/', cfn(stack, firstPrivate)]] },
        SecurityGroupArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-2:123456789012:security-group/', cfn(stack, location.securityGroup.securityGroupId)]] }],
      },
    });
  });

  test('the new security group has no ingress and only NFS out to the file system security group, which lets it in', () => {
    const group = resourceStartingWith(template, 'AWS::EC2::SecurityGroup', 'LocationSecurityGroup');
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toBeUndefined();
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .filter((rule) => JSON.stringify(rule.Properties.GroupId).includes('LocationSecurityGroup'));
    expect(egress.map((rule) => rule.Properties)).toEqual([{
      Description: 'NFS to the pipeline file system',
      DestinationSecurityGroupId: cfn(stack, f.network.fileSystemSecurityGroup.securityGroupId),
      FromPort: 2049,
      ToPort: 2049,
      IpProtocol: 'tcp',
      GroupId: cfn(stack, location.securityGroup.securityGroupId),
    }]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      ToPort: 2049,
      IpProtocol: 'tcp',
      GroupId: cfn(stack, f.network.fileSystemSecurityGroup.securityGroupId),
      SourceSecurityGroupId: cfn(stack, location.securityGroup.securityGroupId),
    });
  });

  test('the role can be assumed only by DataSync and may only mount the file system through the access point', () => {
    expect(resourceStartingWith(template, 'AWS::IAM::Role', 'LocationFileSystemAccessRole').Properties.AssumeRolePolicyDocument.Statement).toEqual(DATASYNC_TRUST);
    expect(managedPolicyStatements(template, 'LocationFileSystemAccessRolePolicy')).toEqual([{
      Effect: 'Allow',
      Action: 'elasticfilesystem:ClientMount',
      Resource: cfn(stack, f.fileSystem.fileSystemArn),
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': cfn(stack, f.accessPoint.accessPointArn) } },
    }]);
  });

  test('the location waits for its policy, the mount targets and its security group', () => {
    const dependsOn: string[] = resourceStartingWith(template, 'AWS::DataSync::LocationEFS', 'Location').DependsOn;
    expect(dependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^LocationFileSystemAccessRolePolicy/),
      expect.stringMatching(/^FileSystemEfsMountTarget/),
      expect.stringMatching(/^LocationSecurityGroup/),
    ]));
  });
});

describe('EfsLocation options', () => {
  test('read-write adds ClientWrite, rootAccess adds ClientRootAccess, subdirectory is normalized', () => {
    const f = fixtures();
    new EfsLocation(f.stack, 'Location', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      access: LocationAccess.READ_WRITE,
      rootAccess: true,
      subdirectory: 'inputs',
    });
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::DataSync::LocationEFS', { Subdirectory: '/inputs/' });
    expect(managedPolicyStatements(template, 'LocationFileSystemAccessRolePolicy')).toEqual([{
      Effect: 'Allow',
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess'],
      Resource: cfn(f.stack, f.fileSystem.fileSystemArn),
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': cfn(f.stack, f.accessPoint.accessPointArn) } },
    }]);
  });

  test('with a plain VPC it uses the first private subnet and opens NFS through the file system security groups', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc });
    const accessPoint = fileSystem.addAccessPoint('AccessPoint');
    const location = new EfsLocation(stack, 'Location', { vpc, fileSystem, accessPoint });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DataSync::LocationEFS', {
      Ec2Config: { SubnetArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-2:123456789012:subnet/', cfn(stack, vpc.isolatedSubnets[0].subnetId)]] } },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      ToPort: 2049,
      Description: 'NFS from DataSync',
      SourceSecurityGroupId: cfn(stack, location.securityGroup.securityGroupId),
    });
  });

  test('an existing subnet and security group are used as is', () => {
    const stack = testStack();
    const fileSystem = efs.FileSystem.fromFileSystemAttributes(stack, 'FileSystem', {
      fileSystemId: 'fs-0123456789abcdef0',
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'MountTargets', 'sg-0aaaaaaaaaaaaaaaa'),
    });
    const accessPoint = efs.AccessPoint.fromAccessPointAttributes(stack, 'AccessPoint', { accessPointId: 'fsap-0123456789abcdef0', fileSystem });
    const subnet = ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-0123456789abcdef0');
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Group', 'sg-0bbbbbbbbbbbbbbbb');
    const location = new EfsLocation(stack, 'Location', { fileSystem, accessPoint, subnet, securityGroup });
    const template = Template.fromStack(stack);
    expect(location.securityGroup).toBe(securityGroup);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::DataSync::LocationEFS', {
      Ec2Config: {
        SubnetArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-2:123456789012:subnet/subnet-0123456789abcdef0']] },
        SecurityGroupArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-2:123456789012:security-group/sg-0bbbbbbbbbbbbbbbb']] }],
      },
    });
  });
});

describe('EfsLocation validation', () => {
  test('fails when nothing says where the network interfaces go', () => {
    const f = fixtures();
    expect(() => new EfsLocation(f.stack, 'Location', { fileSystem: f.fileSystem, accessPoint: f.accessPoint })).toThrow(
      "EfsLocation 'Location': no place for DataSync's network interfaces; give 'network', 'vpc', or both 'subnet' and 'securityGroup'",
    );
  });

  test('fails when both vpc and network are given', () => {
    const f = fixtures();
    expect(() => new EfsLocation(f.stack, 'Location', { network: f.network, vpc: f.network.vpc, fileSystem: f.fileSystem, accessPoint: f.accessPoint })).toThrow(
      "EfsLocation 'Location': 'vpc' and 'network' were both given; give one of them (the network brings its VPC)",
    );
  });

  test('fails when the VPC has no private subnet', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    const fileSystem = new efs.FileSystem(stack, 'FileSystem', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    expect(() => new EfsLocation(stack, 'Location', { vpc, fileSystem, accessPoint: fileSystem.addAccessPoint('AccessPoint') })).toThrow(
      "EfsLocation 'Location': the VPC has no private subnet for DataSync's network interfaces; give 'subnet'",
    );
  });

  test('fails when the subdirectory is not valid', () => {
    const f = fixtures();
    expect(() => new EfsLocation(f.stack, 'Location', { network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, subdirectory: '/runs/../etc' })).toThrow(
      "EfsLocation 'Location': 'subdirectory' '/runs/../etc' is not valid; allowed: a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs'",
    );
  });
});
