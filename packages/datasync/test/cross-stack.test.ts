import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import { EfsLocation, StageInTransfer, StageOutTransfer } from '../src';
import { fixturesAndTestStack, synthesizeBoth } from './fixtures';
import { cfn, resourceStartingWith } from './helpers';

/** The logical ids of the stack's NFS ingress rules whose source is the given group (in that stack). */
function ingressRulesFrom(template: Template, sourceGroupPrefix: string): Record<string, any> {
  return Object.fromEntries(Object.entries(template.findResources('AWS::EC2::SecurityGroupIngress'))
    .filter(([, rule]) => rule.Properties.FromPort === 2049 && String(rule.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0]).startsWith(sourceGroupPrefix)));
}

describe('the transfers in a pipeline stack over a shared network and file system stack', () => {
  // Given the network, buckets and file system in one stack, and the transfers in another
  const { fixtures: f, stack } = fixturesAndTestStack();
  const stageIn = new StageInTransfer(stack, 'StageIn', {
    network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint,
  });
  const stageOut = new StageOutTransfer(stack, 'StageOut', {
    network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationBucket: f.reports, destinationPrefix: 'reports/',
  });
  // When the app is synthesized
  const templates = synthesizeBoth(f.stack, stack);

  test('both stacks synthesize, the transfers stack depending on the shared one only', () => {
    expect(stack.dependencies).toEqual([f.stack]);
    expect(f.stack.dependencies).toEqual([]);
    expect(JSON.stringify(templates.fixtures.toJSON())).not.toContain('Fn::ImportValue');
  });

  test.each([
    ['stage in', 'StageInDestinationSecurityGroup', () => stageIn.destinationLocation.securityGroup],
    ['stage out', 'StageOutSourceSecurityGroup', () => stageOut.sourceLocation.securityGroup],
  ])('the file system security group lets the %s group in over NFS, and that group allows NFS out, both in the transfers stack', (_, prefix, group) => {
    const fileSystemGroup = cfn(stack, f.network.fileSystemSecurityGroup.securityGroupId);
    expect(fileSystemGroup).toEqual({ 'Fn::ImportValue': expect.stringContaining('NetworkFileSystemSecurityGroup') });
    expect(Object.values(ingressRulesFrom(templates.test, prefix)).map((rule) => rule.Properties)).toEqual([{
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: fileSystemGroup,
      SourceSecurityGroupId: cfn(stack, group().securityGroupId),
      Description: 'NFS from a pipeline component',
    }]);
    templates.test.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: cfn(stack, group().securityGroupId),
      DestinationSecurityGroupId: fileSystemGroup,
      Description: 'NFS to the pipeline file system',
    });
  });

  test('each EFS location is created after the rules that let DataSync reach the mount targets', () => {
    for (const [location, prefix] of [['StageInDestination', 'StageInDestinationSecurityGroup'], ['StageOutSource', 'StageOutSourceSecurityGroup']]) {
      const rules = Object.keys(ingressRulesFrom(templates.test, prefix));
      expect(rules).toHaveLength(1);
      const dependsOn: string[] = resourceStartingWith(templates.test, 'AWS::DataSync::LocationEFS', location).DependsOn;
      expect(dependsOn).toEqual(expect.arrayContaining(rules));
    }
  });
});

describe('an EfsLocation in a plain VPC, in another stack than the file system', () => {
  // Given a file system with its own security group in the shared stack, and a location over it in another
  const { fixtures: f, stack } = fixturesAndTestStack();
  const fileSystem = new efs.FileSystem(f.stack, 'OwnFileSystem', { vpc: f.network.vpc, vpcSubnets: f.network.privateSubnets });
  const accessPoint = fileSystem.addAccessPoint('AccessPoint');
  const location = new EfsLocation(stack, 'Location', { vpc: f.network.vpc, fileSystem, accessPoint });
  // When the app is synthesized
  const templates = synthesizeBoth(f.stack, stack);

  test('both stacks synthesize, the location stack depending on the shared one only', () => {
    expect(stack.dependencies).toEqual([f.stack]);
    expect(f.stack.dependencies).toEqual([]);
  });

  test('the NFS rules between the location group and the file system group are in the location stack', () => {
    const fileSystemGroup = cfn(stack, (fileSystem.connections.securityGroups[0] as ec2.ISecurityGroup).securityGroupId);
    expect(fileSystemGroup).toEqual({ 'Fn::ImportValue': expect.stringContaining('OwnFileSystemEfsSecurityGroup') });
    templates.test.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      ToPort: 2049,
      GroupId: fileSystemGroup,
      SourceSecurityGroupId: cfn(stack, location.securityGroup.securityGroupId),
      Description: 'NFS from DataSync',
    });
    templates.test.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 2049,
      ToPort: 2049,
      GroupId: cfn(stack, location.securityGroup.securityGroupId),
      DestinationSecurityGroupId: fileSystemGroup,
      Description: 'NFS from DataSync',
    });
  });
});
