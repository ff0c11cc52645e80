/**
 * Prints what the operations commands cost against a served runtime of the example app:
 * - backfill of 10,000 objects put while nothing watched the bucket: starts per second and the
 *   peak memory of the `batch-pipeline` process (VmHWM) and of the serving process;
 * - `runs` over the 10,000 executions: time to the first row and to the last.
 * Run with `npx projen benchmark` in packages/cli (real clock; the runs themselves go on at the
 * --fast time scale while `runs` is measured, as on a busy pipeline).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serveRuntime } from '@batch-pipeline/local/lib/serve/serve-runtime';
import { EXAMPLE, exampleWithBacklog } from './example-backlog';
import { BackfillSummary } from '../src/commands/backfill';

const OBJECTS = Number(process.env.BENCHMARK_OBJECTS ?? 10_000);
/** Starts a second asked of backfill: each start is a run the served runtime executes at once, on this machine. */
const RATE = Number(process.env.BENCHMARK_RATE ?? 200);
const BIN = path.join(__dirname, '..', 'bin', 'batch-pipeline');

interface Measured {
  readonly stdout: string;
  readonly firstLineMs?: number;
  readonly totalMs: number;
  /** Peak resident set of the command's process (VmHWM), MiB. */
  readonly peakMiB: number;
}

/** Runs the binary, noting when its second stdout line (the first row after a header) arrives and its peak RSS. */
function measure(args: string[], firstRowLine = 2): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let firstLineMs: number | undefined;
    let peakKiB = 0;
    const sample = () => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf-8'));
        if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      } catch {
        // The process has ended.
      }
    };
    const timer = setInterval(sample, 50);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (firstLineMs === undefined && stdout.split('\n').length > firstRowLine) firstLineMs = performance.now() - started;
      sample();
    });
    child.on('error', reject);
    child.on('exit', () => {
      clearInterval(timer);
      resolve({ stdout, firstLineMs, totalMs: performance.now() - started, peakMiB: peakKiB / 1024 });
    });
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'cli-benchmark-'));
  let peakServerMiB = 0;
  const serverSampler = setInterval(() => { peakServerMiB = Math.max(peakServerMiB, process.memoryUsage().rss / 1_048_576); }, 100);
  try {
    const { assemblyDirectory, state, putMs } = await exampleWithBacklog(work, OBJECTS);
    console.log(`put ${OBJECTS} objects with the trigger off in ${(putMs / 1_000).toFixed(1)} s`);
    const served = await serveRuntime({
      assemblyDirectory, appDirectory: EXAMPLE, stateDirectory: state.root, timeScale: 0.01, docker: false, port: 0,
    });
    try {
      const target = ['--endpoint-url', served.endpoint];
      const backfill = await measure(['backfill', '--rate', String(RATE), '--json', ...target], Number.MAX_SAFE_INTEGER);
      const summary = JSON.parse(backfill.stdout) as BackfillSummary;
      console.log(`backfill of ${OBJECTS} objects (--rate ${RATE}): started ${summary.started}, already run ${summary.alreadyRun},`
        + ` ${(summary.durationMs / 1_000).toFixed(1)} s, ${summary.startsPerSecond.toFixed(0)} starts/s, throttled ${summary.throttled};`
        + ` the command's peak RSS ${backfill.peakMiB.toFixed(0)} MiB, process ${(backfill.totalMs / 1_000).toFixed(1)} s`);
      const runs = await measure(['runs', '--limit', String(OBJECTS), ...target]);
      const rows = runs.stdout.trim().split('\n').length - 1;
      console.log(`runs over ${OBJECTS} executions (--limit ${OBJECTS}): first row after ${((runs.firstLineMs ?? NaN) / 1_000).toFixed(2)} s,`
        + ` ${rows} rows after ${(runs.totalMs / 1_000).toFixed(1)} s; the command's peak RSS ${runs.peakMiB.toFixed(0)} MiB`);
      const first = await measure(['runs', ...target]);
      console.log(`runs (default --limit 50) over ${OBJECTS} executions: first row after ${((first.firstLineMs ?? NaN) / 1_000).toFixed(2)} s, done after ${(first.totalMs / 1_000).toFixed(2)} s`);
      console.log(`the serving process (runtime and its endpoint) peaked at ${peakServerMiB.toFixed(0)} MiB RSS`);
    } finally {
      await served.stop();
    }
  } finally {
    clearInterval(serverSampler);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
