import { CostLine } from './idle-cost';
import { PriceKey, RegionPrices } from './price-table';
import { RunUsage } from './run-usage';

const GB = 1024 ** 3;

/** What the trigger function costs per run, which the execution history does not show. */
export interface TriggerAssumption {
  readonly memoryMiB: number;
  /** @default 300 */
  readonly ms?: number;
}

/** A run's cost, line by line. */
export interface RunCost {
  readonly runId: string;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

function priced(prices: RegionPrices, item: string, quantity: number, price: PriceKey, note?: string): CostLine {
  const figure = prices.figures[price];
  return { item, quantity, unit: figure.unit, price, usd: quantity * figure.usd, note };
}

/**
 * The cost of one run from what it used: state transitions, Lambda requests and GB-seconds (the
 * tasks' and the trigger's), the Batch job's vCPU-hours and GB-hours on Fargate or Fargate Spot,
 * DataSync GB, S3 requests and SNS publishes. List prices, no free tier.
 */
export function runCostOf(usage: RunUsage, prices: RegionPrices, trigger: TriggerAssumption): RunCost {
  const triggerMs = trigger.ms ?? 300;
  const invocations = [...usage.lambda, { function: 'the upload trigger (assumed)', ms: triggerMs, memoryMiB: trigger.memoryMiB }];
  const gbSeconds = invocations.reduce((sum, invocation) => sum + (invocation.memoryMiB / 1024) * (invocation.ms / 1000), 0);
  const byFunction = new Map<string, { calls: number; memoryMiB: number; ms: number }>();
  for (const invocation of invocations) {
    const entry = byFunction.get(invocation.function) ?? { calls: 0, memoryMiB: invocation.memoryMiB, ms: 0 };
    byFunction.set(invocation.function, { ...entry, calls: entry.calls + 1, ms: entry.ms + invocation.ms });
  }
  const perFunction = [...byFunction].map(([name, entry]) => `${name} ${entry.memoryMiB} MiB x ${entry.ms} `
    + `ms${entry.calls > 1 ? ` in ${entry.calls} calls` : ''}`);
  const lines: CostLine[] = [
    priced(prices, `Step Functions: ${usage.transitions} state transitions`, usage.transitions, 'stepFunctionsTransition'),
    priced(prices, `Lambda: ${invocations.length} requests (${usage.lambda.length} from the state machine, 1 trigger)`, invocations.length,
      'lambdaRequest'),
    priced(prices, `Lambda: ${gbSeconds.toFixed(3)} GB-seconds (${perFunction.join(', ')})`,
      gbSeconds, 'lambdaGbSecond', `the trigger's duration is assumed (${triggerMs} ms): the execution history does not show it`),
  ];
  for (const job of usage.jobs) {
    const hours = job.billedSeconds / 3600;
    const kind = job.spot ? 'Fargate Spot' : 'Fargate';
    lines.push(priced(prices, `Batch job ${job.jobId} on ${kind}: ${job.vcpus} vCPU x ${job.billedSeconds} s`, job.vcpus * hours,
      job.spot ? 'fargateSpotVcpuHour' : 'fargateVcpuHour',
      job.billedSeconds === 60 ? 'Fargate bills one minute at least' : undefined));
    lines.push(priced(prices, `Batch job ${job.jobId} on ${kind}: ${job.memoryMiB / 1024} GB x ${job.billedSeconds} s`,
      (job.memoryMiB / 1024) * hours, job.spot ? 'fargateSpotGbHour' : 'fargateGbHour'));
  }
  if (usage.dataSyncBytes > 0) {
    lines.push(priced(prices, `DataSync: ${usage.dataSyncBytes} bytes copied (input in, reports out)`, usage.dataSyncBytes / GB, 'dataSyncGb'));
  }
  lines.push(priced(prices, `S3: ${usage.s3PutRequests} PUT requests (the upload, each report)`, usage.s3PutRequests, 's3PutRequest'));
  lines.push(priced(prices, `S3: ${usage.s3GetRequests} GET requests (reading the input)`, usage.s3GetRequests, 's3GetRequest'));
  if (usage.snsPublishes > 0) lines.push(priced(prices, `SNS: ${usage.snsPublishes} publishes`, usage.snsPublishes, 'snsPublish'));
  return { runId: usage.runId, lines, totalUsd: lines.reduce((sum, entry) => sum + entry.usd, 0) };
}
