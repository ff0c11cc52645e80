import * as path from 'path';
import { JobImage } from '@batch-pipeline/batch';
import { describeReadmeExamples } from '@batch-pipeline/test-support/lib/readme-example-suite';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as self from '../src';

const image = (): JobImage => JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest');

describeReadmeExamples({
  packageDir: path.join(__dirname, '..'),
  // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require: (id) => (id === '@batch-pipeline/pipeline' ? self : require(id)),
  given: {
    image,
    pipeline: (stack) => new self.BatchPipeline(stack, 'GivenPipeline', { image: image() }),
    vpc: (stack) => ec2.Vpc.fromVpcAttributes(stack, 'GivenVpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-2a', 'eu-west-2b'],
      publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    }),
    uploadBucket: (stack) => s3.Bucket.fromBucketName(stack, 'GivenUploads', 'my-uploads'),
    reportsBucket: (stack) => s3.Bucket.fromBucketName(stack, 'GivenReports', 'my-reports'),
    fileSystem: (stack) => efs.FileSystem.fromFileSystemAttributes(stack, 'GivenFileSystem', {
      fileSystemId: 'fs-0123456789abcdef0',
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'GivenFileSystemGroup', 'sg-0123456789abcdef0'),
    }),
    accessPoint: (stack, given) => efs.AccessPoint.fromAccessPointAttributes(stack, 'GivenAccessPoint', {
      accessPointId: 'fsap-0123456789abcdef0', fileSystem: given('fileSystem') as efs.IFileSystem,
    }),
    topic: (stack) => sns.Topic.fromTopicArn(stack, 'GivenTopic', 'arn:aws:sns:eu-west-2:123456789012:failures'),
    uploaderRole: (stack) => new iam.Role(stack, 'GivenUploader', { assumedBy: new iam.AccountRootPrincipal() }),
    readerRole: (stack) => new iam.Role(stack, 'GivenReader', { assumedBy: new iam.AccountRootPrincipal() }),
  },
});
