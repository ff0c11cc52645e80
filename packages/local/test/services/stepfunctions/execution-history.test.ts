import { LocalStateMachine } from '../../../src/model/pipeline-model';
import { ExecutionEngine } from '../../../src/services/stepfunctions/execution-engine';
import { executionHistory } from '../../../src/services/stepfunctions/execution-history';
import { StepFunctionsService } from '../../../src/services/stepfunctions/step-functions-service';
import { TaskIntegration } from '../../../src/services/task-integration';

const BATCH_JOB = 'arn:aws:states:::batch:submitJob.sync';

function machine(process: Record<string, unknown>): LocalStateMachine {
  return {
    logicalId: 'StateMachine',
    name: 'Pipeline',
    arn: 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline',
    definition: {
      StartAt: 'Process',
      States: { Process: { Type: 'Task', Resource: BATCH_JOB, Parameters: { 'JobName.$': '$.name' }, Next: 'Notify', ...process }, Notify: { Type: 'Pass', End: true } },
    },
  };
}

/** A `.sync` Batch job that is submitted, then fails (as the emulator reports a FAILED job) for each of the first `failures` calls. */
function batchJob(failures: number): TaskIntegration {
  let calls = 0;
  return {
    handles: (resource) => resource === BATCH_JOB,
    call: async (request) => {
      request.onSubmitted?.({ JobArn: 'arn:aws:batch:eu-west-2:123456789012:job/j', JobId: 'j', JobName: 'job' });
      if (++calls <= failures) throw Object.assign(new Error('{"Status":"FAILED"}'), { name: 'States.TaskFailed' });
      return { Status: 'SUCCEEDED' };
    },
  };
}

async function historyOf(stateMachine: LocalStateMachine, integration: TaskIntegration): Promise<Array<Record<string, any>>> {
  const engine = new ExecutionEngine(stateMachine, [integration], { timeScale: 0.01, events: { emit: () => undefined } });
  const service = new StepFunctionsService(stateMachine, engine);
  service.startExecution({ stateMachineArn: stateMachine.arn, name: 'run', input: '{"name":"job-1","other":true}' });
  await service.executions.get('run')!.outcome;
  return executionHistory(service.executions.get('run')!, stateMachine);
}

describe('execution history of a Task that failed', () => {
  test('given a job failure a Catch catches, when the history is read, then TaskFailed, TaskStateExited and the Catch\'s next state: no TaskSucceeded', async () => {
    const stateMachine = machine({ Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Notify' }] });
    const history = await historyOf(stateMachine, batchJob(1));
    expect(history.map((event) => event.type)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskFailed', 'TaskStateExited',
      'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded',
    ]);
    expect(history[5].taskFailedEventDetails).toMatchObject({ resourceType: 'batch', resource: 'submitJob.sync', error: 'States.TaskFailed' });
    // The state exits with the Catch's output: the error at its ResultPath.
    expect(JSON.parse(history[6].stateExitedEventDetails.output)).toMatchObject({ error: { Error: 'States.TaskFailed' } });
  });

  test('given a job failure a Retry retries and the second attempt succeeds, when the history is read, then TaskFailed, then TaskSucceeded of the retry', async () => {
    const stateMachine = machine({ Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 1 }] });
    const history = await historyOf(stateMachine, batchJob(1));
    expect(history.map((event) => event.type)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskFailed',
      'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded',
    ]);
  });

  test('given a retried job that fails again and is caught, when the history is read, then two TaskFailed and no TaskSucceeded', async () => {
    const stateMachine = machine({
      Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Notify' }],
    });
    const types = (await historyOf(stateMachine, batchJob(2))).map((event) => event.type);
    expect(types.filter((type) => type === 'TaskFailed')).toHaveLength(2);
    expect(types).not.toContain('TaskSucceeded');
    expect(types.slice(-5)).toEqual(['TaskFailed', 'TaskStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });
});

describe('execution history of a Task\'s call', () => {
  test('given a Task with Parameters, when the history is read, then TaskScheduled has the parameters the call was made with, as on AWS, not the state\'s input', async () => {
    const history = await historyOf(machine({}), batchJob(0));
    expect(history[2]).toMatchObject({ type: 'TaskScheduled', taskScheduledEventDetails: { resourceType: 'batch', resource: 'submitJob.sync' } });
    expect(JSON.parse(history[2].taskScheduledEventDetails.parameters)).toEqual({ JobName: 'job-1' });
  });
});
