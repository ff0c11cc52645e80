import { DataSyncEmulator } from './datasync-emulator';
import { JsonProtocolService } from '../../serve/aws-json-protocol';

/** The emulator's errors are named as the state machine's aws-sdk integration sees them (`DataSync.<Code>`). */
const INTEGRATION_PREFIX = 'DataSync.';

/**
 * AWS DataSync over its JSON 1.1 protocol (`X-Amz-Target: FmrsService.<Operation>`) for the served
 * runtime: DescribeTaskExecution and CancelTaskExecution of the executions the runs started (what
 * `batch-pipeline cancel` and a person following a transfer call), answered by the same emulator
 * as the state machine's DataSync tasks, with its rules (a cancel of an ended execution:
 * InvalidRequestException). Starting executions stays the state machine's: StartTaskExecution is
 * not served.
 */
export function dataSyncApi(emulator: () => DataSyncEmulator): JsonProtocolService {
  const answer = (operation: (body: Record<string, any>) => unknown) => (body: Record<string, any>) => {
    try {
      return operation(body);
    } catch (error) {
      const thrown = error as Error;
      if (thrown.name.startsWith(INTEGRATION_PREFIX)) thrown.name = thrown.name.slice(INTEGRATION_PREFIX.length);
      throw thrown;
    }
  };
  return {
    version: '1.1',
    targetPrefix: 'FmrsService',
    title: 'DataSync',
    operations: {
      DescribeTaskExecution: answer((body) => emulator().describeTaskExecution(body)),
      CancelTaskExecution: answer((body) => emulator().cancelTaskExecution(body)),
    },
    clientErrors: new Set(['InvalidRequestException']),
  };
}
