import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { JobDefinition, JobQueue, PipelineModel } from '../../../src/model/pipeline-model';
import { LocalRuntimeError } from '../../../src/runtime/local-runtime-error';
import { StateDirectory } from '../../../src/runtime/state-directory';
import { BatchEmulator, BatchEmulatorOptions, stderrLogFile } from '../../../src/services/batch/batch-emulator';
import { RuntimeEvent } from '../../../src/services/task-integration';
import { running } from '../../processes';
import { testModel } from '../service-fixtures';

const SYNC = 'arn:aws:states:::batch:submitJob.sync';
const SUBMIT = 'arn:aws:states:::batch:submitJob';
const QUEUE: JobQueue = { logicalId: 'Queue', name: 'Test-Queue', arn: 'arn:aws:batch:eu-west-2:123456789012:job-queue/Test-Queue', state: 'ENABLED' };
const DISABLED: JobQueue = { logicalId: 'Off', name: 'Test-Off', arn: 'arn:aws:batch:eu-west-2:123456789012:job-queue/Test-Off', state: 'DISABLED' };
const MOUNT = { mountPath: '/mnt/pipeline', fileSystemLogicalId: 'FileSystem', rootDirectory: '/pipeline' };
const EXECUTION = { name: 'run-1', arn: 'arn:aws:states:eu-west-2:123456789012:execution:Pipeline:run-1' };

/**
 * The job the tests run as a local command: prints its environment, copies the input to
 * `$PIPELINE_OUTPUT_DIR/report.txt`, and exits with the code `$EXIT_CODES` gives for this attempt
 * (a comma-separated list; the last one repeats), after sleeping `$SLEEP_MS`.
 */
const JOB_SCRIPT = `
const fs = require('node:fs');
const env = process.env;
console.log('env ' + JSON.stringify(env));
console.error('to stderr');
const codes = (env.EXIT_CODES || '0').split(',').map(Number);
const attempt = Number(env.AWS_BATCH_JOB_ATTEMPT);
const code = codes[Math.min(attempt, codes.length) - 1];
if (env.PIPELINE_OUTPUT_DIR) {
  fs.mkdirSync(env.PIPELINE_OUTPUT_DIR, { recursive: true });
  fs.writeFileSync(env.PIPELINE_OUTPUT_DIR + '/report.txt', 'report of ' + fs.readFileSync(env.PIPELINE_INPUT_PATH, 'utf-8'));
}
setTimeout(() => process.exit(code), Number(env.SLEEP_MS || 0));
`;

let root: string;
let appDirectory: string;
let state: StateDirectory;
let events: RuntimeEvent[];

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'batch-emulator-'));
  appDirectory = path.join(root, 'app');
  mkdirSync(path.join(appDirectory, 'job'), { recursive: true });
  writeFileSync(path.join(appDirectory, 'job', 'job.js'), JOB_SCRIPT);
  state = StateDirectory.open(path.join(root, 'state'));
  events = [];
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function definition(changes: Partial<JobDefinition> = {}): JobDefinition {
  return {
    logicalId: 'Job',
    name: 'Test-Job',
    arn: 'arn:aws:batch:eu-west-2:123456789012:job-definition/Test-Job:1',
    environment: { FROM_DEFINITION: 'yes', SCRATCH: '/mnt/pipeline/scratch' },
    mounts: [MOUNT],
    attempts: 1,
    evaluateOnExit: [],
    localRun: { localCommand: ['node', 'job/job.js'], mountPath: '/mnt/pipeline' },
    image: '123456789012.dkr.ecr.eu-west-2.amazonaws.com/cdk-assets:abc',
    imageAssetDirectory: path.join(root, 'asset'),
    ...changes,
  };
}

function model(job: JobDefinition = definition()): PipelineModel {
  return testModel({
    fileSystems: new Map([['FileSystem', { logicalId: 'FileSystem', id: 'fs-1', arn: 'arn:aws:elasticfilesystem:eu-west-2:123456789012:file-system/fs-1' }]]),
    jobQueues: new Map([[QUEUE.arn, QUEUE], [DISABLED.arn, DISABLED]]),
    jobDefinitions: new Map([[job.arn, job]]),
  });
}

function batch(job?: JobDefinition, options: Partial<BatchEmulatorOptions> = {}, timeScale = 1): BatchEmulator {
  return new BatchEmulator({ model: model(job), state, timeScale, events: { emit: (event) => events.push(event) } },
    { appDirectory, docker: false, ...options });
}

/** The Process state's parameters, as the definition builds them. */
function processParameters(environment: Record<string, string> = {}, changes: Record<string, unknown> = {}): Record<string, any> {
  return {
    JobName: 'run-1',
    JobQueue: QUEUE.arn,
    JobDefinition: definition().arn,
    ContainerOverrides: {
      Environment: Object.entries({
        PIPELINE_RUN_ID: 'run-1',
        PIPELINE_INPUT_PATH: '/mnt/pipeline/runs/run-1/in/scan 1.csv',
        PIPELINE_OUTPUT_DIR: '/mnt/pipeline/runs/run-1/out',
        PIPELINE_SOURCE_BUCKET: 'uploads',
        PIPELINE_SOURCE_KEY: 'incoming/scan 1.csv',
        ...environment,
      }).map(([Name, Value]) => ({ Name, Value })),
    },
    ...changes,
  };
}

function call(emulator: BatchEmulator, parameters: Record<string, any>, resource = SYNC): Promise<any> {
  return emulator.call({ resource, stateName: 'Process', parameters, execution: EXECUTION });
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be refused');
}

function efs(relative: string): string {
  return state.onFileSystem('FileSystem', '/pipeline', relative);
}

function stageInput(): void {
  mkdirSync(efs('/runs/run-1/in'), { recursive: true });
  writeFileSync(efs('/runs/run-1/in/scan 1.csv'), 'a,b\n');
}

function printedEnvironment(): Record<string, string> {
  const line = readFileSync(state.logFile('batch/Test-Job', 'run-1'), 'utf-8').split('\n').find((l) => l.startsWith('env '))!;
  return JSON.parse(line.slice(4));
}

describe('Batch emulator: a job as a local command', () => {
  test('submitJob.sync runs the local command in the app folder and resolves with the job\'s DescribeJobs detail', async () => {
    // Given the staged input on the local EFS folder
    stageInput();
    // When the Process state submits the job
    const detail = await call(batch(), processParameters());
    // Then the job read its input and wrote its report through the local EFS folder
    expect(readFileSync(efs('/runs/run-1/out/report.txt'), 'utf-8')).toBe('report of a,b\n');
    expect(detail).toMatchObject({
      JobName: 'run-1',
      JobQueue: QUEUE.arn,
      JobDefinition: definition().arn,
      Status: 'SUCCEEDED',
      StatusReason: 'Essential container in task exited',
      Container: { ExitCode: 0, MountPoints: [{ ContainerPath: '/mnt/pipeline' }] },
      Attempts: [{ Container: { ExitCode: 0 }, StatusReason: 'Essential container in task exited' }],
    });
    expect(detail.JobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(detail.JobArn).toBe(`arn:aws:batch:eu-west-2:123456789012:job/${detail.JobId}`);
    expect(detail.StoppedAt).toBeGreaterThanOrEqual(detail.StartedAt);
  });

  test('the job\'s output goes to its log file and out as job-output events', async () => {
    stageInput();
    await call(batch(), processParameters());
    const log = readFileSync(state.logFile('batch/Test-Job', 'run-1'), 'utf-8');
    expect(log).toContain('to stderr');
    expect(events).toContainEqual({ type: 'job-output', jobName: 'run-1', line: 'to stderr' });
  });

  test('what the job writes to stderr is also kept apart, beside its log, for the summary of a failed run', async () => {
    stageInput();
    await call(batch(), processParameters());
    expect(readFileSync(stderrLogFile(state.logFile('batch/Test-Job', 'run-1')), 'utf-8')).toBe('to stderr\n');
  });

  test('the environment is clean, has the definition\'s and the overrides\' variables, and every value under the mount path points into the local EFS folder', async () => {
    stageInput();
    process.env.AWS_SECRET_ACCESS_KEY = 'must-not-leak';
    process.env.SOME_RUNTIME_SETTING = 'must-not-leak';
    try {
      await call(batch(), processParameters({ OTHER: '/mnt/pipelinex/not-a-mount', EXACT: '/mnt/pipeline' }));
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
      delete process.env.SOME_RUNTIME_SETTING;
    }
    const env = printedEnvironment();
    expect(env).toMatchObject({
      PIPELINE_INPUT_PATH: efs('/runs/run-1/in/scan 1.csv'),
      PIPELINE_OUTPUT_DIR: efs('/runs/run-1/out'),
      PIPELINE_SOURCE_KEY: 'incoming/scan 1.csv',
      SCRATCH: efs('/scratch'),
      EXACT: path.resolve(efs('/')),
      OTHER: '/mnt/pipelinex/not-a-mount',
      FROM_DEFINITION: 'yes',
      AWS_BATCH_JOB_ATTEMPT: '1',
      AWS_BATCH_JQ_NAME: 'Test-Queue',
      PATH: process.env.PATH,
    });
    expect(Object.keys(env).filter((name) => name.startsWith('AWS_') && !name.startsWith('AWS_BATCH_'))).toEqual([]);
    expect(env.SOME_RUNTIME_SETTING).toBeUndefined();
  });

  test('a job that exits non-zero fails the task with States.TaskFailed and the job detail as the cause', async () => {
    stageInput();
    const error = await refusal(call(batch(), processParameters({ EXIT_CODES: '2' })));
    expect(error.name).toBe('States.TaskFailed');
    expect(JSON.parse(error.message)).toMatchObject({ JobName: 'run-1', Status: 'FAILED', StatusReason: 'Essential container in task exited', Container: { ExitCode: 2 }, Attempts: [{ Container: { ExitCode: 2 } }] });
  });

  test('a command that cannot start fails the job without an exit code', async () => {
    const error = await refusal(call(batch(definition({ localRun: { localCommand: [path.join(root, 'no-such-program')] } })), processParameters()));
    const detail = JSON.parse(error.message);
    expect(detail.Status).toBe('FAILED');
    expect(detail.Container.ExitCode).toBeUndefined();
    expect(detail.Container.Reason).toMatch(/^CannotStartContainerError/);
  });

  test('an attempt that runs past attemptDurationSeconds is terminated and not retried', async () => {
    stageInput();
    const started = Date.now();
    const error = await refusal(call(batch(definition({ attemptDurationSeconds: 1, attempts: 3 })), processParameters({ SLEEP_MS: '20000' })));
    const detail = JSON.parse(error.message);
    expect(detail).toMatchObject({ Status: 'FAILED', StatusReason: 'Job attempt duration exceeded timeout', Container: { ExitCode: 143 } });
    expect(detail.Attempts).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a process that ignores SIGTERM is killed after the stop timeout', async () => {
    const stubborn = path.join(appDirectory, 'job', 'stubborn.js');
    writeFileSync(stubborn, 'process.on("SIGTERM", () => console.log("ignoring SIGTERM")); setInterval(() => undefined, 1000);');
    const error = await refusal(call(batch(definition({ attemptDurationSeconds: 1, localRun: { localCommand: ['node', 'job/stubborn.js'] } }), { stopTimeoutSeconds: 0.5 }), processParameters()));
    expect(JSON.parse(error.message)).toMatchObject({ StatusReason: 'Job attempt duration exceeded timeout', Container: { ExitCode: 137 } });
  });
});

describe('Batch emulator: retry strategy', () => {
  beforeEach(stageInput);

  test('an injected exit code fails every attempt without running the command, through the retry strategy', async () => {
    const error = await refusal(call(batch(definition({ attempts: 2 }), { failWithExitCode: 7 }), processParameters()));
    expect(JSON.parse(error.message)).toMatchObject({ Status: 'FAILED', Container: { ExitCode: 7 }, Attempts: [{ Container: { ExitCode: 7 } }, { Container: { ExitCode: 7 } }] });
    expect(existsSync(efs('/runs/run-1/out/report.txt'))).toBe(false);
  });

  test('a failed attempt is retried while attempts remain and no EvaluateOnExit condition matches', async () => {
    const detail = await call(batch(definition({ attempts: 3 })), processParameters({ EXIT_CODES: '1,1,0' }));
    expect(detail.Status).toBe('SUCCEEDED');
    expect(detail.Attempts.map((attempt: any) => attempt.Container.ExitCode)).toEqual([1, 1, 0]);
  });

  test('the job fails when its attempts are used up', async () => {
    const error = await refusal(call(batch(definition({ attempts: 2 })), processParameters({ EXIT_CODES: '5' })));
    expect(JSON.parse(error.message).Attempts).toHaveLength(2);
  });

  test('the first matching EvaluateOnExit condition decides: RETRY on one exit code, EXIT on the rest (* matches any start)', async () => {
    const evaluateOnExit = [{ Action: 'RETRY', OnExitCode: '3' }, { Action: 'exit', OnExitCode: '*' }];
    const retried = await call(batch(definition({ attempts: 3, evaluateOnExit })), processParameters({ EXIT_CODES: '3,0' }));
    expect(retried.Attempts).toHaveLength(2);
    const exited = await refusal(call(batch(definition({ attempts: 3, evaluateOnExit })), processParameters({ EXIT_CODES: '4,0' })));
    expect(JSON.parse(exited.message).Attempts).toHaveLength(1);
  });

  test('an exit code pattern ending in * matches codes that start with it; OnStatusReason is matched too', async () => {
    const evaluateOnExit = [{ Action: 'EXIT', OnExitCode: '1*', OnStatusReason: 'Essential container*' }];
    const exited = await refusal(call(batch(definition({ attempts: 3, evaluateOnExit })), processParameters({ EXIT_CODES: '12,0' })));
    expect(JSON.parse(exited.message).Attempts).toHaveLength(1);
    const retried = await call(batch(definition({ attempts: 3, evaluateOnExit })), processParameters({ EXIT_CODES: '21,0' }));
    expect(retried.Attempts).toHaveLength(2);
  });

  test('the example\'s strategy (3 attempts, EXIT on any exit code) runs one attempt', async () => {
    const error = await refusal(call(batch(definition({ attempts: 3, evaluateOnExit: [{ Action: 'EXIT', OnExitCode: '*' }] })), processParameters({ EXIT_CODES: '1,0' })));
    expect(JSON.parse(error.message).Attempts).toHaveLength(1);
  });
});

describe('Batch emulator: SubmitJob input rules', () => {
  const refused = async (parameters: Record<string, any>, message: RegExp, job?: JobDefinition) => {
    const error = await refusal(call(batch(job), parameters));
    expect(error.name).toBe('Batch.ClientException');
    expect(error.message).toMatch(message);
  };

  test.each([
    ['starts with a hyphen', '-run'],
    ['has a space', 'run 1'],
    ['has 129 characters', `r${'x'.repeat(128)}`],
    ['is empty', ''],
  ])('a job name that %s is refused', async (_, jobName) => {
    await refused(processParameters({}, { JobName: jobName }), /jobName/);
  });

  test('an unknown job queue is refused, a DISABLED one too; a queue is found by ARN or name', async () => {
    await refused(processParameters({}, { JobQueue: 'arn:aws:batch:eu-west-2:123456789012:job-queue/Nope' }), /not found/);
    await refused(processParameters({}, { JobQueue: DISABLED.arn }), /DISABLED/);
    stageInput();
    await expect(call(batch(), processParameters({}, { JobQueue: 'Test-Queue' }))).resolves.toMatchObject({ Status: 'SUCCEEDED', JobQueue: QUEUE.arn });
  });

  test('a job definition is found by name, name:revision or ARN; anything else is refused', async () => {
    stageInput();
    for (const reference of ['Test-Job', 'Test-Job:1', definition().arn]) {
      await expect(call(batch(), processParameters({}, { JobDefinition: reference }))).resolves.toMatchObject({ Status: 'SUCCEEDED' });
    }
    await refused(processParameters({}, { JobDefinition: 'Test-Job:2' }), /not found/);
    await refused(processParameters({}, { JobDefinition: 'Other' }), /not found/);
  });

  test('an override variable whose name starts with AWS_BATCH is refused: Batch reserves the prefix', async () => {
    await refused(processParameters({ AWS_BATCH_JOB_ID: 'mine' }), /AWS_BATCH/);
  });

  test('a timeout override under 60 seconds is refused', async () => {
    await refused(processParameters({}, { Timeout: { AttemptDurationSeconds: 30 } }), /60 seconds/);
  });

  test('a retry strategy override outside 1-10 attempts is refused', async () => {
    await refused(processParameters({}, { RetryStrategy: { Attempts: 11 } }), /attempts/);
  });

  test('an EvaluateOnExit exit code that is not digits with an optional trailing * is refused', async () => {
    await refused(processParameters({}, { RetryStrategy: { Attempts: 2, EvaluateOnExit: [{ Action: 'EXIT', OnExitCode: 'one' }] } }), /onExitCode/);
  });

  test('given the Process state\'s tags, when the job runs, then DescribeJobs shows them as submitted and that they propagate', async () => {
    stageInput();
    const tags = { 'batch-pipeline:run': 'scan_1_csv-0123456789abcdef01234567', 'Cost Centre': 'Lab 4' };
    const detail = await call(batch(), processParameters({}, { Tags: tags, PropagateTags: true }));
    expect(detail).toMatchObject({ Status: 'SUCCEEDED', Tags: tags, PropagateTags: true });
  });

  test.each([
    ['51 tags', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`key-${i}`, 'v'])), /at most 50/],
    ['a key of 129 characters', { ['k'.repeat(129)]: 'v' }, /1 to 128/],
    ['an empty key', { '': 'v' }, /1 to 128/],
    ['a value of 257 characters', { run: 'v'.repeat(257) }, /at most 256/],
    ['a key with the reserved aws: prefix, in any case', { 'AWS:run': 'v' }, /reserved for AWS/],
    ['a key with a character no service accepts', { 'run#1': 'v' }, /not valid/],
    ['a value that is not a string', { run: 7 }, /a string/],
    ['a list instead of a map', [{ Key: 'run', Value: 'v' }], /a map/],
  ])('tags with %s are refused with a ClientException', async (_, tags, message) => {
    await refused(processParameters({}, { Tags: tags }), message);
  });

  test('a propagateTags that is not a boolean is refused', async () => {
    await refused(processParameters({}, { PropagateTags: 'yes' }), /propagateTags/);
  });

  test('a key of 128 and a value of 256 characters (counted as characters, not UTF-16 units) are accepted', async () => {
    stageInput();
    const tags = { ['é'.repeat(127) + '𝒜']: `${'v'.repeat(255)}𝒜` };
    await expect(call(batch(), processParameters({}, { Tags: tags }))).resolves.toMatchObject({ Status: 'SUCCEEDED', Tags: tags });
  });
});

describe('Batch emulator: where the job runs', () => {
  beforeEach(stageInput);

  test('with no Docker engine answering, the job runs as its local command', async () => {
    // The Docker CLI is absent here, so `docker info` fails
    const emulator = batch(undefined, { docker: undefined, dockerCommand: path.join(root, 'no-docker') });
    expect(BatchEmulator.checkRunnable(model(), { dockerCommand: path.join(root, 'no-docker') }).get(definition().arn)).toBe('local-command');
    await expect(call(emulator, processParameters())).resolves.toMatchObject({ Status: 'SUCCEEDED' });
    expect(existsSync(efs('/runs/run-1/out/report.txt'))).toBe(true);
  });

  test('given a local command whose script, or program, does not exist in the app folder, checkRunnable names the job definition, the prop and the path', () => {
    const check = (localCommand: unknown) => () =>
      BatchEmulator.checkRunnable(model(definition({ localRun: { localCommand: localCommand as string[] } })), { docker: false, appDirectory });
    expect(check(['node', 'job/job.js'])).not.toThrow();
    expect(check(['node', '--enable-source-maps', 'job/missing.js'])).toThrow(
      `the job definition 'Test-Job' (its BatchProcessor's \`localCommand\`) runs the script 'job/missing.js', which does not exist in the app folder ${appDirectory}`);
    expect(check(['./bin/missing-tool', 'x'])).toThrow(/runs '\.\/bin\/missing-tool', which does not exist as an executable file in the app folder/);
    expect(check(['no-such-program-on-path'])).toThrow(/runs 'no-such-program-on-path', which no folder of PATH holds/);
    expect(check('node job/job.js')).toThrow(LocalRuntimeError);
  });

  test('with neither Docker nor a local command, checkRunnable says what to do', () => {
    const job = definition({ localRun: undefined });
    let error: unknown;
    try {
      BatchEmulator.checkRunnable(model(job), { docker: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as LocalRuntimeError).message).toContain("'Test-Job'");
    expect((error as LocalRuntimeError).remedy).toMatch(/start Docker.*localCommand/);
  });

  test('with Docker answering, the image is built once per asset and each run binds the mount\'s local folder with the job\'s environment', async () => {
    // Given a Docker CLI that answers and records what it is asked
    const calls = path.join(root, 'docker-calls');
    mkdirSync(calls);
    const docker = path.join(root, 'docker');
    writeFileSync(docker, `#!/bin/sh\nn=$(ls ${calls} | wc -l)\nprintf '%s\\n' "$@" > ${calls}/$n\nexit 0\n`);
    chmodSync(docker, 0o755);
    const job = definition({ localRun: { localCommand: ['node', 'job/job.js'], architecture: 'X86_64' } });
    const emulator = batch(job, { docker: undefined, dockerCommand: docker });
    expect(BatchEmulator.checkRunnable(model(job), { dockerCommand: docker }).get(job.arn)).toBe('docker');
    // When two jobs run
    await call(emulator, processParameters());
    await call(emulator, processParameters({}, { JobName: 'run-2' }));
    // Then: info (detection), one build of the asset, two runs
    const recorded = Array.from({ length: 4 }, (_, i) => readFileSync(path.join(calls, String(i)), 'utf-8').trim().split('\n'));
    expect(recorded[0]).toEqual(['info']);
    expect(recorded[1]).toEqual(['build', '--platform', 'linux/amd64', '--tag', expect.stringMatching(/^batch-pipeline-local\/test-job:[0-9a-f]{12}$/), path.join(root, 'asset')]);
    const run = recorded[2];
    expect(run.slice(0, 2)).toEqual(['run', '--rm']);
    expect(run.join(' ')).toContain('--platform linux/amd64');
    expect(run.join(' ')).toContain(`--user ${process.getuid!()}:${process.getgid!()}`);
    expect(run).toContain(`${path.resolve(efs('/'))}:/mnt/pipeline`);
    // Inside the container the mount path is real: values are not rewritten
    expect(run).toContain('PIPELINE_INPUT_PATH=/mnt/pipeline/runs/run-1/in/scan 1.csv');
    expect(run).toContain('FROM_DEFINITION=yes');
    expect(run.at(-1)).toBe(recorded[1][4]);
    expect(recorded[3][0]).toBe('run');
    expect(existsSync(path.join(calls, '4'))).toBe(false);
  });
});

describe('Batch emulator: scheduling', () => {
  beforeEach(stageInput);

  test('plain submitJob answers at once with the job\'s id, and the job runs on', async () => {
    const emulator = batch();
    const result = await call(emulator, processParameters({ SLEEP_MS: '1500' }), SUBMIT);
    expect(result).toMatchObject({ JobName: 'run-1', JobId: expect.any(String), JobArn: expect.stringContaining(':job/'), SdkHttpMetadata: { HttpStatusCode: 200 } });
    expect(emulator.describeJob(result.JobId)?.Status).not.toBe('SUCCEEDED');
    for (let i = 0; i < 1200 && emulator.describeJob(result.JobId)?.Status !== 'SUCCEEDED'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(emulator.describeJob(result.JobId)?.Status).toBe('SUCCEEDED');
  });

  test('beyond maxConcurrentJobs, jobs wait RUNNABLE and run in order', async () => {
    const emulator = batch(undefined, { maxConcurrentJobs: 1 });
    // The first job runs 1.5 s, so that the second is still waiting when looked at on a busy machine
    const first = await call(emulator, processParameters({ SLEEP_MS: '1500' }), SUBMIT);
    const second = await call(emulator, processParameters({}, { JobName: 'run-2' }), SUBMIT);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulator.describeJob(second.JobId)?.Status).toBe('RUNNABLE');
    for (let i = 0; i < 1200 && emulator.describeJob(second.JobId)?.Status !== 'SUCCEEDED'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(emulator.describeJob(second.JobId)!.StartedAt as number).toBeGreaterThanOrEqual(emulator.describeJob(first.JobId)!.StoppedAt as number);
  });

  test('given a job waiting RUNNABLE for a slot, when TerminateJob, then it ends FAILED with the reason at once and never starts', async () => {
    const emulator = batch(undefined, { maxConcurrentJobs: 1 });
    const first = await call(emulator, processParameters({ SLEEP_MS: '1500' }), SUBMIT);
    const second = await call(emulator, processParameters({}, { JobName: 'run-2' }), SUBMIT);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulator.describeJob(second.JobId)?.Status).toBe('RUNNABLE');
    expect(emulator.terminateJob(second.JobId, 'not needed')).toBe(true);
    for (let i = 0; i < 40 && emulator.describeJob(second.JobId)?.Status !== 'FAILED'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(emulator.describeJob(second.JobId)).toMatchObject({ Status: 'FAILED', StatusReason: 'not needed', Attempts: [] });
    // The running job is not touched, and a job id never submitted is not found.
    expect(emulator.describeJob(first.JobId)?.Status).toBe('RUNNING');
    expect(emulator.terminateJob('no-such-job', 'any')).toBe(false);
  });

  test('the emulator answers only the Batch SubmitJob integrations', () => {
    const emulator = batch();
    expect(emulator.handles(SYNC) && emulator.handles(SUBMIT)).toBe(true);
    expect(emulator.handles('arn:aws:states:::batch:submitJob.waitForTaskToken')).toBe(false);
  });
});

/**
 * A job that leaves a process behind: it starts `sleep 1000` (which inherits its output pipes),
 * writes both process ids to `$PIDS_FILE` (whole, by a rename: the test reads it as soon as it
 * exists), then hangs, or exits with `$EXIT_NOW` when set.
 */
const ORPHANING_JOB = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const sleeper = spawn('sleep', ['1000'], { stdio: 'inherit' });
fs.writeFileSync(process.env.PIDS_FILE + '.partial', JSON.stringify({ job: process.pid, sleeper: sleeper.pid }));
fs.renameSync(process.env.PIDS_FILE + '.partial', process.env.PIDS_FILE);
console.log('started sleep ' + sleeper.pid);
if (process.env.EXIT_NOW) process.exit(Number(process.env.EXIT_NOW));
process.on('SIGTERM', () => undefined);
setInterval(() => undefined, 1000);
`;

async function pidsOf(file: string): Promise<{ job: number; sleeper: number }> {
  for (let i = 0; i < 1200 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  return JSON.parse(readFileSync(file, 'utf-8'));
}

describe('Batch emulator: a job and the processes it starts end together, as a container does', () => {
  let pidsFile: string;
  const orphaning = (changes: Partial<JobDefinition> = {}) => definition({ localRun: { localCommand: ['node', 'job/orphaning.js'] }, ...changes });
  beforeEach(() => {
    stageInput();
    writeFileSync(path.join(appDirectory, 'job', 'orphaning.js'), ORPHANING_JOB);
    pidsFile = path.join(root, 'pids.json');
  });

  test('given a hung job that started `sleep 1000` in the background, when its attempt times out, then the call ends and no process of the job is left', async () => {
    const started = Date.now();
    const emulator = batch(orphaning({ attemptDurationSeconds: 1 }), { stopTimeoutSeconds: 0.5 });
    const error = await refusal(call(emulator, processParameters({ PIDS_FILE: pidsFile })));
    const pids = await pidsOf(pidsFile);
    expect(JSON.parse(error.message)).toMatchObject({ Status: 'FAILED', StatusReason: 'Job attempt duration exceeded timeout', Container: { ExitCode: 137 } });
    // Well before `sleep 1000` would have ended (the bound leaves room for a busy machine)
    expect(Date.now() - started).toBeLessThan(30_000);
    expect([running(pids.job), running(pids.sleeper)]).toEqual([false, false]);
    expect(() => process.kill(-pids.job, 0)).toThrow();
  });

  test('given a job that exits 0 while a process it started still holds its output, then the job SUCCEEDS at once and that process ends', async () => {
    const started = Date.now();
    const detail = await call(batch(orphaning()), processParameters({ PIDS_FILE: pidsFile, EXIT_NOW: '0' }));
    const pids = await pidsOf(pidsFile);
    expect(detail).toMatchObject({ Status: 'SUCCEEDED', Container: { ExitCode: 0 } });
    // Not after the `sleep 1000` that held the output (the bound leaves room for a busy machine)
    expect(Date.now() - started).toBeLessThan(30_000);
    // Killed with the job's group: its pipes close as it exits, a moment before the kernel has ended it
    for (let i = 0; i < 250 && running(pids.sleeper); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running(pids.sleeper)).toBe(false);
    expect(readFileSync(state.logFile('batch/Test-Job', 'run-1'), 'utf-8')).toContain(`started sleep ${pids.sleeper}`);
  });

  test('given a time scale of 0.01, when a hung job has a 100 s attempt timeout, then it is terminated after about 1 s', async () => {
    const started = Date.now();
    const error = await refusal(call(batch(orphaning({ attemptDurationSeconds: 100 }), {}, 0.01), processParameters({ PIDS_FILE: pidsFile })));
    const elapsed = Date.now() - started;
    expect(JSON.parse(error.message)).toMatchObject({ StatusReason: 'Job attempt duration exceeded timeout' });
    // 1 s, then the stop timeout (30 s scaled to 0.3 s) for the job that ignores SIGTERM.
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    // Well under the 100 s unscaled (the bound leaves room for a busy machine)
    expect(elapsed).toBeLessThan(30_000);
  });

  test('given a running job and one waiting for capacity, when the emulator stops, then the running job\'s group ends, the waiting job never starts, and both end FAILED', async () => {
    const emulator = batch(orphaning(), { maxConcurrentJobs: 1, stopTimeoutSeconds: 0.2 });
    const first = refusal(call(emulator, processParameters({ PIDS_FILE: pidsFile })));
    const second = refusal(call(emulator, processParameters({ PIDS_FILE: path.join(root, 'never.json') }, { JobName: 'run-2' })));
    const pids = await pidsOf(pidsFile);
    await emulator.stop();
    const [one, two] = await Promise.all([first, second]);
    expect(JSON.parse(one.message)).toMatchObject({ Status: 'FAILED', StatusReason: 'Terminated: the local runtime stopped', Container: { ExitCode: 137 } });
    expect(JSON.parse(two.message)).toMatchObject({ Status: 'FAILED', StatusReason: 'Terminated: the local runtime stopped', Attempts: [] });
    expect([running(pids.job), running(pids.sleeper)]).toEqual([false, false]);
    expect(existsSync(path.join(root, 'never.json'))).toBe(false);
  });
});
