import { TerminateJobCommand } from '@aws-sdk/client-batch';
import { CancelTaskExecutionCommand } from '@aws-sdk/client-datasync';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { EXIT } from '../cli-error';
import { Command } from '../command';
import { parseRunCommandLine, TARGET_USAGE } from '../command-line';
import { commandHint } from '../output/command-hint';
import { describeRun, historyOf } from '../runs/executions';
import { describeJobs, FINAL_STATES } from '../runs/job-status';
import { cleanupCallOf, cleanUpRun } from '../runs/run-cleanup';
import { startedResourcesOf } from '../runs/run-history';
import { explainAwsError } from '../target/aws-errors';
import { call, PipelineTarget, resolveTarget } from '../target/pipeline-target';

const USAGE = `Usage: batch-pipeline cancel <run> <target>

Ends a running run and what it started: stops the execution (StopExecution), terminates its
Batch job (TerminateJob) and cancels its DataSync task executions (CancelTaskExecution); once the
job has ended, removes the run's files on EFS through the pipeline's workspace function (Invoke),
as the run's own clean-up would have. The upload is kept (re-run it with \`batch-pipeline rerun\`).
For a run that was stopped or timed out earlier, cancel removes the files it left on EFS.
${TARGET_USAGE}`;

/** How long cancel waits for a terminated job to end before it removes the run's files (Batch stops a container within 30 s). */
const JOB_END_WAIT_MS = 90_000;
const JOB_END_POLL_MS = 2_000;
/** Ended runs whose clean-up never ran: the state machine stopped before its clean-up state. */
const UNCLEANED_STATUSES = new Set(['ABORTED', 'TIMED_OUT']);

/** What `cancel` did. */
export interface Cancellation {
  readonly run: string;
  /** The run's status before: only a RUNNING run is stopped. */
  readonly status: string;
  readonly stopped: string[];
  /** What the run had started that had ended before cancel looked (a .sync job Step Functions stops with the execution). */
  readonly alreadyEnded: string[];
  readonly notStopped: string[];
  /** What the clean-up cleared on EFS: the paths it removed where they were (the workspace function removes with `force`). */
  readonly removed: string[];
  /** Why the run's files on EFS were not removed, when they were not. */
  readonly notRemoved: string[];
  readonly upload?: string;
}

/** Stops a run and what it started; returns what was stopped and what could not be. */
export async function cancelRun(target: PipelineTarget, runId: string): Promise<Cancellation> {
  const described = await describeRun(target, runId);
  const input = JSON.parse(described.input ?? '{}') as { runId?: string; bucket?: string; key?: string; versionId?: string | null };
  const upload = input.key ? `s3://${input.bucket}/${input.key}${input.versionId ? ` (version ${input.versionId})` : ''}` : undefined;
  const stopped: string[] = [];
  const alreadyEnded: string[] = [];
  const notStopped: string[] = [];
  const removed: string[] = [];
  const notRemoved: string[] = [];
  if (described.status !== 'RUNNING') {
    if (UNCLEANED_STATUSES.has(described.status ?? '')) {
      await removeRunFiles(target, await historyOf(target, described.executionArn!), [], removed, notRemoved);
    }
    return { run: described.name!, status: described.status!, stopped, alreadyEnded, notStopped, removed, notRemoved, upload };
  }
  // The execution first, so that it starts nothing more; then what it had started.
  await call('StopExecution', () => target.clients.stepFunctions.send(new StopExecutionCommand({
    executionArn: described.executionArn, error: 'Cancelled', cause: 'cancelled with batch-pipeline cancel',
  })));
  stopped.push(`execution ${described.name}`);
  const history = await historyOf(target, described.executionArn!);
  const { jobIds, taskExecutionArns } = startedResourcesOf(history);
  for (const job of await describeJobs(target, jobIds)) {
    if (FINAL_STATES.has(job.status ?? '')) {
      // Ended before cancel looked: with the execution (Step Functions stops a .sync job it started), or earlier.
      alreadyEnded.push(`Batch job ${job.jobName} (${job.jobId}): ${job.status}${job.statusReason ? `, ${job.statusReason}` : ''}`);
      continue;
    }
    try {
      await target.clients.batch.send(new TerminateJobCommand({
        jobId: job.jobId,
        reason: `run ${described.name} cancelled with `
        + 'batch-pipeline cancel',
      }));
      stopped.push(`Batch job ${job.jobName} (${job.jobId}, was ${job.status})`);
    } catch (error) {
      const explained = explainAwsError(error, 'TerminateJob');
      if (explained) throw explained;
      notStopped.push(`Batch job ${job.jobName} (${job.jobId}): ${(error as Error).message}`);
    }
  }
  for (const taskExecutionArn of taskExecutionArns) {
    try {
      await target.clients.dataSync.send(new CancelTaskExecutionCommand({ TaskExecutionArn: taskExecutionArn }));
      stopped.push(`DataSync task execution ${taskExecutionArn.split('/').pop()}`);
    } catch (error) {
      const explained = explainAwsError(error, 'CancelTaskExecution');
      if (explained) throw explained;
      // InvalidRequestException: the execution had already ended.
      if ((error as Error).name !== 'InvalidRequestException') {
        notStopped.push(`DataSync task execution ${taskExecutionArn}: `
        + `${(error as Error).message}`);
      }
    }
  }
  await removeRunFiles(target, history, jobIds, removed, notRemoved);
  return { run: described.name!, status: described.status!, stopped, alreadyEnded, notStopped, removed, notRemoved, upload };
}

/**
 * Removes the run's files on EFS once its jobs have ended (a job still running would write on):
 * the clean-up call its own calls name, through the workspace function.
 */
async function removeRunFiles(target: PipelineTarget, history: Parameters<typeof cleanupCallOf>[0], jobIds: readonly string[],
  removed: string[], notRemoved: string[]): Promise<void> {
  const cleanup = cleanupCallOf(history);
  if (!cleanup) return; // the run never called the workspace function: it wrote nothing on EFS
  const deadline = Date.now() + JOB_END_WAIT_MS;
  let running = await runningJobs(target, jobIds);
  while (running.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, JOB_END_POLL_MS));
    running = await runningJobs(target, jobIds);
  }
  if (running.length > 0) {
    notRemoved.push(`the run's files on EFS (runs/${cleanup.payload.runId}/): Batch job ${running.join(', ')} had not ended after `
      + `${JOB_END_WAIT_MS / 1000} s; run \`${commandHint(`cancel ${cleanup.payload.runId}`, target.targetArgs)}\` again `
      + 'once it has, to remove them');
    return;
  }
  const outcome = await cleanUpRun(target, cleanup);
  if ('removed' in outcome) {
    removed.push(...outcome.removed);
  } else {
    notRemoved.push(`the run's files on EFS (runs/${cleanup.payload.runId}/): ${outcome.notRemoved}`);
  }
}

async function runningJobs(target: PipelineTarget, jobIds: readonly string[]): Promise<string[]> {
  if (jobIds.length === 0) return [];
  return (await describeJobs(target, jobIds)).filter((job) => !FINAL_STATES.has(job.status ?? '')).map((job) => job.jobId ?? '');
}

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'stop a run and the Batch job and DataSync transfers it started; the upload is kept',
  async run(args, output) {
    const command = parseRunCommandLine('cancel', args, {}, USAGE, output);
    if (!command) return EXIT.ok;
    const runId = command.runId;
    const target = await resolveTarget(command);
    const cancellation = await cancelRun(target, runId);
    if (command.json) {
      output.print(JSON.stringify(cancellation, undefined, 2));
    } else if (cancellation.status !== 'RUNNING') {
      output.print(`run ${cancellation.run} had already ended (${cancellation.status}): nothing to cancel`);
      if (cancellation.removed.length > 0) output.print(`  cleared what it left on EFS: ${cancellation.removed.join(', ')}`);
      for (const line of cancellation.notRemoved) output.print(`  not removed: ${line}`);
    } else {
      output.print(`cancelled run ${cancellation.run}:`);
      for (const line of cancellation.stopped) output.print(`  stopped ${line}`);
      for (const line of cancellation.alreadyEnded) output.print(`  already ended: ${line}`);
      for (const line of cancellation.notStopped) output.print(`  not stopped: ${line}`);
      if (cancellation.removed.length > 0) output.print(`  cleared on EFS: ${cancellation.removed.join(', ')}`);
      for (const line of cancellation.notRemoved) output.print(`  not removed: ${line}`);
      if (cancellation.upload) {
        const rerun = commandHint(`rerun ${cancellation.run}`, command.targetArgs);
        output.print(`  kept the upload ${cancellation.upload}; run it again with \`${rerun}\``);
      }
    }
    return EXIT.ok;
  },
};
