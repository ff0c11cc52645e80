import { JobImage } from '@batch-pipeline/batch';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { testStack } from '@batch-pipeline/test-support';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BatchPipeline } from '../src';
import { pipelineStack, resourceCounts } from './fixture';
import { definition, jobMountPaths, locationSubdirectory, triggerEnvironment, triggerPrefixes } from './wiring';

const EXISTING_VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidrBlock: '10.20.0.0/16',
  availabilityZones: ['eu-west-2a', 'eu-west-2b'],
  publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
  privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
  privateSubnetIpv4CidrBlocks: ['10.20.1.0/24', '10.20.2.0/24'],
};

describe('BatchPipeline with defaults', () => {
  // Given only a job image
  const { pipeline, template } = pipelineStack();

  test('creates the whole pipeline: 115 resources, one of each part', () => {
    // Then the template holds every part once, and the dashboard
    const counts = resourceCounts(template);
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(115);
    expect(counts).toMatchObject({
      'AWS::EC2::VPC': 1,
      'AWS::EC2::NatGateway': 1,
      // uploads, reports, access logs, and the stage-in's DataSync manifests
      'AWS::S3::Bucket': 4,
      'AWS::EFS::FileSystem': 1,
      'AWS::EFS::AccessPoint': 1,
      'AWS::DataSync::Task': 2,
      'AWS::Batch::JobQueue': 1,
      'AWS::Batch::JobDefinition': 1,
      'AWS::StepFunctions::StateMachine': 1,
      'AWS::SNS::Topic': 1,
      'AWS::CloudWatch::Alarm': 5,
      'AWS::CloudWatch::Dashboard': 1,
    });
    expect(counts['AWS::AppStream::Fleet']).toBeUndefined();
  });

  test('the trigger watches exactly the prefix stage-in reads: incoming/', () => {
    expect(triggerPrefixes(template)).toEqual(['incoming/']);
    expect(triggerEnvironment(template).WATCH_PREFIX).toBe('incoming/');
    expect(locationSubdirectory(template, 'StageInSource')).toBe('/incoming/');
    expect(pipeline.watchPrefix).toBe('incoming/');
    expect(pipeline.storage.uploads.watchPrefix).toBe('incoming/');
  });

  test('reports land under reports/runs/<runId>/out/ on both staging paths', () => {
    expect(locationSubdirectory(template, 'StageOutDestination')).toBe('/reports/');
    expect(definition(template)).toContain("States.Format('reports/runs/{}/out/', $.runId)");
    expect(pipeline.orchestration.stateMachine.reportsPrefix).toBe('reports/');
  });

  test('the job mounts the access point where the run contract points: /mnt/pipeline', () => {
    expect(jobMountPaths(template)).toEqual(['/mnt/pipeline']);
    expect(definition(template)).toContain("States.Format('/mnt/pipeline{}', $.workspace.inputPath)");
    expect(definition(template)).toContain("States.Format('/mnt/pipeline{}', $.workspace.outputDirectory)");
  });

  test('exposes every part', () => {
    expect(pipeline.network.egress).toBe(EgressMode.NAT_GATEWAY);
    expect(pipeline.stageIn).toBeDefined();
    expect(pipeline.stageOut).toBeDefined();
    expect(pipeline.processor.mountPath).toBe('/mnt/pipeline');
    expect(pipeline.stateMachine).toBe(pipeline.orchestration.stateMachine.stateMachine);
    expect(pipeline.notificationTopic).toBe(pipeline.orchestration.stateMachine.notificationTopic);
    expect(pipeline.staging).toBe(StagingStrategy.AUTO);
    expect(pipeline.desktop).toBeUndefined();
    expect(pipeline.dashboard).toBeDefined();
  });

  test('the notification topic is encrypted with a new rotating key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('BatchPipeline prefixes and mount path from one prop each', () => {
  test('watchPrefix data/raw/ reaches the trigger, the stage-in and the upload grant', () => {
    // Given a pipeline watching data/raw/ and a role granted uploads
    const { stack, pipeline, template } = pipelineStack({ watchPrefix: 'data/raw/' });
    const role = new iam.Role(stack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantUpload(role);
    // Then every part uses it
    expect(triggerPrefixes(template)).toEqual(['data/raw/']);
    expect(locationSubdirectory(template, 'StageInSource')).toBe('/data/raw/');
    const policies = JSON.stringify(stack.resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy).document));
    expect(policies).toContain('/data/raw/*');
  });

  test("watchPrefix '' watches the whole bucket", () => {
    const { template } = pipelineStack({ watchPrefix: '' });
    expect(triggerPrefixes(template)).toEqual(['']);
    expect(locationSubdirectory(template, 'StageInSource')).toBe('/');
  });

  test('reportsPrefix out/ reaches the stage-out and the direct stage-out', () => {
    const { template } = pipelineStack({ reportsPrefix: 'out/' });
    expect(locationSubdirectory(template, 'StageOutDestination')).toBe('/out/');
    expect(definition(template)).toContain("States.Format('out/runs/{}/out/', $.runId)");
  });

  test('processorProps.mountPath reaches the job definition and the run contract', () => {
    const { template } = pipelineStack({ processorProps: { mountPath: '/data' } });
    expect(jobMountPaths(template)).toEqual(['/data']);
    expect(definition(template)).toContain("States.Format('/data{}', $.workspace.inputPath)");
  });

  test.each([['watchPrefix', '/in'], ['watchPrefix', 'incoming'], ['reportsPrefix', 'a//'], ['reportsPrefix', '../']])('fails when %s is %s', (prop, value) => {
    expect(() => pipelineStack({ [prop]: value })).toThrow(`BatchPipeline 'Pipeline': '${prop}' ${value} is not valid; allowed: '' or one or more folder names`);
  });
});

describe('BatchPipeline passes part props through', () => {
  test('networkProps, storageProps, processorProps, stageInProps, stageOutProps and orchestrationProps reach their parts', () => {
    // Given options for every part
    const { template } = pipelineStack({
      networkProps: { egress: EgressMode.PUBLIC_SUBNETS, cidr: '10.0.0.0/25' },
      storageProps: { reports: { expiration: Duration.days(400) } },
      processorProps: { vcpu: 0.5, memoryMiB: 1024, maxvCpus: 4 },
      stageInProps: { poolSize: 3 },
      stageOutProps: { poolSize: 2 },
      orchestrationProps: { suffixes: ['.csv'], reservedConcurrency: 5, stageInTimeout: Duration.hours(2) },
    });
    // Then each part has them
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/25' });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 400 })]) } });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ MaxvCpus: 4 }) });
    template.resourceCountIs('AWS::DataSync::Task', 5);
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 5 });
    expect(triggerEnvironment(template).WATCH_SUFFIXES).toBe('[".csv"]');
  });

  test('an invalid part prop fails naming BatchPipeline and the prop the user set', () => {
    expect(() => pipelineStack({ processorProps: { vcpu: 0.5, memoryMiB: 1000 } }))
      .toThrow("BatchPipeline 'Pipeline': 'processorProps.memoryMiB' 1000 is not valid with 'vcpu' 0.5; allowed: 1024-4096 in steps of 1024");
  });

  test('an image the egress mode cannot pull fails naming BatchPipeline and image', () => {
    expect(() => pipelineStack({ networkProps: { egress: EgressMode.VPC_ENDPOINTS }, image: JobImage.fromRegistry('busybox') }))
      .toThrow(/^BatchPipeline 'Pipeline': 'image' busybox comes from DOCKER_HUB, which jobs cannot reach with egress VPC_ENDPOINTS/);
  });

  test.each([
    ['storageProps.network', () => ({ storageProps: { network: {} as any } })],
    ['storageProps.uploads.watchPrefix', () => ({ storageProps: { uploads: { watchPrefix: 'x/' } } })],
  ])('fails when the wired %s is given', (prop, props) => {
    expect(() => pipelineStack(props())).toThrow(`BatchPipeline 'Pipeline': '${prop}'`);
  });
});

describe('BatchPipeline with existing resources', () => {
  test('existingVpc: only security groups and the flow log are created in it, jobs use its private subnets', () => {
    // Given an existing VPC reached through its NAT gateway
    const { template, pipeline } = pipelineStack({ networkProps: { egress: EgressMode.NAT_GATEWAY } },
      (stack) => ({ existingVpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', EXISTING_VPC) }));
    // Then no VPC, subnet or gateway is created, and everything runs in that VPC
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: EXISTING_VPC.vpcId });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Subnets: EXISTING_VPC.privateSubnetIds }),
    });
    expect(pipeline.network.vpc.vpcId).toBe(EXISTING_VPC.vpcId);
  });

  test('existingUploadBucket: no upload bucket is created, the trigger and stage-in watch that bucket', () => {
    const { template } = pipelineStack({}, (stack) => ({ existingUploadBucket: s3.Bucket.fromBucketName(stack, 'Uploads', 'my-uploads') }));
    // Then only the reports, access-log and manifest buckets are new
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.hasResourceProperties('Custom::S3BucketNotifications', { BucketName: 'my-uploads' });
    expect(JSON.stringify(template.findResources('AWS::DataSync::LocationS3', { Properties: { Subdirectory: '/incoming/' } }))).toContain(':::my-uploads');
  });

  test('existingReportsBucket: no reports bucket is created, stage-out writes to that bucket', () => {
    const { template } = pipelineStack({}, (stack) => ({ existingReportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'my-reports') }));
    template.resourceCountIs('AWS::S3::Bucket', 3);
    expect(JSON.stringify(template.findResources('AWS::DataSync::LocationS3', { Properties: { Subdirectory: '/reports/' } }))).toContain(':::my-reports');
  });

  test('both buckets existing: no upload, reports or access-log bucket is created, only the stage-in\'s manifest bucket', () => {
    const { template } = pipelineStack({}, (stack) => ({
      existingUploadBucket: s3.Bucket.fromBucketName(stack, 'Uploads', 'my-uploads'),
      existingReportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'my-reports'),
    }));
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', { Properties: { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] } } });
  });

  test('existingFileSystem and existingAccessPoint: no file system is created, every part mounts that access point and may reach it over NFS', () => {
    // Given an existing file system with its security group, in the pipeline's VPC
    const { template, pipeline } = pipelineStack({}, (stack) => {
      const fileSystem = efs.FileSystem.fromFileSystemAttributes(stack, 'Files', {
        fileSystemId: 'fs-0123456789abcdef0',
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'FilesGroup', 'sg-0123456789abcdef0'),
      });
      const accessPoint = efs.AccessPoint.fromAccessPointAttributes(stack, 'AccessPoint', { accessPointId: 'fsap-0123456789abcdef0', fileSystem });
      return { existingFileSystem: fileSystem, existingAccessPoint: accessPoint };
    });
    // Then nothing of EFS is created and the parts use the given ones
    template.resourceCountIs('AWS::EFS::FileSystem', 0);
    template.resourceCountIs('AWS::EFS::AccessPoint', 0);
    template.hasResourceProperties('AWS::DataSync::LocationEFS', { AccessPointArn: Match.anyValue() });
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: Match.objectLike({
        Volumes: [Match.objectLike({ EfsVolumeConfiguration: Match.objectLike({ FileSystemId: 'fs-0123456789abcdef0' }) })],
      }),
    });
    // NFS in on the file system's group from the jobs, both transfers and the workspace function
    const nfsIn = template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: 'sg-0123456789abcdef0', FromPort: 2049 } });
    expect(Object.keys(nfsIn).length).toBe(4);
    expect(pipeline.storage.fileSystem.fileSystemId).toBe('fs-0123456789abcdef0');
  });

  test('existingNotificationTopic: no topic or key is created, failures notify that topic', () => {
    const { template, pipeline } = pipelineStack({}, (stack) => ({
      existingNotificationTopic: sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-2:123456789012:failures'),
    }));
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(definition(template)).toContain('arn:aws:sns:eu-west-2:123456789012:failures');
    expect(pipeline.notificationTopic.topicArn).toBe('arn:aws:sns:eu-west-2:123456789012:failures');
  });

  test('there is no existingJobQueue: BatchProcessor creates its own queue', () => {
    // BatchProcessorProps has no job queue prop, so the umbrella offers none
    const { template } = pipelineStack();
    template.resourceCountIs('AWS::Batch::JobQueue', 1);
  });
});

describe('BatchPipeline refuses an existing resource together with the props of the part it replaces', () => {
  test.each([
    ['existingVpc', 'networkProps.vpc', (stack: any) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', EXISTING_VPC);
      return { existingVpc: vpc, networkProps: { vpc } };
    }],
    ['existingUploadBucket', 'storageProps.uploads', (stack: any) => ({
      existingUploadBucket: s3.Bucket.fromBucketName(stack, 'Uploads', 'my-uploads'), storageProps: { uploads: { intelligentTiering: false } },
    })],
    ['existingReportsBucket', 'storageProps.reports', (stack: any) => ({
      existingReportsBucket: s3.Bucket.fromBucketName(stack, 'Reports', 'my-reports'), storageProps: { reports: { expiration: Duration.days(30) } },
    })],
    ['existingFileSystem', 'storageProps.fileSystem', (stack: any) => {
      const fileSystem = efs.FileSystem.fromFileSystemAttributes(stack, 'Files', {
        fileSystemId: 'fs-0123456789abcdef0', securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'G', 'sg-0123456789abcdef0'),
      });
      return {
        existingFileSystem: fileSystem,
        existingAccessPoint: efs.AccessPoint.fromAccessPointAttributes(stack, 'AccessPoint', { accessPointId: 'fsap-0123456789abcdef0', fileSystem }),
        storageProps: { fileSystem: { automaticBackups: false } },
      };
    }],
  ])('fails when %s and %s are both given', (existing, props, build) => {
    expect(() => pipelineStack({}, build))
      .toThrow(`BatchPipeline 'Pipeline': '${props}' is not valid together with '${existing}'; allowed: either '${existing}' or '${props}', not both`);
  });

  test('fails when existingFileSystem is given without existingAccessPoint', () => {
    expect(() => pipelineStack({}, (stack) => ({
      existingFileSystem: efs.FileSystem.fromFileSystemAttributes(stack, 'Files', {
        fileSystemId: 'fs-0123456789abcdef0', securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'G', 'sg-0123456789abcdef0'),
      }),
    }))).toThrow("BatchPipeline 'Pipeline': 'existingFileSystem' was given without 'existingAccessPoint'");
  });
});

describe('BatchPipeline egress modes', () => {
  test.each([
    [EgressMode.NAT_GATEWAY, 1, 0],
    [EgressMode.VPC_ENDPOINTS, 0, 3],
    [EgressMode.PUBLIC_SUBNETS, 0, 0],
  ])('with %s: %d NAT gateways, %d interface endpoints', (egress, nats, interfaceEndpoints) => {
    const { template, pipeline } = pipelineStack({ networkProps: { egress } });
    template.resourceCountIs('AWS::EC2::NatGateway', nats);
    expect(Object.keys(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).length).toBe(interfaceEndpoints);
    expect(pipeline.network.egress).toBe(egress);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'FARGATE' }),
    });
  });

  test('VPC_ENDPOINTS pulls a private ECR image of the stack region', () => {
    const { template } = pipelineStack({ networkProps: { egress: EgressMode.VPC_ENDPOINTS } });
    expect(JSON.stringify(template.findResources('AWS::Batch::JobDefinition'))).toContain('123456789012.dkr.ecr.eu-west-2.amazonaws.com/job:1');
  });
});

describe('BatchPipeline staging strategies', () => {
  test.each([[StagingStrategy.AUTO, 2], [StagingStrategy.DATASYNC, 2], [StagingStrategy.DIRECT, 0]])('with %s: %d DataSync tasks', (staging, tasks) => {
    const { template, pipeline } = pipelineStack({ orchestrationProps: { staging } });
    template.resourceCountIs('AWS::DataSync::Task', tasks);
    expect(pipeline.staging).toBe(staging);
    expect(pipeline.orchestration.stateMachine.staging).toBe(staging);
    // The trigger watches the same prefix whatever the strategy
    expect(triggerPrefixes(template)).toEqual(['incoming/']);
  });

  test('DIRECT: no transfers, the state machine stages from the upload bucket to reports/', () => {
    const { template, pipeline } = pipelineStack({ orchestrationProps: { staging: StagingStrategy.DIRECT } });
    expect(pipeline.stageIn).toBeUndefined();
    expect(pipeline.stageOut).toBeUndefined();
    template.resourceCountIs('AWS::DataSync::LocationS3', 0);
    expect(pipeline.orchestration.stateMachine.uploadPrefix).toBe('incoming/');
    expect(definition(template)).toContain("States.Format('reports/runs/{}/out/', $.runId)");
  });

  test.each(['stageInProps', 'stageOutProps'])('fails when %s is given with DIRECT', (prop) => {
    expect(() => pipelineStack({ orchestrationProps: { staging: StagingStrategy.DIRECT }, [prop]: { poolSize: 2 } }))
      .toThrow(`BatchPipeline 'Pipeline': '${prop}' (given) is not valid; allowed: leave it out with staging DIRECT`);
  });
});

describe('BatchPipeline quality-control desktop', () => {
  test('is off by default: nothing of AppStream 2.0', () => {
    const { template } = pipelineStack();
    expect(Object.keys(template.findResources('AWS::AppStream::Fleet'))).toEqual([]);
  });

  test('desktop: a fleet streaming the image from the private subnets, reading both buckets', () => {
    const { template, pipeline } = pipelineStack({ desktop: { imageName: 'qc-image', s3PrefixListId: 'pl-7ca54015' } });
    template.hasResourceProperties('AWS::AppStream::Fleet', { ImageName: 'qc-image', EnableDefaultInternetAccess: false });
    template.resourceCountIs('AWS::AppStream::Stack', 1);
    template.resourceCountIs('AWS::AppStream::StackFleetAssociation', 1);
    const policy = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ListPipelineBuckets' })]) } } }));
    expect(policy).toContain('PipelineStorageUploadsBucket');
    expect(policy).toContain('PipelineStorageReportsBucket');
    expect(pipeline.desktop).toBeDefined();
  });

  test('desktop with mountFileSystem: the desktop may mount the file system read-only', () => {
    const { template } = pipelineStack({ desktop: { imageName: 'qc-image', s3PrefixListId: 'pl-7ca54015', mountFileSystem: true, readUploads: false } });
    const policy = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'MountFileSystemReadOnly' })]) } } }));
    expect(policy).toContain('elasticfilesystem:ClientMount');
    expect(policy).not.toContain('PipelineStorageUploadsBucket');
  });
});

describe('BatchPipeline grants', () => {
  test('grantUpload: put objects under the watch prefix only, with the key half of an encrypted bucket', () => {
    // Given a pipeline whose buckets have a KMS key, and an uploader role
    const { stack, pipeline } = pipelineStack({}, (s) => ({ storageProps: { encryptionKey: new kms.Key(s, 'DataKey', { enableKeyRotation: true }) } }));
    const role = new iam.Role(stack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() });
    // When uploads are granted
    pipeline.grantUpload(role);
    // Then the role may put under incoming/ and encrypt with the key
    const document = JSON.stringify(stack.resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy).document));
    expect(document).toContain('s3:PutObject');
    expect(document).toContain('/incoming/*');
    expect(document).toContain('kms:GenerateDataKey');
    expect(document).not.toContain('s3:DeleteObject');
  });

  test('grantReadReports: read under the reports prefix only', () => {
    const { stack, pipeline } = pipelineStack();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantReadReports(role);
    const document = JSON.stringify(stack.resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy).document));
    expect(document).toContain('s3:GetObject*');
    expect(document).toContain('/reports/*');
    expect(document).not.toContain('s3:PutObject');
  });

  test('grantStartRun: states:StartExecution on the state machine', () => {
    const { stack, pipeline } = pipelineStack();
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    pipeline.grantStartRun(role);
    const document = stack.resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy).document);
    expect(document.Statement).toEqual([expect.objectContaining({
      Action: 'states:StartExecution', Resource: { Ref: expect.stringMatching(/^PipelineOrchestrationWorkflowStateMachine/) },
    })]);
  });
});

describe('BatchPipeline metrics and dashboard', () => {
  test('metricRunsStarted, metricRunsFailed and metricRunDuration are the state machine metrics', () => {
    const { pipeline } = pipelineStack();
    expect(pipeline.metricRunsStarted().metricName).toBe('ExecutionsStarted');
    expect(pipeline.metricRunsFailed().metricName).toBe('ExecutionsFailed');
    expect(pipeline.metricRunDuration().metricName).toBe('ExecutionTime');
    expect(pipeline.metricRunsSucceeded().metricName).toBe('ExecutionsSucceeded');
    expect(pipeline.metricRunsTimedOut().metricName).toBe('ExecutionsTimedOut');
    expect(pipeline.metricRunsFailed().namespace).toBe('AWS/States');
  });

  test('the dashboard shows runs, duration, undelivered notifications, trigger errors and dead letters', () => {
    const { template } = pipelineStack();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of ['ExecutionsStarted', 'ExecutionsFailed', 'ExecutionTime', 'UndeliveredNotifications', 'Errors', 'ApproximateNumberOfMessagesVisible']) {
      expect(body).toContain(metric);
    }
  });

  test('dashboard: false creates no dashboard', () => {
    const { template, pipeline } = pipelineStack({ dashboard: false });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(pipeline.dashboard).toBeUndefined();
  });
});

test('two pipelines fit one stack', () => {
  const stack = testStack();
  new BatchPipeline(stack, 'A', { image: JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'), dashboard: false });
  expect(() => new BatchPipeline(stack, 'B', { image: JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'), dashboard: false })).not.toThrow();
});
