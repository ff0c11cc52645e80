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
