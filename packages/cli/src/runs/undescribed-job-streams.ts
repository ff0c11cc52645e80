import { DescribeLogStreamsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { call, PipelineTarget } from '../target/pipeline-target';

/** Batch's log group when a job definition names none. */
const DEFAULT_JOB_LOG_GROUP = '/aws/batch/job';
/** FilterLogEvents pages read at most per search: the run's time window keeps them few; this bounds a busy group. */
const MAX_FILTER_PAGES = 20;

/** A job a run submitted that DescribeJobs no longer describes (Batch forgets jobs; a served runtime forgets an earlier session's). */
export interface UndescribedJob {
  readonly jobId: string;
  /** The JobName the run's TaskSubmitted event gave, when it did. */
  readonly jobName?: string;
}

/** When the run ran: the job's lines lie within. */
export interface RunWindow {
  readonly runId: string;
  readonly from: number;
  /** Undefined while the run is going. */
  readonly to?: number;
}

/** The log group of each job definition of the pipeline: the template's `awslogs-group`, else Batch's default. */
export function jobDefinitionGroups(target: PipelineTarget): Array<{ definition: string; logGroup: string }> {
  return [...target.model.jobDefinitions.values()].map((definition) => ({
    definition: definition.name, logGroup: target.jobLogGroups.get(definition.name) ?? DEFAULT_JOB_LOG_GROUP,
  }));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a catch is a log group or stream that does not exist (nothing written there yet). */
function notFound(error: unknown): boolean {
  return (error as Error).name === 'ResourceNotFoundException';
}

/**
 * The log streams of a job DescribeJobs knows nothing of, found from the template and the run: in
 * the log group of each of the pipeline's job definitions, the stream `<definition>/default/<job
 * name>` (what a served runtime names the stream of a job of an earlier session), and the streams
 * of that definition whose lines name the job id or the run id within the run's time window (on
 * AWS a stream is named by the ECS task, which the history does not give). A re-run's id
 * (`<run>-r1`) is not the run's.
 */
export async function undescribedJobStreams(
  target: PipelineTarget, job: UndescribedJob, window: RunWindow,
): Promise<Array<{ logGroup: string; logStream: string }>> {
  const found: Array<{ logGroup: string; logStream: string }> = [];
  const namesRun = new RegExp(`${escape(job.jobId)}|${escape(window.runId)}(?!-r\\d)`);
  for (const { definition, logGroup } of jobDefinitionGroups(target)) {
    const prefix = `${definition}/default/`;
    const streams = new Set<string>();
    try {
      if (job.jobName) {
        const named = `${prefix}${job.jobName}`;
        const page = await call('DescribeLogStreams', () => target.clients.logs.send(new DescribeLogStreamsCommand({
          logGroupName: logGroup, logStreamNamePrefix: named,
        })));
        if ((page.logStreams ?? []).some((stream) => stream.logStreamName === named)) streams.add(named);
      }
      for (const term of [job.jobId, window.runId]) {
        let nextToken: string | undefined;
        for (let pages = 0; pages < MAX_FILTER_PAGES; pages++) {
          const page = await call('FilterLogEvents', () => target.clients.logs.send(new FilterLogEventsCommand({
            logGroupName: logGroup, logStreamNamePrefix: prefix, filterPattern: `"${term}"`, startTime: window.from, endTime: window.to, nextToken,
          })));
          for (const event of page.events ?? []) {
            if (event.logStreamName && namesRun.test(event.message ?? '')) streams.add(event.logStreamName);
          }
          nextToken = page.nextToken;
          if (!nextToken) break;
        }
      }
    } catch (error) {
      if (!notFound(error)) throw error;
    }
    found.push(...[...streams].map((logStream) => ({ logGroup, logStream })));
  }
  return found;
}

/** The one line said when a job's lines cannot be found: which job, and where to look. */
export function unavailableJobLinesNotice(target: PipelineTarget, job: UndescribedJob, window: RunWindow): string {
  const groups = [...new Set(jobDefinitionGroups(target).map((entry) => entry.logGroup))];
  return `the lines of job ${job.jobName ?? job.jobId} (${job.jobId}) are not available: Batch no longer describes the job and no `
    + `stream of ${groups.join(', ') || DEFAULT_JOB_LOG_GROUP} names it; look in that log group for streams written from `
    + `${new Date(window.from).toISOString()} on`;
}
