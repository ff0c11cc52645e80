import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { pipelineTemplate, StackSpec, temporaryDirectory, Template, TRIGGER_ASSET, writeAssembly } from './tiny-assembly';
import { readCloudAssembly } from '../../src/assembly/cloud-assembly';
import { discoverPipelines, LOCAL_DEFAULT_ENVIRONMENT, selectPipeline } from '../../src/assembly/discover-pipelines';
import { LocalRuntimeError } from '../../src/runtime/local-runtime-error';

let root: string;

beforeEach(() => {
  root = temporaryDirectory('discover-pipelines-');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function assemblyOf(...stacks: StackSpec[]) {
  return readCloudAssembly(writeAssembly(path.join(root, 'cdk.out'), stacks));
}

function stack(id: string, template: Template, environment?: string): StackSpec {
  return { id, template, fileAssets: [TRIGGER_ASSET], environment };
}

describe('finding the pipeline of a stack', () => {
  test.each(['custom-resource', 'bucket'] as const)('a bucket notification (%s style) that invokes a function naming the state machine is a pipeline', (notifications) => {
    // given a stack whose upload bucket notifies the trigger, whose environment names the state machine
    const assembly = assemblyOf(stack('Pipeline', pipelineTemplate({ notifications, prefix: 'incoming/', suffix: '.csv' }), 'aws://123456789012/eu-west-2'));

    // when the pipelines are discovered
    const pipelines = discoverPipelines(assembly);

    // then there is one, with its trigger's bucket, filters and function
    expect(pipelines).toHaveLength(1);
    const [pipeline] = pipelines;
    expect(pipeline.stackName).toBe('Pipeline');
    expect(pipeline.region).toBe('eu-west-2');
    expect(pipeline.stateMachine.arn).toBe(`arn:aws:states:eu-west-2:123456789012:stateMachine:${pipeline.stateMachine.name}`);
    expect(pipeline.stateMachine.definition).toEqual({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
    expect(pipeline.uploadTriggers).toHaveLength(1);
    const [trigger] = pipeline.uploadTriggers;
    expect(trigger.bucket.logicalId).toBe('UploadBucket');
    expect(trigger.bucket.versioned).toBe(true);
    expect(trigger.events).toEqual(['s3:ObjectCreated:*']);
    expect(trigger.prefix).toBe('incoming/');
    expect(trigger.suffix).toBe('.csv');
    const fn = pipeline.functions.get(trigger.functionArn)!;
    expect(fn.logicalId).toBe('Trigger');
    expect(fn.environment.STATE_MACHINE_ARN).toBe(pipeline.stateMachine.arn);
  });

  test('a trigger without filter rules has neither prefix nor suffix', () => {
    const [trigger] = discoverPipelines(assemblyOf(stack('Pipeline', pipelineTemplate()))).map((pipeline) => pipeline.uploadTriggers[0]);
    expect(trigger.prefix).toBeUndefined();
    expect(trigger.suffix).toBeUndefined();
  });

  test('filter rule names are matched without regard to case (Prefix, Suffix)', () => {
    const template = pipelineTemplate({ notifications: 'bucket' });
    template.Resources.UploadBucket.Properties.NotificationConfiguration.LambdaConfigurations[0].Filter = {
      S3Key: { Rules: [{ Name: 'Prefix', Value: 'in/' }, { Name: 'Suffix', Value: '.txt' }] },
    };
    const [trigger] = discoverPipelines(assemblyOf(stack('Pipeline', template)))[0].uploadTriggers;
    expect([trigger.prefix, trigger.suffix]).toEqual(['in/', '.txt']);
  });

  test('an environment-agnostic stack gets the local default account and region', () => {
    const [pipeline] = discoverPipelines(assemblyOf(stack('Pipeline', pipelineTemplate())));
    expect([pipeline.account, pipeline.region]).toEqual([LOCAL_DEFAULT_ENVIRONMENT.account, LOCAL_DEFAULT_ENVIRONMENT.region]);
  });

  test('a function that does not start this state machine is not its trigger', () => {
    // given a bucket that notifies a function whose environment names no state machine
    const assembly = assemblyOf(stack('Pipeline', pipelineTemplate({ triggerStartsStateMachine: false })));

    // then there is no pipeline
    expect(discoverPipelines(assembly)).toEqual([]);
  });

  test('only the trigger that starts a state machine belongs to its pipeline', () => {
    // given two state machines and one trigger that starts the second
    const template = pipelineTemplate();
    template.Resources.Unrelated = { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}' } };
    const pipelines = discoverPipelines(assemblyOf(stack('Pipeline', template)));

    // then only the started one is a pipeline
    expect(pipelines.map((pipeline) => pipeline.stateMachine.logicalId)).toEqual(['StateMachine']);
  });

  test('a function whose code is not in the assembly (inline code) is not a trigger', () => {
    const template = pipelineTemplate();
    template.Resources.Trigger.Properties.Code = { ZipFile: 'exports.handler = async () => {}' };
    expect(discoverPipelines(assemblyOf(stack('Pipeline', template)))).toEqual([]);
  });

  test('a notification custom resource whose service token the runtime cannot resolve still counts', () => {
    // given a ServiceToken imported from another stack (Fn::ImportValue is not resolved locally)
    const template = pipelineTemplate();
    template.Resources.UploadBucketNotifications.Properties.ServiceToken = { 'Fn::ImportValue': 'SharedNotificationsHandler' };
    expect(discoverPipelines(assemblyOf(stack('Pipeline', template)))).toHaveLength(1);
  });

  test('definition substitutions are resolved into the definition', () => {
    // given a definition with ${Bucket} that DefinitionSubstitutions maps to a Ref
    const template = pipelineTemplate();
    template.Resources.StateMachine.Properties = {
      DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"bucket":"${Bucket}","kept":"${NotASubstitution}","proto":"${constructor}"},"End":true}}}',
      DefinitionSubstitutions: { Bucket: { Ref: 'UploadBucket' } },
    };
    const [pipeline] = discoverPipelines(assemblyOf(stack('Pipeline', template)));
    const result = pipeline.stateMachine.definition.States.A.Result;
    expect(result.bucket).toBe(pipeline.uploadTriggers[0].bucket.name);
    expect(result.kept).toBe('${NotASubstitution}');
    expect(result.proto).toBe('${constructor}');
  });

  test('a state machine whose definition is in S3 fails with what to do', () => {
    const template = pipelineTemplate();
    template.Resources.StateMachine.Properties = { DefinitionS3Location: { Bucket: 'b', Key: 'k' } };
    expect(() => discoverPipelines(assemblyOf(stack('Pipeline', template)))).toThrow(/DefinitionS3Location/);
  });
});

describe('what a pipeline touches', () => {
  function storageTemplate(): Template {
    return pipelineTemplate({
      resources: {
        Reports: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'reports-bucket' } },
        Efs: { Type: 'AWS::EFS::FileSystem' },
        Ap: { Type: 'AWS::EFS::AccessPoint', Properties: { FileSystemId: { Ref: 'Efs' }, RootDirectory: { Path: '/pipeline' } } },
        Workspace: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Code: { S3Bucket: 'b', S3Key: TRIGGER_ASSET },
            Handler: 'index.handler',
            Runtime: 'nodejs22.x',
            Timeout: 60,
            FileSystemConfigs: [{ Arn: { 'Fn::GetAtt': ['Ap', 'Arn'] }, LocalMountPath: '/mnt/pipeline' }],
          },
        },
        Queue: { Type: 'AWS::Batch::JobQueue', Properties: { JobQueueName: 'jobs', State: 'DISABLED' } },
        JobLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/pipeline/jobs' } },
        Job: {
          Type: 'AWS::Batch::JobDefinition',
          Properties: {
            JobDefinitionName: 'process',
            ContainerProperties: {
              Image: 'repo:tag1',
              Environment: [{ Name: 'OUTPUT', Value: '/mnt/pipeline/out' }],
              MountPoints: [{ SourceVolume: 'efs', ContainerPath: '/mnt/pipeline' }],
              Volumes: [{ Name: 'efs', EfsVolumeConfiguration: { FileSystemId: { Ref: 'Efs' }, TransitEncryption: 'ENABLED', AuthorizationConfig: { AccessPointId: { Ref: 'Ap' } } } }],
              LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: 'JobLogs' }, 'awslogs-stream-prefix': 'process' } },
            },
            RetryStrategy: { Attempts: 2 },
            Timeout: { AttemptDurationSeconds: 600 },
          },
          Metadata: { 'batch-pipeline:localRun': { localCommand: ['node', 'job/run.js'] } },
        },
        SourceLocation: { Type: 'AWS::DataSync::LocationS3', Properties: { S3BucketArn: { 'Fn::GetAtt': ['UploadBucket', 'Arn'] }, Subdirectory: '/incoming' } },
        TargetLocation: { Type: 'AWS::DataSync::LocationEFS', Properties: { AccessPointArn: { 'Fn::GetAtt': ['Ap', 'Arn'] }, EfsFilesystemArn: { 'Fn::GetAtt': ['Efs', 'Arn'] }, Subdirectory: '/runs' } },
        StageIn: { Type: 'AWS::DataSync::Task', Properties: { SourceLocationArn: { 'Fn::GetAtt': ['SourceLocation', 'LocationArn'] }, DestinationLocationArn: { Ref: 'TargetLocation' } } },
        Failures: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'alias/aws/sns' } },
      },
    });
  }

  test('functions mount access points, jobs their volumes, with the access point\'s root directory', () => {
    const [pipeline] = discoverPipelines(assemblyOf(stack('Pipeline', storageTemplate())));
    const workspace = [...pipeline.functions.values()].find((fn) => fn.logicalId === 'Workspace')!;
    expect(workspace.mounts).toEqual([{ mountPath: '/mnt/pipeline', fileSystemLogicalId: 'Efs', rootDirectory: '/pipeline' }]);
    expect(workspace.timeoutSeconds).toBe(60);
    const job = [...pipeline.jobDefinitions.values()][0];
    expect(job).toMatchObject({
      name: 'process',
      arn: 'arn:aws:batch:us-east-1:000000000000:job-definition/process:1',
      environment: { OUTPUT: '/mnt/pipeline/out' },
      mounts: [{ mountPath: '/mnt/pipeline', fileSystemLogicalId: 'Efs', rootDirectory: '/pipeline' }],
      attempts: 2,
      attemptDurationSeconds: 600,
      localRun: { localCommand: ['node', 'job/run.js'] },
      image: 'repo:tag1',
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/pipeline/jobs', 'awslogs-stream-prefix': 'process' } },
    });
    expect([...pipeline.jobQueues.values()][0]).toMatchObject({ name: 'jobs', state: 'DISABLED' });
    expect([...pipeline.topics.values()][0].encrypted).toBe(true);
  });

  test('DataSync tasks and their locations resolve to buckets and file system folders', () => {
    const [pipeline] = discoverPipelines(assemblyOf(stack('Pipeline', storageTemplate())));
    const [task] = [...pipeline.dataSyncTasks.values()];
    expect(pipeline.dataSyncLocations.get(task.sourceLocationArn)).toMatchObject({ kind: 'S3', bucketName: pipeline.uploadTriggers[0].bucket.name, subdirectory: '/incoming' });
    expect(pipeline.dataSyncLocations.get(task.destinationLocationArn)).toMatchObject({ kind: 'EFS', fileSystemLogicalId: 'Efs', accessPointRootDirectory: '/pipeline', subdirectory: '/runs' });
  });

  test('a function that mounts an access point outside the stack fails with what to do', () => {
    const template = storageTemplate();
    template.Resources.Workspace.Properties.FileSystemConfigs[0].Arn = 'arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123456789abcdef0';
    let error: unknown;
    try {
      discoverPipelines(assemblyOf(stack('Pipeline', template)));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as LocalRuntimeError).message).toContain('mounts the access point arn:aws:elasticfilesystem:us-east-1:000000000000:access-point/fsap-0123456789abcdef0, which is not in the stack');
  });
});

describe('choosing one pipeline', () => {
  test('an assembly without a pipeline fails, naming its stacks and what to do', () => {
    // given a stack with a bucket and no state machine
    const assembly = assemblyOf({ id: 'JustABucket', template: { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } } });

    // then selecting fails with a LocalRuntimeError
    let error: unknown;
    try {
      selectPipeline(assembly);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as LocalRuntimeError).message).toContain('has no pipeline');
    expect((error as LocalRuntimeError).message).toContain('(stacks: JustABucket)');
    expect((error as LocalRuntimeError).remedy).toContain('--assembly');
  });

  test('the only pipeline is chosen without --pipeline', () => {
    expect(selectPipeline(assemblyOf(stack('Pipeline', pipelineTemplate()))).stackName).toBe('Pipeline');
  });

  test('several pipelines need --pipeline, by stack or by stack and state machine', () => {
    // given two stacks with a pipeline each
    const assembly = assemblyOf(stack('Dev', pipelineTemplate()), stack('Prod', pipelineTemplate({ prefix: 'prod/' })));

    // then without a selector it fails and lists them, and with one it picks it
    expect(() => selectPipeline(assembly)).toThrow('the cloud assembly has 2 pipelines: Dev/StateMachine, Prod/StateMachine');
    expect(selectPipeline(assembly, 'Prod').uploadTriggers[0].prefix).toBe('prod/');
    expect(selectPipeline(assembly, 'Dev/StateMachine').stackName).toBe('Dev');
    expect(() => selectPipeline(assembly, 'Staging')).toThrow('no pipeline matches --pipeline Staging; the assembly has: Dev/StateMachine, Prod/StateMachine');
  });
});
