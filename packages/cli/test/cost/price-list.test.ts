import * as path from 'node:path';
import { EXAMPLE_VARIANTS, synthesizeExample } from './example-variants';
import { main } from '../../src/cli';
import { priceListPricesFor } from '../../src/cost/price-list';
import { tablePricesFor } from '../../src/cost/price-table';
import { capture } from '../fixtures/deployed-stack';

const FIXTURES = path.join(__dirname, 'fixtures');
const PRICE_LIST = path.join(FIXTURES, 'price-list');

describe('--price-list: AWS Price List bulk offer files', () => {
  test('given offer files for eu-west-2, then the NAT gateway and endpoint prices are theirs (first tier), dated by the file, the rest from the shipped table', () => {
    const prices = priceListPricesFor(PRICE_LIST, 'eu-west-2');
    expect(prices.figures.natGatewayHour).toEqual(expect.objectContaining({ usd: 0.052, asOf: '2026-11-20', confirmed: true }));
    expect(prices.figures.natGatewayHour.source).toContain('AmazonEC2.json (AmazonEC2, SKU M2YSHUBETB3JX4M4)');
    expect(prices.figures.natGatewayGb.usd).toBe(0.052);
    expect(prices.figures.interfaceEndpointHour).toEqual(expect.objectContaining({ usd: 0.012, asOf: '2026-11-18' }));
    // The first tier (from 0 GB), not the tier listed first.
    expect(prices.figures.interfaceEndpointGb.usd).toBe(0.01);
    expect(prices.figures.kmsKeyMonth).toEqual(tablePricesFor('eu-west-2')!.figures.kmsKeyMonth);
    expect(prices.fromTable).toContain('kmsKeyMonth');
    expect(prices.fromTable).not.toContain('natGatewayHour');
  });

  test('given the same files and us-east-1, then only the us-east-1 product is used', () => {
    expect(priceListPricesFor(PRICE_LIST, 'us-east-1').figures.natGatewayHour.usd).toBe(0.045);
  });

  test('given cost on the example with NAT_GATEWAY and --price-list, then the idle NAT line uses the file\'s price and the output says where the prices came from', async () => {
    const assembly = synthesizeExample(EXAMPLE_VARIANTS.find((variant) => variant.variant === '`egress=NAT_GATEWAY`')!);
    const output = capture();
    expect(await main(['cost', '--assembly', assembly, '--price-list', PRICE_LIST], output)).toBe(0);
    const text = output.lines.join('\n');
    expect(text).toContain(`Prices: AWS Price List files in ${PRICE_LIST}, eu-west-2, dated 2026-11-18, 2026-11-20, 2026-12-06`);
    expect(text).toContain('not in the price list, from the shipped table: publicIpv4Hour');
    expect(text).toMatch(/NAT gateways: 1 +37\.96 USD/);
  }, 60_000);

  test('given a region neither the files nor the table hold, then the error names what is missing and what to download', () => {
    expect(() => priceListPricesFor(PRICE_LIST, 'sa-east-1')).toThrow(/has no sa-east-1 price for natGatewayHour, .*and the shipped table does not hold sa-east-1/);
  });

  test.each([
    ['a folder that does not exist', path.join(FIXTURES, 'nowhere'), /--price-list .*nowhere cannot be read \(ENOENT\)/],
    ['a folder without JSON files', path.join(FIXTURES, '..'), /holds no \.json file/],
    ['a truncated offer file', path.join(FIXTURES, 'price-list-broken'), /AmazonEC2\.json is not JSON/],
  ])('given %s, then cost says so and what to do, without a stack trace', async (_case, dir, message) => {
    const assembly = synthesizeExample(EXAMPLE_VARIANTS[0]);
    const output = capture();
    expect(await main(['cost', '--assembly', assembly, '--price-list', dir], output)).toBe(2);
    expect(output.notes.join('\n')).toMatch(message);
    expect(output.notes.join('\n')).toContain('what to do: ');
  }, 60_000);
});
