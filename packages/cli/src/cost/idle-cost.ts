import { PriceKey, RegionPrices } from './price-table';

/** 730 hours: the month AWS's pricing pages and calculator use. */
export const HOURS_PER_MONTH = 730;

/** A CloudFormation template's resources, as GetTemplate or an assembly gives them. */
export type TemplateResources = Readonly<Record<string, { readonly Type: string; readonly Properties?: any }>>;

/** One line of an estimate: what, how many, at which price, for how much. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly price: PriceKey;
  readonly usd: number;
  /** Why the line is what it is, when that is not obvious. */
  readonly note?: string;
}

/** What a user tells the estimate that the template cannot. */
export interface IdleAssumptions {
  /** GB kept on EFS between runs (runs remove their files). @default 0 */
  readonly efsGb?: number;
  /** GB of logs kept in CloudWatch Logs. @default 0 */
  readonly logsGb?: number;
  /** GB kept in the buckets. @default 0 */
  readonly s3Gb?: number;
  /** Whether the account already has its 3 free dashboards. @default false */
  readonly paidDashboards?: boolean;
}

/** The idle cost of a template: each line and the total per month. */
export interface IdleCost {
  readonly region: string;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  readonly assumptions: readonly string[];
}

function line(prices: RegionPrices, item: string, quantity: number, price: PriceKey, hours = 1, note?: string): CostLine {
  const figure = prices.figures[price];
  return { item, quantity, unit: figure.unit, price, usd: quantity * hours * figure.usd, note };
}

/** A count of the template's resources of a type (and a condition on their properties). */
function count(resources: TemplateResources, type: string, where: (properties: any) => boolean = () => true): number {
  return Object.values(resources).filter((resource) => resource.Type === type && where(resource.Properties ?? {})).length;
}

/** Metrics an alarm bills: one for a metric alarm, one per metric for a metric-math alarm. */
function alarmMetrics(properties: any): number {
  if (!Array.isArray(properties.Metrics)) return 1;
  return Math.max(1, properties.Metrics.filter((metric: any) => metric.MetricStat !== undefined).length);
}

/** An interface endpoint is billed per AZ: one network interface per subnet it names. */
function endpointAzs(properties: any): number {
  return Array.isArray(properties.SubnetIds) ? properties.SubnetIds.length : 1;
}

function appStreamLines(resources: TemplateResources, prices: RegionPrices): CostLine[] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::AppStream::Fleet').flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    const instances = Number(properties.ComputeCapacity?.DesiredInstances ?? properties.ComputeCapacity?.DesiredSessions ?? 1);
    const type = properties.FleetType ?? 'ON_DEMAND';
    const instanceType = properties.InstanceType ?? 'stream.standard.medium';
    const priced = instanceType === 'stream.standard.medium' ? '' : ` (priced as stream.standard.medium: the table holds no ${instanceType})`;
    return type === 'ALWAYS_ON'
      ? [line(prices, `desktop: ${instances} x ${instanceType} ALWAYS_ON`, instances, 'appStreamRunningHour', HOURS_PER_MONTH,
        `fleet ${id}, running all month${priced}`)]
      : [line(prices, `desktop: ${instances} x ${instanceType} ${type}`, instances, 'appStreamStoppedHour', HOURS_PER_MONTH,
        `fleet ${id}, stopped-instance fee while nobody streams${priced}; plus the running rate for the hours users stream, `
          + 'and the Windows user fee for each user who connects in a month')];
  });
}

/**
 * What a template costs per month while no file is processed: resources billed by the hour or
 * the month, and storage the user says is kept. Everything else (Lambda, Step Functions, Batch on
 * Fargate, DataSync, SNS, SQS) is billed per use and costs nothing idle.
 */
export function idleCostOf(resources: TemplateResources, prices: RegionPrices, assumptions: IdleAssumptions = {}): IdleCost {
  const lines: CostLine[] = [];
  const add = (quantity: number, make: () => CostLine) => {
    if (quantity > 0) lines.push(make());
  };
  const natGateways = count(resources, 'AWS::EC2::NatGateway');
  add(natGateways, () => line(prices, `NAT gateways: ${natGateways}`, natGateways, 'natGatewayHour', HOURS_PER_MONTH));
  const addresses = count(resources, 'AWS::EC2::EIP');
  add(addresses, () => line(prices, `public IPv4 addresses: ${addresses}`, addresses, 'publicIpv4Hour', HOURS_PER_MONTH,
    'the Elastic IPs of the NAT gateways'));
  const endpoints = Object.values(resources).filter((resource) => resource.Type === 'AWS::EC2::VPCEndpoint'
    && resource.Properties?.VpcEndpointType === 'Interface');
  const endpointHours = endpoints.reduce((sum, endpoint) => sum + endpointAzs(endpoint.Properties), 0);
  add(endpointHours, () => line(prices, `interface endpoints: ${endpoints.length} in ${endpointHours} endpoint-AZs`, endpointHours,
    'interfaceEndpointHour', HOURS_PER_MONTH));
  const keys = count(resources, 'AWS::KMS::Key');
  add(keys, () => line(prices, `KMS keys: ${keys}`, keys, 'kmsKeyMonth'));
  const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
  const alarmMetricCount = alarms.reduce((sum, alarm) => sum + alarmMetrics(alarm.Properties ?? {}), 0);
  add(alarmMetricCount, () => line(prices, `CloudWatch alarms: ${alarms.length} (${alarmMetricCount} metrics)`, alarmMetricCount,
    'alarmMetricMonth'));
  const dashboards = count(resources, 'AWS::CloudWatch::Dashboard');
  add(dashboards, () => (assumptions.paidDashboards
    ? line(prices, `CloudWatch dashboards: ${dashboards}, beyond the account's 3 free ones`, dashboards, 'dashboardMonth')
    : {
      ...line(prices, `CloudWatch dashboards: ${dashboards}, among the account's 3 free ones`, dashboards, 'dashboardMonth'),
      usd: 0,
      note: '--paid-dashboards when the account has 3 already',
    }));
  lines.push(...appStreamLines(resources, prices));
  const fileSystems = count(resources, 'AWS::EFS::FileSystem');
  add(fileSystems, () => line(prices, `EFS file systems: ${fileSystems}, ${assumptions.efsGb ?? 0} GB kept`, assumptions.efsGb
    ?? 0, 'efsStorageGbMonth', 1, 'runs remove their files'));
  const logGroups = count(resources, 'AWS::Logs::LogGroup');
  add(logGroups, () => line(prices, `log groups: ${logGroups}, ${assumptions.logsGb ?? 0} GB stored`, assumptions.logsGb ?? 0, 'logsStorageGbMonth'));
  const buckets = count(resources, 'AWS::S3::Bucket');
  add(buckets, () => line(prices, `S3 buckets: ${buckets}, ${assumptions.s3Gb ?? 0} GB stored`, assumptions.s3Gb ?? 0, 's3StorageGbMonth'));
  return {
    region: prices.region,
    lines,
    totalUsd: lines.reduce((sum, entry) => sum + entry.usd, 0),
    assumptions: [
      `${HOURS_PER_MONTH} hours a month; on-demand list prices in USD, before taxes, free tiers and discounts`,
      `stored: ${assumptions.efsGb ?? 0} GB on EFS (--efs-gb), ${assumptions.logsGb ?? 0} GB of logs (--logs-gb), `
        + `${assumptions.s3Gb ?? 0} GB in S3 (--s3-gb)`,
      assumptions.paidDashboards ? 'dashboards are paid (the account has its 3 free ones already)' : 'dashboards are among the account\'s 3 free '
        + 'ones (--paid-dashboards otherwise)',
      'per-GB charges (NAT and endpoint data processing, cross-AZ traffic) and per-use services (Lambda, Step Functions, Fargate, DataSync, SNS, '
        + 'SQS) are not idle costs: see a run\'s cost',
    ],
  };
}
