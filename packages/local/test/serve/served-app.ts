import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { serveRuntime, ServedRuntime } from '../../src/serve/serve-runtime';
import { pipelineTemplate, temporaryDirectory, TRIGGER_ASSET, writeAssembly } from '../assembly/tiny-assembly';

/**
 * A small pipeline for the served runtime's tests, written as `cdk synth` would: an upload bucket
 * whose notification invokes a trigger function (real code: it starts one execution per upload
 * through the local Step Functions endpoint and logs a line), a state machine that runs a Batch job
 * (a local command: `node job.js`, which prints lines, exits 3 for a key with `fail`, runs a minute
 * for a key with `slow`) and publishes to a topic, log groups named by the template, and outputs.
 */
export interface ServedApp {
  readonly appDirectory: string;
  readonly assemblyDirectory: string;
}

export const STACK = 'ServedPipeline';
export const TRIGGER_LOG_GROUP = '/served-pipeline/trigger';
export const JOB_LOG_GROUP = '/served-pipeline/jobs';

const TRIGGER_CODE = `
exports.handler = async (event) => {
  const record = event.Records[0];
  const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));
  const name = key.replace(/[^A-Za-z0-9]/g, '_').slice(0, 40) + '-' + (record.s3.object.versionId || 'null').replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  const mode = key.includes('slow') ? 'slow' : key.includes('fail') ? 'fail' : 'ok';
  const answer = await fetch(process.env.AWS_ENDPOINT_URL_SFN, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.StartExecution' },
    body: JSON.stringify({ stateMachineArn: process.env.STATE_MACHINE_ARN, name, input: JSON.stringify({ name, mode, key }) }),
  });
  console.log('trigger started ' + name + ' for ' + key + ': ' + answer.status);
};
`;

const JOB_CODE = `
console.log('job begins in mode ' + process.env.MODE);
if (process.env.MODE === 'slow') setTimeout(() => console.log('job ends late'), 60000);
else { console.log('job report written'); process.exitCode = process.env.MODE === 'fail' ? 3 : 0; }
`;

function definition(): unknown {
  const states = {
    StartAt: 'Process',
    States: {
      Process: {
        Type: 'Task',
        Resource: 'arn:aws:states:::batch:submitJob.sync',
        TimeoutSeconds: 3600,
        Parameters: {
          'JobName.$': '$.name',
          'JobQueue': '${Queue}',
          'JobDefinition': '${JobDefinition}',
          'ContainerOverrides': { Environment: [{ 'Name': 'MODE', 'Value.$': '$.mode' }] },
        },
        ResultPath: null,
        Next: 'Tell',
      },
      Tell: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        TimeoutSeconds: 60,
        Parameters: { 'TopicArn': '${Topic}', 'Message.$': '$.key' },
        ResultPath: null,
        End: true,
      },
    },
  };
  return { 'Fn::Sub': [JSON.stringify(states), { Queue: { Ref: 'Queue' }, JobDefinition: { Ref: 'JobDefinition' }, Topic: { Ref: 'Topic' } }] };
}

export function writeServedApp(): ServedApp {
  const appDirectory = temporaryDirectory('served-app-');
  writeFileSync(path.join(appDirectory, 'job.js'), JOB_CODE);
  // The smallest pipeline's upload bucket (versioned, its notification on incoming/), with this app's trigger, state machine and job.
  const resources = {
    TriggerLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: TRIGGER_LOG_GROUP } },
    Trigger: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: TRIGGER_ASSET },
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Timeout: 30,
        LoggingConfig: { LogGroup: { Ref: 'TriggerLogs' } },
        Environment: { Variables: { STATE_MACHINE_ARN: { Ref: 'StateMachine' } } },
      },
    },
    StateMachine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definition() } },
    Queue: { Type: 'AWS::Batch::JobQueue', Properties: { Priority: 1, State: 'ENABLED', ComputeEnvironmentOrder: [] } },
    JobLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: JOB_LOG_GROUP } },
    JobDefinition: {
      Type: 'AWS::Batch::JobDefinition',
      Metadata: { 'batch-pipeline:localRun': { localCommand: ['node', 'job.js'] } },
      Properties: {
        Type: 'container',
        PlatformCapabilities: ['FARGATE'],
        ContainerProperties: {
          Image: 'public.ecr.aws/docker/library/node:22',
          LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: 'JobLogs' } } },
        },
      },
    },
    Topic: { Type: 'AWS::SNS::Topic' },
  };
  const template = {
    Resources: pipelineTemplate({ notifications: 'bucket', prefix: 'incoming/', resources }).Resources,
    Outputs: {
      UploadBucketName: { Description: 'Upload under incoming/ to start a run', Value: { Ref: 'UploadBucket' } },
      StateMachineArn: { Value: { Ref: 'StateMachine' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-StateMachineArn' } } },
    },
  };
  const assemblyDirectory = writeAssembly(path.join(appDirectory, 'cdk.out'), [{
    id: STACK, template, environment: 'aws://123456789012/eu-west-2', fileAssets: [TRIGGER_ASSET],
  }]);
  writeFileSync(path.join(assemblyDirectory, `asset.${TRIGGER_ASSET.replace(/\.zip$/, '')}`, 'index.js'), TRIGGER_CODE);
  return { appDirectory, assemblyDirectory };
}

/** The app, served on a free port of 127.0.0.1 with waits a hundred times shorter and jobs as local processes. */
export async function serveApp(): Promise<{ app: ServedApp; served: ServedRuntime }> {
  const app = writeServedApp();
  const served = await serveRuntime({
    assemblyDirectory: app.assemblyDirectory,
    appDirectory: app.appDirectory,
    stateDirectory: `${app.appDirectory}/state`,
    timeScale: 0.01,
    docker: false,
    port: 0,
  });
  return { app, served };
}
