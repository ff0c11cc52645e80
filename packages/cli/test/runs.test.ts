import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { capture, deployStack, STATE_MACHINE_ARN, TARGET } from './fixtures/deployed-stack';
import { main } from '../src/cli';
import { EXIT } from '../src/cli-error';
import { RunRow } from '../src/commands/runs';
import { executionArnOf } from '../src/runs/executions';

const cloudFormation = mockClient(CloudFormationClient);
const stepFunctions = mockClient(SFNClient);

const START = Date.parse('2026-12-05T12:00:00Z');

/** `count` executions, newest first, one a minute, every tenth failed. */
function executions(count: number) {
  return Array.from({ length: count }, (_, index) => ({
    executionArn: executionArnOf(STATE_MACHINE_ARN, `run-${index}`),
    stateMachineArn: STATE_MACHINE_ARN,
    name: `run-${index}`,
    status: (index % 10 === 0 ? 'FAILED' : 'SUCCEEDED') as 'FAILED' | 'SUCCEEDED',
    startDate: new Date(START - index * 60_000),
    stopDate: new Date(START - index * 60_000 + 42_000),
  }));
}

/** ListExecutions answering in pages of 1,000 with a next token, as Step Functions does. */
function listInPages(all: ReturnType<typeof executions>) {
  stepFunctions.on(ListExecutionsCommand).callsFake((input: { nextToken?: string; maxResults?: number }) => {
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const end = start + (input.maxResults ?? 100);
    return { executions: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
  });
  stepFunctions.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const name = input.executionArn.split(':').pop()!;
    return { executionArn: input.executionArn, name, status: 'SUCCEEDED', startDate: new Date(START), input: JSON.stringify({ runId: name, key: `incoming/${name}.csv` }) };
  });
  stepFunctions.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 9, type: 'ExecutionFailed', timestamp: new Date(START), executionFailedEventDetails: { error: 'JobFailed' } },
      { id: 5, type: 'TaskFailed', timestamp: new Date(START), taskFailedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', error: 'States.TaskFailed' } },
      { id: 4, type: 'TaskScheduled', timestamp: new Date(START) },
      { id: 3, type: 'TaskStateEntered', timestamp: new Date(START), stateEnteredEventDetails: { name: 'Process' } },
    ],
  });
}

beforeEach(() => {
  cloudFormation.reset();
  stepFunctions.reset();
  deployStack(cloudFormation);
});

describe('runs', () => {
  test('given 2,500 executions, when 2,400 runs are listed, then three pages of 1,000 are read, newest first, with input key and failed step', async () => {
    listInPages(executions(2_500));
    const output = capture();

    const code = await main(['runs', '--limit', '2400', '--json', ...TARGET], output);

    expect(code).toBe(EXIT.ok);
    const rows = JSON.parse(output.lines.join('\n')) as RunRow[];
    expect(rows).toHaveLength(2_400);
    expect(rows[0]).toEqual({ run: 'run-0', inputKey: 'incoming/run-0.csv', status: 'FAILED', started: new Date(START).toISOString(), durationMs: 42_000, failedStep: 'Process' });
    expect(rows[2_399].run).toBe('run-2399');
    const pages = stepFunctions.commandCalls(ListExecutionsCommand).map((call) => call.args[0].input);
    expect(pages.map((page) => [page.maxResults, page.nextToken])).toEqual([[1000, undefined], [1000, '1000'], [1000, '2000']]);
  });

  test('given 2,500 executions, when runs since 90 minutes before the newest are listed, then reading stops at the first page', async () => {
    listInPages(executions(2_500));
    const output = capture();

    await main(['runs', '--since', new Date(START - 90 * 60_000).toISOString(), '--limit', '1000', '--json', ...TARGET], output);

    expect(JSON.parse(output.lines.join('\n'))).toHaveLength(91);
    expect(stepFunctions.commandCalls(ListExecutionsCommand)).toHaveLength(1);
  });

  test('given runs, when listed for people, then a table with a header comes first, the newest run on the first row', async () => {
    listInPages(executions(3));
    const output = capture();

    await main(['runs', ...TARGET], output);

    expect(output.lines[0]).toMatch(/^RUN\s+INPUT KEY\s+STATUS\s+STARTED\s+DURATION\s+FAILED STEP$/);
    expect(output.lines[1]).toMatch(/^run-0\s+incoming\/run-0\.csv\s+FAILED\s+2026-12-05 12:00:00Z\s+42\.0 s\s+Process$/);
    expect(output.lines).toHaveLength(4);
  });

  test('given a status that Step Functions does not have, when listed, then it names the statuses there are', async () => {
    const output = capture();

    const code = await main(['runs', '--status', 'DONE', ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain('use one of RUNNING, SUCCEEDED, FAILED');
  });
});

describe('a mistyped option', () => {
  test('given runs --limt, then it exits 2 naming the option meant and the command\'s help, before any AWS call', async () => {
    const output = capture();
    const code = await main(['runs', '--limt', '5', ...TARGET], output);
    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain("runs: unknown option '--limt'");
    expect(output.notes.join('\n')).toContain('did you mean --limit? (see `batch-pipeline runs --help`)');
    expect(stepFunctions.calls()).toHaveLength(0);
  });
});
