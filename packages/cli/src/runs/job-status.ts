import { DescribeJobsCommand, JobDetail } from '@aws-sdk/client-batch';
import { call, PipelineTarget } from '../target/pipeline-target';

/** DescribeJobs of up to 100 jobs (the API's limit per call), in the order asked. */
export async function describeJobs(target: PipelineTarget, jobIds: readonly string[]): Promise<JobDetail[]> {
  const jobs: JobDetail[] = [];
  for (let start = 0; start < jobIds.length; start += 100) {
    const page = await call('DescribeJobs', () => target.clients.batch.send(new DescribeJobsCommand({ jobs: jobIds.slice(start, start + 100) })));
    jobs.push(...page.jobs ?? []);
  }
  return jobs;
}

/** Batch job states in which a job waits for capacity: its status reason says why. */
export const WAITING_STATES = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING']);
/** Batch job states after which nothing changes. */
export const FINAL_STATES = new Set(['SUCCEEDED', 'FAILED']);

/**
 * The log streams of a job's attempts (and of the job while it runs), with the log group its
 * definition names: DescribeJobs' `logConfiguration`, else the template's (`groupsByDefinition`),
 * else Batch's default.
 */
export function logStreamsOf(
  job: JobDetail, groupsByDefinition: ReadonlyMap<string, string> = new Map(),
): Array<{ logGroup: string; logStream: string }> {
  const definitionName = (job.jobDefinition ?? '').split('/').pop()?.replace(/:\d+$/, '') ?? '';
  const logGroup = job.container?.logConfiguration?.options?.['awslogs-group'] ?? groupsByDefinition.get(definitionName) ?? '/aws/batch/job';
  const streams = [
    ...(job.attempts ?? []).map((attempt) => attempt.container?.logStreamName),
    job.container?.logStreamName,
  ].filter((stream): stream is string => typeof stream === 'string' && stream.length > 0);
  return [...new Set(streams)].map((logStream) => ({ logGroup, logStream }));
}
