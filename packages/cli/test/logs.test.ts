import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  capture, deployStack, PHYSICAL_IDS, pipelineTemplate, STACK, STATE_MACHINE_ARN, TARGET, WORKSPACE_LOG_GROUP,
} from './fixtures/deployed-stack';
import { main } from '../src/cli';
import { EXIT } from '../src/cli-error';
import { RunLogLine } from '../src/commands/logs';
import { executionArnOf } from '../src/runs/executions';

const cloudFormation = mockClient(CloudFormationClient);
const stepFunctions = mockClient(SFNClient);
const batch = mockClient(BatchClient);
const logs = mockClient(CloudWatchLogsClient);

const RUN = 'plate_csv-0123456789abcdef01234567';
const JOB_LOG_GROUP = '/pipeline/jobs';

beforeEach(() => {
  for (const client of [cloudFormation, stepFunctions, batch, logs]) client.reset();
  deployStack(cloudFormation);
  stepFunctions.on(DescribeExecutionCommand).resolves({
    executionArn: executionArnOf(STATE_MACHINE_ARN, RUN), name: RUN, status: 'FAILED', startDate: new Date(10_000_000), input: JSON.stringify({ runId: RUN }),
  });
  stepFunctions.on(GetExecutionHistoryCommand).resolves({
    events: [{ id: 5, type: 'TaskSubmitted', timestamp: new Date(), taskSubmittedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: JSON.stringify({ JobId: 'job-1' }) } }],
  });
  batch.on(DescribeJobsCommand).resolves({
    jobs: [{
      jobId: 'job-1',
      jobName: RUN,
      status: 'FAILED',
      jobQueue: 'q',
      jobDefinition: 'arn:aws:batch:eu-west-2:111122223333:job-definition/Processor:2',
      startedAt: 1,
      container: { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': JOB_LOG_GROUP } } },
      attempts: [{ container: { logStreamName: 'Processor/default/attempt-1' } }, { container: { logStreamName: 'Processor/default/attempt-2' } }],
    } as any],
  });
});

describe('logs', () => {
  test('given a job with two attempts and the workspace function\'s lines, when read, then every page of both streams and the run\'s function lines come in time order', async () => {
    logs.on(GetLogEventsCommand, { logStreamName: 'Processor/default/attempt-1', nextToken: undefined })
      .resolves({ events: [{ timestamp: 10_000_100, message: 'attempt 1 begins\n' }], nextForwardToken: 'f/1' })
      .on(GetLogEventsCommand, { logStreamName: 'Processor/default/attempt-1', nextToken: 'f/1' })
      .resolves({ events: [{ timestamp: 10_000_300, message: 'attempt 1 exits 137' }], nextForwardToken: 'f/2' })
      .on(GetLogEventsCommand, { logStreamName: 'Processor/default/attempt-1', nextToken: 'f/2' })
      .resolves({ events: [], nextForwardToken: 'f/2' })
      .on(GetLogEventsCommand, { logStreamName: 'Processor/default/attempt-2', nextToken: undefined })
      .resolves({ events: [{ timestamp: 10_000_500, message: 'attempt 2 exits 1' }], nextForwardToken: 'g/1' })
      // The end of a stream: no events, the same forward token again.
      .on(GetLogEventsCommand, { logStreamName: 'Processor/default/attempt-2', nextToken: 'g/1' })
      .resolves({ events: [], nextForwardToken: 'g/1' });
    logs.on(FilterLogEventsCommand).resolves({ events: [{ eventId: 'e1', timestamp: 10_000_050, message: `{"outcome":"staged-in","runId":"${RUN}"}` }] });
    const output = capture();

    const code = await main(['logs', RUN, '--json', ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    const lines = JSON.parse(output.lines.join('\n')) as RunLogLine[];
    expect(lines.map((line) => line.message)).toEqual([`{"outcome":"staged-in","runId":"${RUN}"}`, 'attempt 1 begins', 'attempt 1 exits 137', 'attempt 2 exits 1']);
    expect(logs.commandCalls(GetLogEventsCommand).every((call) => call.args[0].input.logGroupName === JOB_LOG_GROUP)).toBe(true);
    const filter = logs.commandCalls(FilterLogEventsCommand)[0].args[0].input;
    expect(filter).toMatchObject({ logGroupName: WORKSPACE_LOG_GROUP, filterPattern: `"${RUN}"` });
  });

  test('given a job whose container has not written yet (no stream), when read, then no lines and a note, not an error', async () => {
    logs.on(GetLogEventsCommand).rejects(Object.assign(new Error('The specified log stream does not exist.'), { name: 'ResourceNotFoundException', $metadata: {} }));
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const output = capture();

    const code = await main(['logs', RUN, ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    expect(output.notes.join('\n')).toContain(`no log lines for ${RUN} yet`);
  });
});

/** The deployed stack with a job definition whose container logs go to a log group of the template. */
function deployStackWithJobDefinition(): void {
  const template = pipelineTemplate();
  template.Resources.JobLogs = { Type: 'AWS::Logs::LogGroup', Properties: {} };
  template.Resources.ProcessorJob = {
    Type: 'AWS::Batch::JobDefinition',
    Properties: {
      Type: 'container',
      PlatformCapabilities: ['FARGATE'],
      ContainerProperties: { Image: 'processor:latest', LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: 'JobLogs' } } } },
    },
  };
  deployStack(cloudFormation, { template });
  const physicalIds = { ...PHYSICAL_IDS, JobLogs: JOB_LOG_GROUP, ProcessorJob: 'arn:aws:batch:eu-west-2:111122223333:job-definition/Processor:1' };
  cloudFormation.on(ListStackResourcesCommand, { StackName: STACK }).resolves({
    StackResourceSummaries: Object.entries(physicalIds).map(([logicalId, physicalId]) => ({
      LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceType: 'x', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date(),
    })),
  });
}

describe('logs of a job DescribeJobs no longer knows (a run of an earlier served session, or a job Batch forgot)', () => {
  beforeEach(() => {
    deployStackWithJobDefinition();
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    stepFunctions.on(GetExecutionHistoryCommand).resolves({
      events: [{
        id: 5,
        type: 'TaskSubmitted',
        timestamp: new Date(),
        taskSubmittedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: JSON.stringify({ JobId: 'job-1', JobName: RUN }) },
      }],
    });
    logs.on(FilterLogEventsCommand, { logGroupName: WORKSPACE_LOG_GROUP }).resolves({ events: [] });
  });

  test('given the served stream <definition>/default/<job name> in the template\'s job log group, when read, then the job\'s lines are there', async () => {
    logs.on(DescribeLogStreamsCommand, { logGroupName: JOB_LOG_GROUP }).resolves({ logStreams: [{ logStreamName: `Processor/default/${RUN}` }] })
      .on(FilterLogEventsCommand, { logGroupName: JOB_LOG_GROUP }).resolves({ events: [] })
      .on(GetLogEventsCommand, { logGroupName: JOB_LOG_GROUP, logStreamName: `Processor/default/${RUN}`, nextToken: undefined })
      .resolves({ events: [{ timestamp: 10_000_200, message: 'report written' }], nextForwardToken: 'f/1' })
      .on(GetLogEventsCommand, { logGroupName: JOB_LOG_GROUP, logStreamName: `Processor/default/${RUN}`, nextToken: 'f/1' })
      .resolves({ events: [], nextForwardToken: 'f/1' });
    const output = capture();

    expect(await main(['logs', RUN, ...TARGET], output)).toBe(EXIT.ok);

    expect(output.lines.join('\n')).toMatch(new RegExp(`\\[job ${RUN}\\] report written`));
    expect(output.notes).toEqual([]);
    expect(logs.commandCalls(DescribeLogStreamsCommand)[0].args[0].input).toEqual({ logGroupName: JOB_LOG_GROUP, logStreamNamePrefix: `Processor/default/${RUN}` });
  });

  test('given a stream named by the ECS task whose lines name the run, when read, then that stream is read whole and a re-run\'s stream is not', async () => {
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [] })
      .on(FilterLogEventsCommand, { logGroupName: JOB_LOG_GROUP, filterPattern: `"${RUN}"` }).resolves({
        events: [
          { logStreamName: 'Processor/default/task-a', timestamp: 10_000_300, message: `{"outcome":"report-written","runId":"${RUN}"}` },
          { logStreamName: 'Processor/default/task-b', timestamp: 10_000_400, message: `{"outcome":"report-written","runId":"${RUN}-r1"}` },
        ],
      })
      .on(FilterLogEventsCommand, { logGroupName: JOB_LOG_GROUP, filterPattern: '"job-1"' }).resolves({ events: [] })
      .on(GetLogEventsCommand, { logStreamName: 'Processor/default/task-a' })
      .resolves({ events: [{ timestamp: 10_000_250, message: 'reading the input' }, { timestamp: 10_000_300, message: 'written' }] });
    const output = capture();

    expect(await main(['logs', RUN, '--json', ...TARGET], output)).toBe(EXIT.ok);

    expect((JSON.parse(output.lines.join('\n')) as RunLogLine[]).map((line) => line.message)).toEqual(['reading the input', 'written']);
    const searched = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input)
      .filter((input) => input.logGroupName === JOB_LOG_GROUP);
    // Within the run's time window (a minute either side), among the definition's streams.
    expect(searched[0]).toMatchObject({ logStreamNamePrefix: 'Processor/default/', startTime: 10_000_000 - 60_000 });
    expect(logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input.logStreamName)).toEqual(['Processor/default/task-a']);
  });

  test('given no stream of the job anywhere, when read, then one line says its lines are not available and which log group to look in', async () => {
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [] })
      .on(FilterLogEventsCommand, { logGroupName: JOB_LOG_GROUP }).resolves({ events: [] });
    const output = capture();

    expect(await main(['logs', RUN, ...TARGET], output)).toBe(EXIT.ok);

    const notice = output.notes.find((line) => line.includes('not available'));
    expect(notice).toContain(`the lines of job ${RUN} (job-1) are not available: Batch no longer describes the job and no stream of ${JOB_LOG_GROUP} names it`);
  });
});

describe('logs --follow of a running job', () => {
  test('given a job RUNNING without a log stream yet, when followed, then it says so once, and the job\'s lines come once Batch names the stream', async () => {
    stepFunctions.on(DescribeExecutionCommand)
      .resolvesOnce({ executionArn: executionArnOf(STATE_MACHINE_ARN, RUN), name: RUN, status: 'RUNNING', startDate: new Date(10_000_000), input: JSON.stringify({ runId: RUN }) })
      .resolvesOnce({ executionArn: executionArnOf(STATE_MACHINE_ARN, RUN), name: RUN, status: 'RUNNING', startDate: new Date(10_000_000), input: JSON.stringify({ runId: RUN }) })
      .resolves({ executionArn: executionArnOf(STATE_MACHINE_ARN, RUN), name: RUN, status: 'SUCCEEDED', startDate: new Date(10_000_000), input: JSON.stringify({ runId: RUN }) });
    const running = { jobId: 'job-1', jobName: RUN, status: 'RUNNING', jobQueue: 'q', jobDefinition: 'arn:aws:batch:eu-west-2:111122223333:job-definition/Processor:2', startedAt: 1 };
    batch.on(DescribeJobsCommand)
      .resolvesOnce({ jobs: [running as any] })
      .resolves({ jobs: [{ ...running, status: 'SUCCEEDED', container: { logStreamName: 'Processor/default/task-a', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': JOB_LOG_GROUP } } } } as any] });
    logs.on(GetLogEventsCommand, { logStreamName: 'Processor/default/task-a' }).resolves({ events: [{ timestamp: 10_000_500, message: 'the job says hello' }] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const output = capture();

    expect(await main(['logs', RUN, '--follow', '--interval', '0.05', ...TARGET], output)).toBe(EXIT.ok);

    expect(output.notes.filter((line) => line.includes('is RUNNING'))).toEqual([`job ${RUN} is RUNNING: its lines show once Batch names its log stream (DescribeJobs logStreamName)`]);
    expect(output.lines.join('\n')).toContain(`[job ${RUN}] the job says hello`);
  });
});
