import { BatchClient, DescribeJobsCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CancelTaskExecutionCommand, DataSyncClient } from '@aws-sdk/client-datasync';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionStatus, GetExecutionHistoryCommand, HistoryEvent, ListExecutionsCommand, SFNClient,
  StartExecutionCommand, StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { capture, deployStack, REPORTS_BUCKET, STATE_MACHINE_ARN, TARGET } from './fixtures/deployed-stack';
import { main } from '../src/cli';
import { EXIT } from '../src/cli-error';
import { executionArnOf } from '../src/runs/executions';

const cloudFormation = mockClient(CloudFormationClient);
const stepFunctions = mockClient(SFNClient);
const batch = mockClient(BatchClient);
const dataSync = mockClient(DataSyncClient);
const lambda = mockClient(LambdaClient);

const RUN = 'plate_csv-0123456789abcdef01234567';
const INPUT = { runId: RUN, bucket: 'uploads', key: 'incoming/plate.csv', versionId: 'v1', size: 5, relativeKey: 'plate.csv', fileName: 'plate.csv', transferSlot: 7 };
const TASK_EXECUTION = 'arn:aws:datasync:eu-west-2:111122223333:task/task-0abc/execution/exec-0def';
const WORKSPACE = 'arn:aws:lambda:eu-west-2:111122223333:function:Pipeline-Workspace';
const STAGED_PATH = '/staging/plate.csv';

function execution(name: string, status: ExecutionStatus, input: object = INPUT) {
  return { executionArn: executionArnOf(STATE_MACHINE_ARN, name), name, status, startDate: new Date('2026-12-05T10:00:00Z'), input: JSON.stringify(input) };
}

const HISTORY: HistoryEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: new Date() },
  { id: 2, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Stage in' } },
  // The workspace call as Step Functions records it: the resolved parameters, runId and stagedPath among them.
  {
    id: 21,
    type: 'TaskScheduled',
    timestamp: new Date(),
    taskScheduledEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'eu-west-2',
      parameters: JSON.stringify({ FunctionName: WORKSPACE, Payload: { action: 'prepare-staging', runId: RUN, stagedPath: STAGED_PATH } }),
    },
  },
  { id: 3, type: 'TaskSucceeded', timestamp: new Date(), taskSucceededEventDetails: { resourceType: 'aws-sdk:datasync', resource: 'startTaskExecution', output: JSON.stringify({ TaskExecutionArn: TASK_EXECUTION }) } },
  { id: 4, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Process' } },
  { id: 5, type: 'TaskSubmitted', timestamp: new Date(), taskSubmittedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: JSON.stringify({ JobId: 'job-1', JobName: RUN }) } },
];

beforeEach(() => {
  for (const client of [cloudFormation, stepFunctions, batch, dataSync, lambda]) client.reset();
  deployStack(cloudFormation);
  stepFunctions.on(GetExecutionHistoryCommand).resolves({ events: HISTORY });
});

describe('rerun', () => {
  test('given a succeeded run and a first re-run, when re-run, then the next free name <run>-r2 starts the same object version with its own report prefix', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves(execution(RUN, 'SUCCEEDED'));
    stepFunctions.on(ListExecutionsCommand).resolves({ executions: [] });
    stepFunctions.on(StartExecutionCommand, { name: `${RUN}-r1` }).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }))
      .on(StartExecutionCommand, { name: `${RUN}-r2` }).resolves({ executionArn: 'arn', startDate: new Date() });
    const output = capture();

    const code = await main(['rerun', RUN, '--json', ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(output.lines.join('\n'))).toEqual({
      run: `${RUN}-r2`, of: RUN, executionArn: executionArnOf(STATE_MACHINE_ARN, `${RUN}-r2`), reports: `s3://${REPORTS_BUCKET}/reports/runs/${RUN}-r2/out/`,
    });
    const started = stepFunctions.commandCalls(StartExecutionCommand).at(-1)!.args[0].input;
    expect(JSON.parse(started.input!)).toEqual({ ...INPUT, runId: `${RUN}-r2` });
  });

  test('given a re-run of the object version still running, when re-run, then it is refused with how to wait or cancel', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves(execution(RUN, 'FAILED'));
    stepFunctions.on(ListExecutionsCommand).resolves({ executions: [execution(`${RUN}-r1`, 'RUNNING')] as any });
    const output = capture();

    const code = await main(['rerun', RUN, ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain(`${RUN}-r1 of the same object version is still running`);
    expect(stepFunctions.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('given a run name that does not exist, when re-run, then it says to list the runs', async () => {
    stepFunctions.on(DescribeExecutionCommand).rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist', $metadata: {} }));
    const output = capture();

    expect(await main(['rerun', 'nope', ...TARGET], output)).toBe(EXIT.userError);
    // The hint reaches the same stack when pasted.
    expect(output.notes.join('\n')).toContain(`list the runs with \`batch-pipeline runs ${TARGET.join(' ')}\``);
  });
});

describe('cancel', () => {
  test('given a running run with a running job and a DataSync execution, when cancelled, then the execution, job and transfer are stopped and the upload kept', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves(execution(RUN, 'RUNNING'));
    stepFunctions.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const job = { jobId: 'job-1', jobName: RUN, jobQueue: 'q', jobDefinition: 'd', startedAt: 1 };
    // Running when cancel looks, ended (as Batch ends a terminated job) when it looks again.
    batch.on(DescribeJobsCommand).resolvesOnce({ jobs: [{ ...job, status: 'RUNNING' } as any] }).resolves({ jobs: [{ ...job, status: 'FAILED' } as any] });
    batch.on(TerminateJobCommand).resolves({});
    dataSync.on(CancelTaskExecutionCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from(JSON.stringify({ removed: [`/runs/${RUN}`, STAGED_PATH] })) as any });
    const output = capture();

    const code = await main(['cancel', RUN, ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    expect(stepFunctions.commandCalls(StopExecutionCommand)).toHaveLength(1);
    expect(batch.commandCalls(TerminateJobCommand)[0].args[0].input.jobId).toBe('job-1');
    expect(dataSync.commandCalls(CancelTaskExecutionCommand)[0].args[0].input.TaskExecutionArn).toBe(TASK_EXECUTION);
    // Then, the job having ended, the run's own clean-up through the workspace function
    const invoke = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(invoke.FunctionName).toBe(WORKSPACE);
    expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString())).toEqual({ action: 'cleanup', runId: RUN, stagedPath: STAGED_PATH });
    const text = output.lines.join('\n');
    expect(text).toContain(`stopped Batch job ${RUN} (job-1, was RUNNING)`);
    expect(text).toContain(`cleared on EFS: /runs/${RUN}, ${STAGED_PATH}`);
    expect(text).toContain('kept the upload s3://uploads/incoming/plate.csv (version v1)');
  });

  test('given a run stopped earlier (ABORTED), when cancelled, then nothing is stopped and the files it left on EFS are removed', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves(execution(RUN, 'ABORTED'));
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: Buffer.from(JSON.stringify({ removed: [`/runs/${RUN}`] })) as any });
    const output = capture();

    await main(['cancel', RUN, ...TARGET], output);

    expect(stepFunctions.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(output.lines.join('\n')).toContain(`had already ended (ABORTED): nothing to cancel\n  cleared what it left on EFS: /runs/${RUN}`);
  });

  test('given a workspace function that fails the clean-up, when cancelled, then the run is stopped and the output says why its files stay', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves(execution(RUN, 'ABORTED'));
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: 'EFS mount timed out' })) as any,
    });
    const output = capture();

    await main(['cancel', RUN, ...TARGET], output);

    expect(output.lines.join('\n')).toContain(`not removed: the run's files on EFS (runs/${RUN}/): the workspace function failed (Error: EFS mount timed out)`);
  });

  test('given credentials that may not invoke the workspace function, when cancelled, then the error names the call and what to do', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves(execution(RUN, 'TIMED_OUT'));
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' }));
    const output = capture();

    const code = await main(['cancel', RUN, ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toMatch(/Invoke: AWS refused the call \(AccessDeniedException: not authorized to perform: lambda:InvokeFunction\)/);
  });

  test('given a run that ended, when cancelled, then nothing is stopped and it says so', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves(execution(RUN, 'SUCCEEDED'));
    const output = capture();

    await main(['cancel', RUN, ...TARGET], output);

    expect(stepFunctions.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(output.lines.join('\n')).toContain('had already ended (SUCCEEDED): nothing to cancel');
  });
});

describe('follow', () => {
  test('given a run whose job waits in RUNNABLE, when followed, then the status reason is printed, then the summary when it ends', async () => {
    stepFunctions.on(DescribeExecutionCommand)
      .resolvesOnce(execution(RUN, 'RUNNING'))
      .resolves({ ...execution(RUN, 'FAILED'), stopDate: new Date('2026-12-05T10:05:00Z'), error: 'JobFailed', cause: 'exit code 3' });
    batch.on(DescribeJobsCommand).resolves({ jobs: [{ jobId: 'job-1', jobName: RUN, status: 'RUNNABLE', statusReason: 'CannotPullContainerError: image not found' } as any] });
    const output = capture();

    const code = await main(['follow', RUN, '--interval', '0.05', ...TARGET], output);

    expect(code).toBe(EXIT.runFailed);
    const text = output.lines.join('\n');
    expect(text).toContain('→ Stage in');
    expect(text).toContain(`job ${RUN} RUNNABLE: CannotPullContainerError: image not found`);
    expect(text).toContain(`run ${RUN}: FAILED in 5 min 00 s`);
    expect(text).toContain('error   JobFailed: exit code 3');
    expect(text).toContain(`logs    batch-pipeline logs ${RUN} ${TARGET.join(' ')}`);
  });

  test('given a run whose Batch job failed, when followed, then the summary says the job\'s exit code and reason, not the job\'s JSON', async () => {
    const cause = JSON.stringify({
      JobArn: 'arn:aws:batch:eu-west-2:111122223333:job/job-1',
      JobName: RUN,
      JobId: 'job-1',
      JobQueue: 'arn:aws:batch:eu-west-2:111122223333:job-queue/q',
      Attempts: [{ Container: { ExitCode: 7, LogStreamName: 'Processor/default/abc' } }],
      Status: 'FAILED',
      StatusReason: 'Essential container in task exited',
      Container: { ExitCode: 7, LogStreamName: 'Processor/default/abc' },
    });
    stepFunctions.on(DescribeExecutionCommand).resolves({ ...execution(RUN, 'FAILED'), stopDate: new Date('2026-12-05T10:05:00Z'), error: 'States.TaskFailed', cause });
    stepFunctions.on(GetExecutionHistoryCommand).resolves({
      events: [...HISTORY, { id: 6, type: 'TaskFailed', timestamp: new Date(), taskFailedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', error: 'States.TaskFailed', cause } }],
    });
    const followed = capture();

    expect(await main(['follow', RUN, ...TARGET], followed)).toBe(EXIT.runFailed);

    const text = followed.lines.join('\n');
    expect(text).toContain(`error   States.TaskFailed: job ${RUN}: exit code 7, Essential container in task exited`);
    expect(text).toContain(`TaskFailed: States.TaskFailed — job ${RUN}: exit code 7`);
    expect(text).not.toContain('"JobArn"');
  });

  test('given a failed run and an endpoint target, when followed, then the logs hint names the endpoint', async () => {
    stepFunctions.on(DescribeExecutionCommand).resolves({ ...execution(RUN, 'FAILED'), stopDate: new Date('2026-12-05T10:05:00Z'), error: 'E', cause: 'c' });
    const output = capture();

    expect(await main(['follow', RUN, ...TARGET, '--endpoint-url', 'http://127.0.0.1:4747'], output)).toBe(EXIT.runFailed);

    expect(output.lines.join('\n')).toContain(`logs    batch-pipeline logs ${RUN} ${TARGET.join(' ')} --endpoint-url http://127.0.0.1:4747`);
  });
});

describe('hints name the target', () => {
  test('given an endpoint and no run, when logs is called, then the example and the runs hint carry the endpoint', async () => {
    const output = capture();

    expect(await main(['logs', '--endpoint-url', 'http://127.0.0.1:4747'], output)).toBe(EXIT.userError);

    expect(output.notes.join('\n')).toContain('`batch-pipeline logs <run> --endpoint-url http://127.0.0.1:4747` '
      + '(`batch-pipeline runs --endpoint-url http://127.0.0.1:4747` lists them)');
  });
});
