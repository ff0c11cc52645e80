import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../src/cli';
import { tablePricesFor } from '../../src/cost/price-table';
import { capture, deployStack, pipelineTemplate, REPORTS_BUCKET, STATE_MACHINE_ARN, TARGET, WORKSPACE_FUNCTION } from '../fixtures/deployed-stack';

const cloudFormation = mockClient(CloudFormationClient);
const stepFunctions = mockClient(SFNClient);
const batch = mockClient(BatchClient);
const s3 = mockClient(S3Client);

const RUN = 'plate-reader_csv-5f0c1d2e3f4a5b6c7d8e9f00';
const EXECUTION_ARN = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${RUN}`;
const JOB_ID = '4c0e3f5a-1b2c-4d5e-8f90-a1b2c3d4e5f6';
const prices = tablePricesFor('eu-west-2')!.figures;

/** The fixture's pipeline with what a deployed one bills idle and per run: a NAT gateway, a key, an alarm, a Fargate Spot job. */
function billedTemplate(): Record<string, any> {
  const template = pipelineTemplate();
  template.Resources.Trigger.Properties.MemorySize = 256;
  template.Resources.Workspace.Properties.MemorySize = 1024;
  Object.assign(template.Resources, {
    Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} },
    NatAddress: { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } },
    TopicKey: { Type: 'AWS::KMS::Key', Properties: {} },
    FailedRuns: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'ExecutionsFailed' } },
    Spot: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { Type: 'MANAGED', ComputeResources: { Type: 'FARGATE_SPOT', MaxvCpus: 4 } } },
  });
  return template;
}

const at = (ms: number) => new Date(Date.parse('2026-12-01T08:00:00Z') + ms);

/** A run's history: the workspace function (1.5 s), the Batch job, one SNS publish. */
function history(): HistoryEvent[] {
  const events: Array<Omit<HistoryEvent, 'id' | 'previousEventId'>> = [
    { type: 'ExecutionStarted', timestamp: at(0) },
    { type: 'TaskStateEntered', timestamp: at(10), stateEnteredEventDetails: { name: 'Stage in' } },
    { type: 'TaskScheduled', timestamp: at(20), taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'eu-west-2', parameters: JSON.stringify({ FunctionName: WORKSPACE_FUNCTION }) } },
    { type: 'TaskStarted', timestamp: at(30), taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } },
    { type: 'TaskSucceeded', timestamp: at(1520), taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } },
    { type: 'TaskStateExited', timestamp: at(1530), stateExitedEventDetails: { name: 'Stage in' } },
    { type: 'TaskStateEntered', timestamp: at(1540), stateEnteredEventDetails: { name: 'Process' } },
    { type: 'TaskScheduled', timestamp: at(1550), taskScheduledEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', region: 'eu-west-2', parameters: '{}' } },
    { type: 'TaskSubmitted', timestamp: at(1600), taskSubmittedEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: JSON.stringify({ JobId: JOB_ID, JobName: RUN }) } },
    { type: 'TaskSucceeded', timestamp: at(90_000), taskSucceededEventDetails: { resourceType: 'batch', resource: 'submitJob.sync', output: '{}' } },
    { type: 'TaskStateExited', timestamp: at(90_010), stateExitedEventDetails: { name: 'Process' } },
    { type: 'TaskStateEntered', timestamp: at(90_020), stateEnteredEventDetails: { name: 'Notify' } },
    { type: 'TaskScheduled', timestamp: at(90_030), taskScheduledEventDetails: { resourceType: 'sns', resource: 'publish', region: 'eu-west-2', parameters: '{}' } },
    { type: 'TaskSucceeded', timestamp: at(90_100), taskSucceededEventDetails: { resourceType: 'sns', resource: 'publish', output: '{}' } },
    { type: 'ExecutionSucceeded', timestamp: at(90_110) },
  ];
  return events.map((event, index) => ({ ...event, id: index + 1, previousEventId: index }));
}

beforeEach(() => {
  cloudFormation.reset();
  stepFunctions.reset();
  batch.reset();
  s3.reset();
  deployStack(cloudFormation, { template: billedTemplate() });
  stepFunctions.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves({
    executionArn: EXECUTION_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    name: RUN,
    status: 'SUCCEEDED',
    startDate: at(0),
    stopDate: at(90_110),
    input: JSON.stringify({ runId: RUN, bucket: 'prod-uploads-1q2w3e', key: 'incoming/plate-reader.csv', versionId: 'v1', size: 2048 }),
  });
  stepFunctions.on(GetExecutionHistoryCommand, { executionArn: EXECUTION_ARN }).resolves({ events: history() });
  stepFunctions.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: EXECUTION_ARN, stateMachineArn: STATE_MACHINE_ARN, name: RUN, status: 'SUCCEEDED', startDate: at(0) }] });
  // The job ran 45 s: Fargate bills the one-minute minimum.
  batch.on(DescribeJobsCommand, { jobs: [JOB_ID] }).resolves({
    jobs: [{
      jobId: JOB_ID,
      jobName: RUN,
      jobQueue: 'q',
      status: 'SUCCEEDED',
      jobDefinition: 'arn:aws:batch:eu-west-2:111122223333:job-definition/processor:1',
      startedAt: Date.parse('2026-12-01T08:00:30Z'),
      stoppedAt: Date.parse('2026-12-01T08:01:15Z'),
      container: { resourceRequirements: [{ type: 'VCPU', value: '0.25' }, { type: 'MEMORY', value: '512' }] },
    }],
  });
  s3.on(ListObjectsV2Command, { Bucket: REPORTS_BUCKET, Prefix: `reports/runs/${RUN}/out/` }).resolves({
    Contents: [{ Key: `reports/runs/${RUN}/out/report.json`, Size: 600 }, { Key: `reports/runs/${RUN}/out/summary.csv`, Size: 400 }], KeyCount: 2,
  });
});

async function costOf(args: string[]) {
  const output = capture();
  const code = await main(['cost', ...args, ...TARGET, '--json'], output);
  expect({ code, notes: output.notes }).toEqual({ code: 0, notes: [] });
  return JSON.parse(output.lines.join('\n')).stacks[0];
}

describe('batch-pipeline cost on a deployed stack (GetTemplate, GetExecutionHistory, DescribeJobs, ListObjectsV2)', () => {
  test('given the deployed template, then the idle cost is its NAT gateway, address, key and alarm at eu-west-2 prices', async () => {
    const report = await costOf([]);
    expect(report.region).toBe('eu-west-2');
    expect(report.idle.lines.map((line: any) => [line.price, line.quantity])).toEqual([
      ['natGatewayHour', 1], ['publicIpv4Hour', 1], ['kmsKeyMonth', 1], ['alarmMetricMonth', 1], ['logsStorageGbMonth', 0], ['s3StorageGbMonth', 0],
    ]);
    const hourly = 730 * (prices.natGatewayHour.usd + prices.publicIpv4Hour.usd);
    expect(report.idle.totalUsd).toBeCloseTo(hourly + prices.kmsKeyMonth.usd + prices.alarmMetricMonth.usd, 9);
    expect(report.runs).toEqual([]);
  });

  test('given a run, then its cost is its transitions, Lambda requests and GB-seconds, the Spot job\'s minimum minute, S3 requests and the publish', async () => {
    const report = await costOf([RUN]);
    const [run] = report.runs;
    const quantities = Object.fromEntries(run.lines.map((line: any) => [line.price, line.quantity]));
    expect(quantities).toEqual({
      stepFunctionsTransition: 3,
      lambdaRequest: 2,
      lambdaGbSecond: 1 * 1.5 + 0.25 * 0.3,
      fargateSpotVcpuHour: 0.25 * 60 / 3600,
      fargateSpotGbHour: 0.5 * 60 / 3600,
      s3PutRequest: 3,
      s3GetRequest: 1,
      snsPublish: 1,
    });
    const expected = 3 * prices.stepFunctionsTransition.usd + 2 * prices.lambdaRequest.usd + 1.575 * prices.lambdaGbSecond.usd
      + (0.25 / 60) * prices.fargateSpotVcpuHour.usd + (0.5 / 60) * prices.fargateSpotGbHour.usd
      + 3 * prices.s3PutRequest.usd + prices.s3GetRequest.usd + prices.snsPublish.usd;
    expect(run.totalUsd).toBeCloseTo(expected, 12);
    expect(report.projection).toEqual({ runsPerMonth: 1000, averageRunUsd: run.totalUsd, monthlyUsd: report.idle.totalUsd + 1000 * run.totalUsd });
    expect(report.estimateOf).toBe('AWS list prices');
  });

  test('given --runs --per-month 5000, then the latest runs are priced and projected to 5,000 a month', async () => {
    const output = capture();
    expect(await main(['cost', '--runs', '--per-month', '5000', ...TARGET], output)).toBe(0);
    const text = output.lines.join('\n');
    expect(text).toContain(`run ${RUN}: `);
    expect(text).toMatch(/projection: 5,000 files like these a month: [\d.]+ USD/);
    expect(text).toContain('Batch job 4c0e3f5a-1b2c-4d5e-8f90-a1b2c3d4e5f6 on Fargate Spot: 0.25 vCPU x 60 s');
  });

  test('given a region the shipped table does not hold, then cost says so and what to do', async () => {
    const output = capture();
    expect(await main(['cost', ...TARGET, '--price-region', 'sa-east-1'], output)).toBe(2);
    expect(output.notes.join('\n')).toContain('the shipped price table has no prices for sa-east-1');
    expect(output.notes.join('\n')).toContain('what to do: pass --price-list <DIR>');
  });

  test('given --status that is not one, then cost names it and the allowed ones', async () => {
    const output = capture();
    expect(await main(['cost', '--runs', '--status', 'DONE', ...TARGET], output)).toBe(2);
    expect(output.notes.join('\n')).toContain('--status DONE is not a status');
  });
});
