// The invariant of issue 16 over a mixed batch, on each staging path: every upload (object
// version) ends in exactly one report whose content hash is its own version's, or in exactly one
// notification naming it; nothing is left on EFS; no process of the job is left running.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Upload } from '@batch-pipeline/local';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { LocalRun, removeTemporaryDirectories, synthesizeExample, temporaryDirectory } from './local-run-support';

// Three runtimes at once, each waiting out a hanging job's attempt timeout (1 hour, 36 s at 0.01).
jest.setTimeout(240_000);

/**
 * A job that follows the run contract: a report with the sha256 of its input; exit 1 for a key
 * holding "fail"; for "hang", a `sleep 1000` child and no end (the attempt timeout ends it).
 * Every process id it starts is written to `pidsDirectory`.
 */
function invariantJob(pidsDirectory: string): string {
  return `
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const pids = ${JSON.stringify(pidsDirectory)};
const key = process.env.PIPELINE_SOURCE_KEY ?? '';
writeFileSync(pids + '/' + process.pid, String(process.pid));
if (key.includes('hang')) {
  const sleeper = spawn('sleep', ['1000'], { stdio: 'inherit' });
  writeFileSync(pids + '/' + sleeper.pid, String(sleeper.pid));
  setInterval(() => undefined, 1000);
} else if (key.includes('fail')) {
  console.error('failing as asked by the key ' + key);
  process.exit(1);
} else {
  const sha256 = createHash('sha256').update(readFileSync(process.env.PIPELINE_INPUT_PATH)).digest('hex');
  mkdirSync(process.env.PIPELINE_OUTPUT_DIR, { recursive: true });
  writeFileSync(process.env.PIPELINE_OUTPUT_DIR + '/report.json', JSON.stringify({ runId: process.env.PIPELINE_RUN_ID, key, sha256 }));
}
`;
}

/** Whether a process runs; a zombie waiting for its parent to reap it does not. */
function running(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try { return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf-8')); } catch { return true; }
}

/** The folders under `root` whose name is one of `names`. */
function foldersNamed(root: string, names: ReadonlySet<string>): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isDirectory() && names.has(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

interface Notification { readonly message: string; readonly execution: string }

/** What one upload (object version) ended in. */
interface UploadOutcome {
  readonly upload: string;
  readonly expectedSha256: string;
  readonly reports: Array<{ readonly key: string; readonly runId: string; readonly sha256: string }>;
  readonly notifications: number;
}

interface BatchResult {
  readonly outcomes: UploadOutcome[];
  readonly efsFiles: string[];
  /** Folders on EFS named by a run id (clean-up removes /runs/<id>; the shared staging path keeps nothing of a finished run). */
  readonly runFolders: string[];
  readonly runningPids: number[];
  readonly jobPids: number;
  readonly seconds: number;
}

/** The batch: normal files, a failing one, a hanging one, an empty one, an unsupported key, two versions of one key. */
async function runBatch(staging: StagingStrategy): Promise<BatchResult> {
  const started = Date.now();
  const root = temporaryDirectory(`invariant-${staging.toLowerCase()}`);
  const app = path.join(root, 'app');
  const pids = path.join(root, 'pids');
  const inputs = path.join(root, 'inputs');
  for (const folder of [path.join(app, 'job'), pids, inputs]) mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(app, 'job', 'report.mjs'), invariantJob(pids));
  const local = await LocalRun.start(synthesizeExample({ staging }), { appDirectory: app });
  try {
    const prefix = local.runtime.model.uploadTriggers[0].prefix ?? '';
    const bodies = new Map<Upload, Buffer>();
    const put = async (name: string, body: string, key = `${prefix}${name}`) => {
      const file = path.join(inputs, `${bodies.size}-${name.slice(0, 40)}`);
      writeFileSync(file, body);
      bodies.set(await local.runtime.upload(file, { key }), Buffer.from(body));
    };
    for (const n of [1, 2, 3]) await put(`normal-${n}.csv`, `well,value\nA${n},${n}\n`);
    await put('fail.csv', 'well,value\nB1,1\n');
    await put('hang.csv', 'well,value\nC1,1\n');
    await put('empty.csv', '');
    await put('long.csv', 'well,value\nD1,1\n', `${prefix}${'x'.repeat(300)}.csv`);
    await put('twice.csv', 'well,value\nE1,first\n');
    await put('twice.csv', 'well,value\nE1,second version\n');
    await local.runtime.idle();

    const notificationsFolder = path.join(local.stateDirectory, 'notifications');
    const notifications: Notification[] = existsSync(notificationsFolder)
      ? readdirSync(notificationsFolder).filter((file) => file.endsWith('.jsonl')).flatMap((file) =>
        readFileSync(path.join(notificationsFolder, file), 'utf-8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)))
      : [];
    const outcomes: UploadOutcome[] = [];
    for (const [upload, body] of bodies) {
      const runs = local.runsOf(upload);
      const reports: UploadOutcome['reports'] = [];
      for (const run of runs) {
        const summary = await local.runtime.summaryOf(run.name);
        for (const report of summary.reports.filter((candidate) => candidate.key.endsWith('/report.json'))) {
          reports.push({ key: report.key, runId: run.name, sha256: JSON.parse(readFileSync(report.file, 'utf-8')).sha256 });
        }
      }
      const versionId = upload.version.versionId;
      const otherVersions = [...bodies.keys()].filter((other) => other.key === upload.key && other !== upload)
        .map((other) => other.version.versionId);
      // A notification names the key, and this version (or at least no other version of the key).
      const namesIt = (message: string) => message.includes(upload.key)
        && (message.includes(versionId) || !otherVersions.some((other) => message.includes(other)));
      const named = notifications.filter((notification) => namesIt(notification.message)
        // A run's notification comes from its execution; a refusal from the trigger function's Publish names no execution.
        && (runs.some((run) => notification.execution.endsWith(`:${run.name}`)) || !notification.execution.startsWith('arn:')));
      outcomes.push({
        upload: `${upload.key.slice(prefix.length, prefix.length + 40)} (version ${versionId})`,
        expectedSha256: createHash('sha256').update(body).digest('hex'),
        reports,
        notifications: named.length,
      });
    }
    const jobPids = readdirSync(pids).map(Number);
    return {
      outcomes,
      efsFiles: local.efsFiles(),
      runFolders: foldersNamed(path.join(local.stateDirectory, 'efs'), new Set(local.started.map((run) => run.name))),
      runningPids: jobPids.filter(running),
      jobPids: jobPids.length,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await local.stop();
  }
}

const results = new Map<StagingStrategy, BatchResult>();

beforeAll(async () => {
  const staging = [StagingStrategy.DIRECT, StagingStrategy.DATASYNC, StagingStrategy.AUTO];
  const batches = await Promise.all(staging.map(runBatch));
  staging.forEach((strategy, index) => results.set(strategy, batches[index]));
});

afterAll(() => removeTemporaryDirectories());

describe.each([StagingStrategy.DIRECT, StagingStrategy.DATASYNC, StagingStrategy.AUTO])('a mixed batch staged %s', (staging) => {
  test('every upload ends in exactly one report with its own version\'s hash, or exactly one notification', () => {
    const { outcomes, seconds } = results.get(staging)!;
    console.log(`${staging}: ${outcomes.length} uploads in ${seconds.toFixed(1)} s`);
    expect(outcomes).toHaveLength(9);
    for (const outcome of outcomes) {
      const ended = { upload: outcome.upload, reports: outcome.reports.length, notifications: outcome.notifications };
      expect([{ ...ended, reports: 1, notifications: 0 }, { ...ended, reports: 0, notifications: 1 }]).toContainEqual(ended);
      for (const report of outcome.reports) {
        expect({ upload: outcome.upload, sha256: report.sha256 }).toEqual({ upload: outcome.upload, sha256: outcome.expectedSha256 });
        expect(report.key).toContain(`runs/${report.runId}/out/`);
      }
    }
  });

  test('the normal files end in reports; the failing, hanging, empty and unsupported ones in notifications', () => {
    const byUpload = new Map(results.get(staging)!.outcomes.map((outcome) => [outcome.upload.split(' ')[0], outcome]));
    for (const name of ['normal-1.csv', 'normal-2.csv', 'normal-3.csv']) {
      expect({ name, reports: byUpload.get(name)!.reports.length }).toEqual({ name, reports: 1 });
    }
    for (const name of ['fail.csv', 'hang.csv', 'empty.csv', 'x'.repeat(40)]) {
      expect({ name, notifications: byUpload.get(name)!.notifications }).toEqual({ name, notifications: 1 });
    }
  });

  test('nothing is left on EFS and no process of the job is left running', () => {
    const { efsFiles, runFolders, runningPids, jobPids } = results.get(staging)!;
    expect(efsFiles).toEqual([]);
    expect(runFolders).toEqual([]);
    // The processes recorded: at least the normal jobs, the failing one, the hanging one and its sleep.
    expect(jobPids).toBeGreaterThanOrEqual(6);
    expect(runningPids).toEqual([]);
  });
});
