import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { capture, deployStack, STATE_MACHINE_ARN, TARGET, WORKSPACE_LOG_GROUP } from './fixtures/deployed-stack';
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
