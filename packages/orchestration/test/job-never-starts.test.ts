import * as batch from 'aws-cdk-lib/aws-batch';
import { LocalRun, SynthesizedPipeline, TIME_SCALE } from './local-run/local-pipeline';
import { pipelineProps } from './pipeline-fixture';
import { PipelineOrchestration, PipelineStep, StagingStrategy } from '../src';

// A job that asks for more vCPUs than the compute environment has can never be placed: on AWS it
// waits RUNNABLE at the head of the queue. The job queue's time-limit action cancels it after the
// processor's runnableTimeout (30 minutes; 36 s here at the tests' time scale), and the run fails at
// process with one notification that says why, long before the process timeout (3.5 hours).
jest.setTimeout(120_000);

let pipeline: SynthesizedPipeline;
let run: LocalRun;

beforeAll(async () => {
  pipeline = await SynthesizedPipeline.synthesize((parts) => {
    new PipelineOrchestration(parts.stack, 'Orchestration', { ...pipelineProps(parts), staging: StagingStrategy.DIRECT });
    // The misconfiguration: 1 vCPU in the compute environment, a job definition that asks for 2.
    (parts.processor.computeEnvironment.node.defaultChild as batch.CfnComputeEnvironment).addPropertyOverride('ComputeResources.MaxvCpus', 1);
    const definition = parts.processor.jobDefinition.node.defaultChild as batch.CfnJobDefinition;
    definition.addPropertyOverride('ContainerProperties.ResourceRequirements', [{ Type: 'MEMORY', Value: '4096' }, { Type: 'VCPU', Value: '2' }]);
  });
  run = await pipeline.start();
});
afterAll(async () => {
  await run?.stop();
  pipeline?.dispose();
});

test('given a job the compute environment cannot place, the queue cancels it after runnableTimeout and the notification says it never started', async () => {
  const started = Date.now();
  const result = await run.process('incoming/2026/big.csv', 'a,b\n');
  const elapsed = Date.now() - started;
  expect(result.summary.status).toBe('FAILED');
  expect(result.notifications).toEqual([expect.objectContaining({
    failedStep: PipelineStep.PROCESS,
    error: 'States.TaskFailed',
    job: expect.objectContaining({ status: 'FAILED', statusReason: 'Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE' }),
  })]);
  const [{ subject, message }] = result.published;
  expect(subject).toBe('Run failed at process: big.csv (job never started)');
  expect(message.split('\n')[0]).toMatch(/the job never started: Batch cancelled it after it waited RUNNABLE at the head of the queue \(MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE\)$/);
  // Cancelled after the 30-minute runnableTimeout (time-scaled), not held until the 3.5-hour process timeout.
  expect(elapsed).toBeGreaterThanOrEqual(30 * 60 * 1000 * TIME_SCALE);
  expect(elapsed).toBeLessThan(3.5 * 3600 * 1000 * TIME_SCALE);
  expect(run.filesOnFileSystems()).toEqual([]);
});
