import { existsSync, readFileSync } from 'node:fs';
import { CloudWatchEmulator } from '../../../src/services/cloudwatch/cloudwatch-emulator';
import { TEST_EXECUTION, TEST_STATE_MACHINE_ARN, testModel, useTestState } from '../service-fixtures';

const PUT = 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData';
const local = useTestState('cloudwatch-emulator');

function put(parameters: Record<string, any>): Promise<any> {
  const cloudWatch = new CloudWatchEmulator(local.context(testModel()));
  return cloudWatch.call({ resource: PUT, stateName: 'Count undelivered notification', parameters, execution: TEST_EXECUTION });
}

async function refusal(parameters: Record<string, any>): Promise<Error> {
  try {
    await put(parameters);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected PutMetricData to be refused');
}

function lines(): any[] {
  return existsSync(local.state.metricsFile) ? readFileSync(local.state.metricsFile, 'utf-8').trim().split('\n').map((line) => JSON.parse(line)) : [];
}

const datum = (changes: Record<string, unknown> = {}) => ({ MetricName: 'UndeliveredNotifications', Dimensions: [{ Name: 'StateMachineArn', Value: TEST_STATE_MACHINE_ARN }], Value: 1, Unit: 'Count', ...changes });

describe('CloudWatch emulator', () => {
  test('the state machine\'s undelivered-notification data point is appended to metrics.jsonl and reported', async () => {
    // When the definition's PutMetricData runs
    const result = await put({ Namespace: 'BatchPipeline', MetricData: [datum()] });
    // Then the SDK integration's empty result comes back and one line records the data point
    expect(result).toEqual({});
    expect(lines()).toEqual([expect.objectContaining({
      namespace: 'BatchPipeline',
      metricName: 'UndeliveredNotifications',
      dimensions: [{ Name: 'StateMachineArn', Value: TEST_STATE_MACHINE_ARN }],
      value: 1,
      unit: 'Count',
      storageResolution: 60,
      execution: TEST_EXECUTION.arn,
      state: 'Count undelivered notification',
    })]);
    expect(Date.parse(lines()[0].timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(local.events).toEqual([{ type: 'metric', namespace: 'BatchPipeline', metricName: 'UndeliveredNotifications', value: 1 }]);
  });

  test('Values with Counts and StatisticValues are recorded as given', async () => {
    await put({
      Namespace: 'App',
      MetricData: [
        { MetricName: 'Latency', Values: [1, 2], Counts: [3, 4] },
        { MetricName: 'Size', StatisticValues: { SampleCount: 2, Sum: 10, Minimum: 4, Maximum: 6 } },
      ],
    });
    expect(lines().map((line) => [line.metricName, line.value, line.count])).toEqual([['Latency', 1, 3], ['Latency', 2, 4], ['Size', 10, undefined]]);
  });

  test.each([
    ['no Namespace', { MetricData: [datum()] }, 'CloudWatch.MissingRequiredParameterException', /Namespace/],
    ['no MetricData', { Namespace: 'App' }, 'CloudWatch.MissingRequiredParameterException', /MetricData/],
    ['a namespace starting with AWS/', { Namespace: 'AWS/Lambda', MetricData: [datum()] }, 'CloudWatch.InvalidParameterValueException', /Namespace/],
    ['a namespace of 256 characters', { Namespace: 'n'.repeat(256), MetricData: [datum()] }, 'CloudWatch.InvalidParameterValueException', /Namespace/],
    ['1,001 data points', { Namespace: 'App', MetricData: Array.from({ length: 1001 }, () => datum()) }, 'CloudWatch.InvalidParameterValueException', /1000/],
    ['a data point without a metric name', { Namespace: 'App', MetricData: [{ Value: 1 }] }, 'CloudWatch.MissingRequiredParameterException', /MetricName/],
    ['a data point without a value', { Namespace: 'App', MetricData: [{ MetricName: 'm' }] }, 'CloudWatch.MissingRequiredParameterException', /Value/],
    ['a NaN value', { Namespace: 'App', MetricData: [datum({ Value: Number.NaN })] }, 'CloudWatch.InvalidParameterValueException', /Value/],
    ['a value over 2^360', { Namespace: 'App', MetricData: [datum({ Value: 2 ** 361 })] }, 'CloudWatch.InvalidParameterValueException', /Value/],
    ['a value given as text', { Namespace: 'App', MetricData: [datum({ Value: '1' })] }, 'CloudWatch.InvalidParameterValueException', /Value/],
    ['both Value and StatisticValues', { Namespace: 'App', MetricData: [datum({ StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } })] },
      'CloudWatch.InvalidParameterCombinationException', /mutually exclusive/],
    ['an unknown unit', { Namespace: 'App', MetricData: [datum({ Unit: 'Parsecs' })] }, 'CloudWatch.InvalidParameterValueException', /Unit/],
    ['a storage resolution of 5', { Namespace: 'App', MetricData: [datum({ StorageResolution: 5 })] }, 'CloudWatch.InvalidParameterValueException', /StorageResolution/],
    ['31 dimensions', { Namespace: 'App', MetricData: [datum({ Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) })] },
      'CloudWatch.InvalidParameterValueException', /Dimensions/],
    ['a dimension without a value', { Namespace: 'App', MetricData: [datum({ Dimensions: [{ Name: 'd' }] })] }, 'CloudWatch.MissingRequiredParameterException', /Dimensions.member.1.Value/],
    ['a dimension value of 1,025 characters', { Namespace: 'App', MetricData: [datum({ Dimensions: [{ Name: 'd', Value: 'v'.repeat(1025) }] })] },
      'CloudWatch.InvalidParameterValueException', /Value/],
    ['a timestamp three weeks old', { Namespace: 'App', MetricData: [datum({ Timestamp: new Date(Date.now() - 21 * 24 * 3600 * 1000).toISOString() })] },
      'CloudWatch.InvalidParameterValueException', /two weeks/],
    ['151 values', { Namespace: 'App', MetricData: [{ MetricName: 'm', Values: Array.from({ length: 151 }, () => 1) }] }, 'CloudWatch.InvalidParameterValueException', /150/],
  ])('PutMetricData with %s is refused, and nothing is written', async (_, parameters, name, message) => {
    const error = await refusal(parameters);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
    expect(lines()).toEqual([]);
  });

  test('the emulator answers only cloudwatch:putMetricData', () => {
    const cloudWatch = new CloudWatchEmulator({ ...local.context(testModel()), events: { emit: () => undefined } });
    expect(cloudWatch.handles(PUT)).toBe(true);
    expect(cloudWatch.handles('arn:aws:states:::aws-sdk:cloudwatch:getMetricData')).toBe(false);
  });
});
