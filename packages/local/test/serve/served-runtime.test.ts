import { rmSync } from 'node:fs';
import { BatchClient, DescribeJobsCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand, paginateFilterLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, ListObjectVersionsCommand,
  paginateListObjectsV2, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand, ListExecutionsCommand, ListStateMachinesCommand,
  paginateGetExecutionHistory, paginateListExecutions, SFNClient, StartExecutionCommand, StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { JOB_LOG_GROUP, STACK, TRIGGER_LOG_GROUP, ServedApp, serveApp } from './served-app';
import { ServedRuntime } from '../../src/serve/serve-runtime';

/** Any credentials: the served runtime checks no signature. */
const CLIENT = { region: 'eu-west-2', credentials: { accessKeyId: 'AKIDSERVED', secretAccessKey: 'any-secret' } };

let served: ServedRuntime;
let app: ServedApp;
let s3: S3Client;
let sfn: SFNClient;
let bucket: string;
let stateMachineArn: string;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const page of pages) result.push(page);
  return result;
}

/**
 * Uploads one key after the other, each time until its run ended: the trigger is invoked
 * asynchronously, so uploads made at once start their runs in no fixed order.
 */
async function upload(...keys: string[]): Promise<void> {
  for (const key of keys) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    await served.runtime.idle();
  }
}

beforeAll(async () => {
  ({ app, served } = await serveApp());
  s3 = new S3Client({ ...CLIENT, endpoint: served.endpoint, forcePathStyle: true });
  sfn = new SFNClient({ ...CLIENT, endpoint: served.endpoint });
  bucket = served.runtime.model.uploadTriggers[0].bucket.name;
  stateMachineArn = served.runtime.model.stateMachine.arn;
  await upload('incoming/a.csv', 'incoming/b.csv', 'incoming/fail.csv', 'notes/readme.txt', 'notes/2026/x.txt');
});

afterAll(async () => {
  await served?.stop();
  rmSync(app.appDirectory, { recursive: true, force: true });
});

describe('served on one port, routed by the SigV4 service name', () => {
  test('given the default options, when served, then it listens on 127.0.0.1 and answers every service listed', () => {
    expect(served.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(served.services).toEqual(['s3', 'states', 'cloudformation', 'logs', 'batch', 'sns', 'lambda', 'datasync']);
    expect(served.stacks).toEqual([STACK]);
  });

  test('given a request signed for a service it does not serve, when sent, then it answers UnknownOperationException in that JSON protocol', async () => {
    const answer = await fetch(served.endpoint, {
      method: 'POST',
      headers: {
        'authorization': 'AWS4-HMAC-SHA256 Credential=AKID/20261206/eu-west-2/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ __type: 'UnknownOperationException', message: expect.stringContaining("does not serve the service 'dynamodb'") });
  });

  test('given a request signed for Lambda, when it invokes a function, then Lambda\'s Invoke answers it: a pipeline function runs, another is not found', async () => {
    const invoke = (functionName: string, type: string) => fetch(`${served.endpoint}/2015-03-31/functions/${functionName}/invocations`, {
      method: 'POST',
      headers: {
        'authorization': 'AWS4-HMAC-SHA256 Credential=AKID/20261206/eu-west-2/lambda/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-invocation-type': type,
      },
      body: '{}',
    });
    const trigger = [...served.runtime.model.functions.values()][0].name;
    expect((await invoke(trigger, 'DryRun')).status).toBe(204);
    const missing = await invoke('not-in-the-pipeline', 'RequestResponse');
    expect([missing.status, missing.headers.get('x-amzn-errortype')]).toEqual([404, 'ResourceNotFoundException']);
  });

  test('given a request signed for DataSync, when it describes or cancels a task execution the runs never started, then DataSync\'s InvalidRequestException', async () => {
    const call = (operation: string, body: object) => fetch(served.endpoint, {
      method: 'POST',
      headers: {
        'authorization': 'AWS4-HMAC-SHA256 Credential=AKID/20261206/eu-west-2/datasync/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-target': `FmrsService.${operation}`,
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify(body),
    });
    const arn = 'arn:aws:datasync:eu-west-2:123456789012:task/task-0123456789abcdef0/execution/exec-0123456789abcdef0';
    for (const operation of ['DescribeTaskExecution', 'CancelTaskExecution']) {
      const answer = await call(operation, { TaskExecutionArn: arn });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ __type: 'InvalidRequestException', message: expect.stringContaining('does not exist') });
    }
    const malformed = await call('CancelTaskExecution', { TaskExecutionArn: 'exec-1' });
    expect(await malformed.json()).toMatchObject({ __type: 'InvalidRequestException', message: expect.stringContaining('failed to satisfy constraint') });
    expect(await (await call('StartTaskExecution', {})).json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  test('given an unsigned Query request, when its form names SNS, then SNS answers it (Publish to the stack\'s topic)', async () => {
    const topicArn = [...served.runtime.model.topics.keys()][0];
    const answer = await fetch(served.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: topicArn, Message: 'hello' }).toString(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toMatch(/<PublishResponse[^>]*><PublishResult><MessageId>[^<]+<\/MessageId>/);
  });
});

describe('S3', () => {
  test('given the stack\'s buckets, when ListBuckets, then each is listed', async () => {
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toEqual([bucket]);
  });

  test('given keys in folders, when ListObjectsV2 with a delimiter, then folders roll up into CommonPrefixes', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['incoming/', 'notes/']);
    expect(top.Contents).toBeUndefined();
    const notes = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', Prefix: 'notes/' }));
    expect(notes.Contents?.map((o) => o.Key)).toEqual(['notes/readme.txt']);
    expect(notes.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['notes/2026/']);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'incoming/b.csv' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['incoming/fail.csv', 'notes/2026/x.txt', 'notes/readme.txt']);
  });

  test('given pages of one entry, when the paginator follows the continuation tokens, then every key and prefix comes once, in order', async () => {
    const pages = await all(paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket: bucket, Delimiter: '/', Prefix: 'notes/' }));
    expect(pages.map((page) => [...(page.Contents ?? []).map((o) => o.Key), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix)])).toEqual([['notes/2026/'], ['notes/readme.txt']]);
    const flat = await all(paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: bucket }));
    expect(flat.flatMap((page) => page.Contents?.map((o) => o.Key) ?? [])).toEqual(['incoming/a.csv', 'incoming/b.csv', 'incoming/fail.csv', 'notes/2026/x.txt', 'notes/readme.txt']);
  });

  test('given a token that is not one, when ListObjectsV2, then S3 refuses it with InvalidArgument', async () => {
    await expect(s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: 'not a token' }))).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  test('given two versions and a delete marker, when ListObjectVersions and GetObject/HeadObject by version, then each version is there', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes/v.txt', Body: 'one' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes/v.txt', Body: 'two!' }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'notes/v.txt' }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'notes/v.txt' }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size])).toEqual([[second.VersionId, false, 4], [first.VersionId, false, 3]]);
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[marker.VersionId, true]]);
    const old = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes/v.txt', VersionId: first.VersionId }));
    expect(await old.Body?.transformToString()).toBe('one');
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'notes/v.txt', VersionId: second.VersionId }))).ContentLength).toBe(4);
    const paged = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'notes/v.txt', MaxKeys: 1 }));
    expect(paged.IsTruncated).toBe(true);
    const rest = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'notes/v.txt', KeyMarker: paged.NextKeyMarker, VersionIdMarker: paged.NextVersionIdMarker }));
    expect(rest.Versions?.map((v) => v.VersionId)).toEqual([second.VersionId, first.VersionId]);
  });

  test('given an object version, when CopyObject, then the copy is a new version with the same body; copying onto itself unchanged is refused', async () => {
    const source = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes/source.txt', Body: 'copied body', ContentType: 'text/plain' }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'notes/copy.txt', CopySource: `${bucket}/notes/source.txt?versionId=${source.VersionId}` }));
    expect(copy.CopySourceVersionId).toBe(source.VersionId);
    expect(copy.CopyObjectResult?.ETag).toBe(source.ETag);
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes/copy.txt' }));
    expect([await read.Body?.transformToString(), read.ContentType, read.VersionId]).toEqual(['copied body', 'text/plain', copy.VersionId]);
    await expect(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'notes/source.txt', CopySource: `${bucket}/notes/source.txt` }))).rejects.toMatchObject({ name: 'InvalidRequest' });
    await expect(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'notes/x.txt', CopySource: `${bucket}/notes/missing.txt` }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  test('given a copy source key S3 refuses (a \'..\' segment, over 1,024 bytes), when CopyObject, then it is refused as for any other key and nothing is copied', async () => {
    await expect(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'notes/x.txt', CopySource: `${bucket}/notes/../../outside.txt` }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    await expect(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'notes/x.txt', CopySource: `${bucket}/${'k'.repeat(1025)}` }))).rejects.toMatchObject({ name: 'KeyTooLongError' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'notes/x.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
  });
});

describe('Step Functions', () => {
  test('given the stack\'s state machine, when ListStateMachines and DescribeStateMachine, then it is there with its definition', async () => {
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.map((m) => [m.stateMachineArn, m.type])).toEqual([[stateMachineArn, 'STANDARD']]);
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(JSON.parse(described.definition!).StartAt).toBe('Process');
    expect(described.status).toBe('ACTIVE');
  });

  test('given three runs, when ListExecutions, then newest first, filtered by status, and in pages', async () => {
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.map((e) => e.name?.split('-')[0])).toEqual(['incoming_fail_csv', 'incoming_b_csv', 'incoming_a_csv']);
    const failed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));
    expect(failed.executions?.map((e) => e.status)).toEqual(['FAILED']);
    const pages = await all(paginateListExecutions({ client: sfn, pageSize: 1 }, { stateMachineArn }));
    expect(pages.flatMap((page) => page.executions ?? []).map((e) => e.name)).toEqual(listed.executions?.map((e) => e.name));
    expect(pages).toHaveLength(3);
  });

  test('given a succeeded run, when GetExecutionHistory, then its events in the HistoryEvent shape, reversible and in pages', async () => {
    const [run] = (await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED', maxResults: 1 }))).executions!;
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: run.executionArn }));
    expect(events?.map((e) => e.type)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited',
      'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded',
    ]);
    expect(events?.map((e) => e.id)).toEqual(events?.map((_, index) => index + 1));
    expect(events?.[2].taskScheduledEventDetails).toMatchObject({ resourceType: 'batch', resource: 'submitJob.sync', region: 'eu-west-2' });
    // As on AWS: TaskSubmitted carries SubmitJob's answer, TaskSucceeded the job's DescribeJobs detail as Batch gave it.
    const submitted = JSON.parse(events![4].taskSubmittedEventDetails!.output!);
    expect(submitted).toEqual({ JobArn: expect.stringMatching(/:job\//), JobId: expect.any(String), JobName: expect.any(String) });
    expect(JSON.parse(events![5].taskSucceededEventDetails!.output!)).toMatchObject({ JobId: submitted.JobId, Status: 'SUCCEEDED', Container: expect.any(Object) });
    expect(events?.[1].stateEnteredEventDetails?.name).toBe('Process');
    const reversed = await sfn.send(new GetExecutionHistoryCommand({ executionArn: run.executionArn, reverseOrder: true }));
    expect(reversed.events?.map((e) => e.id)).toEqual(events?.map((e) => e.id).reverse());
    const pages = await all(paginateGetExecutionHistory({ client: sfn, pageSize: 5 }, { executionArn: run.executionArn }));
    expect(pages.map((page) => page.events?.length)).toEqual([5, 5, 3]);
  });

  test('given a failed run, when GetExecutionHistory, then the task failure and the execution failure are in it', async () => {
    const [run] = (await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }))).executions!;
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: run.executionArn, reverseOrder: true, maxResults: 2 }));
    expect(events?.map((e) => e.type)).toEqual(['ExecutionFailed', 'TaskFailed']);
    expect(events?.[1].taskFailedEventDetails?.error).toBe('States.TaskFailed');
  });

  test('given names and tokens that are not right, when called, then InvalidArn, ExecutionDoesNotExist, InvalidToken and StateMachineDoesNotExist', async () => {
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'InvalidArn' });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:nope` })))
      .rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken: 'bogus' }))).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: stateMachineArn.replace(/:[^:]+$/, ':Other') }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  test('given a body that is not JSON or an operation not served, when sent, then SerializationException or UnknownOperationException', async () => {
    const send = (target: string, body: string) => fetch(served.endpoint, {
      method: 'POST',
      headers: {
        'authorization': 'AWS4-HMAC-SHA256 Credential=AKID/20261206/eu-west-2/states/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-target': target,
        'content-type': 'application/x-amz-json-1.0',
      },
      body,
    }).then(async (answer) => [answer.status, ((await answer.json()) as { __type: string }).__type]);
    expect(await send('AWSStepFunctions.ListExecutions', '{not json')).toEqual([400, 'SerializationException']);
    expect(await send('AWSStepFunctions.CreateStateMachine', '{}')).toEqual([400, 'UnknownOperationException']);
  });

  test('given a run whose job runs long, when StopExecution, then it ends ABORTED with the error and cause given, its history says so, and its job is terminated', async () => {
    const name = 'stopped-run';
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ name, mode: 'slow', key: 'k' }) }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'by the test' }));
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect([described.status, described.error, described.cause]).toEqual(['ABORTED', 'Cancelled', 'by the test']);
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    expect(events?.[0]).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Cancelled', cause: 'by the test' } });
    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'ABORTED' }))).executions?.map((e) => e.name)).toEqual([name]);
    // The run's job is terminated: its process gets SIGTERM (exit code 143) and the job ends FAILED with the reason.
    const job = served.runtime.batchEmulator.listJobs().find((candidate) => candidate.detail.JobName === name)!;
    const batch = new BatchClient({ ...CLIENT, endpoint: served.endpoint });
    let terminated;
    for (let waited = 0; waited < 100; waited++) {
      terminated = (await batch.send(new DescribeJobsCommand({ jobs: [String(job.detail.JobId)] }))).jobs?.[0];
      if (terminated?.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(terminated).toMatchObject({ status: 'FAILED', statusReason: `Terminated: execution ${name} was stopped`, container: { exitCode: 143 } });
  });
});

describe('CloudFormation', () => {
  const cloudFormation = () => new CloudFormationClient({ ...CLIENT, endpoint: served.endpoint });

  test('given the assembly\'s stack, when DescribeStacks, then CREATE_COMPLETE with its outputs resolved to the runtime\'s names', async () => {
    const { Stacks } = await cloudFormation().send(new DescribeStacksCommand({ StackName: STACK }));
    expect(Stacks?.[0]).toMatchObject({ StackName: STACK, StackStatus: 'CREATE_COMPLETE' });
    expect(Stacks?.[0].Outputs).toEqual([
      { OutputKey: 'UploadBucketName', OutputValue: bucket, Description: 'Upload under incoming/ to start a run' },
      { OutputKey: 'StateMachineArn', OutputValue: stateMachineArn, ExportName: `${STACK}-StateMachineArn` },
    ]);
    const byId = await cloudFormation().send(new DescribeStacksCommand({ StackName: Stacks?.[0].StackId }));
    expect(byId.Stacks?.[0].StackName).toBe(STACK);
  });

  test('given the stack, when ListStackResources and GetTemplate, then each resource with its physical id, and the template', async () => {
    const { StackResourceSummaries } = await cloudFormation().send(new ListStackResourcesCommand({ StackName: STACK }));
    expect(StackResourceSummaries?.find((r) => r.LogicalResourceId === 'UploadBucket')).toMatchObject({
      PhysicalResourceId: bucket, ResourceType: 'AWS::S3::Bucket', ResourceStatus: 'CREATE_COMPLETE',
    });
    expect(StackResourceSummaries?.find((r) => r.LogicalResourceId === 'StateMachine')?.PhysicalResourceId).toBe(stateMachineArn);
    const { TemplateBody } = await cloudFormation().send(new GetTemplateCommand({ StackName: STACK }));
    expect(Object.keys(JSON.parse(TemplateBody!).Resources)).toContain('JobDefinition');
  });

  test('given a stack that does not exist or an action not served, when called, then ValidationError or InvalidAction', async () => {
    await expect(cloudFormation().send(new DescribeStacksCommand({ StackName: 'Nope' }))).rejects.toMatchObject({ name: 'ValidationError', message: 'Stack with id Nope does not exist' });
    await expect(cloudFormation().send(new CreateStackCommand({ StackName: 'New', TemplateBody: '{}' }))).rejects.toMatchObject({ name: 'InvalidAction' });
  });
});

describe('CloudWatch Logs and Batch', () => {
  const logs = () => new CloudWatchLogsClient({ ...CLIENT, endpoint: served.endpoint });

  test('given the template\'s log groups, when DescribeLogGroups, then the function\'s and the job\'s groups are listed by their names', async () => {
    const { logGroups } = await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/served-pipeline/' }));
    expect(logGroups?.map((g) => g.logGroupName)).toEqual([JOB_LOG_GROUP, TRIGGER_LOG_GROUP]);
  });

  test('given the failed run\'s job, when DescribeJobs, then FAILED with the exit code, and the log group and stream its lines are in', async () => {
    const job = served.runtime.batchEmulator.listJobs().find((candidate) => String(candidate.detail.JobName).startsWith('incoming_fail_csv'))!;
    const { jobs } = await new BatchClient({ ...CLIENT, endpoint: served.endpoint }).send(new DescribeJobsCommand({ jobs: [String(job.detail.JobId), 'no-such-job'] }));
    expect(jobs).toHaveLength(1);
    expect(jobs?.[0]).toMatchObject({ status: 'FAILED', statusReason: 'Essential container in task exited', container: { exitCode: 3 } });
    // As Batch reports it: the definition's log driver and its options, the group resolved from the template
    const { logDriver, options } = jobs![0].container!.logConfiguration!;
    expect([logDriver, options?.['awslogs-group']]).toEqual(['awslogs', JOB_LOG_GROUP]);
    const stream = jobs![0].container!.logStreamName!;
    const { events } = await logs().send(new GetLogEventsCommand({ logGroupName: options!['awslogs-group'], logStreamName: stream, startFromHead: true }));
    expect(events?.map((e) => e.message)).toEqual(expect.arrayContaining(['job begins in mode fail', 'job report written']));
  });

  test('given the job group, when DescribeLogStreams and GetLogEvents page forward, then every stream and every line', async () => {
    const { logStreams } = await logs().send(new DescribeLogStreamsCommand({ logGroupName: JOB_LOG_GROUP }));
    expect(logStreams?.length).toBeGreaterThanOrEqual(3);
    const stream = logStreams![0].logStreamName!;
    const whole = await logs().send(new GetLogEventsCommand({ logGroupName: JOB_LOG_GROUP, logStreamName: stream, startFromHead: true }));
    const first = await logs().send(new GetLogEventsCommand({ logGroupName: JOB_LOG_GROUP, logStreamName: stream, startFromHead: true, limit: 1 }));
    const next = await logs().send(new GetLogEventsCommand({
      logGroupName: JOB_LOG_GROUP, logStreamName: stream, nextToken: first.nextForwardToken, limit: 1000,
    }));
    expect([...first.events!, ...next.events!].map((e) => e.message)).toEqual(whole.events?.map((e) => e.message));
  });

  test('given a filter pattern, when FilterLogEvents pages through the trigger\'s group, then only the matching lines, each once', async () => {
    const pages = await all(paginateFilterLogEvents({ client: logs(), pageSize: 1 }, { logGroupName: TRIGGER_LOG_GROUP, filterPattern: '"trigger started" -notes' }));
    const messages = pages.flatMap((page) => page.events ?? []).map((e) => e.message);
    expect(messages).toHaveLength(3);
    expect(messages.every((m) => m!.includes('trigger started incoming_'))).toBe(true);
  });

  test('given a group that does not exist or a JSON filter pattern, when called, then ResourceNotFoundException or InvalidParameterException', async () => {
    await expect(logs().send(new FilterLogEventsCommand({ logGroupName: '/nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(logs().send(new FilterLogEventsCommand({ logGroupName: JOB_LOG_GROUP, filterPattern: '{ $.level = "ERROR" }' })))
      .rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  test('given a running job, when TerminateJob, then it ends FAILED with the reason, its process stopped, and its run fails; again, nothing changes', async () => {
    const batch = new BatchClient({ ...CLIENT, endpoint: served.endpoint });
    const name = 'terminated-job';
    const input = JSON.stringify({ name, mode: 'slow', key: 'k' });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    const describe = async (jobId: string) => (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
    const until = async (jobId: string, status: string) => {
      for (let waited = 0; waited < 200 && (await describe(jobId))?.status !== status; waited++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return describe(jobId);
    };
    let job;
    for (let waited = 0; waited < 200 && !job; waited++) {
      job = served.runtime.batchEmulator.listJobs().find((candidate) => candidate.detail.JobName === name);
      if (!job) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const jobId = String(job!.detail.JobId);
    expect((await until(jobId, 'RUNNING'))?.status).toBe('RUNNING');
    expect(await batch.send(new TerminateJobCommand({ jobId, reason: 'Stopped by the test' }))).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    // SIGTERM ends the job's process (exit code 143, 128 + 15) long before its minute is up.
    expect(await until(jobId, 'FAILED')).toMatchObject({ status: 'FAILED', statusReason: 'Stopped by the test', container: { exitCode: 143 } });
    await served.runtime.idle();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect([described.status, described.error]).toEqual(['FAILED', 'States.TaskFailed']);
    // Terminating a job that ended is no error and changes nothing.
    await batch.send(new TerminateJobCommand({ jobId, reason: 'again' }));
    expect(await describe(jobId)).toMatchObject({ status: 'FAILED', statusReason: 'Stopped by the test' });
  });

  test('given a job id Batch does not know, or no reason, when TerminateJob, then ClientException that says so', async () => {
    const batch = new BatchClient({ ...CLIENT, endpoint: served.endpoint });
    await expect(batch.send(new TerminateJobCommand({ jobId: 'no-such-job', reason: 'any' })))
      .rejects.toMatchObject({ name: 'ClientException', message: expect.stringContaining('Job no-such-job not found'), $metadata: { httpStatusCode: 400 } });
    const [job] = served.runtime.batchEmulator.listJobs();
    await expect(batch.send(new TerminateJobCommand({ jobId: String(job.detail.JobId), reason: undefined as unknown as string })))
      .rejects.toMatchObject({ name: 'ClientException', message: expect.stringContaining('reason is required') });
  });

  test('given a job that is running, when DescribeJobs, then it names the running attempt\'s log stream, and GetLogEvents reads the lines written so far', async () => {
    const name = 'running-job-run';
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ name, mode: 'slow', key: 'k' }) }));
    const batch = new BatchClient({ ...CLIENT, endpoint: served.endpoint });
    const jobId = async () => String(served.runtime.batchEmulator.listJobs().find((job) => job.detail.JobName === name)?.detail.JobId ?? '');
    let lines: Array<string | undefined> = [];
    let running;
    for (let waited = 0; waited < 300 && !lines.includes('job begins in mode slow'); waited++) {
      running = (await batch.send(new DescribeJobsCommand({ jobs: [await jobId()] }))).jobs?.[0];
      const stream = running?.container?.logStreamName;
      if (running?.status === 'RUNNING' && stream) {
        const { events } = await logs().send(new GetLogEventsCommand({ logGroupName: JOB_LOG_GROUP, logStreamName: stream, startFromHead: true }));
        lines = events?.map((event) => event.message) ?? [];
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(running).toMatchObject({ status: 'RUNNING', attempts: [], container: { logStreamName: expect.stringMatching(/\/default\/.+-1$/) } });
    expect(lines).toContain('job begins in mode slow');
    await batch.send(new TerminateJobCommand({ jobId: await jobId(), reason: 'the test has read its lines' }));
  });
});
