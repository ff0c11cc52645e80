import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { synthesizeApp } from '@batch-pipeline/local';
import { batchPipeline, ServeProcess, startServe } from './cli-process';

/**
 * `logs` of a run from an earlier `serve` of the same state directory, through the binary: the
 * served runtime has no record of that run's job any more (DescribeJobs answers no job), yet the
 * job's lines are in its log group, and `logs` finds them there.
 */
const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');

let work: string;
let served: ServeProcess | undefined;

afterAll(async () => {
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('given a run of an earlier serve, when its logs are read from the next serve, then the job\'s lines are there as well as the function\'s', async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cli-earlier-'));
  const assemblyDirectory = synthesizeApp(EXAMPLE, path.join(work, 'cdk.out'));
  const serveArgs = ['--assembly', assemblyDirectory, '--app', EXAMPLE, '--state-dir', path.join(work, 'state'), '--fast', '--no-docker'];
  served = await startServe(serveArgs, work);
  const ran = await batchPipeline(['run', SAMPLE, '--to', path.join(work, 'reports'), '--endpoint-url', served.endpoint], work);
  expect(ran.code).toBe(0);
  const runId = /run (\S+) started/.exec(ran.stdout)![1];
  await served.stop();
  served = await startServe(serveArgs, work);
  const target = ['--endpoint-url', served.endpoint];
  const jobId = /job submitted: \S+ \((\S+)\)/.exec(ran.stdout)![1];
  const described = await batchPipeline(['logs', runId, '--json', ...target], work);

  expect(described.code).toBe(0);
  const lines = JSON.parse(described.stdout) as Array<{ source: string; message: string }>;
  expect(lines.filter((line) => line.source === `job ${runId}`).map((line) => line.message)).toEqual(expect.arrayContaining([
    expect.stringContaining('"outcome":"report-written"'),
  ]));
  expect(lines.some((line) => line.source.startsWith('function '))).toBe(true);
  expect(described.stderr).not.toContain('not available');
  // The premise: the served runtime of the second session no longer describes the job.
  const batch = new BatchClient({ endpoint: served.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  expect((await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs).toEqual([]);
}, 600_000);
