import { createHash } from 'node:crypto';
import { existsSync, readdirSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataSyncLocation, DataSyncTask, PipelineModel } from '../../../src/model/pipeline-model';
import { StateDirectory } from '../../../src/runtime/state-directory';
import { DataSyncEmulator, DataSyncEmulatorOptions } from '../../../src/services/datasync/datasync-emulator';
import { LocalS3Store } from '../../../src/services/s3/local-s3-store';
import { RuntimeEvent, ServiceContext } from '../../../src/services/task-integration';

const REGION = 'eu-west-2';
const ACCOUNT = '123456789012';
const STAGE_IN = DataSyncEmulator.taskArn(REGION, ACCOUNT, 'StageIn');
const STAGE_OUT = DataSyncEmulator.taskArn(REGION, ACCOUNT, 'StageOut');
const UPLOADS = 'uploads-bucket';
const REPORTS = 'reports-bucket';
const OPTIONS = { OverwriteMode: 'ALWAYS', TransferMode: 'CHANGED', VerifyMode: 'ONLY_FILES_TRANSFERRED', PreserveDeletedFiles: 'PRESERVE' };

const START = 'arn:aws:states:::aws-sdk:datasync:startTaskExecution';
const DESCRIBE = 'arn:aws:states:::aws-sdk:datasync:describeTaskExecution';
const CANCEL = 'arn:aws:states:::aws-sdk:datasync:cancelTaskExecution';

let root: string;
let state: StateDirectory;
let store: LocalS3Store;
let events: RuntimeEvent[];

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'datasync-emulator-'));
  state = StateDirectory.open(root);
  store = new LocalS3Store(state.bucketsRoot);
  store.createBucket(UPLOADS, { versioned: true });
  store.createBucket(REPORTS, { versioned: true });
  events = [];
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The example's shape: uploads/incoming/ -> EFS /pipeline/staging/, EFS /pipeline/ -> reports/reports/. */
function model(changes: { stageInSourceSubdirectory?: string; stageInSubdirectory?: string; taskExcludes?: DataSyncTask['excludes']; taskIncludes?: DataSyncTask['includes']; options?: Record<string, unknown> } = {}): PipelineModel {
  const location = (seed: string, value: Record<string, string>): [string, DataSyncLocation] => {
    const arn = DataSyncEmulator.locationArn(REGION, ACCOUNT, seed);
    return [arn, { ...value, arn } as DataSyncLocation];
  };
  const locations = new Map<string, DataSyncLocation>([
    location('in-source', { kind: 'S3', bucketName: UPLOADS, subdirectory: changes.stageInSourceSubdirectory ?? '/incoming/' }),
    location('in-destination', { kind: 'EFS', fileSystemLogicalId: 'FileSystem', accessPointRootDirectory: '/pipeline', subdirectory: changes.stageInSubdirectory ?? '/staging/' }),
    location('out-source', { kind: 'EFS', fileSystemLogicalId: 'FileSystem', accessPointRootDirectory: '/pipeline', subdirectory: '/' }),
    location('out-destination', { kind: 'S3', bucketName: REPORTS, subdirectory: '/reports/' }),
  ]);
  const arnOf = (seed: string) => DataSyncEmulator.locationArn(REGION, ACCOUNT, seed);
  const tasks = new Map<string, DataSyncTask>([
    [STAGE_IN, {
      logicalId: 'StageIn',
      arn: STAGE_IN,
      sourceLocationArn: arnOf('in-source'),
      destinationLocationArn: arnOf('in-destination'),
      includes: changes.taskIncludes,
      excludes: changes.taskExcludes,
      options: { ...OPTIONS, ...changes.options },
    }],
    [STAGE_OUT, { logicalId: 'StageOut', arn: STAGE_OUT, sourceLocationArn: arnOf('out-source'), destinationLocationArn: arnOf('out-destination'), options: { ...OPTIONS, ...changes.options } }],
  ]);
  return {
    stackName: 'Test',
    region: REGION,
    account: ACCOUNT,
    stateMachine: { logicalId: 'StateMachine', name: 'Pipeline', arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Pipeline`, definition: {} },
    uploadTriggers: [],
    buckets: new Map(),
    functions: new Map(),
    fileSystems: new Map([['FileSystem', { logicalId: 'FileSystem', id: 'fs-12345678', arn: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-12345678` }]]),
    dataSyncLocations: locations,
    dataSyncTasks: tasks,
    jobQueues: new Map(),
    jobDefinitions: new Map(),
    topics: new Map(),
  };
}

function emulator(options: DataSyncEmulatorOptions = {}, pipeline = model(), timeScale = 0.02): DataSyncEmulator {
  const context: ServiceContext = { model: pipeline, state, timeScale, events: { emit: (event) => events.push(event) } };
  return new DataSyncEmulator(context, options);
}

function call(datasync: DataSyncEmulator, resource: string, parameters: Record<string, any>): Promise<any> {
  return datasync.call({ resource, stateName: 'test', parameters, execution: { name: 'run', arn: 'arn:aws:states:eu-west-2:123456789012:execution:Pipeline:run' } });
}

async function upload(key: string, body: string): Promise<void> {
  const temporary = store.temporaryPath(UPLOADS);
  writeFileSync(temporary, body);
  await store.commit(UPLOADS, key, temporary, { size: Buffer.byteLength(body), etag: '"x"', lastModified: new Date().toUTCString() });
}

function efs(relative: string): string {
  return state.onFileSystem('FileSystem', '/pipeline', relative);
}

function staging(): void {
  mkdirSync(efs('/staging'), { recursive: true });
}

async function start(datasync: DataSyncEmulator, taskArn: string, include?: string): Promise<string> {
  const result = await call(datasync, START, { TaskArn: taskArn, ...(include ? { Includes: [{ FilterType: 'SIMPLE_PATTERN', Value: include }] } : {}) });
  return result.TaskExecutionArn;
}

async function until(datasync: DataSyncEmulator, executionArn: string, statuses: string[], timeoutMs = 30_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await call(datasync, DESCRIBE, { TaskExecutionArn: executionArn });
    if (statuses.includes(description.Status)) return description;
    if (Date.now() > deadline) throw new Error(`execution still ${description.Status}, expected ${statuses.join('|')}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be refused');
}

describe('DataSync emulator: executions', () => {
  test('an execution goes through LAUNCHING, PREPARING, TRANSFERRING and VERIFYING to SUCCESS and copies only what its Includes name', async () => {
    // Given two uploads and the staging folder on EFS
    await upload('incoming/2026/scan 1.csv', 'a,b\n1,2\n');
    await upload('incoming/other.csv', 'other');
    staging();
    // At time scale 2 each phase lasts 0.4 s or more, so that polling sees every one on a busy machine
    const datasync = emulator({}, model(), 2);
    // When stage-in starts with the Includes the state machine sends
    const arn = await start(datasync, STAGE_IN, '/2026/scan 1.csv');
    const seen = new Set<string>();
    let description: Record<string, any>;
    do {
      description = await call(datasync, DESCRIBE, { TaskExecutionArn: arn });
      seen.add(description.Status);
      await new Promise((resolve) => setTimeout(resolve, 2));
    } while (!['SUCCESS', 'ERROR'].includes(description.Status));
    // Then it passed through every phase and copied exactly that object under the location subdirectories
    expect(arn).toMatch(/^arn:aws:datasync:eu-west-2:123456789012:task\/task-[0-9a-f]{17}\/execution\/exec-[0-9a-f]{17}$/);
    expect([...seen]).toEqual(expect.arrayContaining(['LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING', 'SUCCESS']));
    expect(description).toMatchObject({
      Status: 'SUCCESS',
      FilesTransferred: 1,
      BytesTransferred: 8,
      EstimatedFilesToTransfer: 1,
      FilesVerified: 1,
      Includes: [{ FilterType: 'SIMPLE_PATTERN', Value: '/2026/scan 1.csv' }],
      Result: { PrepareStatus: 'SUCCESS', TransferStatus: 'SUCCESS', VerifyStatus: 'SUCCESS' },
    });
    expect(description.Result.ErrorCode).toBeUndefined();
    expect(readFileSync(efs('/staging/2026/scan 1.csv'), 'utf-8')).toBe('a,b\n1,2\n');
    expect(existsSync(efs('/staging/other.csv'))).toBe(false);
  });

  test('a second start on the same task waits QUEUED until the first execution ends, then runs', async () => {
    await upload('incoming/a.csv', 'a');
    await upload('incoming/b.csv', 'b');
    staging();
    // TRANSFERRING lasts 1 s here, so that the test sees it on a busy machine
    const datasync = emulator({ faults: { transferSeconds: 50 } });
    // When two executions of one task start back to back
    const first = await start(datasync, STAGE_IN, '/a.csv');
    const second = await start(datasync, STAGE_IN, '/b.csv');
    // Then the second is QUEUED while the first runs
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: second })).Status).toBe('QUEUED');
    await until(datasync, first, ['TRANSFERRING']);
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: second })).Status).toBe('QUEUED');
    const firstDone = await until(datasync, first, ['SUCCESS']);
    const secondDone = await until(datasync, second, ['SUCCESS']);
    // And it launched only after the first had ended
    expect(Date.parse(secondDone.LaunchTime)).toBeGreaterThanOrEqual(Date.parse(firstDone.EndTime));
    expect(readFileSync(efs('/staging/b.csv'), 'utf-8')).toBe('b');
  });

  test('executions of different tasks run at the same time', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    mkdirSync(efs('/runs/r1/out'), { recursive: true });
    writeFileSync(efs('/runs/r1/out/report.txt'), 'report');
    const datasync = emulator();
    const stageIn = await start(datasync, STAGE_IN, '/a.csv');
    const stageOut = await start(datasync, STAGE_OUT, '/runs/r1/out/*');
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: stageOut })).Status).not.toBe('QUEUED');
    await until(datasync, stageIn, ['SUCCESS']);
    await until(datasync, stageOut, ['SUCCESS']);
  });

  test('stage-out copies one run\'s output directory from EFS into the reports bucket through the S3 store, as a new version', async () => {
    // Given the outputs of two runs on EFS
    mkdirSync(efs('/runs/r1/out/sub'), { recursive: true });
    mkdirSync(efs('/runs/r2/out'), { recursive: true });
    writeFileSync(efs('/runs/r1/out/report.txt'), 'report one');
    writeFileSync(efs('/runs/r1/out/sub/detail.txt'), 'detail');
    writeFileSync(efs('/runs/r2/out/report.txt'), 'report two');
    const datasync = emulator();
    // When stage-out of r1 runs
    const done = await until(datasync, await start(datasync, STAGE_OUT, '/runs/r1/out/*'), ['SUCCESS', 'ERROR']);
    // Then only r1's files land, under the destination's subdirectory, with version records
    expect(done).toMatchObject({ Status: 'SUCCESS', FilesTransferred: 2, BytesTransferred: 16 });
    expect((await store.list(REPORTS, '')).map((object) => object.key)).toEqual(['reports/runs/r1/out/report.txt', 'reports/runs/r1/out/sub/detail.txt']);
    expect(readFileSync(store.objectPath(REPORTS, 'reports/runs/r1/out/report.txt'), 'utf-8')).toBe('report one');
    const [version] = store.versions(REPORTS, 'reports/runs/r1/out/report.txt');
    expect(version).toMatchObject({ size: 10, etag: `"${createHash('md5').update('report one').digest('hex')}"`, deleteMarker: false });
    expect(version.versionId).toMatch(/^[A-Za-z0-9._-]{32}$/);
  });

  test('TransferMode CHANGED skips what the destination already has and writes a new version of what changed', async () => {
    mkdirSync(efs('/runs/r1/out'), { recursive: true });
    writeFileSync(efs('/runs/r1/out/same.txt'), 'same');
    writeFileSync(efs('/runs/r1/out/changes.txt'), 'first');
    const datasync = emulator();
    await until(datasync, await start(datasync, STAGE_OUT, '/runs/r1/out/*'), ['SUCCESS']);
    // When one file changes and the task runs again
    writeFileSync(efs('/runs/r1/out/changes.txt'), 'second');
    const again = await until(datasync, await start(datasync, STAGE_OUT, '/runs/r1/out/*'), ['SUCCESS']);
    // Then only the changed file is transferred, as a second version
    expect(again).toMatchObject({ FilesTransferred: 1, FilesSkipped: 1 });
    expect(store.versions(REPORTS, 'reports/runs/r1/out/changes.txt')).toHaveLength(2);
    expect(store.versions(REPORTS, 'reports/runs/r1/out/same.txt')).toHaveLength(1);
    expect(readFileSync(store.objectPath(REPORTS, 'reports/runs/r1/out/changes.txt'), 'utf-8')).toBe('second');
  });

  test('OverwriteMode NEVER keeps what the destination has', async () => {
    await upload('incoming/a.csv', 'new');
    staging();
    writeFileSync(efs('/staging/a.csv'), 'old');
    const datasync = emulator({}, model({ options: { OverwriteMode: 'NEVER' } }));
    const done = await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS']);
    expect(done).toMatchObject({ FilesTransferred: 0, FilesSkipped: 1 });
    expect(readFileSync(efs('/staging/a.csv'), 'utf-8')).toBe('old');
  });

  test('a start with OverrideOptions TransferMode ALL copies even what is unchanged', async () => {
    await upload('incoming/a.csv', 'same');
    staging();
    writeFileSync(efs('/staging/a.csv'), 'same');
    const datasync = emulator();
    const { TaskExecutionArn } = await call(datasync, START, { TaskArn: STAGE_IN, OverrideOptions: { TransferMode: 'ALL' } });
    expect(await until(datasync, TaskExecutionArn, ['SUCCESS'])).toMatchObject({ FilesTransferred: 1, Options: expect.objectContaining({ TransferMode: 'ALL' }) });
  });
});

describe('DataSync emulator: filters and subdirectories', () => {
  beforeEach(async () => {
    for (const key of ['incoming/a.csv', 'incoming/b.csv', 'incoming/c.tmp', 'incoming/dir/x.csv', 'incoming/dir/sub/y.tmp', 'incoming/dirty.csv', 'elsewhere/z.csv']) {
      await upload(key, key);
    }
    staging();
  });

  async function staged(datasync: DataSyncEmulator, include?: string): Promise<string[]> {
    await until(datasync, await start(datasync, STAGE_IN, include), ['SUCCESS']);
    const files: string[] = [];
    const walk = (directory: string, prefix: string) => {
      for (const name of readdirSync(directory, { withFileTypes: true })) {
        if (name.isDirectory()) walk(path.join(directory, name.name), `${prefix}/${name.name}`);
        else files.push(`${prefix}/${name.name}`);
      }
    };
    walk(efs('/staging'), '');
    return files.sort();
  }

  test('without filters the whole source subdirectory is copied, nothing outside it', async () => {
    expect(await staged(emulator())).toEqual(['/a.csv', '/b.csv', '/c.tmp', '/dir/sub/y.tmp', '/dir/x.csv', '/dirty.csv']);
  });

  test('patterns are separated by |, and a folder pattern brings the folder\'s content but not a sibling that shares its prefix', async () => {
    expect(await staged(emulator(), '/a.csv|/dir')).toEqual(['/a.csv', '/dir/sub/y.tmp', '/dir/x.csv']);
  });

  test('/dir/ and /dir are the same pattern', async () => {
    expect(await staged(emulator(), '/dir/')).toEqual(['/dir/sub/y.tmp', '/dir/x.csv']);
  });

  test('* matches any characters, across folders', async () => {
    expect(await staged(emulator(), '/d*.csv')).toEqual(['/dir/x.csv', '/dirty.csv']);
  });

  test('the task\'s Excludes apply to what a start includes', async () => {
    const datasync = emulator({}, model({ taskExcludes: [{ FilterType: 'SIMPLE_PATTERN', Value: '*.tmp' }] }));
    expect(await staged(datasync, '/dir|/c.tmp|/a.csv')).toEqual(['/a.csv', '/dir/x.csv']);
  });

  test('a start\'s Includes replace the task\'s Includes', async () => {
    const datasync = emulator({}, model({ taskIncludes: [{ FilterType: 'SIMPLE_PATTERN', Value: '/b.csv' }] }));
    expect(await staged(datasync, '/a.csv')).toEqual(['/a.csv']);
    expect(await staged(datasync)).toEqual(['/a.csv', '/b.csv']);
  });

  test('filters are case sensitive', async () => {
    expect(await staged(emulator(), '/A.csv')).toEqual([]);
  });

  test('the EFS location\'s subdirectory is under the access point\'s root directory', async () => {
    // Given the destination subdirectory /deeper/place/ under the access point root /pipeline
    mkdirSync(efs('/deeper/place'), { recursive: true });
    const datasync = emulator({}, model({ stageInSubdirectory: '/deeper/place/' }));
    await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS']);
    expect(readFileSync(path.join(state.fileSystem('FileSystem'), 'pipeline', 'deeper', 'place', 'a.csv'), 'utf-8')).toBe('incoming/a.csv');
  });

  test('a missing EFS subdirectory fails the execution as a location DataSync cannot access, and copies nothing', async () => {
    const datasync = emulator({}, model({ stageInSubdirectory: '/not-there/' }));
    const done = await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS', 'ERROR']);
    expect(done).toMatchObject({ Status: 'ERROR', FilesTransferred: 0, Result: { ErrorCode: 'SyncTaskErrorLocationNotAdded', PrepareStatus: 'ERROR' } });
    expect(done.Result.ErrorDetail).toContain('/not-there/');
    expect(existsSync(efs('/not-there'))).toBe(false);
  });
});

describe('DataSync emulator: listing the source', () => {
  test('a location at the bucket\'s root lists every object, and nothing of the store\'s own sidecar', async () => {
    await upload('incoming/a.csv', 'a');
    await upload('top.csv', 'top');
    staging();
    const datasync = emulator({}, model({ stageInSourceSubdirectory: '/' }));
    const done = await until(datasync, await start(datasync, STAGE_IN), ['SUCCESS']);
    expect(done).toMatchObject({ FilesTransferred: 2 });
    expect(readFileSync(efs('/staging/incoming/a.csv'), 'utf-8')).toBe('a');
    expect(readFileSync(efs('/staging/top.csv'), 'utf-8')).toBe('top');
    expect(existsSync(efs('/staging/.s3'))).toBe(false);
  });

  test('a file in the bucket\'s folder that the store has not committed is not an object', async () => {
    await upload('incoming/a.csv', 'a');
    writeFileSync(path.join(state.bucketsRoot, UPLOADS, 'incoming', 'stray.csv'), 'not an object');
    staging();
    const datasync = emulator();
    expect(await until(datasync, await start(datasync, STAGE_IN), ['SUCCESS'])).toMatchObject({ FilesTransferred: 1 });
    expect(existsSync(efs('/staging/stray.csv'))).toBe(false);
  });

  test('an object removed since the last version is not listed: a delete marker hides it', async () => {
    await upload('incoming/a.csv', 'a');
    await upload('incoming/gone.csv', 'gone');
    await store.commit(UPLOADS, 'incoming/gone.csv', undefined, { size: 0, etag: '""', lastModified: new Date().toUTCString() });
    staging();
    const datasync = emulator();
    expect(await until(datasync, await start(datasync, STAGE_IN), ['SUCCESS'])).toMatchObject({ FilesTransferred: 1 });
    expect(existsSync(efs('/staging/gone.csv'))).toBe(false);
  });
});

describe('DataSync emulator: cancel', () => {
  test('a cancelled execution goes CANCELLING, then ERROR with OpCancelled, and frees the task for the next one', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    // CANCELLING lasts 1 s here, so that the test sees it on a busy machine
    const datasync = emulator({ faults: { outcome: 'NEVER', cancelSeconds: 50 } });
    const first = await start(datasync, STAGE_IN, '/a.csv');
    const second = await start(datasync, STAGE_IN, '/a.csv');
    await until(datasync, first, ['TRANSFERRING']);
    // When the running execution is cancelled
    expect(await call(datasync, CANCEL, { TaskExecutionArn: first })).toEqual({});
    // Then it is CANCELLING for a while, the queued one still waits, and then it ends in ERROR
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: first })).Status).toBe('CANCELLING');
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: second })).Status).toBe('QUEUED');
    const cancelled = await until(datasync, first, ['ERROR']);
    expect(cancelled.Result).toMatchObject({ ErrorCode: 'OpCancelled', TransferStatus: 'ERROR' });
    await until(datasync, second, ['TRANSFERRING']);
  });

  test('given a run that started a transfer, when the run is stopped (cancelExecutionsOf), then its unfinished executions are cancelled and ended ones left alone', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    const datasync = emulator();
    const ended = await start(datasync, STAGE_IN, '/a.csv');
    await until(datasync, ended, ['SUCCESS']);
    const hanging = emulator({ faults: { outcome: 'NEVER' } });
    const running = await start(hanging, STAGE_IN, '/a.csv');
    await until(hanging, running, ['TRANSFERRING']);

    expect(datasync.cancelExecutionsOf('run')).toEqual([]);
    expect(hanging.cancelExecutionsOf('another run')).toEqual([]);
    expect(hanging.cancelExecutionsOf('run')).toEqual([running]);

    expect((await until(hanging, running, ['ERROR'])).Result).toMatchObject({ ErrorCode: 'OpCancelled' });
  });

  test('a queued execution leaves the queue at once when cancelled', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    const datasync = emulator({ faults: { outcome: 'NEVER' } });
    await start(datasync, STAGE_IN, '/a.csv');
    const queued = await start(datasync, STAGE_IN, '/a.csv');
    await call(datasync, CANCEL, { TaskExecutionArn: queued });
    expect(await call(datasync, DESCRIBE, { TaskExecutionArn: queued })).toMatchObject({ Status: 'ERROR', Result: { ErrorCode: 'OpCancelled' } });
  });

  test('cancelling an execution that has ended is refused with InvalidRequestException', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    const datasync = emulator();
    const arn = await start(datasync, STAGE_IN, '/a.csv');
    await until(datasync, arn, ['SUCCESS']);
    const error = await rejection(call(datasync, CANCEL, { TaskExecutionArn: arn }));
    expect(error.name).toBe('DataSync.InvalidRequestException');
  });

  test('a cancel that never stops keeps the execution CANCELLING and the next one QUEUED', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    const datasync = emulator({ faults: { outcome: 'NEVER', cancelSeconds: 'NEVER' } });
    const first = await start(datasync, STAGE_IN, '/a.csv');
    const second = await start(datasync, STAGE_IN, '/a.csv');
    await until(datasync, first, ['TRANSFERRING']);
    await call(datasync, CANCEL, { TaskExecutionArn: first });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: first })).Status).toBe('CANCELLING');
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: second })).Status).toBe('QUEUED');
    datasync.dispose();
  });
});

describe('DataSync emulator: injected faults', () => {
  beforeEach(async () => {
    await upload('incoming/a.csv', 'a');
    staging();
  });

  test('throttled starts are refused with InvalidRequestException \'Rate exceeded\', later ones are accepted', async () => {
    const datasync = emulator({ faults: { throttledStarts: 2 } });
    for (let i = 0; i < 2; i++) {
      const error = await rejection(start(datasync, STAGE_IN, '/a.csv'));
      expect(error).toMatchObject({ name: 'DataSync.InvalidRequestException', message: 'Rate exceeded' });
    }
    await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS']);
  });

  test('faults by task apply to that task only', async () => {
    const datasync = emulator({ taskFaults: { [STAGE_OUT]: { throttledStarts: 1 } } });
    await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS']);
    expect((await rejection(start(datasync, STAGE_OUT, '/runs/*'))).message).toBe('Rate exceeded');
  });

  test('an ERROR outcome fails the execution in TRANSFERRING and copies nothing', async () => {
    const datasync = emulator({ faults: { outcome: 'ERROR' } });
    const done = await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS', 'ERROR']);
    expect(done).toMatchObject({ Status: 'ERROR', Result: { PrepareStatus: 'SUCCESS', TransferStatus: 'ERROR' } });
    expect(done.Result.ErrorCode).toBeTruthy();
    expect(existsSync(efs('/staging/a.csv'))).toBe(false);
  });

  test('transferSeconds keeps an execution TRANSFERRING that long', async () => {
    // 3 s of TRANSFERRING: still so 0.25 s after it began, however busy the machine
    const datasync = emulator({ faults: { transferSeconds: 60 } }, model(), 0.05);
    const arn = await start(datasync, STAGE_IN, '/a.csv');
    await until(datasync, arn, ['TRANSFERRING']);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await call(datasync, DESCRIBE, { TaskExecutionArn: arn })).toMatchObject({ Status: 'TRANSFERRING', FilesTransferred: 1 });
    await until(datasync, arn, ['SUCCESS']);
  });

  test('a NEVER outcome stays TRANSFERRING', async () => {
    const datasync = emulator({ faults: { outcome: 'NEVER' } });
    const arn = await start(datasync, STAGE_IN, '/a.csv');
    await until(datasync, arn, ['TRANSFERRING']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await call(datasync, DESCRIBE, { TaskExecutionArn: arn })).Status).toBe('TRANSFERRING');
    datasync.dispose();
  });

  test('phases take the emulation\'s pace times the time scale', async () => {
    const datasync = emulator({}, model(), 0.2);
    const started = Date.now();
    await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS']);
    // About 1 s at scale 1: at 0.2 at least 0.2 s (the upper bound leaves room for a busy machine).
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('DataSync emulator: input validation', () => {
  const refused = async (resource: string, parameters: Record<string, any>, message: RegExp) => {
    const error = await rejection(call(emulator(), resource, parameters));
    expect(error.name).toBe('DataSync.InvalidRequestException');
    expect(error.message).toMatch(message);
  };

  test('a TaskArn that is not a DataSync task ARN is refused', async () => {
    await refused(START, { TaskArn: 'arn:aws:datasync:eu-west-2:123456789012:task/StageIn' }, /TaskArn.*regular expression/);
    await refused(START, {}, /TaskArn/);
  });

  test('an unknown task is refused', async () => {
    await refused(START, { TaskArn: DataSyncEmulator.taskArn(REGION, ACCOUNT, 'nope') }, /does not exist/);
  });

  test('more than one FilterRule in Includes is refused', async () => {
    await refused(START, { TaskArn: STAGE_IN, Includes: [{ FilterType: 'SIMPLE_PATTERN', Value: '/a' }, { FilterType: 'SIMPLE_PATTERN', Value: '/b' }] }, /Includes.*less than or equal to 1/);
  });

  test('a filter value over 102,400 characters is refused', async () => {
    await refused(START, { TaskArn: STAGE_IN, Includes: [{ FilterType: 'SIMPLE_PATTERN', Value: `/${'a'.repeat(102400)}` }] }, /102400/);
  });

  test('a filter type other than SIMPLE_PATTERN is refused', async () => {
    await refused(START, { TaskArn: STAGE_IN, Includes: [{ FilterType: 'REGEX', Value: '/a' }] }, /SIMPLE_PATTERN/);
  });

  test('an OverrideOptions value outside its enum is refused', async () => {
    await refused(START, { TaskArn: STAGE_IN, OverrideOptions: { TransferMode: 'SOME' } }, /TransferMode/);
  });

  test('describe and cancel refuse an ARN that is not an execution ARN, and an unknown execution', async () => {
    await refused(DESCRIBE, { TaskExecutionArn: 'exec-1' }, /TaskExecutionArn/);
    await refused(CANCEL, { TaskExecutionArn: `${STAGE_IN}/execution/exec-0123456789abcdef0` }, /does not exist/);
    await refused(DESCRIBE, { TaskExecutionArn: `${STAGE_IN}/execution/exec-0123456789abcdef0` }, /does not exist/);
  });

  test('the emulator answers only the three DataSync integrations', () => {
    const datasync = emulator();
    expect([START, DESCRIBE, CANCEL].every((resource) => datasync.handles(resource))).toBe(true);
    expect(datasync.handles('arn:aws:states:::aws-sdk:datasync:listTasks')).toBe(false);
    expect(datasync.handles('arn:aws:states:::batch:submitJob.sync')).toBe(false);
  });

  test('a queue limit refuses starts beyond it', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    const datasync = emulator({ queueLimit: 1, faults: { outcome: 'NEVER' } });
    await start(datasync, STAGE_IN, '/a.csv');
    await start(datasync, STAGE_IN, '/a.csv');
    const error = await rejection(start(datasync, STAGE_IN, '/a.csv'));
    expect(error.name).toBe('DataSync.InvalidRequestException');
    datasync.dispose();
  });
});

describe('DataSync emulator: events', () => {
  test('starts and ends are reported as log events', async () => {
    await upload('incoming/a.csv', 'a');
    staging();
    const datasync = emulator();
    await until(datasync, await start(datasync, STAGE_IN, '/a.csv'), ['SUCCESS']);
    expect(events.filter((event) => event.type === 'log').map((event) => (event as { message: string }).message)).toEqual([
      expect.stringMatching(/started$/), expect.stringMatching(/SUCCESS \(1 files, 1 bytes\)$/),
    ]);
  });
});

describe('DataSync emulator: manifests', () => {
  const MANIFESTS = 'manifest-bucket';
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/manifest-reader`;

  async function putManifest(key: string, body: string): Promise<void> {
    store.createBucket(MANIFESTS, { versioned: false });
    const temporary = store.temporaryPath(MANIFESTS);
    writeFileSync(temporary, body);
    await store.commit(MANIFESTS, key, temporary, { size: Buffer.byteLength(body), etag: '"m"', lastModified: new Date().toUTCString() });
  }

  function manifestConfig(key: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
    return { Action: 'TRANSFER', Format: 'CSV', Source: { S3: { ManifestObjectPath: key, BucketAccessRoleArn: ROLE, S3BucketArn: `arn:aws:s3:::${MANIFESTS}`, ...changes } } };
  }

  test('without a manifest, an execution copies the key\'s current object, whichever version started the run', async () => {
    // Given two versions of one key, uploaded one after the other
    staging();
    await upload('incoming/a.csv', 'version 1');
    await upload('incoming/a.csv', 'version 2');
    const datasync = emulator();
    // When an execution limited to that key by an Includes filter runs
    const execution = await start(datasync, STAGE_IN, '/a.csv');
    await until(datasync, execution, ['SUCCESS']);
    // Then the staged file is the current object, as on AWS
    expect(readFileSync(efs('/staging/a.csv'), 'utf-8')).toBe('version 2');
  });

  test('with a manifest that names an object version, an execution copies exactly that version', async () => {
    // Given two versions of one key and a manifest naming the first
    staging();
    await upload('incoming/dir/a,b.csv', 'version 1');
    const first = store.versions(UPLOADS, 'incoming/dir/a,b.csv')[0].versionId;
    await upload('incoming/dir/a,b.csv', 'version 2');
    await upload('incoming/other.csv', 'not listed');
    await putManifest('manifests/run-1.csv', `"dir/a,b.csv",${first}\n`);
    const datasync = emulator();
    // When the execution starts with that manifest
    const { TaskExecutionArn } = await call(datasync, START, { TaskArn: STAGE_IN, ManifestConfig: manifestConfig('manifests/run-1.csv') });
    const description = await until(datasync, TaskExecutionArn, ['SUCCESS', 'ERROR']);
    // Then it copied the first version, and nothing the manifest does not list
    expect(description.Status).toBe('SUCCESS');
    expect(readFileSync(efs('/staging/dir/a,b.csv'), 'utf-8')).toBe('version 1');
    expect(existsSync(efs('/staging/other.csv'))).toBe(false);
  });

  test('the ignoreManifestVersions fault copies the current object whatever version the manifest names', async () => {
    staging();
    await upload('incoming/a.csv', 'version 1');
    const first = store.versions(UPLOADS, 'incoming/a.csv')[0].versionId;
    await upload('incoming/a.csv', 'version 2');
    await putManifest('m.csv', `a.csv,${first}\n`);
    const datasync = emulator({ faults: { ignoreManifestVersions: true } });
    const { TaskExecutionArn } = await call(datasync, START, { TaskArn: STAGE_IN, ManifestConfig: manifestConfig('m.csv') });
    expect((await until(datasync, TaskExecutionArn, ['SUCCESS', 'ERROR'])).Status).toBe('SUCCESS');
    expect(readFileSync(efs('/staging/a.csv'), 'utf-8')).toBe('version 2');
  });

  test('a manifest naming a version that does not exist fails the execution, and copies nothing', async () => {
    // Given a manifest naming an unknown version
    staging();
    await upload('incoming/a.csv', 'version 1');
    await putManifest('m.csv', 'a.csv,0123456789abcdef0123456789abcdef\n');
    const datasync = emulator();
    // When the execution runs
    const { TaskExecutionArn } = await call(datasync, START, { TaskArn: STAGE_IN, ManifestConfig: manifestConfig('m.csv') });
    const description = await until(datasync, TaskExecutionArn, ['SUCCESS', 'ERROR']);
    // Then it ends in ERROR, naming the entry
    expect(description.Status).toBe('ERROR');
    expect(description.Result.ErrorDetail).toContain('incoming/a.csv version 0123456789abcdef0123456789abcdef');
    expect(existsSync(efs('/staging/a.csv'))).toBe(false);
  });

  test('a manifest that is not in its bucket fails the execution in PREPARING', async () => {
    staging();
    store.createBucket(MANIFESTS, { versioned: false });
    const datasync = emulator();
    const { TaskExecutionArn } = await call(datasync, START, { TaskArn: STAGE_IN, ManifestConfig: manifestConfig('missing.csv') });
    const description = await until(datasync, TaskExecutionArn, ['SUCCESS', 'ERROR']);
    expect(description.Status).toBe('ERROR');
    expect(description.Result.PrepareStatus).toBe('ERROR');
    expect(description.Result.ErrorDetail).toContain(`s3://${MANIFESTS}/missing.csv`);
  });

  test.each([
    ['an Action other than TRANSFER', { Action: 'DELETE', Format: 'CSV', Source: { S3: { ManifestObjectPath: 'm.csv', BucketAccessRoleArn: ROLE, S3BucketArn: `arn:aws:s3:::${MANIFESTS}` } } }, 'manifestConfig.action'],
    ['a Format other than CSV', { Format: 'JSON', Source: { S3: { ManifestObjectPath: 'm.csv', BucketAccessRoleArn: ROLE, S3BucketArn: `arn:aws:s3:::${MANIFESTS}` } } }, 'manifestConfig.format'],
    ['no Source (the role DataSync reads the manifest with)', { Action: 'TRANSFER' }, 'BucketAccessRoleArn'],
    ['a bucket ARN that is not one', { Source: { S3: { ManifestObjectPath: 'm.csv', BucketAccessRoleArn: ROLE, S3BucketArn: MANIFESTS } } }, 'manifestConfig.source.s3.s3BucketArn'],
    ['a role ARN that is not one', { Source: { S3: { ManifestObjectPath: 'm.csv', BucketAccessRoleArn: 'manifest-reader', S3BucketArn: `arn:aws:s3:::${MANIFESTS}` } } }, 'manifestConfig.source.s3.bucketAccessRoleArn'],
    ['an empty object path', { Source: { S3: { ManifestObjectPath: '', BucketAccessRoleArn: ROLE, S3BucketArn: `arn:aws:s3:::${MANIFESTS}` } } }, 'manifestConfig.source.s3.manifestObjectPath'],
  ])('a start with %s is refused with InvalidRequestException, as the API model validates it', async (_name, config, member) => {
    const datasync = emulator();
    const error = await rejection(call(datasync, START, { TaskArn: STAGE_IN, ManifestConfig: config }));
    expect(error.name).toBe('DataSync.InvalidRequestException');
    expect(error.message).toContain(member);
  });
});
