// aws-local-stepfunctions declares ES module types but ships a CommonJS build,
// which is what the tests (CommonJS) load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' } });
import { LocalS3Endpoint } from '@batch-pipeline/local';
import { Scenario, SimulatedAws } from './simulated-aws';
import { runIdFor, transferSlotFor } from '../../src/trigger/run-id';
import { RunInput } from '../../src/trigger/run-input';

/** What one simulated run did. */
export interface RunOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Record<string, any>;
  readonly error?: string;
  readonly cause?: string;
  readonly aws: SimulatedAws;
  /** States entered plus retries: what Step Functions bills as state transitions. */
  readonly transitions: number;
  /** Simulated seconds from start to end. */
  readonly simulatedSeconds: number;
  readonly input: RunInput;
}

export interface RunOptions {
  /** Key of the upload, under the watched prefix. */
  readonly key?: string;
  readonly body?: string;
  readonly bucket?: string;
  readonly uploadPrefix: string;
  readonly reportPrefix: string;
  readonly jobMountPath: string;
  /** Simulate an upload deleted by its owner before stage-in read it. */
  readonly uploadDeletedBeforeStageIn?: boolean;
  /** The object version the trigger saw. */
  readonly versionId?: string | null;
  /**
   * A local S3 endpoint that holds the upload (put there by the test) and receives the reports:
   * the workspace function's direct copies call it through the SDK, and simulated DataSync
   * reads and writes its folders. Without it, uploads and reports are kept in memory.
   */
  readonly s3?: { readonly endpoint: LocalS3Endpoint; readonly reportsBucket: string; readonly size: number };
}

/** A local task handler: the simulated service's answer, as the JSON Step Functions would see. */
function answer(service: (request: any) => unknown): (request: any) => Promise<any> {
  return async (request) => JSON.parse(JSON.stringify(await service(request)));
}

function stateOf(definition: Record<string, any>, name: string): Record<string, any> {
  const state = definition.States[name];
  if (!state) {
    throw new Error(`local run: the definition has no state '${name}'`);
  }
  return state;
}

/**
 * Runs the synthesized definition with aws-local-stepfunctions, every Task
 * state answered by the simulated services, waits and retry pauses taken on
 * the simulated clock instead of the real one.
 */
export async function runPipeline(definition: Record<string, any>, scenario: Scenario, options: RunOptions): Promise<RunOutcome> {
  // The simulated clock advances by the stage's wait on each status check, which is right
  // only while every check follows its stage's Wait state; the waits are read from the definition.
  const checksFollowWaits = ['Stage in', 'Stage out'].every((stage) => !definition.States[`${stage}: wait`]
    || (stateOf(definition, `${stage}: wait`).Next === `${stage}: check`
      && stateOf(definition, `${stage}: wait for cancel`).Next === `${stage}: check cancel`));
  if (!checksFollowWaits) {
    throw new Error('local run: each DataSync status check must follow its Wait state');
  }
  const dataSync = definition.States['Stage in: start'] ?? definition.States['Stage out: start'];
  const stage = definition.States['Stage in: start'] ? 'Stage in' : 'Stage out';
  const startRetry = dataSync?.Retry[0] ?? { IntervalSeconds: 0, BackoffRate: 1, MaxDelaySeconds: 0 };
  const prepare = definition.States.Prepare;
  const stagedPrefix = prepare ? JSON.stringify(prepare.Parameters.Payload['stagedPath.$']).match(/Format\('([^{]*)\{\}/)![1] : '/staging/';
  const aws = new SimulatedAws(scenario, {
    uploadPrefix: options.uploadPrefix,
    stagingDirectory: stagedPrefix,
    reportPrefix: options.reportPrefix,
    jobMountPath: options.jobMountPath,
    firstPollSeconds: dataSync?.ResultSelector.wait ?? 0,
    maxPollSeconds: definition.States[`${stage}: count poll (at cap)`]?.Parameters.wait ?? 0,
    cancelCheckSeconds: definition.States[`${stage}: wait for cancel`]?.Seconds ?? 0,
    startRetry: { interval: startRetry.IntervalSeconds, backoff: startRetry.BackoffRate, maxDelay: startRetry.MaxDelaySeconds },
  }, options.s3);

  const bucket = options.bucket ?? 'uploads';
  const key = options.key ?? `${options.uploadPrefix}2026/scan 1.csv`;
  if (!options.uploadDeletedBeforeStageIn && !options.s3) {
    aws.uploads.set(key, options.body ?? 'a,b\n1,2\n');
  }
  const versionId = options.versionId === undefined ? 'v1' : options.versionId;
  const relativeKey = key.slice(options.uploadPrefix.length);
  const input: RunInput = {
    runId: runIdFor({ bucket, key, versionId: versionId ?? undefined, sequencer: '0001' }),
    bucket,
    key,
    versionId,
    size: options.s3?.size ?? (options.body ?? 'a,b\n1,2\n').length,
    relativeKey,
    fileName: relativeKey.split('/').pop()!,
    transferSlot: transferSlotFor(runIdFor({ bucket, key, versionId: versionId ?? undefined, sequencer: '0001' })),
  };

  const stateMachine = new StateMachine(definition as ConstructorParameters<typeof StateMachine>[0], { validationOptions: { checkArn: false } });
  const execution = stateMachine.run(JSON.parse(JSON.stringify(input)), {
    // The context object Step Functions gives every execution; the definition reads its id.
    context: {
      Execution: {
        Id: `arn:aws:states:eu-west-2:123456789012:execution:Pipeline:${input.runId}`,
        Name: input.runId,
        Input: JSON.parse(JSON.stringify(input)),
        StartTime: new Date(0).toISOString(),
        RoleArn: 'arn:aws:iam::123456789012:role/Pipeline',
      },
      StateMachine: { Id: 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline', Name: 'Pipeline' },
    },
    overrides: {
      taskResourceLocalHandlers: {
        'Prepare staging': answer((request) => aws.invokeWorkspace(request)),
        'Stage in directly': answer((request) => aws.invokeWorkspace(request)),
        'Stage out directly': answer((request) => aws.invokeWorkspace(request)),
        'Stage in: start': answer((request) => aws.startTransfer('stageIn', request)),
        'Stage in: check': answer((request) => aws.describeTransfer(request)),
        'Stage in: cancel': answer((request) => aws.cancelTransfer(request)),
        'Stage in: check cancel': answer((request) => aws.describeTransfer(request)),
        'Prepare': answer((request) => aws.invokeWorkspace(request)),
        'Process': answer((request) => aws.runJob(request)),
        'Stage out: start': answer((request) => aws.startTransfer('stageOut', request)),
        'Stage out: check': answer((request) => aws.describeTransfer(request)),
        'Stage out: cancel': answer((request) => aws.cancelTransfer(request)),
        'Stage out: check cancel': answer((request) => aws.describeTransfer(request)),
        'Clean up': answer((request) => aws.invokeWorkspace(request)),
        'Clean up after failure': answer((request) => aws.invokeWorkspace(request)),
        'Notify failure': answer((request) => aws.publish(request)),
        'Count undelivered notification': answer((request) => aws.putMetricData(request)),
        'Notify success': answer((request) => aws.publish(request)),
      },
      waitTimeOverrides: Object.fromEntries(Object.entries(definition.States).filter(([, state]: [string, any]) => state.Type === 'Wait').map(([name]) => [name, 0])),
      retryIntervalOverrides: { 'Stage in: start': 0, 'Stage out: start': 0, 'Notify failure': 0, 'Stage in: check': 0, 'Stage out: check': 0 },
    },
  });

  let transitions = 0;
  const counting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered' || event.type === 'StateRetried') {
        transitions++;
      }
    }
  })();
  try {
    const output = await execution.result as Record<string, any>;
    await counting;
    return { status: 'SUCCEEDED', output, aws, transitions, simulatedSeconds: aws.clock, input };
  } catch (error) {
    await counting;
    const failure = error as { name: string; message: string; cause?: unknown };
    return {
      status: 'FAILED',
      error: (failure.cause as { name?: string } | undefined)?.name ?? failure.name,
      cause: (failure.cause as { message?: string } | undefined)?.message ?? failure.message,
      aws,
      transitions,
      simulatedSeconds: aws.clock,
      input,
    };
  }
}
