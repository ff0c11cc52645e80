import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { JobDefinition, JobQueue } from '../../../src/model/pipeline-model';
import { BatchEmulator } from '../../../src/services/batch/batch-emulator';
import { placementBlockOf, timeLimitCancelReason } from '../../../src/services/batch/job-state-time-limit';
import { TEST_EXECUTION, testModel, useTestState } from '../service-fixtures';

const SYNC = 'arn:aws:states:::batch:submitJob.sync';
const REASON = 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE';
const local = useTestState('job-state-time-limit');

function queue(changes: Partial<JobQueue> = {}): JobQueue {
  return {
    logicalId: 'Queue',
    name: 'Test-Queue',
    arn: 'arn:aws:batch:eu-west-2:123456789012:job-queue/Test-Queue',
    state: 'ENABLED',
    maxvCpus: 1,
    jobStateTimeLimitActions: [{ action: 'CANCEL', state: 'RUNNABLE', reason: REASON, maxTimeSeconds: 600 }],
    ...changes,
  };
}

function definition(vcpus: number): JobDefinition {
  return {
    logicalId: 'Job',
    name: 'Test-Job',
    arn: 'arn:aws:batch:eu-west-2:123456789012:job-definition/Test-Job:1',
    environment: {},
    mounts: [],
    attempts: 1,
    evaluateOnExit: [],
    vcpus,
    // A command that would fail if it ever ran: a job that cannot be placed never starts.
    localRun: { localCommand: ['node', '-e', 'require("fs").writeFileSync("started", ""); process.exit(3)'] },
    image: 'busybox',
  };
}

function modelOf(jobQueue: JobQueue, job: JobDefinition) {
  return testModel({ jobQueues: new Map([[jobQueue.arn, jobQueue]]), jobDefinitions: new Map([[job.arn, job]]) });
}

/** Submits one job (`.sync`) to an emulator at the given time scale and says how it ended and how long it took. */
async function submit(jobQueue: JobQueue, vcpus: number, timeScale: number): Promise<{ error?: Error; detail?: any; ms: number }> {
  const job = definition(vcpus);
  const context = { ...local.context(modelOf(jobQueue, job)), timeScale };
  const batch = new BatchEmulator(context, { appDirectory: local.root, docker: false });
  const started = Date.now();
  try {
    const detail = await batch.call({ resource: SYNC, stateName: 'Process', parameters: { JobName: 'run-1', JobQueue: jobQueue.arn, JobDefinition: job.arn }, execution: TEST_EXECUTION });
    return { detail, ms: Date.now() - started };
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  } finally {
    batch.dispose();
  }
}

describe('a job the compute environment cannot place (job-state time limits)', () => {
  test('given a job asking for more vCPUs than maxvCpus, it stays RUNNABLE, then the queue cancels it after maxTimeSeconds (time-scaled) with its reason', async () => {
    // 600 s at 0.0005: 300 ms.
    const { error, ms } = await submit(queue(), 2, 0.0005);
    expect(error?.name).toBe('States.TaskFailed');
    const detail = JSON.parse(error!.message);
    expect(detail).toEqual(expect.objectContaining({ Status: 'FAILED', StatusReason: `Canceled by JobStateTimeLimit action due to reason: ${REASON}`, Attempts: [] }));
    expect(detail.Container.ExitCode).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(existsSync(path.join(local.root, 'started'))).toBe(false);
    expect(local.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'log', message: expect.stringContaining(`RUNNABLE: ${REASON} - `) })]));
  });

  test('given no time-limit action for the reason, it stays RUNNABLE until the runtime stops', async () => {
    const jobQueue = queue({ jobStateTimeLimitActions: [{ action: 'CANCEL', state: 'RUNNABLE', reason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', maxTimeSeconds: 600 }] });
    const job = definition(2);
    const context = { ...local.context(modelOf(jobQueue, job)), timeScale: 0.0005 };
    const batch = new BatchEmulator(context, { appDirectory: local.root, docker: false });
    const outcome = batch.call({ resource: SYNC, stateName: 'Process', parameters: { JobName: 'run-1', JobQueue: jobQueue.arn, JobDefinition: job.arn }, execution: TEST_EXECUTION })
      .then(() => 'succeeded', (error: Error) => JSON.parse(error.message).StatusReason);
    const early = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 600))]);
    expect(early).toBe('still waiting');
    batch.dispose();
    expect(await outcome).toBe('Terminated: the local runtime stopped');
  });

  test('given a job stuck RUNNABLE, when TerminateJob, then it stops waiting and ends FAILED with the reason', async () => {
    const jobQueue = queue({ jobStateTimeLimitActions: [] });
    const job = definition(2);
    const batch = new BatchEmulator({ ...local.context(modelOf(jobQueue, job)), timeScale: 1 }, { appDirectory: local.root, docker: false });
    let submitted: { JobId: string } | undefined;
    const parameters = { JobName: 'run-1', JobQueue: jobQueue.arn, JobDefinition: job.arn };
    const outcome = batch.call({ resource: SYNC, stateName: 'Process', parameters, execution: TEST_EXECUTION, onSubmitted: (answer) => (submitted = answer as { JobId: string }) })
      .then(() => 'succeeded', (error: Error) => JSON.parse(error.message).StatusReason);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batch.describeJob(submitted!.JobId)?.Status).toBe('RUNNABLE');
    batch.terminateJob(submitted!.JobId, 'nothing can place it');
    expect(await outcome).toBe('nothing can place it');
    batch.dispose();
  });

  test('given more jobs than local job slots, those waiting for a slot past the queue\'s time limit (time-scaled) all run and succeed: the action is for jobs nothing can place, not for capacity held by running jobs', async () => {
    // Fits the queue (1 vCPU of 1), runs 150 ms. With 1 slot, the sixth job waits about 750 ms,
    // well past the action's 600 s at 0.0005 (300 ms).
    const job: JobDefinition = { ...definition(1), localRun: { localCommand: ['node', '-e', 'setTimeout(() => undefined, 150)'] } };
    const jobQueue = queue();
    const context = { ...local.context(modelOf(jobQueue, job)), timeScale: 0.0005 };
    const batch = new BatchEmulator(context, { appDirectory: local.root, docker: false, maxConcurrentJobs: 1 });
    const started = Date.now();
    try {
      const details = await Promise.all(Array.from({ length: 6 }, (_, index) => batch.call({
        resource: SYNC, stateName: 'Process', parameters: { JobName: `run-${index}`, JobQueue: jobQueue.arn, JobDefinition: job.arn }, execution: TEST_EXECUTION,
      }) as Promise<any>));
      expect(details.map((detail) => detail.Status)).toEqual(Array(6).fill('SUCCEEDED'));
      expect(Date.now() - started).toBeGreaterThan(600);
      expect(local.events).not.toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('JobStateTimeLimit') })]));
    } finally {
      batch.dispose();
    }
  });

  test('a job that fits is placed and runs as usual', () => {
    expect(placementBlockOf(queue(), 1)).toBeUndefined();
    expect(placementBlockOf(queue({ maxvCpus: undefined }), 64)).toBeUndefined();
    expect(placementBlockOf(queue(), 1.5)?.reason).toBe(REASON);
    expect(timeLimitCancelReason(REASON)).toBe(`Canceled by JobStateTimeLimit action due to reason: ${REASON}`);
  });
});
