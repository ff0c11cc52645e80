import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EgressMode } from '@batch-pipeline/network';
import { TEST_ENV, nagFindings } from '@batch-pipeline/test-support';
import { summarizeAssembly } from '../src/assembly-summary';
import { ExamplePipelineStack, ExamplePipelineStackProps } from '../src/example-pipeline-stack';

function exampleStack(props: ExamplePipelineStackProps = {}) {
  const app = new App();
  const stack = new ExamplePipelineStack(app, 'Example', { env: TEST_ENV, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

describe('ExamplePipelineStack with its defaults', () => {
  // Given the example stack as `npm start` synthesizes it
  const { app, stack, template } = exampleStack();

  test('builds the network in the original /25 with the cheapest egress mode', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/25' });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  test('has the upload, reports and access-log buckets and one EFS file system with its access point', () => {
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.resourceCountIs('AWS::EFS::FileSystem', 1);
    template.resourceCountIs('AWS::EFS::AccessPoint', 1);
  });

  test('has the two DataSync tasks: stage in from incoming/ into /staging, stage out into reports/', () => {
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
      ContainerProperties: Match.objectLike({ ReadonlyRootFilesystem: true }),
    });
  });

  test('the job image is one Docker asset holding the Dockerfile and report.mjs', () => {
    const assembly = app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf-8'));
    const images = Object.values(manifest.dockerImages) as Array<{ source: { directory: string; platform?: string } }>;
    expect(images).toHaveLength(1);
    const staged = path.join(assembly.directory, images[0].source.directory);
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

  test('keeps no compute running when idle: no NAT gateway, no instances, Batch on Fargate', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 0);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'FARGATE' }),
    });
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

  test('passes cdk-nag with nothing unacknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  test('the summary names the template and counts resources by type', () => {
    const summary = summarizeAssembly(app.synth(), '/');
    expect(summary).toMatch(/^Cloud assembly written to /);
    expect(summary).toMatch(/- Example: .*Example\.template\.json, \d+ resources/);
    expect(summary).toMatch(/\s+1 AWS::EC2::VPC/);
    expect(summary).toMatch(/\s+1 AWS::StepFunctions::StateMachine/);
  });
});

describe('ExamplePipelineStack with props', () => {
  test.each([EgressMode.PUBLIC_SUBNETS, EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS])(
    'egress %s: the concurrent jobs fit the addresses of the job subnets', (egress) => {
      // Given the example in this egress mode (its /25 gives /27 or /26 job subnets)
      // When it synthesizes, BatchProcessor checks maxvCpus / vcpu against the job subnets' free addresses
      const { stack } = exampleStack({ egress });
      // Then 11 vCPUs of 0.25-vCPU jobs (44 tasks) fit
      expect(stack.processor.maxvCpus).toBe(11);
      Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ MaxvCpus: 11 }) });
    });

  test('watches the given prefix and suffixes', () => {
    // When a user changes what starts a run
    const { template } = exampleStack({ watchPrefix: 'uploads/', suffixes: ['.csv'] });
    // Then stage-in reads and the trigger watches exactly that
    template.hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/uploads/' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: 'uploads/', WATCH_SUFFIXES: '[".csv"]' }) },
    });
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
