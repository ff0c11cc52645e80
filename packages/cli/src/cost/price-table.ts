/**
 * The prices `batch-pipeline cost` uses when no `--price-list` is given: public on-demand list
 * prices in USD, per region, each with the AWS pricing page it comes from and the date it was
 * read. A figure marked `confirmed: false` could not be checked against a current source while
 * this table was written; it is the list price as last known and says so in the output.
 */

/** What one priced unit costs. */
export interface PriceFigure {
  readonly usd: number;
  /** The unit, as people read it (`hour`, `GB`, `request`, `GB-second` ...). */
  readonly unit: string;
  /** The AWS pricing page of the figure. */
  readonly source: string;
  /** When the figure was read (or, when not confirmed, last known), ISO date. */
  readonly asOf: string;
  /** False when no current source confirmed the figure. */
  readonly confirmed: boolean;
}

/** Every price the estimate needs. */
export const PRICE_KEYS = [
  'natGatewayHour', 'natGatewayGb', 'publicIpv4Hour', 'interfaceEndpointHour', 'interfaceEndpointGb', 'crossAzGb',
  'kmsKeyMonth', 'alarmMetricMonth', 'dashboardMonth',
  'stepFunctionsTransition', 'lambdaRequest', 'lambdaGbSecond',
  'fargateVcpuHour', 'fargateGbHour', 'fargateSpotVcpuHour', 'fargateSpotGbHour',
  'dataSyncGb', 's3PutRequest', 's3GetRequest', 's3StorageGbMonth', 'snsPublish',
  'efsStorageGbMonth', 'logsIngestionGb', 'logsStorageGbMonth',
  'appStreamStoppedHour', 'appStreamRunningHour', 'appStreamWindowsUserMonth',
] as const;
export type PriceKey = typeof PRICE_KEYS[number];

/** The prices of one region. */
export interface RegionPrices {
  readonly region: string;
  readonly figures: Readonly<Record<PriceKey, PriceFigure>>;
}

const SOURCES: Record<PriceKey, { unit: string; source: string }> = {
  natGatewayHour: { unit: 'NAT gateway-hour', source: 'https://aws.amazon.com/vpc/pricing/' },
  natGatewayGb: { unit: 'GB processed by a NAT gateway', source: 'https://aws.amazon.com/vpc/pricing/' },
  publicIpv4Hour: { unit: 'public IPv4 address-hour', source: 'https://aws.amazon.com/vpc/pricing/' },
  interfaceEndpointHour: { unit: 'interface endpoint-hour per AZ', source: 'https://aws.amazon.com/privatelink/pricing/' },
  interfaceEndpointGb: { unit: 'GB processed by interface endpoints (first PB)', source: 'https://aws.amazon.com/privatelink/pricing/' },
  crossAzGb: {
    unit: 'GB between AZs, each direction',
    source: 'https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer_within_the_same_AWS_Region',
  },
  kmsKeyMonth: { unit: 'customer managed key-month', source: 'https://aws.amazon.com/kms/pricing/' },
  alarmMetricMonth: { unit: 'standard-resolution alarm metric-month', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  dashboardMonth: { unit: 'dashboard-month (beyond the first 3)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  stepFunctionsTransition: { unit: 'Standard state transition', source: 'https://aws.amazon.com/step-functions/pricing/' },
  lambdaRequest: { unit: 'Lambda request', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaGbSecond: { unit: 'Lambda GB-second (x86)', source: 'https://aws.amazon.com/lambda/pricing/' },
  fargateVcpuHour: { unit: 'Fargate vCPU-hour (Linux x86)', source: 'https://aws.amazon.com/fargate/pricing/' },
  fargateGbHour: { unit: 'Fargate GB-hour (Linux x86)', source: 'https://aws.amazon.com/fargate/pricing/' },
  fargateSpotVcpuHour: { unit: 'Fargate Spot vCPU-hour (varies)', source: 'https://aws.amazon.com/fargate/pricing/' },
  fargateSpotGbHour: { unit: 'Fargate Spot GB-hour (varies)', source: 'https://aws.amazon.com/fargate/pricing/' },
  dataSyncGb: { unit: 'GB copied by DataSync (Basic mode)', source: 'https://aws.amazon.com/datasync/pricing/' },
  s3PutRequest: { unit: 'S3 Standard PUT/COPY/POST/LIST request', source: 'https://aws.amazon.com/s3/pricing/' },
  s3GetRequest: { unit: 'S3 Standard GET request', source: 'https://aws.amazon.com/s3/pricing/' },
  s3StorageGbMonth: { unit: 'S3 Standard GB-month (first 50 TB)', source: 'https://aws.amazon.com/s3/pricing/' },
  snsPublish: { unit: 'SNS publish (standard topic)', source: 'https://aws.amazon.com/sns/pricing/' },
  efsStorageGbMonth: { unit: 'EFS Standard GB-month', source: 'https://aws.amazon.com/efs/pricing/' },
  logsIngestionGb: { unit: 'CloudWatch Logs GB ingested (standard)', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  logsStorageGbMonth: { unit: 'CloudWatch Logs GB-month stored', source: 'https://aws.amazon.com/cloudwatch/pricing/' },
  appStreamStoppedHour: {
    unit: 'AppStream stream.standard.medium stopped-instance hour (on-demand fleet)',
    source: 'https://aws.amazon.com/appstream2/pricing/',
  },
  appStreamRunningHour: { unit: 'AppStream stream.standard.medium running hour (Windows)', source: 'https://aws.amazon.com/appstream2/pricing/' },
  appStreamWindowsUserMonth: { unit: 'AppStream Windows user-month (RDS SAL)', source: 'https://aws.amazon.com/appstream2/pricing/' },
};

/**
 * The date the figures of this table were read or checked. Figures that current third-party
 * summaries of the AWS pages (2026) repeated are confirmed: the us-east-1 NAT gateway (hour and
 * GB), public IPv4, interface endpoint (hour and GB) and Fargate on-demand prices. Every other
 * figure is the list price as last known (the AWS pages themselves could not be read offline).
 */
export const PRICE_TABLE_DATE = '2026-12-06';

const CONFIRMED = new Set<string>([
  'us-east-1:natGatewayHour', 'us-east-1:natGatewayGb', 'us-east-1:publicIpv4Hour', 'us-east-1:interfaceEndpointHour',
  'us-east-1:interfaceEndpointGb', 'us-east-1:fargateVcpuHour', 'us-east-1:fargateGbHour', 'us-west-2:natGatewayHour',
  'us-west-2:natGatewayGb',
]);

/** Prices that are the same in every region of this table (as last known). */
const COMMON: Partial<Record<PriceKey, number>> = {
  publicIpv4Hour: 0.005,
  interfaceEndpointGb: 0.01,
  crossAzGb: 0.01,
  kmsKeyMonth: 1,
  alarmMetricMonth: 0.10,
  dashboardMonth: 3,
  stepFunctionsTransition: 0.000025,
  lambdaRequest: 0.0000002,
  lambdaGbSecond: 0.0000166667,
  dataSyncGb: 0.0125,
  snsPublish: 0.0000005,
  appStreamWindowsUserMonth: 4.19,
};

type RegionalKey = Exclude<PriceKey, keyof typeof COMMON>;

type Regional = Partial<Record<PriceKey, number>> & Record<RegionalKey, number>;

const US_EAST_1: Regional = {
  natGatewayHour: 0.045,
  natGatewayGb: 0.045,
  interfaceEndpointHour: 0.01,
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  fargateSpotVcpuHour: 0.01265672,
  fargateSpotGbHour: 0.00138993,
  s3PutRequest: 0.000005,
  s3GetRequest: 0.0000004,
  s3StorageGbMonth: 0.023,
  efsStorageGbMonth: 0.30,
  logsIngestionGb: 0.50,
  logsStorageGbMonth: 0.03,
  appStreamStoppedHour: 0.025,
  appStreamRunningHour: 0.10,
};

const REGIONAL: Record<string, Regional> = {
  'us-east-1': US_EAST_1,
  // US West (Oregon) lists the same prices as US East (N. Virginia) for every figure here.
  'us-west-2': US_EAST_1,
  'eu-west-1': {
    natGatewayHour: 0.048,
    natGatewayGb: 0.048,
    interfaceEndpointHour: 0.011,
    fargateVcpuHour: 0.04048,
    fargateGbHour: 0.004445,
    fargateSpotVcpuHour: 0.01265672,
    fargateSpotGbHour: 0.00138993,
    s3PutRequest: 0.000005,
    s3GetRequest: 0.0000004,
    s3StorageGbMonth: 0.023,
    efsStorageGbMonth: 0.33,
    logsIngestionGb: 0.57,
    logsStorageGbMonth: 0.03,
    appStreamStoppedHour: 0.025,
    appStreamRunningHour: 0.11,
  },
  'eu-west-2': {
    natGatewayHour: 0.05,
    natGatewayGb: 0.05,
    interfaceEndpointHour: 0.011,
    fargateVcpuHour: 0.04656,
    fargateGbHour: 0.00511,
    fargateSpotVcpuHour: 0.01455795,
    fargateSpotGbHour: 0.00159773,
    s3PutRequest: 0.0000053,
    s3GetRequest: 0.00000042,
    s3StorageGbMonth: 0.024,
    efsStorageGbMonth: 0.33,
    logsIngestionGb: 0.5985,
    logsStorageGbMonth: 0.0315,
    appStreamStoppedHour: 0.027,
    appStreamRunningHour: 0.12,
  },
  'eu-central-1': {
    natGatewayHour: 0.052,
    natGatewayGb: 0.052,
    interfaceEndpointHour: 0.012,
    fargateVcpuHour: 0.04656,
    fargateGbHour: 0.00511,
    fargateSpotVcpuHour: 0.01455795,
    fargateSpotGbHour: 0.00159773,
    s3PutRequest: 0.0000054,
    s3GetRequest: 0.00000043,
    s3StorageGbMonth: 0.0245,
    efsStorageGbMonth: 0.36,
    logsIngestionGb: 0.63,
    logsStorageGbMonth: 0.0324,
    appStreamStoppedHour: 0.027,
    appStreamRunningHour: 0.12,
  },
  'ap-southeast-2': {
    natGatewayHour: 0.059,
    natGatewayGb: 0.059,
    interfaceEndpointHour: 0.013,
    fargateVcpuHour: 0.04856,
    fargateGbHour: 0.00532,
    fargateSpotVcpuHour: 0.01518321,
    fargateSpotGbHour: 0.00166338,
    s3PutRequest: 0.0000055,
    s3GetRequest: 0.00000044,
    s3StorageGbMonth: 0.025,
    efsStorageGbMonth: 0.36,
    logsIngestionGb: 0.57,
    logsStorageGbMonth: 0.03,
    appStreamStoppedHour: 0.03,
    appStreamRunningHour: 0.13,
  },
};

/** The regions the shipped table prices. */
export const TABLE_REGIONS: readonly string[] = Object.keys(REGIONAL);

/** The shipped prices of a region, or undefined when the table does not hold it. */
export function tablePricesFor(region: string): RegionPrices | undefined {
  const regional = REGIONAL[region];
  if (!regional) return undefined;
  const values = { ...COMMON, ...regional } as Record<PriceKey, number>;
  const figures = Object.fromEntries(PRICE_KEYS.map((key): [PriceKey, PriceFigure] => [key, {
    usd: values[key],
    ...SOURCES[key],
    asOf: PRICE_TABLE_DATE,
    confirmed: CONFIRMED.has(`${region}:${key}`),
  }]));
  return { region, figures: figures as Record<PriceKey, PriceFigure> };
}

/** The units and sources of the figures (for a price list read from files). */
export function priceSource(key: PriceKey): { unit: string; source: string } {
  return SOURCES[key];
}
