import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RunSummary } from '@batch-pipeline/local';
import { main } from '@batch-pipeline/local/lib/cli';
import { EXAMPLE_APP_DIRECTORY, removeTemporaryDirectories, synthesizeExample, temporaryDirectory } from './local-run-support';

// Ctrl-C as a user presses it: the `batch-pipeline run` command of packages/local as a process of its
// own, on the example's assembly with a job that hangs and leaves a process behind.
const CLI = require.resolve('@batch-pipeline/local/lib/cli.js');

/** Whether a process runs; a zombie waiting for its parent to reap it does not. */
function running(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try { return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf-8')); } catch { return true; }
}
/**
 * A job that hangs after starting `sleep 1000` (which holds its output pipes) and writing the
 * process ids to `pidsFile` (whole, by a rename: the test reads it as soon as it exists); with
 * `ignoreTerm`, it also ignores SIGTERM.
 */
function hangingJob(pidsFile: string, ignoreTerm: boolean): string {
  return `
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
mkdirSync(process.env.PIPELINE_OUTPUT_DIR, { recursive: true });
writeFileSync(process.env.PIPELINE_OUTPUT_DIR + '/partial.txt', 'half a report');
const sleeper = spawn('sleep', ['1000'], { stdio: 'inherit' });
writeFileSync(${JSON.stringify(pidsFile + '.partial')}, JSON.stringify({ job: process.pid, sleeper: sleeper.pid }));
renameSync(${JSON.stringify(pidsFile + '.partial')}, ${JSON.stringify(pidsFile)});
${ignoreTerm ? "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" : ''}
setInterval(() => undefined, 1000);
`;
}

let root: string;
let app: string;
let state: string;
let pidsFile: string;
let sample: string;

let assembly: string;

beforeAll(() => {
  assembly = synthesizeExample();
});

beforeEach(() => {
  root = temporaryDirectory('interrupt');
  app = path.join(root, 'app');
  mkdirSync(path.join(app, 'job'), { recursive: true });
  cpSync(assembly, path.join(app, 'cdk.out'), { recursive: true });
  state = path.join(root, 'state');
  pidsFile = path.join(root, 'pids.json');
  sample = path.join(root, 'scan.csv');
  writeFileSync(sample, 'a,b\n1,2\n');
});

afterAll(() => removeTemporaryDirectories());

/** Starts `batch-pipeline run` in a child process of its own, as a user does in a terminal. */
function startRun(...extra: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, [CLI, 'run', sample, '--assembly', path.join(app, 'cdk.out'), '--state-dir', state, '--no-docker', ...extra],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => output += chunk);
  child.stderr!.on('data', (chunk) => output += chunk);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function summaries(): RunSummary[] {
  const folder = path.join(state, 'runs');
  return existsSync(folder) ? readdirSync(folder).filter((file) => file.endsWith('.json')).map((file) => JSON.parse(readFileSync(path.join(folder, file), 'utf-8'))) : [];
}

/** Folders named by the run id anywhere on the local file systems. */
function runFolders(runId: string): string[] {
  const found: string[] = [];
  const visit = (folder: string) => {
    for (const entry of existsSync(folder) ? readdirSync(folder, { withFileTypes: true }) : []) {
      if (!entry.isDirectory()) continue;
      if (entry.name === runId) found.push(path.join(folder, entry.name));
      else visit(path.join(folder, entry.name));
    }
  };
  visit(path.join(state, 'efs'));
  return found;
}

describe('Ctrl-C during a run', () => {
  test('given a run whose job hangs with a process left behind, when the CLI gets SIGINT, then it says so, ends the job\'s processes, records the run ABORTED in its step, removes its EFS folder, keeps the upload, and exits 130; the next start reports it and --rerun-interrupted runs it again as <run id>-r1, the ABORTED execution kept', async () => {
    // given a run whose job hangs
    writeFileSync(path.join(app, 'job', 'report.mjs'), hangingJob(pidsFile, false));
    const run = startRun('--fast');
    await until(() => existsSync(pidsFile), 'the job to start');
    const pids = JSON.parse(readFileSync(pidsFile, 'utf-8'));
    const runId = readdirSync(path.join(state, 'logs', 'batch', readdirSync(path.join(state, 'logs', 'batch'))[0]))[0].replace(/\.log$/, '');
    await until(() => runFolders(runId).length > 0, 'the run folder on EFS');

    // when the CLI gets SIGINT, as Ctrl-C sends it
    run.child.kill('SIGINT');
    const code = await run.exited;

    // then it printed what happens and how to run it again, and exited 130
    expect(run.output()).toContain('SIGINT: stopping. Ending 1 run in progress');
    expect(run.output()).toMatch(new RegExp(`run ${runId}: ABORTED`));
    expect(run.output()).toContain(`run it again: batch-pipeline run --rerun-interrupted --state-dir ${path.relative(root, state)}`);
    expect(code).toBe(130);
    // the run is recorded ABORTED in the step it was in, its EFS folder is gone, its processes too
    const [summary] = summaries();
    expect(summary).toMatchObject({ runId, status: 'ABORTED', error: 'Interrupted', state: expect.stringMatching(/\S/), interruptedAt: expect.any(String) });
    expect(summary.removedFolders!.length).toBeGreaterThan(0);
    expect(runFolders(runId)).toEqual([]);
    expect([running(pids.job), running(pids.sleeper)]).toEqual([false, false]);
    // the upload is kept
    expect(existsSync(path.join(state, 'buckets', summary.input.bucket, summary.input.key))).toBe(true);

    // when the next `run` starts in the same state directory, it reports the interrupted run
    cpSync(path.join(EXAMPLE_APP_DIRECTORY, 'job', 'report.mjs'), path.join(app, 'job', 'report.mjs'));
    const printed: string[] = [];
    const other = path.join(root, 'other.csv');
    writeFileSync(other, 'c\n3\n');
    expect(await main(['run', other, '--assembly', path.join(app, 'cdk.out'), '--state-dir', state, '--no-docker', '--fast', '--quiet'], (line) => printed.push(line))).toBe(0);
    expect(printed.join('\n')).toContain('1 run was interrupted in');
    expect(printed.join('\n')).toContain(`  ${runId}  s3://${summary.input.bucket}/${summary.input.key}`);

    // and --rerun-interrupted runs it again from the kept upload, after which nothing is reported
    printed.length = 0;
    expect(await main(['run', '--rerun-interrupted', '--assembly', path.join(app, 'cdk.out'), '--state-dir', state, '--no-docker', '--fast', '--quiet'], (line) => printed.push(line))).toBe(0);
    expect(printed.join('\n')).toContain(`running again s3://${summary.input.bucket}/${summary.input.key}`);
    expect(printed.join('\n')).toContain(`interrupted earlier as ${runId}, as ${runId}-r1`);
    expect(printed.join('\n')).toMatch(/: SUCCEEDED in /);
    // under a name of its own, <run id>-r1, as `batch-pipeline rerun` names a re-run (on AWS the old name stays taken):
    // the ABORTED execution stays kept beside it, and each attempt's job output is in a log file of its own
    const rerunId = `${runId}-r1`;
    const kept = (name: string) => JSON.parse(readFileSync(path.join(state, 'executions', `${name}.json`), 'utf-8')).result.status;
    expect([kept(runId), kept(rerunId)]).toEqual(['ABORTED', 'SUCCEEDED']);
    expect(summaries().find((candidate) => candidate.runId === rerunId)).toMatchObject({ status: 'SUCCEEDED', input: summary.input });
    expect(summaries().find((candidate) => candidate.runId === runId)).toMatchObject({ status: 'ABORTED', rerunAs: rerunId });
    const jobLogs = path.join(state, 'logs', 'batch', readdirSync(path.join(state, 'logs', 'batch'))[0]);
    expect(readdirSync(jobLogs)).toEqual(expect.arrayContaining([`${runId}.log`, `${rerunId}.log`]));
    expect(readFileSync(path.join(jobLogs, `${rerunId}.log`), 'utf-8')).not.toBe('');
    printed.length = 0;
    expect(await main(['run', other, '--assembly', path.join(app, 'cdk.out'), '--state-dir', state, '--no-docker', '--fast', '--quiet'], (line) => printed.push(line))).toBe(0);
    expect(printed.join('\n')).not.toContain('interrupted in');
  }, 180_000);

  test('given a job that ignores SIGTERM, a second SIGINT exits at once and kills the job\'s processes', async () => {
    writeFileSync(path.join(app, 'job', 'report.mjs'), hangingJob(pidsFile, true));
    // At time scale 0.3 the stop timeout is 9 s: the second Ctrl-C comes well before it.
    const run = startRun('--time-scale', '0.3');
    await until(() => existsSync(pidsFile), 'the job to start', 120_000);
    const pids = JSON.parse(readFileSync(pidsFile, 'utf-8'));
    run.child.kill('SIGINT');
    await until(() => run.output().includes('SIGINT: stopping'), 'the first interrupt to be reported', 10_000);
    const started = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    // Before the 9 s stop timeout, with room for a busy machine
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(run.output()).toContain('SIGINT again: exiting now');
    await until(() => !running(pids.job) && !running(pids.sleeper), 'the job\'s processes to end', 5_000);
  }, 180_000);
});
