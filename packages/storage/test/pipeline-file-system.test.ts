import { PipelineNetwork } from '@batch-pipeline/network';
import { testStack } from '@batch-pipeline/test-support';
import { Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { PipelineFileSystem, PipelineFileSystemProps } from '../src';

function withNetwork(props: PipelineFileSystemProps = {}): { stack: Stack; network: PipelineNetwork; files: PipelineFileSystem; template: Template } {
  const stack = testStack();
  const network = new PipelineNetwork(stack, 'Network');
  const files = new PipelineFileSystem(stack, 'Files', { network, ...props });
  return { stack, network, files, template: Template.fromStack(stack) };
}

function isolatedVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
}

function role(stack: Stack): iam.Role {
  return new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
}

describe('PipelineFileSystem defaults (in a PipelineNetwork)', () => {
  const { files, network, template } = withNetwork();

  test('is encrypted, general purpose, with elastic throughput', () => {
    template.hasResourceProperties('AWS::EFS::FileSystem', {
      Encrypted: true,
      KmsKeyId: Match.absent(),
      PerformanceMode: 'generalPurpose',
      ThroughputMode: 'elastic',
      ProvisionedThroughputInMibps: Match.absent(),
    });
  });

  test('moves files to Infrequent Access after 7 days and back on first access', () => {
    template.hasResourceProperties('AWS::EFS::FileSystem', {
      LifecyclePolicies: [{ TransitionToIA: 'AFTER_7_DAYS' }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }],
    });
  });

  test('has automatic backups on and is retained when the stack is deleted', () => {
    template.hasResource('AWS::EFS::FileSystem', {
      Properties: { BackupPolicy: { Status: 'ENABLED' } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('denies every request without TLS and grants nothing to anonymous clients', () => {
    const fileSystem = Object.values(template.findResources('AWS::EFS::FileSystem'))[0];
    expect(fileSystem.Properties.FileSystemPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'DenyWithoutTls',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }],
    });
  });

  test('puts one mount target in each private subnet of the network, with the network file-system security group', () => {
    const mountTargets = Object.values(template.findResources('AWS::EFS::MountTarget'));
    expect(mountTargets).toHaveLength(2);
    for (const mountTarget of mountTargets) {
      expect(mountTarget.Properties.SubnetId.Ref).toMatch(/^NetworkVpcPrivateSubnet/);
      expect(mountTarget.Properties.SecurityGroups).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^NetworkFileSystemSecurityGroup/), 'GroupId'] }]);
    }
    expect(files.securityGroup).toBe(network.fileSystemSecurityGroup);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
  });

  test('has one access point rooted at /pipeline, created as 1000:1000 with 750, running as 1000:1000', () => {
    template.resourceCountIs('AWS::EFS::AccessPoint', 1);
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      RootDirectory: { Path: '/pipeline', CreationInfo: { OwnerUid: '1000', OwnerGid: '1000', Permissions: '750' } },
      PosixUser: { Uid: '1000', Gid: '1000' },
    });
    expect(files.rootDirectory).toBe('/pipeline');
    expect(files.posixUid).toBe(1000);
    expect(files.posixGid).toBe(1000);
  });

  test('exposes the connections of the mount targets on the NFS port', () => {
    expect(files.connections.securityGroups).toEqual([network.fileSystemSecurityGroup]);
    expect(files.connections.defaultPort?.toString()).toBe('2049');
  });
});

describe('PipelineFileSystem grants', () => {
  test('grantReadWrite allows mount and write only through the access point and a mount target', () => {
    // Given a file system, when a job role is granted read and write
    const { stack, files } = (() => {
      const s = testStack();
      return { stack: s, files: new PipelineFileSystem(s, 'Files', { network: new PipelineNetwork(s, 'Network') }) };
    })();
    files.grantReadWrite(role(stack));
    // Then the role may mount and write, with the access point and mount target as conditions
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FilesFileSystem'), 'Arn'] },
          Condition: {
            Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
            StringEquals: { 'elasticfilesystem:AccessPointArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
          },
        }],
      },
    });
    // And the file-system policy still grants nothing to anyone
    const fileSystem = Object.values(template.findResources('AWS::EFS::FileSystem'))[0];
    expect(fileSystem.Properties.FileSystemPolicy.Statement).toHaveLength(1);
  });

  test('grantRead allows mount only, and never root access', () => {
    const stack = testStack();
    const files = new PipelineFileSystem(stack, 'Files', { network: new PipelineNetwork(stack, 'Network') });
    files.grantRead(role(stack));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'elasticfilesystem:ClientMount' })] },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('ClientRootAccess');
  });

  test('a grant through the L2 file system does not add an allow for every principal, even with the deny-anonymous feature flag', () => {
    const stack = testStack();
    stack.node.setContext('@aws-cdk/aws-efs:denyAnonymousAccess', true);
    const files = new PipelineFileSystem(stack, 'Files', { network: new PipelineNetwork(stack, 'Network') });
    files.fileSystem.grantRead(role(stack));
    const fileSystem = Object.values(Template.fromStack(stack).findResources('AWS::EFS::FileSystem'))[0];
    expect(fileSystem.Properties.FileSystemPolicy.Statement).toEqual([expect.objectContaining({ Sid: 'DenyWithoutTls' })]);
  });
});

describe('PipelineFileSystem options', () => {
  test('allowed security groups reach the network file-system security group over NFS', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    const desktop = new ec2.SecurityGroup(stack, 'Desktop', { vpc: network.vpc, allowAllOutbound: false });
    new PipelineFileSystem(stack, 'Files', { network, allowedSecurityGroups: [desktop] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFileSystemSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Desktop'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Desktop'), 'GroupId'] },
    });
  });

  test('an existing VPC gets a new security group with no ingress but from allowed security groups and no egress', () => {
    // Given an existing VPC with public and isolated subnets and a desktop security group
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    const desktop = new ec2.SecurityGroup(stack, 'Desktop', { vpc, allowAllOutbound: false });
    // When the file system is created in it and more access is allowed later
    const files = new PipelineFileSystem(stack, 'Files', { vpc, allowedSecurityGroups: [desktop] });
    const job = new ec2.SecurityGroup(stack, 'Job', { vpc });
    files.allowAccessFrom(job);
    // Then mount targets are only in the isolated subnets, behind the new security group
    const template = Template.fromStack(stack);
    for (const mountTarget of Object.values(template.findResources('AWS::EFS::MountTarget'))) {
      expect(mountTarget.Properties.SubnetId.Ref).toMatch(/^VpcIsolatedSubnet/);
      expect(mountTarget.Properties.SecurityGroups).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^FilesSecurityGroup/), 'GroupId'] }]);
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'EFS mount targets of the batch pipeline: NFS from allowed security groups only',
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({ FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^Desktop/), 'GroupId'] } }),
      expect.objectContaining({ FromPort: 2049, ToPort: 2049, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^Job/), 'GroupId'] } }),
    ]);
  });

  test('existing subnets and security group are used as given', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    const securityGroup = new ec2.SecurityGroup(stack, 'Existing', { vpc, allowAllOutbound: false });
    const files = new PipelineFileSystem(stack, 'Files', { vpc, vpcSubnets: { subnetGroupName: 'Isolated' }, securityGroup });
    const template = Template.fromStack(stack);
    expect(files.securityGroup).toBe(securityGroup);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.resourceCountIs('AWS::EFS::MountTarget', vpc.isolatedSubnets.length);
  });

  test('provisioned throughput, KMS key, lifecycle, backups and removal policy are configurable', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    new PipelineFileSystem(stack, 'Files', {
      network: new PipelineNetwork(stack, 'Network'),
      throughputMode: efs.ThroughputMode.PROVISIONED,
      provisionedThroughputMiBps: 1,
      encryptionKey: key,
      transitionToInfrequentAccess: efs.LifecyclePolicy.AFTER_30_DAYS,
      automaticBackups: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Template.fromStack(stack).hasResource('AWS::EFS::FileSystem', {
      Properties: {
        ThroughputMode: 'provisioned',
        ProvisionedThroughputInMibps: 1,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        LifecyclePolicies: [{ TransitionToIA: 'AFTER_30_DAYS' }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }],
        BackupPolicy: Match.absent(),
      },
      DeletionPolicy: 'Delete',
    });
  });

  test('bursting throughput can be chosen', () => {
    withNetwork({ throughputMode: efs.ThroughputMode.BURSTING }).template.hasResourceProperties('AWS::EFS::FileSystem', { ThroughputMode: 'bursting' });
  });

  test('the access point root directory, POSIX user and permissions are configurable', () => {
    const { files, template } = withNetwork({ rootDirectory: '/data/pipeline', posixUid: 2000, posixGid: 3000, rootDirectoryPermissions: '0755' });
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      RootDirectory: { Path: '/data/pipeline', CreationInfo: { OwnerUid: '2000', OwnerGid: '3000', Permissions: '0755' } },
      PosixUser: { Uid: '2000', Gid: '3000' },
    });
    expect([files.rootDirectory, files.posixUid, files.posixGid]).toEqual(['/data/pipeline', 2000, 3000]);
  });

  test('unresolved values are not checked', () => {
    expect(() => withNetwork({
      rootDirectory: Lazy.string({ produce: () => 'relative' }),
      throughputMode: efs.ThroughputMode.PROVISIONED,
      provisionedThroughputMiBps: Lazy.number({ produce: () => 0 }),
    })).not.toThrow();
  });
});

describe('PipelineFileSystem validation', () => {
  test('fails when neither a network nor a VPC is given', () => {
    const stack = testStack();
    expect(() => new PipelineFileSystem(stack, 'Files')).toThrow(
      "PipelineFileSystem 'Files': neither 'network' nor 'vpc' was given; allowed: either 'network', or 'vpc' with optional 'vpcSubnets' and 'securityGroup'",
    );
  });

  test('fails when subnets or a security group are given without a VPC', () => {
    const stack = testStack();
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678');
    expect(() => new PipelineFileSystem(stack, 'Files', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroup })).toThrow(
      "PipelineFileSystem 'Files': neither 'network' nor 'vpc' was given ('vpcSubnets', 'securityGroup' given without 'vpc'); allowed: either 'network', or 'vpc' with optional 'vpcSubnets' and 'securityGroup'",
    );
  });

  test('fails when a network and a VPC, subnets or security group are both given', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    expect(() => new PipelineFileSystem(stack, 'Files', { network, vpc: network.vpc, securityGroup: network.jobSecurityGroup })).toThrow(
      "PipelineFileSystem 'Files': 'network' and 'vpc', 'securityGroup' were both given; allowed: either 'network', or 'vpc' with optional 'vpcSubnets' and 'securityGroup'",
    );
  });

  test('fails when the subnets are public', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    expect(() => new PipelineFileSystem(stack, 'Files', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } })).toThrow(
      "PipelineFileSystem 'Files': 'vpcSubnets' selects public subnets, which is not valid; allowed: private or isolated subnets only, such as { subnetType: SubnetType.PRIVATE_ISOLATED }",
    );
  });

  test('fails when provisioned throughput is missing in PROVISIONED mode', () => {
    expect(() => withNetwork({ throughputMode: efs.ThroughputMode.PROVISIONED })).toThrow(
      "PipelineFileSystem 'Files': 'provisionedThroughputMiBps' is required with 'throughputMode' PROVISIONED; allowed: a positive number of MiB/s, such as 1",
    );
  });

  test.each([0, -5, Number.NaN])('fails when provisioned throughput is %p', (provisionedThroughputMiBps) => {
    expect(() => withNetwork({ throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputMiBps })).toThrow(
      `PipelineFileSystem 'Files': 'provisionedThroughputMiBps' ${provisionedThroughputMiBps} is not valid; allowed: a positive number of MiB/s, such as 1`,
    );
  });

  test('fails when provisioned throughput is given in another mode', () => {
    expect(() => withNetwork({ provisionedThroughputMiBps: 10 })).toThrow(
      "PipelineFileSystem 'Files': 'provisionedThroughputMiBps' 10 is not valid with 'throughputMode' ELASTIC; allowed: only with 'throughputMode' PROVISIONED",
    );
    expect(() => withNetwork({ throughputMode: efs.ThroughputMode.BURSTING, provisionedThroughputMiBps: 10 })).toThrow(
      "PipelineFileSystem 'Files': 'provisionedThroughputMiBps' 10 is not valid with 'throughputMode' BURSTING; allowed: only with 'throughputMode' PROVISIONED",
    );
  });

  test.each(['pipeline', '/', '/pipeline/', '/.hidden', '/a/b/c/d/e', '/with space', `/${'a'.repeat(100)}`])('fails when the root directory is %p', (rootDirectory) => {
    expect(() => withNetwork({ rootDirectory })).toThrow(
      `PipelineFileSystem 'Files': 'rootDirectory' ${rootDirectory} is not valid; allowed: an absolute path of 1 to 4 directories of letters, digits, '.', '_' and '-' (none starting with '.'), at most 100 characters, such as /pipeline`,
    );
  });

  test.each([
    ['posixUid', -1],
    ['posixUid', 1.5],
    ['posixGid', 4294967296],
  ])('fails when %s is %p', (prop, value) => {
    expect(() => withNetwork({ [prop]: value })).toThrow(
      `PipelineFileSystem 'Files': '${prop}' ${value} is not valid; allowed: a whole number from 0 to 4294967295`,
    );
  });

  test.each(['777x', '75', '0800', 'rwx'])('fails when the root directory permissions are %p', (rootDirectoryPermissions) => {
    expect(() => withNetwork({ rootDirectoryPermissions })).toThrow(
      `PipelineFileSystem 'Files': 'rootDirectoryPermissions' ${rootDirectoryPermissions} is not valid; allowed: 3 or 4 octal digits, such as '750' or '0755'`,
    );
  });
});
