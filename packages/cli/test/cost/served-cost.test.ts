import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { serveRuntime, ServedRuntime } from '@batch-pipeline/local';
import { EXAMPLE, EXAMPLE_VARIANTS, synthesizeExample } from './example-variants';
import { main } from '../../src/cli';
import { RunCost } from '../../src/cost/run-cost';
import { capture } from '../fixtures/deployed-stack';

/**
 * `batch-pipeline cost` against the example served by the local runtime (`batch-pipeline serve`,
 * in this process): the same calls as on AWS (GetTemplate, GetExecutionHistory, DescribeJobs,
 * ListObjectsV2), the counts and durations the runtime measured, priced as AWS would bill them.
 */
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');
const RUNS = 100;
const BATCH = 10;

let work: string;
let served: ServedRuntime;
let target: string[];

async function cost(args: string[]) {
  const output = capture();
  const code = await main(['cost', ...args, ...target, '--json'], output);
  expect({ code, notes: output.notes }).toEqual({ code: 0, notes: [] });
  return JSON.parse(output.lines.join('\n')).stacks[0] as { runs: RunCost[]; estimateOf: string; projection: { monthlyUsd: number; averageRunUsd: number }; idle: { totalUsd: number } };
}

async function runsIn(status: string): Promise<number> {
  const output = capture();
  await main(['runs', '--status', status, '--limit', '1000', '--json', ...target], output);
  return (JSON.parse(output.lines.join('\n')) as unknown[]).length;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cli-cost-served-'));
  const assemblyDirectory = synthesizeExample(EXAMPLE_VARIANTS[0]);
  served = await serveRuntime({ assemblyDirectory, appDirectory: EXAMPLE, stateDirectory: path.join(work, 'state'), timeScale: 0.01, docker: false, port: 0 });
  target = ['--endpoint-url', served.endpoint];
}, 300_000);

afterAll(async () => {
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('batch-pipeline cost against the example served (batch-pipeline serve)', () => {
  let sampleRun: string;

  test('given the sample file run, then its cost is priced line by line from what the local runtime measured, marked as an estimate', async () => {
    const output = capture();
    expect(await main(['run', SAMPLE, '--to', path.join(work, 'reports'), ...target], output)).toBe(0);
    sampleRun = /run (\S+) started/.exec(output.lines.join('\n'))![1];

    const report = await cost([sampleRun]);
    expect(report.estimateOf).toBe('what AWS would bill for the local runs');
    const [run] = report.runs;
    const prices = Object.fromEntries(run.lines.map((line) => [line.price, line.quantity]));
    expect(prices.stepFunctionsTransition).toBeGreaterThan(3);
    // The workspace function (stage in, stage out) and the trigger.
    expect(prices.lambdaRequest).toBeGreaterThanOrEqual(3);
    const gbSeconds = run.lines.find((line) => line.price === 'lambdaGbSecond')!;
    expect(gbSeconds.item).toMatch(/BatchPipelineExample-PipelineOrchestrationWorkflowWorks-\w+ 1024 MiB x \d+ ms in 3 calls/);
    // The example's job: 0.25 vCPU, 512 MiB on Fargate, billed one minute at least.
    expect(prices.fargateVcpuHour).toBeCloseTo(0.25 * 60 / 3600, 6);
    expect(prices.fargateGbHour).toBeCloseTo(0.5 * 60 / 3600, 6);
    expect(prices.s3PutRequest).toBeGreaterThanOrEqual(2);
    expect(run.totalUsd).toBeGreaterThan(0);
    expect(run.totalUsd).toBeLessThan(0.01);

    const text = capture();
    expect(await main(['cost', sampleRun, ...target], text)).toBe(0);
    // eslint-disable-next-line no-console
    console.log(`the sample file's run, priced at eu-west-2 list prices:\n${text.lines.join('\n')}`);
    expect(text.lines.join('\n')).toContain('an estimate of what AWS would bill, from the local run\'s counts and durations');
  }, 120_000);

  test(`given ${RUNS} more files like the sample, then each of the ${RUNS + 1} local runs used what the sample's did (Lambda's measured milliseconds aside) and their sum is printed`, async () => {
    const s3 = new S3Client({ endpoint: served.endpoint, region: 'eu-west-2', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const body = await readFile(SAMPLE);
    const bucket = served.runtime.model.uploadTriggers[0].bucket.name;
    // In batches of 10: at time scale 0.01 a Lambda Task's TimeoutSeconds (60 s) is 0.6 s, while the
    // local functions start and run at this machine's real speed; with 100 runs at once on a busy
    // machine, 'Clean up' and other Lambda steps ran past 0.6 s (States.Timeout). The job queue's
    // RUNNABLE time limit is not the cause: it cancels only a job no compute environment can place.
    for (let batch = 0; batch < RUNS / BATCH; batch++) {
      for (let index = batch * BATCH; index < (batch + 1) * BATCH; index++) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `incoming/many/plate-${String(index).padStart(3, '0')}.csv`, Body: body }));
      }
      // The trigger starts the runs as its (asynchronous) invocations come: wait until the batch has ended.
      while (await runsIn('SUCCEEDED') + await runsIn('FAILED') < (batch + 1) * BATCH + 1) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await runsIn('FAILED')).toBe(0);

    const report = await cost(['--runs', '--limit', String(RUNS + 1)]);
    expect(report.runs).toHaveLength(RUNS + 1);
    const total = report.runs.reduce((sum, run) => sum + run.totalUsd, 0);
    const sample = report.runs.find((run) => run.runId === sampleRun)!;
    // eslint-disable-next-line no-console
    console.log(`${RUNS + 1} local runs of the sample file (eu-west-2 list prices): ${total.toFixed(6)} USD in all, `
      + `${(total / (RUNS + 1)).toFixed(6)} USD a run; 1,000 a month: ${report.projection.monthlyUsd.toFixed(2)} USD with the idle ${report.idle.totalUsd.toFixed(2)} USD`);
    // Every run did the same work; only the milliseconds the local functions took vary (with the machine's load).
    const used = (run: RunCost) => run.lines.filter((line) => line.price !== 'lambdaGbSecond').map((line) => [line.price, line.quantity]);
    for (const run of report.runs) expect(used(run)).toEqual(used(sample));
    expect(report.projection.averageRunUsd).toBeCloseTo(total / (RUNS + 1), 12);
  }, 600_000);
});
