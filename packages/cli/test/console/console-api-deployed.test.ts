import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ConsoleApi } from '../../src/console/console-api';
import { executionArnOf } from '../../src/runs/executions';
import { resolveTarget } from '../../src/target/pipeline-target';
import { deployStack, REGION, STACK, STATE_MACHINE_ARN } from '../fixtures/deployed-stack';

const cloudFormation = mockClient(CloudFormationClient);
const stepFunctions = mockClient(SFNClient);
const batch = mockClient(BatchClient);

const RUN = 'plate_csv-0123456789abcdef01234567';
const INPUT = { runId: RUN, bucket: 'uploads', key: 'incoming/plate.csv', versionId: 'v1', size: 5 };

/** AWS's history of a run whose Batch job was submitted (submitJob.sync: TaskSubmitted carries the JobId). */
const HISTORY: HistoryEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-12-05T10:00:00Z') },
  { id: 2, type: 'TaskStateEntered', timestamp: new Date('2026-12-05T10:00:01Z'), stateEnteredEventDetails: { name: 'Process' } },
  { id: 3, type: 'TaskScheduled', timestamp: new Date('2026-12-05T10:00:01Z'), taskScheduledEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', region: REGION, parameters: '{}' } },
  { id: 4, type: 'TaskSubmitted', timestamp: new Date('2026-12-05T10:00:02Z'), taskSubmittedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: JSON.stringify({ JobId: 'job-1', JobName: RUN }) } },
];

beforeEach(() => {
  for (const client of [cloudFormation, stepFunctions, batch]) client.reset();
  deployStack(cloudFormation);
  stepFunctions.on(DescribeExecutionCommand).resolves({
    executionArn: executionArnOf(STATE_MACHINE_ARN, RUN),
    name: RUN,
    status: 'RUNNING',
    stateMachineArn: STATE_MACHINE_ARN,
    startDate: new Date('2026-12-05T10:00:00Z'),
    input: JSON.stringify(INPUT),
  });
  stepFunctions.on(GetExecutionHistoryCommand).resolves({ events: HISTORY });
});

describe('the console\'s API on a deployed stack', () => {
  test('given a run whose job waits in RUNNABLE, when the run is read, then its job says why and its state is running', async () => {
    batch.on(DescribeJobsCommand, { jobs: ['job-1'] }).resolves({
      jobs: [{ jobId: 'job-1', jobName: RUN, jobQueue: 'q', jobDefinition: 'd', status: 'RUNNABLE', statusReason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - no compute environment can run it', startedAt: undefined, createdAt: 0 }],
    });
    const api = new ConsoleApi(await resolveTarget({ connection: { region: REGION }, stack: STACK }));

    const view = await api.run(RUN);

    expect(view.jobs).toEqual([{ jobId: 'job-1', jobName: RUN, status: 'RUNNABLE', statusReason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - no compute environment can run it', waiting: true }]);
    expect(view.path.states.Process.outcome).toBe('running');
    expect(view.input.key).toBe('incoming/plate.csv');
  });

  test('given a run, when its report is asked for with a name that leaves the run\'s prefix, then it is refused before S3 is called', async () => {
    const api = new ConsoleApi(await resolveTarget({ connection: { region: REGION }, stack: STACK }));

    await expect(api.report(RUN, '../other-run/out/report.txt')).rejects.toThrow(/is not a name under the run's reports/);
  });
});
