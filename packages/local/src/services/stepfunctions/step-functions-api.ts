import { executionHistory } from './execution-history';
import { StartedExecution, StepFunctionsService } from './step-functions-service';
import { JsonProtocolService, page } from '../../serve/aws-json-protocol';
import { serviceError } from '../service-rules';

/** The statuses ListExecutions filters by (Step Functions API reference, ListExecutions). */
const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

/** The state machine's creation date: when the runtime started (the assembly has none). */
const STARTED = new Date();

function summary(execution: StartedExecution, stateMachineArn: string): Record<string, unknown> {
  const stopDate = execution.stopped?.stopDate ?? (execution.result ? new Date(execution.result.stoppedAt) : undefined);
  return {
    executionArn: execution.arn,
    stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate,
    ...(stopDate ? { stopDate } : {}),
  };
}

/**
 * Step Functions over the AWS JSON 1.0 protocol for the served endpoint: StartExecution,
 * DescribeExecution, StopExecution, ListExecutions (newest first, `statusFilter`, pages),
 * GetExecutionHistory (`reverseOrder`, `includeExecutionData`, pages), DescribeStateMachine and
 * ListStateMachines, with the API's error names.
 */
export function stepFunctionsApi(service: StepFunctionsService): JsonProtocolService {
  const machine = service.stateMachine;
  const checkMachine = (arn: unknown) => {
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/.test(arn)) {
      throw serviceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    }
    if (arn !== machine.arn) throw serviceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  };
  const paging = { defaultMax: 100, limit: 1000, tokenError: 'InvalidToken', validationError: 'ValidationException' };
  return {
    version: '1.0',
    targetPrefix: 'AWSStepFunctions',
    title: 'Step Functions',
    clientErrors: new Set(['InvalidArn', 'StateMachineDoesNotExist', 'InvalidName', 'InvalidExecutionInput', 'ExecutionAlreadyExists',
      'ExecutionDoesNotExist', 'InvalidToken', 'ValidationException']),
    operations: {
      StartExecution: (body) => service.startExecution(body),
      DescribeExecution: (body) => service.describeExecution(body),
      StopExecution: (body) => service.stopExecution(body),
      ListExecutions: (body) => {
        checkMachine(body.stateMachineArn);
        if (body.statusFilter !== undefined && !STATUSES.has(body.statusFilter)) {
          throw serviceError('ValidationException', `1 validation error detected: Value '${String(body.statusFilter)}' at 'statusFilter' failed `
            + `to satisfy constraint: Member must satisfy enum value set: [${[...STATUSES].join(', ')}]`);
        }
        // Newest first: the executions in reverse start order (two starts can share a millisecond).
        const executions = [...service.executions.values()].reverse()
          .filter((execution) => body.statusFilter === undefined || execution.status === body.statusFilter);
        const result = page(executions, body, { ...paging, scope: `executions/${body.statusFilter ?? ''}` });
        const executionsShown = result.items.map((execution) => summary(execution, machine.arn));
        return { executions: executionsShown, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
      },
      GetExecutionHistory: (body) => {
        const execution = service.execution(body.executionArn);
        const events = executionHistory(execution, machine);
        if (body.reverseOrder === true) events.reverse();
        // Without execution data, the inputs and outputs are left out (includeExecutionData: false).
        const shown = body.includeExecutionData === false
          ? events.map((event) => JSON.parse(
            JSON.stringify(event, (key, value) => (['input', 'output', 'parameters'].includes(key) ? undefined : value)),
            (key, value) => (key === 'timestamp' ? new Date(value) : value),
          ))
          : events;
        const result = page(shown, body, { ...paging, scope: `history/${execution.arn}/${body.reverseOrder === true}` });
        return { events: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
      },
      DescribeStateMachine: (body) => {
        checkMachine(body.stateMachineArn);
        return {
          stateMachineArn: machine.arn,
          name: machine.name,
          status: 'ACTIVE',
          definition: JSON.stringify(machine.definition),
          roleArn: `arn:aws:iam::${machine.arn.split(':')[4]}:role/${machine.name}-role`,
          type: 'STANDARD',
          creationDate: STARTED,
          loggingConfiguration: { level: 'OFF', includeExecutionData: false },
          tracingConfiguration: { enabled: false },
        };
      },
      ListStateMachines: (body) => {
        const result = page([machine], body, { ...paging, scope: 'state-machines' });
        return {
          stateMachines: result.items.map((item) => ({ stateMachineArn: item.arn, name: item.name, type: 'STANDARD', creationDate: STARTED })),
          ...(result.nextToken ? { nextToken: result.nextToken } : {}),
        };
      },
    },
  };
}
