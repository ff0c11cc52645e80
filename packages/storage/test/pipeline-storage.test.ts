import { PipelineNetwork } from '@batch-pipeline/network';
import { testStack } from '@batch-pipeline/test-support';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PipelineStorage } from '../src';

describe('PipelineStorage defaults', () => {
  const stack = testStack();
  const network = new PipelineNetwork(stack, 'Network');
  const storage = new PipelineStorage(stack, 'Storage', { network });
  const template = Template.fromStack(stack);

  test('creates the upload bucket, the reports bucket and one access-log bucket for both', () => {
    template.resourceCountIs('AWS::S3::Bucket', 3);
    const logged = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.anyValue() } }));
    expect(logged.map((bucket) => bucket.Properties.LoggingConfiguration)).toEqual([
      { DestinationBucketName: { Ref: expect.stringMatching(/^StorageAccessLogsBucket/) }, LogFilePrefix: 'uploads/' },
      { DestinationBucketName: { Ref: expect.stringMatching(/^StorageAccessLogsBucket/) }, LogFilePrefix: 'reports/' },
    ]);
    expect(storage.uploads.accessLogsBucket).toBe(storage.accessLogsBucket);
    expect(storage.reports.accessLogsBucket).toBe(storage.accessLogsBucket);
  });

  test('creates the file system with its access point in the network', () => {
    template.resourceCountIs('AWS::EFS::FileSystem', 1);
    template.resourceCountIs('AWS::EFS::AccessPoint', 1);
    expect(storage.fileSystem.securityGroup).toBe(network.fileSystemSecurityGroup);
  });

  test('retains everything when the stack is deleted', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::EFS::FileSystem']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource.DeletionPolicy).toBe('Retain');
      }
    }
  });
});

describe('PipelineStorage options', () => {
  test('a shared key and removal policy apply to every bucket and the file system', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    new PipelineStorage(stack, 'Storage', { network: new PipelineNetwork(stack, 'Network'), encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] };
    const logged = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.anyValue() } }));
    for (const bucket of logged) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn });
    }
    expect(Object.values(template.findResources('AWS::EFS::FileSystem'))[0].Properties.KmsKeyId).toEqual(keyArn);
    for (const type of ['AWS::S3::Bucket', 'AWS::EFS::FileSystem']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource.DeletionPolicy).toBe('Delete');
      }
    }
  });

  test('options of each part are passed on and win over the shared ones', () => {
    const stack = testStack();
    const storage = new PipelineStorage(stack, 'Storage', {
      network: new PipelineNetwork(stack, 'Network'),
      removalPolicy: RemovalPolicy.DESTROY,
      uploads: { watchPrefix: 'incoming/', removalPolicy: RemovalPolicy.RETAIN },
      reports: { expiration: Duration.days(90), removalPolicy: undefined },
      fileSystem: { rootDirectory: '/runs' },
      accessLogs: { retention: Duration.days(30) },
    });
    const template = Template.fromStack(stack);
    expect(storage.uploads.watchPrefix).toBe('incoming/');
    template.hasResource('AWS::S3::Bucket', { Properties: { LoggingConfiguration: { LogFilePrefix: 'uploads/' } }, DeletionPolicy: 'Retain' });
    template.hasResource('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: { LogFilePrefix: 'reports/' }, LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90 })]) } },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'ExpireLogs', ExpirationInDays: 30 })] } });
    template.hasResourceProperties('AWS::EFS::AccessPoint', { RootDirectory: Match.objectLike({ Path: '/runs' }) });
  });

  test('an existing log bucket and an existing VPC are used instead of new ones', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const logs = s3.Bucket.fromBucketName(stack, 'Logs', 'central-access-logs');
    const storage = new PipelineStorage(stack, 'Storage', { serverAccessLogsBucket: logs, fileSystem: { vpc } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(storage.accessLogsBucket).toBe(logs);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^EFS mount targets') });
  });

  test('fails, naming the storage the user built, when neither a network nor a VPC is given', () => {
    expect(() => new PipelineStorage(testStack(), 'Storage')).toThrow(
      "PipelineStorage 'Storage': neither 'network' nor 'vpc' was given; allowed: either 'network', or 'vpc' with optional 'vpcSubnets' and 'securityGroup'",
    );
  });

  test('fails when both a network and a file-system VPC are given', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    expect(() => new PipelineStorage(stack, 'Storage', { network, fileSystem: { vpc: network.vpc } })).toThrow(
      "PipelineStorage 'Storage': 'network' and 'fileSystem.vpc' were both given; allowed: either 'network', or 'vpc' with optional 'vpcSubnets' and 'securityGroup'",
    );
  });
});
