// Benchmark of the local runtime (issue "Local runtime", Acceptance): prints numbers, asserts nothing
// but "none lost, none mixed" (the exit code is 1 when an upload was lost or a report mixed up).
//
//   npx projen benchmark                                  # synthesizes apps/example into a temp dir
//   npx ts-node --project benchmark/tsconfig.json benchmark/local-benchmark.ts --assembly ../../apps/example/cdk.out
//   ... --bursts 100          # only some burst sizes (default 100,1000); --bursts none for the single file only
//   ... --keep                # keep the state directories (printed) for a look
//
// What it measures, all on the real clock with compressed waits (--fast, time scale 0.01):
// - one small file: upload -> report written, and upload -> run ended, on a runtime already started
//   (cold: the functions' first environments start; warm: a second file), plus the CLI end to end;
// - bursts of N uploads at once: from the first upload to the last run ended, every upload checked
//   (exactly one SUCCEEDED run, its report.json's sha256 is its own input's, its keys under its run's prefix);
// - memory: peak RSS of this process (the runtime) and of its child processes (the function
//   environments and the jobs, from /proc), sampled every 100 ms during each burst;
// - where the time goes in a burst: per-run phases from the state machine's own state changes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { synthesizeApp } from '../src/assembly/synthesize-app';
import { PipelineRuntime, Upload } from '../src/runtime/pipeline-runtime';
import { RunSummary } from '../src/runtime/run-summary';
import { RuntimeEvent } from '../src/services/task-integration';

const PACKAGE_DIRECTORY = path.join(__dirname, '..');
const EXAMPLE_APP = path.join(PACKAGE_DIRECTORY, '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE_APP, 'samples', 'plate-reader-2026-11-30.csv');
const TIME_SCALE = 0.01;

const { values: args } = parseArgs({
  options: {
    assembly: { type: 'string' },
    app: { type: 'string' },
    bursts: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const appDirectory = path.resolve(args.app ?? EXAMPLE_APP);
const burstSizes = args.bursts === 'none' ? [] : (args.bursts ?? '100,1000').split(',').map(Number);
const workRoot = mkdtempSync(path.join(tmpdir(), 'batch-pipeline-benchmark-'));

// ---------------------------------------------------------------------------------------------
// Memory of this process and its descendants, from /proc (Linux); RSS of this process elsewhere.

const PAGE_SIZE = 4096;

interface ProcessMemory {
  readonly selfRss: number;
  readonly childrenRss: number;
  readonly children: number;
}

function processTable(): Map<number, { ppid: number; rss: number }> {
  const table = new Map<number, { ppid: number; rss: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf-8');
      // The command name is in parentheses and may hold spaces: fields follow the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(fields[1]), rss: Number(fields[21]) * PAGE_SIZE });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

function memoryNow(): ProcessMemory {
  const selfRss = process.memoryUsage.rss();
  if (!existsSync('/proc/self/stat')) return { selfRss, childrenRss: 0, children: 0 };
  const table = processTable();
  const descendants = new Set<number>([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, { ppid }] of table) {
      if (!descendants.has(pid) && descendants.has(ppid)) {
        descendants.add(pid);
        grew = true;
      }
    }
  }
  descendants.delete(process.pid);
  let childrenRss = 0;
  for (const pid of descendants) childrenRss += table.get(pid)?.rss ?? 0;
  return { selfRss, childrenRss, children: descendants.size };
}

class MemorySampler {
  public peakSelf = 0;
  public peakChildren = 0;
  public peakTotal = 0;
  public peakChildCount = 0;
  private timer?: NodeJS.Timeout;

  public start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  public stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const now = memoryNow();
    this.peakSelf = Math.max(this.peakSelf, now.selfRss);
    this.peakChildren = Math.max(this.peakChildren, now.childrenRss);
    this.peakTotal = Math.max(this.peakTotal, now.selfRss + now.childrenRss);
    this.peakChildCount = Math.max(this.peakChildCount, now.children);
  }
}

// ---------------------------------------------------------------------------------------------

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A small CSV unique to `index` (the example job hashes and counts it). */
function writeInputs(folder: string, count: number): string[] {
  mkdirSync(folder, { recursive: true });
  const sample = readFileSync(SAMPLE, 'utf-8');
  return Array.from({ length: count }, (_, index) => {
    const file = path.join(folder, `plate-${String(index).padStart(4, '0')}.csv`);
    writeFileSync(file, `${sample.trimEnd()}\nZ${index},${(index / 1000).toFixed(3)},burst,${index}\n`);
    return file;
  });
}

/** A runtime event with the time it arrived (only state changes carry their own). */
type StampedEvent = RuntimeEvent & { readonly receivedAt: number };

async function startRuntime(assemblyDirectory: string, label: string, events: StampedEvent[]): Promise<PipelineRuntime> {
  return PipelineRuntime.start({
    assemblyDirectory,
    stateDirectory: path.join(workRoot, label, '.batch-pipeline'),
    appDirectory,
    timeScale: TIME_SCALE,
    docker: false,
    onEvent: (event) => events.push({ ...event, receivedAt: Date.now() }),
  });
}

interface Checked {
  readonly lost: string[];
  readonly mixed: string[];
  readonly failed: string[];
  readonly duplicated: string[];
  readonly summaries: Map<string, RunSummary>;
}

/** Every upload has exactly one run, SUCCEEDED, whose report.json describes its own input. */
async function check(runtime: PipelineRuntime, uploads: Upload[], files: string[]): Promise<Checked> {
  const byUpload = new Map<string, string[]>();
  for (const run of runtime.stepFunctionsService.executions.values()) {
    const input = JSON.parse(run.input) as { bucket: string; key: string; versionId?: string | null };
    const id = `${input.bucket}/${input.key}@${input.versionId ?? 'null'}`;
    byUpload.set(id, [...(byUpload.get(id) ?? []), run.name]);
  }
  const result: Checked = { lost: [], mixed: [], failed: [], duplicated: [], summaries: new Map() };
  for (const [index, upload] of uploads.entries()) {
    const runs = byUpload.get(`${upload.bucket}/${upload.key}@${upload.version.versionId}`) ?? [];
    if (runs.length === 0) {
      result.lost.push(upload.key);
      continue;
    }
    if (runs.length > 1) result.duplicated.push(upload.key);
    const summary = await runtime.summaryOf(runs[0]);
    result.summaries.set(upload.key, summary);
    if (summary.status !== 'SUCCEEDED') {
      result.failed.push(`${upload.key}: ${summary.error} ${summary.cause?.slice(0, 200)}`);
      continue;
    }
    const reportFile = summary.reports.find((report) => report.key.endsWith('/report.json'));
    if (!reportFile) {
      result.lost.push(`${upload.key} (no report.json)`);
      continue;
    }
    const report = JSON.parse(readFileSync(reportFile.file, 'utf-8')) as { runId: string; input: { key: string }; stats: { sha256: string } };
    const ownPrefix = summary.reports.every((candidate) => candidate.key.includes(`runs/${summary.runId}/out/`));
    if (report.stats.sha256 !== sha256(files[index]) || report.runId !== summary.runId || report.input.key !== upload.key || !ownPrefix) {
      result.mixed.push(upload.key);
    }
  }
  return result;
}

/** Seconds between the state changes of each run: where the time of a burst goes. */
function phases(events: StampedEvent[], runtime: PipelineRuntime, uploadedAt: Map<string, number>): Map<string, number[]> {
  const entered = new Map<string, Array<{ state: string; at: number }>>();
  // The Batch emulator logs "<job name>: attempt 1: <command>" when a job leaves the queue for capacity.
  const attemptStarted = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'log' && event.source.startsWith('batch/')) {
      const match = /^(.+?): attempt 1: /.exec(event.message);
      if (match) attemptStarted.set(match[1], event.receivedAt);
    }
    if (event.type !== 'state-entered') continue;
    entered.set(event.execution, [...(entered.get(event.execution) ?? []), { state: event.state, at: event.at }]);
  }
  const result = new Map<string, number[]>();
  const add = (phase: string, ms: number) => result.set(phase, [...(result.get(phase) ?? []), ms / 1000]);
  for (const run of runtime.stepFunctionsService.executions.values()) {
    const states = entered.get(run.name) ?? [];
    const key = (JSON.parse(run.input) as { key: string }).key;
    const uploaded = uploadedAt.get(key);
    const at = (predicate: (state: string) => boolean) => states.find((candidate) => predicate(candidate.state))?.at;
    const first = states[0]?.at;
    const process = at((state) => state === 'Process');
    const afterProcess = states[states.findIndex((candidate) => candidate.state === 'Process') + 1]?.at;
    const cleanUp = at((state) => state === 'Clean up');
    const end = states.at(-1)?.at;
    if (uploaded !== undefined) add('upload -> execution started (S3 event, trigger function, StartExecution)', run.startDate.getTime() - uploaded);
    if (first !== undefined && process !== undefined) add('stage in (started -> Process)', process - first);
    if (process !== undefined && afterProcess !== undefined) add('process (Batch job, queue wait included)', afterProcess - process);
    const attempt = [...attemptStarted].find(([jobName]) => run.name.startsWith(jobName) || jobName.startsWith(run.name))?.[1];
    if (process !== undefined && attempt !== undefined) add('  of which waiting for Batch capacity (RUNNABLE)', attempt - process);
    if (attempt !== undefined && afterProcess !== undefined) add('  of which the job running (node job/report.mjs)', afterProcess - attempt);
    if (afterProcess !== undefined && cleanUp !== undefined) add('stage out', cleanUp - afterProcess);
    if (cleanUp !== undefined && end !== undefined) add('clean up -> run ended', end - cleanUp);
    if (uploaded !== undefined && end !== undefined) add('upload -> run ended', end - uploaded);
  }
  return result;
}

/** Invocations of each function from the REPORT lines of its logs: count, durations, busy time. */
function invocations(stateDirectory: string): Array<{ fn: string; count: number; p50: number; p95: number; max: number; busySeconds: number; initCount: number }> {
  const logs = path.join(stateDirectory, 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs).filter((name) => name !== 'batch').map((fn) => {
    const durations: number[] = [];
    let initCount = 0;
    for (const file of readdirSync(path.join(logs, fn))) {
      for (const line of readFileSync(path.join(logs, fn, file), 'utf-8').split('\n')) {
        if (!line.startsWith('REPORT ')) continue;
        const duration = /\tDuration: ([\d.]+) ms/.exec(line);
        if (duration) durations.push(Number(duration[1]) / 1000);
        if (line.includes('Init Duration')) initCount++;
      }
    }
    return {
      fn, count: durations.length, p50: quantile(durations, 0.5), p95: quantile(durations, 0.95), max: Math.max(...durations),
      busySeconds: durations.reduce((sum, value) => sum + value, 0), initCount,
    };
  });
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) => `| ${row.map((cell, column) => column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((width, column) => (column === 0 ? ':' : '') + '-'.repeat(width + 1) + (column === 0 ? '' : ':')).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------------

interface SingleResult {
  readonly startMs: number;
  readonly coldToReportMs: number;
  readonly coldToEndMs: number;
  readonly warmToReportMs: number;
  readonly warmToEndMs: number;
  readonly ok: boolean;
}

async function single(assembly: string): Promise<SingleResult> {
  const events: StampedEvent[] = [];
  const startedAt = Date.now();
  const runtime = await startRuntime(assembly, 'single', events);
  const startMs = Date.now() - startedAt;
  try {
    const files = writeInputs(path.join(workRoot, 'single-inputs'), 2);
    const measure = async (file: string) => {
      const t0 = Date.now();
      const upload = await runtime.upload(file);
      await runtime.idle();
      const t1 = Date.now();
      const checked = await check(runtime, [upload], [file]);
      const summary = checked.summaries.get(upload.key);
      const report = summary?.reports.find((candidate) => candidate.key.endsWith('/report.json'));
      const reportMs = report ? statSync(report.file).mtimeMs - t0 : NaN;
      return { reportMs, endMs: t1 - t0, ok: checked.lost.length + checked.mixed.length + checked.failed.length === 0 };
    };
    const cold = await measure(files[0]);
    const warm = await measure(files[1]);
    return { startMs, coldToReportMs: cold.reportMs, coldToEndMs: cold.endMs, warmToReportMs: warm.reportMs, warmToEndMs: warm.endMs, ok: cold.ok && warm.ok };
  } finally {
    await runtime.stop();
  }
}

/** `batch-pipeline run <sample> --fast` as a user runs it: Node start, assembly, runtime, one run, summary. */
function cliOnce(assembly: string): { ms: number; code: number | null } | undefined {
  const cli = path.join(PACKAGE_DIRECTORY, 'lib', 'cli.js');
  if (!existsSync(cli)) return undefined;
  const t0 = Date.now();
  const result = spawnSync(process.execPath, [cli, 'run', SAMPLE, '--assembly', assembly, '--app', appDirectory, '--fast', '--no-docker', '--quiet',
    '--state-dir', path.join(workRoot, 'cli', '.batch-pipeline')], { encoding: 'utf-8' });
  return { ms: Date.now() - t0, code: result.status };
}

interface BurstResult {
  readonly count: number;
  readonly totalMs: number;
  readonly uploadMs: number;
  readonly checked: Checked;
  readonly memory: MemorySampler;
  readonly phases: Map<string, number[]>;
  readonly stateDirectory: string;
  readonly deadLetters: number;
}

async function burst(assembly: string, count: number): Promise<BurstResult> {
  const events: StampedEvent[] = [];
  const label = `burst-${count}`;
  const runtime = await startRuntime(assembly, label, events);
  const files = writeInputs(path.join(workRoot, `${label}-inputs`), count);
  const memory = new MemorySampler();
  const uploadedAt = new Map<string, number>();
  try {
    memory.start();
    const t0 = Date.now();
    const uploads = await Promise.all(files.map(async (file) => {
      const t = Date.now();
      const upload = await runtime.upload(file);
      uploadedAt.set(upload.key, t);
      return upload;
    }));
    const uploadMs = Date.now() - t0;
    await runtime.idle();
    const totalMs = Date.now() - t0;
    memory.stop();
    const checked = await check(runtime, uploads, files);
    const failedInvocations = path.join(runtime.state.root, 'failed-invocations');
    const deadLetters = existsSync(failedInvocations)
      ? readdirSync(failedInvocations).reduce((sum, file) => sum + readFileSync(path.join(failedInvocations, file), 'utf-8').trim().split('\n').filter(Boolean).length, 0)
      : 0;
    return { count, totalMs, uploadMs, checked, memory, phases: phases(events, runtime, uploadedAt), stateDirectory: runtime.state.root, deadLetters };
  } finally {
    memory.stop();
    await runtime.stop();
  }
}

async function main(): Promise<number> {
  // ts-node's TypeScript compiler lives in this process too: what it holds before any runtime starts.
  const baselineRss = process.memoryUsage.rss();
  console.log(`local runtime benchmark: Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), ${mib(totalmem())} memory, time scale ${TIME_SCALE}`);
  let assembly: string;
  if (args.assembly) {
    assembly = path.resolve(args.assembly);
    console.log(`assembly ${assembly}`);
  } else {
    const t0 = Date.now();
    assembly = synthesizeApp(appDirectory, path.join(workRoot, 'cdk.out'));
    console.log(`assembly synthesized from ${appDirectory} in ${seconds(Date.now() - t0)} (not counted below)`);
  }

  const one = await single(assembly);
  const cli = cliOnce(assembly);
  console.log('\none small file (the bundled sample, 257 bytes + one line), --fast');
  console.log(table([
    ['measure', 'time', 'target'],
    ['runtime start (assembly read, endpoints, folders)', seconds(one.startMs), ''],
    ['upload -> report written, cold functions', seconds(one.coldToReportMs), '<= 5 s'],
    ['upload -> run ended, cold functions', seconds(one.coldToEndMs), '<= 5 s'],
    ['upload -> report written, warm', seconds(one.warmToReportMs), ''],
    ['upload -> run ended, warm', seconds(one.warmToEndMs), ''],
    ...(cli ? [[`CLI \`run <sample> --fast\` end to end (exit ${cli.code})`, seconds(cli.ms), '']] : []),
    ['correct (SUCCEEDED, sha256 of its input)', one.ok ? 'yes' : 'NO', ''],
  ]));

  const targets: Record<number, number> = { 100: 60_000, 1000: 600_000 };
  const results: BurstResult[] = [];
  for (const count of burstSizes) {
    console.log(`\n${count} uploads at once: running ...`);
    const result = await burst(assembly, count);
    results.push(result);
    console.log(`  done in ${seconds(result.totalMs)}`);
    console.log(`\nfunction invocations of the ${count} runs (from the REPORT lines; Lambda pools: 4 environments per function, 8 in all; Batch: ${availableParallelism()} jobs at once)`);
    console.log(table([
      ['function', 'invocations', 'cold starts', 'p50', 'p95', 'max', 'busy (sum)', 'busy / wall'],
      ...invocations(result.stateDirectory).map((i) => [i.fn, String(i.count), String(i.initCount), `${i.p50.toFixed(3)} s`, `${i.p95.toFixed(3)} s`, `${i.max.toFixed(2)} s`,
        `${i.busySeconds.toFixed(1)} s`, (i.busySeconds / (result.totalMs / 1000)).toFixed(2)]),
    ]));
    console.log(`\nwhere the time of the ${count} runs goes (seconds per run)`);
    console.log(table([
      ['phase', 'p50', 'p95', 'max'],
      ...[...result.phases].map(([phase, values]) => [phase, quantile(values, 0.5).toFixed(2), quantile(values, 0.95).toFixed(2), Math.max(...values).toFixed(2)]),
    ]));
  }
  if (results.length > 0) {
    console.log('\nbursts (all uploads at once, from the first upload to the last run ended)');
    console.log(table([
      ['uploads', 'total', 'target', 'uploads committed in', 'runs/s', 'lost', 'mixed', 'failed', 'duplicate runs', 'dead letters', 'peak RSS runtime', 'peak RSS children', 'peak RSS total', 'peak child processes'],
      ...results.map((r) => [String(r.count), seconds(r.totalMs), targets[r.count] ? `<= ${targets[r.count] / 1000} s` : '', seconds(r.uploadMs),
        (r.count / (r.totalMs / 1000)).toFixed(1), String(r.checked.lost.length), String(r.checked.mixed.length), String(r.checked.failed.length),
        String(r.checked.duplicated.length), String(r.deadLetters), mib(r.memory.peakSelf), mib(r.memory.peakChildren), mib(r.memory.peakTotal), String(r.memory.peakChildCount)]),
    ]));
    for (const r of results) {
      for (const [what, list] of [['lost', r.checked.lost], ['mixed', r.checked.mixed], ['failed', r.checked.failed], ['duplicated', r.checked.duplicated]] as const) {
        if (list.length > 0) console.log(`  ${r.count}: ${what}: ${list.slice(0, 5).join('; ')}${list.length > 5 ? ` and ${list.length - 5} more` : ''}`);
      }
    }
  }
  console.log(`\npeak RSS of this process over the whole benchmark: ${mib(process.resourceUsage().maxRSS * 1024)}; `
    + `before any runtime started (Node, ts-node and the TypeScript compiler, the modules): ${mib(baselineRss)}`);
  if (args.keep) {
    console.log(`state kept in ${workRoot}`);
  } else {
    rmSync(workRoot, { recursive: true, force: true });
  }
  const bad = !one.ok || results.some((r) => r.checked.lost.length + r.checked.mixed.length + r.checked.failed.length + r.checked.duplicated.length > 0);
  return bad ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(2);
});
