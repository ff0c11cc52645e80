import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { TEST_ENV } from '@batch-pipeline/test-support';
import { summarizeAssembly } from '../src/assembly-summary';
import { EXAMPLE_MAX_VCPUS, ExamplePipelineStack, ExamplePipelineStackProps } from '../src/example-pipeline-stack';

function exampleStack(props: ExamplePipelineStackProps = {}) {
  const app = new App();
  const stack = new ExamplePipelineStack(app, 'Example', { env: TEST_ENV, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The Docker image assets of the stack's asset manifest. */
function dockerImages(app: App, stack: ExamplePipelineStack) {
  const assembly = app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf-8'));
  return {
    directory: assembly.directory,
    images: Object.values(manifest.dockerImages) as Array<{
      source: { directory: string; platform?: string };
      destinations: Record<string, { region: string; repositoryName: string }>;
    }>,
  };
}

describe('ExamplePipelineStack with its defaults', () => {
  // Given the example stack as `npm start` synthesizes it
  const { app, stack, template } = exampleStack();

  test('is one BatchPipeline in the original /25 with the cheapest egress mode', () => {
    expect(stack.node.children.filter((child) => child.node.id === 'Pipeline')).toHaveLength(1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/25' });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1); // the free S3 gateway endpoint only
  });

  test('has the upload, reports and access-log buckets, the stage-in manifests bucket and one EFS file system with its access point', () => {
    template.resourceCountIs('AWS::S3::Bucket', 4);
    expect(Object.keys(template.findResources('AWS::S3::Bucket')).filter((id) => id.startsWith('PipelineStageInManifestsBucket'))).toHaveLength(1);
    template.resourceCountIs('AWS::EFS::FileSystem', 1);
    template.resourceCountIs('AWS::EFS::AccessPoint', 1);
  });

  test('stages with AUTO: the two DataSync tasks for large files, from incoming/ into /staging and into reports/', () => {
    expect(stack.pipeline.staging).toBe(StagingStrategy.AUTO);
    template.resourceCountIs('AWS::DataSync::Task', 2);
    template.hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/incoming/' });
    template.hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/reports/' });
    template.hasResourceProperties('AWS::DataSync::LocationEFS', { Subdirectory: '/staging/' });
  });

  test('has one Batch job definition built from job/ that records how to run report.mjs locally', () => {
    template.resourceCountIs('AWS::Batch::JobDefinition', 1);
    template.hasResource('AWS::Batch::JobDefinition', {
      Metadata: {
        'batch-pipeline:localRun': Match.objectLike({
          localCommand: ['node', 'job/report.mjs'],
          image: Match.objectLike({ source: 'ASSET', dockerfile: 'Dockerfile' }),
          mountPath: '/mnt/pipeline',
        }),
      },
    });
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      PlatformCapabilities: ['FARGATE'],
      ContainerProperties: Match.objectLike({
        ReadonlyRootFilesystem: true,
        ResourceRequirements: Match.arrayWith([{ Type: 'MEMORY', Value: '512' }, { Type: 'VCPU', Value: '0.25' }]),
      }),
    });
  });

  test('the job image is one Docker asset holding the Dockerfile and report.mjs', () => {
    const { directory, images } = dockerImages(app, stack);
    expect(images).toHaveLength(1);
    const staged = path.join(directory, images[0].source.directory);
    expect(fs.readdirSync(staged).sort()).toEqual(expect.arrayContaining(['Dockerfile', 'report.mjs']));
    expect(images[0].source.platform).toBe('linux/amd64');
  });

  test('has one state machine and the trigger function watching incoming/ of the upload bucket', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: 'incoming/', WATCH_SUFFIXES: '[]' }) },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [Match.objectLike({
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
        })],
      },
    });
  });

  test('keeps no compute running when idle: no NAT gateway, no instances, no desktop, Batch on Fargate', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 0);
    template.resourceCountIs('AWS::AppStream::Fleet', 0);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'FARGATE', MaxvCpus: EXAMPLE_MAX_VCPUS }),
    });
  });

  test('has the pipeline dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('reserves no concurrency for the trigger function, so it deploys in accounts with a low quota', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: 'incoming/' }) },
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  test('subscribes nobody to the failure notifications', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('outputs where to upload, where reports land, the state machine, the topic, the job log group and the dashboard (from BatchPipeline)', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'PipelineDashboardName', 'PipelineJobLogGroupName', 'PipelineNotificationTopicArn', 'PipelineReportsBucketName',
      'PipelineReportsLocation', 'PipelineStateMachineArn', 'PipelineUploadBucketName', 'PipelineUploadLocation',
    ]);
    const resolve = (value: unknown) => stack.resolve(value);
    const uploadBucket = resolve(stack.pipeline.storage.uploads.bucket.bucketName);
    const reportsBucket = resolve(stack.pipeline.storage.reportsBucket.bucketName);
    expect(outputs.PipelineUploadLocation.Value).toEqual({ 'Fn::Join': ['', ['s3://', uploadBucket, '/incoming/']] });
    expect(outputs.PipelineReportsLocation.Value).toEqual({ 'Fn::Join': ['', ['s3://', reportsBucket, '/reports/runs/']] });
    expect(outputs.PipelineStateMachineArn.Value).toEqual(resolve(stack.pipeline.stateMachine.stateMachineArn));
    expect(outputs.PipelineNotificationTopicArn.Value).toEqual(resolve(stack.pipeline.notificationTopic.topicArn));
    expect(outputs.PipelineDashboardName.Value).toEqual(resolve(stack.pipeline.dashboard!.dashboardName));
    // Each name is a Ref to a resource of this template
    for (const name of ['PipelineUploadBucketName', 'PipelineReportsBucketName', 'PipelineStateMachineArn', 'PipelineNotificationTopicArn', 'PipelineJobLogGroupName', 'PipelineDashboardName']) {
      const { Ref: logicalId } = outputs[name].Value as { Ref: string };
      expect(template.toJSON().Resources[logicalId]).toBeDefined();
    }
  });

  test('the summary names the template and counts resources by type', () => {
    const summary = summarizeAssembly(app.synth(), '/');
    expect(summary).toMatch(/^Cloud assembly written to /);
    expect(summary).toMatch(/- Example: .*Example\.template\.json, \d+ resources/);
    expect(summary).toMatch(/\s+1 AWS::EC2::VPC/);
    expect(summary).toMatch(/\s+1 AWS::StepFunctions::StateMachine/);
  });
});

describe('ExamplePipelineStack switches', () => {
  test.each([EgressMode.PUBLIC_SUBNETS, EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS])(
    'egress %s: the concurrent jobs fit the addresses of the job subnets', (egress) => {
      // Given the example in this egress mode (its /25 gives /27 or /26 job subnets)
      // When it synthesizes, BatchProcessor checks maxvCpus / vcpu against the job subnets' free addresses
      const { template } = exampleStack({ egress, desktopImage: 'qc-desktop-2026-11' });
      // Then 11 vCPUs of 0.25-vCPU jobs (44 tasks) fit, with the desktop too
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ MaxvCpus: EXAMPLE_MAX_VCPUS }) });
    });

  test('egress NAT_GATEWAY: one NAT gateway, as the original system', () => {
    const { template } = exampleStack({ egress: EgressMode.NAT_GATEWAY });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('egress VPC_ENDPOINTS: no internet route, and the job image is pushed to the bootstrap ECR repository of the stack region', () => {
    // Given the example without internet access
    const { app, stack, template } = exampleStack({ egress: EgressMode.VPC_ENDPOINTS });
    // Then there is no way out but the endpoints
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 4); // S3 gateway + ECR API, ECR Docker, CloudWatch Logs
    // And the sample job's asset goes to private ECR of eu-west-2, which the ECR endpoints serve
    const { images } = dockerImages(app, stack);
    const destinations = Object.values(images[0].destinations);
    expect(destinations).toEqual([expect.objectContaining({ region: TEST_ENV.region, repositoryName: expect.stringMatching(/^cdk-.*-container-assets-/) })]);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: Match.objectLike({
        Image: { 'Fn::Sub': Match.stringLikeRegexp(`^${TEST_ENV.account}\\.dkr\\.ecr\\.${TEST_ENV.region}\\.`) },
      }),
    });
  });

  test.each([
    [StagingStrategy.AUTO, 2],
    [StagingStrategy.DATASYNC, 2],
    [StagingStrategy.DIRECT, 0],
  ])('staging %s synthesizes with %d DataSync tasks', (staging, tasks) => {
    const { stack, template, app } = exampleStack({ staging });
    expect(() => app.synth()).not.toThrow();
    expect(stack.pipeline.staging).toBe(staging);
    template.resourceCountIs('AWS::DataSync::Task', tasks);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Batch::JobDefinition', 1);
  });

  test('desktopImage adds the quality-control desktop streaming that image, with its stack name as an output', () => {
    // When a desktop image is given
    const { stack, template } = exampleStack({ desktopImage: 'qc-desktop-2026-11', desktopS3PrefixListId: 'pl-7ca54015' });
    // Then a fleet streams it, inside the VPC and without internet access
    template.resourceCountIs('AWS::AppStream::Fleet', 1);
    template.resourceCountIs('AWS::AppStream::Stack', 1);
    template.hasResourceProperties('AWS::AppStream::Fleet', {
      ImageName: 'qc-desktop-2026-11',
      EnableDefaultInternetAccess: false,
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
    // And it may mount EFS read-only, and reach S3 through the given prefix list
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', Match.objectLike({ DestinationPrefixListId: 'pl-7ca54015', FromPort: 443 }));
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.PipelineDesktopStackName.Value).toEqual(stack.resolve(stack.pipeline.desktop!.stackName));
  });

  test('fails when the desktop image is not an AppStream 2.0 image name', () => {
    expect(() => exampleStack({ desktopImage: 'qc desktop' })).toThrow(/'desktop.imageName'.*qc desktop.*allowed/);
  });

  test('watches the given prefix and suffixes', () => {
    // When a user changes what starts a run
    const { template } = exampleStack({ watchPrefix: 'uploads/', suffixes: ['.csv'] });
    // Then stage-in reads and the trigger watches exactly that, and the upload location says so
    template.hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/uploads/' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: 'uploads/', WATCH_SUFFIXES: '[".csv"]' }) },
    });
    template.hasOutput('PipelineUploadLocation', { Value: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/uploads/']] } });
  });

  test('caps the trigger function at the given reserved concurrency', () => {
    const { template } = exampleStack({ triggerReservedConcurrency: 5 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: 'incoming/' }) },
      ReservedConcurrentExecutions: 5,
    });
  });

  test('subscribes the notification email to the failure topic', () => {
    const { template } = exampleStack({ notificationEmail: 'ops@example.com' });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('NotificationTopic') },
    });
  });

  test('fails when the notification email is not an email address', () => {
    expect(() => exampleStack({ notificationEmail: 'ops' }))
      .toThrow("ExamplePipelineStack 'Example': 'notificationEmail' 'ops' is not valid; allowed: an email address, or leave it out");
  });
});
