import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStateMachine } from '../../../src/model/pipeline-model';
import { ExecutionEngine, ExecutionOutcome, ExecutionRequest } from '../../../src/services/stepfunctions/execution-engine';
import { executionHistory } from '../../../src/services/stepfunctions/execution-history';
import { stepFunctionsApi } from '../../../src/services/stepfunctions/step-functions-api';
import { StepFunctionsService } from '../../../src/services/stepfunctions/step-functions-service';

const MACHINE: LocalStateMachine = {
  logicalId: 'StateMachine',
  name: 'Pipeline',
  arn: 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline',
  definition: { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
};

/** An engine that reports the Pass state's events and succeeds. */
const engine = {
  run: async (request: ExecutionRequest): Promise<ExecutionOutcome> => {
    const at = Date.now();
    request.onEvent?.({ type: 'ExecutionStarted', timestamp: at, input: request.input } as any);
    request.onEvent?.({ type: 'StateEntered', timestamp: at, state: { name: 'Done', type: 'Pass', input: request.input } } as any);
    request.onEvent?.({ type: 'StateExited', timestamp: at, state: { name: 'Done', type: 'Pass', input: request.input, output: request.input } } as any);
    request.onEvent?.({ type: 'ExecutionSucceeded', timestamp: at, output: request.input } as any);
    return { status: 'SUCCEEDED', output: request.input, transitions: 1, startedAt: at, stoppedAt: at };
  },
} as unknown as ExecutionEngine;

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'kept-executions-'));
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

async function runInOneProcess(names: string[]): Promise<void> {
  const service = new StepFunctionsService(MACHINE, engine);
  service.keepIn(directory);
  for (const name of names) {
    service.startExecution({ stateMachineArn: MACHINE.arn, name, input: `{"key":"${name}"}` });
    await service.executions.get(name)!.outcome;
  }
}

describe('executions kept in the state directory', () => {
  test('given executions ended by an earlier service, when a later one keeps the same directory, then it lists, describes and gives the history of each, newest first', async () => {
    await runInOneProcess(['first', 'second']);

    const later = new StepFunctionsService(MACHINE, engine);
    later.keepIn(directory);
    const api = stepFunctionsApi(later);

    const listed = await api.operations.ListExecutions({ stateMachineArn: MACHINE.arn }) as { executions: Array<{ name: string; status: string }> };
    expect(listed.executions.map((execution) => [execution.name, execution.status])).toEqual([['second', 'SUCCEEDED'], ['first', 'SUCCEEDED']]);
    const described = later.describeExecution({ executionArn: `${MACHINE.arn.replace(':stateMachine:', ':execution:')}:first` });
    expect(described).toEqual(expect.objectContaining({ status: 'SUCCEEDED', input: '{"key":"first"}', output: '{"key":"first"}', startDate: expect.any(Date), stopDate: expect.any(Date) }));
    expect(executionHistory(later.executions.get('first')!, MACHINE).map((event) => event.type))
      .toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
  });

  test('given an execution an earlier service ended, when a later one starts the same name, then the name is taken (ExecutionAlreadyExists), as Step Functions keeps it', async () => {
    await runInOneProcess(['first']);

    const later = new StepFunctionsService(MACHINE, engine);
    later.keepIn(directory);

    expect(() => later.startExecution({ stateMachineArn: MACHINE.arn, name: 'first', input: '{"key":"first"}' })).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
  });

  test('given a kept file cut short and one of another state machine, when read back, then neither is listed', async () => {
    await runInOneProcess(['first']);
    writeFileSync(path.join(directory, 'cut.json'), '{"name":"cut","arn":');
    writeFileSync(path.join(directory, 'other.json'), JSON.stringify({ name: 'other', arn: 'arn:aws:states:eu-west-2:123456789012:execution:Other:other', input: '{}', startDate: new Date().toISOString(), result: { status: 'SUCCEEDED', transitions: 1, startedAt: 0, stoppedAt: 0 }, events: [] }));

    const later = new StepFunctionsService(MACHINE, engine);
    later.keepIn(directory);

    expect([...later.executions.keys()]).toEqual(['first']);
  });
});
