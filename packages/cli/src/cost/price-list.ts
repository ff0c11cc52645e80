import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRICE_KEYS, PriceFigure, PriceKey, priceSource, RegionPrices, tablePricesFor } from './price-table';
import { CliError } from '../cli-error';

/**
 * Where each price is in the AWS Price List bulk offer files (the public JSON files of
 * https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<service>/current/<region>/index.json):
 * the product's service code and the end of its usage type (usage types carry a region prefix,
 * such as EUW2-, and none in us-east-1).
 */
const USAGE_TYPES: Partial<Record<PriceKey, { readonly servicecode: string; readonly usagetype: RegExp }>> = {
  natGatewayHour: { servicecode: 'AmazonEC2', usagetype: /(^|-)NatGateway-Hours$/ },
  natGatewayGb: { servicecode: 'AmazonEC2', usagetype: /(^|-)NatGateway-Bytes$/ },
  publicIpv4Hour: { servicecode: 'AmazonVPC', usagetype: /(^|-)PublicIPv4:InUseAddress$/ },
  interfaceEndpointHour: { servicecode: 'AmazonVPC', usagetype: /(^|-)VpcEndpoint-Hours$/ },
  interfaceEndpointGb: { servicecode: 'AmazonVPC', usagetype: /(^|-)VpcEndpoint-Bytes$/ },
  kmsKeyMonth: { servicecode: 'awskms', usagetype: /(^|-)KMS-Keys$/ },
  alarmMetricMonth: { servicecode: 'AmazonCloudWatch', usagetype: /(^|-)CW:AlarmMonitorUsage$/ },
  stepFunctionsTransition: { servicecode: 'AmazonStates', usagetype: /(^|-)StateTransition$/ },
  lambdaRequest: { servicecode: 'AWSLambda', usagetype: /(^|-)Request$/ },
  lambdaGbSecond: { servicecode: 'AWSLambda', usagetype: /(^|-)Lambda-GB-Second$/ },
  fargateVcpuHour: { servicecode: 'AmazonECS', usagetype: /(^|-)Fargate-vCPU-Hours:perCPU$/ },
  fargateGbHour: { servicecode: 'AmazonECS', usagetype: /(^|-)Fargate-GB-Hours$/ },
  fargateSpotVcpuHour: { servicecode: 'AmazonECS', usagetype: /(^|-)SpotUsage-Fargate-vCPU-Hours:perCPU$/ },
  fargateSpotGbHour: { servicecode: 'AmazonECS', usagetype: /(^|-)SpotUsage-Fargate-GB-Hours$/ },
  s3PutRequest: { servicecode: 'AmazonS3', usagetype: /(^|-)Requests-Tier1$/ },
  s3GetRequest: { servicecode: 'AmazonS3', usagetype: /(^|-)Requests-Tier2$/ },
  s3StorageGbMonth: { servicecode: 'AmazonS3', usagetype: /(^|-)TimedStorage-ByteHrs$/ },
  snsPublish: { servicecode: 'AmazonSNS', usagetype: /(^|-)Requests-Tier1$/ },
  efsStorageGbMonth: { servicecode: 'AmazonEFS', usagetype: /(^|-)TimedStorage-ByteHrs$/ },
  logsIngestionGb: { servicecode: 'AmazonCloudWatch', usagetype: /(^|-)DataProcessing-Bytes$/ },
  logsStorageGbMonth: { servicecode: 'AmazonCloudWatch', usagetype: /(^|-)TimedStorage-ByteHrs$/ },
};

interface PriceDimension {
  readonly beginRange?: string;
  readonly pricePerUnit?: { readonly USD?: string };
}

interface OfferFile {
  readonly offerCode?: string;
  readonly publicationDate?: string;
  readonly products?: Record<string, { sku: string; attributes?: Record<string, string> }>;
  /** On-demand terms: SKU, then offer term, then its price dimensions (tiers). */
  readonly terms?: { OnDemand?: Record<string, Record<string, { priceDimensions?: Record<string, PriceDimension> }>> };
}

/** The price of a SKU's first on-demand tier (the one a small pipeline pays). */
function firstTierUsd(offer: OfferFile, sku: string): number | undefined {
  const dimensions = Object.values(offer.terms?.OnDemand?.[sku] ?? {}).flatMap((term) => Object.values(term.priceDimensions ?? {}));
  const first = dimensions.find((dimension) => (dimension.beginRange ?? '0') === '0') ?? dimensions[0];
  const usd = first?.pricePerUnit?.USD;
  return usd === undefined ? undefined : Number(usd);
}

function readOffers(dir: string): Array<{ file: string; offer: OfferFile }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new CliError(`--price-list ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      'pass a folder that holds AWS Price List offer files (index.json of each service, renamed, e.g. AmazonEC2.json)');
  }
  if (names.length === 0) {
    throw new CliError(`--price-list ${dir} holds no .json file`, 'download the offer files '
      + '(https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<service>/current/<region>/index.json) into it, one per service');
  }
  return names.map((name) => {
    const file = join(dir, name);
    try {
      return { file, offer: JSON.parse(readFileSync(file, 'utf8')) as OfferFile };
    } catch (error) {
      throw new CliError(`--price-list file ${file} is not JSON (${(error as Error).message})`, 'download the offer file again (it may '
        + 'be truncated)');
    }
  });
}

/** Prices read from AWS Price List bulk offer files, and what came from the shipped table instead. */
export interface PriceListPrices extends RegionPrices {
  /** The figures the files did not hold, taken from the shipped table. */
  readonly fromTable: readonly PriceKey[];
}

/**
 * The prices of a region from the offer files in `dir`. A price the files do not hold comes from
 * the shipped table (and is listed as such); a region the table does not hold needs them all.
 */
export function priceListPricesFor(dir: string, region: string): PriceListPrices {
  const offers = readOffers(dir);
  const found = new Map<PriceKey, PriceFigure>();
  for (const { file, offer } of offers) {
    for (const product of Object.values(offer.products ?? {})) {
      const attributes = product.attributes ?? {};
      if (attributes.regionCode !== region) continue;
      for (const key of PRICE_KEYS) {
        const where = USAGE_TYPES[key];
        if (found.has(key) || !where || attributes.servicecode !== where.servicecode || !where.usagetype.test(attributes.usagetype ?? '')) continue;
        const usd = firstTierUsd(offer, product.sku);
        if (usd === undefined || Number.isNaN(usd)) continue;
        const { unit } = priceSource(key);
        found.set(key, {
          usd,
          unit,
          source: `${file} (${offer.offerCode ?? attributes.servicecode}, SKU ${product.sku})`,
          asOf: (offer.publicationDate ?? '').slice(0, 10) || 'unknown',
          confirmed: true,
        });
      }
    }
  }
  const table = tablePricesFor(region);
  const missing = PRICE_KEYS.filter((key) => !found.has(key));
  if (!table && missing.length > 0) {
    throw new CliError(`--price-list ${dir} has no ${region} price for ${missing.join(', ')}, and the shipped table does not hold ${region}`,
      'add the offer files of those services for that region (AmazonEC2, AmazonVPC, awskms, AmazonCloudWatch, AmazonStates, AWSLambda, '
        + 'AmazonECS, AWSDataSync, AmazonS3, AmazonSNS, AmazonEFS, AmazonAppStream)');
  }
  const figures = Object.fromEntries(PRICE_KEYS.map((key) => [key, found.get(key) ?? table!.figures[key]]));
  return { region, figures: figures as RegionPrices['figures'], fromTable: missing };
}
