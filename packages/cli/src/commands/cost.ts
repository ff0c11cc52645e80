import { ExecutionStatus } from '@aws-sdk/client-sfn';
import { LocalRuntimeError } from '@batch-pipeline/local';
import { parseCliOptions } from '@batch-pipeline/local/lib/cli/cli-options';
import { mapConcurrently } from './runs';
import { CliError, EXIT } from '../cli-error';
import { CliOutput, Command } from '../command';
import { parseCommandLine, parseTime, positiveInteger, TARGET_USAGE } from '../command-line';
import { assemblyStacks } from '../cost/assembly-templates';
import { costTable, formatUsd, priceProvenance } from '../cost/format-cost';
import { IdleAssumptions, IdleCost, idleCostOf, TemplateResources } from '../cost/idle-cost';
import { measureRun, triggerMemoryOf } from '../cost/measure-run';
import { priceListPricesFor } from '../cost/price-list';
import { PRICE_TABLE_DATE, RegionPrices, TABLE_REGIONS, tablePricesFor } from '../cost/price-table';
import { RunCost, runCostOf } from '../cost/run-cost';
import { listExecutions, STATUSES } from '../runs/executions';
import { resolveTarget } from '../target/pipeline-target';

const USAGE = `Usage: batch-pipeline cost [<run>...] [--runs] [options] [<target>]

What the pipeline costs: idle per month, resource by resource, and what runs cost.
Without a target: the app folder's cloud assembly (--assembly, default cdk.out), idle cost only.
  <run>...              the cost of these runs (their history, Batch job, reports)
  --runs                the cost of the latest runs (--status, --since, --limit as \`runs\`; limit default 100)
  --per-month <N>       project N runs like these a month (default 1000)
  --price-list <DIR>    AWS Price List bulk offer files (JSON) instead of the shipped table (${PRICE_TABLE_DATE})
  --assembly <DIR>      a cloud assembly (default cdk.out)
  --price-region <R>    price in region R instead of the stack's (what the same stack would cost there)
  --efs-gb, --logs-gb, --s3-gb <GB>   storage kept while idle (default 0)
  --paid-dashboards     the account has its 3 free dashboards already
  --trigger-ms <MS>     the upload trigger's duration per run (default 300; the history does not show it)
${TARGET_USAGE}`;

const OPTIONS = {
  'runs': { type: 'boolean' },
  'status': { type: 'string' },
  'since': { type: 'string' },
  'limit': { type: 'string' },
  'per-month': { type: 'string' },
  'price-list': { type: 'string' },
  'assembly': { type: 'string' },
  'price-region': { type: 'string' },
  'efs-gb': { type: 'string' },
  'logs-gb': { type: 'string' },
  's3-gb': { type: 'string' },
  'paid-dashboards': { type: 'boolean' },
  'trigger-ms': { type: 'string' },
} as const;

function gigabytes(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const number = Number(value);
  if (!(number >= 0 && Number.isFinite(number))) throw new CliError(`--${name} ${value} is not valid`, 'use a number of GB, 0 or more');
  return number;
}

/**
 * The app folder's cloud assembly: --assembly as given, else found (or synthesized from cdk.json)
 * by the same check as \`run\` and the commands that run the app in this process, so that an
 * empty folder gets the same message from \`cost\` as from them.
 */
function appAssemblyOf(assembly: string | undefined, app: string | undefined): string {
  if (assembly !== undefined) return assembly;
  try {
    return parseCliOptions(['watch', ...(app !== undefined ? ['--app', app] : [])]).assemblyDirectory;
  } catch (error) {
    if (error instanceof LocalRuntimeError) throw new CliError(error.message, `${error.remedy}; or pass --stack <name> for a deployed stack`);
    throw error;
  }
}

/** The prices of a region: from --price-list files, else the shipped table. */
export function pricesFor(region: string, priceList: string | undefined): { prices: RegionPrices; origin: string } {
  if (priceList !== undefined) return { prices: priceListPricesFor(priceList, region), origin: `AWS Price List files in ${priceList}` };
  const prices = tablePricesFor(region);
  if (!prices) {
    throw new CliError(`the shipped price table has no prices for ${region} (it has ${TABLE_REGIONS.join(', ')})`,
      'pass --price-list <DIR> with the AWS Price List offer files of that region');
  }
  return { prices, origin: 'the table shipped in @batch-pipeline/cli' };
}

/** A cost report of one stack: idle, runs and the projection. */
export interface CostReport {
  readonly stackName: string;
  readonly region: string;
  readonly estimateOf: 'AWS list prices' | 'what AWS would bill for the local runs';
  readonly prices: { readonly origin: string; readonly figures: RegionPrices['figures'] };
  readonly idle: IdleCost;
  readonly runs: readonly RunCost[];
  readonly projection?: { readonly runsPerMonth: number; readonly averageRunUsd: number; readonly monthlyUsd: number };
}

function printReport(report: CostReport, prices: RegionPrices, output: CliOutput): void {
  output.print(`${report.stackName} (${report.region}): idle per month`);
  output.print(...[costTable(report.idle.lines, prices).join('\n')]);
  output.print(`  total idle: ${formatUsd(report.idle.totalUsd)} USD a month`);
  for (const run of report.runs) {
    output.print(`run ${run.runId}: ${formatUsd(run.totalUsd)} `
      + `USD${report.estimateOf === 'AWS list prices' ? '' : ' (an estimate of what AWS would bill, from the local run\'s counts and durations)'}`);
    output.print(costTable(run.lines, prices).join('\n'));
  }
  if (report.runs.length > 1) output.print(`${report.runs.length} runs: ${formatUsd(report.runs.reduce((sum, run) => sum + run.totalUsd, 0))} USD`);
  if (report.projection) {
    output.print(`projection: ${report.projection.runsPerMonth.toLocaleString('en-US')} files like these a month: `
      + `${formatUsd(report.projection.monthlyUsd)} USD`
      + ` (${formatUsd(report.idle.totalUsd)} idle + ${report.projection.runsPerMonth.toLocaleString('en-US')} x `
      + `${formatUsd(report.projection.averageRunUsd)})`);
  }
  output.print('Assumptions:');
  for (const assumption of report.idle.assumptions) output.print(`  - ${assumption}`);
  output.print('  - left out: data transfer out of AWS, NAT and endpoint per-GB processing, CloudWatch Logs ingestion, '
    + 'S3 LIST and lifecycle requests, KMS requests, free tiers, taxes');
}

async function runsOf(values: Record<string, unknown>, positionals: string[], target: Awaited<ReturnType<typeof resolveTarget>>): Promise<string[]> {
  if (positionals.length > 0) return positionals;
  if (values.runs !== true) return [];
  const status = values.status as string | undefined;
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new CliError(`--status ${status} is not a status`, `use one of ${STATUSES.join(', ')}`);
  }
  const limit = positiveInteger('limit', values.limit as string | undefined, 100);
  const names: string[] = [];
  for await (const page of listExecutions(target,
    { status: status as ExecutionStatus | undefined, since: parseTime('since', values.since as string | undefined) })) {
    names.push(...page.filter((execution) => execution.status !== 'RUNNING').map((execution) => execution.name!));
    if (names.length >= limit) break;
  }
  return names.slice(0, limit);
}

export const costCommand: Command = {
  name: 'cost',
  summary: 'what the pipeline costs idle per month, what runs cost, and a projection (prices: shipped table or --price-list)',
  async run(args, output) {
    const parsed = parseCommandLine('cost', args, OPTIONS);
    if (parsed.help) {
      output.print(USAGE);
      return EXIT.ok;
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    const assumptions: IdleAssumptions = {
      efsGb: gigabytes('efs-gb', values['efs-gb'] as string | undefined),
      logsGb: gigabytes('logs-gb', values['logs-gb'] as string | undefined),
      s3Gb: gigabytes('s3-gb', values['s3-gb'] as string | undefined),
      paidDashboards: values['paid-dashboards'] === true,
    };
    const perMonth = positiveInteger('per-month', values['per-month'] as string | undefined, 1000);
    const triggerMs = positiveInteger('trigger-ms', values['trigger-ms'] as string | undefined, 300, 900_000);
    const priceList = values['price-list'] as string | undefined;
    const reports: CostReport[] = [];
    const print: Array<() => void> = [];
    const idleReport = (stackName: string, region: string | undefined, resources: TemplateResources) => {
      const priceRegion = (values['price-region'] as string | undefined) ?? region;
      if (priceRegion === undefined) {
        throw new CliError(`the stack ${stackName} is environment-agnostic: no region to price it in`, 'pass --price-region <region>, '
          + 'or give the stack an env with a region and synthesize again');
      }
      const { prices, origin } = pricesFor(priceRegion, priceList);
      return { prices, origin, idle: idleCostOf(resources, prices, assumptions) };
    };
    if (parsed.stack === undefined && parsed.connection.endpointUrl === undefined) {
      if (parsed.positionals.length > 0 || values.runs === true) {
        throw new CliError('the cost of runs needs the runs\' target', 'pass --endpoint-url of `batch-pipeline serve` (local runs) or --stack (a '
          + 'deployed stack)');
      }
      for (const stack of assemblyStacks(appAssemblyOf(values.assembly as string | undefined, values.app as string | undefined))) {
        const { prices, origin, idle } = idleReport(stack.stackName, stack.region, stack.resources);
        const report: CostReport = {
          stackName: stack.stackName, region: idle.region, estimateOf: 'AWS list prices', prices: { origin, figures: prices.figures }, idle, runs: [],
        };
        reports.push(report);
        print.push(() => {
          priceProvenance(prices, origin).forEach((line) => output.print(line));
          printReport(report, prices, output);
        });
      }
    } else {
      const target = await resolveTarget({
        connection: parsed.connection, stack: parsed.stack, pipeline: parsed.pipeline, targetArgs: parsed.targetArgs,
      });
      const { prices, origin, idle } = idleReport(target.stackName, target.model.region, target.resources);
      const runIds = await runsOf(values, parsed.positionals, target);
      const triggerMemory = triggerMemoryOf(target);
      const runs = await mapConcurrently(runIds, 4,
        async (runId) => runCostOf(await measureRun(target, runId), prices, { memoryMiB: triggerMemory, ms: triggerMs }));
      const averageRunUsd = runs.length > 0 ? runs.reduce((sum, run) => sum + run.totalUsd, 0) / runs.length : 0;
      const report: CostReport = {
        stackName: target.stackName,
        region: idle.region,
        estimateOf: parsed.connection.endpointUrl !== undefined ? 'what AWS would bill for the local runs' : 'AWS list prices',
        prices: { origin, figures: prices.figures },
        idle,
        runs,
        ...(runs.length > 0 ? { projection: { runsPerMonth: perMonth, averageRunUsd, monthlyUsd: idle.totalUsd + perMonth * averageRunUsd } } : {}),
      };
      reports.push(report);
      print.push(() => {
        priceProvenance(prices, origin).forEach((line) => output.print(line));
        printReport(report, prices, output);
      });
    }
    if (parsed.json) output.print(JSON.stringify({ stacks: reports }, undefined, 2));
    else print.forEach((show) => show());
    return EXIT.ok;
  },
};
