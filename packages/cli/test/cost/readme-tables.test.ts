import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE, EXAMPLE_VARIANTS, synthesizeExample } from './example-variants';
import { main } from '../../src/cli';
import { IdleCost } from '../../src/cost/idle-cost';
import { TABLE_REGIONS, tablePricesFor } from '../../src/cost/price-table';
import { appStreamMarkdown, idleCostMarkdown, IdleRow, tableBlock, withTableBlock } from '../../src/cost/readme-table';

const ROOT = path.join(EXAMPLE, '..', '..');
/** The READMEs whose idle-cost tables are generated from the price table, with the block each holds. */
const READMES = ['apps/example/README.md', 'packages/network/README.md', 'packages/pipeline/README.md'].map((file) => path.join(ROOT, file));

/** Synthesizing eight variants of the whole stack takes a few seconds, more on a loaded machine. */
const SYNTH_TIMEOUT_MS = 180_000;

async function costJson(args: string[]): Promise<{ stacks: Array<{ idle: IdleCost }> }> {
  const printed: string[] = [];
  const code = await main(['cost', ...args, '--json'], { print: (line) => printed.push(line), note: () => undefined });
  expect(code).toBe(0);
  return JSON.parse(printed.join('\n'));
}

describe('batch-pipeline cost on the example, in each egress mode, with and without the desktop', () => {
  const assemblies = new Map<string, string>();
  const rows: IdleRow[] = [];

  beforeAll(async () => {
    for (const variant of EXAMPLE_VARIANTS) {
      const assembly = synthesizeExample(variant);
      assemblies.set(variant.variant, assembly);
      const costs: IdleCost[] = [];
      for (const region of TABLE_REGIONS) costs.push((await costJson(['--assembly', assembly, '--price-region', region])).stacks[0].idle);
      rows.push({ variant: variant.variant, costs });
    }
  }, SYNTH_TIMEOUT_MS);

  test('then the idle-cost table of every README that has one is the command\'s (UPDATE_COST_TABLES=1 rewrites them)', () => {
    const expected = idleCostMarkdown(rows);
    for (const file of READMES) {
      const readme = readFileSync(file, 'utf8');
      if (process.env.UPDATE_COST_TABLES === '1') writeFileSync(file, withTableBlock(readme, 'idle', expected));
      expect({ file, table: tableBlock(readFileSync(file, 'utf8'), 'idle') }).toEqual({ file, table: expected });
    }
  });

  test('then the AppStream README\'s fleet table is the price table\'s (UPDATE_COST_TABLES=1 rewrites it)', () => {
    const file = path.join(ROOT, 'packages/appstream/README.md');
    const expected = appStreamMarkdown(TABLE_REGIONS.map((region) => tablePricesFor(region)!));
    if (process.env.UPDATE_COST_TABLES === '1') writeFileSync(file, withTableBlock(readFileSync(file, 'utf8'), 'appstream', expected));
    expect(tableBlock(readFileSync(file, 'utf8'), 'appstream')).toEqual(expected);
  });

  test('then a private pipeline (VPC_ENDPOINTS, endpoints in 1 AZ, no desktop) idles at 26 USD a month or less in us-east-1, us-west-2, eu-west-1 and eu-west-2', () => {
    const row = rows.find((candidate) => candidate.variant === '`egress=VPC_ENDPOINTS` `endpointAzs=1`')!;
    for (const cost of row.costs.filter((candidate) => ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-west-2'].includes(candidate.region))) {
      expect({ region: cost.region, under26: cost.totalUsd <= 26 }).toEqual({ region: cost.region, under26: true });
    }
  });

  test('then each idle line is priced from the template: the NAT gateway and its address, 3 endpoints x 2 AZs, the key, 6 alarm metrics', () => {
    const [, , nat, , endpoints] = rows.map((row) => row.costs.find((cost) => cost.region === 'us-east-1')!);
    expect(nat.lines.map((line) => [line.price, line.quantity])).toEqual(expect.arrayContaining([['natGatewayHour', 1], ['publicIpv4Hour', 1], ['kmsKeyMonth', 1], ['alarmMetricMonth', 6]]));
    expect(nat.totalUsd).toBeCloseTo(0.045 * 730 + 0.005 * 730 + 1 + 0.6, 6);
    expect(endpoints.lines.find((line) => line.price === 'interfaceEndpointHour')!.quantity).toBe(6);
    expect(endpoints.totalUsd).toBeCloseTo(6 * 0.01 * 730 + 1 + 0.6, 6);
  });

  test('then the text output says the date and origin of the prices and the assumptions', async () => {
    const printed: string[] = [];
    await main(['cost', '--assembly', assemblies.get('`egress=NAT_GATEWAY`')!], { print: (line) => printed.push(line), note: () => undefined });
    const text = printed.join('\n');
    expect(text).toMatch(/^Prices: the table shipped in @batch-pipeline\/cli, eu-west-2, dated 2026-12-06/);
    expect(text).toMatch(/NAT gateways: 1 +36\.50 USD/);
    expect(text).toContain('total idle: ');
    expect(text).toContain('730 hours a month; on-demand list prices in USD');
    expect(text).toContain('left out: data transfer out of AWS');
  });
});
