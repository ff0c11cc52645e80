import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { synthesizeApp } from '@batch-pipeline/local';
import { batchPipeline, ServeProcess, startServe } from './cli-process';
import { RunRow } from '../../src/commands/runs';

/**
 * A second app, written differently from the example (test/fixtures/second-app: plain JavaScript,
 * its own watch prefix and suffix, reports prefix and job), served by `batch-pipeline serve` as a
 * process and driven through the binary: run, runs, fetch, logs. Nothing in the CLI knows it.
 */
const APP = path.join(__dirname, '..', 'fixtures', 'second-app');

let work: string;
let served: ServeProcess;
let target: string[];
let run: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cli-second-app-'));
  const assembly = synthesizeApp(APP, path.join(work, 'cdk.out'));
  served = await startServe(['--assembly', assembly, '--app', APP, '--state-dir', path.join(work, 'state'), '--fast', '--no-docker'], work);
  target = ['--endpoint-url', served.endpoint];
}, 600_000);

afterAll(async () => {
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a second app served, through the batch-pipeline binary', () => {
  test('given a text file, when run against the endpoint, then it is uploaded under the app\'s own prefix and its report fetched', async () => {
    const file = path.join(work, 'notes.txt');
    writeFileSync(file, 'five words in this file\n');

    const result = await batchPipeline(['run', file, '--to', path.join(work, 'reports'), ...target], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/uploaded .*notes\.txt to s3:\/\/wordcounter-wordsstorageuploadsbucket\S+\/drop\/texts\/notes\.txt/);
    run = /run (\S+) started/.exec(result.stdout)![1];
    expect(JSON.parse(readFileSync(path.join(work, 'reports', run, 'words.json'), 'utf-8'))).toEqual({ runId: run, words: 5 });
  });

  test('given the run, when runs lists them as JSON, then it is there with the app\'s input key', async () => {
    const result = await batchPipeline(['runs', '--json', ...target], work);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout) as RunRow[]).toEqual([expect.objectContaining({ run, inputKey: 'drop/texts/notes.txt', status: 'SUCCEEDED' })]);
  });

  test('given the run, when fetched, then its report comes from the app\'s reports prefix, checksum verified', async () => {
    const result = await batchPipeline(['fetch', run, '--to', path.join(work, 'fetched'), '--json', ...target], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`counted/runs/${run}/out/words.json`);
    expect(JSON.parse(readFileSync(path.join(work, 'fetched', 'words.json'), 'utf-8'))).toEqual({ runId: run, words: 5 });
  });

  test('given the run, when its logs are read, then the app\'s job line is among them', async () => {
    const result = await batchPipeline(['logs', run, ...target], work);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`{"outcome":"counted","runId":"${run}","words":5}`);
  });
});
