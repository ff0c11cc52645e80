import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { functionNameOf, inputSizeOf, jobUsageOf, lambdaInvocationsOf, RunUsage, snsPublishesOf, transitionsOf, usesDataSync } from './run-usage';
import { describeRun, historyOf } from '../runs/executions';
import { describeJobs } from '../runs/job-status';
import { startedResourcesOf } from '../runs/run-history';
import { explainAwsError } from '../target/aws-errors';
import { PipelineTarget } from '../target/pipeline-target';
import { reportPrefixOf } from '../target/run-locations';

/** The template's compute environments run on Fargate Spot only: every job is billed at the Spot price. */
function spotOnly(resources: Readonly<Record<string, any>>): boolean {
  const types = Object.values(resources).filter((resource) => resource.Type === 'AWS::Batch::ComputeEnvironment')
    .map((resource) => resource.Properties?.ComputeResources?.Type);
  return types.length > 0 && types.every((type) => type === 'FARGATE_SPOT');
}

/** The memory (MiB) of a job definition's container in the template, by the definition's name. */
function jobMemoryOf(target: PipelineTarget, jobDefinitionArn: string | undefined): { vcpus?: number; memoryMiB?: number } {
  const definition = [...target.model.jobDefinitions.values()].find((candidate) => candidate.arn === jobDefinitionArn
    || jobDefinitionArn?.includes(`/${candidate.name}:`));
  if (!definition) return {};
  const container = target.resources[definition.logicalId]?.Properties?.ContainerProperties;
  const requirements: Array<{ Type: string; Value: string }> = container?.ResourceRequirements ?? [];
  const memory = requirements.find((requirement) => requirement.Type === 'MEMORY')?.Value;
  return { vcpus: definition.vcpus, memoryMiB: memory === undefined ? undefined : Number(memory) };
}

/** The function each Lambda task state of a definition (nested Map and Parallel states included) invokes, by state name. */
export function lambdaStatesOf(definition: unknown): Map<string, string> {
  const states = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === 'object') {
      const object = value as Record<string, any>;
      if (object.States !== null && typeof object.States === 'object') {
        for (const [name, state] of Object.entries(object.States as Record<string, any>)) {
          const fn = functionNameOf(state?.Parameters ?? state?.Arguments);
          if (fn && String(state.Resource ?? '').includes(':lambda:')) states.set(name, fn);
        }
      }
      Object.values(object).forEach(visit);
    }
  };
  visit(definition);
  return states;
}

/** Bytes and count of the run's reports (ListObjectsV2 under its report prefix). */
async function reportsOf(target: PipelineTarget, runId: string): Promise<{ count: number; bytes: number }> {
  if (!target.reports) return { count: 0, bytes: 0 };
  let count = 0;
  let bytes = 0;
  try {
    const prefix = reportPrefixOf(target.reports, runId);
    for await (const page of paginateListObjectsV2({ client: target.clients.s3 }, { Bucket: target.reports.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        count += 1;
        bytes += object.Size ?? 0;
      }
    }
  } catch (error) {
    throw explainAwsError(error, 'ListObjectsV2') ?? error;
  }
  return { count, bytes };
}

/**
 * What a run used, from what the target recorded: its execution history (transitions, Lambda
 * tasks, SNS publishes, DataSync), Batch DescribeJobs (vCPU, memory, started and stopped) and its
 * reports in S3. The same calls against AWS and against `batch-pipeline serve`.
 */
export async function measureRun(target: PipelineTarget, runId: string): Promise<RunUsage> {
  const execution = await describeRun(target, runId);
  const events = await historyOf(target, execution.executionArn!);
  const memoryByName = new Map([...target.model.functions.values()].map((fn) => [fn.name, fn.memoryMiB]));
  const lambdaFunctions = lambdaStatesOf(target.model.stateMachine.definition);
  const { jobIds } = startedResourcesOf(events);
  const jobs = jobIds.length > 0 ? await describeJobs(target, jobIds) : [];
  const spot = spotOnly(target.resources);
  const reports = await reportsOf(target, execution.name ?? runId);
  const dataSync = usesDataSync(events);
  return {
    runId: execution.name ?? runId,
    transitions: transitionsOf(events),
    lambda: lambdaInvocationsOf(events, (name) => memoryByName.get(name) ?? 128, (state) => lambdaFunctions.get(state)),
    jobs: jobs.map((job) => jobUsageOf(job, spot, jobMemoryOf(target, job.jobDefinition))),
    dataSyncBytes: dataSync ? inputSizeOf(execution.input) + reports.bytes : 0,
    s3PutRequests: 1 + reports.count,
    s3GetRequests: 1,
    snsPublishes: snsPublishesOf(events),
  };
}

/** The trigger function's memory: the function an upload notification invokes. */
export function triggerMemoryOf(target: PipelineTarget): number {
  const arn = target.model.uploadTriggers[0]?.functionArn;
  return [...target.model.functions.values()].find((fn) => fn.arn === arn)?.memoryMiB ?? 128;
}
