import { appendFileSync } from 'node:fs';
import { serviceError } from '../service-rules';
import { ServiceContext, TaskIntegration, TaskRequest } from '../task-integration';

/** What `metrics.jsonl` holds: one line per data point. */
export interface RecordedDataPoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: ReadonlyArray<{ readonly Name: string; readonly Value: string }>;
  /** The value (for `Values`/`Counts`, one line per value with its count; for StatisticValues, the sum). */
  readonly value: number;
  readonly count?: number;
  readonly statisticValues?: { readonly SampleCount: number; readonly Sum: number; readonly Minimum: number; readonly Maximum: number };
  readonly unit?: string;
  readonly timestamp: string;
  readonly storageResolution: number;
  readonly execution: string;
  readonly state: string;
}

/** PutMetricData limits (CloudWatch API reference, PutMetricData and MetricDatum). */
const MAX_NAMESPACE_LENGTH = 255;
const MAX_METRIC_DATA = 1000;
const MAX_NAME_LENGTH = 255;
const MAX_DIMENSIONS = 30;
const MAX_DIMENSION_VALUE_LENGTH = 1024;
const MAX_VALUES = 150;
/** Values outside -2^360..2^360 (and NaN, infinities) are refused. */
const VALUE_LIMIT = 2 ** 360;
const UNITS = ['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
  'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second',
  'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None'];
/** A data point may be up to two weeks old and up to two hours in the future. */
const MAX_AGE_MS = 14 * 24 * 3600 * 1000;
const MAX_AHEAD_MS = 2 * 3600 * 1000;

/**
 * Amazon CloudWatch `PutMetricData` as the SDK integration
 * `arn:aws:states:::aws-sdk:cloudwatch:putMetricData` calls it: the input rules of the API (errors
 * named as Step Functions names SDK errors, `CloudWatch.<error code>`), each data point appended to
 * `metrics.jsonl` in the state directory. Nothing aggregates or alarms on them.
 */
export class CloudWatchEmulator implements TaskIntegration {
  public constructor(private readonly context: ServiceContext) {}

  public handles(resource: string): boolean {
    return /^arn:[a-z-]+:states:::aws-sdk:cloudwatch:putMetricData$/.test(resource);
  }

  public async call(request: TaskRequest): Promise<unknown> {
    const { Namespace: namespace, MetricData: metricData } = request.parameters;
    if (namespace === undefined) throw missing('Namespace');
    if (metricData === undefined) throw missing('MetricData');
    if (typeof namespace !== 'string' || namespace.length < 1 || namespace.length > MAX_NAMESPACE_LENGTH || namespace.startsWith(':')) {
      throw invalidValue(`The parameter Namespace must be 1-${MAX_NAMESPACE_LENGTH} characters and must not start with ':'.`);
    }
    // "You cannot specify a namespace that begins with AWS/": those belong to AWS services.
    if (namespace.startsWith('AWS/')) {
      throw invalidValue(`The value ${namespace} for parameter Namespace is invalid.`);
    }
    if (!Array.isArray(metricData) || metricData.length === 0) throw missing('MetricData');
    if (metricData.length > MAX_METRIC_DATA) {
      throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_METRIC_DATA}.`);
    }
    const now = Date.now();
    const lines: RecordedDataPoint[] = [];
    metricData.forEach((datum: any, index: number) => {
      const member = `MetricData.member.${index + 1}`;
      const name = datum?.MetricName;
      if (name === undefined) throw missing(`${member}.MetricName`);
      if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME_LENGTH) {
        throw invalidValue(`The parameter ${member}.MetricName must be 1-${MAX_NAME_LENGTH} characters.`);
      }
      const dimensions = checkDimensions(member, datum.Dimensions);
      if (datum.Unit !== undefined && !UNITS.includes(datum.Unit)) {
        throw invalidValue(`The parameter ${member}.Unit must be a value in the set [ ${UNITS.join(', ')} ].`);
      }
      const resolution = datum.StorageResolution ?? 60;
      if (resolution !== 1 && resolution !== 60) {
        throw invalidValue(`The parameter ${member}.StorageResolution must be 1 or 60.`);
      }
      const timestamp = datum.Timestamp === undefined ? new Date(now) : new Date(datum.Timestamp);
      if (Number.isNaN(timestamp.getTime())) throw invalidValue(`The parameter ${member}.Timestamp must be a timestamp.`);
      if (timestamp.getTime() < now - MAX_AGE_MS || timestamp.getTime() > now + MAX_AHEAD_MS) {
        throw invalidValue(`The parameter ${member}.Timestamp must specify a time no more than two weeks in the past or two hours in the future.`);
      }
      const given = ['Value', 'StatisticValues', 'Values'].filter((field) => datum[field] !== undefined);
      // Value, StatisticValues and Values are alternatives (MetricDatum).
      if (given.length > 1) {
        throw serviceError('CloudWatch.InvalidParameterCombinationException', `The parameters ${member}.${given[0]} and ${member}.${given[1]} `
          + 'are mutually exclusive and you have specified both.');
      }
      if (given.length === 0) {
        throw missing(`${member}.Value`);
      }
      const base = {
        namespace,
        metricName: name,
        dimensions,
        ...(datum.Unit ? { unit: datum.Unit } : {}),
        timestamp: timestamp.toISOString(),
        storageResolution: resolution,
        execution: request.execution.arn,
        state: request.stateName,
      };
      if (datum.Value !== undefined) {
        lines.push({ ...base, value: checkValue(`${member}.Value`, datum.Value) });
      } else if (datum.StatisticValues !== undefined) {
        const statistics = datum.StatisticValues;
        for (const field of ['SampleCount', 'Sum', 'Minimum', 'Maximum']) {
          if (statistics[field] === undefined) throw missing(`${member}.StatisticValues.${field}`);
          checkValue(`${member}.StatisticValues.${field}`, statistics[field]);
        }
        if (statistics.Minimum > statistics.Maximum || statistics.SampleCount <= 0) {
          throw invalidValue(`The parameter ${member}.StatisticValues is not consistent: Minimum must not exceed Maximum and SampleCount must `
            + 'be positive.');
        }
        lines.push({ ...base, value: statistics.Sum, statisticValues: statistics });
      } else {
        const values = datum.Values;
        const counts = datum.Counts;
        if (!Array.isArray(values) || values.length > MAX_VALUES) {
          throw invalidValue(`The collection ${member}.Values must not have a size greater than ${MAX_VALUES}.`);
        }
        if (counts !== undefined && (!Array.isArray(counts) || counts.length !== values.length)) {
          throw invalidValue(`The parameters ${member}.Values and ${member}.Counts must be arrays of the same length.`);
        }
        values.forEach((value: unknown, i: number) => lines.push({
          ...base,
          value: checkValue(`${member}.Values.member.${i + 1}`, value),
          count: counts ? checkValue(`${member}.Counts.member.${i + 1}`, counts[i]) : 1,
        }));
      }
    });

    appendFileSync(this.context.state.metricsFile, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    for (const line of lines) {
      this.context.events.emit({ type: 'metric', namespace, metricName: line.metricName, value: line.value });
    }
    // PutMetricData has no output members: the SDK integration returns an empty object.
    return {};
  }
}

function missing(parameter: string): Error {
  return serviceError('CloudWatch.MissingRequiredParameterException', `The parameter ${parameter} is required.`);
}

function invalidValue(message: string): Error {
  return serviceError('CloudWatch.InvalidParameterValueException', message);
}

function checkValue(member: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > VALUE_LIMIT
    || (value !== 0 && Math.abs(value) < 2 ** -360)) {
    throw invalidValue(`The value ${String(value)} for parameter ${member} is invalid.`);
  }
  return value;
}

/** Dimensions: at most 30, Name 1-255 characters, Value 1-1024 characters, names unique. */
function checkDimensions(member: string, value: unknown): Array<{ Name: string; Value: string }> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidValue(`The parameter ${member}.Dimensions must be a list.`);
  if (value.length > MAX_DIMENSIONS) {
    throw invalidValue(`The collection ${member}.Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`);
  }
  const names = new Set<string>();
  return value.map((dimension: any, index: number) => {
    const at = `${member}.Dimensions.member.${index + 1}`;
    if (dimension?.Name === undefined) throw missing(`${at}.Name`);
    if (dimension?.Value === undefined) throw missing(`${at}.Value`);
    if (typeof dimension.Name !== 'string' || dimension.Name.length < 1 || dimension.Name.length > MAX_NAME_LENGTH) {
      throw invalidValue(`The parameter ${at}.Name must be 1-${MAX_NAME_LENGTH} characters.`);
    }
    if (typeof dimension.Value !== 'string' || dimension.Value.length < 1 || dimension.Value.length > MAX_DIMENSION_VALUE_LENGTH) {
      throw invalidValue(`The parameter ${at}.Value must be 1-${MAX_DIMENSION_VALUE_LENGTH} characters.`);
    }
    if (names.has(dimension.Name)) throw invalidValue(`The dimension name ${dimension.Name} of ${member} is given more than once.`);
    names.add(dimension.Name);
    return { Name: dimension.Name, Value: dimension.Value };
  });
}
