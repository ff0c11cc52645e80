import * as path from 'path';
import { EgressMode, PipelineNetworkProps } from '@batch-pipeline/network';
import { App, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { BatchProcessor, JobArchitecture, JobImage, RunContract } from '../src';
import { PUBLIC_IMAGE, PartialProps, fixture, onlyResource, synth } from './helpers';

const JOB_DIR = path.join(__dirname, 'fixtures', 'job');

function containerOf(template: Template): any {
  return onlyResource(template, 'AWS::Batch::JobDefinition').Properties.ContainerProperties;
}

function jobDefinitionOf(template: Template): any {
  return onlyResource(template, 'AWS::Batch::JobDefinition');
}

/** The Docker image assets of the stack's asset manifest, by asset hash. */
function dockerImageSources(stack: Stack): { [hash: string]: any } {
  const assembly = (stack.node.root as App).synth();
  const manifests = assembly.artifacts.filter((artifact): artifact is cxapi.AssetManifestArtifact => artifact instanceof cxapi.AssetManifestArtifact);
  const sources: { [hash: string]: any } = {};
  for (const manifest of manifests) {
    for (const [hash, entry] of Object.entries(manifest.contents.dockerImages ?? {})) {
      sources[hash] = entry.source;
    }
  }
  return sources;
}

function fails(props: PartialProps, egress?: EgressMode, networkProps?: PipelineNetworkProps): () => void {
  return () => synth(props, egress, networkProps);
}

function computeResourcesOf(template: Template): any {
  return onlyResource(template, 'AWS::Batch::ComputeEnvironment').Properties.ComputeResources;
}

describe('BatchProcessor defaults', () => {
  const { processor, template, network } = synth();

  test('creates one Fargate compute environment of at most 16 vCPUs in the job subnets with the job security group', () => {
    const computeEnvironment = onlyResource(template, 'AWS::Batch::ComputeEnvironment').Properties;
    expect(computeEnvironment).toEqual({
      Type: 'managed',
      State: 'ENABLED',
      ReplaceComputeEnvironment: false,
      UpdatePolicy: {},
      ComputeResources: {
        Type: 'FARGATE',
        MaxvCpus: 16,
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^NetworkJobSecurityGroup/), 'GroupId'] }],
        Subnets: [{ Ref: expect.stringMatching(/^NetworkVpcPrivateSubnet1/) }, { Ref: expect.stringMatching(/^NetworkVpcPrivateSubnet2/) }],
      },
    });
    expect(processor.computeEnvironment.securityGroups).toEqual([network.jobSecurityGroup]);
  });

  test('creates a job queue served by that compute environment', () => {
    expect(onlyResource(template, 'AWS::Batch::JobQueue').Properties).toEqual({
      ComputeEnvironmentOrder: [{ ComputeEnvironment: { 'Fn::GetAtt': [expect.stringMatching(/^JobComputeEnvironment/), 'ComputeEnvironmentArn'] }, Order: 1 }],
      Priority: 1,
      State: 'ENABLED',
      JobStateTimeLimitActions: expect.any(Array),
    });
  });

  test('given a job that cannot be placed, when it waits RUNNABLE at the head of the queue for 30 minutes, then the queue cancels it for each placement reason Batch can act on', () => {
    expect(onlyResource(template, 'AWS::Batch::JobQueue').Properties.JobStateTimeLimitActions).toEqual([
      { Action: 'CANCEL', State: 'RUNNABLE', MaxTimeSeconds: 1800, Reason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY' },
      { Action: 'CANCEL', State: 'RUNNABLE', MaxTimeSeconds: 1800, Reason: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE' },
      { Action: 'CANCEL', State: 'RUNNABLE', MaxTimeSeconds: 1800, Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT' },
    ]);
    expect(processor.runnableTimeout.toMinutes()).toBe(30);
  });

  test('the job has 1 vCPU and 2048 MiB on the latest Linux X86_64 Fargate platform, without a public IP', () => {
    const container = containerOf(template);
    expect(container.ResourceRequirements).toEqual([{ Type: 'MEMORY', Value: '2048' }, { Type: 'VCPU', Value: '1' }]);
    expect(container.FargatePlatformConfiguration).toEqual({ PlatformVersion: 'LATEST' });
    expect(container.RuntimePlatform).toEqual({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
    expect(container.NetworkConfiguration).toEqual({ AssignPublicIp: 'DISABLED' });
    expect(container.EphemeralStorage).toBeUndefined();
    expect(jobDefinitionOf(template).Properties.PlatformCapabilities).toEqual(['FARGATE']);
  });

  test('mounts the access point root at /mnt/pipeline with transit encryption and IAM authorization', () => {
    const container = containerOf(template);
    expect(container.Volumes).toEqual([{
      Name: 'pipeline',
      EfsVolumeConfiguration: {
        FileSystemId: { Ref: expect.stringMatching(/^FileSystem/) },
        TransitEncryption: 'ENABLED',
        AuthorizationConfig: { AccessPointId: { Ref: expect.stringMatching(/^FileSystemAccessPoint/) }, Iam: 'ENABLED' },
      },
    }]);
    expect(container.MountPoints).toEqual([{ ContainerPath: '/mnt/pipeline', SourceVolume: 'pipeline' }]);
    expect(processor.mountPath).toBe(RunContract.DEFAULT_MOUNT_PATH);
  });

  test('runs the image as given, with its own CMD, a read-only root file system and no environment', () => {
    const container = containerOf(template);
    expect(container.Image).toBe(PUBLIC_IMAGE);
    expect(container.Command).toBeUndefined();
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.Environment).toEqual([]);
    expect(container.Secrets).toBeUndefined();
  });

  test('tries a job 3 times, retrying only failures without an exit code, for at most an hour per attempt', () => {
    const properties = jobDefinitionOf(template).Properties;
    expect(properties.RetryStrategy).toEqual({ Attempts: 3, EvaluateOnExit: [{ Action: 'EXIT', OnExitCode: '*' }] });
    expect(properties.Timeout).toEqual({ AttemptDurationSeconds: 3600 });
    expect(properties.PropagateTags).toBe(true);
  });

  test('logs to its own log group, kept for a year and retained on delete', () => {
    expect(containerOf(template).LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: expect.stringMatching(/^JobLogGroup/) }, 'awslogs-stream-prefix': 'job', 'awslogs-region': 'eu-west-2' },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: Match.absent() },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('uses its own job role and execution role', () => {
    const container = containerOf(template);
    expect(container.JobRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^JobJobRole/), 'Arn'] });
    expect(container.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^JobExecutionRole/), 'Arn'] });
  });

  test('records the image, environment and mount path for the local runtime, without a local command', () => {
    expect(jobDefinitionOf(template).Metadata).toEqual({
      'batch-pipeline:localRun': {
        image: { source: 'REGISTRY', registryKind: 'ECR_PUBLIC', name: PUBLIC_IMAGE },
        environment: {},
        secrets: [],
        mountPath: '/mnt/pipeline',
        architecture: 'X86_64',
      },
    });
  });

  test('exposes its parts', () => {
    expect(processor.architecture).toBe(JobArchitecture.X86_64);
    expect(processor.spot).toBe(false);
    expect(processor.image.description).toBe(PUBLIC_IMAGE);
    expect(processor.container.cpu).toBe(1);
    expect(processor.container.memory.toMebibytes()).toBe(2048);
    expect(processor.jobQueue.computeEnvironments).toHaveLength(1);
    expect(processor.jobDefinition.retryAttempts).toBe(3);
    expect(processor.logGroup).toBeDefined();
    expect(processor.jobRole.roleArn).toBeDefined();
    expect(processor.executionRole.roleArn).toBeDefined();
  });

  test('does not duplicate the NFS rule the network already has between jobs and the file system', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
  });
});

describe('BatchProcessor options', () => {
  test.each([
    [0.25, 512], [0.25, 1024], [0.25, 2048],
    [0.5, 1024], [0.5, 4096],
    [1, 2048], [1, 8192],
    [2, 4096], [2, 16384],
    [4, 8192], [4, 30720],
    [8, 16384], [8, 61440],
    [16, 32768], [16, 122880],
  ])('accepts %s vCPU with %s MiB', (vcpu, memoryMiB) => {
    const { template } = synth({ vcpu, memoryMiB, maxvCpus: 16 });
    expect(containerOf(template).ResourceRequirements).toEqual([{ Type: 'MEMORY', Value: `${memoryMiB}` }, { Type: 'VCPU', Value: `${vcpu}` }]);
  });

  test('ephemeral storage is set in GiB', () => {
    expect(containerOf(synth({ ephemeralStorageGiB: 21 }).template).EphemeralStorage).toEqual({ SizeInGiB: 21 });
    expect(containerOf(synth({ ephemeralStorageGiB: 200 }).template).EphemeralStorage).toEqual({ SizeInGiB: 200 });
  });

  test('ARM64 jobs run on the ARM64 runtime platform', () => {
    const { template, processor } = synth({ architecture: JobArchitecture.ARM64 });
    expect(containerOf(template).RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    expect(processor.architecture).toBe(JobArchitecture.ARM64);
  });

  test('spot runs the compute environment on Fargate Spot', () => {
    const { template, processor } = synth({ spot: true });
    expect(onlyResource(template, 'AWS::Batch::ComputeEnvironment').Properties.ComputeResources.Type).toBe('FARGATE_SPOT');
    expect(processor.spot).toBe(true);
  });

  test('runnableTimeout sets how long an unplaceable job waits before the queue cancels it', () => {
    const { template } = synth({ runnableTimeout: Duration.hours(2) });
    const actions = onlyResource(template, 'AWS::Batch::JobQueue').Properties.JobStateTimeLimitActions;
    expect(actions.map((action: any) => action.MaxTimeSeconds)).toEqual([7200, 7200, 7200]);
  });

  test('maxvCpus bounds the compute environment', () => {
    const { template } = synth({ maxvCpus: 1 });
    expect(onlyResource(template, 'AWS::Batch::ComputeEnvironment').Properties.ComputeResources.MaxvCpus).toBe(1);
  });

  test('platform version 1.4.0 is accepted', () => {
    expect(containerOf(synth({ platformVersion: ecs.FargatePlatformVersion.VERSION1_4 }).template).FargatePlatformConfiguration)
      .toEqual({ PlatformVersion: '1.4.0' });
  });

  test('retry attempts and transient exit codes shape the retry strategy', () => {
    const { template } = synth({ retryAttempts: 10, retryExitCodes: [75, 143] });
    expect(jobDefinitionOf(template).Properties.RetryStrategy).toEqual({
      Attempts: 10,
      EvaluateOnExit: [
        { Action: 'RETRY', OnExitCode: '75' },
        { Action: 'RETRY', OnExitCode: '143' },
        { Action: 'EXIT', OnExitCode: '*' },
      ],
    });
    expect(jobDefinitionOf(synth({ retryAttempts: 1 }).template).Properties.RetryStrategy.Attempts).toBe(1);
  });

  test('timeout sets the attempt duration', () => {
    expect(jobDefinitionOf(synth({ timeout: Duration.minutes(1) }).template).Properties.Timeout).toEqual({ AttemptDurationSeconds: 60 });
    expect(jobDefinitionOf(synth({ timeout: Duration.hours(6) }).template).Properties.Timeout).toEqual({ AttemptDurationSeconds: 21600 });
  });

  test('mountPath moves the mount point', () => {
    const { template, processor } = synth({ mountPath: '/data/pipeline' });
    expect(containerOf(template).MountPoints).toEqual([{ ContainerPath: '/data/pipeline', SourceVolume: 'pipeline' }]);
    expect(jobDefinitionOf(template).Metadata['batch-pipeline:localRun'].mountPath).toBe('/data/pipeline');
    expect(processor.mountPath).toBe('/data/pipeline');
  });

  test('the root file system can be writable', () => {
    expect(containerOf(synth({ readonlyRootFilesystem: false }).template).ReadonlyRootFilesystem).toBe(false);
  });

  test('log retention, key and removal policy are configurable', () => {
    const f = fixture();
    const key = new kms.Key(f.stack, 'Key', { enableKeyRotation: true });
    new BatchProcessor(f.stack, 'Job', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
      logRetention: logs.RetentionDays.ONE_MONTH,
      logEncryptionKey: key,
      logRemovalPolicy: RemovalPolicy.DESTROY,
    });
    Template.fromStack(f.stack).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
      DeletionPolicy: 'Delete',
    });
  });

  test('command, environment, secrets and the local command reach the container and the local-run metadata', () => {
    const f = fixture();
    const secret = new secretsmanager.Secret(f.stack, 'ApiToken');
    new BatchProcessor(f.stack, 'Job', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
      command: ['node', 'job/report.mjs', '--verbose'],
      environment: { REPORT_FORMAT: 'pdf', LOG_LEVEL: 'info' },
      secrets: { API_TOKEN: batch.Secret.fromSecretsManager(secret) },
      localCommand: ['node', 'job/report.mjs'],
    });
    const template = Template.fromStack(f.stack);
    const container = containerOf(template);
    expect(container.Command).toEqual(['node', 'job/report.mjs', '--verbose']);
    expect(container.Environment).toEqual([{ Name: 'REPORT_FORMAT', Value: 'pdf' }, { Name: 'LOG_LEVEL', Value: 'info' }]);
    expect(container.Secrets).toEqual([{ Name: 'API_TOKEN', ValueFrom: { Ref: expect.stringMatching(/^ApiToken/) } }]);
    expect(jobDefinitionOf(template).Metadata).toEqual({
      'batch-pipeline:localRun': {
        localCommand: ['node', 'job/report.mjs'],
        image: { source: 'REGISTRY', registryKind: 'ECR_PUBLIC', name: PUBLIC_IMAGE },
        command: ['node', 'job/report.mjs', '--verbose'],
        environment: { REPORT_FORMAT: 'pdf', LOG_LEVEL: 'info' },
        secrets: ['API_TOKEN'],
        mountPath: '/mnt/pipeline',
        architecture: 'X86_64',
      },
    });
  });

  test('an image asset is built for the job architecture and recorded by its asset hash', () => {
    const { stack, template } = synth({ image: JobImage.fromAsset(JOB_DIR), architecture: JobArchitecture.ARM64, localCommand: ['node', 'job/report.mjs'] });
    const image = jobDefinitionOf(template).Metadata['batch-pipeline:localRun'].image;
    expect(image).toEqual({
      source: 'ASSET',
      registryKind: 'ECR_PRIVATE',
      name: { 'Fn::Sub': expect.stringContaining('.dkr.ecr.eu-west-2.') },
      assetHash: expect.stringMatching(/^[a-f0-9]{64}$/),
      dockerfile: 'Dockerfile',
    });
    expect(dockerImageSources(stack)).toEqual({ [image.assetHash]: { directory: `asset.${image.assetHash}`, platform: 'linux/arm64' } });
  });

  test('an image asset for X86_64 is built for linux/amd64 with the given Dockerfile options', () => {
    const { stack, template } = synth({ image: JobImage.fromAsset(JOB_DIR, { file: 'Dockerfile', buildArgs: { NODE: '22' }, target: undefined, exclude: ['*.md'] }) });
    expect(jobDefinitionOf(template).Metadata['batch-pipeline:localRun'].image.dockerfile).toBe('Dockerfile');
    expect(Object.values(dockerImageSources(stack))).toEqual([expect.objectContaining({ platform: 'linux/amd64', dockerBuildArgs: { NODE: '22' } })]);
  });

  test('an ECR repository image is recorded by its URI and tag', () => {
    const f = fixture(EgressMode.VPC_ENDPOINTS);
    const repository = new ecr.Repository(f.stack, 'Repo');
    new BatchProcessor(f.stack, 'Job', { network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, image: JobImage.fromEcrRepository(repository, 'v3') });
    const template = Template.fromStack(f.stack);
    const image = jobDefinitionOf(template).Metadata['batch-pipeline:localRun'].image;
    expect(image.source).toBe('ECR_REPOSITORY');
    expect(image.registryKind).toBe('ECR_PRIVATE');
    expect(JSON.stringify(image.name)).toContain(':v3');
    expect(JSON.stringify(containerOf(template).Image)).toContain(':v3');
  });

  test('a private ECR image given by name is pulled from that repository by tag or digest', () => {
    const byTag = containerOf(synth({ image: JobImage.fromRegistry('210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/report:7') }).template).Image;
    expect(JSON.stringify(byTag)).toContain('210987654321.dkr.ecr.eu-west-1.');
    expect(JSON.stringify(byTag)).toContain('/team/report:7');
    const digest = 'sha256:' + 'a'.repeat(64);
    const byDigest = containerOf(synth({ image: JobImage.fromRegistry(`210987654321.dkr.ecr.eu-west-1.amazonaws.com/report@${digest}`) }).template).Image;
    expect(JSON.stringify(byDigest)).toContain(`/report@${digest}`);
  });

  test('a private ECR host with an unparsable reference is passed on as is', () => {
    const name = '210987654321.dkr.ecr.eu-west-1.amazonaws.com/report@latest';
    expect(containerOf(synth({ image: JobImage.fromRegistry(name) }).template).Image).toBe(name);
  });

  test('in PUBLIC_SUBNETS mode jobs run in the public subnets with a public IP', () => {
    const { template } = synth({}, EgressMode.PUBLIC_SUBNETS);
    expect(containerOf(template).NetworkConfiguration).toEqual({ AssignPublicIp: 'ENABLED' });
    expect(onlyResource(template, 'AWS::Batch::ComputeEnvironment').Properties.ComputeResources.Subnets)
      .toEqual([{ Ref: expect.stringMatching(/^NetworkVpcPublicSubnet1/) }, { Ref: expect.stringMatching(/^NetworkVpcPublicSubnet2/) }]);
  });

  test('in VPC_ENDPOINTS mode jobs run in the isolated subnets and may pull from private ECR', () => {
    const { template } = synth({ image: JobImage.fromAsset(JOB_DIR) }, EgressMode.VPC_ENDPOINTS);
    expect(onlyResource(template, 'AWS::Batch::ComputeEnvironment').Properties.ComputeResources.Subnets)
      .toEqual([{ Ref: expect.stringMatching(/^NetworkVpcPrivateSubnet1/) }, { Ref: expect.stringMatching(/^NetworkVpcPrivateSubnet2/) }]);
  });

  test('a file system with its own security group gets an NFS rule from the job security group', () => {
    const f = fixture();
    const ownGroup = new ec2.SecurityGroup(f.stack, 'OwnGroup', { vpc: f.network.vpc, allowAllOutbound: false });
    const fileSystem = new efs.FileSystem(f.stack, 'Other', { vpc: f.network.vpc, securityGroup: ownGroup });
    const accessPoint = fileSystem.addAccessPoint('Ap');
    new BatchProcessor(f.stack, 'Job', { network: f.network, fileSystem, accessPoint, image: JobImage.fromRegistry(PUBLIC_IMAGE) });
    Template.fromStack(f.stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkJobSecurityGroup'), 'GroupId'] },
      Description: 'NFS from the pipeline jobs',
    });
  });

  test('unresolved sizes, counts and paths are not checked at synth time', () => {
    const token = (value: number) => Lazy.number({ produce: () => value });
    const f = fixture();
    expect(() => new BatchProcessor(f.stack, 'Job', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
      vcpu: token(3),
      memoryMiB: token(1000),
      maxvCpus: token(0),
      retryAttempts: token(30),
      retryExitCodes: [token(0)],
      timeout: Duration.seconds(token(1)),
      mountPath: Lazy.string({ produce: () => 'relative' }),
    })).not.toThrow();
  });
});

describe('BatchProcessor validation', () => {
  test('fails when memory does not fit the vCPU, listing the allowed values', () => {
    expect(fails({ vcpu: 0.5, memoryMiB: 1000 })).toThrow("BatchProcessor 'Job': 'memoryMiB' 1000 is not valid with 'vcpu' 0.5; allowed: 1024-4096 in steps of 1024");
    expect(fails({ vcpu: 0.25, memoryMiB: 4096 })).toThrow("BatchProcessor 'Job': 'memoryMiB' 4096 is not valid with 'vcpu' 0.25; allowed: 512, 1024, 2048");
    expect(fails({ memoryMiB: 1024 })).toThrow("BatchProcessor 'Job': 'memoryMiB' 1024 is not valid with 'vcpu' 1; allowed: 2048-8192 in steps of 1024");
    expect(fails({ vcpu: 2, memoryMiB: 17408 })).toThrow("BatchProcessor 'Job': 'memoryMiB' 17408 is not valid with 'vcpu' 2; allowed: 4096-16384 in steps of 1024");
    expect(fails({ vcpu: 4, memoryMiB: 31744 })).toThrow("BatchProcessor 'Job': 'memoryMiB' 31744 is not valid with 'vcpu' 4; allowed: 8192-30720 in steps of 1024");
    expect(fails({ vcpu: 8, memoryMiB: 17408 })).toThrow("BatchProcessor 'Job': 'memoryMiB' 17408 is not valid with 'vcpu' 8; allowed: 16384-61440 in steps of 4096");
    expect(fails({ vcpu: 16, memoryMiB: 36864 })).toThrow("BatchProcessor 'Job': 'memoryMiB' 36864 is not valid with 'vcpu' 16; allowed: 32768-122880 in steps of 8192");
  });

  test('fails when the vCPU value is not offered by Fargate', () => {
    for (const vcpu of [0.1, 3, 32]) {
      expect(fails({ vcpu })).toThrow(`BatchProcessor 'Job': 'vcpu' ${vcpu} is not valid on Fargate; allowed: 0.25, 0.5, 1, 2, 4, 8, 16`);
    }
  });

  test('fails when ephemeral storage is outside 21-200 GiB', () => {
    for (const ephemeralStorageGiB of [20, 201, 30.5]) {
      expect(fails({ ephemeralStorageGiB })).toThrow(`BatchProcessor 'Job': 'ephemeralStorageGiB' ${ephemeralStorageGiB} is not valid; allowed: a whole number from 21 to 200`);
    }
  });

  test('fails when maxvCpus is not a whole number of at least 1', () => {
    for (const maxvCpus of [0, 1.5, -4]) {
      expect(fails({ maxvCpus })).toThrow(`BatchProcessor 'Job': 'maxvCpus' ${maxvCpus} is not valid; allowed: a whole number of at least 1`);
    }
  });

  test('fails when maxvCpus is less than the job needs', () => {
    expect(fails({ vcpu: 4, memoryMiB: 8192, maxvCpus: 2 })).toThrow("BatchProcessor 'Job': 'maxvCpus' 2 is less than 'vcpu' 4, so no job could start; allowed: 4 or more");
  });

  test('fails when retry attempts are outside 1-10', () => {
    for (const retryAttempts of [0, 11, 2.5]) {
      expect(fails({ retryAttempts })).toThrow(`BatchProcessor 'Job': 'retryAttempts' ${retryAttempts} is not valid; allowed: a whole number from 1 to 10`);
    }
  });

  test('fails when more than 4 retry exit codes are given', () => {
    expect(fails({ retryExitCodes: [1, 2, 3, 4, 5] })).toThrow(
      "BatchProcessor 'Job': 'retryExitCodes' has 5 codes; allowed: at most 4 (Batch evaluates 5 exit conditions, one is taken by \"exit on any other code\")",
    );
  });

  test('fails when a retry exit code is not 1-255', () => {
    for (const code of [0, 256, 1.5]) {
      expect(fails({ retryExitCodes: [code] })).toThrow(`BatchProcessor 'Job': 'retryExitCodes' ${code} is not valid; allowed: whole numbers from 1 to 255`);
    }
  });

  test('fails when the timeout is shorter than 60 seconds', () => {
    expect(fails({ timeout: Duration.seconds(59) })).toThrow("BatchProcessor 'Job': 'timeout' 59 seconds is not valid; allowed: 60 seconds or more");
    expect(fails({ timeout: Duration.millis(500) })).toThrow("BatchProcessor 'Job': 'timeout' 500 millis is not valid; allowed: 60 seconds or more");
  });

  test('fails when runnableTimeout is outside 10 minutes to 24 hours or not whole seconds', () => {
    expect(fails({ runnableTimeout: Duration.minutes(9) })).toThrow(
      "BatchProcessor 'Job': 'runnableTimeout' 9 minutes is not valid; allowed: whole seconds from 10 minutes to 24 hours (Batch job-state time limits)");
    expect(fails({ runnableTimeout: Duration.hours(25) })).toThrow("'runnableTimeout' 1 day 1 hour is not valid");
    expect(fails({ runnableTimeout: Duration.millis(600_500) })).toThrow("'runnableTimeout' 10 minutes 500 millis is not valid");
    expect(fails({ runnableTimeout: Duration.minutes(10) })).not.toThrow();
    expect(fails({ runnableTimeout: Duration.hours(24) })).not.toThrow();
  });

  test('fails when the mount path is not an absolute path other than /', () => {
    for (const mountPath of ['mnt/pipeline', '/', '/mnt/pipeline/', '/mnt/my pipeline']) {
      expect(fails({ mountPath })).toThrow(
        `BatchProcessor 'Job': 'mountPath' ${mountPath} is not valid; allowed: an absolute path other than / of letters, digits, '.', '_' and '-', without a trailing slash, such as /mnt/pipeline`,
      );
    }
  });

  test('fails when environment sets a run contract variable', () => {
    for (const name of RunContract.ENVIRONMENT_VARIABLES) {
      expect(fails({ environment: { [name]: 'x' } })).toThrow(
        `BatchProcessor 'Job': 'environment' ${name} is not allowed: the orchestration sets it for each run (run contract); allowed: any other name`,
      );
    }
  });

  test('fails when environment or secrets use the AWS_BATCH prefix', () => {
    expect(fails({ environment: { AWS_BATCH_X: 'x' } })).toThrow(
      "BatchProcessor 'Job': 'environment' AWS_BATCH_X is not allowed: AWS Batch reserves names starting with AWS_BATCH; allowed: any other name",
    );
    const f = fixture();
    const secret = batch.Secret.fromSecretsManager(new secretsmanager.Secret(f.stack, 'S'));
    expect(() => new BatchProcessor(f.stack, 'Job', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
      secrets: { AWS_BATCH_TOKEN: secret },
    })).toThrow("BatchProcessor 'Job': 'secrets' AWS_BATCH_TOKEN is not allowed: AWS Batch reserves names starting with AWS_BATCH; allowed: any other name");
    expect(() => new BatchProcessor(f.stack, 'Job2', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
      secrets: { PIPELINE_RUN_ID: secret },
    })).toThrow("BatchProcessor 'Job2': 'secrets' PIPELINE_RUN_ID is not allowed: the orchestration sets it for each run (run contract); allowed: any other name");
    expect(() => new BatchProcessor(f.stack, 'Job3', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
      environment: { TOKEN: 'x' },
      secrets: { TOKEN: secret },
    })).toThrow("BatchProcessor 'Job3': TOKEN is in both 'environment' and 'secrets'; allowed: each name in one of them");
  });

  test('fails when the local command is empty', () => {
    expect(fails({ localCommand: [] })).toThrow(
      "BatchProcessor 'Job': 'localCommand' is empty; allowed: an argument list such as ['node', 'job/report.mjs'] (the program, then each argument as its own string), or leave it out",
    );
  });

  test('given a localCommand written as one string (as JavaScript or Python allow), synth fails naming the construct, the prop and the value', () => {
    expect(fails({ localCommand: 'node job/report.mjs' as unknown as string[] })).toThrow(
      "BatchProcessor 'Job': 'localCommand' 'node job/report.mjs' (a string) is not an argument list; allowed: an argument list such as ['node', 'job/report.mjs'] (the program, then each argument as its own string), or leave it out",
    );
  });

  test('given a localCommand with an element that is not a non-empty string, synth fails naming the element', () => {
    expect(fails({ localCommand: ['node', ''] })).toThrow("BatchProcessor 'Job': 'localCommand' element 1 (\"\") is not valid: each element must be a non-empty string");
    expect(fails({ localCommand: ['node', 7 as unknown as string] })).toThrow("'localCommand' element 1 (7) is not valid");
  });

  test('fails when Fargate Spot is asked for ARM64 jobs', () => {
    expect(fails({ spot: true, architecture: JobArchitecture.ARM64 })).toThrow(
      "BatchProcessor 'Job': 'spot' true is not valid with 'architecture' ARM64: Fargate Spot runs X86_64 jobs only; allowed: 'spot' false for ARM64, or 'architecture' X86_64 for Fargate Spot",
    );
  });

  test('fails when the platform version cannot mount EFS', () => {
    for (const platformVersion of [ecs.FargatePlatformVersion.VERSION1_3, ecs.FargatePlatformVersion.VERSION1_0]) {
      expect(fails({ platformVersion })).toThrow(
        `BatchProcessor 'Job': 'platformVersion' ${platformVersion} is not valid: EFS volumes need Fargate platform version 1.4.0 or later; allowed: LATEST, 1.4.0`,
      );
    }
  });

  test.each([
    ['busybox', 'DOCKER_HUB'],
    [PUBLIC_IMAGE, 'ECR_PUBLIC'],
    ['ghcr.io/org/job:2', 'OTHER_INTERNET'],
  ])('fails when the image %s comes from %s, which VPC_ENDPOINTS cannot reach', (imageName, kind) => {
    expect(fails({ image: JobImage.fromRegistry(imageName) }, EgressMode.VPC_ENDPOINTS)).toThrow(
      `BatchProcessor 'Job': 'image' ${imageName} comes from ${kind}, which jobs cannot reach with egress VPC_ENDPOINTS (reachable: ECR_PRIVATE);`
      + ' allowed: an image in a private ECR repository of this region (JobImage.fromEcrRepository, JobImage.fromAsset, or an ECR pull-through cache),'
      + ' or an egress mode with internet access (NAT_GATEWAY, PUBLIC_SUBNETS)',
    );
  });

  test('an image from any registry is fine with internet egress', () => {
    for (const egress of [EgressMode.NAT_GATEWAY, EgressMode.PUBLIC_SUBNETS]) {
      expect(fails({ image: JobImage.fromRegistry('busybox') }, egress)).not.toThrow();
    }
  });
});

describe('BatchProcessor refuses a private ECR image of another region with VPC_ENDPOINTS', () => {
  const OTHER_REGION_IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1';

  test('fails naming the image, its region and the stack region', () => {
    // given a VPC_ENDPOINTS network in an eu-west-2 stack
    // when the job image is in private ECR of us-east-1
    // then synth fails: the interface endpoints serve eu-west-2 only
    expect(fails({ image: JobImage.fromRegistry(OTHER_REGION_IMAGE) }, EgressMode.VPC_ENDPOINTS)).toThrow(
      `BatchProcessor 'Job': 'image' ${OTHER_REGION_IMAGE} is in private ECR of us-east-1, which jobs cannot reach with egress VPC_ENDPOINTS:`
      + " its ECR and S3 endpoints serve only this stack's region eu-west-2; allowed: an image in a private ECR repository of eu-west-2"
      + ' (ECR cross-region replication, an ECR pull-through cache, JobImage.fromAsset), or an egress mode with internet access (NAT_GATEWAY, PUBLIC_SUBNETS)',
    );
  });

  test('fails for an imported repository of another region too', () => {
    const f = fixture(EgressMode.VPC_ENDPOINTS);
    const repository = ecr.Repository.fromRepositoryArn(f.stack, 'Imported', 'arn:aws:ecr:us-east-1:123456789012:repository/x');
    expect(() => new BatchProcessor(f.stack, 'Job', {
      network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, image: JobImage.fromEcrRepository(repository, '1'),
    })).toThrow(/^BatchProcessor 'Job': 'image' ECR repository .* is in private ECR of us-east-1, which jobs cannot reach with egress VPC_ENDPOINTS/);
  });

  test('accepts a private ECR image of the stack region, and any region with internet egress', () => {
    expect(fails({ image: JobImage.fromRegistry('123456789012.dkr.ecr.eu-west-2.amazonaws.com/x:1') }, EgressMode.VPC_ENDPOINTS)).not.toThrow();
    expect(fails({ image: JobImage.fromRegistry(OTHER_REGION_IMAGE) }, EgressMode.NAT_GATEWAY)).not.toThrow();
    expect(JobImage.fromRegistry(OTHER_REGION_IMAGE).registryRegion).toBe('us-east-1');
  });
});

describe('BatchProcessor in an existing VPC without a PipelineNetwork', () => {
  function existingVpc(): { stack: Stack; vpc: ec2.Vpc; fileSystem: efs.FileSystem; accessPoint: efs.AccessPoint } {
    const f = fixture(EgressMode.VPC_ENDPOINTS);
    return { stack: f.stack, vpc: f.network.vpc as ec2.Vpc, fileSystem: f.fileSystem, accessPoint: f.accessPoint };
  }

  test('runs jobs in the given subnets with a new security group that allows HTTPS and NFS out, and no ingress', () => {
    // given an existing VPC and file system
    const { stack, vpc, fileSystem, accessPoint } = existingVpc();

    // when the processor gets the VPC instead of a network
    const processor = new BatchProcessor(stack, 'Job', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      fileSystem,
      accessPoint,
      image: JobImage.fromAsset(JOB_DIR),
    });

    // then the compute environment uses those subnets and a security group of its own
    const template = Template.fromStack(stack);
    const computeResources = computeResourcesOf(template);
    expect(computeResources.Subnets).toEqual(vpc.isolatedSubnets.map((subnet) => stack.resolve(subnet.subnetId)));
    expect(computeResources.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^JobJobSecurityGroup/), 'GroupId'] }]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Batch jobs of the batch pipeline: HTTPS and NFS out, no ingress',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: 'HTTPS to registries and AWS APIs' }],
      SecurityGroupIngress: Match.absent(),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobJobSecurityGroup'), 'GroupId'] },
    });
    expect(containerOf(template).NetworkConfiguration).toEqual({ AssignPublicIp: 'DISABLED' });
    expect(processor.computeEnvironment.securityGroups).toHaveLength(1);
  });

  test('uses the given security groups and public IP setting', () => {
    const { stack, vpc, fileSystem, accessPoint } = existingVpc();
    const own = new ec2.SecurityGroup(stack, 'Own', { vpc, allowAllOutbound: false });
    new BatchProcessor(stack, 'Job', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [own],
      assignPublicIp: true,
      fileSystem,
      accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
    });
    const template = Template.fromStack(stack);
    expect(computeResourcesOf(template).SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^Own/), 'GroupId'] }]);
    expect(containerOf(template).NetworkConfiguration).toEqual({ AssignPublicIp: 'ENABLED' });
  });

  test('does not check the image against an egress mode, which it does not know', () => {
    // given an isolated VPC, but no network that says so
    const { stack, vpc, fileSystem, accessPoint } = existingVpc();

    // then a Docker Hub image is accepted (the README says the caller must make it reachable)
    expect(() => new BatchProcessor(stack, 'Job', {
      vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, fileSystem, accessPoint, image: JobImage.fromRegistry('busybox'),
    })).not.toThrow();
  });

  test('fails when both network and vpc are given', () => {
    const f = fixture();
    expect(() => new BatchProcessor(f.stack, 'Job', {
      network: f.network, vpc: f.network.vpc, fileSystem: f.fileSystem, accessPoint: f.accessPoint, image: JobImage.fromRegistry(PUBLIC_IMAGE),
    })).toThrow("BatchProcessor 'Job': both 'network' and 'vpc' are given; allowed: exactly one of them (a PipelineNetwork as 'network', or an existing 'vpc' with optional 'vpcSubnets', 'securityGroups' and 'assignPublicIp')");
  });

  test('fails when neither network nor vpc is given', () => {
    const f = fixture();
    expect(() => new BatchProcessor(f.stack, 'Job', { fileSystem: f.fileSystem, accessPoint: f.accessPoint, image: JobImage.fromRegistry(PUBLIC_IMAGE) }))
      .toThrow("BatchProcessor 'Job': neither 'network' nor 'vpc' is given; allowed: exactly one of them (a PipelineNetwork as 'network', or an existing 'vpc' with optional 'vpcSubnets', 'securityGroups' and 'assignPublicIp')");
  });

  test('fails when vpc options are given with a network', () => {
    expect(fails({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC }, assignPublicIp: true })).toThrow(
      "BatchProcessor 'Job': 'vpcSubnets', 'assignPublicIp' only apply with 'vpc', but 'network' was given; allowed: remove them (the network's job subnets, job security group and public IP setting are used), or give 'vpc' instead of 'network'",
    );
  });
});

describe('BatchProcessor fits its concurrent jobs into the job subnets', () => {
  // The example's layout: 10.0.0.0/25 in PUBLIC_SUBNETS mode gives two /27 job subnets, 2 x (32 - 5) = 54 usable addresses.
  const EXAMPLE_NETWORK: PipelineNetworkProps = { cidr: '10.0.0.0/25' };

  test('fails when maxvCpus allows more concurrent tasks than the job subnets have addresses', () => {
    // given two /27 public job subnets
    // when 16 vCPUs of 0.25-vCPU jobs may run at once (64 tasks, one address each)
    // then synth fails, naming the largest maxvCpus that fits
    expect(fails({ vcpu: 0.25, memoryMiB: 512, maxvCpus: 16 }, EgressMode.PUBLIC_SUBNETS, EXAMPLE_NETWORK)).toThrow(
      "BatchProcessor 'Job': 'maxvCpus' 16 allows 64 concurrent tasks of 0.25 vCPU, but the job subnets (2 x /27) hold 54 addresses; allowed: at most 13 maxvCpus here, or larger job subnets",
    );
  });

  test('accepts a maxvCpus that fits', () => {
    const { template } = synth({ vcpu: 0.25, memoryMiB: 512, maxvCpus: 13 }, EgressMode.PUBLIC_SUBNETS, EXAMPLE_NETWORK);
    expect(computeResourcesOf(template).MaxvCpus).toBe(13);
  });

  test('without maxvCpus, the default of 16 is lowered to what the job subnets hold', () => {
    // given the same subnets and 0.25-vCPU jobs, and no maxvCpus
    const { template, processor } = synth({ vcpu: 0.25, memoryMiB: 512 }, EgressMode.PUBLIC_SUBNETS, EXAMPLE_NETWORK);

    // then the compute environment runs at most 13 vCPUs (52 tasks in 54 addresses)
    expect(computeResourcesOf(template).MaxvCpus).toBe(13);
    expect(processor.maxvCpus).toBe(13);
  });

  test('counts the addresses that the EFS mount targets, DataSync and Lambda take when job subnets are the private subnets', () => {
    // given NAT_GATEWAY, where jobs share the two /27 private subnets with the other pipeline interfaces:
    // 2 x (1 mount target + 1 Lambda interface) + 4 DataSync interfaces = 8 of 54 addresses
    // when 12 vCPUs of 0.25-vCPU jobs may run at once (48 tasks)
    // then synth fails
    expect(fails({ vcpu: 0.25, memoryMiB: 512, maxvCpus: 12 }, EgressMode.NAT_GATEWAY, EXAMPLE_NETWORK)).toThrow(
      "BatchProcessor 'Job': 'maxvCpus' 12 allows 48 concurrent tasks of 0.25 vCPU, but the job subnets (2 x /27) hold 54 addresses,"
      + " 8 of them taken by other network interfaces ('reservedAddresses': EFS mount targets, DataSync, Lambda, interface endpoints), so 46 are free;"
      + ' allowed: at most 11 maxvCpus here, or larger job subnets',
    );
    expect(fails({ vcpu: 0.25, memoryMiB: 512, maxvCpus: 11 }, EgressMode.NAT_GATEWAY, EXAMPLE_NETWORK)).not.toThrow();
  });

  test('counts the interface endpoints with VPC_ENDPOINTS', () => {
    // given VPC_ENDPOINTS in a /26: two /27 isolated subnets with 3 interface endpoints each:
    // 2 x (1 + 1 + 3) + 4 = 14 of 54 addresses taken, 40 free
    expect(fails({ vcpu: 0.25, memoryMiB: 512, maxvCpus: 11 }, EgressMode.VPC_ENDPOINTS, { cidr: '10.0.0.0/26' })).toThrow(
      /hold 54 addresses, 14 of them taken by other network interfaces .*, so 40 are free; allowed: at most 10 maxvCpus here, or larger job subnets$/,
    );
  });

  test('reservedAddresses overrides the estimate', () => {
    expect(fails({ vcpu: 0.25, memoryMiB: 512, maxvCpus: 13, reservedAddresses: 0 }, EgressMode.NAT_GATEWAY, EXAMPLE_NETWORK)).not.toThrow();
    expect(fails({ reservedAddresses: -1 })).toThrow("BatchProcessor 'Job': 'reservedAddresses' -1 is not valid; allowed: a whole number of at least 0");
  });

  test('skips the check when the job subnets have no known CIDR block', () => {
    // given an imported VPC whose subnets were imported without their CIDR blocks
    const f = fixture();
    const vpc = ec2.Vpc.fromVpcAttributes(f.stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-2a', 'eu-west-2b'],
      privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    });

    // then any maxvCpus is accepted
    const processor = new BatchProcessor(f.stack, 'Job', {
      vpc,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromRegistry(PUBLIC_IMAGE),
      vcpu: 0.25,
      memoryMiB: 512,
      maxvCpus: 256,
    });
    expect(processor.maxvCpus).toBe(256);
  });

  test('checks the subnets of a plain vpc with known CIDR blocks', () => {
    const f = fixture();
    const vpc = ec2.Vpc.fromVpcAttributes(f.stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-2a'],
      privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1'],
      privateSubnetIpv4CidrBlocks: ['10.1.0.0/28'],
    });
    expect(() => new BatchProcessor(f.stack, 'Job', {
      vpc, fileSystem: f.fileSystem, accessPoint: f.accessPoint, image: JobImage.fromRegistry(PUBLIC_IMAGE), maxvCpus: 16,
    })).toThrow(
      "BatchProcessor 'Job': 'maxvCpus' 16 allows 16 concurrent tasks of 1 vCPU, but the job subnets (1 x /28) hold 11 addresses; allowed: at most 11 maxvCpus here, or larger job subnets",
    );
  });
});

describe('BatchProcessor tells its callers how long a job can take', () => {
  test('by default 3 attempts of at most an hour: 3 hours', () => {
    const { processor } = synth();
    expect(processor.attempts).toBe(3);
    expect(processor.attemptTimeout.toSeconds()).toBe(3600);
    expect(processor.maxJobDuration.toSeconds()).toBe(3 * 3600);
  });

  test('from retryAttempts and timeout', () => {
    const { processor } = synth({ retryAttempts: 10, timeout: Duration.minutes(90) });
    expect(processor.attempts).toBe(10);
    expect(processor.attemptTimeout.toMinutes()).toBe(90);
    expect(processor.maxJobDuration.toMinutes()).toBe(900);
  });

  test('unresolved when an attempt count is a token, resolving to the product when the token does', () => {
    const { stack, processor } = synth({ retryAttempts: Lazy.number({ produce: () => 2 }) });
    expect(processor.maxJobDuration.isUnresolved()).toBe(true);
    expect(stack.resolve(processor.maxJobDuration.toSeconds())).toBe(7200);
  });
});
