import { pipelineTemplate } from './tiny-assembly';
import { discoverDeployedPipelines, DeployedStack } from '../../src/assembly/discover-pipelines';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-2:111122223333:stateMachine:StateMachine2E01A3A5-AbCdEf';

function deployed(physicalIds: Record<string, string>, template = pipelineTemplate({ prefix: 'incoming/' })): DeployedStack {
  return { stackName: 'Deployed', region: 'eu-west-2', account: '111122223333', template, physicalIds: new Map(Object.entries(physicalIds)) };
}

const PHYSICAL_IDS = {
  UploadBucket: 'deployed-uploadbucket-1x2y3z',
  Trigger: 'Deployed-Trigger-9QwErTy',
  StateMachine: STATE_MACHINE_ARN,
  BucketNotificationsHandler: 'Deployed-BucketNotificationsHandler-1a',
  UploadBucketNotifications: 'aws-resource-id-1',
};

describe('discovering the pipeline of a deployed stack from its template and physical ids', () => {
  test('given a deployed pipeline stack, when discovered, then names and ARNs are the deployed ones and the functions count without their code', () => {
    const [pipeline] = discoverDeployedPipelines(deployed(PHYSICAL_IDS));

    expect(pipeline.stateMachine.arn).toBe(STATE_MACHINE_ARN);
    expect(pipeline.stateMachine.name).toBe('StateMachine2E01A3A5-AbCdEf');
    expect(pipeline.uploadTriggers).toHaveLength(1);
    expect(pipeline.uploadTriggers[0].bucket.name).toBe('deployed-uploadbucket-1x2y3z');
    expect(pipeline.uploadTriggers[0].prefix).toBe('incoming/');
    expect(pipeline.uploadTriggers[0].functionArn).toBe('arn:aws:lambda:eu-west-2:111122223333:function:Deployed-Trigger-9QwErTy');
    expect(pipeline.functions.get(pipeline.uploadTriggers[0].functionArn)?.codeDirectory).toBe('');
    expect(pipeline.region).toBe('eu-west-2');
  });

  test('given the ARN of a job definition, queue and topic, when their names are asked, then they come from the ARN', () => {
    const template = pipelineTemplate({
      resources: {
        Queue: { Type: 'AWS::Batch::JobQueue', Properties: {} },
        Definition: { Type: 'AWS::Batch::JobDefinition', Properties: { Type: 'container', ContainerProperties: { Image: 'x' } } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
    });
    const [pipeline] = discoverDeployedPipelines(deployed({
      ...PHYSICAL_IDS,
      Queue: 'arn:aws:batch:eu-west-2:111122223333:job-queue/JobQueue-abc',
      Definition: 'arn:aws:batch:eu-west-2:111122223333:job-definition/Definition-xyz:3',
      Topic: 'arn:aws:sns:eu-west-2:111122223333:Deployed-Topic-1',
    }, template));

    expect([...pipeline.jobQueues.values()].map((queue) => queue.name)).toEqual(['JobQueue-abc']);
    expect([...pipeline.jobDefinitions.values()].map((definition) => [definition.name, definition.arn]))
      .toEqual([['Definition-xyz', 'arn:aws:batch:eu-west-2:111122223333:job-definition/Definition-xyz:3']]);
    expect([...pipeline.topics.values()].map((topic) => topic.name)).toEqual(['Deployed-Topic-1']);
  });

  test('given a deployed stack with a state machine but no upload trigger, when discovered, then it holds no pipeline', () => {
    expect(discoverDeployedPipelines(deployed(PHYSICAL_IDS, pipelineTemplate({ triggerStartsStateMachine: false })))).toEqual([]);
  });
});
