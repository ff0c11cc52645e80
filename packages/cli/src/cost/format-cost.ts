import { CostLine } from './idle-cost';
import { RegionPrices } from './price-table';

/** USD as people read a bill: cents from 0.01 up, else two significant digits (0.000025), never an exponent. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '0.00';
  if (Math.abs(usd) >= 0.01) return usd.toFixed(2);
  return plainNumber(Number(usd.toPrecision(2)));
}

/** A number in plain decimals (0.0000002, not 2e-7), at most 12 of them. */
export function plainNumber(value: number): string {
  return value.toFixed(12).replace(/\.?0+$/, '');
}

/** Cost lines as a table: item, quantity x price, USD, note. */
export function costTable(lines: readonly CostLine[], prices: RegionPrices): string[] {
  const width = Math.max(...lines.map((line) => line.item.length), 4);
  return lines.map((line) => {
    const figure = prices.figures[line.price];
    return `  ${line.item.padEnd(width)}  ${formatUsd(line.usd).padStart(10)} USD  `
      + `(${plainNumber(Number(line.quantity.toPrecision(6)))} x ${plainNumber(figure.usd)} per ${figure.unit})${line.note ? `; ${line.note}` : ''}`;
  });
}

/** Where the prices came from and how old they are, and the figures not confirmed. */
export function priceProvenance(prices: RegionPrices & { readonly fromTable?: readonly string[] }, origin: string): string[] {
  const dates = [...new Set(Object.values(prices.figures).map((figure) => figure.asOf))].sort();
  const unconfirmed = Object.entries(prices.figures).filter(([, figure]) => !figure.confirmed).map(([key]) => key);
  return [
    `Prices: ${origin}, ${prices.region}, dated ${dates.join(', ')}`,
    ...(prices.fromTable && prices.fromTable.length > 0 ? [`  not in the price list, from the shipped table: ${prices.fromTable.join(', ')}`] : []),
    ...(unconfirmed.length > 0 ? [`  not confirmed against a current AWS pricing page (list price as last known): ${unconfirmed.join(', ')}`] : []),
  ];
}
